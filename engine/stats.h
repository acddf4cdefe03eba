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
typedef struct tr__hpool tr__hpool;

/* Buckets are counted in pages of TR__HIST_PAGE, allocated from a pool on
 * first use, so a histogram whose values fall in few buckets (a trust whose
 * cash takes two values) costs a few hundred bytes, not the full layout. */
#define TR__HIST_PAGE 64
#define TR__HIST_NPAGES 53 /* ceil(tr__hist_nbuckets() / TR__HIST_PAGE) */

typedef struct tr__hist {
    uint64_t n;                      /* weight added: the number of values, in a plain run */
    double min, max;                 /* exact extremes (+inf/-inf when n == 0) */
    uint32_t lo, hi;                 /* the buckets in use lie in [lo, hi] (lo > hi when empty) */
    uint64_t *page[TR__HIST_NPAGES]; /* counts of buckets [64 j, 64 j + 64), NULL if none */
} tr__hist;

/* Number of buckets (a constant). */
size_t tr__hist_nbuckets(void);
/* Bucket of x (NaN goes to the upper overflow bucket). */
size_t tr__hist_index(double x);
/* Representative value of bucket i (before clamping to [min, max]). */
double tr__hist_repr(size_t i);

/* A pool of zeroed pages, shared by many histograms and safe to allocate
 * from on several threads at once; freeing it frees every page. */
tr__hpool *tr__hpool_create(void);
void tr__hpool_free(tr__hpool *p);
size_t tr__hpool_bytes(const tr__hpool *p); /* pages handed out, in bytes */
/* The bytes a histogram can take at most (every page). */
size_t tr__hist_max_bytes(void);

/* An empty histogram (no pages yet). */
void tr__hist_init(tr__hist *h);
/* The count of bucket i. */
static inline uint64_t tr__hist_count(const tr__hist *h, size_t i)
{
    const uint64_t *pg = h->page[i / TR__HIST_PAGE];
    return pg ? pg[i % TR__HIST_PAGE] : 0;
}
/* Add r copies (weight r) of x, whose bucket is i. Returns 0, or -1 when no
 * page could be allocated (nothing is added then). */
int tr__hist_add_count(tr__hist *h, tr__hpool *pool, double x, size_t i, uint64_t r);
int tr__hist_add(tr__hist *h, tr__hpool *pool, double x);
/* dst += src (pages from dst's pool). Returns 0 or -1 (out of memory). */
int tr__hist_merge(tr__hist *dst, tr__hpool *pool, const tr__hist *src);

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

/* The 97.5 % point of the standard normal: a 95 % interval's half-width in
 * standard errors. */
#define TR__Z95 1.959963984540054

/* Wilson score 95 % interval (z = 1.959963984540054) for k successes in n. */
void tr__wilson(uint64_t k, uint64_t n, double *lo, double *hi);

#endif /* TR_STATS_H */
