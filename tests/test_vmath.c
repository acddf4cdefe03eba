/*
 * test_vmath.c - the lane-independent elementary functions.
 *
 * Accuracy is measured against long double references (x87, 64-bit
 * significand: logl, expl, powl, erfl, erfcl), which are some 2000 times
 * finer than a double's last place; the normal distribution's reference
 * corrects the rounding of x / sqrt 2 exactly (fmal), and the quantile's is
 * one Newton step on it. Every bound below is the documented one, with the
 * worst case seen on these grids well inside it.
 *
 * Bit identity: the scalar functions, called one value at a time through a
 * non-inlined wrapper, against the library's batch forms (vectorised, and
 * dispatched to the widest clone the CPU has) and against loops compiled
 * here for the baseline, AVX2 and AVX-512, on millions of inputs with
 * special values mixed in. This file is compiled with -fno-math-errno
 * -fno-trapping-math so those loops vectorise.
 *
 * The histogram index is checked against exact boundaries: every entry of
 * the table is verified in integer arithmetic, every boundary and its
 * predecessor land in the right buckets, and where it differs from stats.c's
 * log-based tr__hist_index the value lies within rounding of a boundary.
 */
#include <criterion/criterion.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "philox.h"
#include "rng.h"
#include "stats.h"
#include "vmath.h"

/* ---- Helpers -------------------------------------------------------------- */

/* Deterministic test randomness: the engine's own generator. */
static uint64_t word_at(uint64_t i, uint32_t tag)
{
    uint32_t w[4];
    tr__philox_one((tr__philox_ctr){(uint32_t)i, tag, 7, (uint32_t)(i >> 32)}, 2024, 0, w);
    return ((uint64_t)w[0] << 32) | w[1];
}

static double unif_at(uint64_t i, uint32_t tag, double a, double b)
{
    return a + (b - a) * tr__u01(word_at(i, tag));
}

