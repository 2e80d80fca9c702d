/*
 * got.c: redirecting the loaded objects' GOT entries (see got.h), as
 * heaptrack's injection does.
 *
 * A pass (got_redirect_all) walks the loader's list (dl_iterate_phdr) and
 * reads each object's dynamic section in memory: DT_SYMTAB and DT_STRTAB
 * name the symbol of each relocation of DT_RELA and DT_JMPREL.  An entry
 * is a candidate when its relocation is a JUMP_SLOT, a GLOB_DAT or a plain
 * 64-bit pointer without addend against a name of the table and it holds
 * the definition expected (glibc's) or, for a lazy JUMP_SLOT not bound
 * yet, an address in its own object's code.  Then /proc/self/maps says
 * each candidate page's protection: an object whose RELRO pages are still
 * writable is being relocated by a dlopen on another thread, and is left
 * for the next pass (got_redirect_all says so by returning early with
 * got_retry set); a read-only page is made writable for the write and put
 * back as it was.  Every change is recorded (slot, original value,
 * replacement, the page's protection), so that got_restore puts back
 * exactly what was there, in the objects still mapped (msync tells a
 * mapped page from a hole without the loader's lock), and only where the
 * entry still holds our replacement.
 *
 * The agent's own entries are never touched (its calls must reach glibc),
 * nor ld.so's (its own allocator pointers are not GOT entries).  The
 * record lives in sys_map() memory and grows by doubling.
 */
#include "got.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spin.h"
#include "sys.h"

#define GOT_PAGE 4096u
#define GOT_MAX_LOADS 16

typedef struct {
  uintptr_t *slot;
  uintptr_t original, replacement;
  int prot;        /* the page's protection; PROT_WRITE in it: written as it is */
  int object;      /* pass-local: the object's number in the walk */
  uintptr_t relro_start, relro_end; /* pass-local: the object's read-only-after-relocation pages */
} got_record;

static spin_lock got_lock;
static got_record *got_records;   /* [0, got_count): changed; [got_count, got_count + pending): this pass's candidates */
static size_t got_count, got_cap;
static size_t got_pending;

/* ---- the record ----------------------------------------------------------- */

static int got_reserve(size_t n) {
  if (n <= got_cap) return 0;
  size_t cap = got_cap ? got_cap * 2 : 256;
  while (cap < n) cap *= 2;
  got_record *bigger = sys_map(cap * sizeof *bigger);
  if (bigger == NULL) return -1;
  if (got_records != NULL) {
    memcpy(bigger, got_records, (got_count + got_pending) * sizeof *bigger);
    sys_unmap(got_records, got_cap * sizeof *got_records);
  }
  got_records = bigger;
  got_cap = cap;
  return 0;
}

/* ---- the objects ------------------------------------------------------------ */

static int got_contains(const struct dl_phdr_info *info, uintptr_t addr, ElfW(Word) flags) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || (ph->p_flags & flags) != flags) continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    if (addr >= start && addr < start + ph->p_memsz) return 1;
  }
  return 0;
}

static int got_is_agent(const struct dl_phdr_info *info) {
  return got_contains(info, (uintptr_t)&got_redirect_all, PF_X);
}

static int got_is_ldso(const struct dl_phdr_info *info) {
  if (_r_debug.r_ldbase != 0 && info->dlpi_addr == _r_debug.r_ldbase) return 1;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  const char *base = strrchr(name, '/');
  return strncmp(base ? base + 1 : name, "ld-linux", 8) == 0;
}

/* A pointer of the dynamic section: the loader rewrites them to addresses
 * when the section is writable, and leaves them as offsets otherwise. */
static uintptr_t got_dyn_ptr(const struct dl_phdr_info *info, ElfW(Addr) p) {
  return info->dlpi_addr != 0 && p < info->dlpi_addr ? info->dlpi_addr + p : p;
}

typedef struct {
  const got_redirect *table;
  int n;
  int objects;
  int failed;
} got_pass;

static const got_redirect *got_find(const got_pass *pass, const char *name) {
  for (int i = 0; i < pass->n; i++)
    if (pass->table[i].replacement != 0 && strcmp(pass->table[i].name, name) == 0) return &pass->table[i];
  return NULL;
}

