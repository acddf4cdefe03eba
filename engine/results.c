/*
 * results.c - turning a run's statistics into results.json, run.json, CSV
 * views and the summary table (docs/model.md sections 8 and 10).
 *
 * results.json is a pure function of (config, seed, paths, engine version):
 * no timings, hosts or dates, which go into run.json. The library only makes
 * the documents (strings, or CSV written to a caller's FILE); putting them
 * into an output folder, all or nothing, is the application's job (the
 * command does it in engine/cli/outdir.c).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "results.h"
#include "stats.h"
#include "text.h"
#include "trustrisk/version.h"

static const double QLEVELS[5] = {0.5, 0.9, 0.95, 0.99, 0.995};
static const char *const QNAMES[5] = {"0.5", "0.9", "0.95", "0.99", "0.995"};
static const double ESLEVELS[2] = {0.95, 0.99};
static const char *const ESNAMES[2] = {"0.95", "0.99"};
static const double BAND_LEVELS[5] = {0.05, 0.25, 0.5, 0.75, 0.95};
static const char *const BAND_NAMES[5] = {"p5", "p25", "p50", "p75", "p95"};
#define EXCEEDANCE_POINTS 60

/* A JSON number, with no negative zero. A non-finite x is never written:
 * it becomes a null that remembers x (in valuedouble, which a null does not
 * otherwise use), and tr_results_json refuses to print a tree holding one.
 * null in results.json means "undefined" only (cJSON_CreateNull below). */
static cJSON *num(double x)
{
    if (isfinite(x)) return cJSON_CreateNumber(x + 0.0);
    cJSON *n = cJSON_CreateNull();
    if (n) n->valuedouble = x;
    return n;
}

/* The path of the first non-finite number num() met (into path), or 0. */
static int find_nonfinite(const cJSON *n, char *path, size_t len, size_t size, double *x)
{
    if (cJSON_IsNull(n) && !isfinite(n->valuedouble)) {
        *x = n->valuedouble;
        return 1;
    }
    size_t i = 0;
    for (const cJSON *c = n->child; c; c = c->next, i++) {
        int w = c->string ? snprintf(path + len, size - len, "%s%s", len ? "." : "", c->string)
                          : snprintf(path + len, size - len, "[%zu]", i);
        size_t end = w < 0 ? len : len + (size_t)w;
        if (end >= size) end = size - 1;
        if (find_nonfinite(c, path, end, size, x)) return 1;
        path[len] = '\0';
    }
    return 0;
}

static cJSON *add(cJSON *obj, const char *key, cJSON *item)
{
    if (obj && item) cJSON_AddItemToObject(obj, key, item);
    return item;
}

static cJSON *num_array(const double *x, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t k = 0; a && k < n; k++)
        cJSON_AddItemToArray(a, num(x[k]));
    return a;
}

/* Mean, sd and standard error of n values with exact sums S and Q. */
static void moments(const tr__acc *a, size_t k, uint64_t n, double *mean, double *sd, double *se)
{
    double S = tr__xsum_value(&a->xs[k]), Q = tr__xsum_value(&a->xs[k + 1]);
    double dn = (double)n;
    *mean = n ? S / dn : NAN;
    if (n < 2) {
        *sd = n == 1 ? 0.0 : NAN;
        *se = *sd;
        return;
    }
    double var = (Q - S * (S / dn)) / (dn - 1.0);
    if (var < 0.0) var = 0.0;
    *sd = sqrt(var);
    *se = *sd / sqrt(dn);
}

/* P(V > x) at up to EXCEEDANCE_POINTS bucket representatives, x increasing. */
static cJSON *exceedance(const tr__hist *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *xs = add(o, "x", cJSON_CreateArray()), *ps = add(o, "p", cJSON_CreateArray());
    if (!o || !xs || !ps || h->n == 0) return o;
    size_t nb = tr__hist_nbuckets(), nonempty = 0;
    for (size_t i = 0; i < nb; i++)
        nonempty += h->counts[i] != 0;
    size_t stride = (nonempty + EXCEEDANCE_POINTS - 1) / EXCEEDANCE_POINTS, seen = 0;
    uint64_t below = 0;
    for (size_t i = h->lo; i <= h->hi; i++) {
        if (!h->counts[i]) continue;
        below += h->counts[i];
        if (seen++ % stride != 0 && below != h->n) continue;
        double x = tr__hist_repr(i);
        if (x < h->min) x = h->min;
        if (x > h->max) x = h->max;
        cJSON_AddItemToArray(xs, num(x));
        cJSON_AddItemToArray(ps, num((double)(h->n - below) / (double)h->n));
    }
    return o;
}

