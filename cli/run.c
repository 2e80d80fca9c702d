/*
 * run.c: `leakscope run [OPTIONS] -- PROG [ARGS...]`: start PROG with the
 * agent preloaded, wait for it, then turn the raw snapshots the agent wrote
 * (one per traced process, plus periodic ones) into the outputs the user
 * asked for.  The exit status is PROG's, unless --error-exitcode applies.
 * Everything that can be checked before PROG starts is (options, the
 * program, the suppressions, that outputs can be written), so a mistake
 * costs one line and exit 2 and PROG is not started.  Starting and waiting
 * for PROG is supervise.c's; this file has the options and the outputs.
 */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze/supp.h"
#include "commands.h"
#include "http/http.h"
#include "model/frames.h"
#include "leakwatch.h"
#include "pipeline/prepare.h"
#include "read/load.h"
#include "render/json.h"
#include "render/pprof_write.h"
#include "render/text.h"
#include "render/trace.h"
#include "render/xml.h"
#include "supervise.h"
#include "util/cgroup.h"
#include "util/msg.h"
#include "util/opt.h"
#include "util/outfile.h"
#include "util/size.h"
#include "util/text.h"
#include "util/vec.h"

/* run's options, in the order --help lists them. */
enum {
  RUN_REPORT, RUN_XML, RUN_PROFILE, RUN_SAMPLE, RUN_INTERVAL, RUN_HTTP, RUN_SUPPRESSIONS,
  RUN_ERROR_EXITCODE, RUN_BUDGET, RUN_TRACE, RUN_CAPTURE_GROWTH, RUN_TRACE_CHILDREN, RUN_DEPTH,
  RUN_SHOW_REACHABLE, RUN_SNAPSHOT_SIGNAL, RUN_QUIET, RUN_LOG_FILE, RUN_OUTPUT_DIR, RUN_SHOW_BELOW_MAIN, RUN_WATCH,
  RUN_WATCH_PERIOD, RUN_GEN_SUPPRESSIONS
};
const opt_spec cmd_run_opts[] = {
    [RUN_REPORT] = {"--report", OPT_VALUE, " FILE", "JSON leak report (%p in FILE = pid)"},
    [RUN_XML] = {"--xml", OPT_VALUE, " FILE", "the findings as Valgrind memcheck XML (protocol 4)"},
    [RUN_PROFILE] = {"--profile", OPT_VALUE, " FILE", "pprof heap profile (gzip'd profile.proto) at exit"},
    [RUN_SAMPLE] = {"--sample", OPT_EQUALS, "[=BYTES]",
                    "sampling mode, mean interval (default 512K)"},
    [RUN_INTERVAL] = {"--interval", OPT_VALUE, " SECONDS", "also write a profile every SECONDS"},
    [RUN_HTTP] = {"--http", OPT_VALUE, " ADDR:PORT", "serve /debug/pprof/heap and /metrics while PROG runs"},
    [RUN_SUPPRESSIONS] = {"--suppressions", OPT_VALUE, " FILE",
                          "Valgrind or LeakSanitizer leak suppressions (repeatable)"},
    [RUN_ERROR_EXITCODE] = {"--error-exitcode", OPT_VALUE, " N",
                            "exit N when unsuppressed definite/indirect/possible leaks exist"},
    /* (its help keeps the three spaces it has always had) */
    [RUN_BUDGET] = {"--budget", OPT_VALUE, " SIZE[,warn|dump|abort]",
                    " live-heap budget and what passing it does; SIZE may be\n"
                    "PCT% of the memory limit of leakscope's cgroup"},
    [RUN_TRACE] = {"--trace", OPT_VALUE, " FILE",
                   "the heap over time as a Chrome trace (Perfetto), one point per\n"
                   "snapshot (every second unless --interval says otherwise)"},
    [RUN_CAPTURE_GROWTH] = {"--capture-growth", OPT_VALUE, " PCT[,SECONDS]",
                            "a profile whenever the live heap passes its mean over\n"
                            "the last SECONDS (default 60) by PCT percent"},
    [RUN_TRACE_CHILDREN] = {"--trace-children", 0, NULL, "also trace programs that PROG execs"},
    [RUN_DEPTH] = {"--depth", OPT_VALUE, " N", "stack frames kept per allocation (default 24, max 64)"},
    [RUN_SHOW_REACHABLE] = {"--show-reachable", 0, NULL,
                            "list indirect and still-reachable records in the text summary too"},
    [RUN_SNAPSHOT_SIGNAL] = {"--snapshot-signal", OPT_VALUE, " SIG",
                             "`kill -SIG PID` makes the agent write a snapshot (with --profile:\n"
                             "a numbered profile)"},
    [RUN_QUIET] = {"--quiet", 0, NULL,
                   "no summary on stderr, and no line saying where outputs went (what\n"
                   "--gen-suppressions asks for is still printed)"},
    [RUN_LOG_FILE] = {"--log-file", OPT_VALUE, " FILE",
                      "leakscope's own output (summary, notes, warnings) to FILE instead\n"
                      "of stderr, the lines of before PROG's start too (%p in FILE =\n"
                      "PROG's pid); an error that stops the run before it stays on stderr"},
    [RUN_OUTPUT_DIR] = {"--output-dir", OPT_VALUE, " DIR",
                        "where the files no option names go (budget and growth profiles,\n"
                        "--http's last profile); default the temporary directory"},
    [RUN_SHOW_BELOW_MAIN] = {"--show-below-main", 0, NULL,
                             "the summary's and the XML's stacks go on below main (libc's\n"
                             "start), as memcheck's option"},
    [RUN_WATCH] = {"--watch", OPT_EQUALS, "[=SECONDS]",
                   "name the allocation sites whose live bytes keep rising through\n"
                   "a window of SECONDS (default 60) while PROG runs"},
    /* the watch's snapshot period (default a thirtieth of the window), for tests */
    [RUN_WATCH_PERIOD] = {"--watch-period", OPT_VALUE | OPT_HIDDEN, NULL, NULL},
    [RUN_GEN_SUPPRESSIONS] = {"--gen-suppressions", OPT_EQUALS, "[=all|lsan]",
                              "after the summary, a suppression for every unsuppressed loss record:\n"
                              "Valgrind's format (all, the default) or LeakSanitizer's (lsan)"},
    {NULL, 0, NULL, NULL},
};

