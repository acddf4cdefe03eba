/*
 * trustrisk/run.h - running the Monte Carlo simulation and its results.
 *
 * tr_run simulates `paths` independent paths of a config (docs/model.md
 * sections 1-8) across threads and returns the summary statistics, which the
 * tr_results_ functions turn into documents: strings, and CSV written to the
 * caller's stream. Storing them (the command's output folder) is up to the
 * application. The results are a pure function of (config, seed, paths,
 * engine version): bit-for-bit the same for any number of threads, because
 * every path's randomness is addressed by (seed, path, what is drawn) and
 * every statistic is merged exactly (integer counts and exact sums).
 *
 * Ownership: results keep a pointer to the config they were run from (they
 * read its names, ids and distributions), so the config must outlive them:
 * free the results first, then the config.
 *
 * GSL's error handler, a setting of the whole process, is left to the
 * host. The library uses GSL for the t copula's chi-square draw and the
 * Student-t functions, and for the log Beta function when it builds a Beta
 * table; it checks every result, and an ordinary run of a valid config does
 * not reach GSL's handler (tests/test_dist.c runs the bundled example, with
 * Beta, PERT and a t copula, under GSL's default handler). Should GSL ever
 * fail (none is known for configs the loader accepts), GSL's default handler
 * prints a message and calls abort(); a host that prefers an error status
 * installs one that returns, such as gsl_set_error_handler_off()
 * (<gsl/gsl_errno.h>), once at start-up: the `trustrisk` command does.
 * Loading a config (config.h) and formatting results do not use GSL.
 */
#ifndef TRUSTRISK_RUN_H
#define TRUSTRISK_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trustrisk/config.h"
#include "trustrisk/error.h"
#include "trustrisk/limits.h"

#include "trustrisk/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Progress callback: called from one thread at a time, at most a few times a
 * second, with the number of paths finished so far.
 */
typedef void (*tr_progress_fn)(void *user, uint64_t done, uint64_t total);

/**
 * State callback: `state` (`len` bytes, valid during the call) is the whole
 * state of a run so far, to be kept (written to a file, atomically) so that
 * the run can be resumed from it or merged with others. Return 0 when it is
 * safely kept, anything else to stop the run with TR_E_IO.
 */
typedef int (*tr_state_fn)(void *user, const void *state, size_t len);

/**
 * Precision callback: called at each round boundary of a run with a
 * precision target, with the paths done, the standard error of the trust
 * furthest from its target and what the target allows it, and whether every
 * trust meets the target (the run then stops).
 */
typedef void (*tr_precision_fn)(void *user, uint64_t paths, double worst_se, double allowed,
                                int met);

/** Options of a run. Initialise with tr_run_options_init. */
typedef struct tr_run_options {
    uint64_t paths;          /**< number of paths (1..TR_MAX_PATHS) */
    uint64_t seed;           /**< seed of every random stream (0..2^53) */
    uint64_t first_path;     /**< index of the first path (default 0): the run
                                  simulates paths first_path .. first_path + paths - 1,
                                  so a run can be split into parts; parts that start
                                  at multiples of TR_PATH_BLOCK merge to the same bytes */
    int threads;             /**< worker threads; 0 = OpenMP's default */
    tr_progress_fn progress; /**< optional progress callback, or NULL */
    void *progress_user;     /**< passed to progress */
    /** Shard `shard_index` of `shard_count` (0 of 0: the whole run): of the
     *  run's B blocks of TR_PATH_BLOCK paths, numbered from 0, shard i runs
     *  blocks floor(i B / N) to floor((i + 1) B / N) - 1 (docs/state-format.md).
     *  A shard's results are partial: tr_results_state gives its state for
     *  tr_results_merge, and the formatters refuse them (TR_E_INPUT). */
    uint32_t shard_index, shard_count;
    /** A state to resume from (a checkpoint of this same run: config, seed,
     *  paths, first path, shard and engine version are checked), or NULL;
     *  resume_name names it in messages. */
    const void *resume;
    size_t resume_len;
    const char *resume_name;
    /** Checkpoints: called with the run's state at least every
     *  checkpoint_every seconds (0: never on a timer) between rounds of
     *  blocks, and when the run stops on `stop`. */
    tr_state_fn checkpoint;
    void *checkpoint_user;
    double checkpoint_every;
    /** When *stop becomes non-zero (a signal handler may set it), the run
     *  finishes the blocks in flight, calls `checkpoint` with its state and
     *  returns TR_E_INTERRUPTED. NULL: never. */
    const volatile int *stop;
    /** A precision target (0: none): stop at the first round boundary (1,
     *  2, 4, ..., 64 blocks of TR_PATH_BLOCK paths, then every 64 blocks, in
     *  path order) where every trust's P(fail) has se <= max(target_se,
     *  target_rel * estimate), a trust that has not failed yet counting as
     *  one failure; `paths` is the maximum. The paths used depend on (config,
     *  seed, target) alone. Not with shards. */
    double target_se, target_rel;
    tr_precision_fn precision; /**< optional: called at each round boundary */
    void *precision_user;
} tr_run_options;

