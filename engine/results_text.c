/*
 * results_text.c - the printed summary of a run: trusts ranked by
 * probability of failure, the consortia's exposure and the system's totals,
 * from the run's summary (summary.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "results.h"
#include "text.h"

typedef struct rank {
    size_t i;
    double p;
} rank;

/* Most at risk first; the config's order on a tie. */
static int by_risk(const void *x, const void *y)
{
    const rank *a = x, *b = y;
    if (a->p != b->p) return a->p < b->p ? 1 : -1;
    return a->i < b->i ? -1 : (a->i > b->i);
}

static void print_trusts(const tr__summary *s, size_t max_trusts, FILE *fp)
{
    char id[29]; /* an id as shown: escaped, cut to the column's 28 bytes */
    rank *r = malloc(s->n_trusts * sizeof *r);
    if (!r) return;
    for (size_t i = 0; i < s->n_trusts; i++)
        r[i] = (rank){i, s->trusts[i].p_fail.estimate};
    qsort(r, s->n_trusts, sizeof *r, by_risk);
    fprintf(fp, "Trusts, most at risk first (bail-outs in GBP m over the horizon)\n");
    fprintf(fp, "  %-28s %8s  %-17s %9s %11s %11s\n", "trust", "P(fail)", "95% interval",
            "1st fail", "E[bailout]", "99% bailout");
    size_t shown = max_trusts && max_trusts < s->n_trusts ? max_trusts : s->n_trusts;
    for (size_t k = 0; k < shown; k++) {
        const tr__trust_sum *t = &s->trusts[r[k].i];
        char when[16] = "-";
        if (t->p_fail.k) snprintf(when, sizeof when, "m%.1f", t->fail_month_mean);
        tr__text_escape(id, sizeof id, t->id);
        fprintf(fp, "  %-28s %7.2f%%  [%5.2f%%, %6.2f%%] %9s %11.2f %11.2f\n", id,
                100.0 * t->p_fail.estimate, 100.0 * t->p_fail.lo, 100.0 * t->p_fail.hi, when,
                t->bailout.mean, t->bailout.q[TR__Q99]);
    }
    if (shown < s->n_trusts)
        fprintf(fp, "  ... and %zu more trust%s, ranked lower, in %s\n", s->n_trusts - shown,
                s->n_trusts - shown == 1 ? "" : "s", tr_csv_view_file(TR_CSV_TRUSTS));
    free(r);
}

static void print_consortia(const tr__summary *s, FILE *fp)
{
    char id[29];
    fprintf(fp, "\nConsortia (GBP m over the horizon)\n");
    fprintf(fp, "  %-28s %9s %11s %11s %11s %12s\n", "consortium", "reserve", "E[asked]", "E[paid]",
            "E[top-up]", "P(exhausted)");
    for (size_t k = 0; k < s->n_consortia; k++) {
        const tr__cons_sum *c = &s->consortia[k];
        tr__text_escape(id, sizeof id, c->id);
        fprintf(fp, "  %-28s %9.2f %11.2f %11.2f %11.2f %11.2f%%\n", id, c->reserve,
                c->requested.mean, c->paid.mean, c->topup.mean, 100.0 * c->p_exhausted.estimate);
    }
}

/* A precision target: met or not, in how many paths, and the trust that
 * decided it. */