/* The candidates among count relocations at rela. */
static void got_scan_relocs(got_pass *pass, const struct dl_phdr_info *info, const ElfW(Rela) *rela,
                            size_t count, const ElfW(Sym) *symtab, const char *strtab, size_t strsz,
                            uintptr_t relro_start, uintptr_t relro_end) {
  for (size_t i = 0; i < count && !pass->failed; i++) {
    unsigned type = ELF64_R_TYPE(rela[i].r_info);
    size_t sym = ELF64_R_SYM(rela[i].r_info);
    if (sym == 0 || (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT && type != R_X86_64_64)) continue;
    if (type != R_X86_64_JUMP_SLOT && rela[i].r_addend != 0) continue;
    size_t off = symtab[sym].st_name;
    if (off >= strsz) continue;
    const got_redirect *r = got_find(pass, strtab + off);
    if (r == NULL) continue;
    uintptr_t addr = info->dlpi_addr + rela[i].r_offset;
    if ((addr & 7) != 0 || !got_contains(info, addr, PF_R)) continue;
    uintptr_t *slot = (uintptr_t *)addr;
    uintptr_t now = *slot;
    /* Not bound yet: the entry still points into its own object's PLT, and
     * would bind to glibc's: the symbol is not defined here (the program
     * checked that its global definition is glibc's), or it is and that
     * definition is glibc's (libc's own calls).  An entry bound to this
     * object's own definition is left alone. */
    const ElfW(Sym) *s = &symtab[sym];
    uintptr_t own = s->st_shndx != SHN_UNDEF ? info->dlpi_addr + s->st_value : 0;
    int lazy = type == R_X86_64_JUMP_SLOT && now != own && got_contains(info, now, PF_X) &&
               (own == 0 || own == r->expected);
    if (now != r->expected && !lazy) continue; /* bound elsewhere, or ours already */
    if (got_reserve(got_count + got_pending + 1) != 0) {
      pass->failed = 1;
      return;
    }
    got_records[got_count + got_pending++] =
        (got_record){slot, now, r->replacement, -1, pass->objects, relro_start, relro_end};
  }
}

static int got_scan_object(struct dl_phdr_info *info, size_t size, void *arg) {
  got_pass *pass = arg;
  pass->objects++;
  if (got_is_agent(info) || got_is_ldso(info)) return 0;
  const ElfW(Dyn) *dyn = NULL;
  uintptr_t relro_start = 0, relro_end = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_DYNAMIC) dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
    if (ph->p_type == PT_GNU_RELRO) {
      relro_start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)(GOT_PAGE - 1);
      relro_end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(uintptr_t)(GOT_PAGE - 1);
    }
  }
  if (dyn == NULL) return 0;
  const ElfW(Sym) *symtab = NULL;
  const char *strtab = NULL;
  size_t strsz = 0, relasz = 0, pltsz = 0;
  const ElfW(Rela) *rela = NULL, *jmprel = NULL;
  int pltrel_rela = 1;
  for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++) {
    switch (d->d_tag) {
      case DT_SYMTAB: symtab = (const ElfW(Sym) *)got_dyn_ptr(info, d->d_un.d_ptr); break;
      case DT_STRTAB: strtab = (const char *)got_dyn_ptr(info, d->d_un.d_ptr); break;
      case DT_STRSZ: strsz = d->d_un.d_val; break;
      case DT_RELA: rela = (const ElfW(Rela) *)got_dyn_ptr(info, d->d_un.d_ptr); break;
      case DT_RELASZ: relasz = d->d_un.d_val; break;
      case DT_JMPREL: jmprel = (const ElfW(Rela) *)got_dyn_ptr(info, d->d_un.d_ptr); break;
      case DT_PLTRELSZ: pltsz = d->d_un.d_val; break;
      case DT_PLTREL: pltrel_rela = d->d_un.d_val == DT_RELA; break;
      default: break;
    }
  }
  if (symtab == NULL || strtab == NULL) return 0;
  if (rela != NULL)
    got_scan_relocs(pass, info, rela, relasz / sizeof *rela, symtab, strtab, strsz, relro_start, relro_end);
  if (jmprel != NULL && pltrel_rela)
    got_scan_relocs(pass, info, jmprel, pltsz / sizeof *jmprel, symtab, strtab, strsz, relro_start, relro_end);
  return 0;
}

/* ---- page protections ----------------------------------------------------------- */

static uintptr_t got_hex(const char **p, const char *end) {
  uintptr_t v = 0;
  for (; *p < end; (*p)++) {
    char c = **p;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) break;
    v = v << 4 | (uintptr_t)d;
  }
  return v;
}

/* One line of /proc/self/maps: the pending candidates in it learn their
 * page's protection. */
