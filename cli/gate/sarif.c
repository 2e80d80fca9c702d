/*
 * gate/sarif.c: SARIF 2.1.0 for code-scanning UIs (docs/INTERCHANGE.md on SARIF).
 * One result per kept unsuppressed leak record (the GATE_KEEP largest of
 * each kind), located at its allocation site in the user's code: the first
 * frame with a line in a file under --source-root (model/frames.h), else
 * the first outside the system's directories; a record with neither (a
 * leak inside a library) gets its first frame's function as a logical
 * location.  tool.driver names leakscope and its version (no
 * informationUri: optional, and there is no public page).  Rule ids are stable per kind (leak/definitely-lost, ...);
 * partialFingerprints carry a hash of the kind and the stack's functions
 * and file names (not their lines, so an unrelated edit elsewhere keeps the
 * alert's identity) plus the allocation site's line.  The whole stack goes into result.stacks.
 */
#include "gate/output.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "model/frames.h"
#include "render/json.h"
#include "util/hmap.h"
#include "util/text.h"
#include "util/jsontree.h"
#include "util/version.h"

static const char *const rule_ids[SNAP_KIND_COUNT] = {
    "leak/definitely-lost", "leak/indirectly-lost", "leak/possibly-lost", "leak/still-reachable"};
static const char *const levels[SNAP_KIND_COUNT] = {"error", "warning", "warning", "note"};
static const char *const full_text[SNAP_KIND_COUNT] = {
    "A heap block that no pointer reaches any more when the program exits: nothing can free it.",
    "A heap block reached only from lost blocks: it is freed when the block that owns it is.",
    "A heap block reached only through pointers into its middle: probably lost, maybe an "
    "interior-pointer idiom.",
    "A heap block still pointed to at exit: not a leak by itself, but growth here is how "
    "caches leak."};

/* Percent-encode a path into a URI reference (keeps '/' and unreserved). */
static void uri_encode(const char *s, char *out, size_t outlen) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (; *s && o + 4 < outlen; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-._~/", c) != NULL) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
}

static json_t *physical(const gate_frame *f, const char *root) {
  char rel[4096], uri[8192 + 16];
  const char *p = f->file;
  size_t rl = root ? strlen(root) : 0;
  while (rl > 1 && root[rl - 1] == '/') rl--;
  if (rl > 0 && strncmp(p, root, rl) == 0 && p[rl] == '/') p += rl + 1;
  while (p[0] == '.' && p[1] == '/') p += 2;
  snprintf(rel, sizeof rel, "%s", p);
  if (rel[0] == '/') {
    strcpy(uri, "file://");
    uri_encode(rel, uri + 7, sizeof uri - 7);
  } else {
    uri_encode(rel, uri, sizeof uri);
  }
  return json_pack("{s:{s:s},s:{s:I}}", "artifactLocation", "uri", uri, "region", "startLine",
                   (json_int_t)(f->line > INT64_MAX ? INT64_MAX : f->line));
}

/* The fingerprint hash: FNV-1a over s (NULL: nothing), then a 0xff byte
 * that ends it. */
static uint64_t fnv(uint64_t h, const char *s) {
  return hmap_fnv(hmap_fnv(h, s, s ? strlen(s) : 0), "\xff", 1);
}

/* The record's first frame with a line in the user's code, or NULL: under
 * root when one is given (the gate's default is the current directory),
 * else (or when no frame is under it) outside the system's directories. */
static const gate_frame *user_site(const gate_record *r, const char *root) {
  for (int pass = root != NULL && root[0] != '\0' ? 0 : 1; pass < 2; pass++)
    for (uint32_t i = 0; i < r->nframes; i++)
      if (r->frames[i].line > 0 && frames_is_user(r->frames[i].file, r->frames[i].obj, pass == 0 ? root : NULL))
        return &r->frames[i];
  return NULL;
}

