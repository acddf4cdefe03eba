/*
 * error.c - the caller-owned list of diagnostics (see trustrisk/error.h).
 *
 * Every fallible function appends its problems here instead of printing them
 * or keeping global state, so that a library user decides what to show and a
 * config with many problems can report them all at once. Adding a diagnostic
 * never fails: if memory runs out, or the list reaches TR_ERROR_MAX_DIAGS,
 * the diagnostic is dropped and the list is marked truncated, because the
 * first problems are the useful ones and a runaway config (say, a million
 * bad trusts) must not flood the terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "text.h"
#include "trustrisk/error.h"

/* Most diagnostics one list keeps; later ones only set `truncated`. */
#define TR_ERROR_MAX_DIAGS 200

static char *dup_or_null(const char *s, int *failed)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) {
        *failed = 1;
        return NULL;
    }
    memcpy(d, s, n);
    return d;
}

#if defined(__GNUC__)
#define TR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TR_PRINTF(fmt, args)
#endif

/* vsnprintf into a fresh buffer sized by a first, measuring call. */
static char *format_message(const char *fmt, va_list ap) TR_PRINTF(1, 0);
static char *format_message(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    char *msg = malloc((size_t)n + 1);
    if (!msg) return NULL;
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    return msg;
}

void tr_error_init(tr_error *err)
{
    if (!err) return;
    err->count = 0;
    err->capacity = 0;
    err->diags = NULL;
    err->truncated = 0;
}

void tr_error_clear(tr_error *err)
{
    if (!err) return;
    for (size_t i = 0; i < err->count; i++) {
        free(err->diags[i].file);
        free(err->diags[i].path);
        free(err->diags[i].message);
    }
    free(err->diags);
    tr_error_init(err);
}

tr_status tr_error_add(tr_error *err, tr_status status, const char *file, const char *path,
                       int line, int column, const char *fmt, ...)
{
    if (!err) return status;
    if (err->count >= TR_ERROR_MAX_DIAGS) {
        err->truncated = 1;
        return status;
    }
    if (err->count == err->capacity) {
        size_t cap = err->capacity ? 2 * err->capacity : 8;
        if (cap > TR_ERROR_MAX_DIAGS) cap = TR_ERROR_MAX_DIAGS;
        tr_diag *d = realloc(err->diags, cap * sizeof *d);
        if (!d) {
            err->truncated = 1;
            return status;
        }
        err->diags = d;
        err->capacity = cap;
    }
    int failed = 0;
    tr_diag d;
    d.status = status;
    d.line = line;
    d.column = column;
    d.file = dup_or_null(file, &failed);
    d.path = dup_or_null(path, &failed);
    va_list ap;
    va_start(ap, fmt);
    d.message = fmt ? format_message(fmt, ap) : dup_or_null("", &failed);
    va_end(ap);
    if (failed || !d.message) {
        free(d.file);
        free(d.path);
        free(d.message);
        err->truncated = 1;
        return status;
    }
    err->diags[err->count++] = d;
    return status;
}

/* Severity order used by tr_error_status: a bug or an exhausted machine
 * outranks an I/O failure, which outranks a bad input. */
static int severity(tr_status s)
{
    switch (s) {
    case TR_OK:
        return 0;
    case TR_E_INTERRUPTED:
        return 1;
    case TR_E_INPUT:
        return 1;
    case TR_E_IO:
        return 2;
    case TR_E_NOMEM:
        return 3;
    case TR_E_INTERNAL:
        return 4;
    }
    return 4;
}

tr_status tr_error_status(const tr_error *err)
{
    if (!err) return TR_OK;
    tr_status worst = TR_OK;
    for (size_t i = 0; i < err->count; i++)
        if (severity(err->diags[i].status) > severity(worst)) worst = err->diags[i].status;
    /* Diagnostics can only be lost before the cap through lack of memory. */
    if (worst == TR_OK && err->truncated) worst = TR_E_NOMEM;
    return worst;
}

