/*
 * util/text.c: small text helpers (see util/text.h).
 */
#include "util/text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

const char *text_basename(const char *path) {
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash ? slash + 1 : path;
}

const char *text_commas(uint64_t v, char *buf, size_t buflen) {
  char digits[32];
  int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
  size_t o = 0;
  for (int i = 0; i < n && o + 2 < buflen; i++) {
    if (i > 0 && (n - i) % 3 == 0) buf[o++] = ',';
    buf[o++] = digits[i];
  }
  buf[o] = 0;
  return buf;
}

void text_human(int64_t v, int bytes, char *buf, size_t buflen) {
  static const char *const byte_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  static const char *const count_units[] = {"", "k", "M", "G", "T"};
  double d = (double)v;
  int u = 0;
  double step = bytes ? 1024.0 : 1000.0;
  while ((d >= step || d <= -step) && u < 4) {
    d /= step;
    u++;
  }
  if (u == 0) snprintf(buf, buflen, "%" PRId64 "%s%s", v, bytes ? " " : "", bytes ? "B" : "");
  else snprintf(buf, buflen, "%.1f%s%s", d, bytes ? " " : "", bytes ? byte_units[u] : count_units[u]);
}

void text_append(char *buf, size_t buflen, size_t *at, const char *fmt, ...) {
  if (*at >= buflen) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf + *at, buflen - *at, fmt, ap);
  va_end(ap);
  if (n > 0) *at = *at + (size_t)n < buflen ? *at + (size_t)n : buflen;
}

size_t text_utf8_len(const unsigned char *s) {
  if (s[0] < 0x80) return 1;
  size_t n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
             : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
      (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
    return 0;
  return n;
}

void text_clean_utf8(char *s) {
  unsigned char *p = (unsigned char *)s;
  while (*p) {
    size_t n = *p < 0x20 || *p == 0x7f ? 0 : text_utf8_len(p);
    if (n == 0) {
      *p++ = '?';
      continue;
    }
    p += n;
  }
}

void text_xml_put(FILE *f, const char *s, unsigned flags) {
  const unsigned char *p = (const unsigned char *)s;
  while (p && *p) {
    if (*p == '&') fputs("&amp;", f);
    else if (*p == '<') fputs("&lt;", f);
    else if (*p == '>') fputs("&gt;", f);
    else if (*p == '"') fputs("&quot;", f);
    else if (*p == '\'' && (flags & TEXT_XML_APOS)) fputs("&apos;", f);
    else if ((flags & TEXT_XML_BLANK_CONTROLS) && (*p < 0x20 || *p == 0x7f)) fputc(' ', f);
    else if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) fputc('?', f);
    else {
      size_t n = text_utf8_len(p);
      if (n == 0) {
        fputc('?', f);
        n = 1;
      } else {
        fwrite(p, 1, n, f);
      }
      p += n;
      continue;
    }
    p++;
  }
}

unsigned text_distance(const char *a, const char *b) {
  enum { MAX = 64 };
  size_t la = strlen(a), lb = strlen(b);
  if (la >= MAX || lb >= MAX) return MAX;
  unsigned d[MAX][MAX]; /* d[i][j]: distance of a's first i bytes to b's first j */
  for (size_t i = 0; i <= la; i++) d[i][0] = (unsigned)i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = (unsigned)j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  }
  return d[la][lb];
}

const char *text_nearest(const char *word, const char *const *words, size_t n) {
  size_t len = strlen(word);
  unsigned limit = len >= 6 ? (unsigned)(len / 3) : 1, best_distance = limit + 1;
  const char *best = NULL;
  for (size_t i = 0; i < n; i++) {
    if (words[i] == NULL) continue;
    unsigned d = text_distance(word, words[i]);
    if (d < best_distance) {
      best_distance = d;
      best = words[i];
    }
  }
  return best;
}

void text_duration(uint64_t ns, char *buf, size_t buflen) {
  static const char *const units[] = {"ns", "us", "ms", "s"};
  double v = (double)ns;
  int u = 0;
  while (u < 3 && v >= 1000.0) {
    v /= 1000.0;
    u++;
  }
  if (u == 0) snprintf(buf, buflen, "%llu ns", (unsigned long long)ns);
  else snprintf(buf, buflen, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

int text_address(const char *s, uint64_t *out) {
  int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const char *p = hex ? s + 2 : s;
  if (*p == '\0' || strlen(p) > (hex ? 16u : 20u)) return -1;
  uint64_t v = 0;
  for (; *p; p++) {
    int d = *p >= '0' && *p <= '9' ? *p - '0'
            : hex && *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
            : hex && *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
    if (d < 0) return -1;
    if (!hex && v > (UINT64_MAX - (uint64_t)d) / 10) return -1;
    v = v * (hex ? 16 : 10) + (uint64_t)d;
  }
  *out = v;
  return 0;
}
