/*
 * runinfo.h - run.json: how and when a run ran (private to the CLI).
 *
 * results.json is a pure function of the config, seed, paths and engine
 * version; run.json records the rest: threads, timings, the host's name
 * and the time the run finished. The library gives the timings and
 * threads (tr_results_seconds, tr_results_threads); the host's facts are
 * the command's.
 */
#ifndef TR_CLI_RUNINFO_H
#define TR_CLI_RUNINFO_H

#include "trustrisk/trustrisk.h"

/**
 * The run.json document (engine, config name and file, paths, seed,
 * threads, OpenMP, seconds, paths per second, host, time finished, as
 * docs/results.md lists them) as a NUL-terminated string in *json, which
 * the caller frees with free(). `config_file` is the config as named on
 * the command line. On failure *json is NULL (TR_E_NOMEM).
 */
tr_status cli_run_json(const tr_config *cfg, const char *config_file, const tr_run_options *opt,
                       const tr_results *res, char **json, tr_error *err);

#endif /* TR_CLI_RUNINFO_H */
