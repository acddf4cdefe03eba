/*
 * test_edges.c - the edges found by trying trustrisk as a hostile user
 * (issue 8), each reproduced and each limit tested from both sides:
 *
 * (1) a scheme whose start slips far past the horizon (2^31 months and more,
 *     or infinity) crashed; it must book nothing and pay no one-off cost;
 * (2) beta and pert distributions whose Beta shapes the quantile tables
 *     cannot handle passed `validate` and then failed the run: the loader
 *     now enforces [TR_BETA_SHAPE_MIN, TR_BETA_SHAPE_MAX], and the tables
 *     agree with GSL just inside;
 * (3) growth, indexation or bounds that overflow a month's flow gave
 *     "mean": null: such configs are rejected with their path, a config at
 *     the limits runs to finite numbers, and a non-finite value at run time
 *     is an internal error, never a null in results.json;
 * (4) a t copula with a huge dof never fired events (GSL's t quantile is
 *     NaN from about 9e15): from TR_T_DOF_GAUSSIAN on it is computed as the
 *     Gaussian, and below it agrees with the Gaussian statistically.
 *
 * Configs are written with single quotes (turned into double quotes).
 * Statistical checks use fixed seeds and 4 standard errors.
 */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dist.h"
#include "model.h"
#include "helpers.h"
#include "results.h"
#include "trustrisk/trustrisk.h"

/* ---- helpers -------------------------------------------------------------- */

static tr_status load(const char *json, tr_config **cfg, tr_error *err)
{
    return tr_config_load_buffer(json, strlen(json), "cfg.json", cfg, err);
}

static tr_config *load_ok(char *json)
{
    tr_config *cfg = th_load_as("cfg.json", json);
    free(json);
    return cfg;
}

/* The config must be rejected with a diagnostic at `path` containing every
 * one of the (up to two) substrings. */
static void expect_reject(char *json, const char *path, const char *sub1, const char *sub2)
{
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    tr_status st = load(json, &cfg, &e);
    cr_expect_eq(st, TR_E_INPUT, "must be rejected: %s", json);
    int found = 0;
    for (size_t i = 0; i < e.count; i++) {
        const tr_diag *d = &e.diags[i];
        cr_expect_str_eq(d->file, "cfg.json");
        if (d->path && strcmp(d->path, path) == 0 && strstr(d->message, sub1) &&
            (!sub2 || strstr(d->message, sub2)))
            found = 1;
    }
    if (!found) tr_error_print(&e, stderr);
    cr_expect(found, "no diagnostic at %s containing '%s' and '%s'", path, sub1, sub2 ? sub2 : "");
    tr_config_free(cfg);
    tr_error_clear(&e);
    free(json);
}

/* Where results.json may say null: only where docs/model.md calls a quantity
 * undefined (conditional means on zero paths). */
static int null_allowed(const char *key)
{
    return key && (strcmp(key, "failure_month_mean") == 0 ||
                   strcmp(key, "shortfall_mean_given_fail") == 0);
}

/* Every number finite, and null only where allowed; returns how many numbers. */
static size_t check_finite(const cJSON *n)
{
    size_t count = 0;
    for (const cJSON *c = n->child; c; c = c->next) {
        if (cJSON_IsNull(c))
            cr_expect(null_allowed(c->string), "null at \"%s\"", c->string ? c->string : "[]");
        else if (cJSON_IsNumber(c)) {
            cr_expect(isfinite(c->valuedouble), "non-finite at \"%s\"", c->string);
            count++;
        }
        count += check_finite(c);
    }
    return count;
}

/* A run that must fail with an internal error (diagnostics left in e). */
static void run_fails(const tr_config *cfg, uint64_t paths, int threads, tr_error *e)
{
    tr_error_init(e);
    tr_results *res = NULL;
    cr_expect_eq(th_run(cfg, paths, 1, threads, &res, e), TR_E_INTERNAL);
    cr_expect_null(res);
    cr_assert_geq(e->count, 1);
}

/* Run; results.json parsed, checked finite. */
static cJSON *run_json(const tr_config *cfg, uint64_t paths, uint64_t seed)
{
    cJSON *j = th_run_json(cfg, paths, seed, 2);
    cr_expect_gt(check_finite(j), 10);
    return j;
}

