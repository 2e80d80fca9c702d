/*
 * util/outfile.c: output files through a temporary name and a rename, and
 * where a file the user did not name goes (see util/outfile.h).
 */
#include "util/outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *outfile_open(outfile *o, const char *path, char *err, size_t errlen) {
  size_t n = strlen(path) + 5;
  o->path = path;
  o->f = NULL;
  struct stat st;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    /* /dev/null, a FIFO, a terminal: written in place, never renamed over */
    o->tmp = NULL;
    if ((o->f = fopen(path, "w")) == NULL) snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return o->f;
  }
  o->tmp = malloc(n);
  if (o->tmp == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  snprintf(o->tmp, n, "%s.tmp", path);
  o->f = fopen(o->tmp, "w");
  if (o->f == NULL) {
    snprintf(err, errlen, "cannot create %s: %s", o->tmp, strerror(errno));
    free(o->tmp);
    o->tmp = NULL;
  }
  return o->f;
}

int outfile_finish(outfile *o, char *err, size_t errlen) {
  FILE *f = o->f;
  o->f = NULL;
  int bad = ferror(f);
  errno = 0;
  if (fclose(f) != 0 || bad) {
    snprintf(err, errlen, "cannot write %s: %s", o->tmp != NULL ? o->tmp : o->path, strerror(errno ? errno : EIO));
    outfile_abort(o);
    return -1;
  }
  return 0;
}

int outfile_commit(outfile *o, char *err, size_t errlen) {
  if (o->tmp != NULL && rename(o->tmp, o->path) != 0) {
    snprintf(err, errlen, "cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
    outfile_abort(o);
    return -1;
  }
  free(o->tmp);
  o->tmp = NULL;
  return 0;
}

void outfile_abort(outfile *o) {
  if (o->f != NULL) fclose(o->f);
  o->f = NULL;
  if (o->tmp != NULL) unlink(o->tmp);
  free(o->tmp);
  o->tmp = NULL;
}

int outfile_close(outfile *o, int ok, char *err, size_t errlen) {
  if (!ok) {
    outfile_abort(o);
    return -1;
  }
  return outfile_finish(o, err, errlen) == 0 ? outfile_commit(o, err, errlen) : -1;
}

void outfile_in_dir(const char *dir, const char *name, char *buf, size_t buflen) {
  if (dir == NULL || *dir == '\0') dir = getenv("TMPDIR");
  if (dir == NULL || *dir == '\0') dir = "/tmp";
  size_t n = strlen(dir);
  snprintf(buf, buflen, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
}

void outfile_expand_pid(const char *pattern, int pid, char *out, size_t outlen) {
  size_t o = 0;
  for (const char *p = pattern; *p && o + 12 < outlen; p++) {
    if (p[0] == '%' && p[1] == 'p') {
      o += (size_t)snprintf(out + o, outlen - o, "%d", pid);
      p++;
    } else {
      out[o++] = *p;
    }
  }
  out[o] = 0;
}
