/*
 * accum.c - a run's statistics, shared by its threads (see accum.h).
 *
 * Memory does not grow with the number of paths: histograms for every
 * bail-out and top-up distribution and for each trust's cash at each month
 * end (their pages allocated as buckets come into use, at most the full
 * layout), integer counts for failures and exhaustion, and exact sums for
 * means and variances. Nor does it grow with threads: they share one set of
 * statistics, each keeping only a block's partial sums and a small cache.
 *
 * Locks: trust i's counts and histograms are under lock i / group (about 64
 * locks over the trusts), the consortia's under one, the system's under
 * one, the exact sums under one; a chunk takes each lock once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "vmath.h"

#define P TR__PARTIALS

size_t tr__acc_bo(const tr__acc *a, size_t trust, int which)
{
    (void)a;
    return trust * 2 + (size_t)which;
}

size_t tr__acc_shortfall(const tr__acc *a, size_t scheme, int given_fail)
{
    return a->nt * 2 + scheme * 2 + (size_t)given_fail;
}

size_t tr__acc_cons(const tr__acc *a, size_t consortium, int quantity, int which)
{
    return a->nt * 2 + a->ns * 2 + consortium * 6 + (size_t)quantity * 2 + (size_t)which;
}

size_t tr__acc_sys(const tr__acc *a, int quantity, int which)
{
    return a->nt * 2 + a->ns * 2 + a->nc * 6 + (size_t)quantity * 2 + (size_t)which;
}

/* The sums of a plain run; a weighted run keeps as many again (below). */
static size_t n_base_sums(const tr__plan *plan)
{
    return plan->n_trusts * 2 + plan->n_schemes * 2 + plan->n_consortia * 6 + 4;
}

static size_t n_sums(const tr__plan *plan)
{
    return plan->mu_z ? n_base_sums(plan) * 2 + plan->n_trusts + 1 : n_base_sums(plan);
}

/* A weighted run's second set of sums, at nbase + k: for the sum of an
 * amount (k its TR__S_SUM index), the sum of (L X)^2 (its standard error);
 * at the TR__S_SQ index of a trust's bail-out, the sum of L^2 over the
 * paths where it fails; of a consortium's requests, over the paths where
 * its reserve is exhausted; of the system's bail-out, over every path. */
size_t tr__acc_lsq(const tr__acc *a, size_t sum_index)
{
    return a->nbase + sum_index;
}

size_t tr__acc_fail_l2(const tr__acc *a, size_t trust)
{
    return a->nbase + tr__acc_bo(a, trust, TR__S_SQ);
}

size_t tr__acc_exh_l2(const tr__acc *a, size_t consortium)
{
    return a->nbase + tr__acc_cons(a, consortium, 0, TR__S_SQ);
}

size_t tr__acc_l2(const tr__acc *a)
{
    return a->nbase + tr__acc_sys(a, 0, TR__S_SQ);
}

/* After both sets, one more sum per number of trusts failing: of L^2 over
 * the paths where exactly k fail. */
size_t tr__acc_nfail_l2(const tr__acc *a, size_t k)
{
    return 2 * a->nbase + k;
}

static size_t n_hists(const tr__plan *plan)
{
    size_t nt = plan->n_trusts, H = (size_t)plan->horizon, nc = plan->n_consortia;
    return nt + nt * H + 3 * nc + 2;
}

double tr__acc_bytes(const tr__plan *plan)
{
    double nt = (double)plan->n_trusts, H = (double)plan->horizon, nc = (double)plan->n_consortia;
    return (double)n_hists(plan) * (double)tr__hist_max_bytes() +
           (double)n_sums(plan) * sizeof(tr__xsum) + nt * H * 8 + nc * H * 8;
}

double tr__acc_local_bytes(const tr__plan *plan)
{
    double nt = (double)plan->n_trusts, H = (double)plan->horizon;
    return (double)n_sums(plan) * P * sizeof(double) + nt * 2 * H * 12 + nt * 17;
}

