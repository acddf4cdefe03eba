/*
 * test_batch.c - batches: every scenario's results are byte for byte a run
 * of its merged config; the paired comparison agrees with exact answers and
 * shows common random numbers at work; a batch gives the same bytes at any
 * thread count, split into shards or resumed from a checkpoint.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustrisk/trustrisk.h"
#include "helpers.h"

/* Ten independent trusts, each failing exactly when its one scheme turns
 * out to exist only on paper (probability 0.1). */
#define NT 10
static char *paper_base(double paper)
{
    char *s = th_fmt("{\"name\":\"paper\",\"horizon_months\":12,\"consortia\":[{\"id\":\"c\","
                     "\"reserve\":2},{\"id\":\"d\",\"reserve\":50}],\"trusts\":[");
    for (int i = 0; i < NT; i++) {
        char *t = th_fmt("%s%s{\"id\":\"t%d\",\"cash\":1,\"income\":120,\"expenditure\":132,"
                         "\"commissioners\":[{\"consortium\":\"%s\",\"share\":1}],"
                         "\"schemes\":[{\"id\":\"s\",\"saving\":12,\"start_month\":1,"
                         "\"paper\":%g}]}",
                         s, i ? "," : "", i, i < 5 ? "c" : "d", paper);
        free(s);
        s = t;
    }
    char *t = th_fmt("%s]}", s);
    free(s);
    return t;
}

/* A folder with base.json and a manifest whose scenarios are: "ref" (the
 * base), "same" (an empty overlay), "worse" (every paper probability 0.2)
 * and "fewer" (trust t9 removed), the reference being `reference`. */
static char *paper_batch_ref(uint64_t paths, const char *reference)
{
    char dir[256];
    th_tmpdir(dir, sizeof dir, "batch");
    char *base = paper_base(0.1), *file = th_fmt("%s/base.json", dir);
    th_write(file, base);
    free(base);
    free(file);
    char *worse = th_fmt("{\"trusts\":[");
    for (int i = 0; i < NT; i++) {
        char *t = th_fmt("%s%s{\"id\":\"t%d\",\"schemes\":[{\"id\":\"s\",\"paper\":0.2}]}", worse,
                         i ? "," : "", i);
        free(worse);
        worse = t;
    }
    char *manifest = th_fmt(
        "{\"name\":\"paper batch\",\"base\":\"base.json\",\"paths\":%llu,\"seed\":5,"
        "\"reference\":\"%s\",\"scenarios\":[{\"id\":\"ref\"},{\"id\":\"same\",\"overlay\":{}},"
        "{\"id\":\"worse\",\"name\":\"Worse\",\"overlay\":%s]}},"
        "{\"id\":\"fewer\",\"overlay\":{\"trusts\":[{\"id\":\"t9\",\"remove\":true}]}}]}",
        (unsigned long long)paths, reference, worse);
    free(worse);
    file = th_fmt("%s/manifest.json", dir);
    th_write(file, manifest);
    free(manifest);
    return file;
}

static char *paper_batch(uint64_t paths)
{
    return paper_batch_ref(paths, "ref");
}

