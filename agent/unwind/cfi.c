/*
 * cfi.c: DWARF call-frame information for the agent's own unwinder.
 *
 * For a code address: _dl_find_object (glibc 2.35+, lock-free, no
 * allocation) gives the object's PT_GNU_EH_FRAME segment (.eh_frame_hdr);
 * a binary search of its sorted table finds the FDE; the CIE and FDE are
 * parsed (augmentations z, R, P, L, S; the usual pointer encodings) and
 * the CFA program is run up to the address.  The resulting row is reduced
 * to the compact rule of unwind_int.h, or to UNWIND_KIND_OTHER whenever the
 * row says something the rule cannot express (a CFA expression as in PLT
 * stubs, a CFA in another register, a signal frame, a return address not
 * at CFA - 8, a register rule for RBP other than "unchanged" or "saved at
 * CFA + m") or when anything about the tables looks unusual.  Those frames
 * are left to the slow path.  Code that no FDE covers gets the frame-pointer
 * rule (CFI_FRAME_POINTER_RULE).  Nothing here allocates or locks.
 */
#include <dlfcn.h>
#include <string.h>

#include "unwind_int.h"

#define CFI_REG_RBP 6
#define CFI_REG_RSP 7
#define CFI_REG_RA 16
#define CFI_STATE_STACK 16

enum { CFI_SAME = 0, CFI_OFFSET = 1, CFI_UNDEF = 2, CFI_BAD = 3 };

typedef struct {
  int cfa_reg;       /* DWARF register number, -1 = an expression */
  int64_t cfa_off;
  int rbp_how;       /* CFI_* */
  int64_t rbp_off;
  int ra_how;
  int64_t ra_off;
} cfi_row;

typedef struct {
  const uint8_t *p, *end;
  int bad;
} cfi_reader;

typedef struct {
  uint64_t code_align;
  int64_t data_align;
  uint64_t ra_reg;
  uint8_t fde_enc;
  int has_z;         /* FDEs carry augmentation data */
  int signal_frame;
  const uint8_t *insns, *insns_end;
} cfi_cie;

#if defined(DLFO_STRUCT_HAS_EH_DBASE)
typedef int (*cfi_find_fn)(void *address, struct dl_find_object *result);
static cfi_find_fn cfi_find;
#endif

int unwind_cfi_init(void) {
#if defined(DLFO_STRUCT_HAS_EH_DBASE)
  cfi_find = (cfi_find_fn)dlsym(RTLD_DEFAULT, "_dl_find_object");
  return cfi_find != NULL;
#else
  return 0;
#endif
}

static uint8_t cfi_u8(cfi_reader *r) {
  if (r->p >= r->end) {
    r->bad = 1;
    return 0;
  }
  return *r->p++;
}

static uint64_t cfi_fixed(cfi_reader *r, int size) {
  if (r->end - r->p < size) {
    r->bad = 1;
    return 0;
  }
  uint64_t v = 0;
  memcpy(&v, r->p, (size_t)size); /* little-endian */
  r->p += size;
  return v;
}

static uint64_t cfi_uleb(cfi_reader *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = cfi_u8(r);
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  r->bad = 1;
  return 0;
}

static int64_t cfi_sleb(cfi_reader *r) {
  uint64_t v = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = cfi_u8(r);
    if (shift >= 64) {
      r->bad = 1;
      return 0;
    }
    v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
  return (int64_t)v;
}

/* A pointer in encoding enc (DW_EH_PE_*); datarel is relative to dbase.
 * Text-relative, function-relative, aligned and indirect forms are not
 * used on x86-64 GNU/Linux for these fields: they mark the reader bad. */
static uintptr_t cfi_pointer(cfi_reader *r, uint8_t enc, uintptr_t dbase) {
  if (enc == 0xff) return 0; /* DW_EH_PE_omit */
  uintptr_t field = (uintptr_t)r->p;
  uint64_t v;
  switch (enc & 0x0f) {
    case 0x00: v = cfi_fixed(r, 8); break;
    case 0x01: v = cfi_uleb(r); break;
    case 0x02: v = cfi_fixed(r, 2); break;
    case 0x03: v = cfi_fixed(r, 4); break;
    case 0x04: v = cfi_fixed(r, 8); break;
    case 0x09: v = (uint64_t)cfi_sleb(r); break;
    case 0x0a: v = (uint64_t)(int64_t)(int16_t)cfi_fixed(r, 2); break;
    case 0x0b: v = (uint64_t)(int64_t)(int32_t)cfi_fixed(r, 4); break;
    case 0x0c: v = cfi_fixed(r, 8); break;
    default: r->bad = 1; return 0;
  }
  switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += field; break;
    case 0x30:
      if (dbase == 0) r->bad = 1;
      v += dbase;
      break;
    default: r->bad = 1; return 0;
  }
  if (enc & 0x80) r->bad = 1;
  return (uintptr_t)v;
}

