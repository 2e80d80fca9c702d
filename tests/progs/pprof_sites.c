/*
 * pprof_sites.c: writes a raw snapshot (docs/FORMAT.md) of itself, for the
 * pprof and flame tests: real modules (from dl_iterate_phdr, with build-ids
 * and executable segments) and real return addresses of three allocation
 * sites, with known values.  The allocator is stood in for by capture(),
 * whose return address is the one the agent would record for malloc.
 *
 *   pprof_sites OUT [sample|full]
 *
 * Sites (alloc_objects alloc_bytes inuse_objects inuse_bytes):
 *   pprof_alloc_small <- main                      100   1600    40     640
 *   pprof_alloc_big <- pprof_middle <- main          3 3145728     2 2097152
 *   pprof_churn <- pprof_middle <- main           1000 1048576000  0       0
 * In full mode the big site also has a definitely lost record.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static FILE *out;

/* Write s percent-escaped, as FORMAT.md wants for paths. */
static void put_escaped(const char *s) {
  for (; *s; s++) {
    if (*s == '%' || *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
      fprintf(out, "%%%02x", (unsigned char)*s);
    else
      fputc(*s, out);
  }
}

static void build_id_of(struct dl_phdr_info *info, char *hex, size_t len) {
  snprintf(hex, len, "-");
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE) continue;
    const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
    const unsigned char *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
      const unsigned char *name = p + sizeof *n;
      const unsigned char *desc = name + ((n->n_namesz + 3) & ~3u);
      if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
        size_t at = 0;
        for (unsigned k = 0; k < n->n_descsz && at + 3 < len; k++)
          at += (size_t)snprintf(hex + at, len - at, "%02x", desc[k]);
        return;
      }
      p = desc + ((n->n_descsz + 3) & ~3u);
    }
  }
}

static int nmodules;

static int module_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  char path[4096];
  if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0') {
    if (nmodules != 0) return 0; /* the vdso: no file */
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
  } else {
    snprintf(path, sizeof path, "%s", info->dlpi_name);
    if (path[0] != '/') return 0; /* linux-vdso.so.1 */
  }
  char id[128];
  build_id_of(info, id, sizeof id);
  fprintf(out, "module %lx %s ", (unsigned long)info->dlpi_addr, id);
  put_escaped(path);
  fputc('\n', out);
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    fprintf(out, "segment %d %lx %lx %lx r-x\n", nmodules,
            (unsigned long)(info->dlpi_addr + ph->p_vaddr),
            (unsigned long)(info->dlpi_addr + ph->p_vaddr + ph->p_memsz),
            (unsigned long)ph->p_offset);
  }
  nmodules++;
  return 0;
}

/* Stands in for malloc: records the return address into its caller. */
__attribute__((noinline)) static void *capture(size_t n, void **ret) {
  *ret = __builtin_return_address(0);
  return malloc(n);
}

__attribute__((noinline)) void *pprof_alloc_small(void **frames) {
  void *p = capture(16, &frames[0]);
  frames[1] = __builtin_return_address(0);
  return p;
}

__attribute__((noinline)) void *pprof_alloc_big(void **frames) {
  void *p = capture(1048576, &frames[0]);
  frames[1] = __builtin_return_address(0);
  return p;
}

__attribute__((noinline)) void *pprof_churn(void **frames) {
  void *p = capture(1048576, &frames[0]);
  frames[1] = __builtin_return_address(0);
  return p;
}

/* Calls fn and records its own return address into main. */
__attribute__((noinline)) void *pprof_middle(void *(*fn)(void **), void **frames) {
  void *p = fn(frames);
  frames[2] = __builtin_return_address(0);
  return p;
}

static void put_stack(int id, void **frames, int n) {
  fprintf(out, "stack %d", id);
  for (int i = 0; i < n; i++) fprintf(out, " %lx", (unsigned long)(uintptr_t)frames[i]);
  fputc('\n', out);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: pprof_sites OUT [sample|full]\n");
    return 2;
  }
  int full = argc > 2 && strcmp(argv[2], "full") == 0;
  void *small[3], *big[4], *churn[4];
  void *main_ret = __builtin_return_address(0);
  void *a = pprof_alloc_small(small);
  small[2] = main_ret;
  void *b = pprof_middle(pprof_alloc_big, big);
  big[3] = main_ret;
  void *c = pprof_middle(pprof_churn, churn);
  churn[3] = main_ret;
  free(a);
  free(b);
  free(c);

  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
  out = fopen(tmp, "w");
  if (out == NULL) {
    perror(tmp);
    return 1;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  fprintf(out, "leakscope-raw 1\npid %d\nppid %d\nmode %s\nsample_interval %d\n",
          (int)getpid(), (int)getppid(), full ? "full" : "sample", full ? 0 : 524288);
  fprintf(out, "time_ns %lld\nduration_ns 1500000000\nreason exit\nexe ",
          (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
  put_escaped(exe);
  fprintf(out, "\n");
  for (int i = 0; i < argc; i++) {
    fprintf(out, "arg %d ", i);
    put_escaped(argv[i]);
    fputc('\n', out);
  }
  dl_iterate_phdr(module_cb, NULL);
  put_stack(0, small, 3);
  put_stack(1, big, 4);
  put_stack(2, churn, 4);
  fprintf(out, "site 0 100 1600 40 640\n");
  fprintf(out, "site 1 3 3145728 2 2097152\n");
  fprintf(out, "site 2 1000 1048576000 0 0\n");
  if (full) fprintf(out, "leak D 1 1 1048576 0\nleakcheck 1\n");
  fprintf(out, "total 1103 1061 1051723328 42 2097792\nend\n");
  if (fclose(out) != 0 || rename(tmp, argv[1]) != 0) {
    perror(argv[1]);
    return 1;
  }
  return 0;
}