static tr_manifest *load(const char *file)
{
    tr_manifest *m = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_manifest_load_file(file, &m, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    return m;
}

static tr_batch *run_batch(const tr_manifest *m, int threads)
{
    tr_batch_options opt;
    tr_batch_options_init(&opt);
    opt.threads = threads;
    tr_batch *b = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_batch_run(m, &opt, &b, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    return b;
}

/* results.json and every CSV view of some results, concatenated. */
static char *outputs(const tr_results *res)
{
    char *json = NULL, *buf = NULL;
    size_t len = 0;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_results_json(res, &json, &err), TR_OK);
    FILE *fp = open_memstream(&buf, &len);
    fputs(json, fp);
    for (int v = 0; v < TR_CSV_VIEWS; v++)
        cr_assert_eq(tr_results_csv(res, (tr_csv_view)v, fp, &err), TR_OK);
    fclose(fp);
    free(json);
    return buf;
}

/* comparison.json followed by comparison.csv. */
static char *comparison(const tr_batch *b)
{
    char *json = NULL, *buf = NULL;
    size_t len = 0;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_batch_comparison_json(b, &json, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    FILE *fp = open_memstream(&buf, &len);
    fputs(json, fp);
    cr_assert_eq(tr_batch_comparison_csv(b, fp, &err), TR_OK);
    fclose(fp);
    free(json);
    return buf;
}

/* Every scenario's outputs and the comparison. */
static char *everything(const tr_batch *b, size_t n)
{
    char *all = comparison(b);
    for (size_t k = 0; k < n; k++) {
        char *o = outputs(tr_batch_results(b, k)), *t = th_fmt("%s%s", all, o);
        free(o);
        free(all);
        all = t;
    }
    return all;
}

static void each_scenario_is_a_run(tr_manifest *m, int threads)
{
    tr_batch *b = run_batch(m, threads);
    for (size_t k = 0; k < tr_manifest_scenario_count(m); k++) {
        const tr_config *cfg = tr_manifest_scenario_config(m, k);
        tr_run_options opt;
        tr_run_options_init(&opt, cfg);
        cr_assert_eq(opt.paths, tr_manifest_paths(m));
        cr_assert_eq(opt.seed, tr_manifest_seed(m));
        opt.threads = 1;
        tr_results *res = NULL;
        tr_error err;
        tr_error_init(&err);
        cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
        char *want = outputs(res), *got = outputs(tr_batch_results(b, k));
        cr_assert_str_eq(got, want, "scenario %s differs from a run of its merged config",
                         tr_manifest_scenario_id(m, k));
        free(want);
        free(got);
        tr_results_free(res);
    }
    tr_batch_free(b);
    tr_manifest_free(m);
}

Test(batch, each_scenario_is_byte_for_byte_a_run_of_its_merged_config)
{
    char *file = paper_batch(3000);
    each_scenario_is_a_run(load(file), 2);
    free(file);
}

Test(batch, a_reference_listed_after_other_scenarios_changes_no_scenarios_results)
{
    /* the plans run reference first, then the others in the manifest's
     * order, skipping the reference: "fewer" is the last */
    char *file = paper_batch_ref(3000, "fewer");
    each_scenario_is_a_run(load(file), 2);
    free(file);
    file = paper_batch_ref(3000, "same");
    each_scenario_is_a_run(load(file), 1);
    free(file);
}

Test(batch, the_bundled_overnight_batch_scenarios_are_runs, .timeout = 120)
{
    /* the bundled manifest at 2,000 paths: a copy with "paths" set */
    char *text = th_read_ok(TR_SOURCE_DIR "/configs/batches/region-overnight.json");
    char *brace = strchr(text, '{');
    char *copy = th_fmt("{\"paths\": 2000, %s", brace + 1);
    tr_manifest *m = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_manifest_load_buffer(copy, strlen(copy), "region-overnight.json",
                                         TR_SOURCE_DIR "/configs/batches", &m, &err),
                 TR_OK, "%s", err.count ? err.diags[0].message : "");
    cr_assert_geq(tr_manifest_scenario_count(m), 4);
    each_scenario_is_a_run(m, 2);
    free(copy);
    free(text);
}

static const cJSON *find_id(const cJSON *arr, const char *id)
{
    for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next)
        if (strcmp(th_str(e, "id") ? th_str(e, "id") : "", id) == 0) return e;
    return NULL;
}

static const cJSON *comparison_of(const cJSON *doc, const char *scenario)
{
    for (const cJSON *c = th_at(doc, "comparisons")->child; c; c = c->next)
        if (strcmp(th_str(c, "scenario"), scenario) == 0) return c;
    cr_assert_fail("no comparison for %s", scenario);
    return NULL;
}

/* |x - want| within 4 standard errors. */
static void near(double x, double want, double se, const char *what)
{
    cr_expect(fabs(x - want) <= 4 * se, "%s: %.6g, expected %.6g (4 se = %.3g)", what, x, want,
              4 * se);
}

