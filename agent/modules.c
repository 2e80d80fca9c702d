/*
 * modules.c: the module map written into every snapshot: for each loaded
 * object its load bias, build-id (read from its PT_NOTE segments in
 * memory, no file access), path, executable segments, and the range of its
 * writable segments and its static TLS block (its globals and thread-local
 * variables, for naming retention roots).  Objects that
 * are dlclose'd are remembered first, so stacks captured inside them can
 * still be symbolized after they are gone.
 */
#include "modules.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "glibc.h"

#define MODULES_MAX_SEGS 4
#define MODULES_MAX_REMEMBERED 256

typedef struct {
  uintptr_t base;
  char path[256];
  unsigned char build_id[40];
  int build_id_len;
  int nsegs;
  uintptr_t seg_start[MODULES_MAX_SEGS], seg_end[MODULES_MAX_SEGS], seg_off[MODULES_MAX_SEGS];
  uintptr_t data_start, data_end; /* the writable PT_LOAD segments' span; 0, 0 if none */
  uintptr_t tls_offset, tls_size; /* static TLS: the block lies tls_offset below each thread
                                   * pointer; 0, 0 if none (or dynamic TLS) */
} modules_record;

static modules_record modules_gone[MODULES_MAX_REMEMBERED];
static int modules_ngone;
static size_t modules_static_tls_size; /* bytes of static TLS below each thread pointer; 0 if unknown */

void modules_init(void) {
  /* ld.so's (GLIBC_PRIVATE) answer; dlsym may allocate: the caller holds the guard */
  void (*tls_static_info)(size_t *, size_t *) =
      (void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
  size_t align = 0;
  if (tls_static_info != NULL) tls_static_info(&modules_static_tls_size, &align);
}

static void modules_fill(modules_record *r, struct dl_phdr_info *info) {
  memset(r, 0, sizeof *r);
  r->base = info->dlpi_addr;
  const char *name = info->dlpi_name;
  if (name == NULL || name[0] == 0) {
    sys_exe_path(r->path, sizeof r->path);
  } else {
    strncpy(r->path, name, sizeof r->path - 1);
  }
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && r->nsegs < MODULES_MAX_SEGS) {
      r->seg_start[r->nsegs] = info->dlpi_addr + ph->p_vaddr;
      r->seg_end[r->nsegs] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
      r->seg_off[r->nsegs] = ph->p_offset;
      r->nsegs++;
    } else if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) {
      uintptr_t start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
      if (r->data_end == 0 || start < r->data_start) r->data_start = start;
      if (end > r->data_end) r->data_end = end;
    } else if (ph->p_type == PT_TLS && info->dlpi_tls_data != NULL) {
      uintptr_t off = glibc_thread_pointer() - (uintptr_t)info->dlpi_tls_data;
      if (off > 0 && off <= modules_static_tls_size) {
        r->tls_offset = off;
        r->tls_size = ph->p_memsz;
      }
    } else if (ph->p_type == PT_NOTE && r->build_id_len == 0) {
      const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
      const char *end = p + ph->p_memsz;
      while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
        const char *nname = p + sizeof *nh;
        const char *desc = nname + ((nh->n_namesz + 3) & ~3u);
        const char *next = desc + ((nh->n_descsz + 3) & ~3u);
        if (next > end) break;
        if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && memcmp(nname, "GNU", 4) == 0 &&
            nh->n_descsz <= sizeof r->build_id) {
          memcpy(r->build_id, desc, nh->n_descsz);
          r->build_id_len = (int)nh->n_descsz;
          break;
        }
        p = next;
      }
    }
  }
}

/* "KEY INDEX A B" with A and B in hex. */
static void modules_put_pair(sys_writer *w, const char *key, int index, uintptr_t a, uintptr_t b) {
  sys_put(w, key);
  sys_put_u64(w, (uint64_t)index);
  sys_putc(w, ' ');
  sys_put_hex(w, a);
  sys_putc(w, ' ');
  sys_put_hex(w, b);
  sys_putc(w, '\n');
}

static void modules_put(sys_writer *w, const modules_record *r, int index) {
  static const char hex[] = "0123456789abcdef";
  sys_put(w, "module ");
  sys_put_hex(w, r->base);
  sys_putc(w, ' ');
  if (r->build_id_len == 0) sys_putc(w, '-');
  for (int i = 0; i < r->build_id_len; i++) {
    sys_putc(w, hex[r->build_id[i] >> 4]);
    sys_putc(w, hex[r->build_id[i] & 15]);
  }
  sys_putc(w, ' ');
  sys_put_escaped(w, r->path);
  sys_putc(w, '\n');
  for (int s = 0; s < r->nsegs; s++) {
    sys_put(w, "segment ");
    sys_put_u64(w, (uint64_t)index);
    sys_putc(w, ' ');
    sys_put_hex(w, r->seg_start[s]);
    sys_putc(w, ' ');
    sys_put_hex(w, r->seg_end[s]);
    sys_putc(w, ' ');
    sys_put_hex(w, r->seg_off[s]);
    sys_put(w, " r-x\n");
  }
  if (r->data_end != 0) modules_put_pair(w, "data ", index, r->data_start, r->data_end);
  if (r->tls_size != 0) modules_put_pair(w, "tls ", index, r->tls_offset, r->tls_size);
}

typedef struct {
  sys_writer *w;
  int index;
  modules_record scratch;
} modules_walk;

static int modules_write_one(struct dl_phdr_info *info, size_t size, void *arg) {
  modules_walk *walk = arg;
  modules_fill(&walk->scratch, info);
  if (walk->scratch.nsegs == 0) return 0;
  modules_put(walk->w, &walk->scratch, walk->index++);
  /* a remembered module that is loaded again at the same place is written once */
  for (int i = 0; i < modules_ngone; i++)
    if (modules_gone[i].base == walk->scratch.base &&
        strcmp(modules_gone[i].path, walk->scratch.path) == 0)
      modules_gone[i].nsegs = -modules_gone[i].nsegs - 1;
  return 0;
}

void modules_write(sys_writer *w) {
  static modules_walk walk; /* big: keep it off small thread stacks */
  walk.w = w;
  walk.index = 0;
  dl_iterate_phdr(modules_write_one, &walk);
  for (int i = 0; i < modules_ngone; i++) {
    if (modules_gone[i].nsegs < 0) {
      modules_gone[i].nsegs = -modules_gone[i].nsegs - 1;
      continue;
    }
    modules_put(w, &modules_gone[i], walk.index++);
  }
}

static int modules_remember_one(struct dl_phdr_info *info, size_t size, void *arg) {
  modules_record r;
  modules_fill(&r, info);
  if (r.nsegs == 0) return 0;
  for (int i = 0; i < modules_ngone; i++)
    if (modules_gone[i].base == r.base && strcmp(modules_gone[i].path, r.path) == 0) return 0;
  if (modules_ngone < MODULES_MAX_REMEMBERED) modules_gone[modules_ngone++] = r;
  return 0;
}

void modules_remember(void) { dl_iterate_phdr(modules_remember_one, NULL); }
