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

#include "bytes.h"
#include "sha256.h"

static const unsigned char MAGIC[8] = {'T', 'R', 'S', 'T', 'A', 'T', 'E', 0};

/* ---- writing ------------------------------------------------------------- */

static void put_hist(tr__wbuf *w, const tr__hist *h)
{
    tr__put_u64(w, h->n);
    if (h->n == 0) return;
    tr__put_f64(w, h->min);
    tr__put_f64(w, h->max);
    tr__put_u32(w, h->lo);
    tr__put_u32(w, h->hi);
    for (size_t i = h->lo; i <= h->hi; i++)
        tr__put_u64(w, tr__hist_count(h, i));
}

static void put_acc(tr__wbuf *w, const tr__acc *a)
{
    size_t H = (size_t)a->H, nt = a->nt, nc = a->nc;
    tr__put_u32(w, (uint32_t)nt);
    tr__put_u32(w, (uint32_t)a->ns);
    tr__put_u32(w, (uint32_t)nc);
    tr__put_u32(w, (uint32_t)H);
    tr__put_u64(w, a->n);
    tr__put_u64s(w, a->fail_count, nt);
    tr__put_u64s(w, a->fail_by_month, nt * H);
    tr__put_u64s(w, a->tau_sum, nt);
    tr__put_u64s(w, a->exhausted, nc);
    tr__put_u64s(w, a->ex_by_month, nc * H);
    tr__put_u64s(w, a->nfail, nt + 1);
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
    tr__put_u32(w, (uint32_t)a->nsums);
    tr__put_xsums(w, a->xs, a->nsums);
}

tr_status tr__state_encode(const tr__state_info *info, tr__acc *const *accs,
                           tr__paired *const *pairs, size_t nacc, uint8_t **buf, size_t *len,
                           tr_error *err)
{
    *buf = NULL;
    *len = 0;
    tr__wbuf w = {0};
    tr__put(&w, MAGIC, sizeof MAGIC);
    tr__put_u32(&w, TR__STATE_FORMAT);
    tr__put_u32(&w, info->kind);
    tr__put_str(&w, info->engine, strlen(info->engine));
    tr__put_u64(&w, info->seed);
    tr__put_u64(&w, info->paths);
    tr__put_u64(&w, info->first_path);
    tr__put_u32(&w, info->block);
    tr__put_u32(&w, info->shard_i);
    tr__put_u32(&w, info->shard_n);
    tr__put_str(&w, info->manifest_sha, strlen(info->manifest_sha));
    tr__put_u32(&w, info->reference);
    tr__put_f64(&w, info->target_se);
    tr__put_f64(&w, info->target_rel);
    tr__put_u32(&w, (uint32_t)info->nplans);
    for (size_t k = 0; k < info->nplans; k++) {
        tr__put_str(&w, info->sha[k], strlen(info->sha[k]));
        tr__put_str(&w, info->id[k] ? info->id[k] : "", info->id[k] ? strlen(info->id[k]) : 0);
        tr__put_u64(&w, info->text_len[k]);
        tr__put(&w, info->text[k], info->text_len[k]);
    }
    tr__put_u64(&w, info->nranges);
    tr__put_u64s(&w, info->ranges, 2 * info->nranges);
    tr__put_u32(&w, (uint32_t)nacc);
    for (size_t k = 0; k < nacc; k++)
        put_acc(&w, accs[k]);
    for (size_t k = 0; pairs && k < nacc; k++)
        if (pairs[k]) tr__paired_put(&w, pairs[k]);
    unsigned char digest[32];
    tr__sha256_ctx c;
    tr__sha256_init(&c);
    if (!w.oom) tr__sha256_update(&c, w.p, w.n);
    tr__sha256_final(&c, digest);
    tr__put(&w, digest, sizeof digest);
    if (w.oom) {
        free(w.p);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing a state");
    }
    *buf = w.p;
    *len = w.n;
    return TR_OK;
}

/* ---- reading ------------------------------------------------------------- */

