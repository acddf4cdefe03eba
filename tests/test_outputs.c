/*
 * test_outputs.c - every output of a real run says what results.json says,
 * and results.json says what the paths say.
 *
 * The real binary runs a config whose trusts fail in different months (one
 * never), whose schemes fall short more often when their trust fails, whose
 * consortia run dry on some paths (one is never asked), and whose names
 * need quoting in a CSV and escaping in HTML; then
 *   - every column of trusts.csv, consortia.csv, failure_curves.csv and
 *     schemes.csv is checked against results.json (the CSVs print 10
 *     significant digits, so to 6e-10 relative);
 *   - the summary printed on stdout is checked against results.json to the
 *     rounding of each printed figure;
 *   - every number in report.html (made by the same run, --report) is
 *     checked against results.json exactly (data-value attributes carry 17
 *     significant digits);
 *   - results.json itself is recomputed from the same paths simulated one
 *     by one in this process (tr__sim_path, the function the run uses):
 *     means, probabilities, curves and conditional means to 1e-11 relative,
 *     quantiles, expected shortfalls and cash bands against the exact
 *     sample values within the histograms' documented error (0.5 % relative
 *     or 0.01 absolute). 4001 paths: alpha n is never a whole number for the
 *     reported levels, so the sample quantile is unambiguous.
 * The bundled example config gets the CSV, summary and report checks too.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "sim.h"
#include "trustrisk/trustrisk.h"

#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif

#define PATHS 4001
#define SEED 17

/* ------------------------------------------------------------------ */
/* The config                                                         */

/* Written with single quotes (turned into double quotes before use); \\\"
 * stays an escaped double quote inside a JSON string. */
static const char *outputs_cfg =
    "{'name': 'Outputs, checked', 'horizon_months': 24, 'seed': 3, "
    "'factors': [{'name': 'nat', 'scope': 'global'}], "
    "'consortia': [{'id': 'north', 'name': 'North <GP> & Partners', 'reserve': 6}, "
    "{'id': 'south', 'reserve': 60}, {'id': 'idle', 'name': 'Nobody\\'s, idle', 'reserve': 5}], "
    "'trusts': ["
    /* early: a large deficit, fails in the first months on most paths */
    "{'id': 'early', 'name': 'St Mary\\\"s, Paddington', 'cash': 3, 'income': 120, "
    "'expenditure': 150, 'cash_noise': 1, "
    "'commissioners': [{'consortium': 'north', 'share': 0.6}, {'consortium': 'south', "
    "'share': 0.3}], 'schemes': [{'id': 'beds', 'name': 'Close beds, ward 4', 'saving': 24, "
    "'start_month': 1, 'ramp_months': 3, 'delivery': {'dist': 'beta', 'mean': 0.7, 'sd': 0.2}, "
    "'paper': 0.3, 'factors': {'nat': 0.5}}]},"
    /* late: fails in the second year when its schemes slip */
    "{'id': 'late', 'cash': 10, 'min_cash': 1, 'facility': 2, 'income': 240, "
    "'expenditure': 252, 'cash_noise': 0.5, 'bailout_buffer': 0.5, "
    "'cost_growth': {'dist': 'pert', 'min': 0.0, 'mode': 0.02, 'max': 0.06, "
    "'factors': {'nat': 0.4}}, "
    "'commissioners': [{'consortium': 'south', 'share': 1}], 'schemes': ["
    "{'id': 'agency', 'saving': 8, 'start_month': 2, 'ramp_months': 6, "
    "'delivery': {'dist': 'triangular', 'min': 0.2, 'mode': 0.8, 'max': 1}, "
    "'slippage': {'dist': 'lognormal', 'median': 4, 'sigma': 0.8}, 'factors': {'nat': 0.3}}, "
    "{'id': 'estates', 'saving': 4, 'start_month': 6, 'recurrent': false, 'one_off_cost': 1, "
    "'stay': {'probability': 0.4, 'delay': {'dist': 'uniform', 'min': 2, 'max': 10}}, "
    "'compromise': {'probability': 0.3, 'retained': {'dist': 'uniform', 'min': 0.3, "
    "'max': 0.8}}}]},"
    /* sometimes: near break-even, fails when its paper scheme is paper */
    "{'id': 'sometimes', 'cash': 4, 'income': 180, 'expenditure': 186, 'fixed_charges': 1.2, "
    "'fixed_indexation': 0.03, 'cash_noise': 0.8, "
    "'commissioners': [{'consortium': 'north', 'share': 0.5}], 'schemes': ["
    "{'id': 'rota', 'saving': 9, 'start_month': 1, 'paper': 0.25, 'factors': {'nat': 0.6}}, "
    "{'id': 'drugs', 'saving': 2, 'start_month': 3, 'delivery': {'dist': 'discrete', "
    "'values': [1, 0.5, 0], 'probs': [0.6, 0.3, 0.1]}}]},"
    /* never: deep pockets */
    "{'id': 'never', 'cash': 500, 'income': 100, 'expenditure': 110, 'schemes': [{'id': 'x', "
    "'saving': 5, 'start_month': 1, 'paper': 0.5}]}]}";

static char tmpdir[256];
static char outdir[512]; /* the run's output folder */
static char *stdout_text;

/* Run the binary on the config file cfg. */
static void run_file(const char *cfg)
{
    snprintf(outdir, sizeof outdir, "%s/out", tmpdir);
    cr_assert_eq(th_sh(TR_BINARY " run '%s' --paths %d --seed %d --threads 2 --quiet --report "
                                 "--out '%s' > '%s/stdout.txt'",
                       cfg, PATHS, SEED, outdir, tmpdir),
                 0, "the run failed");
    char p[600];
    snprintf(p, sizeof p, "%s/stdout.txt", tmpdir);
    stdout_text = th_read_ok(p);
}

/* Write the config `text` (single quotes, as outputs_cfg) and run it. */
static void run_text(const char *text)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/trustrisk-outputs-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/outputs.json", tmpdir);
    char *json = th_json("%s", text);
    FILE *fp = fopen(cfg, "w");
    cr_assert_not_null(fp);
    fputs(json, fp);
    fclose(fp);
    free(json);
    run_file(cfg);
}

