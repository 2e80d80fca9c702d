/*
 * model/snapshot.c: the snapshot data model (see model/snapshot.h): arena, append
 * helpers, recounting and ordering of leak records.
 */
#include "model/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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

int snap_reserve(void **items, size_t n, size_t *cap, size_t size) {
  if (n < *cap) return 0;
  size_t want = *cap ? *cap * 2 : 64;
  void *p = realloc(*items, want * size);
  if (p == NULL) return -1;
  *items = p;
  *cap = want;
  return 0;
}

/* Grow *array (of elem-sized items, *count used) by one; returns the slot.
 * The capacity is implied by the count: 16, then every power of two. */
static void *grow(void **array, uint32_t *count, size_t elem) {
  uint32_t n = *count;
  if (n == 0 || (n >= 16 && (n & (n - 1)) == 0)) {
    size_t cap = n == 0 ? 16 : (size_t)n * 2;
    void *bigger = realloc(*array, cap * elem);
    if (bigger == NULL) return NULL;
    *array = bigger;
  }
  *count = n + 1;
  return (char *)*array + (size_t)n * elem;
}

int64_t snap_add_module(snapshot *snap, const snap_module *m) {
  snap_module *slot = grow((void **)&snap->modules, &snap->nmodules, sizeof *slot);
  if (slot == NULL) return -1;
  *slot = *m;
  return snap->nmodules - 1;
}

int64_t snap_add_location(snapshot *snap, const snap_location *loc) {
  snap_location *slot = grow((void **)&snap->locations, &snap->nlocations, sizeof *slot);
  if (slot == NULL) return -1;
  *slot = *loc;
  return snap->nlocations - 1;
}

int64_t snap_add_stack(snapshot *snap, const uint32_t *locs, uint32_t nlocs) {
  uint32_t *copy = snap_alloc(snap, (nlocs ? nlocs : 1) * sizeof *copy);
  if (copy == NULL) return -1;
  if (nlocs) memcpy(copy, locs, nlocs * sizeof *copy);
  snap_stack *slot = grow((void **)&snap->stacks, &snap->nstacks, sizeof *slot);
  if (slot == NULL) return -1;
  slot->nlocs = nlocs;
  slot->locs = copy;
  return snap->nstacks - 1;
}

int64_t snap_add_site(snapshot *snap, const snap_site *site) {
  snap_site *slot = grow((void **)&snap->sites, &snap->nsites, sizeof *slot);
  if (slot == NULL) return -1;
  *slot = *site;
  return snap->nsites - 1;
}

int64_t snap_add_leak(snapshot *snap, const snap_leak *leak) {
  snap_leak *slot = grow((void **)&snap->leaks, &snap->nleaks, sizeof *slot);
  if (slot == NULL) return -1;
  *slot = *leak;
  return snap->nleaks - 1;
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
