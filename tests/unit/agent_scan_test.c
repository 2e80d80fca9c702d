/*
 * agent_scan_test.c: unit test of agent/scan.c, memcheck's classification
 * run on real glibc blocks with full mode's headers (blocks.h): a block held by a
 * global and the block it points to are still reachable; a block nothing
 * points to is definitely lost and its record carries the bytes of the
 * block only it points to, which is indirectly lost; a block reached only
 * through an interior pointer is possibly lost; in a lost cycle the block
 * at the lower address leads (definite) and the other is indirect.  Each
 * block gets a stack id of its own, so each leak line names one block.
 * The pointers to lost blocks are kept only in memory the scan does not
 * read (glibc's own heap, outside the live table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/check.h"
#include "blocks.h"
#include "options.h"
#include "scan.h"
#include "stacktab.h"

enum { ROOTED, CHILD, LOST, LOST_CHILD, INTERIOR, CYCLE_A, CYCLE_B, NBLOCKS };
static const size_t block_size[NBLOCKS] = {32, 48, 64, 80, 96, 112, 128};

void *g_root;          /* -> ROOTED -> CHILD */
char *g_interior;      /* INTERIOR + 16 */
static void **hidden;  /* untracked glibc memory: not a root */
static uint32_t stack_of[NBLOCKS];

static __attribute__((noinline)) void build(void) {
  hidden = __libc_malloc(NBLOCKS * sizeof *hidden);
  for (int b = 0; b < NBLOCKS; b++) {
    uintptr_t pcs[1] = {0x1000 + (uintptr_t)b};
    stack_of[b] = stacktab_intern(pcs, 1);
    hidden[b] = blocks_place(__libc_calloc(1, block_size[b] + BLOCKS_HEADER), BLOCKS_MIN_SHIFT, block_size[b], stack_of[b], 0, 0);
  }
  *(void **)hidden[ROOTED] = hidden[CHILD];
  *(void **)hidden[LOST] = hidden[LOST_CHILD];
  *(void **)hidden[CYCLE_A] = hidden[CYCLE_B];
  *(void **)hidden[CYCLE_B] = hidden[CYCLE_A];
  g_root = hidden[ROOTED];
  g_interior = (char *)hidden[INTERIOR] + 16;
}

static int block_of_stack(uint32_t stack) {
  for (int b = 0; b < NBLOCKS; b++)
    if (stack_of[b] == stack) return b;
  return -1;
}

int main(void) {
  options_parse("retain=0");
  CHECK(stacktab_init() == 0);
  blocks_init();
  build();
  char path[] = "/tmp/agent_scan_test.XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  static sys_writer w;
  sys_writer_open(&w, fd);
  scan_request rq = {NULL, 0, (uintptr_t)__builtin_frame_address(0), 0, 0, 0, NULL, 0};
  uint64_t agent_bytes = 0;
  CHECK(scan_run(&w, &rq, &agent_bytes) == 0);
  CHECK(agent_bytes == 0, "%llu bytes taken as the agent's", (unsigned long long)agent_bytes); /* no agent TLS modules */
  CHECK(sys_flush(&w) == 0);
  close(fd);

  char kind[NBLOCKS] = {0};
  unsigned long long indirect[NBLOCKS] = {0};
  FILE *f = fopen(path, "r");
  char line[256];
  int checked = 0;
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    char k;
    unsigned stack;
    unsigned long long blocks, bytes, ind;
    if (sscanf(line, "leak %c %u %llu %llu %llu", &k, &stack, &blocks, &bytes, &ind) != 5) {
      CHECK(strcmp(line, "leakcheck 1\n") == 0, "unexpected line: %s", line);
      checked = 1;
      continue;
    }
    int b = block_of_stack(stack);
    CHECK(b >= 0 && blocks == 1 && bytes == block_size[b], "line %s", line);
    if (b >= 0) {
      kind[b] = k;
      indirect[b] = ind;
    }
  }
  if (f != NULL) fclose(f);
  unlink(path);
  CHECK(checked, "the leakcheck line ends the records");
  CHECK(kind[ROOTED] == 'R' && kind[CHILD] == 'R', "rooted %c, child %c", kind[ROOTED], kind[CHILD]);
  CHECK(kind[LOST] == 'D' && indirect[LOST] == block_size[LOST_CHILD], "lost %c (%llu)", kind[LOST], indirect[LOST]);
  CHECK(kind[LOST_CHILD] == 'I', "lost child %c", kind[LOST_CHILD]);
  CHECK(kind[INTERIOR] == 'P', "interior %c", kind[INTERIOR]);
  int a_leads = (uintptr_t)hidden[CYCLE_A] < (uintptr_t)hidden[CYCLE_B];
  int leader = a_leads ? CYCLE_A : CYCLE_B, other = a_leads ? CYCLE_B : CYCLE_A;
  CHECK(kind[leader] == 'D' && indirect[leader] == block_size[other], "cycle leader %c", kind[leader]);
  CHECK(kind[other] == 'I', "cycle member %c", kind[other]);
  return failures != 0;
}
