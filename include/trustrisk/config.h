/*
 * trustrisk/config.h - loading and validating a config (docs/model.md section 9).
 *
 * A tr_config is an immutable, fully validated model of one JSON config: all
 * defaults applied, every reference resolved. Loading checks every rule of
 * the specification and reports every problem at once; a config that fails
 * any rule is never returned.
 */
#ifndef TRUSTRISK_CONFIG_H
#define TRUSTRISK_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trustrisk/error.h"
#include "trustrisk/limits.h"

#include "trustrisk/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque, immutable config. Safe to share between threads once loaded. */
typedef struct tr_config tr_config;

/**
 * Load and validate the config in file `filename`. On success *out receives
 * a config the caller frees with tr_config_free. On failure *out is NULL,
 * every problem is appended to `err` (each naming the file) and the status
 * is TR_E_INPUT (bad config, or no such file), TR_E_IO (a file that exists
 * but cannot be read) or TR_E_NOMEM.
 */
TR_API tr_status tr_config_load_file(const char *filename, tr_config **out, tr_error *err);

/**
 * Same as tr_config_load_file for a buffer of `len` bytes (need not be
 * NUL-terminated). `source_name` is used in diagnostics (may be NULL).
 */
TR_API tr_status tr_config_load_buffer(const char *data, size_t len, const char *source_name,
                                       tr_config **out, tr_error *err);

/** Free a config. NULL is allowed. */
TR_API void tr_config_free(tr_config *cfg);

/** The config's `name` (never NULL). */
TR_API const char *tr_config_name(const tr_config *cfg);

/** Lower-case hex SHA-256 (64 characters) of the config's canonical form (canon.c):
 *  the same for any order, formatting or spelled-out defaults of the file. */
const char *tr_config_sha256(const tr_config *cfg);

/** `horizon_months`. */
TR_API int tr_config_horizon(const tr_config *cfg);

/** Default number of paths (`paths`, default 10000). */
TR_API uint64_t tr_config_paths(const tr_config *cfg);

/** Default seed (`seed`, default 1). */
TR_API uint64_t tr_config_seed(const tr_config *cfg);

/** Counts of the config's parts. */
TR_API size_t tr_config_trust_count(const tr_config *cfg);
TR_API size_t tr_config_scheme_count(const tr_config *cfg); /**< over all trusts */
TR_API size_t tr_config_consortium_count(const tr_config *cfg);
TR_API size_t tr_config_factor_count(const tr_config *cfg);

/** "gaussian" or "t". */
TR_API const char *tr_config_copula(const tr_config *cfg);

/** Print a one-paragraph summary (trusts, schemes, consortia, factors, horizon). */
TR_API void tr_config_describe(const tr_config *cfg, FILE *fp);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_CONFIG_H */
