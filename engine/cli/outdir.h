/*
 * outdir.h - the command's output folder, written all or nothing (private
 * to the CLI; the library only makes strings and CSV streams).
 *
 * A run's files (results.json, run.json, the CSV views, report.html,
 * results.xlsx) must
 * appear together or not at all, and nothing from an earlier run may be left
 * beside them. So they are written into a fresh staging folder beside the
 * output folder (same parent, same file system), each file flushed to disk,
 * and the staging folder then takes the output folder's place in one atomic
 * step (renameat2 with RENAME_EXCHANGE); the old folder, now under the
 * staging name, is removed. A process killed at any instant leaves either
 * the old complete set or the new one under the output folder's name.
 *
 * The folder is checked, and the staging folder made, before the simulation
 * starts, so a typo in --out costs a second, not a night. An existing
 * folder is replaced only if everything in it is a file trustrisk writes;
 * anything else (a user's file, a sub-folder) makes the run refuse, so a
 * mistyped --out never deletes anyone's work.
 *
 * Every file the command writes goes through here (the library writes
 * none): a run's set through cli_outdir_add/open/close, report.html alone
 * through cli_file_replace; each is flushed to disk (fsync) before it is
 * put in place, and the folder after it.
 *
 * A batch's output folder also holds comparison.json, comparison.csv,
 * comparison.html and batch.log, and the folder scenarios/ with a folder
 * per scenario holding that scenario's run files: a folder is replaced, or
 * removed, only when everything in it, and in those folders, is
 * trustrisk's.
 *
 * States (docs/state-format.md) are trustrisk's files too: a run's
 * checkpoint.trs, a shard's shard-I-of-N.trs and its checkpoint-I-of-N.trs
 * (also an MPI rank's). Checkpoints are written into the output folder
 * itself (cli_outdir_keep), beside an earlier run's files, so the commit
 * that puts a finished run's files in place also removes them. Shard states
 * are the work of other processes: the commit keeps those that were in the
 * folder.
 */
#ifndef TR_CLI_OUTDIR_H
#define TR_CLI_OUTDIR_H

#include <stddef.h>
#include <stdio.h>

#include "trustrisk/trustrisk.h"

#include <signal.h>

/** Name of the checkpoint a long run keeps in its output folder. */
#define CLI_CHECKPOINT_FILE "checkpoint.trs"

/** A batch's files and folder (cmd_batch.c; its page is TR_COMPARISON_FILE):
 * beside the comparison, the folder scenarios/ holds a folder per
 * scenario, each with what a run writes. */
#define CLI_COMPARISON_JSON "comparison.json"
#define CLI_COMPARISON_CSV "comparison.csv"
#define CLI_BATCH_LOG "batch.log"
#define CLI_SCENARIOS_DIR "scenarios"

/**
 * Is `name` the name of a state file: "shard-I-of-N.trs", or (unless
 * `shard_only`) "checkpoint-I-of-N.trs" (I and N decimal)?
 */
int cli_is_state_name(const char *name, int shard_only);

/** An output folder being replaced; fill with cli_outdir_prepare. */
typedef struct cli_outdir {
    char *target;   /**< the output folder as the user named it */
    char *parent;   /**< the folder it lives in (symbolic links resolved) */
    char *base;     /**< its own name in parent */
    int parent_fd;  /**< parent, open; -1 when none */
    int stage_fd;   /**< the staging folder, open and locked; -1 when none */
    char stage[80]; /**< the staging folder's name in parent; "" when none */
    int existed;    /**< the output folder existed when prepared */
} cli_outdir;

/**
 * Check that `dir` can be the output folder of a run and make its staging
 * folder: create the missing parent folders, refuse a path that is not a
 * folder or a folder holding files trustrisk did not write (TR_E_INPUT),
 * check that the folder can be replaced (TR_E_IO when it cannot: no
 * permission, read-only file system, ...), and remove the staging folders
 * that a killed run into the same folder left behind. Every message names
 * the folder and the reason. On failure nothing is left to free.
 */
tr_status cli_outdir_prepare(cli_outdir *o, const char *dir, tr_error *err);

/** Make the folder `name` in the staging folder ("scenarios", then
 * "scenarios/ID"); the commit flushes it to disk. */
tr_status cli_outdir_mkdir(cli_outdir *o, const char *name, tr_error *err);

/** Write the file `name` into the staging folder, flushed to disk. `name`
 * may lie in a folder made by cli_outdir_mkdir ("scenarios/ID/results.json"). */
tr_status cli_outdir_add(cli_outdir *o, const char *name, const char *data, size_t len,
                         tr_error *err);

/**
 * Open the file `name` in the staging folder for writing; hand the stream
 * to cli_outdir_close, which flushes it to disk. NULL (and a message) on
 * failure.
 */
FILE *cli_outdir_open(cli_outdir *o, const char *name, tr_error *err);

/** Flush `fp` (from cli_outdir_open) to disk and close it; TR_E_IO if any write failed. */
tr_status cli_outdir_close(cli_outdir *o, FILE *fp, const char *name, tr_error *err);

/**
 * Put the staging folder in the output folder's place and remove the old
 * one; frees `o`. Where the file system cannot exchange two folders in one
 * step, the old folder is renamed aside first: a process killed between
 * the two renames leaves no folder under the output folder's name (both
 * sets stay complete under hidden names beside it, and the next run into
 * the folder removes them). On failure the new files stay in the staging
 * folder, whose path the message gives.
 */
tr_status cli_outdir_commit(cli_outdir *o, tr_error *err);

/** Give up: remove the staging folder and free `o`. */
void cli_outdir_abandon(cli_outdir *o);

/**
 * Replace the file `name` in the output folder itself (not the staging
 * folder) with `data`, as cli_file_replace does, making the folder if it
 * is missing: a checkpoint, beside an earlier run's complete files, until
 * the commit replaces them all.
 */
tr_status cli_outdir_keep(cli_outdir *o, const char *name, const void *data, size_t len,
                          tr_error *err);

/**
 * Append `data` to the file `name` in folder `dir` (a log), made if
 * missing, emptied first when `fresh`, and flushed to disk. A line written
 * in one call is never torn by a kill.
 */
tr_status cli_file_append(const char *dir, const char *name, const char *data, size_t len,
                          int fresh, tr_error *err);

/**
 * Make folder `dir` and its missing parents (a folder that already exists
 * is fine; a file in its place is TR_E_INPUT). For the folders that are
 * written into, not replaced: a shard's.
 */
tr_status cli_dir_ensure(const char *dir, tr_error *err);

/**
 * From now on the first SIGINT or SIGTERM sets *flag to the signal's
 * number (a run passes the flag as tr_run_options.stop, and stops between
 * blocks, saving its state); a later one ends the process as before,
 * removing the staging folder. NULL: every signal ends the process.
 */
void cli_signals_stop(volatile sig_atomic_t *flag);

/**
 * Replace the file `name` in folder `dir` with `data`, atomically: written
 * to an unnamed file (O_TMPFILE) or a temporary name in `dir`, flushed to
 * disk, then renamed over the old file. A process killed while writing
 * leaves the old file and nothing else.
 */
tr_status cli_file_replace(const char *dir, const char *name, const char *data, size_t len,
                           tr_error *err);

/**
 * Testing aid: when the environment variable TRUSTRISK_TEST_PAUSE names
 * `point`, say so on stderr and stop the process (SIGSTOP), so that a test
 * can kill it exactly there. Points: "prepared", "staging", "staged",
 * "exchanged", "removing", "replacing".
 */
void cli_test_pause(const char *point);

#endif /* TR_CLI_OUTDIR_H */
