/*
 * results_json.c - results.json (docs/results.md): the run's summary
 * (summary.h) as a JSON document.
 *
 * results.json is a pure function of (config, seed, paths, engine version):
 * no timings, hosts or dates (the command's run.json, engine/cli/runinfo.c,
 * has those). The library only makes the document (a string); putting it
 * into an output folder, all or nothing, is the application's job (the
 * command does it in engine/cli/outdir.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "results.h"
#include "trustrisk/version.h"

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

/* A DIST (docs/results.md), with its "exceedance". */
static cJSON *dist(const tr__dstat *d)
{
    cJSON *o = cJSON_CreateObject();
    add(o, "mean", num(d->mean));
    add(o, "se", num(d->se));
    add(o, "sd", num(d->sd));
    cJSON *q = add(o, "quantiles", cJSON_CreateObject());
    for (int k = 0; k < TR__NQ; k++)
        add(q, tr__quantile_keys[k].json, num(d->q[k]));
    cJSON *es = add(o, "es", cJSON_CreateObject());
    for (int k = 0; k < TR__NES; k++)
        add(es, tr__es_keys[k].json, num(d->es[k]));
    cJSON *ex = add(o, "exceedance", cJSON_CreateObject());
    cJSON *xs = add(ex, "x", cJSON_CreateArray()), *ps = add(ex, "p", cJSON_CreateArray());
    for (size_t k = 0; xs && ps && k < d->n_exceed; k++) {
        cJSON_AddItemToArray(xs, num(d->exceed_x[k]));
        cJSON_AddItemToArray(ps, num(d->exceed_p[k]));
    }
    return o;
}

static cJSON *proportion(const tr__prop *p)
{
    cJSON *o = cJSON_CreateObject();
    add(o, "estimate", num(p->estimate));
    add(o, "se", num(p->se));
    double ci[2] = {p->lo, p->hi};
    add(o, "ci95", num_array(ci, 2));
    return o;
}

/* x, or null (undefined) when `defined` is false. */
static cJSON *num_or_null(int defined, double x)
{
    return defined ? num(x) : cJSON_CreateNull();
}

static cJSON *trust_json(const tr__summary *s, const tr__trust_sum *t)
{
    size_t H = (size_t)s->horizon;
    cJSON *o = cJSON_CreateObject();
    add(o, "id", cJSON_CreateString(t->id));
    add(o, "name", cJSON_CreateString(t->name));
    add(o, "p_fail", proportion(&t->p_fail));
    add(o, "failure_curve", num_array(t->fail_curve, H));
    add(o, "failure_month_mean", num_or_null(t->p_fail.k != 0, t->fail_month_mean));
    add(o, "bailout", dist(&t->bailout));
    cJSON *bands = add(o, "cash_bands", cJSON_CreateObject());
    for (int b = 0; b < TR__NBANDS; b++)
        add(bands, tr__band_keys[b].json, num_array(t->cash_bands + (size_t)b * H, H));
    cJSON *schemes = add(o, "schemes", cJSON_CreateArray());
    for (size_t j = 0; schemes && j < t->n_schemes; j++) {
        const tr__scheme_sum *sc = &s->schemes[t->first_scheme + j];
        cJSON *so = cJSON_CreateObject();
        cJSON_AddItemToArray(schemes, so);
        add(so, "id", cJSON_CreateString(sc->id));
        add(so, "name", cJSON_CreateString(sc->name));
        add(so, "planned", num(sc->planned));
        add(so, "shortfall_mean", num(sc->shortfall_mean));
        add(so, "shortfall_mean_given_fail",
            num_or_null(t->p_fail.k != 0, sc->shortfall_mean_given_fail));
    }
    return o;
}

static cJSON *consortium_json(const tr__summary *s, const tr__cons_sum *c)
{
    cJSON *o = cJSON_CreateObject();
    add(o, "id", cJSON_CreateString(c->id));
    add(o, "name", cJSON_CreateString(c->name));
    add(o, "reserve", num(c->reserve));
    add(o, "requested", dist(&c->requested));
    add(o, "paid", dist(&c->paid));
    add(o, "national_topup", dist(&c->topup));
    add(o, "p_exhausted", proportion(&c->p_exhausted));
    add(o, "exhaustion_curve", num_array(c->exhaust_curve, (size_t)s->horizon));
    return o;
}

static cJSON *build_json(const tr__summary *s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *eng = add(root, "engine", cJSON_CreateObject());
    add(eng, "name", cJSON_CreateString("trustrisk"));
    add(eng, "version", cJSON_CreateString(tr_version()));
    cJSON *c = add(root, "config", cJSON_CreateObject());
    add(c, "name", cJSON_CreateString(s->name));
    add(c, "sha256", cJSON_CreateString(s->sha256));
    add(root, "paths", cJSON_CreateNumber((double)s->paths));
    add(root, "seed", cJSON_CreateNumber((double)s->seed));
    if (s->first_path) add(root, "first_path", cJSON_CreateNumber((double)s->first_path));
    add(root, "horizon_months", cJSON_CreateNumber((double)s->horizon));
    add(root, "copula", cJSON_CreateString(s->copula));
    cJSON *trusts = add(root, "trusts", cJSON_CreateArray());
    for (size_t i = 0; trusts && i < s->n_trusts; i++)
        cJSON_AddItemToArray(trusts, trust_json(s, &s->trusts[i]));
    cJSON *cons = add(root, "consortia", cJSON_CreateArray());
    for (size_t k = 0; cons && k < s->n_consortia; k++)
        cJSON_AddItemToArray(cons, consortium_json(s, &s->consortia[k]));
    cJSON *sys = add(root, "system", cJSON_CreateObject());
    cJSON *fails = add(sys, "failures", cJSON_CreateObject());
    add(fails, "mean", num(s->failures_mean));
    add(fails, "distribution", num_array(s->failures_dist, s->n_trusts + 1));
    add(sys, "bailout", dist(&s->sys_bailout));
    add(sys, "national_topup", dist(&s->sys_topup));
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
    return print_json(build_json(&res->summary), json, err);
}