/* Run the bundled config `bundled`, or outputs_cfg when NULL. */
static void run_config(const char *bundled)
{
    if (!bundled) {
        run_text(outputs_cfg);
        return;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/trustrisk-outputs-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/configs/%s", TR_SOURCE_DIR, bundled);
    run_file(cfg);
}

static void cleanup(void)
{
    free(stdout_text);
    stdout_text = NULL;
    if (tmpdir[0]) th_sh("rm -rf '%s'", tmpdir);
}

static cJSON *results(void)
{
    char p[600];
    snprintf(p, sizeof p, "%s/results.json", outdir);
    char *text = th_read_ok(p);
    cJSON *j = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(j, "results.json does not parse");
    return j;
}

static const char *jstr(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    cr_assert(cJSON_IsString(v), "%s is not a string", key);
    return v->valuestring;
}

/* ------------------------------------------------------------------ */
/* CSV                                                                */

#define MAXF 64

typedef struct csv {
    size_t n; /* rows, the header included */
    size_t cap;
    char *(*f)[MAXF]; /* fields of each row */
    size_t *nf;
} csv;

/* RFC 4180: fields separated by commas, quoted when they hold ",\"\r\n", "" inside quotes. */
static csv csv_read(const char *name)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", outdir, name);
    char *text = th_read_ok(p);
    csv c = {0};
    const char *s = text;
    while (*s) {
        if (c.n == c.cap) {
            c.cap = c.cap ? 2 * c.cap : 64;
            c.f = realloc(c.f, c.cap * sizeof *c.f);
            c.nf = realloc(c.nf, c.cap * sizeof *c.nf);
            cr_assert(c.f && c.nf);
        }
        size_t k = 0;
        for (;;) {
            char *field = malloc(strlen(s) + 1), *w = field;
            if (*s == '"') {
                for (s++; *s && !(*s == '"' && s[1] != '"'); s++) {
                    if (*s == '"') s++;
                    *w++ = *s;
                }
                cr_assert_eq(*s, '"', "%s: unterminated quoted field", name);
                s++;
            } else {
                while (*s && *s != ',' && *s != '\n')
                    *w++ = *s++;
            }
            *w = '\0';
            cr_assert_lt(k, MAXF);
            c.f[c.n][k++] = field;
            if (*s == ',') {
                s++;
                continue;
            }
            cr_assert(*s == '\n', "%s: row %zu does not end in a newline", name, c.n + 1);
            s++;
            break;
        }
        c.nf[c.n++] = k;
    }
    free(text);
    return c;
}

static void csv_free(csv *c)
{
    for (size_t r = 0; r < c->n; r++)
        for (size_t k = 0; k < c->nf[r]; k++)
            free(c->f[r][k]);
    free(c->f);
    free(c->nf);
}

/* The header must be exactly these columns. */
static void csv_header(const csv *c, const char *name, const char *const *cols, size_t n)
{
    cr_assert_geq(c->n, 1, "%s is empty", name);
    cr_assert_eq(c->nf[0], n, "%s: %zu columns, expected %zu", name, c->nf[0], n);
    for (size_t k = 0; k < n; k++)
        cr_expect_str_eq(c->f[0][k], cols[k], "%s column %zu", name, k + 1);
}

/* A CSV number (%.10g) against results.json: empty for null, else to 6e-10 relative. */
static void csv_same(const char *field, double want, const char *what, size_t row)
{
    if (isnan(want)) {
        cr_expect_str_empty(field, "%s (row %zu): '%s' where results.json has null", what, row,
                            field);
        return;
    }
    char *end;
    double got = strtod(field, &end);
    cr_expect(*field && *end == '\0', "%s (row %zu): '%s' is not a number", what, row, field);
    cr_expect(fabs(got - want) <= 6e-10 * fabs(want), "%s (row %zu): CSV %s, results.json %.17g",
              what, row, field, want);
}

static const char *const dist_cols[9] = {"mean", "se",   "q50",  "q90", "q95",
                                         "q99",  "q995", "es95", "es99"};
static const char *const dist_json[9] = {"mean",
                                         "se",
                                         "quantiles/0.5",
                                         "quantiles/0.9",
                                         "quantiles/0.95",
                                         "quantiles/0.99",
                                         "quantiles/0.995",
                                         "es/0.95",
                                         "es/0.99"};

/* Columns prefix_mean ... prefix_es99 of a row against DIST at `path`. */
static void csv_dist(const csv *c, size_t r, size_t first, const cJSON *j, const char *path,
                     const char *what)
{
    for (int k = 0; k < 9; k++) {
        char p[256], w[256];
        snprintf(p, sizeof p, "%s/%s", path, dist_json[k]);
        snprintf(w, sizeof w, "%s %s", what, dist_cols[k]);
        csv_same(c->f[r][first + (size_t)k], th_num(j, p), w, r);
    }
}

static void dist_header(char cols[][40], size_t at, const char *prefix)
{
    for (int k = 0; k < 9; k++)
        snprintf(cols[at + (size_t)k], 40, "%s_%s", prefix, dist_cols[k]);
}

