/* host_blocked_register.c: a live thread that blocks every signal holds
 * the only pointer to a 123-byte block in a register (r12, inside a loop
 * of pause system calls; its stack holds the pointer only xor'ed with a
 * key).  A leak scan that stops the thread and reads its registers finds
 * the block reachable, as memcheck does; one that cannot stop it sees the
 * block lost.  The main thread leaks 40 bytes for good measure. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready;

/* The block's address, xor'ed; the allocation's frames scrubbed. */
__attribute__((noinline)) static uintptr_t hidden_block(void) {
  char *p = malloc(123);
  memset(p, 7, 123);
  return (uintptr_t)p ^ KEY;
}

__attribute__((noinline)) static void scrub_below(void) {
  volatile char pad[4096];
  for (size_t i = 0; i < sizeof pad; i++) pad[i] = 0;
}

static void *worker(void *arg) {
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  volatile uintptr_t hidden = hidden_block();
  scrub_below();
  pthread_mutex_lock(&ready_lock);
  ready = 1;
  pthread_cond_signal(&ready_cond);
  pthread_mutex_unlock(&ready_lock);
  scrub_below();
  __asm__ volatile(
      "mov %0, %%r12\n\t"
      "xor %1, %%r12\n"
      "1:\n\t"
      "mov $34, %%eax\n\t" /* pause */
      "syscall\n\t"
      "jmp 1b\n"
      :
      : "r"(hidden), "r"(KEY)
      : "r12", "rax", "rcx", "r11", "memory");
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_lock(&ready_lock);
  while (!ready) pthread_cond_wait(&ready_cond, &ready_lock);
  pthread_mutex_unlock(&ready_lock);
  void *lost = malloc(40);
  memset(lost, 1, 40);
  lost = NULL;
  printf("worker ready\n");
  return 0;
}
