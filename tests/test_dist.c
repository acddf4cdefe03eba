/*
 * test_dist.c - quantiles, CDFs and the beta quantile table.
 *
 * Distributions are filled by hand (as the loader would, shapes included).
 * The table's documented accuracy, TR__QTABLE_TOL of the range, is checked
 * against GSL's gsl_cdf_beta_Pinv on a dense grid of u for shapes from 0.3
 * to 50, including the model's examples.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "dist.h"
#include "trustrisk/config.h"
#include "trustrisk/run.h"
#include "rng.h"

static tr__dist mk(tr__dist_kind kind)
{
    tr__dist d = {0};
    d.kind = kind;
    return d;
}

static tr__dist mk_beta(double a, double b, double lo, double hi)
{
    tr__dist d = mk(TR__DIST_BETA);
    d.alpha = a;
    d.beta = b;
    d.min = lo;
    d.max = hi;
    d.mean = lo + (hi - lo) * a / (a + b);
    d.sd = (hi - lo) * sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)));
    return d;
}

/* PERT as the loader derives it (docs/model.md section 4). */
static tr__dist mk_pert(double lo, double mode, double hi, double lambda)
{
    tr__dist d =
        mk_beta(1 + lambda * (mode - lo) / (hi - lo), 1 + lambda * (hi - mode) / (hi - lo), lo, hi);
    d.kind = TR__DIST_PERT;
    d.mode = mode;
    d.lambda = lambda;
    return d;
}

static tr__qtable *build(const tr__dist *d)
{
    tr_error err;
    tr_error_init(&err);
    tr__qtable *t = NULL;
    tr_status st = tr__qtable_build(d, &t, &err);
    cr_assert_eq(st, TR_OK, "build failed for (%g, %g)", d->alpha, d->beta);
    cr_assert_eq(err.count, 0);
    tr_error_clear(&err);
    return t;
}

#define EXPECT_NEAR(a, b, tol)                                                                     \
    cr_expect(fabs((a) - (b)) <= (tol), "%s = %.17g, expected %.17g (tol %g)", #a, (double)(a),    \
              (double)(b), (double)(tol))

Test(dist, closed_forms)
{
    tr__dist d = mk(TR__DIST_FIXED);
    d.value = 3.5;
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.01), 3.5, 0);
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.99), 3.5, 0);

    d = mk(TR__DIST_UNIFORM);
    d.min = 3;
    d.max = 12;
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.25), 5.25, 1e-15);

    d = mk(TR__DIST_TRIANGULAR);
    d.min = 0;
    d.mode = 1;
    d.max = 4;
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.25), 1.0, 1e-15);
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.5), 4 - sqrt(6.0), 1e-15);
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.01), sqrt(0.04), 1e-15);

    d = mk(TR__DIST_NORMAL);
    d.mean = 2;
    d.sd = 3;
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.975), 2 + 3 * 1.959963984540054, 1e-14);
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.5), 2, 0);

    d = mk(TR__DIST_LOGNORMAL);
    d.median = 3;
    d.sigma = 0.7;
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, 0.5), 3, 1e-15);
    EXPECT_NEAR(tr__dist_quantile(&d, NULL, tr__norm_cdf(1.0)), 3 * exp(0.7), 1e-13);

    /* Beta with closed-form quantiles, exact path and table. */
    struct {
        double a, b;
        double (*q)(double);
    } cases[] = {{1, 1, NULL}, {2, 1, sqrt}, {1, 2, NULL}, {0.5, 0.5, NULL}};
    for (int c = 0; c < 4; c++) {
        tr__dist bd = mk_beta(cases[c].a, cases[c].b, 0, 1);
        tr__qtable *t = build(&bd);
        for (int i = 1; i < 100; i++) {
            double u = i / 100.0, want;
            if (c == 0)
                want = u;
            else if (c == 1)
                want = sqrt(u);
            else if (c == 2)
                want = 1 - sqrt(1 - u);
            else
                want = pow(sin(3.14159265358979323846 * u / 2), 2);
            EXPECT_NEAR(tr__dist_quantile(&bd, NULL, u), want, 1e-13);
            EXPECT_NEAR(tr__dist_quantile(&bd, t, u), want, TR__QTABLE_TOL);
        }
        tr__qtable_free(t);
    }
}

