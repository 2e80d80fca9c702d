/*
 * maps.c: /proc/self/maps parsed (see maps.h).  The text and the entries
 * live in sys_map'd memory, never the heap.
 */
#include "maps.h"

#include <string.h>

#include "sys.h"

#define MAPS_TEXT_MAX ((size_t)64 << 20)
#define MAPS_OURS_MAX 4096
#ifdef __SANITIZE_ADDRESS__
/* The agent's modules built with AddressSanitizer (the unit tests of make
 * sanitize): the sanitizer's shadow memory, 1/8 of the address space at
 * fixed places on x86-64 (its low and high shadow; the gap between is not
 * mapped readable), is none of the program's: special, so neither the
 * leak scan nor the walk for blocks reads its 14 TiB. */
#define MAPS_ASAN_SHADOW_START UINT64_C(0x7fff8000)
#define MAPS_ASAN_SHADOW_END UINT64_C(0x10007fff8000)
#endif

static uintptr_t maps_hex(const char **p) {
  uintptr_t v = 0;
  for (;; (*p)++) {
    char c = **p;
    if (c >= '0' && c <= '9') v = v * 16 + (uintptr_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (uintptr_t)(c - 'a' + 10);
    else break;
  }
  return v;
}

static void maps_parse_line(const char **pp, maps_entry *m) {
  const char *p = *pp;
  memset(m, 0, sizeof *m);
  m->start = maps_hex(&p);
  if (*p == '-') p++;
  m->end = maps_hex(&p);
  while (*p == ' ') p++;
  for (int i = 0; i < 4 && *p && *p != ' '; i++) m->perms[i] = *p++;
  for (int field = 0; field < 3; field++) { /* offset, dev, inode */
    while (*p == ' ') p++;
    while (*p && *p != ' ' && *p != '\n') p++;
  }
  while (*p == ' ') p++;
  const char *path = p;
  while (*p && *p != '\n') p++;
  size_t plen = (size_t)(p - path);
  if (*p == '\n') p++;
  m->anonymous = plen == 0;
  if (plen > 0 && path[0] == '[') {
    m->special = strncmp(path, "[stack", 6) != 0;
    m->heap_named = plen == 6 && memcmp(path, "[heap]", 6) == 0;
    m->main_stack = plen == 7 && memcmp(path, "[stack]", 7) == 0;
    if (m->special && strncmp(path, "[anon", 5) == 0) {
      m->special = 0;
      m->anonymous = 1;
    }
  } else if (plen >= 8 && memmem(path, plen, "/libc.so", 8) != NULL) {
    m->libc = 1;
  } else if (plen >= 5 && memcmp(path, "/dev/", 5) == 0) {
    m->special = !(plen >= 9 && memcmp(path, "/dev/zero", 9) == 0);
    m->anonymous = !m->special;
  }
#ifdef __SANITIZE_ADDRESS__
  if (m->start >= MAPS_ASAN_SHADOW_START && m->end <= MAPS_ASAN_SHADOW_END) m->special = 1;
#endif
  *pp = p;
}

/* Append m, cut where the agent's own ranges begin and end. */
static void maps_add_split(maps_list *out, const maps_entry *m, const sys_range *ours, int nours) {
  uintptr_t at = m->start;
  for (int i = 0; i < nours && at < m->end; i++) {
    if (ours[i].end <= at || ours[i].start >= m->end) continue;
    if (ours[i].start > at) {
      maps_entry part = *m;
      part.start = at;
      part.end = ours[i].start;
      out->entries[out->n++] = part;
      at = ours[i].start;
    }
    maps_entry part = *m;
    part.start = at;
    part.end = ours[i].end < m->end ? ours[i].end : m->end;
    part.ours = 1;
    out->entries[out->n++] = part;
    at = part.end;
  }
  if (at < m->end) {
    maps_entry part = *m;
    part.start = at;
    out->entries[out->n++] = part;
  }
}

int maps_read(maps_list *out) {
  out->entries = NULL;
  out->n = 0;
  char *text = sys_map(MAPS_TEXT_MAX);
  if (text == NULL) return -1;
  ssize_t got = sys_read_file("/proc/self/maps", text, MAPS_TEXT_MAX);
  if (got < 0) {
    sys_unmap(text, MAPS_TEXT_MAX);
    return -1;
  }
  static sys_range ours[MAPS_OURS_MAX]; /* the agent reads its maps from one thread at a time */
  int nours = sys_ours(ours, MAPS_OURS_MAX);
  uint64_t lines = 0;
  for (ssize_t i = 0; i < got; i++) lines += text[i] == '\n';
  out->cap = lines + 2 * (uint64_t)nours + 1;
  out->entries = sys_map(out->cap * sizeof *out->entries);
  if (out->entries != NULL) {
    for (const char *p = text; *p;) {
      maps_entry m;
      maps_parse_line(&p, &m);
      maps_add_split(out, &m, ours, nours);
    }
  }
  sys_unmap(text, MAPS_TEXT_MAX);
  return out->entries != NULL ? 0 : -1;
}

void maps_free(maps_list *list) {
  if (list->entries != NULL) sys_unmap(list->entries, list->cap * sizeof *list->entries);
  list->entries = NULL;
  list->n = 0;
}

const maps_entry *maps_find(const maps_list *list, uintptr_t a) {
  uint64_t lo = 0, hi = list->n;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (list->entries[mid].end <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo < list->n && list->entries[lo].start <= a ? &list->entries[lo] : NULL;
}

int maps_may_hold_heap(const maps_entry *m) {
  return m->perms[0] == 'r' && m->perms[1] == 'w' && m->perms[3] == 'p' &&
         (m->heap_named || (m->anonymous && !m->special && !m->main_stack));
}
