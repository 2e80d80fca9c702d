/*
 * blocks.c: the secret of the blocks' tags, and finding every live block
 * (see blocks.h): each private anonymous read-write mapping (and the
 * [heap]) that is not the agent's own is read 16 bytes at a time, in
 * address order, for a tag that matches its address; pages that are not
 * resident hold no block and are skipped (mincore).
 */
#include "blocks.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "maps.h"
#include "sys.h"

#define BLOCKS_PAGE 4096
#define BLOCKS_COPY (64 * 1024) /* bytes read per copy while the world runs */

uint64_t blocks_secret;

void blocks_init(void) {
  uint64_t s = sys_now_ns() ^ ((uint64_t)sys_getpid() << 32) ^ (uint64_t)(uintptr_t)&s;
  s *= 0x9e3779b97f4a7c15u;
  blocks_secret = (s ^ (s >> 31)) | 1;
}

/* A copy of [from, to) of this process's own memory; 0, or -1 if any of it
 * is gone (unmapped meanwhile). */
static int blocks_copy(uintptr_t from, uintptr_t to, void *buf) {
  struct iovec local = {buf, to - from}, remote = {(void *)from, to - from};
  long n = syscall(SYS_process_vm_readv, sys_getpid(), &local, 1UL, &remote, 1UL, 0UL);
  return n == (long)(to - from) ? 0 : -1;
}

/* A word of this process's memory at a, from the copy [from, to) at data
 * when it is there, else read on its own; 0, or -1 when it is gone. */
static int blocks_word(uintptr_t a, uintptr_t from, uintptr_t to, const char *data, int in_place,
                       uint64_t *out) {
  if (in_place) {
    *out = *(const uint64_t *)a;
    return 0;
  }
  if (a >= from && a + 8 <= to) {
    memcpy(out, data + (a - from), 8);
    return 0;
  }
  return blocks_copy(a, a + 8, out);
}

int blocks_get_copied(uintptr_t p, blocks_info *out) {
  if (blocks_secret == 0 || (p & 15) != 0 || p < 4096) return 0;
  blocks_header h;
  if (blocks_copy(p - BLOCKS_HEADER, p, &h) != 0) return 0;
  unsigned shift = blocks_tag_shift(&h, p);
  if (shift == 0) return 0;
  uint64_t chunk_word, long_size = 0;
  uintptr_t word = p - ((uintptr_t)1 << shift) - 8;
  if (blocks_copy(word, word + 8, &chunk_word) != 0) return 0;
  if ((h.tag & BLOCKS_SLACK_LONG) == BLOCKS_SLACK_LONG && blocks_copy(p - BLOCKS_HEADER - 8, p - BLOCKS_HEADER, &long_size) != 0)
    return 0;
  return blocks_decode(&h, p, shift, (size_t)chunk_word, long_size, out);
}

/* Look for headers in [from, to), whose bytes are at data (the memory
 * itself when in_place, or a copy of it).  A tag must also agree with the
 * size word of glibc's chunk below it. */
static void blocks_scan(uintptr_t from, uintptr_t to, uintptr_t limit, const char *data, int in_place,
                        blocks_visit_fn fn, void *arg) {
  for (uintptr_t a = from; a + BLOCKS_HEADER <= to; a += 16) {
    const blocks_header *h = (const blocks_header *)(data + (a - from));
    uintptr_t p = a + BLOCKS_HEADER;
    unsigned shift = blocks_tag_shift(h, p);
    if (shift == 0) continue;
    uint64_t chunk_word, long_size = 0;
    if (blocks_word(p - ((uintptr_t)1 << shift) - 8, from, to, data, in_place, &chunk_word) != 0) continue;
    if ((h->tag & BLOCKS_SLACK_LONG) == BLOCKS_SLACK_LONG &&
        blocks_word(a - 8, from, to, data, in_place, &long_size) != 0)
      continue;
    blocks_info b;
    if (!blocks_decode(h, p, shift, (size_t)chunk_word, long_size, &b)) continue;
    /* a header whose chunk would end past its mapping is not a live
     * block's: a stale one whose chunk word the memory's new owner
     * overwrote (the scan would read past the mapping) */
    uintptr_t usable_end = (uintptr_t)b.glibc + glibc_usable_from_word((size_t)chunk_word);
    if (usable_end < p || usable_end > limit) continue;
    fn(p, &b, arg);
    /* no header inside glibc's block: go on at the next chunk (glibc's
     * usable bytes end 8 bytes into it) */
    uintptr_t next_chunk = ((uintptr_t)b.glibc + glibc_usable_from_word((size_t)chunk_word)) & ~(uintptr_t)15;
    if (next_chunk > a + 16) a = next_chunk - 16;
  }
}

/* The resident pages of one mapping, a run of them at a time. */
static void blocks_mapping(const maps_entry *m, blocks_visit_fn fn, void *arg, int world_stopped, char *buf) {
  unsigned char resident[BLOCKS_COPY / BLOCKS_PAGE];
  for (uintptr_t from = m->start; from < m->end;) {
    uintptr_t to = from + BLOCKS_COPY < m->end ? from + BLOCKS_COPY : m->end;
    if (mincore((void *)from, to - from, resident) != 0) return; /* unmapped meanwhile */
    for (uintptr_t page = from; page < to;) {
      if (!(resident[(page - from) / BLOCKS_PAGE] & 1)) {
        page += BLOCKS_PAGE;
        continue;
      }
      uintptr_t run_end = page;
      while (run_end < to && (resident[(run_end - from) / BLOCKS_PAGE] & 1)) run_end += BLOCKS_PAGE;
      if (world_stopped) blocks_scan(page, run_end, m->end, (const char *)page, 1, fn, arg);
      else if (blocks_copy(page, run_end, buf) == 0) blocks_scan(page, run_end, m->end, buf, 0, fn, arg);
      page = run_end;
    }
    from = to;
  }
}

int blocks_foreach(blocks_visit_fn fn, void *arg, int world_stopped) {
  if (blocks_secret == 0) return 0;
  maps_list maps;
  if (maps_read(&maps) != 0) return -1;
  char *buf = world_stopped ? NULL : sys_map(BLOCKS_COPY);
  if (!world_stopped && buf == NULL) {
    maps_free(&maps);
    return -1;
  }
  for (uint64_t i = 0; i < maps.n; i++) {
    const maps_entry *m = &maps.entries[i];
    if (!maps_may_hold_heap(m) || m->ours) continue;
    blocks_mapping(m, fn, arg, world_stopped, buf);
  }
  if (buf != NULL) sys_unmap(buf, BLOCKS_COPY);
  maps_free(&maps);
  return 0;
}
