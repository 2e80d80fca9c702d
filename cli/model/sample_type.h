/*
 * model/sample_type.h: the four heap sample types of a snapshot site (pprof's
 * names, as `go tool pprof -sample_index` takes them) and the value of a
 * site for each; shared by report, flame and the pprof writer's callers.
 */
#ifndef LEAKSCOPE_SAMPLE_TYPE_H
#define LEAKSCOPE_SAMPLE_TYPE_H

#include "model/snapshot.h"

typedef enum {
  SAMPLE_ALLOC_OBJECTS = 0,
  SAMPLE_ALLOC_SPACE = 1,
  SAMPLE_INUSE_OBJECTS = 2,
  SAMPLE_INUSE_SPACE = 3
} sample_type;

/* The type named name ("alloc_space", ...); -1 if none. */
int sample_type_parse(const char *name, sample_type *out);
/* The same for a command's --sample-type value: -1 after one line, "CMD:
 * unknown sample type 'V' (alloc_space, ...)". */
int sample_type_option(const char *cmd, const char *value, sample_type *out);
const char *sample_type_name(sample_type t);
/* "bytes" for the space types, "objects" for the others. */
const char *sample_type_unit(sample_type t);
int sample_type_is_bytes(sample_type t);
/* The type giving the other half of the pair: objects for space, space for objects. */
sample_type sample_type_partner(sample_type t);
int64_t sample_type_value(const snap_site *site, sample_type t);

#endif
