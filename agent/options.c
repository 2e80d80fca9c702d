/*
 * options.c: LEAKSCOPE_OPTIONS read into ag_opt, by the table of
 * options.def: each key's type says how its value is read.
 */
#include "options.h"

#include <stddef.h>
#include <string.h>

ag_options ag_opt;

typedef enum {
#define AG_OPTION(key, type, def, help) OPTIONS_KEY_##key,
#include "options.def"
#undef AG_OPTION
  OPTIONS_KEYS
} options_key;

typedef enum {
  OPTIONS_BOOL, OPTIONS_INT, OPTIONS_SIZE, OPTIONS_SECONDS, OPTIONS_PATH,
  OPTIONS_MODE, OPTIONS_SAMPLE, OPTIONS_DEPTH, OPTIONS_BUDGET, OPTIONS_UNWIND, OPTIONS_WARNINGS
} options_type;

static const struct {
  const char *name;
  options_type type;
  size_t offset;
} options_table[OPTIONS_KEYS] = {
#define AG_OPTION(key, type, def, help) {#key, OPTIONS_##type, offsetof(ag_options, key)},
#include "options.def"
#undef AG_OPTION
};

static char options_first_problem[96];
static int options_problems;

static void options_note(const char *what, const char *key, size_t klen) {
  if (options_problems++ > 0) return;
  size_t n = strlen(what), room = sizeof options_first_problem - 3;
  if (n > room) n = room;
  memcpy(options_first_problem, what, n);
  if (klen > room - n) klen = room - n;
  options_first_problem[n] = '\'';
  memcpy(options_first_problem + n + 1, key, klen);
  options_first_problem[n + 1 + klen] = '\'';
  options_first_problem[n + 2 + klen] = 0;
}

const char *options_problem(int *count) {
  if (count != NULL) *count = options_problems;
  return options_problems ? options_first_problem : NULL;
}

/* Defaults, by type. */
static inline void options_default_BOOL(int *f, int v) { *f = v; }
static inline void options_default_INT(int *f, int v) { *f = v; }
static inline void options_default_SIZE(uint64_t *f, uint64_t v) { *f = v; }
static inline void options_default_SECONDS(double *f, double v) { *f = v; }
static inline void options_default_PATH(char (*f)[OPTIONS_PATH_MAX], const char *v) {
  strncpy(*f, v, OPTIONS_PATH_MAX - 1);
  (*f)[OPTIONS_PATH_MAX - 1] = 0;
}
static inline void options_default_MODE(int *f, int v) { *f = v; }
static inline void options_default_SAMPLE(uint64_t *f, uint64_t v) { *f = v; }
static inline void options_default_DEPTH(int *f, int v) { *f = v; }
static inline void options_default_BUDGET(ag_budget *f, uint64_t v) { *f = (ag_budget){v, AG_BUDGET_WARN}; }
static inline void options_default_UNWIND(int *f, int v) { *f = v; }
static inline void options_default_WARNINGS(int *f, int v) { *f = v; }

/* A decimal number with an optional K, M or G suffix; -1 if malformed. */
static int options_size(const char *s, const char *end, uint64_t *out) {
  uint64_t v = 0;
  if (s == end) return -1;
  for (; s < end && *s >= '0' && *s <= '9'; s++) {
    if (v > (UINT64_MAX - 9) / 10) return -1;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  int shift = 0;
  if (s < end) {
    switch (*s++) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      default: return -1;
    }
  }
  if (s != end || (shift && v > (UINT64_MAX >> shift))) return -1;
  *out = v << shift;
  return 0;
}

/* A decimal fraction ("1", "0.5"); -1 if malformed. */
static int options_seconds(const char *s, const char *end, double *out) {
  double v = 0, scale = 0;
  int digits = 0;
  for (; s < end; s++) {
    if (*s == '.' && scale == 0) {
      scale = 1;
    } else if (*s >= '0' && *s <= '9') {
      digits++;
      if (scale > 0) {
        scale /= 10;
        v += (*s - '0') * scale;
      } else {
        v = v * 10 + (*s - '0');
      }
    } else {
      return -1;
    }
  }
  if (digits == 0) return -1;
  *out = v;
  return 0;
}

