/*
 * model/sample_type.c: heap sample types of snapshot sites (see model/sample_type.h).
 */
#include "model/sample_type.h"

#include <string.h>

#include "util/msg.h"

static const char *const sample_type_names[4] = {"alloc_objects", "alloc_space",
                                                 "inuse_objects", "inuse_space"};

int sample_type_parse(const char *name, sample_type *out) {
  for (int i = 0; i < 4; i++)
    if (strcmp(name, sample_type_names[i]) == 0) {
      *out = (sample_type)i;
      return 0;
    }
  return -1;
}

int sample_type_option(const char *cmd, const char *value, sample_type *out) {
  if (sample_type_parse(value, out) == 0) return 0;
  errorf("%s: unknown sample type '%s' (alloc_space, alloc_objects, inuse_space, inuse_objects)", cmd,
         value);
  return -1;
}

const char *sample_type_name(sample_type t) {
  return sample_type_names[t & 3];
}

int sample_type_is_bytes(sample_type t) {
  return t == SAMPLE_ALLOC_SPACE || t == SAMPLE_INUSE_SPACE;
}

const char *sample_type_unit(sample_type t) {
  return sample_type_is_bytes(t) ? "bytes" : "objects";
}

sample_type sample_type_partner(sample_type t) {
  return (sample_type)(t ^ 1);
}

int64_t sample_type_value(const snap_site *site, sample_type t) {
  switch (t) {
  case SAMPLE_ALLOC_OBJECTS: return site->alloc_objects;
  case SAMPLE_ALLOC_SPACE: return site->alloc_bytes;
  case SAMPLE_INUSE_OBJECTS: return site->inuse_objects;
  case SAMPLE_INUSE_SPACE: return site->inuse_bytes;
  }
  return 0;
}