static void print_precision(const tr__summary *s, FILE *fp)
{
    const tr__precision_status *ps = &s->precision;
    char what[96] = "";
    if (ps->target.se > 0.0 && ps->target.rel > 0.0)
        snprintf(what, sizeof what, "se <= max(%g, %g x P(fail))", ps->target.se, ps->target.rel);
    else if (ps->target.se > 0.0)
        snprintf(what, sizeof what, "se <= %g", ps->target.se);
    else
        snprintf(what, sizeof what, "se <= %g x P(fail)", ps->target.rel);
    char id[64] = "";
    if (s->n_trusts > 0) tr__text_escape(id, sizeof id, s->trusts[ps->worst].id);
    if (ps->met)
        fprintf(
            fp,
            "Precision target %s met after %llu of at most %llu paths (closest: %s, se %.3g)\n\n",
            what, (unsigned long long)ps->paths, (unsigned long long)ps->max_paths, id,
            ps->worst_se);
    else if (ps->weighted && !ps->weights_sound)
        fprintf(fp,
                "Precision target %s NOT met in %llu paths: the importance weights are not yet "
                "sound (mean weight %.3g, se %.2g, where it should be 1), so no standard error can "
                "be trusted; raise --paths, or use a smaller shift\n\n",
                what, (unsigned long long)ps->paths, ps->mean_weight, ps->mean_weight_se);
    else if (ps->worst_allowed == 0.0)
        fprintf(fp,
                "Precision target %s NOT met in %llu paths: %s has not failed on any path, and a "
                "relative target alone allows it no error at all; give an absolute target as well "
                "(--target-se)\n\n",
                what, (unsigned long long)ps->paths, id);
    else
        fprintf(fp,
                "Precision target %s NOT met in %llu paths: %s has se %.3g where %.3g is allowed; "
                "raise --paths\n\n",
                what, (unsigned long long)ps->paths, id, ps->worst_se, ps->worst_allowed);
}

/* Importance sampling: the shift and how well the weights behaved. */
static void print_sampling(const tr__summary *s, FILE *fp)
{
    const tr__sampling_sum *ss = &s->sampling;
    fprintf(fp, "Importance sampling, %s shift", ss->pilot ? "automatic" : "given");
    for (size_t k = 0; k < ss->n; k++) {
        fputs(k ? ", " : ": ", fp);
        tr_text_print(fp, ss->factor[k]);
        fprintf(fp, " %+.3f", ss->mu[k]);
    }
    fprintf(fp, "; effective sample size %.0f of %llu paths, mean weight %.4f\n", ss->ess,
            (unsigned long long)s->paths, ss->mean_weight);
    if (ss->event_k && s->at_least) {
        const tr__prop *p = &s->at_least[ss->event_k];
        fprintf(fp, "  P(at least %zu trusts fail) = %.3g (se %.2g, 95%% interval %.3g to %.3g)\n",
                ss->event_k, p->estimate, p->se, p->lo, p->hi);
    }
    if (ss->ess < 0.01 * (double)s->paths)
        fputs("  (few effective paths: estimates the shift was not chosen for, such as P(no trust "
              "fails), are unreliable; read each one's standard error)\n",
              fp);
    if (ss->pilot && !ss->pilot->reached)
        fprintf(fp,
                "  (the pilot's %u steps of %llu paths did not reach the event: the shift may be "
                "too small; give more pilot paths)\n",
                ss->pilot->iterations, (unsigned long long)ss->pilot->paths);
    fputc('\n', fp);
}

void tr_results_print_summary(const tr_results *res, size_t max_trusts, FILE *fp)
{
    const tr__summary *s = &res->summary;
    if (res->shard_n > 0) {
        fprintf(fp,
                "Shard %u/%u (numbered from 0): %llu of the run's %llu blocks; merge the shards' "
                "states for "
                "the results\n",
                (unsigned)res->shard_i, (unsigned)res->shard_n,
                (unsigned long long)tr__blockset_count(&res->done),
                (unsigned long long)((res->first_path + res->paths + TR_PATH_BLOCK - 1) /
                                         TR_PATH_BLOCK -
                                     res->first_path / TR_PATH_BLOCK));
        return;
    }
    tr_text_print(fp, s->name);
    fprintf(fp, ": %llu paths, seed %llu, %d months, %s copula\n\n", (unsigned long long)s->paths,
            (unsigned long long)s->seed, s->horizon, s->copula[0] == 't' ? "t" : "Gaussian");
    if (s->precision.on) print_precision(s, fp);
    if (s->sampling.on) print_sampling(s, fp);
    print_trusts(s, max_trusts, fp);
    if (s->n_consortia) print_consortia(s, fp);
    fprintf(fp,
            "\nSystem: %.3f trusts fail on average; total bail-out mean %.2f (99%%: %.2f); "
            "national top-up mean %.2f (99%%: %.2f)\n",
            s->failures_mean, s->sys_bailout.mean, s->sys_bailout.q[TR__Q99], s->sys_topup.mean,
            s->sys_topup.q[TR__Q99]);
}
