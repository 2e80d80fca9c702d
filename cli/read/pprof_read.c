/*
 * read/pprof_read.c: read a pprof profile.proto (gzip'd or plain) into a
 * snapshot: pprof_read(), one of the readers behind load_snapshot().
 *
 * Heap sample types are taken by name (alloc_objects, alloc_space,
 * inuse_objects, inuse_space, as Go and render/pprof_write.c write them); a
 * profile with other names gives its first count/bytes pair to both the
 * alloc and inuse values, and a profile without a bytes type (a CPU
 * profile) is rejected.  Mappings become modules, locations keep their
 * lines (innermost first, as in the snapshot), samples with the same stack
 * are merged into one site.  Every read is bounds-checked (util/pb.c); anything
 * truncated, corrupt or inconsistent (an id that resolves to nothing, a
 * string index out of range, a sample with the wrong number of values)
 * gives NULL and a one-line reason.
 *
 * Addresses: pprof holds an address inside the call instruction; the
 * snapshot keeps return addresses, so we add 1 (render/pprof_write.c subtracts it).
 */
#include "read/pprof_read.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "util/hmap.h"
#include "util/pb.h"
#include "util/vec.h"

#define PPROF_READ_MAX_FILE ((size_t)1 << 30)     /* 1 GiB on disk */
#define PPROF_READ_MAX_DATA ((size_t)1 << 31)     /* 2 GiB decompressed */

/* profile.proto field numbers (docs/INTERCHANGE.md on pprof) */
enum {
  PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
  PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
  PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD = 12
};

/* Which snapshot value a sample type feeds. */
enum { VAL_ALLOC_OBJECTS, VAL_ALLOC_BYTES, VAL_INUSE_OBJECTS, VAL_INUSE_BYTES, VAL_COUNT };

typedef struct {
  uint64_t id;
  uint32_t index;
} pprof_read_id;

typedef struct {
  const char *name, *file, *system_name;
} pprof_read_func;

typedef struct {
  pprof_read_id *ids;
  uint32_t n;
} pprof_read_idmap;

typedef struct {
  snapshot *snap;
  const char *path;
  char *err;
  size_t errlen;
  const char **strings;
  uint64_t nstrings;
  pb_field *fields[PROFILE_STRING_TABLE + 1]; /* the repeated message fields, by number */
  uint32_t nfields[PROFILE_STRING_TABLE + 1];
  int64_t time_ns, duration_ns, period;
  pprof_read_func *funcs;
  pprof_read_idmap func_ids, mapping_ids, location_ids;
  int value_slot[VAL_COUNT]; /* sample value index for each snapshot value, -1 if none */
  uint32_t nvalues;
  hmap stacks;            /* stack (its locations) -> stack index */
  int64_t *site_of_stack; /* site index per stack, -1 none */
  size_t capsite_of_stack;
} pprof_read_ctx;

__attribute__((format(printf, 2, 3))) static int pprof_read_fail(pprof_read_ctx *c,
                                                                  const char *fmt, ...) {
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  snprintf(c->err, c->errlen, "%s: %s", c->path, reason);
  return -1;
}

static int pprof_read_oom(pprof_read_ctx *c) {
  return pprof_read_fail(c, "out of memory reading the profile");
}