Test(dist, cdf_inverts_quantile)
{
    tr__dist ds[7];
    ds[0] = mk(TR__DIST_UNIFORM);
    ds[0].min = -1;
    ds[0].max = 2;
    ds[1] = mk(TR__DIST_TRIANGULAR);
    ds[1].min = 0.01;
    ds[1].mode = 0.025;
    ds[1].max = 0.05;
    ds[2] = mk_pert(0.01, 0.025, 0.05, 4);
    ds[3] = mk_beta(3, 2, 0, 1);
    ds[4] = mk(TR__DIST_NORMAL);
    ds[4].mean = 1;
    ds[4].sd = 2;
    ds[5] = mk(TR__DIST_LOGNORMAL);
    ds[5].median = 3;
    ds[5].sigma = 0.7;
    ds[6] = mk_beta(0.3, 50, 0, 1); /* on [0, 1]: min + w * y would absorb y ~ 1e-40 */
    const double us[] = {1e-12, 1e-9, 1e-6, 1e-3, 0.01,  0.1,      0.25,
                         0.5,   0.75, 0.9,  0.99, 0.999, 1 - 1e-6, 1 - 1e-9};
    for (int k = 0; k < 7; k++)
        for (size_t i = 0; i < sizeof us / sizeof *us; i++) {
            double u = us[i], x = tr__dist_quantile(&ds[k], NULL, u);
            double back = tr__dist_cdf(&ds[k], x);
            /* relative in the nearer tail */
            double tail = u < 0.5 ? u : 1 - u;
            cr_expect(fabs(back - u) <= 1e-9 * tail + 1e-15, "family %d u=%g: F(Q(u)) = %.17g", k,
                      u, back);
        }
}

static void moments(const tr__dist *d, const tr__qtable *t, double mean, double var, uint64_t key)
{
    const int n = 100000;
    double s = 0, s2 = 0, s4 = 0;
    double *x = malloc(n * sizeof *x);
    cr_assert_not_null(x);
    for (int i = 0; i < n; i++) {
        x[i] = tr__dist_quantile(d, t, tr__rng_u64(tr__rng_key_of(11), key, 0, (uint64_t)i));
        s += x[i];
    }
    double m = s / n;
    for (int i = 0; i < n; i++) {
        double e = x[i] - m;
        s2 += e * e;
        s4 += e * e * e * e;
    }
    double v = s2 / n, m4 = s4 / n;
    double se_mean = sqrt(var / n), se_var = sqrt((m4 - v * v) / n);
    cr_expect(fabs(m - mean) <= 4 * se_mean, "kind %d: mean %g vs %g (se %g)", d->kind, m, mean,
              se_mean);
    cr_expect(fabs(v - var) <= 4 * se_var + 1e-300, "kind %d: var %g vs %g (se %g)", d->kind, v,
              var, se_var);
    free(x);
}

