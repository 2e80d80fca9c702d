/*
 * maps.h: the process's mappings, read from /proc/self/maps into memory
 * of the agent's own (maps.c), for the leak scan (which mappings are
 * roots) and for finding full mode's blocks (which mappings hold heap).
 */
#ifndef LEAKSCOPE_AGENT_MAPS_H
#define LEAKSCOPE_AGENT_MAPS_H

#include <stdint.h>

#include "base.h"

typedef struct {
  uintptr_t start, end;
  char perms[5];
  int anonymous;  /* no file behind it ([anon:...] and /dev/zero included) */
  int special;    /* [vvar], [heap], [vdso], a device, ... */
  int heap_named; /* [heap] */
  int main_stack; /* [stack] */
  int ours;       /* memory the agent mapped for itself (sys_map) */
  int libc;       /* a mapping of libc.so itself (its data holds malloc's main arena) */
} maps_entry;

typedef struct {
  maps_entry *entries; /* in address order */
  uint64_t n, cap;
} maps_list;

/* Read the mappings now; 0, or -1 (out of memory, or /proc unreadable).
 * A mapping the kernel merged with the agent's own memory is split, so
 * that no entry is part ours and part the program's.  maps_free gives the
 * memory back. */
AG_HIDDEN int maps_read(maps_list *out);
AG_HIDDEN void maps_free(maps_list *list);
/* The mapping that holds address a, or NULL. */
AG_HIDDEN const maps_entry *maps_find(const maps_list *list, uintptr_t a);
/* A private mapping, readable and writable, with no file behind it (or the
 * [heap]): where glibc's malloc keeps its blocks. */
AG_HIDDEN int maps_may_hold_heap(const maps_entry *m);

#endif
