/*
 * lsref.c: reference-counted objects with weak references (include/lsref.h
 * has the contract).  Each object is one calloc'ed block: the control block
 * (struct lsweak, which is also what a weak handle points at) and, after
 * it, the object the caller sees.
 *
 * The counts follow std::shared_ptr's scheme.  `strong` counts strong
 * references; once it reaches 0 it stays 0 (lsweak_lock only raises a
 * count it saw above 0, with compare-and-swap).  `weak` counts weak
 * handles plus one for all the strong references together, dropped after
 * destroy has run; whoever drops `weak` to 0 frees the block, so the last
 * strong release and the last lsweak_free cannot both free it, or free it
 * under each other.
 *
 * Memory order: increments are relaxed (a thread can only add a reference
 * to an object it can already reach); decrements are acq_rel so that every
 * thread's writes to the object happen before destroy and free, and a
 * successful lsweak_lock is acquire so the locking thread sees the object
 * as its last writer left it.  (acq_rel on the decrement rather than a
 * release decrement plus an acquire fence, so ThreadSanitizer can follow
 * it; on x86 both are the same locked instruction.)
 */
#include "lsref.h"

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

/* The control block at the start of every object's allocation. */
struct lsweak {
  atomic_long strong;         /* strong references; 0 means destroyed, for good */
  atomic_long weak;           /* weak handles, plus 1 while strong > 0 */
  void (*destroy)(void *obj); /* NULL for none */
};

/* The object starts this many bytes into the block: the control block's
 * size rounded up to malloc's alignment, so the object is aligned as
 * malloc would align it. */
#define LSREF_HEADER_SIZE \
  ((sizeof(struct lsweak) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

static struct lsweak *lsref_control(void *obj) { return (struct lsweak *)((char *)obj - LSREF_HEADER_SIZE); }

static void *lsref_object(struct lsweak *control) { return (char *)control + LSREF_HEADER_SIZE; }

/* Drops one unit of the weak count; the last one frees the block. */
static void lsref_drop_weak(struct lsweak *control) {
  if (atomic_fetch_sub_explicit(&control->weak, 1, memory_order_acq_rel) == 1) free(control);
}

void *lsref_new(size_t size, void (*destroy)(void *obj)) {
  if (size > SIZE_MAX - LSREF_HEADER_SIZE) {
    errno = ENOMEM;
    return NULL;
  }
  struct lsweak *control = calloc(1, LSREF_HEADER_SIZE + size);
  if (!control) {
    errno = ENOMEM;
    return NULL;
  }
  atomic_init(&control->strong, 1);
  atomic_init(&control->weak, 1);
  control->destroy = destroy;
  return lsref_object(control);
}

void *lsref_acquire(void *obj) {
  if (obj) atomic_fetch_add_explicit(&lsref_control(obj)->strong, 1, memory_order_relaxed);
  return obj;
}

int lsref_release(void *obj) {
  if (!obj) return 0;
  struct lsweak *control = lsref_control(obj);
  if (atomic_fetch_sub_explicit(&control->strong, 1, memory_order_acq_rel) != 1) return 0;
  if (control->destroy) control->destroy(obj);
  lsref_drop_weak(control);
  return 1;
}

long lsref_count(const void *obj) {
  if (!obj) return 0;
  return atomic_load_explicit(&lsref_control((void *)obj)->strong, memory_order_relaxed);
}

lsweak *lsweak_new(void *obj) {
  if (!obj) {
    errno = EINVAL;
    return NULL;
  }
  struct lsweak *control = lsref_control(obj);
  atomic_fetch_add_explicit(&control->weak, 1, memory_order_relaxed);
  return control;
}

void *lsweak_lock(lsweak *w) {
  if (!w) return NULL;
  long strong = atomic_load_explicit(&w->strong, memory_order_relaxed);
  while (strong > 0) {
    /* On failure `strong` is reloaded; a 0 there ends the loop for good. */
    if (atomic_compare_exchange_weak_explicit(&w->strong, &strong, strong + 1, memory_order_acquire,
                                              memory_order_relaxed))
      return lsref_object(w);
  }
  return NULL;
}

void lsweak_free(lsweak *w) {
  if (w) lsref_drop_weak(w);
}
