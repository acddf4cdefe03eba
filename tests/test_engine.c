/*
 * test_engine.c - the Monte Carlo core against exact results (issue 3).
 *
 * (a) beta delivery: P(fail) is the beta CDF at the break-even fraction and
 *     E[bail-out] matches quadrature;
 * (b) identical trusts with a paper event on one global factor: the number
 *     failing follows the one-factor Gaussian mixture of binomials, and with
 *     a t copula the two-dimensional mixture (quadrature);
 * (c) a deterministic config computed by hand, to 1e-9;
 * (d) lognormal slippage plus a stay with uniform delay: the failure curve
 *     is the distribution of the start, an exact convolution.
 * Statistical checks use fixed seeds and a tolerance of 4 standard errors.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "trustrisk/trustrisk.h"

static void within_se(double est, double exact, double se, const char *what)
{
    cr_expect(fabs(est - exact) <= 4.0 * se + 1e-12, "%s: estimate %.6f vs exact %.6f (se %.6f)",
              what, est, exact, se);
}

/* ---- (a) beta delivery --------------------------------------------------- */

/* d ~ Beta(mean 0.6, sd 0.2); cash 6, deficit 1/month, saving 1/month at d = 1
 * from month 1: raw cash after t months is 6 - t (1 - d), lowest at t = 12,
 * so the trust fails iff d < 0.5 and BO = max(0, 12 (1 - d) - 6). */
static const char *beta_cfg =
    "{\"name\":\"beta\",\"horizon_months\":12,\"trusts\":[{\"id\":\"t\","
    "\"cash\":6,\"income\":120,\"expenditure\":132,\"schemes\":[{\"id\":"
    "\"s\",\"saving\":12,\"start_month\":1,\"delivery\":{\"dist\":\"beta\","
    "\"mean\":0.6,\"sd\":0.2}}]}]}";

static double beta_a, beta_b;
static double bo_integrand(double d, void *p)
{
    (void)p;
    return fmax(0.0, 12.0 * (1.0 - d) - 6.0) * gsl_ran_beta_pdf(d, beta_a, beta_b);
}
static double bo2_integrand(double d, void *p)
{
    double v = fmax(0.0, 12.0 * (1.0 - d) - 6.0);
    (void)p;
    return v * v * gsl_ran_beta_pdf(d, beta_a, beta_b);
}

