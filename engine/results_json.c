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

#include "jsonout.h"
#include "results.h"
#include "trustrisk/version.h"

static cJSON *num_array(const double *x, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t k = 0; a && k < n; k++)
        cJSON_AddItemToArray(a, tr__json_num(x[k]));
    return a;
}

/* A DIST (docs/results.md), with its "exceedance". */
static cJSON *dist(const tr__dstat *d)
{
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "mean", tr__json_num(d->mean));
    tr__json_add(o, "se", tr__json_num(d->se));
    tr__json_add(o, "sd", tr__json_num(d->sd));
    cJSON *q = tr__json_add(o, "quantiles", cJSON_CreateObject());
    for (int k = 0; k < TR__NQ; k++)
        tr__json_add(q, tr__quantile_keys[k].json, tr__json_num(d->q[k]));
    cJSON *es = tr__json_add(o, "es", cJSON_CreateObject());
    for (int k = 0; k < TR__NES; k++)
        tr__json_add(es, tr__es_keys[k].json, tr__json_num(d->es[k]));
    cJSON *ex = tr__json_add(o, "exceedance", cJSON_CreateObject());
    cJSON *xs = tr__json_add(ex, "x", cJSON_CreateArray()),
          *ps = tr__json_add(ex, "p", cJSON_CreateArray());
    for (size_t k = 0; xs && ps && k < d->n_exceed; k++) {
        cJSON_AddItemToArray(xs, tr__json_num(d->exceed_x[k]));
        cJSON_AddItemToArray(ps, tr__json_num(d->exceed_p[k]));
    }
    return o;
}

static cJSON *proportion(const tr__prop *p)
{
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "estimate", tr__json_num(p->estimate));
    tr__json_add(o, "se", tr__json_num(p->se));
    double ci[2] = {p->lo, p->hi};
    tr__json_add(o, "ci95", num_array(ci, 2));
    return o;
}

/* x, or null (undefined) when `defined` is false. */
static cJSON *num_or_null(int defined, double x)
{
    return defined ? tr__json_num(x) : cJSON_CreateNull();
}

static cJSON *trust_json(const tr__summary *s, const tr__trust_sum *t)
{
    size_t H = (size_t)s->horizon;
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "id", cJSON_CreateString(t->id));
    tr__json_add(o, "name", cJSON_CreateString(t->name));
    tr__json_add(o, "p_fail", proportion(&t->p_fail));
    tr__json_add(o, "failure_curve", num_array(t->fail_curve, H));
    tr__json_add(o, "failure_month_mean", num_or_null(t->p_fail.k != 0, t->fail_month_mean));
    tr__json_add(o, "bailout", dist(&t->bailout));
    cJSON *bands = tr__json_add(o, "cash_bands", cJSON_CreateObject());
    for (int b = 0; b < TR__NBANDS; b++)
        tr__json_add(bands, tr__band_keys[b].json, num_array(t->cash_bands + (size_t)b * H, H));
    cJSON *schemes = tr__json_add(o, "schemes", cJSON_CreateArray());
    for (size_t j = 0; schemes && j < t->n_schemes; j++) {
        const tr__scheme_sum *sc = &s->schemes[t->first_scheme + j];
        cJSON *so = cJSON_CreateObject();
        cJSON_AddItemToArray(schemes, so);
        tr__json_add(so, "id", cJSON_CreateString(sc->id));
        tr__json_add(so, "name", cJSON_CreateString(sc->name));
        tr__json_add(so, "planned", tr__json_num(sc->planned));
        tr__json_add(so, "shortfall_mean", tr__json_num(sc->shortfall_mean));
        tr__json_add(so, "shortfall_mean_given_fail",
                     num_or_null(t->p_fail.k != 0, sc->shortfall_mean_given_fail));
    }
    return o;
}

static cJSON *consortium_json(const tr__summary *s, const tr__cons_sum *c)
{
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "id", cJSON_CreateString(c->id));
    tr__json_add(o, "name", cJSON_CreateString(c->name));
    tr__json_add(o, "reserve", tr__json_num(c->reserve));
    tr__json_add(o, "requested", dist(&c->requested));
    tr__json_add(o, "paid", dist(&c->paid));
    tr__json_add(o, "national_topup", dist(&c->topup));
    tr__json_add(o, "p_exhausted", proportion(&c->p_exhausted));
    tr__json_add(o, "exhaustion_curve", num_array(c->exhaust_curve, (size_t)s->horizon));
    return o;
}

/* A run with a precision target: the target, the paths it could use and
 * used, whether it was met, and the trust furthest from it. */