static void check_csvs(void)
{
    cJSON *j = results();
    const cJSON *trusts = th_at(j, "trusts"), *cons = th_at(j, "consortia");
    const int nt = cJSON_GetArraySize(trusts), nc = cJSON_GetArraySize(cons);
    const int H = (int)th_num(j, "horizon_months");

    /* trusts.csv */
    char cols[40][40];
    const char *colp[40];
    const char *tc[7] = {
        "id", "name", "p_fail", "p_fail_se", "p_fail_lo95", "p_fail_hi95", "failure_month_mean"};
    for (int k = 0; k < 7; k++)
        snprintf(cols[k], 40, "%s", tc[k]);
    dist_header(cols, 7, "bailout");
    for (int k = 0; k < 16; k++)
        colp[k] = cols[k];
    csv c = csv_read("trusts.csv");
    csv_header(&c, "trusts.csv", colp, 16);
    cr_assert_eq(c.n, (size_t)nt + 1, "trusts.csv has %zu rows for %d trusts", c.n - 1, nt);
    for (int i = 0; i < nt; i++) {
        size_t r = (size_t)i + 1;
        const cJSON *t = cJSON_GetArrayItem(trusts, i);
        char p[128];
        cr_expect_str_eq(c.f[r][0], jstr(t, "id"));
        cr_expect_str_eq(c.f[r][1], jstr(t, "name"));
        snprintf(p, sizeof p, "trusts/%d/p_fail/estimate", i);
        csv_same(c.f[r][2], th_num(j, p), "p_fail", r);
        snprintf(p, sizeof p, "trusts/%d/p_fail/se", i);
        csv_same(c.f[r][3], th_num(j, p), "p_fail_se", r);
        snprintf(p, sizeof p, "trusts/%d/p_fail/ci95/0", i);
        csv_same(c.f[r][4], th_num(j, p), "p_fail_lo95", r);
        snprintf(p, sizeof p, "trusts/%d/p_fail/ci95/1", i);
        csv_same(c.f[r][5], th_num(j, p), "p_fail_hi95", r);
        snprintf(p, sizeof p, "trusts/%d/failure_month_mean", i);
        csv_same(c.f[r][6], th_num(j, p), "failure_month_mean", r);
        snprintf(p, sizeof p, "trusts/%d/bailout", i);
        csv_dist(&c, r, 7, j, p, "bailout");
    }
    csv_free(&c);

    /* consortia.csv */
    const char *cc[6] = {
        "id", "name", "reserve", "p_exhausted", "p_exhausted_lo95", "p_exhausted_hi95"};
    for (int k = 0; k < 6; k++)
        snprintf(cols[k], 40, "%s", cc[k]);
    dist_header(cols, 6, "requested");
    dist_header(cols, 15, "paid");
    dist_header(cols, 24, "national_topup");
    for (int k = 0; k < 33; k++)
        colp[k] = cols[k];
    c = csv_read("consortia.csv");
    csv_header(&c, "consortia.csv", colp, 33);
    cr_assert_eq(c.n, (size_t)nc + 1);
    for (int k = 0; k < nc; k++) {
        size_t r = (size_t)k + 1;
        const cJSON *o = cJSON_GetArrayItem(cons, k);
        cr_expect_str_eq(c.f[r][0], jstr(o, "id"));
        cr_expect_str_eq(c.f[r][1], jstr(o, "name"));
        csv_same(c.f[r][2], th_numf(j, "consortia/%d/reserve", k), "reserve", r);
        csv_same(c.f[r][3], th_numf(j, "consortia/%d/p_exhausted/estimate", k), "p_exhausted", r);
        csv_same(c.f[r][4], th_numf(j, "consortia/%d/p_exhausted/ci95/0", k), "lo95", r);
        csv_same(c.f[r][5], th_numf(j, "consortia/%d/p_exhausted/ci95/1", k), "hi95", r);
        const char *d[3] = {"requested", "paid", "national_topup"};
        for (int q = 0; q < 3; q++) {
            char p[128];
            snprintf(p, sizeof p, "consortia/%d/%s", k, d[q]);
            csv_dist(&c, r, 6 + 9 * (size_t)q, j, p, d[q]);
        }
    }
    csv_free(&c);

    /* failure_curves.csv */
    const char *fc[8] = {"trust",    "month",    "p_failed_by", "cash_p5",
                         "cash_p25", "cash_p50", "cash_p75",    "cash_p95"};
    c = csv_read("failure_curves.csv");
    csv_header(&c, "failure_curves.csv", fc, 8);
    cr_assert_eq(c.n, (size_t)(nt * H) + 1);
    static const char *bands[5] = {"p5", "p25", "p50", "p75", "p95"};
    for (int i = 0; i < nt; i++)
        for (int t = 1; t <= H; t++) {
            size_t r = (size_t)(i * H + t);
            cr_expect_str_eq(c.f[r][0], jstr(cJSON_GetArrayItem(trusts, i), "id"));
            cr_expect_eq(atoi(c.f[r][1]), t);
            csv_same(c.f[r][2], th_numf(j, "trusts/%d/failure_curve/%d", i, t - 1), "p_failed_by",
                     r);
            for (int b = 0; b < 5; b++)
                csv_same(c.f[r][3 + b],
                         th_numf(j, "trusts/%d/cash_bands/%s/%d", i, bands[b], t - 1), bands[b], r);
        }
    csv_free(&c);

    /* schemes.csv */
    const char *sc[7] = {"trust",
                         "scheme",
                         "name",
                         "kind",
                         "planned",
                         "shortfall_mean",
                         "shortfall_mean_given_fail"};
    c = csv_read("schemes.csv");
    csv_header(&c, "schemes.csv", sc, 7);
    size_t r = 1;
    for (int i = 0; i < nt; i++) {
        const cJSON *t = cJSON_GetArrayItem(trusts, i), *s;
        cJSON_ArrayForEach(s, cJSON_GetObjectItem(t, "schemes"))
        {
            cr_assert_lt(r, c.n, "schemes.csv is missing rows");
            cr_expect_str_eq(c.f[r][0], jstr(t, "id"));
            cr_expect_str_eq(c.f[r][1], jstr(s, "id"));
            cr_expect_str_eq(c.f[r][2], jstr(s, "name"));
            csv_same(c.f[r][4], th_num(s, "planned"), "planned", r);
            csv_same(c.f[r][5], th_num(s, "shortfall_mean"), "shortfall_mean", r);
            csv_same(c.f[r][6], th_num(s, "shortfall_mean_given_fail"), "shortfall_mean_given_fail",
                     r);
            r++;
        }
    }
    cr_expect_eq(r, c.n, "schemes.csv has extra rows");
    csv_free(&c);
    cJSON_Delete(j);
}

/* ------------------------------------------------------------------ */
/* The summary on stdout                                              */

/* |printed - want| within half a unit of the last printed digit. */
static void printed(double got, double want, double unit, const char *what, const char *id)
{
    cr_expect(fabs(got - want) <= 0.5 * unit + 1e-9 * fabs(want),
              "%s of %s: printed %.4f, results.json %.10g", what, id, got, want);
}

