/*
 * render/retain.c: retention as memcheck-style text: what is still
 * reachable, the roots by the bytes each alone keeps alive, the largest
 * blocks held from the roots with their stacks and the pointer path from
 * their root, and the allocation sites by retained bytes.
 */
#include "render/retain.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/text.h"
#include "util/text.h"

#define RENDER_RETAIN_PATH_HEAD 3 /* steps shown at each end of a long path */

/* The first frames of a stack, innermost first, inlined ones included:
 * "f (a.c:3) < g (a.c:9)", or "(no stack)". */
static void render_retain_frames(const snapshot *snap, uint32_t stack, int max_frames, char *buf,
                                 size_t buflen) {
  const snap_stack *st = stack < snap->nstacks ? &snap->stacks[stack] : NULL;
  size_t used = 0;
  int shown = 0;
  buf[0] = '\0';
  for (uint32_t i = 0; st != NULL && i < st->nlocs && shown < max_frames; i++) {
    const snap_location *loc = &snap->locations[st->locs[i]];
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines && shown < max_frames && used + 4 < buflen; l++) {
      char frame[1024];
      render_text_frame(snap, loc, l, frame, sizeof frame);
      int n = snprintf(buf + used, buflen - used, "%s%s", shown ? " < " : "", frame);
      used = n < 0 ? used : used + (size_t)n < buflen ? used + (size_t)n : buflen - 1;
      shown++;
    }
  }
  if (!shown) snprintf(buf, buflen, "%s", snap->sample_interval > 1 ? "(not sampled)" : "(no stack)");
}

static void render_retain_stack(FILE *out, const snapshot *snap, uint32_t stack, int pid, int max_frames) {
  const snap_stack *st = stack < snap->nstacks ? &snap->stacks[stack] : NULL;
  int shown = 0;
  for (uint32_t i = 0; st != NULL && i < st->nlocs && shown < max_frames; i++) {
    const snap_location *loc = &snap->locations[st->locs[i]];
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines && shown < max_frames; l++) {
      char frame[1024];
      render_text_frame_at(snap, loc, l, frame, sizeof frame);
      fprintf(out, "==%d==    %s 0x%" PRIX64 ": %s\n", pid, shown ? "by" : "at", loc->address, frame);
      shown++;
    }
  }
  if (!shown) fprintf(out, "==%d==    %s\n", pid, snap->sample_interval > 1 ? "(not sampled)" : "(no stack)");
}

static void render_retain_step(FILE *out, const snapshot *snap, const snap_rstep *s) {
  char a[32], leaf[1024];
  render_retain_frames(snap, s->stack, 1, leaf, sizeof leaf);
  fprintf(out, " -> 0x%" PRIx64 " (%s bytes, %s)", s->address, text_commas(s->bytes, a, sizeof a),
          leaf);
}

static void render_retain_path(FILE *out, const snapshot *snap, const snap_retainer *r, int pid) {
  const snap_retention *ret = snap->retention;
  const char *root = r->path_root >= 0 && (uint32_t)r->path_root < ret->nroots ? ret->roots[r->path_root].name : "?";
  fprintf(out, "==%d==  held by: %s%s", pid, r->root < 0 ? "several roots, the nearest " : "", root);
  for (uint32_t i = 0; i < r->npath; i++) {
    if (r->npath > 2 * RENDER_RETAIN_PATH_HEAD + 1 && i == RENDER_RETAIN_PATH_HEAD) {
      fprintf(out, " -> ... %u more blocks ...", r->npath - 2 * RENDER_RETAIN_PATH_HEAD);
      i = r->npath - RENDER_RETAIN_PATH_HEAD - 1;
      continue;
    }
    fprintf(out, "\n==%d==          ", pid);
    render_retain_step(out, snap, &r->path[i]);
  }
  fprintf(out, "\n");
}