/* An integer option's value in min..max into *out; -1 after one line. */
static int run_parse_int(const char *name, const char *v, int min, int max, int *out) {
  char *end;
  long n = strtol(v, &end, 10);
  if (*end != 0 || n < min || n > max) {
    errorf("bad %s value '%s' (want %d..%d)", name, v, min, max);
    return -1;
  }
  *out = (int)n;
  return 0;
}

/* A signal by number or name ("USR2", "SIGUSR2", "RTMIN+3"); 0 if unknown. */
static int run_parse_signal(const char *s) {
  if (strncmp(s, "SIG", 3) == 0) s += 3;
  char *end;
  long n = strtol(s, &end, 10);
  if (*s && *end == 0) return n > 0 && n < NSIG ? (int)n : 0;
  if (strncmp(s, "RTMIN+", 6) == 0 || strncmp(s, "RTMAX-", 6) == 0) {
    long k = strtol(s + 6, &end, 10);
    if (*end || k < 0) return 0;
    int sig = s[3] == 'I' ? SIGRTMIN + (int)k : SIGRTMAX - (int)k;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : 0;
  }
  for (int sig = 1; sig < NSIG; sig++) {
    const char *name = sigabbrev_np(sig);
    if (name != NULL && strcmp(name, s) == 0) return sig;
  }
  return 0;
}

/* --budget PCT%: that share of the cgroup's memory limit, in o->budget;
 * -1 after one line when there is no limit. */
static int run_budget_of_cgroup(run_options *o) {
  uint64_t limit;
  char err[512];
  if (cgroup_memory_limit(&limit, o->budget_limit_file, sizeof o->budget_limit_file, err, sizeof err) != 0) {
    errorf("--budget %g%%: %s; give the budget in bytes instead", o->budget_percent, err);
    return -1;
  }
  o->budget_limit = limit;
  o->budget = (uint64_t)((double)limit * o->budget_percent / 100);
  if (o->budget == 0) o->budget = 1;
  return 0;
}

