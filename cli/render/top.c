/*
 * render/top.c: the top allocation sites of a snapshot (see render/top.h):
 * sorted by one sample type, with flat and cumulative shares and the first
 * frames of each stack; and the lifetimes of the freed objects of the
 * sites that freed most.
 */
#include "render/top.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/frames.h"
#include "util/text.h"

/* The frames of a stack a table shows, innermost first: "fn file:line <
 * fn ...", the allocator's frames folded, at most view->depth of them. */
static void render_top_frames(const snapshot *snap, const snap_stack *stack, const render_top_view *view, char *buf,
                              size_t len) {
  size_t at = 0;
  uint32_t shown = 0, n = 0, first, end;
  int more = 0;
  buf[0] = '\0';
  frames_range(snap, stack, view->frames | FRAMES_FOLD_ALLOCATORS, &first, &end);
  for (uint32_t k = 0; k < stack->nlocs && stack->locs[k] < snap->nlocations && n < end; k++) {
    const snap_location *loc = &snap->locations[stack->locs[k]];
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines && n < end; l++, n++) {
      if (n < first) continue;
      if (view->depth > 0 && shown == view->depth) {
        more = 1;
        break;
      }
      if (shown++) text_append(buf, len, &at, " < ");
      const snap_line *line = loc->nlines ? &loc->lines[l] : NULL;
      if (line != NULL && line->function != NULL) {
        text_append(buf, len, &at, "%s", line->function);
        if (line->file != NULL)
          text_append(buf, len, &at, " %s:%" PRId64, text_basename(line->file), line->line);
      } else if (loc->module >= 0 && (uint32_t)loc->module < snap->nmodules &&
                 snap->modules[loc->module].path[0] != '\0') {
        text_append(buf, len, &at, "0x%" PRIx64 " (%s)", loc->address,
                    text_basename(snap->modules[loc->module].path));
      } else {
        text_append(buf, len, &at, "0x%" PRIx64, loc->address);
      }
    }
    if (more) break;
  }
  if (more) text_append(buf, len, &at, " < ...");
  if (stack->nlocs == 0) text_append(buf, len, &at, "(no stack)");
}

typedef struct {
  const snapshot *snap;
  sample_type type;
} render_top_sort_ctx;

static int render_top_site_order(const void *pa, const void *pb, void *arg) {
  const render_top_sort_ctx *by = arg;
  const snap_site *a = &by->snap->sites[*(const uint32_t *)pa];
  const snap_site *b = &by->snap->sites[*(const uint32_t *)pb];
  int64_t va = sample_type_value(a, by->type);
  int64_t vb = sample_type_value(b, by->type);
  if (va != vb) return va > vb ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

int render_top(FILE *out, const snapshot *snap, sample_type type, long top, const render_top_view *view) {
  uint32_t *order = malloc((snap->nsites ? snap->nsites : 1) * sizeof *order);
  if (order == NULL) return -1;
  uint32_t n = 0;
  int64_t total = 0;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    int64_t v = sample_type_value(&snap->sites[i], type);
    total = (int64_t)((uint64_t)total + (uint64_t)v);
    if (v != 0 && snap->sites[i].stack < snap->nstacks) order[n++] = i;
  }
  render_top_sort_ctx by = {snap, type};
  if (n > 1) qsort_r(order, n, sizeof *order, render_top_site_order, &by);
  uint32_t shown = top == 0 || (uint64_t)top > n ? n : (uint32_t)top;
  int bytes = sample_type_is_bytes(type);
  char human[64], count[32];
  text_human(total, bytes, human, sizeof human);
  fprintf(out, "Top %u of %u allocation sites by %s (total %s %s, %s)", shown, n, sample_type_name(type),
          text_commas((uint64_t)(total < 0 ? 0 : total), count, sizeof count), sample_type_unit(type), human);
  if (snap->mode != NULL && strcmp(snap->mode, "sample") == 0 && snap->sample_interval > 1)
    fprintf(out, ", sampled every %s bytes on average", text_commas(snap->sample_interval, count, sizeof count));
  fprintf(out, ":\n%14s %10s %8s %8s  %s\n", sample_type_unit(type), "", "flat%", "cum%",
          "stack (allocation site first)");
  double cum = 0;
  char frames[8192];
  for (uint32_t r = 0; r < shown; r++) {
    const snap_site *site = &snap->sites[order[r]];
    int64_t v = sample_type_value(site, type);
    double pct = total ? 100.0 * (double)v / (double)total : 0.0;
    cum += pct;
    text_human(v, bytes, human, sizeof human);
    render_top_frames(snap, &snap->stacks[site->stack], view, frames, sizeof frames);
    fprintf(out, "%14s %10s %7.2f%% %7.2f%%  %s\n", text_commas((uint64_t)(v < 0 ? 0 : v), count, sizeof count),
            human, pct, cum, frames);
  }
  free(order);
  return 0;
}

