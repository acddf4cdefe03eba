/*
 * sim.c - one Monte Carlo path: savings schemes, trusts' cash, bail-outs and
 * who pays them (docs/model.md sections 3, 5, 6 and 7).
 *
 * Every uncertain element gets its uniform from rng.c at an address made of
 * what it is (trust, scheme, element), so the draw behind an element never
 * depends on the order of the config or on the thread. The copula turns the
 * element's own normal E and the path's factors Z into U:
 *     X = sum_k w_k Z_k + sqrt(1 - sum_k w_k^2) E,  U = Phi(X) or T_nu(X / sqrt(W / nu)),
 * with E = Phi^{-1}(u) from the element's uniform u; an element with no
 * loadings under the Gaussian copula takes U = u (the same number, without
 * the round trip). U is clamped to [2^-53, 1 - 2^-53] so that unbounded
 * distributions never see 0 or 1.
 *
 * Savings are integrated exactly over each month: a scheme's rate ramps
 * linearly from its actual start a over ramp_months, so the saving booked in
 * month t is k (G(t - a) - G(t - 1 - a)) with G the ramp's integral. Months
 * at full rate are added through a difference array, so a scheme costs
 * O(ramp) work rather than O(horizon).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "sim.h"

#define U_LO TR__U_LO
#define U_HI TR__U_HI

static double clamp_u(double u)
{
    return u < U_LO ? U_LO : (u > U_HI ? U_HI : u);
}

double tr__ramp_integral(double x, double ramp)
{
    if (!(x > 0.0)) return 0.0;
    if (ramp <= 0.0) return x;
    if (x <= ramp) return x * x / (2.0 * ramp);
    return x - 0.5 * ramp;
}

/* Savings booked over (0, min(upto, end) - a] at unit rate k = 1. */
static double booked_total(double a, double ramp, int recurrent, double horizon)
{
    double end = recurrent ? horizon : fmin(horizon, a + 12.0);
    return tr__ramp_integral(end - a, ramp);
}

/* Is the t copula computed as such? From TR_T_DOF_GAUSSIAN degrees of
 * freedom on it is indistinguishable from the Gaussian, and computed as the
 * Gaussian (model.h says why); the chi-square draw has its own address, so
 * every other draw is unchanged and results equal a Gaussian run's. */
static int t_copula(const tr_config *cfg)
{
    return cfg->copula == TR_COPULA_T && cfg->dof < TR_T_DOF_GAUSSIAN;
}

/* The latent threshold of an event of probability p: U > 1 - p exactly when
 * the copula's argument exceeds F^{-1}(1 - p), so an event needs no CDF. */
static double event_threshold(const tr_config *cfg, double p)
{
    if (p <= 0.0) return INFINITY;
    if (p >= 1.0) return -INFINITY;
    return t_copula(cfg) ? tr__t_inv(1.0 - p, cfg->dof) : tr__norm_inv(1.0 - p);
}

/* One distribution slot that wants a quantile table, and whose it is (for
 * messages: trust index, scheme index or SIZE_MAX for the trust's own, and
 * the member's name). */
typedef struct qjob {
    const tr_dist *d;
    tr__qtable **slot;
    size_t trust, scheme;
    const char *member;
} qjob;

static int cmp_shape(const void *x, const void *y)
{
    const tr_dist *a = ((const qjob *)x)->d, *b = ((const qjob *)y)->d;
    if (a->alpha != b->alpha) return a->alpha < b->alpha ? -1 : 1;
    if (a->beta != b->beta) return a->beta < b->beta ? -1 : 1;
    return 0;
}

typedef struct qbuild {
    qjob *first; /* the first job of each distinct shape */
    tr__qtable **out;
    tr_status *st;
} qbuild;

static void build_one(void *ctx, size_t i)
{
    qbuild *b = ctx;
    tr_error e;
    tr_error_init(&e);
    b->st[i] = tr__qtable_build(b->first[i].d, &b->out[i], &e);
    tr_error_clear(&e);
}

static int wants_table(const tr_dist *d)
{
    return (d->kind == TR_DIST_BETA || d->kind == TR_DIST_PERT) && d->max > d->min;
}

/* The table built for d's shapes (plan->qt is in cmp_shape order). */
static tr__qtable *find_table(const tr__plan *plan, const tr_dist *d)
{
    size_t lo = 0, hi = plan->n_qt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const tr__qtable *t = plan->qt[mid];
        double a = tr__qtable_alpha(t), b = tr__qtable_beta(t);
        if (a < d->alpha || (a == d->alpha && b < d->beta))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < plan->n_qt ? plan->qt[lo] : NULL;
}

