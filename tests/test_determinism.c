/*
 * test_determinism.c - results.json is the same bytes at any thread count and
 * for any order of the config's lists, and `path` replays exactly the path a
 * run simulated.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustrisk/trustrisk.h"
#include "helpers.h"

/* A config that uses every feature: three factor scopes, t copula, every
 * distribution family, paper, slippage, stay, compromise, one-offs, a
 * one-off saving, fixed charges, growth, noise, facility, buffer, reserves. */
#define HEAD                                                                                       \
    "{\"name\":\"order\",\"horizon_months\":24,\"copula\":{\"type\":\"t\",\"dof\":5},"             \
    "\"factors\":[%s],\"consortia\":[%s],\"trusts\":[%s]}"
static const char *factors[3] = {"{\"name\":\"nat\",\"scope\":\"global\"}",
                                 "{\"name\":\"loc\",\"scope\":\"consortium\"}",
                                 "{\"name\":\"own\",\"scope\":\"trust\"}"};
static const char *consortia[2] = {"{\"id\":\"north\",\"reserve\":4}",
                                   "{\"id\":\"south\",\"reserve\":30}"};
static const char *trusts[3] = {
    "{\"id\":\"alpha\",\"cash\":5,\"min_cash\":1,\"facility\":2,\"income\":240,"
    "\"expenditure\":252,\"fixed_charges\":6,\"fixed_indexation\":0.02,"
    "\"income_growth\":{\"dist\":\"normal\",\"mean\":0.02,\"sd\":0.01,\"factors\":{\"nat\":0.4}},"
    "\"cost_growth\":{\"dist\":\"pert\",\"min\":0.01,\"mode\":0.03,\"max\":0.06},"
    "\"cash_noise\":1,\"bailout_buffer\":0.5,\"factors\":{\"loc\":0.3,\"nat\":0.3},"
    "\"commissioners\":[{\"consortium\":\"north\",\"share\":0.7},"
    "{\"consortium\":\"south\",\"share\":0.2}],"
    "\"schemes\":[{\"id\":\"agency\",\"saving\":6,\"start_month\":1,\"ramp_months\":6,"
    "\"delivery\":{\"dist\":\"beta\",\"mean\":0.6,\"sd\":0.2},\"paper\":0.25,"
    "\"factors\":{\"nat\":0.3,\"own\":0.2}},"
    "{\"id\":\"ward\",\"kind\":\"closure\",\"saving\":9,\"start_month\":4,\"ramp_months\":9,"
    "\"slippage\":{\"dist\":\"lognormal\",\"median\":3,\"sigma\":0.7},"
    "\"stay\":{\"probability\":0.35,\"delay\":{\"dist\":\"uniform\",\"min\":3,\"max\":12}},"
    "\"compromise\":{\"probability\":0.3,\"retained\":{\"dist\":\"triangular\",\"min\":0.3,"
    "\"mode\":0.5,\"max\":0.8}},\"one_off_cost\":2.5},"
    "{\"id\":\"estates\",\"saving\":3,\"start_month\":2,\"recurrent\":false,"
    "\"delivery\":{\"dist\":\"discrete\",\"values\":[1,0.5,0],\"probs\":[0.5,0.3,0.2]}}]}",
    "{\"id\":\"beta\",\"cash\":3,\"income\":150,\"expenditure\":160,\"cash_noise\":0.5,"
    "\"commissioners\":[{\"consortium\":\"south\",\"share\":1}],\"factors\":{\"loc\":0.5},"
    "\"schemes\":[{\"id\":\"beds\",\"saving\":8,\"start_month\":3,\"ramp_months\":3,"
    "\"delivery\":{\"dist\":\"pert\",\"min\":0.2,\"mode\":0.8,\"max\":1,\"lambda\":3}}]}",
    "{\"id\":\"gamma\",\"cash\":20,\"income\":300,\"expenditure\":306,"
    "\"schemes\":[{\"id\":\"rota\",\"saving\":4,\"start_month\":1,\"paper\":0.1}]}"};

static char *make_config(const int *fo, const int *co, const int *to)
{
    char f[1024], c[512], t[8192];
    snprintf(f, sizeof f, "%s,%s,%s", factors[fo[0]], factors[fo[1]], factors[fo[2]]);
    snprintf(c, sizeof c, "%s,%s", consortia[co[0]], consortia[co[1]]);
    snprintf(t, sizeof t, "%s,%s,%s", trusts[to[0]], trusts[to[1]], trusts[to[2]]);
    size_t cap = strlen(HEAD) + strlen(f) + strlen(c) + strlen(t) + 1;
    char *s = malloc(cap);
    snprintf(s, cap, HEAD, f, c, t);
    return s;
}

static char *results(const tr_config *cfg, uint64_t paths, uint64_t first, int threads)
{
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.seed = 99;
    opt.first_path = first;
    opt.threads = threads;
    tr_error err;
    tr_error_init(&err);
    tr_results *res = NULL;
    cr_assert_eq(tr_run(cfg, &opt, &res, &err), TR_OK);
    char *text = NULL;
    cr_assert_eq(tr_results_json(res, &text, &err), TR_OK);
    tr_results_free(res);
    tr_error_clear(&err);
    return text;
}