tr_status tr__acc_init(tr__acc *a, const tr__plan *plan, tr_error *err)
{
    memset(a, 0, sizeof *a);
    a->nt = plan->n_trusts;
    a->ns = plan->n_schemes;
    a->nc = plan->n_consortia;
    a->H = plan->horizon;
    size_t H = (size_t)a->H, nt = a->nt, nc = a->nc;
    a->nsums = n_sums(plan);
    a->nbase = n_base_sums(plan);
    a->weighted = plan->mu_z != NULL;
    a->group = nt / 64 + 1;
    a->nlocks = (nt + a->group - 1) / a->group + 3;
    a->fail_count = calloc(nt, sizeof *a->fail_count);
    a->fail_by_month = calloc(nt * H, sizeof *a->fail_by_month);
    a->tau_sum = calloc(nt, sizeof *a->tau_sum);
    a->bo = calloc(nt, sizeof *a->bo);
    a->cash = calloc(nt * H, sizeof *a->cash);
    a->req = calloc(nc + 1, sizeof *a->req);
    a->paid = calloc(nc + 1, sizeof *a->paid);
    a->top = calloc(nc + 1, sizeof *a->top);
    a->exhausted = calloc(nc + 1, sizeof *a->exhausted);
    a->ex_by_month = calloc(nc * H + 1, sizeof *a->ex_by_month);
    a->nfail = calloc(nt + 1, sizeof *a->nfail);
    a->xs = calloc(a->nsums, sizeof *a->xs);
    a->locks = calloc(a->nlocks, sizeof *a->locks);
    a->pool = tr__hpool_create();
    if (!a->fail_count || !a->fail_by_month || !a->tau_sum || !a->bo || !a->cash || !a->req ||
        !a->paid || !a->top || !a->exhausted || !a->ex_by_month || !a->nfail || !a->xs ||
        !a->locks || !a->pool) {
        free(a->locks);
        a->locks = NULL;
        tr__acc_free(a);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory allocating the run's statistics (%zu histograms)",
                            n_hists(plan));
    }
    for (size_t k = 0; k < a->nlocks; k++)
        pthread_mutex_init(&a->locks[k], NULL);
    for (size_t i = 0; i < nt; i++)
        tr__hist_init(&a->bo[i]);
    for (size_t k = 0; k < nt * H; k++)
        tr__hist_init(&a->cash[k]);
    for (size_t c = 0; c < nc; c++) {
        tr__hist_init(&a->req[c]);
        tr__hist_init(&a->paid[c]);
        tr__hist_init(&a->top[c]);
    }
    tr__hist_init(&a->sys_bo);
    tr__hist_init(&a->sys_top);
    for (size_t m = 0; m < a->nsums; m++)
        tr__xsum_zero(&a->xs[m]);
    return TR_OK;
}

void tr__acc_free(tr__acc *a)
{
    if (!a) return;
    if (a->locks)
        for (size_t k = 0; k < a->nlocks; k++)
            pthread_mutex_destroy(&a->locks[k]);
    free(a->locks);
    free(a->fail_count);
    free(a->fail_by_month);
    free(a->tau_sum);
    free(a->bo);
    free(a->cash);
    free(a->req);
    free(a->paid);
    free(a->top);
    free(a->exhausted);
    free(a->ex_by_month);
    free(a->nfail);
    free(a->xs);
    tr__hpool_free(a->pool);
    memset(a, 0, sizeof *a);
}

tr_status tr__acc_local_init(tr__acc_local *l, const tr__plan *plan, tr_error *err)
{
    memset(l, 0, sizeof *l);
    size_t nt = plan->n_trusts, H = (size_t)plan->horizon;
    l->bs = calloc(n_sums(plan) * P, sizeof *l->bs);
    l->rc_cash = calloc(nt * 2 * H + 1, sizeof *l->rc_cash);
    l->rc_idx = calloc(nt * 2 * H + 1, sizeof *l->rc_idx);
    l->rc_count = calloc(nt * 2 + 1, sizeof *l->rc_count);
    l->rc_path = calloc(nt * 2 + 1, sizeof *l->rc_path);
    l->rc_mru = calloc(nt + 1, sizeof *l->rc_mru);
    if (!l->bs || !l->rc_cash || !l->rc_idx || !l->rc_count || !l->rc_path || !l->rc_mru) {
        tr__acc_local_free(l);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory allocating a thread's statistics");
    }
    return TR_OK;
}

void tr__acc_local_free(tr__acc_local *l)
{
    if (!l) return;
    free(l->bs);
    free(l->rc_cash);
    free(l->rc_idx);
    free(l->rc_count);
    free(l->rc_path);
    free(l->rc_mru);
    memset(l, 0, sizeof *l);
}

