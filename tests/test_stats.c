/*
 * test_stats.c - exact sums, histograms and Wilson intervals.
 *
 * The point of these structures is that results do not depend on how the
 * values were split or ordered, so the tests shuffle, partition and merge,
 * and compare bit for bit. Histogram quantiles are checked against exact
 * order statistics with the documented bound: max(0.5 % of |exact|, 0.01).
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "philox.h"
#include "rng.h"
#include "stats.h"

/* Deterministic test randomness: the engine's own generator, 64 bits from
 * words 2j and 2j + 1 of the Philox block at counter (i, tag, a, 0). */
static uint64_t philox_bits(uint64_t i, uint32_t tag, uint32_t a, int j, uint32_t key)
{
    uint32_t w[4];
    tr__philox_one((tr__philox_ctr){(uint32_t)i, tag, a, (uint32_t)(i >> 32)}, key, 0, w);
    return ((uint64_t)w[2 * j] << 32) | w[2 * j + 1];
}

static uint64_t bits_at(uint64_t i, uint32_t tag)
{
    return philox_bits(i, tag, 0, 0, 77);
}

static double unif_at(uint64_t i, uint32_t tag)
{
    return tr__u01(bits_at(i, tag));
}

/* Doubles of mixed sign and magnitude, 2^-140 .. 2^150. */
static double mixed_at(uint64_t i)
{
    uint64_t b0 = philox_bits(i, 3, 1, 0, 5), b1 = philox_bits(i, 3, 1, 1, 5);
    double m = tr__u01(b0) + 0.5;
    int e = (int)(b1 % 291) - 140;
    double x = ldexp(m, e);
    return (b1 >> 40 & 1) ? -x : x;
}

/* ---- xsum ---------------------------------------------------------------- */