Test(determinism, same_bytes_at_every_thread_count)
{
    int o[3] = {0, 1, 2};
    char *text = make_config(o, o, o);
    tr_config *cfg = th_load(text);
    free(text);
    /* 5000 paths: several blocks, the last one partial. */
    char *r1 = results(cfg, 5000, 0, 1);
    int counts[] = {2, 3, 7};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        char *rk = results(cfg, 5000, 0, counts[k]);
        cr_expect_str_eq(rk, r1, "results differ between 1 and %d threads", counts[k]);
        free(rk);
    }
    free(r1);
    tr_config_free(cfg);
}

Test(determinism, same_bytes_for_any_config_order)
{
    int o[3] = {0, 1, 2}, r[3] = {2, 1, 0}, r2[2] = {1, 0}, s[3] = {1, 2, 0};
    char *a = make_config(o, o, o), *b = make_config(r, r2, r), *c = make_config(s, r2, s);
    tr_config *ca = th_load(a), *cb = th_load(b), *cc = th_load(c);
    cr_expect_str_eq(tr_config_sha256(ca), tr_config_sha256(cb));
    char *ra = results(ca, 3000, 0, 2), *rb = results(cb, 3000, 0, 2),
         *rc = results(cc, 3000, 0, 1);
    cr_expect_str_eq(ra, rb, "reversing the config's lists changed results.json");
    cr_expect_str_eq(ra, rc, "permuting the config's lists changed results.json");
    free(a);
    free(b);
    free(c);
    free(ra);
    free(rb);
    free(rc);
    tr_config_free(ca);
    tr_config_free(cb);
    tr_config_free(cc);
}

/* Sum the bailout column of the replay's monthly table for one trust. */
static double replay_bailout(const tr_config *cfg, uint64_t index, const char *trust, int *rows)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_path_replay(cfg, 99, index, fp, &err), TR_OK);
    fclose(fp);
    double sum = 0;
    *rows = 0;
    char *save = NULL;
    size_t tl = strlen(trust);
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "trust,scheme", 12) == 0) break; /* end of the monthly table */
        if (strncmp(line, trust, tl) != 0 || line[tl] != ',') continue;
        /* columns: trust,month,income,expenditure,fixed,savings,one_off,noise,flow,bailout,cash */
        char *p = line;
        for (int k = 0; k < 9; k++)
            p = strchr(p, ',') + 1;
        sum += strtod(p, NULL);
        (*rows)++;
    }
    free(buf);
    tr_error_clear(&err);
    return sum;
}

Test(determinism, path_replay_matches_the_run)
{
    int o[3] = {0, 1, 2};
    char *text = make_config(o, o, o);
    tr_config *cfg = th_load(text);
    free(text);
    const char *ids[3] = {"alpha", "beta", "gamma"};
    uint64_t picks[3] = {0, 1234, 987654};
    for (int k = 0; k < 3; k++) {
        char *r = results(cfg, 1, picks[k], 1);
        cJSON *j = cJSON_Parse(r);
        cJSON *ts = cJSON_GetObjectItem(j, "trusts");
        for (int i = 0; i < 3; i++) {
            cJSON *t = cJSON_GetArrayItem(ts, i);
            cr_assert_str_eq(cJSON_GetObjectItem(t, "id")->valuestring, ids[i]);
            double run_bo =
                cJSON_GetObjectItem(cJSON_GetObjectItem(t, "bailout"), "mean")->valuedouble;
            int rows = 0;
            double rep = replay_bailout(cfg, picks[k], ids[i], &rows);
            cr_expect_eq(rows, 24);
            cr_expect(fabs(rep - run_bo) <= 1e-7 * (1 + fabs(run_bo)),
                      "path %llu trust %s: replay %.10g vs run %.10g", (unsigned long long)picks[k],
                      ids[i], rep, run_bo);
        }
        cJSON_Delete(j);
        free(r);
    }
    tr_config_free(cfg);
}

Test(determinism, split_runs_cover_the_same_paths)
{
    /* Paths 0..2047 as one run, and as two runs of one block each: the
     * failure counts (integers) add up exactly. */
    int o[3] = {0, 1, 2};
    char *text = make_config(o, o, o);
    tr_config *cfg = th_load(text);
    free(text);
    char *all = results(cfg, 2048, 0, 2), *lo = results(cfg, 1024, 0, 1),
         *hi = results(cfg, 1024, 1024, 1);
    cJSON *ja = cJSON_Parse(all), *jl = cJSON_Parse(lo), *jh = cJSON_Parse(hi);
    for (int i = 0; i < 3; i++) {
        double pa = cJSON_GetObjectItem(
                        cJSON_GetObjectItem(
                            cJSON_GetArrayItem(cJSON_GetObjectItem(ja, "trusts"), i), "p_fail"),
                        "estimate")
                        ->valuedouble;
        double pl = cJSON_GetObjectItem(
                        cJSON_GetObjectItem(
                            cJSON_GetArrayItem(cJSON_GetObjectItem(jl, "trusts"), i), "p_fail"),
                        "estimate")
                        ->valuedouble;
        double ph = cJSON_GetObjectItem(
                        cJSON_GetObjectItem(
                            cJSON_GetArrayItem(cJSON_GetObjectItem(jh, "trusts"), i), "p_fail"),
                        "estimate")
                        ->valuedouble;
        cr_expect_eq(llround(pa * 2048), llround(pl * 1024) + llround(ph * 1024));
    }
    cJSON_Delete(ja);
    cJSON_Delete(jl);
    cJSON_Delete(jh);
    free(all);
    free(lo);
    free(hi);
    tr_config_free(cfg);
}