static const char *line_after(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    cr_assert_not_null(p, "summary has no '%s':\n%s", prefix, text);
    p = strchr(p, '\n');
    cr_assert_not_null(p);
    return p + 1;
}

static int trust_index(const cJSON *trusts, const char *id)
{
    for (int i = 0; i < cJSON_GetArraySize(trusts); i++)
        if (strcmp(jstr(cJSON_GetArrayItem(trusts, i), "id"), id) == 0) return i;
    return -1;
}

static void check_summary(void)
{
    cJSON *j = results();
    const cJSON *trusts = th_at(j, "trusts"), *cons = th_at(j, "consortia");
    const int nt = cJSON_GetArraySize(trusts), nc = cJSON_GetArraySize(cons);
    const char *s = stdout_text;
    char head[256];
    snprintf(head, sizeof head, "%s: %d paths, seed %d, %d months, ",
             jstr(th_at(j, "config"), "name"), PATHS, SEED, (int)th_num(j, "horizon_months"));
    cr_expect(strncmp(s, head, strlen(head)) == 0, "first line: %.200s", s);

    /* trusts: skip the column headings */
    const char *l = line_after(line_after(s, "Trusts, most at risk first"), "trust");
    double last_p = INFINITY;
    int rows = 0;
    for (; *l == ' ' && strncmp(l, "  ... ", 6) != 0; l = strchr(l, '\n') + 1, rows++) {
        char id[64], when[32];
        double p, lo, hi, mean, q99;
        cr_assert_eq(sscanf(l, " %63s %lf%% [%lf%%, %lf%%] %31s %lf %lf", id, &p, &lo, &hi, when,
                            &mean, &q99),
                     7, "cannot read: %.120s", l);
        int i = trust_index(trusts, id);
        cr_assert_geq(i, 0, "summary row for unknown trust %s", id);
        double pf = th_numf(j, "trusts/%d/p_fail/estimate", i);
        printed(p, 100 * pf, 0.01, "P(fail) %", id);
        printed(lo, 100 * th_numf(j, "trusts/%d/p_fail/ci95/0", i), 0.01, "interval low", id);
        printed(hi, 100 * th_numf(j, "trusts/%d/p_fail/ci95/1", i), 0.01, "interval high", id);
        double fm = th_numf(j, "trusts/%d/failure_month_mean", i);
        if (isnan(fm))
            cr_expect_str_eq(when, "-", "%s never fails but shows '%s'", id, when);
        else
            printed(when[0] == 'm' ? atof(when + 1) : NAN, fm, 0.1, "first failure month", id);
        printed(mean, th_numf(j, "trusts/%d/bailout/mean", i), 0.01, "E[bailout]", id);
        printed(q99, th_numf(j, "trusts/%d/bailout/quantiles/0.99", i), 0.01, "99% bailout", id);
        cr_expect(pf <= last_p, "summary not ordered by P(fail) at %s", id);
        last_p = pf;
    }
    int listed = nt < TR_SUMMARY_TRUSTS ? nt : TR_SUMMARY_TRUSTS;
    cr_expect_eq(rows, listed, "summary lists %d of %d trusts", rows, nt);
    if (nt > TR_SUMMARY_TRUSTS) {
        /* the rest are said to be in trusts.csv, and none is more at risk */
        char more[128];
        snprintf(more, sizeof more, "  ... and %d more trusts, ranked lower, in trusts.csv\n",
                 nt - TR_SUMMARY_TRUSTS);
        cr_expect(strncmp(l, more, strlen(more)) == 0, "after the rows: %.100s", l);
        int above = 0, at_least = 0;
        for (int i = 0; i < nt; i++) {
            above += th_numf(j, "trusts/%d/p_fail/estimate", i) > last_p;
            at_least += th_numf(j, "trusts/%d/p_fail/estimate", i) >= last_p;
        }
        cr_expect_lt(above, TR_SUMMARY_TRUSTS, "%d trusts above the last row", above);
        cr_expect_geq(at_least, TR_SUMMARY_TRUSTS, "%d trusts at or above the last row", at_least);
    }

    if (nc > 0) {
        l = line_after(line_after(s, "Consortia (GBP m"), "consortium");
        for (int k = 0; k < nc; k++, l = strchr(l, '\n') + 1) {
            char id[64];
            double res, asked, paid, top, pe;
            cr_assert_eq(
                sscanf(l, " %63s %lf %lf %lf %lf %lf%%", id, &res, &asked, &paid, &top, &pe), 6,
                "cannot read: %.120s", l);
            cr_expect_str_eq(id, jstr(cJSON_GetArrayItem(cons, k), "id"));
            printed(res, th_numf(j, "consortia/%d/reserve", k), 0.01, "reserve", id);
            printed(asked, th_numf(j, "consortia/%d/requested/mean", k), 0.01, "E[asked]", id);
            printed(paid, th_numf(j, "consortia/%d/paid/mean", k), 0.01, "E[paid]", id);
            printed(top, th_numf(j, "consortia/%d/national_topup/mean", k), 0.01, "E[top-up]", id);
            printed(pe, 100 * th_numf(j, "consortia/%d/p_exhausted/estimate", k), 0.01,
                    "P(exhausted)", id);
        }
    }

    const char *sys = strstr(s, "\nSystem: ");
    cr_assert_not_null(sys);
    double fails, bm, b99, tm, t99;
    cr_assert_eq(sscanf(sys,
                        "\nSystem: %lf trusts fail on average; total bail-out mean %lf "
                        "(99%%: %lf); national top-up mean %lf (99%%: %lf)",
                        &fails, &bm, &b99, &tm, &t99),
                 5, "cannot read: %.200s", sys);
    printed(fails, th_num(j, "system/failures/mean"), 0.001, "mean failures", "system");
    printed(bm, th_num(j, "system/bailout/mean"), 0.01, "total bail-out mean", "system");
    printed(b99, th_num(j, "system/bailout/quantiles/0.99"), 0.01, "total bail-out 99%", "system");
    printed(tm, th_num(j, "system/national_topup/mean"), 0.01, "national top-up mean", "system");
    printed(t99, th_num(j, "system/national_topup/quantiles/0.99"), 0.01, "national top-up 99%",
            "system");
    cJSON_Delete(j);
}

