/*
 * analyze/watch.c: the leak watch's memory (see analyze/watch.h).
 *
 * The times of the snapshots sit in one ring; every stack ever seen with
 * live bytes has a row of readings aligned with it (0 where a snapshot had
 * none of it), so a site that appears late starts from zeros and a leak
 * that starts late is a rise from nothing.  After each snapshot that ends a
 * whole window (the first reading at most one sixth of a window after the
 * window's start), every row is tested over the last window.  A rising row
 * is a suspect only when the whole heap's lows climb too (each third of the
 * window above the last), at half its rate at least: live bytes that move from one stack to another (a cache whose
 * entries are replaced by other code) are no leak.  A row is a suspect
 * when it is seen rising again a sixth of a window after it was first
 * seen rising (and not flat in between).  Rows that hold only
 * zeros are dropped when they are half of all rows.  In sample mode a
 * stack's floor is at least WATCH_SAMPLE_NOISES standard deviations of its
 * rise when nothing leaks (watch_sample_sd).
 */
#include "analyze/watch.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/trend.h"
#include "util/hmap.h"
#include "util/vec.h"

#define WATCH_SAMPLE_NOISES 3 /* sample mode: a stack's floor, in its estimate's standard deviations */
#define WATCH_HEAP_SHARE 0.5 /* the heap's lows must climb, at half a suspect's rate at least */

typedef struct {
  uint64_t key;
  double *y;        /* points readings, aligned with the ring of times */
  double *cross;    /* sample mode: bytes freed since the start that crossed a window's start */
  int suspect;      /* index into suspects + 1, 0 if none */
  double rose_at;   /* when it was first seen rising (not yet a suspect), 0: not */
} watch_row;

struct watch {
  double window, floor;
  double sample;     /* the sampling interval, 0 in full mode */
  size_t points;     /* ring size */
  double *times;     /* the ring */
  double *total;     /* the whole live heap at each time */
  size_t next, count;
  watch_row *rows;
  size_t nrows, cap_rows;
  hmap index;        /* key -> row */
  double *scratch_t, *scratch_y;

  pthread_mutex_t lock; /* guards suspects (read by other threads) */
  watch_suspect *suspects;
  size_t nsuspects, cap_suspects;
};

watch *watch_new(double window, size_t points, double floor, double sample) {
  watch *w = calloc(1, sizeof *w);
  if (w == NULL) return NULL;
  w->window = window;
  w->floor = floor;
  w->sample = sample;
  w->points = points < 8 ? 8 : points;
  w->times = calloc(w->points, sizeof *w->times);
  w->total = calloc(w->points, sizeof *w->total);
  w->scratch_t = calloc(w->points, sizeof *w->scratch_t);
  w->scratch_y = calloc(w->points, sizeof *w->scratch_y);
  pthread_mutex_init(&w->lock, NULL);
  if (w->times == NULL || w->total == NULL || w->scratch_t == NULL || w->scratch_y == NULL) {
    watch_free(w);
    return NULL;
  }
  return w;
}

