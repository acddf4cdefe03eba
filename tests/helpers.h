/*
 * helpers.h - what many tests need, written once (tests/helpers.c is
 * compiled into every test).
 *
 * Every helper fails the calling test (Criterion's cr_assert) when it
 * cannot do its job, unless it says it returns NULL instead. Every test
 * process starts with GSL's error handler off, as the command does (the
 * library expects a handler that returns: trustrisk/run.h).
 */
#ifndef TR_TEST_HELPERS_H
#define TR_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "trustrisk/trustrisk.h"

#if defined(__GNUC__)
#define TH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TH_PRINTF(f, a)
#endif

/* ---- strings and configs ---------------------------------------------- */

/* A formatted string the caller frees. */
char *th_fmt(const char *fmt, ...) TH_PRINTF(1, 2);

/* JSON written with single quotes, printf-formatted: every ' becomes ",
 * except \' which becomes a plain apostrophe. The caller frees it. */
char *th_json(const char *fmt, ...) TH_PRINTF(1, 2);

/* Load a config from JSON text (named "test.json", or `name`, in
 * messages); the test fails, printing every problem, if it does not load. */
tr_config *th_load(const char *json);
tr_config *th_load_as(const char *name, const char *json);

/* The diagnostic of `err` at `path` (NULL: one without a path) whose
 * message holds `sub`, or NULL. */
const tr_diag *th_find_diag(const tr_error *err, const char *path, const char *sub);

/* Load a config written with single quotes (th_json), named `name` in
 * messages: it must be refused (TR_E_INPUT, no config) with a diagnostic
 * at `path` (NULL: the whole document) whose message holds `sub`, and
 * every diagnostic must be an input error naming `name`. Every problem is
 * printed when the one expected is missing. */
void th_config_refused(const char *name, const char *json, const char *path, const char *sub);

/* ---- runs and results.json -------------------------------------------- */

/* tr_run with `paths`, `seed` and `threads` (0: the default). */
tr_status th_run(const tr_config *cfg, uint64_t paths, uint64_t seed, int threads, tr_results **res,
                 tr_error *err);

/* results.json of `res`, parsed. */
cJSON *th_results_json(const tr_results *res);

/* Run (the test fails if the run fails) and parse its results.json. */
cJSON *th_run_json(const tr_config *cfg, uint64_t paths, uint64_t seed, int threads);

/* The node at `path` ("trusts/0/p_fail/estimate": keys and array indices
 * separated by '/'), or NULL. */
const cJSON *th_at(const cJSON *j, const char *path);

/* The number at `path`, NAN for null; the test fails when it is missing or
 * not a number. */
double th_num(const cJSON *j, const char *path);
double th_numf(const cJSON *j, const char *fmt, ...) TH_PRINTF(2, 3);

/* The string at `path`, or NULL. */
const char *th_str(const cJSON *j, const char *path);

/* ---- files and folders ------------------------------------------------ */

/* A whole file, NUL-terminated (its length in *len when len is not NULL),
 * or NULL when it cannot be read. The caller frees it. */
char *th_read(const char *file, size_t *len);

/* th_read, and the test fails when the file cannot be read. */
char *th_read_ok(const char *file);

/* Write `data` as the whole of `file`. */
void th_write(const char *file, const char *data);

/* Make a fresh folder /tmp/tr-TAG-XXXXXX into dir (size bytes); it is
 * removed, with all in it, when the test's process exits. */
void th_tmpdir(char *dir, size_t size, const char *tag);

/* Remove a folder and everything in it (missing is fine). */
void th_remove_tree(const char *dir);

/* Entries in a folder, . and .. aside. */
int th_count_entries(const char *dir);

/* Entries in a folder whose names start with `prefix` (. and .. aside). */
int th_count_named(const char *dir, const char *prefix);

/* Does `path` exist (as anything, a dangling link too)? */
int th_exists(const char *path);

/* ---- processes -------------------------------------------------------- */

/* Run a shell command line; returns its exit status. */
int th_sh(const char *fmt, ...) TH_PRINTF(1, 2);

/* What one run of the trustrisk binary (TR_BINARY) gave. */
typedef struct th_cli {
    int status; /* exit status, or 128 + the signal that killed it */
    char *out;  /* standard output, NUL-terminated */
    char *err;  /* standard error */
} th_cli;

/* Run TR_BINARY with `args` (NULL-terminated, without argv[0]), standard
 * input from /dev/null; output is captured through files, so a chatty
 * child never blocks on a full pipe. */
th_cli th_run_cli(const char *const *args);
void th_cli_free(th_cli *r);

/* Start TR_BINARY with `args` as th_run_cli does, with `env` ("NAME=VALUE"
 * strings, NULL-terminated; NULL for none) added to the environment,
 * standard output and error into the files named, and return at once;
 * th_wait_cli waits for it and returns its exit status, or 128 + the
 * signal that ended it. */
pid_t th_start_cli(const char *const *args, const char *const *env, const char *out_path,
                   const char *err_path);
int th_wait_cli(pid_t pid);

#endif /* TR_TEST_HELPERS_H */