static int run_parse_options(int argc, char **argv, run_options *o) {
  memset(o, 0, sizeof *o);
  o->error_exitcode = -1;
  o->depth = 24;
  int i = 0;
  for (; i < argc; i++) {
    const char *a = argv[i], *v;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-') {
      /* "--sample 64K PROG": was 64K meant as the value, which only "=" gives? */
      for (int k = 0; i > 0 && cmd_run_opts[k].name != NULL; k++)
        if ((cmd_run_opts[k].flags & OPT_EQUALS) && strcmp(argv[i - 1], cmd_run_opts[k].name) == 0)
          o->optional_before_prog = cmd_run_opts[k].name;
      break;
    }
    switch (opt_next(cmd_run_opts, argc, argv, &i, "run", &v)) {
    case OPT_BAD: return -1;
    case OPT_ARG:
    case OPT_UNKNOWN:
      opt_unknown(cmd_run_opts, "run", a);
      return -1;
    case RUN_REPORT: o->report = v; break;
    case RUN_XML: o->xml = v; break;
    case RUN_PROFILE: o->profile = v; break;
    case RUN_TRACE: o->trace = v; break;
    case RUN_HTTP: o->http = v; break;
    case RUN_SAMPLE:
      if (v == NULL) {
        o->sample = 512 * 1024;
      } else {
        if (size_parse(v, &o->sample) != 0 || o->sample == 0) {
          errorf("bad --sample value '%s' (want BYTES, e.g. 512K)", v);
          return -1;
        }
      }
      break;
    case RUN_INTERVAL: {
      char *end;
      o->interval = strtod(v, &end);
      if (*end != 0 || !(o->interval > 0)) {
        errorf("bad --interval value '%s' (want SECONDS > 0)", v);
        return -1;
      }
      break;
    }
    case RUN_SUPPRESSIONS:
      if (o->nsupp == RUN_MAX_SUPP) {
        errorf("too many --suppressions files");
        return -1;
      }
      o->supp[o->nsupp++] = v;
      break;
    case RUN_ERROR_EXITCODE:
      if (run_parse_int("--error-exitcode", v, 0, 255, &o->error_exitcode) != 0) return -1;
      break;
    case RUN_BUDGET: {
      char size[64];
      const char *comma = strchr(v, ',');
      snprintf(size, sizeof size, "%.*s", comma ? (int)(comma - v) : (int)strlen(v), v);
      size_t len = strlen(size);
      char *end = NULL;
      int percent = len > 0 && size[len - 1] == '%';
      if (percent) o->budget_percent = strtod(size, &end);
      uint64_t b = 0;
      int bad_size = !percent && (size_parse(size, &b) != 0 || b == 0);
      const char *action = comma ? comma + 1 : "warn";
      if ((percent ? end != size + len - 1 || !(o->budget_percent > 0 && o->budget_percent <= 100) : bad_size) ||
          (strcmp(action, "warn") && strcmp(action, "dump") && strcmp(action, "abort"))) {
        errorf("bad --budget value '%s' (want SIZE[,warn|dump|abort], or PERCENT%% of the cgroup's memory limit, "
               "up to 100%%)", v);
        return -1;
      }
      o->budget = b;
      o->budget_action = action;
      break;
    }
    case RUN_CAPTURE_GROWTH: {
      char *end;
      o->growth_percent = strtod(v, &end);
      o->growth_window = 60;
      if (*end == ',') o->growth_window = strtod(end + 1, &end);
      if (*end != 0 || !(o->growth_percent > 0) || !(o->growth_window >= 1 && o->growth_window <= 3600)) {
        errorf("bad --capture-growth value '%s' (want PERCENT[,SECONDS], SECONDS 1..3600)", v);
        return -1;
      }
      break;
    }
    case RUN_WATCH:
      if (leakwatch_parse_window(v, &o->watch) != 0) return -1;
      break;
    case RUN_WATCH_PERIOD:
      if (leakwatch_parse_period(v, &o->watch_period) != 0) return -1;
      break;
    case RUN_TRACE_CHILDREN: o->trace_children = 1; break;
    case RUN_QUIET: o->quiet = 1; break;
    case RUN_SHOW_BELOW_MAIN: o->show_below_main = 1; break;
    case RUN_GEN_SUPPRESSIONS:
      o->gen_suppressions = 1;
      if (render_supp_gen_format(v, &o->gen_format) != 0) {
        errorf("bad --gen-suppressions value '%s' (want all or lsan)", v);
        return -1;
      }
      break;
    case RUN_LOG_FILE: o->log_file = v; break;
    case RUN_OUTPUT_DIR: o->output_dir = v; break;
    case RUN_SHOW_REACHABLE: o->show_reachable = 1; break;
    case RUN_SNAPSHOT_SIGNAL:
      o->snapshot_signal = run_parse_signal(v);
      if (o->snapshot_signal <= 0) {
        errorf("bad --snapshot-signal value '%s' (want a number or a name like USR2)", v);
        return -1;
      }
      break;
    case RUN_DEPTH:
      if (run_parse_int("--depth", v, 1, 64, &o->depth) != 0) return -1;
      break;
    }
  }
  if (i >= argc) {
    errorf("no program given (leakscope run [OPTIONS] -- PROG [ARGS...])");
    return -1;
  }
  o->prog_argv = argv + i;
  if (o->budget_percent > 0 && run_budget_of_cgroup(o) != 0) return -1;
  if (leakwatch_settle(o->http != NULL, &o->watch, &o->watch_period, &o->watch_announce) != 0) return -1;
  if (o->interval > 0 && o->profile == NULL && o->http == NULL) {
    errorf("--interval needs --profile FILE (where the profiles go)");
    return -1;
  }
  return 0;
}

