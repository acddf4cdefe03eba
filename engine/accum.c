/*
 * accum.c - accumulating paths into mergeable statistics (see accum.h).
 *
 * Memory is fixed when the accumulator is made and does not grow with the
 * number of paths: histograms for every bail-out and top-up distribution and
 * for each trust's cash at each month end, integer counts for failures and
 * exhaustion, and exact sums for means and variances.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"

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

double tr__acc_bytes(const tr__plan *plan)
{
    double nt = (double)plan->n_trusts, H = (double)plan->horizon, nc = (double)plan->n_consortia;
    double nhist = nt + nt * H + 3 * nc + 2;
    double hist = nhist * ((double)tr__hist_nbuckets() * sizeof(uint32_t) + sizeof(tr__hist));
    double sums =
        (nt * 2 + (double)plan->n_schemes * 2 + nc * 6 + 4) * (sizeof(double) + sizeof(tr__xsum));
    return hist + sums + nt * H * 28 + nc * H * 8;
}

tr_status tr__acc_init(tr__acc *a, const tr__plan *plan, tr_error *err)
{
    memset(a, 0, sizeof *a);
    a->nt = plan->n_trusts;
    a->ns = plan->n_schemes;
    a->nc = plan->n_consortia;
    a->H = plan->horizon;
    size_t H = (size_t)a->H, nt = a->nt, nc = a->nc;
    size_t nhist = nt + nt * H + 3 * nc + 2;
    size_t nb = tr__hist_nbuckets();
    a->nsums = nt * 2 + a->ns * 2 + nc * 6 + 4;

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
    a->bs = calloc(a->nsums, sizeof *a->bs);
    a->xs = calloc(a->nsums, sizeof *a->xs);
    a->storage = calloc(nhist * nb, sizeof *a->storage);
    a->rc_cash = calloc(nt * 2 * H + 1, sizeof *a->rc_cash);
    a->rc_idx = calloc(nt * 2 * H + 1, sizeof *a->rc_idx);
    a->rc_count = calloc(nt * 2 + 1, sizeof *a->rc_count);
    a->rc_mru = calloc(nt + 1, sizeof *a->rc_mru);
    a->memo_x = calloc(nt + 3 * nc + 2, sizeof *a->memo_x);
    a->memo_i = calloc(nt + 3 * nc + 2, sizeof *a->memo_i);
    if (!a->rc_cash || !a->rc_idx || !a->rc_count || !a->rc_mru || !a->memo_x || !a->memo_i ||
        !a->fail_count || !a->fail_by_month || !a->tau_sum || !a->bo || !a->cash || !a->req ||
        !a->paid || !a->top || !a->exhausted || !a->ex_by_month || !a->nfail || !a->bs || !a->xs ||
        !a->storage) {
        tr__acc_free(a);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory allocating the run's statistics (%zu histograms)",
                            nhist);
    }
    /* tr__hist_init writes every bucket: the memory is paged in now, so a run's
     * peak memory is known at its start and does not creep up as more paths
     * reach new buckets. */
    uint32_t *st = a->storage;
    for (size_t i = 0; i < nt; i++, st += nb)
        tr__hist_init(&a->bo[i], st);
    for (size_t k = 0; k < nt * H; k++, st += nb)
        tr__hist_init(&a->cash[k], st);
    for (size_t c = 0; c < nc; c++) {
        tr__hist_init(&a->req[c], st);
        st += nb;
        tr__hist_init(&a->paid[c], st);
        st += nb;
        tr__hist_init(&a->top[c], st);
        st += nb;
    }
    tr__hist_init(&a->sys_bo, st);
    st += nb;
    tr__hist_init(&a->sys_top, st);
    for (size_t m = 0; m < a->nsums; m++)
        tr__xsum_zero(&a->xs[m]);
    for (size_t k = 0; k < nt + 3 * nc + 2; k++) { /* a value no path produces */
        a->memo_x[k] = NAN;
        a->memo_i[k] = 0;
    }
    return TR_OK;
}

void tr__acc_free(tr__acc *a)
{
    if (!a) return;
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
    free(a->bs);
    free(a->xs);
    free(a->storage);
    free(a->rc_cash);
    free(a->rc_idx);
    free(a->rc_count);
    free(a->rc_mru);
    free(a->memo_x);
    free(a->memo_i);
    memset(a, 0, sizeof *a);
}

/* Add x to h, reusing the bucket index when x equals the memo's last value. */
static inline void add_memo(tr__hist *h, double x, double *mx, uint32_t *mi)
{
    if (x != *mx) { /* also true for a NaN memo */
        *mx = x;
        *mi = (uint32_t)tr__hist_index(x);
    }
    tr__hist_add_index(h, x, *mi);
}

static void add_moment(double *bs, size_t k, double x)
{
    bs[k] += x;
    bs[k + 1] += x * x;
}

