/*
 * read/vgxml.c: streaming reader of Valgrind memcheck XML (see read/vgxml.h).
 *
 * expat calls start/end/character handlers; we keep a stack of element ids
 * (each element classified by its name and its parent's id) and collect the
 * text of the few leaf elements we need.  The data of one <error> lives in
 * the parser state until its end tag, is handed to the callback and is then
 * reset, so memory does not grow with the file.
 */
#include "read/vgxml.h"
#include "util/vec.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#define VGXML_CHUNK 65536

typedef enum {
  E_OTHER, E_ROOT, E_PROTOVER, E_PROTOTOOL, E_PID, E_ERROR, E_KIND, E_XWHAT, E_TEXT,
  E_LEAKEDBYTES, E_LEAKEDBLOCKS, E_STACK, E_FRAME, E_IP, E_OBJ, E_FN, E_DIR, E_FILE, E_LINE,
  E_SUPPCOUNTS, E_PAIR, E_COUNT, E_NAME, E_LEAKSUM, E_KINDSUM, E_SUMBYTES, E_SUMBLOCKS,
  E_HEAPSUM, E_INUSE, E_INUSEBYTES, E_INUSEBLOCKS, E_TOTALUSE, E_ALLOCS, E_FREES, E_BYTESALLOC
} elem_id;

/* Offsets into the string pool of the current error; -1 if absent. */
typedef struct {
  uint64_t ip;
  int64_t obj, fn, dir, file;
  uint64_t line;
} frame_ref;

typedef struct {
  XML_Parser parser;
  const char *name;
  const vgxml_handler *handler;
  vgxml_info *info;
  char *err;
  size_t errlen;
  int failed;

  elem_id stack[VGXML_MAX_DEPTH];
  int depth;
  int sum_kind; /* which <leak_summary> child we are in: 0..3 kinds, 4 suppressed */

  char text[VGXML_MAX_TEXT + 1];
  size_t textlen;
  int capture;

  /* the current <error> */
  int kind;            /* snap_kind, -1 unknown/non-leak, -2 no <kind> yet */
  int seen_xwhat, seen_stack, in_first_xwhat, in_first_stack;
  int has_bytes, has_blocks;
  uint64_t leakedbytes, leakedblocks;
  char *xtext;         /* the <text> of the first <xwhat> */
  frame_ref frames[VGXML_MAX_FRAMES];
  uint32_t nframes;
  int frame_dropped;
  char *pool;
  size_t poollen, poolcap;

  /* the current <pair> of <suppcounts> */
  int has_count;
  uint64_t count;
  char *pair_name;

  int seen_tool;
} vgparse;

static void fail(vgparse *p, const char *fmt, const char *arg) {
  if (p->failed) return;
  p->failed = 1;
  char msg[512];
  snprintf(msg, sizeof msg, fmt, arg);
  snprintf(p->err, p->errlen, "%s:%lu: %s", p->name,
           (unsigned long)XML_GetCurrentLineNumber(p->parser), msg);
  XML_StopParser(p->parser, XML_FALSE);
}

/* Strict unsigned decimal (or 0x hex when hex is set), surrounding blanks
 * allowed; -1 on anything else or overflow. */