/* The whole file into *data (malloc'ed). */
static int pprof_read_file(pprof_read_ctx *c, unsigned char **data, size_t *len) {
  FILE *f = fopen(c->path, "rb");
  if (f == NULL) return pprof_read_fail(c, "cannot open: %s", strerror(errno));
  unsigned char *buf = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  for (;;) {
    if (cap - n < 65536) {
      if (cap >= PPROF_READ_MAX_FILE) {
        rc = pprof_read_fail(c, "file too large for a profile");
        break;
      }
      if (vec_reserve(&buf, &cap, n + 65536, 1) != 0) {
        rc = pprof_read_oom(c);
        break;
      }
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) rc = pprof_read_fail(c, "cannot read: %s", strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc < 0) {
    free(buf);
    return -1;
  }
  *data = buf;
  *len = n;
  return 0;
}

/* Gunzip in[0..inlen) (one or more gzip members) into *out (malloc'ed). */
static int pprof_read_gunzip(pprof_read_ctx *c, const unsigned char *in, size_t inlen,
                             unsigned char **out, size_t *outlen) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return pprof_read_fail(c, "cannot start gunzip");
  unsigned char *buf = NULL;
  size_t n = 0, cap = 0;
  int rc = -1;
  zs.next_in = (unsigned char *)in;
  zs.avail_in = (uInt)inlen;
  for (;;) {
    if (cap == n) {
      if (cap >= PPROF_READ_MAX_DATA) {
        pprof_read_fail(c, "decompressed profile too large");
        goto out;
      }
      /* at first room for a guess from the compressed size, then doubling */
      if (vec_reserve(&buf, &cap, cap ? cap + 1 : (inlen < 65536 ? 262144 : inlen * 4), 1) != 0) {
        pprof_read_oom(c);
        goto out;
      }
    }
    zs.next_out = buf + n;
    zs.avail_out = (uInt)(cap - n > UINT32_MAX ? UINT32_MAX : cap - n);
    uInt before = zs.avail_out;
    int zrc = inflate(&zs, Z_NO_FLUSH);
    n += before - zs.avail_out;
    if (zrc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
        if (inflateReset(&zs) != Z_OK) {
          pprof_read_fail(c, "cannot restart gunzip");
          goto out;
        }
        continue;
      }
      pprof_read_fail(c, "trailing data after the gzip stream");
      goto out;
    }
    if (zrc == Z_BUF_ERROR && zs.avail_out != 0) {
      pprof_read_fail(c, "truncated gzip data");
      goto out;
    }
    if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
      pprof_read_fail(c, "corrupt gzip data (%s)", zs.msg ? zs.msg : "inflate failed");
      goto out;
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      pprof_read_fail(c, "truncated gzip data");
      goto out;
    }
  }
  *out = buf;
  *outlen = n;
  buf = NULL;
  rc = 0;
out:
  free(buf);
  inflateEnd(&zs);
  return rc;
}

static const char *pprof_read_wire_name(int wire) {
  return wire == PB_VARINT ? "varint" : wire == PB_LEN ? "length-delimited" : "fixed-size";
}

static int pprof_read_expect(pprof_read_ctx *c, const pb_field *f, int wire, const char *what) {
  if (f->wire == wire) return 0;
  return pprof_read_fail(c, "corrupt profile: %s field %u is %s, expected %s", what, f->field,
                         pprof_read_wire_name(f->wire), pprof_read_wire_name(wire));
}

/* A string-table reference (an int64 varint). */
static int pprof_read_string_ref(pprof_read_ctx *c, const pb_field *f, const char *what,
                                 const char **out) {
  if (pprof_read_expect(c, f, PB_VARINT, what) < 0) return -1;
  if (f->varint >= c->nstrings)
    return pprof_read_fail(c, "corrupt profile: %s string index %lld out of range (%llu strings)",
                           what, (long long)f->varint, (unsigned long long)c->nstrings);
  *out = c->strings[f->varint];
  return 0;
}

