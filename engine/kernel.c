/*
 * kernel.c - the block kernel (see kernel.h): a chunk of paths at once, one
 * trust at a time, each step over all the chunk's paths ("lanes").
 *
 * The reference simulator (sim.c) follows one path through every trust; here
 * the loops are turned inside out so that each element of each scheme is
 * drawn for the whole chunk in one call of the SIMD Philox (rng.h), its
 * normals, copula and quantile computed in loops over lanes that the
 * compiler vectorises (vmath.h: the same bits in every lane), the scheme's
 * quantile table stays in cache for all the chunk's paths, and each trust's
 * months run across lanes. The arithmetic of every lane is the reference
 * simulator's, in the same order (elem.h, savings.h hold what they share),
 * so each path comes out bit for bit as tr__sim_path makes it; tests compare
 * the two on every bundled config.
 *
 * A trust without cash noise whose schemes and growths come out exactly as
 * on one of its two most recent distinct outcomes (common when only rare
 * events are random: the credit workload) reuses that outcome's months
 * instead of recomputing them (a repeat cache per thread and trust, which
 * saves work and changes no result). The lanes whose months must be computed
 * are gathered into "slots" and computed together.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "elem.h"
#include "kernel.h"
#include "savings.h"
#include "vmath.h"

#define C TR__CHUNK

/* The kernel's helpers are inlined into tr__kernel_chunk, which is compiled
 * for AVX-512, AVX2 and the x86-64 baseline (target_clones; the CPU's best
 * is chosen at load time), so that every helper's lane loops are vectorised
 * for the widest registers the CPU has. Every clone gives the same bits
 * (vmath.h's functions, no fused multiply-add). */
#define KCLONES TR__VCLONES
#if defined(__GNUC__)
#define KINLINE static inline __attribute__((always_inline))
#else
#define KINLINE static inline
#endif

/* Loadings an event threshold memo can key on. */
#define EV_KEY 8

/* Brackets of an event threshold Phi(e) (lanes_event): Phi at the points
 * e_j = -EB_L + j / EB_PER, j = 0..EB_N, widened by the relative margin EB_M. */
#define EB_L 9.0
#define EB_PER 64
#define EB_N 1152    /* 2 EB_L EB_PER */
#define EB_M 0x1p-36 /* about 1.5e-11 */

/* One remembered outcome of a trust: its key (each scheme's d, a and paper,
 * then gI, gC) and its months. */
typedef struct kentry {
    int valid;
    uint64_t code; /* the outcome's event bits (event-only trusts) */
    int slot;      /* the compute slot of this chunk still filling it, or -1 */
    int row;       /* its cash row in this chunk, or -1 */
    uint8_t fail;  /* failure month */
    double bo;     /* BO */
    double *key;   /* klen[i] values */
    double *cash;  /* H month-end cash */
    double *bm;    /* H bail-outs B_t */
} kentry;

struct tr__kscratch {
    size_t H, ms; /* horizon; most schemes of a trust */
    tr__rng_key key;
    uint64_t first;
    size_t n;
    double *z;                     /* [nz][C] factor draws */
    double *ts;                    /* [C] t copula scale 1 / sqrt(W / nu) */
    double *u, *x, *m, *U, *v, *w; /* [C] scratch */
    double *d, *a;                 /* [ms][C] delivered fraction, actual start */
    uint8_t *paper;                /* [ms][C] */
    uint8_t *ev;                   /* [C] an event's outcome */
    double *ev_e, *ev_u;           /* [C] the last event threshold Phi(e) of each lane (a memo) */
    int ev_u_ok;                   /* ev_u holds Phi(ev_e) (else only ev_e is set) */
    double *eb_lo, *eb_hi;         /* [EB_N + 2] brackets of Phi(e) by cell (lanes_event) */
    int64_t *how;                  /* [C] how the brackets decide each lane's event */
    /* What the memo's thresholds were computed from (ev_nl > EV_KEY: none
     * kept): the event's c and loadings, and each loading's factor slot. */
    size_t ev_nl;
    double ev_kc, ev_kr, ev_kw[EV_KEY];
    size_t ev_ks[EV_KEY];
    double *gI, *gC;                                          /* [C] growths */
    double *diff, *lina, *linb, *direct, *oneoff, *noise;     /* [H + 2][C] over compute slots */
    double *run, *ra, *rb, *cash, *inc, *exp_, *fI, *fC, *bo; /* [C] over compute slots */
    double *ft;        /* [C] failure month (0: none) over compute slots, in the months loop */
    uint8_t *fail;     /* [C] the same as a byte */
    double *bm;        /* [H][C] bail-outs by month, over compute slots */
    double *cm;        /* [H][C] month-end cash, over compute slots */
    double *lbo;       /* [C] the trust's BO per lane: its row of out->bo */
    uint8_t *lfail;    /* [C] failure month per lane: its row of out->fail */
    uint8_t *nf8;      /* [C] trusts failing, since nfail was last updated */
    size_t nf8_trusts; /* trusts counted in nf8 */
    int *src;          /* [C] lane -> compute slot (>= 0) or -1 (outcome set) */
    uint64_t *code;    /* [C] event-only trusts: each lane's outcome, 3 bits a scheme */
    uint8_t *bits;     /* [C] one scheme's event bits */
    size_t *todo;      /* [C] compute slot -> lane */
    double *q;         /* [nc][H][C] consortia's requests */
    double *sys_bo, *sys_top; /* [C] */
    uint32_t *nfail;          /* [C] */
    /* the repeat cache: two entries per trust without noise */
    kentry *ent;   /* [nt][2] */
    uint8_t *lru;  /* [nt] the entry used less recently */
    double *store; /* keys, cash rows and bail-outs of every entry */
};

/* The scratch's arrays of one double per lane, allocated and freed together. */
#define KS_LANE_ARRAYS(k)                                                                          \
    {                                                                                              \
        &(k)->ev_e, &(k)->ev_u, &(k)->ts, &(k)->u, &(k)->x, &(k)->m, &(k)->U, &(k)->v, &(k)->w,    \
            &(k)->gI, &(k)->gC, &(k)->run, &(k)->ra, &(k)->rb, &(k)->cash, &(k)->inc, &(k)->exp_,  \
            &(k)->fI, &(k)->fC, &(k)->bo, &(k)->ft, &(k)->sys_bo, &(k)->sys_top                    \
    }

KINLINE size_t trust_klen(const tr__trust *tr)
{
    return 3 * tr->n_schemes + 2;
}

KINLINE int cache_wanted(const tr__trust *tr)
{
    return tr->cash_noise == 0.0;
}

