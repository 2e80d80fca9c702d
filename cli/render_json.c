/*
 * render_json.c: the JSON report, schema leakscope-report/1 (DESIGN.md):
 * command, pid, exit code, mode, the summary by kind, and the loss records
 * largest first, each with its symbolized stack.  Extra fields: a record's
 * "indirect_bytes" and "suppressed" (the suppression's name), a frame's
 * "inlined", and "totals".  Written with jansson to PATH.tmp, then renamed.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "render.h"

static json_t *json_amount(uint64_t bytes, uint64_t blocks) {
  return json_pack("{s:I,s:I}", "bytes", (json_int_t)bytes, "blocks", (json_int_t)blocks);
}

static json_t *json_stack(const snapshot *snap, uint32_t stack) {
  json_t *frames = json_array();
  const snap_stack *st = &snap->stacks[stack];
  for (uint32_t i = 0; i < st->nlocs; i++) {
    const snap_location *loc = &snap->locations[st->locs[i]];
    const char *object = loc->module >= 0 && (uint32_t)loc->module < snap->nmodules
                             ? snap->modules[loc->module].path : NULL;
    char address[32];
    snprintf(address, sizeof address, "0x%" PRIx64, loc->address);
    uint32_t nlines = loc->nlines ? loc->nlines : 1;
    for (uint32_t l = 0; l < nlines; l++) {
      json_t *frame = json_pack("{s:s}", "address", address);
      const snap_line *line = l < loc->nlines ? &loc->lines[l] : NULL;
      if (line && line->function) json_object_set_new(frame, "function", json_string(line->function));
      if (line && line->file) json_object_set_new(frame, "file", json_string(line->file));
      if (line && line->line > 0) json_object_set_new(frame, "line", json_integer(line->line));
      if (object && object[0]) json_object_set_new(frame, "object", json_string(object));
      if (l + 1 < nlines) json_object_set_new(frame, "inlined", json_true());
      json_array_append_new(frames, frame);
    }
  }
  return frames;
}

static json_t *json_report(const snapshot *snap) {
  json_t *root = json_object();
  json_object_set_new(root, "schema", json_string("leakscope-report/1"));
  json_t *command = json_array();
  for (int i = 0; i < snap->argc; i++) json_array_append_new(command, json_string(snap->argv[i]));
  json_object_set_new(root, "command", command);
  json_object_set_new(root, "pid", json_integer(snap->pid));
  json_object_set_new(root, "exit_code", snap->exit_code >= 0 ? json_integer(snap->exit_code) : json_null());
  json_object_set_new(root, "mode", json_string(snap->mode));
  json_t *summary = json_object();
  for (int k = 0; k < SNAP_KIND_COUNT; k++)
    json_object_set_new(summary, snap_kind_name((snap_kind)k),
                        json_amount(snap->summary[k].bytes, snap->summary[k].blocks));
  json_object_set_new(summary, "suppressed", json_amount(snap->suppressed.bytes, snap->suppressed.blocks));
  json_object_set_new(root, "summary", summary);
  json_t *records = json_array();
  for (uint32_t i = 0; i < snap->nleaks; i++) {
    const snap_leak *l = &snap->leaks[i];
    json_t *rec = json_pack("{s:s,s:I,s:I}", "kind", snap_kind_name(l->kind), "bytes",
                            (json_int_t)l->bytes, "blocks", (json_int_t)l->blocks);
    if (l->indirect_bytes) json_object_set_new(rec, "indirect_bytes", json_integer((json_int_t)l->indirect_bytes));
    if (l->suppressed_by) json_object_set_new(rec, "suppressed", json_string(l->suppressed_by));
    json_object_set_new(rec, "stack", json_stack(snap, l->stack));
    json_array_append_new(records, rec);
  }
  json_object_set_new(root, "records", records);
  json_object_set_new(root, "totals",
                      json_pack("{s:I,s:I,s:I,s:I,s:I}", "allocs", (json_int_t)snap->total_allocs,
                                "frees", (json_int_t)snap->total_frees, "bytes_allocated",
                                (json_int_t)snap->total_bytes_allocated, "inuse_bytes",
                                (json_int_t)snap->inuse_bytes, "inuse_blocks",
                                (json_int_t)snap->inuse_objects));
  return root;
}

int render_json_report(const snapshot *snap, const char *path, char *err, size_t errlen) {
  json_t *root = json_report(snap);
  if (root == NULL) {
    snprintf(err, errlen, "out of memory building the report");
    return -1;
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int rc = json_dump_file(root, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (rc != 0 || rename(tmp, path) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    unlink(tmp);
    return -1;
  }
  return 0;
}
