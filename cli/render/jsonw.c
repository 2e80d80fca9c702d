/*
 * render/jsonw.c: the streaming JSON writer of render/jsonw.h, laid out as
 * jansson's JSON_INDENT(1): a container's members one a line, indented by
 * one space a level, "key": value, an empty container as {} or [], no
 * newline after the document.  Strings are escaped as jansson escapes them
 * (quote, backslash, and control characters; \uXXXX in upper case).
 */
#include "render/jsonw.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsontree.h"

void jsonw_init(jsonw *w, FILE *f) {
  memset(w, 0, sizeof *w);
  w->f = f;
}

static void jsonw_indent(jsonw *w, int depth) {
  static const char spaces[JSONW_MAX_DEPTH + 1] = "\n                                ";
  fwrite_unlocked(spaces, 1, (size_t)depth + 1, w->f);
}

/* Before a value or a key: the separator from the previous member and the
 * new line (a value right after its key stays on the key's line). */
static void jsonw_member(jsonw *w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  if (w->depth == 0) return;
  if (!w->empty[w->depth - 1]) putc_unlocked(',', w->f);
  w->empty[w->depth - 1] = 0;
  jsonw_indent(w, w->depth);
}

static void jsonw_open(jsonw *w, char opener, char closer) {
  jsonw_member(w);
  if (w->depth == JSONW_MAX_DEPTH) {
    w->failed = 1;
    return;
  }
  putc_unlocked(opener, w->f);
  w->empty[w->depth] = 1;
  w->closer[w->depth] = closer;
  w->depth++;
}

void jsonw_object(jsonw *w) { jsonw_open(w, '{', '}'); }
void jsonw_array(jsonw *w) { jsonw_open(w, '[', ']'); }

void jsonw_end(jsonw *w) {
  if (w->depth == 0 || w->after_key) {
    w->failed = 1;
    return;
  }
  w->depth--;
  if (!w->empty[w->depth]) jsonw_indent(w, w->depth);
  putc_unlocked(w->closer[w->depth], w->f);
}

/* The length of the valid UTF-8 sequence at s (0: not one). */
static size_t jsonw_utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

static void jsonw_quoted(jsonw *w, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  putc_unlocked('"', w->f);
  for (;;) {
    const unsigned char *run = s; /* bytes written as they are */
    for (;;) {
      unsigned c = *s;
      if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') s++;
      else if (c >= 0x80 && jsonw_utf8_len(s) != 0) s += jsonw_utf8_len(s);
      else break;
    }
    if (s > run) fwrite_unlocked(run, 1, (size_t)(s - run), w->f);
    unsigned c = *s;
    if (c == 0) break;
    if (c == '"' || c == '\\') {
      putc_unlocked('\\', w->f);
      putc_unlocked((int)c, w->f);
    } else if (c < 0x20) {
      const char *esc = c == '\b' ? "\\b" : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
      if (esc != NULL) fputs_unlocked(esc, w->f);
      else fprintf(w->f, "\\u%04X", c);
    } else {
      fputs_unlocked("\\uFFFD", w->f); /* not UTF-8 */
    }
    s++;
  }
  putc_unlocked('"', w->f);
}

void jsonw_key(jsonw *w, const char *key) {
  if (w->depth == 0 || w->closer[w->depth - 1] != '}' || w->after_key) {
    w->failed = 1;
    return;
  }
  jsonw_member(w);
  jsonw_quoted(w, key);
  fputs_unlocked(": ", w->f);
  w->after_key = 1;
}

void jsonw_string(jsonw *w, const char *s) {
  jsonw_member(w);
  jsonw_quoted(w, s);
}

/* v's decimal digits, written from the end of buf; their start. */
static char *jsonw_digits(char *end, uint64_t v) {
  do {
    *--end = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return end;
}

void jsonw_u64(jsonw *w, uint64_t v) {
  char buf[24], *end = buf + sizeof buf, *start = jsonw_digits(end, v);
  jsonw_member(w);
  fwrite_unlocked(start, 1, (size_t)(end - start), w->f);
}

void jsonw_i64(jsonw *w, int64_t v) {
  char buf[24], *end = buf + sizeof buf;
  char *start = jsonw_digits(end, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
  if (v < 0) *--start = '-';
  jsonw_member(w);
  fwrite_unlocked(start, 1, (size_t)(end - start), w->f);
}

void jsonw_bool(jsonw *w, int v) {
  jsonw_member(w);
  fputs(v ? "true" : "false", w->f);
}

void jsonw_null(jsonw *w) {
  jsonw_member(w);
  fputs("null", w->f);
}

void jsonw_tree(jsonw *w, json_t *v) {
  char *text = v != NULL ? jsontree_dumps(v, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
  json_decref(v);
  jsonw_member(w);
  if (text == NULL) {
    w->failed = 1;
    fputs("null", w->f);
    return;
  }
  /* a raw newline is always layout (a string's is escaped) */
  for (const char *p = text; *p; p++) {
    if (*p == '\n') jsonw_indent(w, w->depth);
    else putc(*p, w->f);
  }
  free(text);
}

int jsonw_failed(const jsonw *w) { return w->failed || w->depth != 0 || w->after_key || ferror(w->f); }
