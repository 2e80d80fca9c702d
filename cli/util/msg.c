/*
 * util/msg.c: one-line error, warning and note messages on stderr (see util/msg.h).
 */
#include "util/msg.h"

#include <stdarg.h>
#include <stdio.h>

static void vmessage(const char *level, const char *fmt, va_list ap) {
  char line[1024];
  vsnprintf(line, sizeof line, fmt, ap);
  fprintf(stderr, "leakscope: %s%s\n", level, line);
}

void errorf(const char *fmt, ...) {
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