Test(batch, paired_differences_agree_with_exact_answers)
{
    const uint64_t n = 20000;
    char *file = paper_batch(n);
    tr_manifest *m = load(file);
    tr_batch *b = run_batch(m, 2);
    char *json = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_batch_comparison_json(b, &json, &err), TR_OK);
    cJSON *doc = cJSON_Parse(json);
    cr_assert_not_null(doc);
    cr_assert_str_eq(th_str(doc, "reference"), "ref");
    cr_assert_eq(cJSON_GetArraySize(th_at(doc, "comparisons")), 3);
    const cJSON *w = comparison_of(doc, "worse");
    double dn = (double)n;
    /* each trust: D = 1{fails in worse} - 1{fails in ref}; with common
     * random numbers the ref's failures are nested in worse's, so D is 0
     * or 1, P(D = 1) = 0.1: var(D) = 0.09; unpaired var 0.09 + 0.16 */
    for (int i = 0; i < NT; i++) {
        char id[8];
        snprintf(id, sizeof id, "t%d", i);
        const cJSON *t = find_id(th_at(w, "trusts"), id);
        cr_assert_not_null(t);
        cr_assert_str_eq(th_str(t, "in"), "both");
        double d = th_num(t, "p_fail/delta"), se = th_num(t, "p_fail/se");
        near(d, 0.1, sqrt(0.09 / dn), "delta p_fail");
        /* D in {0, 1}: its sample variance is d (1 - d) n / (n - 1) exactly */
        cr_expect(fabs(se * se * dn - d * (1 - d) * dn / (dn - 1)) < 1e-9,
                  "D is not 0/1 on every path: common random numbers broken (se %.9g, d %.9g)", se,
                  d);
        near(se, sqrt(0.09 / dn), 0.0095 * sqrt(0.09 / dn), "se of delta p_fail");
        near(th_num(t, "p_fail/se_unpaired"), sqrt(0.25 / dn), 0.01 * sqrt(0.25 / dn),
             "se without pairing");
        near(th_num(t, "p_fail/scenario") - th_num(t, "p_fail/reference"), d, 1e-12 / 4,
             "delta is the difference of the means");
        double lo = th_num(t, "p_fail/ci95/0"), hi = th_num(t, "p_fail/ci95/1");
        cr_expect(fabs(lo - (d - 1.959963984540054 * se)) < 1e-12, "ci95 low");
        cr_expect(fabs(hi - (d + 1.959963984540054 * se)) < 1e-12, "ci95 high");
    }
    /* the system: D = sum of ten independent 0/1 differences */
    near(th_num(w, "system/failures/delta"), 1.0, sqrt(0.9 / dn), "delta failures");
    near(th_num(w, "system/failures/se"), sqrt(0.9 / dn), 0.02 * sqrt(0.9 / dn), "se failures");
    near(th_num(w, "system/failures/se_unpaired"), sqrt(2.5 / dn), 0.02 * sqrt(2.5 / dn),
         "se failures unpaired");
    /* bail-outs: cash 1 falls by 1 a month once a scheme is only on
     * paper, to a floor of 0, so a failing trust is bailed out by 1 a month
     * from month 2 to 12: BO = 11 D, delta 1.1, se 11 times p_fail's */
    for (int i = 0; i < NT; i++) {
        char id[8];
        snprintf(id, sizeof id, "t%d", i);
        const cJSON *t = find_id(th_at(w, "trusts"), id);
        double se = th_num(t, "p_fail/se");
        near(th_num(t, "bailout/delta"), 1.1, 11.0 * se, "delta bail-out");
        cr_expect_float_eq(th_num(t, "bailout/se"), 11.0 * se, 1e-9 * se, "se of delta bail-out");
    }
    /* consortia: c (t0-t4, reserve 2) and d (t5-t9, reserve 50) are asked
     * for k a month from month 2, k of their five trusts failing, so pay
     * min(11 k, reserve) and leave 11 k - paid as national top-up; k is
     * Binomial(5, 0.1) in ref, Binomial(5, 0.2) in worse */
    static const char *const cons[2] = {"c", "d"};
    const double reserve[2] = {2.0, 50.0};
    for (int c = 0; c < 2; c++) {
        double paid[2] = {0, 0}, top[2] = {0, 0};
        for (int s = 0; s < 2; s++) {
            double q = s ? 0.2 : 0.1;
            for (int k = 0; k <= 5; k++) {
                double pk = 1.0;
                for (int j = 0; j < 5; j++)
                    pk *= j < k ? q : 1.0 - q;
                pk *= k == 0 || k == 5 ? 1 : k == 1 || k == 4 ? 5 : 10; /* binomial(5, k) */
                double ask = 11.0 * k, pay = fmin(ask, reserve[c]);
                paid[s] += pk * pay;
                top[s] += pk * (ask - pay);
            }
        }
        const cJSON *co = find_id(th_at(w, "consortia"), cons[c]);
        cr_assert_not_null(co);
        near(th_num(co, "paid/delta"), paid[1] - paid[0], th_num(co, "paid/se"), "delta paid");
        near(th_num(co, "national_topup/delta"), top[1] - top[0], th_num(co, "national_topup/se"),
             "delta top-up");
    }
    /* an identical scenario: every difference exactly zero */
    const cJSON *same = comparison_of(doc, "same");
    cr_assert_eq(th_num(same, "system/failures/delta"), 0.0);
    cr_assert_eq(th_num(same, "system/failures/se"), 0.0);
    cr_assert_eq(th_num(same, "system/bailout/se"), 0.0);
    cr_assert_gt(th_num(same, "system/bailout/se_unpaired"), 0.0);
    for (const cJSON *t = th_at(same, "trusts")->child; t; t = t->next) {
        cr_assert_eq(th_num(t, "bailout/delta"), 0.0);
        cr_assert_eq(th_num(t, "p_fail/se"), 0.0);
    }
    for (const cJSON *c = th_at(same, "consortia")->child; c; c = c->next)
        cr_assert_eq(th_num(c, "paid/delta"), 0.0);
    /* a trust removed: null for it, the others' failures unchanged */
    const cJSON *fewer = comparison_of(doc, "fewer");
    const cJSON *t9 = find_id(th_at(fewer, "trusts"), "t9");
    cr_assert_not_null(t9);
    cr_assert_str_eq(th_str(t9, "in"), "reference");
    cr_assert(cJSON_IsNull(th_at(t9, "p_fail")));
    cr_assert(cJSON_IsNull(th_at(t9, "bailout")));
    for (int i = 0; i < NT - 1; i++) {
        char id[8];
        snprintf(id, sizeof id, "t%d", i);
        cr_assert_eq(th_num(find_id(th_at(fewer, "trusts"), id), "p_fail/delta"), 0.0);
    }
    cJSON_Delete(doc);
    free(json);
    tr_batch_free(b);
    tr_manifest_free(m);
    free(file);
}

