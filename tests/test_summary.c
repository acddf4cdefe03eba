/*
 * test_summary.c - every number the outputs report, worked out once
 * (engine/summary.c), and the one table of levels and names (engine/keys.c).
 *
 * A trust that always fails in month 1 and one that never fails give exact
 * answers (certain proportions, Wilson bounds, curves, undefined means, a
 * bail-out of exactly 0); a random trust checks the shapes every figure
 * must have (increasing exceedance points ending at P = 0, ordered cash
 * bands, a failures distribution summing to 1); and every figure equals
 * what the accumulator says directly, so nothing is computed twice
 * differently.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "keys.h"
#include "results.h"
#include "summary.h"

#define PATHS 3000

/* always: a deficit of 10 a month from cash 1 (fails in month 1, bailed
 * out 10 a month); never: a surplus; noisy: random cash around break-even. */
static const char *cfg_text =
    "{'horizon_months': 6, 'consortia': [{'id': 'c', 'reserve': 25}], 'trusts': ["
    "{'id': 'always', 'cash': 1, 'income': 120, 'expenditure': 240, "
    "'commissioners': [{'consortium': 'c', 'share': 1}], "
    "'schemes': [{'id': 'a', 'saving': 12, 'start_month': 2}]},"
    "{'id': 'never', 'cash': 500, 'income': 120, 'expenditure': 100, "
    "'schemes': [{'id': 'n', 'saving': 6, 'start_month': 1, 'paper': 0.5}]},"
    "{'id': 'noisy', 'cash': 3, 'income': 120, 'expenditure': 121, 'cash_noise': 2}]}";

typedef struct run {
    tr_config *cfg;
    tr_results *res;
    const tr__summary *s;
} run;

static run run_it(void)
{
    char *json = th_json("%s", cfg_text);
    run r = {th_load(json), NULL, NULL};
    free(json);
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(th_run(r.cfg, PATHS, 5, 2, &r.res, &err), TR_OK);
    tr_error_clear(&err);
    r.s = &r.res->summary;
    cr_assert_eq(r.s->n_trusts, 3);
    return r;
}

static void done(run *r)
{
    tr_results_free(r->res);
    tr_config_free(r->cfg);
}

static const tr__trust_sum *trust(const tr__summary *s, const char *id)
{
    for (size_t i = 0; i < s->n_trusts; i++)
        if (strcmp(s->trusts[i].id, id) == 0) return &s->trusts[i];
    cr_assert_fail("no trust %s", id);
    return NULL;
}

Test(summary, certain_failure_and_certain_survival_are_exact)
{
    run r = run_it();
    const tr__summary *s = r.s;
    const tr__trust_sum *a = trust(s, "always"), *n = trust(s, "never");
    cr_expect_eq(s->paths, PATHS);
    cr_expect_eq(s->horizon, 6);
    /* always: fails in month 1 on every path */
    cr_expect_eq(a->p_fail.k, PATHS);
    cr_expect_eq(a->p_fail.estimate, 1.0);
    cr_expect_eq(a->p_fail.se, 0.0);
    cr_expect_eq(a->p_fail.hi, 1.0);
    cr_expect(a->p_fail.lo > 0.998 && a->p_fail.lo < 1.0, "Wilson low %g", a->p_fail.lo);
    cr_expect_eq(a->fail_month_mean, 1.0);
    for (int t = 0; t < s->horizon; t++)
        cr_expect_eq(a->fail_curve[t], 1.0, "month %d", t + 1);
    cr_expect_gt(a->bailout.mean, 0.0);
    cr_expect_eq(a->bailout.sd, 0.0); /* the same bail-out on every path */
    /* never: undefined means are NaN, bail-outs exactly 0 */
    cr_expect_eq(n->p_fail.k, 0);
    cr_expect_eq(n->p_fail.estimate, 0.0);
    cr_expect_eq(n->p_fail.lo, 0.0);
    cr_expect(isnan(n->fail_month_mean));
    cr_expect(isnan(s->schemes[n->first_scheme].shortfall_mean_given_fail));
    cr_expect_eq(n->bailout.mean, 0.0);
    for (int k = 0; k < TR__NQ; k++)
        cr_expect_eq(n->bailout.q[k], 0.0);
    for (int k = 0; k < TR__NES; k++)
        cr_expect_eq(n->bailout.es[k], 0.0);
    cr_expect_eq(n->bailout.n_exceed, 1);
    cr_expect_eq(n->bailout.exceed_x[0], 0.0);
    cr_expect_eq(n->bailout.exceed_p[0], 0.0);
    /* schemes: in trust order, pointing back at their trust */
    cr_expect_eq(s->n_schemes, 2);
    cr_expect_str_eq(s->schemes[a->first_scheme].id, "a");
    cr_expect_str_eq(s->schemes[n->first_scheme].kind, "other");
    cr_expect_eq(s->trusts + s->schemes[n->first_scheme].trust, n);
    /* the consortium pays always's bail-outs until its reserve of 25 runs out */
    cr_expect_eq(s->n_consortia, 1);
    cr_expect_eq(s->consortia[0].paid.mean, 25.0);
    cr_expect_eq(s->consortia[0].p_exhausted.k, PATHS);
    done(&r);
}

