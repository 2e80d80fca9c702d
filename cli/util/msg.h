/*
 * util/msg.h: how the command talks to its user.  Every message is one line on
 * stderr prefixed "leakscope: ", or held back until msg_release (run
 * --log-file: the file's name waits for PROG's pid).  Exit codes are
 * documented here.
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

/* From now on keep the warnings and notes instead of printing them, until
 * msg_release writes them, in order, to what stderr is then, and prints
 * again.  An error releases them first: it ends the command. */
void msg_hold(void);
void msg_release(void);

#endif