/* ------------------------------------------------------------------ */
/* The report                                                         */

/* The data-value attributes of one table row, in order; NAN for "null". */
static int row_values(const char *row, double *v, int max)
{
    const char *end = strstr(row, "</tr>");
    cr_assert_not_null(end);
    int n = 0;
    for (const char *p = strstr(row, "data-value=\""); p && p < end;
         p = strstr(p + 1, "data-value=\"")) {
        p += strlen("data-value=\"");
        cr_assert_lt(n, max, "row with too many numbers: %.200s", row);
        v[n++] = strncmp(p, "null", 4) == 0 ? NAN : strtod(p, NULL);
    }
    return n;
}

static double attr(const char *row, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "%s=\"", name);
    const char *p = strstr(row, key), *end = strstr(row, "</tr>");
    cr_assert(p && p < end, "no %s in row %.200s", name, row);
    p += strlen(key);
    return strncmp(p, "null", 4) == 0 ? NAN : strtod(p, NULL);
}

/* Exactly the double of results.json (17 significant digits read back). */
static void same(double shown, double want, const char *what, const char *id)
{
    if (isnan(want))
        cr_expect(isnan(shown), "report, %s of %s: %.17g where results.json has null", what, id,
                  shown);
    else
        cr_expect(shown == want, "report, %s of %s: %.17g, results.json %.17g", what, id, shown,
                  want);
}

/* A name as the report writes it. */
static void html(char *out, size_t n, const char *s)
{
    size_t k = 0;
    for (; *s && k + 7 < n; s++) {
        const char *e = *s == '&'    ? "&amp;"
                        : *s == '<'  ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        if (e) {
            memcpy(out + k, e, strlen(e));
            k += strlen(e);
        } else {
            out[k++] = *s;
        }
    }
    out[k] = '\0';
}

static const char *name_of(const cJSON *o)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");
    return cJSON_IsString(n) && n->valuestring[0] ? n->valuestring : jstr(o, "id");
}

/* The row of a DIST table, after `from`, whose heading is `name`. */
static const char *dist_row(const char *from, const char *name)
{
    char key[512], esc[400];
    html(esc, sizeof esc, name);
    snprintf(key, sizeof key, "<tr><th scope=\"row\">%s</th>", esc);
    const char *r = strstr(from, key);
    cr_assert_not_null(r, "no DIST row for %s", name);
    return r;
}

static void check_dist_row(const char *row, const cJSON *d, const char *id)
{
    double v[16];
    cr_assert_eq(row_values(row, v, 16), 9, "DIST row of %s", id);
    /* the CSV's columns, with the sd where the CSV has the se */
    for (int k = 0; k < 9; k++) {
        const char *key = k == 1 ? "sd" : dist_json[k];
        same(v[k], th_num(d, key), key, id);
    }
}

static const char *section(const char *page, const char *marker)
{
    const char *p = strstr(page, marker);
    cr_assert_not_null(p, "report has no %s", marker);
    return p;
}

