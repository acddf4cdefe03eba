/*
 * test_pin_results.c - results.json, the CSV views and the summary table
 * (engine/results.c) against figures worked out by hand.
 *
 * The run's statistics are filled from hand-made paths (pin_fixture.h), not
 * simulated, so every figure has an exact answer computed here from the
 * paths themselves: means, sample sds (n - 1) and standard errors to 1e-12
 * relative; proportions, curves and distributions exactly; quantiles, cash
 * bands and expected shortfalls against the exact order statistics within
 * the histograms' documented bound (0.5 % relative or 0.01 absolute);
 * exceedance curves point by point. Each CSV field must equal its
 * results.json figure to 1e-9 (the CSVs print 10 significant digits), and
 * names with quotes and commas must be quoted as RFC 4180 says.
 */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pin_fixture.h"
#include "results.h"

#define N 200

static int cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* ---- what the paths say ------------------------------------------------- */

typedef struct truth {
    uint64_t fail[PIN_NT], by_month[PIN_NT][PIN_H], tau[PIN_NT];
    double bo[PIN_NT][N], cash[PIN_NT][PIN_H][N];
    double sf[PIN_NS], sf_fail[PIN_NS];
    double cons[PIN_NC][3][N];
    uint64_t ex[PIN_NC], ex_month[PIN_NC][PIN_H];
    uint64_t nfail[PIN_NT + 1];
    double sys[2][N];
} truth;

static void work_out(truth *t)
{
    memset(t, 0, sizeof *t);
    const int owner[PIN_NS] = {0, 0, 1};
    for (int j = 0; j < N; j++) {
        pin_path p;
        pin_make((uint64_t)j, &p);
        int k = 0;
        for (int i = 0; i < PIN_NT; i++) {
            if (p.fail[i]) {
                t->fail[i]++;
                t->by_month[i][p.fail[i] - 1]++;
                t->tau[i] += (uint64_t)p.fail[i];
                k++;
            }
            t->bo[i][j] = p.bo[i];
            for (int m = 0; m < PIN_H; m++)
                t->cash[i][m][j] = p.cash[i][m];
        }
        t->nfail[k]++;
        for (int s = 0; s < PIN_NS; s++) {
            t->sf[s] += p.shortfall[s];
            if (p.fail[owner[s]]) t->sf_fail[s] += p.shortfall[s];
        }
        double top = 0.5 * p.bo[0] + 0.75 * p.bo[1];
        for (int c = 0; c < PIN_NC; c++) {
            t->cons[c][0][j] = p.req[c];
            t->cons[c][1][j] = p.paid[c];
            t->cons[c][2][j] = p.req[c] - p.paid[c];
            top += p.req[c] - p.paid[c];
            if (p.exhaust[c]) {
                t->ex[c]++;
                t->ex_month[c][p.exhaust[c] - 1]++;
            }
        }
        t->sys[0][j] = p.bo[0] + p.bo[1];
        t->sys[1][j] = top;
    }
}

/* ---- the results, from the hand-made paths ------------------------------- */

static tr_results *make_results(const tr_config *cfg)
{
    tr_error err;
    tr_error_init(&err);
    tr_results *res = calloc(1, sizeof *res);
    cr_assert_not_null(res);
    res->cfg = cfg;
    cr_assert_eq(tr__plan_init(&res->plan, cfg, 1, &err), TR_OK);
    cr_assert_eq(tr__acc_init(&res->total, &res->plan, &err), TR_OK);
    tr__ws ws;
    cr_assert_eq(tr__ws_init(&ws, &res->plan, 0, &err), TR_OK);
    pin_accumulate(&res->total, &ws, &res->plan, 0, N, 64);
    tr__ws_free(&ws);
    tr_error_clear(&err);
    res->paths = N;
    res->seed = 42;
    res->threads = 1;
    res->seconds = 0.25;
    tr__summary_of of = {.plan = &res->plan,
                         .acc = &res->total,
                         .paths = res->paths,
                         .seed = res->seed,
                         .first_path = res->first_path};
    cr_assert_eq(tr__summary_make(&res->summary, &of, &err), TR_OK);
    tr_error_clear(&err);
    return res;
}

