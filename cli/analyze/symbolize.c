/*
 * analyze/symbolize.c: turn the return addresses of a snapshot into functions,
 * source files, lines and inlined frames, out of process, with elfutils'
 * libdwfl (see analyze/symbolize.h and the command's part of docs/ARCHITECTURE.md).
 *
 * Each module of the snapshot gets its own offline Dwfl session, opened on
 * first use, so a stale or odd file can never overlap and spoil another
 * module.  A module whose file cannot be read, whose build-id differs from
 * the recorded one, or that is not a file at all (the vdso) is skipped: its
 * locations keep their address only.
 *
 * Lookups are cached so each unique address is symbolized once, and the
 * expensive libdwfl calls are avoided: each compilation unit's functions
 * are collected once into a table sorted by address (binary search instead
 * of dwarf_getscopes' walk of the whole unit), and the ELF symbol table,
 * the fallback when there is no DWARF, is sorted once per module (instead
 * of dwfl_module_addrinfo's linear scan on every call).
 */
#include "analyze/symbolize.h"
#include "util/hmap.h"
#include "util/vec.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* From the C++ runtime (the command links -lstdc++): abi::__cxa_demangle. */
extern char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

/* One entry of a module's sorted ELF function symbol table. */
typedef struct {
  uint64_t addr, size; /* addr with the module's load bias */
  const char *name;    /* owned by libdwfl */
  int rank;            /* lower is preferred among aliases */
} sym_entry;

/* One address range of a function DIE, relative to the DWARF bias. */
typedef struct {
  uint64_t low, high;
  Dwarf_Die die;
} fn_range;

/* The functions of one compilation unit, sorted by low address. */
typedef struct {
  Dwarf_Off cu_offset;
  fn_range *fns;
  size_t nfns, cap;
} cu_table;

typedef enum { MOD_UNTRIED = 0, MOD_READY, MOD_UNUSABLE } mod_state;

typedef struct {
  mod_state state;
  Dwfl *dwfl;
  Dwfl_Module *mod;
  int syms_built, objs_built;
  sym_entry *syms; /* functions */
  size_t nsyms;
  sym_entry *objs; /* data objects (global and static variables) */
  size_t nobjs;
  int tls_built;
  sym_entry *tls; /* thread-local variables, by offset in the module's TLS block */
  size_t ntls;
  cu_table *cus; /* sorted by cu_offset */
  size_t ncus, cucap;
} sym_module;

/* Frames of one pc while it is being symbolized, innermost first. */
typedef struct {
  snap_line *lines;
  size_t n, cap;
} line_buf;

typedef struct {
  snapshot *snap;
  sym_module *mods;
  hmap by_address; /* address -> index of the location first symbolized */
  hmap names;      /* libdw/libelf name pointer -> demangled snapshot string */
  hmap files;      /* libdw file name pointer -> joined snapshot string */
  line_buf buf;
  int oom;
} sym_ctx;

/* ---- strings ---- */

/* The display form of a function name: without a symbol version
 * ("@@GLIBC_2.34"), demangled when it is a C++ name, interned in the
 * snapshot and cached by the source pointer. */
static const char *intern_name(sym_ctx *c, const char *raw) {
  if (raw == NULL) return NULL;
  uint64_t v;
  if (hmap_get(&c->names, (uintptr_t)raw, &v)) return (const char *)(uintptr_t)v;
  const char *out;
  char *demangled = NULL, *plain = NULL;
  const char *at = strchr(raw, '@');
  if (at != NULL && at > raw && (plain = strndup(raw, (size_t)(at - raw))) == NULL) {
    c->oom = 1;
    return NULL;
  }
  const char *name = plain != NULL ? plain : raw;
  if (name[0] == '_' && name[1] == 'Z') {
    int status = 0;
    demangled = __cxa_demangle(name, NULL, NULL, &status);
    if (status != 0) demangled = NULL;
  }
  out = snap_str(c->snap, demangled ? demangled : name);
  free(demangled);
  free(plain);
  if (out == NULL || hmap_put(&c->names, (uintptr_t)raw, (uintptr_t)out) != 0) {
    c->oom = 1;
    return NULL;
  }
  return out;
}