Test(dist, sampling_moments)
{
    tr__dist d = mk(TR__DIST_UNIFORM);
    d.min = 3;
    d.max = 12;
    moments(&d, NULL, 7.5, 81.0 / 12, 1);

    d = mk(TR__DIST_TRIANGULAR);
    double a = 0.01, c = 0.025, b = 0.05;
    d.min = a;
    d.mode = c;
    d.max = b;
    moments(&d, NULL, (a + b + c) / 3, (a * a + b * b + c * c - a * b - a * c - b * c) / 18, 2);

    tr__dist p = mk_pert(0.01, 0.025, 0.05, 4); /* alpha 2.5, beta 3.5 */
    tr__qtable *t = build(&p);
    moments(&p, t, p.mean, p.sd * p.sd, 3);
    moments(&p, NULL, p.mean, p.sd * p.sd, 3);
    tr__qtable_free(t);

    tr__dist be = mk_beta(3, 2, 0, 1); /* docs/model.md: mean 0.6, sd 0.2 */
    cr_expect(fabs(be.mean - 0.6) < 1e-15 && fabs(be.sd - 0.2) < 1e-15);
    t = build(&be);
    moments(&be, t, 0.6, 0.04, 4);
    tr__qtable_free(t);

    tr__dist sk = mk_beta(0.3, 0.3, -1, 1);
    t = build(&sk);
    moments(&sk, t, sk.mean, sk.sd * sk.sd, 5);
    tr__qtable_free(t);

    d = mk(TR__DIST_NORMAL);
    d.mean = -2;
    d.sd = 0.5;
    moments(&d, NULL, -2, 0.25, 6);

    d = mk(TR__DIST_LOGNORMAL);
    d.median = 3;
    d.sigma = 0.7;
    double s2 = 0.49;
    moments(&d, NULL, 3 * exp(s2 / 2), (exp(s2) - 1) * 9 * exp(s2), 7);

    double vals[] = {0, 2, 5}, probs[] = {0.5, 0.3, 0.2}, cum[] = {0.5, 0.8, 1.0};
    d = mk(TR__DIST_DISCRETE);
    d.n = 3;
    d.values = vals;
    d.probs = probs;
    d.cum = cum;
    moments(&d, NULL, 1.6, 0.3 * 4 + 0.2 * 25 - 1.6 * 1.6, 8);
}

Test(dist, discrete_order_and_ties)
{
    double vals[] = {3, 1, 2}, probs[] = {0.2, 0.5, 0.3}, cum[] = {0.2, 0.7, 1.0};
    tr__dist d = mk(TR__DIST_DISCRETE);
    d.n = 3;
    d.values = vals;
    d.probs = probs;
    d.cum = cum;
    /* values in the order given, first whose cumulative probability is >= u */
    cr_expect_eq(tr__dist_quantile(&d, NULL, 0x1p-53), 3);
    cr_expect_eq(tr__dist_quantile(&d, NULL, 0.2), 3);
    cr_expect_eq(tr__dist_quantile(&d, NULL, nextafter(0.2, 1)), 1);
    cr_expect_eq(tr__dist_quantile(&d, NULL, 0.7), 1);
    cr_expect_eq(tr__dist_quantile(&d, NULL, nextafter(0.7, 1)), 2);
    cr_expect_eq(tr__dist_quantile(&d, NULL, 1 - 0x1p-53), 2);
    /* the CDF is the true one, values unsorted */
    EXPECT_NEAR(tr__dist_cdf(&d, 0.5), 0.0, 0);
    EXPECT_NEAR(tr__dist_cdf(&d, 1), 0.5, 1e-15);
    EXPECT_NEAR(tr__dist_cdf(&d, 2.5), 0.8, 1e-15);
    EXPECT_NEAR(tr__dist_cdf(&d, 3), 1.0, 1e-15);

    /* A zero-probability value is never drawn; duplicates are fine. */
    double v2[] = {5, 6, 7, 7}, p2[] = {0.5, 0, 0.25, 0.25}, c2[] = {0.5, 0.5, 0.75, 1.0};
    d.n = 4;
    d.values = v2;
    d.probs = p2;
    d.cum = c2;
    cr_expect_eq(tr__dist_quantile(&d, NULL, 0.5), 5);
    cr_expect_eq(tr__dist_quantile(&d, NULL, nextafter(0.5, 1)), 7);
    cr_expect_eq(tr__dist_quantile(&d, NULL, 0.9), 7);

    /* One value. */
    double v1[] = {4}, p1[] = {1}, c1[] = {1};
    d.n = 1;
    d.values = v1;
    d.probs = p1;
    d.cum = c1;
    cr_expect_eq(tr__dist_quantile(&d, NULL, 0.3), 4);
}