void render_retain_text(FILE *out, const snapshot *snap, int top) {
  const snap_retention *r = snap->retention;
  int pid = snap->pid;
  char a[32], b[32], c[32], d[32];
  if (r == NULL) {
    fprintf(out, "==%d== no retention data in this snapshot\n", pid);
    return;
  }
  fprintf(out, "==%d== RETENTION: %s bytes in %s blocks still reachable\n", pid,
          text_commas(r->reachable_bytes, a, sizeof a),
          text_commas(r->reachable_blocks, b, sizeof b));
  fprintf(out, "==%d==    held through one root: %s bytes in %s blocks; through several: %s bytes in %s blocks\n",
          pid, text_commas(r->reachable_bytes - r->shared_bytes, a, sizeof a),
          text_commas(r->reachable_blocks - r->shared_blocks, b, sizeof b),
          text_commas(r->shared_bytes, c, sizeof c),
          text_commas(r->shared_blocks, d, sizeof d));
  fprintf(out, "==%d==\n==%d== Roots by retained bytes:\n", pid, pid);
  int shown = 0;
  for (uint32_t i = 0; i < r->nroots && (top <= 0 || shown < top); i++) {
    const snap_rroot *root = &r->roots[i];
    if (root->retained_blocks == 0) continue;
    fprintf(out, "==%d==   %15s bytes in %s blocks: %s\n", pid,
            text_commas(root->retained_bytes, a, sizeof a),
            text_commas(root->retained_blocks, b, sizeof b), root->name);
    shown++;
  }
  /* roots that hold memory only together with other roots retain none
   * alone, but they are its holders all the same */
  char together[2048];
  size_t at = 0;
  int shared = 0;
  together[0] = '\0';
  for (uint32_t i = 0; i < r->nroots && (top <= 0 || shown + shared < top); i++)
    if (r->roots[i].retained_blocks == 0)
      text_append(together, sizeof together, &at, "%s%s", shared++ ? ", " : "", r->roots[i].name);
  if (shared)
    fprintf(out, "==%d==   %15s bytes in %s blocks: held by several roots together: %s\n", pid,
            text_commas(r->shared_bytes, a, sizeof a), text_commas(r->shared_blocks, b, sizeof b), together);
  if (!shown && !shared) fprintf(out, "==%d==   (none)\n", pid);
  fprintf(out, "==%d==\n", pid);
  for (uint32_t i = 0; i < r->nretainers && (top <= 0 || (int)i < top); i++) {
    const snap_retainer *t = &r->retainers[i];
    if (t->blocks == 1)
      fprintf(out, "==%d== %s bytes in %s blocks are retained by a %s-byte block at 0x%" PRIx64
                   ", retainer %u of %u\n",
              pid, text_commas(t->retained_bytes, a, sizeof a),
              text_commas(t->retained_blocks, b, sizeof b),
              text_commas(t->bytes, c, sizeof c), t->address, i + 1, r->nretainers);
    else
      fprintf(out, "==%d== %s bytes in %s blocks are retained by %s blocks of %s bytes (the largest"
                   " at 0x%" PRIx64 "), retainer %u of %u\n",
              pid, text_commas(t->retained_bytes, a, sizeof a),
              text_commas(t->retained_blocks, b, sizeof b),
              text_commas(t->blocks, c, sizeof c), text_commas(t->bytes, d, sizeof d),
              t->address, i + 1, r->nretainers);
    render_retain_stack(out, snap, t->stack, pid, 8);
    render_retain_path(out, snap, t, pid);
    fprintf(out, "==%d==\n", pid);
  }
  fprintf(out, "==%d== Allocation sites by retained bytes:\n", pid);
  for (uint32_t i = 0; i < r->nsites && (top <= 0 || (int)i < top); i++) {
    const snap_rsite *s = &r->sites[i];
    char leaf[2048];
    render_retain_frames(snap, s->stack, 3, leaf, sizeof leaf);
    fprintf(out, "==%d==   %15s bytes in %s blocks retained through %s blocks from %s\n", pid,
            text_commas(s->retained_bytes, a, sizeof a),
            text_commas(s->retained_blocks, b, sizeof b),
            text_commas(s->blocks, c, sizeof c), leaf);
  }
  if (r->nsites == 0) fprintf(out, "==%d==   (none)\n", pid);
}

