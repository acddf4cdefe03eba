/*
 * stats.c - exact sums, mergeable histograms and Wilson intervals.
 *
 * Results must not depend on how paths were split among threads or
 * processes, so nothing here uses floating-point addition across paths.
 *
 * tr__xsum is a 384-bit two's-complement fixed-point number with 128
 * fractional bits (six little-endian 64-bit limbs), in the spirit of
 * Kulisch's exact "long accumulator" (Kulisch and Miranker, "Computer
 * Arithmetic in Theory and Practice", 1981). An addend x is split exactly
 * into a 53-bit integer mantissa and an exponent and added as an integer;
 * bits below 2^-128 are TRUNCATED TOWARD ZERO (the magnitude is shifted
 * right, then the sign applied), so each addend contributes exactly
 * trunc(x * 2^128) * 2^-128, independently of every other addend. Integer
 * addition is associative, so any order or partition of the same addends
 * gives identical limbs. |x| >= 2^200, infinities and NaN set `overflow`;
 * the accumulator itself holds |sum| < 2^255, i.e. at least 2^55 addends
 * of the largest allowed size. tr__xsum_value rounds the exact sum to the
 * nearest double, ties to even.
 *
 * tr__hist is a fixed bucket layout (no per-run state), in increasing order:
 *   0            x <= -1e7 (and below)          representative -inf
 *   1..1620      -1e7 < x <= -1, 1.01-ratio     -1.01^(j + 1/2)
 *   1621..1670   -1 < x < 0, width 0.02         -(j + 1/2) * 0.02
 *   1671         x == 0 (either sign)           0
 *   1672..1721   0 < x < 1, width 0.02          (j + 1/2) * 0.02
 *   1722..3341   1 <= x < 1e7, 1.01-ratio       1.01^(j + 1/2)
 *   3342         x >= 1e7, and NaN              +inf
 * where j = floor(|x| * 50) for the linear buckets and
 * j = floor(log_1.01 |x|) for the log buckets, exactly: the bucket's lower
 * boundary is the smallest double >= 1.01^j (vmath.h's tr__vhist_index
 * finds it without a logarithm, the same bits on every CPU). Representatives
 * are clamped to the exact [min, max] seen, so the overflow buckets report
 * the extreme value and constant data is reported exactly; a quantile whose
 * rank is 1 or n is the exact min or max. Within a
 * bucket the representative is within 0.01 absolute (linear) or
 * sqrt(1.01) - 1 = 0.4988 % relative (log) of every value in the bucket,
 * hence docs/model.md section 8's bound "0.5 % relative or 0.01 absolute,
 * whichever is larger" for every quantile, except beyond +-1e7 (£10 tn).
 */
#include "stats.h"
#include "vmath.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- Exact sums -------------------------------------------------------- */

void tr__xsum_zero(tr__xsum *s)
{
    memset(s->limb, 0, sizeof s->limb);
    s->overflow = 0;
}

/* limb += v at position i, with carry (or borrow when neg) to the top. */
static inline void limb_add(uint64_t *limb, int i, uint64_t v)
{
    for (; i < TR__XSUM_WORDS && v; i++) {
        uint64_t old = limb[i];
        limb[i] = old + v;
        v = limb[i] < old; /* carry */
    }
}

static inline void limb_sub(uint64_t *limb, int i, uint64_t v)
{
    for (; i < TR__XSUM_WORDS && v; i++) {
        uint64_t old = limb[i];
        limb[i] = old - v;
        v = old < v; /* borrow */
    }
}

void tr__xsum_add(tr__xsum *s, double x)
{
    if (x == 0.0) return;
    if (!(fabs(x) < 0x1p200)) { /* also NaN and infinities */
        s->overflow = 1;
        return;
    }
    /* |x| = m * 2^(E - 1075) with m the 53-bit integer significand
     * (subnormals: E = 1 and no hidden bit). */
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int E = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    if (E == 0)
        E = 1;
    else
        m |= UINT64_C(1) << 52;
    int shift = E - 1075 + TR__XSUM_FRAC_BITS; /* position of m's bit 0 */
    uint64_t lo, hi;
    int li;
    if (shift < 0) {
        if (shift <= -64) return; /* below 2^-128 entirely: truncates to 0 */
        lo = m >> -shift;
        hi = 0;
        li = 0;
    } else {
        li = shift / 64;
        int r = shift % 64;
        lo = m << r;
        hi = r ? m >> (64 - r) : 0;
    }
    if (x > 0.0) {
        limb_add(s->limb, li, lo);
        if (li + 1 < TR__XSUM_WORDS) limb_add(s->limb, li + 1, hi);
    } else {
        limb_sub(s->limb, li, lo);
        if (li + 1 < TR__XSUM_WORDS) limb_sub(s->limb, li + 1, hi);
    }
}

