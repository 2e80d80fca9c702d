/*
 * gate/config.c: read the gate's thresholds file (see gate/config.h) with
 * libyaml's event parser.  The schema is small and fixed, so the parser
 * walks the events directly: unknown and duplicate keys, aliases (no YAML
 * "billion laughs"), several documents and wrong value types are errors
 * with the file's line number.
 */
#include "gate/config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/size.h"
#include "util/text.h"

#define CONFIG_MAX_BYTES (1 << 20)

typedef struct {
  yaml_parser_t parser;
  yaml_event_t ev;
  int have_ev;
  const char *name;
  char *err;
  size_t errlen;
} cfgparse;

static int fail_at(cfgparse *c, size_t line, const char *fmt, const char *arg) {
  char msg[300];
  snprintf(msg, sizeof msg, fmt, arg);
  snprintf(c->err, c->errlen, "%s:%zu: %s", c->name, line + 1, msg);
  return -1;
}

/* An unknown key: "unknown key 'definitly_lost' in leak_summary (did you
 * mean 'definitely_lost'?)" when one known key is near it (util/text.h's
 * text_nearest) or begins with it, else the known keys. */
static int unknown_key(cfgparse *c, size_t line, const char *key, const char *where,
                       const char *const *known, size_t n) {
  char msg[300], list[200];
  size_t at = 0;
  list[0] = '\0';
  for (size_t i = 0; i < n; i++) text_append(list, sizeof list, &at, "%s%s", i ? ", " : "", known[i]);
  const char *near = text_nearest(key, known, n);
  for (size_t i = 0; near == NULL && i < n; i++) /* or one it begins: max_heap for max_heap_mb */
    if (strlen(key) >= 3 && strncmp(known[i], key, strlen(key)) == 0) near = known[i];
  size_t used = (size_t)snprintf(msg, sizeof msg, "unknown key '%s'%s%s", key, where[0] ? " in " : "", where);
  if (used < sizeof msg && near != NULL)
    snprintf(msg + used, sizeof msg - used, " (did you mean '%s'?)", near);
  else if (used < sizeof msg)
    snprintf(msg + used, sizeof msg - used, " (known: %s)", list);
  return fail_at(c, line, "%s", msg);
}

static void drop(cfgparse *c) {
  if (c->have_ev) yaml_event_delete(&c->ev);
  c->have_ev = 0;
}

/* The next event into c->ev; aliases and anchors are refused. */
static int next(cfgparse *c) {
  drop(c);
  if (!yaml_parser_parse(&c->parser, &c->ev)) {
    snprintf(c->err, c->errlen, "%s:%zu: malformed YAML: %s", c->name,
             c->parser.problem_mark.line + 1,
             c->parser.problem ? c->parser.problem : "parse error");
    return -1;
  }
  c->have_ev = 1;
  const yaml_char_t *anchor = NULL;
  if (c->ev.type == YAML_ALIAS_EVENT)
    return fail_at(c, c->ev.start_mark.line, "%s", "YAML aliases are not allowed in the config");
  if (c->ev.type == YAML_SCALAR_EVENT) anchor = c->ev.data.scalar.anchor;
  if (c->ev.type == YAML_MAPPING_START_EVENT) anchor = c->ev.data.mapping_start.anchor;
  if (c->ev.type == YAML_SEQUENCE_START_EVENT) anchor = c->ev.data.sequence_start.anchor;
  if (anchor != NULL)
    return fail_at(c, c->ev.start_mark.line, "%s", "YAML anchors are not allowed in the config");
  return 0;
}

static int expect(cfgparse *c, yaml_event_type_t type, const char *what) {
  if (next(c) != 0) return -1;
  if (c->ev.type != type) return fail_at(c, c->ev.start_mark.line, "expected %s", what);
  return 0;
}

static const char *scalar(cfgparse *c) { return (const char *)c->ev.data.scalar.value; }

/* The next value must be a plain scalar; it is left in c->ev. */
static int value_scalar(cfgparse *c, const char *key) {
  if (next(c) != 0) return -1;
  if (c->ev.type != YAML_SCALAR_EVENT)
    return fail_at(c, c->ev.start_mark.line, "'%s' must be a single value", key);
  return 0;
}

