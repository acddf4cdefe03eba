/*
 * compare.c - a batch's scenarios against the reference (see compare.h):
 * the numbers, comparison.json and comparison.csv.
 */
#include "compare.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonout.h"
#include "trustrisk/version.h"

/* Sample variance from a sum and a sum of squares (divisor n - 1). */
static double var_of(double S, double Q, uint64_t n)
{
    if (n < 2) return NAN;
    double dn = (double)n, v = (Q - S * (S / dn)) / (dn - 1.0);
    return v < 0.0 ? 0.0 : v;
}

/* A quantity compared: the scenario's sum and sum of squares, the
 * reference's, and the paired sums of the differences. */
static tr__cq compared(uint64_t n, const double s[2], const double r[2], const double d[2])
{
    tr__cq q = {1, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    double dn = (double)n;
    if (n == 0) return q;
    q.s = s[0] / dn;
    q.r = r[0] / dn;
    q.delta = d[0] / dn;
    double vd = var_of(d[0], d[1], n);
    q.se = sqrt(vd / dn);
    q.lo = q.delta - 1.959963984540054 * q.se;
    q.hi = q.delta + 1.959963984540054 * q.se;
    q.se_unpaired = sqrt((var_of(s[0], s[1], n) + var_of(r[0], r[1], n)) / dn);
    return q;
}

static double xv(const tr__acc *a, size_t k)
{
    return tr__xsum_value(&a->xs[k]);
}

/* An amount's sums for the comparison: of L X and of (L X)^2 (L = 1 on a
 * plain run's paths, whose sums are of X and X^2). */
static void amount(const tr__acc *a, size_t sum_index, double out[2])
{
    out[0] = xv(a, sum_index);
    out[1] = xv(a, a->weighted ? tr__acc_lsq(a, sum_index) : sum_index + 1);
}

/* A count in paths (a weighted run's counts are in weight units). */
static double paths_of(const tr__acc *a, uint64_t count)
{
    return a->weighted ? ldexp((double)count, -TR__W_BITS) : (double)count;
}

/* The sums of L 1{trust i fails} and of its square. */
static void failing(const tr__acc *a, size_t i, double out[2])
{
    out[0] = paths_of(a, a->fail_count[i]);
    out[1] = a->weighted ? xv(a, tr__acc_fail_l2(a, i)) : out[0];
}

/* Trust i of s matched with trust j of r (paired index t). */
static void trust_pair(tr__citem *it, const tr__acc *a, size_t i, const tr__acc *b, size_t j,
                       const tr__paired *p, size_t t)
{
    uint64_t n = a->n;
    double s[2], r[2], d[2];
    failing(a, i, s);
    failing(b, j, r);
    if (p->weighted) {
        size_t k = tr__paired_fail(p, t);
        d[0] = tr__xsum_value(&p->xs[k]);
        d[1] = tr__xsum_value(&p->xs[k + 1]);
    } else {
        double both = (double)p->both_fail[t];
        d[0] = s[0] - r[0];
        d[1] = s[0] + r[0] - 2.0 * both;
    }
    it->q[0] = compared(n, s, r, d);
    double bs[2], br[2];
    amount(a, tr__acc_bo(a, i, TR__S_SUM), bs);
    amount(b, tr__acc_bo(b, j, TR__S_SUM), br);
    size_t k = tr__paired_bo(p, t);
    double bd[2] = {tr__xsum_value(&p->xs[k]), tr__xsum_value(&p->xs[k + 1])};
    it->q[1] = compared(n, bs, br, bd);
}

/* Consortium c of s matched with d of r (paired index t). */
static void cons_pair(tr__citem *it, const tr__acc *a, size_t c, const tr__acc *b, size_t e,
                      const tr__paired *p, size_t t)
{
    for (int q = 0; q < 2; q++) { /* paid (acc quantity 1), top-up (2) */
        double s[2], r[2];
        amount(a, tr__acc_cons(a, c, q + 1, TR__S_SUM), s);
        amount(b, tr__acc_cons(b, e, q + 1, TR__S_SUM), r);
        size_t k = tr__paired_cons(p, t, q);
        double d[2] = {tr__xsum_value(&p->xs[k]), tr__xsum_value(&p->xs[k + 1])};
        it->q[q] = compared(a->n, s, r, d);
    }
}

/* The sums of L k (k trusts failing on a path) and of (L k)^2. */
static void failures(const tr__acc *a, double out[2])
{
    out[0] = out[1] = 0.0;
    for (size_t k = 0; k <= a->nt; k++) {
        out[0] += (double)k * paths_of(a, a->nfail[k]);
        out[1] += (double)k * (double)k *
                  (a->weighted ? xv(a, tr__acc_nfail_l2(a, k)) : (double)a->nfail[k]);
    }
}

static void system_pair(tr__cmp *c, const tr__acc *a, const tr__acc *b, const tr__paired *p)
{
    double s[2], r[2];
    failures(a, s);
    failures(b, r);
    double d[2] = {(double)p->dfail, (double)p->dfail2};
    if (p->weighted) {
        d[0] = tr__xsum_value(&p->xs[tr__paired_nfail(p)]);
        d[1] = tr__xsum_value(&p->xs[tr__paired_nfail(p) + 1]);
    }
    c->sys[TR__CSYS_FAILURES] = compared(a->n, s, r, d);
    for (int q = 0; q < 2; q++) {
        double ss[2], rr[2];
        amount(a, tr__acc_sys(a, q, TR__S_SUM), ss);
        amount(b, tr__acc_sys(b, q, TR__S_SUM), rr);
        size_t k = tr__paired_sys(p, q);
        double dd[2] = {tr__xsum_value(&p->xs[k]), tr__xsum_value(&p->xs[k + 1])};
        c->sys[TR__CSYS_BAILOUT + q] = compared(a->n, ss, rr, dd);
    }
}

/* The items of one kind: the scenario's (paired with the reference's where
 * it has them), then the reference's that the scenario lacks. */
static size_t list_items(tr__citem *out, size_t ns, size_t nr, const uint32_t *ps,
                         const uint32_t *pr, size_t np, unsigned char *seen)
{
    size_t m = 0, t = 0;
    memset(seen, 0, nr + 1);
    for (size_t k = 0; k < np; k++)
        seen[pr[k]] = 1;
    for (size_t i = 0; i < ns; i++, m++) {
        int both = t < np && ps[t] == i;
        out[m] = (tr__citem){
            .in = both ? "both" : "scenario", .si = i, .ri = both ? pr[t] : SIZE_MAX, .t = t};
        if (both) t++;
    }
    for (size_t j = 0; j < nr; j++)
        if (!seen[j]) out[m++] = (tr__citem){.in = "reference", .si = SIZE_MAX, .ri = j};
    return m;
}

tr_status tr__cmp_make(tr__cmp *c, size_t scenario, const tr_results *s, const tr_results *r,
                       const tr__paired *p, tr_error *err)
{
    memset(c, 0, sizeof *c);
    c->scenario = scenario;
    const tr_config *cs = s->cfg, *cr = r->cfg;
    size_t most = (cr->n_trusts > cr->n_consortia ? cr->n_trusts : cr->n_consortia) + 1;
    c->trusts = calloc(cs->n_trusts + cr->n_trusts + 1, sizeof *c->trusts);
    c->consortia = calloc(cs->n_consortia + cr->n_consortia + 1, sizeof *c->consortia);
    unsigned char *seen = calloc(most, 1);
    if (!c->trusts || !c->consortia || !seen) {
        free(seen);
        tr__cmp_free(c);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory comparing");
    }
    const tr__acc *a = &s->total, *b = &r->total;
    c->nt = list_items(c->trusts, cs->n_trusts, cr->n_trusts, p->ts, p->tr, p->nt, seen);
    for (size_t m = 0; m < c->nt; m++) {
        tr__citem *it = &c->trusts[m];
        const tr__trust *tr = it->si != SIZE_MAX ? &cs->trusts[it->si] : &cr->trusts[it->ri];
        it->id = tr->id;
        it->name = tr->name;
        if (it->si != SIZE_MAX && it->ri != SIZE_MAX)
            trust_pair(it, a, it->si, b, it->ri, p, it->t);
    }
    c->nc = list_items(c->consortia, cs->n_consortia, cr->n_consortia, p->cs, p->cr, p->nc, seen);
    for (size_t m = 0; m < c->nc; m++) {
        tr__citem *it = &c->consortia[m];
        const tr__consortium *co =
            it->si != SIZE_MAX ? &cs->consortia[it->si] : &cr->consortia[it->ri];
        it->id = co->id;
        it->name = co->name;
        if (it->si != SIZE_MAX && it->ri != SIZE_MAX) cons_pair(it, a, it->si, b, it->ri, p, it->t);
    }
    system_pair(c, a, b, p);
    free(seen);
    return TR_OK;
}

void tr__cmp_free(tr__cmp *c)
{
    if (!c) return;
    free(c->trusts);
    free(c->consortia);
    memset(c, 0, sizeof *c);
}

/* ---- comparison.json ----------------------------------------------------- */

/* A number that may be undefined (a standard error from one path). */
static cJSON *maybe(double x)
{
    return isnan(x) ? cJSON_CreateNull() : tr__json_num(x);
}

static cJSON *cq_json(const tr__cq *q)
{
    if (!q->present) return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "scenario", tr__json_num(q->s));
    tr__json_add(o, "reference", tr__json_num(q->r));
    tr__json_add(o, "delta", tr__json_num(q->delta));
    tr__json_add(o, "se", maybe(q->se));
    cJSON *ci = tr__json_add(o, "ci95", cJSON_CreateArray());
    if (ci) {
        cJSON_AddItemToArray(ci, maybe(q->lo));
        cJSON_AddItemToArray(ci, maybe(q->hi));
    }
    tr__json_add(o, "se_unpaired", maybe(q->se_unpaired));
    return o;
}