/* Opens the entry (CIE or FDE) at p; sets r to its body after the length
 * field and returns the address where the entry ends, NULL if malformed. */
static const uint8_t *cfi_entry(const uint8_t *p, cfi_reader *r) {
  uint32_t len32;
  memcpy(&len32, p, 4);
  if (len32 == 0 || len32 == 0xffffffffu) return NULL; /* terminator, or 64-bit DWARF: unusual */
  r->p = p + 4;
  r->end = p + 4 + len32;
  r->bad = 0;
  return r->end;
}

static int cfi_parse_cie(const uint8_t *cie, cfi_cie *out) {
  cfi_reader r;
  if (cfi_entry(cie, &r) == NULL) return -1;
  if (cfi_fixed(&r, 4) != 0) return -1; /* CIE id */
  uint8_t version = cfi_u8(&r);
  if (version != 1 && version != 3) return -1;
  const char *aug = (const char *)r.p;
  size_t auglen = strnlen(aug, (size_t)(r.end - r.p));
  if (auglen == (size_t)(r.end - r.p)) return -1;
  r.p += auglen + 1;
  out->code_align = cfi_uleb(&r);
  out->data_align = cfi_sleb(&r);
  out->ra_reg = version == 1 ? cfi_u8(&r) : cfi_uleb(&r);
  out->fde_enc = 0; /* absptr */
  out->signal_frame = 0;
  out->has_z = aug[0] == 'z';
  if (aug[0] != 0) {
    if (!out->has_z) return -1;
    uint64_t len = cfi_uleb(&r);
    if (r.bad || len > (uint64_t)(r.end - r.p)) return -1;
    const uint8_t *aug_end = r.p + len;
    for (const char *a = aug + 1; *a; a++) {
      if (*a == 'R') {
        out->fde_enc = cfi_u8(&r);
      } else if (*a == 'L') {
        cfi_u8(&r);
      } else if (*a == 'P') {
        uint8_t enc = cfi_u8(&r);
        cfi_reader skip = r;
        skip.end = aug_end;
        cfi_pointer(&skip, enc & 0x7f, 1); /* skipped: only its size matters */
        if (skip.bad) return -1;
        r.p = skip.p;
      } else if (*a == 'S') {
        out->signal_frame = 1;
      } else {
        break; /* unknown letters: 'z' says where the data ends */
      }
    }
    r.p = aug_end;
  }
  if (r.bad || out->code_align == 0) return -1;
  out->insns = r.p;
  out->insns_end = r.end;
  return 0;
}

