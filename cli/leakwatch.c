/*
 * leakwatch.c: `leakscope run --watch` while PROG runs (see leakwatch.h).
 *
 * Each watch snapshot is loaded without symbols (the trend test needs only
 * the stacks' addresses) and hard-linked into the run's directory as
 * watch.N, kept while it may be a window's start.  When a stack becomes a
 * suspect, that snapshot is symbolized: the site is named (innermost
 * frames, the program's own first), it becomes a profile, the window's
 * first snapshot another, and stderr gets one line:
 *
 *   leakscope: leak suspect: cache_put (service.c:41) < handle (service.c:88)
 *     grows 9.8 MiB/min (171234 bytes/s), 12.3 MiB live, held by global
 *     g_cache (service) (12.3 MiB), found at 75.2 s;
 *     profile leakscope-suspect.PID.1.pb.gz; leakscope diff
 *     leakscope-suspect.PID.1.start.pb.gz leakscope-suspect.PID.1.pb.gz shows what grew
 *
 * (one line in fact).  Who holds the suspect's blocks comes from a live
 * retention snapshot (live/retain_live.h) taken then.  The report's entry
 * keeps the symbolized frames and the holders.
 */
#include "leakwatch.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "live/retain_live.h"
#include "pipeline/prepare.h"
#include "read/load.h"
#include "render/json.h"
#include "render/pprof_write.h"
#include "render/text.h"
#include "util/jsontree.h"
#include "util/msg.h"
#include "util/outfile.h"
#include "util/text.h"
#include "util/vec.h"

#define LEAKWATCH_FULL_FLOOR ((double)(256 << 10)) /* bytes: the smallest rise that counts */
#define LEAKWATCH_SAMPLE_FLOOR 8                   /* sampling intervals: the estimate's noise */
#define LEAKWATCH_SITE_FRAMES 3
#define LEAKWATCH_HOLDERS 4             /* held_by entries kept per suspect */
#define LEAKWATCH_RETAIN_MS 30000       /* the wait for the live retention snapshot */

/* A snapshot kept as a possible window start. */
typedef struct {
  double t;
  unsigned n; /* dir/watch.N */
} leakwatch_kept;

struct leakwatch {
  double window;
  char dir[PATH_MAX];
  const char *output_dir; /* where the profiles go (outfile_in_dir) */
  int announce;
  int holders;            /* ask who holds each suspect */
  watch *w;
  leakwatch_kept *kept;
  size_t nkept, cap_kept;
  unsigned next_n;
  unsigned nfound;  /* suspects announced, for the profiles' names */
  json_t *report;   /* the report's suspects */
};

int leakwatch_parse_window(const char *v, double *window) {
  char *end = NULL;
  *window = v == NULL ? LEAKWATCH_WINDOW : strtod(v, &end);
  if (v != NULL && (*v == 0 || *end != 0 || !(*window >= 1 && *window <= 86400))) {
    errorf("bad --watch value '%s' (want SECONDS, 1..86400)", v);
    return -1;
  }
  return 0;
}

int leakwatch_parse_period(const char *v, double *period) {
  char *end;
  *period = strtod(v, &end);
  if (*end != 0 || !(*period >= 0.01 && *period <= 3600)) {
    errorf("bad --watch-period value '%s' (want SECONDS, 0.01..3600)", v);
    return -1;
  }
  return 0;
}

int leakwatch_settle(int http, double *window, double *period, int *announce) {
  *announce = *window > 0;
  if (*window == 0 && http) { /* /metrics counts its suspects: a watch at the old watcher's pace */
    *window = LEAKWATCH_WINDOW;
    if (*period == 0) *period = LEAKWATCH_HTTP_PERIOD;
  }
  if (*window > 0 && *period == 0) *period = *window / LEAKWATCH_POINTS;
  if (*window > 0 && *window / *period > 4096) {
    errorf("--watch-period is too short for a window of %g seconds (at most 4096 snapshots a window)", *window);
    return -1;
  }
  return 0;
}

leakwatch *leakwatch_new(double window, double period, uint64_t sample, const char *dir, const char *output_dir,
                         int announce, int holders) {
  leakwatch *lw = calloc(1, sizeof *lw);
  if (lw == NULL) return NULL;
  double floor = LEAKWATCH_FULL_FLOOR;
  if (sample > 1 && (double)sample * LEAKWATCH_SAMPLE_FLOOR > floor) floor = (double)sample * LEAKWATCH_SAMPLE_FLOOR;
  size_t points = (size_t)(window / period) + 8;
  lw->window = window;
  lw->announce = announce;
  lw->holders = holders;
  lw->output_dir = output_dir;
  snprintf(lw->dir, sizeof lw->dir, "%s", dir);
  lw->w = watch_new(window, points, floor, sample > 1 ? (double)sample : 0);
  lw->report = json_array();
  if (lw->w == NULL || lw->report == NULL) {
    leakwatch_free(lw);
    return NULL;
  }
  return lw;
}