static int parse_u64(const char *s, int hex, uint64_t *out) {
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  unsigned base = 10;
  if (hex) {
    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return -1;
    s += 2;
    base = 16;
  }
  uint64_t v = 0;
  int digits = 0;
  for (;; s++) {
    unsigned d;
    if (*s >= '0' && *s <= '9') d = (unsigned)(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f') d = (unsigned)(*s - 'a' + 10);
    else if (base == 16 && *s >= 'A' && *s <= 'F') d = (unsigned)(*s - 'A' + 10);
    else break;
    if (v > (UINT64_MAX - d) / base) return -1;
    v = v * base + d;
    digits++;
  }
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  if (digits == 0 || *s != '\0') return -1;
  *out = v;
  return 0;
}

static int number(vgparse *p, int hex, uint64_t *out) {
  if (parse_u64(p->text, hex, out) == 0) return 0;
  fail(p, "not a valid 64-bit number: '%.40s'", p->text);
  return -1;
}

/* Append the captured text to the error's string pool; its offset or -1. */
static int64_t pool_add(vgparse *p) {
  size_t need = p->poollen + p->textlen + 1;
  if (vec_reserve(&p->pool, &p->poolcap, need, 1) != 0) {
    fail(p, "%s", "out of memory");
    return -1;
  }
  int64_t off = (int64_t)p->poollen;
  memcpy(p->pool + p->poollen, p->text, p->textlen + 1);
  p->poollen = need;
  return off;
}

static char *dup_text(vgparse *p) {
  char *s = strdup(p->text);
  if (s == NULL) fail(p, "%s", "out of memory");
  return s;
}

static void reset_error(vgparse *p) {
  p->kind = -2;
  p->seen_xwhat = p->seen_stack = p->in_first_xwhat = p->in_first_stack = 0;
  p->has_bytes = p->has_blocks = 0;
  p->leakedbytes = p->leakedblocks = 0;
  free(p->xtext);
  p->xtext = NULL;
  p->nframes = 0;
  p->frame_dropped = 0;
  p->poollen = 0;
}

static elem_id classify(vgparse *p, const char *n) {
  elem_id parent = p->depth > 0 ? p->stack[p->depth - 1] : E_OTHER;
  static const char *const sumkinds[5] = {"definitely_lost", "indirectly_lost", "possibly_lost",
                                          "still_reachable", "suppressed"};
  switch (parent) {
  case E_ROOT:
    if (!strcmp(n, "protocolversion")) return E_PROTOVER;
    if (!strcmp(n, "protocoltool")) return E_PROTOTOOL;
    if (!strcmp(n, "pid")) return E_PID;
    if (!strcmp(n, "error")) return E_ERROR;
    if (!strcmp(n, "suppcounts")) return E_SUPPCOUNTS;
    if (!strcmp(n, "leak_summary")) return E_LEAKSUM;
    if (!strcmp(n, "heap_summary")) return E_HEAPSUM;
    return E_OTHER;
  case E_ERROR:
    if (!strcmp(n, "kind")) return E_KIND;
    if (!strcmp(n, "xwhat") && !p->seen_xwhat) return E_XWHAT;
    if (!strcmp(n, "stack") && !p->seen_stack) return E_STACK;
    return E_OTHER;
  case E_XWHAT:
    if (!strcmp(n, "text")) return E_TEXT;
    if (!strcmp(n, "leakedbytes")) return E_LEAKEDBYTES;
    if (!strcmp(n, "leakedblocks")) return E_LEAKEDBLOCKS;
    return E_OTHER;
  case E_STACK:
    return strcmp(n, "frame") ? E_OTHER : E_FRAME;
  case E_FRAME:
    if (!strcmp(n, "ip")) return E_IP;
    if (!strcmp(n, "obj")) return E_OBJ;
    if (!strcmp(n, "fn")) return E_FN;
    if (!strcmp(n, "dir")) return E_DIR;
    if (!strcmp(n, "file")) return E_FILE;
    if (!strcmp(n, "line")) return E_LINE;
    return E_OTHER;
  case E_SUPPCOUNTS:
    return strcmp(n, "pair") ? E_OTHER : E_PAIR;
  case E_PAIR:
    if (!strcmp(n, "count")) return E_COUNT;
    if (!strcmp(n, "name")) return E_NAME;
    return E_OTHER;
  case E_LEAKSUM:
    for (int i = 0; i < 5; i++)
      if (!strcmp(n, sumkinds[i])) {
        p->sum_kind = i;
        return E_KINDSUM;
      }
    return E_OTHER;
  case E_KINDSUM:
    if (!strcmp(n, "bytes")) return E_SUMBYTES;
    if (!strcmp(n, "in_blocks")) return E_SUMBLOCKS;
    return E_OTHER;
  case E_HEAPSUM:
    if (!strcmp(n, "memory_in_use_at_exit")) return E_INUSE;
    if (!strcmp(n, "total_heap_usage")) return E_TOTALUSE;
    return E_OTHER;
  case E_INUSE:
    if (!strcmp(n, "bytes")) return E_INUSEBYTES;
    if (!strcmp(n, "blocks")) return E_INUSEBLOCKS;
    return E_OTHER;
  case E_TOTALUSE:
    if (!strcmp(n, "allocs")) return E_ALLOCS;
    if (!strcmp(n, "frees")) return E_FREES;
    if (!strcmp(n, "bytes_allocated")) return E_BYTESALLOC;
    return E_OTHER;
  default:
    return E_OTHER;
  }
}

/* Elements whose text we keep. */
static int is_leaf(elem_id e) {
  switch (e) {
  case E_PROTOVER: case E_PROTOTOOL: case E_PID: case E_KIND: case E_TEXT: case E_LEAKEDBYTES:
  case E_LEAKEDBLOCKS: case E_IP: case E_OBJ: case E_FN: case E_DIR: case E_FILE: case E_LINE:
  case E_COUNT: case E_NAME: case E_SUMBYTES: case E_SUMBLOCKS: case E_INUSEBYTES:
  case E_INUSEBLOCKS: case E_ALLOCS: case E_FREES: case E_BYTESALLOC:
    return 1;
  default:
    return 0;
  }
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs) {
  vgparse *p = ud;
  if (p->failed) return;
  if (p->depth >= VGXML_MAX_DEPTH) {
    fail(p, "elements nested deeper than %s levels", "64");
    return;
  }
  elem_id e;
  if (p->depth == 0) {
    if (strcmp(name, "valgrindoutput") != 0) {
      fail(p, "not Valgrind XML (root element <%.60s>)", name);
      return;
    }
    e = E_ROOT;
  } else {
    e = classify(p, name);
  }
  p->stack[p->depth++] = e;
  p->capture = is_leaf(e);
  p->textlen = 0;
  p->text[0] = '\0';
  switch (e) {
  case E_ERROR:
    reset_error(p);
    break;
  case E_XWHAT:
    p->seen_xwhat = p->in_first_xwhat = 1;
    break;
  case E_STACK:
    p->seen_stack = p->in_first_stack = 1;
    break;
  case E_FRAME:
    if (p->nframes < VGXML_MAX_FRAMES) {
      frame_ref *f = &p->frames[p->nframes];
      f->ip = 0;
      f->obj = f->fn = f->dir = f->file = -1;
      f->line = 0;
    }
    break;
  case E_PAIR:
    p->has_count = 0;
    free(p->pair_name);
    p->pair_name = NULL;
    break;
  case E_LEAKSUM:
    p->info->summary.has_leak_summary = 1;
    break;
  case E_HEAPSUM:
    p->info->summary.has_heap_summary = 1;
    break;
  default:
    break;
  }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
  vgparse *p = ud;
  if (p->failed || !p->capture || len <= 0) return;
  size_t room = VGXML_MAX_TEXT - p->textlen;
  size_t n = (size_t)len < room ? (size_t)len : room;
  memcpy(p->text + p->textlen, s, n);
  p->textlen += n;
  p->text[p->textlen] = '\0';
}

/* Skip a number with thousands separators; NULL if none. */
static const char *skip_grouped(const char *s, uint64_t *out) {
  uint64_t v = 0;
  int digits = 0;
  for (; (*s >= '0' && *s <= '9') || (*s == ',' && digits); s++) {
    if (*s == ',') continue;
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10) return NULL;
    v = v * 10 + d;
    digits++;
  }
  if (!digits) return NULL;
  *out = v;
  return s;
}