/* Add cache entry e (of trust i) into the histograms and empty it. */
static void flush_entry(tr__acc *a, size_t i, size_t e)
{
    uint32_t r = a->rc_count[e];
    if (!r) return;
    size_t H = (size_t)a->H;
    tr__hist *ch = a->cash + i * H;
    const double *cash = a->rc_cash + e * H;
    const uint32_t *idx = a->rc_idx + e * H;
    for (size_t t = 0; t < H; t++)
        tr__hist_add_count(&ch[t], cash[t], idx[t], r);
    a->rc_count[e] = 0;
}

void tr__acc_flush(tr__acc *a)
{
    for (size_t i = 0; i < a->nt; i++) {
        flush_entry(a, i, 2 * i);
        flush_entry(a, i, 2 * i + 1);
    }
}

/* Remember the first non-finite value (see tr__bad). */
static void note_bad(tr__acc *a, tr__bad_kind kind, size_t item, size_t month, double x,
                     uint64_t path)
{
    if (a->bad.kind == TR__BAD_NONE) a->bad = (tr__bad){kind, item, month, x, path};
}

/* A scalar that is about to reach the statistics, checked. */
static inline void check(tr__acc *a, double x, tr__bad_kind kind, size_t item, uint64_t path)
{
    if (!isfinite(x)) note_bad(a, kind, item, 0, x, path);
}

void tr__acc_describe_bad(const tr__acc *a, const tr__plan *plan, char *buf, size_t size)
{
    const tr_config *cfg = plan->cfg;
    size_t k = a->bad.item, i = 0;
    switch (a->bad.kind) {
    case TR__BAD_BAILOUT:
        snprintf(buf, size, "trust \"%s\": bail-out", cfg->trusts[k].id);
        return;
    case TR__BAD_CASH:
        snprintf(buf, size, "trust \"%s\": cash at the end of month %zu", cfg->trusts[k].id,
                 a->bad.month);
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
                 a->bad.kind == TR__BAD_PAID ? "paid" : "requested");
        return;
    case TR__BAD_SYS_BAILOUT:
        snprintf(buf, size, "system: total bail-out");
        return;
    case TR__BAD_SYS_TOPUP:
        snprintf(buf, size, "system: national top-up");
        return;
    case TR__BAD_NONE:
        break;
    }
    snprintf(buf, size, "nothing");
}

/* Add r paths whose trust i has month-end cash `cash` (path: one of them). */
static void add_cash(tr__acc *a, size_t i, const double *cash, uint32_t r, uint64_t path)
{
    size_t H = (size_t)a->H;
    for (size_t back = 0; back < 2; back++) {
        size_t e = 2 * i + (back == 0 ? a->rc_mru[i] : 1u - a->rc_mru[i]);
        if (a->rc_count[e] && a->rc_count[e] <= UINT32_MAX - r &&
            memcmp(a->rc_cash + e * H, cash, H * sizeof *cash) == 0) {
            a->rc_count[e] += r;
            a->rc_mru[i] = (uint8_t)(e - 2 * i);
            return;
        }
    }
    /* A new cash path replaces the entry used less recently. */
    size_t o = 2 * i + (1u - a->rc_mru[i]);
    flush_entry(a, i, o);
    memcpy(a->rc_cash + o * H, cash, H * sizeof *cash);
    uint32_t *idx = a->rc_idx + o * H;
    for (size_t t = 0; t < H; t++) {
        idx[t] = (uint32_t)tr__hist_index(cash[t]);
        if (!isfinite(cash[t])) note_bad(a, TR__BAD_CASH, i, t + 1, cash[t], path);
    }
    a->rc_count[o] = r;
    a->rc_mru[i] = (uint8_t)(o - 2 * i);
}

/* Add trust i's cash rows, each as many times as lanes use it. */
static void add_cash_rows(tr__acc *a, size_t i, const tr__chunk_out *ch)
{
    const size_t C = TR__CHUNK, H = (size_t)a->H;
    uint32_t count[TR__CHUNK] = {0};
    size_t lane[TR__CHUNK]; /* a lane using the row */
    for (size_t k = 0; k < ch->n; k++) {
        size_t r = ch->cref[i * C + k];
        if (count[r]++ == 0) lane[r] = k;
    }
    for (size_t r = 0; r < ch->nrows[i]; r++)
        add_cash(a, i, ch->cash + (i * C + r) * H, count[r], ch->first + lane[r]);
}

