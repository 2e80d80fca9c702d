/*
 * snapwrite.c: write one raw snapshot (docs/FORMAT.md): header, module map,
 * the stacks in use, per-stack allocation statistics, the failure counts,
 * and in full mode at exit the leak records of the scan.  Written to
 * NAME.tmp with raw write(2) calls and renamed, so no reader ever sees half
 * a snapshot.  One snapshot is written at a time.
 */
#include "snapwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blocks.h"
#include "failures.h"
#include "lifetimes.h"
#include "modules.h"
#include "options.h"
#include "sampler.h"
#include "stacktab.h"
#include "state.h"
#include "threads.h"

typedef struct {
  int64_t inuse_objects; /* sample mode: x 1000 */
  int64_t inuse_bytes;
} snapwrite_inuse;

static snapwrite_inuse *snapwrite_table;
static int64_t snapwrite_inuse_objects, snapwrite_inuse_bytes; /* sums of the table */
static _Atomic int snapwrite_seq;

static void snapwrite_count_block(uintptr_t ptr, const blocks_info *b, void *arg) {
  if (b->stack == BLOCKS_STACK_INTERNAL || b->stack >= STACKTAB_MAX_IDS) return;
  snapwrite_table[b->stack].inuse_objects++;
  snapwrite_table[b->stack].inuse_bytes += (int64_t)b->size;
}

static void snapwrite_count_sample(uintptr_t ptr, size_t size, uint32_t stack, double weight,
                                   void *arg) {
  snapwrite_table[stack].inuse_objects += (int64_t)(weight * 1000.0 + 0.5);
  snapwrite_table[stack].inuse_bytes += (int64_t)(weight * (double)size + 0.5);
}

static void snapwrite_header(sys_writer *w, const char *reason) {
  sys_put(w, "leakscope-raw 1\n");
  sys_put_field(w, "pid", (uint64_t)ag_state.pid);
  sys_put_field(w, "ppid", (uint64_t)getppid());
  sys_put(w, options_sample_mode() ? "mode sample\n" : "mode full\n");
  sys_put_field(w, "sample_interval", options_sample_mode() ? ag_opt.sample : 0);
  sys_put_field(w, "time_ns", sys_realtime_ns());
  sys_put_field(w, "duration_ns", sys_now_ns() - ag_state.start_ns);
  sys_put(w, "reason ");
  sys_put(w, reason);
  sys_putc(w, '\n');
  if (strcmp(reason, "exit") == 0 && ag_state.exit_status >= 0)
    sys_put_field(w, "exit_code", (uint64_t)ag_state.exit_status);
  if (strcmp(reason, "exit") == 0 && ag_state.exit_signal > 0)
    sys_put_field(w, "signal", (uint64_t)ag_state.exit_signal);
  sys_put(w, "exe ");
  static char path[4096];
  sys_exe_path(path, sizeof path);
  sys_put_escaped(w, path);
  sys_putc(w, '\n');
  static char args[65536];
  ssize_t len = sys_read_file("/proc/self/cmdline", args, sizeof args);
  uint64_t index = 0;
  for (ssize_t i = 0; i < len; i += (ssize_t)strlen(args + i) + 1) {
    sys_put(w, "arg ");
    sys_put_u64(w, index++);
    sys_putc(w, ' ');
    sys_put_escaped(w, args + i);
    sys_putc(w, '\n');
  }
}

/* "warning TEXT" for every warning kept (warnings=snapshot). */
static void snapwrite_warnings(sys_writer *w) {
  for (int i = 0; sys_warning(i) != NULL; i++) {
    sys_put(w, "warning ");
    sys_put_escaped(w, sys_warning(i));
    sys_putc(w, '\n');
  }
}

/* "failure NAME COUNT" for every failure counted so far. */
static void snapwrite_failures(sys_writer *w) {
  for (int k = 0; k < FAILURE_COUNT; k++) {
    uint64_t n = failures_count((failure_kind)k);
    if (n == 0) continue;
    sys_put(w, "failure ");
    sys_put_field(w, failures_name((failure_kind)k), n);
  }
}

/* "lifetime STACK N0 .. N9": sample mode's estimate of the objects of a
 * stack freed after living under 1 us, under 10 us, ..., longer than 100 s. */
static void snapwrite_lifetime(uint32_t stack, const double *died, void *arg) {
  sys_writer *w = arg;
  sys_put(w, "lifetime ");
  sys_put_u64(w, stack);
  for (int b = 0; b < SAMPLER_LIFETIME_BUCKETS; b++) {
    sys_putc(w, ' ');
    sys_put_u64(w, (uint64_t)(died[b] + 0.5));
  }
  sys_putc(w, '\n');
}

