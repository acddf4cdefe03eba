/*
 * compare.h - a batch's scenarios against its reference: the numbers of
 * comparison.json and comparison.csv (private).
 *
 * For each quantity X the batch pairs (paired.h), with n paths:
 *   delta = (1/n) sum_p (X_s,p - X_r,p), the paired difference of means;
 *   se    = sd_p(X_s,p - X_r,p) / sqrt(n), the sample standard deviation
 *           (divisor n - 1) of the differences;
 *   95 % interval delta -+ 1.96 se;
 *   se_unpaired = sqrt((var_s + var_r) / n), what two independent runs of
 *           n paths each would have had (var: each scenario's sample
 *           variance of X, divisor n - 1).
 * A trust or consortium that only one of the two scenarios has gets no
 * numbers (null).
 */
#ifndef TR_COMPARE_H
#define TR_COMPARE_H

#include <stdio.h>

#include "paired.h"
#include "results.h"
#include "trustrisk/batch.h"

/* One quantity compared. */
typedef struct tr__cq {
    int present;        /* both scenarios have it */
    double s, r;        /* the means in the scenario and in the reference */
    double delta, se;   /* paired difference and its standard error */
    double lo, hi;      /* 95 % interval */
    double se_unpaired; /* the standard error without pairing */
} tr__cq;

/* A trust (quantities: failure, bail-out) or a consortium (paid, top-up). */
typedef struct tr__citem {
    const char *id, *name;
    const char *in; /* "both", "scenario" (only there) or "reference" */
    size_t si, ri;  /* its index in the scenario, in the reference (SIZE_MAX: none) */
    size_t t;       /* its index in the paired sums (when in both) */
    tr__cq q[2];
} tr__citem;

enum { TR__CSYS_FAILURES = 0, TR__CSYS_BAILOUT, TR__CSYS_TOPUP, TR__CSYS_N };

typedef struct tr__cmp {
    size_t scenario; /* its index in the batch */
    size_t nt, nc;   /* items: the scenario's, then the reference's alone */
    tr__citem *trusts, *consortia;
    tr__cq sys[TR__CSYS_N];
} tr__cmp;

/* Scenario s (results and paired sums) against the reference's results. */
tr_status tr__cmp_make(tr__cmp *c, size_t scenario, const tr_results *s, const tr_results *r,
                       const tr__paired *p, tr_error *err);
void tr__cmp_free(tr__cmp *c);

/* What the comparison documents say about the batch. */
typedef struct tr__cmp_doc {
    const char *name, *manifest_sha;
    uint64_t paths, seed;
    size_t n, ref;          /* scenarios; the reference */
    const char *const *ids; /* [n] */
    const char *const *names, *const *notes, *const *sha;
    const tr__cmp *cmp; /* [n]: cmp[ref] unused */
} tr__cmp_doc;

/* Scenario i of a finished batch against its reference (batch.c); NULL for
 * the reference itself and for a shard, which has no comparisons. */
const tr__cmp *tr__batch_cmp(const tr_batch *b, size_t i);

tr_status tr__cmp_json(const tr__cmp_doc *d, char **json, tr_error *err);
void tr__cmp_csv(const tr__cmp_doc *d, FILE *fp);

#endif /* TR_COMPARE_H */
