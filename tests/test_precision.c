/*
 * test_precision.c - precision targets: a run stops at the first round
 * boundary (1, 2, 4, ..., 64 blocks, then every 64) where every trust's
 * P(fail) meets se <= max(target_se, target_rel * estimate); the paths it
 * uses, and so its bytes, are the same at any thread count and after any
 * resume; the boundary before did not meet the target; a target that cannot
 * be met runs to --paths and says so.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "rounds.h"
#include "trustrisk/trustrisk.h"

static tr_config *example(void)
{
    char *file = th_fmt("%s/configs/example.json", TR_SOURCE_DIR);
    tr_config *cfg = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(file, &cfg, &err), TR_OK);
    free(file);
    return cfg;
}

/* Checkpoints kept by a test; the run is stopped at checkpoint stop_at. */
typedef struct kept {
    void *state[256];
    size_t len[256];
    size_t n;
    int stop_at;
    volatile int *stop;
} kept;

static int keep(void *user, const void *state, size_t len)
{
    kept *k = user;
    cr_assert_lt(k->n, 256);
    k->state[k->n] = malloc(len);
    memcpy(k->state[k->n], state, len);
    k->len[k->n] = len;
    if ((int)k->n == k->stop_at) *k->stop = 1;
    k->n++;
    return 0;
}

static void kept_free(kept *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->state[i]);
}

/* A calls-counting precision callback. */
typedef struct calls {
    int n, met_seen;
    uint64_t last_paths;
} calls;

static void on_check(void *user, uint64_t paths, double worst_se, double allowed, int met)
{
    calls *c = user;
    c->n++;
    cr_assert_gt(paths, c->last_paths, "checks come at growing boundaries");
    cr_assert_eq(paths % TR_PATH_BLOCK, 0);
    cr_assert_eq(met, worst_se <= allowed);
    c->last_paths = paths;
    c->met_seen += met;
}

/* A run with a target; its results.json (NULL when it did not finish). */
static char *target_run(const tr_config *cfg, uint64_t paths, double se, double rel, int threads,
                        kept *k, const void *resume, size_t resume_len, calls *c, tr_status *st,
                        tr_error *err)
{
    static volatile int stop;
    stop = 0;
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.seed = 42;
    opt.threads = threads;
    opt.target_se = se;
    opt.target_rel = rel;
    if (c) {
        opt.precision = on_check;
        opt.precision_user = c;
    }
    if (k) {
        k->stop = &stop;
        opt.checkpoint = keep;
        opt.checkpoint_user = k;
        opt.checkpoint_every = 1e-9;
        opt.stop = (const volatile int *)&stop;
    }
    opt.resume = resume;
    opt.resume_len = resume_len;
    opt.resume_name = "checkpoint.trs";
    tr_results *res = NULL;
    *st = tr_run(cfg, &opt, &res, err);
    char *json = NULL;
    if (*st == TR_OK) cr_assert_eq(tr_results_json(res, &json, err), TR_OK);
    tr_results_free(res);
    return json;
}

/* The largest se / allowed over the trusts of a plain run of n paths. */
static double worst_ratio(const tr_config *cfg, uint64_t n, double se, double rel)
{
    cJSON *j = th_run_json(cfg, n, 42, 1);
    double worst = 0.0;
    const cJSON *t;
    cJSON_ArrayForEach(t, th_at(j, "trusts"))
    {
        double p = th_num(t, "p_fail/estimate");
        double q = p > 0.0 ? p : 1.0 / (double)n; /* none failed: counted as one */
        double s = sqrt(q * (1.0 - q) / (double)n);
        double r = s / fmax(se, rel * p);
        if (r > worst) worst = r;
    }
    cJSON_Delete(j);
    return worst;
}

Test(precision, stage_boundaries_are_powers_of_two_to_64_then_every_64_blocks)
{
    /* the boundary after b blocks: 1, 2, 4, ..., 64, then 128, 192, ... */
    static const uint64_t after[][2] = {{0, 1},     {1, 2},     {2, 4},     {3, 4},      {4, 8},
                                        {7, 8},     {8, 16},    {15, 16},   {16, 32},    {31, 32},
                                        {32, 64},   {63, 64},   {64, 128},  {65, 128},   {127, 128},
                                        {128, 192}, {191, 192}, {192, 256}, {1000, 1024}};
    for (size_t k = 0; k < sizeof after / sizeof *after; k++)
        cr_expect_eq(tr__rounds_boundary_after(after[k][0]), after[k][1], "after %llu: %llu",
                     (unsigned long long)after[k][0],
                     (unsigned long long)tr__rounds_boundary_after(after[k][0]));
}

