/*
 * summary.c - every number a run's outputs report, from its statistics
 * (summary.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

/* Mean, sd and standard error of n values with exact sums S and Q (sums k
 * and k + 1 of the accumulator). */
static void moments(const tr__acc *a, size_t k, uint64_t n, double *mean, double *sd, double *se)
{
    double S = tr__xsum_value(&a->xs[k]), Q = tr__xsum_value(&a->xs[k + 1]);
    double dn = (double)n;
    *mean = n ? S / dn : NAN;
    if (n < 2) {
        *sd = n == 1 ? 0.0 : NAN;
        *se = *sd;
        return;
    }
    double var = (Q - S * (S / dn)) / (dn - 1.0);
    if (var < 0.0) var = 0.0;
    *sd = sqrt(var);
    *se = *sd / sqrt(dn);
}

/* P(V > x) at bucket representatives, x increasing: every stride-th
 * non-empty bucket (at most TR__EXCEEDANCE_POINTS of them), and always the
 * last one, where P is 0. */
static void exceedance(const tr__hist *h, tr__dstat *d)
{
    d->n_exceed = 0;
    if (h->n == 0) return;
    size_t nb = tr__hist_nbuckets(), nonempty = 0;
    for (size_t i = 0; i < nb; i++)
        nonempty += tr__hist_count(h, i) != 0;
    size_t stride = (nonempty + TR__EXCEEDANCE_POINTS - 1) / TR__EXCEEDANCE_POINTS, seen = 0;
    uint64_t below = 0;
    for (size_t i = h->lo; i <= h->hi; i++) {
        uint64_t c = tr__hist_count(h, i);
        if (!c) continue;
        below += c;
        if (seen++ % stride != 0 && below != h->n) continue;
        double x = tr__hist_repr(i);
        if (x < h->min) x = h->min;
        if (x > h->max) x = h->max;
        d->exceed_x[d->n_exceed] = x;
        d->exceed_p[d->n_exceed] = (double)(h->n - below) / (double)h->n;
        d->n_exceed++;
    }
}

/* The same under importance sampling: the mean of L X, the sd from the
 * weighted second moment (the mean of L X^2) and the standard error from
 * the sample of L X (the second set of sums holds the sum of (L X)^2). */
static void moments_w(const tr__acc *a, size_t k, uint64_t n, double *mean, double *sd, double *se)
{
    double S = tr__xsum_value(&a->xs[k]), Q = tr__xsum_value(&a->xs[k + 1]);
    double Q2 = tr__xsum_value(&a->xs[tr__acc_lsq(a, k)]);
    double dn = (double)n;
    *mean = n ? S / dn : NAN;
    if (n < 2) {
        *sd = n == 1 ? 0.0 : NAN;
        *se = *sd;
        return;
    }
    double m = S / dn;
    *sd = sqrt(fmax(0.0, Q / dn - m * m) * dn / (dn - 1.0));
    *se = sqrt(fmax(0.0, Q2 / dn - m * m) / (dn - 1.0));
}

/* A DIST from histogram h and the accumulator's sums at sum_index. */
static void dstat(const tr__acc *a, const tr__hist *h, size_t sum_index, tr__dstat *d)
{
    d->n = a->n;
    if (a->weighted)
        moments_w(a, sum_index, a->n, &d->mean, &d->sd, &d->se);
    else
        moments(a, sum_index, h->n, &d->mean, &d->sd, &d->se);
    for (int k = 0; k < TR__NQ; k++)
        d->q[k] = tr__hist_quantile(h, tr__quantile_keys[k].level);
    for (int k = 0; k < TR__NES; k++)
        d->es[k] = tr__hist_es(h, tr__es_keys[k].level);
    exceedance(h, d);
}

/* Paths, in count units: n, or n weight units under importance sampling. */
static double units(const tr__acc *a)
{
    return a->weighted ? ldexp((double)a->n, TR__W_BITS) : (double)a->n;
}

tr__prop tr__proportion(const tr__acc *a, uint64_t k, size_t l2_index)
{
    return tr__proportion_l2(a, k, a->weighted ? tr__xsum_value(&a->xs[l2_index]) : 0.0);
}