/* A source file name as a full path: joined to the unit's compilation
 * directory when DWARF gives it relative.  libdw has already prefixed it
 * with its line table directory, which may be the compilation directory
 * itself: then it is kept as it is.  (A -fdebug-prefix-map build such as
 * Debian's has relative compilation directories, "./malloc"; the result
 * is then relative to the source tree, as other symbolizers show it.) */
static const char *intern_file(sym_ctx *c, const char *raw, Dwarf_Die *cudie) {
  if (raw == NULL) return NULL;
  uint64_t v;
  if (hmap_get(&c->files, (uintptr_t)raw, &v)) return (const char *)(uintptr_t)v;
  const char *out;
  const char *dir = NULL;
  Dwarf_Attribute attr;
  if (raw[0] != '/' && cudie != NULL)
    dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
  size_t dl = dir != NULL ? strlen(dir) : 0;
  if (dl > 0 && dir[dl - 1] == '/') dl--;
  if (dl > 0 && !(strncmp(raw, dir, dl) == 0 && raw[dl] == '/')) {
    size_t rl = strlen(raw);
    char *joined = malloc(dl + rl + 2);
    if (joined == NULL) {
      c->oom = 1;
      return NULL;
    }
    memcpy(joined, dir, dl);
    joined[dl] = '/';
    memcpy(joined + dl + 1, raw, rl + 1);
    out = snap_str(c->snap, joined);
    free(joined);
  } else {
    out = snap_str(c->snap, raw);
  }
  if (out == NULL || hmap_put(&c->files, (uintptr_t)raw, (uintptr_t)out) != 0) {
    c->oom = 1;
    return NULL;
  }
  return out;
}

/* ---- modules ---- */

static int hex_equal_build_id(const unsigned char *bits, int len, const char *hex) {
  if ((size_t)len * 2 != strlen(hex)) return 0;
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < len; i++) {
    char hi = digits[bits[i] >> 4], lo = digits[bits[i] & 15];
    if ((hex[2 * i] | 0x20) != hi || (hex[2 * i + 1] | 0x20) != lo) return 0;
  }
  return 1;
}

static const Dwfl_Callbacks offline_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

/* Open module i's file in its own offline session; MOD_UNUSABLE when it is
 * not a readable ELF file or not the one the snapshot recorded. */
static void module_open(sym_ctx *c, uint32_t i) {
  sym_module *sm = &c->mods[i];
  const snap_module *m = &c->snap->modules[i];
  sm->state = MOD_UNUSABLE;
  if (m->path == NULL || m->path[0] != '/') return; /* anonymous, [vdso], ... */
  sm->dwfl = dwfl_begin(&offline_callbacks);
  if (sm->dwfl == NULL) return;
  dwfl_report_begin(sm->dwfl);
  sm->mod = dwfl_report_elf(sm->dwfl, m->path, m->path, -1, m->base, false);
  if (sm->mod == NULL || dwfl_report_end(sm->dwfl, NULL, NULL) != 0) return;
  if (m->build_id != NULL && m->build_id[0] != '\0') {
    const unsigned char *bits;
    GElf_Addr vaddr;
    int len = dwfl_module_build_id(sm->mod, &bits, &vaddr);
    if (len <= 0 || !hex_equal_build_id(bits, len, m->build_id)) return;
  }
  sm->state = MOD_READY;
}

static void module_close(sym_module *sm) {
  if (sm->dwfl != NULL) dwfl_end(sm->dwfl);
  free(sm->syms);
  free(sm->objs);
  free(sm->tls);
  for (size_t i = 0; i < sm->ncus; i++) free(sm->cus[i].fns);
  free(sm->cus);
}

/* ---- ELF symbol table ---- */

/* Among aliases at one address, the name memcheck shows: a plain name
 * before a versioned one (__libc_start_main@@GLIBC_2.34, in a debug
 * symbol table), fewest leading underscores first (strdup, not __strdup;
 * malloc, not __libc_malloc), then global before weak before local,
 * then (sym_order) the shorter name. */