Test(precision, a_run_stops_at_the_first_boundary_that_meets_the_target_at_any_thread_count)
{
    tr_config *cfg = example();
    tr_error err;
    tr_error_init(&err);
    tr_status st;
    calls c = {0};
    char *want = target_run(cfg, 60000, 0.005, 0.0, 1, NULL, NULL, 0, &c, &st, &err);
    cr_assert_eq(st, TR_OK, "%s", err.count ? err.diags[0].message : "");
    cJSON *j = cJSON_Parse(want);
    cr_assert_not_null(j);
    double used = th_num(j, "precision/paths_used");
    cr_expect_eq(th_num(j, "paths"), used, "\"paths\" is the paths the statistics hold");
    cr_expect_eq(th_num(j, "precision/max_paths"), 60000);
    cr_expect_eq(th_num(j, "precision/target_se"), 0.005);
    cr_expect(cJSON_IsNull(th_at(j, "precision/target_rel")));
    cr_expect(cJSON_IsTrue(th_at(j, "precision/met")));
    cr_expect_leq(th_num(j, "precision/worst/se"), th_num(j, "precision/worst/allowed"));
    /* district-general, P(fail) about 0.23, needs about 7200 paths for se
     * 0.005: the boundary of 8 blocks; the one before (4) is not enough */
    uint64_t n = (uint64_t)used;
    cr_assert_eq(n, 8 * TR_PATH_BLOCK, "stopped after %llu paths", (unsigned long long)n);
    cr_expect_leq(worst_ratio(cfg, n, 0.005, 0.0), 1.0);
    cr_expect_gt(worst_ratio(cfg, n / 2, 0.005, 0.0), 1.0, "the boundary before met it too");
    cr_expect_eq(c.n, 4, "checks at 1, 2, 4 and 8 blocks (got %d)", c.n);
    cr_expect_eq(c.met_seen, 1);
    /* the trusts are those of a plain run of that many paths */
    cJSON *plain = th_run_json(cfg, n, 42, 2);
    cr_expect(cJSON_Compare(th_at(j, "trusts"), th_at(plain, "trusts"), 1));
    cr_expect(cJSON_Compare(th_at(j, "system"), th_at(plain, "system"), 1));
    cJSON_Delete(plain);
    cJSON_Delete(j);
    for (int threads = 2; threads <= 3; threads++) {
        char *got = target_run(cfg, 60000, 0.005, 0.0, threads, NULL, NULL, 0, NULL, &st, &err);
        cr_assert_eq(st, TR_OK);
        cr_assert_str_eq(got, want, "%d threads", threads);
        free(got);
    }
    free(want);
    tr_error_clear(&err);
    tr_config_free(cfg);
}

Test(precision, a_stopped_target_run_resumes_to_the_same_bytes_from_any_checkpoint)
{
    tr_config *cfg = example();
    tr_error err;
    tr_error_init(&err);
    tr_status st;
    char *want = target_run(cfg, 200000, 0.002, 0.01, 2, NULL, NULL, 0, NULL, &st, &err);
    cr_assert_eq(st, TR_OK);
    kept k = {.stop_at = -1};
    char *got = target_run(cfg, 200000, 0.002, 0.01, 2, &k, NULL, 0, NULL, &st, &err);
    cr_assert_str_eq(got, want, "checkpoints changed the results");
    free(got);
    cr_assert_geq(k.n, 3);
    for (size_t at = 0; at < k.n; at += 2) {
        kept k2 = {.stop_at = 0};
        got = target_run(cfg, 200000, 0.002, 0.01, 1 + (int)(at % 3), &k2, k.state[at], k.len[at],
                         NULL, &st, &err);
        if (st == TR_E_INTERRUPTED) { /* stopped once more: resume the last checkpoint */
            tr_error_clear(&err);
            got = target_run(cfg, 200000, 0.002, 0.01, 3, NULL, k2.state[k2.n - 1],
                             k2.len[k2.n - 1], NULL, &st, &err);
        }
        cr_assert_eq(st, TR_OK, "%s", err.count ? err.diags[0].message : "");
        cr_assert_str_eq(got, want, "resumed from checkpoint %zu", at);
        free(got);
        kept_free(&k2);
    }
    /* a checkpoint resumed with another target is refused, saying so */
    got = target_run(cfg, 200000, 0.003, 0.01, 1, NULL, k.state[0], k.len[0], NULL, &st, &err);
    cr_assert_eq(st, TR_E_INPUT);
    cr_assert_null(got);
    cr_assert(strstr(err.diags[0].message, "precision target"), "%s", err.diags[0].message);
    tr_error_clear(&err);
    /* and resumed with none: "none", not 0 */
    got = target_run(cfg, 200000, 0.0, 0.01, 1, NULL, k.state[0], k.len[0], NULL, &st, &err);
    cr_assert_eq(st, TR_E_INPUT);
    cr_assert_null(got);
    cr_expect(strstr(err.diags[0].message, "precision target se is 0.002, this run's is none"),
              "%s", err.diags[0].message);
    tr_error_clear(&err);
    kept_free(&k);
    free(want);
    tr_config_free(cfg);
}

