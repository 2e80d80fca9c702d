/*
 * util/msg.c: one-line error, warning and note messages on stderr, or held
 * back in memory until released (see util/msg.h).
 */
#include "util/msg.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The held lines, each with its newline; holding: msg_hold was called.
 * The lock: the HTTP server's threads warn too. */
static struct {
  int holding;
  char *text;
  size_t len, cap;
} held;
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;

/* Keep one line; 0, or -1 when there is no room (then it is printed). */
static int msg_keep(const char *line) {
  size_t n = strlen(line);
  if (held.len + n + 2 > held.cap) {
    size_t cap = held.cap ? held.cap : 1024;
    while (cap < held.len + n + 2) cap *= 2;
    char *text = realloc(held.text, cap);
    if (text == NULL) return -1;
    held.text = text;
    held.cap = cap;
  }
  memcpy(held.text + held.len, line, n);
  held.len += n;
  held.text[held.len++] = '\n';
  held.text[held.len] = '\0';
  return 0;
}

static void msg_out(const char *line) {
  pthread_mutex_lock(&held_lock);
  if (!held.holding || msg_keep(line) != 0) fprintf(stderr, "%s\n", line);
  pthread_mutex_unlock(&held_lock);
}

void msg_hold(void) {
  pthread_mutex_lock(&held_lock);
  held.holding = 1;
  pthread_mutex_unlock(&held_lock);
}

void msg_release(void) {
  pthread_mutex_lock(&held_lock);
  if (held.len > 0) fputs(held.text, stderr);
  free(held.text);
  memset(&held, 0, sizeof held);
  pthread_mutex_unlock(&held_lock);
}

static void vmessage(const char *level, const char *fmt, va_list ap) {
  char text[1024], line[1100];
  vsnprintf(text, sizeof text, fmt, ap);
  snprintf(line, sizeof line, "leakscope: %s%s", level, text);
  msg_out(line);
}

void errorf(const char *fmt, ...) {
  msg_release();
  va_list ap;
  va_start(ap, fmt);
  vmessage("error: ", fmt, ap);
  va_end(ap);
}

void warnf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage("warning: ", fmt, ap);
  va_end(ap);
}

void notef(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage("", fmt, ap);
  va_end(ap);
}