/* Is the UTF-8 sequence s (n bytes) a bidirectional formatting control:
 * U+061C, U+200E-U+200F, U+202A-U+202E or U+2066-U+2069? Printed raw, one
 * can make a terminal show a line in another order than its bytes. */
static int is_bidi(const unsigned char *s, size_t n)
{
    if (n == 2) return s[0] == 0xD8 && s[1] == 0x9C;
    if (n != 3 || s[0] != 0xE2) return 0;
    return (s[1] == 0x80 && (s[2] == 0x8E || s[2] == 0x8F || (s[2] >= 0xAA && s[2] <= 0xAE))) ||
           (s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9);
}

/* The printable form of the character at *p (advanced past it) in `piece`;
 * returns its length. C0 controls, DEL and bytes that are not UTF-8 become
 * \xHH, C1 controls \u00HH, bidirectional controls \uHHHH; everything
 * else is copied. */
static size_t escape_one(const unsigned char **p, char piece[8])
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = *p;
    size_t n = tr__utf8_seq(s, 4); /* stops at the NUL */
    if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0) {
        *p += 2;
        return (size_t)snprintf(piece, 8, "\\u00%c%c", hex[s[1] >> 4], hex[s[1] & 15]);
    }
    if (is_bidi(s, n)) {
        unsigned cp = n == 2 ? 0x061Cu
                             : ((unsigned)(s[0] & 0x0F) << 12) | ((unsigned)(s[1] & 0x3F) << 6) |
                                   (unsigned)(s[2] & 0x3F);
        *p += n;
        return (size_t)snprintf(piece, 8, "\\u%04X", cp);
    }
    if (n <= 1 && (*s < 0x20 || *s >= 0x7F)) {
        *p += 1;
        return (size_t)snprintf(piece, 8, "\\x%c%c", hex[*s >> 4], hex[*s & 15]);
    }
    if (n == 0) n = 1;
    memcpy(piece, s, n);
    *p += n;
    return n;
}

size_t tr__text_escape(char *dst, size_t cap, const char *src)
{
    size_t len = 0;
    if (cap == 0) return 0;
    for (const unsigned char *p = (const unsigned char *)(src ? src : ""); *p;) {
        char piece[8];
        size_t n = escape_one(&p, piece);
        if (len + n >= cap) break; /* never cut a character or an escape */
        memcpy(dst + len, piece, n);
        len += n;
    }
    dst[len] = '\0';
    return len;
}

void tr_text_print(FILE *fp, const char *s)
{
    if (!fp || !s) return;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        char piece[8];
        size_t n = escape_one(&p, piece);
        fwrite(piece, 1, n, fp);
    }
}

void tr_error_print(const tr_error *err, FILE *fp)
{
    if (!err || !fp) return;
    for (size_t i = 0; i < err->count; i++) {
        const tr_diag *d = &err->diags[i];
        int where = 0;
        if (d->file) {
            tr_text_print(fp, d->file);
            where = 1;
        }
        if (d->line > 0) {
            fprintf(fp, "%s%d", where ? ":" : "", d->line);
            where = 1;
            if (d->column > 0) fprintf(fp, ":%d", d->column);
        }
        if (where) fputs(": ", fp);
        if (d->path && d->path[0]) {
            tr_text_print(fp, d->path);
            fputs(": ", fp);
        }
        tr_text_print(fp, d->message ? d->message : "");
        fputc('\n', fp);
    }
    if (err->truncated) fputs("... and more errors\n", fp);
}

const char *tr_status_string(tr_status status)
{
    switch (status) {
    case TR_OK:
        return "success";
    case TR_E_INTERNAL:
        return "internal error";
    case TR_E_INPUT:
        return "invalid input";
    case TR_E_IO:
        return "input/output error";
    case TR_E_NOMEM:
        return "out of memory";
    case TR_E_INTERRUPTED:
        return "interrupted (resumable)";
    }
    return "unknown status";
}