static int sym_rank(const GElf_Sym *sym, const char *name) {
  int bind = GELF_ST_BIND(sym->st_info);
  int underscores = 0;
  while (name[underscores] == '_' && underscores < 7) underscores++;
  return (strchr(name, '@') != NULL ? 32 : 0) + underscores * 4 + (bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2);
}

static int sym_order(const void *pa, const void *pb) {
  const sym_entry *a = pa, *b = pb;
  if (a->addr != b->addr) return a->addr < b->addr ? -1 : 1;
  if ((a->size == 0) != (b->size == 0)) return a->size == 0 ? 1 : -1;
  if (a->rank != b->rank) return a->rank - b->rank;
  size_t la = strlen(a->name), lb = strlen(b->name); /* then the shorter name */
  if (la != lb) return la < lb ? -1 : 1;
  return strcmp(a->name, b->name);
}

/* Which symbols a table holds. */
typedef enum { SYMTAB_FUNCTIONS, SYMTAB_OBJECTS, SYMTAB_TLS } symtab_kind;

/* Collect the module's function, data or thread-local symbols once,
 * sorted, one per address (a TLS symbol's: its offset in the block). */
static int symtab_collect(sym_module *sm, symtab_kind kind, sym_entry **out, size_t *nout) {
  int n = dwfl_module_getsymtab(sm->mod);
  if (n <= 0) return 0;
  sym_entry *syms = malloc((size_t)n * sizeof *syms);
  if (syms == NULL) return -1;
  size_t k = 0;
  for (int i = 1; i < n; i++) {
    GElf_Sym sym;
    GElf_Addr addr;
    GElf_Word shndx;
    Elf *elf;
    Dwarf_Addr bias;
    const char *name = dwfl_module_getsym_info(sm->mod, i, &sym, &addr, &shndx, &elf, &bias);
    int type = GELF_ST_TYPE(sym.st_info);
    int wanted = kind == SYMTAB_OBJECTS ? type == STT_OBJECT
                 : kind == SYMTAB_TLS   ? type == STT_TLS
                                        : (type == STT_FUNC || type == STT_GNU_IFUNC);
    if (name == NULL || name[0] == '\0' || !wanted || shndx == SHN_UNDEF) continue;
    uint64_t at = kind == SYMTAB_TLS ? sym.st_value : addr;
    syms[k++] = (sym_entry){at, sym.st_size, name, sym_rank(&sym, name)};
  }
  qsort(syms, k, sizeof *syms, sym_order);
  size_t kept = 0;
  for (size_t i = 0; i < k; i++)
    if (kept == 0 || syms[kept - 1].addr != syms[i].addr) syms[kept++] = syms[i];
  *out = syms;
  *nout = kept;
  return 0;
}

static int symtab_build(sym_module *sm) {
  sm->syms_built = 1;
  return symtab_collect(sm, SYMTAB_FUNCTIONS, &sm->syms, &sm->nsyms);
}

