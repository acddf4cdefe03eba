/*
 * paired.c - path-by-path differences between a scenario and the
 * reference (see paired.h).
 */
#include "paired.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"

#define P 8 /* partial sums per item within a block (accum.h) */

size_t tr__paired_bo(const tr__paired *p, size_t t)
{
    (void)p;
    return 2 * t;
}

size_t tr__paired_cons(const tr__paired *p, size_t c, int quantity)
{
    return 2 * p->nt + 4 * c + 2 * (size_t)quantity;
}

size_t tr__paired_sys(const tr__paired *p, int quantity)
{
    return 2 * p->nt + 4 * p->nc + 2 * (size_t)quantity;
}

size_t tr__paired_fail(const tr__paired *p, size_t t)
{
    return 2 * p->nt + 4 * p->nc + 4 + 2 * t;
}

size_t tr__paired_nfail(const tr__paired *p)
{
    return 4 * p->nt + 4 * p->nc + 4;
}

/* An id and where it is, for matching by id. */
typedef struct named {
    const char *id;
    uint32_t at;
} named;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const named *)a)->id, ((const named *)b)->id);
}

/* Match n ids of s with m ids of r (ids are unique within each): the pairs
 * of indices, in s's order, into ps/pr; returns how many. */
static size_t match(const char *const *sid, size_t n, const char *const *rid, size_t m,
                    uint32_t *ps, uint32_t *pr, named *sorted)
{
    for (size_t j = 0; j < m; j++)
        sorted[j] = (named){rid[j], (uint32_t)j};
    qsort(sorted, m, sizeof *sorted, by_id);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        named key = {sid[i], 0};
        const named *hit = m ? bsearch(&key, sorted, m, sizeof *sorted, by_id) : NULL;
        if (hit) {
            ps[k] = (uint32_t)i;
            pr[k] = hit->at;
            k++;
        }
    }
    return k;
}

static void free_arrays(tr__paired *p)
{
    free(p->ts);
    free(p->tr);
    free(p->cs);
    free(p->cr);
    free(p->both_fail);
    free(p->xs);
    memset(p, 0, sizeof *p);
}

tr_status tr__paired_init(tr__paired *p, const tr_config *s, const tr_config *r, int weighted,
                          tr_error *err)
{
    memset(p, 0, sizeof *p);
    p->weighted = weighted;
    size_t nt = s->n_trusts, nc = s->n_consortia, mt = r->n_trusts, mc = r->n_consortia;
    size_t most = mt > mc ? mt : mc, mostn = nt > nc ? nt : nc;
    const char **sid = calloc(mostn + 1, sizeof *sid), **rid = calloc(most + 1, sizeof *rid);
    named *sorted = calloc(most + 1, sizeof *sorted);
    p->ts = calloc(nt + 1, sizeof *p->ts);
    p->tr = calloc(nt + 1, sizeof *p->tr);
    p->cs = calloc(nc + 1, sizeof *p->cs);
    p->cr = calloc(nc + 1, sizeof *p->cr);
    tr_status st = TR_OK;
    if (!sid || !rid || !sorted || !p->ts || !p->tr || !p->cs || !p->cr) {
        st = TR_E_NOMEM;
    } else {
        for (size_t i = 0; i < nt; i++)
            sid[i] = s->trusts[i].id;
        for (size_t j = 0; j < mt; j++)
            rid[j] = r->trusts[j].id;
        p->nt = match(sid, nt, rid, mt, p->ts, p->tr, sorted);
        for (size_t i = 0; i < nc; i++)
            sid[i] = s->consortia[i].id;
        for (size_t j = 0; j < mc; j++)
            rid[j] = r->consortia[j].id;
        p->nc = match(sid, nc, rid, mc, p->cs, p->cr, sorted);
        p->nsums = 2 * p->nt + 4 * p->nc + 4 + (weighted ? 2 * p->nt + 2 : 0);
        p->both_fail = calloc(p->nt + 1, sizeof *p->both_fail);
        p->xs = calloc(p->nsums, sizeof *p->xs);
        if (!p->both_fail || !p->xs) st = TR_E_NOMEM;
    }
    free(sid);
    free(rid);
    free(sorted);
    if (st == TR_OK && pthread_mutex_init(&p->lock, NULL) != 0) st = TR_E_NOMEM;
    if (st != TR_OK) {
        free_arrays(p);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory pairing a scenario with the reference");
    }
    for (size_t m = 0; m < p->nsums; m++)
        tr__xsum_zero(&p->xs[m]);
    return TR_OK;
}