static double from_bits(uint64_t b)
{
    double x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static uint64_t to_bits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* The unit in the last place of a double near r (2^-1074 for subnormals). */
static long double ulp_of(long double r)
{
    double d = fabs((double)r);
    if (d < DBL_MIN) return 0x1p-1074L;
    if (d > DBL_MAX) d = DBL_MAX;
    int e;
    frexp(d, &e);
    return ldexpl(1.0L, e - 53);
}

static double ulps(double y, long double ref)
{
    return (double)(fabsl((long double)y - ref) / ulp_of(ref));
}

static int same_bits(double a, double b)
{
    return to_bits(a) == to_bits(b);
}

/* Phi(x) in long double. x / sqrt 2 is rounded to 64 bits; its rounding
 * error dz is recovered exactly (fmal, plus the error of the constant) and
 * corrected to first order, erfc(z + dz) = erfc(z) - dz 2/sqrt(pi) exp(-z^2),
 * which leaves about 1e-19 relative even at x = -38. */
static long double ref_cdf(double x)
{
    const long double c = 0.70710678118654752440084436210484903928L;
    const long double c_err = 1.895032558893257079655062e-20L; /* 1/sqrt2 - c */
    if (x > -0.5 && x < 0.5) return 0.5L + 0.5L * erfl((long double)x * c);
    long double z = -(long double)x * c;
    long double dz = fmal(-(long double)x, c, -z) - (long double)x * c_err;
    long double e = erfcl(z) - dz * 1.12837916709551257389615890312154517L * expl(-z * z);
    return 0.5L * e;
}

/* Phi^{-1}(u) in long double: one Newton step from z0 (a double near the
 * root), on erf near the centre and on the lower tail elsewhere. */
static long double ref_inv(double u, double z0)
{
    const long double inv_sqrt_2pi = 0.398942280401432677939946059934381868L;
    if (u > 0.75) return -ref_inv(1.0 - u, -z0); /* 1 - u exact */
    long double phi = inv_sqrt_2pi * expl(-(long double)z0 * z0 / 2);
    long double resid;
    if (u >= 0.25)
        resid = 0.5L * erfl((long double)z0 * 0.70710678118654752440084436210484903928L) -
                ((long double)u - 0.5L);
    else
        resid = ref_cdf(z0) - u;
    return z0 - resid / phi;
}

/* ---- log ------------------------------------------------------------------ */

Test(vmath, log_accuracy)
{
    double worst = 0.0, at = 0.0;
    for (uint64_t i = 0; i < 2000000; i++) {
        double x;
        if (i % 4 == 0) /* every finite positive double, by its bits */
            x = from_bits(word_at(i, 1) % UINT64_C(0x7ff0000000000000));
        else if (i % 4 == 1)
            x = unif_at(i, 1, 0.5, 2.0);
        else if (i % 4 == 2) /* next to 1, where log is smallest */
            x = 1.0 + ldexp(unif_at(i, 1, -1.0, 1.0), -(int)(i % 50));
        else
            x = exp(unif_at(i, 1, -700.0, 700.0));
        if (x == 0.0) continue;
        double u = ulps(tr__vlog(x), logl(x));
        if (u > worst) worst = u, at = x;
    }
    cr_log_info("log: worst %.3f ulp at %a", worst, at);
    cr_expect_lt(worst, 1.0, "log error %.3f ulp at %a", worst, at);
}

Test(vmath, log_special_values)
{
    cr_expect(same_bits(tr__vlog(1.0), 0.0));
    cr_expect(tr__vlog(0.0) == -INFINITY);
    cr_expect(tr__vlog(-0.0) == -INFINITY);
    cr_expect(isnan(tr__vlog(-1.0)));
    cr_expect(isnan(tr__vlog(-INFINITY)));
    cr_expect(isnan(tr__vlog(-DBL_TRUE_MIN)));
    cr_expect(tr__vlog(INFINITY) == INFINITY);
    cr_expect(isnan(tr__vlog(NAN)));
    /* The extremes, subnormals included, and powers of two. */
    const double xs[] = {DBL_TRUE_MIN,
                         3 * DBL_TRUE_MIN,
                         0x1.fffffffffffffp-1023,
                         DBL_MIN,
                         DBL_MAX,
                         0x1p-600,
                         2.0,
                         0.5,
                         2.718281828459045,
                         1.0 + DBL_EPSILON,
                         1.0 - DBL_EPSILON / 2};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        cr_expect_lt(ulps(tr__vlog(xs[i]), logl(xs[i])), 1.0, "log(%a)", xs[i]);
    for (int k = -1074; k <= 1023; k++)
        cr_expect_lt(ulps(tr__vlog(ldexp(1.0, k)), k * 0.693147180559945309417232121458176568L),
                     1.0, "log(2^%d)", k);
}

/* ---- exp ------------------------------------------------------------------ */

Test(vmath, exp_accuracy)
{
    double worst = 0.0, at = 0.0, worst_sub = 0.0;
    for (uint64_t i = 0; i < 2000000; i++) {
        double x;
        if (i % 3 == 0)
            x = unif_at(i, 2, -745.2, 709.8);
        else if (i % 3 == 1)
            x = unif_at(i, 2, -1.0, 1.0);
        else
            x = ldexp(unif_at(i, 2, -1.0, 1.0), -(int)(i % 60));
        double y = tr__vexp(x);
        long double r = expl(x);
        if (r > DBL_MAX) {
            cr_expect(y == INFINITY, "exp(%a) = %a, should overflow", x, y);
        } else if (r < DBL_MIN) {
            /* A subnormal result: one rounding of the computed exp(r). */
            double e = (double)(fabsl(y - r) / 0x1p-1074L);
            if (e > worst_sub) worst_sub = e;
        } else {
            double u = ulps(y, r);
            if (u > worst) worst = u, at = x;
        }
    }
    cr_log_info("exp: worst %.3f ulp at %a; subnormal results %.3f ulp", worst, at, worst_sub);
    cr_expect_lt(worst, 1.0, "exp error %.3f ulp at %a", worst, at);
    cr_expect_leq(worst_sub, 1.0);
}

Test(vmath, exp_special_values)
{
    cr_expect(tr__vexp(0.0) == 1.0);
    cr_expect(tr__vexp(-0.0) == 1.0);
    cr_expect(tr__vexp(INFINITY) == INFINITY);
    cr_expect(same_bits(tr__vexp(-INFINITY), 0.0));
    cr_expect(isnan(tr__vexp(NAN)));
    cr_expect(tr__vexp(709.78) < INFINITY);
    cr_expect(tr__vexp(0x1.62e42fefa39efp+9) < INFINITY); /* the largest that does not overflow */
    cr_expect(tr__vexp(0x1.62e42fefa39f0p+9) == INFINITY);
    cr_expect(tr__vexp(1e300) == INFINITY);
    cr_expect(tr__vexp(-745.0) == DBL_TRUE_MIN); /* 5e-324 */
    cr_expect(same_bits(tr__vexp(-746.0), 0.0));
    cr_expect(same_bits(tr__vexp(-1e300), 0.0));
    cr_expect(tr__vexp(DBL_TRUE_MIN) == 1.0);
    cr_expect(tr__vexp(-DBL_TRUE_MIN) == 1.0);
    for (int k = -20; k <= 20; k++)
        cr_expect_lt(ulps(tr__vexp(k), expl(k)), 1.0, "exp(%d)", k);
}

/* ---- pow ------------------------------------------------------------------ */

Test(vmath, pow_accuracy)
{
    /* The engine's use: monthly factors (1 + g)^(1/12). */
    double worst = 0.0, at = 0.0;
    const double y12 = 1.0 / 12.0;
    for (uint64_t i = 0; i < 500000; i++) {
        double x = i % 2 ? unif_at(i, 3, 0.0, 2.0) : 1.0 + unif_at(i, 3, -0.2, 0.2);
        double u = ulps(tr__vpow(x, y12), powl(x, (long double)y12));
        if (u > worst) worst = u, at = x;
    }
    cr_log_info("pow(x, 1/12): worst %.3f ulp at %a", worst, at);
    cr_expect_lt(worst, 1.0, "pow(%a, 1/12) error %.3f ulp", at, worst);
    /* Any y: under 1 + 0.7 |y| ulp. */
    for (double ymax = 1.0; ymax <= 100.0; ymax *= 10.0) {
        double w = 0.0;
        for (uint64_t i = 0; i < 200000; i++) {
            double x = exp(unif_at(i, 4, -700.0, 700.0)), y = unif_at(i, 5, -ymax, ymax);
            long double r = powl(x, y);
            if (!(r > DBL_MIN && r < DBL_MAX)) continue;
            double u = ulps(tr__vpow(x, y), r) / (1.0 + 0.7 * fabs(y));
            if (u > w) w = u;
        }
        cr_log_info("pow, |y| < %g: worst %.3f of 1 + 0.7 |y| ulp", ymax, w);
        cr_expect_lt(w, 1.0, "|y| < %g: %.3f", ymax, w);
    }
}

Test(vmath, pow_special_values)
{
    cr_expect(same_bits(tr__vpow(0.0, 1.0 / 12.0), 0.0));
    cr_expect(tr__vpow(0.0, -1.0) == INFINITY);
    cr_expect(tr__vpow(0.0, 0.0) == 1.0);
    cr_expect(tr__vpow(1.0, 1e10) == 1.0);
    cr_expect(tr__vpow(1.0, -3.5) == 1.0);
    cr_expect(tr__vpow(2.0, 10.0) == 1024.0);
    cr_expect(tr__vpow(4.0, 0.5) == 2.0);
    cr_expect(tr__vpow(3.0, 0.0) == 1.0);
    cr_expect(tr__vpow(INFINITY, 0.5) == INFINITY);
    cr_expect(same_bits(tr__vpow(INFINITY, -0.5), 0.0));
    cr_expect(tr__vpow(10.0, 400.0) == INFINITY);
    cr_expect(same_bits(tr__vpow(10.0, -400.0), 0.0));
    cr_expect(isnan(tr__vpow(-1.0, 0.5)));
    cr_expect(isnan(tr__vpow(NAN, 0.5)));
    cr_expect(tr__vpow(DBL_TRUE_MIN, 0.5) == 0x1p-537);
    /* Infinite and huge y. */
    cr_expect(tr__vpow(2.0, INFINITY) == INFINITY);
    cr_expect(same_bits(tr__vpow(2.0, -INFINITY), 0.0));
    cr_expect(same_bits(tr__vpow(0.5, INFINITY), 0.0));
    cr_expect(tr__vpow(0.5, -INFINITY) == INFINITY);
    cr_expect(tr__vpow(1.0, INFINITY) == 1.0);
    cr_expect(tr__vpow(1.0 + DBL_EPSILON, 0x1p71) == INFINITY);
    cr_expect(same_bits(tr__vpow(1.0 - DBL_EPSILON, 0x1p71), 0.0));
    cr_expect_lt(ulps(tr__vpow(1.0 + DBL_EPSILON, 0x1p50), expl(0x1p50L * log1pl(0x1p-52L))), 1.0);
}

/* ---- Normal quantile -------------------------------------------------------- */

Test(vmath, norm_inv_accuracy)
{
    double worst = 0.0, at = 0.5;
    for (uint64_t k = 1; k < (UINT64_C(1) << 20); k++) { /* a uniform grid */
        double u = (double)k * 0x1p-20;
        double z = tr__vnorm_inv(u);
        long double r = ref_inv(u, z);
        double rel = (double)(fabsl(z - r) / fabsl(r));
        if (r == 0.0L) rel = fabs(z);
        if (rel > worst) worst = rel, at = u;
    }
    for (int k = 2; k <= 1074; k++) { /* the tails, down to the least subnormal */
        double us[4] = {ldexp(1.0, -k), ldexp(1.7, -k), 1.0 - ldexp(1.0, -k), 1.0 - ldexp(1.3, -k)};
        for (int j = 0; j < 4; j++) {
            if (us[j] <= 0.0 || us[j] >= 1.0 || (j >= 2 && k > 53)) continue;
            double z = tr__vnorm_inv(us[j]);
            long double r = ref_inv(us[j], z);
            double rel = (double)(fabsl(z - r) / fabsl(r));
            if (rel > worst) worst = rel, at = us[j];
        }
    }
    cr_log_info("norm_inv: worst %.3g relative at u = %a", worst, at);
    cr_expect_lt(worst, 1e-15, "norm_inv error %.3g at u = %a", worst, at);
}

Test(vmath, norm_inv_matches_rng)
{
    /* The central region is AS 241 evaluated exactly as rng.c does; the tails
     * differ only through log. */
    double worst_tail = 0.0;
    for (uint64_t i = 0; i < 1000000; i++) {
        double u = tr__u01(word_at(i, 6));
        if (i % 3 == 0) u = ldexp(u, -(int)(i % 1000)); /* deep lower tail */
        double z = tr__vnorm_inv(u), r = tr__norm_inv(u);
        if (fabs(u - 0.5) <= 0.425)
            cr_assert(same_bits(z, r), "u = %a: %a != %a", u, z, r);
        else if (ulps(z, r) > worst_tail)
            worst_tail = ulps(z, r);
    }
    cr_log_info("norm_inv tails vs tr__norm_inv: worst %.2f ulp", worst_tail);
    cr_expect_leq(worst_tail, 6.0);
}

Test(vmath, norm_inv_special_values)
{
    cr_expect(tr__vnorm_inv(0.0) == -INFINITY);
    cr_expect(tr__vnorm_inv(1.0) == INFINITY);
    cr_expect(same_bits(tr__vnorm_inv(0.5), 0.0));
    cr_expect(isnan(tr__vnorm_inv(-0.5)));
    cr_expect(isnan(tr__vnorm_inv(1.5)));
    cr_expect(isnan(tr__vnorm_inv(NAN)));
    cr_expect(isnan(tr__vnorm_inv(INFINITY)));
    double z = tr__vnorm_inv(DBL_TRUE_MIN); /* -38.47 */
    cr_expect(z < -38.4 && z > -38.5, "%a", z);
    cr_expect(tr__vnorm_inv(0x1p-53) == -tr__vnorm_inv(1.0 - 0x1p-53));
}

/* ---- Normal distribution function ------------------------------------------ */

Test(vmath, norm_cdf_accuracy)
{
    double worst = 0.0, at = 0.0, worst_sub = 0.0;
    for (uint64_t i = 0; i < 2000000; i++) {
        double x = i < 1000000 ? -38.5 + 48.0 * (double)i / 1e6 : unif_at(i, 7, -38.5, 9.5);
        double p = tr__vnorm_cdf(x);
        long double r = ref_cdf(x);
        if (r < DBL_MIN) { /* x < -37.5: subnormal, absolute accuracy */
            double e = (double)(fabsl(p - r) / 0x1p-1074L);
            if (e > worst_sub) worst_sub = e;
            continue;
        }
        double rel = (double)(fabsl(p - r) / r);
        if (rel > worst) worst = rel, at = x;
    }
    cr_log_info("norm_cdf: worst %.3g relative at %a; subnormal results %.2f ulp", worst, at,
                worst_sub);
    cr_expect_lt(worst, 1e-15, "norm_cdf error %.3g at %a", worst, at);
    cr_expect_leq(worst_sub, 2.0);
}

Test(vmath, norm_cdf_matches_engine_and_gsl)
{
    /* Today's tr__norm_cdf (erfc with a correction) and GSL's
     * gsl_cdf_ugaussian_P agree to their own accuracy. */
    double worst_rng = 0.0, worst_gsl = 0.0;
    for (uint64_t i = 0; i < 200000; i++) {
        double x = unif_at(i, 8, -37.0, 8.0);
        double p = tr__vnorm_cdf(x);
        double a = fabs(p - tr__norm_cdf(x)) / p, b = fabs(p - gsl_cdf_ugaussian_P(x)) / p;
        if (a > worst_rng) worst_rng = a;
        if (b > worst_gsl) worst_gsl = b;
    }
    cr_log_info("norm_cdf vs tr__norm_cdf %.3g, vs GSL %.3g relative", worst_rng, worst_gsl);
    cr_expect_lt(worst_rng, 1.5e-15);
    cr_expect_lt(worst_gsl, 1e-13);
}

Test(vmath, norm_cdf_special_values)
{
    cr_expect(tr__vnorm_cdf(0.0) == 0.5);
    cr_expect(tr__vnorm_cdf(-0.0) == 0.5);
    cr_expect(same_bits(tr__vnorm_cdf(-INFINITY), 0.0));
    cr_expect(tr__vnorm_cdf(INFINITY) == 1.0);
    cr_expect(isnan(tr__vnorm_cdf(NAN)));
    cr_expect(same_bits(tr__vnorm_cdf(-39.0), 0.0));
    cr_expect(same_bits(tr__vnorm_cdf(-1e300), 0.0));
    cr_expect(tr__vnorm_cdf(8.5) == 1.0);
    cr_expect(tr__vnorm_cdf(1e300) == 1.0);
    cr_expect(tr__vnorm_cdf(8.0) < 1.0);
    cr_expect(tr__vnorm_cdf(DBL_TRUE_MIN) == 0.5);
    cr_expect(tr__vnorm_cdf(-38.4) > 0.0);
    /* Symmetry where 1 - Phi(-x) is exact. */
    for (int k = 0; k < 64; k++) {
        double x = k / 16.0;
        cr_expect(tr__vnorm_cdf(x) == 1.0 - tr__vnorm_cdf(-x), "x = %g", x);
    }
}

Test(vmath, nan_is_the_default_nan)
{
    /* Any NaN in, the default NaN out: which NaN an instruction passes on
     * depends on operand order, which scalar and vector code do not share. */
    const double nans[] = {NAN, -NAN, from_bits(UINT64_C(0x7ff0000000000001)),
                           from_bits(UINT64_C(0xfff8dead00000000))};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        double x = nans[i];
        cr_expect(same_bits(tr__vlog(x), NAN), "log(%llx)", (unsigned long long)to_bits(x));
        cr_expect(same_bits(tr__vexp(x), NAN));
        cr_expect(same_bits(tr__vpow(x, 0.5), NAN));
        cr_expect(same_bits(tr__vpow(2.0, x), NAN));
        cr_expect(same_bits(tr__vnorm_inv(x), NAN));
        cr_expect(same_bits(tr__vnorm_cdf(x), NAN));
    }
    cr_expect(same_bits(tr__vlog(-1.0), NAN));
}

