/*
 * lsref_test.c: unit test of lib/lsref.c (include/lsref.h).  It checks the
 * counts, that memory comes zeroed and aligned, that destroy runs exactly
 * once and at the last release, weak references (lock while alive, NULL
 * after death, a weak reference outliving its object, several of them),
 * the argument checks; then two threaded stresses:
 *   - 4 threads each doing 1,000,000 acquire/release pairs and weak
 *     lock/release pairs on one object that main keeps alive: the count
 *     must come back to 1 and destroy must not have run;
 *   - 20,000 rounds in which 4 threads that each hold a strong and a weak
 *     reference lock the weak one, release their strong one at the same
 *     moment, and lock again until the object is gone: in every round
 *     destroy must run exactly once, exactly one release must report it,
 *     no thread may see the object destroyed while it holds a strong
 *     reference, and once a lock has returned NULL it must stay NULL.
 * Freeing too early or twice shows under valgrind or -fsanitize=address;
 * races under -fsanitize=thread.
 *
 * Usage: lsref_test [--small]   (--small shrinks the stresses, for runs
 * under valgrind)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsref.h"

#include "harness/check.h"

#define THING_ALIVE 0x11feu
#define THING_DEAD 0xdeadu

/* The test object: destroy checks and flips its state. */
typedef struct {
  atomic_uint state;
  long payload[4];
} thing;

static atomic_long destroyed;       /* destroy calls, all tests */
static atomic_long destroyed_twice; /* destroy calls on a thing already destroyed */

static void thing_destroy(void *obj) {
  thing *t = obj;
  if (atomic_exchange(&t->state, THING_DEAD) != THING_ALIVE) atomic_fetch_add(&destroyed_twice, 1);
  atomic_fetch_add(&destroyed, 1);
}

static thing *thing_new(void) {
  thing *t = lsref_new(sizeof *t, thing_destroy);
  if (t) atomic_store(&t->state, THING_ALIVE);
  return t;
}

static void test_counts(void) {
  long before = atomic_load(&destroyed);
  thing *t = lsref_new(sizeof *t, thing_destroy);
  CHECK(t != NULL, "lsref_new failed");
  if (!t) return;
  CHECK((uintptr_t)t % alignof(max_align_t) == 0, "object %p not aligned to %zu", (void *)t, alignof(max_align_t));
  static const thing zero;
  CHECK(memcmp(t, &zero, sizeof zero) == 0, "object memory not zeroed");
  atomic_store(&t->state, THING_ALIVE);
  CHECK(lsref_count(t) == 1, "new count %ld, want 1", lsref_count(t));
  CHECK(lsref_acquire(t) == t, "acquire did not return its argument");
  CHECK(lsref_count(t) == 2, "count %ld after acquire, want 2", lsref_count(t));
  CHECK(lsref_release(t) == 0, "release of one of two references reported destruction");
  CHECK(lsref_count(t) == 1, "count %ld after release, want 1", lsref_count(t));
  CHECK(atomic_load(&destroyed) == before, "destroyed while a reference remained");
  CHECK(lsref_release(t) == 1, "last release did not report destruction");
  CHECK(atomic_load(&destroyed) == before + 1, "destroy ran %ld times, want 1", atomic_load(&destroyed) - before);

  CHECK(lsref_acquire(NULL) == NULL, "acquire(NULL) not NULL");
  CHECK(lsref_release(NULL) == 0, "release(NULL) not 0");
  CHECK(lsref_count(NULL) == 0, "count(NULL) not 0");

  void *empty = lsref_new(0, NULL);
  CHECK(empty != NULL, "lsref_new(0, NULL) failed");
  CHECK(lsref_release(empty) == 1, "release of a size-0 object without destroy");

  errno = 0;
  CHECK(lsref_new(SIZE_MAX, NULL) == NULL && errno == ENOMEM, "lsref_new(SIZE_MAX): want NULL, ENOMEM (errno %d)",
        errno);
}