/* A DIST (docs/model.md section 8, docs/results.md), with its "exceedance". */
static cJSON *dist(const tr__acc *a, const tr__hist *h, size_t sum_index)
{
    cJSON *o = cJSON_CreateObject();
    double mean, sd, se;
    moments(a, sum_index, h->n, &mean, &sd, &se);
    add(o, "mean", num(mean));
    add(o, "se", num(se));
    add(o, "sd", num(sd));
    cJSON *q = add(o, "quantiles", cJSON_CreateObject());
    for (int k = 0; k < 5; k++)
        add(q, QNAMES[k], num(tr__hist_quantile(h, QLEVELS[k])));
    cJSON *es = add(o, "es", cJSON_CreateObject());
    for (int k = 0; k < 2; k++)
        add(es, ESNAMES[k], num(tr__hist_es(h, ESLEVELS[k])));
    add(o, "exceedance", exceedance(h));
    return o;
}

static cJSON *proportion(uint64_t k, uint64_t n)
{
    cJSON *o = cJSON_CreateObject();
    double p = (double)k / (double)n, lo, hi;
    tr__wilson(k, n, &lo, &hi);
    add(o, "estimate", num(p));
    add(o, "se", num(sqrt(p * (1.0 - p) / (double)n)));
    double ci[2] = {lo, hi};
    add(o, "ci95", num_array(ci, 2));
    return o;
}

/* Cumulative curve P(event by month t) from counts of the event's month. */
static cJSON *curve(const uint64_t *by_month, size_t H, uint64_t n)
{
    cJSON *a = cJSON_CreateArray();
    uint64_t c = 0;
    for (size_t t = 0; a && t < H; t++) {
        c += by_month[t];
        cJSON_AddItemToArray(a, num((double)c / (double)n));
    }
    return a;
}

