/*
 * lsref.h: reference-counted objects with weak references, part of
 * liblscache (leakscope's leak-safe containers; lscache.h is the bounded
 * cache built on them).  The C counterpart of the IncRef/DecRef plus weak
 * reference fix for a cache that held its values forever: every holder
 * owns a strong reference, the object is destroyed as soon as the last one
 * is released, and a weak reference can ask "is it still alive?" without
 * keeping it alive.
 *
 *   obj = lsref_new(sizeof(struct thing), thing_destroy);  strong count 1
 *   lsref_acquire(obj);  lsref_release(obj);                +1 / -1
 *   w = lsweak_new(obj);  p = lsweak_lock(w);               NULL once dead
 *
 * Memory layout (what lsref_new allocates): one block holding a control
 * block (strong count, weak count, destroy function) followed by the
 * object, so an object costs one malloc.  When the strong count reaches 0
 * the destroy function runs at once, in the thread that released the last
 * strong reference; the block itself is freed then too unless weak
 * references remain, in which case the last lsweak_free frees it (as with
 * std::make_shared).  So a weak reference that is never freed keeps the
 * object's `size` bytes allocated, but not what destroy releases: keep
 * large buffers in memory of their own that destroy frees.
 *
 * Thread safety: every function may be called from any thread at the same
 * time on the same object; the counts are C11 atomics, no locks.  A thread
 * may only call lsref_acquire, lsref_release or lsweak_new on an object it
 * holds a strong reference to (as with any reference count); lsweak_lock
 * is the way to get a strong reference from nothing but a weak one.
 * Releasing more references than were acquired is undefined behaviour.
 */
#ifndef LSREF_H
#define LSREF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A weak reference: an opaque handle to the object's control block. */
typedef struct lsweak lsweak;

/* A new object of `size` zeroed bytes (aligned as malloc aligns) with
 * strong count 1.  destroy (NULL for none) runs once, when the last strong
 * reference is released, before the memory may be freed; it must not free
 * obj itself.  NULL with errno ENOMEM when memory is short. */
void *lsref_new(size_t size, void (*destroy)(void *obj));

/* One more strong reference to obj; returns obj (NULL stays NULL). */
void *lsref_acquire(void *obj);

/* Drops one strong reference.  Returns 1 if this call released the last
 * one (destroy has run), 0 otherwise; NULL is a no-op returning 0. */
int lsref_release(void *obj);

/* The strong count now (for tests and debugging: in a threaded program
 * it may have changed by the time the caller looks at it); 0 for NULL. */
long lsref_count(const void *obj);

/* A weak reference to obj, which the caller must hold a strong reference
 * to.  It allocates nothing (the handle is the object's control block), so
 * it fails only for a NULL obj: NULL with errno EINVAL.  Free it with
 * lsweak_free. */
lsweak *lsweak_new(void *obj);

/* A new strong reference to the object if it is still alive (the caller
 * releases it), else NULL.  An object whose strong count reached 0 never
 * comes back, even if lsweak_lock races with the last lsref_release. */
void *lsweak_lock(lsweak *w);

/* Drops the weak reference (NULL ok); the last reference of either kind
 * frees the memory. */
void lsweak_free(lsweak *w);

#ifdef __cplusplus
}
#endif

#endif /* LSREF_H */
