/*
 * render/pprof_write.c: render a snapshot as a gzip'd pprof profile.proto
 * (docs/INTERCHANGE.md on pprof), the way Go's runtime/pprof writes heap
 * profiles:
 * sample types alloc_objects/count, alloc_space/bytes, inuse_objects/count,
 * inuse_space/bytes (default_sample_type unset, so inuse_space, unless
 * asked: alloc_space for Go's allocs profile), period type
 * space/bytes, one sample per allocation site with a numeric "bytes" label,
 * and mappings, locations and functions carrying names and lines so that
 * the profile reads the same on another machine.
 *
 * Addresses: a snapshot keeps return addresses; a pprof location holds an
 * address inside the call instruction, so we write address - 1 (and
 * read/pprof_read.c adds the 1 back).
 */
#include "render/pprof_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/hmap.h"
#include "util/outfile.h"
#include "util/pb.h"
#include "util/text.h"
#include "util/vec.h"

/* profile.proto field numbers */
enum {
  PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
  PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
  PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12,
  PROFILE_DEFAULT_SAMPLE_TYPE = 14,
  VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
  SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
  LABEL_KEY = 1, LABEL_NUM = 3,
  MAPPING_ID = 1, MAPPING_MEMORY_START = 2, MAPPING_MEMORY_LIMIT = 3, MAPPING_FILE_OFFSET = 4,
  MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7,
  MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9, MAPPING_HAS_INLINE_FRAMES = 10,
  LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
  LINE_FUNCTION_ID = 1, LINE_LINE = 2,
  FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4
};

typedef struct {
  int64_t name, system_name, filename;
} pprof_write_func;

typedef struct {
  const snapshot *snap;
  const char **strings;
  uint32_t nstrings;
  size_t capstrings;
  hmap string_index; /* string -> its index in strings */
  pprof_write_func *funcs;
  uint32_t nfuncs;
  size_t capfuncs;
  hmap func_index;   /* name << 32 | filename (string indices) -> function id */
  const char *default_type; /* default_sample_type, NULL: unset (inuse_space) */
} pprof_write_state;

/* The string table index of s (NULL is ""), adding it if new; -1 on OOM. */
static int64_t pprof_write_string(pprof_write_state *st, const char *s) {
  if (s == NULL) s = "";
  uint64_t idx;
  if (hmap_get_str(&st->string_index, s, &idx)) return (int64_t)idx;
  if (vec_reserve(&st->strings, &st->capstrings, (size_t)st->nstrings + 1, sizeof *st->strings) != 0 ||
      hmap_put_str(&st->string_index, s, st->nstrings) != 0)
    return -1;
  st->strings[st->nstrings] = s;
  return st->nstrings++;
}

/* The id (1-based) of the function, adding it if new; -1 on OOM.  Its
 * system name is its symbol's (mangled) name, or its name. */
static int64_t pprof_write_function(pprof_write_state *st, const snap_line *line) {
  pprof_write_func f;
  f.name = pprof_write_string(st, line->function);
  f.system_name = line->system_name != NULL ? pprof_write_string(st, line->system_name) : f.name;
  f.filename = pprof_write_string(st, line->file);
  if (f.name < 0 || f.system_name < 0 || f.filename < 0) return -1;
  uint64_t key = (uint64_t)f.name << 32 | (uint64_t)f.filename, id;
  if (hmap_get(&st->func_index, key, &id)) return (int64_t)id;
  if (vec_reserve(&st->funcs, &st->capfuncs, (size_t)st->nfuncs + 1, sizeof *st->funcs) != 0 ||
      hmap_put(&st->func_index, key, (uint64_t)st->nfuncs + 1) != 0)
    return -1;
  st->funcs[st->nfuncs] = f;
  return ++st->nfuncs;
}

/* A line is worth writing when it names a function. */
static int pprof_write_line_known(const snap_line *line) {
  return line->function != NULL && line->function[0] != '\0';
}