static cJSON *build_json(const tr_results *res)
{
    const tr_config *cfg = res->cfg;
    const tr__acc *a = &res->total;
    const tr__plan *pl = &res->plan;
    size_t H = (size_t)cfg->horizon;
    uint64_t n = a->n;
    cJSON *root = cJSON_CreateObject();
    cJSON *eng = add(root, "engine", cJSON_CreateObject());
    add(eng, "name", cJSON_CreateString("trustrisk"));
    add(eng, "version", cJSON_CreateString(tr_version()));
    cJSON *c = add(root, "config", cJSON_CreateObject());
    add(c, "name", cJSON_CreateString(cfg->name));
    add(c, "sha256", cJSON_CreateString(cfg->sha256));
    add(root, "paths", cJSON_CreateNumber((double)res->paths));
    add(root, "seed", cJSON_CreateNumber((double)res->seed));
    if (res->first_path) add(root, "first_path", cJSON_CreateNumber((double)res->first_path));
    add(root, "horizon_months", cJSON_CreateNumber((double)cfg->horizon));
    add(root, "copula", cJSON_CreateString(cfg->copula == TR__COPULA_T ? "t" : "gaussian"));

    cJSON *trusts = add(root, "trusts", cJSON_CreateArray());
    double *band = malloc((H ? H : 1) * sizeof *band);
    for (size_t i = 0; band && i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        cJSON *t = cJSON_CreateObject();
        cJSON_AddItemToArray(trusts, t);
        add(t, "id", cJSON_CreateString(tr->id));
        add(t, "name", cJSON_CreateString(tr->name));
        add(t, "p_fail", proportion(a->fail_count[i], n));
        add(t, "failure_curve", curve(a->fail_by_month + i * H, H, n));
        add(t, "failure_month_mean",
            a->fail_count[i] ? num((double)a->tau_sum[i] / (double)a->fail_count[i])
                             : cJSON_CreateNull());
        add(t, "bailout", dist(a, &a->bo[i], tr__acc_bo(a, i, TR__S_SUM)));
        cJSON *bands = add(t, "cash_bands", cJSON_CreateObject());
        for (int k = 0; k < 5; k++) {
            for (size_t m = 0; m < H; m++)
                band[m] = tr__hist_quantile(&a->cash[i * H + m], BAND_LEVELS[k]);
            add(bands, BAND_NAMES[k], num_array(band, H));
        }
        cJSON *schemes = add(t, "schemes", cJSON_CreateArray());
        for (size_t j = 0; j < tr->n_schemes; j++) {
            size_t s = pl->scheme_base[i] + j;
            cJSON *so = cJSON_CreateObject();
            cJSON_AddItemToArray(schemes, so);
            add(so, "id", cJSON_CreateString(tr->schemes[j].id));
            add(so, "name", cJSON_CreateString(tr->schemes[j].name));
            add(so, "planned", num(pl->plan_total[s]));
            add(so, "shortfall_mean",
                num(tr__xsum_value(&a->xs[tr__acc_shortfall(a, s, 0)]) / (double)n));
            add(so, "shortfall_mean_given_fail",
                a->fail_count[i] ? num(tr__xsum_value(&a->xs[tr__acc_shortfall(a, s, 1)]) /
                                       (double)a->fail_count[i])
                                 : cJSON_CreateNull());
        }
    }
    free(band);

    cJSON *cons = add(root, "consortia", cJSON_CreateArray());
    for (size_t k = 0; k < cfg->n_consortia; k++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(cons, o);
        add(o, "id", cJSON_CreateString(cfg->consortia[k].id));
        add(o, "name", cJSON_CreateString(cfg->consortia[k].name));
        add(o, "reserve", num(cfg->consortia[k].reserve));
        add(o, "requested", dist(a, &a->req[k], tr__acc_cons(a, k, 0, TR__S_SUM)));
        add(o, "paid", dist(a, &a->paid[k], tr__acc_cons(a, k, 1, TR__S_SUM)));
        add(o, "national_topup", dist(a, &a->top[k], tr__acc_cons(a, k, 2, TR__S_SUM)));
        add(o, "p_exhausted", proportion(a->exhausted[k], n));
        add(o, "exhaustion_curve", curve(a->ex_by_month + k * H, H, n));
    }

    cJSON *sys = add(root, "system", cJSON_CreateObject());
    cJSON *fails = add(sys, "failures", cJSON_CreateObject());
    double fsum = 0.0;
    cJSON *distr = cJSON_CreateArray();
    for (size_t k = 0; k <= cfg->n_trusts; k++) {
        fsum += (double)k * (double)a->nfail[k];
        cJSON_AddItemToArray(distr, num((double)a->nfail[k] / (double)n));
    }
    add(fails, "mean", num(fsum / (double)n));
    add(fails, "distribution", distr);
    add(sys, "bailout", dist(a, &a->sys_bo, tr__acc_sys(a, 0, TR__S_SUM)));
    add(sys, "national_topup", dist(a, &a->sys_top, tr__acc_sys(a, 1, TR__S_SUM)));
    return root;
}

/* The text of `root` (deleted here) with a final newline, as a string the
 * caller frees with free(). */
static tr_status print_json(cJSON *root, char **json, tr_error *err)
{
    *json = NULL;
    char where[512] = "";
    double bad;
    if (root && find_nonfinite(root, where, 0, sizeof where, &bad)) {
        cJSON_Delete(root);
        return tr_error_add(err, TR_E_INTERNAL, NULL, where, 0, 0,
                            "internal error: results.json would hold %g here, which is not a "
                            "number; nothing was written. Please report this",
                            bad);
    }
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing results");
    /* cJSON allocates with malloc by default: the caller frees with free(). */
    size_t len = strlen(text);
    char *out = malloc(len + 2);
    if (!out) {
        cJSON_free(text);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing results");
    }
    memcpy(out, text, len);
    out[len] = '\n';
    out[len + 1] = '\0';
    cJSON_free(text);
    *json = out;
    return TR_OK;
}