tr_status tr__kws_init(tr__kws *kw, const tr__plan *plan, tr_error *err)
{
    memset(kw, 0, sizeof *kw);
    kw->plan = plan;
    if (tr__ws_init(&kw->ws, plan, 0, err) != TR_OK) return TR_E_NOMEM;
    const tr_config *cfg = plan->cfg;
    tr__kscratch *k = calloc(1, sizeof *k);
    kw->k = k;
    if (!k) goto oom;
    size_t H = (size_t)plan->horizon, nt = plan->n_trusts, ms = 1, nstore = 0;
    for (size_t i = 0; i < nt; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        if (tr->n_schemes > ms) ms = tr->n_schemes;
        if (cache_wanted(tr)) nstore += 2 * (trust_klen(tr) + 2 * H);
    }
    k->H = H;
    k->ms = ms;
    double **dv[] = KS_LANE_ARRAYS(k);
    for (size_t j = 0; j < sizeof dv / sizeof *dv; j++)
        if (!(*dv[j] = calloc(C, sizeof(double)))) goto oom;
    k->z = calloc((plan->nz + 1) * C, sizeof *k->z);
    k->d = calloc(ms * C, sizeof *k->d);
    k->a = calloc(ms * C, sizeof *k->a);
    k->paper = calloc(ms * C, sizeof *k->paper);
    k->ev = calloc(C, sizeof *k->ev);
    k->diff = calloc((H + 2) * C, sizeof *k->diff);
    k->lina = calloc((H + 2) * C, sizeof *k->lina);
    k->linb = calloc((H + 2) * C, sizeof *k->linb);
    k->direct = calloc((H + 2) * C, sizeof *k->direct);
    k->oneoff = calloc((H + 2) * C, sizeof *k->oneoff);
    k->noise = calloc((H + 2) * C, sizeof *k->noise);
    k->bm = calloc(H * C, sizeof *k->bm);
    k->cm = calloc(H * C, sizeof *k->cm);
    k->fail = calloc(C, sizeof *k->fail);
    k->nf8 = calloc(C, sizeof *k->nf8);
    k->src = calloc(C, sizeof *k->src);
    k->code = calloc(C, sizeof *k->code);
    k->bits = calloc(C, sizeof *k->bits);
    k->how = calloc(C, sizeof *k->how);
    k->eb_lo = calloc(EB_N + 2, sizeof *k->eb_lo);
    k->eb_hi = calloc(EB_N + 2, sizeof *k->eb_hi);
    k->todo = calloc(C, sizeof *k->todo);
    k->q = calloc(plan->n_consortia * H * C + 1, sizeof *k->q);
    k->nfail = calloc(C, sizeof *k->nfail);
    k->ent = calloc(2 * nt, sizeof *k->ent);
    k->lru = calloc(nt, sizeof *k->lru);
    k->store = calloc(nstore + 1, sizeof *k->store);
    if (!k->z || !k->d || !k->a || !k->paper || !k->ev || !k->diff || !k->lina || !k->linb ||
        !k->direct || !k->oneoff || !k->noise || !k->bm || !k->cm || !k->fail || !k->nf8 ||
        !k->src || !k->code || !k->bits || !k->how || !k->eb_lo || !k->eb_hi || !k->todo || !k->q ||
        !k->nfail || !k->ent || !k->lru || !k->store)
        goto oom;
    double *p = k->store;
    for (size_t i = 0; i < nt; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        if (!cache_wanted(tr)) continue;
        for (int e = 0; e < 2; e++) {
            kentry *en = &k->ent[2 * i + (size_t)e];
            en->key = p;
            p += trust_klen(tr);
            en->cash = p;
            p += H;
            en->bm = p;
            p += H;
        }
    }
    /* Cell 0 holds e < e_0, cell j (1..EB_N) e in [e_{j-1}, e_j), cell EB_N + 1
     * e >= e_EB_N; Phi there lies in [eb_lo, eb_hi] (see lanes_event). */
    k->eb_lo[0] = 0.0;
    k->eb_hi[EB_N + 1] = 2.0;
    for (size_t j = 0; j <= EB_N; j++) {
        double b = tr__vnorm_cdf(-EB_L + (double)j / EB_PER);
        k->eb_hi[j] = b * (1.0 + EB_M);
        k->eb_lo[j + 1] = b * (1.0 - EB_M);
    }
    return TR_OK;
oom:
    tr__kws_free(kw);
    return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                        "out of memory allocating a thread's kernel workspace");
}

void tr__kws_free(tr__kws *kw)
{
    if (!kw) return;
    tr__ws_free(&kw->ws);
    tr__kscratch *k = kw->k;
    if (k) {
        double **lv[] = KS_LANE_ARRAYS(k);
        for (size_t j = 0; j < sizeof lv / sizeof *lv; j++)
            free(*lv[j]);
        double *dv[] = {k->z,      k->d,     k->a,  k->diff, k->lina, k->linb, k->direct,
                        k->oneoff, k->noise, k->bm, k->cm,   k->q,    k->store};
        for (size_t j = 0; j < sizeof dv / sizeof *dv; j++)
            free(dv[j]);
        free(k->paper);
        free(k->ev);
        free(k->fail);
        free(k->nf8);
        free(k->src);
        free(k->code);
        free(k->bits);
        free(k->how);
        free(k->eb_lo);
        free(k->eb_hi);
        free(k->todo);
        free(k->nfail);
        free(k->ent);
        free(k->lru);
        free(k);
    }
    memset(kw, 0, sizeof *kw);
}

/* ---- section 3: factors ------------------------------------------------- */

KINLINE void lanes_factors(tr__kws *kw)
{
    const tr__plan *pl = kw->plan;
    tr__kscratch *k = kw->k;
    const size_t n = k->n;
    for (size_t j = 0; j < pl->nz; j++) {
        double *z = k->z + j * C;
        tr__rng_u64_lanes(k->key, pl->own_z[j], 0, k->first, n, k->u);
        tr__vnorm_inv_block(k->u, z, n);
    }
    kw->census.u64 += pl->nz * n;
    kw->census.normals += pl->nz * n;
    if (tr__t_copula(pl->cfg)) {
        double dof = pl->cfg->dof;
        tr__rng_u64_lanes(k->key, pl->own_chi2, 0, k->first, n, k->u);
        kw->census.u64 += n;
        for (size_t l = 0; l < n; l++)
            k->ts[l] = 1.0 / sqrt(tr__chi2_inv(k->u[l], dof) / dof);
    } else {
        for (size_t l = 0; l < n; l++)
            k->ts[l] = 1.0;
    }
}

