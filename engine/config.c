/*
 * config.c - loading and validating a config (docs/model.md sections 3-6 and 9).
 *
 * A config goes through three gates, and the first that fails stops it:
 *
 *   1. encoding: the bytes must be UTF-8 without NUL bytes;
 *   2. syntax: a strict RFC 8259 scanner (json_scan.c) finds the first syntax error
 *      and says where (line:column) and why, in words a config author can act
 *      on ("expected ',' or '}' after an object member", "NaN/Infinity are not
 *      allowed"). cJSON then builds the tree; it accepts some non-JSON (leading
 *      zeros, "-.5"), which the scanner has already refused;
 *   3. rules: every rule of docs/model.md is checked while the validated model of
 *      engine/model.h is filled in. This gate never stops early: every
 *      problem is reported with the JSON path of the offending value
 *      ("trusts[2].schemes[0].delivery.sd"), so that an author fixes a config
 *      in one pass rather than one error per run.
 *
 * Only a config that passes all three is returned; otherwise everything built
 * so far is freed. References (consortia, factor names) are resolved through
 * hash tables, so a config with 100,000 trusts loads in linear time.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "model_limits.h"
#include "canon.h"
#include "config_keys.h"
#include "dist.h"
#include "fileio.h"
#include "json_scan.h"
#include "suggest.h"
#include "sha256.h"
#include "trustrisk/config.h"
#include "trustrisk/error.h"
#include "trustrisk/limits.h"

/* Tolerances of the sum rules: commissioner shares and discrete probs. */
#define SHARE_TOL 1e-9
#define PROB_TOL 1e-9
/* Rounding slack for sum w^2 <= 1 (0.6^2 + 0.8^2 must pass). */
#define LOADING_TOL 1e-12
/* Largest seed a JSON number carries exactly. */
#define SEED_MAX ((double)TR_MAX_SEED)
/* Names longer than this get no "did you mean" (and the distance is bounded). */
#define SUGGEST_MAX_LEN 64

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define TR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TR_PRINTF(fmt, args)
#endif

/* ------------------------------------------------------------------------- */
/* Number formatting for messages                                            */
/* ------------------------------------------------------------------------- */

/* The shortest %g form that reads back as the same double, so that a message
 * quotes the number as the author wrote it ("got 1.2", not 1.19999...). */
static const char *fmt_num(double x, char buf[40])
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 40, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    return buf;
}

/* A computed figure for a message, to 6 digits (the extremes of a
 * distribution come out as 999999999.9999999 for a max of 1e9), or words
 * when it overflowed. */
static const char *fmt_fig(double x, char buf[40])
{
    if (isfinite(x))
        snprintf(buf, 40, "%.6g", x);
    else
        snprintf(buf, 40, "%s", x > 0 ? "more than 1e308" : x < 0 ? "less than -1e308" : "NaN");
    return buf;
}

/* A computed sum, rounded so that 0.30000000000000004 reads as 0.3. */
static const char *fmt_sum(double x, char buf[40])
{
    snprintf(buf, 40, "%.10g", x);
    return buf;
}

/* ------------------------------------------------------------------------- */
/* A string -> index hash table (open addressing, linear probing)           */
/* ------------------------------------------------------------------------- */

typedef struct strmap {
    size_t cap; /* power of two, or 0 */
    const char **keys;
    size_t *vals;
} strmap;

static bool strmap_init(strmap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < 2 * expected + 2)
        cap *= 2;
    m->cap = cap;
    m->keys = calloc(cap, sizeof *m->keys);
    m->vals = calloc(cap, sizeof *m->vals);
    if (!m->keys || !m->vals) {
        free(m->keys);
        free(m->vals);
        m->keys = NULL;
        m->vals = NULL;
        m->cap = 0;
        return false;
    }
    return true;
}

static void strmap_free(strmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = 0;
}

/* Index of `k`, or -1 when absent. */
static long strmap_find(const strmap *m, const char *k)
{
    if (!m->cap || !k) return -1;
    size_t i = (size_t)tr__hash64(k) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], k) == 0) return (long)m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

/* Insert k -> v unless k is present; returns the existing value or -1. The
 * table is sized for its entries at init, so it never fills up. */
static long strmap_put(strmap *m, const char *k, size_t v)
{
    if (!m->cap) return -1;
    size_t i = (size_t)tr__hash64(k) & (m->cap - 1);
    while (m->keys[i]) {
        if (strcmp(m->keys[i], k) == 0) return (long)m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = k;
    m->vals[i] = v;
    return -1;
}

/* ------------------------------------------------------------------------- */
/* "Did you mean": Levenshtein distance                                      */
/* ------------------------------------------------------------------------- */

/* Edit distance (Levenshtein 1966) by the two-row dynamic programme; strings
 * longer than SUGGEST_MAX_LEN are not compared (returns a large value). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN) return (size_t)-1;
    size_t prev[SUGGEST_MAX_LEN + 1], cur[SUGGEST_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

/* The closest of `names` to `word`, if close enough to be a plausible typo:
 * distance <= max(2, len/3) and less than the word's length (so that "x" is
 * not "corrected" to "id"). The first listed wins a tie. */
static const char *suggest(const char *word, const char *const *names, size_t n)
{
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!names[i]) continue;
        size_t d = edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    if (best && best_d <= limit && best_d < len && best_d > 0) return best;
    return NULL;
}

/* The same rule for other modules (import.c's column and trust names). */
const char *tr__suggest(const char *word, const char *const *names, size_t n)
{
    return suggest(word, names, n);
}

/* "a, b, c" into buf (truncated with "..." if it does not fit). */
static const char *join(const char *const *names, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= size - used) {
            if (size >= 4) memcpy(buf + size - 4, "...", 4);
            break;
        }
        used += (size_t)w;
    }
    return buf;
}

/* ------------------------------------------------------------------------- */
/* The loading context: where we are, and what has gone wrong                */
/* ------------------------------------------------------------------------- */

typedef struct ctx {
    tr_error *err;
    const char *file; /* diagnostics' file name */
    char *path;       /* current JSON path, NUL-terminated */
    size_t plen, pcap;
    size_t nerr; /* input problems found (not capped, unlike err) */
    bool nomem;
    tr_config *cfg;
    /* declared names, for resolving references */
    strmap factor_map, consortium_map;
    bool factors_refused; /* "factors" itself was refused: loadings go unchecked */
    const char **factor_names, **consortium_ids; /* for suggestions */
    /* the trust being read, for the consortium-scope rule */
    const char *trust_id;
    bool trust_has_commissioners;
    /* the top-level "seed" as written in the file (not NUL-terminated), or NULL */
    const char *seed_text;
    size_t seed_len;
} ctx;

static void *xcalloc(ctx *c, size_t n, size_t size)
{
    if (n == 0) return NULL;
    void *p = calloc(n, size);
    if (!p) c->nomem = true;
    return p;
}

static char *xstrdup(ctx *c, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) {
        c->nomem = true;
        return NULL;
    }
    memcpy(d, s, n);
    return d;
}

static bool path_reserve(ctx *c, size_t extra)
{
    if (c->plen + extra + 1 <= c->pcap) return true;
    size_t cap = c->pcap ? c->pcap : 128;
    while (cap < c->plen + extra + 1)
        cap *= 2;
    char *p = realloc(c->path, cap);
    if (!p) {
        c->nomem = true;
        return false;
    }
    c->path = p;
    c->pcap = cap;
    return true;
}

/* A key is written ".key" when it is a plain word, else ["key"] (escaped and
 * shortened), so that a path is unambiguous whatever the key holds. */