/* Pass over the Profile message: collect the repeated messages and scalars. */
static int pprof_read_top(pprof_read_ctx *c, const unsigned char *data, size_t len) {
  for (int pass = 0; pass < 2; pass++) {
    pb_reader r;
    pb_reader_init(&r, data, len);
    uint32_t seen[PROFILE_STRING_TABLE + 1] = {0};
    pb_field f;
    int rc;
    while ((rc = pb_next(&r, &f)) == 1) {
      if (f.field <= PROFILE_STRING_TABLE) {
        if (pass == 0 && pprof_read_expect(c, &f, PB_LEN, "profile") < 0) return -1;
        if (pass == 1) c->fields[f.field][seen[f.field]] = f;
        seen[f.field]++;
        continue;
      }
      if (pass == 1) continue;
      int64_t *scalar = f.field == PROFILE_TIME_NANOS ? &c->time_ns
                        : f.field == PROFILE_DURATION_NANOS ? &c->duration_ns
                        : f.field == PROFILE_PERIOD ? &c->period : NULL;
      if (scalar == NULL) continue; /* fields we do not use */
      if (pprof_read_expect(c, &f, PB_VARINT, "profile") < 0) return -1;
      *scalar = (int64_t)f.varint;
    }
    if (rc < 0)
      return pprof_read_fail(c, "not a pprof profile (malformed or truncated protobuf at byte %zu)",
                             (size_t)(r.p - data));
    if (pass == 0) {
      for (int i = 1; i <= PROFILE_STRING_TABLE; i++) {
        c->nfields[i] = seen[i];
        c->fields[i] = calloc(seen[i] ? seen[i] : 1, sizeof(pb_field));
        if (c->fields[i] == NULL) return pprof_read_oom(c);
      }
    }
  }
  return 0;
}

static int pprof_read_strings(pprof_read_ctx *c) {
  uint32_t n = c->nfields[PROFILE_STRING_TABLE];
  if (n == 0) return pprof_read_fail(c, "not a pprof profile (no string table)");
  c->strings = calloc(n, sizeof *c->strings);
  if (c->strings == NULL) return pprof_read_oom(c);
  for (uint32_t i = 0; i < n; i++) {
    const pb_field *f = &c->fields[PROFILE_STRING_TABLE][i];
    char *s = snap_alloc(c->snap, f->len + 1);
    if (s == NULL) return pprof_read_oom(c);
    if (f->len) memcpy(s, f->data, f->len);
    s[f->len] = '\0';
    c->strings[i] = s;
  }
  c->nstrings = n;
  if (c->strings[0][0] != '\0' || c->fields[PROFILE_STRING_TABLE][0].len != 0)
    return pprof_read_fail(c, "corrupt profile: string_table[0] is not empty");
  return 0;
}

static int pprof_read_id_order(const void *pa, const void *pb) {
  const pprof_read_id *a = pa, *b = pb;
  return a->id < b->id ? -1 : a->id > b->id;
}

/* Sort the id map and reject duplicates. */
static int pprof_read_ids_done(pprof_read_ctx *c, pprof_read_idmap *m, const char *what) {
  if (m->n > 1) qsort(m->ids, m->n, sizeof *m->ids, pprof_read_id_order);
  for (uint32_t i = 1; i < m->n; i++)
    if (m->ids[i].id == m->ids[i - 1].id)
      return pprof_read_fail(c, "corrupt profile: duplicate %s id %llu", what,
                             (unsigned long long)m->ids[i].id);
  return 0;
}

/* The index for an id, or -1. */
static int64_t pprof_read_lookup(const pprof_read_idmap *m, uint64_t id) {
  pprof_read_id key = {id, 0};
  const pprof_read_id *hit =
      m->n ? bsearch(&key, m->ids, m->n, sizeof *m->ids, pprof_read_id_order) : NULL;
  return hit ? (int64_t)hit->index : -1;
}

static int pprof_read_idmap_alloc(pprof_read_ctx *c, pprof_read_idmap *m, uint32_t n) {
  m->ids = calloc(n ? n : 1, sizeof *m->ids);
  m->n = n;
  return m->ids ? 0 : pprof_read_oom(c);
}

