/*
 * results_csv.c - the CSV views of a run (trusts.csv, consortia.csv,
 * failure_curves.csv, schemes.csv; docs/results.md): the run's summary
 * (summary.h) as rows, written to the caller's stream. The replay of one
 * path (run.c) writes its cells with the same helpers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "results.h"

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

/* The header cells of a DIST prefixed p: p_mean,p_se,p_q50,...,p_es99. */
static void dist_header(FILE *b, const char *p)
{
    fprintf(b, "%s_mean,%s_se", p, p);
    for (int k = 0; k < TR__NQ; k++)
        fprintf(b, ",%s_%s", p, tr__quantile_keys[k].csv);
    for (int k = 0; k < TR__NES; k++)
        fprintf(b, ",%s_%s", p, tr__es_keys[k].csv);
}

static void dist_cells(FILE *b, const tr__dstat *d)
{
    sb_num(b, d->mean);
    sb_num(b, d->se);
    for (int q = 0; q < TR__NQ; q++)
        sb_num(b, d->q[q]);
    for (int q = 0; q < TR__NES; q++)
        sb_num(b, d->es[q]);
}

/* id,name: the first two cells of a row. */
static void id_name(FILE *b, const char *id, const char *name)
{
    tr__csv_str(b, id);
    fputc(',', b);
    tr__csv_str(b, name);
}

static void csv_trusts(const tr__summary *s, FILE *b)
{
    fputs("id,name,p_fail,p_fail_se,p_fail_lo95,p_fail_hi95,failure_month_mean,", b);
    dist_header(b, "bailout");
    fputc('\n', b);
    for (size_t i = 0; i < s->n_trusts; i++) {
        const tr__trust_sum *t = &s->trusts[i];
        id_name(b, t->id, t->name);
        sb_num(b, t->p_fail.estimate);
        sb_num(b, t->p_fail.se);
        sb_num(b, t->p_fail.lo);
        sb_num(b, t->p_fail.hi);
        sb_num(b, t->fail_month_mean);
        dist_cells(b, &t->bailout);
        fputc('\n', b);
    }
}

static void csv_consortia(const tr__summary *s, FILE *b)
{
    fputs("id,name,reserve,p_exhausted,p_exhausted_lo95,p_exhausted_hi95,", b);
    dist_header(b, "requested");
    fputc(',', b);
    dist_header(b, "paid");
    fputc(',', b);
    dist_header(b, "national_topup");
    fputc('\n', b);
    for (size_t k = 0; k < s->n_consortia; k++) {
        const tr__cons_sum *c = &s->consortia[k];
        id_name(b, c->id, c->name);
        sb_num(b, c->reserve);
        sb_num(b, c->p_exhausted.estimate);
        sb_num(b, c->p_exhausted.lo);
        sb_num(b, c->p_exhausted.hi);
        dist_cells(b, &c->requested);
        dist_cells(b, &c->paid);
        dist_cells(b, &c->topup);
        fputc('\n', b);
    }
}

static void csv_curves(const tr__summary *s, FILE *b)
{
    size_t H = (size_t)s->horizon;
    fputs("trust,month,p_failed_by", b);
    for (int k = 0; k < TR__NBANDS; k++)
        fprintf(b, ",%s", tr__band_keys[k].csv);
    fputc('\n', b);
    for (size_t i = 0; i < s->n_trusts; i++) {
        const tr__trust_sum *t = &s->trusts[i];
        for (size_t m = 0; m < H; m++) {
            tr__csv_str(b, t->id);
            fprintf(b, ",%zu", m + 1);
            sb_num(b, t->fail_curve[m]);
            for (int k = 0; k < TR__NBANDS; k++)
                sb_num(b, t->cash_bands[(size_t)k * H + m]);
            fputc('\n', b);
        }
    }
}

static void csv_schemes(const tr__summary *s, FILE *b)
{
    fputs("trust,scheme,name,kind,planned,shortfall_mean,shortfall_mean_given_fail\n", b);
    for (size_t g = 0; g < s->n_schemes; g++) {
        const tr__scheme_sum *sc = &s->schemes[g];
        tr__csv_str(b, s->trusts[sc->trust].id);
        fputc(',', b);
        id_name(b, sc->id, sc->name);
        fprintf(b, ",%s", sc->kind);
        sb_num(b, sc->planned);
        sb_num(b, sc->shortfall_mean);
        sb_num(b, sc->shortfall_mean_given_fail);
        fputc('\n', b);
    }
}

static void (*const csv_writers[TR_CSV_VIEWS])(const tr__summary *, FILE *) = {
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
    csv_writers[view](&res->summary, fp);
    if (ferror(fp))
        return tr_error_add(err, TR_E_IO, tr_csv_view_file(view), NULL, 0, 0,
                            "writing the CSV failed");
    return TR_OK;
}