/* The scalar in c->ev as a non-negative whole number. */
static int scalar_u64(cfgparse *c, const char *key, uint64_t *out) {
  const char *s = scalar(c);
  size_t line = c->ev.start_mark.line;
  uint64_t v = 0;
  if (*s == '\0') return fail_at(c, line, "'%s' needs a number", key);
  for (const char *q = s; *q; q++) {
    if (*q < '0' || *q > '9')
      return fail_at(c, line, "'%s' must be a non-negative whole number", key);
    unsigned d = (unsigned)(*q - '0');
    if (v > (UINT64_MAX - d) / 10) return fail_at(c, line, "'%s' is out of range", key);
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

/* The scalar in c->ev as a number of bytes: a whole number with an
 * optional K, M, G or T suffix (util/size.h), as every option takes it. */
static int scalar_bytes(cfgparse *c, const char *key, uint64_t *out) {
  if (size_parse(scalar(c), out) == 0) return 0;
  return fail_at(c, c->ev.start_mark.line,
                 "'%s' must be a number of bytes (a whole number, or with a suffix: 64K, 1M, 2G)", key);
}

static int parse_bytes(cfgparse *c, const char *key, uint64_t *out) {
  if (value_scalar(c, key) != 0) return -1;
  return scalar_bytes(c, key, out);
}

static int parse_u64(cfgparse *c, const char *key, uint64_t *out) {
  if (value_scalar(c, key) != 0) return -1;
  return scalar_u64(c, key, out);
}

static int parse_uint(cfgparse *c, const char *key, unsigned max, unsigned *out) {
  uint64_t v;
  if (parse_u64(c, key, &v) != 0) return -1;
  if (v > max) return fail_at(c, c->ev.start_mark.line, "'%s' is out of range", key);
  *out = (unsigned)v;
  return 0;
}

static int parse_percent(cfgparse *c, const char *key, double *out) {
  if (value_scalar(c, key) != 0) return -1;
  const char *s = scalar(c);
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*s == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v < 0 || s[0] == '-' ||
      s[0] == '+' || s[0] == ' ')
    return fail_at(c, c->ev.start_mark.line, "'%s' must be a non-negative number", key);
  *out = v;
  return 0;
}

/* Walk one mapping: for each key call fn(c, key, ctx).  Duplicate keys and
 * non-scalar keys are errors. */
typedef int (*key_fn)(cfgparse *c, const char *key, size_t line, void *ctx);

/* The keys of a mapping whose start event was just read. */
static int mapping_body(cfgparse *c, const char *what, key_fn fn, void *ctx) {
  char seen[16][40];
  int nseen = 0;
  for (;;) {
    if (next(c) != 0) return -1;
    if (c->ev.type == YAML_MAPPING_END_EVENT) return 0;
    if (c->ev.type != YAML_SCALAR_EVENT)
      return fail_at(c, c->ev.start_mark.line, "a key in '%s' is not a plain name", what);
    char key[40];
    size_t line = c->ev.start_mark.line;
    if (strlen(scalar(c)) >= sizeof key)
      return fail_at(c, line, "unknown key in '%s'", what);
    strcpy(key, scalar(c));
    for (int i = 0; i < nseen; i++)
      if (strcmp(seen[i], key) == 0) return fail_at(c, line, "duplicate key '%s'", key);
    if (nseen < 16) strcpy(seen[nseen++], key);
    if (fn(c, key, line, ctx) != 0) return -1;
  }
}

static int mapping(cfgparse *c, const char *what, key_fn fn, void *ctx) {
  if (next(c) != 0) return -1;
  if (c->ev.type != YAML_MAPPING_START_EVENT)
    return fail_at(c, c->ev.start_mark.line, "'%s' must be a mapping of keys", what);
  return mapping_body(c, what, fn, ctx);
}

static int kind_index(const char *key) {
  for (int k = 0; k < SNAP_KIND_COUNT; k++)
    if (strcmp(key, snap_kind_name((snap_kind)k)) == 0) return k;
  return -1;
}

typedef struct {
  gate_config *cfg;
  int kind;
} kind_ctx;

static int kind_key(cfgparse *c, const char *key, size_t line, void *ctx) {
  kind_ctx *k = ctx;
  gate_limit *l;
  if (strcmp(key, "bytes") == 0) l = &k->cfg->bytes[k->kind];
  else if (strcmp(key, "blocks") == 0) l = &k->cfg->blocks[k->kind];
  else {
    static const char *const known[] = {"bytes", "blocks"};
    return unknown_key(c, line, key, snap_kind_name((snap_kind)k->kind), known, 2);
  }
  l->set = 1;
  return l == &k->cfg->bytes[k->kind] ? parse_bytes(c, key, &l->value) : parse_u64(c, key, &l->value);
}

static int leak_key(cfgparse *c, const char *key, size_t line, void *ctx) {
  gate_config *cfg = ctx;
  if (strcmp(key, "suppressed") == 0) {
    cfg->suppressed.set = 1;
    return parse_u64(c, key, &cfg->suppressed.value);
  }
  int k = kind_index(key);
  if (k < 0) {
    static const char *const known[] = {"definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable",
                                        "suppressed"};
    return unknown_key(c, line, key, "leak_summary", known, sizeof known / sizeof *known);
  }
  /* A plain number is a byte limit; a mapping gives bytes and/or blocks. */
  if (next(c) != 0) return -1;
  if (c->ev.type == YAML_SCALAR_EVENT) {
    cfg->bytes[k].set = 1;
    return scalar_bytes(c, key, &cfg->bytes[k].value);
  }
  if (c->ev.type != YAML_MAPPING_START_EVENT)
    return fail_at(c, line, "'%s' must be a number of bytes or {bytes: N, blocks: N}", key);
  kind_ctx kc = {cfg, k};
  if (mapping_body(c, key, kind_key, &kc) != 0) return -1;
  if (!cfg->bytes[k].set && !cfg->blocks[k].set)
    return fail_at(c, line, "'%s' sets neither bytes nor blocks", key);
  return 0;
}

typedef struct {
  gate_config *cfg;
  const char *dir;
} base_ctx;

static int baseline_key(cfgparse *c, const char *key, size_t line, void *ctx) {
  base_ctx *b = ctx;
  gate_config *cfg = b->cfg;
  if (strcmp(key, "profile") == 0) {
    if (value_scalar(c, key) != 0) return -1;
    const char *s = scalar(c);
    if (*s == '\0') return fail_at(c, line, "'%s' is empty", key);
    const char *dir = (s[0] == '/' || b->dir == NULL || b->dir[0] == '\0') ? "" : b->dir;
    size_t n = strlen(dir) + strlen(s) + 2;
    cfg->baseline_profile = malloc(n);
    if (cfg->baseline_profile == NULL) return fail_at(c, line, "%s", "out of memory");
    snprintf(cfg->baseline_profile, n, "%s%s%s", dir, dir[0] ? "/" : "", s);
    return 0;
  }
  if (strcmp(key, "max_growth_percent") == 0) {
    cfg->has_growth = 1;
    return parse_percent(c, key, &cfg->max_growth_percent);
  }
  if (strcmp(key, "max_site_growth_percent") == 0) {
    cfg->has_site_growth = 1;
    return parse_percent(c, key, &cfg->max_site_growth_percent);
  }
  if (strcmp(key, "top") == 0) return parse_uint(c, key, 1000, &cfg->top);
  static const char *const known[] = {"profile", "max_growth_percent", "max_site_growth_percent", "top"};
  return unknown_key(c, line, key, "baseline", known, sizeof known / sizeof *known);
}

static int budget_key(cfgparse *c, const char *key, size_t line, void *ctx) {
  gate_config *cfg = ctx;
  if (cfg->has_budget)
    return fail_at(c, line, "%s", "budget takes one of max_heap_mb or max_inuse_bytes");
  cfg->has_budget = 1;
  if (strcmp(key, "max_inuse_bytes") == 0) return parse_bytes(c, key, &cfg->max_inuse_bytes);
  if (strcmp(key, "max_heap_mb") == 0) {
    uint64_t mb;
    if (parse_u64(c, key, &mb) != 0) return -1;
    if (mb > (UINT64_MAX >> 20)) return fail_at(c, line, "'%s' is out of range", key);
    cfg->max_inuse_bytes = mb << 20;
    return 0;
  }
  static const char *const known[] = {"max_heap_mb", "max_inuse_bytes"};
  return unknown_key(c, line, key, "budget", known, sizeof known / sizeof *known);
}

typedef struct {
  gate_config *cfg;
  const char *dir;
} top_ctx;

static int top_key(cfgparse *c, const char *key, size_t line, void *ctx) {
  top_ctx *t = ctx;
  if (strcmp(key, "leak_summary") == 0) return mapping(c, key, leak_key, t->cfg);
  if (strcmp(key, "offenders") == 0) return parse_uint(c, key, 1000, &t->cfg->offenders);
  if (strcmp(key, "baseline") == 0) {
    base_ctx b = {t->cfg, t->dir};
    if (mapping(c, key, baseline_key, &b) != 0) return -1;
    if (t->cfg->baseline_profile == NULL)
      return fail_at(c, line, "%s", "baseline needs 'profile'");
    if (!t->cfg->has_growth && !t->cfg->has_site_growth)
      return fail_at(c, line, "%s",
                     "baseline needs max_growth_percent or max_site_growth_percent");
    return 0;
  }
  if (strcmp(key, "budget") == 0) {
    if (mapping(c, key, budget_key, t->cfg) != 0) return -1;
    if (!t->cfg->has_budget)
      return fail_at(c, line, "%s", "budget needs max_heap_mb or max_inuse_bytes");
    return 0;
  }
  static const char *const known[] = {"leak_summary", "offenders", "baseline", "budget"};
  return unknown_key(c, line, key, "", known, sizeof known / sizeof *known);
}

static int has_rule(const gate_config *cfg) {
  for (int k = 0; k < SNAP_KIND_COUNT; k++)
    if (cfg->bytes[k].set || cfg->blocks[k].set) return 1;
  return cfg->suppressed.set || cfg->baseline_profile != NULL || cfg->has_budget;
}

int gate_config_parse(gate_config *cfg, const unsigned char *text, size_t len, const char *name,
                      const char *dir, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  cfg->offenders = 5;
  cfg->top = 5;
  cfgparse c = {.name = name, .err = err, .errlen = errlen};
  if (!yaml_parser_initialize(&c.parser)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  yaml_parser_set_input_string(&c.parser, text, len);
  top_ctx t = {cfg, dir};
  int rc = -1;
  if (expect(&c, YAML_STREAM_START_EVENT, "a YAML stream") != 0) goto out;
  if (next(&c) != 0) goto out;
  if (c.ev.type == YAML_STREAM_END_EVENT) {
    fail_at(&c, c.ev.start_mark.line, "%s", "the config is empty");
    goto out;
  }
  if (c.ev.type != YAML_DOCUMENT_START_EVENT) {
    fail_at(&c, c.ev.start_mark.line, "%s", "expected a YAML document");
    goto out;
  }
  if (mapping(&c, "the config", top_key, &t) != 0) goto out;
  if (expect(&c, YAML_DOCUMENT_END_EVENT, "the end of the document") != 0) goto out;
  if (expect(&c, YAML_STREAM_END_EVENT, "one YAML document only") != 0) goto out;
  if (!has_rule(cfg)) {
    snprintf(err, errlen, "%s: no rule is set (leak_summary, baseline or budget)", c.name);
    goto out;
  }
  rc = 0;
out:
  drop(&c);
  yaml_parser_delete(&c.parser);
  if (rc != 0) gate_config_free(cfg);
  return rc;
}

int gate_config_load(gate_config *cfg, const char *path, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open config %s: %s", path, strerror(errno));
    return -1;
  }
  unsigned char *buf = malloc(CONFIG_MAX_BYTES + 1);
  if (buf == NULL) {
    fclose(f);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
  int bad = ferror(f);
  fclose(f);
  if (bad || n > CONFIG_MAX_BYTES) {
    free(buf);
    snprintf(err, errlen, "%s: %s", path, bad ? "read error" : "config larger than 1 MiB");
    return -1;
  }
  /* The config's directory anchors a relative baseline path. */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash != NULL) *slash = '\0';
  else strcpy(dir, ".");
  int rc = gate_config_parse(cfg, buf, n, path, dir, err, errlen);
  free(buf);
  return rc;
}

void gate_config_free(gate_config *cfg) {
  free(cfg->baseline_profile);
  cfg->baseline_profile = NULL;
}