tr_status tr_results_json(const tr_results *res, char **json, tr_error *err)
{
    return print_json(build_json(res), json, err);
}

/* ---- CSV ----------------------------------------------------------------
 * The CSV views (and `path`'s replay in run.c) are written to FILE streams. */

/* A text cell that a spreadsheet would run as a formula (OWASP's "CSV
 * injection"): it starts with =, +, -, @, a tab or a carriage return. */
static int formula_like(const char *s)
{
    return s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
}

void tr__csv_str(FILE *fp, const char *s)
{
    int formula = formula_like(s);
    if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    if (formula) fputc('\'', fp); /* shown as text, not run */
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

void tr__csv_num(FILE *fp, double x)
{
    if (isfinite(x)) fprintf(fp, "%.10g", x + 0.0);
}

/* A field after a comma. */
static void sb_num(FILE *b, double x)
{
    fputc(',', b);
    tr__csv_num(b, x);
}

static void sb_dist(FILE *b, const tr__acc *a, const tr__hist *h, size_t k)
{
    double mean, sd, se;
    moments(a, k, h->n, &mean, &sd, &se);
    sb_num(b, mean);
    sb_num(b, se);
    for (int q = 0; q < 5; q++)
        sb_num(b, tr__hist_quantile(h, QLEVELS[q]));
    for (int q = 0; q < 2; q++)
        sb_num(b, tr__hist_es(h, ESLEVELS[q]));
}

#define DIST_HEADER(p)                                                                             \
    p "_mean," p "_se," p "_q50," p "_q90," p "_q95," p "_q99," p "_q995," p "_es95," p "_es99"

static void csv_trusts(const tr_results *res, FILE *b)
{
    const tr_config *cfg = res->cfg;
    const tr__acc *a = &res->total;
    fprintf(b, "id,name,p_fail,p_fail_se,p_fail_lo95,p_fail_hi95,failure_month_mean," DIST_HEADER(
                   "bailout") "\n");
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        double p = (double)a->fail_count[i] / (double)a->n, lo, hi;
        tr__wilson(a->fail_count[i], a->n, &lo, &hi);
        tr__csv_str(b, cfg->trusts[i].id);
        fprintf(b, ",");
        tr__csv_str(b, cfg->trusts[i].name);
        sb_num(b, p);
        sb_num(b, sqrt(p * (1 - p) / (double)a->n));
        sb_num(b, lo);
        sb_num(b, hi);
        sb_num(b, a->fail_count[i] ? (double)a->tau_sum[i] / (double)a->fail_count[i] : NAN);
        sb_dist(b, a, &a->bo[i], tr__acc_bo(a, i, TR__S_SUM));
        fprintf(b, "\n");
    }
}

static void csv_consortia(const tr_results *res, FILE *b)
{
    const tr_config *cfg = res->cfg;
    const tr__acc *a = &res->total;
    fprintf(b, "id,name,reserve,p_exhausted,p_exhausted_lo95,p_exhausted_hi95," DIST_HEADER(
                   "requested") "," DIST_HEADER("paid") "," DIST_HEADER("national_topup") "\n");
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        double lo, hi;
        tr__wilson(a->exhausted[c], a->n, &lo, &hi);
        tr__csv_str(b, cfg->consortia[c].id);
        fprintf(b, ",");
        tr__csv_str(b, cfg->consortia[c].name);
        sb_num(b, cfg->consortia[c].reserve);
        sb_num(b, (double)a->exhausted[c] / (double)a->n);
        sb_num(b, lo);
        sb_num(b, hi);
        sb_dist(b, a, &a->req[c], tr__acc_cons(a, c, 0, TR__S_SUM));
        sb_dist(b, a, &a->paid[c], tr__acc_cons(a, c, 1, TR__S_SUM));
        sb_dist(b, a, &a->top[c], tr__acc_cons(a, c, 2, TR__S_SUM));
        fprintf(b, "\n");
    }
}