static int64_t render_top_freed(const snap_site *s) {
  int64_t n = 0;
  for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) n += s->died[k];
  return n;
}

static int render_top_site_by_freed(const void *pa, const void *pb, void *arg) {
  const snapshot *snap = arg;
  int64_t a = render_top_freed(&snap->sites[*(const uint32_t *)pa]), b = render_top_freed(&snap->sites[*(const uint32_t *)pb]);
  return a > b ? -1 : a < b;
}

/* Sites by allocations, most first. */
static int render_top_site_by_allocs(const void *pa, const void *pb, void *arg) {
  const snapshot *snap = arg;
  const snap_site *a = &snap->sites[*(const uint32_t *)pa], *b = &snap->sites[*(const uint32_t *)pb];
  if (a->alloc_objects != b->alloc_objects) return a->alloc_objects > b->alloc_objects ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

/* The decade a share of a site's freed objects reaches (for sample
 * mode's median and p90): "<1 ms"; "-" when nothing was freed. */
static void render_top_decade_quantile(const snap_site *s, double q, char *buf, size_t len) {
  static const char *const bounds[SNAP_LIFETIME_BUCKETS] = {"<1 us", "<10 us", "<100 us", "<1 ms", "<10 ms",
                                                           "<100 ms", "<1 s", "<10 s", "<100 s", ">100 s"};
  int64_t freed = render_top_freed(s), seen = 0;
  snprintf(buf, len, "-");
  for (int k = 0; k < SNAP_LIFETIME_BUCKETS && freed > 0; k++) {
    seen += s->died[k];
    if ((double)seen >= q * (double)freed) {
      snprintf(buf, len, "%s", bounds[k]);
      return;
    }
  }
}

/* Per site: allocations, freed objects, temporaries (full mode: exact),
 * median, p90 and longest lifetime (full mode: exact; sample mode: the
 * decade they fall in), most allocations first. */
static int render_top_lifetime_stats(FILE *out, const snapshot *snap, long top, const render_top_view *view) {
  uint32_t *order = malloc((snap->nsites ? snap->nsites : 1) * sizeof *order);
  if (order == NULL) return -1;
  uint32_t n = 0;
  int64_t allocs = 0, temporaries = 0;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    if (snap->sites[i].alloc_objects <= 0 || snap->sites[i].stack >= snap->nstacks) continue;
    order[n++] = i;
    allocs += snap->sites[i].alloc_objects;
    temporaries += snap->sites[i].temporaries;
  }
  qsort_r(order, n, sizeof *order, render_top_site_by_allocs, (void *)snap);
  uint32_t shown = top == 0 || (uint64_t)top > n ? n : (uint32_t)top;
  int exact = snap->has_lifetime_stats;
  fprintf(out, "Lifetimes, top %u of %u sites by allocations (%s):\n", shown, n,
          exact ? "exact" : "estimates from the samples; lifetimes by decade");
  fprintf(out, "%14s %14s %18s %10s %10s %10s  %s\n", "allocations", "freed", "temporary", "median", "p90", "max",
          "stack (allocation site first)");
  char frames[8192], a[32], f[32], t[48], p50[32], p90[32], max[32];
  for (uint32_t r = 0; r < shown; r++) {
    const snap_site *s = &snap->sites[order[r]];
    int64_t freed = render_top_freed(s);
    text_commas((uint64_t)s->alloc_objects, a, sizeof a);
    text_commas((uint64_t)freed, f, sizeof f);
    if (exact) {
      char count[32];
      text_commas((uint64_t)s->temporaries, count, sizeof count);
      snprintf(t, sizeof t, "%s (%.0f%%)", count, 100.0 * (double)s->temporaries / (double)s->alloc_objects);
    } else {
      snprintf(t, sizeof t, "-");
    }
    if (exact && freed > 0) {
      text_duration(s->lifetime_p50_ns, p50, sizeof p50);
      text_duration(s->lifetime_p90_ns, p90, sizeof p90);
      text_duration(s->lifetime_max_ns, max, sizeof max);
    } else if (exact) {
      snprintf(p50, sizeof p50, "-");
      snprintf(p90, sizeof p90, "-");
      snprintf(max, sizeof max, "-");
    } else {
      render_top_decade_quantile(s, 0.5, p50, sizeof p50);
      render_top_decade_quantile(s, 0.9, p90, sizeof p90);
      render_top_decade_quantile(s, 1.0, max, sizeof max);
    }
    render_top_frames(snap, &snap->stacks[s->stack], view, frames, sizeof frames);
    fprintf(out, "%14s %14s %18s %10s %10s %10s  %s\n", a, f, t, p50, p90, max, frames);
  }
  if (exact && allocs > 0) {
    char count[32], total[32];
    fprintf(out, "Temporary allocations (freed before their thread's next allocation): %s of %s (%.1f%%).\n",
            text_commas((uint64_t)temporaries, count, sizeof count), text_commas((uint64_t)allocs, total, sizeof total),
            100.0 * (double)temporaries / (double)allocs);
  }
  free(order);
  return 0;
}

