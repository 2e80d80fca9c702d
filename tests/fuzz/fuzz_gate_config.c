/*
 * fuzz_gate_config.c: libFuzzer target for the gate's YAML thresholds
 * reader (cli/gate/config.c).  Built and run by tests/fuzz/run.sh.
 */
#include <stdint.h>
#include <stdlib.h>

#include "gate/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gate_config cfg;
  char err[512];
  if (gate_config_parse(&cfg, data, size, "fuzz.yaml", "dir", err, sizeof err) == 0) {
    if (cfg.has_site_growth && cfg.max_site_growth_percent < 0) abort();
    gate_config_free(&cfg);
  }
  return 0;
}
