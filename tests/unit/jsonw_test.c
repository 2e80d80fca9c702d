/*
 * jsonw_test.c: the streaming JSON writer (cli/render/jsonw.c) writes what
 * jansson's JSON_INDENT(1) | JSON_PRESERVE_ORDER dump of the same document
 * is, byte for byte (nested and empty containers, escapes, a jansson tree
 * written in place at depth); unsigned numbers above INT64_MAX print as
 * unsigned; a string that is not UTF-8 has U+FFFD for each bad byte and
 * the document stays valid; misuse is reported.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check.h"
#include "render/jsonw.h"

/* What w wrote to its memory stream, NUL-terminated (the caller frees). */
static char *finish(jsonw *w, char **buf, size_t *len) {
  fclose(w->f);
  return *buf;
}

static const char *tricky = "quote\" back\\ tab\t nl\n cr\r bs\b ff\f bell\x07 slash/ utf8 \xc3\xa9\xe2\x82\xac";

static void test_same_as_jansson(void) {
  char *buf = NULL;
  size_t len = 0;
  jsonw w;
  jsonw_init(&w, open_memstream(&buf, &len));
  jsonw_object(&w);
  jsonw_key(&w, "s");
  jsonw_string(&w, tricky);
  jsonw_key(&w, "n");
  jsonw_i64(&w, -42);
  jsonw_key(&w, "z");
  jsonw_u64(&w, 0);
  jsonw_key(&w, "empty_array");
  jsonw_array(&w);
  jsonw_end(&w);
  jsonw_key(&w, "empty_object");
  jsonw_object(&w);
  jsonw_end(&w);
  jsonw_key(&w, "list");
  jsonw_array(&w);
  jsonw_bool(&w, 1);
  jsonw_null(&w);
  jsonw_object(&w);
  jsonw_key(&w, "deep");
  jsonw_array(&w);
  jsonw_i64(&w, 7);
  jsonw_end(&w);
  jsonw_end(&w);
  jsonw_end(&w);
  jsonw_key(&w, "tree");
  jsonw_tree(&w, json_pack("{s:[i,{s:s}],s:{}}", "a", 1, "b", "x\ny", "c"));
  jsonw_end(&w);
  CHECK(!jsonw_failed(&w));
  char *got = finish(&w, &buf, &len);

  json_t *doc = json_pack("{s:s,s:i,s:i,s:[],s:{},s:[b,n,{s:[i]}],s:{s:[i,{s:s}],s:{}}}", "s", tricky, "n", -42,
                          "z", 0, "empty_array", "empty_object", "list", 1, "deep", 7, "tree", "a", 1, "b",
                          "x\ny", "c");
  char *want = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  CHECK(want != NULL && strcmp(got, want) == 0, "got:\n%s\nwant:\n%s", got, want ? want : "(null)");
  free(want);
  json_decref(doc);
  free(got);
}

static void test_unsigned_and_bad_utf8(void) {
  char *buf = NULL;
  size_t len = 0;
  jsonw w;
  jsonw_init(&w, open_memstream(&buf, &len));
  jsonw_array(&w);
  jsonw_u64(&w, UINT64_MAX);
  jsonw_i64(&w, INT64_MIN);
  jsonw_string(&w, "a\xff" "b\xc3" "c\xed\xa0\x80" "d"); /* a stray byte, a cut sequence, a surrogate */
  jsonw_end(&w);
  CHECK(!jsonw_failed(&w));
  char *got = finish(&w, &buf, &len);
  CHECK(strstr(got, "18446744073709551615") != NULL, "%s", got);
  CHECK(strstr(got, "-9223372036854775808") != NULL, "%s", got);
  CHECK(strstr(got, "\"a\\uFFFDb\\uFFFDc\\uFFFD\\uFFFD\\uFFFDd\"") != NULL, "%s", got);
  json_error_t error;
  json_t *back = json_loads(got, JSON_DECODE_INT_AS_REAL, &error); /* jansson reads no integer above INT64_MAX */
  CHECK(back != NULL, "not valid JSON: %s", error.text);
  json_decref(back);
  free(got);
}

static void test_misuse(void) {
  char *buf = NULL;
  size_t len = 0;
  jsonw w;
  jsonw_init(&w, open_memstream(&buf, &len));
  jsonw_array(&w);
  jsonw_key(&w, "a key in an array");
  jsonw_end(&w);
  CHECK(jsonw_failed(&w));
  free(finish(&w, &buf, &len));

  jsonw_init(&w, open_memstream(&buf, &len));
  jsonw_object(&w); /* never closed */
  CHECK(jsonw_failed(&w));
  free(finish(&w, &buf, &len));

  jsonw_init(&w, open_memstream(&buf, &len));
  jsonw_array(&w);
  jsonw_tree(&w, NULL);
  jsonw_end(&w);
  CHECK(jsonw_failed(&w));
  free(finish(&w, &buf, &len));
}

int main(void) {
  test_same_as_jansson();
  test_unsigned_and_bad_utf8();
  test_misuse();
  return failures != 0;
}
