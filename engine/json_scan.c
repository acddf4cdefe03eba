/*
 * json_scan.c - UTF-8, line and column, and a strict JSON syntax check
 * (json_scan.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_scan.h"

void tr__line_col(const char *s, size_t off, int *line, int *col)
{
    long l = 1, k = 1;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n') {
            l++;
            k = 1;
        } else if ((ch & 0xC0) != 0x80) {
            k++;
        }
    }
    *line = l > 2000000000 ? 2000000000 : (int)l;
    *col = k > 2000000000 ? 2000000000 : (int)k;
}

size_t tr__utf8_seq(const unsigned char *s, size_t avail)
{
    if (avail == 0) return 0;
    unsigned char b = s[0];
    if (b < 0x80) return 1;
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (avail <= need) return 0;
    if (s[1] < lo || s[1] > hi) return 0; /* also stops at a NUL */
    for (size_t k = 2; k <= need; k++)
        if ((s[k] & 0xC0) != 0x80) return 0;
    return need + 1;
}

size_t tr__utf8_check(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = u[i] ? tr__utf8_seq(u + i, len - i) : 0;
        if (n == 0) return i;
        i += n;
    }
    return len;
}

typedef struct scanner {
    const char *s;
    size_t n, i;
    size_t err_at;
    char msg[200];
    bool failed;
    const char *capture; /* the top-level key whose value to find, or NULL */
    size_t capture_at, capture_len;
} scanner;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool
scan_fail(scanner *sc, size_t at, const char *fmt, ...);
static bool scan_fail(scanner *sc, size_t at, const char *fmt, ...)
{
    if (sc->failed) return false;
    sc->failed = true;
    sc->err_at = at;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sc->msg, sizeof sc->msg, fmt, ap);
    va_end(ap);
    return false;
}

static void scan_ws(scanner *sc)
{
    while (sc->i < sc->n) {
        char ch = sc->s[sc->i];
        if (ch == '/' && sc->i + 1 < sc->n && (sc->s[sc->i + 1] == '/' || sc->s[sc->i + 1] == '*'))
            scan_fail(sc, sc->i, "comments are not allowed in JSON");
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') break;
        sc->i++;
    }
}

static bool is_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Is the word at i NaN, Inf or Infinity (any case), as other languages write
 * non-finite numbers? */
static bool starts_nonfinite(const scanner *sc, size_t i)
{
    static const char *const words[] = {"nan", "inf", "infinity"};
    size_t k = i;
    char w[9];
    while (k < sc->n && k - i < 8 && is_alpha(sc->s[k])) {
        w[k - i] = (char)(sc->s[k] | 0x20);
        k++;
    }
    if (k < sc->n && (is_alpha(sc->s[k]) || is_digit(sc->s[k]))) return false;
    w[k - i] = '\0';
    for (size_t j = 0; j < sizeof words / sizeof words[0]; j++)
        if (strcmp(w, words[j]) == 0) return true;
    return false;
}

/* Describe what sits at i, for "unexpected ..." messages. */
static bool scan_unexpected(scanner *sc, size_t i, const char *expected)
{
    if (i >= sc->n) return scan_fail(sc, i, "unexpected end of input; expected %s", expected);
    char ch = sc->s[i];
    if (ch == '/' && i + 1 < sc->n && (sc->s[i + 1] == '/' || sc->s[i + 1] == '*'))
        return scan_fail(sc, i, "comments are not allowed in JSON");
    if (ch == '\'') return scan_fail(sc, i, "strings must use double quotes, not single quotes");
    if (starts_nonfinite(sc, i) || ((ch == '-' || ch == '+') && starts_nonfinite(sc, i + 1)))
        return scan_fail(sc, i, "NaN/Infinity are not allowed in JSON; write a finite number");
    if (is_alpha(ch)) {
        size_t k = i;
        while (k < sc->n && k - i < 30 &&
               (is_alpha(sc->s[k]) || is_digit(sc->s[k]) || sc->s[k] == '_'))
            k++;
        return scan_fail(sc, i,
                         "unexpected word \"%.*s\"; expected %s (strings need double quotes)",
                         (int)(k - i), sc->s + i, expected);
    }
    if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7F)
        return scan_fail(sc, i, "unexpected character (byte 0x%02x); expected %s",
                         (unsigned char)ch, expected);
    return scan_fail(sc, i, "unexpected '%c'; expected %s", ch, expected);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Four hex digits after "\u" at i; -1 if malformed. */
