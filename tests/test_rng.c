/*
 * test_rng.c - addressed random numbers, the normal quantile and CDF.
 *
 * The pinned values below are FROZEN: tr__rng_owner, the counter layout of
 * rng.h and tr__hash64 address every draw of every run, so changing any of
 * them changes every result. Change them only with a deliberate, documented
 * break in reproducibility (a new engine version and TR__RNG_DOMAIN).
 */
#include <criterion/criterion.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wcast-align"
#endif
#include <Random123/philox.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "model.h"
#include "philox.h"
#include "rng.h"

/* The documented key and counter of a draw, through Random123 itself. */
static philox4x32_ctr_t documented(uint64_t seed, uint64_t owner, uint32_t element, uint32_t c0,
                                   int event)
{
    philox4x32_ctr_t c = {
        {c0, element | (event ? 0x40000000u : 0u), (uint32_t)owner, (uint32_t)(owner >> 32)}};
    philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32) ^ TR__RNG_DOMAIN}};
    return philox4x32_R(10, c, k);
}

Test(rng, philox_known_answer)
{
    /* Random123's own known-answer vectors for philox4x32-10 (kat_vectors),
     * so the header in use is the standard generator. */
    philox4x32_ctr_t c = {{0, 0, 0, 0}};
    philox4x32_key_t k = {{0, 0}};
    philox4x32_ctr_t r = philox4x32_R(10, c, k);
    cr_expect_eq(r.v[0], 0x6627e8d5u);
    cr_expect_eq(r.v[1], 0xe169c58du);
    cr_expect_eq(r.v[2], 0xbc57ac4cu);
    cr_expect_eq(r.v[3], 0x9b00dbd8u);
    philox4x32_ctr_t c2 = {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}};
    philox4x32_key_t k2 = {{0xa4093822u, 0x299f31d0u}};
    r = philox4x32_R(10, c2, k2);
    cr_expect_eq(r.v[0], 0xd16cfe09u);
    cr_expect_eq(r.v[1], 0x94fdccebu);
    cr_expect_eq(r.v[2], 0x5001e420u);
    cr_expect_eq(r.v[3], 0x24126ea1u);
}

Test(rng, every_philox_implementation_matches_random123)
{
    /* Each SIMD version this machine has, and the portable one, against
     * philox4x32_R: random counters (first words near 2^32 wrap too) and
     * every length up to 70. */
    static const char *const impls[] = {"portable", "avx2", "avx512"};
    uint32_t out[4 * 70];
    int tried = 0;
    for (size_t m = 0; m < 3; m++) {
        if (tr__philox_force(impls[m]) != 0) continue;
        tried++;
        uint64_t x = 0x9e3779b97f4a7c15u;
        for (int trial = 0; trial < 200; trial++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            tr__philox_ctr c = {(uint32_t)(x >> 32), (uint32_t)x, (uint32_t)(x >> 16),
                                (uint32_t)(x >> 40)};
            if (trial % 10 == 0) c.c0 = 0xffffffffu - (uint32_t)trial;
            uint32_t k0 = (uint32_t)(x >> 8), k1 = (uint32_t)(x >> 24);
            size_t n = (size_t)trial % 71;
            tr__philox_lanes(c, k0, k1, n, out);
            for (size_t j = 0; j < n; j++) {
                philox4x32_ctr_t cc = {{c.c0 + (uint32_t)j, c.c1, c.c2, c.c3}};
                philox4x32_key_t kk = {{k0, k1}};
                philox4x32_ctr_t r = philox4x32_R(10, cc, kk);
                for (int q = 0; q < 4; q++)
                    cr_assert_eq(out[4 * j + (size_t)q], r.v[q], "%s: counter %zu word %d",
                                 impls[m], j, q);
            }
        }
    }
    cr_expect_geq(tried, 1);
    tr__philox_force("portable"); /* then back to this machine's best */
    cr_expect_eq(tr__philox_force(tr__philox_best()), 0);
}