/* Remember the first non-finite value (see tr__bad). */
static void note_bad(tr__acc_local *l, tr__bad_kind kind, size_t item, size_t month, double x,
                     uint64_t path)
{
    if (l->bad.kind == TR__BAD_NONE) l->bad = (tr__bad){kind, item, month, x, path};
}

/* The values of one item over the lanes, checked for non-finite ones: a
 * non-finite value makes its partial sum non-finite (finite values cannot
 * overflow one: the loader bounds them), so only the item's TR__PARTIALS
 * partial sums bs are looked at, and the lanes only when one of those is
 * not finite. */
static void check_lanes(tr__acc_local *l, const double *bs, const double *x, size_t n,
                        tr__bad_kind kind, size_t item, uint64_t first)
{
    int ok = 1;
    for (size_t j = 0; j < P; j++)
        ok &= isfinite(bs[j]) != 0;
    if (ok) return;
    for (size_t k = 0; k < n; k++)
        if (!isfinite(x[k])) {
            note_bad(l, kind, item, 0, x[k], first + k);
            return;
        }
}

void tr__bad_describe(const tr__bad *b, const tr__plan *plan, char *buf, size_t size)
{
    const tr_config *cfg = plan->cfg;
    size_t k = b->item, i = 0;
    switch (b->kind) {
    case TR__BAD_BAILOUT:
        snprintf(buf, size, "trust \"%s\": bail-out", cfg->trusts[k].id);
        return;
    case TR__BAD_CASH:
        snprintf(buf, size, "trust \"%s\": cash at the end of month %zu", cfg->trusts[k].id,
                 b->month);
        return;
    case TR__BAD_SHORTFALL:
        while (i + 1 < cfg->n_trusts && plan->scheme_base[i + 1] <= k)
            i++;
        snprintf(buf, size, "trust \"%s\", scheme \"%s\": shortfall", cfg->trusts[i].id,
                 cfg->trusts[i].schemes[k - plan->scheme_base[i]].id);
        return;
    case TR__BAD_REQUESTED:
    case TR__BAD_PAID:
        snprintf(buf, size, "consortium \"%s\": %s", cfg->consortia[k].id,
                 b->kind == TR__BAD_PAID ? "paid" : "requested");
        return;
    case TR__BAD_SYS_BAILOUT:
        snprintf(buf, size, "system: total bail-out");
        return;
    case TR__BAD_SYS_TOPUP:
        snprintf(buf, size, "system: national top-up");
        return;
    case TR__BAD_WEIGHT:
        snprintf(buf, size, "the path's importance-sampling weight (over %g)", TR__W_MAX);
        return;
    case TR__BAD_NONE:
        break;
    }
    snprintf(buf, size, "nothing");
}

/* ---- sums: partial p mod 8 of each item ----------------------------------- */

/* bs[item][(first + k) mod 8] += x[k] (and x[k]^2 into the next item when sq),
 * over the lanes in path order. */
static void add_sums(double *bs, size_t item, const double *x, size_t n, uint64_t first, int sq)
{
    double *s = bs + item * P, *q = bs + (item + 1) * P;
    if ((first % P) == 0 && n % P == 0) { /* aligned: whole vectors */
        for (size_t k = 0; k < n; k += P)
            for (size_t j = 0; j < P; j++)
                s[j] += x[k + j];
        if (sq)
            for (size_t k = 0; k < n; k += P)
                for (size_t j = 0; j < P; j++)
                    q[j] += x[k + j] * x[k + j];
        return;
    }
    for (size_t k = 0; k < n; k++) {
        size_t j = (size_t)((first + k) % P);
        s[j] += x[k];
        if (sq) q[j] += x[k] * x[k];
    }
}

/* The same over the lanes whose mask byte is set. */
static void add_sums_masked(double *bs, size_t item, const double *x, const uint8_t *mask, size_t n,
                            uint64_t first)
{
    double *s = bs + item * P;
    for (size_t k = 0; k < n; k++)
        if (mask[k]) s[(first + k) % P] += x[k];
}

/* ---- histograms of scalars: runs of equal values counted at once ---------- */

static void hist_lanes(tr__acc *a, tr__hist *h, const double *x, size_t n)
{
    int same = 1;
    for (size_t j = 1; j < n; j++)
        same &= x[j] == x[0];
    if (same) { /* the common case: one value for the whole chunk */
        if (tr__hist_add_count(h, a->pool, x[0], tr__hist_index(x[0]), n) != 0) a->oom = 1;
        return;
    }
    size_t k = 0;
    while (k < n) {
        size_t e = k + 1;
        while (e < n && x[e] == x[k])
            e++;
        if (tr__hist_add_count(h, a->pool, x[k], tr__hist_index(x[k]), e - k) != 0) a->oom = 1;
        k = e;
    }
}