void tr__paired_free(tr__paired *p)
{
    if (!p || !p->xs) return;
    pthread_mutex_destroy(&p->lock);
    free_arrays(p);
}

tr_status tr__paired_local_init(tr__paired_local *l, const tr__paired *p, tr_error *err)
{
    memset(l, 0, sizeof *l);
    l->bs = calloc(p->nsums * P, sizeof *l->bs);
    l->both_fail = calloc(p->nt + 1, sizeof *l->both_fail);
    if (!l->bs || !l->both_fail) {
        tr__paired_local_free(l);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    return TR_OK;
}

void tr__paired_local_free(tr__paired_local *l)
{
    free(l->bs);
    free(l->both_fail);
    memset(l, 0, sizeof *l);
}

/* The differences d[k] of one quantity into partials (path first + k into
 * partial (first + k) mod 8), with their squares. */
static void add_diffs(double *bs, size_t item, const double *d, size_t n, uint64_t first)
{
    double *s = bs + item * P, *q = bs + (item + 1) * P;
    for (size_t k = 0; k < n; k++) {
        size_t j = (size_t)((first + k) % P);
        s[j] += d[k];
        q[j] += d[k] * d[k];
    }
}

/* Under importance sampling: every difference of weighted values. */
static void add_chunk_w(const tr__paired *p, tr__paired_local *l, const tr__chunk_out *s,
                        const tr__chunk_out *r)
{
    const size_t C = TR__CHUNK, n = s->n;
    const double *ws = s->w, *wr = r->w;
    double d[TR__CHUNK];
    for (size_t t = 0; t < p->nt; t++) {
        const uint8_t *fs = s->fail + (size_t)p->ts[t] * C, *fr = r->fail + (size_t)p->tr[t] * C;
        for (size_t k = 0; k < n; k++)
            d[k] = (fs[k] ? ws[k] : 0.0) - (fr[k] ? wr[k] : 0.0);
        add_diffs(l->bs, tr__paired_fail(p, t), d, n, s->first);
        const double *bs = s->bo + (size_t)p->ts[t] * C, *br = r->bo + (size_t)p->tr[t] * C;
        for (size_t k = 0; k < n; k++)
            d[k] = ws[k] * bs[k] - wr[k] * br[k];
        add_diffs(l->bs, tr__paired_bo(p, t), d, n, s->first);
    }
    for (size_t c = 0; c < p->nc; c++) {
        size_t is = (size_t)p->cs[c] * C, ir = (size_t)p->cr[c] * C;
        for (size_t k = 0; k < n; k++)
            d[k] = ws[k] * s->paid[is + k] - wr[k] * r->paid[ir + k];
        add_diffs(l->bs, tr__paired_cons(p, c, 0), d, n, s->first);
        for (size_t k = 0; k < n; k++)
            d[k] = ws[k] * (s->req[is + k] - s->paid[is + k]) -
                   wr[k] * (r->req[ir + k] - r->paid[ir + k]);
        add_diffs(l->bs, tr__paired_cons(p, c, 1), d, n, s->first);
    }
    for (size_t k = 0; k < n; k++)
        d[k] = ws[k] * (double)s->nfail[k] - wr[k] * (double)r->nfail[k];
    add_diffs(l->bs, tr__paired_nfail(p), d, n, s->first);
    for (size_t k = 0; k < n; k++)
        d[k] = ws[k] * s->sys_bo[k] - wr[k] * r->sys_bo[k];
    add_diffs(l->bs, tr__paired_sys(p, 0), d, n, s->first);
    for (size_t k = 0; k < n; k++)
        d[k] = ws[k] * s->sys_top[k] - wr[k] * r->sys_top[k];
    add_diffs(l->bs, tr__paired_sys(p, 1), d, n, s->first);
    l->n += n;
}

void tr__paired_add_chunk(const tr__paired *p, tr__paired_local *l, const tr__chunk_out *s,
                          const tr__chunk_out *r)
{
    if (p->weighted) {
        add_chunk_w(p, l, s, r);
        return;
    }
    const size_t C = TR__CHUNK, n = s->n;
    double d[TR__CHUNK];
    for (size_t t = 0; t < p->nt; t++) {
        const uint8_t *fs = s->fail + (size_t)p->ts[t] * C, *fr = r->fail + (size_t)p->tr[t] * C;
        for (size_t k = 0; k < n; k++)
            l->both_fail[t] += (fs[k] != 0) & (fr[k] != 0);
        const double *bs = s->bo + (size_t)p->ts[t] * C, *br = r->bo + (size_t)p->tr[t] * C;
        for (size_t k = 0; k < n; k++)
            d[k] = bs[k] - br[k];
        add_diffs(l->bs, tr__paired_bo(p, t), d, n, s->first);
    }
    for (size_t c = 0; c < p->nc; c++) {
        size_t is = (size_t)p->cs[c] * C, ir = (size_t)p->cr[c] * C;
        for (size_t k = 0; k < n; k++)
            d[k] = s->paid[is + k] - r->paid[ir + k];
        add_diffs(l->bs, tr__paired_cons(p, c, 0), d, n, s->first);
        for (size_t k = 0; k < n; k++) /* top-up = requested - paid, as accum.c forms it */
            d[k] = (s->req[is + k] - s->paid[is + k]) - (r->req[ir + k] - r->paid[ir + k]);
        add_diffs(l->bs, tr__paired_cons(p, c, 1), d, n, s->first);
    }
    for (size_t k = 0; k < n; k++) {
        int64_t df = (int64_t)s->nfail[k] - (int64_t)r->nfail[k];
        l->dfail += df;
        l->dfail2 += (uint64_t)(df * df);
    }
    for (size_t k = 0; k < n; k++)
        d[k] = s->sys_bo[k] - r->sys_bo[k];
    add_diffs(l->bs, tr__paired_sys(p, 0), d, n, s->first);
    for (size_t k = 0; k < n; k++)
        d[k] = s->sys_top[k] - r->sys_top[k];
    add_diffs(l->bs, tr__paired_sys(p, 1), d, n, s->first);
    l->n += n;
}

void tr__paired_end_block(tr__paired *p, tr__paired_local *l)
{
    pthread_mutex_lock(&p->lock);
    for (size_t m = 0; m < p->nsums; m++)
        for (size_t j = 0; j < P; j++) {
            double x = l->bs[m * P + j];
            if (x != 0.0) tr__xsum_add(&p->xs[m], x);
        }
    for (size_t t = 0; t < p->nt; t++)
        p->both_fail[t] += l->both_fail[t];
    p->dfail += l->dfail;
    p->dfail2 += l->dfail2;
    p->n += l->n;
    pthread_mutex_unlock(&p->lock);
    memset(l->bs, 0, p->nsums * P * sizeof *l->bs);
    memset(l->both_fail, 0, p->nt * sizeof *l->both_fail);
    l->dfail = 0;
    l->dfail2 = 0;
    l->n = 0;
}

void tr__paired_put(tr__wbuf *w, const tr__paired *p)
{
    tr__put_u32(w, (uint32_t)p->nt);
    tr__put_u32(w, (uint32_t)p->nc);
    tr__put_u64(w, p->n);
    tr__put_u64s(w, p->both_fail, p->nt);
    tr__put_u64(w, (uint64_t)p->dfail);
    tr__put_u64(w, p->dfail2);
    tr__put_u32(w, (uint32_t)p->nsums);
    tr__put_xsums(w, p->xs, p->nsums);
}

void tr__paired_get_add(tr__rbuf *r, tr__paired *p)
{
    uint32_t nt = tr__get_u32(r), nc = tr__get_u32(r);
    if (!r->bad && (nt != p->nt || nc != p->nc)) {
        tr__rfail(r, "paired sums of other scenarios");
        return;
    }
    p->n += tr__get_u64(r);
    tr__get_u64s_add(r, p->both_fail, p->nt);
    p->dfail += (int64_t)tr__get_u64(r);
    p->dfail2 += tr__get_u64(r);
    uint32_t ns = tr__get_u32(r);
    if (!r->bad && ns != p->nsums) {
        tr__rfail(r, "a different number of paired sums");
        return;
    }
    tr__get_xsums_add(r, p->xs, p->nsums);
}
