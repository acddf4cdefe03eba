/*
 * runner.h - simulating the blocks of paths of one or more plans on the same
 * paths, in rounds over threads, with checkpoints, resume and merged states
 * (private).
 *
 * A run is a runner with one plan; a batch one with a plan per scenario, a
 * reference among them and the paired sums of every other scenario against
 * it (paired.h). Each block is done by one thread chunk by chunk; within a
 * chunk every plan is simulated on the same paths (the reference first), so
 * the paired sums need no per-path storage. Each plan's statistics are those
 * of a run of that plan alone, byte for byte.
 */
#ifndef TR_RUNNER_H
#define TR_RUNNER_H

#include "paired.h"
#include "results.h"
#include "rounds.h"
#include "state.h"
#include "trustrisk/run.h"

typedef struct tr__runner {
    uint32_t kind;            /* TR__STATE_RUN or TR__STATE_BATCH */
    size_t np;                /* plans */
    tr_results **res;         /* [np] each plan's results (plan, statistics) */
    size_t ref;               /* the reference plan (a batch) */
    tr__paired **pair;        /* [np] paired sums, NULL at ref; NULL for a run */
    const char *const *ids;   /* [np] scenario ids (a batch), or NULL */
    const char *const *texts; /* [np] each config's text (for the state) */
    const size_t *text_lens;  /* [np] */
    const char *manifest_sha; /* a batch's manifest, or "" */
    uint64_t paths, seed, first;
    uint32_t shard_i, shard_n;
    tr__target target; /* a precision target (part of the run's identity) */
    tr__blockset done; /* the blocks whose statistics are held */
    int threads;       /* used */
    double seconds;    /* the simulation took */
    const char *what;  /* "run" or "batch", in messages */
} tr__runner;

/* How to run: the run's or the batch's options, in one shape. */
typedef struct tr__runner_opts {
    int threads;
    tr_progress_fn progress;
    void *progress_user;
    tr_state_fn checkpoint;
    void *checkpoint_user;
    double checkpoint_every;
    const volatile int *stop;
    const void *resume;
    size_t resume_len;
    const char *resume_name;
    tr_precision_fn precision;
    void *precision_user;
} tr__runner_opts;

/* The blocks [b0, b1) of the run's paths, and [lo, hi) of its shard. */
void tr__runner_blocks(const tr__runner *r, uint64_t *b0, uint64_t *b1, uint64_t *lo, uint64_t *hi);

/* Run the blocks of the runner's shard not yet done (after resuming from
 * o->resume, when given). TR_E_INTERRUPTED when o->stop stopped it (the
 * state went to o->checkpoint). */
tr_status tr__runner_run(tr__runner *r, const tr__runner_opts *o, tr_error *err);

/* The runner's state (docs/state-format.md), which the caller frees. */
tr_status tr__runner_state(const tr__runner *r, void **state, size_t *len, tr_error *err);

/* Check that state info describes the runner's run (every difference is
 * reported, `how` saying what the state is, "the checkpoint", and `than`
 * what it is compared with, "this run's is"). */
tr_status tr__runner_same(const tr__runner *r, const tr__state_info *info, const char *name,
                          const char *how, const char *than, tr_error *err);

/* Merge the states of a run's parts (shards, ranks) into r, whose plans and
 * pairs are empty: each state is checked against r (same run) and together
 * they must cover every block of the run exactly once. */
tr_status tr__runner_merge(tr__runner *r, const void *const *states, const size_t *lens,
                           const char *const *names, size_t n, tr_error *err);

/* Decode the description of n states (the caller frees each info). */
tr_status tr__runner_infos(const void *const *states, const size_t *lens, const char *const *names,
                           size_t n, tr__state_info *info, size_t *payload, tr_error *err);

#endif /* TR_RUNNER_H */
