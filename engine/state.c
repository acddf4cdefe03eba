/*
 * state.c - a run's statistics as bytes (see state.h and
 * docs/state-format.md).
 *
 * Writing appends to a growing buffer; reading walks it with a cursor that
 * refuses to step past the end, so a truncated or corrupt state is an error
 * naming the byte where it stopped making sense, never a crash. The SHA-256
 * trailer is checked before anything else is read.
 */
#include "state.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static const unsigned char MAGIC[8] = {'T', 'R', 'S', 'T', 'A', 'T', 'E', 0};

/* ---- writing ------------------------------------------------------------- */

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
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

static void put_u64(wbuf *w, uint64_t x)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    put(w, b, 8);
}

static void put_u32(wbuf *w, uint32_t x)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(x >> (8 * i));
    put(w, b, 4);
}

static void put_f64(wbuf *w, double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    put_u64(w, b);
}

/* A string: u32 length, then its bytes. */
static void put_str(wbuf *w, const char *s, size_t n)
{
    put_u32(w, (uint32_t)n);
    put(w, s, n);
}

static void put_u64s(wbuf *w, const uint64_t *x, size_t n)
{
    for (size_t k = 0; k < n; k++)
        put_u64(w, x[k]);
}

static void put_hist(wbuf *w, const tr__hist *h)
{
    put_u64(w, h->n);
    if (h->n == 0) return;
    put_f64(w, h->min);
    put_f64(w, h->max);
    put_u32(w, h->lo);
    put_u32(w, h->hi);
    for (size_t i = h->lo; i <= h->hi; i++)
        put_u64(w, tr__hist_count(h, i));
}

static void put_acc(wbuf *w, const tr__acc *a)
{
    size_t H = (size_t)a->H, nt = a->nt, nc = a->nc;
    put_u32(w, (uint32_t)nt);
    put_u32(w, (uint32_t)a->ns);
    put_u32(w, (uint32_t)nc);
    put_u32(w, (uint32_t)H);
    put_u64(w, a->n);
    put_u64s(w, a->fail_count, nt);
    put_u64s(w, a->fail_by_month, nt * H);
    put_u64s(w, a->tau_sum, nt);
    put_u64s(w, a->exhausted, nc);
    put_u64s(w, a->ex_by_month, nc * H);
    put_u64s(w, a->nfail, nt + 1);
    for (size_t i = 0; i < nt; i++)
        put_hist(w, &a->bo[i]);
    for (size_t k = 0; k < nt * H; k++)
        put_hist(w, &a->cash[k]);
    for (size_t c = 0; c < nc; c++) {
        put_hist(w, &a->req[c]);
        put_hist(w, &a->paid[c]);
        put_hist(w, &a->top[c]);
    }
    put_hist(w, &a->sys_bo);
    put_hist(w, &a->sys_top);
    put_u32(w, (uint32_t)a->nsums);
    for (size_t m = 0; m < a->nsums; m++) {
        put_u64s(w, a->xs[m].limb, TR__XSUM_WORDS);
        uint8_t o = (uint8_t)(a->xs[m].overflow != 0);
        put(w, &o, 1);
    }
}

tr_status tr__state_encode(const tr__state_info *info, tr__acc *const *accs, size_t nacc,
                           uint8_t **buf, size_t *len, tr_error *err)
{
    *buf = NULL;
    *len = 0;
    wbuf w = {0};
    put(&w, MAGIC, sizeof MAGIC);
    put_u32(&w, TR__STATE_FORMAT);
    put_u32(&w, info->kind);
    put_str(&w, info->engine, strlen(info->engine));
    put_u64(&w, info->seed);
    put_u64(&w, info->paths);
    put_u64(&w, info->first_path);
    put_u32(&w, info->block);
    put_u32(&w, info->shard_i);
    put_u32(&w, info->shard_n);
    put_str(&w, info->manifest_sha, strlen(info->manifest_sha));
    put_u32(&w, info->reference);
    put_u32(&w, (uint32_t)info->nplans);
    for (size_t k = 0; k < info->nplans; k++) {
        put_str(&w, info->sha[k], strlen(info->sha[k]));
        put_str(&w, info->id[k] ? info->id[k] : "", info->id[k] ? strlen(info->id[k]) : 0);
        put_u64(&w, info->text_len[k]);
        put(&w, info->text[k], info->text_len[k]);
    }
    put_u64(&w, info->nranges);
    put_u64s(&w, info->ranges, 2 * info->nranges);
    put_u32(&w, (uint32_t)nacc);
    for (size_t k = 0; k < nacc; k++)
        put_acc(&w, accs[k]);
    unsigned char digest[32];
    tr__sha256_ctx c;
    tr__sha256_init(&c);
    if (!w.oom) tr__sha256_update(&c, w.p, w.n);
    tr__sha256_final(&c, digest);
    put(&w, digest, sizeof digest);
    if (w.oom) {
        free(w.p);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing a state");
    }
    *buf = w.p;
    *len = w.n;
    return TR_OK;
}

/* ---- reading ------------------------------------------------------------- */

