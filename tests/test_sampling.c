/*
 * test_sampling.c - importance sampling: a shifted run estimates rare
 * failure probabilities without bias (exact answers, 4 standard errors)
 * and with far less variance than plain sampling; under the t copula too;
 * its bytes are the same at any thread count, over shards and after a
 * resume; a zero shift is plain sampling; the automatic shift is chosen
 * deterministically and finds the event; a batch pairs weighted scenarios.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustrisk/trustrisk.h"
#include "helpers.h"

/* Two trusts that fail exactly when their one scheme exists only on paper:
 * trust a's paper event loads fully on the national factor (it happens
 * when Z > Phi^-1(1 - 1e-4)), trust b's with loading 0.9. Whatever the
 * loadings and copula, P(a fails) = 1e-4 and P(b fails) = 3e-4. */
#define RARE                                                                                       \
    "{'name': 'rare', 'horizon_months': 24, 'copula': %s, "                                        \
    "'factors': [{'name': 'national', 'scope': 'global'}], 'trusts': ["                            \
    "{'id': 'a', 'cash': 8, 'income': 240, 'expenditure': 252, 'schemes': [{'id': 's', "           \
    "'saving': 24, 'start_month': 1, 'paper': 0.0001, 'factors': {'national': 1.0}}]}, "           \
    "{'id': 'b', 'cash': 8, 'income': 240, 'expenditure': 252, 'schemes': [{'id': 's', "           \
    "'saving': 24, 'start_month': 1, 'paper': 0.0003, 'factors': {'national': 0.9}}]}]%s}"

#define GAUSS "{'type': 'gaussian'}"

static tr_config *rare(const char *copula, const char *sampling)
{
    char *json = th_json(RARE, copula, sampling);
    tr_config *cfg = th_load(json);
    free(json);
    return cfg;
}

/* results.json of a run of cfg on one thread with this seed. */
static char *results_text_seed(const tr_config *cfg, uint64_t paths, uint64_t seed)
{
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.seed = seed;
    opt.threads = 1;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    char *json = NULL;
    cr_assert_eq(tr_results_json(res, &json, &err), TR_OK);
    tr_results_free(res);
    return json;
}