/* Can a file be created at path (with %p expanded to a sample pid)? */
static int run_check_writable(const char *pattern) {
  char path[PATH_MAX], tmp[PATH_MAX + 32];
  outfile_expand_pid(pattern, getpid(), path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.leakscope-probe", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return -1;
  close(fd);
  unlink(tmp);
  return 0;
}

/* The output name for a process: the pattern with %p, or for a process
 * other than the main one when there is no %p, NAME.PID. */
static void run_output_name(const char *pattern, int pid, int is_main, char *out, size_t outlen) {
  if (is_main || strstr(pattern, "%p") != NULL) {
    outfile_expand_pid(pattern, pid, out, outlen);
  } else {
    char base[PATH_MAX - 16];
    outfile_expand_pid(pattern, pid, base, sizeof base);
    snprintf(out, outlen, "%s.%d", base, pid);
  }
}

/* A periodic profile's name: NAME.pb.gz -> NAME.N.pb.gz, otherwise NAME.N. */
static void run_numbered_name(const char *pattern, int pid, int seq, char *out, size_t outlen) {
  char base[PATH_MAX - 16];
  outfile_expand_pid(pattern, pid, base, sizeof base);
  size_t n = strlen(base);
  if (n > 6 && strcmp(base + n - 6, ".pb.gz") == 0)
    snprintf(out, outlen, "%.*s.%d.pb.gz", (int)(n - 6), base, seq);
  else
    snprintf(out, outlen, "%s.%d", base, seq);
}

static int run_has_leaks(const snapshot *snap) {
  return snap->summary[SNAP_DEFINITE].blocks + snap->summary[SNAP_INDIRECT].blocks +
             snap->summary[SNAP_POSSIBLE].blocks > 0;
}

/* Do the exit outputs show function names?  Only the heap summary does not. */
static int run_outputs_need_symbols(const run_options *o, const snapshot *snap) {
  return o->report || o->xml || o->profile || o->trace || snap->has_leak_check;
}

/* Load one exit snapshot and prepare it: symbolized when an output needs
 * it, suppressions applied, retention when a report shows it, records
 * sorted. */
static snapshot *run_load_snapshot(const run_options *o, const char *raw, supp_set **supp,
                                   int nsupp, int exit_code) {
  char err[512];
  snapshot *snap = load_snapshot(raw, err, sizeof err);
  if (snap == NULL) {
    errorf("%s", err);
    return NULL;
  }
  prepare_opts p = {PREPARE_SUPPRESS | PREPARE_SORT, supp, nsupp};
  if (run_outputs_need_symbols(o, snap)) p.flags |= PREPARE_SYMBOLIZE_WARN;
  if (o->report) p.flags |= PREPARE_RETAIN_WARN;
  if (prepare_snapshot(snap, &p, err, sizeof err) != 0) { /* it only warns: cannot happen */
    errorf("%s", err);
    snap_free(snap);
    return NULL;
  }
  if (exit_code >= 0) snap->exit_code = exit_code; /* else what the agent saw, if anything */
  return snap;
}

/* What the agent said about the process, on stderr with its pid, as
 * memcheck prints its notes: the fatal signal that ended it, the agent's
 * own warnings, and what it lost for lack of room. */
static void run_agent_notes(const snapshot *snap) {
  if (snap->signal > 0) {
    const char *abbrev = sigabbrev_np(snap->signal);
    fprintf(stderr, "==%d== Process terminating with default action of signal %d (SIG%s)\n", snap->pid,
            snap->signal, abbrev ? abbrev : "?");
  }
  for (uint32_t i = 0; i < snap->nwarnings; i++) fprintf(stderr, "==%d== leakscope: %s\n", snap->pid, snap->warnings[i]);
  for (uint32_t i = 0; i < snap->nfailures; i++)
    fprintf(stderr, "==%d== leakscope: the agent ran out of room: %llu %s lost (the results are incomplete)\n",
            snap->pid, (unsigned long long)snap->failures[i].count, snap->failures[i].name);
}

/* The memcheck-style text on stderr: the leak summary when the exit scan
 * ran (whatever files are written too), else the heap summary when no
 * file is.  --quiet leaves only the suppressions --gen-suppressions asked
 * for (as valgrind -q does). */
static void run_summary(const run_options *o, const snapshot *snap, const char *report_path) {
  if (o->quiet) {
    if (snap->has_leak_check && o->gen_suppressions) render_supp_gen(stderr, snap, o->gen_format);
    return;
  }
  if (snap->has_leak_check) {
    render_text_summary(stderr, snap, 10, o->show_reachable, o->show_below_main ? FRAMES_BELOW_MAIN : 0);
    if (o->gen_suppressions) render_supp_gen(stderr, snap, o->gen_format);
    if (snap->summary[SNAP_REACHABLE].bytes > 0 && report_path != NULL)
      fprintf(stderr, "==%d== leakscope retain %s shows who holds the still reachable memory\n", snap->pid,
              report_path);
    else if (snap->summary[SNAP_REACHABLE].bytes > 0)
      fprintf(stderr, "==%d== Rerun with --report FILE, then leakscope retain FILE, to see who holds the "
                      "still reachable memory\n", snap->pid);
  } else if (!o->report && !o->profile && !o->xml) {
    render_text_heap_summary(stderr, snap);
  }
}

/* Outputs for one process's exit snapshot (the main one's report has the
 * leak watch's suspects, with --watch); returns 1 if it has leaks, -1 on a
 * write error. */
static int run_outputs(const run_options *o, snapshot *snap, int is_main, leakwatch *lw) {
  char err[512], path[PATH_MAX], report_path[PATH_MAX];
  int rc = run_has_leaks(snap);
  fflush(stdout);
  run_agent_notes(snap);
  if (o->report) run_output_name(o->report, snap->pid, is_main, report_path, sizeof report_path);
  run_summary(o, snap, o->report ? report_path : NULL);
  if (o->report) {
    json_t *suspects = lw != NULL && o->watch_announce ? leakwatch_report(lw) : NULL;
    if (render_json_report_suspects(snap, suspects, report_path, err, sizeof err) != 0) {
      errorf("%s", err);
      rc = -1;
    } else if (!o->quiet) {
      notef("report of process %d written to %s", snap->pid, report_path);
    }
  }
  if (o->xml) {
    run_output_name(o->xml, snap->pid, is_main, path, sizeof path);
    if (render_xml(snap, path, o->show_below_main ? FRAMES_BELOW_MAIN : 0, err, sizeof err) != 0) {
      errorf("%s", err);
      rc = -1;
    } else if (!o->quiet) {
      notef("memcheck XML of process %d written to %s", snap->pid, path);
    }
  }
  if (o->profile) {
    run_output_name(o->profile, snap->pid, is_main, path, sizeof path);
    if (pprof_write(snap, path, err, sizeof err) != 0) {
      errorf("%s", err);
      rc = -1;
    } else if (!o->quiet) {
      notef("heap profile of process %d written to %s", snap->pid, path);
    }
  }
  return rc;
}

/* The periodic snapshots while PROG runs: where they appear (dir), what
 * they left so far: the last profile number, the last growth capture's
 * profile (the base for the next one's diff), and the trace being built
 * (--trace, of the main process only). */
typedef struct {
  const run_options *o;
  const char *dir;
  int seq;
  char last_growth[PATH_MAX];
  trace_log *trace;
  int main_pid;
  leakwatch *watch;   /* --watch (or --http), else NULL */
} run_periodic;

/* One periodic snapshot file: OUT.PID.SEQ.REASON in the run's directory. */
typedef struct {
  int pid, seq;
  char reason[32];
  char name[NAME_MAX + 1];
} run_snapshot_file;

static int run_snapshot_file_order(const void *pa, const void *pb) {
  const run_snapshot_file *a = pa, *b = pb;
  return a->seq != b->seq ? (a->seq < b->seq ? -1 : 1) : (a->pid < b->pid ? -1 : a->pid > b->pid);
}

#define RUN_BUDGET_SITES 3 /* the largest sites a budget message names */

/* "live heap 12.0 MiB passed the budget of 10.0 MiB (80% of the cgroup's
 * memory limit 12.5 MiB, FILE); largest sites 8.0 MiB at f (x.c:3), ..."
 * for a budget snapshot, then what was done about it. */
static void run_budget_message(const run_options *o, const snapshot *snap, const char *profile) {
  char live[32], budget[32], limit[32], of[PATH_MAX + 96] = "", sites[RUN_BUDGET_SITES * 240] = "";
  text_human((int64_t)snap->inuse_bytes, 1, live, sizeof live);
  text_human((int64_t)o->budget, 1, budget, sizeof budget);
  if (o->budget_percent > 0) {
    text_human((int64_t)o->budget_limit, 1, limit, sizeof limit);
    snprintf(of, sizeof of, " (%g%% of the cgroup's memory limit %s, %s)", o->budget_percent, limit,
             o->budget_limit_file);
  }
  uint32_t top[RUN_BUDGET_SITES];
  int ntop = 0;
  for (uint32_t i = 0; i < snap->nsites; i++) { /* the largest few, largest first */
    if (snap->sites[i].inuse_bytes <= 0 || snap->stacks[snap->sites[i].stack].nlocs == 0) continue;
    int at = ntop < RUN_BUDGET_SITES ? ntop++ : RUN_BUDGET_SITES;
    while (at > 0 && snap->sites[top[at - 1]].inuse_bytes < snap->sites[i].inuse_bytes) {
      if (at < RUN_BUDGET_SITES) top[at] = top[at - 1];
      at--;
    }
    if (at < RUN_BUDGET_SITES) top[at] = i;
  }
  size_t used = 0;
  for (int k = 0; k < ntop; k++) {
    const snap_site *site = &snap->sites[top[k]];
    char bytes[32], frame[200];
    text_human(site->inuse_bytes, 1, bytes, sizeof bytes);
    render_text_frame(snap, &snap->locations[snap->stacks[site->stack].locs[0]], 0, frame, sizeof frame);
    text_append(sites, sizeof sites, &used, "%s%s at %s", k ? ", " : ntop > 1 ? "; largest sites " : "; largest site ",
                bytes, frame);
  }
  const char *then = strcmp(o->budget_action, "abort") == 0 ? "; the program is aborted, as asked" : "";
  if (profile != NULL)
    warnf("live heap %s passed the budget of %s%s%s: profile written to %s%s", live, budget, of, sites, profile, then);
  else
    warnf("live heap %s passed the budget of %s%s%s%s", live, budget, of, sites, then);
}

/* Profiles and trace points from one periodic snapshot. */
static void run_use_periodic(const run_options *o, const char *raw, const run_snapshot_file *f,
                             run_periodic *state) {
  char out[PATH_MAX], err[512];
  if (strcmp(f->reason, "watch") == 0) { /* the leak watch's alone (a forked child's are dropped) */
    if (state->watch != NULL && f->pid == state->main_pid) leakwatch_snapshot(state->watch, raw);
    return;
  }
  /* budget dumps and growth captures are kept even without --profile: they
   * are what the user asked for; clock snapshots asked for by --trace alone
   * make no profiles */
  int budget = strcmp(f->reason, "budget") == 0, growth = strcmp(f->reason, "growth") == 0;
  int budget_profile = budget && strcmp(o->budget_action, "warn") != 0; /* dump, abort */
  int profile = budget_profile || growth || (o->profile && !budget && (strcmp(f->reason, "interval") != 0 || o->interval > 0));
  if (budget && !budget_profile) { /* warn: only the message, with the sites */
    prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
    snapshot *snap = prepare_load(raw, &p, err, sizeof err);
    if (snap == NULL) warnf("%s", err);
    else run_budget_message(o, snap, NULL);
    snap_free(snap);
  }
  int traced = state->trace != NULL && f->pid == state->main_pid;
  if (!profile && !traced) return;
  prepare_opts p = {.flags = PREPARE_SYMBOLIZE_WARN};
  snapshot *snap = prepare_load(raw, &p, err, sizeof err);
  if (snap == NULL) {
    warnf("%s", err);
    return;
  }
  if (traced && trace_add(state->trace, snap) != 0) warnf("--trace: out of memory");
  if (profile) {
    char unnamed[PATH_MAX];
    outfile_in_dir(o->output_dir, growth ? "leakscope-growth.%p.pb.gz" : "leakscope-budget.%p.pb.gz", unnamed,
                   sizeof unnamed);
    run_numbered_name(o->profile ? o->profile : unnamed, f->pid, ++state->seq, out, sizeof out);
    if (pprof_write(snap, out, err, sizeof err) != 0) {
      warnf("%s", err);
    } else if (budget) {
      run_budget_message(o, snap, out);
    } else if (growth) {
      if (state->last_growth[0])
        warnf("live heap passed its recent mean by over %g%% (now %llu bytes): profile written to %s; "
              "leakscope diff %s %s shows what grew",
              o->growth_percent, (unsigned long long)snap->inuse_bytes, out, state->last_growth, out);
      else
        warnf("live heap passed its recent mean by over %g%% (now %llu bytes): profile written to %s",
              o->growth_percent, (unsigned long long)snap->inuse_bytes, out);
      snprintf(state->last_growth, sizeof state->last_growth, "%s", out);
    }
  }
  snap_free(snap);
}

/* Use and remove the periodic snapshots that appeared in dir, oldest first;
 * returns how many. */
static int run_collect_periodic(const run_options *o, const char *dir, run_periodic *state) {
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  run_snapshot_file *files = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    run_snapshot_file f;
    int consumed = 0;
    if (sscanf(e->d_name, "raw.%d.%d.%31[a-z]%n", &f.pid, &f.seq, f.reason, &consumed) != 3 ||
        e->d_name[consumed] != 0 || strcmp(f.reason, "http") == 0) /* the HTTP server's own */
      continue;
    if (vec_reserve(&files, &cap, n + 1, sizeof *files) != 0) break; /* the rest waits for the next pass */
    snprintf(f.name, sizeof f.name, "%s", e->d_name);
    files[n++] = f;
  }
  closedir(d);
  if (n > 1) qsort(files, n, sizeof *files, run_snapshot_file_order); /* qsort wants a non-NULL array */
  for (size_t i = 0; i < n; i++) {
    char raw[PATH_MAX];
    snprintf(raw, sizeof raw, "%s/%s", dir, files[i].name);
    run_use_periodic(o, raw, &files[i], state);
    unlink(raw);
  }
  free(files);
  return (int)n;
}