void leakwatch_free(leakwatch *lw) {
  if (lw == NULL) return;
  watch_free(lw->w);
  free(lw->kept);
  json_decref(lw->report);
  free(lw);
}

watch *leakwatch_watch(leakwatch *lw) { return lw->w; }

json_t *leakwatch_report(leakwatch *lw) { return json_deep_copy(lw->report); }

static void leakwatch_kept_path(const leakwatch *lw, unsigned n, char *out, size_t outlen) {
  snprintf(out, outlen, "%s/watch.%u", lw->dir, n);
}

/* Keep raw as a possible window start; forget those before the window's
 * first snapshot. */
static void leakwatch_keep(leakwatch *lw, const char *raw, double t) {
  char path[PATH_MAX + 32];
  size_t first = 0;
  while (first + 1 < lw->nkept && lw->kept[first + 1].t <= t - lw->window) first++;
  for (size_t i = 0; i < first; i++) {
    leakwatch_kept_path(lw, lw->kept[i].n, path, sizeof path);
    unlink(path);
  }
  memmove(lw->kept, lw->kept + first, (lw->nkept - first) * sizeof *lw->kept);
  lw->nkept -= first;
  if (!lw->announce || vec_reserve(&lw->kept, &lw->cap_kept, lw->nkept + 1, sizeof *lw->kept) != 0) return;
  leakwatch_kept_path(lw, lw->next_n, path, sizeof path);
  if (link(raw, path) != 0) return;
  lw->kept[lw->nkept++] = (leakwatch_kept){t, lw->next_n++};
}

/* Is this frame the program's own code (not libc, libstdc++, the agent,
 * or something without a source line)? */
static int leakwatch_user_frame(const snapshot *snap, const snap_location *loc) {
  if (loc->nlines == 0 || loc->lines[0].file == NULL || loc->lines[0].line <= 0) return 0;
  const char *object = loc->module >= 0 && (uint32_t)loc->module < snap->nmodules ? snap->modules[loc->module].path : "";
  const char *base = text_basename(object);
  static const char *const system[] = {"libc.so", "libc-", "libstdc++", "libleakscope", "ld-linux", "libgcc"};
  for (size_t i = 0; i < sizeof system / sizeof *system; i++)
    if (strncmp(base, system[i], strlen(system[i])) == 0) return 0;
  return 1;
}

/* "f (x.c:3) < g (x.c:9) < h (y.c:1)": the innermost frames of the
 * program's own code (the leaf's when it has none). */
static void leakwatch_site_name(const snapshot *snap, uint32_t stack, char *out, size_t outlen) {
  const snap_stack *st = &snap->stacks[stack];
  int any_user = 0;
  for (uint32_t i = 0; i < st->nlocs && !any_user; i++) any_user = leakwatch_user_frame(snap, &snap->locations[st->locs[i]]);
  size_t at = 0;
  out[0] = 0;
  int shown = 0;
  for (uint32_t i = 0; i < st->nlocs && shown < LEAKWATCH_SITE_FRAMES; i++) {
    const snap_location *loc = &snap->locations[st->locs[i]];
    if (any_user && !leakwatch_user_frame(snap, loc)) continue;
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines && shown < LEAKWATCH_SITE_FRAMES; l++, shown++) {
      char frame[256];
      render_text_frame(snap, loc, l, frame, sizeof frame);
      text_append(out, outlen, &at, "%s%s", shown ? " < " : "", frame);
    }
  }
  if (shown == 0) snprintf(out, outlen, "(no stack)");
}

/* The profile names of suspect n: PID.n.pb.gz and PID.n.start.pb.gz. */
static void leakwatch_profile_names(const leakwatch *lw, int pid, unsigned n, char *now, char *start, size_t len) {
  char name[64];
  snprintf(name, sizeof name, "leakscope-suspect.%d.%u.pb.gz", pid, n);
  outfile_in_dir(lw->output_dir, name, now, len);
  snprintf(name, sizeof name, "leakscope-suspect.%d.%u.start.pb.gz", pid, n);
  outfile_in_dir(lw->output_dir, name, start, len);
}

/* The window's first snapshot as a profile at path; 0 or -1 (warned). */
static int leakwatch_start_profile(leakwatch *lw, const char *path) {
  char raw[PATH_MAX + 32], err[512];
  if (lw->nkept == 0) return -1;
  leakwatch_kept_path(lw, lw->kept[0].n, raw, sizeof raw);
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
  snapshot *start = prepare_load(raw, &p, err, sizeof err);
  int rc = start != NULL ? pprof_write(start, path, err, sizeof err) : -1;
  if (rc != 0) warnf("%s", err);
  snap_free(start);
  return rc;
}