/* ---- cash: the repeat cache ------------------------------------------------ */

/* Add cache entry e (of trust i) into the histograms and empty it; the
 * caller holds trust i's lock. */
static void flush_entry(tr__acc *a, tr__acc_local *l, size_t i, size_t e)
{
    uint64_t r = l->rc_count[e];
    if (!r) return;
    size_t H = (size_t)a->H;
    tr__hist *ch = a->cash + i * H;
    const double *cash = l->rc_cash + e * H;
    const uint32_t *idx = l->rc_idx + e * H;
    for (size_t t = 0; t < H; t++)
        if (tr__hist_add_count(&ch[t], a->pool, cash[t], idx[t], r) != 0) a->oom = 1;
    l->rc_count[e] = 0;
}

/* Add r paths whose trust i has month-end cash `cash` (path: one of them);
 * the caller holds trust i's lock. */
static void add_cash(tr__acc *a, tr__acc_local *l, size_t i, const double *cash, uint64_t r,
                     uint64_t path)
{
    size_t H = (size_t)a->H;
    for (size_t back = 0; back < 2; back++) {
        size_t e = 2 * i + (back == 0 ? l->rc_mru[i] : 1u - l->rc_mru[i]);
        if (l->rc_count[e] && memcmp(l->rc_cash + e * H, cash, H * sizeof *cash) == 0) {
            l->rc_count[e] += r;
            l->rc_mru[i] = (uint8_t)(e - 2 * i);
            return;
        }
    }
    /* A new cash path replaces the entry used less recently. */
    size_t o = 2 * i + (1u - l->rc_mru[i]);
    flush_entry(a, l, i, o);
    memcpy(l->rc_cash + o * H, cash, H * sizeof *cash);
    uint32_t *idx = l->rc_idx + o * H;
    tr__vhist_index_n(cash, idx, H);
    for (size_t t = 0; t < H; t++)
        if (!isfinite(cash[t])) note_bad(l, TR__BAD_CASH, i, t + 1, cash[t], path);
    l->rc_count[o] = r;
    l->rc_path[o] = path;
    l->rc_mru[i] = (uint8_t)(o - 2 * i);
}

/* Trust i's cash rows, each as many times as lanes use it. */
static void add_cash_rows(tr__acc *a, tr__acc_local *l, size_t i, const tr__chunk_out *ch)
{
    const size_t C = TR__CHUNK, H = (size_t)a->H;
    uint64_t count[TR__CHUNK];
    size_t lane[TR__CHUNK]; /* a lane using the row */
    const uint16_t *cref = ch->cref + i * C;
    if (ch->nrows[i] == 1) { /* every lane on one row */
        count[0] = ch->n;
        lane[0] = 0;
    } else {
        memset(count, 0, ch->nrows[i] * sizeof *count);
        for (size_t k = 0; k < ch->n; k++) {
            size_t r = cref[k];
            if (count[r]++ == 0) lane[r] = k;
        }
    }
    for (size_t r = 0; r < ch->nrows[i]; r++)
        add_cash(a, l, i, ch->cash + (i * C + r) * H, count[r], ch->first + lane[r]);
}

void tr__acc_local_flush(tr__acc *a, tr__acc_local *l)
{
    for (size_t g = 0; g * a->group < a->nt; g++) {
        pthread_mutex_lock(&a->locks[g]);
        for (size_t i = g * a->group; i < a->nt && i < (g + 1) * a->group; i++) {
            flush_entry(a, l, i, 2 * i);
            flush_entry(a, l, i, 2 * i + 1);
        }
        pthread_mutex_unlock(&a->locks[g]);
    }
}

/* ---- a chunk ---------------------------------------------------------------- */

