/*
 * trustrisk/import.h - building a config from spreadsheets (CSV files).
 *
 * Analysts keep trusts and savings schemes in spreadsheets. The importer
 * reads one CSV file with a row per trust, one with a row per scheme (a
 * `trust` column says whose), optionally one with a row per consortium, and
 * optionally a base JSON config holding the top-level fields (name,
 * horizon_months, paths, seed, copula, factors, and consortia when there is
 * no consortia CSV). It returns the equivalent config as canonical, pretty
 * JSON that the config loader accepts. The CSV layout (RFC 4180; column
 * names; cells such as "beta(0.7, 0.15)" or "north:0.6; south:0.3") is
 * documented in configs/README.md, section "Configs from spreadsheets".
 *
 * Every problem is reported, not only the first: each names the file, the
 * line and the column (as the diagnostic's `path`), says what was wrong and
 * what was expected. Rules that the config loader checks (ranges, beta
 * feasibility, shares summing to at most 1, references) are checked by
 * loading the result, and the loader's messages are mapped back to the CSV
 * file, line and column they came from.
 */
#ifndef TRUSTRISK_IMPORT_H
#define TRUSTRISK_IMPORT_H

#include <stddef.h>

#include "trustrisk/error.h"

#include "trustrisk/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One input held in memory. `data` NULL means the input is absent. */
typedef struct tr_import_source {
    const char *name; /**< shown in diagnostics (a file name); may be NULL */
    const char *data; /**< the bytes, not necessarily NUL-terminated; NULL = absent */
    size_t len;       /**< number of bytes */
} tr_import_source;

/** The inputs of an import. The caller keeps ownership of every buffer. */
typedef struct tr_import_sources {
    tr_import_source trusts;    /**< CSV, one row per trust (required) */
    tr_import_source schemes;   /**< CSV, one row per scheme (required; may hold only a header) */
    tr_import_source consortia; /**< CSV, one row per consortium (optional) */
    tr_import_source base;      /**< JSON object with the top-level fields (optional) */
} tr_import_sources;

/**
 * Build a config from in-memory inputs. On success *json receives the
 * config as a NUL-terminated string of pretty, canonical JSON (ending in a
 * newline) that the caller frees with free(); the same inputs always give
 * the same bytes. On failure *json is NULL, every problem is appended to
 * `err` and the status is TR_E_INPUT (bad input) or TR_E_NOMEM.
 */
TR_API tr_status tr_import_read_buffers(const tr_import_sources *src, char **json, tr_error *err);

/**
 * Same as tr_import_read_buffers for files: `trusts` and `schemes` are
 * required, `consortia` and `base` may be NULL. A file that cannot be read
 * is reported with its name (TR_E_INPUT when it does not exist, TR_E_IO
 * otherwise); files larger than TR_CONFIG_MAX_BYTES are refused.
 */
TR_API tr_status tr_import_read_files(const char *trusts, const char *schemes,
                                      const char *consortia, const char *base, char **json,
                                      tr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_IMPORT_H */