/** Defaults: paths, seed and precision targets from the config, threads
 *  0, no progress. */
TR_API void tr_run_options_init(tr_run_options *opt, const tr_config *cfg);

/** Opaque run results. */
typedef struct tr_results tr_results;

/**
 * Run the simulation. On success *out receives results the caller frees with
 * tr_results_free, before `cfg`: the results keep a pointer to it. Invalid
 * options give TR_E_INPUT.
 */
TR_API tr_status tr_run(const tr_config *cfg, const tr_run_options *opt, tr_results **out,
                        tr_error *err);

/**
 * The state of a run (a finished one, or a shard) as bytes in *state, which
 * the caller frees with free(): versioned, checksummed and the same on any
 * machine (docs/state-format.md).
 */
TR_API tr_status tr_results_state(const tr_results *res, void **state, size_t *len, tr_error *err);

/**
 * Merge the states of the shards of one run (n states, names[k] naming each
 * in messages) into the results of the whole run, byte for byte those of
 * the run unsplit. The states must belong to one run (config, seed, paths,
 * engine version) and cover every block exactly once: a missing,
 * duplicated, foreign or damaged state is an error naming it (TR_E_INPUT).
 * *cfg receives the run's config (from the states: it needs no file), which
 * the caller frees with tr_config_free after the results.
 */
TR_API tr_status tr_results_merge(const void *const *states, const size_t *lens,
                                  const char *const *names, size_t n, tr_config **cfg,
                                  tr_results **out, tr_error *err);

/** Free results. NULL is allowed. */
TR_API void tr_results_free(tr_results *res);

/**
 * The results.json document (docs/results.md) as a NUL-terminated string
 * in *json, which the caller frees with free(). Deterministic: no timings.
 * On failure *json is NULL.
 */
TR_API tr_status tr_results_json(const tr_results *res, char **json, tr_error *err);

/** The CSV views of a run, each a file in the command's output folder. */
typedef enum tr_csv_view {
    TR_CSV_TRUSTS = 0,     /**< trusts.csv: a row per trust */
    TR_CSV_CONSORTIA,      /**< consortia.csv: a row per consortium */
    TR_CSV_FAILURE_CURVES, /**< failure_curves.csv: a row per trust and month */
    TR_CSV_SCHEMES,        /**< schemes.csv: a row per scheme */
    TR_CSV_VIEWS           /**< how many views there are */
} tr_csv_view;

/** The file name of a view ("trusts.csv", ...; static storage), NULL if unknown. */
TR_API const char *tr_csv_view_file(tr_csv_view view);

/**
 * Write one CSV view to `fp` (the caller's stream: it is neither flushed nor
 * closed here). Text cells are quoted per RFC 4180 when needed, and a text
 * cell that starts with =, +, -, @, a tab or a carriage return is written
 * quoted with a leading apostrophe ("'=1+2"), so that a spreadsheet shows
 * it as text instead of running it as a formula; numbers are plain.
 * Returns TR_E_IO when the stream reports an error, TR_E_INPUT for an
 * unknown view.
 */
TR_API tr_status tr_results_csv(const tr_results *res, tr_csv_view view, FILE *fp, tr_error *err);

/** Trusts the command's printed summary lists: the most at risk. */
#define TR_SUMMARY_TRUSTS 20

/**
 * Print the human summary: the `max_trusts` trusts most at risk (0: every
 * trust), ranked by probability of failure with 95 % intervals, expected
 * and 99 % bail-out, then a line saying how many more there are (all of
 * them are in trusts.csv); the consortia's exposure; the system's totals.
 * Names and ids are printed as tr_text_print shows them.
 */
TR_API void tr_results_print_summary(const tr_results *res, size_t max_trusts, FILE *fp);

/** Wall-clock seconds the simulation took (not in results.json: an
 *  application records it, with the threads, where it records how and when
 *  a run ran; the command writes run.json). */
TR_API double tr_results_seconds(const tr_results *res);

/** The paths the results hold: the run's, or, with a precision target, the
 *  paths it used (a shard: its own). */
TR_API uint64_t tr_results_paths(const tr_results *res);

/** Threads the run used. */
TR_API int tr_results_threads(const tr_results *res);

/**
 * Replay path `index` of a run with `seed` and write, as CSV, every trust's
 * month-by-month flows, savings, bail-outs and cash, followed by the values
 * the path drew for each element. The path is exactly the one tr_run
 * simulated as path `index` (any index may be replayed, also one beyond the
 * paths of a run). Text cells are written as tr_results_csv writes them.
 */
TR_API tr_status tr_path_replay(const tr_config *cfg, uint64_t seed, uint64_t index, FILE *out,
                                tr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_RUN_H */