tr__prop tr__proportion_l2(const tr__acc *a, uint64_t k, double l2)
{
    uint64_t n = a->n;
    tr__prop p = {k, n, (double)k / units(a), 0.0, 0.0, 0.0};
    if (!a->weighted) {
        p.se = sqrt(p.estimate * (1.0 - p.estimate) / (double)n);
        tr__wilson(k, n, &p.lo, &p.hi);
        return p;
    }
    /* the mean of L 1{event} over the paths, its se from the sample, and a
     * normal interval; the mean can pass 1 when a few paths carry most of
     * the weight (a poor shift): the estimate and both ends are clipped to
     * [0, 1], so the interval always holds the estimate */
    double dn = (double)n, m = p.estimate;
    p.se = n > 1 ? sqrt(fmax(0.0, l2 / dn - m * m) / (dn - 1.0)) : 0.0;
    p.estimate = fmin(1.0, m);
    p.lo = fmin(1.0, fmax(0.0, m - TR__Z95 * p.se));
    p.hi = fmin(1.0, m + TR__Z95 * p.se);
    return p;
}

/* Cumulative curve P(event by month t) from counts of the event's month. */
static void curve(const tr__acc *a, const uint64_t *by_month, size_t H, double *out)
{
    uint64_t c = 0;
    double dn = units(a);
    for (size_t t = 0; t < H; t++) {
        c += by_month[t];
        out[t] = fmin(1.0, (double)c / dn); /* a weighted share can pass 1 */
    }
}

/* The mean failure month of trust i (NaN when it never fails). */
static double mean_month(const tr__acc *a, size_t i)
{
    if (!a->fail_count[i]) return NAN;
    if (!a->weighted) return (double)a->tau_sum[i] / (double)a->fail_count[i];
    const uint64_t *m = a->fail_by_month + i * (size_t)a->H;
    double s = 0.0;
    for (size_t t = 0; t < (size_t)a->H; t++)
        s += (double)(t + 1) * (double)m[t];
    return s / (double)a->fail_count[i];
}

static void trusts(tr__summary *s, const tr__summary_of *of, double **store)
{
    static const char *const kinds[3] = {"efficiency", "closure", "other"};
    const tr_config *cfg = of->plan->cfg;
    const tr__acc *a = of->acc;
    size_t H = (size_t)s->horizon;
    for (size_t i = 0; i < s->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        tr__trust_sum *t = &s->trusts[i];
        t->id = tr->id;
        t->name = tr->name;
        t->p_fail = tr__proportion(a, a->fail_count[i], tr__acc_fail_l2(a, i));
        curve(a, a->fail_by_month + i * H, H, *store);
        t->fail_curve = *store;
        *store += H;
        t->fail_month_mean = mean_month(a, i);
        dstat(a, &a->bo[i], tr__acc_bo(a, i, TR__S_SUM), &t->bailout);
        double *bands = *store;
        for (int b = 0; b < TR__NBANDS; b++)
            for (size_t m = 0; m < H; m++)
                bands[(size_t)b * H + m] =
                    tr__hist_quantile(&a->cash[i * H + m], tr__band_keys[b].level);
        t->cash_bands = bands;
        *store += TR__NBANDS * H;
        t->first_scheme = of->plan->scheme_base[i];
        t->n_schemes = tr->n_schemes;
        for (size_t j = 0; j < tr->n_schemes; j++) {
            size_t g = t->first_scheme + j;
            tr__scheme_sum *sc = &s->schemes[g];
            sc->id = tr->schemes[j].id;
            sc->name = tr->schemes[j].name;
            sc->kind = kinds[tr->schemes[j].kind];
            sc->trust = i;
            sc->planned = of->plan->plan_total[g];
            sc->shortfall_mean = tr__xsum_value(&a->xs[tr__acc_shortfall(a, g, 0)]) / (double)a->n;
            sc->shortfall_mean_given_fail =
                a->fail_count[i] ? tr__xsum_value(&a->xs[tr__acc_shortfall(a, g, 1)]) /
                                       (a->weighted ? ldexp((double)a->fail_count[i], -TR__W_BITS)
                                                    : (double)a->fail_count[i])
                                 : NAN;
        }
    }
}

static void consortia(tr__summary *s, const tr__summary_of *of, double **store)
{
    const tr_config *cfg = of->plan->cfg;
    const tr__acc *a = of->acc;
    size_t H = (size_t)s->horizon;
    for (size_t k = 0; k < s->n_consortia; k++) {
        tr__cons_sum *c = &s->consortia[k];
        c->id = cfg->consortia[k].id;
        c->name = cfg->consortia[k].name;
        c->reserve = cfg->consortia[k].reserve;
        dstat(a, &a->req[k], tr__acc_cons(a, k, 0, TR__S_SUM), &c->requested);
        dstat(a, &a->paid[k], tr__acc_cons(a, k, 1, TR__S_SUM), &c->paid);
        dstat(a, &a->top[k], tr__acc_cons(a, k, 2, TR__S_SUM), &c->topup);
        c->p_exhausted = tr__proportion(a, a->exhausted[k], tr__acc_exh_l2(a, k));
        curve(a, a->ex_by_month + k * H, H, *store);
        c->exhaust_curve = *store;
        *store += H;
    }
}