static void check_report(void)
{
    cJSON *j = results();
    char p[600];
    snprintf(p, sizeof p, "%s/report.html", outdir);
    char *page = th_read_ok(p);
    const cJSON *trusts = th_at(j, "trusts"), *cons = th_at(j, "consortia"), *t, *c;
    const int nt = cJSON_GetArraySize(trusts);

    /* Summary */
    const char *sum = section(page, "<table class=\"summary\">");
    const char *row = strstr(sum, "<tr>");
    double v[16];
    const char *what[6] = {"trusts",
                           "mean failing",
                           "P(at least one fails)",
                           "E[total bail-out]",
                           "99% total bail-out",
                           "E[national top-up]"};
    double want[6] = {nt,
                      th_num(j, "system/failures/mean"),
                      1.0 - th_num(j, "system/failures/distribution/0"),
                      th_num(j, "system/bailout/mean"),
                      th_num(j, "system/bailout/quantiles/0.99"),
                      th_num(j, "system/national_topup/mean")};
    for (int k = 0; k < 6; k++, row = strstr(row + 1, "<tr>")) {
        cr_assert_eq(row_values(row, v, 16), 1);
        same(v[0], want[k], what[k], "the summary");
    }

    /* Ranking */
    const char *rank = section(page, "<table id=\"ranking-table\"");
    const char *rank_end = strstr(rank, "</table>");
    int rows = 0;
    double last = INFINITY;
    for (row = strstr(rank, "<tr data-id=\""); row && row < rank_end;
         row = strstr(row + 1, "<tr data-id=\""), rows++) {
        char id[64];
        cr_assert_eq(sscanf(row, "<tr data-id=\"%63[^\"]\"", id), 1);
        int i = trust_index(trusts, id);
        cr_assert_geq(i, 0);
        cr_assert_eq(row_values(row, v, 16), 6, "ranking row of %s", id);
        cr_expect_eq(v[0], rows + 1, "rank");
        same(v[1], th_numf(j, "trusts/%d/p_fail/estimate", i), "P(fail)", id);
        same(v[2], th_numf(j, "trusts/%d/failure_month_mean", i), "failure_month_mean", id);
        same(v[3], th_numf(j, "trusts/%d/bailout/mean", i), "E[bailout]", id);
        same(v[4], th_numf(j, "trusts/%d/bailout/quantiles/0.99", i), "99% bailout", id);
        same(v[5], th_numf(j, "trusts/%d/bailout/es/0.99", i), "ES 99%", id);
        same(attr(row, "data-lo"), th_numf(j, "trusts/%d/p_fail/ci95/0", i), "interval low", id);
        same(attr(row, "data-hi"), th_numf(j, "trusts/%d/p_fail/ci95/1", i), "interval high", id);
        cr_expect(v[1] <= last, "ranking out of order at %s", id);
        last = v[1];
    }
    cr_expect_eq(rows, nt);

    /* Bail-outs per trust */
    const char *bo = section(page, "<h3>Per trust</h3>");
    cJSON_ArrayForEach(t, trusts)
        check_dist_row(dist_row(bo, name_of(t)), th_at(t, "bailout"), jstr(t, "id"));

    /* Consortia */
    if (cJSON_GetArraySize(cons) > 0) {
        const char *ct = section(page, "<table id=\"consortia-table\"");
        cJSON_ArrayForEach(c, cons)
        {
            char key[128];
            const char *id = jstr(c, "id");
            snprintf(key, sizeof key, "<tr data-id=\"%s\"", id);
            row = strstr(ct, key);
            cr_assert_not_null(row, "no consortium row for %s", id);
            cr_assert_eq(row_values(row, v, 16), 5);
            same(v[0], th_num(c, "requested/mean"), "requested", id);
            same(v[1], th_num(c, "paid/mean"), "paid", id);
            same(v[2], th_num(c, "national_topup/mean"), "national top-up", id);
            same(v[3], th_num(c, "requested/quantiles/0.99"), "99% requested", id);
            same(v[4], th_num(c, "p_exhausted/estimate"), "P(exhausted)", id);
            same(attr(row, "data-lo"), th_num(c, "p_exhausted/ci95/0"), "interval low", id);
            same(attr(row, "data-hi"), th_num(c, "p_exhausted/ci95/1"), "interval high", id);
        }
        const char *req = section(page, "<h3>Requested from each consortium</h3>");
        cJSON_ArrayForEach(c, cons)
            check_dist_row(dist_row(req, name_of(c)), th_at(c, "requested"), jstr(c, "id"));
    }

    /* Schemes: the trust's and the scheme's names, then all, given fail, difference */
    const char *st = section(page, "<table id=\"schemes-table\"");
    int nschemes = 0;
    cJSON_ArrayForEach(t, trusts)
    {
        const cJSON *s;
        cJSON_ArrayForEach(s, th_at(t, "schemes"))
        {
            char tn[400], sn[400], key[1000];
            html(tn, sizeof tn, name_of(t));
            html(sn, sizeof sn, name_of(s));
            snprintf(key, sizeof key, "<tr><td>%s</td><td>%s</td>", tn, sn);
            row = strstr(st, key);
            cr_assert_not_null(row, "no scheme row %s", key);
            cr_assert_eq(row_values(row, v, 16), 3);
            double all = th_num(s, "shortfall_mean"),
                   given = th_num(s, "shortfall_mean_given_fail");
            same(v[0], all, "shortfall_mean", jstr(s, "id"));
            same(v[1], given, "shortfall_mean_given_fail", jstr(s, "id"));
            same(v[2], given - all, "shortfall difference", jstr(s, "id"));
            nschemes++;
        }
    }
    cr_expect_gt(nschemes, 0);

    /* Number failing: k, P(k), P(at least k) */
    const cJSON *distn = th_at(j, "system/failures/distribution");
    const int n = cJSON_GetArraySize(distn);
    row = strstr(section(page, "<table id=\"failures-table\""), "<tbody>");
    double tail = 0;
    for (int k = 0; k < n; k++)
        tail += cJSON_GetArrayItem(distn, k)->valuedouble;
    for (int k = 0; k < n; k++) {
        row = strstr(row + 1, "<tr>");
        cr_assert_eq(row_values(row, v, 16), 3);
        cr_expect_eq(v[0], k);
        same(v[1], cJSON_GetArrayItem(distn, k)->valuedouble, "P(k fail)", "the system");
        cr_expect(fabs(v[2] - fmin(1, tail)) <= 1e-12, "P(at least %d fail): %.17g, expected %.17g",
                  k, v[2], tail);
        tail -= cJSON_GetArrayItem(distn, k)->valuedouble;
    }

    /* System totals */
    const char *tot = section(page, "<h3>System totals</h3>");
    check_dist_row(dist_row(tot, "total bail-out"), th_at(j, "system/bailout"), "total bail-out");
    check_dist_row(dist_row(tot, "national top-up"), th_at(j, "system/national_topup"),
                   "national top-up");

    /* Provenance: seed and paths */
    const char *prov = section(page, "<table id=\"provenance-table\"");
    row = strstr(prov, "<tr><th scope=\"row\">seed</th>");
    cr_assert_not_null(row);
    cr_assert_eq(row_values(row, v, 16), 1);
    cr_expect_eq(v[0], SEED);
    cr_expect_not_null(strstr(prov, jstr(th_at(j, "config"), "sha256")), "config hash missing");

    free(page);
    cJSON_Delete(j);
}

/* ------------------------------------------------------------------ */

TestSuite(outputs, .fini = cleanup);

Test(outputs, csv_views_equal_results_json)
{
    run_config(NULL);
    check_csvs();
}

Test(outputs, summary_equals_results_json)
{
    run_config(NULL);
    check_summary();
}

Test(outputs, report_equals_results_json)
{
    run_config(NULL);
    check_report();
}

/* More trusts than the printed summary lists: the 20 most at risk, then a
 * line saying how many more are in trusts.csv. */
Test(outputs, summary_of_many_trusts_lists_the_most_at_risk)
{
    char text[8192];
    size_t len = (size_t)snprintf(text, sizeof text, "{'horizon_months': 12, 'trusts': [");
    for (int i = 0; i < TR_SUMMARY_TRUSTS + 7; i++)
        len += (size_t)snprintf(text + len, sizeof text - len,
                                "%s{'id': 't%02d', 'cash': 2, 'income': 120, 'expenditure': %d, "
                                "'cash_noise': 1}",
                                i ? ", " : "", i, 118 + (i * 7) % 27 / 3);
    snprintf(text + len, sizeof text - len, "]}");
    run_text(text);
    check_summary();
    check_csvs();
    cr_expect_not_null(
        strstr(stdout_text, "  ... and 7 more trusts, ranked lower, in trusts.csv\n"), "%s",
        stdout_text);
}

Test(outputs, bundled_example_outputs_equal_results_json)
{
    run_config("example.json");
    check_csvs();
    check_summary();
    check_report();
}