/* Trust i's counts and histograms (its lock held) and sums (local). */
static void add_trust(tr__acc *a, tr__acc_local *l, size_t i, const tr__chunk_out *ch,
                      const tr__plan *plan)
{
    const size_t H = (size_t)a->H, C = TR__CHUNK, n = ch->n;
    const uint8_t *fail = ch->fail + i * C;
    const double *bo = ch->bo + i * C;
    size_t ib = tr__acc_bo(a, i, TR__S_SUM);
    add_sums(l->bs, ib, bo, n, ch->first, 1);
    check_lanes(l, l->bs + ib * P, bo, n, TR__BAD_BAILOUT, i, ch->first);
    int anyfail = 0;
    for (size_t k = 0; k < n; k++)
        anyfail |= fail[k];
    if (anyfail)
        for (size_t k = 0; k < n; k++) {
            int f = fail[k];
            if (f) {
                a->fail_count[i]++;
                a->fail_by_month[i * H + (size_t)(f - 1)]++;
                a->tau_sum[i] += (uint64_t)f;
            }
        }
    hist_lanes(a, &a->bo[i], bo, n);
    add_cash_rows(a, l, i, ch);
    for (size_t s = plan->scheme_base[i]; s < plan->scheme_base[i + 1]; s++) {
        const double *sf = ch->sf + s * C;
        size_t is = tr__acc_shortfall(a, s, 0);
        add_sums(l->bs, is, sf, n, ch->first, 0);
        check_lanes(l, l->bs + is * P, sf, n, TR__BAD_SHORTFALL, s, ch->first);
        if (anyfail) add_sums_masked(l->bs, tr__acc_shortfall(a, s, 1), sf, fail, n, ch->first);
    }
}

static void add_consortia(tr__acc *a, tr__acc_local *l, const tr__chunk_out *ch)
{
    const size_t H = (size_t)a->H, C = TR__CHUNK, n = ch->n;
    double top[TR__CHUNK];
    for (size_t c = 0; c < a->nc; c++) {
        const double *req = ch->req + c * C, *paid = ch->paid + c * C;
        for (size_t k = 0; k < n; k++)
            top[k] = req[k] - paid[k];
        size_t ir = tr__acc_cons(a, c, 0, TR__S_SUM), ip = tr__acc_cons(a, c, 1, TR__S_SUM);
        add_sums(l->bs, ir, req, n, ch->first, 1);
        add_sums(l->bs, ip, paid, n, ch->first, 1);
        add_sums(l->bs, tr__acc_cons(a, c, 2, TR__S_SUM), top, n, ch->first, 1);
        check_lanes(l, l->bs + ir * P, req, n, TR__BAD_REQUESTED, c, ch->first);
        check_lanes(l, l->bs + ip * P, paid, n, TR__BAD_PAID, c, ch->first);
        hist_lanes(a, &a->req[c], req, n);
        hist_lanes(a, &a->paid[c], paid, n);
        hist_lanes(a, &a->top[c], top, n);
        for (size_t k = 0; k < n; k++) {
            int ex = ch->exh[c * C + k];
            if (ex) {
                a->exhausted[c]++;
                a->ex_by_month[c * H + (size_t)(ex - 1)]++;
            }
        }
    }
}

static void add_system(tr__acc *a, tr__acc_local *l, const tr__chunk_out *ch)
{
    const size_t n = ch->n;
    a->n += n;
    for (size_t k = 0; k < n; k++)
        a->nfail[ch->nfail[k]]++;
    size_t ib = tr__acc_sys(a, 0, TR__S_SUM), it = tr__acc_sys(a, 1, TR__S_SUM);
    add_sums(l->bs, ib, ch->sys_bo, n, ch->first, 1);
    add_sums(l->bs, it, ch->sys_top, n, ch->first, 1);
    check_lanes(l, l->bs + ib * P, ch->sys_bo, n, TR__BAD_SYS_BAILOUT, 0, ch->first);
    check_lanes(l, l->bs + it * P, ch->sys_top, n, TR__BAD_SYS_TOPUP, 0, ch->first);
    hist_lanes(a, &a->sys_bo, ch->sys_bo, n);
    hist_lanes(a, &a->sys_top, ch->sys_top, n);
}

/* ---- a weighted chunk (importance sampling) ---------------------------------
 * Path p carries its likelihood ratio L_p, a whole number w_p of weight
 * units: counts and histograms add w_p (integers: exact in any order), sums
 * add L X, L X^2 and (L X)^2 (docs/model.md, "Rare events"). */

/* The lanes' weights in units, checked. */
static void lane_units(tr__acc_local *l, const tr__chunk_out *ch, uint64_t *u)
{
    for (size_t k = 0; k < ch->n; k++) {
        double L = ch->w[k];
        if (!(L < TR__W_MAX)) {
            note_bad(l, TR__BAD_WEIGHT, 0, 0, L, ch->first + k);
            L = 0.0;
        }
        u[k] = (uint64_t)(L * 0x1p32); /* exact: L is a whole number of units (TR__W_BITS) */
    }
}