/* Importance sampling: each shifted slot's draws become mu + E, and each
 * lane's weight is its likelihood ratio (slot by slot, as sim.c). */
KINLINE void lanes_shift(tr__kws *kw, double *restrict w)
{
    const tr__plan *pl = kw->plan;
    tr__kscratch *k = kw->k;
    const size_t n = k->n;
    double logl[C];
    for (size_t l = 0; l < n; l++)
        logl[l] = pl->mu_half;
    for (size_t j = 0; j < pl->nz; j++) {
        double mu = pl->mu_z[j];
        if (mu == 0.0) continue;
        double *restrict z = k->z + j * C;
        for (size_t l = 0; l < n; l++) {
            z[l] += mu;
            logl[l] -= mu * z[l];
        }
    }
    for (size_t l = 0; l < n; l++)
        w[l] = tr__weight_of(logl[l]);
}

/* ---- section 5: a scheme's elements over the lanes ---------------------- */

/* The factors' part of a latent variable, m = sum_k w_k Z_k (as sim.c's
 * factor_sum: from 0, term by term), into k->m. */
KINLINE void lanes_factor_sum(tr__kws *kw, const tr__loadings *L, size_t trust)
{
    tr__kscratch *k = kw->k;
    const size_t n = k->n;
    double *restrict m = k->m;
    for (size_t l = 0; l < n; l++)
        m[l] = 0.0;
    for (size_t j = 0; j < L->n; j++) {
        const double *restrict z = k->z + tr__factor_slot(kw->plan, L->factor[j], trust) * C;
        double w = L->weight[j];
        for (size_t l = 0; l < n; l++)
            m[l] += w * z[l];
    }
}

/* U[l] = T(x[l]) for |x[l]| <= TR__TC_L: tr__tcdf_eval's T from the table,
 * tr__tc_interp's arithmetic to the bit, in a form GCC 12 vectorises (with
 * tr__tc_interp itself the loop stayed scalar in every clone): the cell as
 * an int32_t, converted to double as such and widened for the loads, and
 * clamped before the cast, which gives the same cell since pos lies in
 * [0, TR__TC_N]. *far says whether some lane lies beyond the table. */
KINLINE void lanes_tc(const tr__tcdf *tc, const double *restrict x, double *restrict U, size_t n,
                      int *far)
{
    const double *restrict g = tc->g, *restrict dg = tc->dg;
    int f = 0;
    for (size_t l = 0; l < n; l++) {
        double ax = tr__vabs(x[l]);
        f |= ax > TR__TC_L;
        double pos = (-(ax > TR__TC_L ? TR__TC_L : ax) + TR__TC_L) * TR__TC_PER;
        int32_t k32 = (int32_t)(pos < TR__TC_N - 1 ? pos : TR__TC_N - 1);
        int64_t k = k32;
        double s = pos - (double)k32, s2 = s * s, s3 = s2 * s;
        double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2,
               h11 = s3 - s2;
        double v = tr__vexp(h00 * g[k] + h10 * dg[k] + h01 * g[k + 1] + h11 * dg[k + 1]);
        U[l] = tr__clamp_u(x[l] <= 0.0 ? v : 1.0 - v);
    }
    *far = f;
}

/* U of a continuous element (element `el` of `owner`, loadings L) into
 * k->U: the copula of sim.c's element_u, lane by lane. */
KINLINE void lanes_element_u(tr__kws *kw, const tr__loadings *L, size_t trust, uint64_t owner,
                             uint32_t el)
{
    const tr__plan *pl = kw->plan;
    tr__kscratch *k = kw->k;
    const size_t n = k->n;
    double *u = k->u, *x = k->x, *U = k->U;
    tr__rng_u64_lanes(k->key, owner, el, k->first, n, u);
    kw->census.u64 += n;
    if (tr__plain(pl, L)) {
        for (size_t l = 0; l < n; l++)
            U[l] = tr__clamp_u(u[l]);
        return;
    }
    kw->census.normals += n;
    tr__vnorm_inv_block(u, x, n);
    if (L->n > 0) {
        for (size_t l = 0; l < n; l++)
            x[l] *= L->resid;
        for (size_t j = 0; j < L->n; j++) {
            const double *z = k->z + tr__factor_slot(pl, L->factor[j], trust) * C;
            double w = L->weight[j];
            for (size_t l = 0; l < n; l++)
                x[l] += w * z[l];
        }
    }
    for (size_t l = 0; l < n; l++)
        x[l] = x[l] * k->ts[l];
    if (!tr__t_copula(pl->cfg)) {
        for (size_t l = 0; l < n; l++)
            U[l] = tr__clamp_u(tr__vnorm_cdf(x[l]));
    } else if (pl->tcdf) {
        /* tr__latent_to_u's t CDF from the table, in a loop that vectorises,
         * then the rare lanes beyond the table (|x| > 16) from GSL */
        int far = 0;
        lanes_tc(pl->tcdf, x, U, n, &far);
        if (far)
            for (size_t l = 0; l < n; l++)
                if (x[l] < -TR__TC_L || x[l] > TR__TC_L) U[l] = tr__latent_to_u(pl, x[l]);
    } else {
        for (size_t l = 0; l < n; l++)
            U[l] = tr__latent_to_u(pl, x[l]);
    }
}

/* A continuous element's value over the lanes into out: F^{-1}(1 - U)
 * (flip) or F^{-1}(U), or the fixed value without a draw. */
KINLINE void lanes_value(tr__kws *kw, const tr__dist *d, const tr__qtable *t,
                         const tr__loadings *own, size_t trust, uint64_t owner, uint32_t el,
                         int flip, double *out)
{
    tr__kscratch *k = kw->k;
    if (!tr__is_random(d)) {
        for (size_t l = 0; l < k->n; l++)
            out[l] = d->value;
        return;
    }
    lanes_element_u(kw, tr__pick(d, own), trust, owner, el);
    tr__dist_quantile_n(d, t, k->U, flip, out, k->n);
}

/* Was the memo's threshold e computed from this c, these loadings and the
 * same factor draws? Then e, a pure function of them, is the same bits. */
KINLINE int same_threshold(const tr__kws *kw, double c, const tr__loadings *L, size_t trust)
{
    const tr__kscratch *k = kw->k;
    if (L->n != k->ev_nl || c != k->ev_kc || L->resid != k->ev_kr) return 0;
    for (size_t j = 0; j < L->n; j++)
        if (L->weight[j] != k->ev_kw[j] ||
            tr__factor_slot(kw->plan, L->factor[j], trust) != k->ev_ks[j])
            return 0;
    return 1;
}