Test(batch, the_same_bytes_at_any_thread_count_split_or_resumed, .timeout = 120)
{
    char *file = paper_batch(9000);
    tr_manifest *m = load(file);
    size_t ns = tr_manifest_scenario_count(m);
    tr_batch *b1 = run_batch(m, 1), *b3 = run_batch(m, 3);
    char *want = everything(b1, ns), *got = everything(b3, ns);
    cr_assert_str_eq(got, want, "1 and 3 threads differ");
    free(got);
    /* shards 0..2 of 3, merged in another order */
    void *st[3];
    size_t len[3];
    const char *names[3] = {"s2", "s0", "s1"};
    for (uint32_t i = 0; i < 3; i++) {
        tr_batch_options opt;
        tr_batch_options_init(&opt);
        opt.shard_index = (i + 2) % 3;
        opt.shard_count = 3;
        tr_batch *s = NULL;
        tr_error err;
        tr_error_init(&err);
        cr_assert_eq(tr_batch_run(m, &opt, &s, &err), TR_OK);
        char *no = NULL;
        cr_assert_eq(tr_batch_comparison_json(s, &no, &err), TR_E_INPUT, "a shard's comparison");
        tr_error_clear(&err);
        cr_assert_eq(tr_batch_state(s, &st[i], &len[i], &err), TR_OK);
        tr_batch_free(s);
    }
    tr_batch *merged = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_batch_merge(m, (const void *const *)st, len, names, 3, &merged, &err), TR_OK,
                 "%s", err.count ? err.diags[0].message : "");
    got = everything(merged, ns);
    cr_assert_str_eq(got, want, "merged shards differ");
    free(got);
    tr_batch_free(merged);
    /* a run's state is not a batch's */
    char *base = paper_base(0.1);
    tr_config *cfg = th_load(base);
    free(base);
    tr_results *res = NULL;
    cr_assert_eq(th_run(cfg, 100, 5, 1, &res, &err), TR_OK);
    void *rs = NULL;
    size_t rlen = 0;
    cr_assert_eq(tr_results_state(res, &rs, &rlen, &err), TR_OK);
    const char *rn = "run.trs";
    cr_assert_eq(tr_batch_merge(m, (const void *const *)&rs, &rlen, &rn, 1, &merged, &err),
                 TR_E_INPUT);
    cr_assert(strstr(err.diags[err.count - 1].message, "single run"), "%s",
              err.diags[err.count - 1].message);
    tr_error_clear(&err);
    free(rs);
    tr_results_free(res);
    tr_config_free(cfg);
    for (int i = 0; i < 3; i++)
        free(st[i]);
    free(want);
    tr_batch_free(b1);
    tr_batch_free(b3);
    tr_manifest_free(m);
    free(file);
}