void tr__acc_add_chunk(tr__acc *a, const tr__chunk_out *ch, const tr__plan *plan)
{
    const size_t H = (size_t)a->H, C = TR__CHUNK, n = ch->n;
    a->n += n;
    for (size_t i = 0; i < a->nt; i++) {
        const uint8_t *fail = ch->fail + i * C;
        const double *bo = ch->bo + i * C;
        for (size_t k = 0; k < n; k++) {
            int f = fail[k];
            if (f) {
                a->fail_count[i]++;
                a->fail_by_month[i * H + (size_t)(f - 1)]++;
                a->tau_sum[i] += (uint64_t)f;
            }
            check(a, bo[k], TR__BAD_BAILOUT, i, ch->first + k);
            add_memo(&a->bo[i], bo[k], &a->memo_x[i], &a->memo_i[i]);
            add_moment(a->bs, tr__acc_bo(a, i, TR__S_SUM), bo[k]);
        }
        add_cash_rows(a, i, ch);
        size_t s0 = plan->scheme_base[i], s1 = plan->scheme_base[i + 1];
        for (size_t s = s0; s < s1; s++) {
            const double *sf = ch->sf + s * C;
            double *sum = &a->bs[tr__acc_shortfall(a, s, 0)];
            double *given = &a->bs[tr__acc_shortfall(a, s, 1)];
            for (size_t k = 0; k < n; k++) {
                check(a, sf[k], TR__BAD_SHORTFALL, s, ch->first + k);
                *sum += sf[k];
                if (fail[k]) *given += sf[k];
            }
        }
    }
    for (size_t c = 0; c < a->nc; c++) {
        size_t m = a->nt + 3 * c;
        for (size_t k = 0; k < n; k++) {
            double req = ch->req[c * C + k], paid = ch->paid[c * C + k], top = req - paid;
            check(a, req, TR__BAD_REQUESTED, c, ch->first + k);
            check(a, paid, TR__BAD_PAID, c, ch->first + k);
            add_memo(&a->req[c], req, &a->memo_x[m], &a->memo_i[m]);
            add_memo(&a->paid[c], paid, &a->memo_x[m + 1], &a->memo_i[m + 1]);
            add_memo(&a->top[c], top, &a->memo_x[m + 2], &a->memo_i[m + 2]);
            add_moment(a->bs, tr__acc_cons(a, c, 0, TR__S_SUM), req);
            add_moment(a->bs, tr__acc_cons(a, c, 1, TR__S_SUM), paid);
            add_moment(a->bs, tr__acc_cons(a, c, 2, TR__S_SUM), top);
            int ex = ch->exh[c * C + k];
            if (ex) {
                a->exhausted[c]++;
                a->ex_by_month[c * H + (size_t)(ex - 1)]++;
            }
        }
    }
    size_t ms = a->nt + 3 * a->nc;
    for (size_t k = 0; k < n; k++) {
        a->nfail[ch->nfail[k]]++;
        check(a, ch->sys_bo[k], TR__BAD_SYS_BAILOUT, 0, ch->first + k);
        check(a, ch->sys_top[k], TR__BAD_SYS_TOPUP, 0, ch->first + k);
        add_memo(&a->sys_bo, ch->sys_bo[k], &a->memo_x[ms], &a->memo_i[ms]);
        add_memo(&a->sys_top, ch->sys_top[k], &a->memo_x[ms + 1], &a->memo_i[ms + 1]);
        add_moment(a->bs, tr__acc_sys(a, 0, TR__S_SUM), ch->sys_bo[k]);
        add_moment(a->bs, tr__acc_sys(a, 1, TR__S_SUM), ch->sys_top[k]);
    }
}

void tr__acc_end_block(tr__acc *a)
{
    for (size_t m = 0; m < a->nsums; m++) {
        if (a->bs[m] != 0.0) tr__xsum_add(&a->xs[m], a->bs[m]);
        a->bs[m] = 0.0;
    }
}

static void add_u64(uint64_t *dst, const uint64_t *src, size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] += src[k];
}

void tr__acc_merge(tr__acc *dst, const tr__acc *src)
{
    size_t H = (size_t)dst->H;
    dst->n += src->n;
    add_u64(dst->fail_count, src->fail_count, dst->nt);
    add_u64(dst->fail_by_month, src->fail_by_month, dst->nt * H);
    add_u64(dst->tau_sum, src->tau_sum, dst->nt);
    add_u64(dst->exhausted, src->exhausted, dst->nc);
    add_u64(dst->ex_by_month, src->ex_by_month, dst->nc * H);
    add_u64(dst->nfail, src->nfail, dst->nt + 1);
    for (size_t i = 0; i < dst->nt; i++)
        tr__hist_merge(&dst->bo[i], &src->bo[i]);
    for (size_t k = 0; k < dst->nt * H; k++)
        tr__hist_merge(&dst->cash[k], &src->cash[k]);
    for (size_t c = 0; c < dst->nc; c++) {
        tr__hist_merge(&dst->req[c], &src->req[c]);
        tr__hist_merge(&dst->paid[c], &src->paid[c]);
        tr__hist_merge(&dst->top[c], &src->top[c]);
    }
    tr__hist_merge(&dst->sys_bo, &src->sys_bo);
    tr__hist_merge(&dst->sys_top, &src->sys_top);
    for (size_t m = 0; m < dst->nsums; m++)
        tr__xsum_merge(&dst->xs[m], &src->xs[m]);
}