static cJSON *precision_json(const tr__summary *s)
{
    const tr__precision_status *ps = &s->precision;
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "target_se",
                 ps->target.se > 0.0 ? tr__json_num(ps->target.se) : cJSON_CreateNull());
    tr__json_add(o, "target_rel",
                 ps->target.rel > 0.0 ? tr__json_num(ps->target.rel) : cJSON_CreateNull());
    tr__json_add(o, "max_paths", cJSON_CreateNumber((double)ps->max_paths));
    tr__json_add(o, "paths_used", cJSON_CreateNumber((double)ps->paths));
    tr__json_add(o, "met", cJSON_CreateBool(ps->met));
    if (ps->weighted) tr__json_add(o, "weights_sound", cJSON_CreateBool(ps->weights_sound));
    if (s->n_trusts > 0) {
        cJSON *w = tr__json_add(o, "worst", cJSON_CreateObject());
        tr__json_add(w, "trust", cJSON_CreateString(s->trusts[ps->worst].id));
        tr__json_add(w, "se", tr__json_num(ps->worst_se));
        tr__json_add(w, "allowed", tr__json_num(ps->worst_allowed));
    }
    return o;
}

/* Importance sampling: the method, the shift, how well the weights
 * behaved, and an automatic shift's pilot. */
static cJSON *sampling_json(const tr__summary *s)
{
    const tr__sampling_sum *ss = &s->sampling;
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "method", cJSON_CreateString("shift"));
    cJSON *shift = tr__json_add(o, "shift", cJSON_CreateObject());
    for (size_t k = 0; shift && k < ss->n; k++)
        tr__json_add(shift, ss->factor[k], tr__json_num(ss->mu[k]));
    tr__json_add(o, "effective_sample_size", tr__json_num(ss->ess));
    tr__json_add(o, "mean_weight", tr__json_num(ss->mean_weight));
    if (ss->pilot) {
        cJSON *p = tr__json_add(o, "pilot", cJSON_CreateObject());
        tr__json_add(p, "paths", cJSON_CreateNumber((double)ss->pilot->paths));
        tr__json_add(p, "iterations", cJSON_CreateNumber((double)ss->pilot->iterations));
        double lv = ss->pilot->level; /* +inf: the elite failed (one trust's event) */
        tr__json_add(p, "level", isfinite(lv) ? tr__json_num(lv) : cJSON_CreateNull());
        tr__json_add(p, "reached", cJSON_CreateBool(ss->pilot->reached));
        tr__json_add(p, "hit_rate", tr__json_num(ss->pilot->hit_rate));
    }
    return o;
}

static cJSON *build_json(const tr__summary *s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *eng = tr__json_add(root, "engine", cJSON_CreateObject());
    tr__json_add(eng, "name", cJSON_CreateString("trustrisk"));
    tr__json_add(eng, "version", cJSON_CreateString(tr_version()));
    cJSON *c = tr__json_add(root, "config", cJSON_CreateObject());
    tr__json_add(c, "name", cJSON_CreateString(s->name));
    tr__json_add(c, "sha256", cJSON_CreateString(s->sha256));
    tr__json_add(root, "paths", cJSON_CreateNumber((double)s->paths));
    tr__json_add(root, "seed", tr__json_u64(s->seed));
    if (s->first_path) tr__json_add(root, "first_path", cJSON_CreateNumber((double)s->first_path));
    if (s->precision.on) tr__json_add(root, "precision", precision_json(s));
    if (s->sampling.on) tr__json_add(root, "sampling", sampling_json(s));
    tr__json_add(root, "horizon_months", cJSON_CreateNumber((double)s->horizon));
    tr__json_add(root, "copula", cJSON_CreateString(s->copula));
    cJSON *trusts = tr__json_add(root, "trusts", cJSON_CreateArray());
    for (size_t i = 0; trusts && i < s->n_trusts; i++)
        cJSON_AddItemToArray(trusts, trust_json(s, &s->trusts[i]));
    cJSON *cons = tr__json_add(root, "consortia", cJSON_CreateArray());
    for (size_t k = 0; cons && k < s->n_consortia; k++)
        cJSON_AddItemToArray(cons, consortium_json(s, &s->consortia[k]));
    cJSON *sys = tr__json_add(root, "system", cJSON_CreateObject());
    cJSON *fails = tr__json_add(sys, "failures", cJSON_CreateObject());
    tr__json_add(fails, "mean", tr__json_num(s->failures_mean));
    tr__json_add(fails, "distribution", num_array(s->failures_dist, s->n_trusts + 1));
    if (s->at_least) { /* importance sampling: the tail with its se, for rare events */
        cJSON *al = tr__json_add(fails, "at_least", cJSON_CreateArray());
        for (size_t k = 0; al && k <= s->n_trusts; k++)
            cJSON_AddItemToArray(al, proportion(&s->at_least[k]));
    }
    tr__json_add(sys, "bailout", dist(&s->sys_bailout));
    tr__json_add(sys, "national_topup", dist(&s->sys_topup));
    return root;
}

tr_status tr_results_json(const tr_results *res, char **json, tr_error *err)
{
    *json = NULL;
    if (tr__results_whole(res, err) != TR_OK) return TR_E_INPUT;
    return tr__json_doc(build_json(&res->summary), "results.json", json, err);
}