KINLINE void set_threshold_key(tr__kws *kw, double c, const tr__loadings *L, size_t trust)
{
    tr__kscratch *k = kw->k;
    k->ev_nl = L->n <= EV_KEY ? L->n : SIZE_MAX;
    if (L->n > EV_KEY) return;
    k->ev_kc = c;
    k->ev_kr = L->resid;
    for (size_t j = 0; j < L->n; j++) {
        k->ev_kw[j] = L->weight[j];
        k->ev_ks[j] = tr__factor_slot(kw->plan, L->factor[j], trust);
    }
}

/* k->ev[l] = u[l] > Phi(e), e = k->ev_e[l], mostly without Phi: e's cell
 * (kscratch) brackets the bits tr__vnorm_cdf(e) gives between eb_lo and
 * eb_hi, so u above the one or not above the other decides. Computed Phi
 * is within 6e-16 of the true, increasing Phi (relative; vmath.h), and
 * the cell of a computed q is off by at most a few units of 2^-44 in e,
 * moving Phi by under 1e-13 relative (|Phi'/Phi| <= 9.1 for e >= -9):
 * both far inside the margin EB_M. Only the lanes in a bracket (under 1 %:
 * the bracket is at most 0.4 / EB_PER + 2 EB_M wide) or with e NaN take
 * Phi itself, the same bits as ever. */
KINLINE void lanes_event_bracketed(const double *restrict e, const double *restrict u,
                                   const double *restrict lo, const double *restrict hi,
                                   uint8_t *restrict ev, int64_t *restrict how, size_t n)
{
    /* how[l]: 1 above the bracket, 0 below, 2 in it (int64_t: GCC 12
     * vectorises a loop over doubles for AVX-512 only without byte stores) */
    int64_t any = 0;
    for (size_t l = 0; l < n; l++) {
        double q = (e[l] + EB_L) * EB_PER + 1.0;
        q = q > 0.0 ? q : 0.0; /* NaN too: decided by Phi below */
        q = q < EB_N + 1.0 ? q : EB_N + 1.0;
        int64_t j = (int32_t)q;
        int64_t above = u[l] > hi[j], below = u[l] <= lo[j];
        int64_t h = (above | below) & (e[l] == e[l]) ? above : 2;
        how[l] = h;
        any |= h;
    }
    for (size_t l = 0; l < n; l++)
        ev[l] = (uint8_t)(how[l] & 1);
    if (!(any & 2)) return;
    for (size_t l = 0; l < n; l++)
        if (how[l] == 2) ev[l] = u[l] > tr__vnorm_cdf(e[l]);
}

/* An event of probability p over the lanes into k->ev (sim.c's event(): U >
 * 1 - p, decided as u > Phi(e) under loadings or the t copula). */
KINLINE void lanes_event(tr__kws *kw, uint64_t owner, uint32_t el, double p, double c,
                         const tr__loadings *L, size_t trust)
{
    const tr__plan *pl = kw->plan;
    tr__kscratch *k = kw->k;
    const size_t n = k->n;
    if (p <= 0.0 || p >= 1.0) {
        memset(k->ev, p >= 1.0, n);
        return;
    }
    double *restrict u = k->u;
    tr__rng_u32_lanes(k->key, owner, el, k->first, n, u);
    kw->census.u32 += n;
    if (tr__plain(pl, L)) {
        double lim = 1.0 - p;
        uint8_t *restrict ev = k->ev;
        for (size_t l = 0; l < n; l++)
            ev[l] = tr__clamp_u(u[l]) > lim;
        return;
    }
    double r = L->resid;
    const double *restrict ts = k->ts, *restrict m = k->m;
    double *restrict ev_e = k->ev_e, *restrict ev_u = k->ev_u;
    uint8_t *restrict ev = k->ev;
    if (r > 0.0 && same_threshold(kw, c, L, trust)) {
        /* the same c, loadings and factor draws as the memo's: the same e,
         * shared by all the schemes so loaded (the credit portfolio) */
        if (!k->ev_u_ok)
            for (size_t l = 0; l < n; l++)
                ev_u[l] = tr__vnorm_cdf(ev_e[l]);
        k->ev_u_ok = 1;
        for (size_t l = 0; l < n; l++)
            ev[l] = u[l] > ev_u[l];
        return;
    }
    lanes_factor_sum(kw, L, trust);
    if (r > 0.0) {
        for (size_t l = 0; l < n; l++)
            ev_e[l] = (c / ts[l] - m[l]) / r;
        set_threshold_key(kw, c, L, trust);
        k->ev_u_ok = 0;
        lanes_event_bracketed(ev_e, u, k->eb_lo, k->eb_hi, ev, k->how, n);
    } else {
        for (size_t l = 0; l < n; l++)
            ev[l] = m[l] * ts[l] > c; /* fully loaded: the own draw plays no part */
    }
}

/* Scheme s (global index; j within trust i) over the lanes: its delivered
 * fraction, actual start and paper flag into row j of k->d, k->a, k->paper,
 * and its shortfall into out->sf (docs/model.md section 5). */
