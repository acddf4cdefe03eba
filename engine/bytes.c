/*
 * bytes.c - the state format's byte-by-byte encoding (see bytes.h).
 */
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

void tr__put(tr__wbuf *w, const void *src, size_t n)
{
    if (w->oom) return;
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n)
            cap *= 2;
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->oom = 1;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->n, src, n);
    w->n += n;
}

void tr__put_u64(tr__wbuf *w, uint64_t x)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    tr__put(w, b, 8);
}

void tr__put_u32(tr__wbuf *w, uint32_t x)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    tr__put(w, b, 4);
}

void tr__put_f64(tr__wbuf *w, double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    tr__put_u64(w, b);
}

/* A string: u32 length, then its bytes. */
void tr__put_str(tr__wbuf *w, const char *s, size_t n)
{
    tr__put_u32(w, (uint32_t)n);
    tr__put(w, s, n);
}

void tr__put_u64s(tr__wbuf *w, const uint64_t *x, size_t n)
{
    for (size_t k = 0; k < n; k++)
        tr__put_u64(w, x[k]);
}

int tr__rfail(tr__rbuf *r, const char *what)
{
    if (!r->bad)
        tr_error_add(r->err, TR_E_INPUT, r->name, NULL, 0, 0,
                     "not a valid trustrisk state: %s at byte %zu", what, r->at);
    r->bad = 1;
    return -1;
}

const uint8_t *tr__take(tr__rbuf *r, size_t n)
{
    if (r->bad) return NULL;
    if (n > r->n - r->at) {
        tr__rfail(r, "it ends early");
        return NULL;
    }
    const uint8_t *p = r->p + r->at;
    r->at += n;
    return p;
}

uint64_t tr__get_u64(tr__rbuf *r)
{
    const uint8_t *b = tr__take(r, 8);
    uint64_t x = 0;
    if (b)
        for (int i = 7; i >= 0; i--)
            x = (x << 8) | b[i];
    return x;
}

uint32_t tr__get_u32(tr__rbuf *r)
{
    const uint8_t *b = tr__take(r, 4);
    uint32_t x = 0;
    if (b)
        for (int i = 3; i >= 0; i--)
            x = (x << 8) | b[i];
    return x;
}

double tr__get_f64(tr__rbuf *r)
{
    uint64_t b = tr__get_u64(r);
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* A string into a new NUL-terminated buffer (at most max bytes). */
char *tr__get_str(tr__rbuf *r, size_t max)
{
    uint32_t n = tr__get_u32(r);
    if (r->bad) return NULL;
    if (n > max) {
        tr__rfail(r, "a string is too long");
        return NULL;
    }
    const uint8_t *b = tr__take(r, n);
    if (!b) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) {
        tr__rfail(r, "out of memory");
        return NULL;
    }
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

void tr__get_u64s_add(tr__rbuf *r, uint64_t *dst, size_t n)
{
    for (size_t k = 0; k < n && !r->bad; k++)
        dst[k] += tr__get_u64(r);
}

void tr__put_xsums(tr__wbuf *w, const tr__xsum *xs, size_t n)
{
    for (size_t m = 0; m < n; m++) {
        tr__put_u64s(w, xs[m].limb, TR__XSUM_WORDS);
        uint8_t o = (uint8_t)(xs[m].overflow != 0);
        tr__put(w, &o, 1);
    }
}

void tr__get_xsums_add(tr__rbuf *r, tr__xsum *dst, size_t n)
{
    for (size_t m = 0; m < n && !r->bad; m++) {
        tr__xsum x;
        for (int k = 0; k < TR__XSUM_WORDS; k++)
            x.limb[k] = tr__get_u64(r);
        const uint8_t *o = tr__take(r, 1);
        x.overflow = o ? *o != 0 : 0;
        if (!r->bad) tr__xsum_merge(&dst[m], &x);
    }
}