static cJSON *items_json(const tr__citem *it, size_t n, const char *q0, const char *q1)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t m = 0; a && m < n; m++) {
        cJSON *o = cJSON_CreateObject();
        tr__json_add(o, "id", cJSON_CreateString(it[m].id));
        tr__json_add(o, "name", cJSON_CreateString(it[m].name ? it[m].name : it[m].id));
        tr__json_add(o, "in", cJSON_CreateString(it[m].in));
        tr__json_add(o, q0, cq_json(&it[m].q[0]));
        tr__json_add(o, q1, cq_json(&it[m].q[1]));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *cmp_json(const tr__cmp_doc *d, const tr__cmp *c)
{
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "scenario", cJSON_CreateString(d->ids[c->scenario]));
    tr__json_add(o, "reference", cJSON_CreateString(d->ids[d->ref]));
    cJSON *sys = tr__json_add(o, "system", cJSON_CreateObject());
    tr__json_add(sys, "failures", cq_json(&c->sys[TR__CSYS_FAILURES]));
    tr__json_add(sys, "bailout", cq_json(&c->sys[TR__CSYS_BAILOUT]));
    tr__json_add(sys, "national_topup", cq_json(&c->sys[TR__CSYS_TOPUP]));
    tr__json_add(o, "trusts", items_json(c->trusts, c->nt, "p_fail", "bailout"));
    tr__json_add(o, "consortia", items_json(c->consortia, c->nc, "paid", "national_topup"));
    return o;
}

