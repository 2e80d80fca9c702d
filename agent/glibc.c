/*
 * glibc.c: the start-up check of glibc.h's facts.  It allocates through
 * glibc directly (__libc_malloc), so it runs before tracking starts.
 */
#include "glibc.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>

/* A block's chunk must be at least the block plus its header and 16-byte
 * aligned; an mmapped one must start its own page-aligned mapping. */
static int glibc_chunk_plausible(const void *p, size_t size) {
  size_t chunk = glibc_chunk_size(p);
  if (chunk < size + sizeof(size_t) || chunk % 16 != 0) return 0;
  if (glibc_chunk_is_mmapped(p)) {
    uintptr_t map = (uintptr_t)p - GLIBC_CHUNK_OVERHEAD - glibc_chunk_mmap_offset(p);
    if (map % 4096 != 0) return 0;
  }
  return 1;
}

static size_t (*glibc_next_usable_size)(void *);

size_t glibc_usable_size(void *p) {
  if (glibc_next_usable_size != NULL) return glibc_next_usable_size(p);
  /* glibc's musable(): an mmapped chunk has two header words, others one */
  return glibc_chunk_usable(p);
}

/* ld.so's executable segment, found by the address of one of its
 * functions (__tls_get_addr: ld.so's, exported since GLIBC_2.3). */
uintptr_t glibc_ldso_code_lo, glibc_ldso_code_hi;

typedef struct {
  uintptr_t inside, lo, hi;
} glibc_code_search;

static int glibc_find_code(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  glibc_code_search *s = arg;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (s->inside >= lo && s->inside < hi) {
      s->lo = lo;
      s->hi = hi;
      return 1;
    }
  }
  return 0;
}

static void glibc_find_ldso(void) {
  glibc_code_search s = {(uintptr_t)dlsym(RTLD_DEFAULT, "__tls_get_addr"), 0, 0};
  if (s.inside != 0 && dl_iterate_phdr(glibc_find_code, &s) == 1) {
    glibc_ldso_code_lo = s.lo;
    glibc_ldso_code_hi = s.hi;
  }
}

int glibc_check(const char **why) {
  glibc_next_usable_size = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
  void *small = __libc_malloc(24);
  void *large = __libc_malloc(1u << 20); /* mmapped, unless the program tuned malloc */
  int small_ok = small != NULL && !glibc_chunk_is_mmapped(small) && glibc_chunk_plausible(small, 24);
  int large_ok = large == NULL || glibc_chunk_plausible(large, 1u << 20);
  if (glibc_next_usable_size != NULL) /* the size the agent reads from a chunk is glibc's */
    small_ok = small_ok && glibc_chunk_usable(small) == glibc_next_usable_size(small) &&
               (large == NULL || glibc_chunk_usable(large) == glibc_next_usable_size(large));
  __libc_free(small);
  __libc_free(large);
  if (!small_ok || !large_ok) {
    *why = "glibc's malloc chunks are not laid out as this agent expects";
    return -1;
  }
  uintptr_t tp = glibc_thread_pointer();
  if (tp == 0 || *(const uintptr_t *)tp != tp || tp != (uintptr_t)pthread_self()) {
    *why = "the thread pointer does not point at glibc's TCB";
    return -1;
  }
  if (glibc_dtv_block() == 0) {
    *why = "this thread has no DTV";
    return -1;
  }
  glibc_find_ldso();
  return 0;
}