static cJSON *results_json(const tr_results *res)
{
    tr_error err;
    tr_error_init(&err);
    char *text = NULL;
    cr_assert_eq(tr_results_json(res, &text, &err), TR_OK);
    cJSON *j = cJSON_Parse(text);
    cr_assert_not_null(j);
    free(text);
    tr_error_clear(&err);
    return j;
}

/* ---- checks ------------------------------------------------------------- */

static const cJSON *at(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert_not_null(v, "missing \"%s\"", key);
    return v;
}

static double num_at(const cJSON *o, const char *key)
{
    const cJSON *v = at(o, key);
    cr_assert(cJSON_IsNumber(v), "\"%s\" is not a number", key);
    return v->valuedouble;
}

static double item(const cJSON *a, int k)
{
    const cJSON *v = cJSON_GetArrayItem(a, k);
    cr_assert(cJSON_IsNumber(v), "item %d is not a number", k);
    return v->valuedouble;
}

static void near(double got, double want, double rel, const char *what)
{
    cr_expect(fabs(got - want) <= rel * fabs(want) + 1e-300, "%s: got %.17g, want %.17g", what, got,
              want);
}

/* The histograms' documented bound around an exact value. */
static void within_bucket(double got, double exact, const char *what)
{
    double bound = fmax(0.005 * fabs(exact), 0.01) * (1 + 1e-12);
    cr_expect(fabs(got - exact) <= bound, "%s: got %.17g, exact %.17g", what, got, exact);
}

/* An expected shortfall: each representative is within the bound of its
 * values, so their average is within 0.5 % of |ES| plus 0.01. */
static void within_es(double got, double exact, const char *what)
{
    double bound = (0.005 * fabs(exact) + 0.01) * (1 + 1e-12);
    cr_expect(fabs(got - exact) <= bound, "%s: got %.17g, exact %.17g", what, got, exact);
}

/* ceil(alpha n) for the levels used here (alpha n is an integer or not within 1e-9 of one). */
static size_t rank_of(double alpha, size_t n)
{
    double p = alpha * (double)n, r = nearbyint(p);
    size_t k = fabs(p - r) <= 1e-9 * p ? (size_t)r : (size_t)ceil(p);
    return k < 1 ? 1 : k;
}

/* ES over the sorted values s: the average of the quantile function over (alpha, 1]. */
static double exact_es(const double *s, size_t n, double alpha)
{
    double m = alpha * (double)n, sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double lo = fmax((double)i, m), hi = (double)(i + 1);
        if (hi > lo) sum += (hi - lo) * s[i];
    }
    return sum / ((double)n - m);
}

