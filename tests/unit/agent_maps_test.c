/*
 * agent_maps_test.c: unit test of agent/maps.c's split of mappings the
 * kernel merged with the agent's own memory.  The agent maps a size that
 * is not a whole number of pages (sys_map) right below a page the program
 * mapped with the same flags (as the kernel places mappings, top down),
 * so the kernel makes them one mapping; maps_read must give the agent's part up to its page boundary
 * and the program's mapping from exactly where the program mapped it (a
 * glibc arena heap found there is recognized by its aligned start).
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "harness/check.h"
#include "maps.h"
#include "sys.h"

#define PAGE 4096

int main(void) {
  size_t size = 3 * PAGE - 1000; /* the last page partly asked for */
  void *theirs = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  CHECK(theirs != MAP_FAILED);
  char *ours = sys_map(size);
  CHECK(ours != NULL);
  uintptr_t theirs_at = (uintptr_t)theirs;
  if (theirs == MAP_FAILED || ours == NULL || (uintptr_t)ours + 3 * PAGE != theirs_at) {
    printf("the kernel did not place the agent's mapping right below the program's; nothing to check\n");
    return failures != 0;
  }
  ours[0] = 1;
  *(volatile char *)theirs = 1;

  maps_list list;
  CHECK(maps_read(&list) == 0);
  const maps_entry *a = maps_find(&list, (uintptr_t)ours);
  const maps_entry *b = maps_find(&list, theirs_at);
  CHECK(a != NULL && a->ours, "the agent's mapping is not marked as its own");
  CHECK(a != NULL && a->start == (uintptr_t)ours && a->end == theirs_at,
        "the agent's part is %lx-%lx, not %lx-%lx", a ? (unsigned long)a->start : 0,
        a ? (unsigned long)a->end : 0, (unsigned long)(uintptr_t)ours, (unsigned long)theirs_at);
  CHECK(b != NULL && !b->ours, "the program's page is taken for the agent's");
  CHECK(b != NULL && b->start == theirs_at && b->end == theirs_at + PAGE,
        "the program's part is %lx-%lx, not %lx-%lx", b ? (unsigned long)b->start : 0,
        b ? (unsigned long)b->end : 0, (unsigned long)theirs_at, (unsigned long)(theirs_at + PAGE));
  const maps_entry *last = maps_find(&list, (uintptr_t)ours + size);
  CHECK(last == a, "the unasked rest of the agent's last page is taken for the program's");
  maps_free(&list);
  munmap(theirs, PAGE);
  sys_unmap(ours, size);
  return failures != 0;
}
