/*
 * read/vgxml.h: a streaming reader of Valgrind memcheck XML output (protocols 4,
 * 5 and 6, docs/INTERCHANGE.md on Valgrind XML).
 *
 * The file is parsed with expat in 64 KiB chunks; each leak error is handed
 * to a callback as soon as its </error> is read and then forgotten, so a
 * file of any size is read in bounded memory.  The reader splits a definite
 * record's <leakedbytes> into direct and indirect bytes with the record's
 * <text> ("N (D direct, I indirect) bytes ..."), reports <suppcounts> pairs,
 * the protocol 6 <leak_summary>/<heap_summary>, and counts non-leak errors.
 * Unknown elements, extra <what>/<auxwhat> blocks and later stacks of an
 * error are tolerated.  Hostile input is refused: any DOCTYPE (so no entity
 * can be declared, let alone expanded), nesting deeper than VGXML_MAX_DEPTH,
 * numbers that do not fit in 64 bits.
 */
#ifndef LEAKSCOPE_VGXML_H
#define LEAKSCOPE_VGXML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/snapshot.h"

#define VGXML_MAX_DEPTH 64     /* deeper element nesting is refused */
#define VGXML_MAX_FRAMES 256   /* frames kept per stack; the rest are skipped */
#define VGXML_MAX_TEXT 4096    /* bytes kept of one element's text */

/* One stack frame; strings are NULL when the element was absent.  They
 * belong to the reader and are valid only during the callback. */
typedef struct {
  uint64_t ip;
  const char *obj, *fn, *dir, *file;
  uint64_t line; /* 0 if absent */
} vgxml_frame;

/* One leak error (a loss record). */
typedef struct {
  snap_kind kind;
  uint64_t bytes;          /* direct bytes */
  uint64_t indirect_bytes; /* bytes held indirectly (definite records) */
  uint64_t blocks;         /* <leakedblocks> */
  const vgxml_frame *frames; /* innermost first */
  uint32_t nframes;
} vgxml_leak;

/* Protocol 6 summaries, when the file has them. */
typedef struct {
  int has_leak_summary;
  snap_amount kinds[SNAP_KIND_COUNT];
  snap_amount suppressed;
  int has_heap_summary;
  uint64_t inuse_bytes, inuse_blocks;
  uint64_t allocs, frees, bytes_allocated;
} vgxml_summary;

/* What the reader calls.  A callback returns 0, or -1 with a reason in err
 * to stop the parse (vgxml_read then fails with that reason). */
typedef struct {
  void *ctx;
  int (*leak)(void *ctx, const vgxml_leak *leak, char *err, size_t errlen);
  int (*suppcount)(void *ctx, const char *name, uint64_t count, char *err, size_t errlen);
} vgxml_handler;

/* Facts about the whole file, filled by vgxml_read. */
typedef struct {
  int protocol;          /* <protocolversion> */
  int64_t pid;           /* -1 if absent */
  uint64_t leak_errors;  /* leak <error>s seen */
  uint64_t other_errors; /* non-leak <error>s (invalid reads, ...) */
  vgxml_summary summary;
} vgxml_info;

/* Parse one memcheck XML document from f; name is used in messages.
 * Returns 0, or -1 with a one-line reason in err. */
int vgxml_read(FILE *f, const char *name, const vgxml_handler *handler, vgxml_info *info,
               char *err, size_t errlen);

#endif