/* Checkpoints kept by the resume test. */
typedef struct kept {
    void *state;
    size_t len;
    int calls;
    volatile int *stop;
} kept;

static int keep(void *user, const void *state, size_t len)
{
    kept *k = user;
    free(k->state);
    k->state = malloc(len);
    memcpy(k->state, state, len);
    k->len = len;
    if (++k->calls == 2) *k->stop = 1;
    return 0;
}

Test(batch, a_stopped_batch_resumes_to_the_same_bytes_and_refuses_another_batch)
{
    char *file = paper_batch(30 * 1024);
    tr_manifest *m = load(file);
    size_t ns = tr_manifest_scenario_count(m);
    tr_batch *whole = run_batch(m, 2);
    char *want = everything(whole, ns);
    static volatile int stop;
    stop = 0;
    kept k = {NULL, 0, 0, &stop};
    tr_batch_options opt;
    tr_batch_options_init(&opt);
    opt.threads = 2;
    opt.checkpoint = keep;
    opt.checkpoint_user = &k;
    opt.checkpoint_every = 1e-9;
    opt.stop = (const volatile int *)&stop;
    tr_batch *b = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_batch_run(m, &opt, &b, &err), TR_E_INTERRUPTED);
    cr_assert_null(b);
    tr_error_clear(&err);
    tr_batch_options_init(&opt);
    opt.threads = 3;
    opt.resume = k.state;
    opt.resume_len = k.len;
    opt.resume_name = "out/checkpoint.trs";
    cr_assert_eq(tr_batch_run(m, &opt, &b, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    char *got = everything(b, ns);
    cr_assert_str_eq(got, want, "resumed batch differs");
    free(got);
    tr_batch_free(b);
    /* the same checkpoint into a batch with another seed */
    char *text = th_read_ok(file);
    char *seed = strstr(text, "\"seed\":5");
    cr_assert_not_null(seed);
    seed[7] = '6';
    char *other_file = th_fmt("%s.other.json", file);
    th_write(other_file, text);
    tr_manifest *other = load(other_file);
    cr_assert_eq(tr_batch_run(other, &opt, &b, &err), TR_E_INPUT);
    int said = 0;
    for (size_t d = 0; d < err.count; d++)
        said |= strstr(err.diags[d].message, "another batch") != NULL &&
                strcmp(err.diags[d].file, "out/checkpoint.trs") == 0;
    cr_assert(said, "%s", err.diags[0].message);
    tr_error_clear(&err);
    tr_manifest_free(other);
    free(other_file);
    free(text);
    free(k.state);
    free(want);
    tr_batch_free(whole);
    tr_manifest_free(m);
    free(file);
}