Test(summary, every_figure_has_its_shape)
{
    run r = run_it();
    const tr__summary *s = r.s;
    size_t H = (size_t)s->horizon;
    double total = 0.0, mean = 0.0;
    for (size_t k = 0; k <= s->n_trusts; k++) {
        total += s->failures_dist[k];
        mean += (double)k * s->failures_dist[k];
    }
    cr_expect_float_eq(total, 1.0, 1e-12);
    cr_expect_float_eq(mean, s->failures_mean, 1e-12);
    for (size_t i = 0; i < s->n_trusts; i++) {
        const tr__trust_sum *t = &s->trusts[i];
        const tr__prop *p = &t->p_fail;
        cr_expect(p->lo <= p->estimate && p->estimate <= p->hi, "%s: interval", t->id);
        cr_expect_float_eq(p->se, sqrt(p->estimate * (1 - p->estimate) / PATHS), 1e-15);
        cr_expect_eq(t->fail_curve[H - 1], p->estimate, "%s: curve ends at P(fail)", t->id);
        for (size_t m = 0; m < H; m++)
            for (int b = 1; b < TR__NBANDS; b++)
                cr_expect_leq(t->cash_bands[(size_t)(b - 1) * H + m],
                              t->cash_bands[(size_t)b * H + m], "%s: bands at month %zu", t->id,
                              m + 1);
        const tr__dstat *d = &t->bailout;
        cr_expect_geq(d->n_exceed, 1);
        cr_expect_leq(d->n_exceed, TR__EXCEEDANCE_POINTS + 1);
        for (size_t k = 1; k < d->n_exceed; k++) {
            cr_expect_gt(d->exceed_x[k], d->exceed_x[k - 1], "%s: exceedance x", t->id);
            cr_expect_leq(d->exceed_p[k], d->exceed_p[k - 1], "%s: exceedance p", t->id);
        }
        cr_expect_eq(d->exceed_p[d->n_exceed - 1], 0.0);
        for (int k = 1; k < TR__NQ; k++)
            cr_expect_leq(d->q[k - 1], d->q[k]);
    }
    const tr__trust_sum *noisy = trust(s, "noisy");
    cr_expect(noisy->p_fail.k > 0 && noisy->p_fail.k < PATHS, "noisy fails sometimes");
    cr_expect_gt(noisy->bailout.n_exceed, 10);
    done(&r);
}

/* Every figure is the accumulator's, read once: nothing computed twice. */
Test(summary, equals_the_statistics_it_summarises)
{
    run r = run_it();
    const tr__summary *s = r.s;
    const tr__acc *a = &r.res->total;
    size_t H = (size_t)s->horizon;
    for (size_t i = 0; i < s->n_trusts; i++) {
        const tr__trust_sum *t = &s->trusts[i];
        cr_expect_eq(t->p_fail.k, a->fail_count[i]);
        cr_expect_eq(t->bailout.mean,
                     tr__xsum_value(&a->xs[tr__acc_bo(a, i, TR__S_SUM)]) / (double)a->n);
        for (int k = 0; k < TR__NQ; k++)
            cr_expect_eq(t->bailout.q[k], tr__hist_quantile(&a->bo[i], tr__quantile_keys[k].level));
        for (int k = 0; k < TR__NES; k++)
            cr_expect_eq(t->bailout.es[k], tr__hist_es(&a->bo[i], tr__es_keys[k].level));
        for (size_t m = 0; m < H; m++)
            for (int b = 0; b < TR__NBANDS; b++)
                cr_expect_eq(t->cash_bands[(size_t)b * H + m],
                             tr__hist_quantile(&a->cash[i * H + m], tr__band_keys[b].level));
    }
    cr_expect_eq(s->sys_bailout.q[TR__Q99], tr__hist_quantile(&a->sys_bo, 0.99));
    done(&r);
}

/* The key table: levels increase, names match levels and one another. */
Test(summary, key_table_is_consistent)
{
    for (int k = 0; k < TR__NQ; k++) {
        cr_expect_eq(strtod(tr__quantile_keys[k].json, NULL), tr__quantile_keys[k].level);
        if (k) cr_expect_gt(tr__quantile_keys[k].level, tr__quantile_keys[k - 1].level);
        char csv[16];
        snprintf(csv, sizeof csv, "q%g", 100 * tr__quantile_keys[k].level);
        for (char *c = csv; *c; c++)
            if (*c == '.') memmove(c, c + 1, strlen(c));
        cr_expect_str_eq(tr__quantile_keys[k].csv, csv);
    }
    for (int k = 0; k < TR__NES; k++)
        cr_expect_eq(strtod(tr__es_keys[k].json, NULL), tr__es_keys[k].level);
    for (int k = 0; k < TR__NBANDS; k++) {
        char json[16], csv[24];
        snprintf(json, sizeof json, "p%g", 100 * tr__band_keys[k].level);
        snprintf(csv, sizeof csv, "cash_%s", json);
        cr_expect_str_eq(tr__band_keys[k].json, json);
        cr_expect_str_eq(tr__band_keys[k].csv, csv);
        if (k) cr_expect_gt(tr__band_keys[k].level, tr__band_keys[k - 1].level);
    }
    cr_expect_eq(tr__band_keys[TR__P50].level, 0.5);
    cr_expect_eq(tr__quantile_keys[TR__Q99].level, 0.99);
}
