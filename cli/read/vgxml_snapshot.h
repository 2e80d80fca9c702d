/*
 * read/vgxml_snapshot.h: a Valgrind memcheck XML file read into a snapshot
 * (read/vgxml_snapshot.c): its loss records with their symbolized stacks,
 * the LEAK SUMMARY, the heap totals when the file has them (protocol 6),
 * so `report`, `flame` and every other command read memcheck's findings
 * like leakscope's own.
 */
#ifndef LEAKSCOPE_READ_VGXML_SNAPSHOT_H
#define LEAKSCOPE_READ_VGXML_SNAPSHOT_H

#include <stddef.h>

#include "model/snapshot.h"

/* NULL with a one-line reason in err when the file cannot be read. */
snapshot *vgxml_snapshot_read(const char *path, char *err, size_t errlen);

#endif