/* ---- Bit identity, scalar against vector ----------------------------------- */

/* One value at a time, never vectorised. */
#define TR_SCALAR(name, fn, T)                                                                     \
    __attribute__((noinline)) static T name(double x)                                              \
    {                                                                                              \
        return fn(x);                                                                              \
    }
TR_SCALAR(s_log, tr__vlog, double)
TR_SCALAR(s_exp, tr__vexp, double)
TR_SCALAR(s_inv, tr__vnorm_inv, double)
TR_SCALAR(s_cdf, tr__vnorm_cdf, double)
TR_SCALAR(s_hist, tr__vhist_index, uint32_t)

/* Forced inline like vmath's own functions, or loops over it stay scalar. */
__attribute__((always_inline)) static inline double pow12(double x)
{
    return tr__vpow(x, 1.0 / 12.0);
}
TR_SCALAR(s_pow, pow12, double)

typedef void (*batch_fn)(const double *, double *, size_t);
typedef void (*batch_idx)(const double *, uint32_t *, size_t);

/* The same loops compiled here for each instruction set (GCC on x86-64). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define TR_ISA_LOOPS 1
#define TR_LOOP(name, fn, T, attr)                                                                 \
    attr static void name(const double *x, T *y, size_t n)                                         \
    {                                                                                              \
        for (size_t i = 0; i < n; i++)                                                             \
            y[i] = fn(x[i]);                                                                       \
    }
#define TR_LOOPS(fn, T)                                                                            \
    TR_LOOP(fn##_base, fn, T, __attribute__((noinline)))                                           \
    TR_LOOP(fn##_avx2, fn, T, __attribute__((noinline, target("avx2"))))                           \
    TR_LOOP(fn##_avx512, fn, T, __attribute__((noinline, target("avx512f"))))
TR_LOOPS(tr__vlog, double)
TR_LOOPS(tr__vexp, double)
TR_LOOPS(tr__vnorm_inv, double)
TR_LOOPS(tr__vnorm_cdf, double)
TR_LOOPS(tr__vhist_index, uint32_t)
TR_LOOPS(pow12, double)

/* tr__vnorm_inv_block (two passes) for each instruction set. */
#define TR_BLOCK(name, attr)                                                                       \
    attr static void name(const double *x, double *y, size_t n)                                    \
    {                                                                                              \
        tr__vnorm_inv_block(x, y, n);                                                              \
    }
