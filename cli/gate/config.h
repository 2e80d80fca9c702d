/*
 * gate/config.h: the gate's thresholds file (YAML, docs/CI.md):
 *
 *   leak_summary:
 *     definitely_lost: 0                 # bytes allowed
 *     possibly_lost: {bytes: 1024, blocks: 4}
 *     suppressed: 5                      # suppressed records allowed
 *   offenders: 5                         # worst stacks listed per rule
 *   baseline: {profile: base.pb.gz, max_growth_percent: 30,
 *              max_site_growth_percent: 10, top: 5}
 *   budget: {max_heap_mb: 256}           # or max_inuse_bytes
 *
 * Every key is checked: an unknown key, a wrong type, a negative number or
 * one that does not fit is an error, so a typo never disables a rule.
 */
#ifndef LEAKSCOPE_GATE_CONFIG_H
#define LEAKSCOPE_GATE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

typedef struct {
  int set;
  uint64_t value;
} gate_limit;

typedef struct {
  gate_limit bytes[SNAP_KIND_COUNT];
  gate_limit blocks[SNAP_KIND_COUNT];
  gate_limit suppressed;      /* suppressed records */
  unsigned offenders;         /* stacks listed per rule (default 5) */

  char *baseline_profile;     /* NULL: no baseline rule; resolved against the config's dir */
  int has_growth, has_site_growth;
  double max_growth_percent;
  double max_site_growth_percent; /* of the baseline's total in-use bytes */
  unsigned top;               /* growing sites listed (default 5) */

  int has_budget;
  uint64_t max_inuse_bytes;
} gate_config;

/* Parse a config from memory; name is used in messages, dir is prepended
 * to a relative baseline profile path ("" or NULL: none).  Returns 0, or
 * -1 with a reason. */
int gate_config_parse(gate_config *cfg, const unsigned char *text, size_t len, const char *name,
                      const char *dir, char *err, size_t errlen);
/* Read and parse the file at path. */
int gate_config_load(gate_config *cfg, const char *path, char *err, size_t errlen);
void gate_config_free(gate_config *cfg);

#endif