int render_top_lifetimes(FILE *out, const snapshot *snap, long top, const render_top_view *view) {
  static const char *const heads[SNAP_LIFETIME_BUCKETS] = {"<1us", "<10us", "<100us", "<1ms", "<10ms",
                                                          "<100ms", "<1s", "<10s", "<100s", "longer"};
  fprintf(out, "\n");
  if (render_top_lifetime_stats(out, snap, top, view) != 0) return -1;
  uint32_t *order = malloc((snap->nsites ? snap->nsites : 1) * sizeof *order);
  if (order == NULL) return -1;
  uint32_t n = 0;
  int64_t freed = 0, temporary = 0;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    int64_t f = render_top_freed(&snap->sites[i]);
    if (f <= 0 || snap->sites[i].stack >= snap->nstacks) continue;
    order[n++] = i;
    freed += f;
    for (int k = 0; k <= 3; k++) temporary += snap->sites[i].died[k]; /* under 1 ms */
  }
  qsort_r(order, n, sizeof *order, render_top_site_by_freed, (void *)snap);
  uint32_t shown = top == 0 || (uint64_t)top > n ? n : (uint32_t)top;
  fprintf(out, "\nLifetimes of freed objects, top %u of %u sites by objects freed (%s):\n%12s", shown, n,
          snap->has_lifetime_stats ? "exact" : "estimates from the samples", "freed");
  for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) fprintf(out, " %6s", heads[k]);
  fprintf(out, "  stack (allocation site first)\n");
  char frames[8192];
  for (uint32_t r = 0; r < shown; r++) {
    const snap_site *s = &snap->sites[order[r]];
    int64_t f = render_top_freed(s);
    fprintf(out, "%12" PRId64, f);
    for (int k = 0; k < SNAP_LIFETIME_BUCKETS; k++) {
      if (s->died[k] == 0) fprintf(out, " %6s", ".");
      else fprintf(out, " %5.1f%%", 100.0 * (double)s->died[k] / (double)f);
    }
    render_top_frames(snap, &snap->stacks[s->stack], view, frames, sizeof frames);
    fprintf(out, "  %s\n", frames);
  }
  if (freed > 0 && !snap->has_lifetime_stats) /* without the exact count: the share freed within 1 ms */
    fprintf(out, "Temporary allocations (freed within 1 ms): %.1f%% of %" PRId64 " freed objects.\n",
            100.0 * (double)temporary / (double)freed, freed);
  free(order);
  return 0;
}