static long scan_hex4(const scanner *sc, size_t i)
{
    if (i + 4 > sc->n) return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hexval(sc->s[i + k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

static bool scan_string(scanner *sc)
{
    size_t start = sc->i++;
    while (sc->i < sc->n) {
        unsigned char ch = (unsigned char)sc->s[sc->i];
        if (ch == '"') {
            sc->i++;
            return true;
        }
        if (ch < 0x20)
            return scan_fail(sc, sc->i,
                             ch == '\n' ? "unterminated string (a string cannot span lines; "
                                          "write \\n for a newline)"
                                        : "control character in string; escape it (e.g. \\t)");
        if (ch != '\\') {
            sc->i++;
            continue;
        }
        if (sc->i + 1 >= sc->n) break;
        char e = sc->s[sc->i + 1];
        if (e == 'u') {
            long v = scan_hex4(sc, sc->i + 2);
            if (v < 0) return scan_fail(sc, sc->i, "invalid \\u escape; expected 4 hex digits");
            if (v == 0) return scan_fail(sc, sc->i, "\\u0000 (NUL) is not allowed in strings");
            if (v >= 0xDC00 && v <= 0xDFFF)
                return scan_fail(sc, sc->i, "invalid \\u escape: unpaired low surrogate");
            if (v >= 0xD800 && v <= 0xDBFF) {
                long lo = -1;
                if (sc->i + 7 < sc->n && sc->s[sc->i + 6] == '\\' && sc->s[sc->i + 7] == 'u')
                    lo = scan_hex4(sc, sc->i + 8);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return scan_fail(sc, sc->i, "invalid \\u escape: unpaired high surrogate");
                sc->i += 6;
            }
            sc->i += 6;
        } else if (e && strchr("\"\\/bfnrt", e)) {
            sc->i += 2;
        } else {
            return scan_fail(sc, sc->i, "invalid escape '\\%c' in string", e);
        }
    }
    return scan_fail(sc, start, "unterminated string");
}

/* RFC 8259 numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool scan_number(scanner *sc)
{
    size_t start = sc->i;
    const char *s = sc->s;
    if (s[sc->i] == '-') sc->i++;
    if (sc->i >= sc->n || !is_digit(s[sc->i])) {
        if (sc->i < sc->n && starts_nonfinite(sc, sc->i))
            return scan_fail(sc, start,
                             "NaN/Infinity are not allowed in JSON; write a finite number");
        return scan_fail(sc, sc->i, "invalid number: expected a digit after '-'");
    }
    if (s[sc->i] == '0' && sc->i + 1 < sc->n && is_digit(s[sc->i + 1]))
        return scan_fail(sc, start, "invalid number: leading zeros are not allowed");
    while (sc->i < sc->n && is_digit(s[sc->i]))
        sc->i++;
    if (sc->i < sc->n && s[sc->i] == '.') {
        sc->i++;
        if (sc->i >= sc->n || !is_digit(s[sc->i]))
            return scan_fail(sc, sc->i, "invalid number: expected a digit after '.'");
        while (sc->i < sc->n && is_digit(s[sc->i]))
            sc->i++;
    }
    if (sc->i < sc->n && (s[sc->i] == 'e' || s[sc->i] == 'E')) {
        sc->i++;
        if (sc->i < sc->n && (s[sc->i] == '+' || s[sc->i] == '-')) sc->i++;
        if (sc->i >= sc->n || !is_digit(s[sc->i]))
            return scan_fail(sc, sc->i, "invalid number: expected a digit in the exponent");
        while (sc->i < sc->n && is_digit(s[sc->i]))
            sc->i++;
    }
    if (sc->i < sc->n && (is_alpha(s[sc->i]) || s[sc->i] == '.'))
        return scan_fail(sc, sc->i, "invalid number: unexpected '%c'", s[sc->i]);
    return true;
}

static bool scan_word(scanner *sc, const char *w)
{
    size_t k = strlen(w);
    if (sc->n - sc->i >= k && memcmp(sc->s + sc->i, w, k) == 0 &&
        !(sc->i + k < sc->n && (is_alpha(sc->s[sc->i + k]) || is_digit(sc->s[sc->i + k])))) {
        sc->i += k;
        return true;
    }
    return scan_unexpected(sc, sc->i, "a value");
}

static bool scan_value(scanner *sc, int depth);

/* Is the string token at key_at (quotes included) exactly "name"? */
static bool is_key(const scanner *sc, size_t key_at, const char *name)
{
    if (!name) return false;
    size_t k = strlen(name);
    return sc->i - key_at == k + 2 && memcmp(sc->s + key_at + 1, name, k) == 0;
}

static bool scan_object(scanner *sc, int depth)
{
    sc->i++; /* '{' */
    scan_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
        sc->i++;
        return true;
    }
    for (;;) {
        if (sc->i >= sc->n || sc->s[sc->i] != '"') {
            if (sc->i < sc->n && sc->s[sc->i] == '}')
                return scan_fail(sc, sc->i, "trailing comma before '}'");
            if (sc->i < sc->n && is_alpha(sc->s[sc->i]))
                return scan_fail(sc, sc->i, "object keys must be strings in double quotes");
            return scan_unexpected(sc, sc->i, "a string key");
        }
        size_t key_at = sc->i;
        if (!scan_string(sc)) return false;
        bool capture = depth == 0 && is_key(sc, key_at, sc->capture);
        scan_ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != ':')
            return scan_unexpected(sc, sc->i, "':' after an object key");
        sc->i++;
        scan_ws(sc);
        size_t value_at = sc->i;
        if (!scan_value(sc, depth + 1)) return false;
        if (capture) {
            sc->capture_at = value_at;
            sc->capture_len = sc->i - value_at;
        }
        scan_ws(sc);
        if (sc->i < sc->n && sc->s[sc->i] == ',') {
            sc->i++;
            scan_ws(sc);
            continue;
        }
        if (sc->i < sc->n && sc->s[sc->i] == '}') {
            sc->i++;
            return true;
        }
        if (sc->i >= sc->n)
            return scan_fail(sc, sc->i,
                             "unexpected end of input; expected ',' or '}' after an object member");
        return scan_fail(sc, sc->i, "expected ',' or '}' after an object member");
    }
}

static bool scan_array(scanner *sc, int depth)
{
    sc->i++; /* '[' */
    scan_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ']') {
        sc->i++;
        return true;
    }
    for (;;) {
        if (sc->i < sc->n && sc->s[sc->i] == ']')
            return scan_fail(sc, sc->i, "trailing comma before ']'");
        if (!scan_value(sc, depth + 1)) return false;
        scan_ws(sc);
        if (sc->i < sc->n && sc->s[sc->i] == ',') {
            sc->i++;
            scan_ws(sc);
            continue;
        }
        if (sc->i < sc->n && sc->s[sc->i] == ']') {
            sc->i++;
            return true;
        }
        if (sc->i >= sc->n)
            return scan_fail(sc, sc->i,
                             "unexpected end of input; expected ',' or ']' after an array element");
        return scan_fail(sc, sc->i, "expected ',' or ']' after an array element");
    }
}

