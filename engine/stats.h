/*
 * stats.h - mergeable statistics (private).
 *
 * Results must be bit-for-bit identical at any thread or process count, so
 * every statistic here merges exactly and in any order:
 *   - tr__xsum is an exact fixed-point accumulator for sums of doubles
 *     (integer addition is associative, floating-point is not);
 *   - tr__hist is a log-bucketed histogram with integer counts whose
 *     quantile error is at most 0.5 % relative or 0.01 absolute, whichever is
 *     larger (docs/model.md section 8), plus exact min and max.
 * Memory does not grow with the number of values added.
 */
#ifndef TR_STATS_H
#define TR_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- Exact sums -------------------------------------------------------
 * Fixed point with 2^-TR__XSUM_FRAC_BITS resolution in TR__XSUM_WORDS
 * 64-bit limbs (two's complement, little-endian limbs). Any double with
 * |x| < 2^TR__XSUM_INT_BITS is added exactly after rounding to the
 * resolution (deterministically, round-to-nearest-even or truncation, as
 * documented in stats.c); larger magnitudes and non-finite values set the
 * `overflow` flag (the value is then reported as NaN/null). */
#define TR__XSUM_WORDS 6
#define TR__XSUM_FRAC_BITS 128
#define TR__XSUM_INT_BITS 200

typedef struct tr__xsum {
    uint64_t limb[TR__XSUM_WORDS];
    int overflow;
} tr__xsum;

void tr__xsum_zero(tr__xsum *s);
void tr__xsum_add(tr__xsum *s, double x);
void tr__xsum_merge(tr__xsum *dst, const tr__xsum *src);
/* The sum rounded to the nearest double (NaN if overflow). */
double tr__xsum_value(const tr__xsum *s);

/* ---- Histograms -------------------------------------------------------
 * Buckets: an exact zero bucket; linear buckets of width 0.02 for
 * 0 < |x| < 1; buckets growing by a factor 1.01 for 1 <= |x| < 1e7 (so the
 * geometric-middle representative is within 0.4988 % of any value in the
 * bucket); one overflow bucket on each side. Quantiles and ES use each
 * bucket's representative clamped to the exact [min, max] seen, so a
 * constant value is reported exactly. */
typedef struct tr__hist {
    uint64_t n;       /* values added */
    double min, max;  /* exact extremes (+inf/-inf when n == 0) */
    uint32_t lo, hi;  /* the buckets in use lie in [lo, hi] (lo > hi when empty): merging,
                         resetting and quantiles touch only those */
    uint32_t *counts; /* tr__hist_nbuckets() counters, caller-provided storage */
} tr__hist;

/* Number of buckets (a constant). */
size_t tr__hist_nbuckets(void);
/* Bucket of x (NaN goes to the upper overflow bucket). */
size_t tr__hist_index(double x);
/* Representative value of bucket i (before clamping to [min, max]). */
double tr__hist_repr(size_t i);

/* Attach storage of tr__hist_nbuckets() uint32_t and zero everything. */
void tr__hist_init(tr__hist *h, uint32_t *storage);
void tr__hist_reset(tr__hist *h);
static inline void tr__hist_add_index(tr__hist *h, double x, size_t i)
{
    h->counts[i]++;
    h->n++;
    if (i < h->lo) h->lo = (uint32_t)i;
    if (i > h->hi) h->hi = (uint32_t)i;
    if (x < h->min) h->min = x;
    if (x > h->max) h->max = x;
}
/* Add r copies of x, whose bucket is i. */
static inline void tr__hist_add_count(tr__hist *h, double x, size_t i, uint32_t r)
{
    h->counts[i] += r;
    h->n += r;
    if (x < h->min) h->min = x;
    if (x > h->max) h->max = x;
    if (i < h->lo) h->lo = (uint32_t)i;
    if (i > h->hi) h->hi = (uint32_t)i;
}
void tr__hist_add(tr__hist *h, double x);
void tr__hist_merge(tr__hist *dst, const tr__hist *src);

/* q_alpha = the smallest x with P(V <= x) >= alpha (docs/model.md section 8),
 * as the representative of the bucket where the cumulative count first
 * reaches alpha * n, clamped to [min, max] (the exact min or max when that
 * rank is 1 or n). NaN when n == 0. */
double tr__hist_quantile(const tr__hist *h, double alpha);

/* Expected shortfall ES_alpha = 1/(1-alpha) * integral_alpha^1 q_u du,
 * computed from the bucket representatives (fractional mass in the bucket
 * that straddles alpha). NaN when n == 0. */
double tr__hist_es(const tr__hist *h, double alpha);

/* ---- Intervals --------------------------------------------------------- */

/* Wilson score 95 % interval (z = 1.959963984540054) for k successes in n. */
void tr__wilson(uint64_t k, uint64_t n, double *lo, double *hi);

#endif /* TR_STATS_H */