static int pprof_write_value_type(pprof_write_state *st, pb_buf *out, pb_buf *msg,
                                  uint32_t field, const char *type, const char *unit) {
  int64_t t = pprof_write_string(st, type), u = pprof_write_string(st, unit);
  if (t < 0 || u < 0) return -1;
  pb_buf_reset(msg);
  if (pb_put_int(msg, VALUETYPE_TYPE, t) < 0 || pb_put_int(msg, VALUETYPE_UNIT, u) < 0) return -1;
  return pb_put_bytes(out, field, msg->data, msg->len);
}

static int pprof_write_samples(pprof_write_state *st, pb_buf *out, pb_buf *msg, char *err,
                               size_t errlen) {
  const snapshot *snap = st->snap;
  int64_t bytes_key = pprof_write_string(st, "bytes");
  if (bytes_key < 0) return -1;
  uint64_t *ids = NULL;
  size_t capids = 0;
  pb_buf label = {0};
  int rc = -1;
  for (uint32_t i = 0; i < snap->nsites; i++) {
    const snap_site *site = &snap->sites[i];
    if (site->stack >= snap->nstacks) {
      snprintf(err, errlen, "snapshot site %u refers to missing stack %u", i, site->stack);
      goto out;
    }
    const snap_stack *stack = &snap->stacks[site->stack];
    if (vec_reserve(&ids, &capids, stack->nlocs, sizeof *ids) != 0) goto oom;
    for (uint32_t k = 0; k < stack->nlocs; k++) {
      if (stack->locs[k] >= snap->nlocations) {
        snprintf(err, errlen, "snapshot stack %u refers to missing location %u", site->stack,
                 stack->locs[k]);
        goto out;
      }
      ids[k] = (uint64_t)stack->locs[k] + 1;
    }
    uint64_t values[4] = {(uint64_t)site->alloc_objects, (uint64_t)site->alloc_bytes,
                          (uint64_t)site->inuse_objects, (uint64_t)site->inuse_bytes};
    pb_buf_reset(msg);
    if (pb_put_packed(msg, SAMPLE_LOCATION_ID, ids, stack->nlocs) < 0 ||
        pb_put_packed(msg, SAMPLE_VALUE, values, 4) < 0)
      goto oom;
    if (site->alloc_objects > 0 && site->alloc_bytes / site->alloc_objects != 0) {
      pb_buf_reset(&label);
      if (pb_put_int(&label, LABEL_KEY, bytes_key) < 0 ||
          pb_put_int(&label, LABEL_NUM, site->alloc_bytes / site->alloc_objects) < 0 ||
          pb_put_bytes(msg, SAMPLE_LABEL, label.data, label.len) < 0)
        goto oom;
    }
    if (pb_put_bytes(out, PROFILE_SAMPLE, msg->data, msg->len) < 0) goto oom;
  }
  rc = 0;
  goto out;
oom:
  snprintf(err, errlen, "out of memory writing a profile");
out:
  free(ids);
  pb_buf_free(&label);
  return rc;
}

/* Per module: 1 when some location carries lines, 2 when one has several
 * (inlined frames). */
static unsigned char *pprof_write_module_lines(const snapshot *snap) {
  unsigned char *flags = calloc(snap->nmodules ? snap->nmodules : 1, 1);
  if (flags == NULL) return NULL;
  for (uint32_t i = 0; i < snap->nlocations; i++) {
    const snap_location *loc = &snap->locations[i];
    if (loc->module < 0 || (uint32_t)loc->module >= snap->nmodules) continue;
    uint32_t known = 0;
    for (uint32_t k = 0; k < loc->nlines; k++) known += pprof_write_line_known(&loc->lines[k]);
    if (known) flags[loc->module] |= 1;
    if (known > 1) flags[loc->module] |= 2;
  }
  return flags;
}