static int pprof_read_functions(pprof_read_ctx *c) {
  uint32_t n = c->nfields[PROFILE_FUNCTION];
  c->funcs = calloc(n ? n : 1, sizeof *c->funcs);
  if (c->funcs == NULL || pprof_read_idmap_alloc(c, &c->func_ids, n) < 0)
    return pprof_read_oom(c);
  for (uint32_t i = 0; i < n; i++) {
    const pb_field *msg = &c->fields[PROFILE_FUNCTION][i];
    pb_reader r;
    pb_reader_init(&r, msg->data, msg->len);
    pb_field f;
    int rc;
    uint64_t id = 0;
    const char *system_name = NULL;
    while ((rc = pb_next(&r, &f)) == 1) {
      if (f.field == 1) {
        if (pprof_read_expect(c, &f, PB_VARINT, "function") < 0) return -1;
        id = f.varint;
      } else if (f.field == 2) {
        if (pprof_read_string_ref(c, &f, "function name", &c->funcs[i].name) < 0) return -1;
      } else if (f.field == 3) {
        if (pprof_read_string_ref(c, &f, "function system_name", &system_name) < 0) return -1;
      } else if (f.field == 4) {
        if (pprof_read_string_ref(c, &f, "function filename", &c->funcs[i].file) < 0) return -1;
      }
    }
    if (rc < 0) return pprof_read_fail(c, "corrupt profile: malformed function %u", i);
    if (id == 0) return pprof_read_fail(c, "corrupt profile: function %u has id 0", i);
    if (c->funcs[i].name == NULL || c->funcs[i].name[0] == '\0') c->funcs[i].name = system_name;
    else if (system_name != NULL && system_name[0] != '\0' && strcmp(system_name, c->funcs[i].name) != 0)
      c->funcs[i].system_name = system_name;
    c->func_ids.ids[i] = (pprof_read_id){id, i};
  }
  return pprof_read_ids_done(c, &c->func_ids, "function");
}

/* The load bias of a mapping: from the file's program headers when it is a
 * readable ELF file here, otherwise start - offset (right for shared
 * objects and PIE executables, whose text segment has vaddr == offset). */
static uint64_t pprof_read_bias(const snap_module *m) {
  uint64_t bias = m->start - m->offset;
  if (m->path == NULL || m->path[0] != '/') return bias;
  int fd = open(m->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return bias;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || elf_version(EV_CURRENT) == EV_NONE) {
    close(fd);
    return bias;
  }
  Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
  size_t nph = 0;
  if (elf != NULL && elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &nph) == 0) {
    for (size_t i = 0; i < nph; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, (int)i, &ph) == NULL || ph.p_type != PT_LOAD) continue;
      if (m->offset < (ph.p_offset & ~(uint64_t)0xfff) || m->offset >= ph.p_offset + ph.p_filesz)
        continue;
      /* the mapping starts at the vaddr that corresponds to its file offset */
      bias = m->start - (ph.p_vaddr - ph.p_offset + m->offset);
      break;
    }
  }
  if (elf != NULL) elf_end(elf);
  close(fd);
  return bias;
}

static int pprof_read_mappings(pprof_read_ctx *c) {
  uint32_t n = c->nfields[PROFILE_MAPPING];
  if (pprof_read_idmap_alloc(c, &c->mapping_ids, n) < 0) return -1;
  for (uint32_t i = 0; i < n; i++) {
    const pb_field *msg = &c->fields[PROFILE_MAPPING][i];
    pb_reader r;
    pb_reader_init(&r, msg->data, msg->len);
    pb_field f;
    int rc;
    uint64_t id = 0;
    snap_module m;
    memset(&m, 0, sizeof m);
    m.path = "";
    const char *build_id = NULL;
    while ((rc = pb_next(&r, &f)) == 1) {
      if (f.field >= 1 && f.field <= 4) {
        if (pprof_read_expect(c, &f, PB_VARINT, "mapping") < 0) return -1;
        if (f.field == 1) id = f.varint;
        else if (f.field == 2) m.start = f.varint;
        else if (f.field == 3) m.limit = f.varint;
        else m.offset = f.varint;
      } else if (f.field == 5) {
        if (pprof_read_string_ref(c, &f, "mapping filename", &m.path) < 0) return -1;
      } else if (f.field == 6) {
        if (pprof_read_string_ref(c, &f, "mapping build_id", &build_id) < 0) return -1;
      }
    }
    if (rc < 0) return pprof_read_fail(c, "corrupt profile: malformed mapping %u", i);
    if (id == 0) return pprof_read_fail(c, "corrupt profile: mapping %u has id 0", i);
    m.build_id = build_id && build_id[0] ? build_id : NULL;
    m.base = pprof_read_bias(&m);
    if (snap_add_module(c->snap, &m) < 0) return pprof_read_oom(c);
    c->mapping_ids.ids[i] = (pprof_read_id){id, i};
  }
  return pprof_read_ids_done(c, &c->mapping_ids, "mapping");
}