void watch_free(watch *w) {
  if (w == NULL) return;
  for (size_t i = 0; i < w->nrows; i++) {
    free(w->rows[i].y);
    free(w->rows[i].cross);
  }
  free(w->rows);
  hmap_free(&w->index);
  free(w->times);
  free(w->total);
  free(w->scratch_t);
  free(w->scratch_y);
  free(w->suspects);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

uint64_t watch_stack_key(const snapshot *snap, uint32_t stack) {
  uint64_t hash = HMAP_FNV_BASIS;
  if (stack >= snap->nstacks) return hash;
  const snap_stack *st = &snap->stacks[stack];
  for (uint32_t i = 0; i < st->nlocs; i++) {
    uint64_t a = st->locs[i] < snap->nlocations ? snap->locations[st->locs[i]].address : 0;
    unsigned char bytes[8]; /* least significant first, whatever the machine's order */
    for (int b = 0; b < 8; b++) bytes[b] = (unsigned char)(a >> (8 * b));
    hash = hmap_fnv(hash, bytes, sizeof bytes);
  }
  return hash ^ st->nlocs;
}

/* The row of key, added (all zeros) if new; NULL when out of memory. */
static watch_row *watch_row_for(watch *w, uint64_t key) {
  uint64_t at;
  if (hmap_get(&w->index, key, &at)) return &w->rows[at];
  if (vec_reserve(&w->rows, &w->cap_rows, w->nrows + 1, sizeof *w->rows) != 0) return NULL;
  double *y = calloc(w->points, sizeof *y), *cross = calloc(w->points, sizeof *cross);
  if (y == NULL || cross == NULL || hmap_put(&w->index, key, w->nrows) != 0) {
    free(y);
    free(cross);
    return NULL;
  }
  w->rows[w->nrows] = (watch_row){key, y, cross, 0, 0};
  return &w->rows[w->nrows++];
}

/* Drop the rows that hold only zeros and no suspect, when they are many. */
static int watch_compact(watch *w) {
  size_t zero = 0;
  for (size_t i = 0; i < w->nrows; i++) {
    int all_zero = !w->rows[i].suspect;
    for (size_t p = 0; all_zero && p < w->points; p++) all_zero = w->rows[i].y[p] == 0;
    if (all_zero) {
      free(w->rows[i].y);
      free(w->rows[i].cross);
      w->rows[i].y = NULL;
      zero++;
    }
  }
  if (zero == 0) return 0;
  size_t kept = 0;
  hmap_free(&w->index);
  for (size_t i = 0; i < w->nrows; i++) {
    if (w->rows[i].y == NULL) continue;
    w->rows[kept] = w->rows[i];
    if (hmap_put(&w->index, w->rows[kept].key, kept) != 0) return -1;
    kept++;
  }
  w->nrows = kept;
  return 0;
}

/* The last window's readings y (a row's, or the total) into the scratch
 * arrays, oldest first; how many. */
static size_t watch_series(watch *w, const double *y, double t0) {
  size_t n = 0;
  for (size_t k = 0; k < w->count; k++) {
    size_t p = (w->next + w->points - w->count + k) % w->points;
    if (w->times[p] < t0) continue;
    w->scratch_t[n] = w->times[p];
    w->scratch_y[n++] = y[p];
  }
  return n;
}

/* Sample mode: the standard deviation of a row's rise over the window when
 * nothing leaks.  The estimate counts sampled blocks of about one interval
 * each, and the rise moves with the samples that cross the window's edges:
 * blocks live at its start and freed in it (F bytes), and blocks allocated
 * in it and still live at its end (the rise plus F, as what is live at the
 * end is what was, less F, plus those): about sqrt(interval * (rise + 2F)).
 * F comes from the lifetimes of the blocks freed in the window (row->cross:
 * a block that lived L seconds was born before the window with chance
 * min(1, L / window)): blocks that come and go inside it (requests) add
 * nothing; a cache that replaces its entries moves the rise by its size. */
static double watch_sample_sd(const watch *w, const watch_row *row, size_t slot, double t0) {
  if (w->sample <= 0) return 0;
  size_t first = slot;
  for (size_t k = 0; k < w->count; k++) {
    size_t p = (w->next + w->points - w->count + k) % w->points;
    if (w->times[p] >= t0) {
      first = p;
      break;
    }
  }
  double rise = row->y[slot] - row->y[first], crossed = row->cross[slot] - row->cross[first];
  double crossing = (rise > 0 ? rise : 0) + 2 * (crossed > 0 ? crossed : 0);
  return sqrt(w->sample * crossing);
}

/* A site's frees so far that crossed a window's start, in bytes: its freed
 * blocks by lifetime decade, each decade's by its chance of having been
 * born before the window (its upper bound over the window, at most 1), at
 * the site's mean block size. */
static double watch_crossing_frees(const watch *w, const snap_site *site) {
  if (site->alloc_objects <= 0) return 0;
  double mean = (double)site->alloc_bytes / (double)site->alloc_objects, objects = 0, upper = 1e-6;
  for (int b = 0; b < SNAP_LIFETIME_BUCKETS; b++, upper *= 10) {
    double chance = b == SNAP_LIFETIME_BUCKETS - 1 || upper >= w->window ? 1 : upper / w->window;
    objects += (double)site->died[b] * chance;
  }
  return objects * mean;
}

int watch_add(watch *w, const snapshot *snap, uint32_t **found, size_t *nfound) {
  *found = NULL;
  *nfound = 0;
  size_t slot = w->next;
  double now = (double)snap->duration_ns / 1e9;
  w->times[slot] = now;
  w->total[slot] = (double)snap->inuse_bytes;
  w->next = (w->next + 1) % w->points;
  if (w->count < w->points) w->count++;
  for (size_t i = 0; i < w->nrows; i++) w->rows[i].y[slot] = w->rows[i].cross[slot] = 0;
  /* the stack index of each row in this snapshot, for the caller */
  hmap where = {0};
  for (uint32_t i = 0; i < snap->nsites; i++) {
    const snap_site *site = &snap->sites[i];
    if (site->inuse_bytes <= 0) continue;
    uint64_t key = watch_stack_key(snap, site->stack);
    watch_row *row = watch_row_for(w, key);
    if (row == NULL || hmap_put(&where, key, site->stack) != 0) {
      hmap_free(&where);
      return -1;
    }
    row->y[slot] += (double)site->inuse_bytes;
    if (w->sample > 0) row->cross[slot] += watch_crossing_frees(w, site);
  }
  double t0 = now - w->window;
  size_t oldest = (w->next + w->points - w->count) % w->points;
  int whole = w->times[oldest] <= t0 + w->window / TREND_SUBWINDOWS && now >= w->window;
  size_t cap = 0;
  int rc = 0;
  trend_result heap = {0};
  if (whole) whole = trend_test(w->scratch_t, w->scratch_y, watch_series(w, w->total, t0), t0, now, 0, &heap) == 0;
  for (size_t i = 0; whole && i < w->nrows && rc == 0; i++) {
    watch_row *row = &w->rows[i];
    trend_result r;
    size_t n = watch_series(w, row->y, t0);
    double floor = w->floor, noise = WATCH_SAMPLE_NOISES * watch_sample_sd(w, row, slot, t0);
    if (noise > floor) floor = noise;
    if (trend_test(w->scratch_t, w->scratch_y, n, t0, now, floor, &r) != 0) continue;
    /* a site that grows while another shrinks as much (a cache's entries
     * replaced from another stack) is no leak: the heap must grow too */
    if (!heap.climbing || heap.rate < r.rate * WATCH_HEAP_SHARE) r.rising = 0;
    pthread_mutex_lock(&w->lock);
    watch_suspect *s = row->suspect ? &w->suspects[row->suspect - 1] : NULL;
    uint64_t stack;
    /* a suspect once it is seen rising again a sixth of a window after it
     * was first (a warm-up that ends near the window's end is not) */
    if (r.flat) row->rose_at = 0;
    else if (r.rising && row->rose_at == 0) row->rose_at = now;
    int confirmed = r.rising && row->rose_at > 0 && now - row->rose_at >= w->window / TREND_SUBWINDOWS;
    if (s != NULL && s->current) {
      if (r.flat) s->current = 0;
      else if (r.rising) s->bytes_per_second = r.rate;
    } else if (confirmed && hmap_get(&where, row->key, &stack)) {
      /* new, or rising again after it stopped */
      if (s == NULL && vec_reserve(&w->suspects, &w->cap_suspects, w->nsuspects + 1, sizeof *w->suspects) == 0) {
        s = &w->suspects[w->nsuspects++];
        memset(s, 0, sizeof *s);
        row->suspect = (int)w->nsuspects;
      }
      if (s != NULL && vec_reserve(found, &cap, *nfound + 1, sizeof **found) == 0) {
        s->key = row->key;
        s->bytes_per_second = r.rate;
        s->detected_at = now;
        s->live_bytes = (int64_t)row->y[slot];
        s->current = 1;
        (*found)[(*nfound)++] = (uint32_t)stack;
      } else {
        rc = -1;
      }
    }
    pthread_mutex_unlock(&w->lock);
  }
  hmap_free(&where);
  if (rc == 0 && w->nrows > 64 && w->nrows > 2 * (w->nsuspects + 32)) rc = watch_compact(w);
  return rc;
}

void watch_name(watch *w, uint64_t key, const char *site) {
  pthread_mutex_lock(&w->lock);
  for (size_t i = 0; i < w->nsuspects; i++)
    if (w->suspects[i].key == key) snprintf(w->suspects[i].site, sizeof w->suspects[i].site, "%s", site);
  pthread_mutex_unlock(&w->lock);
}

watch_suspect *watch_suspects(watch *w, size_t *n, size_t *ncurrent) {
  pthread_mutex_lock(&w->lock);
  watch_suspect *copy = w->nsuspects ? malloc(w->nsuspects * sizeof *copy) : NULL;
  *n = copy ? w->nsuspects : 0;
  *ncurrent = 0;
  if (copy != NULL) memcpy(copy, w->suspects, w->nsuspects * sizeof *copy);
  for (size_t i = 0; i < *n; i++) *ncurrent += copy[i].current;
  pthread_mutex_unlock(&w->lock);
  return copy;
}
