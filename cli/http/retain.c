/*
 * http/retain.c: GET /debug/leakscope/retain: who holds the target's
 * memory, now (a live retention snapshot, live/retain_live.h), as the
 * text of `leakscope retain` or with ?format=json the report's retention
 * section; ?addr=ADDRESS answers with the chain of pointers from a root
 * to the block holding ADDRESS instead.  A malformed query is a 400, a
 * request while another retention snapshot is being taken a 409, a
 * target that cannot answer a 503.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/internal.h"
#include "live/retain_live.h"
#include "render/json.h"
#include "render/retain.h"
#include "util/jsontree.h"
#include "util/text.h"

#define HTTP_RETAIN_TOP 10

void http_retain(http_server *h, const char *format, const char *addr, http_reply *r) {
  const char *text = "text/plain; charset=utf-8";
  int json = format != NULL && strcmp(format, "json") == 0;
  uint64_t address = 0;
  if ((format != NULL && !json && strcmp(format, "text") != 0) || (addr != NULL && text_address(addr, &address) != 0)) {
    http_reply_text(r, 400, text, "bad query: format=text|json, addr=ADDRESS (0x... or decimal)\n");
    return;
  }
  int pid = atomic_load(&h->pid);
  if (pid == 0) {
    http_reply_text(r, 503, text, "the target has not started yet\n");
    return;
  }
  live_target t;
  live_target_in_dir(&t, h->dir, pid);
  char err[PATH_MAX + 512];
  int busy;
  snapshot *snap = live_retain(&t, addr != NULL, address, LIVE_RETAIN_TIMEOUT_MS, &busy, err, sizeof err);
  if (snap == NULL) {
    http_reply_text(r, busy ? 409 : 503, text, "%s\n", err);
    return;
  }
  if (json) {
    json_t *o = render_json_retention(snap);
    char *body = o ? jsontree_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (body != NULL) http_reply_text(r, 200, "application/json", "%s\n", body);
    else http_reply_text(r, 500, text, "out of memory\n");
    free(body);
  } else {
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (f != NULL) {
      if (addr != NULL) {
        render_retain_chain_text(f, snap);
      } else {
        render_retain_live_text(f, snap);
        render_retain_text(f, snap, HTTP_RETAIN_TOP);
        render_retain_held_text(f, snap, HTTP_RETAIN_TOP);
      }
      fclose(f);
    }
    if (f != NULL && body != NULL) http_reply_text(r, 200, text, "%s", body);
    else http_reply_text(r, 500, text, "out of memory\n");
    free(body);
  }
  snap_free(snap);
}