static bool plain_key(const char *k)
{
    if (!*k) return false;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        if (!(*p == '_' || *p == '-' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

static size_t path_push_key(ctx *c, const char *key)
{
    size_t mark = c->plen;
    if (plain_key(key)) {
        size_t n = strlen(key);
        if (!path_reserve(c, n + 1)) return mark;
        if (c->plen) c->path[c->plen++] = '.';
        memcpy(c->path + c->plen, key, n);
        c->plen += n;
    } else {
        if (!path_reserve(c, 4 + 6 * 40 + 3)) return mark;
        char *p = c->path + c->plen;
        *p++ = '[';
        *p++ = '"';
        size_t shown = 0;
        for (const unsigned char *k = (const unsigned char *)key; *k; k++) {
            if ((*k & 0xC0) != 0x80 && shown++ == 40) {
                memcpy(p, "...", 3);
                p += 3;
                break;
            }
            if (*k == '"' || *k == '\\') {
                *p++ = '\\';
                *p++ = (char)*k;
            } else if (*k < 0x20) {
                p += sprintf(p, "\\u%04x", *k);
            } else {
                *p++ = (char)*k;
            }
        }
        *p++ = '"';
        *p++ = ']';
        c->plen = (size_t)(p - c->path);
    }
    c->path[c->plen] = '\0';
    return mark;
}

static size_t path_push_index(ctx *c, size_t i)
{
    size_t mark = c->plen;
    if (!path_reserve(c, 24)) return mark;
    c->plen += (size_t)sprintf(c->path + c->plen, "[%zu]", i);
    return mark;
}

static void path_pop(ctx *c, size_t mark)
{
    c->plen = mark;
    if (c->path) c->path[mark] = '\0';
}

static const char *path_now(const ctx *c)
{
    return c->plen ? c->path : NULL;
}

/* Report an input problem at the current path. */
static void report(ctx *c, const char *fmt, ...) TR_PRINTF(2, 3);
static void report(ctx *c, const char *fmt, ...)
{
    c->nerr++;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (!msg) {
        c->err->truncated = 1;
        return;
    }
    tr_error_add(c->err, TR_E_INPUT, c->file, path_now(c), 0, 0, "%s", msg);
    free(msg);
}

/* Report a problem at the member `key` of the current object. */
static void report_at(ctx *c, const char *key, const char *fmt, ...) TR_PRINTF(3, 4);
static void report_at(ctx *c, const char *key, const char *fmt, ...)
{
    size_t mark = path_push_key(c, key);
    c->nerr++;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    if (msg)
        tr_error_add(c->err, TR_E_INPUT, c->file, path_now(c), 0, 0, "%s", msg);
    else
        c->err->truncated = 1;
    free(msg);
    path_pop(c, mark);
}

/* ------------------------------------------------------------------------- */
/* Typed access to JSON values                                               */
/* ------------------------------------------------------------------------- */

static const char *kind_of(const cJSON *n)
{
    if (cJSON_IsNumber(n)) return "a number";
    if (cJSON_IsString(n)) return "a string";
    if (cJSON_IsBool(n)) return "a boolean";
    if (cJSON_IsNull(n)) return "null";
    if (cJSON_IsArray(n)) return "an array";
    if (cJSON_IsObject(n)) return "an object";
    return "an invalid value";
}

static bool expect_object(ctx *c, const cJSON *n)
{
    if (cJSON_IsObject(n)) return true;
    report(c, "expected an object, got %s", kind_of(n));
    return false;
}

static bool expect_array(ctx *c, const cJSON *n)
{
    if (cJSON_IsArray(n)) return true;
    report(c, "expected an array, got %s", kind_of(n));
    return false;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static void report_missing(ctx *c, const char *key)
{
    report(c, "missing required field \"%s\"", key);
}

/* Where a number must lie. Bounds may be infinite; `split` reports the side
 * broken ("must be >= 0") rather than the interval ("must be in [0, 1]"). */
typedef struct num_rule {
    double lo, hi;
    bool lo_open, hi_open;
    bool integer;
    bool split;
} num_rule;

static const num_rule R_ANY = {-INFINITY, INFINITY, false, false, false, false};
static const num_rule R_MONEY = {-TR_MAX_MONEY, TR_MAX_MONEY, false, false, false, false};
static const num_rule R_MONEY_POS = {0, TR_MAX_MONEY, false, false, false, true};
static const num_rule R_PROB = {0, 1, false, false, false, false};
static const num_rule R_HORIZON = {1, TR_MAX_HORIZON, false, false, true, false};
static const num_rule R_PATHS = {1, (double)TR_MAX_PATHS, false, false, true, false};
static const num_rule R_SEED = {0, SEED_MAX, false, false, true, false};
static const num_rule R_START = {1, TR_MAX_MONTHS_PARAM, false, false, false, false};
static const num_rule R_RAMP = {0, TR_MAX_MONTHS_PARAM, false, false, false, false};
static const num_rule R_INDEXATION = {-1, INFINITY, true, false, false, false};
static const num_rule R_DOF = {2, INFINITY, true, false, false, false};
static const num_rule R_WEIGHT = {-1, 1, false, false, false, false};
static const num_rule R_POSITIVE = {0, INFINITY, true, false, false, false};
static const num_rule R_NONNEG = {0, INFINITY, false, false, false, false};
static const num_rule R_TARGET_SE = {0, 0.5, true, true, false, false};
static const num_rule R_TARGET_REL = {0, 1, true, true, false, false};
static const num_rule R_SHIFT = {-TR_MAX_SHIFT, TR_MAX_SHIFT, false, false, false, false};
static const num_rule R_PILOT = {TR_PILOT_PATHS_MIN, TR_PILOT_PATHS_MAX, false, false, true, false};
static const num_rule R_AT_LEAST_1 = {1, INFINITY, false, false, true, false};

/* Check the number node at the current path against `r`; true if valid. */
static bool check_number(ctx *c, const cJSON *n, const num_rule *r, double *out)
{
    char a[40], b[40], g[40];
    if (!cJSON_IsNumber(n)) {
        report(c, "expected %s, got %s", r->integer ? "an integer" : "a number", kind_of(n));
        return false;
    }
    double x = n->valuedouble;
    if (!isfinite(x)) {
        report(c, "number is not finite");
        return false;
    }
    if (r->integer && x != floor(x)) {
        report(c, "expected an integer, got %s", fmt_num(x, g));
        return false;
    }
    bool low = r->lo_open ? !(x > r->lo) : !(x >= r->lo);
    bool high = r->hi_open ? !(x < r->hi) : !(x <= r->hi);
    if (!low && !high) {
        *out = x;
        return true;
    }
    fmt_num(x, g);
    if (isinf(r->hi) || (r->split && low))
        report(c, "must be %s %s (got %s)", r->lo_open ? ">" : ">=", fmt_num(r->lo, a), g);
    else if (isinf(r->lo) || (r->split && high))
        report(c, "must be %s %s (got %s)", r->hi_open ? "<" : "<=", fmt_num(r->hi, b), g);
    else
        report(c, "must be in %c%s, %s%c (got %s)", r->lo_open ? '(' : '[', fmt_num(r->lo, a),
               fmt_num(r->hi, b), r->hi_open ? ')' : ']', g);
    return false;
}

/* Read obj[key] as a number: 1 if present and valid (stored in *out), 0 if
 * absent (reported when required; *out keeps its default), -1 if invalid. */
static int get_number(ctx *c, const cJSON *obj, const char *key, const num_rule *r, bool required,
                      double *out)
{
    const cJSON *n = member(obj, key);
    if (!n) {
        if (required) report_missing(c, key);
        return 0;
    }
    size_t mark = path_push_key(c, key);
    bool ok = check_number(c, n, r, out);
    path_pop(c, mark);
    return ok ? 1 : -1;
}

/* Read obj[key] as a string (pointing into the JSON tree); NULL if absent or
 * invalid. `nonempty` refuses "". */
static const char *get_string(ctx *c, const cJSON *obj, const char *key, bool required,
                              bool nonempty)
{
    const cJSON *n = member(obj, key);
    if (!n) {
        if (required) report_missing(c, key);
        return NULL;
    }
    if (!cJSON_IsString(n) || !n->valuestring) {
        report_at(c, key, "expected a string, got %s", kind_of(n));
        return NULL;
    }
    if (nonempty && !n->valuestring[0]) {
        report_at(c, key, "must not be empty");
        return NULL;
    }
    return n->valuestring;
}

static void get_bool(ctx *c, const cJSON *obj, const char *key, bool *out)
{
    const cJSON *n = member(obj, key);
    if (!n) return;
    if (!cJSON_IsBool(n)) {
        report_at(c, key, "expected a boolean, got %s", kind_of(n));
        return;
    }
    *out = cJSON_IsTrue(n);
}

/* Read obj[key] as one of `names`; `what` names the field in messages
 * ("unknown scope \"galactic\"; expected one of: ..."). Returns the index,
 * or -1 if absent or invalid. */
static int get_enum(ctx *c, const cJSON *obj, const char *key, const char *what,
                    const char *const *names, size_t n, bool required)
{
    const char *s = get_string(c, obj, key, required, false);
    if (!s) return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return (int)i;
    const char *near = suggest(s, names, n);
    char list[256];
    if (near)
        report_at(c, key, "unknown %s \"%s\"; did you mean \"%s\"?", what, s, near);
    else
        report_at(c, key, "unknown %s \"%s\"; expected one of: %s", what, s,
                  join(names, n, list, sizeof list));
    return -1;
}

/* Report duplicate keys of an object ("duplicate key \"saving\"" at the second
 * occurrence); cJSON keeps both, and lookups use the first. */
static void check_duplicate_keys(ctx *c, const cJSON *obj)
{
    size_t n = 0;
    for (const cJSON *k = obj->child; k; k = k->next)
        n++;
    if (n < 2) return;
    strmap seen;
    if (!strmap_init(&seen, n)) {
        c->nomem = true;
        return;
    }
    for (const cJSON *k = obj->child; k; k = k->next) {
        if (!k->string) continue;
        if (strmap_put(&seen, k->string, 0) >= 0)
            report_at(c, k->string, "duplicate key \"%s\"", k->string);
    }
    strmap_free(&seen);
}

static bool known_key(const char *k, const char *const *known, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(k, known[i]) == 0) return true;
    return false;
}

/* Report every key of `obj` not in `known` (with the closest known key as a
 * suggestion) and every duplicate key. */
static void check_keys(ctx *c, const cJSON *obj, const char *const *known, size_t n)
{
    char list[512];
    for (const cJSON *k = obj->child; k; k = k->next) {
        if (!k->string || known_key(k->string, known, n)) continue;
        const char *near = suggest(k->string, known, n);
        if (near)
            report_at(c, k->string, "unknown key \"%s\"; did you mean \"%s\"?", k->string, near);
        else
            report_at(c, k->string, "unknown key \"%s\"; expected one of: %s", k->string,
                      join(known, n, list, sizeof list));
    }
    check_duplicate_keys(c, obj);
}

/* A count of a list against its limit ("must contain at most ..."). */
static bool check_count(ctx *c, const cJSON *arr, size_t max, const char *what, size_t *n)
{
    *n = (size_t)cJSON_GetArraySize(arr);
    if (*n > max) {
        report(c, "must contain at most %zu %s (got %zu)", max, what, *n);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------- */
/* Factor loadings (docs/model.md section 3)                                 */
/* ------------------------------------------------------------------------- */

/* The index of the declared factor `name` (its position in the file), or
 * -1, reported at the current path with the closest name suggested. */
static long find_factor(ctx *c, const char *name)
{
    long idx = strmap_find(&c->factor_map, name);
    if (idx >= 0) return idx;
    if (c->factors_refused) return -1; /* said once, at "factors" */
    const char *near = suggest(name, c->factor_names, c->cfg->n_factors);
    if (near)
        report(c, "unknown factor \"%s\"; did you mean \"%s\"?", name, near);
    else if (c->cfg->n_factors == 0)
        report(c, "unknown factor \"%s\" (the config declares no factors)", name);
    else
        report(c, "unknown factor \"%s\"", name);
    return -1;
}

/* obj["factors"] -> *L. Each key must name a declared factor, each weight lie
 * in [-1, 1], and sum w^2 <= 1. A consortium-scoped factor needs a lead
 * consortium, so the trust being read must have commissioners. */
static bool parse_loadings(ctx *c, const cJSON *obj, tr__loadings *L)
{
    const cJSON *f = member(obj, "factors");
    L->n = 0;
    L->resid = 1.0;
    if (!f) return false;
    size_t mark = path_push_key(c, "factors");
    if (!expect_object(c, f)) {
        path_pop(c, mark);
        return false;
    }
    size_t n = (size_t)cJSON_GetArraySize(f);
    if (n > TR_MAX_FACTORS) {
        report(c, "must contain at most %d loadings (got %zu)", TR_MAX_FACTORS, n);
        path_pop(c, mark);
        return false;
    }
    strmap seen = {0};
    if (n > 0) {
        L->factor = xcalloc(c, n, sizeof *L->factor);
        L->weight = xcalloc(c, n, sizeof *L->weight);
        if (!strmap_init(&seen, n)) c->nomem = true;
    }
    double ss = 0;
    size_t k = 0;
    for (const cJSON *e = f->child; e && L->factor && L->weight && seen.cap; e = e->next) {
        if (strmap_put(&seen, e->string, 0) >= 0) {
            report_at(c, e->string, "duplicate key \"%s\"", e->string);
            continue;
        }
        size_t m2 = path_push_key(c, e->string);
        long idx = find_factor(c, e->string);
        double w = 0;
        bool ok = check_number(c, e, &R_WEIGHT, &w);
        if (idx < 0) {
            ok = false;
        } else if (c->cfg->factors[idx].scope == TR__SCOPE_CONSORTIUM &&
                   !c->trust_has_commissioners && c->trust_id) {
            report(c, "factor \"%s\" has consortium scope but trust \"%s\" has no commissioners",
                   e->string, c->trust_id);
            ok = false;
        }
        path_pop(c, m2);
        if (!ok) continue;
        L->factor[k] = (int)idx;
        L->weight[k] = w;
        ss += w * w;
        k++;
    }
    strmap_free(&seen);
    L->n = k;
    /* over the valid loadings only: if they already exceed 1, so will the fix */
    if (ss > 1.0 + LOADING_TOL) {
        char s[40];
        report(c, "sum of squared loadings is %s; must be <= 1", fmt_sum(ss, s));
    }
    L->resid = sqrt(ss < 1.0 ? 1.0 - ss : 0.0);
    path_pop(c, mark);
    return true;
}

/* ------------------------------------------------------------------------- */
/* Distributions (docs/model.md section 4)                                   */
/* ------------------------------------------------------------------------- */

static const char *const DIST_NAMES[] = {"fixed", "uniform", "triangular", "pert",
                                         "beta",  "normal",  "lognormal",  "discrete"};

static const char *const KEYS_FIXED[] = {"dist", "value", "factors"};
static const char *const KEYS_UNIFORM[] = {"dist", "min", "max", "factors"};
static const char *const KEYS_TRIANGULAR[] = {"dist", "min", "mode", "max", "factors"};
static const char *const KEYS_PERT[] = {"dist", "min", "mode", "max", "lambda", "factors"};
static const char *const KEYS_BETA[] = {"dist", "mean", "sd", "min", "max", "factors"};
static const char *const KEYS_NORMAL[] = {"dist", "mean", "sd", "factors"};
static const char *const KEYS_LOGNORMAL[] = {"dist", "median", "sigma", "factors"};
static const char *const KEYS_DISCRETE[] = {"dist", "values", "probs", "factors"};

/* min <= max, reported at ".max"; `strict` also refuses min == max, where
 * the family degenerates to a point (write it as "fixed"). */
static bool check_min_max(ctx *c, double lo, double hi, bool strict)
{
    char a[40], b[40];
    if (hi > lo || (!strict && hi == lo)) return true;
    report_at(c, "max", "must be %s min (got max %s, min %s)", hi < lo ? ">=" : ">", fmt_num(hi, a),
              fmt_num(lo, b));
    return false;
}

static bool check_mode(ctx *c, double lo, double mode, double hi)
{
    char a[40], b[40], m[40];
    if (mode >= lo && mode <= hi) return true;
    report_at(c, "mode", "must be in [min, max] = [%s, %s] (got %s)", fmt_num(lo, a),
              fmt_num(hi, b), fmt_num(mode, m));
    return false;
}

/* The Beta shapes of a beta or pert must lie in [TR_BETA_SHAPE_MIN,
 * TR_BETA_SHAPE_MAX] (model.h), where the quantile tables are tested; outside,
 * a run would be wrong or fail. Reported at the member that sets them. */
static void check_shapes(ctx *c, const tr__dist *d)
{
    double lo = fmin(d->alpha, d->beta), hi = fmax(d->alpha, d->beta);
    /* a relative 1e-12 of slack: a pert's 1 + lambda (mode - min) / (max -
     * min) with lambda 99999 and the mode at max rounds to 100000.00000000001,
     * and the documented "lambda up to 99999" must hold for every mode (the
     * quantile tables are tested to 1e6) */
    if (lo >= TR_BETA_SHAPE_MIN * (1.0 - 1e-12) && hi <= TR_BETA_SHAPE_MAX * (1.0 + 1e-12)) return;
    char a[40], b[40], l[40], g[40];
    snprintf(a, sizeof a, "%.6g", d->alpha);
    snprintf(b, sizeof b, "%.6g", d->beta);
    if (d->kind == TR__DIST_PERT) {
        /* shapes are 1 + lambda f and 1 + lambda (1 - f): only the top can break */
        double f = (d->mode - d->min) / (d->max - d->min);
        snprintf(l, sizeof l, "%.6g", floor((TR_BETA_SHAPE_MAX - 1.0) / fmax(f, 1.0 - f)));
        report_at(c, "lambda",
                  "pert too concentrated: lambda %s gives Beta shapes (alpha, beta) = (%s, %s), "
                  "and each must be at most %g, so lambda at most %s for this mode; for a value "
                  "this certain use {\"dist\": \"normal\"} or {\"dist\": \"fixed\"}",
                  fmt_num(d->lambda, g), a, b, TR_BETA_SHAPE_MAX, l);
    } else if (hi > TR_BETA_SHAPE_MAX) {
        report_at(c, "sd",
                  "beta too concentrated: mean and sd give Beta shapes (alpha, beta) = (%s, %s), "
                  "and each must be in [%g, %g]; for an sd this small use {\"dist\": \"normal\"} "
                  "or {\"dist\": \"fixed\"}",
                  a, b, TR_BETA_SHAPE_MIN, TR_BETA_SHAPE_MAX);
    } else {
        report_at(c, "sd",
                  "beta too close to all-or-nothing: mean and sd give Beta shapes (alpha, beta) = "
                  "(%s, %s), and each must be in [%g, %g] (almost all the mass would sit at min "
                  "or max); use a smaller sd, or {\"dist\": \"discrete\"} for a value that is "
                  "either min or max",
                  a, b, TR_BETA_SHAPE_MIN, TR_BETA_SHAPE_MAX);
    }
}

/* Every value the engine can draw (U is clamped to [2^-53, 1 - 2^-53]) must
 * be a finite number: a range wider than the largest double, or a huge sd or
 * sigma, would put infinities or NaN into the months. */
static void check_range(ctx *c, const tr__dist *d)
{
    double lo, hi;
    tr__dist_range(d, &lo, &hi);
    if (isfinite(lo) && isfinite(hi)) return;
    char a[40], b[40];
    bool bounded = d->kind == TR__DIST_UNIFORM || d->kind == TR__DIST_TRIANGULAR ||
                   d->kind == TR__DIST_PERT || d->kind == TR__DIST_BETA;
    if (bounded && !isfinite(d->max - d->min))
        report(c, "values overflow: max - min is more than 1e308; narrow the distribution");
    else
        report(c,
               "values overflow: the engine would draw values from %s to %s (the quantiles at "
               "u = 2^-53 and 1 - 2^-53); narrow the distribution",
               fmt_fig(lo, a), fmt_fig(hi, b));
}

/* values / probs of a discrete distribution. */
static bool parse_discrete(ctx *c, const cJSON *obj, tr__dist *d)
{
    const cJSON *vals = member(obj, "values"), *probs = member(obj, "probs");
    size_t nv = 0, np = 0;
    bool ok = true;
    if (!vals) report_missing(c, "values");
    if (!probs) report_missing(c, "probs");
    if (!vals || !probs) return false;
    size_t mark = path_push_key(c, "values");
    if (expect_array(c, vals) && check_count(c, vals, TR_MAX_DISCRETE_VALUES, "values", &nv)) {
        if (nv == 0) report(c, "must contain at least one value");
    } else {
        ok = false;
    }
    path_pop(c, mark);
    mark = path_push_key(c, "probs");
    if (expect_array(c, probs) && check_count(c, probs, TR_MAX_DISCRETE_VALUES, "probs", &np)) {
        if (np == 0) report(c, "must contain at least one probability");
        if (ok && nv > 0 && np > 0 && np != nv)
            report(c, "must have as many entries as values (got %zu probs, %zu values)", np, nv);
    } else {
        ok = false;
    }
    path_pop(c, mark);
    if (!ok || nv == 0 || np != nv) return false;
    d->n = nv;
    d->values = xcalloc(c, nv, sizeof *d->values);
    d->probs = xcalloc(c, nv, sizeof *d->probs);
    d->cum = xcalloc(c, nv, sizeof *d->cum);
    if (!d->values || !d->probs || !d->cum) return false;
    mark = path_push_key(c, "values");
    size_t i = 0;
    for (const cJSON *e = vals->child; e; e = e->next, i++) {
        size_t m2 = path_push_index(c, i);
        if (!check_number(c, e, &R_ANY, &d->values[i])) ok = false;
        path_pop(c, m2);
    }
    path_pop(c, mark);
    mark = path_push_key(c, "probs");
    i = 0;
    double sum = 0;
    bool probs_ok = true;
    for (const cJSON *e = probs->child; e; e = e->next, i++) {
        size_t m2 = path_push_index(c, i);
        if (check_number(c, e, &R_NONNEG, &d->probs[i]))
            sum += d->probs[i];
        else
            probs_ok = false;
        path_pop(c, m2);
    }
    if (probs_ok && fabs(sum - 1.0) > PROB_TOL) {
        char s[40];
        report(c, "probs sum to %s; must sum to 1 within 1e-9", fmt_sum(sum, s));
        probs_ok = false;
    }
    path_pop(c, mark);
    if (!ok || !probs_ok) return false;
    double acc = 0;
    for (i = 0; i < nv; i++) {
        acc += d->probs[i];
        d->cum[i] = acc < 1.0 ? acc : 1.0;
    }
    d->cum[nv - 1] = 1.0;
    return true;
}

/* Read the distribution object at the current path into *d (which holds the
 * default). Returns true if it is valid. */
static bool parse_dist_node(ctx *c, const cJSON *obj, tr__dist *d)
{
    if (!expect_object(c, obj)) return false;
    int kind = get_enum(c, obj, "dist", "distribution", DIST_NAMES, COUNT(DIST_NAMES), true);
    if (kind < 0) return false;
    size_t before = c->nerr;
    tr__dist r;
    memset(&r, 0, sizeof r);
    r.kind = (tr__dist_kind)kind;
    switch (r.kind) {
    case TR__DIST_FIXED:
        check_keys(c, obj, KEYS_FIXED, COUNT(KEYS_FIXED));
        get_number(c, obj, "value", &R_ANY, true, &r.value);
        break;
    case TR__DIST_UNIFORM:
        check_keys(c, obj, KEYS_UNIFORM, COUNT(KEYS_UNIFORM));
        if (get_number(c, obj, "min", &R_ANY, true, &r.min) +
                get_number(c, obj, "max", &R_ANY, true, &r.max) ==
            2)
            check_min_max(c, r.min, r.max, false);
        break;
    case TR__DIST_TRIANGULAR:
    case TR__DIST_PERT: {
        if (r.kind == TR__DIST_PERT)
            check_keys(c, obj, KEYS_PERT, COUNT(KEYS_PERT));
        else
            check_keys(c, obj, KEYS_TRIANGULAR, COUNT(KEYS_TRIANGULAR));
        int got = get_number(c, obj, "min", &R_ANY, true, &r.min);
        int got_mode = get_number(c, obj, "mode", &R_ANY, true, &r.mode);
        got += get_number(c, obj, "max", &R_ANY, true, &r.max);
        r.lambda = 4;
        if (r.kind == TR__DIST_PERT) get_number(c, obj, "lambda", &R_POSITIVE, false, &r.lambda);
        /* min == max is a point mass: write it as "fixed" */
        if (got == 2 && check_min_max(c, r.min, r.max, true) && got_mode == 1)
            check_mode(c, r.min, r.mode, r.max);
        if (r.kind == TR__DIST_PERT && r.max > r.min) {
            r.alpha = 1 + r.lambda * (r.mode - r.min) / (r.max - r.min);
            r.beta = 1 + r.lambda * (r.max - r.mode) / (r.max - r.min);
            if (c->nerr == before) check_shapes(c, &r);
        }
        break;
    }
    case TR__DIST_BETA: {
        check_keys(c, obj, KEYS_BETA, COUNT(KEYS_BETA));
        r.min = 0;
        r.max = 1;
        int got = get_number(c, obj, "mean", &R_ANY, true, &r.mean);
        got += get_number(c, obj, "sd", &R_POSITIVE, true, &r.sd);
        bool range_ok = get_number(c, obj, "min", &R_ANY, false, &r.min) >= 0;
        range_ok = get_number(c, obj, "max", &R_ANY, false, &r.max) >= 0 && range_ok;
        range_ok = range_ok && check_min_max(c, r.min, r.max, true);
        if (got == 2 && range_ok) {
            /* method of moments on [min, max] */
            double bound = (r.mean - r.min) * (r.max - r.mean), var = r.sd * r.sd;
            if (!(var < bound)) {
                char a[40], b[40];
                report_at(c, "sd",
                          "infeasible beta: need 0 < sd^2 < (mean-min)(max-mean) = %s (got "
                          "sd^2 = %s)",
                          fmt_sum(bound, a), fmt_sum(var, b));
            } else {
                double w = r.max - r.min, m = (r.mean - r.min) / w, v = var / (w * w);
                double common = m * (1 - m) / v - 1;
                r.alpha = m * common;
                r.beta = (1 - m) * common;
                check_shapes(c, &r);
            }
        }
        break;
    }
    case TR__DIST_NORMAL:
        check_keys(c, obj, KEYS_NORMAL, COUNT(KEYS_NORMAL));
        get_number(c, obj, "mean", &R_ANY, true, &r.mean);
        get_number(c, obj, "sd", &R_POSITIVE, true, &r.sd);
        break;
    case TR__DIST_LOGNORMAL:
        check_keys(c, obj, KEYS_LOGNORMAL, COUNT(KEYS_LOGNORMAL));
        get_number(c, obj, "median", &R_POSITIVE, true, &r.median);
        get_number(c, obj, "sigma", &R_POSITIVE, true, &r.sigma);
        break;
    case TR__DIST_DISCRETE:
        check_keys(c, obj, KEYS_DISCRETE, COUNT(KEYS_DISCRETE));
        parse_discrete(c, obj, &r);
        break;
    }
    if (c->nerr == before) check_range(c, &r);
    r.has_loadings = parse_loadings(c, obj, &r.loadings);
    /* *d takes ownership of r's arrays whether or not r is valid, so that
     * tr_config_free releases them */
    *d = r;
    return c->nerr == before;
}

/* The smallest value a bounded distribution can take (-inf if unbounded),
 * and the member holding it. */
static double dist_floor(const tr__dist *d, const char **key, size_t *index)
{
    *index = (size_t)-1;
    switch (d->kind) {
    case TR__DIST_FIXED:
        *key = "value";
        return d->value;
    case TR__DIST_UNIFORM:
    case TR__DIST_TRIANGULAR:
    case TR__DIST_PERT:
    case TR__DIST_BETA:
        *key = "min";
        return d->min;
    case TR__DIST_DISCRETE: {
        *key = "values";
        double lo = INFINITY;
        for (size_t i = 0; i < d->n; i++)
            if (d->values[i] < lo) {
                lo = d->values[i];
                *index = i;
            }
        return lo;
    }
    case TR__DIST_NORMAL:
    case TR__DIST_LOGNORMAL:
        break;
    }
    *key = NULL;
    return -INFINITY;
}

/* obj[key] as a distribution (the default stays in *d if it is absent). A
 * growth rate must stay above -1 (a fall of 100 % a year) wherever the
 * distribution is bounded; an unbounded one is the simulator's to clamp. */
static bool parse_dist(ctx *c, const cJSON *obj, const char *key, tr__dist *d, bool required,
                       bool growth)
{
    const cJSON *n = member(obj, key);
    if (!n) {
        if (required) report_missing(c, key);
        return !required;
    }
    size_t mark = path_push_key(c, key), before = c->nerr;
    if (parse_dist_node(c, n, d) && growth) {
        const char *k;
        size_t i;
        double lo = dist_floor(d, &k, &i);
        if (k && !(lo > -1)) {
            char g[40];
            size_t m2 = path_push_key(c, k);
            if (i != (size_t)-1) path_push_index(c, i);
            report(c, "growth must be > -1 (got %s)", fmt_num(lo, g));
            path_pop(c, m2);
        }
    }
    path_pop(c, mark);
    return c->nerr == before;
}

static void dist_fixed(tr__dist *d, double v)
{
    memset(d, 0, sizeof *d);
    d->kind = TR__DIST_FIXED;
    d->value = v;
}

/* ------------------------------------------------------------------------- */
/* Lists of named things: ids unique among siblings                          */
/* ------------------------------------------------------------------------- */

/* Register the id `s` of element `i` of the array whose path ends at
 * `array_mark`; a duplicate is reported with the first occurrence's path.
 * Returns true if `s` is new. */
static bool unique_id(ctx *c, strmap *seen, const char *s, size_t i, size_t array_mark)
{
    long first = strmap_put(seen, s, i);
    if (first < 0) return true;
    report_at(c, "id", "duplicate id \"%s\" (also at %.*s[%ld].id)", s, (int)array_mark, c->path,
              first);
    return false;
}

/* ------------------------------------------------------------------------- */
/* Top-level lists: factors, consortia                                        */
/* ------------------------------------------------------------------------- */

static const char *const KEYS_FACTOR[] = {"name", "scope"};
static const char *const SCOPE_NAMES[] = {"global", "consortium", "trust"};
static const char *const KEYS_CONSORTIUM[] = {"id", "name", "notes", "reserve"};

static void parse_factors(ctx *c, const cJSON *root)
{
    const cJSON *arr = member(root, "factors");
    tr_config *cfg = c->cfg;
    size_t n = 0;
    if (!arr) return;
    size_t mark = path_push_key(c, "factors");
    if (!expect_array(c, arr) || !check_count(c, arr, TR_MAX_FACTORS, "factors", &n) || !n) {
        c->factors_refused = n > 0 || !cJSON_IsArray(arr);
        path_pop(c, mark);
        return;
    }
    cfg->factors = xcalloc(c, n, sizeof *cfg->factors);
    c->factor_names = xcalloc(c, n, sizeof *c->factor_names);
    if (!cfg->factors || !c->factor_names || !strmap_init(&c->factor_map, n)) {
        c->nomem = true;
        path_pop(c, mark);
        return;
    }
    cfg->n_factors = n;
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = path_push_index(c, i);
        tr__factor *f = &cfg->factors[i];
        if (expect_object(c, e)) {
            check_keys(c, e, KEYS_FACTOR, COUNT(KEYS_FACTOR));
            const char *name = get_string(c, e, "name", true, true);
            if (name) {
                long first = strmap_put(&c->factor_map, name, i);
                if (first >= 0)
                    report_at(c, "name", "duplicate factor name \"%s\" (also at factors[%ld].name)",
                              name, first);
                else
                    c->factor_names[i] = name;
                f->name = xstrdup(c, name);
                f->key = tr__hash64(name);
            }
            int scope = get_enum(c, e, "scope", "scope", SCOPE_NAMES, COUNT(SCOPE_NAMES), true);
            if (scope >= 0) f->scope = (tr__factor_scope)scope;
        }
        path_pop(c, m2);
    }
    path_pop(c, mark);
}

static void parse_consortia(ctx *c, const cJSON *root)
{
    const cJSON *arr = member(root, "consortia");
    tr_config *cfg = c->cfg;
    size_t n;
    if (!arr) return;
    size_t mark = path_push_key(c, "consortia");
    if (!expect_array(c, arr) || !check_count(c, arr, TR_MAX_CONSORTIA, "consortia", &n) || !n) {
        path_pop(c, mark);
        return;
    }
    cfg->consortia = xcalloc(c, n, sizeof *cfg->consortia);
    c->consortium_ids = xcalloc(c, n, sizeof *c->consortium_ids);
    if (!cfg->consortia || !c->consortium_ids || !strmap_init(&c->consortium_map, n)) {
        c->nomem = true;
        path_pop(c, mark);
        return;
    }
    cfg->n_consortia = n;
    size_t arr_len = c->plen, i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = path_push_index(c, i);
        tr__consortium *k = &cfg->consortia[i];
        if (expect_object(c, e)) {
            check_keys(c, e, KEYS_CONSORTIUM, COUNT(KEYS_CONSORTIUM));
            const char *id = get_string(c, e, "id", true, true);
            const char *name = get_string(c, e, "name", false, false);
            const char *notes = get_string(c, e, "notes", false, false);
            if (id) {
                if (unique_id(c, &c->consortium_map, id, i, arr_len)) c->consortium_ids[i] = id;
                k->id = xstrdup(c, id);
                k->key = tr__hash64(id);
            }
            k->name = xstrdup(c, name ? name : id);
            k->notes = xstrdup(c, notes);
            get_number(c, e, "reserve", &R_MONEY_POS, true, &k->reserve);
        }
        path_pop(c, m2);
    }
    path_pop(c, mark);
}

/* ------------------------------------------------------------------------- */
/* Trusts and their schemes                                                  */
/* ------------------------------------------------------------------------- */

static const char *const KEYS_SCHEME[] = {
    "id",          "name",        "notes",        "kind",      "saving",
    "start_month", "ramp_months", "delivery",     "paper",     "slippage",
    "stay",        "compromise",  "one_off_cost", "recurrent", "factors"};
static const char *const KIND_NAMES[] = {"efficiency", "closure", "other"};
static const char *const KEYS_STAY[] = {"probability", "delay"};
static const char *const KEYS_COMPROMISE[] = {"probability", "retained"};
static const char *const KEYS_TRUST[] = {"id",
                                         "name",
                                         "notes",
                                         "cash",
                                         "min_cash",
                                         "facility",
                                         "income",
                                         "expenditure",
                                         "fixed_charges",
                                         "fixed_indexation",
                                         "income_growth",
                                         "cost_growth",
                                         "cash_noise",
                                         "commissioners",
                                         "bailout_buffer",
                                         "factors",
                                         "schemes"};
static const char *const KEYS_COMMISSIONER[] = {"consortium", "share"};

/* "stay" or "compromise": {probability, <dist>}; returns true if present. */
/*
 * Every month's flow must stay within TR_MAX_MONEY, like every money field,
 * so that no month, cash balance or statistic can overflow (an overflow would
 * reach results.json as a non-finite number). Income, expenditure and fixed
 * charges grow as annual / 12 * (1 + g)^((t - 1) / 12) (docs/model.md section 6),
 * so with the largest g the engine can draw (tr__dist_range) the worst month
 * is month H. Reported at the growth (or indexation) that breaks it.
 */
static void check_monthly(ctx *c, const char *key, const char *what, const char *annual_key,
                          double annual, double g_max, int horizon)
{
    double factor = pow(1.0 + fmax(g_max, 0.0), (horizon - 1) / 12.0);
    double worst = annual / 12.0 * factor;
    if (worst <= TR_MAX_MONEY && isfinite(factor)) return;
    char w[40], a[40], g[40];
    if (!isfinite(factor) && !(worst > 0.0)) { /* from 0: the engine's 0 x inf would be NaN */
        report_at(c, key,
                  "growth of up to %s a year compounds beyond the largest number by month %d; "
                  "every month's income, expenditure and fixed charges must stay within %g "
                  "(GBP m)",
                  fmt_fig(g_max, g), horizon, TR_MAX_MONEY);
        return;
    }
    fmt_fig(worst, w);
    report_at(c, key,
              "monthly %s would reach %s (GBP m) in month %d (%s %s a year, growing at up to %s "
              "a year); every month's income, expenditure and fixed charges must stay within "
              "%g (GBP m)",
              what, w, horizon, annual_key, fmt_num(annual, a), fmt_fig(g_max, g), TR_MAX_MONEY);
}

/* A scheme's monthly saving is d * saving / 12 with d = delivery, times
 * retained when compromised: it must stay within TR_MAX_MONEY too. */
static void check_saving(ctx *c, const tr__scheme *s)
{
    double lo, hi;
    tr__dist_range(&s->delivery, &lo, &hi);
    double d = fmax(fabs(lo), fabs(hi)), k = s->saving / 12.0 * d;
    char w[40], a[40], f[40], q[40];
    if (k > TR_MAX_MONEY) {
        report_at(c, "delivery",
                  "monthly saving could reach %s (GBP m): saving %s a year times a delivered "
                  "fraction of up to %s; every month's flow must stay within %g (GBP m)",
                  fmt_fig(k, w), fmt_num(s->saving, a), fmt_fig(d, f), TR_MAX_MONEY);
        return;
    }
    if (!s->has_compromise) return;
    tr__dist_range(&s->retained, &lo, &hi);
    double r = fmax(1.0, fmax(fabs(lo), fabs(hi)));
    if (!(k * r > TR_MAX_MONEY)) return;
    size_t mark = path_push_key(c, "compromise");
    report_at(c, "retained",
              "monthly saving could reach %s (GBP m): saving %s a year times a delivered "
              "fraction of up to %s times a retained fraction of up to %s; every month's flow "
              "must stay within %g (GBP m)",
              fmt_fig(k * r, w), fmt_num(s->saving, a), fmt_fig(d, f), fmt_fig(r, q), TR_MAX_MONEY);
    path_pop(c, mark);
}

static bool parse_event(ctx *c, const cJSON *obj, const char *key, const char *const *keys,
                        double *prob, tr__dist *d)
{
    const cJSON *n = member(obj, key);
    if (!n) return false;
    size_t mark = path_push_key(c, key);
    if (expect_object(c, n)) {
        check_keys(c, n, keys, 2);
        get_number(c, n, keys[0], &R_PROB, true, prob);
        parse_dist(c, n, keys[1], d, true, false);
    }
    path_pop(c, mark);
    return true;
}

static void parse_scheme(ctx *c, const cJSON *e, tr__scheme *s, strmap *ids, size_t i,
                         size_t array_mark)
{
    check_keys(c, e, KEYS_SCHEME, COUNT(KEYS_SCHEME));
    const char *id = get_string(c, e, "id", true, true);
    const char *name = get_string(c, e, "name", false, false);
    const char *notes = get_string(c, e, "notes", false, false);
    if (id) {
        unique_id(c, ids, id, i, array_mark);
        s->id = xstrdup(c, id);
        s->key = tr__hash64(id);
    }
    s->name = xstrdup(c, name ? name : id);
    s->notes = xstrdup(c, notes);
    s->kind = TR__SCHEME_OTHER;
    int kind = get_enum(c, e, "kind", "kind", KIND_NAMES, COUNT(KIND_NAMES), false);
    if (kind >= 0) s->kind = (tr__scheme_kind)kind;
    bool flows_ok = get_number(c, e, "saving", &R_MONEY_POS, true, &s->saving) == 1;
    s->start_month = 1;
    get_number(c, e, "start_month", &R_START, true, &s->start_month);
    get_number(c, e, "ramp_months", &R_RAMP, false, &s->ramp_months);
    dist_fixed(&s->delivery, 1.0);
    flows_ok = parse_dist(c, e, "delivery", &s->delivery, false, false) && flows_ok;
    get_number(c, e, "paper", &R_PROB, false, &s->paper);
    dist_fixed(&s->slippage, 0.0);
    parse_dist(c, e, "slippage", &s->slippage, false, false);
    dist_fixed(&s->stay_delay, 0.0);
    s->has_stay = parse_event(c, e, "stay", KEYS_STAY, &s->stay_probability, &s->stay_delay);
    dist_fixed(&s->retained, 1.0);
    size_t before = c->nerr;
    s->has_compromise =
        parse_event(c, e, "compromise", KEYS_COMPROMISE, &s->compromise_probability, &s->retained);
    flows_ok = flows_ok && c->nerr == before;
    get_number(c, e, "one_off_cost", &R_MONEY_POS, false, &s->one_off_cost);
    s->recurrent = true;
    get_bool(c, e, "recurrent", &s->recurrent);
    parse_loadings(c, e, &s->loadings);
    if (flows_ok) check_saving(c, s);
}

/* commissioners: resolve each consortium, refuse one listed twice, check the
 * shares' sum, and pick the lead (largest share, first listed on a tie). */
static void parse_commissioners(ctx *c, const cJSON *e, tr__trust *t)
{
    const cJSON *arr = member(e, "commissioners");
    t->national_share = 1.0;
    t->lead_consortium = -1;
    if (!arr) return;
    size_t mark = path_push_key(c, "commissioners");
    size_t n;
    if (!expect_array(c, arr) || !check_count(c, arr, TR_MAX_CONSORTIA, "commissioners", &n) ||
        !n) {
        path_pop(c, mark);
        return;
    }
    c->trust_has_commissioners = true;
    t->commissioners = xcalloc(c, n, sizeof *t->commissioners);
    strmap seen;
    if (!t->commissioners || !strmap_init(&seen, n)) {
        c->nomem = true;
        path_pop(c, mark);
        return;
    }
    t->n_commissioners = n;
    size_t arr_len = c->plen;
    double sum = 0;
    bool ok = true;
    size_t i = 0;
    for (const cJSON *m = arr->child; m; m = m->next, i++) {
        size_t m2 = path_push_index(c, i);
        tr__commissioner *k = &t->commissioners[i];
        k->consortium = -1;
        if (!expect_object(c, m)) {
            ok = false;
            path_pop(c, m2);
            continue;
        }
        check_keys(c, m, KEYS_COMMISSIONER, COUNT(KEYS_COMMISSIONER));
        const char *id = get_string(c, m, "consortium", true, true);
        if (id) {
            long idx = strmap_find(&c->consortium_map, id);
            if (idx < 0) {
                const char *near = suggest(id, c->consortium_ids, c->cfg->n_consortia);
                if (near)
                    report_at(c, "consortium", "unknown consortium \"%s\"; did you mean \"%s\"?",
                              id, near);
                else if (c->cfg->n_consortia == 0)
                    report_at(c, "consortium",
                              "unknown consortium \"%s\" (the config declares no consortia)", id);
                else
                    report_at(c, "consortium", "unknown consortium \"%s\"", id);
            } else {
                k->consortium = (int)idx;
                long first = strmap_put(&seen, id, i);
                if (first >= 0)
                    report_at(c, "consortium",
                              "duplicate consortium \"%s\" (also at %.*s[%ld].consortium)", id,
                              (int)arr_len, c->path, first);
            }
        }
        if (get_number(c, m, "share", &R_PROB, true, &k->share) == 1)
            sum += k->share;
        else
            ok = false;
        path_pop(c, m2);
    }
    strmap_free(&seen);
    if (ok && sum > 1.0 + SHARE_TOL) {
        char s[40];
        report(c, "commissioner shares sum to %s; must be <= 1", fmt_sum(sum, s));
    }
    t->national_share = sum < 1.0 ? 1.0 - sum : 0.0;
    for (i = 0; i < n; i++)
        if (t->commissioners[i].consortium >= 0 &&
            (t->lead_consortium < 0 ||
             t->commissioners[i].share > t->commissioners[t->lead_consortium].share))
            t->lead_consortium = (int)i;
    /* lead_consortium so far indexes commissioners; the model wants consortia */
    if (t->lead_consortium >= 0)
        t->lead_consortium = t->commissioners[t->lead_consortium].consortium;
    path_pop(c, mark);
}

static void parse_trust(ctx *c, const cJSON *e, tr__trust *t, strmap *ids, size_t i,
                        size_t array_mark)
{
    check_keys(c, e, KEYS_TRUST, COUNT(KEYS_TRUST));
    const char *id = get_string(c, e, "id", true, true);
    const char *name = get_string(c, e, "name", false, false);
    const char *notes = get_string(c, e, "notes", false, false);
    if (id) {
        unique_id(c, ids, id, i, array_mark);
        t->id = xstrdup(c, id);
        t->key = tr__hash64(id);
    }
    t->name = xstrdup(c, name ? name : id);
    t->notes = xstrdup(c, notes);
    get_number(c, e, "cash", &R_MONEY, true, &t->cash);
    get_number(c, e, "min_cash", &R_MONEY, false, &t->min_cash);
    get_number(c, e, "facility", &R_MONEY_POS, false, &t->facility);
    bool inc_ok = get_number(c, e, "income", &R_MONEY_POS, true, &t->income) == 1;
    bool exp_ok = get_number(c, e, "expenditure", &R_MONEY_POS, true, &t->expenditure) == 1;
    bool fix_ok = get_number(c, e, "fixed_charges", &R_MONEY_POS, false, &t->fixed_charges) >= 0;
    fix_ok =
        get_number(c, e, "fixed_indexation", &R_INDEXATION, false, &t->fixed_indexation) >= 0 &&
        fix_ok;
    get_number(c, e, "cash_noise", &R_MONEY_POS, false, &t->cash_noise);
    get_number(c, e, "bailout_buffer", &R_MONEY_POS, false, &t->bailout_buffer);

    /* commissioners first: the loadings below need to know whether the trust
     * has a lead consortium */
    c->trust_id = id ? id : "(no id)";
    c->trust_has_commissioners = false;
    parse_commissioners(c, e, t);

    dist_fixed(&t->income_growth, 0.0);
    inc_ok = parse_dist(c, e, "income_growth", &t->income_growth, false, true) && inc_ok;
    dist_fixed(&t->cost_growth, 0.0);
    exp_ok = parse_dist(c, e, "cost_growth", &t->cost_growth, false, true) && exp_ok;
    parse_loadings(c, e, &t->loadings);
    int H = c->cfg->horizon; /* 0 if horizon_months was invalid: nothing to check against */
    double lo, g_max;
    if (inc_ok && H >= 1) {
        tr__dist_range(&t->income_growth, &lo, &g_max);
        check_monthly(c, "income_growth", "income", "income", t->income, g_max, H);
    }
    if (exp_ok && H >= 1) {
        tr__dist_range(&t->cost_growth, &lo, &g_max);
        check_monthly(c, "cost_growth", "expenditure", "expenditure", t->expenditure, g_max, H);
    }
    if (fix_ok && H >= 1)
        check_monthly(c, "fixed_indexation", "fixed charges", "fixed_charges", t->fixed_charges,
                      t->fixed_indexation, H);

    const cJSON *arr = member(e, "schemes");
    size_t n;
    if (arr) {
        size_t mark = path_push_key(c, "schemes");
        if (expect_array(c, arr) && check_count(c, arr, TR_MAX_SCHEMES_PER_TRUST, "schemes", &n) &&
            n) {
            strmap sids;
            t->schemes = xcalloc(c, n, sizeof *t->schemes);
            if (t->schemes && strmap_init(&sids, n)) {
                t->n_schemes = n;
                size_t mark_len = c->plen, k = 0;
                for (const cJSON *s = arr->child; s; s = s->next, k++) {
                    size_t m2 = path_push_index(c, k);
                    dist_fixed(&t->schemes[k].delivery, 1.0);
                    t->schemes[k].file_index = k;
                    if (expect_object(c, s)) parse_scheme(c, s, &t->schemes[k], &sids, k, mark_len);
                    path_pop(c, m2);
                }
                strmap_free(&sids);
            } else {
                c->nomem = true;
            }
        }
        path_pop(c, mark);
    }
    c->trust_id = NULL;
    c->trust_has_commissioners = false;
}

static void parse_trusts(ctx *c, const cJSON *root)
{
    const cJSON *arr = member(root, "trusts");
    tr_config *cfg = c->cfg;
    size_t n;
    if (!arr) {
        report_missing(c, "trusts");
        return;
    }
    size_t mark = path_push_key(c, "trusts");
    if (!expect_array(c, arr) || !check_count(c, arr, TR_MAX_TRUSTS, "trusts", &n)) {
        path_pop(c, mark);
        return;
    }
    if (n == 0) {
        report(c, "must contain at least one trust");
        path_pop(c, mark);
        return;
    }
    strmap ids;
    cfg->trusts = xcalloc(c, n, sizeof *cfg->trusts);
    if (!cfg->trusts || !strmap_init(&ids, n)) {
        c->nomem = true;
        path_pop(c, mark);
        return;
    }
    cfg->n_trusts = n;
    size_t arr_len = c->plen, i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        size_t m2 = path_push_index(c, i);
        tr__trust *t = &cfg->trusts[i];
        t->lead_consortium = -1;
        t->national_share = 1.0;
        t->file_index = i;
        if (expect_object(c, e)) parse_trust(c, e, t, &ids, i, arr_len);
        cfg->n_schemes_total += t->n_schemes;
        path_pop(c, m2);
    }
    strmap_free(&ids);
    path_pop(c, mark);
}

/* ------------------------------------------------------------------------- */
/* The root object                                                           */
/* ------------------------------------------------------------------------- */

static const char *const KEYS_ROOT[] = {TR__KEYS_ROOT};
static const char *const KEYS_COPULA[] = {"type", "dof"};
static const char *const COPULA_NAMES[] = {"gaussian", "t"};

static void parse_copula(ctx *c, const cJSON *root)
{
    const cJSON *n = member(root, "copula");
    c->cfg->copula = TR__COPULA_GAUSSIAN;
    if (!n) return;
    size_t mark = path_push_key(c, "copula");
    if (expect_object(c, n)) {
        check_keys(c, n, KEYS_COPULA, COUNT(KEYS_COPULA));
        int type = get_enum(c, n, "type", "copula type", COPULA_NAMES, COUNT(COPULA_NAMES), false);
        bool gaussian = type == TR__COPULA_GAUSSIAN || !member(n, "type");
        if (type >= 0) c->cfg->copula = (tr__copula_kind)type;
        if (type == TR__COPULA_T)
            get_number(c, n, "dof", &R_DOF, true, &c->cfg->dof);
        else if (gaussian && member(n, "dof"))
            report_at(c, "dof", "\"dof\" is only used by the t copula (\"type\": \"t\")");
    }
    path_pop(c, mark);
}

/* ------------------------------------------------------------------------- */
/* Precision targets and importance sampling (docs/model.md section 11)      */
/* ------------------------------------------------------------------------- */

static const char *const KEYS_PRECISION[] = {TR__KEYS_PRECISION};
static const char *const KEYS_SAMPLING[] = {TR__KEYS_SAMPLING};
static const char *const SAMPLING_NAMES[] = {"plain", "shift"};
static const char *const KEYS_AUTO[] = {TR__KEYS_AUTO};
static const char *const EVENT_NAMES[] = {"failures_at_least", "trust_fails",
                                          "total_bailout_above"};

static void parse_precision(ctx *c, const cJSON *root)
{
    const cJSON *n = member(root, "precision");
    tr__precision *p = &c->cfg->precision;
    if (!n) return;
    size_t mark = path_push_key(c, "precision");
    if (expect_object(c, n)) {
        check_keys(c, n, KEYS_PRECISION, COUNT(KEYS_PRECISION));
        int se = get_number(c, n, "target_se", &R_TARGET_SE, false, &p->se);
        int rel = get_number(c, n, "target_rel", &R_TARGET_REL, false, &p->rel);
        if (se == 0 && rel == 0)
            report(c, "needs \"target_se\" (the largest standard error of every trust's "
                      "P(fail)) or \"target_rel\" (the largest standard error relative to the "
                      "estimate), or both");
        p->set = se == 1 || rel == 1;
    }
    path_pop(c, mark);
}

/* "shift": {"factor": mu, ...}: each a declared factor of global or
 * consortium scope, named once, with |mu| <= TR_MAX_SHIFT. */
static void parse_shift(ctx *c, const cJSON *n, tr__sampling *sm)
{
    size_t mark = path_push_key(c, "shift");
    size_t count = cJSON_IsObject(n) ? (size_t)cJSON_GetArraySize(n) : 0;
    strmap seen = {0};
    if (!expect_object(c, n) || count == 0) {
        path_pop(c, mark);
        return;
    }
    sm->factor = xcalloc(c, count, sizeof *sm->factor);
    sm->mu = xcalloc(c, count, sizeof *sm->mu);
    if (!sm->factor || !sm->mu || !strmap_init(&seen, count)) {
        c->nomem = true;
        path_pop(c, mark);
        return;
    }
    size_t k = 0;
    for (const cJSON *e = n->child; e; e = e->next) {
        if (strmap_put(&seen, e->string, 0) >= 0) {
            report_at(c, e->string, "duplicate key \"%s\"", e->string);
            continue;
        }
        size_t m2 = path_push_key(c, e->string);
        double mu = 0;
        bool ok = check_number(c, e, &R_SHIFT, &mu);
        long idx = find_factor(c, e->string);
        if (idx >= 0 && c->cfg->factors[idx].scope == TR__SCOPE_TRUST) {
            report(c,
                   "factor \"%s\" has trust scope and cannot be shifted: only global and "
                   "consortium-scoped factors can (a trust-scoped factor is drawn for every "
                   "trust on its own)",
                   e->string);
            ok = false;
        }
        path_pop(c, m2);
        if (!ok || idx < 0) continue;
        sm->factor[k] = (int)idx;
        sm->mu[k] = mu;
        k++;
    }
    strmap_free(&seen);
    sm->n = k;
    path_pop(c, mark);
}

/* The index of the trust with id `id`, or -1, reported at the current
 * path with the closest id suggested. */
static long find_trust(ctx *c, const char *id)
{
    const tr_config *cfg = c->cfg;
    for (size_t i = 0; i < cfg->n_trusts; i++)
        if (cfg->trusts[i].id && strcmp(cfg->trusts[i].id, id) == 0) return (long)i;
    const char **ids = xcalloc(c, cfg->n_trusts, sizeof *ids);
    for (size_t i = 0; ids && i < cfg->n_trusts; i++)
        ids[i] = cfg->trusts[i].id;
    const char *near = ids ? suggest(id, ids, cfg->n_trusts) : NULL;
    if (near)
        report(c, "unknown trust \"%s\"; did you mean \"%s\"?", id, near);
    else
        report(c, "unknown trust \"%s\"", id);
    free(ids);
    return -1;
}

/* "event": exactly one of {"failures_at_least": k}, {"trust_fails": id},
 * {"total_bailout_above": x}. */
static void parse_event_of(ctx *c, const cJSON *n, tr__sampling *sm)
{
    char list[256];
    join(EVENT_NAMES, COUNT(EVENT_NAMES), list, sizeof list);
    if (!cJSON_IsObject(n)) {
        if (cJSON_IsString(n))
            report(c,
                   "expected an object naming the event and its value, such as "
                   "{\"failures_at_least\": 8}, {\"trust_fails\": \"trust id\"} or "
                   "{\"total_bailout_above\": 500}, got the string \"%.40s\"",
                   n->valuestring);
        else
            report(c,
                   "expected an object naming the event, such as {\"failures_at_least\": 8}, "
                   "got %s",
                   kind_of(n));
        return;
    }
    check_keys(c, n, EVENT_NAMES, COUNT(EVENT_NAMES));
    size_t known = 0;
    for (const cJSON *e = n->child; e; e = e->next)
        known += known_key(e->string, EVENT_NAMES, COUNT(EVENT_NAMES));
    if (known == 0 && !n->child)
        report(c, "must name one event: %s", list);
    else if (known > 1)
        report(c, "names %zu events; give exactly one of: %s", known, list);
    if (known != 1) return;
    double v = 0;
    if (member(n, "failures_at_least")) {
        sm->event = TR__EVENT_FAILURES_AT_LEAST;
        size_t nt = c->cfg->n_trusts; /* 0 when "trusts" is broken: then no bound */
        if (get_number(c, n, "failures_at_least", &R_AT_LEAST_1, true, &v) == 1) {
            char g[40];
            if (nt > 0 && v > (double)nt)
                report_at(c, "failures_at_least",
                          "must be at most the number of trusts, %zu (got %s)", nt, fmt_num(v, g));
            else if (v <= (double)TR_MAX_TRUSTS)
                sm->k = (size_t)v;
        }
    } else if (member(n, "trust_fails")) {
        sm->event = TR__EVENT_TRUST_FAILS;
        const char *id = get_string(c, n, "trust_fails", true, true);
        if (id) {
            size_t m2 = path_push_key(c, "trust_fails");
            sm->trust = (int)find_trust(c, id);
            path_pop(c, m2);
            sm->trust_id = xstrdup(c, id);
        }
    } else {
        sm->event = TR__EVENT_TOTAL_BAILOUT_ABOVE;
        get_number(c, n, "total_bailout_above", &R_MONEY_POS, true, &sm->x);
    }
}

/* "auto": {"event": {...}, "pilot_paths": P}. */
static void parse_auto(ctx *c, const cJSON *n, tr__sampling *sm)
{
    size_t mark = path_push_key(c, "auto");
    sm->pilot_paths = TR_DEFAULT_PILOT_PATHS;
    if (expect_object(c, n)) {
        check_keys(c, n, KEYS_AUTO, COUNT(KEYS_AUTO));
        const cJSON *ev = member(n, "event");
        if (!ev) {
            report_missing(c, "event");
        } else {
            size_t m2 = path_push_key(c, "event");
            parse_event_of(c, ev, sm);
            path_pop(c, m2);
        }
        double p = (double)sm->pilot_paths;
        if (get_number(c, n, "pilot_paths", &R_PILOT, false, &p) == 1)
            sm->pilot_paths = (uint64_t)p;
        bool any = false;
        for (size_t f = 0; f < c->cfg->n_factors; f++)
            any |= c->cfg->factors[f].scope != TR__SCOPE_TRUST;
        if (!any)
            report(c, "an automatic shift moves the global and consortium-scoped factors, and "
                      "the config declares none");
    }
    path_pop(c, mark);
}

static void parse_sampling(ctx *c, const cJSON *root)
{
    const cJSON *n = member(root, "sampling");
    tr__sampling *sm = &c->cfg->sampling;
    sm->method = TR__SAMPLING_PLAIN;
    sm->trust = -1;
    if (!n) return;
    size_t mark = path_push_key(c, "sampling");
    if (!expect_object(c, n)) {
        path_pop(c, mark);
        return;
    }
    check_keys(c, n, KEYS_SAMPLING, COUNT(KEYS_SAMPLING));
    int method =
        get_enum(c, n, "method", "sampling method", SAMPLING_NAMES, COUNT(SAMPLING_NAMES), true);
    const cJSON *shift = member(n, "shift"), *au = member(n, "auto");
    if (method == 0) {
        if (shift) report_at(c, "shift", "\"shift\" is only used with \"method\": \"shift\"");
        if (au) report_at(c, "auto", "\"auto\" is only used with \"method\": \"shift\"");
    } else if (method == 1) {
        if (!shift && !au)
            report(c, "\"method\": \"shift\" needs \"shift\" (the shift of each factor, "
                      "{\"factor name\": mu}) or \"auto\" (the rare event to choose it for)");
        else if (shift && au)
            report_at(c, "auto",
                      "\"shift\" and \"auto\" exclude each other: give the shift, or the event "
                      "to choose it for, not both");
        sm->method = au && !shift ? TR__SAMPLING_AUTO : TR__SAMPLING_SHIFT;
    }
    /* their contents are checked whatever the method, so that every
     * problem is reported at once */
    if (shift) parse_shift(c, shift, sm);
    if (au) parse_auto(c, au, sm);
    if (sm->method != TR__SAMPLING_SHIFT) sm->n = 0;
    path_pop(c, mark);
}

/*
 * The seed as written. A JSON number is read as a double, which rounds any
 * integer above 2^53 and any long fraction without a word
 * (9007199254740993 reads as 9007199254740992, 1.0000000000000001 as 1), so
 * the rule of --seed is checked on the text: a whole number in digits, at
 * most 2^53.
 */
static void check_seed_text(ctx *c)
{
    static const char max[] = "9007199254740992";
    const char *t = c->seed_text;
    size_t n = c->seed_len, k = 0;
    while (k < n && t[k] >= '0' && t[k] <= '9')
        k++;
    int shown = n > 40 ? 40 : (int)n;
    if (k != n || n == 0)
        report_at(c, "seed",
                  "expected a whole number written in digits, 0 to %s (as --seed), got %.*s%s", max,
                  shown, t, n > 40 ? "..." : "");
    else if (n > sizeof max - 1 || (n == sizeof max - 1 && memcmp(t, max, n) > 0))
        report_at(c, "seed", "must be in [0, %s] (got %.*s%s)", max, shown, t, n > 40 ? "..." : "");
}

static void parse_root(ctx *c, const cJSON *root)
{
    tr_config *cfg = c->cfg;
    if (cJSON_GetObjectItemCaseSensitive(root, "scenarios") &&
        cJSON_GetObjectItemCaseSensitive(root, "base") &&
        !cJSON_GetObjectItemCaseSensitive(root, "trusts")) {
        /* the wrong command, not a config with a dozen wrong keys */
        report(c, "this is a batch manifest (it has \"base\" and \"scenarios\"), not a config: "
                  "run it with `trustrisk batch FILE --out DIR`, or see its scenarios with "
                  "`trustrisk scenario FILE`");
        return;
    }
    check_keys(c, root, KEYS_ROOT, COUNT(KEYS_ROOT));
    const char *name = get_string(c, root, "name", false, false);
    const char *notes = get_string(c, root, "notes", false, false);
    cfg->name = xstrdup(c, name ? name : "unnamed");
    cfg->notes = xstrdup(c, notes);
    double h = 0, paths = TR_DEFAULT_PATHS, seed = TR_DEFAULT_SEED;
    get_number(c, root, "horizon_months", &R_HORIZON, true, &h);
    get_number(c, root, "paths", &R_PATHS, false, &paths);
    if (get_number(c, root, "seed", &R_SEED, false, &seed) == 1 && c->seed_text) check_seed_text(c);
    cfg->horizon = (int)h;
    cfg->paths = (uint64_t)paths;
    cfg->seed = (uint64_t)seed;
    parse_copula(c, root);
    parse_factors(c, root);
    parse_consortia(c, root);
    parse_trusts(c, root);
    parse_precision(c, root);
    parse_sampling(c, root); /* after the factors and trusts it names */
}

/* ------------------------------------------------------------------------- */
/* Public API                                                                */
/* ------------------------------------------------------------------------- */

static void free_loadings(tr__loadings *L)
{
    free(L->factor);
    free(L->weight);
}

static void free_dist(tr__dist *d)
{
    free(d->values);
    free(d->probs);
    free(d->cum);
    free_loadings(&d->loadings);
}

void tr_config_free(tr_config *cfg)
{
    if (!cfg) return;
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        tr__trust *t = &cfg->trusts[i];
        for (size_t k = 0; k < t->n_schemes; k++) {
            tr__scheme *s = &t->schemes[k];
            free(s->id);
            free(s->name);
            free(s->notes);
            free_dist(&s->delivery);
            free_dist(&s->slippage);
            free_dist(&s->stay_delay);
            free_dist(&s->retained);
            free_loadings(&s->loadings);
        }
        free(t->schemes);
        free(t->id);
        free(t->name);
        free(t->notes);
        free_dist(&t->income_growth);
        free_dist(&t->cost_growth);
        free(t->commissioners);
        free_loadings(&t->loadings);
    }
    free(cfg->trusts);
    for (size_t i = 0; i < cfg->n_consortia; i++) {
        free(cfg->consortia[i].id);
        free(cfg->consortia[i].name);
        free(cfg->consortia[i].notes);
    }
    free(cfg->consortia);
    for (size_t i = 0; i < cfg->n_factors; i++)
        free(cfg->factors[i].name);
    free(cfg->factors);
    free(cfg->sampling.factor);
    free(cfg->sampling.mu);
    free(cfg->sampling.trust_id);
    free(cfg->name);
    free(cfg->notes);
    free(cfg->source);
    free(cfg->text);
    free(cfg);
}

tr_status tr_config_load_buffer(const char *data, size_t len, const char *source_name,
                                tr_config **out, tr_error *err)
{
    const char *file = source_name ? source_name : "<buffer>";
    if (!out) return tr_error_add(err, TR_E_INTERNAL, file, NULL, 0, 0, "no output pointer");
    *out = NULL;
    if (!data && len) return tr_error_add(err, TR_E_INTERNAL, file, NULL, 0, 0, "no data");
    if (len > TR_CONFIG_MAX_BYTES)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                            "file is too large (%zu bytes; the limit is %u bytes)", len,
                            TR_CONFIG_MAX_BYTES);

    /* gate 1: encoding (a UTF-8 byte order mark is skipped, RFC 8259 8.1) */
    const char *s = data ? data : "";
    size_t n = len;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    size_t bad = tr__utf8_check(s, n);
    if (bad < n) {
        int line, col;
        tr__line_col(s, bad, &line, &col);
        if (s[bad] == 0)
            return tr_error_add(err, TR_E_INPUT, file, NULL, line, col,
                                "NUL byte in input; a config must be UTF-8 text");
        return tr_error_add(err, TR_E_INPUT, file, NULL, line, col,
                            "invalid UTF-8 (byte 0x%02x); a config must be UTF-8 text",
                            (unsigned char)s[bad]);
    }

    /* gate 2: syntax */
    tr__json_scan sc;
    tr__json_verdict v = tr__json_check(s, n, "seed", &sc);
    if (v == TR__JSON_EMPTY)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                            "syntax error: the file is empty; expected a JSON object");
    if (v == TR__JSON_BAD) {
        int line, col;
        tr__line_col(s, sc.at, &line, &col);
        return tr_error_add(err, TR_E_INPUT, file, NULL, line, col, "syntax error: %s", sc.msg);
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(s, n, &end, 0);
    if (!root) {
        /* the scanner accepted it, so this is cJSON running out of memory */
        int line = 0, col = 0;
        if (end && end >= s && end <= s + n) tr__line_col(s, (size_t)(end - s), &line, &col);
        return tr_error_add(err, TR_E_NOMEM, file, NULL, line, col,
                            "out of memory while parsing the JSON");
    }
    if (!cJSON_IsObject(root)) {
        tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                     "the top level must be a JSON object, got %s", kind_of(root));
        cJSON_Delete(root);
        return TR_E_INPUT;
    }

    /* gate 3: the rules */
    ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.file = file;
    c.cfg = calloc(1, sizeof *c.cfg);
    tr_status st = TR_OK;
    if (!c.cfg || !path_reserve(&c, 64)) {
        c.nomem = true;
    } else {
        c.path[0] = '\0';
        c.cfg->source = xstrdup(&c, file);
        /* the text itself, which state files carry so that a merge of them
         * needs nothing else */
        c.cfg->text = malloc(len + 1);
        if (c.cfg->text) {
            memcpy(c.cfg->text, data, len);
            c.cfg->text[len] = '\0';
            c.cfg->text_len = len;
        } else {
            c.nomem = true;
        }
        if (sc.capture_len) {
            c.seed_text = s + sc.capture_at;
            c.seed_len = sc.capture_len;
        }
        parse_root(&c, root);
    }
    if (c.nomem)
        st = tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0,
                          "out of memory while loading the config");
    else if (c.nerr)
        st = TR_E_INPUT;
    strmap_free(&c.factor_map);
    strmap_free(&c.consortium_map);
    free(c.factor_names);
    free(c.consortium_ids);
    free(c.path);
    cJSON_Delete(root);
    /* Canonical order and the canonical hash (canon.c): results then do not
     * depend on the order of the config's lists. */
    if (st == TR_OK) st = tr__config_canonicalize(c.cfg, err);
    if (st != TR_OK) {
        tr_config_free(c.cfg);
        return st;
    }
    *out = c.cfg;
    return TR_OK;
}