/* A string into a fixed buffer of `size` bytes. */
static void get_fixed(tr__rbuf *r, char *out, size_t size)
{
    char *s = tr__get_str(r, size - 1);
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
    tr__rbuf r = {buf, len, 0, name, err, 0};
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
    tr__take(&r, sizeof MAGIC);
    uint32_t format = tr__get_u32(&r);
    if (format != TR__STATE_FORMAT)
        return tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                            "state format %u, this engine reads format %d", format,
                            TR__STATE_FORMAT);
    info->kind = tr__get_u32(&r);
    get_fixed(&r, info->engine, sizeof info->engine);
    info->seed = tr__get_u64(&r);
    info->paths = tr__get_u64(&r);
    info->first_path = tr__get_u64(&r);
    info->block = tr__get_u32(&r);
    info->shard_i = tr__get_u32(&r);
    info->shard_n = tr__get_u32(&r);
    get_fixed(&r, info->manifest_sha, sizeof info->manifest_sha);
    info->reference = tr__get_u32(&r);
    info->target_se = tr__get_f64(&r);
    info->target_rel = tr__get_f64(&r);
    /* what a run could have written: anything else is a crafted file */
    if (!r.bad && info->seed > TR_MAX_SEED) tr__rfail(&r, "a seed above 2^53");
    if (!r.bad && (info->paths == 0 || info->paths > TR_MAX_PATHS))
        tr__rfail(&r, "a number of paths outside [1, 4000000000]");
    if (!r.bad && !(info->target_se == 0.0 || (info->target_se > 0.0 && info->target_se < 0.5)))
        tr__rfail(&r, "a precision target se outside (0, 0.5)");
    if (!r.bad && !(info->target_rel == 0.0 || (info->target_rel > 0.0 && info->target_rel < 1.0)))
        tr__rfail(&r, "a relative precision target outside (0, 1)");
    uint32_t np = tr__get_u32(&r);
    if (!r.bad && (np == 0 || np > 100000)) tr__rfail(&r, "an impossible number of configs");
    if (!r.bad) {
        info->nplans = np;
        info->sha = calloc(np, sizeof *info->sha);
        info->id = calloc(np, sizeof *info->id);
        info->text = calloc(np, sizeof *info->text);
        info->text_len = calloc(np, sizeof *info->text_len);
        if (!info->sha || !info->id || !info->text || !info->text_len)
            tr__rfail(&r, "out of memory");
    }
    for (size_t k = 0; k < info->nplans && !r.bad; k++) {
        get_fixed(&r, info->sha[k], sizeof info->sha[k]);
        info->id[k] = tr__get_str(&r, 4096);
        uint64_t tl = tr__get_u64(&r);
        if (!r.bad && tl > r.n - r.at) tr__rfail(&r, "a config is longer than the file");
        const uint8_t *t = tr__take(&r, (size_t)tl);
        if (t) {
            info->text[k] = malloc((size_t)tl + 1);
            if (!info->text[k]) {
                tr__rfail(&r, "out of memory");
                break;
            }
            memcpy(info->text[k], t, (size_t)tl);
            info->text[k][tl] = '\0';
            info->text_len[k] = (size_t)tl;
        }
    }
    uint64_t nr = tr__get_u64(&r);
    if (!r.bad && nr > (r.n - r.at) / 16) tr__rfail(&r, "more block ranges than the file holds");
    if (!r.bad) {
        info->nranges = (size_t)nr;
        info->ranges = calloc(2 * info->nranges + 1, sizeof *info->ranges);
        if (!info->ranges) tr__rfail(&r, "out of memory");
    }
    for (size_t k = 0; k < 2 * info->nranges && !r.bad; k++)
        info->ranges[k] = tr__get_u64(&r);
    for (size_t k = 0; k < info->nranges && !r.bad; k++)
        if (info->ranges[2 * k] >= info->ranges[2 * k + 1] ||
            (k > 0 && info->ranges[2 * k] <= info->ranges[2 * k - 1]))
            tr__rfail(&r, "block ranges out of order");
    if (r.bad) {
        tr__state_info_free(info);
        return TR_E_INPUT;
    }
    *payload = r.at;
    return TR_OK;
}

