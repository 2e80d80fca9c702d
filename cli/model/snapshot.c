/*
 * model/snapshot.c: the snapshot data model (see model/snapshot.h): arena, append
 * helpers, recounting and ordering of leak records.
 */
#include "model/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/vec.h"

struct snap_arena_chunk {
  snap_arena_chunk *next;
  size_t used, size;
  _Alignas(16) unsigned char data[];
};

static const char *const kind_names[SNAP_KIND_COUNT] = {
    "definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable"};
static const char *const kind_words[SNAP_KIND_COUNT] = {
    "definitely lost", "indirectly lost", "possibly lost", "still reachable"};

const char *snap_kind_name(snap_kind kind) {
  return (unsigned)kind < SNAP_KIND_COUNT ? kind_names[kind] : "unknown";
}

const char *snap_kind_words(snap_kind kind) {
  return (unsigned)kind < SNAP_KIND_COUNT ? kind_words[kind] : "unknown";
}

snapshot *snap_new(void) {
  snapshot *snap = calloc(1, sizeof *snap);
  if (snap == NULL) return NULL;
  snap->exit_code = -1;
  snap->mode = "full";
  snap->reason = "exit";
  return snap;
}

void snap_free(snapshot *snap) {
  if (snap == NULL) return;
  free(snap->modules);
  free(snap->locations);
  free(snap->stacks);
  free(snap->sites);
  free(snap->leaks);
  free(snap->warnings);
  free(snap->failures);
  snap_graph_free(snap->graph);
  snap_arena_chunk *c = snap->arena;
  while (c != NULL) {
    snap_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  free(snap);
}

void *snap_alloc(snapshot *snap, size_t size) {
  size = (size + 15) & ~(size_t)15;
  snap_arena_chunk *c = snap->arena;
  if (c == NULL || c->size - c->used < size) {
    size_t want = size > 65536 ? size : 65536;
    c = malloc(sizeof *c + want);
    if (c == NULL) return NULL;
    c->size = want;
    c->used = 0;
    c->next = snap->arena;
    snap->arena = c;
  }
  void *p = c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

const char *snap_str(snapshot *snap, const char *s) {
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char *copy = snap_alloc(snap, n);
  if (copy == NULL) return NULL;
  memcpy(copy, s, n);
  return copy;
}

/* Append item (size bytes) to the array *items of *n items and *cap room;
 * its index, or -1 when out of memory. */
static int64_t snap_push(void *items, uint32_t *n, size_t *cap, const void *item, size_t size) {
  if (*n == UINT32_MAX || vec_reserve(items, cap, (size_t)*n + 1, size) != 0) return -1;
  char *array;
  memcpy(&array, items, sizeof array);
  memcpy(array + (size_t)*n * size, item, size);
  return (*n)++;
}

int64_t snap_add_module(snapshot *snap, const snap_module *m) {
  return snap_push(&snap->modules, &snap->nmodules, &snap->cap_modules, m, sizeof *m);
}

int64_t snap_add_location(snapshot *snap, const snap_location *loc) {
  return snap_push(&snap->locations, &snap->nlocations, &snap->cap_locations, loc, sizeof *loc);
}

int64_t snap_add_stack(snapshot *snap, const uint32_t *locs, uint32_t nlocs) {
  uint32_t *copy = snap_alloc(snap, (nlocs ? nlocs : 1) * sizeof *copy);
  if (copy == NULL) return -1;
  if (nlocs) memcpy(copy, locs, nlocs * sizeof *copy);
  snap_stack stack = {nlocs, copy};
  return snap_push(&snap->stacks, &snap->nstacks, &snap->cap_stacks, &stack, sizeof stack);
}

int64_t snap_add_site(snapshot *snap, const snap_site *site) {
  return snap_push(&snap->sites, &snap->nsites, &snap->cap_sites, site, sizeof *site);
}

int64_t snap_add_leak(snapshot *snap, const snap_leak *leak) {
  return snap_push(&snap->leaks, &snap->nleaks, &snap->cap_leaks, leak, sizeof *leak);
}

void snap_recount(snapshot *snap) {
  memset(snap->summary, 0, sizeof snap->summary);
  memset(&snap->suppressed, 0, sizeof snap->suppressed);
  for (uint32_t i = 0; i < snap->nleaks; i++) {
    const snap_leak *l = &snap->leaks[i];
    snap_amount *a = l->suppressed_by ? &snap->suppressed : &snap->summary[l->kind];
    a->bytes += l->bytes;
    a->blocks += l->blocks;
  }
}

/* Largest first by a record's whole size (its own bytes and the indirect
 * bytes it holds: memcheck's loss record size), then by kind. */
static int leak_order(const void *pa, const void *pb) {
  const snap_leak *a = pa, *b = pb;
  uint64_t ta = a->bytes + a->indirect_bytes, tb = b->bytes + b->indirect_bytes;
  if (ta != tb) return ta > tb ? -1 : 1;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  if (a->blocks != b->blocks) return a->blocks > b->blocks ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

int snap_loss_record_cmp(const snap_leak *a, const snap_leak *b) {
  unsigned __int128 ta = (unsigned __int128)a->bytes + a->indirect_bytes;
  unsigned __int128 tb = (unsigned __int128)b->bytes + b->indirect_bytes;
  if (ta != tb) return ta < tb ? -1 : 1;
  if (a->kind != b->kind) return a->kind > b->kind ? -1 : 1; /* snap_kind runs the other way */
  if (a->blocks != b->blocks) return a->blocks < b->blocks ? -1 : 1;
  return a->stack < b->stack ? -1 : a->stack > b->stack;
}

void snap_sort_leaks(snapshot *snap) {
  if (snap->nleaks > 1) qsort(snap->leaks, snap->nleaks, sizeof *snap->leaks, leak_order);
}

int32_t snap_module_for(const snapshot *snap, uint64_t address) {
  for (uint32_t i = 0; i < snap->nmodules; i++) {
    const snap_module *m = &snap->modules[i];
    if (address >= m->start && address < m->limit) return (int32_t)i;
  }
  return -1;
}

const char *snap_program(const snapshot *snap) {
  if (snap->exe != NULL && snap->exe[0] != '\0') return text_basename(snap->exe);
  if (snap->argc > 0 && snap->argv[0] != NULL && snap->argv[0][0] != '\0') return text_basename(snap->argv[0]);
  if (snap->nmodules > 0 && snap->modules[0].path != NULL && snap->modules[0].path[0] != '\0')
    return text_basename(snap->modules[0].path);
  return NULL;
}