/* supervise_wait's tick: the periodic snapshots so far. */
static void run_poll(void *ctx) {
  run_periodic *state = ctx;
  run_collect_periodic(state->o, state->dir, state);
}

/* The programs the traced processes executed, which were not traced (the
 * agent leaves raw.PID.exec, holding the path, before each exec, and
 * raw.PID.exec.N for each program it starts without a fork): a hint
 * about --trace-children.  Returns 1 when the main process itself exec'd. */
static int run_exec_hints(const run_options *o, const char *dir, pid_t main_pid) {
  if (o->trace_children) return 0;
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  int main_execd = 0, count = 0;
  char names[3][128];
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int pid, consumed = 0, nth = 0, after = 0;
    if (sscanf(e->d_name, "raw.%d.exec%n", &pid, &consumed) != 1) continue;
    /* raw.PID.exec.N: the Nth program PID started by posix_spawn, system or popen */
    if (e->d_name[consumed] != 0 &&
        (sscanf(e->d_name + consumed, ".%d%n", &nth, &after) != 1 || e->d_name[consumed + after] != 0))
      continue;
    char path[PATH_MAX], program[PATH_MAX] = "";
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
      if (fgets(program, sizeof program, f) != NULL) program[strcspn(program, "\n")] = 0;
      fclose(f);
    }
    if (pid == main_pid && nth == 0) {
      main_execd = 1;
      warnf("%s executed %s, which was not traced: its leaks are not reported (--trace-children traces "
            "the programs it runs)", o->prog_argv[0], program[0] ? program : "another program");
      continue;
    }
    if (count < 3) snprintf(names[count], sizeof names[count], "%s", text_basename(program));
    count++;
  }
  closedir(d);
  if (count > 0)
    warnf("%d program%s that %s ran (%s%s%s%s%s%s) %s not traced; --trace-children traces them", count,
          count > 1 ? "s" : "", o->prog_argv[0], names[0], count > 1 ? ", " : "", count > 1 ? names[1] : "",
          count > 2 ? ", " : "", count > 2 ? names[2] : "", count > 3 ? ", ..." : "", count > 1 ? "were" : "was");
  return main_execd;
}

