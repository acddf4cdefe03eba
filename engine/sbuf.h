/*
 * sbuf.h - a growable, always NUL-terminated text buffer (private).
 *
 * Start from {0}; add text; the text is b.s (NULL while nothing was added),
 * freed with free(). When memory runs out, b.nomem is set and every later
 * addition is dropped, so a caller checks once at the end.
 */
#ifndef TR_SBUF_H
#define TR_SBUF_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool nomem;
} sbuf;

static inline void sb_put(sbuf *b, const char *p, size_t n)
{
    if (b->nomem) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->nomem = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static inline void sb_puts(sbuf *b, const char *p)
{
    sb_put(b, p, strlen(p));
}

static inline void sb_putc(sbuf *b, char c)
{
    sb_put(b, &c, 1);
}

#endif /* TR_SBUF_H */