KINLINE void lanes_scheme(tr__kws *kw, size_t i, size_t j, size_t s, tr__chunk_out *out)
{
    const tr__plan *pl = kw->plan;
    const tr__scheme *sc = &pl->cfg->trusts[i].schemes[j];
    tr__kscratch *k = kw->k;
    const size_t n = k->n;
    tr__qtable *const *q = &pl->sq[s * TR__SQ_COUNT];
    const uint64_t own = pl->own_scheme[s];
    const double *c = &pl->ev_c[s * TR__EV_COUNT];
    const tr__loadings *L = &sc->loadings;
    double *d = k->d + j * C, *a = k->a + j * C, *y = k->w;
    uint8_t *paper = k->paper + j * C;

    lanes_event(kw, own, TR__EL_PAPER, sc->paper, c[TR__EV_PAPER], L, i);
    memcpy(paper, k->ev, n);
    /* d = 0 if paper, else d0 (C ? r : 1) */
    lanes_value(kw, &sc->delivery, q[TR__SQ_DELIVERY], L, i, own, TR__EL_DELIVERY, 1, d);
    if (sc->has_compromise) {
        lanes_event(kw, own, TR__EL_COMPROMISE, sc->compromise_probability, c[TR__EV_COMPROMISE], L,
                    i);
        lanes_value(kw, &sc->retained, q[TR__SQ_RETAINED], L, i, own, TR__EL_RETAINED, 1, k->v);
        for (size_t l = 0; l < n; l++)
            d[l] = d[l] * (k->ev[l] ? k->v[l] : 1.0);
    } else {
        for (size_t l = 0; l < n; l++)
            d[l] = d[l] * 1.0;
    }
    for (size_t l = 0; l < n; l++)
        if (paper[l]) d[l] = 0.0;
    /* a = start - 1 + max(0, slip) + (S ? max(0, delay) : 0) */
    lanes_value(kw, &sc->slippage, q[TR__SQ_SLIPPAGE], L, i, own, TR__EL_SLIPPAGE, 0, a);
    for (size_t l = 0; l < n; l++)
        y[l] = 0.0;
    if (sc->has_stay) {
        lanes_event(kw, own, TR__EL_STAY, sc->stay_probability, c[TR__EV_STAY], L, i);
        lanes_value(kw, &sc->stay_delay, q[TR__SQ_STAYDELAY], L, i, own, TR__EL_STAYDELAY, 0, k->v);
        for (size_t l = 0; l < n; l++)
            if (k->ev[l]) y[l] = tr__max0(k->v[l]);
    }
    double H = (double)pl->horizon, start = sc->start_month - 1.0;
    double *sf = out->sf + s * C;
    for (size_t l = 0; l < n; l++) {
        a[l] = start + tr__max0(a[l]) + y[l];
        double booked =
            d[l] * sc->saving / 12.0 * tr__booked_total(a[l], sc->ramp_months, sc->recurrent, H);
        sf[l] = pl->plan_total[s] - booked;
    }
}

/* Income and cost growth over the lanes: g_I = F^{-1}(1 - U), g_C = F^{-1}(U). */
KINLINE void lanes_growth(tr__kws *kw, size_t i)
{
    const tr__plan *pl = kw->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    tr__kscratch *k = kw->k;
    const uint64_t own = pl->own_trust[i];
    lanes_value(kw, &tr->income_growth, pl->tq[i * TR__TQ_COUNT + TR__TQ_INCOME], &tr->loadings, i,
                own, TR__EL_INCOME_GROWTH, 1, k->gI);
    lanes_value(kw, &tr->cost_growth, pl->tq[i * TR__TQ_COUNT + TR__TQ_COST], &tr->loadings, i, own,
                TR__EL_COST_GROWTH, 0, k->gC);
}

/* ---- the repeat cache ---------------------------------------------------- */

/* Does lane l's outcome of trust i equal entry en's key? (== as sim.c compares) */
KINLINE int same_outcome(const tr__kscratch *k, const tr__trust *tr, const kentry *en, size_t l)
{
    const double *key = en->key;
    size_t ns = tr->n_schemes;
    for (size_t j = 0; j < ns; j++)
        if (!(key[3 * j] == k->d[j * C + l] && key[3 * j + 1] == k->a[j * C + l] &&
              key[3 * j + 2] == (double)k->paper[j * C + l]))
            return 0;
    return key[3 * ns] == k->gI[l] && key[3 * ns + 1] == k->gC[l];
}

KINLINE void set_key(const tr__kscratch *k, const tr__trust *tr, kentry *en, size_t l)
{
    size_t ns = tr->n_schemes;
    for (size_t j = 0; j < ns; j++) {
        en->key[3 * j] = k->d[j * C + l];
        en->key[3 * j + 1] = k->a[j * C + l];
        en->key[3 * j + 2] = (double)k->paper[j * C + l];
    }
    en->key[3 * ns] = k->gI[l];
    en->key[3 * ns + 1] = k->gC[l];
}

/* ---- section 6: a trust's months over its compute slots ----------------- */

/* Month t (dt) of the compute slots: the reference simulator's month
 * (sim.c), without branches. Its own function, with every array a restrict
 * parameter and the failure month a double: only so does GCC 12 vectorise
 * the loop. The state carried from month to month: run, ra, rb (the
 * booking's prefix sums), inc, exp_, cash, bo and ft (the failure month, 0
 * while none). */
KINLINE void month(double *restrict run, double *restrict ra, double *restrict rb,
                   double *restrict inc, double *restrict exp_, double *restrict cash,
                   double *restrict bo, double *restrict ft, const double *restrict fI,
                   const double *restrict fC, const double *restrict df, const double *restrict la,
                   const double *restrict lb, const double *restrict dr, const double *restrict oo,
                   const double *restrict nz, double *restrict bm, double *restrict cm, double fx,
                   double dt, size_t nslot, double floor_, double buffer)
{
    for (size_t sl = 0; sl < nslot; sl++) {
        run[sl] += df[sl];
        ra[sl] += la[sl];
        rb[sl] += lb[sl];
        double savings = run[sl] + (ra[sl] + rb[sl] * dt) + dr[sl];
        double flow = inc[sl] - exp_[sl] - fx + savings - oo[sl] + nz[sl];
        double pre = cash[sl] + flow;
        int under = pre < floor_;
        double b = under ? floor_ + buffer - pre : 0.0;
        cash[sl] = under ? pre + b : pre;
        ft[sl] = under && ft[sl] == 0.0 ? dt : ft[sl];
        bo[sl] += b;
        bm[sl] = b;
        cm[sl] = cash[sl];
        inc[sl] *= fI[sl];
        exp_[sl] *= fC[sl];
    }
}