Test(engine, beta_delivery_failure_probability)
{
    gsl_set_error_handler_off();
    tr_config *cfg = th_load(beta_cfg);
    const uint64_t n = 40000;
    cJSON *j = th_run_json(cfg, n, 7, 2);
    /* method of moments: mean m, var v: a = m (m (1 - m) / v - 1), b = (1 - m) (...) */
    double m = 0.6, v = 0.04, k = m * (1 - m) / v - 1;
    beta_a = m * k;
    beta_b = (1 - m) * k;
    double p = gsl_cdf_beta_P(0.5, beta_a, beta_b);
    within_se(th_num(j, "trusts/0/p_fail/estimate"), p, sqrt(p * (1 - p) / (double)n), "P(fail)");

    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function F = {bo_integrand, NULL}, F2 = {bo2_integrand, NULL};
    double mean, mean2, e;
    gsl_integration_qags(&F, 0, 0.5, 0, 1e-12, 1000, w, &mean, &e);
    gsl_integration_qags(&F2, 0, 0.5, 0, 1e-12, 1000, w, &mean2, &e);
    gsl_integration_workspace_free(w);
    double sd = sqrt(mean2 - mean * mean);
    within_se(th_num(j, "trusts/0/bailout/mean"), mean, sd / sqrt((double)n), "E[BO]");
    within_se(th_num(j, "trusts/0/bailout/sd"), sd, sd / sqrt(2.0 * (double)n) * 3, "sd(BO)");
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* ---- (b) one-factor mixture of binomials --------------------------------- */

#define NB 40
static char *paper_cfg(const char *copula)
{
    size_t cap = 64 * 1024;
    char *s = malloc(cap);
    int off = snprintf(s, cap,
                       "{\"name\":\"paper\",\"horizon_months\":12,%s\"factors\":[{\"name\":\"g\","
                       "\"scope\":\"global\"}],\"trusts\":[",
                       copula);
    for (int i = 0; i < NB; i++)
        off += snprintf(s + off, cap - (size_t)off,
                        "%s{\"id\":\"t%02d\",\"cash\":1,\"income\":120,\"expenditure\":132,"
                        "\"schemes\":[{\"id\":\"s\",\"saving\":12,\"start_month\":1,\"paper\":0.1,"
                        "\"factors\":{\"g\":0.5}}]}",
                        i ? "," : "", i);
    snprintf(s + off, cap - (size_t)off, "]}");
    return s;
}

/* P(k of n fail) = E_z[Binom(k; n, pi(z))], pi(z) = Phi((w z - c) / sqrt(1 - w^2)). */
static void mixture_gaussian(double p, double w, double *out)
{
    double c = gsl_cdf_ugaussian_Pinv(1 - p), r = sqrt(1 - w * w);
    for (int k = 0; k <= NB; k++)
        out[k] = 0;
    const int M = 4000;
    for (int m = 0; m < M; m++) {
        double z = -9 + 18 * (m + 0.5) / M, wt = gsl_ran_ugaussian_pdf(z) * 18.0 / M;
        double pi = gsl_cdf_ugaussian_P((w * z - c) / r);
        for (int k = 0; k <= NB; k++)
            out[k] += wt * gsl_ran_binomial_pdf((unsigned)k, pi, NB);
    }
}

/* t copula: fail iff X / sqrt(W / nu) > c_t, X = w z + r e: given z and W,
 * pi = Phi((w z - c_t sqrt(W / nu)) / r); integrate over z and W ~ chi2(nu). */
static void mixture_t(double p, double w, double nu, double *out)
{
    double c = gsl_cdf_tdist_Pinv(1 - p, nu), r = sqrt(1 - w * w);
    for (int k = 0; k <= NB; k++)
        out[k] = 0;
    const int M = 600, K = 600;
    for (int a = 0; a < K; a++) {
        double W = gsl_cdf_chisq_Pinv((a + 0.5) / K, nu), s = sqrt(W / nu);
        for (int m = 0; m < M; m++) {
            double z = -9 + 18 * (m + 0.5) / M, wt = gsl_ran_ugaussian_pdf(z) * 18.0 / M / K;
            double pi = gsl_cdf_ugaussian_P((w * z - c * s) / r);
            for (int k = 0; k <= NB; k++)
                out[k] += wt * gsl_ran_binomial_pdf((unsigned)k, pi, NB);
        }
    }
}

static void check_failures(const char *copula, int is_t)
{
    gsl_set_error_handler_off();
    char *text = paper_cfg(copula);
    tr_config *cfg = th_load(text);
    free(text);
    const uint64_t n = 20000;
    cJSON *j = th_run_json(cfg, n, 11, 2);
    double exact[NB + 1];
    if (is_t)
        mixture_t(0.1, 0.5, 4.0, exact);
    else
        mixture_gaussian(0.1, 0.5, exact);
    const cJSON *d = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "system"), "failures"), "distribution");
    cr_assert_eq(cJSON_GetArraySize(d), NB + 1);
    double mean_exact = 0;
    for (int k = 0; k <= NB; k++) {
        double est = cJSON_GetArrayItem(d, k)->valuedouble;
        char what[64];
        snprintf(what, sizeof what, "%s P(%d fail)", is_t ? "t" : "gaussian", k);
        within_se(est, exact[k], sqrt(exact[k] * (1 - exact[k]) / (double)n), what);
        mean_exact += k * exact[k];
    }
    cr_expect(fabs(mean_exact - NB * 0.1) < (is_t ? 1e-3 : 1e-6), "quadrature mean %.8f",
              mean_exact);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