static void csv_curves(const tr_results *res, FILE *b)
{
    const tr_config *cfg = res->cfg;
    const tr__acc *a = &res->total;
    size_t H = (size_t)cfg->horizon;
    fprintf(b, "trust,month,p_failed_by,cash_p5,cash_p25,cash_p50,cash_p75,cash_p95\n");
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        uint64_t c = 0;
        for (size_t t = 0; t < H; t++) {
            c += a->fail_by_month[i * H + t];
            tr__csv_str(b, cfg->trusts[i].id);
            fprintf(b, ",%zu", t + 1);
            sb_num(b, (double)c / (double)a->n);
            for (int k = 0; k < 5; k++)
                sb_num(b, tr__hist_quantile(&a->cash[i * H + t], BAND_LEVELS[k]));
            fprintf(b, "\n");
        }
    }
}

static void csv_schemes(const tr_results *res, FILE *b)
{
    const tr_config *cfg = res->cfg;
    const tr__acc *a = &res->total;
    fprintf(b, "trust,scheme,name,kind,planned,shortfall_mean,shortfall_mean_given_fail\n");
    static const char *const kinds[3] = {"efficiency", "closure", "other"};
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        for (size_t j = 0; j < tr->n_schemes; j++) {
            size_t s = res->plan.scheme_base[i] + j;
            tr__csv_str(b, tr->id);
            fprintf(b, ",");
            tr__csv_str(b, tr->schemes[j].id);
            fprintf(b, ",");
            tr__csv_str(b, tr->schemes[j].name);
            fprintf(b, ",%s", kinds[tr->schemes[j].kind]);
            sb_num(b, res->plan.plan_total[s]);
            sb_num(b, tr__xsum_value(&a->xs[tr__acc_shortfall(a, s, 0)]) / (double)a->n);
            sb_num(b, a->fail_count[i] ? tr__xsum_value(&a->xs[tr__acc_shortfall(a, s, 1)]) /
                                             (double)a->fail_count[i]
                                       : NAN);
            fprintf(b, "\n");
        }
    }
}

tr_status tr_results_run_json(const tr_results *res, char **json, tr_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *eng = add(o, "engine", cJSON_CreateObject());
    add(eng, "name", cJSON_CreateString("trustrisk"));
    add(eng, "version", cJSON_CreateString(tr_version()));
    add(o, "config_name", cJSON_CreateString(res->cfg->name));
    add(o, "config_file", cJSON_CreateString(res->cfg->source ? res->cfg->source : ""));
    add(o, "paths", cJSON_CreateNumber((double)res->paths));
    add(o, "seed", cJSON_CreateNumber((double)res->seed));
    add(o, "threads", cJSON_CreateNumber(res->threads));
#ifdef _OPENMP
    add(o, "openmp", cJSON_CreateTrue());
#else
    add(o, "openmp", cJSON_CreateFalse());
#endif
    add(o, "seconds", num(res->seconds));
    add(o, "paths_per_second", num(res->seconds > 0 ? (double)res->paths / res->seconds : NAN));
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    add(o, "host", cJSON_CreateString(host));
    char when[64] = "";
    time_t now = time(NULL);
    struct tm tmv;
    if (gmtime_r(&now, &tmv)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    add(o, "finished_at", cJSON_CreateString(when));
    return print_json(o, json, err);
}

static void (*const csv_writers[TR_CSV_VIEWS])(const tr_results *, FILE *) = {
    csv_trusts, csv_consortia, csv_curves, csv_schemes};

const char *tr_csv_view_file(tr_csv_view view)
{
    static const char *const names[TR_CSV_VIEWS] = {"trusts.csv", "consortia.csv",
                                                    "failure_curves.csv", "schemes.csv"};
    return (unsigned)view < TR_CSV_VIEWS ? names[view] : NULL;
}

tr_status tr_results_csv(const tr_results *res, tr_csv_view view, FILE *fp, tr_error *err)
{
    if ((unsigned)view >= TR_CSV_VIEWS || !fp)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0, "no such CSV view (%d)", (int)view);
    csv_writers[view](res, fp);
    if (ferror(fp))
        return tr_error_add(err, TR_E_IO, tr_csv_view_file(view), NULL, 0, 0,
                            "writing the CSV failed");
    return TR_OK;
}

