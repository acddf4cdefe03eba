/*
 * bytes.h - writing and reading the binary state format byte by byte
 * (private; docs/state-format.md).
 *
 * Integers are little-endian whatever the machine, doubles their IEEE-754
 * bits as a u64, strings a u32 length and their bytes. A writer grows its
 * buffer and remembers running out of memory (checked once, at the end); a
 * reader never steps past the end: the first problem is reported into its
 * error with the byte where it happened, and every later read returns 0.
 */
#ifndef TR_BYTES_H
#define TR_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "trustrisk/error.h"

typedef struct tr__wbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} tr__wbuf;

void tr__put(tr__wbuf *w, const void *src, size_t n);
void tr__put_u32(tr__wbuf *w, uint32_t x);
void tr__put_u64(tr__wbuf *w, uint64_t x);
void tr__put_f64(tr__wbuf *w, double x);
void tr__put_str(tr__wbuf *w, const char *s, size_t n);
void tr__put_u64s(tr__wbuf *w, const uint64_t *x, size_t n);

typedef struct tr__rbuf {
    const uint8_t *p;
    size_t n, at;
    const char *name; /* names the state in messages */
    tr_error *err;
    int bad;
} tr__rbuf;

/* Report that the state is not valid (`what`, at the current byte), once. */
int tr__rfail(tr__rbuf *r, const char *what);
const uint8_t *tr__take(tr__rbuf *r, size_t n);
uint32_t tr__get_u32(tr__rbuf *r);
uint64_t tr__get_u64(tr__rbuf *r);
double tr__get_f64(tr__rbuf *r);
/* A string of at most max bytes as a new NUL-terminated buffer, or NULL. */
char *tr__get_str(tr__rbuf *r, size_t max);
/* dst[k] += the next n u64s. */
void tr__get_u64s_add(tr__rbuf *r, uint64_t *dst, size_t n);

/* Exact sums (stats.h): each as its limbs and an overflow byte; read back
 * by adding into dst. */
void tr__put_xsums(tr__wbuf *w, const tr__xsum *xs, size_t n);
void tr__get_xsums_add(tr__rbuf *r, tr__xsum *dst, size_t n);

#endif /* TR_BYTES_H */