/* --log-file: from now on (PROG has started, with the stderr it was
 * given) leakscope's own stderr goes to the file, %p being PROG's pid;
 * first the lines held back since the options were read. */
static void run_log_to(const char *pattern, int pid) {
  char path[PATH_MAX];
  outfile_expand_pid(pattern, pid, path, sizeof path);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int log_errno = errno;
  if (fd >= 0 && dup2(fd, STDERR_FILENO) < 0) {
    log_errno = errno;
    close(fd);
    fd = -1;
  }
  msg_release();
  if (fd < 0) warnf("cannot log to %s: %s (the log stays on stderr)", path, strerror(log_errno));
  if (fd >= 0 && fd != STDERR_FILENO) close(fd);
}

/* The run's private directory, and the snapshots left in it. */
static void run_remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d != NULL) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_name[0] == '.') continue;
      char path[PATH_MAX];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

int cmd_run(int argc, char **argv) {
  run_options o;
  if (run_parse_options(argc, argv, &o) != 0) return EXIT_USAGE;
  if (o.log_file != NULL) msg_hold(); /* until the log is open (PROG's pid names it) */
  char prog[PATH_MAX], agent[PATH_MAX];
  if (supervise_find_program(o.prog_argv[0], prog, sizeof prog) != 0) {
    if (o.optional_before_prog != NULL)
      errorf("cannot run %s: %s (%s takes a value only as %s=%s)", o.prog_argv[0], strerror(errno),
             o.optional_before_prog, o.optional_before_prog, o.prog_argv[0]);
    else
      errorf("cannot run %s: %s", o.prog_argv[0], strerror(errno));
    return EXIT_USAGE;
  }
  if (supervise_find_agent(agent, sizeof agent) != 0) {
    errorf("cannot find libleakscope.so beside the leakscope command (set LEAKSCOPE_AGENT)");
    return EXIT_USAGE;
  }
  supp_set *supp[RUN_MAX_SUPP];
  char err[512];
  for (int i = 0; i < o.nsupp; i++) {
    if ((supp[i] = supp_load(o.supp[i], err, sizeof err)) == NULL) {
      errorf("%s", err);
      return EXIT_USAGE;
    }
  }
  char dir_probe[PATH_MAX];
  outfile_in_dir(o.output_dir, "leakscope-output.%p" /* %p: runs at once probe apart */, dir_probe, sizeof dir_probe);
  const char *outputs[] = {o.report, o.xml, o.profile, o.trace, o.log_file, dir_probe};
  for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++) {
    if (outputs[i] && run_check_writable(outputs[i]) != 0) {
      if (i == 5) errorf("cannot write in %s: %s", o.output_dir ? o.output_dir : "the temporary directory", strerror(errno));
      else errorf("cannot write %s: %s", outputs[i], strerror(errno));
      return EXIT_USAGE;
    }
  }
  char dir[] = "/tmp/leakscope.XXXXXX";
  if (mkdtemp(dir) == NULL) {
    errorf("cannot make a temporary directory: %s", strerror(errno));
    return EXIT_USAGE;
  }
  /* Run as root, PROG may drop its privileges (or fork children that do):
   * they must still be able to write their snapshots here, so others may
   * create files in the directory, not list or remove anyone else's. */
  if (geteuid() == 0 && chmod(dir, 01733) != 0) warnf("cannot open %s to children that drop privileges", dir);
  leakwatch *lw = NULL;
  if (o.watch > 0 && (lw = leakwatch_new(o.watch, o.watch_period, o.sample, dir, o.output_dir, o.watch_announce, 1)) == NULL) {
    errorf("--watch: out of memory");
    run_remove_dir(dir);
    return EXIT_USAGE;
  }
  http_server *http = NULL;
  if (o.http != NULL && (http = http_start(o.http, dir, lw ? leakwatch_watch(lw) : NULL, err, sizeof err)) == NULL) {
    errorf("%s", err);
    leakwatch_free(lw);
    run_remove_dir(dir);
    return EXIT_USAGE;
  }

  /* the agent takes requests (control) whether or not the HTTP server
   * runs: `leakscope retain --pid` asks for live retention snapshots */
  pid_t child = supervise_start(&o, prog, agent, dir, 1);
  if (child < 0) {
    leakwatch_free(lw);
    run_remove_dir(dir);
    return EXIT_USAGE;
  }
  if (http) {
    http_set_target(http, child);
    http_set_budget(http, o.budget);
    http_keep_in(http, o.output_dir);
  }
  if (o.log_file != NULL) run_log_to(o.log_file, (int)child);

  /* Snapshots may arrive while PROG runs (interval, signal, budget dumps):
   * then poll for them; otherwise just wait. */
  run_periodic periodic = {.o = &o, .dir = dir};
  periodic.main_pid = (int)child;
  periodic.watch = lw;
  if (o.trace != NULL && (periodic.trace = trace_new()) == NULL) warnf("--trace: out of memory");
  int collect = o.interval > 0 || o.snapshot_signal > 0 || o.budget > 0 || o.growth_percent > 0 ||
                o.trace != NULL || o.watch > 0;
  int status = supervise_wait(child, collect ? run_poll : NULL, &periodic);
  int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run_collect_periodic(&o, dir, &periodic);
  if (http) http_stop(http);

  /* the exit snapshots: the main process's, then its forked children's */
  int leaks = 0, failed = 0;
  int main_execd = run_exec_hints(&o, dir, child);
  char main_raw[PATH_MAX];
  snprintf(main_raw, sizeof main_raw, "%s/raw.%d", dir, (int)child);
  if (access(main_raw, R_OK) == 0) {
    snapshot *snap = run_load_snapshot(&o, main_raw, supp, o.nsupp, exit_code);
    if (snap != NULL) {
      if (periodic.trace != NULL && trace_add(periodic.trace, snap) != 0) warnf("--trace: out of memory");
      int rc = run_outputs(&o, snap, 1, lw);
      leaks |= rc > 0;
      failed |= rc < 0;
      snap_free(snap);
    } else {
      failed = 1;
    }
  } else if (!main_execd) {
    if (WIFSIGNALED(status))
      warnf("no report from %s: it was killed by signal %d (SIG%s) before the agent could write one", o.prog_argv[0],
            WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
    else
      warnf("no snapshot from %s (the agent could not load, or it did not start)", o.prog_argv[0]);
  }
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    int pid, consumed = 0;
    if (sscanf(e->d_name, "raw.%d%n", &pid, &consumed) != 1 || e->d_name[consumed] != 0 || pid == child)
      continue;
    char raw[PATH_MAX];
    snprintf(raw, sizeof raw, "%s/%s", dir, e->d_name);
    snapshot *snap = run_load_snapshot(&o, raw, supp, o.nsupp, -1);
    if (snap == NULL) continue;
    int rc = run_outputs(&o, snap, 0, NULL);
    leaks |= rc > 0;
    snap_free(snap);
  }
  if (d) closedir(d);
  if (periodic.trace != NULL) {
    if (trace_write(periodic.trace, o.trace, text_basename(o.prog_argv[0]), (int)child, err, sizeof err) != 0) {
      errorf("%s", err);
      failed = 1;
    } else if (!o.quiet) {
      notef("trace written to %s", o.trace);
    }
    trace_free(periodic.trace);
  }
  leakwatch_free(lw);
  run_remove_dir(dir);
  for (int i = 0; i < o.nsupp; i++) supp_free(supp[i]);
  if (failed && exit_code == 0) return EXIT_USAGE;
  if (leaks && o.error_exitcode >= 0) return o.error_exitcode;
  if (WIFSIGNALED(status)) supervise_die_like(WTERMSIG(status));
  return exit_code;
}
