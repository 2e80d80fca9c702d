/*
 * children.c: what the agent does about the programs the traced one runs
 * (see children.h).  Environment strings are edited in place and entries
 * removed from environ itself (sys.h), which allocates nothing.
 */
#include "children.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "state.h"
#include "sys.h"

#define CHILDREN_AGENT_NAME "libleakscope.so"

/* Is this LD_PRELOAD entry (len bytes) the agent? */
static int children_is_agent(const char *entry, size_t len) {
  size_t n = sizeof CHILDREN_AGENT_NAME - 1;
  return len >= n && memcmp(entry + len - n, CHILDREN_AGENT_NAME, n) == 0 &&
         (len == n || entry[len - n - 1] == '/');
}

/* Drop the agent's entries from LD_PRELOAD's value (separated by colons or
 * spaces), in place; unset the variable when nothing is left. */
static void children_scrub_preload(void) {
  char *value = sys_getenv("LD_PRELOAD");
  if (value == NULL) return;
  char *out = value;
  for (char *p = value; *p;) {
    while (*p == ':' || *p == ' ') p++;
    char *start = p;
    while (*p && *p != ':' && *p != ' ') p++;
    size_t len = (size_t)(p - start);
    if (len == 0 || children_is_agent(start, len)) continue;
    if (out != value) *out++ = ':';
    memmove(out, start, len);
    out += len;
  }
  *out = 0;
  if (value[0] == 0) sys_unsetenv("LD_PRELOAD");
}

/* Preloaded by hand (no target pid), every process that inherits the
 * environment is traced, as LD_PRELOAD would have it. */
static int children_untraced(void) { return !ag_opt.trace_children && ag_opt.target != 0; }

void children_init(void) {
  if (!children_untraced()) return;
  children_scrub_preload();
  sys_unsetenv("LEAKSCOPE_OPTIONS");
}

/* The marker's name, OUT.exec with %p = pid, and suffix (".N" or "")
 * after it; -1 when there is to be no marker. */
static int children_marker_name(pid_t pid, const char *suffix, char *name, size_t size) {
  if (!children_untraced() || state_phase() != AG_ACTIVE) return -1;
  size_t room = size - sizeof ".exec" - strlen(suffix);
  if (sys_expand_path(ag_opt.out, pid, name, room) != 0) return -1;
  strcat(name, ".exec");
  strcat(name, suffix);
  return 0;
}

static void children_write_marker(const char *name, const char *path) {
  /* no shared buffer: a vfork child runs this in its parent's memory */
  int fd = sys_open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  if (write(fd, path, strlen(path)) < 0 || write(fd, "\n", 1) < 0) unlink(name);
  close(fd);
}

void children_before_exec(const char *path) {
  char name[OPTIONS_PATH_MAX + 32];
  if (path == NULL || children_marker_name(sys_getpid(), "", name, sizeof name) != 0) return;
  int saved = errno;
  children_write_marker(name, path);
  errno = saved;
}

void children_exec_failed(void) {
  char name[OPTIONS_PATH_MAX + 32];
  if (children_marker_name(sys_getpid(), "", name, sizeof name) != 0) return;
  int saved = errno; /* the exec's */
  unlink(name);
  errno = saved;
}

/* ".N", N in decimal, into out (16 bytes). */
static void children_suffix(unsigned n, char *out) {
  char digits[12];
  int len = 0;
  do digits[len++] = (char)('0' + n % 10); while ((n /= 10) != 0);
  *out++ = '.';
  while (len > 0) *out++ = digits[--len];
  *out = 0;
}

void children_spawned(const char *path) {
  static _Atomic unsigned spawned;
  char suffix[16], name[OPTIONS_PATH_MAX + 32];
  children_suffix(atomic_fetch_add(&spawned, 1) + 1, suffix);
  if (path == NULL || children_marker_name(sys_getpid(), suffix, name, sizeof name) != 0) return;
  int saved = errno;
  children_write_marker(name, path);
  errno = saved;
}
