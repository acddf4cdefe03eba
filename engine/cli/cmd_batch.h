/*
 * cmd_batch.h - `trustrisk batch` (cmd_batch.c), and what `scenario` and
 * `merge` share with it: loading a manifest with --paths and --seed, and
 * writing a batch's output folder from its shards' states.
 */
#ifndef TR_CLI_CMD_BATCH_H
#define TR_CLI_CMD_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "statefile.h"
#include "trustrisk/trustrisk.h"

/* `trustrisk batch MANIFEST [options]` with the arguments after "batch";
 * `prog` as for cli_cmd_run. Returns the exit status: 0 done, 1 run-time
 * failure, 2 bad input (nothing written), 3 stopped by a signal with its
 * state saved. */
int cli_cmd_batch(int argc, char **argv, const char *prog);

/* A batch's --paths and --seed (each used when its has_ flag is set). */
typedef struct cli_batch_run {
    int has_paths, has_seed;
    uint64_t paths, seed;
} cli_batch_run;

/* Parse option `opt` ("--paths" or "--seed") with value `v` (may be NULL)
 * into `run`: 0, or the exit status of a usage error (printed). */
int cli_batch_run_option(const char *opt, const char *v, cli_batch_run *run);

/*
 * Load the manifest in `file` as tr_manifest_load_file does, every problem
 * in `err`; then, when `run` sets paths or seed, load it again with those
 * in place of its own, so that every scenario's merged config says them
 * (and so its config hash, and results.json, are those of `trustrisk run`
 * of the merged config that `trustrisk scenario --print` shows with the
 * same options).
 */
tr_status cli_manifest_load(const char *file, const cli_batch_run *run, tr_manifest **m,
                            tr_error *err);

/*
 * `trustrisk merge --manifest FILE STATES... --out DIR [--report] [--xlsx]`:
 * merge the states of a batch's shards (n states, as tr_batch_merge takes
 * them) into the batch's output folder, as `batch` writes it, all or
 * nothing, and print its summary. `extra` as for cli_outputs_write
 * (outputs.h). Problems go to `err`.
 */
tr_status cli_batch_merge(const char *manifest, const cli_batch_run *run, const void *const *states,
                          const size_t *lens, const char *const *names, size_t n, const char *out,
                          int extra, tr_error *err);

#endif /* TR_CLI_CMD_BATCH_H */
