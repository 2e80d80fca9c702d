/*
 * http/metrics.c: the statistics endpoints.
 *
 *   /metrics                 Prometheus text exposition format 0.0.4
 *                            (docs/INTERCHANGE.md on Prometheus): base units, _bytes,
 *                            _total for counters, HELP and TYPE lines
 *   /debug/leakscope/stats   the same values as one JSON object
 *
 * Both read the agent's statistics file (cached, see http/agent.c) and
 * /proc/PID/status; neither takes a snapshot.  When the target does not
 * answer, /metrics says leakscope_up 0 and nothing else, and the JSON has
 * "up": false and the reason.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"
#include "util/jsontree.h"

typedef struct {
  const char *name, *type, *help;
} http_metric;

static const http_metric http_metric_list[] = {
    {"leakscope_heap_live_bytes", "gauge",
     "Bytes of heap blocks allocated and not yet freed (sample mode: estimated)."},
    {"leakscope_heap_live_objects", "gauge",
     "Heap blocks allocated and not yet freed (sample mode: estimated)."},
    {"leakscope_heap_allocated_bytes_total", "counter", "Bytes allocated since the program started."},
    {"leakscope_heap_allocations_total", "counter", "Allocations since the program started."},
    {"leakscope_heap_frees_total", "counter", "Frees of tracked blocks since the program started."},
    {"leakscope_process_mapped_bytes", "gauge",
     "Virtual memory mapped by the process (VmSize of /proc/PID/status)."},
    {"leakscope_process_resident_bytes", "gauge",
     "Resident set size of the process (VmRSS of /proc/PID/status)."},
    {"leakscope_sampling_interval_bytes", "gauge",
     "Mean bytes between heap samples; 0 when every allocation is tracked."},
    {"leakscope_snapshots_total", "counter", "Heap snapshots the agent has written."},
    {"leakscope_leak_suspects", "gauge",
     "Allocation stacks whose live bytes kept rising through the leak watch's last window."},
    {"leakscope_heap_budget_bytes", "gauge", "The live-heap budget of --budget (0: none)."},
};

#define HTTP_SUSPECT_SERIES 10 /* growth-rate series at most: the fastest suspects */

static int http_suspect_faster(const void *pa, const void *pb) {
  const watch_suspect *a = pa, *b = pb;
  return a->bytes_per_second > b->bytes_per_second ? -1 : a->bytes_per_second < b->bytes_per_second;
}

/* A label value: the site with backslash, quote and newline escaped. */
static void http_metric_label(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == '"') fputc('\\', f);
    if (*s == '\n') fputs("\\n", f);
    else fputc(*s, f);
  }
}

/* The growth rate of the fastest current suspects, one series each, by rank
 * and site (HTTP_SUSPECT_SERIES at most, so the labels stay bounded). */
static void http_metric_suspects(FILE *f, watch_suspect *list, size_t n) {
  fprintf(f, "# HELP leakscope_leak_suspect_growth_bytes_per_second Growth rate of a leak suspect's live bytes "
             "(the %d fastest; rank 1 is the fastest).\n"
             "# TYPE leakscope_leak_suspect_growth_bytes_per_second gauge\n", HTTP_SUSPECT_SERIES);
  qsort(list, n, sizeof *list, http_suspect_faster);
  for (size_t i = 0; i < n && i < HTTP_SUSPECT_SERIES; i++) {
    fprintf(f, "leakscope_leak_suspect_growth_bytes_per_second{rank=\"%zu\",site=\"", i + 1);
    http_metric_label(f, list[i].site[0] ? list[i].site : "?");
    fprintf(f, "\"} %.17g\n", list[i].bytes_per_second);
  }
}

static void http_metric_put(FILE *f, int index, double value) {
  const http_metric *m = &http_metric_list[index];
  fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", m->name, m->help, m->name, m->type, m->name,
          value);
}

