/*
 * render/supp_gen.c: suppressions for the loss records (see
 * render/supp_gen.h).
 *
 * Valgrind: a block per record named "leakscope_<kind>_<N>" (N the loss
 * record's number as the text summary gives it), "match-leak-kinds:" its
 * kind, then a frame line per frame up to main (memcheck's stacks end
 * there, so the block also works under memcheck): first "fun:*alloc*"
 * for memcheck's frame of the malloc family (ours start at its caller;
 * the suppression reader lets such a first frame match nothing) unless
 * the stack starts at C++'s operator new, which both show; then fun: and the symbol's
 * mangled name when there is one (memcheck matches mangled names), else
 * the function's name, else obj: and the module; at most
 * RENDER_SUPP_GEN_FRAMES frames (a suppression matches a stack's first
 * frames).  LeakSanitizer: its suppression matches a leak when any frame
 * matches, so each record gets the innermost frame of the user's code
 * (model/frames.h), anchored ("leak:^make_node$"); records sharing it
 * share the line.
 */
#include "render/supp_gen.h"

#include <inttypes.h>
#include <string.h>

#include "model/frames.h"

#define RENDER_SUPP_GEN_FRAMES 64 /* the suppression reader's limit */

static const char *const render_supp_gen_kinds[SNAP_KIND_COUNT] = {"definite", "indirect", "possible",
                                                                   "reachable"};

/* The loss record's number, as the text summary numbers them (memcheck's
 * order: smallest first). */
static uint64_t render_supp_gen_rank(const snapshot *snap, const snap_leak *l) {
  uint64_t rank = 1;
  for (uint32_t j = 0; j < snap->nleaks; j++) {
    const snap_leak *o = &snap->leaks[j];
    if (o->suppressed_by == NULL && o->bytes + o->indirect_bytes < l->bytes + l->indirect_bytes) rank++;
  }
  return rank;
}

static const char *render_supp_gen_object(const snapshot *snap, const snap_location *loc) {
  return loc->module >= 0 && (uint32_t)loc->module < snap->nmodules && snap->modules[loc->module].path[0]
             ? snap->modules[loc->module].path : NULL;
}

static void render_supp_gen_valgrind(FILE *out, const snapshot *snap, const snap_leak *l) {
  const snap_stack *st = &snap->stacks[l->stack];
  uint32_t first, end;
  frames_range(snap, st, 0, &first, &end);
  fprintf(out, "{\n   leakscope_%s_%" PRIu64 "\n   Memcheck:Leak\n   match-leak-kinds: %s\n",
          render_supp_gen_kinds[l->kind], render_supp_gen_rank(snap, l), render_supp_gen_kinds[l->kind]);
  const snap_location *leaf = st->nlocs > 0 ? &snap->locations[st->locs[0]] : NULL;
  const char *leaf_fn = leaf != NULL && leaf->nlines > 0 ? leaf->lines[0].function : NULL;
  uint32_t n = 0, written = 0;
  if (leaf_fn == NULL || strncmp(leaf_fn, "operator new", 12) != 0) {
    fprintf(out, "   fun:*alloc*\n");
    written++;
  }
  for (uint32_t k = 0; k < st->nlocs && n < end && written < RENDER_SUPP_GEN_FRAMES; k++) {
    const snap_location *loc = &snap->locations[st->locs[k]];
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t i = 0; i < nlines && n < end && written < RENDER_SUPP_GEN_FRAMES; i++, n++) {
      const snap_line *line = i < loc->nlines ? &loc->lines[i] : NULL;
      const char *object = render_supp_gen_object(snap, loc);
      if (line != NULL && (line->system_name != NULL || line->function != NULL))
        fprintf(out, "   fun:%s\n", line->system_name != NULL ? line->system_name : line->function);
      else
        fprintf(out, "   obj:%s\n", object != NULL ? object : "*");
      written++;
    }
  }
  fprintf(out, "}\n");
}

/* The function naming a record for LeakSanitizer: its innermost frame in
 * the user's code, else its innermost frame that is not the allocator's,
 * else its first named one; NULL when no frame has a name. */
static const char *render_supp_gen_lsan_frame(const snapshot *snap, const snap_leak *l) {
  const snap_stack *st = &snap->stacks[l->stack];
  const char *fallback = NULL, *first = NULL;
  for (uint32_t k = 0; k < st->nlocs; k++) {
    const snap_location *loc = &snap->locations[st->locs[k]];
    for (uint32_t i = 0; i < loc->nlines; i++) {
      const snap_line *line = &loc->lines[i];
      if (line->function == NULL) continue;
      if (frames_is_user(line->file, render_supp_gen_object(snap, loc), NULL)) return line->function;
      if (first == NULL) first = line->function;
      if (fallback == NULL && !frames_is_allocator(line->function)) fallback = line->function;
    }
  }
  return fallback != NULL ? fallback : first;
}

void render_supp_gen(FILE *out, const snapshot *snap, supp_gen_format format) {
  for (uint32_t r = 0; r < snap->nleaks; r++) {
    const snap_leak *l = &snap->leaks[r];
    if (l->suppressed_by != NULL || l->stack >= snap->nstacks) continue;
    if (format == SUPP_GEN_VALGRIND) {
      render_supp_gen_valgrind(out, snap, l);
      continue;
    }
    const char *fn = render_supp_gen_lsan_frame(snap, l);
    int seen = 0;
    for (uint32_t p = 0; fn != NULL && p < r && !seen; p++) {
      if (snap->leaks[p].suppressed_by != NULL || snap->leaks[p].stack >= snap->nstacks) continue;
      const char *earlier = render_supp_gen_lsan_frame(snap, &snap->leaks[p]);
      seen = earlier != NULL && strcmp(earlier, fn) == 0;
    }
    if (fn == NULL || seen) continue;
    fprintf(out, "# %" PRIu64 " bytes in %" PRIu64 " blocks %s\nleak:^%s$\n", l->bytes + l->indirect_bytes,
            l->blocks, snap_kind_words(l->kind), fn);
  }
}

int render_supp_gen_format(const char *value, supp_gen_format *out) {
  if (value == NULL || strcmp(value, "all") == 0 || strcmp(value, "yes") == 0) *out = SUPP_GEN_VALGRIND;
  else if (strcmp(value, "lsan") == 0) *out = SUPP_GEN_LSAN;
  else return -1;
  return 0;
}