typedef struct rbuf {
    const uint8_t *p;
    size_t n, at;
    const char *name;
    tr_error *err;
    int bad;
} rbuf;

static int fail(rbuf *r, const char *what)
{
    if (!r->bad)
        tr_error_add(r->err, TR_E_INPUT, r->name, NULL, 0, 0,
                     "not a valid trustrisk state: %s at byte %zu", what, r->at);
    r->bad = 1;
    return -1;
}

static const uint8_t *take(rbuf *r, size_t n)
{
    if (r->bad) return NULL;
    if (n > r->n - r->at) {
        fail(r, "it ends early");
        return NULL;
    }
    const uint8_t *p = r->p + r->at;
    r->at += n;
    return p;
}

static uint64_t get_u64(rbuf *r)
{
    const uint8_t *b = take(r, 8);
    uint64_t x = 0;
    if (b)
        for (int i = 7; i >= 0; i--)
            x = (x << 8) | b[i];
    return x;
}

static uint32_t get_u32(rbuf *r)
{
    const uint8_t *b = take(r, 4);
    uint32_t x = 0;
    if (b)
        for (int i = 3; i >= 0; i--)
            x = (x << 8) | b[i];
    return x;
}

static double get_f64(rbuf *r)
{
    uint64_t b = get_u64(r);
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* A string into a new NUL-terminated buffer (at most max bytes). */
static char *get_str(rbuf *r, size_t max)
{
    uint32_t n = get_u32(r);
    if (r->bad) return NULL;
    if (n > max) {
        fail(r, "a string is too long");
        return NULL;
    }
    const uint8_t *b = take(r, n);
    if (!b) return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s) {
        fail(r, "out of memory");
        return NULL;
    }
    memcpy(s, b, n);
    s[n] = '\0';
    return s;
}

/* A string into a fixed buffer of `size` bytes. */
static void get_fixed(rbuf *r, char *out, size_t size)
{
    char *s = get_str(r, size - 1);
    if (s) {
        strcpy(out, s);
        free(s);
    } else {
        out[0] = '\0';
    }
}

void tr__state_info_free(tr__state_info *info)
{
    if (!info) return;
    for (size_t k = 0; k < info->nplans; k++) {
        if (info->id) free(info->id[k]);
        if (info->text) free(info->text[k]);
    }
    free(info->sha);
    free(info->id);
    free(info->text);
    free(info->text_len);
    free(info->ranges);
    memset(info, 0, sizeof *info);
}

tr_status tr__state_decode_info(const uint8_t *buf, size_t len, const char *name,
                                tr__state_info *info, size_t *payload, tr_error *err)
{
    memset(info, 0, sizeof *info);
    rbuf r = {buf, len, 0, name, err, 0};
    if (len < sizeof MAGIC + 32 || memcmp(buf, MAGIC, sizeof MAGIC) != 0)
        return tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                            "not a trustrisk state file (it does not start with TRSTATE)");
    unsigned char digest[32];
    tr__sha256_ctx c;
    tr__sha256_init(&c);
    tr__sha256_update(&c, buf, len - 32);
    tr__sha256_final(&c, digest);
    if (memcmp(digest, buf + len - 32, 32) != 0)
        return tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                            "the state file is damaged or incomplete (its checksum does not "
                            "match): it cannot be used");
    r.n = len - 32;
    take(&r, sizeof MAGIC);
    uint32_t format = get_u32(&r);
    if (format != TR__STATE_FORMAT)
        return tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                            "state format %u, this engine reads format %d", format,
                            TR__STATE_FORMAT);
    info->kind = get_u32(&r);
    get_fixed(&r, info->engine, sizeof info->engine);
    info->seed = get_u64(&r);
    info->paths = get_u64(&r);
    info->first_path = get_u64(&r);
    info->block = get_u32(&r);
    info->shard_i = get_u32(&r);
    info->shard_n = get_u32(&r);
    get_fixed(&r, info->manifest_sha, sizeof info->manifest_sha);
    info->reference = get_u32(&r);
    uint32_t np = get_u32(&r);
    if (!r.bad && (np == 0 || np > 100000)) fail(&r, "an impossible number of configs");
    if (!r.bad) {
        info->nplans = np;
        info->sha = calloc(np, sizeof *info->sha);
        info->id = calloc(np, sizeof *info->id);
        info->text = calloc(np, sizeof *info->text);
        info->text_len = calloc(np, sizeof *info->text_len);
        if (!info->sha || !info->id || !info->text || !info->text_len) fail(&r, "out of memory");
    }
    for (size_t k = 0; k < info->nplans && !r.bad; k++) {
        get_fixed(&r, info->sha[k], sizeof info->sha[k]);
        info->id[k] = get_str(&r, 4096);
        uint64_t tl = get_u64(&r);
        if (!r.bad && tl > r.n - r.at) fail(&r, "a config is longer than the file");
        const uint8_t *t = take(&r, (size_t)tl);
        if (t) {
            info->text[k] = malloc((size_t)tl + 1);
            if (!info->text[k]) {
                fail(&r, "out of memory");
                break;
            }
            memcpy(info->text[k], t, (size_t)tl);
            info->text[k][tl] = '\0';
            info->text_len[k] = (size_t)tl;
        }
    }
    uint64_t nr = get_u64(&r);
    if (!r.bad && nr > (r.n - r.at) / 16) fail(&r, "more block ranges than the file holds");
    if (!r.bad) {
        info->nranges = (size_t)nr;
        info->ranges = calloc(2 * info->nranges + 1, sizeof *info->ranges);
        if (!info->ranges) fail(&r, "out of memory");
    }
    for (size_t k = 0; k < 2 * info->nranges && !r.bad; k++)
        info->ranges[k] = get_u64(&r);
    for (size_t k = 0; k < info->nranges && !r.bad; k++)
        if (info->ranges[2 * k] >= info->ranges[2 * k + 1] ||
            (k > 0 && info->ranges[2 * k] <= info->ranges[2 * k - 1]))
            fail(&r, "block ranges out of order");
    if (r.bad) {
        tr__state_info_free(info);
        return TR_E_INPUT;
    }
    *payload = r.at;
    return TR_OK;
}

