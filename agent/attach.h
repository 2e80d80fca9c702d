/*
 * attach.h: the agent loaded into a running program by `leakscope attach`
 * (attach.c), and what the command needs to know of it: the function it
 * calls in the target after dlopen'ing the agent, and the answers.
 *
 *   int leakscope_agent_attach(const char *options_path);
 *
 * options_path names a file holding the options, as LEAKSCOPE_OPTIONS
 * would (sample mode only: the agent cannot know what was allocated
 * before).  The attach option names the supervisor's lock file: while a
 * process holds it (flock), the agent stays attached; once none does (the
 * supervisor detaches, or died) the control thread detaches it: the GOT
 * entries back, the control thread gone.  A supervisor that detaches
 * leaves the file detach beside its lock first: then the agent writes a
 * last snapshot OUT.SEQ.detach before, and OUT.detached ("detached TID",
 * TID the control thread's) after; a supervisor that died leaves its
 * directory, which the agent empties and removes.  A failure
 * leaves one line of detail in OUT.attach.  The agent stays loaded after
 * detach (code of it may be on a stack, or in a function pointer the
 * program took meanwhile); a second attach calls the same function again.
 */
#ifndef LEAKSCOPE_AGENT_ATTACH_H
#define LEAKSCOPE_AGENT_ATTACH_H

#include "base.h"

/* leakscope_agent_attach's answers. */
enum {
  ATTACH_OK = 0,
  ATTACH_BUSY = 1,        /* attached already, or still detaching */
  ATTACH_PRELOADED = 2,   /* the agent came with the program (leakscope run, LD_PRELOAD) */
  ATTACH_NO_OPTIONS = 3,  /* the options file cannot be read */
  ATTACH_BAD_OPTIONS = 4, /* a bad option, or not sample mode (OUT.attach says which) */
  ATTACH_NOT_GLIBC = 5,   /* the program's malloc is not glibc's (OUT.attach names it) */
  ATTACH_FAILED = 6,      /* the agent could not set itself up (OUT.attach says why) */
  ATTACH_NOTHING = 7      /* no object calls the malloc family through its GOT */
};

#define ATTACH_ENTRY "leakscope_agent_attach"

AG_EXPORT int leakscope_agent_attach(const char *options_path);

#endif
