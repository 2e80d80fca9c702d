/*
 * snapwrite.c: write one raw snapshot (docs/FORMAT.md): header, module map,
 * the stacks in use, per-stack allocation statistics, and in full mode at
 * exit the leak records of the scan.  Written to NAME.tmp with raw write(2)
 * calls and renamed, so no reader ever sees half a snapshot.  The exit
 * snapshot is named by the `out` option (%p = pid); the others get
 * ".SEQ.REASON" appended; snapwrite_to() writes to a path the caller names
 * (the C API).  One snapshot is written at a time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

typedef struct {
  int64_t inuse_objects; /* sample mode: x 1000 */
  int64_t inuse_bytes;
} snapwrite_inuse;

static snapwrite_inuse *snapwrite_table;
static int64_t snapwrite_inuse_objects, snapwrite_inuse_bytes; /* sums of the table */
static _Atomic int snapwrite_seq;

static void snapwrite_count_live(uintptr_t ptr, size_t size, uint32_t stack, void *arg) {
  if (stack == LIVE_STACK_INTERNAL) return;
  snapwrite_table[stack].inuse_objects++;
  snapwrite_table[stack].inuse_bytes += (int64_t)size;
}

static void snapwrite_count_sample(uintptr_t ptr, size_t size, uint32_t stack, double weight,
                                   void *arg) {
  snapwrite_table[stack].inuse_objects += (int64_t)(weight * 1000.0 + 0.5);
  snapwrite_table[stack].inuse_bytes += (int64_t)(weight * (double)size + 0.5);
}

static void snapwrite_header(sys_writer *w, const char *reason) {
  sys_put(w, "leakscope-raw 1\npid ");
  sys_put_u64(w, (uint64_t)ag_pid);
  sys_put(w, "\nppid ");
  sys_put_u64(w, (uint64_t)getppid());
  sys_put(w, ag_opt.sample_mode ? "\nmode sample\nsample_interval " : "\nmode full\nsample_interval ");
  sys_put_u64(w, ag_opt.sample_mode ? ag_opt.sample_interval : 0);
  sys_put(w, "\ntime_ns ");
  sys_put_u64(w, sys_realtime_ns());
  sys_put(w, "\nduration_ns ");
  sys_put_u64(w, sys_now_ns() - ag_start_ns);
  sys_put(w, "\nreason ");
  sys_put(w, reason);
  if (strcmp(reason, "exit") == 0 && ag_exit_status >= 0) {
    sys_put(w, "\nexit_code ");
    sys_put_u64(w, (uint64_t)ag_exit_status);
  }
  sys_put(w, "\nexe ");
  static char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  path[n > 0 ? n : 0] = 0;
  sys_put_escaped(w, path);
  sys_putc(w, '\n');
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    static char args[65536];
    ssize_t len = read(fd, args, sizeof args - 1);
    close(fd);
    if (len > 0) {
      args[len] = 0;
      uint64_t index = 0;
      for (ssize_t i = 0; i < len; i += (ssize_t)strlen(args + i) + 1) {
        sys_put(w, "arg ");
        sys_put_u64(w, index++);
        sys_putc(w, ' ');
        sys_put_escaped(w, args + i);
        sys_putc(w, '\n');
      }
    }
  }
}

/* "lifetime STACK N0 .. N9": sample mode's estimate of the objects of a
 * stack freed after living under 1 us, under 10 us, ..., longer than 100 s. */
static void snapwrite_lifetime(uint32_t stack, const double *died, void *arg) {
  sys_writer *w = arg;
  sys_put(w, "lifetime ");
  sys_put_u64(w, stack);
  for (int b = 0; b < AG_LIFETIME_BUCKETS; b++) {
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
    sys_put_u64(w, (uint64_t)(ag_opt.sample_mode ? (in0->inuse_objects + 500) / 1000 : in0->inuse_objects));
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
    if (ag_opt.sample_mode) {
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

/* Write one snapshot to path (through path.tmp). */
static int snapwrite_file(const char *path, const char *reason, const threads_stopped *threads,
                          int nthreads, uintptr_t self_sp, int leak_check) {
  char tmp[640];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    sys_warn("cannot write the snapshot file");
    return -1;
  }
  int saved_in_table = ag_in_table;
  ag_in_table = 1; /* live-table locks are taken below: nested calls must not wait on them */
  static sys_writer w;
  w.fd = fd;
  w.failed = 0;
  w.used = 0;

  size_t table_bytes = (size_t)stacktab_max_ids() * sizeof *snapwrite_table;
  snapwrite_table = sys_map(table_bytes);
  if (snapwrite_table == NULL) {
    close(fd);
    unlink(tmp);
    ag_in_table = saved_in_table;
    return -1;
  }
  if (ag_opt.sample_mode) sampler_foreach(snapwrite_count_sample, NULL);
  else live_foreach(snapwrite_count_live, NULL, leak_check);

  snapwrite_header(&w, reason);
  modules_write(&w);
  snapwrite_stacks_and_sites(&w);
  if (ag_opt.sample_mode) sampler_foreach_lifetime(snapwrite_lifetime, &w);
  sys_unmap(snapwrite_table, table_bytes);
  snapwrite_table = NULL;

  if (leak_check && scan_run(&w, threads, nthreads, self_sp) != 0)
    sys_warn("the leak scan ran out of memory; no leak records written");

  /* allocations and frees counted by the threads; in-use from the table
   * (exact in full mode, estimates in sample mode) */
  uint64_t allocs, frees, bytes_allocated, bytes_freed;
  threads_totals(&allocs, &frees, &bytes_allocated, &bytes_freed);
  int64_t inuse_objects = ag_opt.sample_mode ? (snapwrite_inuse_objects + 500) / 1000 : snapwrite_inuse_objects;
  sys_put(&w, "total ");
  sys_put_u64(&w, allocs);
  sys_putc(&w, ' ');
  sys_put_u64(&w, frees);
  sys_putc(&w, ' ');
  sys_put_u64(&w, bytes_allocated);
  sys_putc(&w, ' ');
  sys_put_u64(&w, (uint64_t)inuse_objects);
  sys_putc(&w, ' ');
  sys_put_u64(&w, (uint64_t)snapwrite_inuse_bytes);
  sys_put(&w, "\nend\n");
  int rc = sys_flush(&w);
  if (close(fd) != 0) rc = -1;
  ag_in_table = saved_in_table;
  if (rc != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    sys_warn("writing the snapshot failed");
    return -1;
  }
  atomic_fetch_add(&snapwrite_written, 1);
  return 0;
}

int snapwrite(const char *reason, const threads_stopped *threads, int nthreads, uintptr_t self_sp,
              int leak_check) {
  char path[600];
  if (sys_expand_path(ag_opt.out, ag_pid, path, sizeof path) != 0) return -1;
  if (strcmp(reason, "exit") != 0) {
    size_t len = strlen(path);
    int seq = atomic_fetch_add(&snapwrite_seq, 1) + 1;
    snprintf(path + len, sizeof path - len, ".%d.%s", seq, reason);
  }
  snapwrite_lock();
  int rc = snapwrite_file(path, reason, threads, nthreads, self_sp, leak_check);
  snapwrite_unlock();
  return rc;
}

int snapwrite_to(const char *path, const char *reason) {
  snapwrite_lock();
  int rc = snapwrite_file(path, reason, NULL, 0, 0, 0);
  snapwrite_unlock();
  return rc;
}