static void get_u64s_add(rbuf *r, uint64_t *dst, size_t n)
{
    for (size_t k = 0; k < n && !r->bad; k++)
        dst[k] += get_u64(r);
}

static void get_hist(rbuf *r, tr__hist *h, tr__hpool *pool)
{
    uint64_t n = get_u64(r);
    if (r->bad || n == 0) return;
    double min = get_f64(r), max = get_f64(r);
    uint32_t lo = get_u32(r), hi = get_u32(r);
    if (r->bad) return;
    if (lo > hi || hi >= tr__hist_nbuckets() || !(min <= max)) {
        fail(r, "a histogram out of range");
        return;
    }
    double pmin = h->min, pmax = h->max; /* exact extremes so far (+-inf if empty) */
    uint64_t total = 0;
    for (size_t i = lo; i <= hi && !r->bad; i++) {
        uint64_t c = get_u64(r);
        if (c && tr__hist_add_count(h, pool, tr__hist_repr(i), i, c) != 0) fail(r, "out of memory");
        total += c;
    }
    if (r->bad) return;
    if (total != n) {
        fail(r, "a histogram whose counts do not add up");
        return;
    }
    /* the exact extremes, which the representatives above only approximate */
    h->min = pmin < min ? pmin : min;
    h->max = pmax > max ? pmax : max;
}

static void get_acc(rbuf *r, tr__acc *a)
{
    size_t H = (size_t)a->H, nt = a->nt, nc = a->nc;
    uint32_t nt2 = get_u32(r), ns2 = get_u32(r), nc2 = get_u32(r), H2 = get_u32(r);
    if (r->bad) return;
    if (nt2 != nt || ns2 != a->ns || nc2 != nc || H2 != H) {
        fail(r, "statistics of another shape of config");
        return;
    }
    a->n += get_u64(r);
    get_u64s_add(r, a->fail_count, nt);
    get_u64s_add(r, a->fail_by_month, nt * H);
    get_u64s_add(r, a->tau_sum, nt);
    get_u64s_add(r, a->exhausted, nc);
    get_u64s_add(r, a->ex_by_month, nc * H);
    get_u64s_add(r, a->nfail, nt + 1);
    for (size_t i = 0; i < nt && !r->bad; i++)
        get_hist(r, &a->bo[i], a->pool);
    for (size_t k = 0; k < nt * H && !r->bad; k++)
        get_hist(r, &a->cash[k], a->pool);
    for (size_t c = 0; c < nc && !r->bad; c++) {
        get_hist(r, &a->req[c], a->pool);
        get_hist(r, &a->paid[c], a->pool);
        get_hist(r, &a->top[c], a->pool);
    }
    get_hist(r, &a->sys_bo, a->pool);
    get_hist(r, &a->sys_top, a->pool);
    uint32_t ns = get_u32(r);
    if (r->bad) return;
    if (ns != a->nsums) {
        fail(r, "a different number of sums");
        return;
    }
    for (size_t m = 0; m < a->nsums && !r->bad; m++) {
        tr__xsum x;
        for (int w = 0; w < TR__XSUM_WORDS; w++)
            x.limb[w] = get_u64(r);
        const uint8_t *o = take(r, 1);
        x.overflow = o ? *o != 0 : 0;
        tr__xsum_merge(&a->xs[m], &x);
    }
}

tr_status tr__state_decode_accs(const uint8_t *buf, size_t len, size_t payload, const char *name,
                                tr__acc *const *accs, size_t nacc, tr_error *err)
{
    rbuf r = {buf, len - 32, payload, name, err, 0};
    uint32_t n = get_u32(&r);
    if (!r.bad && n != nacc) fail(&r, "statistics for another number of configs");
    for (size_t k = 0; k < nacc && !r.bad; k++)
        get_acc(&r, accs[k]);
    if (!r.bad && r.at != r.n) fail(&r, "bytes after the statistics");
    return r.bad ? TR_E_INPUT : TR_OK;
}
