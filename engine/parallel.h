/*
 * parallel.h - running independent tasks on threads (private).
 *
 * The only place with OpenMP pragmas. A build without OpenMP runs the same
 * code on one thread. Tasks are taken dynamically, one at a time; nothing a
 * task computes may depend on which thread runs it or in which order (the
 * callers make every result exact in any order).
 */
#ifndef TR_PARALLEL_H
#define TR_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

/* The most threads a parallel region uses, whatever OMP_NUM_THREADS says
 * (tr_run_options.threads has the same bound): GCC's runtime sets up a
 * region's threads on the stack, and OMP_NUM_THREADS=100000 overflowed it. */
#define TR__MAX_THREADS 4096

/* The number of threads a parallel region would use for `threads` (0: the
 * OpenMP default, OMP_NUM_THREADS or the cores, at most TR__MAX_THREADS;
 * 1 without OpenMP). */
int tr__threads_default(int threads);

/* Run job(ctx, i) for i in [0, n) on up to `threads` threads (0: default).
 * Returns the number of threads used. */
int tr__parallel_for(size_t n, int threads, void (*job)(void *ctx, size_t i), void *ctx);

/*
 * Workers with per-thread state: each of up to `threads` threads calls
 * start(ctx, &local) once (non-zero: this thread failed and takes no task),
 * then task(ctx, local, i) for the tasks it takes, then finish(ctx, local,
 * ok), one thread at a time. Once any start or task has failed (*failed set
 * to 1, by start's failure or by a task through tr__flag_set), the remaining
 * tasks are skipped. Returns the number of threads used.
 */
typedef struct tr__workers {
    int (*start)(void *ctx, void **local);
    void (*task)(void *ctx, void *local, size_t i);
    void (*finish)(void *ctx, void *local, int ok);
} tr__workers;
int tr__parallel_workers(size_t n, int threads, const tr__workers *w, void *ctx, int *failed);

/* Atomic helpers usable from tasks. */
void tr__flag_set(int *flag);
void tr__flag_clear(int *flag);
int tr__flag_get(const int *flag);
int tr__flag_claim(int *flag);                    /* 1 for the first caller only */
uint64_t tr__atomic_add(uint64_t *x, uint64_t v); /* returns the new value */

#endif /* TR_PARALLEL_H */