/* One Line message into *line. */
static int pprof_read_line(pprof_read_ctx *c, const pb_field *msg, snap_line *line) {
  pb_reader r;
  pb_reader_init(&r, msg->data, msg->len);
  pb_field f;
  int rc;
  uint64_t function_id = 0;
  while ((rc = pb_next(&r, &f)) == 1) {
    if (f.field != 1 && f.field != 2) continue;
    if (pprof_read_expect(c, &f, PB_VARINT, "line") < 0) return -1;
    if (f.field == 1) function_id = f.varint;
    else line->line = (int64_t)f.varint;
  }
  if (rc < 0) return pprof_read_fail(c, "corrupt profile: malformed line");
  int64_t fi = pprof_read_lookup(&c->func_ids, function_id);
  if (fi < 0)
    return pprof_read_fail(c, "corrupt profile: line refers to missing function %llu",
                           (unsigned long long)function_id);
  line->function = c->funcs[fi].name && c->funcs[fi].name[0] ? c->funcs[fi].name : NULL;
  line->file = c->funcs[fi].file && c->funcs[fi].file[0] ? c->funcs[fi].file : NULL;
  line->system_name = c->funcs[fi].system_name;
  return 0;
}

static int pprof_read_locations(pprof_read_ctx *c) {
  uint32_t n = c->nfields[PROFILE_LOCATION];
  if (pprof_read_idmap_alloc(c, &c->location_ids, n) < 0) return -1;
  for (uint32_t i = 0; i < n; i++) {
    const pb_field *msg = &c->fields[PROFILE_LOCATION][i];
    pb_reader r;
    pb_reader_init(&r, msg->data, msg->len);
    pb_field f;
    int rc;
    uint64_t id = 0, mapping_id = 0;
    snap_location loc;
    memset(&loc, 0, sizeof loc);
    while ((rc = pb_next(&r, &f)) == 1) {
      if (f.field >= 1 && f.field <= 3) {
        if (pprof_read_expect(c, &f, PB_VARINT, "location") < 0) return -1;
        if (f.field == 1) id = f.varint;
        else if (f.field == 2) mapping_id = f.varint;
        else loc.address = f.varint;
      } else if (f.field == 4) {
        if (pprof_read_expect(c, &f, PB_LEN, "location") < 0) return -1;
        loc.nlines++;
      }
    }
    if (rc < 0) return pprof_read_fail(c, "corrupt profile: malformed location %u", i);
    if (id == 0) return pprof_read_fail(c, "corrupt profile: location %u has id 0", i);
    if (loc.nlines) {
      loc.lines = snap_alloc(c->snap, loc.nlines * sizeof *loc.lines);
      if (loc.lines == NULL) return pprof_read_oom(c);
      uint32_t k = 0;
      pb_reader_init(&r, msg->data, msg->len);
      while (pb_next(&r, &f) == 1)
        if (f.field == 4 && pprof_read_line(c, &f, &loc.lines[k++]) < 0) return -1;
      c->snap->symbolized = 1;
    }
    if (loc.address) loc.address += 1;
    if (mapping_id != 0) {
      int64_t mi = pprof_read_lookup(&c->mapping_ids, mapping_id);
      if (mi < 0)
        return pprof_read_fail(c, "corrupt profile: location %llu refers to missing mapping %llu",
                               (unsigned long long)id, (unsigned long long)mapping_id);
      loc.module = (int32_t)mi;
    } else {
      loc.module = snap_module_for(c->snap, loc.address);
    }
    if (snap_add_location(c->snap, &loc) < 0) return pprof_read_oom(c);
    c->location_ids.ids[i] = (pprof_read_id){id, i};
  }
  return pprof_read_ids_done(c, &c->location_ids, "location");
}