/* Report a table that could not be built, at its distribution's JSON path
 * in the file (the loader's limits should make this unreachable). */
static tr_status table_failure(const tr_config *cfg, const qjob *j, tr_error *err)
{
    tr_error e;
    tr_error_init(&e);
    tr__qtable *t = NULL;
    tr_status st = tr__qtable_build(j->d, &t, &e); /* again, for its message */
    tr__qtable_free(t);
    if (st == TR_OK) st = TR_E_INTERNAL;
    const tr_trust *tr = &cfg->trusts[j->trust];
    char path[128];
    if (j->scheme == SIZE_MAX)
        snprintf(path, sizeof path, "trusts[%zu].%s", tr->file_index, j->member);
    else
        snprintf(path, sizeof path, "trusts[%zu].schemes[%zu].%s", tr->file_index,
                 tr->schemes[j->scheme].file_index, j->member);
    tr_error_add(err, st, cfg->source, path, 0, 0, "%s",
                 e.count ? e.diags[0].message : "cannot build this distribution's quantile table");
    tr_error_clear(&e);
    return st;
}

/*
 * Quantile tables depend only on the Beta shapes (alpha, beta), so one table
 * serves every distribution with the same shapes; the distinct ones are
 * built in parallel (a national config has thousands, at milliseconds each).
 */
static tr_status build_tables(tr__plan *plan, const tr_config *cfg, int threads, tr_error *err)
{
    /* Every slot that wants a table, with its distribution. */
    size_t cap = plan->n_schemes * TR__SQ_COUNT + plan->n_trusts * TR__TQ_COUNT + 1, nj = 0;
    qjob *jobs = malloc(cap * sizeof *jobs);
    if (!jobs) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    static const char *const tnames[TR__TQ_COUNT] = {"income_growth", "cost_growth"};
    static const char *const snames[TR__SQ_COUNT] = {"delivery", "slippage", "stay.delay",
                                                     "compromise.retained"};
    size_t s = 0;
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr_trust *tr = &cfg->trusts[i];
        const tr_dist *td[TR__TQ_COUNT] = {&tr->income_growth, &tr->cost_growth};
        for (int k = 0; k < TR__TQ_COUNT; k++)
            if (wants_table(td[k]))
                jobs[nj++] =
                    (qjob){td[k], &plan->tq[i * TR__TQ_COUNT + (size_t)k], i, SIZE_MAX, tnames[k]};
        for (size_t j = 0; j < tr->n_schemes; j++, s++) {
            const tr_scheme *sc = &tr->schemes[j];
            const tr_dist *sd[TR__SQ_COUNT] = {&sc->delivery, &sc->slippage,
                                               sc->has_stay ? &sc->stay_delay : NULL,
                                               sc->has_compromise ? &sc->retained : NULL};
            for (int k = 0; k < TR__SQ_COUNT; k++)
                if (sd[k] && wants_table(sd[k]))
                    jobs[nj++] =
                        (qjob){sd[k], &plan->sq[s * TR__SQ_COUNT + (size_t)k], i, j, snames[k]};
        }
    }
    /* One table per distinct shape, built in parallel. */
    qsort(jobs, nj, sizeof *jobs, cmp_shape);
    qjob *firsts = malloc((nj + 1) * sizeof *firsts);
    plan->qt = calloc(nj + 1, sizeof *plan->qt);
    tr_status *sts = calloc(nj + 1, sizeof *sts);
    tr_status st = TR_OK;
    if (!firsts || !plan->qt || !sts) {
        st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    } else {
        size_t nu = 0;
        for (size_t k = 0; k < nj; k++)
            if (k == 0 || cmp_shape(&jobs[k - 1], &jobs[k]) != 0) firsts[nu++] = jobs[k];
        qbuild b = {firsts, plan->qt, sts};
        tr__parallel_for(nu, threads, build_one, &b);
        plan->n_qt = nu;
        for (size_t k = 0; k < nu && st == TR_OK; k++)
            if (sts[k] != TR_OK) st = table_failure(cfg, &firsts[k], err);
        /* Point every slot at the table of its shape. */
        for (size_t k = 0; k < nj && st == TR_OK; k++)
            *jobs[k].slot = find_table(plan, jobs[k].d);
    }
    free(sts);
    free(firsts);
    free(jobs);
    return st;
}

tr_status tr__plan_init(tr__plan *plan, const tr_config *cfg, tr_error *err)
{
    return tr__plan_init_threads(plan, cfg, 0, err);
}

