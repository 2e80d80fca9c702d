/*
 * sym_target.c: a program for the symbolizer's unit test.  It prints its
 * loaded modules (path, load bias, build-id, executable segment, the way the
 * agent records them) and some runtime return addresses with the source
 * lines they belong to, so the test can check function, file, line and
 * inlined frames without hard-coding addresses or lines.
 *
 * Output lines:
 *   module PATH BIAS BUILD_ID START LIMIT      (hex; build-id "-" if none)
 *   plain RA LINE                             RA returns into plain_caller at LINE
 *   inline RA INNER_LINE OUTER_LINE           RA inside inlined_helper (LINE
 *                                             INNER_LINE) inlined into
 *                                             outer_function at OUTER_LINE
 *   malloc ADDR                               the address of libc's malloc
 */
#define _GNU_SOURCE
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The calls return no value, so the instruction a return address points
 * to belongs to the next line: symbolizing it without subtracting one
 * would give the wrong line. */
static __attribute__((noinline)) void capture(void **ra) {
  *ra = __builtin_return_address(0);
}

void *plain_caller(int *line);
void *outer_function(int *inner_line, int *outer_line);

void *plain_caller(int *line) {
  void *ra;
  *line = __LINE__ + 1;
  capture(&ra);
  return ra;
}

/* Inlined even at -O0: GCC honours always_inline and emits
 * DW_TAG_inlined_subroutine for it. */
static inline __attribute__((always_inline)) void *inlined_helper(int *line) {
  void *ra;
  *line = __LINE__ + 1;
  capture(&ra);
  return ra;
}

void *outer_function(int *inner_line, int *outer_line) {
  void *ra;
  *outer_line = __LINE__ + 1;
  ra = inlined_helper(inner_line);
  return ra;
}

static void print_build_id(const struct dl_phdr_info *info) {
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
        for (unsigned j = 0; j < n->n_descsz; j++) printf("%02x", desc[j]);
        return;
      }
      p = desc + ((n->n_descsz + 3) & ~3u);
    }
  }
  printf("-");
}

static int print_module(struct dl_phdr_info *info, size_t size, void *data) {
  char path[PATH_MAX];
  const char *name = info->dlpi_name;
  if (name == NULL || name[0] == '\0') {
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n < 0) return 0;
    path[n] = '\0';
    name = path;
  }
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    printf("module %s %lx ", name, (unsigned long)info->dlpi_addr);
    print_build_id(info);
    printf(" %lx %lx\n", (unsigned long)(info->dlpi_addr + ph->p_vaddr),
           (unsigned long)(info->dlpi_addr + ph->p_vaddr + ph->p_memsz));
    break;
  }
  return 0;
}

int main(void) {
  int line, inner, outer;
  dl_iterate_phdr(print_module, NULL);
  void *ra = plain_caller(&line);
  printf("plain %lx %d\n", (unsigned long)ra, line);
  ra = outer_function(&inner, &outer);
  printf("inline %lx %d %d\n", (unsigned long)ra, inner, outer);
  void *(*volatile m)(size_t) = malloc;
  printf("malloc %lx\n", (unsigned long)m);
  return 0;
}
