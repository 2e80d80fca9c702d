/*
 * util/jsontree.c: jansson trees written as JSON text with exact unsigned
 * 64-bit integers (see util/jsontree.h).  An integer above INT64_MAX is kept
 * in the tree as a string of its digits after a 0xFF byte: jansson's
 * strings are UTF-8, where 0xFF never occurs, so no other string looks
 * like one.  The layout (indentation, separators, escapes) is jansson's
 * own; a real is written by jansson itself.
 */
#include "util/jsontree.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define JSONTREE_MARK '\xff' /* first byte of an unsigned integer's string */

json_t *jsontree_u64(uint64_t v) {
  if (v <= INT64_MAX) return json_integer((json_int_t)v);
  char digits[32];
  int n = snprintf(digits, sizeof digits, "%c%" PRIu64, JSONTREE_MARK, v);
  return json_stringn_nocheck(digits, (size_t)n);
}

/* The length of the UTF-8 sequence at s (at most n bytes) and its code
 * point; 0 when it is not UTF-8. */
static size_t jsontree_utf8(const unsigned char *s, size_t n, uint32_t *cp) {
  size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || len > n) return 0;
  uint32_t v = len == 1 ? s[0] : (uint32_t)(s[0] & (0x7F >> len));
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = v << 6 | (s[i] & 0x3F);
  }
  *cp = v;
  return len;
}

/* A string, quoted and escaped as jansson does. */
static int jsontree_string(FILE *f, const char *str, size_t len, size_t flags) {
  const unsigned char *s = (const unsigned char *)str;
  if (putc('"', f) == EOF) return -1;
  size_t run = 0; /* start of the bytes not yet written */
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = jsontree_utf8(s + i, len - i, &cp);
    if (n == 0) return -1;
    int plain = cp != '\\' && cp != '"' && cp >= 0x20 && (!(flags & JSON_ENSURE_ASCII) || cp < 0x80);
    if (plain) {
      i += n;
      continue;
    }
    if (i > run && fwrite(s + run, 1, i - run, f) != i - run) return -1;
    char esc[16];
    switch (cp) {
    case '\\': strcpy(esc, "\\\\"); break;
    case '"': strcpy(esc, "\\\""); break;
    case '\b': strcpy(esc, "\\b"); break;
    case '\f': strcpy(esc, "\\f"); break;
    case '\n': strcpy(esc, "\\n"); break;
    case '\r': strcpy(esc, "\\r"); break;
    case '\t': strcpy(esc, "\\t"); break;
    default:
      if (cp < 0x10000) {
        snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);
      } else { /* a UTF-16 surrogate pair */
        uint32_t v = cp - 0x10000;
        snprintf(esc, sizeof esc, "\\u%04X\\u%04X", (unsigned)(0xD800 | (v >> 10)), (unsigned)(0xDC00 | (v & 0x3FF)));
      }
    }
    if (fputs(esc, f) == EOF) return -1;
    i += n;
    run = i;
  }
  if (len > run && fwrite(s + run, 1, len - run, f) != len - run) return -1;
  return putc('"', f) == EOF ? -1 : 0;
}

/* A newline and depth levels of indentation, or with no indentation the
 * space jansson puts after a comma (space set) unless compact. */
static int jsontree_indent(FILE *f, size_t flags, int depth, int space) {
  unsigned width = flags & 0x1F; /* JSON_INDENT(n) */
  if (width > 0) {
    if (putc('\n', f) == EOF) return -1;
    for (unsigned i = 0; i < width * (unsigned)depth; i++)
      if (putc(' ', f) == EOF) return -1;
    return 0;
  }
  return space && !(flags & JSON_COMPACT) && putc(' ', f) == EOF ? -1 : 0;
}

static int jsontree_value(FILE *f, const json_t *v, size_t flags, int depth) {
  switch (json_typeof(v)) {
  case JSON_NULL: return fputs("null", f) == EOF ? -1 : 0;
  case JSON_TRUE: return fputs("true", f) == EOF ? -1 : 0;
  case JSON_FALSE: return fputs("false", f) == EOF ? -1 : 0;
  case JSON_INTEGER: return fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0 ? -1 : 0;
  case JSON_REAL: {
    char *text = json_dumps(v, flags | JSON_ENCODE_ANY);
    int rc = text == NULL || fputs(text, f) == EOF ? -1 : 0;
    free(text);
    return rc;
  }
  case JSON_STRING: {
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len > 1 && s[0] == JSONTREE_MARK) return fwrite(s + 1, 1, len - 1, f) == len - 1 ? 0 : -1;
    return jsontree_string(f, s, len, flags);
  }
  case JSON_ARRAY: {
    size_t n = json_array_size(v);
    if (putc('[', f) == EOF) return -1;
    if (n > 0 && jsontree_indent(f, flags, depth + 1, 0) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
      if (jsontree_value(f, json_array_get(v, i), flags, depth + 1) != 0) return -1;
      if (i + 1 < n ? putc(',', f) == EOF || jsontree_indent(f, flags, depth + 1, 1) != 0
                    : jsontree_indent(f, flags, depth, 0) != 0)
        return -1;
    }
    return putc(']', f) == EOF ? -1 : 0;
  }
  case JSON_OBJECT: {
    const char *separator = flags & JSON_COMPACT ? ":" : ": ";
    void *it = json_object_iter((json_t *)v);
    if (putc('{', f) == EOF) return -1;
    if (it != NULL && jsontree_indent(f, flags, depth + 1, 0) != 0) return -1;
    while (it != NULL) {
      void *next = json_object_iter_next((json_t *)v, it);
      if (jsontree_string(f, json_object_iter_key(it), json_object_iter_key_len(it), flags) != 0 ||
          fputs(separator, f) == EOF || jsontree_value(f, json_object_iter_value(it), flags, depth + 1) != 0)
        return -1;
      if (next != NULL ? putc(',', f) == EOF || jsontree_indent(f, flags, depth + 1, 1) != 0
                       : jsontree_indent(f, flags, depth, 0) != 0)
        return -1;
      it = next;
    }
    return putc('}', f) == EOF ? -1 : 0;
  }
  }
  return -1;
}

int jsontree_dumpf(const json_t *root, FILE *f, size_t flags) {
  if (!(flags & JSON_ENCODE_ANY) && !json_is_object(root) && !json_is_array(root)) return -1;
  return jsontree_value(f, root, flags, 0);
}

char *jsontree_dumps(const json_t *root, size_t flags) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (f == NULL) return NULL;
  int rc = jsontree_dumpf(root, f, flags);
  if (fclose(f) != 0 || rc != 0) {
    free(text);
    return NULL;
  }
  return text;
}