tr_status tr__plan_init_threads(tr__plan *plan, const tr_config *cfg, int threads, tr_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->cfg = cfg;
    plan->horizon = cfg->horizon;
    plan->n_trusts = cfg->n_trusts;
    plan->n_consortia = cfg->n_consortia;
    plan->n_schemes = cfg->n_schemes_total;
    size_t H = (size_t)cfg->horizon;

    plan->scheme_base = calloc(cfg->n_trusts + 1, sizeof *plan->scheme_base);
    plan->zoff = calloc(cfg->n_factors + 1, sizeof *plan->zoff);
    plan->sq = calloc(plan->n_schemes * TR__SQ_COUNT + 1, sizeof *plan->sq);
    plan->tq = calloc(plan->n_trusts * TR__TQ_COUNT + 1, sizeof *plan->tq);
    plan->fixed = calloc(plan->n_trusts * H + 1, sizeof *plan->fixed);
    plan->plan_total = calloc(plan->n_schemes + 1, sizeof *plan->plan_total);
    plan->ev_c = calloc(plan->n_schemes * 3 + 1, sizeof *plan->ev_c);
    if (!plan->ev_c || !plan->scheme_base || !plan->zoff || !plan->sq || !plan->tq ||
        !plan->fixed || !plan->plan_total) {
        tr__plan_free(plan);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory preparing the run");
    }

    size_t nz = 0;
    for (size_t f = 0; f < cfg->n_factors; f++) {
        plan->zoff[f] = nz;
        switch (cfg->factors[f].scope) {
        case TR_SCOPE_GLOBAL:
            nz += 1;
            break;
        case TR_SCOPE_CONSORTIUM:
            nz += cfg->n_consortia;
            break;
        case TR_SCOPE_TRUST:
            nz += cfg->n_trusts;
            break;
        }
    }
    plan->nz = nz;

    size_t s = 0;
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr_trust *tr = &cfg->trusts[i];
        plan->scheme_base[i] = s;
        double m = 1.0, step = pow(1.0 + tr->fixed_indexation, 1.0 / 12.0);
        for (size_t t = 0; t < H; t++) {
            plan->fixed[i * H + t] = tr->fixed_charges / 12.0 * m;
            m *= step;
        }
        for (size_t j = 0; j < tr->n_schemes; j++, s++) {
            const tr_scheme *sc = &tr->schemes[j];
            double probs[3] = {sc->paper, sc->has_compromise ? sc->compromise_probability : 0.0,
                               sc->has_stay ? sc->stay_probability : 0.0};
            for (int e = 0; e < 3; e++)
                plan->ev_c[s * 3 + (size_t)e] = event_threshold(cfg, probs[e]);
            plan->plan_total[s] = sc->saving / 12.0 *
                                  booked_total(sc->start_month - 1.0, sc->ramp_months,
                                               sc->recurrent, (double)cfg->horizon);
        }
    }
    plan->scheme_base[cfg->n_trusts] = s;
    tr_status st = build_tables(plan, cfg, threads, err);
    if (st == TR_OK && t_copula(cfg)) st = tr__tcdf_build(cfg->dof, &plan->tcdf, err);
    if (st != TR_OK) tr__plan_free(plan);
    return st;
}

void tr__plan_free(tr__plan *plan)
{
    if (!plan) return;
    if (plan->qt)
        for (size_t k = 0; k < plan->n_qt; k++)
            tr__qtable_free(plan->qt[k]);
    tr__tcdf_free(plan->tcdf);
    free(plan->qt);
    free(plan->scheme_base);
    free(plan->zoff);
    free(plan->sq);
    free(plan->tq);
    free(plan->fixed);
    free(plan->plan_total);
    free(plan->ev_c);
    memset(plan, 0, sizeof *plan);
}