/* Map sample types to snapshot values. */
static int pprof_read_sample_types(pprof_read_ctx *c) {
  static const char *const names[VAL_COUNT] = {"alloc_objects", "alloc_space", "inuse_objects",
                                               "inuse_space"};
  uint32_t n = c->nfields[PROFILE_SAMPLE_TYPE];
  int first_count = -1, first_bytes = -1, named = 0;
  for (int v = 0; v < VAL_COUNT; v++) c->value_slot[v] = -1;
  for (uint32_t i = 0; i < n; i++) {
    const pb_field *msg = &c->fields[PROFILE_SAMPLE_TYPE][i];
    pb_reader r;
    pb_reader_init(&r, msg->data, msg->len);
    pb_field f;
    int rc;
    const char *type = "", *unit = "";
    while ((rc = pb_next(&r, &f)) == 1) {
      if (f.field == 1 && pprof_read_string_ref(c, &f, "sample type", &type) < 0) return -1;
      if (f.field == 2 && pprof_read_string_ref(c, &f, "sample unit", &unit) < 0) return -1;
    }
    if (rc < 0) return pprof_read_fail(c, "corrupt profile: malformed sample type %u", i);
    for (int v = 0; v < VAL_COUNT; v++)
      if (strcmp(type, names[v]) == 0 && c->value_slot[v] < 0) {
        c->value_slot[v] = (int)i;
        named = 1;
      }
    if (first_count < 0 && (strcmp(unit, "count") == 0 || strcmp(unit, "objects") == 0))
      first_count = (int)i;
    if (first_bytes < 0 && strcmp(unit, "bytes") == 0) first_bytes = (int)i;
  }
  c->nvalues = n;
  if (named) return 0;
  if (first_bytes < 0) return pprof_read_fail(c, "no heap sample types in profile");
  c->value_slot[VAL_ALLOC_OBJECTS] = c->value_slot[VAL_INUSE_OBJECTS] = first_count;
  c->value_slot[VAL_ALLOC_BYTES] = c->value_slot[VAL_INUSE_BYTES] = first_bytes;
  return 0;
}

typedef struct {
  uint32_t *v;
  uint32_t n;
  size_t cap;
  pprof_read_ctx *c;
  int failed; /* the error is already in c->err */
} pprof_read_locs;

static int pprof_read_add_loc(void *ctx, uint64_t id) {
  pprof_read_locs *l = ctx;
  int64_t li = pprof_read_lookup(&l->c->location_ids, id);
  if (li < 0) {
    l->failed = 1;
    return pprof_read_fail(l->c, "corrupt profile: sample refers to missing location %llu",
                           (unsigned long long)id);
  }
  if (vec_reserve(&l->v, &l->cap, (size_t)l->n + 1, sizeof *l->v) != 0) {
    l->failed = 1;
    return pprof_read_oom(l->c);
  }
  l->v[l->n++] = (uint32_t)li;
  return 0;
}

typedef struct {
  int64_t *v;
  uint32_t n, max;
} pprof_read_values;

static int pprof_read_add_value(void *ctx, uint64_t value) {
  pprof_read_values *vals = ctx;
  if (vals->n >= vals->max) {
    if (vals->n < UINT32_MAX) vals->n++; /* counted, reported by the caller */
    return 0;
  }
  vals->v[vals->n++] = (int64_t)value;
  return 0;
}

