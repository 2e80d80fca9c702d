/*
 * analyze/supp.c: Valgrind and LeakSanitizer leak suppressions (see analyze/supp.h;
 * docs/INTERCHANGE.md on suppressions has both grammars).
 *
 * Valgrind's stacks start with the allocation function itself (memcheck
 * replaces malloc), ours with its caller; so a Valgrind suppression whose
 * first frame names a function of the malloc family may skip it.  C++'s
 * entry points are frames of ours too (libstdc++'s operator new, the
 * agent's operator new[]), and strdup's caller of malloc is strdup: those
 * frames match as they are.  A fun: pattern matches a frame's symbol
 * (mangled, as memcheck matches) or its display name.
 */
#include "analyze/supp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "util/vec.h"

#define SUPP_MAX_FRAMES 64

enum { SUPP_FUN, SUPP_OBJ, SUPP_SRC, SUPP_ANY };

typedef struct {
  int type;
  char *pattern;
} supp_frame;

typedef struct {
  char *name;
  int lsan;          /* a leak:PATTERN line */
  unsigned kinds;    /* bit per snap_kind */
  int nframes;
  supp_frame frames[SUPP_MAX_FRAMES];
} supp_entry;

struct supp_set {
  supp_entry *entries;
  int n;
  size_t cap;
};

void supp_free(supp_set *set) {
  if (set == NULL) return;
  for (int i = 0; i < set->n; i++) {
    free(set->entries[i].name);
    for (int f = 0; f < set->entries[i].nframes; f++) free(set->entries[i].frames[f].pattern);
  }
  free(set->entries);
  free(set);
}

static char *supp_trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = 0;
  return s;
}

static supp_entry *supp_add(supp_set *set) {
  if (vec_reserve(&set->entries, &set->cap, (size_t)set->n + 1, sizeof *set->entries) != 0) return NULL;
  supp_entry *e = &set->entries[set->n++];
  memset(e, 0, sizeof *e);
  return e;
}

static int supp_kinds(const char *list, unsigned *out) {
  *out = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    tok = supp_trim(tok);
    if (strcmp(tok, "definite") == 0) *out |= 1u << SNAP_DEFINITE;
    else if (strcmp(tok, "indirect") == 0) *out |= 1u << SNAP_INDIRECT;
    else if (strcmp(tok, "possible") == 0) *out |= 1u << SNAP_POSSIBLE;
    else if (strcmp(tok, "reachable") == 0) *out |= 1u << SNAP_REACHABLE;
    else if (strcmp(tok, "all") == 0) *out |= 0xf;
    else if (strcmp(tok, "none") == 0) continue;
    else return -1;
  }
  return 0;
}