/* From "N (D direct, I indirect) bytes in ..." take I; 0 if the record
 * has no indirect part (the text has no such group). */
static uint64_t indirect_from_text(const char *t) {
  uint64_t total, direct, indirect;
  if (t == NULL) return 0;
  while (*t == ' ' || *t == '\n' || *t == '\t') t++;
  t = skip_grouped(t, &total);
  if (t == NULL || strncmp(t, " (", 2) != 0) return 0;
  t = skip_grouped(t + 2, &direct);
  if (t == NULL || strncmp(t, " direct, ", 9) != 0) return 0;
  t = skip_grouped(t + 9, &indirect);
  if (t == NULL || strncmp(t, " indirect)", 10) != 0) return 0;
  return indirect;
}

static void finish_error(vgparse *p) {
  if (p->kind < 0) {
    p->info->other_errors++;
    return;
  }
  if (!p->has_bytes || !p->has_blocks) {
    fail(p, "%s", "leak error without <leakedbytes> or <leakedblocks>");
    return;
  }
  uint64_t indirect = indirect_from_text(p->xtext);
  if (indirect > p->leakedbytes) {
    fail(p, "%s", "indirect bytes in <text> exceed <leakedbytes>");
    return;
  }
  vgxml_frame frames[VGXML_MAX_FRAMES];
  for (uint32_t i = 0; i < p->nframes; i++) {
    const frame_ref *r = &p->frames[i];
    frames[i].ip = r->ip;
    frames[i].obj = r->obj >= 0 ? p->pool + r->obj : NULL;
    frames[i].fn = r->fn >= 0 ? p->pool + r->fn : NULL;
    frames[i].dir = r->dir >= 0 ? p->pool + r->dir : NULL;
    frames[i].file = r->file >= 0 ? p->pool + r->file : NULL;
    frames[i].line = r->line;
  }
  vgxml_leak leak = {.kind = (snap_kind)p->kind,
                     .bytes = p->leakedbytes - indirect,
                     .indirect_bytes = indirect,
                     .blocks = p->leakedblocks,
                     .frames = frames,
                     .nframes = p->nframes};
  p->info->leak_errors++;
  if (p->handler->leak != NULL &&
      p->handler->leak(p->handler->ctx, &leak, p->err, p->errlen) != 0) {
    p->failed = 1;
    XML_StopParser(p->parser, XML_FALSE);
  }
}

