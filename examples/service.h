/*
 * service.h: the request loop shared by examples/service_leak.c (the
 * source document's leak) and examples/service_fixed.c (the same service
 * with a bounded lscache): request bodies "k=v&k=v&..." are parsed into a
 * dynamic key/value map (kv_map, every pair its own block, as a
 * map[string]interface{} holds its entries), the response is computed from it,
 * and every SERVICE_CACHE_EVERY-th request's map is kept in a cache by its
 * session id; each program says what the cache does.  The loop runs
 * SERVICE_RATE requests a second for the seconds given on the command
 * line and prints one line at the end.
 */
#ifndef SERVICE_H
#define SERVICE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SERVICE_RATE 1000       /* requests a second */
#define SERVICE_CACHE_EVERY 4   /* one request in 4 is kept */

typedef struct {
  char *key, *value; /* one block: the value follows the key's 0 */
} kv_pair;

/* The parsed body: a growable array of pairs. */
typedef struct {
  kv_pair *pairs;
  size_t n, cap;
  size_t bytes; /* of the keys and values, for the cache's accounting */
} kv_map;

static uint64_t service_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t service_random(void) { /* xorshift64* */
  service_rng ^= service_rng >> 12;
  service_rng ^= service_rng << 25;
  service_rng ^= service_rng >> 27;
  return service_rng * 0x2545f4914f6cdd1dULL;
}

/* Add key=value to the map; 0 or -1. */
static __attribute__((noinline)) int kv_put(kv_map *m, const char *key, size_t klen, const char *value, size_t vlen) {
  if (m->n == m->cap) {
    size_t cap = m->cap ? 2 * m->cap : 8;
    kv_pair *pairs = realloc(m->pairs, cap * sizeof *pairs);
    if (pairs == NULL) return -1;
    m->pairs = pairs;
    m->cap = cap;
  }
  kv_pair *p = &m->pairs[m->n];
  if ((p->key = malloc(klen + vlen + 2)) == NULL) return -1; /* "key\0value\0" */
  memcpy(p->key, key, klen);
  p->key[klen] = 0;
  p->value = p->key + klen + 1;
  memcpy(p->value, value, vlen);
  p->value[vlen] = 0;
  m->n++;
  m->bytes += klen + vlen + 2;
  return 0;
}

static void kv_clear(kv_map *m) {
  for (size_t i = 0; i < m->n; i++) {
    free(m->pairs[i].key); /* and its value */
  }
  free(m->pairs);
  memset(m, 0, sizeof *m);
}

static const char *kv_get(const kv_map *m, const char *key) {
  for (size_t i = 0; i < m->n; i++)
    if (strcmp(m->pairs[i].key, key) == 0) return m->pairs[i].value;
  return NULL;
}

/* Parse "k=v&k=v" into m (empty); 0 or -1. */
static __attribute__((noinline)) int parse_body(const char *body, kv_map *m) {
  memset(m, 0, sizeof *m);
  for (const char *p = body; *p;) {
    const char *eq = strchr(p, '='), *amp = strchr(p, '&');
    if (eq == NULL) break;
    if (amp == NULL) amp = p + strlen(p);
    if (kv_put(m, p, (size_t)(eq - p), eq + 1, (size_t)(amp - eq - 1)) != 0) {
      kv_clear(m);
      return -1;
    }
    p = *amp ? amp + 1 : amp;
  }
  return 0;
}

/* Request id's body: a session id and 15 to 30 fields of 40 to 200 bytes. */
static void make_body(long id, char *buf, size_t len) {
  size_t at = (size_t)snprintf(buf, len, "session=s%ld", id);
  int fields = 15 + (int)(service_random() % 16);
  for (int f = 0; f < fields && at + 240 < len; f++) {
    at += (size_t)snprintf(buf + at, len - at, "&field%d=", f);
    size_t n = 40 + (size_t)(service_random() % 161);
    for (size_t i = 0; i < n; i++) buf[at++] = (char)('a' + (service_random() % 26));
    buf[at] = 0;
  }
}

/* The response: a checksum of the values. */
static unsigned long respond(const kv_map *m) {
  unsigned long sum = 0;
  for (size_t i = 0; i < m->n; i++)
    for (const char *c = m->pairs[i].value; *c; c++) sum = sum * 31 + (unsigned char)*c;
  return sum;
}

static double service_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep until request `done` is due at SERVICE_RATE a second from start. */
static void service_pace(double start, long done) {
  double due = start + (double)done / SERVICE_RATE, now = service_now();
  if (due > now) {
    struct timespec ts = {(time_t)(due - now), (long)((due - now - (double)(time_t)(due - now)) * 1e9)};
    nanosleep(&ts, NULL);
  }
}

#endif