TR_BLOCK(block_base, __attribute__((noinline)))
TR_BLOCK(block_avx2, __attribute__((noinline, target("avx2"))))
TR_BLOCK(block_avx512, __attribute__((noinline, target("avx512f"))))
#endif

#define N_BITS (UINT64_C(1) << 21)

/* Inputs for one function: mostly its working range, with every kind of
 * special value mixed in at scattered positions. */
static void fill_inputs(double *x, size_t n, uint32_t tag, double lo, double hi)
{
    static const double special[] = {
        0.0, -0.0, INFINITY, -INFINITY, NAN,    DBL_TRUE_MIN, DBL_MIN,   DBL_MAX, 1.0,   -1.0,
        0.5, 1e7,  -1e7,     710.0,     -746.0, 0x1p-1060,    1 - 1e-17, 38.0,    -38.0, 0.425};
    for (size_t i = 0; i < n; i++) {
        uint64_t w = word_at(i, tag);
        if (w % 97 == 0)
            x[i] = special[(w >> 8) % (sizeof special / sizeof special[0])];
        else if (w % 13 == 0)
            x[i] = from_bits(word_at(i, tag + 100)); /* any double at all */
        else
            x[i] = lo + (hi - lo) * tr__u01(w);
    }
}

static void check_batch(const char *name, double (*scalar)(double), const double *x,
                        const double *y, size_t n, size_t offset)
{
    for (size_t i = 0; i < n; i++) {
        double s = scalar(x[i]);
        if (!same_bits(s, y[i]))
            cr_assert_fail("%s, offset %zu: x = %a gives %a one at a time, %a in a batch", name,
                           offset, x[i], s, y[i]);
    }
}