void http_metrics(http_server *h, http_reply *r) {
  char *body = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&body, &len);
  if (f == NULL) {
    http_reply_text(r, 500, "text/plain; charset=utf-8", "out of memory\n");
    return;
  }
  http_stats st;
  http_proc proc = {0, 0};
  char err[256];
  int up = http_agent_stats(h, &st, err, sizeof err) == 0;
  if (up) {
    int have_proc = http_agent_proc_read(st.pid, &proc) == 0;
    size_t nsuspects;
    watch_suspect *suspects = http_agent_suspects(h, &nsuspects);
    double values[] = {(double)st.live_bytes,      (double)st.live_objects,
                       (double)st.allocated_bytes, (double)st.allocations,
                       (double)st.frees,           (double)proc.mapped_bytes,
                       (double)proc.resident_bytes, (double)(st.sample_mode ? st.sample_interval : 0),
                       (double)st.snapshots,       (double)nsuspects,
                       (double)h->budget};
    for (int i = 0; i < (int)(sizeof values / sizeof *values); i++) {
      if (!have_proc && (i == 5 || i == 6)) continue;
      http_metric_put(f, i, values[i]);
    }
    http_metric_suspects(f, suspects, nsuspects);
    free(suspects);
  }
  fprintf(f,
          "# HELP leakscope_up 1 when the target answered the statistics request, 0 otherwise.\n"
          "# TYPE leakscope_up gauge\nleakscope_up %d\n",
          up);
  if (fclose(f) != 0) {
    free(body);
    http_reply_text(r, 500, "text/plain; charset=utf-8", "out of memory\n");
    return;
  }
  r->status = 200;
  r->type = "text/plain; version=0.0.4; charset=utf-8";
  r->body = body;
  r->len = len;
}

void http_metrics_stats_json(http_server *h, http_reply *r) {
  http_stats st;
  http_proc proc;
  char err[256];
  json_t *o = json_object();
  if (o == NULL) {
    http_reply_text(r, 500, "text/plain; charset=utf-8", "out of memory\n");
    return;
  }
  int up = http_agent_stats(h, &st, err, sizeof err) == 0;
  int fails = json_object_set_new(o, "schema", json_string("leakscope-stats/1"));
  fails |= json_object_set_new(o, "up", json_boolean(up));
  if (!up) {
    fails |= json_object_set_new(o, "pid", json_integer(atomic_load(&h->pid)));
    fails |= json_object_set_new(o, "error", json_string(err));
  } else {
    struct {
      const char *key;
      uint64_t value;
    } fields[] = {
        {"live_bytes", st.live_bytes},
        {"live_objects", st.live_objects},
        {"allocated_bytes_total", st.allocated_bytes},
        {"allocations_total", st.allocations},
        {"frees_total", st.frees},
        {"freed_bytes_total", st.freed_bytes},
        {"sampling_interval_bytes", st.sample_mode ? st.sample_interval : 0},
        {"snapshots_total", st.snapshots},
    };
    fails |= json_object_set_new(o, "pid", json_integer(st.pid));
    fails |= json_object_set_new(o, "mode", json_string(st.sample_mode ? "sample" : "full"));
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
      fails |= json_object_set_new(o, fields[i].key, jsontree_u64(fields[i].value));
    if (http_agent_proc_read(st.pid, &proc) == 0) {
      fails |= json_object_set_new(o, "mapped_bytes", jsontree_u64(proc.mapped_bytes));
      fails |= json_object_set_new(o, "resident_bytes", jsontree_u64(proc.resident_bytes));
    }
    size_t nsuspects;
    free(http_agent_suspects(h, &nsuspects));
    fails |= json_object_set_new(o, "leak_suspects", json_integer((json_int_t)nsuspects));
    fails |= json_object_set_new(o, "uptime_seconds", json_real((double)st.uptime_ns / 1e9));
  }
  char *text = fails ? NULL : jsontree_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  if (text == NULL) {
    http_reply_text(r, 500, "text/plain; charset=utf-8", "out of memory\n");
    return;
  }
  http_reply_text(r, up ? 200 : 503, "application/json", "%s\n", text);
  free(text);
}