/* Worst |table - GSL| over a dense grid in logit(u), as a fraction of the range. */
static double table_error(const tr__dist *d, const tr__qtable *t)
{
    double w = d->max - d->min, worst = 0;
    for (int i = 0; i <= 4000; i++) {
        double z = -27.7 + 55.4 * i / 4000.0; /* u from ~1e-12 to 1 - 1e-12 */
        double u = 1 / (1 + exp(-z));
        if (i == 0) u = 1e-12;
        if (i == 4000) u = 1 - 1e-12;
        double ref = gsl_cdf_beta_Pinv(u, d->alpha, d->beta);
        if (!isfinite(ref)) /* GSL's inverse sometimes fails to converge: use ours */
            ref = (tr__dist_quantile(d, NULL, u) - d->min) / w;
        double got = (tr__dist_quantile(d, t, u) - d->min) / w;
        double e = fabs(got - ref);
        if (!(e <= worst)) worst = e;
    }
    return worst;
}

Test(dist, table_accuracy)
{
    gsl_set_error_handler_off();
    const double sh[] = {0.3, 0.5, 1, 2, 5, 20, 50};
    const int ns = sizeof sh / sizeof *sh;
    double overall = 0;
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < ns; j++) {
            tr__dist d = mk_beta(sh[i], sh[j], 0, 1);
            tr__qtable *t = build(&d);
            double e = table_error(&d, t);
            cr_expect(e <= TR__QTABLE_TOL, "Beta(%g, %g): error %g", sh[i], sh[j], e);
            cr_expect(tr__qtable_error(t) <= TR__QTABLE_TOL);
            cr_expect(tr__qtable_bytes(t) <= 32 * 1024, "Beta(%g, %g): %zu bytes", sh[i], sh[j],
                      tr__qtable_bytes(t));
            if (e > overall) overall = e;
            tr__qtable_free(t);
        }
    /* docs/model.md's examples and skewed PERTs, on their own ranges. */
    tr__dist ex[] = {mk_beta(3, 2, 0, 1),    mk_pert(0.01, 0.025, 0.05, 4),
                     mk_pert(0, 0.05, 1, 4), mk_pert(0, 0.95, 1, 4),
                     mk_pert(-3, -3, 7, 4),  mk_pert(10, 19.9, 20, 4),
                     mk_pert(0, 0.3, 1, 40), mk_beta(0.35, 47, 2, 9)};
    for (size_t k = 0; k < sizeof ex / sizeof *ex; k++) {
        tr__qtable *t = build(&ex[k]);
        double e = table_error(&ex[k], t);
        cr_expect(e <= TR__QTABLE_TOL, "example %zu (%g, %g): error %g", k, ex[k].alpha, ex[k].beta,
                  e);
        if (e > overall) overall = e;
        tr__qtable_free(t);
    }
    cr_log_info("worst table error %g of the range", overall);
}

Test(dist, table_edges)
{
    tr__dist d = mk_beta(2, 5, 1, 3);
    tr__qtable *t = build(&d);
    /* The table covers every uniform the engine draws, down to 2^-53 and
     * up to 1 - 2^-53, to its tolerance (times the range, 2). */
    const double us[] = {0x1p-53, 0x1p-52, 0x1p-41, 1 - 0x1p-53, 1 - 0x1p-41};
    for (size_t i = 0; i < sizeof us / sizeof *us; i++)
        EXPECT_NEAR(tr__dist_quantile(&d, t, us[i]), tr__dist_quantile(&d, NULL, us[i]),
                    2 * TR__QTABLE_TOL);
    /* The binade ends and the centre. */
    const double ends[] = {0x1p-40, 0x1p-39, 0.25, nextafter(0.5, 0), 0.5, 0.75, 1 - 0x1p-40};
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++)
        EXPECT_NEAR(tr__dist_quantile(&d, t, ends[i]), tr__dist_quantile(&d, NULL, ends[i]),
                    2 * TR__QTABLE_TOL);
    /* Monotone in practice over a fine grid (tolerance: the table error). */
    double prev = -INFINITY;
    for (int i = 1; i < 100000; i++) {
        double x = tr__dist_quantile(&d, t, i / 100000.0);
        cr_expect(x >= prev - 2 * TR__QTABLE_TOL * 2, "not monotone at %d", i);
        prev = x;
    }
    tr__qtable_free(t);
}

