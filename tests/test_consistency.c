/*
 * test_consistency.c - results.json agrees with itself on every bundled
 * config: failure curves rise to P(fail), quantiles rise and sit under the
 * expected shortfalls, cash bands are ordered, consortia pay no more than
 * asked or held, top-ups are what was not paid, and the distribution of the
 * number failing sums to one with the mean of the trusts' P(fail).
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustrisk/trustrisk.h"
#include "helpers.h"

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "%s is not a number", k);
    return v->valuedouble;
}

static void check_dist(const cJSON *d, const char *where)
{
    static const char *qs[5] = {"0.5", "0.9", "0.95", "0.99", "0.995"};
    const cJSON *q = cJSON_GetObjectItem(d, "quantiles"), *es = cJSON_GetObjectItem(d, "es");
    for (int k = 1; k < 5; k++)
        cr_expect(num(q, qs[k]) >= num(q, qs[k - 1]), "%s: quantile %s below %s", where, qs[k],
                  qs[k - 1]);
    cr_expect(num(es, "0.95") >= num(q, "0.95") - 1e-9, "%s: ES 0.95 below q 0.95", where);
    cr_expect(num(es, "0.99") >= num(q, "0.99") - 1e-9, "%s: ES 0.99 below q 0.99", where);
    cr_expect(num(d, "sd") >= 0.0, "%s: negative sd", where);
    /* ES comes from bucket representatives (0.5 % relative or 0.01 absolute,
     * README), the mean from exact sums: compare within that bound. */
    double e = num(es, "0.95");
    cr_expect(num(d, "mean") <= e + fmax(0.005 * fabs(e), 0.01) + 1e-9,
              "%s: mean %g above ES 0.95 %g", where, num(d, "mean"), e);
}

static void check_config(const char *path)
{
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    cr_assert_eq(tr_config_load_file(path, &cfg, &err), TR_OK, "%s does not load", path);
    cJSON *r = th_run_json(cfg, 3000, 7, 0);

    double sum_p = 0.0;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(r, "trusts"))
    {
        const char *id = cJSON_GetObjectItem(t, "id")->valuestring;
        const cJSON *pf = cJSON_GetObjectItem(t, "p_fail"),
                    *fc = cJSON_GetObjectItem(t, "failure_curve");
        double p = num(pf, "estimate"), prev = 0.0;
        const cJSON *v;
        cJSON_ArrayForEach(v, fc)
        {
            cr_expect(v->valuedouble >= prev, "%s: failure curve falls", id);
            prev = v->valuedouble;
        }
        cr_expect_eq(prev, p, "%s: failure curve ends at %g, P(fail) %g", id, prev, p);
        const cJSON *ci = cJSON_GetObjectItem(pf, "ci95");
        cr_expect(cJSON_GetArrayItem(ci, 0)->valuedouble <= p &&
                      p <= cJSON_GetArrayItem(ci, 1)->valuedouble,
                  "%s: estimate outside its interval", id);
        check_dist(cJSON_GetObjectItem(t, "bailout"), id);
        const cJSON *b = cJSON_GetObjectItem(t, "cash_bands");
        static const char *bands[5] = {"p5", "p25", "p50", "p75", "p95"};
        int H = cJSON_GetArraySize(cJSON_GetObjectItem(b, "p5"));
        for (int m = 0; m < H; m++)
            for (int k = 1; k < 5; k++)
                cr_expect(
                    cJSON_GetArrayItem(cJSON_GetObjectItem(b, bands[k]), m)->valuedouble >=
                        cJSON_GetArrayItem(cJSON_GetObjectItem(b, bands[k - 1]), m)->valuedouble,
                    "%s: cash band %s below %s in month %d", id, bands[k], bands[k - 1], m + 1);
        sum_p += p;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "consortia"))
    {
        const char *id = cJSON_GetObjectItem(c, "id")->valuestring;
        const cJSON *req = cJSON_GetObjectItem(c, "requested"),
                    *paid = cJSON_GetObjectItem(c, "paid"),
                    *top = cJSON_GetObjectItem(c, "national_topup");
        check_dist(req, id);
        check_dist(paid, id);
        check_dist(top, id);
        cr_expect(num(paid, "mean") <= num(req, "mean") + 1e-9, "%s: pays more than asked", id);
        cr_expect(num(cJSON_GetObjectItem(paid, "quantiles"), "0.995") <= num(c, "reserve") + 1e-9,
                  "%s: pays more than its reserve", id);
        cr_expect(fabs(num(req, "mean") - num(paid, "mean") - num(top, "mean")) <= 1e-6,
                  "%s: top-up is not requested minus paid", id);
        const cJSON *ec = cJSON_GetObjectItem(c, "exhaustion_curve");
        cr_expect_eq(cJSON_GetArrayItem(ec, cJSON_GetArraySize(ec) - 1)->valuedouble,
                     num(cJSON_GetObjectItem(c, "p_exhausted"), "estimate"), "%s", id);
    }
    const cJSON *sys = cJSON_GetObjectItem(r, "system"), *f = cJSON_GetObjectItem(sys, "failures");
    double total = 0.0;
    int clipped = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItem(f, "distribution"))
    {
        total += v->valuedouble;
        clipped |= v->valuedouble == 1.0;
        cr_expect(v->valuedouble >= 0.0 && v->valuedouble <= 1.0, "%s: a share of %g", path,
                  v->valuedouble);
    }
    /* under importance sampling the weighted shares add up to the mean
     * weight, less what a share clipped at 1 lost */
    const cJSON *smp = cJSON_GetObjectItem(r, "sampling");
    double one = smp ? num(smp, "mean_weight") : 1.0;
    if (smp && clipped)
        cr_expect(total <= one * (1.0 + 1e-9), "%s: failure distribution sums to %.12g, over %.12g",
                  path, total, one);
    else
        cr_expect(fabs(total - one) <= 1e-9 * one,
                  "%s: failure distribution sums to %.12g, not %.12g", path, total, one);
    cr_expect(fabs(num(f, "mean") - sum_p) <= 1e-9, "%s: mean failures %g, sum of P(fail) %g", path,
              num(f, "mean"), sum_p);
    check_dist(cJSON_GetObjectItem(sys, "bailout"), "system");
    check_dist(cJSON_GetObjectItem(sys, "national_topup"), "system top-up");

    cJSON_Delete(r);
    tr_config_free(cfg);
    tr_error_clear(&err);
}

Test(consistency, every_bundled_config)
{
    DIR *d = opendir(TR_SOURCE_DIR "/configs");
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/configs/%s", TR_SOURCE_DIR, e->d_name);
        check_config(path);
        n++;
    }
    closedir(d);
    cr_expect_geq(n, 6);
}