Test(rng, pinned_draws)
{
    /* FROZEN: changing these changes every result. */
    tr__rng_key k42 = tr__rng_key_of(42);
    uint64_t own = tr__rng_owner(TR__TAG_SCHEME, tr__hash64("general"), tr__hash64("agency-ban"));
    cr_expect_eq(own, UINT64_C(0xaa38f1ddb64e9d80));
    cr_expect_eq(tr__rng_owner(TR__TAG_FACTOR, tr__hash64("national"), 0),
                 UINT64_C(0x13e7a4df326754ca));
    cr_expect_eq(tr__rng_u64(k42, own, TR__EL_DELIVERY, 7), 0.49098793219889203);
    cr_expect_eq(tr__rng_u32(k42, own, TR__EL_PAPER, 7), 0.37495828687679023);
    cr_expect_eq(tr__rng_u64(tr__rng_key_of(UINT64_C(1) << 53), own, 6, 4000000000u),
                 0.041125551048124875);
}

Test(rng, pinned_hashes)
{
    /* FROZEN: tr__hash64 (engine/hash.c) is the address of every named thing. */
    cr_expect_eq(tr__hash64(""), UINT64_C(0xf52a15e9a9b5e89b));
    cr_expect_eq(tr__hash64("a"), UINT64_C(0x02c0bdbf481420f8));
    cr_expect_eq(tr__hash64("general"), UINT64_C(0xa8cd6fbad437f159));
    cr_expect_eq(tr__hash64("agency-ban"), UINT64_C(0x8b11368fb9471f3e));
    cr_expect_eq(tr__hash64("national"), UINT64_C(0xa5f9be487e2a8809));
    cr_expect_eq(tr__hash64("north"), UINT64_C(0x85f343305927dc6d));
}

Test(rng, draws_are_philox_at_the_documented_counter)
{
    uint64_t seeds[3] = {0, 42, (UINT64_C(1) << 53) - 1};
    for (int s = 0; s < 3; s++)
        for (uint64_t p = 0; p < 9; p++) {
            uint64_t own = tr__rng_owner(TR__TAG_TRUST, p * 977, 5);
            philox4x32_ctr_t r = documented(seeds[s], own, 3, (uint32_t)(p >> 1), 0);
            size_t h = 2 * (size_t)(p & 1);
            uint64_t w = ((uint64_t)r.v[h] << 32) | r.v[h + 1];
            cr_expect_eq(tr__rng_u64(tr__rng_key_of(seeds[s]), own, 3, p), tr__u01(w));
            r = documented(seeds[s], own, 2, (uint32_t)(p >> 2), 1);
            cr_expect_eq(tr__rng_u32(tr__rng_key_of(seeds[s]), own, 2, p), tr__u01_32(r.v[p & 3]));
        }
}

Test(rng, lanes_equal_single_draws)
{
    /* Any first path (every alignment) and any count: the same bits. */
    tr__rng_key key = tr__rng_key_of(2024);
    double u[TR__RNG_LANES];
    for (uint64_t p0 = 0; p0 < 9; p0++)
        for (size_t n = 0; n <= TR__RNG_LANES; n += (n < 8 ? 1 : 7)) {
            uint64_t first = p0 + 1000003 * (uint64_t)n;
            tr__rng_u64_lanes(key, 99, 4, first, n, u);
            for (size_t k = 0; k < n; k++)
                cr_assert_eq(u[k], tr__rng_u64(key, 99, 4, first + k));
            tr__rng_u32_lanes(key, 99, 5, first, n, u);
            for (size_t k = 0; k < n; k++)
                cr_assert_eq(u[k], tr__rng_u32(key, 99, 5, first + k));
        }
}

