/*
 * json_scan.h - UTF-8, line and column, and a strict JSON syntax check
 * (private; defined in config.c).
 *
 * The config loader's gates 1 and 2, for every other reader of JSON text
 * (scenario.c reads batch manifests and overlays with them). The scanner
 * checks RFC 8259 strictly and says where (a byte offset, made into
 * line:column by tr__line_col) and why, in words an author can act on
 * ("expected ',' or '}' after an object member", "NaN/Infinity are not
 * allowed"). It builds nothing: cJSON builds the tree afterwards, and it
 * accepts some non-JSON (leading zeros, "-.5") that the scanner has already
 * refused.
 */
#ifndef TR_JSON_SCAN_H
#define TR_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Offset of the first byte of s[0..len) that is NUL or not well-formed
 * UTF-8 (RFC 3629); len if there is none. */
size_t tr__utf8_check(const char *s, size_t len);

/* 1-based line and column (in characters, not bytes) of byte `off` of s. */
void tr__line_col(const char *s, size_t off, int *line, int *col);

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
     * seen). The loaders check a seed's digits this way. */
    size_t capture_at, capture_len;
} tr__json_scan;

/* Check that s[0..n) is JSON. `capture` (may be NULL) names a top-level
 * member whose value's text to find. Returns the verdict (also in out). */
tr__json_verdict tr__json_check(const char *s, size_t n, const char *capture, tr__json_scan *out);

#endif /* TR_JSON_SCAN_H */