/* Parse one Valgrind block; lines[0] is the name line. */
static int supp_parse_block(supp_set *set, char **lines, int n, const char *path, int lineno,
                            char *err, size_t errlen) {
  if (n < 2) {
    snprintf(err, errlen, "%s:%d: suppression needs a name and a kind line", path, lineno);
    return -1;
  }
  const char *kind = lines[1];
  const char *colon = strchr(kind, ':');
  if (colon == NULL) {
    snprintf(err, errlen, "%s:%d: bad suppression kind '%s' (want TOOL:KIND)", path, lineno, kind);
    return -1;
  }
  int memcheck = 0;
  for (const char *t = kind; t < colon;) {
    const char *comma = memchr(t, ',', (size_t)(colon - t));
    const char *end = comma ? comma : colon;
    if ((size_t)(end - t) == 8 && strncmp(t, "Memcheck", 8) == 0) memcheck = 1;
    t = comma ? comma + 1 : colon;
  }
  if (!memcheck || strcmp(colon + 1, "Leak") != 0) return 0; /* not a leak suppression: not ours */
  supp_entry *e = supp_add(set);
  if (e == NULL || (e->name = strdup(lines[0])) == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  e->kinds = 0xf;
  for (int i = 2; i < n; i++) {
    char *l = lines[i];
    if (strncmp(l, "match-leak-kinds:", 17) == 0) {
      if (supp_kinds(supp_trim(l + 17), &e->kinds) != 0) {
        snprintf(err, errlen, "%s:%d: bad match-leak-kinds '%s'", path, lineno + i, l + 17);
        return -1;
      }
      continue;
    }
    if (e->nframes == SUPP_MAX_FRAMES) {
      snprintf(err, errlen, "%s:%d: too many frames in suppression", path, lineno + i);
      return -1;
    }
    supp_frame *f = &e->frames[e->nframes];
    const char *pat;
    if (strcmp(l, "...") == 0) {
      f->type = SUPP_ANY;
      pat = "";
    } else if (strncmp(l, "fun:", 4) == 0) {
      f->type = SUPP_FUN;
      pat = l + 4;
    } else if (strncmp(l, "obj:", 4) == 0) {
      f->type = SUPP_OBJ;
      pat = l + 4;
    } else if (strncmp(l, "src:", 4) == 0) {
      f->type = SUPP_SRC;
      pat = l + 4;
    } else {
      snprintf(err, errlen, "%s:%d: bad suppression frame '%s' (want fun:, obj:, src: or ...)", path,
               lineno + i, l);
      return -1;
    }
    if ((f->pattern = strdup(pat)) == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    e->nframes++;
  }
  return 0;
}

supp_set *supp_load(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, errlen, "cannot open suppression file %s: %s", path, strerror(errno));
    return NULL;
  }
  supp_set *set = calloc(1, sizeof *set);
  char *line = NULL, *block[SUPP_MAX_FRAMES + 8];
  size_t cap = 0;
  int nblock = 0, in_block = 0, lineno = 0, block_line = 0, ok = set != NULL;
  while (ok && getline(&line, &cap, f) >= 0) {
    lineno++;
    char *l = supp_trim(line);
    if (*l == 0 || *l == '#') continue;
    if (!in_block) {
      if (strcmp(l, "{") == 0) {
        in_block = 1;
        nblock = 0;
        block_line = lineno + 1;
      } else if (strncmp(l, "leak:", 5) == 0 && l[5]) {
        supp_entry *e = supp_add(set);
        if (e == NULL || (e->name = strdup(l)) == NULL ||
            (e->frames[0].pattern = strdup(l + 5)) == NULL) {
          snprintf(err, errlen, "out of memory");
          ok = 0;
          break;
        }
        e->lsan = 1;
        e->kinds = 0xf;
        e->nframes = 1;
      } else {
        snprintf(err, errlen, "%s:%d: not a suppression: '%s' (want '{' or 'leak:PATTERN')", path, lineno, l);
        ok = 0;
      }
      continue;
    }
    if (strcmp(l, "}") == 0) {
      if (supp_parse_block(set, block, nblock, path, block_line, err, errlen) != 0) ok = 0;
      for (int i = 0; i < nblock; i++) free(block[i]);
      nblock = 0;
      in_block = 0;
      continue;
    }
    if (nblock == SUPP_MAX_FRAMES + 8 || (block[nblock] = strdup(l)) == NULL) {
      snprintf(err, errlen, "%s:%d: suppression too long", path, lineno);
      ok = 0;
      continue;
    }
    nblock++;
  }
  for (int i = 0; i < nblock; i++) free(block[i]);
  if (ok && in_block) {
    snprintf(err, errlen, "%s: unterminated suppression (missing '}')", path);
    ok = 0;
  }
  free(line);
  fclose(f);
  if (!ok) {
    supp_free(set);
    return NULL;
  }
  return set;
}

/* Valgrind's glob: * and ?. */
static int supp_glob(const char *pat, const char *s) {
  if (s == NULL) return 0;
  while (*pat) {
    if (*pat == '*') {
      while (*pat == '*') pat++;
      if (*pat == 0) return 1;
      for (; *s; s++)
        if (supp_glob(pat, s)) return 1;
      return 0;
    }
    if (*s == 0 || (*pat != '?' && *pat != *s)) return 0;
    pat++;
    s++;
  }
  return *s == 0;
}

/* LeakSanitizer's template: substring by default, * wildcard, ^ and $ anchors. */
static int supp_lsan_match(const char *pat, const char *s) {
  if (s == NULL || *s == 0) return 0;
  char glob[1024];
  size_t n = strlen(pat), o = 0;
  int start = pat[0] == '^', end = n > 0 && pat[n - 1] == '$';
  if (!start) glob[o++] = '*';
  for (size_t i = start; i < n - (size_t)end && o + 2 < sizeof glob; i++) glob[o++] = pat[i];
  if (!end) glob[o++] = '*';
  glob[o] = 0;
  return supp_glob(glob, s);
}