/* A stack being looked up among the snapshot's. */
typedef struct {
  const snapshot *snap;
  const uint32_t *locs;
  uint32_t n;
} pprof_read_stack_key;

static int pprof_read_stack_is(const void *ctx, uint64_t stack) {
  const pprof_read_stack_key *k = ctx;
  const snap_stack *s = &k->snap->stacks[stack];
  return s->nlocs == k->n && (k->n == 0 || memcmp(s->locs, k->locs, k->n * sizeof *k->locs) == 0);
}

/* The stack index for locs, adding it if new; -1 on OOM. */
static int64_t pprof_read_stack(pprof_read_ctx *c, const uint32_t *locs, uint32_t n) {
  pprof_read_stack_key key = {c->snap, locs, n};
  uint64_t hash = hmap_fnv(hmap_mix(n), locs, n * sizeof *locs), stack;
  if (hmap_find(&c->stacks, hash, pprof_read_stack_is, &key, &stack)) return (int64_t)stack;
  int64_t idx = snap_add_stack(c->snap, locs, n);
  if (idx < 0 || hmap_add(&c->stacks, hash, (uint64_t)idx) != 0) return -1;
  return idx;
}

static int64_t pprof_read_value(const pprof_read_ctx *c, const int64_t *values, int which) {
  return c->value_slot[which] >= 0 ? values[c->value_slot[which]] : 0;
}

/* Sum without signed overflow (corrupt input must not be undefined behaviour). */
static int64_t pprof_read_sum(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a + (uint64_t)b);
}

static int pprof_read_samples(pprof_read_ctx *c) {
  snapshot *snap = c->snap;
  uint32_t n = c->nfields[PROFILE_SAMPLE];
  pprof_read_locs locs = {.c = c};
  pprof_read_values vals = {calloc(c->nvalues ? c->nvalues : 1, sizeof(int64_t)), 0, c->nvalues};
  int rc = -1;
  if (vals.v == NULL) {
    pprof_read_oom(c);
    goto out;
  }
  for (uint32_t i = 0; i < n; i++) {
    const pb_field *msg = &c->fields[PROFILE_SAMPLE][i];
    pb_reader r;
    pb_reader_init(&r, msg->data, msg->len);
    pb_field f;
    int prc;
    locs.n = 0;
    vals.n = 0;
    while ((prc = pb_next(&r, &f)) == 1) {
      if (f.field == 1) {
        if (pb_each_varint(&f, pprof_read_add_loc, &locs) < 0) {
          if (!locs.failed) pprof_read_fail(c, "corrupt profile: malformed sample %u", i);
          goto out;
        }
      } else if (f.field == 2) {
        if (pb_each_varint(&f, pprof_read_add_value, &vals) < 0) {
          pprof_read_fail(c, "corrupt profile: malformed sample %u", i);
          goto out;
        }
      }
    }
    if (prc < 0) {
      pprof_read_fail(c, "corrupt profile: malformed sample %u", i);
      goto out;
    }
    if (vals.n != c->nvalues) {
      pprof_read_fail(c, "corrupt profile: sample %u has %u values for %u sample types", i, vals.n,
                      c->nvalues);
      goto out;
    }
    int64_t stack = pprof_read_stack(c, locs.v, locs.n);
    if (stack < 0) {
      pprof_read_oom(c);
      goto out;
    }
    if ((size_t)stack >= c->capsite_of_stack) {
      size_t old = c->capsite_of_stack;
      if (vec_reserve(&c->site_of_stack, &c->capsite_of_stack, (size_t)stack + 1,
                      sizeof *c->site_of_stack) != 0) {
        pprof_read_oom(c);
        goto out;
      }
      for (size_t k = old; k < c->capsite_of_stack; k++) c->site_of_stack[k] = -1;
    }
    if (c->site_of_stack[stack] < 0) {
      snap_site site;
      memset(&site, 0, sizeof site);
      site.stack = (uint32_t)stack;
      int64_t si = snap_add_site(snap, &site);
      if (si < 0) {
        pprof_read_oom(c);
        goto out;
      }
      c->site_of_stack[stack] = si;
    }
    snap_site *site = &snap->sites[c->site_of_stack[stack]];
    site->alloc_objects = pprof_read_sum(site->alloc_objects,
                                         pprof_read_value(c, vals.v, VAL_ALLOC_OBJECTS));
    site->alloc_bytes = pprof_read_sum(site->alloc_bytes,
                                       pprof_read_value(c, vals.v, VAL_ALLOC_BYTES));
    site->inuse_objects = pprof_read_sum(site->inuse_objects,
                                         pprof_read_value(c, vals.v, VAL_INUSE_OBJECTS));
    site->inuse_bytes = pprof_read_sum(site->inuse_bytes,
                                       pprof_read_value(c, vals.v, VAL_INUSE_BYTES));
  }
  rc = 0;
out:
  free(locs.v);
  free(vals.v);
  return rc;
}