Test(rng, u01_open_interval)
{
    cr_expect_eq(tr__u01(0), 0x1p-53);
    cr_expect_eq(tr__u01(UINT64_MAX), 1.0 - 0x1p-53);
    cr_expect(tr__u01(UINT64_MAX) < 1.0);
    /* Symmetric grid: 1 - u is exact and is again a possible uniform. */
    cr_expect_eq(1.0 - tr__u01(UINT64_C(0x123456789abcdef0)),
                 tr__u01(~UINT64_C(0x123456789abcdef0)));
    cr_expect_eq(tr__u01_32(0), 0x1p-33);
    cr_expect_eq(tr__u01_32(UINT32_MAX), 1.0 - 0x1p-33);
    cr_expect_eq(1.0 - tr__u01_32(0x12345678u), tr__u01_32(~0x12345678u));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

Test(rng, addresses_give_distinct_draws)
{
    /* Every part of an address matters: seed, path, owner (tag, a, b),
     * element and width. All these draws differ. */
    enum { N = 2 * 6 * 2 * 2 * 5 * 3 * 2 };
    uint64_t *w = malloc(N * sizeof *w);
    cr_assert_not_null(w);
    size_t n = 0;
    for (uint64_t seed = 1; seed <= 2; seed++)
        for (uint64_t path = 0; path < 6; path++)
            for (uint64_t a = 0; a < 2; a++)
                for (uint64_t b = 0; b < 2; b++)
                    for (uint32_t tag = 1; tag <= 5; tag++)
                        for (uint32_t el = 0; el < 3; el++) {
                            tr__rng_key k = tr__rng_key_of(seed);
                            uint64_t own = tr__rng_owner(tag, a, b);
                            double x = tr__rng_u64(k, own, el, path);
                            double y = tr__rng_u32(k, own, el, path);
                            memcpy(&w[n++], &x, sizeof x);
                            memcpy(&w[n++], &y, sizeof y);
                        }
    cr_assert_eq(n, (size_t)N);
    qsort(w, n, sizeof *w, cmp_u64);
    for (size_t i = 1; i < n; i++)
        cr_expect_neq(w[i], w[i - 1]);
    free(w);
}

Test(rng, uniform_moments)
{
    /* 10^6 draws over paths, of both widths: mean 1/2 and variance 1/12
     * within 4 standard errors. */
    const int n = 1000000;
    double se_mean = sqrt(1.0 / 12.0 / n);
    double se_var = sqrt((1.0 / 80.0 - 1.0 / 144.0) / n); /* (mu4 - sigma^4) / n */
    tr__rng_key key = tr__rng_key_of(2024);
    for (int width = 0; width < 2; width++) {
        double s = 0.0, s2 = 0.0;
        for (int p = 0; p < n; p++) {
            uint32_t el = (uint32_t)(p % 7);
            double u = width ? tr__rng_u32(key, 17, el, (uint64_t)p)
                             : tr__rng_u64(key, 17, el, (uint64_t)p);
            cr_assert(u > 0.0 && u < 1.0);
            s += u;
            s2 += (u - 0.5) * (u - 0.5);
        }
        double mean = s / n, var = s2 / n;
        cr_expect(fabs(mean - 0.5) < 4 * se_mean, "width %d mean %g", width, mean);
        cr_expect(fabs(var - 1.0 / 12.0) < 4 * se_var, "width %d var %g", width, var);
    }
}

Test(rng, streams_uncorrelated)
{
    /* Neighbouring owners and elements, neighbouring paths of one block:
     * correlation within 4 SE. */
    const int n = 100000;
    double sxy = 0.0, sxz = 0.0, sxv = 0.0, sab = 0.0;
    tr__rng_key key = tr__rng_key_of(7);
    uint64_t o1 = tr__rng_owner(TR__TAG_SCHEME, 1, 2), o2 = tr__rng_owner(TR__TAG_TRUST, 1, 2);
    for (int p = 0; p < n; p++) {
        double x = tr__rng_u64(key, o1, 0, (uint64_t)p) - 0.5;
        double y = tr__rng_u64(key, o2, 0, (uint64_t)p) - 0.5;
        double z = tr__rng_u64(key, o1, 1, (uint64_t)p) - 0.5;
        double v = tr__rng_u32(key, o1, 0, (uint64_t)p) - 0.5;
        double a = tr__rng_u64(key, o1, 3, 2 * (uint64_t)p) - 0.5; /* the two paths of a block */
        double b = tr__rng_u64(key, o1, 3, 2 * (uint64_t)p + 1) - 0.5;
        sxy += x * y;
        sxz += x * z;
        sxv += x * v;
        sab += a * b;
    }
    double se = 1.0 / sqrt((double)n);
    cr_expect(fabs(12.0 * sxy / n) < 4 * se);
    cr_expect(fabs(12.0 * sxz / n) < 4 * se);
    cr_expect(fabs(12.0 * sxv / n) < 4 * se);
    cr_expect(fabs(12.0 * sab / n) < 4 * se);
}

static const double grid_u[] = {1e-300, 1e-200, 1e-100,  1e-50, 1e-20,    1e-16,     1e-10,    1e-6,
                                1e-3,   0.01,   0.02425, 0.05,  0.075,    0.1,       0.2,      0.3,
                                0.4,    0.45,   0.5,     0.55,  0.6,      0.7,       0.8,      0.9,
                                0.95,   0.975,  0.99,    0.999, 1 - 1e-6, 1 - 1e-10, 1 - 1e-16};

Test(rng, norm_inv_matches_gsl)
{
    gsl_set_error_handler_off();
    for (size_t i = 0; i < sizeof grid_u / sizeof *grid_u; i++) {
        double u = grid_u[i], a = tr__norm_inv(u), b = gsl_cdf_ugaussian_Pinv(u);
        cr_expect(fabs(a - b) <= 1e-14 * fabs(b), "u=%g: %.17g vs %.17g", u, a, b);
    }
    /* and densely */
    for (int i = 1; i < 100000; i++) {
        double u = i / 100000.0, a = tr__norm_inv(u), b = gsl_cdf_ugaussian_Pinv(u);
        cr_expect(fabs(a - b) <= 1e-14 * fabs(b), "u=%g: %.17g vs %.17g", u, a, b);
    }
    cr_expect_eq(tr__norm_inv(0.5), 0.0);
    cr_expect(tr__norm_inv(0x1p-53) < -8.0);
    /* The extreme uniforms tr__u01 can return have finite normals. */
    cr_expect(isfinite(tr__norm_inv(0x1p-53)) && isfinite(tr__norm_inv(1.0 - 0x1p-53)));
    cr_expect(tr__norm_inv(1.0 - 0x1p-53) > 8.0);
}

Test(rng, norm_cdf_accuracy)
{
    /* Against erfc in long double (64-bit significand: the argument's rounding
     * costs ~x^2 * 5e-20, negligible). */
    double worst = 0.0;
    for (double x = -37.5; x <= 8.5; x += 0.01) { /* Phi(-37.5) ~ 5e-308: still normal */
        long double ref = 0.5L * erfcl(-(long double)x / sqrtl(2.0L));
        double got = tr__norm_cdf(x);
        double rel = (double)fabsl(((long double)got - ref) / ref);
        if (rel > worst) worst = rel;
        if (rel > 2e-15) cr_log_info("x=%g rel %g", x, rel);
    }
    cr_expect(worst < 2e-15, "worst relative error %g", worst);
    cr_expect_eq(tr__norm_cdf(0.0), 0.5);
    cr_expect_eq(tr__norm_cdf(-INFINITY), 0.0);
    cr_expect_eq(tr__norm_cdf(INFINITY), 1.0);
}

Test(rng, norm_round_trip)
{
    for (size_t i = 0; i < sizeof grid_u / sizeof *grid_u; i++) {
        double u = grid_u[i], x = tr__norm_inv(u), back = tr__norm_cdf(x);
        /* Phi's relative condition number is about x^2, so the tolerance grows with it. */
        double tol = 4e-16 * (2.0 + x * x) * u;
        cr_expect(fabs(back - u) <= tol, "u=%g: back %.17g (x %g)", u, back, x);
    }
}
