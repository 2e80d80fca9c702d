/*
 * frames_growth_test.c: unit test of the frames the tables show
 * (model/frames.c: the allocator's frames folded at the top only, nothing
 * below main, a stack of allocator frames kept whole), of sites matched
 * across builds (analyze/growth.c: two allocations in one function are two
 * sites; a site whose lines moved is one when it is the only such pair,
 * and stays two when the pair is ambiguous), and of the "did you mean"
 * distance (util/text.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/growth.h"
#include "model/frames.h"
#include "model/snapshot.h"
#include "util/text.h"

#include "harness/check.h"

/* A stack of frames "function@line", innermost first, one location each. */
static uint32_t add_stack(snapshot *s, const char *const *frames, uint32_t n) {
  uint32_t locs[32];
  for (uint32_t i = 0; i < n; i++) {
    snap_line *line = snap_alloc(s, sizeof *line);
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(frames[i], "@"), frames[i]);
    line->function = snap_str(s, name);
    line->file = snap_str(s, "/src/x.c");
    line->line = strchr(frames[i], '@') ? atoi(strchr(frames[i], '@') + 1) : 0;
    snap_location loc = {.address = 0x1000 + s->nlocations * 16, .module = -1, .nlines = 1, .lines = line};
    locs[i] = (uint32_t)snap_add_location(s, &loc);
  }
  return (uint32_t)snap_add_stack(s, locs, n);
}

static void add_site(snapshot *s, int64_t bytes, const char *const *frames, uint32_t n) {
  snap_site site = {.stack = add_stack(s, frames, n), .inuse_bytes = bytes, .inuse_objects = 1,
                    .alloc_bytes = bytes, .alloc_objects = 1};
  snap_add_site(s, &site);
}

static const growth_site *find(const growth *g, const char *leaf) {
  for (uint32_t i = 0; i < g->n; i++)
    if (strncmp(g->sites[i].key, leaf, strlen(leaf)) == 0) return &g->sites[i];
  return NULL;
}

int main(void) {
  /* frames_range */
  snapshot *s = snap_new();
  const char *cxx[] = {"operator new(unsigned long)@0", "std::vector<int>::_M_create_storage(unsigned long)@9",
                       "keep()@73", "std::function<void ()>::operator()() const@5", "main@84",
                       "__libc_start_call_main@58", "_start@0"};
  uint32_t st = add_stack(s, cxx, 7), first, end;
  frames_range(s, &s->stacks[st], FRAMES_FOLD_ALLOCATORS, &first, &end);
  CHECK(first == 2 && end == 5, "folded and up to main: [%u, %u)", first, end);
  frames_range(s, &s->stacks[st], 0, &first, &end);
  CHECK(first == 0 && end == 5, "records keep the allocator: [%u, %u)", first, end);
  frames_range(s, &s->stacks[st], FRAMES_BELOW_MAIN | FRAMES_FOLD_ALLOCATORS, &first, &end);
  CHECK(first == 2 && end == 7, "below main on request: [%u, %u)", first, end);
  const char *only[] = {"operator new(unsigned long)@0", "__strdup@0"};
  st = add_stack(s, only, 2);
  frames_range(s, &s->stacks[st], FRAMES_FOLD_ALLOCATORS, &first, &end);
  CHECK(first == 0 && end == 2, "a stack of allocator frames only is kept whole: [%u, %u)", first, end);
  CHECK(frames_is_allocator("strdup") && frames_is_allocator("operator new[](unsigned long)") &&
        frames_is_allocator("__gnu_cxx::new_allocator<int>::allocate(unsigned long, void const*)") &&
        !frames_is_allocator("strdupa_user") && !frames_is_allocator("make_node"));
  CHECK(frames_is_allocator("void std::vector<char*, std::allocator<char*> >::_M_realloc_insert<char*>(char*&&)") &&
        frames_is_allocator("char*& std::vector<char*>::emplace_back<char*>(char*&&)") &&
        !frames_is_allocator("void keep<std::string>(int)") && !frames_is_allocator("operator delete(void*)") &&
        frames_is_allocator("operator new[](unsigned long)"));
  snap_free(s);

  /* growth: by line, and lines that moved */
  snapshot *base = snap_new(), *now = snap_new();
  const char *p10[] = {"parse@10", "main@5"}, *p20[] = {"parse@20", "main@5"};
  const char *c7[] = {"cache@7", "main@5"}, *c9[] = {"cache@9", "main@5"};
  const char *a1[] = {"amb@1", "main@5"}, *a2[] = {"amb@2", "main@5"}, *a3[] = {"amb@3", "main@5"},
             *a4[] = {"amb@4", "main@5"};
  add_site(base, 100, p10, 2);
  add_site(base, 100, p20, 2);
  add_site(base, 500, c7, 2);
  add_site(base, 10, a1, 2);
  add_site(base, 20, a2, 2);
  add_site(now, 100, p10, 2);
  add_site(now, 900, p20, 2);
  add_site(now, 500, c9, 2);
  add_site(now, 30, a3, 2);
  add_site(now, 40, a4, 2);
  snapshot *b[] = {base}, *n[] = {now};
  growth g;
  char err[128];
  CHECK(growth_compute(b, 1, n, 1, SAMPLE_INUSE_SPACE, &g, err, sizeof err) == 0, "%s", err);
  const growth_site *gp20 = find(&g, "parse (x.c:20)"), *gc = find(&g, "cache (x.c:9)");
  CHECK(gp20 != NULL && gp20->base == 100 && gp20->now == 900, "parse:20 is its own site");
  CHECK(find(&g, "parse (x.c:10)") != NULL, "parse:10 is its own site");
  CHECK(gc != NULL && gc->base == 500 && gc->now == 500, "cache moved from line 7 to 9: one site");
  CHECK(find(&g, "cache (x.c:7)") == NULL, "the moved site's old key is gone");
  CHECK(find(&g, "amb (x.c:1)") != NULL && find(&g, "amb (x.c:3)") != NULL, "two candidate pairs: none merged");
  CHECK(g.base_total == 730 && g.new_total == 1570, "totals %lld %lld", (long long)g.base_total,
        (long long)g.new_total);
  growth_free(&g);
  snap_free(base);
  snap_free(now);

  /* did you mean */
  const char *names[] = {"--report", "--sample", "--show-reachable", "--top"};
  CHECK(text_nearest("--reprot", names, 4) == names[0]);
  CHECK(text_nearest("--tpo", names, 4) == names[3]);
  CHECK(text_nearest("--show-reachble", names, 4) == names[2]);
  CHECK(text_nearest("--frobnicate", names, 4) == NULL);
  CHECK(text_distance("ab", "ba") == 1 && text_distance("", "abc") == 3);
  return failures != 0;
}