/* Under importance sampling: P(at least k fail) with its se, from the
 * sums of L^2 by k, tail first. */
static void at_least(tr__summary *s, const tr__acc *a)
{
    uint64_t tail = 0;
    tr__xsum l2;
    tr__xsum_zero(&l2);
    for (size_t k = s->n_trusts + 1; k-- > 0;) {
        tail += a->nfail[k];
        tr__xsum_merge(&l2, &a->xs[tr__acc_nfail_l2(a, k)]);
        s->at_least[k] = tr__proportion_l2(a, tail, tr__xsum_value(&l2));
    }
}

static void sys(tr__summary *s, const tr__acc *a)
{
    double fsum = 0.0, dn = units(a);
    for (size_t k = 0; k <= s->n_trusts; k++) {
        fsum += (double)k * (double)a->nfail[k];
        s->failures_dist[k] = fmin(1.0, (double)a->nfail[k] / dn);
    }
    s->failures_mean = fsum / dn;
    if (s->at_least) at_least(s, a);
    dstat(a, &a->sys_bo, tr__acc_sys(a, 0, TR__S_SUM), &s->sys_bailout);
    dstat(a, &a->sys_top, tr__acc_sys(a, 1, TR__S_SUM), &s->sys_topup);
}

/* Under importance sampling, the sum of the paths' weights L and of L^2
 * (every weight is a whole number of units of 2^-32: exact sums). */
static void weight_sums(const tr__acc *a, double *sum_l, double *sum_l2)
{
    *sum_l = ldexp((double)a->sys_bo.n, -TR__W_BITS);
    *sum_l2 = tr__xsum_value(&a->xs[tr__acc_l2(a)]);
}

/* Under importance sampling, are the weights sound enough for any standard
 * error to be believed? Their mean must be within 4 of its standard errors
 * of 1, its exact expectation: a shift far beyond the events that matter
 * leaves every weight tiny (estimates near 0, standard errors tinier still,
 * which would meet any target), and too few paths leave the heavy weights
 * of the unshifted region unsampled. */
static void weights_check(const tr__acc *a, tr__precision_status *ps)
{
    double dn = (double)a->n, sum_l, sum_l2;
    weight_sums(a, &sum_l, &sum_l2);
    double m = a->n ? sum_l / dn : 0.0;
    double se = a->n > 1 ? sqrt(fmax(0.0, sum_l2 / dn - m * m) / (dn - 1.0)) : 0.0;
    ps->weighted = 1;
    ps->mean_weight = m;
    ps->mean_weight_se = se;
    ps->weights_sound = a->n > 1 && fabs(m - 1.0) <= 4.0 * se;
    if (!ps->weights_sound) ps->met = 0;
}

int tr__precision_check(const tr__acc *a, const tr__target *t, tr__precision_status *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->on = 1;
    ps->target = *t;
    ps->paths = a->n;
    ps->met = a->n > 0;
    double worst_ratio = -1.0, dn = (double)a->n;
    if (a->weighted) weights_check(a, ps);
    for (size_t i = 0; i < a->nt && a->n > 0; i++) {
        uint64_t k = a->fail_count[i];
        tr__prop pr = tr__proportion(a, k, tr__acc_fail_l2(a, i));
        double p = pr.estimate, q = fmin(0.5, 1.0 / dn);
        double se = k ? pr.se : sqrt(q * (1.0 - q) / dn);
        double allowed = fmax(t->se, t->rel * p);
        if (!(se <= allowed)) ps->met = 0;
        double ratio = allowed > 0.0 ? se / allowed : INFINITY;
        if (ratio > worst_ratio) {
            worst_ratio = ratio;
            ps->worst = i;
            ps->worst_se = se;
            ps->worst_allowed = allowed;
        }
    }
    return ps->met;
}

