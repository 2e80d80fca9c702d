/* host_signals.c: `host_signals HOW` ends by a fatal signal, with 100
 * bytes definitely lost and 50 still reachable: term (kill by SIGTERM),
 * abort, segv, bus, fpe, ill (a trap instruction), quit; handler (its own
 * SIGSEGV handler, which puts the default action back and faults again),
 * thread (a second thread faults while the main thread waits), overflow
 * (the main thread's stack overflows), thread-overflow (a second thread's
 * stack overflows), thread-overflow-altstack (the same, in a thread with
 * a small alternate stack of its own), query (prints what sigaction and
 * signal say of SIGSEGV, SIGTERM and SIGINT, then sets SIG_DFL again and
 * asks once more, and what sigaltstack says before and after the program
 * sets an alternate stack of its own; exits 0). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *kept;

static void fault(void) { *(volatile int *)(uintptr_t)8 = 1; }

static void on_segv(int sig) {
  static const char msg[] = "own handler\n";
  if (write(2, msg, sizeof msg - 1) < 0) _exit(9);
  signal(sig, SIG_DFL); /* returning runs the faulting store again */
}

static void *faulting_thread(void *arg) {
  (void)arg;
  fault();
  return NULL;
}

static int recurse(int n) {
  volatile char frame[1024];
  frame[0] = (char)n;
  return recurse(n + 1) + frame[0];
}

static void *overflowing_thread(void *own_altstack) {
  if (own_altstack != NULL) {
    static char small[16384];
    stack_t mine = {.ss_sp = small, .ss_flags = 0, .ss_size = sizeof small};
    if (sigaltstack(&mine, NULL) != 0) _exit(5);
  }
  recurse(0);
  return NULL;
}

static void print_altstack(const char *when) {
  stack_t now;
  if (sigaltstack(NULL, &now) != 0) {
    perror("sigaltstack");
    exit(3);
  }
  printf("altstack %s: flags %d size %zu %s\n", when, now.ss_flags, now.ss_size, now.ss_sp ? "set" : "null");
}

static void print_action(int sig) {
  struct sigaction sa;
  sigaction(sig, NULL, &sa);
  printf("%d: handler %s flags %#x\n", sig, sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignore" : "own",
         (unsigned)sa.sa_flags);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *how = argv[1];
  char *lost = malloc(100);
  memset(lost, 1, 100);
  lost = NULL;
  kept = malloc(50);
  fflush(stdout);
  if (strcmp(how, "term") == 0) kill(getpid(), SIGTERM);
  if (strcmp(how, "abort") == 0) abort();
  if (strcmp(how, "segv") == 0) fault();
  if (strcmp(how, "bus") == 0) raise(SIGBUS);
  if (strcmp(how, "fpe") == 0) {
    volatile int zero = 0, hundred = 100;
    printf("%d\n", hundred / zero);
  }
  if (strcmp(how, "ill") == 0) __builtin_trap();
  if (strcmp(how, "quit") == 0) raise(SIGQUIT);
  if (strcmp(how, "handler") == 0) {
    signal(SIGSEGV, on_segv);
    fault();
  }
  if (strcmp(how, "thread") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, faulting_thread, NULL);
    pthread_join(t, NULL);
  }
  if (strcmp(how, "overflow") == 0) return recurse(0);
  if (strcmp(how, "thread-overflow") == 0 || strcmp(how, "thread-overflow-altstack") == 0) {
    pthread_t t;
    static char own_altstack;
    pthread_create(&t, NULL, overflowing_thread, strcmp(how, "thread-overflow") == 0 ? NULL : &own_altstack);
    pthread_join(t, NULL);
  }
  if (strcmp(how, "query") == 0) {
    print_altstack("at start");
    static char own[65536];
    stack_t mine = {.ss_sp = own, .ss_flags = 0, .ss_size = sizeof own};
    if (sigaltstack(&mine, NULL) != 0) return 4;
    print_altstack("after setting one");
    print_action(SIGSEGV);
    print_action(SIGTERM);
    signal(SIGINT, SIG_IGN);
    print_action(SIGINT);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = SA_NODEFER;
    sigaction(SIGTERM, &dfl, NULL);
    print_action(SIGTERM);
    printf("signal says %s\n", signal(SIGTERM, SIG_DFL) == SIG_DFL ? "default" : "other");
    return 0;
  }
  return 1;
}
