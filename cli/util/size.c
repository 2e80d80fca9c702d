/*
 * util/size.c: a size with an optional K/M/G/T suffix (see util/size.h).
 */
#include "util/size.h"

int size_parse(const char *s, uint64_t *out) {
  uint64_t v = 0;
  const char *p = s;
  for (; *p >= '0' && *p <= '9'; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) return -1;
    v = v * 10 + d;
  }
  if (p == s) return -1;
  unsigned shift = 0;
  switch (*p) {
  case 'k': case 'K': shift = 10; break;
  case 'm': case 'M': shift = 20; break;
  case 'g': case 'G': shift = 30; break;
  case 't': case 'T': shift = 40; break;
  default: break;
  }
  if (shift != 0) {
    p++;
    if (v > (UINT64_MAX >> shift)) return -1;
    v <<= shift;
  }
  if (*p == 'B' || *p == 'b') p++;
  if (*p != '\0') return -1;
  *out = v;
  return 0;
}
