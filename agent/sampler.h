/*
 * sampler.h: sample mode.  Each byte allocated is marked with probability
 * 1/R (R = the sample option, the mean sampling interval), drawn as an
 * exponential countdown per thread: an allocation of Z bytes is sampled
 * with probability 1 - exp(-Z/R), and each sample carries the weight 1 /
 * that probability, so sums of weights are unbiased estimates.  The
 * sampled set (sampler.c) holds the live sampled blocks with their
 * weights, and per stack the freed samples' lifetimes.
 */
#ifndef LEAKSCOPE_AGENT_SAMPLER_H
#define LEAKSCOPE_AGENT_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* Freed samples' lifetimes by decade: SAMPLER_LIFETIME_BUCKETS weighted
 * counts per stack (under 1 us, under 10 us, ..., under 100 s, longer). */
#define SAMPLER_LIFETIME_BUCKETS 10

/* Bytes to the next sample, exponentially distributed with mean R; *rng
 * is the caller's random state (any non-zero start). */
AG_HIDDEN double sampler_next_gap(uint64_t *rng);
AG_HIDDEN double sampler_weight(size_t size);

AG_HIDDEN void sampler_record(uintptr_t ptr, size_t size, uint32_t stack, double weight);
/* Forget ptr if it is a sampled block (its lifetime is counted); 1 if it was. */
AG_HIDDEN int sampler_remove(uintptr_t ptr);
/* 0 when no sampled block can start at ptr (lock-free; a 1 may be false). */
AG_HIDDEN int sampler_may_hold(uintptr_t ptr);
/* The unbiased estimate of the live heap, kept up to date by record/remove. */
AG_HIDDEN uint64_t sampler_live_bytes(void);
/* The highest that estimate has been. */
AG_HIDDEN uint64_t sampler_peak_bytes(void);

typedef void (*sampler_visit_fn)(uintptr_t ptr, size_t size, uint32_t stack, double weight, void *arg);
AG_HIDDEN void sampler_foreach(sampler_visit_fn fn, void *arg);
AG_HIDDEN void sampler_foreach_lifetime(void (*fn)(uint32_t stack, const double *died, void *arg), void *arg);

/* Around fork (the child resets the lock). */
AG_HIDDEN void sampler_lock(void);
AG_HIDDEN void sampler_unlock(void);
AG_HIDDEN void sampler_reset_lock(void);

#endif
