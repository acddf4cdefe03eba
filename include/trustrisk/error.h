/*
 * trustrisk/error.h - status codes and the caller-owned error list.
 *
 * Every fallible function in the library returns a tr_status and, when it
 * fails, appends one or more diagnostics to a tr_error that the caller owns.
 * There is no global error state. A config that breaks several rules yields
 * one diagnostic per problem, each with the JSON path of the offending value
 * and, for JSON syntax errors, the line and column.
 */
#ifndef TRUSTRISK_ERROR_H
#define TRUSTRISK_ERROR_H

#include <stddef.h>
#include <stdio.h>

#include "trustrisk/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. The command line maps them onto exit codes (see README). */
typedef enum tr_status {
    TR_OK = 0,         /**< success */
    TR_E_INTERNAL = 1, /**< a bug or an unexpected failure of a library call */
    TR_E_INPUT = 2,    /**< invalid input: config, arguments, results folder */
    TR_E_IO = 3,       /**< reading or writing a file failed (disk full, permissions) */
    TR_E_NOMEM = 4     /**< out of memory */
} tr_status;

/** One problem. All strings are owned by the tr_error that holds it. */
typedef struct tr_diag {
    tr_status status; /**< kind of problem */
    char *file;       /**< file the problem is in, or NULL */
    char *path;       /**< JSON path such as "trusts[2].schemes[0].delivery.sd", or NULL */
    int line;         /**< 1-based line for syntax errors, else 0 */
    int column;       /**< 1-based column for syntax errors, else 0 */
    char *message;    /**< plain-English reason and what was expected */
} tr_diag;

/** A list of problems, owned by the caller: tr_error_init, then tr_error_clear. */
typedef struct tr_error {
    size_t count;    /**< number of diagnostics */
    size_t capacity; /**< allocated slots */
    tr_diag *diags;  /**< the diagnostics, in the order found */
    int truncated;   /**< non-zero when diagnostics were dropped (limit or memory) */
} tr_error;

/** Make an empty list. */
TR_API void tr_error_init(tr_error *err);

/** Free every diagnostic and leave the list empty (reusable). NULL is allowed. */
TR_API void tr_error_clear(tr_error *err);

/**
 * Append a diagnostic; file and path may be NULL, line/column 0 when unknown.
 * Returns `status` so that callers can write `return tr_error_add(...)`.
 * If memory runs out the list is marked truncated and the status is still
 * returned: reporting an error never fails.
 */
TR_API tr_status tr_error_add(tr_error *err, tr_status status, const char *file, const char *path,
                              int line, int column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/** The most severe status in the list (TR_OK when empty). */
TR_API tr_status tr_error_status(const tr_error *err);

/**
 * Print every diagnostic, one per line, as
 * "file:line:column: path: message" (parts that are unknown are left out).
 * Each part is printed with tr_text_print, so no control character from a
 * config or a file name reaches the terminal.
 */
TR_API void tr_error_print(const tr_error *err, FILE *fp);

/**
 * Print `s` with every character that could drive a terminal shown as an
 * escape: C0 controls (tab and newline included), DEL and bytes that are not
 * UTF-8 as \xHH (ESC is "\x1B"), C1 controls (U+0080-U+009F) as \u00HH.
 * Other text, UTF-8 included, is printed as it is. NULL prints nothing.
 */
TR_API void tr_text_print(FILE *fp, const char *s);

/** A short English name for a status ("invalid input", ...). */
TR_API const char *tr_status_string(tr_status status);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_ERROR_H */