KINLINE void slots_months(tr__kws *kw, size_t i, size_t nslot)
{
    const tr__plan *pl = kw->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    tr__kscratch *k = kw->k;
    const int H = pl->horizon;
    const size_t Hs = (size_t)H;
    for (size_t t = 0; t < Hs + 2; t++) /* only the slots' columns are read */
        for (size_t sl = 0; sl < nslot; sl++) {
            k->diff[t * C + sl] = 0.0;
            k->lina[t * C + sl] = 0.0;
            k->linb[t * C + sl] = 0.0;
            k->direct[t * C + sl] = 0.0;
            k->oneoff[t * C + sl] = 0.0;
            k->noise[t * C + sl] = 0.0;
        }
    for (size_t j = 0; j < tr->n_schemes; j++) {
        const tr__scheme *sc = &tr->schemes[j];
        for (size_t sl = 0; sl < nslot; sl++) {
            size_t l = k->todo[sl];
            double d = k->d[j * C + l], a = k->a[j * C + l];
            tr__booking bk = {k->diff + sl, k->lina + sl, k->linb + sl, k->direct + sl, C};
            tr__book_savings(&bk, H, d * sc->saving / 12.0, a, sc->ramp_months, sc->recurrent);
            if (!k->paper[j * C + l] && sc->one_off_cost != 0.0) {
                double m = floor(a) + 1.0; /* in double: a may be huge or infinite */
                if (m <= (double)H) k->oneoff[(size_t)m * C + sl] += sc->one_off_cost;
            }
        }
    }
    if (tr->cash_noise > 0.0) { /* no cache: slot sl is lane sl */
        for (int t = 1; t <= H; t++) {
            double *nz = k->noise + (size_t)t * C;
            tr__rng_u64_lanes(k->key, pl->own_noise[i], (uint32_t)(t - 1), k->first, nslot, k->u);
            tr__vnorm_inv_block(k->u, nz, nslot);
            for (size_t sl = 0; sl < nslot; sl++)
                nz[sl] = tr->cash_noise * nz[sl];
        }
        kw->census.u64 += Hs * nslot;
        kw->census.normals += Hs * nslot;
    }
    double floor_ = tr->min_cash - tr->facility, buffer = tr->bailout_buffer;
    for (size_t sl = 0; sl < nslot; sl++) {
        size_t l = k->todo[sl];
        k->fI[sl] = tr__monthly_factor(k->gI[l]);
        k->fC[sl] = tr__monthly_factor(k->gC[l]);
        k->inc[sl] = tr->income / 12.0;
        k->exp_[sl] = tr->expenditure / 12.0;
        k->cash[sl] = tr->cash;
        k->bo[sl] = 0.0;
        k->run[sl] = 0.0;
        k->ra[sl] = 0.0;
        k->rb[sl] = 0.0;
        k->ft[sl] = 0.0;
    }
    const double *fixed = pl->fixed + i * Hs;
    for (size_t t = 1; t <= Hs; t++) {
        size_t o = t * C;
        month(k->run, k->ra, k->rb, k->inc, k->exp_, k->cash, k->bo, k->ft, k->fI, k->fC,
              k->diff + o, k->lina + o, k->linb + o, k->direct + o, k->oneoff + o, k->noise + o,
              k->bm + o - C, k->cm + o - C, fixed[t - 1], (double)t, nslot, floor_, buffer);
    }
    for (size_t sl = 0; sl < nslot; sl++)
        k->fail[sl] = (uint8_t)k->ft[sl];
}

/* ---- a trust, and who pays ----------------------------------------------- */

/* Add B_t of lane l (from `bm`, element t at [t * stride]) into the
 * requests of trust tr's commissioners (section 7; as sim.c: trusts in
 * order, each of its commissioners, months in order). */
KINLINE void add_requests(tr__kscratch *k, const tr__trust *tr, size_t l, const double *bm,
                          size_t stride)
{
    const size_t Hs = k->H;
    for (size_t c = 0; c < tr->n_commissioners; c++) {
        double sh = tr->commissioners[c].share;
        double *q = k->q + (size_t)tr->commissioners[c].consortium * Hs * C;
        for (size_t t = 0; t < Hs; t++)
            q[t * C + l] += sh * bm[t * stride];
    }
}

/* A new cash row of trust i in out holding `cash` (element t at [t * stride]). */
KINLINE uint16_t new_row(tr__chunk_out *out, size_t i, size_t H, const double *cash, size_t stride)
{
    uint16_t r = out->nrows[i]++;
    double *row = out->cash + (i * C + r) * H;
    for (size_t t = 0; t < H; t++)
        row[t] = cash[t * stride];
    return r;
}

/* Lane l of trust i takes cache entry en's outcome (complete). */
KINLINE void lane_from_entry(tr__kscratch *k, const tr__trust *tr, size_t i, size_t l, kentry *en,
                             tr__chunk_out *out)
{
    k->lfail[l] = en->fail;
    k->lbo[l] = en->bo;
    if (en->row < 0) en->row = new_row(out, i, k->H, en->cash, 1);
    out->cref[i * C + l] = (uint16_t)en->row;
    if (en->bo != 0.0) add_requests(k, tr, l, en->bm, 1);
}

/* An event-only trust's lanes whose outcome code is that of a complete
 * cache entry take its outcome at once, in one pass over the lanes (the
 * common case: most lanes repeat one of two outcomes); k->src[l] is then -1
 * for them and -2 for the lanes plan_slots must still decide. Returns
 * whether any lane is left to decide. */
KINLINE int hits_eo(tr__kscratch *k, const tr__trust *tr, size_t i, tr__chunk_out *out)
{
    const size_t n = k->n;
    kentry *ent = &k->ent[2 * i];
    /* codes use at most 63 bits, so an all-ones code matches no lane */
    uint64_t c0 = ent[0].valid && ent[0].slot < 0 ? ent[0].code : UINT64_MAX;
    uint64_t c1 = ent[1].valid && ent[1].slot < 0 ? ent[1].code : UINT64_MAX;
    const uint64_t *restrict code = k->code;
    int any0 = 0, any1 = 0, left = 0;
    for (size_t l = 0; l < n; l++) {
        int h0 = code[l] == c0, h1 = code[l] == c1;
        any0 |= h0;
        any1 |= h1;
        left |= !(h0 | h1);
    }
    int *restrict src = k->src;
    if (!any0 && !any1) {
        for (size_t l = 0; l < n; l++)
            src[l] = -2;
        return 1;
    }
    uint16_t r0 = 0, r1 = 0;
    if (any0) r0 = (uint16_t)(ent[0].row = new_row(out, i, k->H, ent[0].cash, 1));
    if (any1) r1 = (uint16_t)(ent[1].row = new_row(out, i, k->H, ent[1].cash, 1));
    uint8_t f0 = ent[0].fail, f1 = ent[1].fail;
    double b0 = ent[0].bo, b1 = ent[1].bo;
    uint8_t *restrict lfail = k->lfail;
    double *restrict lbo = k->lbo;
    uint16_t *restrict cref = out->cref + i * C;
    /* One loop per output, so that each vectorises. A lane that hits
     * neither entry gets entry 1's outcome here and its own later
     * (plan_slots), so one compare decides. */
    uint8_t h0[C];
    for (size_t l = 0; l < n; l++)
        h0[l] = code[l] == c0;
    for (size_t l = 0; l < n; l++)
        lbo[l] = code[l] == c0 ? b0 : b1;
    for (size_t l = 0; l < n; l++)
        lfail[l] = h0[l] ? f0 : f1;
    for (size_t l = 0; l < n; l++)
        cref[l] = h0[l] ? r0 : r1;
    if (left)
        for (size_t l = 0; l < n; l++)
            src[l] = code[l] == c0 || code[l] == c1 ? -1 : -2;
    for (int e = 0; e < 2 && tr->n_commissioners > 0; e++) {
        uint64_t ce = e == 0 ? c0 : c1;
        if (ent[e].bo != 0.0 && (e == 0 ? any0 : any1))
            for (size_t l = 0; l < n; l++)
                if (code[l] == ce) add_requests(k, tr, l, ent[e].bm, 1);
    }
    k->lru[i] = (uint8_t)(code[n - 1] == c0 ? 1 : code[n - 1] == c1 ? 0 : k->lru[i]);
    return left;
}