/* A DIST object against the values it summarises. */
static void check_dist(const cJSON *d, const double *v, const char *what)
{
    static const double ql[5] = {0.5, 0.9, 0.95, 0.99, 0.995};
    static const char *qn[5] = {"0.5", "0.9", "0.95", "0.99", "0.995"};
    char w[128];
    long double s = 0.0L;
    for (int j = 0; j < N; j++)
        s += v[j];
    double mean = (double)(s / N);
    long double ss = 0.0L;
    for (int j = 0; j < N; j++)
        ss += ((long double)v[j] - mean) * ((long double)v[j] - mean);
    double sd = sqrt((double)(ss / (N - 1)));
    snprintf(w, sizeof w, "%s mean", what);
    near(num_at(d, "mean"), mean, 1e-12, w);
    snprintf(w, sizeof w, "%s sd", what);
    near(num_at(d, "sd"), sd, 1e-9, w);
    snprintf(w, sizeof w, "%s se", what);
    near(num_at(d, "se"), sd / sqrt((double)N), 1e-9, w);

    double sorted[N];
    memcpy(sorted, v, sizeof sorted);
    qsort(sorted, N, sizeof *sorted, cmp_d);
    for (int k = 0; k < 5; k++) {
        snprintf(w, sizeof w, "%s quantile %s", what, qn[k]);
        within_bucket(num_at(at(d, "quantiles"), qn[k]), sorted[rank_of(ql[k], N) - 1], w);
    }
    snprintf(w, sizeof w, "%s ES 0.95", what);
    within_es(num_at(at(d, "es"), "0.95"), exact_es(sorted, N, 0.95), w);
    snprintf(w, sizeof w, "%s ES 0.99", what);
    within_es(num_at(at(d, "es"), "0.99"), exact_es(sorted, N, 0.99), w);

    /* Exceedance: at each point x (a bucket's representative), the share of
     * values in higher buckets; the last point is the maximum, exceeded by none. */
    const cJSON *ex = at(d, "exceedance"), *xs = at(ex, "x"), *ps = at(ex, "p");
    int np = cJSON_GetArraySize(xs);
    cr_expect_eq(cJSON_GetArraySize(ps), np);
    cr_expect(np >= 1 && np <= 60, "%s: %d exceedance points", what, np);
    for (int k = 0; k < np; k++) {
        double x = item(xs, k);
        size_t bx = tr__hist_index(x);
        int above = 0;
        for (int j = 0; j < N; j++)
            above += tr__hist_index(v[j]) > bx;
        char wk[160];
        snprintf(wk, sizeof wk, "%s: P(V > %g)", what, x);
        near(item(ps, k), (double)above / N, 1e-15, wk);
        if (k) cr_expect(x > item(xs, k - 1), "%s: exceedance x not increasing", what);
    }
    cr_expect_eq(tr__hist_index(item(xs, np - 1)), tr__hist_index(sorted[N - 1]),
                 "%s: the last exceedance point is not the maximum's bucket", what);
    cr_expect_eq(item(ps, np - 1), 0.0, "%s: the maximum is exceeded", what);
}

static void check_proportion(const cJSON *o, uint64_t k, const char *what)
{
    double p = (double)k / N, lo, hi;
    char w[128];
    snprintf(w, sizeof w, "%s estimate", what);
    near(num_at(o, "estimate"), p, 1e-15, w);
    snprintf(w, sizeof w, "%s se", what);
    near(num_at(o, "se"), sqrt(p * (1 - p) / N), 1e-12, w);
    tr__wilson(k, N, &lo, &hi);
    const cJSON *ci = at(o, "ci95");
    /* cJSON prints 15 significant digits when they read back within its
     * epsilon, so a figure may come back one unit in the last place off */
    snprintf(w, sizeof w, "%s ci95 low", what);
    near(item(ci, 0), lo, 1e-15, w);
    snprintf(w, sizeof w, "%s ci95 high", what);
    near(item(ci, 1), hi, 1e-15, w);
}

static void check_curve(const cJSON *a, const uint64_t *by_month, const char *what)
{
    cr_expect_eq(cJSON_GetArraySize(a), PIN_H);
    uint64_t c = 0;
    for (int t = 0; t < PIN_H; t++) {
        c += by_month[t];
        char w[96];
        snprintf(w, sizeof w, "%s month %d", what, t + 1);
        near(item(a, t), (double)c / N, 1e-15, w);
    }
}