Test(dist, table_only_for_beta_families)
{
    tr_error err;
    tr_error_init(&err);
    tr__dist d = mk(TR__DIST_NORMAL);
    d.sd = 1;
    tr__qtable *t = (tr__qtable *)&d; /* must be overwritten */
    cr_expect_eq(tr__qtable_build(&d, &t, &err), TR_OK);
    cr_expect_null(t);
    /* A degenerate range needs no table: the quantile is min. */
    tr__dist deg = mk_pert(2, 2, 2, 4);
    deg.alpha = deg.beta = 1;
    cr_expect_eq(tr__qtable_build(&deg, &t, &err), TR_OK);
    cr_expect_null(t);
    cr_expect_eq(tr__dist_quantile(&deg, NULL, 0.3), 2);
    /* Invalid shapes are reported, not aborted on. */
    tr__dist bad = mk_beta(0, 2, 0, 1);
    cr_expect_eq(tr__qtable_build(&bad, &t, &err), TR_E_INPUT);
    cr_expect_null(t);
    cr_expect_eq(err.count, 1);
    tr_error_clear(&err);
    tr__qtable_free(NULL);
}

Test(dist, chi2_and_t)
{
    gsl_set_error_handler_off();
    EXPECT_NEAR(tr__chi2_inv(0.95, 1), 3.841458820694124, 1e-12);
    EXPECT_NEAR(tr__chi2_inv(0.5, 2), 2 * log(2.0), 1e-13);
    EXPECT_NEAR(tr__t_inv(0.975, 10), 2.228138851986274, 1e-12);
    EXPECT_NEAR(tr__t_cdf(2.228138851986274, 10), 0.975, 1e-14);
    EXPECT_NEAR(tr__t_inv(0.5, 5), 0, 1e-15);
    const double dofs[] = {2.5, 3, 5, 10, 30, 100, 1000, 1e5};
    const double us[] = {0x1p-53, 1e-12, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-12, 1 - 0x1p-53};
    for (size_t i = 0; i < sizeof dofs / sizeof *dofs; i++)
        for (size_t j = 0; j < sizeof us / sizeof *us; j++) {
            double u = us[j], nu = dofs[i];
            double c = tr__chi2_inv(u, nu);
            double cr = u <= 0.5 ? gsl_cdf_chisq_P(c, nu) / u : gsl_cdf_chisq_Q(c, nu) / (1 - u);
            cr_expect(isfinite(c) && fabs(cr - 1) < 1e-10, "chi2 nu=%g u=%g: %g", nu, u, c);
            double t = tr__t_inv(u, nu);
            double tr = u <= 0.5 ? tr__t_cdf(t, nu) / u : gsl_cdf_tdist_Q(t, nu) / (1 - u);
            cr_expect(isfinite(t) && fabs(tr - 1) < 1e-10, "t nu=%g u=%g: %g", nu, u, t);
        }
}

/* The library leaves GSL's error handler to its host (trustrisk/run.h), and
 * an ordinary run does not reach it: with GSL's default handler, which
 * aborts, the Beta tables build and a whole run of the bundled example (Beta
 * and PERT distributions, a t copula) completes. */
Test(dist, gsl_default_handler_is_not_reached_by_an_ordinary_run)
{
    gsl_set_error_handler(NULL);
    tr__dist d = mk_beta(2, 5, 0, 1);
    tr__qtable *t = build(&d);
    tr__qtable_free(t);
    tr_config *cfg = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(TR_SOURCE_DIR "/configs/example.json", &cfg, &err), TR_OK);
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 5000;
    tr_results *res = NULL;
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    tr_results_free(res);
    tr_config_free(cfg);
    tr_error_clear(&err);
    gsl_set_error_handler_off();
}

/* Loading a config uses no GSL: it works with GSL's default handler. */
Test(dist, loading_a_config_needs_no_gsl_handler)
{
    gsl_set_error_handler(NULL);
    tr_config *cfg = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(TR_SOURCE_DIR "/configs/example.json", &cfg, &err), TR_OK);
    tr_config_free(cfg);
    tr_error_clear(&err);
}