static void test_weak(void) {
  long before = atomic_load(&destroyed);
  thing *t = thing_new();
  CHECK(t != NULL, "thing_new failed");
  if (!t) return;
  lsweak *w = lsweak_new(t);
  lsweak *w2 = lsweak_new(t);
  CHECK(w != NULL && w2 != NULL, "lsweak_new failed");
  CHECK(lsref_count(t) == 1, "weak references changed the strong count to %ld", lsref_count(t));
  thing *locked = lsweak_lock(w);
  CHECK(locked == t, "lock of a live object gave %p, want %p", (void *)locked, (void *)t);
  CHECK(lsref_count(t) == 2, "count %ld after lock, want 2", lsref_count(t));
  CHECK(lsref_release(locked) == 0, "release of the locked reference destroyed the object");
  lsweak_free(w2); /* a weak reference freed while the object lives */

  CHECK(lsref_release(t) == 1, "last release did not report destruction");
  /* destroy runs at the last strong release, not when the weak one goes */
  CHECK(atomic_load(&destroyed) == before + 1, "destroy did not run at the last strong release");
  for (int i = 0; i < 3; i++) CHECK(lsweak_lock(w) == NULL, "lock after death did not return NULL");
  CHECK(atomic_load(&destroyed) == before + 1, "a lock after death ran destroy again");
  lsweak_free(w); /* frees the memory: valgrind sees it either way */

  /* A weak reference that outlives its object without ever being locked. */
  t = thing_new();
  CHECK(t != NULL, "thing_new failed");
  if (!t) return;
  w = lsweak_new(t);
  lsref_release(t);
  CHECK(lsweak_lock(w) == NULL, "lock after death did not return NULL");
  lsweak_free(w);

  errno = 0;
  CHECK(lsweak_new(NULL) == NULL && errno == EINVAL, "lsweak_new(NULL): want NULL, EINVAL");
  CHECK(lsweak_lock(NULL) == NULL, "lsweak_lock(NULL) not NULL");
  lsweak_free(NULL);
  CHECK(atomic_load(&destroyed_twice) == 0, "destroy ran twice on one object");
}

/* Stress 1: many acquire/release and weak lock pairs on a live object. */

typedef struct {
  thing *obj;
  long iterations;
  long lock_failures;
} pairs_arg;

static void *pairs_thread(void *p) {
  pairs_arg *a = p;
  lsweak *w = lsweak_new(lsref_acquire(a->obj));
  for (long i = 0; i < a->iterations; i++) {
    lsref_acquire(a->obj);
    if (lsref_release(a->obj)) a->lock_failures++;
    thing *t = lsweak_lock(w);
    if (!t || atomic_load_explicit(&t->state, memory_order_relaxed) != THING_ALIVE) a->lock_failures++;
    lsref_release(t);
  }
  lsweak_free(w);
  lsref_release(a->obj);
  return NULL;
}

static void test_stress_pairs(long iterations) {
  long before = atomic_load(&destroyed);
  thing *t = thing_new();
  CHECK(t != NULL, "thing_new failed");
  if (!t) return;
  pthread_t threads[4];
  pairs_arg args[4];
  for (int i = 0; i < 4; i++) {
    args[i] = (pairs_arg){t, iterations, 0};
    int rc = pthread_create(&threads[i], NULL, pairs_thread, &args[i]);
    CHECK(rc == 0, "pthread_create: %s", strerror(rc));
    if (rc != 0) args[i].iterations = -1;
  }
  for (int i = 0; i < 4; i++) {
    if (args[i].iterations < 0) continue;
    pthread_join(threads[i], NULL);
    CHECK(args[i].lock_failures == 0, "thread %d: %ld failed locks or early destructions", i, args[i].lock_failures);
  }
  CHECK(lsref_count(t) == 1, "count %ld after the stress, want 1", lsref_count(t));
  CHECK(atomic_load(&destroyed) == before, "destroyed during the stress");
  CHECK(lsref_release(t) == 1, "last release did not report destruction");
  CHECK(atomic_load(&destroyed) == before + 1, "destroy ran %ld times, want 1", atomic_load(&destroyed) - before);
}

/* Stress 2: weak locks racing with the last release, round after round.
 * Main sets up each round's object; the barrier releases the 4 workers,
 * and a second barrier waits for them to finish. */

#define RACE_THREADS 4

static struct {
  pthread_barrier_t start, done;
  long rounds;
  thing *obj;                  /* this round's object */
  lsweak *weak[RACE_THREADS];  /* one weak reference per worker */
  atomic_int last_releases;    /* releases that reported destruction, this round */
  atomic_long alive_misses;    /* a locked object found destroyed */
  atomic_long resurrections;   /* a lock that succeeded after one returned NULL */
} race;

