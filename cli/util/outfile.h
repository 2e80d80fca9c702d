/*
 * util/outfile.h: writing an output file so that no half-written one is
 * ever left (util/outfile.c): the data goes to PATH.tmp, which is renamed
 * to PATH once it is complete, or removed.  A PATH that exists and is
 * neither a regular file nor a directory (/dev/null, a FIFO) is written in
 * place: renamed over, it would be replaced by a regular file.
 *
 *   outfile o;
 *   FILE *f = outfile_open(&o, path, err, errlen);
 *   if (f == NULL) return -1;
 *   ... write to f ...
 *   return outfile_close(&o, ok, err, errlen);
 *
 * Several files that must appear together (the gate's outputs) are each
 * finished, then all committed, or all aborted.  Messages name the file
 * where it failed: "cannot create PATH.tmp: REASON", "cannot write
 * PATH.tmp: REASON", "cannot rename PATH.tmp to PATH: REASON".
 */
#ifndef LEAKSCOPE_UTIL_OUTFILE_H
#define LEAKSCOPE_UTIL_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
  FILE *f;          /* open between outfile_open and outfile_finish */
  const char *path; /* where it goes (the caller's string) */
  char *tmp;        /* PATH.tmp while it exists */
} outfile;

/* Create path.tmp (mode "w"); the stream, or NULL with a reason in err. */
FILE *outfile_open(outfile *o, const char *path, char *err, size_t errlen);
/* Close the stream; 0, or -1 with a reason when anything failed to be
 * written (the temporary file is then removed). */
int outfile_finish(outfile *o, char *err, size_t errlen);
/* Rename a finished file into place; 0, or -1 with a reason (removed). */
int outfile_commit(outfile *o, char *err, size_t errlen);
/* Close and remove whatever is left; nothing to do after outfile_commit. */
void outfile_abort(outfile *o);
/* Where a file the user did not name goes: dir (an --output-dir), else
 * the system's temporary directory ($TMPDIR, or /tmp), never the current
 * one; "DIR/name" into buf. */
void outfile_in_dir(const char *dir, const char *name, char *buf, size_t buflen);
/* A file name pattern with each %p replaced by pid, into out. */
void outfile_expand_pid(const char *pattern, int pid, char *out, size_t outlen);

/* When ok, finish and commit: 0, or -1 with a reason; otherwise abort and
 * return -1, leaving err as the caller's writer set it. */
int outfile_close(outfile *o, int ok, char *err, size_t errlen);

#endif