static void get_hist(tr__rbuf *r, tr__hist *h, tr__hpool *pool)
{
    uint64_t n = tr__get_u64(r);
    if (r->bad || n == 0) return;
    double min = tr__get_f64(r), max = tr__get_f64(r);
    uint32_t lo = tr__get_u32(r), hi = tr__get_u32(r);
    if (r->bad) return;
    if (lo > hi || hi >= tr__hist_nbuckets() || !(min <= max)) {
        tr__rfail(r, "a histogram out of range");
        return;
    }
    double pmin = h->min, pmax = h->max; /* exact extremes so far (+-inf if empty) */
    uint64_t total = 0;
    for (size_t i = lo; i <= hi && !r->bad; i++) {
        uint64_t c = tr__get_u64(r);
        if (c && tr__hist_add_count(h, pool, tr__hist_repr(i), i, c) != 0)
            tr__rfail(r, "out of memory");
        total += c;
    }
    if (r->bad) return;
    if (total != n) {
        tr__rfail(r, "a histogram whose counts do not add up");
        return;
    }
    /* the exact extremes, which the representatives above only approximate */
    h->min = pmin < min ? pmin : min;
    h->max = pmax > max ? pmax : max;
}

/* The counts of a's statistics agree with one another and with the paths
 * (cumulative, so a part that breaks them breaks the sum). */
static void check_counts(tr__rbuf *r, const tr__acc *a)
{
    uint64_t units = a->sys_bo.n, sum = 0;
    for (size_t k = 0; k <= a->nt; k++)
        sum += a->nfail[k];
    int bad = sum != units || (!a->weighted && units != a->n);
    for (size_t i = 0; i < a->nt && !bad; i++)
        bad = a->fail_count[i] > units || a->bo[i].n != units;
    if (bad) tr__rfail(r, "counts that do not agree with one another or with the paths");
}

static void get_acc(tr__rbuf *r, tr__acc *a, uint64_t paths)
{
    size_t H = (size_t)a->H, nt = a->nt, nc = a->nc;
    uint32_t nt2 = tr__get_u32(r), ns2 = tr__get_u32(r), nc2 = tr__get_u32(r), H2 = tr__get_u32(r);
    if (r->bad) return;
    if (nt2 != nt || ns2 != a->ns || nc2 != nc || H2 != H) {
        tr__rfail(r, "statistics of another shape of config");
        return;
    }
    uint64_t n = tr__get_u64(r);
    if (!r->bad && n != paths) {
        tr__rfail(r, "statistics of another number of paths than its blocks hold");
        return;
    }
    a->n += n;
    tr__get_u64s_add(r, a->fail_count, nt);
    tr__get_u64s_add(r, a->fail_by_month, nt * H);
    tr__get_u64s_add(r, a->tau_sum, nt);
    tr__get_u64s_add(r, a->exhausted, nc);
    tr__get_u64s_add(r, a->ex_by_month, nc * H);
    tr__get_u64s_add(r, a->nfail, nt + 1);
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
    uint32_t ns = tr__get_u32(r);
    if (r->bad) return;
    if (ns != a->nsums) {
        tr__rfail(r, "a different number of sums");
        return;
    }
    tr__get_xsums_add(r, a->xs, a->nsums);
    if (!r->bad) check_counts(r, a);
}

tr_status tr__state_decode_accs(const uint8_t *buf, size_t len, size_t payload, const char *name,
                                uint64_t paths, tr__acc *const *accs, tr__paired *const *pairs,
                                size_t nacc, tr_error *err)
{
    tr__rbuf r = {buf, len - 32, payload, name, err, 0};
    uint32_t n = tr__get_u32(&r);
    if (!r.bad && n != nacc) tr__rfail(&r, "statistics for another number of configs");
    for (size_t k = 0; k < nacc && !r.bad; k++)
        get_acc(&r, accs[k], paths);
    for (size_t k = 0; pairs && k < nacc && !r.bad; k++)
        if (pairs[k]) tr__paired_get_add(&r, pairs[k]);
    if (!r.bad && r.at != r.n) tr__rfail(&r, "bytes after the statistics");
    return r.bad ? TR_E_INPUT : TR_OK;
}