static void check_double_fn(const char *name, double (*scalar)(double), batch_fn lib,
                            batch_fn const *isa, uint32_t tag, double lo, double hi)
{
    double *x = malloc(N_BITS * sizeof *x), *y = malloc((N_BITS + 8) * sizeof *y);
    cr_assert(x && y);
    fill_inputs(x, N_BITS, tag, lo, hi);
    /* Misaligned starts and ragged lengths exercise the peeled iterations. */
    for (size_t off = 0; off < 3; off++) {
        lib(x + off, y, N_BITS - 2 * off - (off == 1));
        check_batch(name, scalar, x + off, y, N_BITS - 2 * off - (off == 1), off);
    }
    for (int k = 0; k < 3 && isa; k++) {
        if (!isa[k]) continue;
        memset(y, 0, N_BITS * sizeof *y);
        isa[k](x + 1, y, N_BITS - 5);
        check_batch(name, scalar, x + 1, y, N_BITS - 5, 1);
    }
    free(x);
    free(y);
}

/* The loops to compare for each instruction set the CPU has. */
#if defined(TR_ISA_LOOPS)
#define ISA_SET(fn)                                                                                \
    {                                                                                              \
        fn##_base, __builtin_cpu_supports("avx2") ? fn##_avx2 : NULL,                              \
            __builtin_cpu_supports("avx512f") ? fn##_avx512 : NULL                                 \
    }