/* Runs a CFA program up to (and including) the rows at or below target. */
static int cfi_run(const uint8_t *p, const uint8_t *end, const cfi_cie *cie, uintptr_t *loc,
                   uintptr_t target, cfi_row *row, const cfi_row *initial) {
  cfi_reader r = {p, end, 0};
  cfi_row stack[CFI_STATE_STACK];
  int depth = 0;
  while (r.p < r.end && !r.bad) {
    uint8_t op = cfi_u8(&r);
    uint64_t reg = 0, advance = 0;
    int64_t off = 0;
    int how = -1, restore = 0;
    switch (op >> 6) {
      case 1: advance = op & 0x3f; goto do_advance;
      case 2:
        reg = op & 0x3f;
        off = (int64_t)cfi_uleb(&r) * cie->data_align;
        how = CFI_OFFSET;
        goto do_reg;
      case 3:
        reg = op & 0x3f;
        restore = 1;
        goto do_reg;
      default: break;
    }
    switch (op) {
      case 0x00: continue; /* nop */
      case 0x01: {         /* set_loc */
        uintptr_t to = cfi_pointer(&r, cie->fde_enc, 0);
        if (to > target) return 0;
        *loc = to;
        continue;
      }
      case 0x02: advance = cfi_u8(&r); goto do_advance;
      case 0x03: advance = cfi_fixed(&r, 2); goto do_advance;
      case 0x04: advance = cfi_fixed(&r, 4); goto do_advance;
      case 0x05:
        reg = cfi_uleb(&r);
        off = (int64_t)cfi_uleb(&r) * cie->data_align;
        how = CFI_OFFSET;
        goto do_reg;
      case 0x06:
        reg = cfi_uleb(&r);
        restore = 1;
        goto do_reg;
      case 0x07:
        reg = cfi_uleb(&r);
        how = CFI_UNDEF;
        goto do_reg;
      case 0x08:
        reg = cfi_uleb(&r);
        how = CFI_SAME;
        goto do_reg;
      case 0x09: /* register: a value kept in another register */
        reg = cfi_uleb(&r);
        cfi_uleb(&r);
        how = CFI_BAD;
        goto do_reg;
      case 0x0a:
        if (depth == CFI_STATE_STACK) return -1;
        stack[depth++] = *row;
        continue;
      case 0x0b: {
        if (depth == 0) return -1;
        *row = stack[--depth]; /* the CFA rule too, as GCC's unwinder does */
        continue;
      }
      case 0x0c:
        row->cfa_reg = (int)cfi_uleb(&r);
        row->cfa_off = (int64_t)cfi_uleb(&r);
        continue;
      case 0x0d:
        row->cfa_reg = (int)cfi_uleb(&r);
        continue;
      case 0x0e:
        row->cfa_off = (int64_t)cfi_uleb(&r);
        continue;
      case 0x0f: { /* def_cfa_expression */
        uint64_t len = cfi_uleb(&r);
        if (len > (uint64_t)(r.end - r.p)) return -1;
        r.p += len;
        row->cfa_reg = -1;
        continue;
      }
      case 0x10:   /* expression */
      case 0x16: { /* val_expression */
        reg = cfi_uleb(&r);
        uint64_t len = cfi_uleb(&r);
        if (len > (uint64_t)(r.end - r.p)) return -1;
        r.p += len;
        how = CFI_BAD;
        goto do_reg;
      }
      case 0x11:
        reg = cfi_uleb(&r);
        off = cfi_sleb(&r) * cie->data_align;
        how = CFI_OFFSET;
        goto do_reg;
      case 0x12:
        row->cfa_reg = (int)cfi_uleb(&r);
        row->cfa_off = cfi_sleb(&r) * cie->data_align;
        continue;
      case 0x13:
        row->cfa_off = cfi_sleb(&r) * cie->data_align;
        continue;
      case 0x14: /* val_offset: the value is CFA + n, not saved */
        reg = cfi_uleb(&r);
        cfi_uleb(&r);
        how = CFI_BAD;
        goto do_reg;
      case 0x15:
        reg = cfi_uleb(&r);
        cfi_sleb(&r);
        how = CFI_BAD;
        goto do_reg;
      case 0x2e: /* GNU_args_size */
        cfi_uleb(&r);
        continue;
      case 0x2f: /* GNU_negative_offset_extended */
        reg = cfi_uleb(&r);
        off = -(int64_t)cfi_uleb(&r) * cie->data_align;
        how = CFI_OFFSET;
        goto do_reg;
      default:
        return -1;
    }
  do_advance:
    if (advance * cie->code_align > target - *loc) return 0; /* the next row starts past target */
    *loc += advance * cie->code_align;
    continue;
  do_reg:
    if (reg == CFI_REG_RBP) {
      row->rbp_how = restore ? initial->rbp_how : how;
      row->rbp_off = restore ? initial->rbp_off : off;
    } else if (reg == cie->ra_reg) {
      row->ra_how = restore ? initial->ra_how : how;
      row->ra_off = restore ? initial->ra_off : off;
    }
  }
  return r.bad ? -1 : 0;
}

/* The rule for code that no FDE describes (code generated at run time,
 * assembly without CFI): the frame every x86-64 compiler builds when it
 * keeps frame pointers, CFA = RBP + 16, the caller's RBP at CFA - 16.  The
 * walk's bounds checks end the stack where the guess is wrong. */
#define CFI_FRAME_POINTER_RULE unwind_rule_make(1, 16, 1, -16)

/* The FDE covering pc, found through the object's .eh_frame_hdr; NULL with
 * *none set when no FDE covers pc, NULL with *none clear when the tables
 * are of a kind this reader does not know. */