Test(pin_results, results_json_figures_are_the_paths_figures)
{
    static truth t;
    work_out(&t);
    tr_config *cfg = pin_load();
    tr_results *res = make_results(cfg);
    cJSON *j = results_json(res);
    cr_expect_eq(num_at(j, "paths"), N);
    cr_expect_eq(num_at(j, "seed"), 42);
    cr_expect_eq(num_at(j, "horizon_months"), PIN_H);
    cr_expect_str_eq(at(j, "copula")->valuestring, "gaussian");
    cr_expect_null(cJSON_GetObjectItem(j, "first_path"));

    static const char *bands[5] = {"p5", "p25", "p50", "p75", "p95"};
    static const double levels[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
    const int owner[PIN_NS] = {0, 0, 1};
    const cJSON *trusts = at(j, "trusts");
    cr_assert_eq(cJSON_GetArraySize(trusts), PIN_NT);
    for (int i = 0; i < PIN_NT; i++) {
        const cJSON *tj = cJSON_GetArrayItem(trusts, i);
        char w[64];
        snprintf(w, sizeof w, "trust %d P(fail)", i);
        check_proportion(at(tj, "p_fail"), t.fail[i], w);
        snprintf(w, sizeof w, "trust %d failure curve", i);
        check_curve(at(tj, "failure_curve"), t.by_month[i], w);
        cr_expect_lt(t.fail[i], N, "the fixture must not fail on every path");
        snprintf(w, sizeof w, "trust %d failure month", i);
        near(num_at(tj, "failure_month_mean"), (double)t.tau[i] / (double)t.fail[i], 1e-15, w);
        snprintf(w, sizeof w, "trust %d bail-out", i);
        check_dist(at(tj, "bailout"), t.bo[i], w);
        for (int m = 0; m < PIN_H; m++) {
            double s[N];
            memcpy(s, t.cash[i][m], sizeof s);
            qsort(s, N, sizeof *s, cmp_d);
            for (int k = 0; k < 5; k++) {
                snprintf(w, sizeof w, "trust %d cash %s month %d", i, bands[k], m + 1);
                within_bucket(item(at(at(tj, "cash_bands"), bands[k]), m),
                              s[rank_of(levels[k], N) - 1], w);
            }
        }
    }
    for (int s = 0; s < PIN_NS; s++) {
        int i = owner[s];
        const cJSON *sj = cJSON_GetArrayItem(at(cJSON_GetArrayItem(trusts, i), "schemes"),
                                             s - (int)res->plan.scheme_base[i]);
        char w[64];
        snprintf(w, sizeof w, "scheme %d planned", s);
        near(num_at(sj, "planned"), res->plan.plan_total[s], 1e-15, w);
        snprintf(w, sizeof w, "scheme %d shortfall", s);
        near(num_at(sj, "shortfall_mean"), t.sf[s] / N, 1e-12, w);
        snprintf(w, sizeof w, "scheme %d shortfall given failure", s);
        near(num_at(sj, "shortfall_mean_given_fail"), t.sf_fail[s] / (double)t.fail[i], 1e-12, w);
    }
    const cJSON *cons = at(j, "consortia");
    cr_assert_eq(cJSON_GetArraySize(cons), PIN_NC);
    static const char *qty[3] = {"requested", "paid", "national_topup"};
    for (int c = 0; c < PIN_NC; c++) {
        const cJSON *cj = cJSON_GetArrayItem(cons, c);
        char w[64];
        for (int q = 0; q < 3; q++) {
            snprintf(w, sizeof w, "consortium %d %s", c, qty[q]);
            check_dist(at(cj, qty[q]), t.cons[c][q], w);
        }
        snprintf(w, sizeof w, "consortium %d exhausted", c);
        check_proportion(at(cj, "p_exhausted"), t.ex[c], w);
        check_curve(at(cj, "exhaustion_curve"), t.ex_month[c], w);
    }
    const cJSON *sys = at(j, "system"), *f = at(sys, "failures");
    double mean = 0.0;
    for (int k = 0; k <= PIN_NT; k++) {
        char w[32];
        snprintf(w, sizeof w, "P(%d fail)", k);
        near(item(at(f, "distribution"), k), (double)t.nfail[k] / N, 1e-15, w);
        mean += k * (double)t.nfail[k];
    }
    cr_expect_eq(cJSON_GetArraySize(at(f, "distribution")), PIN_NT + 1);
    near(num_at(f, "mean"), mean / N, 1e-15, "mean number failing");
    check_dist(at(sys, "bailout"), t.sys[0], "system bail-out");
    check_dist(at(sys, "national_topup"), t.sys[1], "national top-up");
    cJSON_Delete(j);
    tr_results_free(res);
    tr_config_free(cfg);
}

/* ---- CSV ------------------------------------------------------------------- */

static char *slurp(const char *file)
{
    FILE *fp = fopen(file, "rb");
    cr_assert_not_null(fp, "cannot read %s", file);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

#define MAXF 40
/* Split one CSV record (RFC 4180 quoting) starting at *p; advances *p past
 * its newline. Fields point into buf; returns the number of fields. */
static int csv_record(const char **p, char *buf, char **fields)
{
    int nf = 0;
    const char *s = *p;
    char *o = buf;
    for (;;) {
        cr_assert_lt(nf, MAXF);
        fields[nf++] = o;
        if (*s == '"') {
            for (s++;; s++) {
                cr_assert_neq(*s, '\0', "unterminated quoted field");
                if (*s == '"' && s[1] == '"') {
                    *o++ = '"';
                    s++;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *o++ = *s;
                }
            }
        } else {
            while (*s && *s != ',' && *s != '\n')
                *o++ = *s++;
        }
        *o++ = '\0';
        if (*s == ',') {
            s++;
            continue;
        }
        cr_assert(*s == '\n' || *s == '\0', "junk after a quoted field");
        if (*s) s++;
        break;
    }
    *p = s;
    return nf;
}

/* A numeric CSV field against its results.json figure (empty for null). */
static void field_is(const char *field, const cJSON *want, const char *what)
{
    if (cJSON_IsNull(want)) {
        cr_expect_str_eq(field, "", "%s: want an empty field for null", what);
        return;
    }
    cr_assert(cJSON_IsNumber(want), "%s: not a number in results.json", what);
    char *end;
    double got = strtod(field, &end);
    cr_expect(*field && *end == '\0', "%s: '%s' is not a number", what, field);
    double w = want->valuedouble;
    cr_expect(fabs(got - w) <= 1e-9 * fabs(w) + 1e-300, "%s: CSV %s, results.json %.17g", what,
              field, w);
}

/* The 9 fields of a DIST in the CSVs. */
static void dist_fields(char **f, const cJSON *d, const char *what)
{
    static const char *qn[5] = {"0.5", "0.9", "0.95", "0.99", "0.995"};
    char w[128];
    snprintf(w, sizeof w, "%s mean", what);
    field_is(f[0], at(d, "mean"), w);
    snprintf(w, sizeof w, "%s se", what);
    field_is(f[1], at(d, "se"), w);
    for (int k = 0; k < 5; k++) {
        snprintf(w, sizeof w, "%s q%s", what, qn[k]);
        field_is(f[2 + k], at(at(d, "quantiles"), qn[k]), w);
    }
    snprintf(w, sizeof w, "%s es95", what);
    field_is(f[7], at(at(d, "es"), "0.95"), w);
    snprintf(w, sizeof w, "%s es99", what);
    field_is(f[8], at(at(d, "es"), "0.99"), w);
}

/* A record's first two fields: the object's id and name. */
static void id_and_name(char **f, const cJSON *o)
{
    cr_expect_str_eq(f[0], at(o, "id")->valuestring);
    cr_expect_str_eq(f[1], at(o, "name")->valuestring);
}

/* A proportion's 95 % interval: the _lo95 and _hi95 fields. */
static void interval_fields(char **f, const cJSON *pr, const char *what)
{
    char w[128];
    snprintf(w, sizeof w, "%s_lo95", what);
    field_is(f[0], cJSON_GetArrayItem(at(pr, "ci95"), 0), w);
    snprintf(w, sizeof w, "%s_hi95", what);
    field_is(f[1], cJSON_GetArrayItem(at(pr, "ci95"), 1), w);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char f[1024];
        snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
        unlink(f);
    }
    closedir(d);
    rmdir(dir);
}

/* Reads DIR/name into text and returns a cursor past its header, which must be `header`. */
static const char *open_csv(const char *dir, const char *name, const char *header, char **text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *text = slurp(path);
    size_t n = strlen(header);
    cr_expect(strncmp(*text, header, n) == 0 && (*text)[n] == '\n', "%s: header\n%.300s", name,
              *text);
    return *text + n + 1;
}

/* The output folder, removed after the test even when an assertion stops it. */
static char csv_dir[] = "/tmp/tr-pin-results-XXXXXX";
static void remove_csv_dir(void)
{
    if (strstr(csv_dir, "XXXXXX") == NULL) remove_dir(csv_dir);
}

Test(pin_results, csv_views_equal_results_json, .fini = remove_csv_dir)
{
    tr_config *cfg = pin_load();
    tr_results *res = make_results(cfg);
    cJSON *j = results_json(res);
    char *dir = csv_dir;
    cr_assert_not_null(mkdtemp(dir));
    tr_error err;
    tr_error_init(&err);
    for (int v = 0; v < TR_CSV_VIEWS; v++) { /* each view to its file */
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, tr_csv_view_file((tr_csv_view)v));
        FILE *fp = fopen(path, "w");
        cr_assert_not_null(fp, "%s", path);
        cr_assert_eq(tr_results_csv(res, (tr_csv_view)v, fp, &err), TR_OK);
        cr_assert_eq(fclose(fp), 0);
    }
    tr_error_clear(&err);
    char *text, buf[4096], *f[MAXF];
    const cJSON *trusts = at(j, "trusts"), *cons = at(j, "consortia");

    /* trusts.csv; a's name needs quoting, with its quotes doubled */
    const char *p = open_csv(
        dir, "trusts.csv",
        "id,name,p_fail,p_fail_se,p_fail_lo95,p_fail_hi95,failure_month_mean,bailout_mean,"
        "bailout_se,bailout_q50,bailout_q90,bailout_q95,bailout_q99,bailout_q995,bailout_es95,"
        "bailout_es99",
        &text);
    const char *quoted = "a,\"St \"\"Mary's\"\", Paddington\",";
    cr_expect(strncmp(p, quoted, strlen(quoted)) == 0, "quoting: %.60s", p);
    for (int i = 0; i < PIN_NT; i++) {
        const cJSON *tj = cJSON_GetArrayItem(trusts, i), *pf = at(tj, "p_fail");
        cr_assert_eq(csv_record(&p, buf, f), 16);
        id_and_name(f, tj);
        field_is(f[2], at(pf, "estimate"), "p_fail");
        field_is(f[3], at(pf, "se"), "p_fail_se");
        interval_fields(f + 4, pf, "p_fail");
        field_is(f[6], at(tj, "failure_month_mean"), "failure_month_mean");
        dist_fields(f + 7, at(tj, "bailout"), "bailout");
    }
    cr_expect_eq(*p, '\0', "trusts.csv: extra lines");
    free(text);

    /* consortia.csv */
    p = open_csv(dir, "consortia.csv",
                 "id,name,reserve,p_exhausted,p_exhausted_lo95,p_exhausted_hi95,requested_mean,"
                 "requested_se,requested_q50,requested_q90,requested_q95,requested_q99,"
                 "requested_q995,requested_es95,requested_es99,paid_mean,paid_se,paid_q50,"
                 "paid_q90,paid_q95,paid_q99,paid_q995,paid_es95,paid_es99,national_topup_mean,"
                 "national_topup_se,national_topup_q50,national_topup_q90,national_topup_q95,"
                 "national_topup_q99,national_topup_q995,national_topup_es95,national_topup_es99",
                 &text);
    quoted = "c1,\"North, \"\"Central\"\"\",7,";
    cr_expect(strncmp(p, quoted, strlen(quoted)) == 0, "quoting: %.60s", p);
    for (int c = 0; c < PIN_NC; c++) {
        const cJSON *cj = cJSON_GetArrayItem(cons, c), *pe = at(cj, "p_exhausted");
        cr_assert_eq(csv_record(&p, buf, f), 33);
        id_and_name(f, cj);
        field_is(f[2], at(cj, "reserve"), "reserve");
        field_is(f[3], at(pe, "estimate"), "p_exhausted");
        interval_fields(f + 4, pe, "p_exhausted");
        dist_fields(f + 6, at(cj, "requested"), "requested");
        dist_fields(f + 15, at(cj, "paid"), "paid");
        dist_fields(f + 24, at(cj, "national_topup"), "national_topup");
    }
    cr_expect_eq(*p, '\0', "consortia.csv: extra lines");
    free(text);

    /* failure_curves.csv */
    static const char *bands[5] = {"p5", "p25", "p50", "p75", "p95"};
    p = open_csv(dir, "failure_curves.csv",
                 "trust,month,p_failed_by,cash_p5,cash_p25,cash_p50,cash_p75,cash_p95", &text);
    for (int i = 0; i < PIN_NT; i++) {
        const cJSON *tj = cJSON_GetArrayItem(trusts, i);
        for (int m = 0; m < PIN_H; m++) {
            cr_assert_eq(csv_record(&p, buf, f), 8);
            cr_expect_str_eq(f[0], at(tj, "id")->valuestring);
            cr_expect_eq(atoi(f[1]), m + 1);
            field_is(f[2], cJSON_GetArrayItem(at(tj, "failure_curve"), m), "p_failed_by");
            for (int k = 0; k < 5; k++)
                field_is(f[3 + k], cJSON_GetArrayItem(at(at(tj, "cash_bands"), bands[k]), m),
                         bands[k]);
        }
    }
    cr_expect_eq(*p, '\0', "failure_curves.csv: extra lines");
    free(text);

    /* schemes.csv */
    p = open_csv(dir, "schemes.csv",
                 "trust,scheme,name,kind,planned,shortfall_mean,shortfall_mean_given_fail", &text);
    for (int i = 0; i < PIN_NT; i++) {
        const cJSON *tj = cJSON_GetArrayItem(trusts, i), *sj;
        cJSON_ArrayForEach(sj, at(tj, "schemes"))
        {
            cr_assert_eq(csv_record(&p, buf, f), 7);
            cr_expect_str_eq(f[0], at(tj, "id")->valuestring);
            cr_expect_str_eq(f[1], at(sj, "id")->valuestring);
            cr_expect_str_eq(f[3], at(sj, "id")->valuestring[1] == '1'   ? "efficiency"
                                   : at(sj, "id")->valuestring[1] == '2' ? "closure"
                                                                         : "other");
            field_is(f[4], at(sj, "planned"), "planned");
            field_is(f[5], at(sj, "shortfall_mean"), "shortfall_mean");
            field_is(f[6], at(sj, "shortfall_mean_given_fail"), "shortfall_mean_given_fail");
        }
    }
    cr_expect_eq(*p, '\0', "schemes.csv: extra lines");
    free(text);

    cJSON_Delete(j);
    tr_results_free(res);
    tr_config_free(cfg);
}