static json_t *result_json(const gate_record *r, const gate_data *d, const char *root) {
  const gate_frame *site = user_site(r, root);

  char msg[1024], where[600] = "";
  if (site != NULL)
    snprintf(where, sizeof where, ", allocated in %s (%s:%llu)", site->fn ? site->fn : "??",
             text_basename(site->file), (unsigned long long)site->line);
  if (r->indirect_bytes)
    snprintf(msg, sizeof msg, "%llu (%llu direct, %llu indirect) bytes in %llu blocks are %s%s",
             (unsigned long long)(r->bytes + r->indirect_bytes), (unsigned long long)r->bytes,
             (unsigned long long)r->indirect_bytes, (unsigned long long)r->blocks,
             snap_kind_words(r->kind), where);
  else
    snprintf(msg, sizeof msg, "%llu bytes in %llu blocks are %s%s", (unsigned long long)r->bytes,
             (unsigned long long)r->blocks, snap_kind_words(r->kind), where);

  json_t *loc;
  if (site != NULL) {
    loc = json_pack("{s:o}", "physicalLocation", physical(site, root));
  } else {
    char name[64];
    const char *fn = r->nframes ? r->frames[0].fn : NULL;
    snprintf(name, sizeof name, "0x%llx", (unsigned long long)(r->nframes ? r->frames[0].ip : 0));
    loc = json_pack("{s:[{s:s,s:s}]}", "logicalLocations", "name", fn ? fn : name, "kind",
                    "function");
  }

  json_t *frames = json_array();
  uint64_t h = fnv(HMAP_FNV_BASIS, rule_ids[r->kind]);
  for (uint32_t i = 0; i < r->nframes; i++) {
    const gate_frame *f = &r->frames[i];
    char text[600];
    snprintf(text, sizeof text, "%s", f->fn ? f->fn : "??");
    json_t *fl = json_pack("{s:{s:s}}", "message", "text", text);
    if (f->file != NULL && f->line > 0) json_object_set_new(fl, "physicalLocation", physical(f, root));
    json_t *sf = json_pack("{s:o}", "location", fl);
    if (f->obj) json_object_set_new(sf, "module", json_string(f->obj));
    json_array_append_new(frames, sf);
    if (i < 16) h = fnv(fnv(h, f->fn), text_basename(f->file));
  }
  char fp[48];
  snprintf(fp, sizeof fp, "%016llx:%llu", (unsigned long long)h,
           (unsigned long long)(site ? site->line : 0));

  json_t *res = json_pack("{s:s,s:i,s:s,s:{s:s},s:[o],s:{s:s},s:[{s:o}]}", "ruleId",
                          rule_ids[r->kind], "ruleIndex", (int)r->kind, "level", levels[r->kind],
                          "message", "text", msg, "locations", loc, "partialFingerprints",
                          "leakStack/v1", fp, "stacks", "frames", frames);
  if (res != NULL)
    json_object_set_new(res, "properties",
                        json_pack("{s:o,s:o,s:o,s:s}", "bytes", jsontree_u64(r->bytes),
                                  "indirectBytes", jsontree_u64(r->indirect_bytes), "blocks",
                                  jsontree_u64(r->blocks), "input", d->inputs[r->input].path));
  return res;
}

int gate_sarif_write(gate_data *d, const char *source_root, FILE *f, const char *name, char *err,
                     size_t errlen) {
  json_t *rules = json_array(), *results = json_array();
  for (int k = 0; k < SNAP_KIND_COUNT; k++) {
    char short_text[64];
    snprintf(short_text, sizeof short_text, "Heap memory %s", snap_kind_words((snap_kind)k));
    json_array_append_new(
        rules, json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:s},s:{s:s}}", "id", rule_ids[k], "name",
                         snap_kind_name((snap_kind)k), "shortDescription", "text", short_text,
                         "fullDescription", "text", full_text[k], "help", "text",
                         "Free the block on every path, or keep it reachable on purpose; "
                         "`leakscope retain` shows who holds growing memory.",
                         "defaultConfiguration", "level", levels[k]));
  }
  int oom = rules == NULL || results == NULL;
  for (int k = 0; k < SNAP_KIND_COUNT && !oom; k++) {
    uint32_t n;
    const gate_record *recs = gate_data_sorted(d, (snap_kind)k, &n);
    for (uint32_t i = 0; i < n && !oom; i++) {
      json_t *r = result_json(&recs[i], d, source_root);
      oom = r == NULL || json_array_append_new(results, r) != 0;
    }
  }
  json_t *root = oom ? NULL
                     : json_pack("{s:s,s:s,s:[{s:{s:{s:s,s:s,s:o}},s:o}]}", "$schema",
                                 "https://json.schemastore.org/sarif-2.1.0.json", "version",
                                 "2.1.0", "runs", "tool", "driver", "name", "leakscope", "version",
                                 LEAKSCOPE_VERSION, "rules", rules, "results", results);
  if (root == NULL) {
    if (oom) {
      json_decref(rules);
      json_decref(results);
    }
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return render_json_dumpf(root, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER, name, err, errlen);
}