typedef struct {
  const char *function, *file, *object;
  int64_t line;
  const char *system_name; /* the mangled symbol, NULL when it is function */
} supp_frameinfo;

static int supp_frame_matches(const supp_frame *f, const supp_frameinfo *fi) {
  switch (f->type) {
    case SUPP_FUN:
      return (fi->system_name != NULL && supp_glob(f->pattern, fi->system_name)) ||
             supp_glob(f->pattern, fi->function ? fi->function : "???");
    case SUPP_OBJ: return supp_glob(f->pattern, fi->object ? fi->object : "???");
    case SUPP_SRC: {
      const char *base = text_basename(fi->file);
      const char *colon = strchr(f->pattern, ':');
      if (colon == NULL) return supp_glob(f->pattern, base);
      char file[512];
      snprintf(file, sizeof file, "%.*s", (int)(colon - f->pattern), f->pattern);
      return supp_glob(file, base) && fi->line == strtoll(colon + 1, NULL, 10);
    }
    default: return 1;
  }
}

/* Match frames[fi..] of the suppression against stack frames[si..]. */
static int supp_match_from(const supp_entry *e, int fi, const supp_frameinfo *stack, int n, int si) {
  if (fi == e->nframes) return 1;
  if (e->frames[fi].type == SUPP_ANY) {
    for (int k = si; k <= n; k++)
      if (supp_match_from(e, fi + 1, stack, n, k)) return 1;
    return 0;
  }
  if (si >= n || !supp_frame_matches(&e->frames[fi], &stack[si])) return 0;
  return supp_match_from(e, fi + 1, stack, n, si + 1);
}

static int supp_is_allocator(const char *pattern) {
  static const char *const names[] = {"malloc", "calloc", "realloc", "memalign", "posix_memalign",
                                      "aligned_alloc", "valloc", "pvalloc", "reallocarray"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (supp_glob(pattern, names[i]) || supp_glob(names[i], pattern)) return 1;
  return 0;
}

static int supp_entry_matches(const supp_entry *e, const supp_frameinfo *stack, int n) {
  if (e->lsan) {
    for (int i = 0; i < n; i++)
      if (supp_lsan_match(e->frames[0].pattern, stack[i].object) ||
          supp_lsan_match(e->frames[0].pattern, stack[i].function) ||
          supp_lsan_match(e->frames[0].pattern, stack[i].file))
        return 1;
    return 0;
  }
  if (supp_match_from(e, 0, stack, n, 0)) return 1;
  /* memcheck's stacks begin with the allocator itself */
  return e->nframes > 0 && e->frames[0].type == SUPP_FUN && supp_is_allocator(e->frames[0].pattern) &&
         supp_match_from(e, 1, stack, n, 0);
}

int supp_apply(const supp_set *set, snapshot *snap) {
  int suppressed = 0;
  supp_frameinfo frames[512];
  for (uint32_t r = 0; r < snap->nleaks; r++) {
    snap_leak *l = &snap->leaks[r];
    const snap_stack *st = &snap->stacks[l->stack];
    int n = 0;
    for (uint32_t i = 0; i < st->nlocs && n < 512; i++) {
      const snap_location *loc = &snap->locations[st->locs[i]];
      const char *object = loc->module >= 0 && (uint32_t)loc->module < snap->nmodules
                               ? snap->modules[loc->module].path : NULL;
      uint32_t nlines = loc->nlines ? loc->nlines : 1;
      for (uint32_t k = 0; k < nlines && n < 512; k++) {
        const snap_line *line = k < loc->nlines ? &loc->lines[k] : NULL;
        frames[n++] = (supp_frameinfo){line ? line->function : NULL, line ? line->file : NULL, object,
                                       line ? line->line : 0, line ? line->system_name : NULL};
      }
    }
    for (int i = 0; i < set->n; i++) {
      const supp_entry *e = &set->entries[i];
      if (!(e->kinds & (1u << l->kind))) continue;
      if (supp_entry_matches(e, frames, n)) {
        l->suppressed_by = snap_str(snap, e->name);
        suppressed++;
        break;
      }
    }
  }
  snap_recount(snap);
  return suppressed;
}