tr_status tr_config_load_file(const char *filename, tr_config **out, tr_error *err)
{
    if (out) *out = NULL;
    if (!filename || !out)
        return tr_error_add(err, TR_E_INTERNAL, filename, NULL, 0, 0, "no file name or output");
    char *buf = NULL;
    size_t len = 0;
    tr_status st = tr__file_read(filename, TR_CONFIG_MAX_BYTES, NULL, &buf, &len, err);
    if (st != TR_OK) return st;
    st = tr_config_load_buffer(buf, len, filename, out, err);
    free(buf);
    return st;
}

const char *tr_config_name(const tr_config *cfg)
{
    return cfg->name;
}

const char *tr_config_sha256(const tr_config *cfg)
{
    return cfg->sha256;
}

int tr_config_horizon(const tr_config *cfg)
{
    return cfg->horizon;
}

uint64_t tr_config_paths(const tr_config *cfg)
{
    return cfg->paths;
}

uint64_t tr_config_seed(const tr_config *cfg)
{
    return cfg->seed;
}

size_t tr_config_trust_count(const tr_config *cfg)
{
    return cfg->n_trusts;
}

size_t tr_config_scheme_count(const tr_config *cfg)
{
    return cfg->n_schemes_total;
}

size_t tr_config_consortium_count(const tr_config *cfg)
{
    return cfg->n_consortia;
}