static void set_kind(vgparse *p) {
  static const char *const kinds[SNAP_KIND_COUNT] = {
      "Leak_DefinitelyLost", "Leak_IndirectlyLost", "Leak_PossiblyLost", "Leak_StillReachable"};
  p->kind = -1;
  for (int i = 0; i < SNAP_KIND_COUNT; i++)
    if (strcmp(p->text, kinds[i]) == 0) p->kind = i;
}

static void end_frame_field(vgparse *p, elem_id e) {
  if (p->nframes >= VGXML_MAX_FRAMES || !p->in_first_stack) return;
  frame_ref *f = &p->frames[p->nframes];
  if (e == E_IP) {
    number(p, 1, &f->ip);
    return;
  }
  if (e == E_LINE) {
    number(p, 0, &f->line);
    return;
  }
  int64_t off = pool_add(p);
  if (e == E_OBJ) f->obj = off;
  else if (e == E_FN) f->fn = off;
  else if (e == E_DIR) f->dir = off;
  else f->file = off;
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
  vgparse *p = ud;
  if (p->failed) return;
  elem_id e = p->stack[--p->depth];
  p->capture = 0;
  vgxml_info *in = p->info;
  uint64_t v;
  switch (e) {
  case E_PROTOVER:
    if (number(p, 0, &v) != 0) return;
    if (v < 4 || v > 6) fail(p, "unsupported XML protocol version %s (4 to 6 are known)", p->text);
    in->protocol = (int)v;
    break;
  case E_PROTOTOOL:
    if (strcmp(p->text, "memcheck") != 0) fail(p, "not memcheck output (tool '%.40s')", p->text);
    p->seen_tool = 1;
    break;
  case E_PID:
    if (number(p, 0, &v) == 0) in->pid = v > INT64_MAX ? -1 : (int64_t)v;
    break;
  case E_KIND:
    set_kind(p);
    break;
  case E_TEXT:
    if (p->in_first_xwhat && p->xtext == NULL) p->xtext = dup_text(p);
    break;
  case E_LEAKEDBYTES:
    if (number(p, 0, &p->leakedbytes) == 0) p->has_bytes = 1;
    break;
  case E_LEAKEDBLOCKS:
    if (number(p, 0, &p->leakedblocks) == 0) p->has_blocks = 1;
    break;
  case E_XWHAT:
    p->in_first_xwhat = 0;
    break;
  case E_STACK:
    p->in_first_stack = 0;
    break;
  case E_IP: case E_LINE: case E_OBJ: case E_FN: case E_DIR: case E_FILE:
    end_frame_field(p, e);
    break;
  case E_FRAME:
    if (p->nframes < VGXML_MAX_FRAMES) p->nframes++;
    break;
  case E_ERROR:
    finish_error(p);
    break;
  case E_COUNT:
    if (number(p, 0, &p->count) == 0) p->has_count = 1;
    break;
  case E_NAME:
    free(p->pair_name);
    p->pair_name = dup_text(p);
    break;
  case E_PAIR:
    if (!p->has_count || p->pair_name == NULL) {
      fail(p, "%s", "<suppcounts> pair without <count> or <name>");
      return;
    }
    if (p->handler->suppcount != NULL &&
        p->handler->suppcount(p->handler->ctx, p->pair_name, p->count, p->err, p->errlen) != 0) {
      p->failed = 1;
      XML_StopParser(p->parser, XML_FALSE);
    }
    break;
  case E_SUMBYTES: case E_SUMBLOCKS: {
    if (number(p, 0, &v) != 0) return;
    snap_amount *a = p->sum_kind < SNAP_KIND_COUNT ? &in->summary.kinds[p->sum_kind]
                                                   : &in->summary.suppressed;
    if (e == E_SUMBYTES) a->bytes = v;
    else a->blocks = v;
    break;
  }
  case E_INUSEBYTES: number(p, 0, &in->summary.inuse_bytes); break;
  case E_INUSEBLOCKS: number(p, 0, &in->summary.inuse_blocks); break;
  case E_ALLOCS: number(p, 0, &in->summary.allocs); break;
  case E_FREES: number(p, 0, &in->summary.frees); break;
  case E_BYTESALLOC: number(p, 0, &in->summary.bytes_allocated); break;
  case E_ROOT:
    if (!p->seen_tool || in->protocol == 0)
      fail(p, "%s", "no <protocolversion>/<protocoltool>: not memcheck XML output");
    break;
  default:
    break;
  }
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset) {
  fail(ud, "%s", "DOCTYPE declarations are not allowed in memcheck XML");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation) {
  fail(ud, "%s", "entity declarations are not allowed");
}