/* The entry of a sorted table containing a, or NULL. */
static const sym_entry *symtab_find(const sym_entry *syms, size_t n, uint64_t a) {
  size_t lo = 0, hi = n;
  while (lo < hi) { /* first entry with addr > a */
    size_t mid = lo + (hi - lo) / 2;
    if (syms[mid].addr <= a) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return NULL;
  const sym_entry *s = &syms[lo - 1];
  return s->size != 0 && a >= s->addr + s->size ? NULL : s;
}

/* The function symbol containing pc, or NULL; *oom on a failure. */
static const sym_entry *symtab_entry(sym_module *sm, uint64_t pc, int *oom) {
  if (!sm->syms_built && symtab_build(sm) != 0) {
    *oom = 1;
    return NULL;
  }
  return symtab_find(sm->syms, sm->nsyms, pc);
}

static const char *symtab_lookup(sym_module *sm, uint64_t pc, int *oom) {
  const sym_entry *s = symtab_entry(sm, pc, oom);
  return s ? s->name : NULL;
}

/* ---- DWARF functions and inlined frames ---- */

static int fn_order(const void *pa, const void *pb) {
  const fn_range *a = pa, *b = pb;
  if (a->low != b->low) return a->low < b->low ? -1 : 1;
  Dwarf_Off oa = dwarf_dieoffset((Dwarf_Die *)&a->die), ob = dwarf_dieoffset((Dwarf_Die *)&b->die);
  return oa < ob ? -1 : oa > ob;
}

static int cu_add_fn(cu_table *t, uint64_t low, uint64_t high, const Dwarf_Die *die) {
  if (vec_reserve(&t->fns, &t->cap, t->nfns + 1, sizeof *t->fns) != 0) return -1;
  t->fns[t->nfns++] = (fn_range){low, high, *die};
  return 0;
}

/* Add every function with code among the children of parent (looking into
 * namespaces and classes, where C++ may define them). */
static int cu_collect(cu_table *t, Dwarf_Die *parent) {
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return 0;
  do {
    int tag = dwarf_tag(&child);
    if (tag == DW_TAG_subprogram) {
      Dwarf_Addr base, start, end;
      ptrdiff_t off = 0;
      while ((off = dwarf_ranges(&child, off, &base, &start, &end)) > 0)
        if (end > start && cu_add_fn(t, start, end, &child) != 0) return -1;
    } else if (tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
               tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
      if (cu_collect(t, &child) != 0) return -1;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return 0;
}

/* The function table of the unit cudie, built on first use. */
static cu_table *cu_get(sym_module *sm, Dwarf_Die *cudie) {
  Dwarf_Off off = dwarf_dieoffset(cudie);
  size_t lo = 0, hi = sm->ncus;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sm->cus[mid].cu_offset < off) lo = mid + 1;
    else hi = mid;
  }
  if (lo < sm->ncus && sm->cus[lo].cu_offset == off) return &sm->cus[lo];
  if (vec_reserve(&sm->cus, &sm->cucap, sm->ncus + 1, sizeof *sm->cus) != 0) return NULL;
  cu_table t = {.cu_offset = off};
  if (cu_collect(&t, cudie) != 0) {
    free(t.fns);
    return NULL;
  }
  qsort(t.fns, t.nfns, sizeof *t.fns, fn_order);
  memmove(&sm->cus[lo + 1], &sm->cus[lo], (sm->ncus - lo) * sizeof *sm->cus);
  sm->cus[lo] = t;
  sm->ncus++;
  return &sm->cus[lo];
}

/* The innermost function DIE whose range holds a (relative address). */
static const fn_range *cu_lookup(const cu_table *t, uint64_t a) {
  size_t lo = 0, hi = t->nfns;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->fns[mid].low <= a) lo = mid + 1;
    else hi = mid;
  }
  /* The nearest start wins (a nested function's parent may start earlier);
   * among aliases at one address (assembler ENTRY names), the first. */
  for (size_t i = lo; i > 0 && lo - i < 8; i--) {
    if (a >= t->fns[i - 1].high) continue;
    while (i > 1 && t->fns[i - 2].low == t->fns[i - 1].low && a < t->fns[i - 2].high) i--;
    return &t->fns[i - 1];
  }
  return NULL;
}

#define MAX_INLINE_DEPTH 64

/* Follow the inlined subroutines holding a inside die, outermost first,
 * appending them to chain; returns the new chain length. */
