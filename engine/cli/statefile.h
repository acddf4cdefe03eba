/*
 * statefile.h - state files on disk (private to the CLI): reading one
 * whole, the names of a run's checkpoints and a shard's state, and the
 * shard states a folder holds. Writing them goes through outdir.h, like
 * every file the command writes.
 */
#ifndef TR_CLI_STATEFILE_H
#define TR_CLI_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "trustrisk/trustrisk.h"

/** A state read from a file. */
typedef struct cli_state {
    char *name; /**< the file, as named (for messages) */
    void *data; /**< its bytes (malloc'd) */
    size_t len;
} cli_state;

/**
 * Read `file` whole. Every problem names the file: one that cannot be
 * opened, is not a regular file or is larger than this machine's memory is
 * TR_E_INPUT; a failing read TR_E_IO; TR_E_NOMEM. What the bytes say is
 * the library's to check (tr_run's resume, tr_results_merge).
 */
tr_status cli_state_read(const char *file, cli_state *st, tr_error *err);

/** Free what cli_state_read filled (a zeroed cli_state too). */
void cli_state_free(cli_state *st);

/**
 * The name of a state file in a folder (malloc'd; NULL when out of memory):
 * `kind` "shard" or "checkpoint" with n > 0 gives KIND-I-of-N.trs; kind
 * "checkpoint" with n = 0 gives checkpoint.trs. With `dir` the path
 * "DIR/NAME", else the name alone.
 */
char *cli_state_file(const char *dir, const char *kind, uint32_t i, uint32_t n);

/**
 * Is the last component of `path` the name of a state file of a part of a
 * run, "shard-I-of-N.trs" or (unless `shard_only`) "checkpoint-I-of-N.trs"?
 * 1 if so, with I and N in *i and *n (either may be NULL; numbers beyond 32
 * bits read as UINT32_MAX), else 0.
 */
int cli_state_name_parse(const char *path, int shard_only, uint32_t *i, uint32_t *n);

/**
 * Append to (*list, *n) the paths of the shard states in folder `dir`
 * (every shard-I-of-N.trs, ordered by N, then I), each malloc'd, like the
 * array. A folder without any is TR_E_INPUT, naming it.
 */
tr_status cli_state_list_shards(const char *dir, char ***list, size_t *n, tr_error *err);

#endif /* TR_CLI_STATEFILE_H */