static void snapwrite_stacks_and_sites(sys_writer *w) {
  /* first, the "unknown" stack 0 (table full, or no frames) */
  const snapwrite_inuse *in0 = &snapwrite_table[0];
  snapwrite_inuse_objects = snapwrite_inuse_bytes = 0;
  snapwrite_inuse_objects += in0->inuse_objects;
  snapwrite_inuse_bytes += in0->inuse_bytes;
  if (in0->inuse_objects) {
    sys_put(w, "stack 0\nsite 0 0 0 ");
    sys_put_u64(w, (uint64_t)(options_sample_mode() ? (in0->inuse_objects + 500) / 1000 : in0->inuse_objects));
    sys_putc(w, ' ');
    sys_put_u64(w, (uint64_t)in0->inuse_bytes);
    sys_putc(w, '\n');
  }
  uint32_t limit = stacktab_limit();
  for (uint32_t id = 1; id < limit; id++) {
    stacktab_entry *e = stacktab_get(id);
    if (e == NULL) continue;
    uint64_t ao = atomic_load_explicit(&e->alloc_objects, memory_order_relaxed);
    uint64_t ab = atomic_load_explicit(&e->alloc_bytes, memory_order_relaxed);
    const snapwrite_inuse *in = &snapwrite_table[id];
    if (ao == 0 && in->inuse_objects == 0) continue;
    snapwrite_inuse_objects += in->inuse_objects;
    snapwrite_inuse_bytes += in->inuse_bytes;
    sys_put(w, "stack ");
    sys_put_u64(w, id);
    for (uint32_t i = 0; i < e->depth; i++) {
      sys_putc(w, ' ');
      sys_put_hex(w, e->pcs[i]);
    }
    sys_put(w, "\nsite ");
    sys_put_u64(w, id);
    sys_putc(w, ' ');
    if (options_sample_mode()) {
      sys_put_u64(w, (ao + 500) / 1000);
      sys_putc(w, ' ');
      sys_put_u64(w, ab);
      sys_putc(w, ' ');
      sys_put_u64(w, (uint64_t)(in->inuse_objects + 500) / 1000);
    } else {
      sys_put_u64(w, ao);
      sys_putc(w, ' ');
      sys_put_u64(w, ab);
      sys_putc(w, ' ');
      sys_put_u64(w, (uint64_t)in->inuse_objects);
    }
    sys_putc(w, ' ');
    sys_put_u64(w, (uint64_t)in->inuse_bytes);
    sys_putc(w, '\n');
  }
}

static _Atomic uint64_t snapwrite_written;

/* One snapshot at a time (the control thread, a budget dump and the C API
 * may ask at once): the pid of the writing process, 0 when free.  A holder
 * with another pid was a thread of the parent before a fork: taken over. */
static _Atomic pid_t snapwrite_owner;