void tr__xsum_merge(tr__xsum *dst, const tr__xsum *src)
{
    uint64_t carry = 0;
    for (int i = 0; i < TR__XSUM_WORDS; i++) {
        uint64_t a = dst->limb[i], b = src->limb[i];
        uint64_t t = a + b;
        uint64_t c1 = t < a;
        uint64_t r = t + carry;
        uint64_t c2 = r < t;
        dst->limb[i] = r;
        carry = c1 | c2;
    }
    dst->overflow |= src->overflow;
}

double tr__xsum_value(const tr__xsum *s)
{
    if (s->overflow) return NAN;
    uint64_t mag[TR__XSUM_WORDS];
    memcpy(mag, s->limb, sizeof mag);
    int neg = (mag[TR__XSUM_WORDS - 1] >> 63) != 0;
    if (neg) { /* two's complement negation */
        uint64_t carry = 1;
        for (int i = 0; i < TR__XSUM_WORDS; i++) {
            mag[i] = ~mag[i] + carry;
            carry = carry && mag[i] == 0;
        }
    }
    int top = TR__XSUM_WORDS - 1;
    while (top >= 0 && mag[top] == 0)
        top--;
    if (top < 0) return 0.0;
    /* Gather the 64 bits below and including the highest set bit, plus a
     * sticky bit for everything lower, then let the (round-to-nearest-even)
     * uint64 -> double conversion round once. */
    int lz = 0;
    for (uint64_t w = mag[top]; !(w >> 63); w <<= 1)
        lz++;
    uint64_t hi = mag[top] << lz;
    uint64_t rest = top > 0 ? mag[top - 1] : 0;
    if (lz) hi |= rest >> (64 - lz);
    uint64_t sticky = lz ? (rest << lz) != 0 : rest != 0;
    for (int i = top - 2; i >= 0 && !sticky; i--)
        sticky = mag[i] != 0;
    /* hi has 64 significant bits; bit 0 only matters as a sticky bit below
     * the 53 kept, so OR-ing it in keeps round-to-nearest-even correct. */
    double v = (double)(hi | sticky);
    /* hi's bit 63 is bit 64 * top + 63 - lz of the number. */
    v = ldexp(v, 64 * top - lz - TR__XSUM_FRAC_BITS);
    return neg ? -v : v;
}

/* ---- Histograms --------------------------------------------------------- */

#define H_NLIN 50 /* linear buckets per sign, width 1 / H_LINSCALE */
#define H_LINSCALE 50.0
#define H_NLOG 1620 /* ceil(log(1e7) / log(1.01)) */
#define H_LOGMAX 1e7
#define H_LOG_RATIO_LN 0.009950330853168092 /* log(1.01) */

#define H_NEG_OVER 0
#define H_NEG_LOG 1                     /* 1..1620 */
#define H_NEG_LIN (H_NEG_LOG + H_NLOG)  /* 1621..1670 */
#define H_ZERO (H_NEG_LIN + H_NLIN)     /* 1671 */
#define H_POS_LIN (H_ZERO + 1)          /* 1672..1721 */
#define H_POS_LOG (H_POS_LIN + H_NLIN)  /* 1722..3341 */
#define H_POS_OVER (H_POS_LOG + H_NLOG) /* 3342 */
#define H_NBUCKETS (H_POS_OVER + 1)     /* 3343 */

size_t tr__hist_nbuckets(void)
{
    return H_NBUCKETS;
}

size_t tr__hist_index(double x)
{
    return tr__vhist_index(x);
}