static int pprof_write_mappings(pprof_write_state *st, pb_buf *out, pb_buf *msg) {
  const snapshot *snap = st->snap;
  unsigned char *flags = pprof_write_module_lines(snap);
  if (flags == NULL) return -1;
  int rc = -1;
  /* pprof takes the first mapping for the main binary: the program's
   * module goes first (a report lists modules as its frames name them) */
  uint32_t main_module = 0;
  for (uint32_t i = 0; snap->exe != NULL && i < snap->nmodules; i++)
    if (strcmp(text_basename(snap->modules[i].path), text_basename(snap->exe)) == 0) {
      main_module = i;
      break;
    }
  for (uint32_t n = 0; n < snap->nmodules; n++) {
    uint32_t i = n == 0 ? main_module : n <= main_module ? n - 1 : n;
    const snap_module *m = &snap->modules[i];
    int64_t file = pprof_write_string(st, m->path);
    int64_t build_id = pprof_write_string(st, m->build_id);
    if (file < 0 || build_id < 0) goto out;
    int lines = flags[i] & 1, inlined = (flags[i] & 2) != 0;
    pb_buf_reset(msg);
    if (pb_put_uint(msg, MAPPING_ID, (uint64_t)i + 1) < 0 ||
        pb_put_uint(msg, MAPPING_MEMORY_START, m->start) < 0 ||
        pb_put_uint(msg, MAPPING_MEMORY_LIMIT, m->limit) < 0 ||
        pb_put_uint(msg, MAPPING_FILE_OFFSET, m->offset) < 0 ||
        pb_put_int(msg, MAPPING_FILENAME, file) < 0 ||
        pb_put_int(msg, MAPPING_BUILD_ID, build_id) < 0 ||
        pb_put_bool(msg, MAPPING_HAS_FUNCTIONS, lines) < 0 ||
        pb_put_bool(msg, MAPPING_HAS_FILENAMES, lines) < 0 ||
        pb_put_bool(msg, MAPPING_HAS_LINE_NUMBERS, lines) < 0 ||
        pb_put_bool(msg, MAPPING_HAS_INLINE_FRAMES, inlined) < 0 ||
        pb_put_bytes(out, PROFILE_MAPPING, msg->data, msg->len) < 0)
      goto out;
  }
  rc = 0;
out:
  free(flags);
  return rc;
}

static int pprof_write_locations(pprof_write_state *st, pb_buf *out, pb_buf *msg) {
  const snapshot *snap = st->snap;
  pb_buf line = {0};
  int rc = -1;
  for (uint32_t i = 0; i < snap->nlocations; i++) {
    const snap_location *loc = &snap->locations[i];
    uint64_t mapping = loc->module >= 0 && (uint32_t)loc->module < snap->nmodules
                           ? (uint64_t)loc->module + 1 : 0;
    pb_buf_reset(msg);
    if (pb_put_uint(msg, LOCATION_ID, (uint64_t)i + 1) < 0 ||
        pb_put_uint(msg, LOCATION_MAPPING_ID, mapping) < 0 ||
        pb_put_uint(msg, LOCATION_ADDRESS, loc->address ? loc->address - 1 : 0) < 0)
      goto out;
    for (uint32_t k = 0; k < loc->nlines; k++) {
      if (!pprof_write_line_known(&loc->lines[k])) continue;
      int64_t fn = pprof_write_function(st, &loc->lines[k]);
      if (fn < 0) goto out;
      pb_buf_reset(&line);
      if (pb_put_uint(&line, LINE_FUNCTION_ID, (uint64_t)fn) < 0 ||
          pb_put_int(&line, LINE_LINE, loc->lines[k].line) < 0 ||
          pb_put_bytes(msg, LOCATION_LINE, line.data, line.len) < 0)
        goto out;
    }
    if (pb_put_bytes(out, PROFILE_LOCATION, msg->data, msg->len) < 0) goto out;
  }
  rc = 0;
out:
  pb_buf_free(&line);
  return rc;
}

static int pprof_write_functions(pprof_write_state *st, pb_buf *out, pb_buf *msg) {
  for (uint32_t i = 0; i < st->nfuncs; i++) {
    const pprof_write_func *f = &st->funcs[i];
    pb_buf_reset(msg);
    if (pb_put_uint(msg, FUNCTION_ID, (uint64_t)i + 1) < 0 ||
        pb_put_int(msg, FUNCTION_NAME, f->name) < 0 ||
        pb_put_int(msg, FUNCTION_SYSTEM_NAME, f->system_name) < 0 ||
        pb_put_int(msg, FUNCTION_FILENAME, f->filename) < 0 ||
        pb_put_bytes(out, PROFILE_FUNCTION, msg->data, msg->len) < 0)
      return -1;
  }
  return 0;
}