Test(xsum, order_and_partition_independent)
{
    enum { N = 100000 };
    double *x = malloc(N * sizeof *x);
    cr_assert_not_null(x);
    for (int i = 0; i < N; i++)
        x[i] = mixed_at((uint64_t)i);

    tr__xsum ref;
    tr__xsum_zero(&ref);
    for (int i = 0; i < N; i++)
        tr__xsum_add(&ref, x[i]);
    cr_assert_eq(ref.overflow, 0);

    for (int trial = 0; trial < 3; trial++) {
        /* Fisher-Yates shuffle */
        for (int i = N - 1; i > 0; i--) {
            int j = (int)(bits_at((uint64_t)(trial * N + i), 9) % (uint64_t)(i + 1));
            double t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
        /* chunks of random sizes, merged back to front (or front to back) */
        enum { MAXC = 64 };
        tr__xsum part[MAXC];
        int nc = 0, pos = 0;
        while (pos < N) {
            int len = 1 + (int)(bits_at((uint64_t)(trial * 1000 + nc), 10) % (2 * N / MAXC));
            if (nc == MAXC - 1 || pos + len > N) len = N - pos;
            tr__xsum_zero(&part[nc]);
            for (int i = pos; i < pos + len; i++)
                tr__xsum_add(&part[nc], x[i]);
            pos += len;
            nc++;
        }
        tr__xsum tot;
        tr__xsum_zero(&tot);
        if (trial % 2)
            for (int c = nc - 1; c >= 0; c--)
                tr__xsum_merge(&tot, &part[c]);
        else
            for (int c = 0; c < nc; c++)
                tr__xsum_merge(&tot, &part[c]);
        cr_expect_eq(memcmp(tot.limb, ref.limb, sizeof ref.limb), 0, "trial %d", trial);
        cr_expect_eq(tr__xsum_value(&tot), tr__xsum_value(&ref));
    }
    free(x);
}

Test(xsum, exact_values)
{
    tr__xsum s;
    tr__xsum_zero(&s);
    cr_expect_eq(tr__xsum_value(&s), 0.0);
    for (int i = 1; i <= 100000; i++)
        tr__xsum_add(&s, (double)i);
    cr_expect_eq(tr__xsum_value(&s), 5000050000.0);

    /* Ten doubles 0.1 sum exactly to 1.0000000000000000555..., nearest double 1. */
    tr__xsum_zero(&s);
    for (int i = 0; i < 10; i++)
        tr__xsum_add(&s, 0.1);
    cr_expect_eq(tr__xsum_value(&s), 1.0);

    /* Catastrophic cancellation is exact. */
    tr__xsum_zero(&s);
    tr__xsum_add(&s, 1e50);
    tr__xsum_add(&s, 1.0);
    tr__xsum_add(&s, -1e50);
    cr_expect_eq(tr__xsum_value(&s), 1.0);

    /* Negative sums. */
    tr__xsum_zero(&s);
    tr__xsum_add(&s, 0.25);
    tr__xsum_add(&s, -0.75);
    cr_expect_eq(tr__xsum_value(&s), -0.5);

    /* Largest allowed magnitudes. */
    tr__xsum_zero(&s);
    tr__xsum_add(&s, 0x1.8p199);
    tr__xsum_add(&s, 0x1.8p199);
    cr_expect_eq(tr__xsum_value(&s), 0x1.8p200);
    cr_expect_eq(s.overflow, 0);
}

Test(xsum, rounds_to_nearest_even)
{
    tr__xsum s;
    tr__xsum_zero(&s); /* 1 + 2^-53: a tie, to even (1) */
    tr__xsum_add(&s, 1.0);
    tr__xsum_add(&s, 0x1p-53);
    cr_expect_eq(tr__xsum_value(&s), 1.0);
    tr__xsum_add(&s, 0x1p-100); /* just above the tie: up */
    cr_expect_eq(tr__xsum_value(&s), 1.0 + 0x1p-52);
    tr__xsum_zero(&s); /* 1 + 3 * 2^-53: a tie, to even (1 + 2^-51) */
    tr__xsum_add(&s, 1.0);
    tr__xsum_add(&s, 0x1.8p-52);
    cr_expect_eq(tr__xsum_value(&s), 1.0 + 0x1p-51);
    tr__xsum_zero(&s); /* and negative */
    tr__xsum_add(&s, -1.0);
    tr__xsum_add(&s, -0x1p-53);
    tr__xsum_add(&s, -0x1p-120);
    cr_expect_eq(tr__xsum_value(&s), -1.0 - 0x1p-52);
}

Test(xsum, truncates_below_resolution_toward_zero)
{
    tr__xsum s;
    tr__xsum_zero(&s);
    tr__xsum_add(&s, 0x1p-130); /* below 2^-128: contributes 0 */
    cr_expect_eq(tr__xsum_value(&s), 0.0);
    tr__xsum_add(&s, 0x1.8p-128); /* 1.5 * 2^-128 -> 2^-128 */
    cr_expect_eq(tr__xsum_value(&s), 0x1p-128);
    tr__xsum_zero(&s);
    tr__xsum_add(&s, -0x1.8p-128); /* -> -2^-128 (toward zero) */
    cr_expect_eq(tr__xsum_value(&s), -0x1p-128);
    tr__xsum_zero(&s);
    tr__xsum_add(&s, 0x1p-100 + 0x1p-140); /* the 2^-140 part is dropped */
    cr_expect_eq(tr__xsum_value(&s), 0x1p-100);
    tr__xsum_zero(&s);
    tr__xsum_add(&s, 0x1p-60 * 1.1); /* representable in full: kept */
    cr_expect_eq(tr__xsum_value(&s), 0x1p-60 * 1.1);
    /* subnormals truncate to zero */
    tr__xsum_add(&s, 4.9e-324);
    cr_expect_eq(tr__xsum_value(&s), 0x1p-60 * 1.1);
}

Test(xsum, overflow)
{
    tr__xsum s, t;
    tr__xsum_zero(&s);
    tr__xsum_zero(&t);
    tr__xsum_add(&s, 1.0);
    tr__xsum_add(&t, 0x1p200);
    cr_expect(t.overflow);
    cr_expect(isnan(tr__xsum_value(&t)));
    tr__xsum_merge(&s, &t);
    cr_expect(isnan(tr__xsum_value(&s)));
    tr__xsum_zero(&s);
    tr__xsum_add(&s, INFINITY);
    cr_expect(s.overflow);
    tr__xsum_zero(&s);
    tr__xsum_add(&s, NAN);
    cr_expect(s.overflow);
    tr__xsum_zero(&s);
    tr__xsum_add(&s, -0x1.fffffffffffffp199);
    cr_expect_eq(s.overflow, 0);
    cr_expect_eq(tr__xsum_value(&s), -0x1.fffffffffffffp199);
}

Test(xsum, agrees_with_long_double)
{
    tr__xsum s;
    tr__xsum_zero(&s);
    long double ref = 0;
    for (int i = 0; i < 100000; i++) {
        double x = (unif_at((uint64_t)i, 1) - 0.3) * 1000.0;
        tr__xsum_add(&s, x);
        ref += x;
    }
    double v = tr__xsum_value(&s);
    /* long double carries 11 more bits: its error is far below a double's ulp */
    cr_expect(fabsl((long double)v - ref) <= 1e-15L * fabsl(ref), "%.17g vs %.17Lg", v, ref);
}

/* ---- histograms -------------------------------------------------------- */

typedef struct hbox {
    tr__hist h;
    tr__hpool *pool;
} hbox;

static void hopen(hbox *b)
{
    b->pool = tr__hpool_create();
    cr_assert_not_null(b->pool);
    tr__hist_init(&b->h);
}

static void hclose(hbox *b)
{
    tr__hpool_free(b->pool);
}

static void hadd(hbox *b, double x)
{
    cr_assert_eq(tr__hist_add(&b->h, b->pool, x), 0);
}

/* The counts of two histograms are the same, bucket by bucket. */
static int same_counts(const tr__hist *a, const tr__hist *b)
{
    for (size_t i = 0; i < tr__hist_nbuckets(); i++)
        if (tr__hist_count(a, i) != tr__hist_count(b, i)) return 0;
    return 1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(hist, layout)
{
    cr_expect_eq(tr__hist_nbuckets(), 3343);
    cr_expect_eq(tr__hist_index(0.0), tr__hist_index(-0.0));
    cr_expect_eq(tr__hist_repr(tr__hist_index(0.0)), 0.0);
    cr_expect_eq(tr__hist_index(NAN), tr__hist_nbuckets() - 1);
    cr_expect_eq(tr__hist_index(1e7), tr__hist_nbuckets() - 1);
    cr_expect_eq(tr__hist_index(INFINITY), tr__hist_nbuckets() - 1);
    cr_expect_eq(tr__hist_index(-1e7), 0);
    cr_expect_eq(tr__hist_index(-INFINITY), 0);
    cr_expect_neq(tr__hist_index(nextafter(1e7, 0)), tr__hist_nbuckets() - 1);
    cr_expect_eq(tr__hist_repr(tr__hist_index(0.005)), 0.01);
    cr_expect_eq(tr__hist_repr(tr__hist_index(-0.005)), -0.01);
    cr_expect_eq(tr__hist_repr(tr__hist_index(nextafter(1.0, 0))), 0.99);
    cr_expect(fabs(tr__hist_repr(tr__hist_index(1.0)) - sqrt(1.01)) < 1e-15);
    /* Monotone, and every representative within the documented bound. */
    size_t prev = 0;
    double worst = 0;
    for (int i = 0; i <= 2000000; i++) {
        double x = -2e7 * pow(1e-12, i / 1000000.0); /* -2e7 .. -2e-5, then mirrored */
        if (i > 1000000) x = 2e7 * pow(1e-12, (2000000 - i) / 1000000.0);
        size_t k = tr__hist_index(x);
        cr_assert(k >= prev, "index not monotone at x=%g", x);
        prev = k;
        if (fabs(x) < 1e7) {
            double r = tr__hist_repr(k), bound = fmax(0.004988 * fabs(x), 0.01);
            double e = fabs(r - x) / bound;
            if (e > worst) worst = e;
        }
    }
    cr_expect(worst <= 1.0 + 1e-9, "worst representative error %g of the bound", worst);
}

static uint64_t exact_rank(double alpha, uint64_t n)
{
    /* the reference: ceil(alpha * n) computed in exact decimal for the test's alphas */
    long long num = llround(alpha * 1000000.0); /* alphas here have <= 6 decimals */
    uint64_t k = (uint64_t)((num * (long long)n + 999999) / 1000000);
    if (k < 1) k = 1;
    return k;
}

static void check_quantiles(const double *x, size_t n, const char *what)
{
    hbox b;
    hopen(&b);
    double *s = malloc(n * sizeof *s);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++) {
        hadd(&b, x[i]);
        s[i] = x[i];
    }
    qsort(s, n, sizeof *s, cmp_d);
    const double al[] = {0.0,  0.001, 0.01, 0.05, 0.07,  0.1,   0.25,   0.5,
                         0.75, 0.9,   0.95, 0.99, 0.995, 0.999, 0.9999, 1.0};
    for (size_t k = 0; k < sizeof al / sizeof *al; k++) {
        double exact = s[exact_rank(al[k], n) - 1];
        double est = tr__hist_quantile(&b.h, al[k]);
        double bound = fmax(0.005 * fabs(exact), 0.01) * (1 + 1e-12);
        cr_expect(fabs(est - exact) <= bound, "%s alpha=%g: %.17g vs exact %.17g", what, al[k], est,
                  exact);
    }
    free(s);
    hclose(&b);
}

Test(hist, quantile_error_bound)
{
    enum { N = 20000 };
    double *x = malloc(N * sizeof *x);
    cr_assert_not_null(x);
    for (int i = 0; i < N; i++)
        x[i] = 100.0 * tr__norm_inv(unif_at((uint64_t)i, 2));
    check_quantiles(x, N, "normal(0, 100)");
    for (int i = 0; i < N; i++)
        x[i] = exp(2.0 * tr__norm_inv(unif_at((uint64_t)i, 3)));
    check_quantiles(x, N, "lognormal(0, 2)");
    for (int i = 0; i < N; i++) {
        double u = unif_at((uint64_t)i, 4); /* an atom at zero, like a bail-out */
        x[i] = u < 0.7 ? 0.0 : -50.0 * log((1 - u) / 0.3);
    }
    check_quantiles(x, N, "zero-inflated exponential");
    for (int i = 0; i < N; i++)
        x[i] = unif_at((uint64_t)i, 5) - 0.5;
    check_quantiles(x, N, "uniform(-0.5, 0.5)");
    for (int i = 0; i < N; i++)
        x[i] = -3e6 * unif_at((uint64_t)i, 6) + 1e6;
    check_quantiles(x, N, "uniform(-2e6, 1e6)");
    /* small n, where the rank arithmetic matters: 0.95 * 100 is 95, 0.07 * 100 is 7 */
    for (int i = 0; i < 100; i++)
        x[i] = 100 - i;
    check_quantiles(x, 100, "1..100");
    free(x);
}

Test(hist, rank_robust)
{
    hbox b;
    hopen(&b);
    for (int i = 1; i <= 100; i++)
        hadd(&b, (double)i);
    /* 95 and 96 are 1.05 % apart: the estimate must be 95's bucket */
    cr_expect(fabs(tr__hist_quantile(&b.h, 0.95) - 95) <= 0.005 * 95);
    cr_expect(fabs(tr__hist_quantile(&b.h, 0.07) - 7) <= 0.005 * 7);
    cr_expect(fabs(tr__hist_quantile(&b.h, 0.29) - 29) <= 0.005 * 29);
    cr_expect_eq(tr__hist_quantile(&b.h, 0.0), 1.0);
    cr_expect_eq(tr__hist_quantile(&b.h, 1.0), 100.0);
    hclose(&b);
}

Test(hist, constant_data_is_exact)
{
    const double cs[] = {3.7, -12345.6, 0.0, 2.5e7, 0.013};
    hbox b;
    hopen(&b);
    for (size_t c = 0; c < sizeof cs / sizeof *cs; c++) {
        tr__hist_init(&b.h);
        for (int i = 0; i < 1000; i++)
            hadd(&b, cs[c]);
        const double al[] = {0, 0.5, 0.9, 0.95, 0.99, 0.995, 1};
        for (size_t k = 0; k < sizeof al / sizeof *al; k++)
            cr_expect_eq(tr__hist_quantile(&b.h, al[k]), cs[c]);
        cr_expect_eq(tr__hist_es(&b.h, 0.95), cs[c]);
        cr_expect_eq(tr__hist_es(&b.h, 0.99), cs[c]);
    }
    hclose(&b);
}

Test(hist, expected_shortfall)
{
    /* Values that are bucket representatives, so the only approximation left
     * is the integral itself: 90 at r1, 5 at r2, 5 at r3 (n = 100). */
    double r1 = tr__hist_repr(tr__hist_index(1.0)), r2 = tr__hist_repr(tr__hist_index(40.0)),
           r3 = tr__hist_repr(tr__hist_index(300.0));
    hbox b;
    hopen(&b);
    for (int i = 0; i < 90; i++)
        hadd(&b, r1);
    for (int i = 0; i < 5; i++)
        hadd(&b, r2);
    for (int i = 0; i < 5; i++)
        hadd(&b, r3);
    cr_expect(fabs(tr__hist_es(&b.h, 0.95) - r3) <= 1e-12 * r3);
    cr_expect(fabs(tr__hist_es(&b.h, 0.90) - (r2 + r3) / 2) <= 1e-12 * r3);
    cr_expect(fabs(tr__hist_es(&b.h, 0.92) - (3 * r2 + 5 * r3) / 8) <= 1e-12 * r3);
    /* the tail starts inside the r1 bucket: 1 % of r1, 5 % of r2, 5 % of r3 */
    cr_expect(fabs(tr__hist_es(&b.h, 0.89) - (r1 + 5 * r2 + 5 * r3) / 11) <= 1e-12 * r3);
    /* alpha = 0: the mean */
    cr_expect(fabs(tr__hist_es(&b.h, 0.0) - (90 * r1 + 5 * r2 + 5 * r3) / 100) <= 1e-12 * r3);
    cr_expect_eq(tr__hist_es(&b.h, 1.0), r3);
    /* the quantile is the 95th value */
    cr_expect_eq(tr__hist_quantile(&b.h, 0.95), r2);
    cr_expect_eq(tr__hist_quantile(&b.h, 0.951), r3);
    hclose(&b);
}

Test(hist, merge_equals_concatenation)
{
    hbox a, b, c;
    hopen(&a);
    hopen(&b);
    hopen(&c);
    for (int i = 0; i < 30000; i++) {
        double x = 1000.0 * tr__norm_inv(unif_at((uint64_t)i, 7));
        if (i % 97 == 0) x = 0.0;
        if (i % 1013 == 0) x = 3e7;
        hadd(i < 12345 ? &a : &b, x);
        hadd(&c, x);
    }
    cr_assert_eq(tr__hist_merge(&a.h, a.pool, &b.h), 0);
    cr_expect_eq(a.h.n, c.h.n);
    cr_expect_eq(a.h.min, c.h.min);
    cr_expect_eq(a.h.max, c.h.max);
    cr_expect(same_counts(&a.h, &c.h));
    cr_expect_eq(tr__hist_quantile(&a.h, 0.99), tr__hist_quantile(&c.h, 0.99));
    cr_expect_eq(tr__hist_es(&a.h, 0.99), tr__hist_es(&c.h, 0.99));
    /* merging an empty histogram changes nothing */
    tr__hist_init(&b.h);
    cr_assert_eq(tr__hist_merge(&a.h, a.pool, &b.h), 0);
    cr_expect(same_counts(&a.h, &c.h));
    cr_expect_eq(a.h.min, c.h.min);
    hclose(&a);
    hclose(&b);
    hclose(&c);
}

Test(hist, empty)
{
    hbox b;
    hopen(&b);
    cr_expect_eq(b.h.n, 0);
    cr_expect(isnan(tr__hist_quantile(&b.h, 0.5)));
    cr_expect(isnan(tr__hist_es(&b.h, 0.95)));
    hclose(&b);
}

/* ---- Wilson ----------------------------------------------------------- */

Test(wilson, known_values)
{
    double lo, hi;
    tr__wilson(0, 10, &lo, &hi);
    cr_expect_eq(lo, 0.0);
    cr_expect(fabs(hi - 0.277532799862889204526) < 1e-15);
    tr__wilson(5, 10, &lo, &hi);
    cr_expect(fabs(lo - 0.236593090512564000563) < 1e-15);
    cr_expect(fabs(hi - 0.763406909487435999437) < 1e-15);
    tr__wilson(10, 10, &lo, &hi);
    cr_expect(fabs(lo - 0.722467200137110795474) < 1e-15);
    cr_expect_eq(hi, 1.0);
    tr__wilson(1, 1000, &lo, &hi);
    cr_expect(fabs(lo - 0.000176546370626078044528) < 1e-17);
    cr_expect(fabs(hi - 0.00564255859795793492462) < 1e-16);
    tr__wilson(0, 0, &lo, &hi);
    cr_expect(lo == 0.0 && hi == 1.0);
}
