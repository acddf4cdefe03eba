/*
 * plan.c - preparing a run (see plan.h).
 *
 * Most of the work is the quantile tables of the beta and PERT
 * distributions. A table depends only on the Beta shapes (alpha, beta), so
 * one table serves every distribution with the same shapes; the distinct
 * ones are built in parallel (a national config has thousands).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "plan.h"
#include "rng.h"
#include "savings.h"
#include "vmath.h"

/* The latent threshold of an event of probability p: U > 1 - p exactly when
 * the copula's argument exceeds F^{-1}(1 - p), so an event needs no CDF. */
static double event_threshold(const tr_config *cfg, double p)
{
    if (p <= 0.0) return INFINITY;
    if (p >= 1.0) return -INFINITY;
    return tr__t_copula(cfg) ? tr__t_inv(1.0 - p, cfg->dof) : tr__norm_inv(1.0 - p);
}

/* One distribution slot that wants a quantile table, and whose it is (for
 * messages: trust index, scheme index or SIZE_MAX for the trust's own, and
 * the member's name). */
typedef struct qjob {
    const tr__dist *d;
    tr__qtable **slot;
    size_t trust, scheme;
    const char *member;
} qjob;

static int cmp_shape(const void *x, const void *y)
{
    const tr__dist *a = ((const qjob *)x)->d, *b = ((const qjob *)y)->d;
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

static int wants_table(const tr__dist *d)
{
    return (d->kind == TR__DIST_BETA || d->kind == TR__DIST_PERT) && d->max > d->min;
}

/* The table built for d's shapes (plan->qt is in cmp_shape order). */
static tr__qtable *find_table(const tr__plan *plan, const tr__dist *d)
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
    /* The loader admits only shapes a table can serve, so this is the
     * engine's fault whatever the table said. */
    if (st != TR_E_NOMEM) st = TR_E_INTERNAL;
    const tr__trust *tr = &cfg->trusts[j->trust];
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

/* Build one table per distinct Beta shape, in parallel, and point every
 * slot that wants one at the table of its shape. */
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
        const tr__trust *tr = &cfg->trusts[i];
        const tr__dist *td[TR__TQ_COUNT] = {&tr->income_growth, &tr->cost_growth};
        for (int k = 0; k < TR__TQ_COUNT; k++)
            if (wants_table(td[k]))
                jobs[nj++] =
                    (qjob){td[k], &plan->tq[i * TR__TQ_COUNT + (size_t)k], i, SIZE_MAX, tnames[k]};
        for (size_t j = 0; j < tr->n_schemes; j++, s++) {
            const tr__scheme *sc = &tr->schemes[j];
            const tr__dist *sd[TR__SQ_COUNT] = {&sc->delivery, &sc->slippage,
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

/* Is trust tr's every random element an event (see plan.h)? */
static int event_only(const tr__trust *tr)
{
    if (tr->cash_noise != 0.0 || tr->income_growth.kind != TR__DIST_FIXED ||
        tr->cost_growth.kind != TR__DIST_FIXED || tr->n_schemes > TR__EO_MAX_SCHEMES)
        return 0;
    for (size_t j = 0; j < tr->n_schemes; j++) {
        const tr__scheme *sc = &tr->schemes[j];
        if (sc->delivery.kind != TR__DIST_FIXED || sc->slippage.kind != TR__DIST_FIXED ||
            (sc->has_stay && sc->stay_delay.kind != TR__DIST_FIXED) ||
            (sc->has_compromise && sc->retained.kind != TR__DIST_FIXED))
            return 0;
    }
    return 1;
}

/* Scheme s's delivered fraction, actual start and shortfall for each
 * combination of its event bits, computed exactly as the simulators do. */
static void event_table(tr__plan *plan, const tr__scheme *sc, size_t s)
{
    double H = (double)plan->horizon;
    for (int b = 0; b < 8; b++) {
        int P = b & 1, Cm = sc->has_compromise && (b & 2), S = sc->has_stay && (b & 4);
        double d = P ? 0.0 : sc->delivery.value * (Cm ? sc->retained.value : 1.0);
        double y = S ? tr__max0(sc->stay_delay.value) : 0.0;
        double a = sc->start_month - 1.0 + tr__max0(sc->slippage.value) + y;
        double booked =
            d * sc->saving / 12.0 * tr__booked_total(a, sc->ramp_months, sc->recurrent, H);
        double *t = plan->eo_tab + (s * 8 + (size_t)b) * 3;
        t[0] = d;
        t[1] = a;
        t[2] = plan->plan_total[s] - booked;
    }
}

/* The random-stream addresses of the factor slots and of the chi-square. */
static tr_status set_owners(tr__plan *plan, const tr_config *cfg)
{
    plan->own_z = calloc(plan->nz + 1, sizeof *plan->own_z);
    if (!plan->own_z) return TR_E_NOMEM;
    for (size_t f = 0; f < cfg->n_factors; f++) {
        const tr__factor *fa = &cfg->factors[f];
        uint64_t *o = plan->own_z + plan->zoff[f];
        if (fa->scope == TR__SCOPE_GLOBAL)
            o[0] = tr__rng_owner(TR__TAG_FACTOR, fa->key, 0);
        else if (fa->scope == TR__SCOPE_CONSORTIUM)
            for (size_t c = 0; c < cfg->n_consortia; c++)
                o[c] = tr__rng_owner(TR__TAG_FACTOR, fa->key, cfg->consortia[c].key);
        else
            for (size_t i = 0; i < cfg->n_trusts; i++)
                o[i] = tr__rng_owner(TR__TAG_FACTOR, fa->key, cfg->trusts[i].key);
    }
    plan->own_chi2 = tr__rng_owner(TR__TAG_CHI2, 0, 0);
    return TR_OK;
}

/* The slots of factor f: [*lo, *hi). */
static void factor_slots(const tr__plan *plan, size_t f, size_t *lo, size_t *hi)
{
    *lo = plan->zoff[f];
    *hi = f + 1 < plan->cfg->n_factors ? plan->zoff[f + 1] : plan->nz;
}

void tr__plan_shift_factor(tr__plan *plan, size_t f, double mu)
{
    size_t lo, hi;
    factor_slots(plan, f, &lo, &hi);
    for (size_t j = lo; j < hi; j++)
        plan->mu_z[j] = mu;
    double half = 0.0;
    for (size_t j = 0; j < plan->nz; j++)
        half += plan->mu_z[j] * plan->mu_z[j] / 2.0;
    plan->mu_half = half;
}

/* Importance sampling: the slots' shifts (a given shift; an automatic one
 * starts at 0 and is chosen by the pilot, pilot.c). */
static tr_status set_shift(tr__plan *plan, const tr_config *cfg)
{
    const tr__sampling *smp = tr__config_sampling(cfg);
    if (!tr__sampling_active(smp)) return TR_OK;
    plan->mu_z = calloc(plan->nz + 1, sizeof *plan->mu_z);
    if (!plan->mu_z) return TR_E_NOMEM;
    for (size_t f = 0; f < cfg->n_factors; f++) {
        double mu = tr__sampling_mu(smp, (int)f);
        if (mu != 0.0) tr__plan_shift_factor(plan, f, mu);
    }
    return TR_OK;
}

tr_status tr__plan_init(tr__plan *plan, const tr_config *cfg, int threads, tr_error *err)
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
    plan->ev_c = calloc(plan->n_schemes * TR__EV_COUNT + 1, sizeof *plan->ev_c);
    plan->own_scheme = calloc(plan->n_schemes + 1, sizeof *plan->own_scheme);
    plan->own_trust = calloc(plan->n_trusts + 1, sizeof *plan->own_trust);
    plan->own_noise = calloc(plan->n_trusts + 1, sizeof *plan->own_noise);
    plan->event_only = calloc(plan->n_trusts + 1, sizeof *plan->event_only);
    plan->eo_tab = calloc(plan->n_schemes * 24 + 1, sizeof *plan->eo_tab);
    if (!plan->ev_c || !plan->own_scheme || !plan->own_trust || !plan->own_noise ||
        !plan->event_only || !plan->eo_tab || !plan->scheme_base || !plan->zoff || !plan->sq ||
        !plan->tq || !plan->fixed || !plan->plan_total) {
        tr__plan_free(plan);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory preparing the run");
    }

    size_t nz = 0;
    for (size_t f = 0; f < cfg->n_factors; f++) {
        plan->zoff[f] = nz;
        switch (cfg->factors[f].scope) {
        case TR__SCOPE_GLOBAL:
            nz += 1;
            break;
        case TR__SCOPE_CONSORTIUM:
            nz += cfg->n_consortia;
            break;
        case TR__SCOPE_TRUST:
            nz += cfg->n_trusts;
            break;
        }
    }
    plan->nz = nz;
    if (set_owners(plan, cfg) != TR_OK || set_shift(plan, cfg) != TR_OK) {
        tr__plan_free(plan);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory preparing the run");
    }

    size_t s = 0;
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        plan->scheme_base[i] = s;
        plan->own_trust[i] = tr__rng_owner(TR__TAG_TRUST, tr->key, 0);
        plan->own_noise[i] = tr__rng_owner(TR__TAG_NOISE, tr->key, 0);
        double m = 1.0, step = tr__vpow(1.0 + tr->fixed_indexation, 1.0 / 12.0);
        for (size_t t = 0; t < H; t++) {
            plan->fixed[i * H + t] = tr->fixed_charges / 12.0 * m;
            m *= step;
        }
        for (size_t j = 0; j < tr->n_schemes; j++, s++) {
            const tr__scheme *sc = &tr->schemes[j];
            double probs[TR__EV_COUNT] = {sc->paper,
                                          sc->has_compromise ? sc->compromise_probability : 0.0,
                                          sc->has_stay ? sc->stay_probability : 0.0};
            for (int e = 0; e < TR__EV_COUNT; e++)
                plan->ev_c[s * TR__EV_COUNT + (size_t)e] = event_threshold(cfg, probs[e]);
            plan->own_scheme[s] = tr__rng_owner(TR__TAG_SCHEME, tr->key, sc->key);
            plan->plan_total[s] = sc->saving / 12.0 *
                                  tr__booked_total(sc->start_month - 1.0, sc->ramp_months,
                                                   sc->recurrent, (double)cfg->horizon);
        }
    }
    plan->scheme_base[cfg->n_trusts] = s;
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        plan->event_only[i] = (unsigned char)event_only(tr);
        if (plan->event_only[i])
            for (size_t j = 0; j < tr->n_schemes; j++)
                event_table(plan, &tr->schemes[j], plan->scheme_base[i] + j);
    }
    tr_status st = build_tables(plan, cfg, threads, err);
    if (st == TR_OK && tr__t_copula(cfg)) st = tr__tcdf_build(cfg->dof, &plan->tcdf, err);
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
    free(plan->own_scheme);
    free(plan->own_trust);
    free(plan->own_noise);
    free(plan->own_z);
    free(plan->mu_z);
    free(plan->event_only);
    free(plan->eo_tab);
    memset(plan, 0, sizeof *plan);
}