/* ---- the summary table ------------------------------------------------------ */

Test(pin_results, summary_ranks_trusts_and_reads_the_right_figures)
{
    static truth t;
    work_out(&t);
    tr_config *cfg = pin_load();
    tr_results *res = make_results(cfg);
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);
    cr_assert_not_null(fp);
    tr_results_print_summary(res, 0, fp);
    fclose(fp);

    /* a fails on 2 paths in 5, b on 1 in 3: a is listed first */
    cr_assert_gt(t.fail[0], t.fail[1]);
    const char *ra = strstr(out, "\n  a "), *rb = strstr(out, "\n  b ");
    cr_assert(ra && rb, "rows missing:\n%s", out);
    cr_expect_lt(ra, rb, "the trust more likely to fail must come first:\n%s", out);
    char want[128];
    snprintf(want, sizeof want, "m%.1f", (double)t.tau[0] / (double)t.fail[0]);
    cr_expect(strstr(ra, want) != NULL && strstr(ra, want) < rb, "a's failure month %s:\n%s", want,
              out);

    /* the national top-up's 99 % comes from its own histogram, not the bail-outs' */
    double q_top = tr__hist_quantile(&res->total.sys_top, 0.99);
    double q_bo = tr__hist_quantile(&res->total.sys_bo, 0.99);
    cr_assert_gt(fabs(q_top - q_bo), 0.01);
    long double s = 0.0L;
    for (int j = 0; j < N; j++)
        s += t.sys[1][j];
    snprintf(want, sizeof want, "national top-up mean %.2f (99%%: %.2f)", (double)(s / N), q_top);
    cr_expect(strstr(out, want) != NULL, "want \"%s\" in\n%s", want, out);
    free(out);
    tr_results_free(res);
    tr_config_free(cfg);
}