/* ------------------------------------------------------------------ */
/* results.json against the paths themselves                          */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sample quantile: the smallest x with at least alpha n values <= x. */
static double sample_q(const double *sorted, size_t n, double alpha)
{
    size_t k = (size_t)ceil(alpha * (double)n);
    return sorted[k ? k - 1 : 0];
}

/* ES_alpha = 1 / (1 - alpha) integral_alpha^1 q_u du over the sample. */
static double sample_es(const double *sorted, size_t n, double alpha)
{
    double s = 0;
    for (size_t k = 0; k < n; k++) {
        double lo = (double)k / (double)n, hi = (double)(k + 1) / (double)n;
        if (hi <= alpha) continue;
        s += sorted[k] * (hi - fmax(lo, alpha));
    }
    return s / (1 - alpha);
}

/* A histogram figure: within 0.5 % relative or 0.01 absolute of the exact one. */
static void hist_near(double got, double want, const char *what)
{
    cr_expect(fabs(got - want) <= fmax(0.005 * fabs(want), 0.01) + 1e-12,
              "%s: results.json %.10g, the paths %.10g", what, got, want);
}

/* A mean or probability: to 1e-11 of the mean absolute value. */
static void mean_near(double got, double want, double scale, const char *what)
{
    if (isnan(want)) {
        cr_expect(isnan(got), "%s: results.json %.17g where the paths give none", what, got);
        return;
    }
    cr_expect(fabs(got - want) <= 1e-11 * fmax(scale, 1e-300) + 1e-15,
              "%s: results.json %.17g, the paths %.17g", what, got, want);
}

/* Check a DIST against the sample x[0..n) (sorted here). */
static void check_dist(const cJSON *d, double *x, size_t n, const char *what)
{
    double s = 0, a = 0;
    for (size_t k = 0; k < n; k++) {
        s += x[k];
        a += fabs(x[k]);
    }
    double mean = s / (double)n, ss = 0;
    for (size_t k = 0; k < n; k++)
        ss += (x[k] - mean) * (x[k] - mean);
    double sd = sqrt(ss / (double)(n - 1));
    char w[160];
    snprintf(w, sizeof w, "%s mean", what);
    mean_near(th_num(d, "mean"), mean, a / (double)n, w);
    snprintf(w, sizeof w, "%s sd", what);
    cr_expect(fabs(th_num(d, "sd") - sd) <= 1e-9 * sd + 1e-12, "%s: %.17g vs %.17g", w,
              th_num(d, "sd"), sd);
    snprintf(w, sizeof w, "%s se", what);
    cr_expect(fabs(th_num(d, "se") - sd / sqrt((double)n)) <= 1e-9 * sd + 1e-12, "%s", w);
    qsort(x, n, sizeof *x, cmp_double);
    static const char *qk[5] = {"quantiles/0.5", "quantiles/0.9", "quantiles/0.95",
                                "quantiles/0.99", "quantiles/0.995"};
    static const double qa[5] = {0.5, 0.9, 0.95, 0.99, 0.995};
    for (int k = 0; k < 5; k++) {
        snprintf(w, sizeof w, "%s %s", what, qk[k]);
        hist_near(th_num(d, qk[k]), sample_q(x, n, qa[k]), w);
    }
    snprintf(w, sizeof w, "%s es/0.95", what);
    hist_near(th_num(d, "es/0.95"), sample_es(x, n, 0.95), w);
    snprintf(w, sizeof w, "%s es/0.99", what);
    hist_near(th_num(d, "es/0.99"), sample_es(x, n, 0.99), w);
}