/* The whole Profile message into out. */
static int pprof_write_encode(pprof_write_state *st, pb_buf *out, char *err, size_t errlen) {
  const snapshot *snap = st->snap;
  pb_buf msg = {0};
  int rc = -1;
  if (pprof_write_string(st, "") != 0) goto oom;
  static const char *const types[4][2] = {
      {"alloc_objects", "count"}, {"alloc_space", "bytes"},
      {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
  for (int i = 0; i < 4; i++)
    if (pprof_write_value_type(st, out, &msg, PROFILE_SAMPLE_TYPE, types[i][0], types[i][1]) < 0)
      goto oom;
  if (pprof_write_samples(st, out, &msg, err, errlen) < 0) goto done; /* err says why */
  if (pprof_write_mappings(st, out, &msg) < 0 || pprof_write_locations(st, out, &msg) < 0 ||
      pprof_write_functions(st, out, &msg) < 0)
    goto oom;
  if (pb_put_int(out, PROFILE_TIME_NANOS, snap->time_ns) < 0 ||
      pb_put_int(out, PROFILE_DURATION_NANOS, snap->duration_ns) < 0 ||
      pprof_write_value_type(st, out, &msg, PROFILE_PERIOD_TYPE, "space", "bytes") < 0 ||
      pb_put_int(out, PROFILE_PERIOD,
                 snap->sample_interval > 1 ? (int64_t)snap->sample_interval : 1) < 0)
    goto oom;
  if (st->default_type != NULL) {
    int64_t type = pprof_write_string(st, st->default_type);
    if (type < 0 || pb_put_int(out, PROFILE_DEFAULT_SAMPLE_TYPE, type) < 0) goto oom;
  }
  for (uint32_t i = 0; i < st->nstrings; i++)
    if (pb_put_bytes(out, PROFILE_STRING_TABLE, st->strings[i], strlen(st->strings[i])) < 0)
      goto oom;
  rc = 0;
  goto done;
oom:
  snprintf(err, errlen, "out of memory writing a profile");
done:
  pb_buf_free(&msg);
  return rc;
}

/* gzip data (BestSpeed, gzip header) into the open file f. */
static int pprof_write_gzip(FILE *f, const unsigned char *data, size_t len, const char *path,
                            char *err, size_t errlen) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    snprintf(err, errlen, "cannot start gzip compression");
    return -1;
  }
  unsigned char chunk[65536];
  int rc = 0, zrc;
  size_t pos = 0;
  do {
    size_t in = len - pos > (1u << 30) ? (1u << 30) : len - pos;
    zs.next_in = (unsigned char *)data + pos;
    zs.avail_in = (uInt)in;
    int flush = pos + in == len ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = chunk;
      zs.avail_out = sizeof chunk;
      zrc = deflate(&zs, flush);
      if (zrc == Z_STREAM_ERROR) {
        snprintf(err, errlen, "gzip compression failed");
        rc = -1;
        goto out;
      }
      size_t have = sizeof chunk - zs.avail_out;
      if (have && fwrite(chunk, 1, have, f) != have) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
        goto out;
      }
    } while (zs.avail_out == 0);
    pos += in;
  } while (zrc != Z_STREAM_END);
out:
  deflateEnd(&zs);
  return rc;
}

int pprof_write(const snapshot *snap, const char *path, char *err, size_t errlen) {
  return pprof_write_as(snap, path, NULL, err, errlen);
}

int pprof_write_as(const snapshot *snap, const char *path, const char *default_type, char *err, size_t errlen) {
  pprof_write_state st;
  memset(&st, 0, sizeof st);
  st.snap = snap;
  st.default_type = default_type;
  pb_buf out = {0};
  int rc = -1;
  if (pprof_write_encode(&st, &out, err, errlen) == 0) {
    outfile o;
    FILE *f = outfile_open(&o, path, err, errlen);
    if (f != NULL)
      rc = outfile_close(&o, pprof_write_gzip(f, out.data, out.len, o.tmp, err, errlen) == 0, err,
                         errlen);
  }
  pb_buf_free(&out);
  free(st.strings);
  hmap_free(&st.string_index);
  free(st.funcs);
  hmap_free(&st.func_index);
  return rc;
}
