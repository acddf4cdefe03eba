/*
 * json_scan.h - UTF-8, line and column, and a strict JSON syntax check
 * (private).
 *
 * Shared by everything that reads text: the config loader (config.c), the
 * importer's CSV reader (import.c), the printable form of messages
 * (error.c) and the report's reading of results.json (report.c).
 *
 * The scanner checks RFC 8259 strictly and says where (a byte offset, made
 * into line:column by tr__line_col) and why, in words an author can act on
 * ("expected ',' or '}' after an object member", "NaN/Infinity are not
 * allowed"). It builds nothing: cJSON builds the tree afterwards, and it
 * accepts some non-JSON (leading zeros, "-.5") that the scanner has already
 * refused.
 */
#ifndef TR_JSON_SCAN_H
#define TR_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes in the well-formed UTF-8 character (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF) that starts at s, of which `avail`
 * bytes may be read: 1 for an ASCII byte (NUL included), 2 to 4, or 0 when
 * none starts there. It stops at the first byte that does not fit, so a
 * NUL-terminated string may be passed with avail 4. */
size_t tr__utf8_seq(const unsigned char *s, size_t avail);

/* Offset of the first byte of s[0..len) that is NUL or not well-formed
 * UTF-8; len if there is none. */
size_t tr__utf8_check(const char *s, size_t len);

/* 1-based line and column (in characters, not bytes) of byte `off` of s. */
void tr__line_col(const char *s, size_t off, int *line, int *col);

/* Levels of nesting tr__json_check accepts below the top-level value (a
 * config needs about 8). */
#define TR__JSON_MAX_DEPTH 64

typedef enum tr__json_verdict {
    TR__JSON_OK = 0, /* one well-formed JSON value, with only white space around it */
    TR__JSON_EMPTY,  /* nothing but white space */
    TR__JSON_BAD     /* a syntax error: at and msg say where and what */
} tr__json_verdict;

typedef struct tr__json_scan {
    tr__json_verdict verdict;
    size_t at;     /* byte offset of the error */
    char msg[200]; /* what is wrong, and what was expected */
    /* When `capture` was given: the text of the top-level member of that
     * name (capture_len 0 if none; a key spelled with \u escapes is not
     * seen). The loader checks the seed's digits this way. */
    size_t capture_at, capture_len;
} tr__json_scan;

/* Check that s[0..n) is JSON. `capture` (may be NULL) names a top-level
 * member whose value's text to find. Returns the verdict (also in out). */
tr__json_verdict tr__json_check(const char *s, size_t n, const char *capture, tr__json_scan *out);

#endif /* TR_JSON_SCAN_H */