double tr__hist_repr(size_t i)
{
    if (i == H_NEG_OVER) return -INFINITY;
    if (i >= H_POS_OVER) return INFINITY;
    if (i == H_ZERO) return 0.0;
    if (i >= H_POS_LOG) return tr__vexp(((double)(i - H_POS_LOG) + 0.5) * H_LOG_RATIO_LN);
    if (i >= H_POS_LIN) return ((double)(i - H_POS_LIN) + 0.5) / H_LINSCALE;
    if (i >= H_NEG_LIN) return -((double)(H_NLIN - 1 - (i - H_NEG_LIN)) + 0.5) / H_LINSCALE;
    return -tr__vexp(((double)(H_NLOG - 1 - (i - H_NEG_LOG)) + 0.5) * H_LOG_RATIO_LN);
}

_Static_assert((H_NBUCKETS + TR__HIST_PAGE - 1) / TR__HIST_PAGE == TR__HIST_NPAGES,
               "TR__HIST_NPAGES covers the buckets");

/* ---- the page pool: slabs of pages, handed out under a mutex ---------- */

#define POOL_SLAB 64 /* pages per slab */

struct tr__hpool {
    pthread_mutex_t lock;
    uint64_t **slab; /* every slab, for freeing */
    size_t nslab, cap;
    size_t used; /* pages handed out from the last slab */
    size_t pages;
};

tr__hpool *tr__hpool_create(void)
{
    tr__hpool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return NULL;
    }
    p->used = POOL_SLAB;
    return p;
}

void tr__hpool_free(tr__hpool *p)
{
    if (!p) return;
    for (size_t k = 0; k < p->nslab; k++)
        free(p->slab[k]);
    free(p->slab);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

size_t tr__hpool_bytes(const tr__hpool *p)
{
    return p ? p->pages * TR__HIST_PAGE * sizeof(uint64_t) : 0;
}

size_t tr__hist_max_bytes(void)
{
    return sizeof(tr__hist) + TR__HIST_NPAGES * TR__HIST_PAGE * sizeof(uint64_t);
}

static uint64_t *pool_page(tr__hpool *p)
{
    uint64_t *pg = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->used == POOL_SLAB) {
        uint64_t *slab = calloc(POOL_SLAB * TR__HIST_PAGE, sizeof *slab);
        if (slab && p->nslab == p->cap) {
            size_t cap = p->cap ? 2 * p->cap : 16;
            uint64_t **ns = realloc(p->slab, cap * sizeof *ns);
            if (ns) {
                p->slab = ns;
                p->cap = cap;
            }
        }
        if (slab && p->nslab < p->cap) {
            p->slab[p->nslab++] = slab;
            p->used = 0;
        } else {
            free(slab);
        }
    }
    if (p->used < POOL_SLAB) {
        pg = p->slab[p->nslab - 1] + p->used * TR__HIST_PAGE;
        p->used++;
        p->pages++;
    }
    pthread_mutex_unlock(&p->lock);
    return pg;
}

/* ---- histograms ---------------------------------------------------------- */

void tr__hist_init(tr__hist *h)
{
    memset(h->page, 0, sizeof h->page);
    h->n = 0;
    h->min = INFINITY;
    h->max = -INFINITY;
    h->lo = (uint32_t)H_NBUCKETS;
    h->hi = 0;
}

int tr__hist_add_count(tr__hist *h, tr__hpool *pool, double x, size_t i, uint64_t r)
{
    uint64_t **pg = &h->page[i / TR__HIST_PAGE];
    if (!*pg && !(*pg = pool_page(pool))) return -1;
    (*pg)[i % TR__HIST_PAGE] += r;
    h->n += r;
    if (x < h->min) h->min = x;
    if (x > h->max) h->max = x;
    if (i < h->lo) h->lo = (uint32_t)i;
    if (i > h->hi) h->hi = (uint32_t)i;
    return 0;
}

int tr__hist_add(tr__hist *h, tr__hpool *pool, double x)
{
    return tr__hist_add_count(h, pool, x, tr__hist_index(x), 1);
}