Test(precision, the_state_of_a_finished_target_run_merges_to_its_bytes)
{
    tr_config *cfg = example();
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 60000;
    opt.target_se = 0.005;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    char *want = NULL, *got = NULL;
    cr_assert_eq(tr_results_json(res, &want, &err), TR_OK);
    void *state = NULL;
    size_t len = 0;
    cr_assert_eq(tr_results_state(res, &state, &len, &err), TR_OK);
    const char *name = "run.trs";
    tr_config *c2 = NULL;
    tr_results *r2 = NULL;
    cr_assert_eq(tr_results_merge((const void *const *)&state, &len, &name, 1, &c2, &r2, &err),
                 TR_OK, "%s", err.count ? err.diags[0].message : "");
    cr_assert_eq(tr_results_json(r2, &got, &err), TR_OK);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    free(state);
    tr_results_free(r2);
    tr_config_free(c2);
    tr_results_free(res);
    tr_config_free(cfg);
}

Test(precision, a_relative_target_with_a_trust_that_never_fails_runs_to_the_maximum)
{
    /* community-mental never fails in the example: a relative target
     * allows it no se at all, so the run goes on to --paths and says the
     * target was not met, naming it */
    tr_config *cfg = example();
    tr_error err;
    tr_error_init(&err);
    tr_status st;
    calls c = {0};
    char *json = target_run(cfg, 5000, 0.0, 0.05, 2, NULL, NULL, 0, &c, &st, &err);
    cr_assert_eq(st, TR_OK);
    cJSON *j = cJSON_Parse(json);
    cr_expect_eq(th_num(j, "paths"), 5000);
    cr_expect_eq(th_num(j, "precision/paths_used"), 5000);
    cr_expect(cJSON_IsFalse(th_at(j, "precision/met")));
    cr_expect_str_eq(th_str(j, "precision/worst/trust"), "community-mental");
    cr_expect_eq(c.met_seen, 0);
    cr_expect_eq(c.n, 3, "checks at 1, 2 and 4 blocks (got %d)", c.n);
    cJSON_Delete(j);
    free(json);
    /* the same run without a target but for the precision object */
    cJSON *plain = th_run_json(cfg, 5000, 42, 1);
    j = cJSON_Parse(json = target_run(cfg, 5000, 0.0, 0.05, 1, NULL, NULL, 0, NULL, &st, &err));
    cr_expect(cJSON_Compare(th_at(j, "trusts"), th_at(plain, "trusts"), 1));
    cJSON_Delete(j);
    cJSON_Delete(plain);
    free(json);
    tr_config_free(cfg);
}

Test(precision, bad_targets_and_targets_with_shards_are_refused)
{
    tr_config *cfg = example();
    const double bad[][2] = {{-0.1, 0}, {0, -1}, {1.5, 0}, {0, 2}, {NAN, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tr_error err;
        tr_error_init(&err);
        tr_status st;
        char *json = target_run(cfg, 2000, bad[i][0], bad[i][1], 1, NULL, NULL, 0, NULL, &st, &err);
        cr_expect_eq(st, TR_E_INPUT, "target %g %g", bad[i][0], bad[i][1]);
        cr_expect_null(json);
        cr_expect(strstr(err.diags[0].path, "target"), "%s", err.diags[0].path);
        tr_error_clear(&err);
    }
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = 4000;
    opt.target_se = 0.01;
    opt.shard_index = 0;
    opt.shard_count = 2;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_E_INPUT);
    cr_assert_null(res);
    cr_assert(strstr(err.diags[0].message, "not with shards"), "%s", err.diags[0].message);
    tr_error_clear(&err);
    tr_config_free(cfg);
}

Test(precision, a_configs_precision_object_sets_the_target)
{
    char *file = th_fmt("%s/configs/example.json", TR_SOURCE_DIR);
    char *text = th_read_ok(file);
    free(file);
    /* the example with "precision" added before its last brace */
    char *end = strrchr(text, '}');
    cr_assert_not_null(end);
    *end = '\0';
    char *json = th_fmt("%s, \"precision\": {\"target_se\": 0.005}}", text);
    tr_config *cfg = th_load(json);
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    cr_expect_eq(opt.target_se, 0.005);
    cr_expect_eq(opt.target_rel, 0.0);
    opt.paths = 60000;
    opt.seed = 42;
    tr_results *res = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    cJSON *j = th_results_json(res);
    cr_expect_eq(th_num(j, "precision/paths_used"), 8 * TR_PATH_BLOCK);
    cJSON_Delete(j);
    tr_results_free(res);
    tr_config_free(cfg);
    free(json);
    free(text);
}

Test(precision, the_summary_says_what_a_relative_target_alone_cannot_meet)
{
    /* raising --paths can never help a trust that never fails under a
     * relative target alone: the summary says what would */
    char dir[256];
    th_tmpdir(dir, sizeof dir, "prec");
    char *out = th_fmt("%s/out", dir);
    const char *args[] = {"run",
                          TR_SOURCE_DIR "/configs/example.json",
                          "--out",
                          out,
                          "--paths",
                          "3000",
                          "--target-rel",
                          "0.1",
                          NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "community-mental has not failed on any path") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "--target-se") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "raise --paths") == NULL, "%s", r.out);
    th_cli_free(&r);
    free(out);
}