static int inline_chain(Dwarf_Die *die, uint64_t a, Dwarf_Die *chain, int n) {
  Dwarf_Die child;
  if (n >= MAX_INLINE_DEPTH || dwarf_child(die, &child) != 0) return n;
  do {
    int tag = dwarf_tag(&child);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_lexical_block &&
        tag != DW_TAG_try_block && tag != DW_TAG_catch_block)
      continue;
    int has = dwarf_haspc(&child, a);
    if (has == 1) {
      if (tag == DW_TAG_inlined_subroutine) chain[n++] = child;
      return inline_chain(&child, a, chain, n);
    }
    /* A block without addresses of its own may still hold inlined code. */
    if (tag == DW_TAG_lexical_block && !dwarf_hasattr(&child, DW_AT_low_pc) &&
        !dwarf_hasattr(&child, DW_AT_ranges)) {
      int m = inline_chain(&child, a, chain, n);
      if (m > n) return m;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return n;
}

/* A function DIE's name: the C++ mangled linkage name (demangled later, it
 * carries the class, namespace and parameters), else DW_AT_name.  Other
 * linkage names are assembler labels (glibc's "__GI___libc_malloc" for
 * __libc_malloc) and are not shown. */
static const char *die_raw_name(Dwarf_Die *die) {
  Dwarf_Attribute attr;
  const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
  if (name == NULL)
    name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
  if (name != NULL && name[0] == '_' && name[1] == 'Z') return name;
  const char *plain = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
  return plain != NULL ? plain : name;
}

static int is_mangled(const char *name) { return name != NULL && name[0] == '_' && name[1] == 'Z'; }

/* A name with the scopes GCC leaves out of DW_AT_name and gives no
 * linkage name for (internal linkage: static functions, anonymous
 * namespaces): "(anonymous namespace)::Local::make", from the namespaces
 * and classes around the function's declaration; NULL when it has none
 * (a C function) or on a failure. */
static const char *die_scoped_name(sym_ctx *c, Dwarf_Die *die, const char *plain) {
  Dwarf_Die decl = *die, next;
  Dwarf_Attribute attr;
  for (int k = 0; k < 4; k++) { /* the inlined instance's origin, a definition's declaration */
    if (dwarf_formref_die(dwarf_attr(&decl, DW_AT_abstract_origin, &attr), &next) != NULL ||
        dwarf_formref_die(dwarf_attr(&decl, DW_AT_specification, &attr), &next) != NULL)
      decl = next;
    else
      break;
  }
  Dwarf_Die *scopes = NULL;
  int n = dwarf_getscopes_die(&decl, &scopes);
  char name[1024];
  size_t at = 0;
  for (int i = n - 1; i >= 1; i--) { /* scopes[0] is decl, scopes[n-1] the unit */
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_namespace && tag != DW_TAG_class_type && tag != DW_TAG_structure_type &&
        tag != DW_TAG_union_type)
      continue;
    const char *scope = dwarf_diename(&scopes[i]);
    int w = snprintf(name + at, sizeof name - at, "%s::", scope ? scope : "(anonymous namespace)");
    if (w < 0 || (size_t)w >= sizeof name - at) break;
    at += (size_t)w;
  }
  free(scopes);
  if (at == 0) return NULL;
  snprintf(name + at, sizeof name - at, "%s", plain);
  const char *out = snap_str(c->snap, name);
  if (out == NULL) c->oom = 1;
  return out;
}

/* The name of one frame's function DIE: its mangled linkage name
 * demangled; for the function the code belongs to (physical), the ELF
 * symbol when it starts where the function does (its mangled name has
 * the scopes and parameters GCC leaves out of the DWARF of functions with
 * internal linkage, and among C aliases it is the one memcheck shows:
 * strdup for __strdup); else the DWARF name with its scopes. */
static const char *frame_name(sym_ctx *c, sym_module *sm, Dwarf_Die *die, Dwarf_Die *cudie, Dwarf_Addr bias,
                              uint64_t pc, int physical, const char **system_name) {
  const char *raw = die_raw_name(die);
  *system_name = NULL;
  if (is_mangled(raw)) {
    *system_name = snap_str(c->snap, raw);
    return intern_name(c, raw);
  }
  if (physical) {
    const sym_entry *s = symtab_entry(sm, pc, &c->oom);
    Dwarf_Addr entry = 0;
    if (dwarf_entrypc(die, &entry) != 0) {
      Dwarf_Addr base, start, end;
      entry = dwarf_ranges(die, 0, &base, &start, &end) > 0 ? start : 0;
    }
    if (s != NULL && entry != 0 && s->addr == entry + bias) {
      if (is_mangled(s->name)) *system_name = snap_str(c->snap, s->name);
      return intern_name(c, s->name);
    }
    if (raw == NULL) return intern_name(c, s != NULL ? s->name : NULL);
  }
  if (raw == NULL) return NULL;
  int lang = dwarf_srclang(cudie);
  if (lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14) {
    const char *scoped = die_scoped_name(c, die, raw);
    if (scoped != NULL || c->oom) return scoped;
  }
  return intern_name(c, raw);
}