int tr__hist_merge(tr__hist *dst, tr__hpool *pool, const tr__hist *src)
{
    if (src->lo > src->hi) return 0; /* empty */
    for (size_t j = src->lo / TR__HIST_PAGE; j <= src->hi / TR__HIST_PAGE; j++) {
        const uint64_t *sp = src->page[j];
        if (!sp) continue;
        if (!dst->page[j] && !(dst->page[j] = pool_page(pool))) return -1;
        for (size_t k = 0; k < TR__HIST_PAGE; k++)
            dst->page[j][k] += sp[k];
    }
    if (src->lo < dst->lo) dst->lo = src->lo;
    if (src->hi > dst->hi) dst->hi = src->hi;
    dst->n += src->n;
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
    return 0;
}

static double clamp_repr(const tr__hist *h, size_t i)
{
    double r = tr__hist_repr(i);
    if (r < h->min) r = h->min;
    if (r > h->max) r = h->max;
    return r;
}

/* ceil(alpha * n), but an alpha * n within rounding of an integer counts as
 * that integer (0.95 * 100 is 95, although 0.95 is not exactly 19/20). */
static uint64_t rank_of(double alpha, uint64_t n)
{
    double p = alpha * (double)n;
    double r = nearbyint(p);
    uint64_t k;
    if (fabs(p - r) <= 1e-9 * fmax(1.0, p))
        k = p > 0.0 ? (uint64_t)r : 0;
    else
        k = p > 0.0 ? (uint64_t)ceil(p) : 0;
    if (k < 1) k = 1;
    if (k > n) k = n;
    return k;
}

double tr__hist_quantile(const tr__hist *h, double alpha)
{
    if (h->n == 0 || !(alpha >= 0.0 && alpha <= 1.0)) return NAN;
    uint64_t rank = rank_of(alpha, h->n), cum = 0;
    /* The extreme order statistics are known exactly. */
    if (rank == h->n) return h->max;
    if (rank == 1) return h->min;
    for (size_t i = h->lo; i <= h->hi && i < H_NBUCKETS; i++) {
        cum += tr__hist_count(h, i);
        if (cum >= rank) return clamp_repr(h, i);
    }
    return h->max; /* counts inconsistent with n: not reached */
}

double tr__hist_es(const tr__hist *h, double alpha)
{
    if (h->n == 0 || !(alpha >= 0.0 && alpha <= 1.0)) return NAN;
    if (alpha >= 1.0) return h->max;
    /* The empirical quantile function q_u is piecewise constant; bucket i
     * occupies u in (C_{i-1}/n, C_i/n]. Integrate it over (alpha, 1], in
     * units of 1/n: m = alpha * n is where the tail starts. */
    double n = (double)h->n, m = alpha * n;
    double r = nearbyint(m);
    if (fabs(m - r) <= 1e-9 * fmax(1.0, m)) m = r; /* as in rank_of */
    double mass = n - m, sum = 0.0;
    if (!(mass > 0.0)) return h->max;
    uint64_t cum = 0;
    for (size_t i = h->lo; i <= h->hi && i < H_NBUCKETS; i++) {
        uint64_t c = tr__hist_count(h, i);
        if (!c) continue;
        double lo = (double)cum;
        cum += c;
        double hi = (double)cum;
        if (hi <= m) continue;
        /* weights as fractions of the tail, so one bucket gives its value exactly */
        double w = (hi - (lo > m ? lo : m)) / mass;
        sum += w * clamp_repr(h, i);
    }
    if (sum < h->min) sum = h->min;
    if (sum > h->max) sum = h->max;
    return sum;
}

/* ---- Intervals ------------------------------------------------------------ */

void tr__wilson(uint64_t k, uint64_t n, double *lo, double *hi)
{
    /* Wilson, "Probable inference, the law of succession, and statistical
     * inference", JASA 22 (1927). With no trials the interval is [0, 1]. */
    if (n == 0) {
        *lo = 0.0;
        *hi = 1.0;
        return;
    }
    const double z = 1.959963984540054;
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double den = 1.0 + z2 / nn;
    double centre = (p + z2 / (2.0 * nn)) / den;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / den;
    double l = centre - half, u = centre + half;
    if (k == 0 || l < 0.0) l = 0.0;
    if (k >= n || u > 1.0) u = 1.0;
    *lo = l;
    *hi = u;
}