tr_status tr__cmp_json(const tr__cmp_doc *d, char **json, tr_error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *eng = tr__json_add(root, "engine", cJSON_CreateObject());
    tr__json_add(eng, "name", cJSON_CreateString("trustrisk"));
    tr__json_add(eng, "version", cJSON_CreateString(tr_version()));
    cJSON *b = tr__json_add(root, "batch", cJSON_CreateObject());
    tr__json_add(b, "name", cJSON_CreateString(d->name));
    tr__json_add(b, "sha256", cJSON_CreateString(d->manifest_sha));
    tr__json_add(root, "paths", cJSON_CreateNumber((double)d->paths));
    tr__json_add(root, "seed", tr__json_u64(d->seed));
    tr__json_add(root, "reference", cJSON_CreateString(d->ids[d->ref]));
    cJSON *sc = tr__json_add(root, "scenarios", cJSON_CreateArray());
    for (size_t k = 0; sc && k < d->n; k++) {
        cJSON *o = cJSON_CreateObject();
        tr__json_add(o, "id", cJSON_CreateString(d->ids[k]));
        tr__json_add(o, "name", cJSON_CreateString(d->names[k]));
        tr__json_add(o, "notes",
                     d->notes[k] ? cJSON_CreateString(d->notes[k]) : cJSON_CreateNull());
        tr__json_add(o, "config_sha256", cJSON_CreateString(d->sha[k]));
        cJSON_AddItemToArray(sc, o);
    }
    cJSON *cs = tr__json_add(root, "comparisons", cJSON_CreateArray());
    for (size_t k = 0; cs && k < d->n; k++)
        if (k != d->ref) cJSON_AddItemToArray(cs, cmp_json(d, &d->cmp[k]));
    return tr__json_doc(root, "comparison.json", json, err);
}

/* ---- comparison.csv ------------------------------------------------------ */

static void csv_row(FILE *fp, const tr__cmp_doc *d, const tr__cmp *c, const char *item,
                    const char *id, const char *quantity, const tr__cq *q)
{
    tr__csv_str(fp, d->ids[c->scenario]);
    fputc(',', fp);
    tr__csv_str(fp, d->ids[d->ref]);
    fprintf(fp, ",%s,", item);
    tr__csv_str(fp, id);
    fprintf(fp, ",%s", quantity);
    const double x[8] = {q->s, q->r, q->delta, q->se, q->lo, q->hi, q->se_unpaired, 0};
    for (int k = 0; k < 7; k++) {
        fputc(',', fp);
        if (q->present) tr__csv_num(fp, x[k]);
    }
    fputc('\n', fp);
}

void tr__cmp_csv(const tr__cmp_doc *d, FILE *fp)
{
    static const char *const sysq[TR__CSYS_N] = {"failures", "bailout", "national_topup"};
    fputs("scenario,reference,item,id,quantity,scenario_mean,reference_mean,delta,se,ci95_lo,"
          "ci95_hi,se_unpaired\n",
          fp);
    for (size_t k = 0; k < d->n; k++) {
        if (k == d->ref) continue;
        const tr__cmp *c = &d->cmp[k];
        for (int q = 0; q < TR__CSYS_N; q++)
            csv_row(fp, d, c, "system", "", sysq[q], &c->sys[q]);
        for (size_t m = 0; m < c->nt; m++) {
            csv_row(fp, d, c, "trust", c->trusts[m].id, "p_fail", &c->trusts[m].q[0]);
            csv_row(fp, d, c, "trust", c->trusts[m].id, "bailout", &c->trusts[m].q[1]);
        }
        for (size_t m = 0; m < c->nc; m++) {
            csv_row(fp, d, c, "consortium", c->consortia[m].id, "paid", &c->consortia[m].q[0]);
            csv_row(fp, d, c, "consortium", c->consortia[m].id, "national_topup",
                    &c->consortia[m].q[1]);
        }
    }
}
