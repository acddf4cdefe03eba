/*
 * summary.h - every number a run's outputs report, worked out once
 * (private).
 *
 * tr__summary_make turns the merged statistics of a run (accum.h) into the
 * figures of docs/results.md: per trust the probability of failure with
 * its standard error and Wilson interval, the failure curve, the mean month
 * of failure, the bail-out distribution and the cash bands; per scheme the
 * savings planned and the mean shortfalls; per consortium the requested,
 * paid and top-up distributions, the probability and curve of exhaustion;
 * for the system the distribution of the number of trusts failing and the
 * total bail-out and top-up. results.json (results_json.c), the CSV views
 * (results_csv.c) and the printed summary (results_text.c) only format
 * these numbers, at the levels of the key table (keys.h).
 *
 * A figure that is undefined is NaN: the mean month of failure and the
 * mean shortfall given failure of a trust that never fails (its
 * p_fail.k is 0). Any other NaN or infinity is a bug, which results.json
 * refuses to print.
 */
#ifndef TR_SUMMARY_H
#define TR_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "accum.h"
#include "keys.h"
#include "plan.h"

/* A distribution of values over the paths (a DIST in docs/results.md). */
typedef struct tr__dstat {
    uint64_t n; /* values */
    double mean, se, sd;
    double q[TR__NQ];   /* at tr__quantile_keys */
    double es[TR__NES]; /* at tr__es_keys */
    size_t n_exceed;    /* points on the exceedance curve, x increasing (the last one
                           may come on top of TR__EXCEEDANCE_POINTS) */
    double exceed_x[TR__EXCEEDANCE_POINTS + 1], exceed_p[TR__EXCEEDANCE_POINTS + 1]; /* P(V > x) */
} tr__dstat;

/* A proportion k / n with its standard error and Wilson 95 % interval. */
typedef struct tr__prop {
    uint64_t k, n;
    double estimate, se, lo, hi;
} tr__prop;

typedef struct tr__trust_sum {
    const char *id, *name;    /* the config's */
    tr__prop p_fail;          /* failing within the horizon */
    const double *fail_curve; /* H: P(failed by month t) */
    double fail_month_mean;   /* NaN when it never fails */
    tr__dstat bailout;        /* BO over the horizon */
    const double *cash_bands; /* TR__NBANDS * H: band b of month t at [b * H + t] */
    size_t first_scheme;      /* its schemes: first_scheme .. + n_schemes - 1 */
    size_t n_schemes;
} tr__trust_sum;

typedef struct tr__scheme_sum {
    const char *id, *name, *kind; /* kind: "efficiency", "closure" or "other" */
    size_t trust;
    double planned;                   /* booked within the horizon as planned */
    double shortfall_mean;            /* over all paths */
    double shortfall_mean_given_fail; /* over the paths its trust fails; NaN if none */
} tr__scheme_sum;

typedef struct tr__cons_sum {
    const char *id, *name;
    double reserve;
    tr__dstat requested, paid, topup;
    tr__prop p_exhausted;
    const double *exhaust_curve; /* H: P(exhausted by month t) */
} tr__cons_sum;

/* A precision target (docs/model.md, "Precision targets"): every trust's
 * P(fail) with se <= max(target_se, target_rel * estimate), where a trust
 * that has not failed yet counts as one failure for its se. */
typedef struct tr__target {
    double se, rel; /* 0: not asked */
} tr__target;

/* Where a run stands against its target. */
typedef struct tr__precision_status {
    int on; /* a target was asked for */
    tr__target target;
    uint64_t max_paths; /* the most the run could use */
    uint64_t paths;     /* the paths the statistics hold */
    int met;            /* every trust meets it */
    size_t worst;       /* the trust furthest from it (largest se / allowed) */
    double worst_se, worst_allowed;
    int weighted;      /* importance sampled: the weights were checked */
    int weights_sound; /* their mean is within 4 se of 1 (else not met) */
    double mean_weight, mean_weight_se;
} tr__precision_status;

/* Check the statistics against the target (into *ps; returns ps->met). */
int tr__precision_check(const tr__acc *a, const tr__target *t, tr__precision_status *ps);

/* Importance sampling as run: the shift (factor by factor), the effective
 * sample size (sum L)^2 / sum L^2 and the mean weight sum L / n; for an
 * automatic shift, the pilot that chose it. */
typedef struct tr__sampling_sum {
    int on; /* 0: plain sampling */
    size_t n;
    const char **factor; /* n: the shifted factors' names */
    double *mu;          /* n: their shifts */
    double ess, mean_weight;
    const tr__pilot_info *pilot; /* an automatic shift's pilot, or NULL */
    size_t event_k;              /* the pilot's event is "at least k trusts fail" (0: another) */
} tr__sampling_sum;

/* A proportion from the statistics: k (in count units: paths, or weight
 * units under importance sampling) of the run's paths, with its standard
 * error and 95 % interval (Wilson; under importance sampling a normal one
 * clipped to [0, 1], from the sum of L^2 over the event's paths at
 * l2_index). */
tr__prop tr__proportion(const tr__acc *a, uint64_t k, size_t l2_index);
/* The same with the sum of L^2 given. */
tr__prop tr__proportion_l2(const tr__acc *a, uint64_t k, double l2);

typedef struct tr__summary {
    const char *name, *sha256; /* the config's */
    const char *copula;        /* "gaussian" or "t" */
    uint64_t paths, seed, first_path;
    int horizon;
    size_t n_trusts, n_schemes, n_consortia;
    tr__trust_sum *trusts;
    tr__scheme_sum *schemes;
    tr__cons_sum *consortia;
    double failures_mean;  /* expected number of trusts failing */
    double *failures_dist; /* n_trusts + 1: P(exactly k fail) */
    tr__prop *at_least;    /* n_trusts + 1: P(at least k fail), under importance sampling */
    tr__dstat sys_bailout, sys_topup;
    tr__precision_status precision; /* on == 0 without a target */
    tr__sampling_sum sampling;      /* on == 0 under plain sampling */
    double *storage;                /* the curves and bands */
} tr__summary;

/* What the summary is of: a run's plan and merged (flushed) statistics,
 * and the paths, seed and first path it ran. */
typedef struct tr__summary_of {
    const tr__plan *plan;
    const tr__acc *acc;
    uint64_t paths, seed, first_path; /* paths: those the statistics hold */
    const tr__target *target;         /* a precision target, or NULL */
    uint64_t max_paths;               /* with a target: the most the run could use */
} tr__summary_of;

/* Work the summary out. It points into the config (names, ids), which
 * must outlive it. On failure (TR_E_NOMEM) it is left empty. */
tr_status tr__summary_make(tr__summary *s, const tr__summary_of *of, tr_error *err);
void tr__summary_free(tr__summary *s);

#endif /* TR_SUMMARY_H */