tr_status tr__ws_init(tr__ws *ws, const tr__plan *plan, int with_trace, tr_error *err)
{
    memset(ws, 0, sizeof *ws);
    ws->plan = plan;
    size_t H = (size_t)plan->horizon, nt = plan->n_trusts, nc = plan->n_consortia;
    ws->z = calloc(plan->nz + 1, sizeof *ws->z);
    ws->sav = calloc(2 * (H + 2), sizeof *ws->sav);
    ws->oneoff = calloc(H + 2, sizeof *ws->oneoff);
    ws->fail_month = calloc(nt, sizeof *ws->fail_month);
    ws->bailout = calloc(nt, sizeof *ws->bailout);
    ws->cash = calloc(nt * H, sizeof *ws->cash);
    ws->bmonth = calloc(nt * H, sizeof *ws->bmonth);
    ws->shortfall = calloc(plan->n_schemes + 1, sizeof *ws->shortfall);
    ws->requested = calloc(nc + 1, sizeof *ws->requested);
    ws->paid = calloc(nc + 1, sizeof *ws->paid);
    ws->exhaust_month = calloc(nc + 1, sizeof *ws->exhaust_month);
    ws->q = calloc(nc * H + 1, sizeof *ws->q);
    ws->sdraw = calloc(plan->n_schemes + 1, sizeof *ws->sdraw);
    ws->have_prev = calloc(nt + 1, sizeof *ws->have_prev);
    ws->prev_g = calloc(2 * nt + 1, sizeof *ws->prev_g);
    ws->ev_e = NAN; /* no threshold memoised yet */
    int ok = ws->z && ws->sav && ws->oneoff && ws->fail_month && ws->bailout && ws->cash &&
             ws->bmonth && ws->shortfall && ws->requested && ws->paid && ws->exhaust_month &&
             ws->q && ws->sdraw && ws->have_prev && ws->prev_g;
    if (ok && with_trace) {
        ws->trace = calloc(nt * H * TR__TR_COUNT, sizeof *ws->trace);
        ws->tdraw = calloc(nt * 4, sizeof *ws->tdraw);
        ok = ws->trace && ws->tdraw;
    }
    if (!ok) {
        tr__ws_free(ws);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory allocating a thread's workspace");
    }
    return TR_OK;
}

void tr__ws_free(tr__ws *ws)
{
    if (!ws) return;
    free(ws->z);
    free(ws->sav);
    free(ws->oneoff);
    free(ws->fail_month);
    free(ws->bailout);
    free(ws->cash);
    free(ws->bmonth);
    free(ws->shortfall);
    free(ws->requested);
    free(ws->paid);
    free(ws->exhaust_month);
    free(ws->q);
    free(ws->trace);
    free(ws->sdraw);
    free(ws->have_prev);
    free(ws->prev_g);
    free(ws->tdraw);
    memset(ws, 0, sizeof *ws);
}

/* The factor draw that loading k of L refers to, for trust i. */
static double factor_value(const tr__ws *ws, int f, size_t trust)
{
    const tr__plan *pl = ws->plan;
    const tr_config *cfg = pl->cfg;
    size_t off = pl->zoff[f];
    switch (cfg->factors[f].scope) {
    case TR_SCOPE_CONSORTIUM:
        /* The loader guarantees a lead consortium wherever such a factor is loaded. */
        return ws->z[off + (size_t)cfg->trusts[trust].lead_consortium];
    case TR_SCOPE_TRUST:
        return ws->z[off + trust];
    default:
        return ws->z[off];
    }
}

/* The factors' part of an element's latent variable, sum_k w_k Z_k. */
static double factor_sum(const tr__ws *ws, const tr_loadings *L, size_t trust)
{
    double m = 0.0;
    for (size_t k = 0; k < L->n; k++)
        m += L->weight[k] * factor_value(ws, L->factor[k], trust);
    return m;
}

/* The copula's argument for an element whose own uniform is u: X, or
 * X / sqrt(W / nu) under the t copula. (It adds the loadings onto r E term
 * by term rather than calling factor_sum: a different order of the
 * floating-point additions would change every result's last bits.) */
static double element_latent(tr__ws *ws, const tr_loadings *L, size_t trust, double u)
{
    ws->n_normals++;
    double x = tr__norm_inv(u);
    if (L->n > 0) {
        x *= L->resid;
        for (size_t k = 0; k < L->n; k++)
            x += L->weight[k] * factor_value(ws, L->factor[k], trust);
    }
    return x * ws->tscale;
}

/* Is U simply the element's own uniform (no loadings, Gaussian copula)? */
static int plain(const tr__ws *ws, const tr_loadings *L)
{
    return L->n == 0 && !t_copula(ws->plan->cfg);
}

static double latent_to_u(const tr__ws *ws, double x)
{
    const tr_config *cfg = ws->plan->cfg;
    if (!t_copula(cfg)) return clamp_u(tr__norm_cdf(x));
    const tr__tcdf *t = ws->plan->tcdf;
    return clamp_u(t ? tr__tcdf_eval(t, x) : tr__t_cdf(x, cfg->dof));
}

/* The copula: U for an element whose own uniform is u, with loadings L. */
static double element_u(tr__ws *ws, const tr_loadings *L, size_t trust, double u)
{
    if (plain(ws, L)) return clamp_u(u);
    return latent_to_u(ws, element_latent(ws, L, trust, u));
}

static const tr_loadings *pick(const tr_dist *d, const tr_loadings *owner)
{
    return d->has_loadings ? &d->loadings : owner;
}

/* Is a distribution random at all? A fixed one needs no draw. */
static int is_random(const tr_dist *d)
{
    return d->kind != TR_DIST_FIXED;
}

