/*
 * replay.c - one path of a run, month by month, as CSV (`trustrisk path`).
 *
 * The path is simulated by the reference simulator (sim.c), which gives it
 * bit for bit as the block kernel did in the run (tests/test_kernel.c).
 */
#include <math.h>
#include <stdlib.h>

#include "pilot.h"
#include "results.h"
#include "sim.h"

static void draw_row(FILE *fp, const char *trust, const char *scheme, const char *element, double u,
                     double value)
{
    tr__csv_str(fp, trust);
    fputc(',', fp);
    tr__csv_str(fp, scheme);
    fprintf(fp, ",%s,", element);
    tr__csv_num(fp, u);
    fputc(',', fp);
    tr__csv_num(fp, value);
    fputc('\n', fp);
}

tr_status tr_path_replay(const tr_config *cfg, uint64_t seed, uint64_t index, FILE *out,
                         tr_error *err)
{
    if (seed > TR_MAX_SEED)
        return tr_error_add(err, TR_E_INPUT, NULL, "seed", 0, 0,
                            "must be in [0, 9007199254740992] (got %llu)",
                            (unsigned long long)seed);
    tr__plan plan;
    tr__ws ws;
    tr_status st = tr__plan_init(&plan, cfg, 0, err);
    if (st == TR_OK) st = tr__pilot_run(&plan, seed, err);
    if (st != TR_OK) {
        tr__plan_free(&plan);
        return st;
    }
    st = tr__ws_init(&ws, &plan, 1, err);
    if (st != TR_OK) {
        tr__plan_free(&plan);
        return st;
    }
    tr__sim_path(&ws, seed, index);
    size_t H = (size_t)plan.horizon;

    fputs("trust,month,income,expenditure,fixed_charges,savings,one_off_costs,noise,flow,bailout,"
          "cash\n",
          out);
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        for (size_t t = 0; t < H; t++) {
            const double *r = ws.trace + (i * H + t) * TR__TR_COUNT;
            tr__csv_str(out, cfg->trusts[i].id);
            fprintf(out, ",%zu", t + 1);
            for (int k = 0; k < TR__TR_COUNT; k++) {
                fputc(',', out);
                tr__csv_num(out, r[k]);
            }
            fputc('\n', out);
        }
    }

    static const char *const names[7] = {"paper",    "delivery", "compromise", "retained",
                                         "slippage", "stay",     "stay_delay"};
    fputs("\ntrust,scheme,element,u,value\n", out);
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        const double *td = ws.tdraw + i * 4;
        draw_row(out, tr->id, "", "income_growth", td[0], td[1]);
        draw_row(out, tr->id, "", "cost_growth", td[2], td[3]);
        for (size_t j = 0; j < tr->n_schemes; j++) {
            const tr__scheme_draw *d = &ws.sdraw[plan.scheme_base[i] + j];
            const char *sid = tr->schemes[j].id;
            double vals[7] = {d->paper, d->d0,   d->compromise, d->retained,
                              d->slip,  d->stay, d->stay_delay}; /* events as 0 or 1 */
            for (int e = 0; e < 7; e++)
                draw_row(out, tr->id, sid, names[e], d->u[e], vals[e]);
            draw_row(out, tr->id, sid, "delivered_fraction", NAN, d->d);
            draw_row(out, tr->id, sid, "actual_start", NAN, d->a);
            draw_row(out, tr->id, sid, "booked", NAN, d->booked);
            draw_row(out, tr->id, sid, "shortfall", NAN, d->shortfall);
        }
        draw_row(out, tr->id, "", "failure_month", NAN,
                 ws.fail_month[i] ? (double)ws.fail_month[i] : NAN);
        draw_row(out, tr->id, "", "bailout", NAN, ws.bailout[i]);
    }

    fputs("\nconsortium,requested,paid,national_topup,exhausted_month\n", out);
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        tr__csv_str(out, cfg->consortia[c].id);
        fputc(',', out);
        tr__csv_num(out, ws.requested[c]);
        fputc(',', out);
        tr__csv_num(out, ws.paid[c]);
        fputc(',', out);
        tr__csv_num(out, ws.requested[c] - ws.paid[c]);
        fputc(',', out);
        if (ws.exhaust_month[c]) fprintf(out, "%d", ws.exhaust_month[c]);
        fputc('\n', out);
    }
    fprintf(out, "\nsystem,trusts_failed,total_bailout,national_topup\npath %llu,%d,",
            (unsigned long long)index, ws.n_failed);
    tr__csv_num(out, ws.total_bailout);
    fputc(',', out);
    tr__csv_num(out, ws.national_topup);
    fputc('\n', out);
    if (plan.mu_z) { /* importance sampling: the path's likelihood ratio */
        fputs("\nweight\n", out);
        tr__csv_num(out, ws.weight);
        fputc('\n', out);
    }

    tr__ws_free(&ws);
    tr__plan_free(&plan);
    return TR_OK;
}