/* Decide, lane by lane in path order, which lanes of trust i reuse a cached
 * outcome (their outputs are set at once, while the entry holds it) and
 * which need their months computed: k->src[l] is then lane l's compute slot
 * (k->todo lists the slots' lanes; a later lane with the same outcome
 * shares the slot). Returns the number of slots. */
KINLINE size_t plan_slots(tr__kws *kw, size_t i, tr__chunk_out *out)
{
    tr__kscratch *k = kw->k;
    const tr__trust *tr = &kw->plan->cfg->trusts[i];
    size_t nslot = 0;
    if (!cache_wanted(tr)) {
        for (size_t l = 0; l < k->n; l++) {
            k->src[l] = (int)l;
            k->todo[l] = l;
        }
        return k->n;
    }
    kentry *ent = &k->ent[2 * i];
    ent[0].row = ent[1].row = -1;
    const int eo = kw->plan->event_only[i];
    if (eo && !hits_eo(k, tr, i, out)) return 0;
    for (size_t l = 0; l < k->n; l++) {
        if (eo && k->src[l] == -1) continue; /* taken by hits_eo */
        int hit = -1;
        for (int e = 0; e < 2 && hit < 0; e++)
            if (ent[e].valid && (eo ? ent[e].code == k->code[l] : same_outcome(k, tr, &ent[e], l)))
                hit = e;
        if (hit >= 0) {
            k->lru[i] = (uint8_t)(1 - hit);
            if (ent[hit].slot >= 0) {
                k->src[l] = ent[hit].slot;
            } else {
                k->src[l] = -1;
                lane_from_entry(k, tr, i, l, &ent[hit], out);
            }
            continue;
        }
        int e = k->lru[i]; /* a new outcome replaces the entry used less recently */
        kentry *en = &ent[e];
        if (eo)
            en->code = k->code[l];
        else
            set_key(k, tr, en, l);
        en->valid = 1;
        en->slot = (int)nslot;
        en->row = -1;
        k->lru[i] = (uint8_t)(1 - e);
        k->src[l] = (int)nslot;
        k->todo[nslot++] = l;
    }
    return nslot;
}

/* After the months: lanes whose outcome was computed take their slot's, and
 * the cache entries waiting for a slot are filled. */
KINLINE void take_slots(tr__kws *kw, size_t i, size_t nslot, tr__chunk_out *out)
{
    tr__kscratch *k = kw->k;
    const tr__trust *tr = &kw->plan->cfg->trusts[i];
    const size_t H = k->H;
    if (nslot == 0) return;
    int rows[C];
    for (size_t sl = 0; sl < nslot; sl++)
        rows[sl] = new_row(out, i, H, k->cm + sl, C);
    for (size_t l = 0; l < k->n; l++) {
        int sl = k->src[l];
        if (sl < 0) continue;
        k->lfail[l] = k->fail[sl];
        k->lbo[l] = k->bo[sl];
        out->cref[i * C + l] = (uint16_t)rows[sl];
        if (k->bo[sl] != 0.0) add_requests(k, tr, l, k->bm + sl, C);
    }
    if (!cache_wanted(tr)) return;
    for (int e = 0; e < 2; e++) {
        kentry *en = &k->ent[2 * i + (size_t)e];
        if (!en->valid || en->slot < 0) continue;
        size_t sl = (size_t)en->slot;
        en->fail = k->fail[sl];
        en->bo = k->bo[sl];
        for (size_t t = 0; t < H; t++) {
            en->cash[t] = k->cm[t * C + sl];
            en->bm[t] = k->bm[t * C + sl];
        }
        en->slot = -1;
    }
}

/* An event-only trust's schemes over the lanes (plan.h): each scheme's
 * events, its shortfall from the plan's table, and each lane's outcome code
 * (3 bits a scheme) into k->code. */
KINLINE void lanes_schemes_eo(tr__kws *kw, size_t i, tr__chunk_out *out)
{
    const tr__plan *pl = kw->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    tr__kscratch *k = kw->k;
    const size_t n = k->n, s0 = pl->scheme_base[i];
    for (size_t l = 0; l < n; l++)
        k->code[l] = 0;
    for (size_t j = 0; j < tr->n_schemes; j++) {
        const tr__scheme *sc = &tr->schemes[j];
        size_t s = s0 + j;
        const uint64_t own = pl->own_scheme[s];
        const double *c = &pl->ev_c[s * TR__EV_COUNT];
        lanes_event(kw, own, TR__EL_PAPER, sc->paper, c[TR__EV_PAPER], &sc->loadings, i);
        memcpy(k->bits, k->ev, n);
        if (sc->has_compromise) {
            lanes_event(kw, own, TR__EL_COMPROMISE, sc->compromise_probability,
                        c[TR__EV_COMPROMISE], &sc->loadings, i);
            for (size_t l = 0; l < n; l++)
                k->bits[l] |= (uint8_t)(k->ev[l] << 1);
        }
        if (sc->has_stay) {
            lanes_event(kw, own, TR__EL_STAY, sc->stay_probability, c[TR__EV_STAY], &sc->loadings,
                        i);
            for (size_t l = 0; l < n; l++)
                k->bits[l] |= (uint8_t)(k->ev[l] << 2);
        }
        const double *restrict t = pl->eo_tab + s * 24;
        double *restrict sf = out->sf + s * C;
        const uint8_t *restrict bits = k->bits;
        uint64_t *restrict code = k->code;
        /* sf = the table's shortfall for the lane's bits, by selects (which
         * vectorise, where an indexed load would not) */
        const double t0 = t[2], t1 = t[5], t2 = t[8], t3 = t[11], t4 = t[14], t5 = t[17],
                     t6 = t[20], t7 = t[23];
        if (!sc->has_compromise && !sc->has_stay) { /* bits 0 or 1: one select */
            for (size_t l = 0; l < n; l++)
                sf[l] = bits[l] ? t1 : t0;
            for (size_t l = 0; l < n; l++)
                code[l] |= (uint64_t)bits[l] << (3 * j);
            continue;
        }
        for (size_t l = 0; l < n; l++) {
            unsigned b = bits[l];
            double v01 = b & 1 ? t1 : t0, v23 = b & 1 ? t3 : t2, v45 = b & 1 ? t5 : t4,
                   v67 = b & 1 ? t7 : t6;
            double w0 = b & 2 ? v23 : v01, w1 = b & 2 ? v67 : v45;
            sf[l] = b & 4 ? w1 : w0;
            code[l] |= (uint64_t)b << (3 * j);
        }
    }
}