size_t tr_config_factor_count(const tr_config *cfg)
{
    return cfg->n_factors;
}

const char *tr_config_copula(const tr_config *cfg)
{
    return cfg->copula == TR__COPULA_T ? "t" : "gaussian";
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

void tr_config_describe(const tr_config *cfg, FILE *fp)
{
    if (!cfg || !fp) return;
    fprintf(fp,
            "%s: \"%s\" (sha256 %.12s...): %zu %s with %zu savings %s, %zu %s, %zu %s; "
            "horizon %d months; %s copula",
            cfg->source, cfg->name, cfg->sha256, cfg->n_trusts,
            plural(cfg->n_trusts, "trust", "trusts"), cfg->n_schemes_total,
            plural(cfg->n_schemes_total, "scheme", "schemes"), cfg->n_consortia,
            plural(cfg->n_consortia, "consortium", "consortia"), cfg->n_factors,
            plural(cfg->n_factors, "factor", "factors"), cfg->horizon,
            cfg->copula == TR__COPULA_T ? "Student-t" : "Gaussian");
    if (cfg->copula == TR__COPULA_T) fprintf(fp, " (%g degrees of freedom)", cfg->dof);
    const tr__precision *p = &cfg->precision;
    if (p->set && p->se > 0 && p->rel > 0)
        fprintf(fp, "; precision target: every P(fail) to se <= max(%g, %g x estimate)", p->se,
                p->rel);
    else if (p->set && p->se > 0)
        fprintf(fp, "; precision target: every P(fail) to se <= %g", p->se);
    else if (p->set)
        fprintf(fp, "; precision target: every P(fail) to se <= %g x estimate", p->rel);
    const tr__sampling *sm = &cfg->sampling;
    if (sm->method == TR__SAMPLING_SHIFT) {
        fprintf(fp, "; importance sampling, shift");
        for (size_t k = 0; k < sm->n; k++)
            fprintf(fp, "%s %s %+g", k ? "," : "", cfg->factors[sm->factor[k]].name, sm->mu[k]);
        if (sm->n == 0) fprintf(fp, " none");
    } else if (sm->method == TR__SAMPLING_AUTO) {
        fprintf(fp, "; importance sampling, shift chosen by a %" PRIu64 "-path pilot for ",
                sm->pilot_paths);
        if (sm->event == TR__EVENT_FAILURES_AT_LEAST)
            fprintf(fp, "at least %zu %s failing", sm->k, plural(sm->k, "trust", "trusts"));
        else if (sm->event == TR__EVENT_TRUST_FAILS)
            fprintf(fp, "trust \"%s\" failing", sm->trust_id);
        else
            fprintf(fp, "a total bail-out above %g (GBP m)", sm->x);
    }
    fprintf(fp, "; default %" PRIu64 " paths, seed %" PRIu64 ".\n", cfg->paths, cfg->seed);
}