static int buf_push(sym_ctx *c, const char *function, const char *file, int64_t line, const char *system_name) {
  line_buf *b = &c->buf;
  if (vec_reserve(&b->lines, &b->cap, b->n + 1, sizeof *b->lines) != 0) return -1;
  b->lines[b->n++] = (snap_line){function, file, line, system_name};
  return 0;
}

/* Fill c->buf with the frames of pc (an address inside module sm). */
static int symbolize_pc(sym_ctx *c, sym_module *sm, uint64_t pc) {
  c->buf.n = 0;
  const char *file = NULL;
  int line = 0;
  Dwarf_Addr bias = 0;
  Dwarf_Die *cudie = dwfl_module_addrdie(sm->mod, pc, &bias);
  /* a unit whose address ranges do not hold pc (code without debug
   * information right after it, such as _start after main) has no line
   * and no function for it */
  if (cudie != NULL && dwarf_haspc(cudie, pc - bias) != 1) cudie = NULL;
  Dwfl_Line *dl = cudie != NULL ? dwfl_module_getsrc(sm->mod, pc) : NULL;
  if (dl != NULL) {
    file = intern_file(c, dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL), cudie);
    if (c->oom) return -1;
  }
  const fn_range *fn = NULL;
  if (cudie != NULL) {
    cu_table *t = cu_get(sm, cudie);
    if (t == NULL) return -1;
    fn = cu_lookup(t, pc - bias);
  }
  if (fn != NULL) {
    Dwarf_Die chain[MAX_INLINE_DEPTH + 1];
    chain[0] = fn->die;
    int n = inline_chain(&chain[0], pc - bias, chain, 1);
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (n > 1 && dwarf_getsrcfiles(cudie, &files, &nfiles) != 0) files = NULL;
    for (int i = n - 1; i >= 0; i--) {
      const char *system_name;
      const char *name = frame_name(c, sm, &chain[i], cudie, bias, pc, i == 0, &system_name);
      if (c->oom || buf_push(c, name, file, file ? line : 0, system_name) != 0) return -1;
      if (i == 0) break;
      /* The caller's line: where chain[i] was inlined into chain[i-1]. */
      Dwarf_Attribute attr;
      Dwarf_Word fidx = 0, cline = 0;
      file = NULL;
      line = 0;
      if (files != NULL &&
          dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file, &attr), &fidx) == 0 &&
          fidx < nfiles) {
        file = intern_file(c, dwarf_filesrc(files, fidx, NULL, NULL), cudie);
        if (c->oom) return -1;
      }
      if (dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &attr), &cline) == 0)
        line = (int)cline;
    }
    return 0;
  }
  const char *raw = symtab_lookup(sm, pc, &c->oom);
  const char *name = intern_name(c, raw);
  if (c->oom) return -1;
  if (name == NULL && file == NULL) return 0;
  return buf_push(c, name, file, file ? line : 0, is_mangled(raw) ? snap_str(c->snap, raw) : NULL);
}

/* ---- the snapshot ---- */