/* The schemes' d, a and paper of the lanes that compute their months, from
 * their codes, and the (fixed) growths. */
KINLINE void slots_from_codes(tr__kws *kw, size_t i, size_t nslot)
{
    const tr__plan *pl = kw->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    tr__kscratch *k = kw->k;
    const size_t s0 = pl->scheme_base[i];
    for (size_t sl = 0; sl < nslot; sl++) {
        size_t l = k->todo[sl];
        for (size_t j = 0; j < tr->n_schemes; j++) {
            unsigned b = (unsigned)(k->code[l] >> (3 * j)) & 7u;
            const double *t = pl->eo_tab + ((s0 + j) * 8 + b) * 3;
            k->d[j * C + l] = t[0];
            k->a[j * C + l] = t[1];
            k->paper[j * C + l] = (uint8_t)(b & 1);
        }
        k->gI[l] = tr->income_growth.value;
        k->gC[l] = tr->cost_growth.value;
    }
}

/* nfail += nf8, nf8 = 0. */
KINLINE void flush_nf8(tr__kscratch *k)
{
    for (size_t l = 0; l < k->n; l++) {
        k->nfail[l] += k->nf8[l];
        k->nf8[l] = 0;
    }
    k->nf8_trusts = 0;
}

/* Trust i over the lanes: schemes, growths, months, and its part of the
 * path totals (sim.c's tr__sim_trust). */
KINLINE void lanes_trust(tr__kws *kw, size_t i, tr__chunk_out *out)
{
    const tr__plan *pl = kw->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    tr__kscratch *k = kw->k;
    const size_t n = k->n, s0 = pl->scheme_base[i];
    size_t nslot;
    k->lfail = out->fail + i * C;
    k->lbo = out->bo + i * C;
    if (pl->event_only[i]) {
        lanes_schemes_eo(kw, i, out);
        nslot = plan_slots(kw, i, out);
        slots_from_codes(kw, i, nslot);
    } else {
        for (size_t j = 0; j < tr->n_schemes; j++)
            lanes_scheme(kw, i, j, s0 + j, out);
        lanes_growth(kw, i);
        nslot = plan_slots(kw, i, out);
    }
    if (nslot > 0) slots_months(kw, i, nslot);
    take_slots(kw, i, nslot, out);
    const uint8_t *restrict lfail = k->lfail;
    const double *restrict lbo = k->lbo;
    double *restrict sys_bo = k->sys_bo, *restrict sys_top = k->sys_top;
    uint8_t *restrict nf8 = k->nf8;
    double share = tr->national_share;
    /* trusts failing: counted in bytes, added into nfail every 255 trusts */
    for (size_t l = 0; l < n; l++)
        nf8[l] = (uint8_t)(nf8[l] + (lfail[l] != 0));
    if (++k->nf8_trusts == 255) flush_nf8(k);
    /* the path totals, in trust order; a lane without a bail-out adds zero,
     * which changes no total, so a trust without one is skipped */
    int any = 0;
    for (size_t l = 0; l < n; l++)
        any |= lbo[l] != 0.0;
    if (any)
        for (size_t l = 0; l < n; l++) {
            sys_bo[l] += lbo[l];
            sys_top[l] += share * lbo[l];
        }
}

/* Section 7 over the lanes: each consortium pays its requests month by
 * month from its reserve (sim.c's tr__sim_who_pays). */
KINLINE void lanes_who_pays(tr__kws *kw, tr__chunk_out *out)
{
    const tr_config *cfg = kw->plan->cfg;
    tr__kscratch *k = kw->k;
    const size_t Hs = k->H;
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        const double *q = k->q + c * Hs * C;
        for (size_t l = 0; l < k->n; l++) {
            double remaining = cfg->consortia[c].reserve, req = 0.0, paid = 0.0;
            int ex = 0;
            for (size_t t = 0; t < Hs; t++) {
                double qt = q[t * C + l];
                if (qt == 0.0) continue;
                double pay = qt <= remaining ? qt : remaining;
                if (qt > remaining && !ex) ex = (int)t + 1;
                remaining -= pay;
                req += qt;
                paid += pay;
            }
            out->req[c * C + l] = req;
            out->paid[c * C + l] = paid;
            out->exh[c * C + l] = (uint8_t)ex;
            k->sys_top[l] += req - paid;
        }
    }
}

KCLONES static void kernel_fast(tr__kws *kw, uint64_t seed, uint64_t first, size_t n,
                                tr__chunk_out *out)
{
    const tr__plan *pl = kw->plan;
    tr__kscratch *k = kw->k;
    k->key = tr__rng_key_of(seed);
    k->first = first;
    k->n = n;
    out->first = first;
    out->n = n;
    memset(out->nrows, 0, pl->n_trusts * sizeof *out->nrows);
    memset(k->q, 0, pl->n_consortia * k->H * C * sizeof *k->q);
    for (size_t l = 0; l < n; l++) {
        out->w[l] = 1.0;
        k->nfail[l] = 0;
        k->nf8[l] = 0;
        k->sys_bo[l] = 0.0;
        k->sys_top[l] = 0.0;
    }
    k->ev_nl = SIZE_MAX; /* no threshold memoised */
    lanes_factors(kw);
    if (pl->mu_z) lanes_shift(kw, out->w);
    for (size_t i = 0; i < pl->n_trusts; i++)
        lanes_trust(kw, i, out);
    flush_nf8(k);
    lanes_who_pays(kw, out);
    for (size_t l = 0; l < n; l++) {
        out->nfail[l] = k->nfail[l];
        out->sys_bo[l] = k->sys_bo[l];
        out->sys_top[l] = k->sys_top[l];
    }
}

const double *tr__kernel_last_z(const tr__kws *kw)
{
    return kw->k->z;
}

void tr__kernel_chunk_fast(tr__kws *kw, uint64_t seed, uint64_t first, size_t n, tr__chunk_out *out)
{
    kernel_fast(kw, seed, first, n, out);
}
