/*
 * runinfo.h - run.json: how and when a run ran (private to the CLI).
 *
 * results.json is a pure function of the config, seed, paths and engine
 * version; run.json records the rest: threads, timings, the host's name
 * and the time the run finished, and how the run was done (resumed, spread
 * over MPI ranks, merged from shards). The library gives the timings and
 * threads (tr_results_seconds, tr_results_threads); the host's facts are
 * the command's.
 */
#ifndef TR_CLI_RUNINFO_H
#define TR_CLI_RUNINFO_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "trustrisk/trustrisk.h"

/** A whole number as JSON with every digit, for the seed in run.json and
 * batch.log (cJSON prints a double with 15 significant digits when they
 * read back within a relative 2^-52, which loses seeds above about 5.7e15). */
cJSON *cli_json_u64(uint64_t x);

/** What run.json says about a run, besides the config's name. */
typedef struct cli_run_facts {
    const char *config_file; /**< as named on the command line; NULL: none (a merge) */
    uint64_t paths, seed;
    int threads;                     /**< worker threads (in each process); 0: unknown (a merge) */
    double seconds;                  /**< wall-clock seconds of the simulation; NAN: unknown */
    int mpi_ranks;                   /**< processes under MPI; 0: not run under MPI */
    int resumed;                     /**< continued from a checkpoint */
    size_t merged;                   /**< states merged (0: not a merge) ... */
    const char *const *merged_files; /**< ... and their files */
    const char *manifest_file;       /**< a batch's scenario: the manifest as named; else NULL */
    const char *scenario;            /**< ... and the scenario's id */
} cli_run_facts;

/**
 * The run.json document (engine, config name and file, paths, seed,
 * threads, OpenMP, seconds, paths per second, host, time finished, and
 * resumed, mpi_ranks, merged_from, merged_files and batch when they apply, as
 * docs/results.md lists them) as a NUL-terminated string in *json, which
 * the caller frees with free(). On failure *json is NULL (TR_E_NOMEM).
 */
tr_status cli_run_json(const tr_config *cfg, const cli_run_facts *facts, char **json,
                       tr_error *err);

#endif /* TR_CLI_RUNINFO_H */
