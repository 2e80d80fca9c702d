/*
 * jsontree_test.c: the JSON writer (cli/util/jsontree.c).  Unsigned counts print
 * as the unsigned numbers they are (INT64_MAX + 1, SIZE_MAX, UINT64_MAX:
 * never negative, never a rounded real) and plain ones as integers; any
 * other tree is written byte for byte as jansson's json_dumps writes it:
 * a thousand random trees (nested objects and arrays, empty ones, integers
 * from INT64_MIN to INT64_MAX, reals, strings with control characters,
 * quotes, backslashes and 1- to 4-byte UTF-8) under each set of flags the
 * command uses and a few more.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check.h"
#include "util/jsontree.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* One code point as UTF-8 into s; its length. */
static size_t put_utf8(char *s, uint32_t cp) {
  if (cp < 0x80) {
    s[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    s[0] = (char)(0xC0 | cp >> 6), s[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    s[0] = (char)(0xE0 | cp >> 12), s[1] = (char)(0x80 | (cp >> 6 & 0x3F)), s[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  s[0] = (char)(0xF0 | cp >> 18), s[1] = (char)(0x80 | (cp >> 12 & 0x3F)), s[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  s[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static void random_text(char *buf, size_t cap) {
  size_t n = next() % 12, at = 0;
  for (size_t i = 0; i < n && at + 4 < cap; i++) {
    uint32_t cp;
    switch (next() % 6) {
    case 0: cp = (uint32_t)(next() % 0x20); break;           /* control characters */
    case 1: cp = "\"\\/\x7f"[next() % 4]; break;             /* quote, backslash, slash, DEL */
    case 2: cp = 0x80 + (uint32_t)(next() % 0x780); break;   /* two bytes */
    case 3: cp = 0x800 + (uint32_t)(next() % 0xD000); break; /* three bytes, below the surrogates */
    case 4: cp = 0x10000 + (uint32_t)(next() % 0x100000); break;
    default: cp = 0x20 + (uint32_t)(next() % 0x5F);
    }
    if (cp == 0) cp = 1; /* jansson's strings are C strings here */
    at += put_utf8(buf + at, cp);
  }
  buf[at] = '\0';
}

static json_t *random_tree(int depth) {
  char text[64];
  int kind = (int)(next() % (depth > 3 ? 6 : 8));
  switch (kind) {
  case 0: return json_null();
  case 1: return json_boolean(next() & 1);
  case 2: return json_integer((json_int_t)next() >> (next() % 64));
  case 3: return json_integer(next() & 1 ? INT64_MIN : INT64_MAX);
  case 4: return json_real((double)(int64_t)next() / (double)(1 + next() % 1000));
  case 5: random_text(text, sizeof text); return json_string(text);
  case 6: {
    json_t *a = json_array();
    for (uint64_t i = next() % 4; i > 0; i--) json_array_append_new(a, random_tree(depth + 1));
    return a;
  }
  default: {
    json_t *o = json_object();
    for (uint64_t i = next() % 4; i > 0; i--) {
      random_text(text, sizeof text);
      json_object_set_new(o, text, random_tree(depth + 1));
    }
    return o;
  }
  }
}

/* "[v]" as jsontree writes it, compact. */
static void check_u64(uint64_t v, const char *want) {
  json_t *a = json_array();
  json_array_append_new(a, jsontree_u64(v));
  char *text = jsontree_dumps(a, JSON_COMPACT);
  CHECK(text != NULL && strcmp(text, want) == 0, "%llu: got %s, want %s", (unsigned long long)v, text, want);
  free(text);
  json_decref(a);
}

int main(void) {
  check_u64(0, "[0]");
  check_u64(INT64_MAX, "[9223372036854775807]");
  check_u64((uint64_t)INT64_MAX + 1, "[9223372036854775808]");
  check_u64(SIZE_MAX - 15, "[18446744073709551600]");
  check_u64(UINT64_MAX, "[18446744073709551615]");

  /* a report-like object: the huge count beside ordinary fields */
  json_t *o = json_pack("{s:o,s:o,s:s,s:I}", "bytes", jsontree_u64(UINT64_MAX), "blocks", jsontree_u64(3), "kind",
                        "definitely_lost", "line", (json_int_t)-1);
  char *text = jsontree_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  const char *want = "{\n \"bytes\": 18446744073709551615,\n \"blocks\": 3,\n \"kind\": \"definitely_lost\",\n"
                     " \"line\": -1\n}";
  CHECK(text != NULL && strcmp(text, want) == 0, "got %s", text);
  free(text);
  json_decref(o);

  /* a string that is not UTF-8 fails, as with jansson */
  json_t *bad = json_pack("[o]", json_string_nocheck("a\xc3"));
  CHECK(jsontree_dumps(bad, 0) == NULL);
  json_decref(bad);
  json_t *one = json_integer(1);
  CHECK(jsontree_dumps(one, 0) == NULL, "a bare integer is no document");
  json_t *huge = jsontree_u64(UINT64_MAX);
  char *any = jsontree_dumps(huge, JSON_ENCODE_ANY);
  CHECK(any != NULL && strcmp(any, "18446744073709551615") == 0, "JSON_ENCODE_ANY: %s", any);
  free(any);
  json_decref(one);
  json_decref(huge);

  const size_t flag_sets[] = {0,
                              JSON_INDENT(1) | JSON_PRESERVE_ORDER,
                              JSON_INDENT(2) | JSON_PRESERVE_ORDER,
                              JSON_COMPACT,
                              JSON_COMPACT | JSON_ENSURE_ASCII,
                              JSON_INDENT(3) | JSON_ENSURE_ASCII,
                              JSON_INDENT(1) | JSON_COMPACT,
                              JSON_REAL_PRECISION(5)};
  int compared = 0;
  for (int t = 0; t < 1000; t++) {
    json_t *root = next() & 1 ? json_object() : json_array();
    for (uint64_t i = 1 + next() % 5; i > 0; i--) {
      json_t *v = random_tree(0);
      if (json_is_object(root)) {
        char key[64];
        random_text(key, sizeof key);
        json_object_set_new(root, key, v);
      } else {
        json_array_append_new(root, v);
      }
    }
    for (size_t k = 0; k < sizeof flag_sets / sizeof *flag_sets; k++) {
      char *theirs = json_dumps(root, flag_sets[k]);
      char *ours = jsontree_dumps(root, flag_sets[k]);
      CHECK(theirs != NULL && ours != NULL && strcmp(theirs, ours) == 0, "flags %#zx:\njansson:  %s\njsontree: %s",
            flag_sets[k], theirs, ours);
      compared += theirs != NULL && ours != NULL;
      free(theirs);
      free(ours);
    }
    json_decref(root);
  }
  CHECK(compared == 8000, "%d trees compared", compared);
  return failures != 0;
}