/* Amount x over the lanes, weighted: L x into sum item k, L x^2 into k + 1,
 * (L x)^2 into the second set. */
static void add_sums_w(tr__acc *a, tr__acc_local *l, size_t k, const double *x,
                       const tr__chunk_out *ch)
{
    const size_t n = ch->n;
    double lx[TR__CHUNK], lxx[TR__CHUNK], l2x2[TR__CHUNK];
    for (size_t j = 0; j < n; j++) {
        lx[j] = ch->w[j] * x[j];
        lxx[j] = lx[j] * x[j];
        l2x2[j] = lx[j] * lx[j];
    }
    add_sums(l->bs, k, lx, n, ch->first, 0);
    add_sums(l->bs, k + 1, lxx, n, ch->first, 0);
    add_sums(l->bs, tr__acc_lsq(a, k), l2x2, n, ch->first, 0);
}

/* The same as add_sums_masked without branches (a weighted run's events
 * are common, so their lanes are not worth skipping): a lane outside the
 * mask adds +0, which leaves every partial as it was (partials start at +0
 * and the values added are never -0). */
static void add_sums_masked_w(double *bs, size_t item, const double *x, const uint8_t *mask,
                              size_t n, uint64_t first)
{
    double *s = bs + item * P;
    if ((first % P) == 0 && n % P == 0) {
        for (size_t k = 0; k < n; k += P)
            for (size_t j = 0; j < P; j++)
                s[j] += mask[k + j] ? x[k + j] : 0.0;
        return;
    }
    for (size_t k = 0; k < n; k++)
        s[(first + k) % P] += mask[k] ? x[k] : 0.0;
}

/* x over the lanes into histogram h, lane k with weight u[k]. */
static void hist_lanes_w(tr__acc *a, tr__hist *h, const double *x, const uint64_t *u, size_t n)
{
    size_t runs = 1;
    for (size_t k = 1; k < n; k++)
        runs += x[k] != x[k - 1];
    uint32_t idx[TR__CHUNK];
    if (runs > 4) tr__vhist_index_n(x, idx, n); /* many values: their buckets at once */
    size_t k = 0;
    while (k < n) { /* runs of equal values (often zeros) added at once */
        uint64_t r = u[k];
        size_t e = k + 1;
        for (; e < n && x[e] == x[k]; e++)
            r += u[e];
        size_t i = runs > 4 ? idx[k] : tr__hist_index(x[k]);
        if (r && tr__hist_add_count(h, a->pool, x[k], i, r) != 0) a->oom = 1;
        k = e;
    }
}

/* Trust i's cash rows, each with the weight of the lanes using it. */
static void add_cash_rows_w(tr__acc *a, tr__acc_local *l, size_t i, const tr__chunk_out *ch,
                            const uint64_t *u)
{
    const size_t C = TR__CHUNK, H = (size_t)a->H;
    uint64_t weight[TR__CHUNK] = {0};
    size_t lane[TR__CHUNK] = {0};
    const uint16_t *cref = ch->cref + i * C;
    for (size_t k = ch->n; k-- > 0;) {
        size_t r = ch->nrows[i] == 1 ? 0 : cref[k];
        weight[r] += u[k];
        lane[r] = k;
    }
    for (size_t r = 0; r < ch->nrows[i]; r++)
        if (weight[r])
            add_cash(a, l, i, ch->cash + (i * C + r) * H, weight[r], ch->first + lane[r]);
}