Test(outputs, results_json_agrees_with_the_paths)
{
    run_config(NULL);
    cJSON *j = results();
    char *text = th_json("%s", outputs_cfg);
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    cr_assert_eq(tr_config_load_buffer(text, strlen(text), "outputs.json", &cfg, &err), TR_OK);
    free(text);
    tr__plan plan;
    tr__ws ws;
    cr_assert_eq(tr__plan_init(&plan, cfg, 0, &err), TR_OK);
    cr_assert_eq(tr__ws_init(&ws, &plan, 0, &err), TR_OK);
    const size_t n = PATHS, nt = cfg->n_trusts, nc = cfg->n_consortia, ns = plan.n_schemes;
    const size_t H = (size_t)cfg->horizon;
    /* every per-path value, kept for the exact quantiles */
    double *bo = malloc(nt * n * sizeof *bo), *cash = malloc(nt * H * n * sizeof *cash);
    double *cons = malloc(3 * nc * n * sizeof *cons), *sys = malloc(2 * n * sizeof *sys);
    double *sf = calloc(2 * ns, sizeof *sf), *sfa = calloc(ns, sizeof *sfa);
    double *tau = calloc(nt, sizeof *tau);
    size_t *nfail = calloc(nt, sizeof *nfail), *by = calloc(nt * H, sizeof *by);
    size_t *ex = calloc(nc * H, sizeof *ex), *nk = calloc(nt + 1, sizeof *nk);
    cr_assert(bo && cash && cons && sys && sf && sfa && tau && nfail && by && ex && nk);
    for (size_t p = 0; p < n; p++) {
        tr__sim_path(&ws, SEED, p);
        size_t failing = 0;
        for (size_t i = 0; i < nt; i++) {
            int f = ws.fail_month[i];
            bo[i * n + p] = ws.bailout[i];
            for (size_t t = 0; t < H; t++)
                cash[(i * H + t) * n + p] = ws.cash[i * H + t];
            if (f) {
                nfail[i]++;
                tau[i] += f;
                by[i * H + (size_t)(f - 1)]++;
                failing++;
            }
            for (size_t s = plan.scheme_base[i]; s < plan.scheme_base[i + 1]; s++) {
                sf[s] += ws.shortfall[s];
                sfa[s] += fabs(ws.shortfall[s]);
                if (f) sf[ns + s] += ws.shortfall[s];
            }
        }
        nk[failing]++;
        for (size_t c = 0; c < nc; c++) {
            cons[(3 * c + 0) * n + p] = ws.requested[c];
            cons[(3 * c + 1) * n + p] = ws.paid[c];
            cons[(3 * c + 2) * n + p] = ws.requested[c] - ws.paid[c];
            if (ws.exhaust_month[c]) ex[c * H + (size_t)(ws.exhaust_month[c] - 1)]++;
        }
        sys[p] = ws.total_bailout;
        sys[n + p] = ws.national_topup;
    }
    /* the config must exercise what it is meant to */
    int fail_months_differ = 0, some_never = 0, given_fail_larger = 0;
    char w[160];
    for (size_t i = 0; i < nt; i++) {
        const char *id = cfg->trusts[i].id;
        cr_assert_str_eq(jstr(cJSON_GetArrayItem(th_at(j, "trusts"), (int)i), "id"), id);
        double pf = (double)nfail[i] / (double)n;
        snprintf(w, sizeof w, "%s p_fail", id);
        mean_near(th_numf(j, "trusts/%zu/p_fail/estimate", i), pf, 1, w);
        snprintf(w, sizeof w, "%s failure_month_mean", id);
        double fm = nfail[i] ? tau[i] / (double)nfail[i] : NAN;
        mean_near(th_numf(j, "trusts/%zu/failure_month_mean", i), fm, fm, w);
        if (!nfail[i]) some_never = 1;
        if (nfail[i] && fabs(fm - th_numf(j, "trusts/0/failure_month_mean")) > 3)
            fail_months_differ = 1;
        size_t cum = 0;
        for (size_t t = 0; t < H; t++) {
            cum += by[i * H + t];
            snprintf(w, sizeof w, "%s failure_curve[%zu]", id, t);
            mean_near(th_numf(j, "trusts/%zu/failure_curve/%zu", i, t), (double)cum / (double)n, 1,
                      w);
            static const char *bands[5] = {"p5", "p25", "p50", "p75", "p95"};
            static const double ba[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
            double *x = cash + (i * H + t) * n;
            qsort(x, n, sizeof *x, cmp_double);
            for (int b = 0; b < 5; b++) {
                snprintf(w, sizeof w, "%s cash %s month %zu", id, bands[b], t + 1);
                hist_near(th_numf(j, "trusts/%zu/cash_bands/%s/%zu", i, bands[b], t),
                          sample_q(x, n, ba[b]), w);
            }
        }
        snprintf(w, sizeof w, "%s bailout", id);
        char path[64];
        snprintf(path, sizeof path, "trusts/%zu/bailout", i);
        check_dist(th_at(j, path), bo + i * n, n, w);
        for (size_t k = 0; k < cfg->trusts[i].n_schemes; k++) {
            size_t s = plan.scheme_base[i] + k;
            const char *sid = cfg->trusts[i].schemes[k].id;
            snprintf(w, sizeof w, "%s/%s shortfall_mean", id, sid);
            mean_near(th_numf(j, "trusts/%zu/schemes/%zu/shortfall_mean", i, k), sf[s] / (double)n,
                      sfa[s] / (double)n, w);
            snprintf(w, sizeof w, "%s/%s shortfall_mean_given_fail", id, sid);
            double g = nfail[i] ? sf[ns + s] / (double)nfail[i] : NAN;
            mean_near(th_numf(j, "trusts/%zu/schemes/%zu/shortfall_mean_given_fail", i, k), g,
                      sfa[s] / (double)n, w);
            if (nfail[i] && g > sf[s] / (double)n + 0.1) given_fail_larger = 1;
            snprintf(w, sizeof w, "%s/%s planned", id, sid);
            mean_near(th_numf(j, "trusts/%zu/schemes/%zu/planned", i, k), plan.plan_total[s],
                      plan.plan_total[s], w);
        }
    }
    cr_expect(fail_months_differ && some_never && given_fail_larger,
              "the config no longer exercises what it should (%d %d %d)", fail_months_differ,
              some_never, given_fail_larger);
    int exhausted_some = 0;
    for (size_t c = 0; c < nc; c++) {
        const char *id = cfg->consortia[c].id, *d[3] = {"requested", "paid", "national_topup"};
        for (int q = 0; q < 3; q++) {
            char path[64];
            snprintf(path, sizeof path, "consortia/%zu/%s", c, d[q]);
            snprintf(w, sizeof w, "%s %s", id, d[q]);
            check_dist(th_at(j, path), cons + (3 * c + (size_t)q) * n, n, w);
        }
        size_t cum = 0;
        for (size_t t = 0; t < H; t++) {
            cum += ex[c * H + t];
            snprintf(w, sizeof w, "%s exhaustion_curve[%zu]", id, t);
            mean_near(th_numf(j, "consortia/%zu/exhaustion_curve/%zu", c, t),
                      (double)cum / (double)n, 1, w);
        }
        snprintf(w, sizeof w, "%s p_exhausted", id);
        mean_near(th_numf(j, "consortia/%zu/p_exhausted/estimate", c), (double)cum / (double)n, 1,
                  w);
        if (cum > 0 && cum < n) exhausted_some = 1;
    }
    cr_expect(exhausted_some, "no consortium is exhausted on some paths and not others");
    double fmean = 0;
    for (size_t k = 0; k <= nt; k++) {
        snprintf(w, sizeof w, "P(%zu trusts fail)", k);
        mean_near(th_numf(j, "system/failures/distribution/%zu", k), (double)nk[k] / (double)n, 1,
                  w);
        fmean += (double)k * (double)nk[k] / (double)n;
    }
    mean_near(th_num(j, "system/failures/mean"), fmean, fmean, "mean failures");
    check_dist(th_at(j, "system/bailout"), sys, n, "system bailout");
    check_dist(th_at(j, "system/national_topup"), sys + n, n, "system national_topup");
    free(bo);
    free(cash);
    free(cons);
    free(sys);
    free(sf);
    free(sfa);
    free(tau);
    free(nfail);
    free(by);
    free(ex);
    free(nk);
    tr__ws_free(&ws);
    tr__plan_free(&plan);
    tr_config_free(cfg);
    tr_error_clear(&err);
    cJSON_Delete(j);
}