static void got_maps_line(const char *p, const char *end) {
  uintptr_t lo = got_hex(&p, end);
  if (p < end && *p == '-') p++;
  uintptr_t hi = got_hex(&p, end);
  if (p + 4 > end || *p++ != ' ') return;
  int prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) | (p[2] == 'x' ? PROT_EXEC : 0);
  for (size_t i = got_count; i < got_count + got_pending; i++) {
    uintptr_t a = (uintptr_t)got_records[i].slot;
    if (a >= lo && a < hi) got_records[i].prot = prot;
  }
}

/* The protection of every pending candidate's page; 0, or -1. */
static int got_read_protections(void) {
  int fd = sys_open("/proc/self/maps", O_RDONLY, 0);
  if (fd < 0) return -1;
  static char buf[8192]; /* under got_lock */
  size_t have = 0;
  for (;;) {
    ssize_t k = read(fd, buf + have, sizeof buf - have);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    have += (size_t)k;
    size_t start = 0;
    for (size_t i = 0; i < have; i++) {
      if (buf[i] != '\n') continue;
      got_maps_line(buf + start, buf + i);
      start = i + 1;
    }
    memmove(buf, buf + start, have - start);
    have -= start;
    if (have == sizeof buf) have = 0; /* a line longer than the buffer: skipped */
  }
  close(fd);
  return 0;
}

/* ---- writing -------------------------------------------------------------------- */

/* Write value into slot, whose page has protection prot; 0, or -1. */
static int got_write(uintptr_t *slot, uintptr_t value, int prot) {
  if (prot & PROT_WRITE) {
    __atomic_store_n(slot, value, __ATOMIC_RELEASE);
    return 0;
  }
  void *page = (void *)((uintptr_t)slot & ~(uintptr_t)(GOT_PAGE - 1));
  if (mprotect(page, GOT_PAGE, prot | PROT_WRITE) != 0) return -1;
  __atomic_store_n(slot, value, __ATOMIC_RELEASE);
  mprotect(page, GOT_PAGE, prot);
  return 0;
}

static int got_retry_flag;

int got_redirect_all(const got_redirect *table, int n) {
  int saved = errno;
  spin_acquire(&got_lock);
  got_pass pass = {table, n, 0, 0};
  got_pending = 0;
  got_retry_flag = 0;
  dl_iterate_phdr(got_scan_object, &pass);
  int changed = 0;
  if (got_pending > 0 && got_read_protections() == 0) {
    /* an object whose RELRO pages are still writable is being relocated */
    for (size_t i = got_count; i < got_count + got_pending; i++) {
      got_record *r = &got_records[i];
      uintptr_t a = (uintptr_t)r->slot;
      if (a < r->relro_start || a >= r->relro_end || r->prot < 0 || !(r->prot & PROT_WRITE)) continue;
      for (size_t j = got_count; j < got_count + got_pending; j++)
        if (got_records[j].object == r->object) got_records[j].prot = -1;
    }
    size_t keep = got_count;
    for (size_t i = got_count; i < got_count + got_pending; i++) {
      got_record r = got_records[i];
      if (r.prot < 0) {
        got_retry_flag = 1;
        continue;
      }
      if (__atomic_load_n(r.slot, __ATOMIC_ACQUIRE) != r.original) continue; /* changed meanwhile */
      if (got_write(r.slot, r.replacement, r.prot) != 0) continue;
      got_records[keep++] = r;
      changed++;
    }
    got_count = keep;
  }
  got_pending = 0;
  spin_release(&got_lock);
  errno = saved;
  return pass.failed ? -1 : changed;
}

int got_retry(void) { return got_retry_flag; }

int got_restore(void) {
  int saved = errno;
  spin_acquire(&got_lock);
  int restored = 0;
  for (size_t i = 0; i < got_count; i++) {
    got_record *r = &got_records[i];
    void *page = (void *)((uintptr_t)r->slot & ~(uintptr_t)(GOT_PAGE - 1));
    if (msync(page, GOT_PAGE, MS_ASYNC) != 0) continue; /* unmapped: its object is gone */
    if (__atomic_load_n(r->slot, __ATOMIC_ACQUIRE) != r->replacement) continue;
    if (got_write(r->slot, r->original, r->prot) == 0) restored++;
  }
  got_count = 0;
  spin_release(&got_lock);
  errno = saved;
  return restored;
}

int got_patched(void) { return (int)got_count; }

static int got_first_adds(struct dl_phdr_info *info, size_t size, void *arg) {
  *(unsigned long long *)arg = info->dlpi_adds;
  return 1;
}