static tr_status sampling(tr__summary *s, const tr__summary_of *of, tr_error *err)
{
    const tr__plan *pl = of->plan;
    const tr__acc *a = of->acc;
    tr__sampling_sum *ss = &s->sampling;
    if (!pl->mu_z) return TR_OK;
    const tr_config *cfg = pl->cfg;
    ss->on = 1;
    ss->factor = calloc(cfg->n_factors + 1, sizeof *ss->factor);
    ss->mu = calloc(cfg->n_factors + 1, sizeof *ss->mu);
    if (!ss->factor || !ss->mu) {
        tr__summary_free(s);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory summarising the run");
    }
    for (size_t f = 0; f < cfg->n_factors; f++) {
        double mu = pl->zoff[f] < pl->nz ? pl->mu_z[pl->zoff[f]] : 0.0;
        if (mu == 0.0 && !pl->pilot.automatic) continue;
        if (cfg->factors[f].scope == TR__SCOPE_TRUST) continue;
        if (cfg->factors[f].scope == TR__SCOPE_CONSORTIUM && cfg->n_consortia == 0) continue;
        ss->factor[ss->n] = cfg->factors[f].name;
        ss->mu[ss->n++] = mu;
    }
    double sum_l, sum_l2;
    weight_sums(a, &sum_l, &sum_l2);
    ss->ess = sum_l2 > 0.0 ? sum_l * sum_l / sum_l2 : 0.0;
    ss->mean_weight = a->n ? sum_l / (double)a->n : NAN;
    ss->pilot = pl->pilot.automatic ? &pl->pilot : NULL;
    const tr__sampling *smp = tr__config_sampling(cfg);
    if (ss->pilot && smp->event == TR__EVENT_FAILURES_AT_LEAST) ss->event_k = smp->k;
    return TR_OK;
}

/* Under importance sampling, every path's weight may round to 0 units
 * (2^-32 each) when the shift is far too large: nothing can be estimated
 * then, and the run says so. */
static tr_status no_weight(const tr__summary_of *of, tr_error *err)
{
    const tr__plan *pl = of->plan;
    int automatic = pl->pilot.automatic;
    return tr_error_add(
        err, TR_E_INPUT, pl->cfg->source, automatic ? "sampling.auto" : "sampling.shift", 0, 0,
        "importance sampling: each of the %llu paths has a likelihood ratio below 2^-32 (the "
        "smallest weight), so the run has no weight to estimate anything with: the %s is far too "
        "large for this config (a shift beyond about 6 leaves most paths without weight); use a "
        "smaller shift%s, or more paths",
        (unsigned long long)of->acc->n, automatic ? "shift the pilot chose" : "shift",
        automatic ? " (a less extreme event)" : " or an automatic one");
}

tr_status tr__summary_make(tr__summary *s, const tr__summary_of *of, tr_error *err)
{
    const tr_config *cfg = of->plan->cfg;
    memset(s, 0, sizeof *s);
    if (of->acc->weighted && of->acc->n > 0 && of->acc->sys_bo.n == 0) return no_weight(of, err);
    s->name = cfg->name;
    s->sha256 = cfg->sha256;
    s->copula = cfg->copula == TR__COPULA_T ? "t" : "gaussian";
    s->paths = of->paths;
    s->seed = of->seed;
    s->first_path = of->first_path;
    s->horizon = cfg->horizon;
    s->n_trusts = cfg->n_trusts;
    s->n_schemes = of->plan->n_schemes;
    s->n_consortia = cfg->n_consortia;
    size_t H = (size_t)cfg->horizon;
    s->trusts = calloc(s->n_trusts, sizeof *s->trusts);
    s->schemes = calloc(s->n_schemes + 1, sizeof *s->schemes);
    s->consortia = calloc(s->n_consortia + 1, sizeof *s->consortia);
    s->failures_dist = calloc(s->n_trusts + 1, sizeof *s->failures_dist);
    if (of->acc->weighted) s->at_least = calloc(s->n_trusts + 1, sizeof *s->at_least);
    s->storage =
        malloc(((s->n_trusts * (1 + TR__NBANDS) + s->n_consortia) * H + 1) * sizeof *s->storage);
    if (!s->trusts || !s->schemes || !s->consortia || !s->failures_dist || !s->storage ||
        (of->acc->weighted && !s->at_least)) {
        tr__summary_free(s);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory summarising the run");
    }
    double *store = s->storage;
    trusts(s, of, &store);
    consortia(s, of, &store);
    sys(s, of->acc);
    if (of->target) {
        tr__precision_check(of->acc, of->target, &s->precision);
        s->precision.max_paths = of->max_paths;
    }
    return sampling(s, of, err);
}

void tr__summary_free(tr__summary *s)
{
    if (!s) return;
    free(s->trusts);
    free(s->schemes);
    free(s->consortia);
    free(s->failures_dist);
    free(s->at_least);
    free(s->storage);
    free(s->sampling.factor);
    free(s->sampling.mu);
    memset(s, 0, sizeof *s);
}
