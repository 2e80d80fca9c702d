/*
 * util/msg.h: how the command talks to its user.  Every message is one line on
 * stderr prefixed "leakscope: ".  Exit codes are documented here.
 */
#ifndef LEAKSCOPE_MSG_H
#define LEAKSCOPE_MSG_H

/* Exit statuses of leakscope's own commands (run returns the program's). */
enum {
  EXIT_OK = 0,
  EXIT_BREACH = 1,   /* gate: a threshold was passed */
  EXIT_USAGE = 2     /* bad option, unreadable or malformed input */
};

void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What the command did that the user should know, such as where it wrote
 * a file: "leakscope: TEXT". */
void notef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