/* ---- the summary table ------------------------------------------------- */

typedef struct rank {
    size_t i;
    double p;
} rank;

static int by_risk(const void *x, const void *y)
{
    const rank *a = x, *b = y;
    if (a->p != b->p) return a->p < b->p ? 1 : -1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

void tr_results_print_summary(const tr_results *res, FILE *fp)
{
    const tr_config *cfg = res->cfg;
    const tr__acc *a = &res->total;
    uint64_t n = a->n;
    char id[29]; /* an id as shown: escaped, cut to the column's 28 bytes */
    tr_text_print(fp, cfg->name);
    fprintf(fp, ": %llu paths, seed %llu, %d months, %s copula\n\n", (unsigned long long)res->paths,
            (unsigned long long)res->seed, cfg->horizon,
            cfg->copula == TR__COPULA_T ? "t" : "Gaussian");
    rank *r = malloc(cfg->n_trusts * sizeof *r);
    if (!r) return;
    for (size_t i = 0; i < cfg->n_trusts; i++)
        r[i] = (rank){i, (double)a->fail_count[i] / (double)n};
    qsort(r, cfg->n_trusts, sizeof *r, by_risk);
    fprintf(fp, "Trusts, most at risk first (bail-outs in GBP m over the horizon)\n");
    fprintf(fp, "  %-28s %8s  %-17s %9s %11s %11s\n", "trust", "P(fail)", "95% interval",
            "1st fail", "E[bailout]", "99% bailout");
    for (size_t k = 0; k < cfg->n_trusts; k++) {
        size_t i = r[k].i;
        double lo, hi, mean, sd, se;
        tr__wilson(a->fail_count[i], n, &lo, &hi);
        moments(a, tr__acc_bo(a, i, TR__S_SUM), n, &mean, &sd, &se);
        char when[16] = "-";
        if (a->fail_count[i])
            snprintf(when, sizeof when, "m%.1f", (double)a->tau_sum[i] / (double)a->fail_count[i]);
        tr__text_escape(id, sizeof id, cfg->trusts[i].id);
        fprintf(fp, "  %-28s %7.2f%%  [%5.2f%%, %6.2f%%] %9s %11.2f %11.2f\n", id, 100.0 * r[k].p,
                100.0 * lo, 100.0 * hi, when, mean, tr__hist_quantile(&a->bo[i], 0.99));
    }
    free(r);
    if (cfg->n_consortia) {
        fprintf(fp, "\nConsortia (GBP m over the horizon)\n");
        fprintf(fp, "  %-28s %9s %11s %11s %11s %12s\n", "consortium", "reserve", "E[asked]",
                "E[paid]", "E[top-up]", "P(exhausted)");
        for (size_t c = 0; c < cfg->n_consortia; c++) {
            double m[3], sd, se;
            for (int q = 0; q < 3; q++)
                moments(a, tr__acc_cons(a, c, q, TR__S_SUM), n, &m[q], &sd, &se);
            tr__text_escape(id, sizeof id, cfg->consortia[c].id);
            fprintf(fp, "  %-28s %9.2f %11.2f %11.2f %11.2f %11.2f%%\n", id,
                    cfg->consortia[c].reserve, m[0], m[1], m[2],
                    100.0 * (double)a->exhausted[c] / (double)n);
        }
    }
    double mb, mt, sd, se, fsum = 0.0;
    moments(a, tr__acc_sys(a, 0, TR__S_SUM), n, &mb, &sd, &se);
    moments(a, tr__acc_sys(a, 1, TR__S_SUM), n, &mt, &sd, &se);
    for (size_t k = 0; k <= cfg->n_trusts; k++)
        fsum += (double)k * (double)a->nfail[k];
    fprintf(fp,
            "\nSystem: %.3f trusts fail on average; total bail-out mean %.2f (99%%: %.2f); "
            "national top-up mean %.2f (99%%: %.2f)\n",
            fsum / (double)n, mb, tr__hist_quantile(&a->sys_bo, 0.99), mt,
            tr__hist_quantile(&a->sys_top, 0.99));
}