int vgxml_read(FILE *f, const char *name, const vgxml_handler *handler, vgxml_info *info,
               char *err, size_t errlen) {
  memset(info, 0, sizeof *info);
  info->pid = -1;
  vgparse *p = calloc(1, sizeof *p);
  XML_Parser parser = XML_ParserCreate(NULL);
  char *buf = malloc(VGXML_CHUNK);
  if (p == NULL || parser == NULL || buf == NULL) {
    snprintf(err, errlen, "%s: out of memory", name);
    free(p);
    free(buf);
    if (parser) XML_ParserFree(parser);
    return -1;
  }
  p->parser = parser;
  p->name = name;
  p->handler = handler;
  p->info = info;
  p->err = err;
  p->errlen = errlen;
  p->kind = -2;
  XML_SetUserData(parser, p);
  XML_SetElementHandler(parser, on_start, on_end);
  XML_SetCharacterDataHandler(parser, on_text);
  XML_SetStartDoctypeDeclHandler(parser, on_doctype);
  XML_SetEntityDeclHandler(parser, on_entity);

  int rc = 0;
  for (;;) {
    size_t n = fread(buf, 1, VGXML_CHUNK, f);
    if (ferror(f)) {
      snprintf(err, errlen, "%s: read error", name);
      rc = -1;
      break;
    }
    int last = n < VGXML_CHUNK && feof(f);
    if (XML_Parse(parser, buf, (int)n, last) != XML_STATUS_OK) {
      if (!p->failed)
        snprintf(err, errlen, "%s:%lu: malformed XML: %s", name,
                 (unsigned long)XML_GetCurrentLineNumber(parser),
                 XML_ErrorString(XML_GetErrorCode(parser)));
      rc = -1;
      break;
    }
    if (p->failed) {
      rc = -1;
      break;
    }
    if (last) break;
  }
  XML_ParserFree(parser);
  free(buf);
  free(p->xtext);
  free(p->pool);
  free(p->pair_name);
  free(p);
  return rc;
}