static void add_trust_w(tr__acc *a, tr__acc_local *l, size_t i, const tr__chunk_out *ch,
                        const tr__plan *plan, const uint64_t *u, const double *l2)
{
    const size_t H = (size_t)a->H, C = TR__CHUNK, n = ch->n;
    const uint8_t *fail = ch->fail + i * C;
    const double *bo = ch->bo + i * C;
    size_t ib = tr__acc_bo(a, i, TR__S_SUM);
    int any = 0; /* a failure or a bail-out on some lane (else only zeros to add) */
    for (size_t k = 0; k < n; k++)
        any |= (fail[k] != 0) | (bo[k] != 0.0);
    if (any) {
        add_sums_w(a, l, ib, bo, ch);
        check_lanes(l, l->bs + ib * P, bo, n, TR__BAD_BAILOUT, i, ch->first);
        for (size_t k = 0; k < n; k++) {
            int f = fail[k];
            if (f) {
                a->fail_count[i] += u[k];
                a->fail_by_month[i * H + (size_t)(f - 1)] += u[k];
            }
        }
        add_sums_masked_w(l->bs, tr__acc_fail_l2(a, i), l2, fail, n, ch->first);
    }
    hist_lanes_w(a, &a->bo[i], bo, u, n);
    add_cash_rows_w(a, l, i, ch, u);
    for (size_t s = plan->scheme_base[i]; s < plan->scheme_base[i + 1]; s++) {
        double lsf[TR__CHUNK];
        const double *sf = ch->sf + s * C;
        for (size_t k = 0; k < n; k++)
            lsf[k] = ch->w[k] * sf[k];
        size_t is = tr__acc_shortfall(a, s, 0);
        add_sums(l->bs, is, lsf, n, ch->first, 0);
        check_lanes(l, l->bs + is * P, sf, n, TR__BAD_SHORTFALL, s, ch->first);
        add_sums_masked_w(l->bs, tr__acc_shortfall(a, s, 1), lsf, fail, n, ch->first);
    }
}

static void add_consortia_w(tr__acc *a, tr__acc_local *l, const tr__chunk_out *ch,
                            const uint64_t *u, const double *l2)
{
    const size_t H = (size_t)a->H, C = TR__CHUNK, n = ch->n;
    double top[TR__CHUNK];
    for (size_t c = 0; c < a->nc; c++) {
        const double *req = ch->req + c * C, *paid = ch->paid + c * C;
        const uint8_t *exh = ch->exh + c * C;
        for (size_t k = 0; k < n; k++)
            top[k] = req[k] - paid[k];
        size_t ir = tr__acc_cons(a, c, 0, TR__S_SUM), ip = tr__acc_cons(a, c, 1, TR__S_SUM);
        add_sums_w(a, l, ir, req, ch);
        add_sums_w(a, l, ip, paid, ch);
        add_sums_w(a, l, tr__acc_cons(a, c, 2, TR__S_SUM), top, ch);
        check_lanes(l, l->bs + ir * P, req, n, TR__BAD_REQUESTED, c, ch->first);
        check_lanes(l, l->bs + ip * P, paid, n, TR__BAD_PAID, c, ch->first);
        hist_lanes_w(a, &a->req[c], req, u, n);
        hist_lanes_w(a, &a->paid[c], paid, u, n);
        hist_lanes_w(a, &a->top[c], top, u, n);
        for (size_t k = 0; k < n; k++)
            if (exh[k]) {
                a->exhausted[c] += u[k];
                a->ex_by_month[c * H + (size_t)(exh[k] - 1)] += u[k];
            }
        add_sums_masked_w(l->bs, tr__acc_exh_l2(a, c), l2, exh, n, ch->first);
    }
}

static void add_system_w(tr__acc *a, tr__acc_local *l, const tr__chunk_out *ch, const uint64_t *u,
                         const double *l2)
{
    const size_t n = ch->n;
    a->n += n;
    for (size_t k = 0; k < n; k++)
        a->nfail[ch->nfail[k]] += u[k];
    size_t ib = tr__acc_sys(a, 0, TR__S_SUM), it = tr__acc_sys(a, 1, TR__S_SUM);
    add_sums_w(a, l, ib, ch->sys_bo, ch);
    add_sums_w(a, l, it, ch->sys_top, ch);
    add_sums(l->bs, tr__acc_l2(a), l2, n, ch->first, 0);
    for (size_t k = 0; k < n; k++)
        l->bs[tr__acc_nfail_l2(a, ch->nfail[k]) * P + (ch->first + k) % P] += l2[k];
    check_lanes(l, l->bs + ib * P, ch->sys_bo, n, TR__BAD_SYS_BAILOUT, 0, ch->first);
    check_lanes(l, l->bs + it * P, ch->sys_top, n, TR__BAD_SYS_TOPUP, 0, ch->first);
    hist_lanes_w(a, &a->sys_bo, ch->sys_bo, u, n);
    hist_lanes_w(a, &a->sys_top, ch->sys_top, u, n);
}