Test(engine, paper_events_one_factor_gaussian)
{
    check_failures("", 0);
}

Test(engine, paper_events_one_factor_t)
{
    check_failures("\"copula\":{\"type\":\"t\",\"dof\":4},", 1);
}

/* ---- (c) deterministic config by hand ------------------------------------ */

/* H = 6; cash 10, floor = min_cash 2 - facility 1 = 1, buffer 0.5; flows
 * 10 - 15 - 1 = -6 a month; a scheme of 2 a month starting at a = 1 with a
 * 2-month ramp books 0, 0.5, 1.5, 2, 2, 2; its one-off cost 1 is paid in
 * month 2. Cash: m1 4; m2 pre -2.5 -> fail, B 4.0, cash 1.5; m3 pre -3.0,
 * B 4.5; m4..m6 pre -2.5, B 4.0. BO = 20.5. Consortium a (share 0.6, reserve
 * 5) is asked 2.4, 2.7, 2.4, 2.4, 2.4 = 12.3, pays 2.4 then 2.6 and is
 * exhausted in month 3 (paid 5, top-up 7.3); b (0.3, reserve 100) pays 6.15;
 * national top-up = 7.3 + 0.1 * 20.5 = 9.35. */
static const char *det_cfg =
    "{\"name\":\"by hand\",\"horizon_months\":6,"
    "\"consortia\":[{\"id\":\"a\",\"reserve\":5},{\"id\":\"b\",\"reserve\":100}],"
    "\"trusts\":[{\"id\":\"t\",\"cash\":10,\"min_cash\":2,\"facility\":1,\"bailout_buffer\":0.5,"
    "\"income\":120,\"expenditure\":180,\"fixed_charges\":12,"
    "\"commissioners\":[{\"consortium\":\"a\",\"share\":0.6},{\"consortium\":\"b\",\"share\":0.3}],"
    "\"schemes\":[{\"id\":\"s\",\"saving\":24,\"start_month\":2,\"ramp_months\":2,"
    "\"one_off_cost\":1}]}]}";

static void near(double got, double want, const char *what)
{
    cr_expect(fabs(got - want) <= 1e-9, "%s: got %.12g, want %.12g", what, got, want);
}