unsigned long long got_load_count(void) {
  unsigned long long adds = 0;
  dl_iterate_phdr(got_first_adds, &adds);
  return adds;
}

typedef struct {
  const char *name;
  uintptr_t found;
} got_canonical;

static int got_canonical_object(struct dl_phdr_info *info, size_t size, void *arg) {
  got_canonical *c = arg;
  const ElfW(Dyn) *dyn = NULL;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
  const ElfW(Sym) *symtab = NULL;
  const char *strtab = NULL;
  const ElfW(Rela) *jmprel = NULL;
  size_t strsz = 0, pltsz = 0;
  for (const ElfW(Dyn) *d = dyn; d != NULL && d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_SYMTAB) symtab = (const ElfW(Sym) *)got_dyn_ptr(info, d->d_un.d_ptr);
    if (d->d_tag == DT_STRTAB) strtab = (const char *)got_dyn_ptr(info, d->d_un.d_ptr);
    if (d->d_tag == DT_STRSZ) strsz = d->d_un.d_val;
    if (d->d_tag == DT_JMPREL) jmprel = (const ElfW(Rela) *)got_dyn_ptr(info, d->d_un.d_ptr);
    if (d->d_tag == DT_PLTRELSZ) pltsz = d->d_un.d_val;
  }
  for (size_t i = 0; symtab && strtab && jmprel && i < pltsz / sizeof *jmprel; i++) {
    const ElfW(Sym) *s = &symtab[ELF64_R_SYM(jmprel[i].r_info)];
    if (s->st_name < strsz && s->st_shndx == SHN_UNDEF && s->st_value != 0 && strcmp(strtab + s->st_name, c->name) == 0) {
      c->found = info->dlpi_addr + s->st_value;
      break;
    }
  }
  return 1; /* the main program is the first object */
}

uintptr_t got_canonical_plt(const char *name) {
  got_canonical c = {name, 0};
  dl_iterate_phdr(got_canonical_object, &c);
  return c.found;
}

typedef struct {
  uintptr_t pc;
  uintptr_t found, main_found;
} got_gadget;

/* A ret byte at or after start, within the first limit bytes of a
 * segment of info's code; 0 if none. */
static uintptr_t got_ret_in(const struct dl_phdr_info *info, uintptr_t start, size_t limit) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_filesz;
    if (start == 0) start = lo;
    if (start < lo || start >= hi) continue;
    if (limit > hi - start) limit = hi - start;
    const void *ret = memchr((const void *)start, 0xc3, limit);
    return (uintptr_t)ret;
  }
  return 0;
}

static uintptr_t got_object_gadget(const struct dl_phdr_info *info) {
  const ElfW(Dyn) *dyn = NULL;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
  for (const ElfW(Dyn) *d = dyn; d != NULL && d->d_tag != DT_NULL; d++) {
    if (d->d_tag != DT_FINI && d->d_tag != DT_INIT) continue;
    uintptr_t ret = got_ret_in(info, got_dyn_ptr(info, d->d_un.d_ptr), 64); /* crti's few instructions */
    if (ret != 0) return ret;
  }
  return got_ret_in(info, 0, SIZE_MAX);
}

static int got_gadget_object(struct dl_phdr_info *info, size_t size, void *arg) {
  got_gadget *g = arg;
  int is_main = g->main_found == 0 && (info->dlpi_name == NULL || info->dlpi_name[0] == 0);
  if (got_contains(info, g->pc, PF_X)) {
    g->found = got_object_gadget(info);
    return 1;
  }
  if (is_main) g->main_found = got_object_gadget(info);
  return 0;
}

uintptr_t got_ret_gadget(uintptr_t pc) {
  got_gadget g = {pc, 0, 0};
  dl_iterate_phdr(got_gadget_object, &g);
  return g.found ? g.found : g.main_found;
}

typedef struct {
  int index, agent, libc;
} got_order;

static int got_order_object(struct dl_phdr_info *info, size_t size, void *arg) {
  got_order *o = arg;
  const char *name = info->dlpi_name ? info->dlpi_name : "";
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  if (o->agent < 0 && got_is_agent(info)) o->agent = o->index;
  if (o->libc < 0 && strncmp(base, "libc.so", 7) == 0) o->libc = o->index;
  o->index++;
  return 0;
}

int got_agent_loaded_at_start(void) {
  got_order o = {0, -1, -1};
  dl_iterate_phdr(got_order_object, &o);
  return o.agent >= 0 && (o.libc < 0 || o.agent < o.libc);
}