static int symbolize_location(sym_ctx *c, uint32_t li) {
  snap_location *loc = &c->snap->locations[li];
  if (loc->nlines > 0) return 0; /* came symbolized (a report, a pprof file) */
  uint64_t prev;
  if (hmap_get(&c->by_address, loc->address, &prev)) {
    loc->lines = c->snap->locations[prev].lines;
    loc->nlines = c->snap->locations[prev].nlines;
    return 0;
  }
  int32_t mi = loc->module;
  if (mi < 0 || (uint32_t)mi >= c->snap->nmodules) mi = snap_module_for(c->snap, loc->address);
  if (mi >= 0 && loc->address > 0) {
    sym_module *sm = &c->mods[mi];
    if (sm->state == MOD_UNTRIED) module_open(c, (uint32_t)mi);
    if (sm->state == MOD_READY) {
      if (symbolize_pc(c, sm, loc->address - 1) != 0) return -1;
      if (c->buf.n > 0) {
        snap_line *lines = snap_alloc(c->snap, c->buf.n * sizeof *lines);
        if (lines == NULL) return -1;
        memcpy(lines, c->buf.lines, c->buf.n * sizeof *lines);
        loc->lines = lines;
        loc->nlines = (uint32_t)c->buf.n;
      }
    }
  }
  return hmap_put(&c->by_address, loc->address, li);
}

int symbolize_snapshot(snapshot *snap, char *err, size_t errlen) {
  sym_ctx c = {.snap = snap};
  int rc = 0;
  if (snap->nmodules > 0) {
    c.mods = calloc(snap->nmodules, sizeof *c.mods);
    if (c.mods == NULL) rc = -1;
  }
  for (uint32_t i = 0; rc == 0 && i < snap->nlocations; i++)
    if (symbolize_location(&c, i) != 0) rc = -1;
  for (uint32_t i = 0; c.mods != NULL && i < snap->nmodules; i++) module_close(&c.mods[i]);
  free(c.mods);
  free(c.buf.lines);
  hmap_free(&c.by_address);
  hmap_free(&c.names);
  hmap_free(&c.files);
  if (rc != 0) {
    snprintf(err, errlen, "symbolizing: out of memory");
    return -1;
  }
  snap->symbolized = 1;
  return 0;
}

/* ---- data symbols ---- */

struct sym_data {
  sym_ctx c;
};

sym_data *symbolize_data_open(snapshot *snap) {
  sym_data *d = calloc(1, sizeof *d);
  if (d == NULL) return NULL;
  d->c.snap = snap;
  if (snap->nmodules > 0 && (d->c.mods = calloc(snap->nmodules, sizeof *d->c.mods)) == NULL) {
    free(d);
    return NULL;
  }
  return d;
}

/* The symbol of module mi's table (built on first use) holding a. */
static const char *symbolize_data_find(sym_data *d, int32_t mi, symtab_kind kind, uint64_t a,
                                       uint64_t *offset) {
  if (mi < 0 || (uint32_t)mi >= d->c.snap->nmodules) return NULL;
  sym_module *sm = &d->c.mods[mi];
  if (sm->state == MOD_UNTRIED) module_open(&d->c, (uint32_t)mi);
  if (sm->state != MOD_READY) return NULL;
  int *built = kind == SYMTAB_TLS ? &sm->tls_built : &sm->objs_built;
  sym_entry **syms = kind == SYMTAB_TLS ? &sm->tls : &sm->objs;
  size_t *n = kind == SYMTAB_TLS ? &sm->ntls : &sm->nobjs;
  if (!*built) {
    *built = 1;
    if (symtab_collect(sm, kind, syms, n) != 0) return NULL;
  }
  const sym_entry *s = symtab_find(*syms, *n, a);
  if (s == NULL) return NULL;
  *offset = a - s->addr;
  return intern_name(&d->c, s->name);
}

const char *symbolize_data_lookup(sym_data *d, int32_t mi, uint64_t address, uint64_t *offset) {
  return symbolize_data_find(d, mi, SYMTAB_OBJECTS, address, offset);
}

const char *symbolize_tls_lookup(sym_data *d, int32_t mi, uint64_t tls_offset, uint64_t *offset) {
  return symbolize_data_find(d, mi, SYMTAB_TLS, tls_offset, offset);
}

void symbolize_data_close(sym_data *d) {
  if (d == NULL) return;
  for (uint32_t i = 0; d->c.mods != NULL && i < d->c.snap->nmodules; i++) module_close(&d->c.mods[i]);
  free(d->c.mods);
  hmap_free(&d->c.names);
  free(d);
}