static void add_chunk_w(tr__acc *a, tr__acc_local *l, const tr__chunk_out *ch, const tr__plan *plan)
{
    uint64_t u[TR__CHUNK];
    double l2[TR__CHUNK];
    lane_units(l, ch, u);
    for (size_t k = 0; k < ch->n; k++)
        l2[k] = ch->w[k] * ch->w[k];
    for (size_t g = 0; g * a->group < a->nt; g++) {
        pthread_mutex_lock(&a->locks[g]);
        for (size_t i = g * a->group; i < a->nt && i < (g + 1) * a->group; i++)
            add_trust_w(a, l, i, ch, plan, u, l2);
        pthread_mutex_unlock(&a->locks[g]);
    }
    size_t lc = a->nlocks - 3, ls = a->nlocks - 2;
    pthread_mutex_lock(&a->locks[lc]);
    add_consortia_w(a, l, ch, u, l2);
    pthread_mutex_unlock(&a->locks[lc]);
    pthread_mutex_lock(&a->locks[ls]);
    add_system_w(a, l, ch, u, l2);
    pthread_mutex_unlock(&a->locks[ls]);
}

void tr__acc_add_chunk(tr__acc *a, tr__acc_local *l, const tr__chunk_out *ch, const tr__plan *plan)
{
    if (a->weighted) {
        add_chunk_w(a, l, ch, plan);
        return;
    }
    for (size_t g = 0; g * a->group < a->nt; g++) {
        pthread_mutex_lock(&a->locks[g]);
        for (size_t i = g * a->group; i < a->nt && i < (g + 1) * a->group; i++)
            add_trust(a, l, i, ch, plan);
        pthread_mutex_unlock(&a->locks[g]);
    }
    size_t lc = a->nlocks - 3, ls = a->nlocks - 2;
    pthread_mutex_lock(&a->locks[lc]);
    add_consortia(a, l, ch);
    pthread_mutex_unlock(&a->locks[lc]);
    pthread_mutex_lock(&a->locks[ls]);
    add_system(a, l, ch);
    pthread_mutex_unlock(&a->locks[ls]);
}

void tr__acc_end_block(tr__acc *a, tr__acc_local *l)
{
    pthread_mutex_lock(&a->locks[a->nlocks - 1]);
    for (size_t m = 0; m < a->nsums; m++)
        for (size_t j = 0; j < P; j++) {
            double x = l->bs[m * P + j];
            if (x != 0.0) tr__xsum_add(&a->xs[m], x);
        }
    pthread_mutex_unlock(&a->locks[a->nlocks - 1]);
    memset(l->bs, 0, a->nsums * P * sizeof *l->bs);
}

static void add_u64(uint64_t *dst, const uint64_t *src, size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] += src[k];
}

tr_status tr__acc_merge(tr__acc *dst, const tr__acc *src, tr_error *err)
{
    size_t H = (size_t)dst->H;
    dst->n += src->n;
    add_u64(dst->fail_count, src->fail_count, dst->nt);
    add_u64(dst->fail_by_month, src->fail_by_month, dst->nt * H);
    add_u64(dst->tau_sum, src->tau_sum, dst->nt);
    add_u64(dst->exhausted, src->exhausted, dst->nc);
    add_u64(dst->ex_by_month, src->ex_by_month, dst->nc * H);
    add_u64(dst->nfail, src->nfail, dst->nt + 1);
    int bad = 0;
    for (size_t i = 0; i < dst->nt; i++)
        bad |= tr__hist_merge(&dst->bo[i], dst->pool, &src->bo[i]);
    for (size_t k = 0; k < dst->nt * H; k++)
        bad |= tr__hist_merge(&dst->cash[k], dst->pool, &src->cash[k]);
    for (size_t c = 0; c < dst->nc; c++) {
        bad |= tr__hist_merge(&dst->req[c], dst->pool, &src->req[c]);
        bad |= tr__hist_merge(&dst->paid[c], dst->pool, &src->paid[c]);
        bad |= tr__hist_merge(&dst->top[c], dst->pool, &src->top[c]);
    }
    bad |= tr__hist_merge(&dst->sys_bo, dst->pool, &src->sys_bo);
    bad |= tr__hist_merge(&dst->sys_top, dst->pool, &src->sys_top);
    for (size_t m = 0; m < dst->nsums; m++)
        tr__xsum_merge(&dst->xs[m], &src->xs[m]);
    if (bad || src->oom)
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory merging statistics");
    return TR_OK;
}
