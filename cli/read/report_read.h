/*
 * read/report_read.h: a leakscope JSON report (leakscope-report/1, docs/REPORT.md)
 * read back into a snapshot (read/report_read.c).
 */
#ifndef LEAKSCOPE_READ_REPORT_READ_H
#define LEAKSCOPE_READ_REPORT_READ_H

#include <stddef.h>

#include "model/snapshot.h"

/* A new snapshot, or NULL with a one-line reason in err. */
snapshot *report_read(const char *path, char *err, size_t errlen);

#endif