/* ---- (1) starts beyond the horizon ---------------------------------------- */

/* H = 24, a deficit of 1 a month from cash 8: without the scheme the trust is
 * bailed out 16 in all. The scheme would save 0.5 a month from month 1
 * (planned 12 within the horizon) and costs 2.5 once when it starts. */
#define SLIP_CFG                                                                                   \
    "{'horizon_months': 24, 'trusts': [{'id': 't', 'cash': 8, 'income': 240, "                     \
    "'expenditure': 252, 'schemes': [{'id': 's', 'saving': 6, 'start_month': 1, "                  \
    "'one_off_cost': 2.5, %s}]}]}"

static void check_never_starts(tr_config *cfg)
{
    cJSON *j = run_json(cfg, 50, 1);
    cr_expect_eq(th_num(j, "trusts/0/bailout/mean"), 16.0, "no saving booked, no one-off paid");
    cr_expect_eq(th_num(j, "trusts/0/schemes/0/planned"), 12.0);
    cr_expect_eq(th_num(j, "trusts/0/schemes/0/shortfall_mean"), 12.0);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

Test(edges, start_at_or_beyond_horizon_books_nothing)
{
    /* the reproducer (3e9 months crashed), 2^31 +- a little, the largest
     * double, and a start exactly at the horizon (a = 24: month 25) */
    const char *slips[] = {
        "3e9", "2147483647", "2147483648.5", "4294967296", "1e18", "1.7976931348623157e308", "24"};
    for (size_t k = 0; k < sizeof slips / sizeof *slips; k++) {
        char *slip = th_json("'slippage': {'dist': 'fixed', 'value': %s}", slips[k]);
        check_never_starts(load_ok(th_json(SLIP_CFG, slip)));
        free(slip);
    }
    /* An infinite start: slippage and stay delay each near DBL_MAX add up to inf. */
    check_never_starts(load_ok(th_json(
        SLIP_CFG, "'slippage': {'dist': 'fixed', 'value': 1.5e308}, 'stay': {'probability': 1, "
                  "'delay': {'dist': 'fixed', 'value': 1.5e308}}")));
    /* Infinite and NaN delays put straight into a loaded config (sim.c must
     * not trust the loader to keep them out). */
    const double bad[] = {INFINITY, 1e300, 0x1p31};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        tr_config *cfg = load_ok(th_json(SLIP_CFG, "'slippage': {'dist': 'fixed', 'value': 0}"));
        cfg->trusts[0].schemes[0].slippage.value = bad[k];
        check_never_starts(cfg);
    }
    /* Just inside: a = 23.5 books 0.5 * 0.5 = 0.25 in month 24 and pays the
     * one-off there: bail-out 16 + 2.5 - 0.25. */
    tr_config *cfg = load_ok(th_json(SLIP_CFG, "'slippage': {'dist': 'fixed', 'value': 23.5}"));
    cJSON *j = run_json(cfg, 50, 1);
    cr_expect_eq(th_num(j, "trusts/0/bailout/mean"), 18.25);
    cr_expect_eq(th_num(j, "trusts/0/schemes/0/shortfall_mean"), 11.75);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

Test(edges, heavy_tailed_slippage_runs)
{
    /* The plausible reproducer: lognormal median 6, sigma 5 exceeds 2^31
     * months with probability 4e-5, so 10^5 paths meet it about 4 times. */
    tr_config *cfg =
        load_ok(th_json(SLIP_CFG, "'slippage': {'dist': 'lognormal', 'median': 6, 'sigma': 5}"));
    cJSON *j = run_json(cfg, 100000, 3);
    double sf = th_num(j, "trusts/0/schemes/0/shortfall_mean");
    cr_expect(sf > 0 && sf < 12, "shortfall %g", sf);
    cJSON_Delete(j);
    tr_config_free(cfg);
    /* sigma 50: a third of the paths start beyond 2^31 months; the rest
     * book 0.5 a month from month ceil(slip) on. P(slip >= 24) =
     * Q(ln(24 / 6) / 50), and every such path's shortfall is the plan. */
    cfg = load_ok(th_json(SLIP_CFG, "'slippage': {'dist': 'lognormal', 'median': 6, 'sigma': 50}"));
    j = run_json(cfg, 4000, 5);
    double p_late = gsl_cdf_ugaussian_Q(log(4.0) / 50);
    sf = th_num(j, "trusts/0/schemes/0/shortfall_mean");
    cr_expect(sf >= 12 * p_late - 4 * 12 * sqrt(p_late * (1 - p_late) / 4000) && sf <= 12,
              "shortfall %g, at least 12 x %g expected", sf, p_late);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* ---- (2) Beta shape limits ------------------------------------------------ */

#define DELIVERY_CFG                                                                               \
    "{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 6, 'income': 120, "                     \
    "'expenditure': 132, 'schemes': [{'id': 's', 'saving': 12, 'start_month': 1, "                 \
    "'delivery': %s}]}]}"

/* A beta on [0, 1] whose method-of-moments shapes are (a, b). */
static char *beta_cfg(double a, double b)
{
    double n = a + b, mean = a / n, sd = sqrt(a * b / (n * n * (n + 1)));
    char d[160];
    snprintf(d, sizeof d, "{'dist': 'beta', 'mean': %.17g, 'sd': %.17g}", mean, sd);
    return th_json(DELIVERY_CFG, d);
}

Test(edges, beta_reproducers_rejected_with_path_and_shapes)
{
    expect_reject(th_json(DELIVERY_CFG, "{'dist': 'beta', 'mean': 0.6, 'sd': 1e-4}"),
                  "trusts[0].schemes[0].delivery.sd",
                  "Beta shapes (alpha, beta) = (1.44e+07, 9.6e+06)", "\"normal\"");
    expect_reject(
        th_json(DELIVERY_CFG, "{'dist': 'pert', 'min': 0, 'mode': 0.6, 'max': 1, 'lambda': 1e8}"),
        "trusts[0].schemes[0].delivery.lambda", "pert too concentrated", "(6e+07, 4e+07)");
    expect_reject(th_json(DELIVERY_CFG, "{'dist': 'beta', 'mean': 0.5, 'sd': 0.4999}"),
                  "trusts[0].schemes[0].delivery.sd", "all-or-nothing", "\"discrete\"");
}

Test(edges, beta_shape_limits_both_sides)
{
    const double lo = TR_BETA_SHAPE_MIN, hi = TR_BETA_SHAPE_MAX;
    /* just inside: loads with those shapes, and runs */
    const double in[][2] = {{lo * 1.001, lo * 1.001},
                            {hi * 0.999, hi * 0.999},
                            {lo * 1.001, hi * 0.999},
                            {hi * 0.999, 1},
                            {1, lo * 1.001}};
    for (size_t k = 0; k < sizeof in / sizeof *in; k++) {
        tr_config *cfg = load_ok(beta_cfg(in[k][0], in[k][1]));
        const tr__dist *d = &cfg->trusts[0].schemes[0].delivery;
        cr_expect(fabs(d->alpha / in[k][0] - 1) < 1e-6 && fabs(d->beta / in[k][1] - 1) < 1e-6,
                  "shapes (%g, %g) for (%g, %g)", d->alpha, d->beta, in[k][0], in[k][1]);
        cJSON *j = run_json(cfg, 2000, 1);
        cJSON_Delete(j);
        tr_config_free(cfg);
    }
    /* just outside: rejected at .sd */
    const double out[][2] = {{lo * 0.999, 1},
                             {1, lo * 0.999},
                             {hi * 1.001, 2},
                             {3, hi * 1.001},
                             {hi * 1.001, hi * 1.001}};
    for (size_t k = 0; k < sizeof out / sizeof *out; k++)
        expect_reject(beta_cfg(out[k][0], out[k][1]), "trusts[0].schemes[0].delivery.sd",
                      "Beta shapes (alpha, beta) = (", "each must be in [0.01, 100000]");
        /* pert with the mode at min: shapes (1, 1 + lambda) */
#define PERT_AT_MIN "{'dist': 'pert', 'min': 0, 'mode': 0, 'max': 1, 'lambda': %.17g}"
    char *d = th_json(PERT_AT_MIN, hi - 1);
    tr_config *cfg = load_ok(th_json(DELIVERY_CFG, d));
    free(d);
    cr_expect_eq(cfg->trusts[0].schemes[0].delivery.beta, hi);
    tr_config_free(cfg);
    /* lambda 99999 with the mode at max, where lambda (mode - min) / (max -
     * min) rounds a little above 99999: accepted, as documented */
    d = th_json("{'dist': 'pert', 'min': 0.5, 'mode': 0.9, 'max': 0.9, 'lambda': 99999}");
    cfg = load_ok(th_json(DELIVERY_CFG, d));
    free(d);
    tr_config_free(cfg);
    d = th_json(PERT_AT_MIN, hi * 1.0001);
    expect_reject(th_json(DELIVERY_CFG, d), "trusts[0].schemes[0].delivery.lambda",
                  "lambda at most 99999", NULL);
    free(d);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* At the corners of the allowed shapes the table agrees with GSL's
 * gsl_cdf_beta_Pinv (wherever GSL converges: for large shapes it often does
 * not) to TR__QTABLE_TOL, builds fast, and stays finite out to the clamped U. */
Test(edges, beta_tables_at_the_shape_limits)
{
    gsl_set_error_handler_off();
    const double lo = TR_BETA_SHAPE_MIN, hi = TR_BETA_SHAPE_MAX;
    const double sh[][2] = {{lo, lo}, {lo, hi}, {hi, lo}, {hi, hi}, {lo, 1}, {1, hi}, {lo, 0.3}};
    for (size_t k = 0; k < sizeof sh / sizeof *sh; k++) {
        tr__dist d = {0};
        d.kind = TR__DIST_BETA;
        d.alpha = sh[k][0];
        d.beta = sh[k][1];
        d.min = 0;
        d.max = 1;
        tr_error e;
        tr_error_init(&e);
        tr__qtable *t = NULL;
        double t0 = now();
        cr_assert_eq(tr__qtable_build(&d, &t, &e), TR_OK, "Beta(%g, %g)", d.alpha, d.beta);
        double secs = now() - t0;
        cr_expect_lt(secs, 2.0, "Beta(%g, %g) took %g s", d.alpha, d.beta, secs);
        cr_expect_leq(tr__qtable_error(t), TR__QTABLE_TOL);
        double worst = 0;
        int compared = 0;
        for (int i = 0; i <= 2000; i++) {
            double z = -27.7 + 55.4 * i / 2000.0, u = 1 / (1 + exp(-z));
            double ref = gsl_cdf_beta_Pinv(u, d.alpha, d.beta);
            if (!isfinite(ref)) continue;
            compared++;
            double err = fabs(tr__dist_quantile(&d, t, u) - ref);
            if (!(err <= worst)) worst = err;
        }
        cr_expect_geq(compared, 100, "Beta(%g, %g): GSL converged at %d points only", d.alpha,
                      d.beta, compared);
        cr_expect_leq(worst, TR__QTABLE_TOL, "Beta(%g, %g): error %g against GSL", d.alpha, d.beta,
                      worst);
        const double us[] = {TR__U_LO, 0x1p-41, 0x1p-40, 0.5, 1 - 0x1p-40, TR__U_HI};
        for (size_t i = 0; i < sizeof us / sizeof *us; i++) {
            double q = tr__dist_quantile(&d, t, us[i]);
            cr_expect(q >= 0 && q <= 1, "Beta(%g, %g) at u = %g: %g", d.alpha, d.beta, us[i], q);
        }
        cr_log_info("Beta(%g, %g): built in %.3f s, error %.2g against GSL at %d points", d.alpha,
                    d.beta, secs, worst, compared);
        tr__qtable_free(t);
        tr_error_clear(&e);
    }
}

/* Should a table still fail at run time, the message names the distribution
 * by its path in the file (here schemes[0], which canonical order puts
 * second), not only its shapes. */
Test(edges, run_time_table_failure_names_the_path)
{
    tr_config *cfg = load_ok(
        th_json("{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 6, 'income': 120, "
                "'expenditure': 132, 'schemes': ["
                "{'id': 'zz', 'saving': 12, 'start_month': 1, 'delivery': {'dist': 'beta', 'mean': "
                "0.6, 'sd': 0.2}},"
                "{'id': 'aa', 'saving': 12, 'start_month': 1, 'delivery': {'dist': 'beta', 'mean': "
                "0.5, 'sd': 0.2}}]}]}"));
    tr__scheme *zz = &cfg->trusts[0].schemes[1];
    cr_assert_str_eq(zz->id, "zz");
    zz->delivery.alpha = -1; /* shapes no table can serve */
    tr_error e;
    run_fails(cfg, 10, 2, &e);
    cr_expect_eq(e.count, 1);
    cr_expect_str_eq(e.diags[0].path, "trusts[0].schemes[0].delivery");
    cr_expect_str_eq(e.diags[0].file, "cfg.json");
    tr_error_clear(&e);
    tr_config_free(cfg);
}

/* ---- (3) every month's flow within TR_MAX_MONEY ----------------------------- */

#define TRUST_CFG                                                                                  \
    "{'horizon_months': 24, 'trusts': [{'id': 't', 'cash': 8, 'income': 240, "                     \
    "'expenditure': 252 %s, 'schemes': [{'id': 's', 'saving': 6, 'start_month': 1 %s}]}]}"

Test(edges, overflowing_flows_rejected_with_path_and_figures)
{
    expect_reject(th_json(TRUST_CFG, ", 'cost_growth': {'dist': 'fixed', 'value': 1e300}", ""),
                  "trusts[0].cost_growth", "monthly expenditure would reach more than 1e308",
                  "growing at up to 1e+300");
    expect_reject(
        th_json(TRUST_CFG, ", 'income_growth': {'dist': 'uniform', 'min': 0, 'max': 1e300}", ""),
        "trusts[0].income_growth", "monthly income would reach", "in month 24");
    expect_reject(th_json(TRUST_CFG, ", 'fixed_charges': 61, 'fixed_indexation': 1e300", ""),
                  "trusts[0].fixed_indexation", "monthly fixed charges would reach",
                  "fixed_charges 61 a year");
    /* no fixed charges, but an indexation that compounds past the largest
     * double: 0 x infinity would be NaN in the months, so refused, saying
     * why (not "would reach NaN") */
    expect_reject(th_json(TRUST_CFG, ", 'fixed_charges': 0, 'fixed_indexation': 1e308", ""),
                  "trusts[0].fixed_indexation", "compounds beyond the largest number by month 24",
                  NULL);
    expect_reject(
        th_json(TRUST_CFG, ", 'cost_growth': {'dist': 'normal', 'mean': 0.02, 'sd': 1e10}", ""),
        "trusts[0].cost_growth", "monthly expenditure would reach", NULL);
    /* 21 * 10001^(23/12) = 9.73e8: a finite figure, quoted */
    expect_reject(th_json(TRUST_CFG, ", 'cost_growth': {'dist': 'fixed', 'value': 1e4}", ""),
                  "trusts[0].cost_growth", "would reach 9.7", "within 1e+06");
    expect_reject(th_json(TRUST_CFG, "", ", 'delivery': {'dist': 'fixed', 'value': 1e300}"),
                  "trusts[0].schemes[0].delivery", "monthly saving could reach 5e+299", NULL);
    expect_reject(th_json(TRUST_CFG, "",
                          ", 'compromise': {'probability': 0.3, 'retained': {'dist': 'uniform', "
                          "'min': 0, 'max': 1e9}}"),
                  "trusts[0].schemes[0].compromise.retained", "retained fraction of up to 1e+09",
                  NULL);
    expect_reject(
        th_json(TRUST_CFG, "", ", 'slippage': {'dist': 'uniform', 'min': -1e308, 'max': 1e308}"),
        "trusts[0].schemes[0].slippage", "values overflow", NULL);
    expect_reject(
        th_json(TRUST_CFG, "", ", 'delivery': {'dist': 'normal', 'mean': 1, 'sd': 1e308}"),
        "trusts[0].schemes[0].delivery", "values overflow", NULL);
    expect_reject(
        th_json(TRUST_CFG, "", ", 'slippage': {'dist': 'lognormal', 'median': 6, 'sigma': 100}"),
        "trusts[0].schemes[0].slippage", "values overflow", NULL);
    expect_reject(
        th_json(TRUST_CFG, "",
                ", 'slippage': {'dist': 'triangular', 'min': 0, 'mode': 1e300, 'max': 1e300}"),
        "trusts[0].schemes[0].slippage", "values overflow", NULL);
    /* With a horizon of one month, growth never applies: any growth is fine. */
    tr_config *cfg = load_ok(th_json("{'horizon_months': 1, 'trusts': [{'id': 't', 'cash': 8, "
                                     "'income': 240, 'expenditure': 252, 'cost_growth': {'dist': "
                                     "'fixed', 'value': 1e300}}]}"));
    cJSON *j = run_json(cfg, 10, 1);
    cr_expect_eq(th_num(j, "trusts/0/bailout/mean"), 0);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* Growth g with income / 12 * (1 + g)^((H - 1) / 12) = f * limit in month H. */
static double growth_for(double annual, int H, double f)
{
    return pow(f * TR_MAX_MONEY / (annual / 12.0), 12.0 / (H - 1)) - 1.0;
}

Test(edges, flows_at_the_limits_run_to_finite_numbers)
{
    const int H = TR_MAX_HORIZON;
    double g = growth_for(TR_MAX_MONEY, H, 0.999);
    char *text = th_json("{'horizon_months': %d, 'consortia': [{'id': 'c', 'reserve': 1e6}], "
                         "'trusts': [{'id': 't', 'cash': -1e6, 'min_cash': 1e6, 'facility': 0, "
                         "'income': 1e6, 'expenditure': 1e6, 'fixed_charges': 1e6, "
                         "'fixed_indexation': %.17g, 'cash_noise': 1e6, 'bailout_buffer': 1e6, "
                         "'income_growth': {'dist': 'normal', 'mean': %.17g, 'sd': 1e-3}, "
                         "'cost_growth': {'dist': 'fixed', 'value': %.17g}, "
                         "'commissioners': [{'consortium': 'c', 'share': 0.5}], "
                         "'schemes': [{'id': 's', 'saving': 1e6, 'start_month': 1, "
                         "'delivery': {'dist': 'uniform', 'min': -12, 'max': 12}, "
                         "'compromise': {'probability': 0.5, 'retained': {'dist': 'fixed', "
                         "'value': 1}}, 'one_off_cost': 1e6}]}]}",
                         H, g, g - 9e-3, g);
    tr_config *cfg = load_ok(text);
    cJSON *j = run_json(cfg, 3000, 9);
    cr_expect_gt(th_num(j, "system/bailout/mean"), 1e6);
    cJSON_Delete(j);
    tr_config_free(cfg);
    /* and just beyond each limit: rejected */
    double g_out = growth_for(TR_MAX_MONEY, H, 1.001);
    expect_reject(th_json("{'horizon_months': %d, 'trusts': [{'id': 't', 'cash': 0, 'income': 1e6, "
                          "'expenditure': 0, 'income_growth': {'dist': 'fixed', 'value': %.17g}}]}",
                          H, g_out),
                  "trusts[0].income_growth", "monthly income would reach 1.001e+06", NULL);
    expect_reject(th_json("{'horizon_months': %d, 'trusts': [{'id': 't', 'cash': 0, 'income': 0, "
                          "'expenditure': 0, 'fixed_charges': 1e6, 'fixed_indexation': %.17g}]}",
                          H, g_out),
                  "trusts[0].fixed_indexation", "in month 120", NULL);
    expect_reject(
        th_json("{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 0, 'income': 0, "
                "'expenditure': 0, 'schemes': [{'id': 's', 'saving': 1e6, 'start_month': 1, "
                "'delivery': {'dist': 'uniform', 'min': -12.001, 'max': 1}}]}]}"),
        "trusts[0].schemes[0].delivery", "could reach 1.00008e+06", NULL);
}

/* Anything non-finite that reaches the statistics stops the run with an
 * internal error naming it (never null in results.json). */
Test(edges, nonfinite_value_at_run_time_is_an_internal_error)
{
    tr_config *cfg =
        load_ok(th_json(TRUST_CFG, ", 'cost_growth': {'dist': 'fixed', 'value': 0}", ""));
    cfg->trusts[0].cost_growth.value = 1e300; /* what the loader now refuses */
    tr_error e;
    run_fails(cfg, 5000, 1, &e);
    cr_expect(strstr(e.diags[0].message, "trust \"t\": bail-out is inf on path 0") != NULL, "%s",
              e.diags[0].message);
    cr_expect_str_eq(e.diags[0].file, "cfg.json");
    tr_error_clear(&e);
    tr_config_free(cfg);
}

Test(edges, results_json_never_disguises_nonfinite_as_null)
{
    tr_config *cfg = load_ok(th_json(TRUST_CFG, "", ""));
    tr_error e;
    tr_error_init(&e);
    tr_results *res = NULL;
    cr_assert_eq(th_run(cfg, 100, 1, 2, &res, &e), TR_OK);
    char *text = NULL;
    cr_assert_eq(tr_results_json(res, &text, &e), TR_OK); /* null where undefined is fine */
    free(text);
    /* A sum that overflowed (it cannot with a validated config): mean, se
     * and sd are not numbers, and results.json is refused, naming where. */
    res->total.xs[tr__acc_bo(&res->total, 0, TR__S_SUM)].overflow = 1;
    tr__summary_free(&res->summary);
    tr__summary_of of = {.plan = &res->plan,
                         .acc = &res->total,
                         .paths = res->paths,
                         .seed = res->seed,
                         .first_path = res->first_path};
    cr_assert_eq(tr__summary_make(&res->summary, &of, &e), TR_OK);
    text = (char *)&e;
    cr_expect_eq(tr_results_json(res, &text, &e), TR_E_INTERNAL);
    cr_expect_null(text);
    cr_assert_eq(e.count, 1);
    cr_expect_str_eq(e.diags[0].path, "trusts[0].bailout.mean");
    tr_error_clear(&e);
    tr_results_free(res);
    tr_config_free(cfg);
}

/* ---- (4) t copula with huge degrees of freedom ------------------------------ */

/* Events, delivery and growth all loaded on one global factor, so that the
 * copula matters; failures are common. */
#define COPULA_CFG                                                                                 \
    "{'horizon_months': 24, %s 'factors': [{'name': 'g', 'scope': 'global'}], "                    \
    "'trusts': [{'id': 't', 'cash': 8, 'income': 240, 'expenditure': 252, 'factors': {'g': 0.6}, " \
    "'cost_growth': {'dist': 'normal', 'mean': 0.03, 'sd': 0.02}, "                                \
    "'schemes': [{'id': 'a', 'saving': 6, 'start_month': 1, 'paper': 0.25, "                       \
    "'delivery': {'dist': 'beta', 'mean': 0.6, 'sd': 0.2}, 'factors': {'g': 0.5}}, "               \
    "{'id': 'b', 'saving': 9, 'start_month': 4, 'paper': 0.1, 'factors': {'g': 0.7}, "             \
    "'stay': {'probability': 0.35, 'delay': {'dist': 'uniform', 'min': 3, 'max': 12}}}]}]}"

static cJSON *copula_run(const char *copula, uint64_t paths)
{
    tr_config *cfg = load_ok(th_json(COPULA_CFG, copula));
    cJSON *j = run_json(cfg, paths, 21);
    tr_config_free(cfg);
    return j;
}

/* results.json's numbers (trusts, consortia, system) identical? */
static int same_numbers(const cJSON *a, const cJSON *b)
{
    const char *parts[] = {"trusts", "consortia", "system"};
    for (int k = 0; k < 3; k++)
        if (!cJSON_Compare(cJSON_GetObjectItem(a, parts[k]), cJSON_GetObjectItem(b, parts[k]), 1))
            return 0;
    return 1;
}

Test(edges, t_copula_with_huge_dof_is_the_gaussian)
{
    const uint64_t n = 20000;
    cJSON *g = copula_run("", n);
    /* From TR_T_DOF_GAUSSIAN on: exactly the Gaussian's numbers (1e16 was the
     * reproducer: paper events never fired). */
    const char *huge[] = {"1e8", "1e12", "1e16", "1e300", "1.7976931348623157e308"};
    for (size_t k = 0; k < sizeof huge / sizeof *huge; k++) {
        char c[96];
        snprintf(c, sizeof c, "'copula': {'type': 't', 'dof': %s},", huge[k]);
        cJSON *t = copula_run(c, n);
        cr_expect(same_numbers(g, t), "dof %s differs from the Gaussian copula", huge[k]);
        cJSON_Delete(t);
    }
    cJSON_Delete(g);
    /* Below it, computed as a t copula; at 1e6 (and just below the
     * threshold) statistically the same as the Gaussian: 4 se. (Fewer
     * paths: GSL's chi-square quantile costs up to 0.7 ms a path there.) */
    const uint64_t m = 3000;
    g = copula_run("", m);
    const char *large[] = {"1e6", "99999999"};
    for (size_t k = 0; k < sizeof large / sizeof *large; k++) {
        char c[96];
        snprintf(c, sizeof c, "'copula': {'type': 't', 'dof': %s},", large[k]);
        cJSON *t = copula_run(c, m);
        cr_expect(!same_numbers(g, t), "dof %s should still be a t copula", large[k]);
        const char *est[][2] = {{"trusts/0/p_fail/estimate", "trusts/0/p_fail/se"},
                                {"trusts/0/bailout/mean", "trusts/0/bailout/se"},
                                {"system/national_topup/mean", "system/national_topup/se"}};
        for (int q = 0; q < 3; q++) {
            double a = th_num(t, est[q][0]), b = th_num(g, est[q][0]);
            double se = hypot(th_num(t, est[q][1]), th_num(g, est[q][1]));
            cr_expect_leq(fabs(a - b), 4 * se, "dof %s: %s %g vs Gaussian %g (se %g)", large[k],
                          est[q][0], a, b, se);
        }
        cr_expect_gt(th_num(t, "trusts/0/p_fail/estimate"), 0.05);
        cJSON_Delete(t);
    }
    cJSON_Delete(g);
}

/* Below TR_T_DOF_GAUSSIAN every t function the copula uses works: the
 * tabulated CDF builds (so the run is fast), and the t quantile (events'
 * thresholds) and chi-square quantile (the shared W) are finite and invert
 * their CDFs. */
Test(edges, t_functions_hold_up_to_the_threshold)
{
    gsl_set_error_handler_off();
    const double us[] = {TR__U_LO, 1e-12, 1e-6, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 1e-12, TR__U_HI};
    int n = 0;
    for (double lg = -9; lg < log10(TR_T_DOF_GAUSSIAN - 2); lg += 0.25, n++) {
        double nu = 2 + pow(10, lg);
        tr_error e;
        tr_error_init(&e);
        tr__tcdf *t = NULL;
        cr_expect_eq(tr__tcdf_build(nu, &t, &e), TR_OK, "dof %g", nu);
        cr_expect_not_null(t, "dof %g: the t CDF table misses its accuracy", nu);
        for (size_t i = 0; i < sizeof us / sizeof *us; i++) {
            double u = us[i], x = tr__t_inv(u, nu), c = tr__chi2_inv(u, nu);
            double back = u <= 0.5 ? tr__t_cdf(x, nu) / u : gsl_cdf_tdist_Q(x, nu) / (1 - u);
            cr_expect(isfinite(x) && fabs(back - 1) < 1e-8, "dof %g: t quantile of %g is %g", nu, u,
                      x);
            cr_expect(c > 0 && isfinite(c), "dof %g: chi-square quantile of %g is %g", nu, u, c);
            if (t) {
                double tc = tr__tcdf_eval(t, x);
                cr_expect(tc >= 0 && tc <= 1, "dof %g: tabulated T(%g) = %g", nu, x, tc);
            }
        }
        tr__tcdf_free(t);
        tr_error_clear(&e);
    }
    cr_expect_gt(n, 60);
}