Test(engine, deterministic_by_hand)
{
    tr_config *cfg = th_load(det_cfg);
    cJSON *j = th_run_json(cfg, 3, 5, 1);
    near(th_num(j, "trusts/0/p_fail/estimate"), 1.0, "p_fail");
    near(th_num(j, "trusts/0/failure_month_mean"), 2.0, "failure month");
    near(th_num(j, "trusts/0/bailout/mean"), 20.5, "BO mean");
    near(th_num(j, "trusts/0/bailout/quantiles/0.99"), 20.5, "BO q99");
    near(th_num(j, "trusts/0/bailout/es/0.99"), 20.5, "BO es99");
    double cash[6] = {4, 1.5, 1.5, 1.5, 1.5, 1.5};
    double fc[6] = {0, 1, 1, 1, 1, 1};
    for (int t = 0; t < 6; t++) {
        char p[64];
        snprintf(p, sizeof p, "trusts/0/cash_bands/p50/%d", t);
        near(th_num(j, p), cash[t], p);
        snprintf(p, sizeof p, "trusts/0/failure_curve/%d", t);
        near(th_num(j, p), fc[t], p);
    }
    near(th_num(j, "trusts/0/schemes/0/shortfall_mean"), 0.0, "shortfall");
    near(th_num(j, "consortia/0/requested/mean"), 12.3, "a requested");
    near(th_num(j, "consortia/0/paid/mean"), 5.0, "a paid");
    near(th_num(j, "consortia/0/national_topup/mean"), 7.3, "a top-up");
    near(th_num(j, "consortia/0/p_exhausted/estimate"), 1.0, "a exhausted");
    near(th_num(j, "consortia/0/exhaustion_curve/1"), 0.0, "a exhausted by 2");
    near(th_num(j, "consortia/0/exhaustion_curve/2"), 1.0, "a exhausted by 3");
    near(th_num(j, "consortia/1/requested/mean"), 6.15, "b requested");
    near(th_num(j, "consortia/1/paid/mean"), 6.15, "b paid");
    near(th_num(j, "consortia/1/p_exhausted/estimate"), 0.0, "b exhausted");
    near(th_num(j, "system/bailout/mean"), 20.5, "system BO");
    near(th_num(j, "system/national_topup/mean"), 9.35, "national top-up");
    near(th_num(j, "system/failures/distribution/1"), 1.0, "one failure");
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* ---- (d) slippage and stay convolution ----------------------------------- */

/* Flat flows, cash 1 and a one-off cost of 2 paid in month floor(a) + 1: the
 * trust fails exactly then, so P(tau <= t) = P(a < t) with
 * a = s + S y, s ~ lognormal(3, 0.7), S ~ Bernoulli(0.35), y ~ U(3, 12). */
static const char *slip_cfg =
    "{\"name\":\"slip\",\"horizon_months\":24,\"trusts\":[{\"id\":\"t\",\"cash\":1,"
    "\"income\":120,\"expenditure\":120,\"schemes\":[{\"id\":\"s\",\"saving\":0,"
    "\"start_month\":1,\"one_off_cost\":2,"
    "\"slippage\":{\"dist\":\"lognormal\",\"median\":3,\"sigma\":0.7},"
    "\"stay\":{\"probability\":0.35,\"delay\":{\"dist\":\"uniform\",\"min\":3,\"max\":12}}}]}]}";

static double ln_cdf(double x)
{
    return x <= 0 ? 0 : gsl_cdf_lognormal_P(x, log(3.0), 0.7);
}
static double conv_t;
static double conv_integrand(double y, void *p)
{
    (void)p;
    return ln_cdf(conv_t - y) / 9.0;
}

Test(engine, slippage_and_stay_convolution)
{
    gsl_set_error_handler_off();
    tr_config *cfg = th_load(slip_cfg);
    const uint64_t n = 40000;
    cJSON *j = th_run_json(cfg, n, 3, 2);
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    for (int t = 1; t <= 24; t++) {
        conv_t = t;
        double stay = 0, e;
        gsl_function F = {conv_integrand, NULL};
        gsl_integration_qags(&F, 3, 12, 0, 1e-12, 1000, w, &stay, &e);
        double exact = 0.65 * ln_cdf(t) + 0.35 * stay;
        char p[64];
        snprintf(p, sizeof p, "trusts/0/failure_curve/%d", t - 1);
        within_se(th_num(j, p), exact, sqrt(exact * (1 - exact) / (double)n), p);
    }
    gsl_integration_workspace_free(w);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* A config whose statistics cannot fit in memory is refused with a clear
 * message before any path runs (100,000 trusts x 120 months of cash bands
 * need about 160 GB). */
Test(engine, statistics_too_large_for_memory_are_refused)
{
    const int n = 100000;
    size_t cap = (size_t)n * 80 + 256, off = 0;
    char *s = malloc(cap);
    off += (size_t)snprintf(s + off, cap - off, "{\"horizon_months\":120,\"trusts\":[");
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(s + off, cap - off,
                                "%s{\"id\":\"t%06d\",\"cash\":1,\"income\":1,\"expenditure\":1}",
                                i ? "," : "", i);
    snprintf(s + off, cap - off, "]}");
    tr_config *cfg = th_load(s);
    free(s);
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 10;
    tr_error err;
    tr_error_init(&err);
    tr_results *res = NULL;
    cr_expect_eq(tr_run(cfg, &opt, &res, &err), TR_E_NOMEM);
    cr_expect_null(res);
    cr_assert_geq(err.count, 1);
    cr_expect(strstr(err.diags[0].message, "GiB") != NULL, "message: %s", err.diags[0].message);
    tr_error_clear(&err);
    tr_config_free(cfg);
}