/* Process totals and the rest of the header, from the decoded parts. */
static void pprof_read_finish(pprof_read_ctx *c) {
  snapshot *snap = c->snap;
  snap->source_format = "pprof";
  snap->time_ns = c->time_ns;
  snap->duration_ns = c->duration_ns;
  snap->sample_interval = c->period > 0 ? (uint64_t)c->period : 0;
  snap->mode = c->period > 1 ? "sample" : "full";
  snap->reason = "profile";
  if (snap->nmodules) snap->exe = snap->modules[0].path;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    const snap_site *s = &snap->sites[i];
    snap->total_allocs += (uint64_t)s->alloc_objects;
    snap->total_bytes_allocated += (uint64_t)s->alloc_bytes;
    snap->inuse_objects += (uint64_t)s->inuse_objects;
    snap->inuse_bytes += (uint64_t)s->inuse_bytes;
  }
  snap->total_frees = snap->total_allocs > snap->inuse_objects
                          ? snap->total_allocs - snap->inuse_objects : 0;
}

/* Decode a whole profile held in memory. */
static int pprof_read_decode(pprof_read_ctx *c, const unsigned char *data, size_t len) {
  if (pprof_read_top(c, data, len) < 0 || pprof_read_strings(c) < 0 ||
      pprof_read_sample_types(c) < 0 || pprof_read_functions(c) < 0 ||
      pprof_read_mappings(c) < 0 || pprof_read_locations(c) < 0 || pprof_read_samples(c) < 0)
    return -1;
  pprof_read_finish(c);
  return 0;
}

snapshot *pprof_read(const char *path, char *err, size_t errlen) {
  pprof_read_ctx c;
  memset(&c, 0, sizeof c);
  c.path = path;
  c.err = err;
  c.errlen = errlen;
  unsigned char *file = NULL, *plain = NULL;
  size_t filelen = 0, plainlen = 0;
  int ok = 0;
  c.snap = snap_new();
  if (c.snap == NULL) {
    pprof_read_oom(&c);
    return NULL;
  }
  if (pprof_read_file(&c, &file, &filelen) < 0) goto out;
  const unsigned char *data = file;
  size_t len = filelen;
  if (filelen >= 2 && file[0] == 0x1f && file[1] == 0x8b) {
    if (pprof_read_gunzip(&c, file, filelen, &plain, &plainlen) < 0) goto out;
    data = plain;
    len = plainlen;
  }
  ok = pprof_read_decode(&c, data, len) == 0;
out:
  free(file);
  free(plain);
  for (int i = 0; i <= PROFILE_STRING_TABLE; i++) free(c.fields[i]);
  free(c.strings);
  free(c.funcs);
  free(c.func_ids.ids);
  free(c.mapping_ids.ids);
  free(c.location_ids.ids);
  hmap_free(&c.stacks);
  free(c.site_of_stack);
  if (!ok) {
    snap_free(c.snap);
    return NULL;
  }
  return c.snap;
}
