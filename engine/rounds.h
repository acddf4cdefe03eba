/*
 * rounds.h - a run's blocks of paths, done in rounds of parallel work (private).
 *
 * Between two rounds every thread is idle and every statistic complete, so
 * that is where a run can be checkpointed or stopped. Which blocks are done
 * is kept as a set of ranges: a run stopped in the middle of a round leaves
 * a set with holes, which a resumed run fills; statistics merge exactly in
 * any order, so the final bytes do not depend on where the rounds fell.
 */
#ifndef TR_ROUNDS_H
#define TR_ROUNDS_H

#include <stddef.h>
#include <stdint.h>

#include "parallel.h"
#include "trustrisk/error.h"

/* Blocks as increasing, disjoint ranges [r[2k], r[2k+1]). */
typedef struct tr__blockset {
    uint64_t *r;
    size_t n;
} tr__blockset;

/* Add [lo, hi) (which may touch or overlap what is there). */
tr_status tr__blockset_add(tr__blockset *s, uint64_t lo, uint64_t hi);
int tr__blockset_has(const tr__blockset *s, uint64_t b);
uint64_t tr__blockset_count(const tr__blockset *s);
void tr__blockset_free(tr__blockset *s);

typedef struct tr__rounds {
    uint64_t lo, hi;    /* the blocks to have done: [lo, hi) */
    tr__blockset *done; /* in: done already; out: with the blocks done here */
    int threads;
    const tr__workers *w; /* task(ctx, local, k) does block round[k] and sets round_done[k] */
    void *ctx;
    const volatile int *stop;     /* stop between blocks when *stop != 0 */
    double every;                 /* seconds between checkpoints; 0: none on a timer */
    int (*checkpoint)(void *ctx); /* between rounds; returns non-zero on failure */
    int *failed;                  /* a task or start failed */
    /* Precision targets: when `check` is set, the blocks are done in stages
     * ending at fixed boundaries lo + 1, 2, 4, ..., 64 blocks, then every 64
     * (capped at hi); when every block before a boundary is done (and none
     * after it), check(ctx, boundary) says whether to stop there (1). */
    int (*check)(void *ctx, uint64_t boundary);
    uint64_t end; /* out: where the run ended: hi, or the boundary where check stopped it */
    /* the current round, for the tasks */
    uint64_t *round;
    unsigned char *round_done;
    int used_threads;
} tr__rounds;

/* The stage boundary after block count b (relative to lo): 1, 2, 4, ..., 64,
 * then multiples of 64. */
uint64_t tr__rounds_boundary_after(uint64_t b);

/* Do every block of [lo, hi) not yet done. TR_OK when all are done;
 * TR_E_INTERRUPTED when *stop asked to stop (done holds what finished);
 * TR_E_IO when a checkpoint failed; TR_E_NOMEM; or, when a task failed, the
 * status the caller finds in its own error. */
tr_status tr__rounds_run(tr__rounds *r);

#endif /* TR_ROUNDS_H */