void render_retain_live_text(FILE *out, const snapshot *snap) {
  if (!snap->live.present) return;
  char a[32];
  fprintf(out, "==%d== taken live: the program was stopped %.3f ms (%s other threads; %.3f ms to stop them, the rest "
               "to copy the process); the copy was scanned in %.1f ms and held %s KiB of its own\n",
          snap->pid, (double)snap->live.pause_ns / 1e6, text_commas(snap->live.threads, a, sizeof a),
          (double)snap->live.stop_ns / 1e6,
          (double)snap->live.scan_ns / 1e6, text_commas(snap->live.child_private_kb, a, sizeof a));
}

void render_retain_chain_text(FILE *out, const snapshot *snap) {
  const snap_retention *r = snap->retention;
  int pid = snap->pid;
  if (r == NULL) return;
  if (!r->has_chain) {
    fprintf(out, "==%d== 0x%" PRIx64 " is in no reachable block (free memory, a leaked block, or not the heap)\n", pid,
            r->chain_address);
    return;
  }
  const snap_retainer *c = &r->chain;
  char a[32];
  fprintf(out, "==%d== 0x%" PRIx64 " is %" PRIu64 " bytes into a %s-byte block at 0x%" PRIx64 ", allocated\n", pid,
          r->chain_address, r->chain_address - c->address, text_commas(c->bytes, a, sizeof a), c->address);
  render_retain_stack(out, snap, c->stack, pid, 8);
  const char *root = c->path_root >= 0 && (uint32_t)c->path_root < r->nroots ? r->roots[c->path_root].name : "?";
  fprintf(out, "==%d==  pointed at from: %s", pid, root);
  for (uint32_t i = 0; i < c->npath; i++) {
    fprintf(out, "\n==%d==          ", pid);
    render_retain_step(out, snap, &c->path[i]);
  }
  fprintf(out, "\n");
  if (c->root < 0) fprintf(out, "==%d==  (other roots reach it too: no one root holds it alone)\n", pid);
}

static int render_retain_by_held_bytes(const void *pa, const void *pb) {
  const snap_rheld *a = *(const snap_rheld *const *)pa, *b = *(const snap_rheld *const *)pb;
  if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

void render_retain_held_text(FILE *out, const snapshot *snap, int top) {
  const snap_retention *r = snap->retention;
  int pid = snap->pid;
  if (r == NULL) return;
  fprintf(out, "==%d== Allocation sites by the root holding them%s:\n", pid,
          snap->sample_interval > 1 ? " (estimated from the sampled blocks)" : "");
  const snap_rheld **order = malloc((r->nheld ? r->nheld : 1) * sizeof *order);
  if (order == NULL) return;
  for (uint32_t i = 0; i < r->nheld; i++) order[i] = &r->held[i];
  qsort(order, r->nheld, sizeof *order, render_retain_by_held_bytes);
  uint32_t shown = 0;
  for (; shown < r->nheld && (top <= 0 || shown < (uint32_t)top); shown++) {
    const snap_rheld *x = order[shown];
    char a[32], b[32], frames[2048];
    render_retain_frames(snap, x->stack, 3, frames, sizeof frames);
    const char *root = x->root >= 0 && (uint32_t)x->root < r->nroots ? r->roots[x->root].name : "several roots";
    fprintf(out, "==%d==   %15s bytes in %s blocks from %s\n==%d==                   held by %s\n", pid,
            text_commas(x->bytes, a, sizeof a), text_commas(x->blocks, b, sizeof b), frames, pid, root);
  }
  if (shown == 0) fprintf(out, "==%d==   (none)\n", pid);
  free(order);
}