#endif

static void pow12_n(const double *x, double *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = pow12(x[i]);
}

Test(vmath, batch_bit_identical)
{
#if defined(TR_ISA_LOOPS)
    __builtin_cpu_init();
    batch_fn log_isa[3] = ISA_SET(tr__vlog), exp_isa[3] = ISA_SET(tr__vexp);
    batch_fn inv_isa[3] = ISA_SET(tr__vnorm_inv), cdf_isa[3] = ISA_SET(tr__vnorm_cdf);
    batch_fn pow_isa[3] = ISA_SET(pow12), block_isa[3] = ISA_SET(block);
    cr_log_info("ISA loops: avx2 %s, avx512f %s", log_isa[1] ? "yes" : "no",
                log_isa[2] ? "yes" : "no");
#else
    batch_fn *log_isa = NULL, *exp_isa = NULL, *inv_isa = NULL, *cdf_isa = NULL, *pow_isa = NULL,
             *block_isa = NULL;
#endif
    check_double_fn("log", s_log, tr__vlog_n, log_isa, 11, 0.0, 3.0);
    check_double_fn("exp", s_exp, tr__vexp_n, exp_isa, 12, -750.0, 712.0);
    check_double_fn("norm_inv", s_inv, tr__vnorm_inv_n, inv_isa, 13, 0.0, 1.0);
    check_double_fn("norm_inv_block", s_inv, tr__vnorm_inv_n, block_isa, 17, 0.0, 1.0);
    check_double_fn("norm_cdf", s_cdf, tr__vnorm_cdf_n, cdf_isa, 14, -40.0, 10.0);
    check_double_fn("pow", s_pow, pow12_n, pow_isa, 15, 0.0, 2.0);
}