static bool scan_value(scanner *sc, int depth)
{
    if (depth > TR__JSON_MAX_DEPTH)
        return scan_fail(sc, sc->i, "nesting is deeper than %d levels", TR__JSON_MAX_DEPTH);
    if (sc->i >= sc->n) return scan_unexpected(sc, sc->i, "a value");
    char ch = sc->s[sc->i];
    switch (ch) {
    case '{':
        return scan_object(sc, depth);
    case '[':
        return scan_array(sc, depth);
    case '"':
        return scan_string(sc);
    case 't':
        return scan_word(sc, "true");
    case 'f':
        return scan_word(sc, "false");
    case 'n':
        return scan_word(sc, "null");
    case '+':
        if (starts_nonfinite(sc, sc->i + 1)) return scan_unexpected(sc, sc->i, "a value");
        return scan_fail(sc, sc->i, "invalid number: a number cannot start with '+'");
    case '.':
        return scan_fail(sc, sc->i, "invalid number: write a digit before '.' (0.5, not .5)");
    default:
        if (ch == '-' || is_digit(ch)) return scan_number(sc);
        return scan_unexpected(sc, sc->i, "a value");
    }
}

tr__json_verdict tr__json_check(const char *s, size_t n, const char *capture, tr__json_scan *out)
{
    scanner sc = {.s = s, .n = n, .capture = capture};
    memset(out, 0, sizeof *out);
    scan_ws(&sc);
    if (!sc.failed && sc.i == n) return out->verdict = TR__JSON_EMPTY;
    if (scan_value(&sc, 0)) {
        scan_ws(&sc);
        if (sc.i < n) scan_fail(&sc, sc.i, "unexpected text after the end of the JSON value");
    }
    if (sc.failed) {
        out->at = sc.err_at;
        memcpy(out->msg, sc.msg, sizeof out->msg);
        return out->verdict = TR__JSON_BAD;
    }
    out->capture_at = sc.capture_at;
    out->capture_len = sc.capture_len;
    return out->verdict = TR__JSON_OK;
}