static const uint8_t *cfi_find_fde(uintptr_t pc, uintptr_t *dbase, int *none) {
  *none = 0;
#if defined(DLFO_STRUCT_HAS_EH_DBASE)
  struct dl_find_object obj;
  if (cfi_find == NULL) return NULL;
  *none = 1;
  if (cfi_find((void *)pc, &obj) != 0 || obj.dlfo_eh_frame == NULL) return NULL;
  const uint8_t *hdr = obj.dlfo_eh_frame;
  uintptr_t base = (uintptr_t)hdr;
  *dbase = base;
  *none = 0;
  /* version 1; the table must be datarel|sdata4 pairs, as every linker writes */
  if (hdr[0] != 1 || hdr[3] != 0x3b) return NULL;
  cfi_reader r = {hdr + 4, hdr + 4 + 16, 0};
  cfi_pointer(&r, hdr[1], base); /* eh_frame_ptr */
  uint64_t count = cfi_pointer(&r, hdr[2], base);
  if (r.bad) return NULL;
  *none = 1;
  if (count == 0) return NULL;
  const int32_t *table = (const int32_t *)r.p;
  uint64_t lo = 0, hi = count;
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    if (base + (intptr_t)table[2 * mid] <= pc) lo = mid;
    else hi = mid;
  }
  if (base + (intptr_t)table[2 * lo] > pc) return NULL;
  *none = 0;
  return (const uint8_t *)(base + (intptr_t)table[2 * lo + 1]);
#else
  (void)pc;
  (void)dbase;
  return NULL;
#endif
}

static uint64_t cfi_reduce(const cfi_row *row) {
  if (row->ra_how == CFI_UNDEF) return UNWIND_KIND_OUTERMOST;
  if (row->ra_how != CFI_OFFSET || row->ra_off != -8) return UNWIND_KIND_OTHER;
  if (row->cfa_reg != CFI_REG_RSP && row->cfa_reg != CFI_REG_RBP) return UNWIND_KIND_OTHER;
  if (row->rbp_how != CFI_SAME && row->rbp_how != CFI_OFFSET) return UNWIND_KIND_OTHER;
  return unwind_rule_make(row->cfa_reg == CFI_REG_RBP, row->cfa_off, row->rbp_how == CFI_OFFSET,
                          row->rbp_off);
}

uint64_t unwind_cfi_rule(uintptr_t pc) {
  uintptr_t dbase = 0;
  int none;
  const uint8_t *fde = cfi_find_fde(pc, &dbase, &none);
  if (fde == NULL) return none ? CFI_FRAME_POINTER_RULE : UNWIND_KIND_OTHER;
  cfi_reader r;
  if (cfi_entry(fde, &r) == NULL) return UNWIND_KIND_OTHER;
  const uint8_t *id_field = r.p;
  uint32_t cie_off = (uint32_t)cfi_fixed(&r, 4);
  if (cie_off == 0) return UNWIND_KIND_OTHER; /* a CIE, not an FDE */
  cfi_cie cie;
  if (cfi_parse_cie(id_field - cie_off, &cie) != 0 || cie.signal_frame ||
      cie.ra_reg != CFI_REG_RA)
    return UNWIND_KIND_OTHER;
  uintptr_t start = cfi_pointer(&r, cie.fde_enc, dbase);
  uintptr_t range = cfi_pointer(&r, cie.fde_enc & 0x0f, 0);
  if (r.bad) return UNWIND_KIND_OTHER;
  if (pc < start || pc - start >= range) return CFI_FRAME_POINTER_RULE; /* between two FDEs */
  if (cie.has_z) { /* skip the augmentation data (the LSDA pointer) */
    uint64_t len = cfi_uleb(&r);
    if (r.bad || len > (uint64_t)(r.end - r.p)) return UNWIND_KIND_OTHER;
    r.p += len;
  }
  cfi_row initial = {CFI_REG_RSP, 8, CFI_SAME, 0, CFI_SAME, 0};
  uintptr_t loc = start;
  if (cfi_run(cie.insns, cie.insns_end, &cie, &loc, UINTPTR_MAX, &initial, &initial) != 0)
    return UNWIND_KIND_OTHER;
  cfi_row row = initial;
  loc = start;
  if (cfi_run(r.p, r.end, &cie, &loc, pc, &row, &initial) != 0) return UNWIND_KIND_OTHER;
  return cfi_reduce(&row);
}