/* Lazily fetched Philox blocks of one owner (a scheme has elements 0..6 in blocks 0 and 1). */
typedef struct lazy_blocks {
    tr__ws *ws;
    uint64_t seed, path, a, b;
    uint32_t tag;
    int have[2];
    tr__block blk[2];
    size_t trust, scheme; /* for the test hook (scheme: global index; unused for a trust) */
} lazy_blocks;

static double lazy_u(lazy_blocks *lb, uint32_t element)
{
    const tr__ws *ws = lb->ws;
    if (ws->u_hook) {
        tr__draw_addr at = {.kind = TR__DRAW_TRUST, .trust = lb->trust, .element = (int)element};
        if (lb->tag == TR__TAG_SCHEME) {
            at.kind = TR__DRAW_SCHEME;
            at.scheme = lb->scheme;
            at.scheme_in_trust = lb->scheme - ws->plan->scheme_base[lb->trust];
        }
        return ws->u_hook(ws->u_hook_ctx, &at);
    }
    uint32_t bi = element >> 2;
    if (!lb->have[bi]) {
        lb->blk[bi] = tr__rng_block(lb->seed, lb->path, lb->a, lb->b, lb->tag, bi);
        lb->have[bi] = 1;
        lb->ws->n_blocks++;
    }
    return tr__u01(lb->blk[bi].w[element & 3]);
}

/*
 * An event with probability p: [U > 1 - p], drawing only when 0 < p < 1.
 * With loadings or the t copula, U > 1 - p exactly when the copula's
 * argument exceeds c = F^{-1}(1 - p), that is when (r E + m) s > c with
 * E = Phi^{-1}(u) the element's own normal, m = sum_k w_k Z_k, r the
 * residual weight and s the t copula's scale; and that is
 *     u > Phi(e),   e = (c / s - m) / r,
 * a comparison of the element's uniform with a threshold that no longer
 * needs the normal quantile. Elements with the same loadings on the same
 * factor draws (identical schemes loaded on global factors, the credit
 * portfolio case) share e, so the last threshold is memoised. The two forms
 * agree except where u is within rounding of the threshold (probability of
 * order 1e-16). U itself is computed only for a replay's trace.
 */
static int event(tr__ws *ws, lazy_blocks *lb, uint32_t el, double p, double c, const tr_loadings *L,
                 size_t trust, double *u_out)
{
    if (p <= 0.0) return 0;
    if (p >= 1.0) return 1;
    double u = lazy_u(lb, el);
    if (plain(ws, L)) {
        u = clamp_u(u);
        *u_out = u;
        return u > 1.0 - p;
    }
    double m = factor_sum(ws, L, trust), s = ws->tscale, r = L->resid;
    int hit;
    if (r > 0.0) {
        double e = (c / s - m) / r;
        if (e != ws->ev_e) {
            ws->ev_e = e;
            ws->ev_u = tr__norm_cdf(e);
        }
        hit = u > ws->ev_u;
    } else {
        hit = m * s > c; /* fully loaded: the element's own draw plays no part */
    }
    if (ws->trace) *u_out = latent_to_u(ws, (r * tr__norm_inv(u) + m) * s);
    return hit;
}