/* Releases a reference, counting the release that destroyed the object. */
static void race_release(thing *t) {
  if (lsref_release(t)) atomic_fetch_add(&race.last_releases, 1);
}

static void *race_thread(void *p) {
  int me = (int)(intptr_t)p;
  for (long round = 0; round < race.rounds; round++) {
    pthread_barrier_wait(&race.start);
    lsweak *w = race.weak[me];
    thing *mine = race.obj; /* main acquired one strong reference for each worker */
    for (int i = 0; i < 8; i++) {
      thing *t = lsweak_lock(w);
      if (t && atomic_load(&t->state) != THING_ALIVE) atomic_fetch_add(&race.alive_misses, 1);
      race_release(t);
    }
    if (atomic_load(&mine->state) != THING_ALIVE) atomic_fetch_add(&race.alive_misses, 1);
    race_release(mine);
    thing *t;
    while ((t = lsweak_lock(w)) != NULL) { /* until the other workers let go */
      if (atomic_load(&t->state) != THING_ALIVE) atomic_fetch_add(&race.alive_misses, 1);
      race_release(t); /* may be the last release */
      sched_yield();   /* more threads than cores: let the holders run */
    }
    for (int i = 0; i < 4; i++)
      if ((t = lsweak_lock(w)) != NULL) {
        atomic_fetch_add(&race.resurrections, 1);
        race_release(t);
      }
    lsweak_free(w); /* the last of these frees the block */
    pthread_barrier_wait(&race.done);
  }
  return NULL;
}

static void test_stress_last_release(long rounds) {
  long before = atomic_load(&destroyed);
  race.rounds = rounds;
  pthread_barrier_init(&race.start, NULL, RACE_THREADS + 1);
  pthread_barrier_init(&race.done, NULL, RACE_THREADS + 1);
  pthread_t threads[RACE_THREADS];
  for (int i = 0; i < RACE_THREADS; i++) {
    int rc = pthread_create(&threads[i], NULL, race_thread, (void *)(intptr_t)i);
    if (rc != 0) { /* the barriers would wait forever */
      fprintf(stderr, "FAIL: pthread_create: %s\n", strerror(rc));
      exit(1);
    }
  }
  long bad_rounds = 0;
  for (long round = 0; round < rounds; round++) {
    thing *t = thing_new();
    if (!t) {
      fprintf(stderr, "FAIL: thing_new: out of memory\n");
      exit(1);
    }
    for (int i = 1; i < RACE_THREADS; i++) lsref_acquire(t);
    for (int i = 0; i < RACE_THREADS; i++) race.weak[i] = lsweak_new(t);
    race.obj = t;
    atomic_store(&race.last_releases, 0);
    pthread_barrier_wait(&race.start);
    pthread_barrier_wait(&race.done);
    if (atomic_load(&race.last_releases) != 1 || atomic_load(&destroyed) != before + round + 1) {
      if (bad_rounds++ < 5)
        fprintf(stderr, "FAIL: round %ld: %d releases reported destruction, destroy ran %ld times\n", round,
                atomic_load(&race.last_releases), atomic_load(&destroyed) - before - round);
    }
  }
  for (int i = 0; i < RACE_THREADS; i++) pthread_join(threads[i], NULL);
  pthread_barrier_destroy(&race.start);
  pthread_barrier_destroy(&race.done);
  CHECK(bad_rounds == 0, "%ld of %ld rounds did not destroy exactly once", bad_rounds, rounds);
  CHECK(atomic_load(&race.alive_misses) == 0, "%ld times a thread holding a strong reference saw it destroyed",
        atomic_load(&race.alive_misses));
  CHECK(atomic_load(&race.resurrections) == 0, "%ld locks succeeded after the object died",
        atomic_load(&race.resurrections));
  CHECK(atomic_load(&destroyed_twice) == 0, "destroy ran twice on one object");
}

int main(int argc, char **argv) {
  int small = argc > 1 && strcmp(argv[1], "--small") == 0;
  test_counts();
  test_weak();
  test_stress_pairs(small ? 20000 : 1000000);
  test_stress_last_release(small ? 500 : 20000);
  if (failures) {
    fprintf(stderr, "lsref_test: %d checks failed\n", failures);
    return 1;
  }
  printf("lsref_test: all checks passed\n");
  return 0;
}