static int options_int(const char *s, const char *end, int *out) {
  int negative = s < end && *s == '-';
  uint64_t v;
  if (options_size(s + negative, end, &v) != 0 || v > 0x7fffffff) return -1;
  for (const char *c = s + negative; c < end; c++)
    if (*c < '0' || *c > '9') return -1; /* no suffix */
  *out = negative ? -(int)v : (int)v;
  return 0;
}

static int options_word(const char *v, size_t vlen, const char *a, const char *b, int *out) {
  if (vlen == strlen(a) && memcmp(v, a, vlen) == 0) *out = 0;
  else if (vlen == strlen(b) && memcmp(v, b, vlen) == 0) *out = 1;
  else return -1;
  return 0;
}

static int options_budget(const char *v, const char *vend, ag_budget *b) {
  const char *colon = memchr(v, ':', (size_t)(vend - v));
  ag_budget parsed = {0, AG_BUDGET_WARN};
  if (options_size(v, colon ? colon : vend, &parsed.bytes) != 0) return -1;
  if (colon != NULL) {
    size_t alen = (size_t)(vend - colon - 1);
    const char *a = colon + 1;
    if (alen == 4 && memcmp(a, "warn", 4) == 0) parsed.action = AG_BUDGET_WARN;
    else if (alen == 4 && memcmp(a, "dump", 4) == 0) parsed.action = AG_BUDGET_DUMP;
    else if (alen == 5 && memcmp(a, "abort", 5) == 0) parsed.action = AG_BUDGET_ABORT;
    else return -1;
  }
  *b = parsed;
  return 0;
}

/* Read one value into its field; -1 if it is malformed. */
static int options_set(options_key key, const char *v, const char *vend) {
  char *field = (char *)&ag_opt + options_table[key].offset;
  size_t vlen = (size_t)(vend - v);
  int i;
  uint64_t u;
  switch (options_table[key].type) {
    case OPTIONS_BOOL:
      if (options_int(v, vend, &i) != 0 || (i != 0 && i != 1)) return -1;
      *(int *)field = i;
      return 0;
    case OPTIONS_INT:
      return options_int(v, vend, (int *)field);
    case OPTIONS_SIZE:
      return options_size(v, vend, (uint64_t *)field);
    case OPTIONS_SECONDS:
      return options_seconds(v, vend, (double *)field);
    case OPTIONS_PATH:
      if (vlen == 0 || vlen >= OPTIONS_PATH_MAX) return -1;
      memcpy(field, v, vlen);
      field[vlen] = 0;
      return 0;
    case OPTIONS_MODE:
      return options_word(v, vlen, "full", "sample", (int *)field);
    case OPTIONS_SAMPLE:
      if (options_size(v, vend, &u) != 0 || u == 0) return -1;
      *(uint64_t *)field = u;
      ag_opt.mode = AG_MODE_SAMPLE;
      return 0;
    case OPTIONS_DEPTH:
      if (options_int(v, vend, &i) != 0) return -1;
      *(int *)field = i < 1 ? 1 : i > OPTIONS_MAX_DEPTH ? OPTIONS_MAX_DEPTH : i;
      return 0;
    case OPTIONS_BUDGET:
      return options_budget(v, vend, (ag_budget *)field);
    case OPTIONS_UNWIND:
      return options_word(v, vlen, "fast", "libunwind", (int *)field);
    case OPTIONS_WARNINGS:
      return options_word(v, vlen, "stderr", "snapshot", (int *)field);
  }
  return -1;
}

static void options_defaults(void) {
#define AG_OPTION(key, type, def, help) options_default_##type(&ag_opt.key, def);
#include "options.def"
#undef AG_OPTION
}

void options_parse(const char *text) {
  options_defaults();
  options_problems = 0;
  for (const char *p = text; p != NULL && *p;) {
    while (*p == ',' || *p == ' ') p++;
    const char *k = p;
    while (*p && *p != '=' && *p != ',' && *p != ' ') p++;
    size_t klen = (size_t)(p - k);
    const char *v = p, *vend = p;
    if (*p == '=') {
      v = ++p;
      while (*p && *p != ',' && *p != ' ') p++;
      vend = p;
    }
    if (klen == 0) continue;
    int key = 0;
    while (key < OPTIONS_KEYS && !(strlen(options_table[key].name) == klen &&
                                   memcmp(options_table[key].name, k, klen) == 0))
      key++;
    if (key == OPTIONS_KEYS) options_note("unknown option ", k, klen);
    else if (options_set((options_key)key, v, vend) != 0) options_note("bad value for ", k, klen);
  }
}