/* Draw one scheme's elements (docs/model.md section 5). */
static void draw_scheme(tr__ws *ws, const tr_scheme *sc, size_t trust, size_t s, uint64_t seed,
                        uint64_t p, tr__scheme_draw *dr)
{
    const tr__plan *pl = ws->plan;
    tr__qtable *const *q = &pl->sq[s * TR__SQ_COUNT];
    lazy_blocks lb = {
        ws,      seed,  p, pl->cfg->trusts[trust].key, sc->key, TR__TAG_SCHEME, {0, 0},
        {{{0}}}, trust, s};
    for (int e = 0; e < 7; e++)
        dr->u[e] = NAN;
    const tr_loadings *own = &sc->loadings;

    const double *c = &pl->ev_c[s * 3];
    dr->paper = event(ws, &lb, TR__EL_PAPER, sc->paper, c[0], own, trust, &dr->u[TR__EL_PAPER]);
    dr->d0 = dr->retained = NAN;
    dr->compromise = 0.0;
    if (!dr->paper) {
        if (is_random(&sc->delivery)) {
            double U = element_u(ws, pick(&sc->delivery, own), trust, lazy_u(&lb, TR__EL_DELIVERY));
            dr->u[TR__EL_DELIVERY] = U;
            dr->d0 = tr__dist_quantile(&sc->delivery, q[TR__SQ_DELIVERY], 1.0 - U);
        } else {
            dr->d0 = sc->delivery.value;
        }
        if (sc->has_compromise)
            dr->compromise = event(ws, &lb, TR__EL_COMPROMISE, sc->compromise_probability, c[1],
                                   own, trust, &dr->u[TR__EL_COMPROMISE]);
        if (dr->compromise) {
            if (is_random(&sc->retained)) {
                double U =
                    element_u(ws, pick(&sc->retained, own), trust, lazy_u(&lb, TR__EL_RETAINED));
                dr->u[TR__EL_RETAINED] = U;
                dr->retained = tr__dist_quantile(&sc->retained, q[TR__SQ_RETAINED], 1.0 - U);
            } else {
                dr->retained = sc->retained.value;
            }
        }
        dr->d = dr->d0 * (dr->compromise ? dr->retained : 1.0);
    } else {
        dr->d = 0.0;
    }

    double slip;
    if (is_random(&sc->slippage)) {
        double U = element_u(ws, pick(&sc->slippage, own), trust, lazy_u(&lb, TR__EL_SLIPPAGE));
        dr->u[TR__EL_SLIPPAGE] = U;
        slip = tr__dist_quantile(&sc->slippage, q[TR__SQ_SLIPPAGE], U);
    } else {
        slip = sc->slippage.value;
    }
    dr->slip = fmax(0.0, slip);
    dr->stay = 0.0;
    dr->stay_delay = NAN;
    double y = 0.0;
    if (sc->has_stay) {
        dr->stay = event(ws, &lb, TR__EL_STAY, sc->stay_probability, c[2], own, trust,
                         &dr->u[TR__EL_STAY]);
        if (dr->stay) {
            double v;
            if (is_random(&sc->stay_delay)) {
                double U =
                    element_u(ws, pick(&sc->stay_delay, own), trust, lazy_u(&lb, TR__EL_STAYDELAY));
                dr->u[TR__EL_STAYDELAY] = U;
                v = tr__dist_quantile(&sc->stay_delay, q[TR__SQ_STAYDELAY], U);
            } else {
                v = sc->stay_delay.value;
            }
            y = fmax(0.0, v);
            dr->stay_delay = y;
        }
    }
    dr->a = sc->start_month - 1.0 + dr->slip + y;
    double H = (double)pl->horizon;
    dr->booked = dr->d * sc->saving / 12.0 * booked_total(dr->a, sc->ramp_months, sc->recurrent, H);
    dr->shortfall = pl->plan_total[s] - dr->booked;
}

/* Add a scheme's monthly savings into the trust's arrays: diff (prefix-summed
 * later) for full-rate months, direct for the months on the ramp or cut off. */
static void book_savings(double *diff, double *direct, int H, double k, double a, double ramp,
                         int recurrent)
{
    /* A start at or beyond the horizon books nothing. Compared in double
     * before any cast: a may be as large as a delay distribution allows, or
     * infinite, and (int) of that is undefined (it crashed). */
    if (k == 0.0 || !(a < (double)H)) return;
    int first = (int)floor(a) + 1; /* first month with any of (t-1, t] after a: <= H */
    double end = recurrent ? INFINITY : a + 12.0;
    int last = recurrent ? H : (int)fmin((double)H, ceil(end));
    double plat_lo_d = ceil(a + ramp + 1.0);
    int plat_lo = plat_lo_d > (double)H + 1 ? H + 1 : (int)plat_lo_d;
    int plat_hi = recurrent ? H : (int)fmin((double)H, floor(end));
    if (plat_lo < first) plat_lo = first;
    if (plat_lo > plat_hi) { /* never a whole month at full rate */
        plat_lo = last + 1;
        plat_hi = last;
    }
    for (int t = first; t <= last; t++) {
        if (t == plat_lo) { /* skip the plateau */
            diff[plat_lo] += k;
            diff[plat_hi + 1] -= k;
            t = plat_hi;
            continue;
        }
        double hi = fmin((double)t, end) - a, lo = fmin((double)(t - 1), end) - a;
        direct[t] += k * (tr__ramp_integral(hi, ramp) - tr__ramp_integral(lo, ramp));
    }
}