Test(vmath, batch_in_place)
{
    /* "in and out may be the same array": tr__vnorm_inv_n copies its tail
     * values before overwriting. */
    size_t n = 100000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    cr_assert(x && y);
    fill_inputs(x, n, 18, 0.0, 1.0);
    memcpy(y, x, n * sizeof *y);
    tr__vnorm_inv_n(y, y, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(same_bits(y[i], s_inv(x[i])), "u = %a", x[i]);
    memcpy(y, x, n * sizeof *y);
    tr__vnorm_cdf_n(y, y, n);
    for (size_t i = 0; i < n; i++)
        cr_assert(same_bits(y[i], s_cdf(x[i])), "x = %a", x[i]);
    free(x);
    free(y);
}

Test(vmath, batch_hist_bit_identical)
{
    double *x = malloc(N_BITS * sizeof *x);
    uint32_t *idx = malloc(N_BITS * sizeof *idx);
    cr_assert(x && idx);
    fill_inputs(x, N_BITS, 16, -2e7, 2e7);
    for (size_t i = 0; i < N_BITS; i += 3) /* small and mid-sized values too */
        x[i] = x[i] * 1e-7 * (double)(1u << (i % 24));
    batch_idx runs[4] = {tr__vhist_index_n, NULL, NULL, NULL};
#if defined(TR_ISA_LOOPS)
    __builtin_cpu_init();
    runs[1] = tr__vhist_index_base;
    if (__builtin_cpu_supports("avx2")) runs[2] = tr__vhist_index_avx2;
    if (__builtin_cpu_supports("avx512f")) runs[3] = tr__vhist_index_avx512;
#endif
    for (int k = 0; k < 4; k++) {
        if (!runs[k]) continue;
        memset(idx, 0xff, N_BITS * sizeof *idx);
        runs[k](x + 1, idx, N_BITS - 3);
        for (size_t i = 0; i < N_BITS - 3; i++)
            if (idx[i] != s_hist(x[i + 1]))
                cr_assert_fail("run %d: x = %a: %u in a batch, %u alone", k, x[i + 1], idx[i],
                               s_hist(x[i + 1]));
    }
    free(x);
    free(idx);
}

/* ---- Histogram index --------------------------------------------------------- */

/* Just enough unsigned big-integer arithmetic to compare m 2^e 100^j with
 * 101^j exactly (101^1620 has 10786 bits). */
#define BIG_WORDS 400
typedef struct {
    uint32_t w[BIG_WORDS]; /* little-endian */
} big;

static void big_set(big *a, uint64_t v)
{
    memset(a, 0, sizeof *a);
    a->w[0] = (uint32_t)v;
    a->w[1] = (uint32_t)(v >> 32);
}

static void big_mul(big *a, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < BIG_WORDS; i++) {
        uint64_t t = (uint64_t)a->w[i] * m + carry;
        a->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    cr_assert(carry == 0);
}

static void big_mul_big(big *r, const big *a, const big *b)
{
    big acc;
    memset(&acc, 0, sizeof acc);
    for (int i = 0; i < BIG_WORDS; i++) {
        if (!a->w[i]) continue;
        uint64_t carry = 0;
        for (int j = 0; i + j < BIG_WORDS; j++) {
            uint64_t t = (uint64_t)a->w[i] * b->w[j] + acc.w[i + j] + carry;
            acc.w[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
    }
    *r = acc;
}

static void big_shl(big *a, int s)
{
    for (; s >= 32; s -= 32) {
        cr_assert(a->w[BIG_WORDS - 1] == 0);
        memmove(a->w + 1, a->w, (BIG_WORDS - 1) * sizeof a->w[0]);
        a->w[0] = 0;
    }
    if (s) {
        cr_assert((a->w[BIG_WORDS - 1] >> (32 - s)) == 0);
        for (int i = BIG_WORDS - 1; i > 0; i--)
            a->w[i] = (a->w[i] << s) | (a->w[i - 1] >> (32 - s));
        a->w[0] <<= s;
    }
}

static int big_cmp(const big *a, const big *b)
{
    for (int i = BIG_WORDS - 1; i >= 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* Sign of d - 1.01^j for a double d >= 1, given p = 100^j and q = 101^j. */
static int cmp_pow(double d, const big *p, const big *q)
{
    int e;
    double m = frexp(d, &e); /* d = m 2^e, m in [1/2, 1) */
    uint64_t mi = (uint64_t)ldexp(m, 53);
    int shift = 53 - e; /* d = mi / 2^shift, shift >= 0 here */
    cr_assert(shift >= 0);
    big lhs, rhs, t;
    big_set(&t, mi);
    big_mul_big(&lhs, &t, p); /* mi 100^j  vs  101^j 2^shift */
    rhs = *q;
    big_shl(&rhs, shift);
    return big_cmp(&lhs, &rhs);
}

Test(vmath, hist_bounds_exact)
{
    /* B_j >= 1.01^j > the double below B_j, for every j: B_j is the smallest
     * double >= 1.01^j. */
    static big p, q;
    big_set(&p, 1);
    big_set(&q, 1);
    for (int j = 0; j <= TR__VHIST_NLOG; j++) {
        double b = tr__vhist_bound[j];
        cr_assert(cmp_pow(b, &p, &q) >= 0, "B_%d = %a < 1.01^%d", j, b, j);
        if (j > 0) {
            double below = nextafter(b, 0.0);
            cr_assert(cmp_pow(below, &p, &q) < 0, "the double below B_%d = %a is >= 1.01^%d", j, b,
                      j);
        }
        big_mul(&p, 100);
        big_mul(&q, 101);
    }
    cr_expect(tr__vhist_bound[TR__VHIST_NLOG - 1] < TR__VHIST_MAX);
    cr_expect(tr__vhist_bound[TR__VHIST_NLOG] > TR__VHIST_MAX);
}

Test(vmath, hist_layout_matches_stats)
{
    cr_assert_eq(TR__VHIST_NBUCKETS, tr__hist_nbuckets());
    const double xs[] = {0.0,
                         -0.0,
                         NAN,
                         -NAN,
                         INFINITY,
                         -INFINITY,
                         1e7,
                         -1e7,
                         nextafter(1e7, 0),
                         -nextafter(1e7, 0),
                         1.0,
                         -1.0,
                         nextafter(1.0, 0),
                         -nextafter(1.0, 0),
                         DBL_TRUE_MIN,
                         -DBL_TRUE_MIN,
                         DBL_MAX,
                         -DBL_MAX,
                         0.02,
                         -0.02};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        cr_expect_eq(tr__vhist_index(xs[i]), tr__hist_index(xs[i]), "x = %a", xs[i]);
    /* The linear part is computed as stats.c does. */
    for (uint64_t i = 0; i < 1000000; i++) {
        double x = unif_at(i, 9, -1.0, 1.0);
        if (i % 1000 == 0) x = (double)(i / 1000 % 101 - 50) / 50.0; /* the boundaries */
        cr_assert_eq(tr__vhist_index(x), tr__hist_index(x), "x = %a", x);
    }
}

Test(vmath, hist_index_exact_boundaries)
{
    for (int j = 0; j < TR__VHIST_NLOG; j++) {
        double b = tr__vhist_bound[j];
        cr_assert_eq(tr__vhist_index(b), TR__VHIST_POS_LOG + (uint32_t)j, "B_%d", j);
        cr_assert_eq(tr__vhist_index(-b), TR__VHIST_NEG_LOG + TR__VHIST_NLOG - 1 - (uint32_t)j);
        double next = nextafter(tr__vhist_bound[j + 1], 0.0);
        if (next < TR__VHIST_MAX) {
            cr_assert_eq(tr__vhist_index(next), TR__VHIST_POS_LOG + (uint32_t)j, "below B_%d",
                         j + 1);
            cr_assert_eq(tr__vhist_index(-next),
                         TR__VHIST_NEG_LOG + TR__VHIST_NLOG - 1 - (uint32_t)j);
        }
    }
    /* Random values: the bucket's boundaries enclose them. */
    for (uint64_t i = 0; i < 2000000; i++) {
        double a = exp(unif_at(i, 10, 0.0, log(1e7)));
        if (!(a < TR__VHIST_MAX)) continue;
        uint32_t k = tr__vhist_index(a) - TR__VHIST_POS_LOG;
        cr_assert(k < TR__VHIST_NLOG && tr__vhist_bound[k] <= a && a < tr__vhist_bound[k + 1],
                  "x = %a in bucket %u", a, k);
    }
}

Test(vmath, hist_index_vs_log_index)
{
    /* stats.c computes floor(log|x| * (1 / log 1.01)) with a rounded log and
     * product, so near each boundary B_j its switch point S_j is a few doubles
     * away from B_j. Find S_j (the least double stats.c puts in bucket j; its
     * index is monotonic), and check that the two indexes differ exactly on
     * the doubles between B_j and S_j, by one bucket, and agree for 16 doubles
     * beyond. The count is the same for -x. */
    uint64_t moved = 0;
    double farthest = 0.0;
    for (int j = 1; j < TR__VHIST_NLOG; j++) {
        uint64_t bb = to_bits(tr__vhist_bound[j]);
        size_t want = (size_t)TR__VHIST_POS_LOG + (size_t)j;
        uint64_t lo = bb - (1u << 20), hi = bb + (1u << 20); /* old(lo) < want <= old(hi) */
        cr_assert(tr__hist_index(from_bits(lo)) < want && tr__hist_index(from_bits(hi)) >= want);
        while (hi - lo > 1) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (tr__hist_index(from_bits(mid)) >= want)
                hi = mid;
            else
                lo = mid;
        }
        uint64_t a = hi < bb ? hi : bb, b = hi < bb ? bb : hi; /* differ on [a, b) */
        moved += b - a;
        for (uint64_t w = a - 16; w < b + 16; w++) {
            double x = from_bits(w);
            size_t o = tr__hist_index(x), n = tr__vhist_index(x);
            if (w >= a && w < b) {
                cr_assert(o + 1 == n || n + 1 == o, "x = %a: %zu vs %zu", x, n, o);
                double rel = fabs(x / tr__vhist_bound[j] - 1.0);
                if (rel > farthest) farthest = rel;
            } else {
                cr_assert(o == n, "x = %a: %zu vs %zu", x, n, o);
            }
            cr_assert(tr__hist_index(-x) == tr__vhist_index(-x) || (w >= a && w < b));
        }
    }
    uint64_t moved_random = 0;
    for (uint64_t i = 0; i < 2000000; i++) {
        double x = exp(unif_at(i, 12, 0.0, log(1e7)));
        if (tr__vhist_index(x) != tr__hist_index(x)) moved_random++;
    }
    cr_log_info("hist: %llu doubles in [1, 1e7) (and as many negatives) change bucket, all "
                "within %.2g relative of a boundary; %llu of 2000000 random values",
                (unsigned long long)moved, farthest, (unsigned long long)moved_random);
    cr_expect_lt(farthest, 2e-14);
}