static char *results_text(const tr_config *cfg, uint64_t paths, int threads)
{
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(th_run(cfg, paths, 11, threads, &res, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    char *json = NULL;
    cr_assert_eq(tr_results_json(res, &json, &err), TR_OK);
    tr_results_free(res);
    return json;
}

/* Trust k's P(fail) is within 4 standard errors of p, and its variance is
 * at least `gain` times smaller than plain sampling's. */
static void expect_exact(const cJSON *j, int k, double p, double gain)
{
    double est = th_numf(j, "trusts/%d/p_fail/estimate", k);
    double se = th_numf(j, "trusts/%d/p_fail/se", k);
    double n = th_num(j, "paths");
    cr_expect_gt(se, 0.0);
    cr_expect_leq(fabs(est - p), 4.0 * se, "trust %d: %.6g, exact %.6g, se %.3g", k, est, p, se);
    double plain = p * (1.0 - p) / n;
    cr_expect_gt(plain / (se * se), gain, "trust %d: variance only %.1f times smaller", k,
                 plain / (se * se));
    double lo = th_numf(j, "trusts/%d/p_fail/ci95/0", k),
           hi = th_numf(j, "trusts/%d/p_fail/ci95/1", k);
    cr_expect_float_eq(hi - est, fmin(1.0 - est, 1.959963984540054 * se), 1e-12,
                       "a normal interval");
    cr_expect_geq(lo, 0.0);
}

Test(sampling, a_shift_estimates_rare_failures_exactly_with_far_less_variance)
{
    tr_config *cfg = rare(GAUSS, ", 'sampling': {'method': 'shift', 'shift': {'national': 3.6}}");
    cJSON *j = th_run_json(cfg, 20000, 11, 2);
    cr_assert_not_null(th_at(j, "sampling"));
    cr_expect_str_eq(th_str(j, "sampling/method"), "shift");
    cr_expect_eq(th_num(j, "sampling/shift/national"), 3.6);
    double ess = th_num(j, "sampling/effective_sample_size");
    cr_expect(ess > 0.0 && ess < 20000.0, "ess %g", ess);
    cr_expect_gt(th_num(j, "sampling/mean_weight"), 0.0);
    /* the trusts are listed by id: a, then b */
    expect_exact(j, 0, 1e-4, 1000.0);
    expect_exact(j, 1, 3e-4, 20.0);
    /* the paths where b fails and a does not carry the weight of
     * P(b) - P(a and b): the failures distribution is the weighted share */
    double p2 = th_num(j, "system/failures/distribution/2");
    cr_expect_gt(p2, 0.0);
    cr_expect_leq(p2, th_num(j, "trusts/0/p_fail/estimate") * (1.0 + 1e-12));
    cJSON_Delete(j);
    tr_config_free(cfg);
}

Test(sampling, under_the_t_copula_the_mixing_variable_is_left_alone)
{
    tr_config *cfg = rare("{'type': 't', 'dof': 4}",
                          ", 'sampling': {'method': 'shift', 'shift': {'national': 2.0}}");
    cJSON *j = th_run_json(cfg, 40000, 11, 2);
    expect_exact(j, 0, 1e-4, 2.0);
    expect_exact(j, 1, 3e-4, 1.0);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

Test(sampling, the_same_bytes_at_any_thread_count_over_shards_and_after_a_resume)
{
    char *file = th_fmt("%s/tests/data/example-shift.json", TR_SOURCE_DIR);
    tr_config *cfg = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(file, &cfg, &err), TR_OK);
    free(file);
    char *want = results_text(cfg, 5000, 1);
    for (int t = 2; t <= 3; t++) {
        char *got = results_text(cfg, 5000, t);
        cr_assert_str_eq(got, want, "%d threads", t);
        free(got);
    }
    /* three shards, merged in reverse order */
    void *st[3];
    size_t len[3];
    const char *names[3] = {"s2", "s1", "s0"};
    for (uint32_t i = 0; i < 3; i++) {
        tr_run_options opt;
        tr_run_options_init(&opt, cfg);
        opt.paths = 5000;
        opt.seed = 11;
        opt.shard_index = 2 - i;
        opt.shard_count = 3;
        tr_results *res = NULL;
        cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
        cr_assert_eq(tr_results_state(res, &st[i], &len[i], &err), TR_OK);
        tr_results_free(res);
    }
    tr_config *c2 = NULL;
    tr_results *merged = NULL;
    cr_assert_eq(tr_results_merge((const void *const *)st, len, names, 3, &c2, &merged, &err),
                 TR_OK, "%s", err.count ? err.diags[0].message : "");
    char *got = NULL;
    cr_assert_eq(tr_results_json(merged, &got, &err), TR_OK);
    cr_assert_str_eq(got, want, "shards merged");
    free(got);
    tr_results_free(merged);
    tr_config_free(c2);
    for (int i = 0; i < 3; i++)
        free(st[i]);
    free(want);
    tr_config_free(cfg);
}

Test(sampling, a_zero_shift_is_plain_sampling_byte_for_byte)
{
    tr_config *plain = rare(GAUSS, "");
    tr_config *zero = rare(GAUSS, ", 'sampling': {'method': 'shift', 'shift': {'national': 0}}");
    tr_config *named = rare(GAUSS, ", 'sampling': {'method': 'plain'}");
    char *a = results_text(plain, 3000, 1), *b = results_text(zero, 3000, 2),
         *c = results_text(named, 3000, 1);
    cr_expect_str_eq(a, b);
    cr_expect_str_eq(a, c);
    cr_expect_null(strstr(a, "\"sampling\""));
    free(a);
    free(b);
    free(c);
    tr_config_free(plain);
    tr_config_free(zero);
    tr_config_free(named);
}

Test(sampling, the_automatic_shift_finds_the_event_the_same_way_every_time)
{
    tr_config *cfg =
        rare(GAUSS, ", 'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 2}, "
                    "'pilot_paths': 5000}}");
    char *want = results_text(cfg, 20000, 1);
    cJSON *j = cJSON_Parse(want);
    cr_assert_not_null(j);
    cr_expect(cJSON_IsTrue(th_at(j, "sampling/pilot/reached")));
    cr_expect_eq(th_num(j, "sampling/pilot/paths"), 5000);
    /* both fail only beyond Phi^-1(1 - 1e-4) = 3.72 */
    double mu = th_num(j, "sampling/shift/national");
    cr_expect(mu > 3.0 && mu < 5.0, "shift %g", mu);
    expect_exact(j, 0, 1e-4, 1000.0);
    cJSON_Delete(j);
    char *again = results_text(cfg, 20000, 3);
    cr_expect_str_eq(again, want, "the pilot depends on (config, seed) alone");
    free(again);
    free(want);
    tr_config_free(cfg);
}

Test(sampling, the_pilot_finds_one_trusts_failure)
{
    /* trust a fails beyond 3.72 on the national factor: no pilot path
     * reaches it at first, so the steps climb its lowest cash */
    tr_config *cfg =
        rare(GAUSS, ", 'sampling': {'method': 'shift', 'auto': {'event': {'trust_fails': 'a'}, "
                    "'pilot_paths': 2000}}");
    cJSON *j = th_run_json(cfg, 5000, 11, 1);
    cr_expect_geq(th_num(j, "sampling/pilot/iterations"), 1);
    cr_expect(cJSON_IsTrue(th_at(j, "sampling/pilot/reached")));
    expect_exact(j, 0, 1e-4, 100.0);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* Trust a fails exactly when its scheme exists only on paper (the
 * national draw beyond 3.72, probability 1e-4), in month 9 (cash 8 falls
 * by 1 a month to -1; the floor is 0), and is then bailed out by 1 a month
 * to month 24: BO = 16, its scheme's shortfall 48 (the two years' saving).
 * Trust c fails when the draw is below -0.84 (probability 0.2), which a
 * shift of +3 makes so rare that only a few paths, each with a large
 * weight, see it. */
#define EXACT                                                                                      \
    "{'name': 'exact', 'horizon_months': 24, 'factors': [{'name': 'national', 'scope': "           \
    "'global'}], 'trusts': [{'id': 'a', 'cash': 8, 'income': 240, 'expenditure': 252, "            \
    "'schemes': [{'id': 's', 'saving': 24, 'start_month': 1, 'paper': 0.0001, 'factors': "         \
    "{'national': 1.0}}]}, {'id': 'c', 'cash': 8, 'income': 240, 'expenditure': 252, "             \
    "'schemes': [{'id': 's', 'saving': 24, 'start_month': 1, 'paper': 0.2, 'factors': "            \
    "{'national': -1.0}}]}], 'sampling': {'method': 'shift', 'shift': {'national': 3.0}}}"

Test(sampling, weighted_figures_with_exact_answers_are_exact)
{
    char *json = th_json(EXACT);
    tr_config *cfg = th_load(json);
    free(json);
    const uint64_t n = 20000;
    cJSON *j = th_run_json(cfg, n, 3, 2);
    const double p = 1e-4, z = 1.959963984540054;
    /* exact whatever the weights: the month and the shortfall given failure */
    cr_expect_eq(th_num(j, "trusts/0/failure_month_mean"), 9.0);
    cr_expect_float_eq(th_num(j, "trusts/0/schemes/0/shortfall_mean_given_fail"), 48.0, 1e-9);
    /* BO is 16 with probability p: mean 16 p, sd 16 sqrt(p (1 - p)) (the
     * weighted second moment), and a standard error far below plain
     * sampling's sd / sqrt(n) (from the sample of L X) */
    double mean = th_num(j, "trusts/0/bailout/mean"), se = th_num(j, "trusts/0/bailout/se");
    double sd = th_num(j, "trusts/0/bailout/sd"), sd_exact = 16.0 * sqrt(p * (1.0 - p));
    cr_expect_leq(fabs(mean - 16.0 * p), 4.0 * se, "mean %g, exact %g, se %g", mean, 16.0 * p, se);
    cr_expect_leq(fabs(sd - sd_exact), 0.03 * sd_exact, "sd %g, exact %g", sd, sd_exact);
    cr_expect_lt(se, 0.1 * sd_exact / sqrt((double)n), "se %g, plain %g", se,
                 sd_exact / sqrt((double)n));
    /* the effective sample size (sum L)^2 / sum L^2, with sum L and sum L^2
     * read back from P(at least 0 fail): its estimate is the mean weight m,
     * its se sqrt((sum L^2 / n - m^2) / (n - 1)) */
    double m = th_num(j, "system/failures/at_least/0/estimate"),
           s0 = th_num(j, "system/failures/at_least/0/se"), dn = (double)n;
    cr_expect_float_eq(m, th_num(j, "sampling/mean_weight"), 1e-12);
    double l2 = dn * (s0 * s0 * (dn - 1.0) + m * m);
    cr_expect_float_eq(th_num(j, "sampling/effective_sample_size"), dn * m * dn * m / l2,
                       1e-9 * dn);
    /* every weighted interval is the normal one clipped to [0, 1]; trust c,
     * seen on a few heavy paths, has one that the clip cuts at 0 */
    for (int i = 0; i < 2; i++) {
        double e = th_numf(j, "trusts/%d/p_fail/estimate", i),
               s = th_numf(j, "trusts/%d/p_fail/se", i);
        cr_expect_float_eq(th_numf(j, "trusts/%d/p_fail/ci95/0", i), fmax(0.0, e - z * s), 1e-15);
        cr_expect_float_eq(th_numf(j, "trusts/%d/p_fail/ci95/1", i), fmin(1.0, e + z * s), 1e-15);
    }
    double ec = th_num(j, "trusts/1/p_fail/estimate"), sc = th_num(j, "trusts/1/p_fail/se");
    cr_expect(ec > 0.0 && ec - z * sc < 0.0, "trust c: %g, se %g (the clip is not exercised)", ec,
              sc);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* Trust a of RARE fails exactly when the national draw Z exceeds
 * c = Phi^-1(1 - 1e-4) = 3.719; below that every pilot path scores alike
 * (its lowest cash does not move) and the tie-break ranks them by Z. So
 * the cross-entropy steps are known: the first elite is the top 10 % of
 * N(0, 1), whose mean E[Z | Z > 1.2816] = 1.755 becomes the shift; under
 * it 2.48 % of the paths reach the event, which is over 1 %, so the second
 * step's elite is the event itself and the shift ends at
 * E[Z | Z > c] = 3.958 (the pilot's estimate of it). */
Test(sampling, the_pilots_steps_follow_the_cross_entropy_recursion)
{
    tr_config *cfg =
        rare(GAUSS, ", 'sampling': {'method': 'shift', 'auto': {'event': {'trust_fails': 'a'}, "
                    "'pilot_paths': 4000}}");
    cJSON *j = th_run_json(cfg, 2000, 11, 1);
    cr_expect_eq(th_num(j, "sampling/pilot/iterations"), 2, "an elite of 10 %% needs two steps");
    cr_expect(cJSON_IsTrue(th_at(j, "sampling/pilot/reached")));
    /* the last step's hit rate: P(Z > c) under a shift of 1.755 (the shift
     * is an estimate from 400 paths, se about 0.025: about 0.1 % on the
     * hit rate; and the rate itself is a share of 4000, se 0.25 %) */
    double hit = th_num(j, "sampling/pilot/hit_rate");
    cr_expect(hit > 0.0248 - 0.012 && hit < 0.0248 + 0.012, "hit rate %g", hit);
    double mu = th_num(j, "sampling/shift/national");
    cr_expect(fabs(mu - 3.958) < 0.15, "shift %g, E[Z | Z > c] = 3.958", mu);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* The numbers of one quantity in comparison k (scenarios other than the reference). */
static const cJSON *cmp_at(const cJSON *c, int k, const char *path)
{
    char *full = th_fmt("comparisons/%d/%s", k, path);
    const cJSON *v = th_at(c, full);
    cr_assert_not_null(v, "comparison.json has no %s", full);
    free(full);
    return v;
}

Test(sampling, a_batch_pairs_importance_sampled_scenarios_path_by_path)
{
    /* the base shifted for the rare events; scenario y doubles trust b's
     * paper probability: P(b fails) goes from 3e-4 to 6e-4 exactly, trust
     * a's outcome is the same on every path */
    char dir[256];
    th_tmpdir(dir, sizeof dir, "sampling-batch");
    char *base = th_fmt("%s/base.json", dir);
    char *cfg =
        th_json(RARE, GAUSS, ", 'sampling': {'method': 'shift', 'shift': {'national': 3.6}}");
    th_write(base, cfg);
    char *man = th_json("{'name': 'b', 'base': 'base.json', 'paths': 20000, 'seed': 3, "
                        "'scenarios': [{'id': 'x'}, {'id': 'y', 'overlay': {'trusts': [{'id': "
                        "'b', 'schemes': [{'id': 's', 'paper': 0.0006}]}]}}]}");
    tr_manifest *m = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_manifest_load_buffer(man, strlen(man), "batch.json", dir, &m, &err), TR_OK,
                 "%s", err.count ? err.diags[0].message : "");
    tr_batch_options opt;
    tr_batch_options_init(&opt);
    opt.threads = 2;
    tr_batch *b = NULL;
    cr_assert_eq(tr_batch_run(m, &opt, &b, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    /* each scenario's results are those of a run of its merged config */
    for (size_t k = 0; k < 2; k++) {
        char *got = NULL, *want = NULL;
        cr_assert_eq(tr_results_json(tr_batch_results(b, k), &got, &err), TR_OK);
        want = results_text_seed(tr_manifest_scenario_config(m, k), 20000, 3);
        cr_expect_str_eq(got, want, "scenario %zu", k);
        free(got);
        free(want);
    }
    char *json = NULL;
    cr_assert_eq(tr_batch_comparison_json(b, &json, &err), TR_OK);
    cJSON *c = cJSON_Parse(json);
    cr_assert_not_null(c);
    /* scenario 1 (y) against x: trust a (item 0) unchanged on every path */
    cr_expect_eq(th_num(cmp_at(c, 0, "trusts/0/p_fail"), "delta"), 0.0);
    cr_expect_eq(th_num(cmp_at(c, 0, "trusts/0/p_fail"), "se"), 0.0);
    /* trust b: +3e-4 exactly, within 4 paired se, which beat the unpaired */
    const cJSON *q = cmp_at(c, 0, "trusts/1/p_fail");
    double d = th_num(q, "delta"), se = th_num(q, "se"), su = th_num(q, "se_unpaired");
    cr_expect_gt(se, 0.0);
    cr_expect_leq(fabs(d - 3e-4), 4.0 * se, "delta %.6g, exact 3e-4, se %.3g", d, se);
    cr_expect_lt(se, su, "paired se %.3g, unpaired %.3g", se, su);
    cJSON_Delete(c);
    free(json);
    tr_batch_free(b);
    tr_manifest_free(m);
    free(man);
    free(cfg);
    free(base);
    th_remove_tree(dir);
}

/* Ten identical trusts, each failing when its one scheme exists only on
 * paper (probability 0.01, loading 0.7 on the national factor): given the
 * national draw z they fail independently with probability
 * pi(z) = Phi((0.7 z - c) / sqrt(0.51)), c = Phi^-1(0.99), so
 * P(at least k fail) = integral phi(z) P(Binomial(10, pi(z)) >= k) dz. */
static double at_least_exact(unsigned k)
{
    double c = gsl_cdf_ugaussian_Qinv(0.01), s = sqrt(1.0 - 0.49), h = 1e-3, sum = 0.0;
    for (double z = -10.0; z < 10.0; z += h) { /* midpoint rule */
        double m = z + h / 2, pi = gsl_cdf_ugaussian_P((0.7 * m - c) / s);
        sum += h * exp(-m * m / 2) / 2.5066282746310002 * gsl_cdf_binomial_Q(k - 1, pi, 10);
    }
    return sum;
}

static tr_config *ten_trusts(const char *sampling)
{
    char *trusts = th_fmt("%s", "");
    for (int i = 0; i < 10; i++) {
        char *t = th_fmt("%s%s{\"id\": \"t%d\", \"cash\": 8, \"income\": 240, \"expenditure\": "
                         "252, \"schemes\": [{\"id\": \"s\", \"saving\": 24, \"start_month\": 1, "
                         "\"paper\": 0.01, \"factors\": {\"national\": 0.7}}]}",
                         trusts, i ? ", " : "", i);
        free(trusts);
        trusts = t;
    }
    char *json = th_fmt("{\"name\": \"ten\", \"horizon_months\": 24, \"factors\": [{\"name\": "
                        "\"national\", \"scope\": \"global\"}], \"trusts\": [%s]%s}",
                        trusts, sampling);
    tr_config *cfg = th_load(json);
    free(json);
    free(trusts);
    return cfg;
}

Test(sampling, p_at_least_8_of_10_failing_agrees_with_quadrature)
{
    double exact = at_least_exact(8); /* 1.14e-4 */
    cr_assert(exact > 1e-4 && exact < 1.3e-4, "%g", exact);
    tr_config *cfg = ten_trusts(", \"sampling\": {\"method\": \"shift\", \"auto\": {\"event\": "
                                "{\"failures_at_least\": 8}, \"pilot_paths\": 4000}}");
    uint64_t n = 20000;
    cJSON *j = th_run_json(cfg, n, 5, 2);
    cr_expect(cJSON_IsTrue(th_at(j, "sampling/pilot/reached")));
    double est = th_num(j, "system/failures/at_least/8/estimate");
    double se = th_num(j, "system/failures/at_least/8/se");
    cr_expect_gt(se, 0.0);
    cr_expect_leq(fabs(est - exact), 4.0 * se, "P(>= 8 fail) %.6g, exact %.6g, se %.3g", est, exact,
                  se);
    /* plain sampling's variance for the same paths */
    double plain = exact * (1.0 - exact) / (double)n;
    cr_expect_gt(plain / (se * se), 100.0, "variance only %.1f times smaller", plain / (se * se));
    /* the distribution's tail is the at_least estimate */
    double tail = 0.0;
    for (int k = 8; k <= 10; k++)
        tail += th_numf(j, "system/failures/distribution/%d", k);
    cr_expect_float_eq(tail, est, 1e-12 * est);
    cJSON_Delete(j);
    tr_config_free(cfg);
}

/* |a - b| within 4 standard errors of their difference (independent). */
static void agree(const cJSON *a, const cJSON *b, const char *est, const char *se)
{
    double x = th_num(a, est), y = th_num(b, est), sx = th_num(a, se), sy = th_num(b, se);
    cr_expect_leq(fabs(x - y), 4.0 * sqrt(sx * sx + sy * sy) + 1e-12,
                  "%s: shifted %.6g (se %.3g), plain %.6g (se %.3g)", est, x, sx, y, sy);
}

Test(sampling, every_weighted_estimate_agrees_with_plain_sampling)
{
    char *file = th_fmt("%s/tests/data/example-shift.json", TR_SOURCE_DIR);
    tr_config *shifted = NULL, *plain = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(file, &shifted, &err), TR_OK);
    free(file);
    file = th_fmt("%s/configs/example.json", TR_SOURCE_DIR);
    cr_assert_eq(tr_config_load_file(file, &plain, &err), TR_OK);
    free(file);
    cJSON *a = th_run_json(shifted, 40000, 3, 2), *b = th_run_json(plain, 40000, 4, 2);
    static const char *const items[][2] = {{"trusts", "p_fail/estimate"},
                                           {"trusts", "bailout/mean"},
                                           {"consortia", "paid/mean"},
                                           {"consortia", "p_exhausted/estimate"}};
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < (k < 2 ? 3 : 2); i++) {
            char e[96], s[96];
            snprintf(e, sizeof e, "%s/%d/%s", items[k][0], i, items[k][1]);
            snprintf(s, sizeof s, "%s/%d/%.*s/se", items[k][0], i,
                     (int)(strchr(items[k][1], '/') - items[k][1]), items[k][1]);
            agree(a, b, e, s);
        }
    agree(a, b, "system/bailout/mean", "system/bailout/se");
    agree(a, b, "system/national_topup/mean", "system/national_topup/se");
    /* a weighted quantile: the system bail-out's median, within 10 % */
    double qa = th_num(a, "system/bailout/quantiles/0.5"),
           qb = th_num(b, "system/bailout/quantiles/0.5");
    cr_expect_lt(fabs(qa - qb), 0.1 * qb, "median %g vs %g", qa, qb);
    cJSON_Delete(a);
    cJSON_Delete(b);
    tr_config_free(shifted);
    tr_config_free(plain);
}

/* One trust whose cost growth loads on the national factor, which the
 * config shifts by MU: a shift of 10 leaves every path's likelihood ratio
 * (about exp(-10 E - 50)) below one weight unit, 2^-32. */
#define SHIFTED                                                                                    \
    "{'name': 'shifted', 'horizon_months': 12, "                                                   \
    "'factors': [{'name': 'national', 'scope': 'global'}], "                                       \
    "'sampling': {'method': 'shift', 'shift': {'national': %s}}, "                                 \
    "'trusts': [{'id': 'a', 'cash': 1, 'income': 120, 'expenditure': 130, "                        \
    "'cost_growth': {'dist': 'normal', 'mean': 0.02, 'sd': 0.01, 'factors': {'national': 0.5}}}]}"

static tr_config *shifted(const char *mu)
{
    char *json = th_json(SHIFTED, mu);
    tr_config *cfg = th_load(json);
    free(json);
    return cfg;
}

Test(sampling, a_run_whose_paths_all_weigh_nothing_stops_with_a_clear_error)
{
    tr_config *cfg = shifted("-10");
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 100;
    opt.threads = 1;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_E_INPUT);
    cr_assert_null(res);
    cr_assert_eq(err.count, 1);
    cr_expect_str_eq(err.diags[0].path, "sampling.shift");
    cr_expect(strstr(err.diags[0].message, "no weight") != NULL, "%s", err.diags[0].message);
    tr_error_clear(&err);
    tr_config_free(cfg);

    /* the command: exit 2, the config's file and path named, nothing written */
    char dir[256];
    th_tmpdir(dir, sizeof dir, "noweight");
    char *file = th_fmt("%s/c.json", dir), *out = th_fmt("%s/out", dir);
    char *json = th_json(SHIFTED, "-10");
    th_write(file, json);
    const char *args[] = {"run", file, "--out", out, "--paths", "100", NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 2, "%s", r.err);
    cr_expect(strstr(r.err, "sampling.shift") != NULL && strstr(r.err, "c.json") != NULL, "%s",
              r.err);
    cr_expect(!th_exists(out), "nothing written");
    th_cli_free(&r);
    free(json);
    free(file);
    free(out);
}

Test(sampling, no_weighted_probability_passes_one_and_every_interval_holds_its_estimate)
{
    /* a shift of 1 on one path: the path's weight, about 3.8, would make
     * every probability it counts 3.8 */
    tr_config *cfg = shifted("1");
    for (uint64_t seed = 1; seed <= 20; seed++) {
        char *text = results_text_seed(cfg, 1 + seed % 3, seed);
        cJSON *j = cJSON_Parse(text);
        double e = th_num(j, "trusts/0/p_fail/estimate"), lo = th_num(j, "trusts/0/p_fail/ci95/0"),
               hi = th_num(j, "trusts/0/p_fail/ci95/1");
        cr_expect(0.0 <= lo && lo <= e && e <= hi && hi <= 1.0, "seed %llu: %g in [%g, %g]",
                  (unsigned long long)seed, e, lo, hi);
        const cJSON *c = th_at(j, "trusts/0/failure_curve"), *x;
        cJSON_ArrayForEach(x, c) cr_expect_leq(x->valuedouble, 1.0);
        cJSON_ArrayForEach(x, th_at(j, "system/failures/distribution"))
            cr_expect_leq(x->valuedouble, 1.0);
        cJSON_ArrayForEach(x, th_at(j, "system/failures/at_least"))
        {
            double ae = th_num(x, "estimate"), alo = th_num(x, "ci95/0"), ahi = th_num(x, "ci95/1");
            cr_expect(0.0 <= alo && alo <= ae && ae <= ahi && ahi <= 1.0, "%g in [%g, %g]", ae, alo,
                      ahi);
        }
        cJSON_Delete(j);
        free(text);
    }
    tr_config_free(cfg);
}

Test(sampling, a_precision_target_is_not_met_while_the_weights_are_unsound)
{
    /* the trust fails on every path, but a shift of 10 leaves every weight
     * tiny: P(fail) about 0 with a standard error tinier still, which would
     * meet any target; the mean weight, far from 1, says the weights are
     * unsound, so the run goes on to its last path and says so */
    tr_config *cfg = shifted("10");
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 20000;
    opt.threads = 2;
    opt.target_se = 0.01;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK, "%s", err.count ? err.diags[0].message : "");
    char *json = NULL;
    cr_assert_eq(tr_results_json(res, &json, &err), TR_OK);
    cJSON *j = cJSON_Parse(json);
    cr_expect_eq(th_num(j, "precision/paths_used"), 20000);
    cr_expect(cJSON_IsFalse(th_at(j, "precision/met")));
    cr_expect(cJSON_IsFalse(th_at(j, "precision/weights_sound")));
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    tr_results_print_summary(res, 10, fp);
    fclose(fp);
    cr_expect(strstr(buf, "weights are not yet sound") != NULL, "%s", buf);
    free(buf);
    cJSON_Delete(j);
    free(json);
    tr_results_free(res);
    tr_config_free(cfg);

    /* a sound shift meets it, and says its weights are sound */
    cfg = shifted("0.5");
    tr_run_options_init(&opt, cfg);
    opt.paths = 200000;
    opt.threads = 2;
    opt.target_se = 0.01;
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    cr_assert_eq(tr_results_json(res, &json, &err), TR_OK);
    j = cJSON_Parse(json);
    cr_expect(cJSON_IsTrue(th_at(j, "precision/met")));
    cr_expect(cJSON_IsTrue(th_at(j, "precision/weights_sound")));
    cr_expect_lt(th_num(j, "precision/paths_used"), 200000);
    cJSON_Delete(j);
    free(json);
    tr_results_free(res);
    tr_config_free(cfg);
}
