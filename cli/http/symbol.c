/*
 * http/symbol.c: /debug/pprof/symbol, as Go's net/http/pprof serves it for
 * pprof's symbolz: any request answers "num_symbols: 1" (pprof only asks
 * whether there are symbols), and a POST whose body is addresses joined by
 * '+' ("0x4011c2+0x7f3a...") gets one line "0x4011c2 function" per
 * address that names a function.  The addresses are the target's: they
 * are looked up in the modules of the latest snapshot (one at most
 * HTTP_SYMBOL_SNAPSHOT_MS old is reused), symbolized as return addresses
 * like every stack address, and named by the function the code belongs to.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/symbolize.h"
#include "http/internal.h"
#include "util/vec.h"

#define HTTP_SYMBOL_SNAPSHOT_MS 60000 /* the module map changes only with dlopen */
#define HTTP_SYMBOL_MAX 100000        /* addresses per request */

/* The '+'-separated addresses of the body into a new snapshot with the
 * modules of from, one unsymbolized location each; NULL when out of memory. */
static snapshot *http_symbol_request(const snapshot *from, const char *body, size_t len) {
  snapshot *s = snap_new();
  if (s == NULL) return NULL;
  for (uint32_t i = 0; i < from->nmodules; i++) {
    snap_module m = from->modules[i];
    m.path = snap_str(s, m.path);
    m.build_id = snap_str(s, m.build_id);
    if (m.path == NULL || snap_add_module(s, &m) < 0) goto oom;
  }
  size_t at = 0;
  while (at < len && s->nlocations < HTTP_SYMBOL_MAX) {
    size_t end = at;
    while (end < len && body[end] != '+') end++;
    char word[32];
    if (end - at < sizeof word) {
      memcpy(word, body + at, end - at);
      word[end - at] = '\0';
      char *stop;
      uint64_t address = strtoull(word, &stop, 0);
      if (address != 0 && *stop == '\0') {
        snap_location loc = {.address = address, .module = snap_module_for(s, address)};
        if (snap_add_location(s, &loc) < 0) goto oom;
      }
    }
    at = end + 1;
  }
  return s;
oom:
  snap_free(s);
  return NULL;
}

void http_symbol(http_server *h, const char *addresses, size_t len, http_reply *r) {
  const char *text = "text/plain; charset=utf-8";
  if (addresses == NULL || len == 0) {
    http_reply_text(r, 200, text, "num_symbols: 1\n");
    return;
  }
  char err[512];
  http_snap *current = http_agent_snapshot(h, HTTP_SYMBOL_SNAPSHOT_MS, err, sizeof err);
  if (current == NULL) {
    http_reply_text(r, 503, text, "cannot read the target's module map: %s\n", err);
    return;
  }
  snapshot *s = http_symbol_request(current->snap, addresses, len);
  http_agent_snap_release(current);
  if (s == NULL || symbolize_snapshot(s, err, sizeof err) != 0) {
    snap_free(s);
    http_reply_text(r, 500, text, "cannot symbolize: %s\n", s == NULL ? "out of memory" : err);
    return;
  }
  char *body = NULL;
  size_t cap = 0, used = 0;
  int failed = vec_reserve(&body, &cap, 64, 1) != 0;
  if (!failed) used = (size_t)snprintf(body, cap, "num_symbols: 1\n");
  for (uint32_t i = 0; !failed && i < s->nlocations; i++) {
    const snap_location *loc = &s->locations[i];
    const char *fn = loc->nlines > 0 ? loc->lines[loc->nlines - 1].function : NULL;
    if (fn == NULL) continue;
    size_t need = strlen(fn) + 24;
    if (vec_reserve(&body, &cap, used + need + 1, 1) != 0) {
      failed = 1;
      break;
    }
    used += (size_t)snprintf(body + used, cap - used, "0x%" PRIx64 " %s\n", loc->address, fn);
  }
  snap_free(s);
  if (failed) {
    free(body);
    http_reply_text(r, 500, text, "out of memory\n");
    return;
  }
  r->status = 200;
  r->type = text;
  r->body = body;
  r->len = used;
}