static void snapwrite_lock(void) {
  pid_t self = sys_getpid();
  for (;;) {
    pid_t expected = 0;
    if (atomic_compare_exchange_strong(&snapwrite_owner, &expected, self)) return;
    if (expected != self && atomic_compare_exchange_strong(&snapwrite_owner, &expected, self)) return;
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

static void snapwrite_unlock(void) { atomic_store(&snapwrite_owner, 0); }

uint64_t snapwrite_count(void) { return atomic_load(&snapwrite_written); }

/* Write one snapshot to path (through path.tmp, or in place when path is
 * a device or a FIFO); the caller holds
 * GUARD_TABLES, since live-table locks are taken here. */
static int snapwrite_file(const char *path, const char *reason, const scan_request *scan,
                          void (*tail)(sys_writer *w)) {
  char tmp[640];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
  if (sys_is_special_file(path)) memcpy(tmp, path, strlen(path) + 1); /* /dev/null: in place */
  int fd = sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 && errno == EACCES && (fd = sys_open(path, O_WRONLY | O_TRUNC, 0)) >= 0)
    memcpy(tmp, path, strlen(path) + 1); /* made for us before a privilege drop: in place */
  if (fd < 0) {
    sys_warn_stderr("cannot write the snapshot file");
    return -1;
  }
  static sys_writer w;
  sys_writer_open(&w, fd);

  size_t table_bytes = (size_t)STACKTAB_MAX_IDS * sizeof *snapwrite_table;
  snapwrite_table = sys_map(table_bytes);
  if (snapwrite_table == NULL) {
    close(fd);
    unlink(tmp);
    return -1;
  }
  if (options_sample_mode()) sampler_foreach(snapwrite_count_sample, NULL);
  else blocks_foreach(snapwrite_count_block, NULL, scan != NULL);

  snapwrite_header(&w, reason);
  modules_write(&w);
  snapwrite_stacks_and_sites(&w);
  if (options_sample_mode()) sampler_foreach_lifetime(snapwrite_lifetime, &w);
  else lifetimes_write(&w, threads_lifetimes());
  sys_unmap(snapwrite_table, table_bytes);
  snapwrite_table = NULL;

  uint64_t agent_bytes = 0; /* in live blocks: not the program's */
  if (scan != NULL && scan_run(&w, scan, &agent_bytes) != 0)
    sys_warn("the leak scan ran out of memory; no leak records written");
  snapwrite_failures(&w);
  snapwrite_warnings(&w);

  /* allocations and frees counted by the threads; in-use from the table
   * (exact in full mode, estimates in sample mode) */
  threads_counts totals = threads_totals();
  int64_t inuse_objects = options_sample_mode() ? (snapwrite_inuse_objects + 500) / 1000 : snapwrite_inuse_objects;
  uint64_t peak = options_sample_mode() ? sampler_peak_bytes() : threads_peak_bytes();
  if (snapwrite_inuse_bytes > 0 && (uint64_t)snapwrite_inuse_bytes > peak) peak = (uint64_t)snapwrite_inuse_bytes;
  sys_put_field(&w, "peak", peak);
  sys_put(&w, "total ");
  sys_put_u64(&w, totals.allocs);
  sys_putc(&w, ' ');
  sys_put_u64(&w, totals.frees);
  sys_putc(&w, ' ');
  sys_put_u64(&w, totals.bytes_allocated);
  sys_putc(&w, ' ');
  sys_put_u64(&w, (uint64_t)inuse_objects);
  sys_putc(&w, ' ');
  sys_put_u64(&w, (uint64_t)snapwrite_inuse_bytes - agent_bytes);
  sys_putc(&w, '\n');
  if (tail != NULL) tail(&w);
  sys_put(&w, "end\n");
  int rc = sys_flush(&w);
  if (close(fd) != 0) rc = -1;
  if (rc != 0 || (strcmp(tmp, path) != 0 && rename(tmp, path) != 0)) {
    if (strcmp(tmp, path) != 0) unlink(tmp);
    sys_warn_stderr("writing the snapshot failed");
    return -1;
  }
  atomic_fetch_add(&snapwrite_written, 1);
  return 0;
}

/* One snapshot at a time, inside the guard (live-table locks are taken). */
static int snapwrite_guarded(const char *path, const char *reason, const scan_request *scan,
                             void (*tail)(sys_writer *w)) {
  int was = guard_enter_self(GUARD_TABLES);
  snapwrite_lock();
  int rc = snapwrite_file(path, reason, scan, tail);
  snapwrite_unlock();
  guard_leave_self(was);
  return rc;
}

int snapwrite(const char *reason, const scan_request *scan) {
  char path[600];
  if (sys_expand_path(ag_opt.out, ag_state.pid, path, sizeof path) != 0) return -1;
  if (strcmp(reason, "exit") != 0) {
    size_t len = strlen(path);
    int seq = atomic_fetch_add(&snapwrite_seq, 1) + 1;
    snprintf(path + len, sizeof path - len, ".%d.%s", seq, reason);
  }
  return snapwrite_guarded(path, reason, scan, NULL);
}

void snapwrite_prepare_for_user(uid_t uid) {
  char path[600], dir[600];
  if (geteuid() != 0 || uid == geteuid() || sys_expand_path(ag_opt.out, ag_state.pid, path, sizeof path) != 0)
    return;
  memcpy(dir, path, sizeof dir);
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = 0;
  else if (slash != NULL) *slash = 0;
  else strcpy(dir, ".");
  struct stat st;
  if (stat(dir, &st) != 0 || (st.st_mode & S_IWOTH) || st.st_uid == uid) return; /* it may write there */
  int saved = errno;
  int fd = sys_open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd >= 0) {
    if (fchown(fd, uid, (gid_t)-1) != 0) unlink(path);
    close(fd);
  }
  errno = saved;
}

int snapwrite_to(const char *path, const char *reason) { return snapwrite_guarded(path, reason, NULL, NULL); }

int snapwrite_live(const char *path, const scan_request *scan, void (*tail)(sys_writer *w)) {
  return snapwrite_guarded(path, "retain", scan, tail);
}