void tr__sim_path(tr__ws *ws, uint64_t seed, uint64_t p)
{
    const tr__plan *pl = ws->plan;
    const tr_config *cfg = pl->cfg;
    const int H = pl->horizon;
    const size_t Hs = (size_t)H;

    /* Factors and the t copula's shared chi-square (one block and one normal each). */
    ws->n_blocks += pl->nz + (size_t)t_copula(cfg);
    ws->n_normals += pl->nz;
    for (size_t f = 0; f < cfg->n_factors; f++) {
        const tr_factor *fa = &cfg->factors[f];
        size_t n = fa->scope == TR_SCOPE_GLOBAL       ? 1
                   : fa->scope == TR_SCOPE_CONSORTIUM ? cfg->n_consortia
                                                      : cfg->n_trusts;
        for (size_t k = 0; k < n; k++) {
            uint64_t b = fa->scope == TR_SCOPE_GLOBAL       ? 0
                         : fa->scope == TR_SCOPE_CONSORTIUM ? cfg->consortia[k].key
                                                            : cfg->trusts[k].key;
            double u = tr__rng_uniform(seed, p, fa->key, b, TR__TAG_FACTOR, 0);
            if (ws->u_hook)
                u = ws->u_hook(ws->u_hook_ctx,
                               &(tr__draw_addr){.kind = TR__DRAW_FACTOR, .factor = f, .scope = k});
            ws->z[pl->zoff[f] + k] = tr__norm_inv(u);
        }
    }
    ws->tscale = 1.0;
    if (t_copula(cfg)) {
        double u = tr__rng_uniform(seed, p, 0, 0, TR__TAG_CHI2, 0);
        if (ws->u_hook) u = ws->u_hook(ws->u_hook_ctx, &(tr__draw_addr){.kind = TR__DRAW_CHI2});
        double w = tr__chi2_inv(u, cfg->dof);
        ws->tscale = 1.0 / sqrt(w / cfg->dof);
    }

    ws->n_failed = 0;
    ws->total_bailout = 0.0;
    ws->national_topup = 0.0;
    double *diff = ws->sav, *direct = ws->sav + (Hs + 2);

    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr_trust *tr = &cfg->trusts[i];

        /* Schemes. A trust whose schemes, growth and noise came out exactly
         * as on its previous path (common when only rare events are random:
         * the credit workload) has exactly the previous path's months, which
         * the workspace still holds, so they are not recomputed. */
        size_t s0 = pl->scheme_base[i];
        int same = ws->have_prev[i] && !ws->trace && tr->cash_noise == 0.0;
        for (size_t j = 0; j < tr->n_schemes; j++) {
            tr__scheme_draw *dr = &ws->sdraw[s0 + j];
            double pd = dr->d, pa = dr->a, pp = dr->paper;
            draw_scheme(ws, &tr->schemes[j], i, s0 + j, seed, p, dr);
            same = same && dr->d == pd && dr->a == pa && dr->paper == pp;
            ws->shortfall[s0 + j] = dr->shortfall;
        }

        /* Income and cost growth: g_I = F^{-1}(1 - U), g_C = F^{-1}(U); below -100 % is -100 %. */
        lazy_blocks lb = {ws, seed, p, tr->key, 0, TR__TAG_TRUST, {0, 0}, {{{0}}}, i, 0};
        double gI = tr->income_growth.value, gC = tr->cost_growth.value;
        double uI = NAN, uC = NAN;
        if (is_random(&tr->income_growth)) {
            uI = element_u(ws, pick(&tr->income_growth, &tr->loadings), i,
                           lazy_u(&lb, TR__EL_INCOME_GROWTH));
            gI = tr__dist_quantile(&tr->income_growth, pl->tq[i * TR__TQ_COUNT + TR__TQ_INCOME],
                                   1.0 - uI);
        }
        if (is_random(&tr->cost_growth)) {
            uC = element_u(ws, pick(&tr->cost_growth, &tr->loadings), i,
                           lazy_u(&lb, TR__EL_COST_GROWTH));
            gC = tr__dist_quantile(&tr->cost_growth, pl->tq[i * TR__TQ_COUNT + TR__TQ_COST], uC);
        }
        if (ws->tdraw) {
            ws->tdraw[i * 4 + 0] = uI;
            ws->tdraw[i * 4 + 1] = gI;
            ws->tdraw[i * 4 + 2] = uC;
            ws->tdraw[i * 4 + 3] = gC;
        }
        same = same && gI == ws->prev_g[2 * i] && gC == ws->prev_g[2 * i + 1];
        ws->prev_g[2 * i] = gI;
        ws->prev_g[2 * i + 1] = gC;
        if (same) {
            ws->n_failed += ws->fail_month[i] != 0;
            ws->total_bailout += ws->bailout[i];
            ws->national_topup += tr->national_share * ws->bailout[i];
            continue;
        }
        ws->have_prev[i] = 1;
        memset(ws->sav, 0, 2 * (Hs + 2) * sizeof *ws->sav);
        memset(ws->oneoff, 0, (Hs + 2) * sizeof *ws->oneoff);
        for (size_t j = 0; j < tr->n_schemes; j++) {
            const tr_scheme *sc = &tr->schemes[j];
            const tr__scheme_draw *dr = &ws->sdraw[s0 + j];
            book_savings(diff, direct, H, dr->d * sc->saving / 12.0, dr->a, sc->ramp_months,
                         sc->recurrent);
            if (!dr->paper && sc->one_off_cost != 0.0) {
                double m = floor(dr->a) + 1.0; /* in double: a may be huge or infinite */
                if (m <= (double)H) ws->oneoff[(int)m] += sc->one_off_cost;
            }
        }
        double fI = gI == 0.0 ? 1.0 : pow(fmax(0.0, 1.0 + gI), 1.0 / 12.0);
        double fC = gC == 0.0 ? 1.0 : pow(fmax(0.0, 1.0 + gC), 1.0 / 12.0);
        double inc = tr->income / 12.0, exp_ = tr->expenditure / 12.0;

        /* Month by month (docs/model.md section 6). */
        double cash = tr->cash, floor_ = tr->min_cash - tr->facility, bo = 0.0, run = 0.0;
        int fail = 0;
        tr__block nb = {{0, 0, 0, 0}};
        double *cash_out = ws->cash + i * Hs, *b_out = ws->bmonth + i * Hs;
        const double *fixed = pl->fixed + i * Hs;
        for (int t = 1; t <= H; t++) {
            run += diff[t];
            double savings = run + direct[t];
            double noise = 0.0;
            if (tr->cash_noise > 0.0) {
                int e = t - 1;
                if ((e & 3) == 0) {
                    nb = tr__rng_block(seed, p, tr->key, 0, TR__TAG_NOISE, (uint32_t)(e >> 2));
                    ws->n_blocks++;
                }
                ws->n_normals++;
                double u = tr__u01(nb.w[e & 3]);
                if (ws->u_hook)
                    u = ws->u_hook(
                        ws->u_hook_ctx,
                        &(tr__draw_addr){.kind = TR__DRAW_NOISE, .trust = i, .month = t});
                noise = tr->cash_noise * tr__norm_inv(u);
            }
            double flow = inc - exp_ - fixed[t - 1] + savings - ws->oneoff[t] + noise;
            double pre = cash + flow, b = 0.0;
            if (pre < floor_) {
                if (!fail) fail = t;
                b = floor_ + tr->bailout_buffer - pre;
                cash = pre + b;
            } else {
                cash = pre;
            }
            bo += b;
            cash_out[t - 1] = cash;
            b_out[t - 1] = b;
            if (ws->trace) {
                double *r = ws->trace + (i * Hs + (size_t)(t - 1)) * TR__TR_COUNT;
                r[TR__TR_INCOME] = inc;
                r[TR__TR_EXPENDITURE] = exp_;
                r[TR__TR_FIXED] = fixed[t - 1];
                r[TR__TR_SAVINGS] = savings;
                r[TR__TR_ONE_OFF] = ws->oneoff[t];
                r[TR__TR_NOISE] = noise;
                r[TR__TR_FLOW] = flow;
                r[TR__TR_BAILOUT] = b;
                r[TR__TR_CASH] = cash;
            }
            inc *= fI;
            exp_ *= fC;
        }
        ws->fail_month[i] = fail;
        ws->bailout[i] = bo;
        ws->n_failed += fail != 0;
        ws->total_bailout += bo;
        ws->national_topup += tr->national_share * bo;
    }

    /* Who pays (docs/model.md section 7): consortia in month order, each from its reserve. */
    if (cfg->n_consortia > 0) {
        memset(ws->q, 0, cfg->n_consortia * Hs * sizeof *ws->q);
        for (size_t i = 0; i < cfg->n_trusts; i++) {
            const tr_trust *tr = &cfg->trusts[i];
            if (ws->bailout[i] == 0.0) continue;
            const double *b = ws->bmonth + i * Hs;
            for (size_t k = 0; k < tr->n_commissioners; k++) {
                double sh = tr->commissioners[k].share;
                double *qc = ws->q + (size_t)tr->commissioners[k].consortium * Hs;
                for (size_t t = 0; t < Hs; t++)
                    qc[t] += sh * b[t];
            }
        }
        for (size_t c = 0; c < cfg->n_consortia; c++) {
            double remaining = cfg->consortia[c].reserve, req = 0.0, paid = 0.0;
            int ex = 0;
            const double *qc = ws->q + c * Hs;
            for (size_t t = 0; t < Hs; t++) {
                double qt = qc[t];
                if (qt == 0.0) continue;
                double pay = qt <= remaining ? qt : remaining;
                if (qt > remaining && !ex) ex = (int)t + 1;
                remaining -= pay;
                req += qt;
                paid += pay;
            }
            ws->requested[c] = req;
            ws->paid[c] = paid;
            ws->exhaust_month[c] = ex;
            ws->national_topup += req - paid;
        }
    }
}