/* Say one new suspect (its stack in snap, symbolized) and keep its entry. */
static void leakwatch_found(leakwatch *lw, const snapshot *snap, uint32_t stack, const snapshot *retained,
                            const char *now_profile, const char *start_profile, int profiles) {
  uint64_t key = watch_stack_key(snap, stack);
  char site[WATCH_SITE_MAX];
  leakwatch_site_name(snap, stack, site, sizeof site);
  watch_name(lw->w, key, site);
  size_t n, ncurrent;
  watch_suspect *all = watch_suspects(lw->w, &n, &ncurrent);
  const watch_suspect *s = NULL;
  for (size_t i = 0; i < n; i++)
    if (all[i].key == key) s = &all[i];
  if (s == NULL) {
    free(all);
    return;
  }
  live_holder holders[LEAKWATCH_HOLDERS];
  int nholders = retained != NULL ? live_held_by(retained, snap, stack, holders, LEAKWATCH_HOLDERS) : 0;
  if (nholders > LEAKWATCH_HOLDERS) nholders = LEAKWATCH_HOLDERS;
  json_t *held_by = json_array();
  for (int i = 0; held_by != NULL && i < nholders; i++)
    json_array_append_new(held_by, json_pack("{s:s,s:o}", "root", holders[i].root, "bytes", jsontree_u64(holders[i].bytes)));
  json_t *entry = json_pack("{s:o,s:I,s:f,s:I,s:o}", "stack", render_json_stack(snap, stack), "bytes_per_second",
                            (json_int_t)(s->bytes_per_second + 0.5), "detected_at_s", s->detected_at, "live_bytes",
                            (json_int_t)s->live_bytes, "held_by", held_by);
  if (entry == NULL || json_array_append_new(lw->report, entry) != 0) warnf("--watch: out of memory");
  if (lw->announce) {
    char rate[32], live[32], tail[3 * PATH_MAX + 64] = "", held[600] = "";
    text_human((int64_t)(s->bytes_per_second * 60), 1, rate, sizeof rate);
    text_human(s->live_bytes, 1, live, sizeof live);
    size_t at = 0;
    for (int i = 0; i < nholders && i < 2; i++) {
      char bytes[32];
      text_human((int64_t)holders[i].bytes, 1, bytes, sizeof bytes);
      text_append(held, sizeof held, &at, "%s%s (%s)", i ? ", " : ", held by ", holders[i].root, bytes);
    }
    if (profiles == 2)
      snprintf(tail, sizeof tail, "; profile %s; leakscope diff %s %s shows what grew", now_profile, start_profile,
               now_profile);
    else if (profiles == 1)
      snprintf(tail, sizeof tail, "; profile %s", now_profile);
    fflush(stdout);
    fprintf(stderr, "leakscope: leak suspect: %s grows %s/min (%.0f bytes/s), %s live%s, found at %.1f s%s\n", site,
            rate, s->bytes_per_second, live, held, s->detected_at, tail);
  }
  free(all);
}

void leakwatch_snapshot(leakwatch *lw, const char *raw) {
  char err[512];
  snapshot *snap = load_snapshot(raw, err, sizeof err);
  if (snap == NULL) {
    warnf("--watch: %s", err);
    return;
  }
  uint32_t *found;
  size_t nfound;
  if (watch_add(lw->w, snap, &found, &nfound) != 0) warnf("--watch: out of memory");
  if (nfound > 0) {
    prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
    if (prepare_snapshot(snap, &p, err, sizeof err) != 0) warnf("--watch: %s", err);
    char now_profile[PATH_MAX], start_profile[PATH_MAX];
    int profiles = 0;
    if (lw->announce) {
      leakwatch_profile_names(lw, snap->pid, ++lw->nfound, now_profile, start_profile, sizeof now_profile);
      if (pprof_write(snap, now_profile, err, sizeof err) != 0) warnf("%s", err);
      else profiles = leakwatch_start_profile(lw, start_profile) == 0 ? 2 : 1;
    }
    /* who holds them: a live retention snapshot of the program (a
     * copy-on-write child scans it while it runs on) */
    snapshot *retained = NULL;
    if (lw->announce && lw->holders) {
      live_target target;
      int busy = 0;
      live_target_in_dir(&target, lw->dir, snap->pid);
      retained = live_retain(&target, 0, 0, LEAKWATCH_RETAIN_MS, &busy, err, sizeof err);
      if (retained == NULL) warnf("--watch: no holders for the suspect: %s", err);
    }
    for (size_t i = 0; i < nfound; i++)
      leakwatch_found(lw, snap, found[i], retained, now_profile, start_profile, profiles);
    snap_free(retained);
  }
  free(found);
  leakwatch_keep(lw, raw, (double)snap->duration_ns / 1e9);
  snap_free(snap);
}
