/*
 * test_rng.c - addressed random numbers, the normal quantile and CDF.
 *
 * The pinned values below are FROZEN: tr__rng_block and tr__hash64 address
 * every draw of every run, so changing either changes every result the
 * engine has ever produced. Change them only with a deliberate, documented
 * break in reproducibility (and a new TR__RNG_DOMAIN).
 */
#include <criterion/criterion.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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
#include "rng.h"

static void expect_block(tr__block b, const uint64_t w[4])
{
    for (int i = 0; i < 4; i++)
        cr_expect_eq(b.w[i], w[i], "word %d: %#llx != %#llx", i, (unsigned long long)b.w[i],
                     (unsigned long long)w[i]);
}

Test(rng, philox_known_answer)
{
    /* Random123's own known-answer vector for philox4x64-10, zero counter and key
     * (kat_vectors), so the header in use is the standard generator. */
    philox4x64_ctr_t c = {{0, 0, 0, 0}};
    philox4x64_key_t k = {{0, 0}};
    philox4x64_ctr_t r = philox4x64_R(10, c, k);
    cr_expect_eq(r.v[0], UINT64_C(0x16554d9eca36314c));
    cr_expect_eq(r.v[1], UINT64_C(0xdb20fe9d672d0fdc));
    cr_expect_eq(r.v[2], UINT64_C(0xd7e772cee186176b));
    cr_expect_eq(r.v[3], UINT64_C(0x7e68b68aec7ba23b));
}

Test(rng, pinned_blocks)
{
    /* FROZEN: changing these changes every result. */
    static const uint64_t w0[4] = {UINT64_C(0x00c602e2b0d8b888), UINT64_C(0xe3c5bf524af08485),
                                   UINT64_C(0x2b31b3735e45f59d), UINT64_C(0xb448230f3545b0eb)};
    static const uint64_t w1[4] = {UINT64_C(0xcda097b790c82bf9), UINT64_C(0xa4c943029e24984c),
                                   UINT64_C(0x88cae4cb69c4dc3b), UINT64_C(0x8711dfb07ffa15ac)};
    static const uint64_t w2[4] = {UINT64_C(0x52f4d0a3daa46735), UINT64_C(0x7599cf8e67d9bfa7),
                                   UINT64_C(0xd477d1a3c0cfa0a3), UINT64_C(0x7ce4b7abb5dec398)};
    expect_block(tr__rng_block(0, 0, 0, 0, 0, 0), w0);
    expect_block(
        tr__rng_block(42, 7, tr__hash64("general"), tr__hash64("agency-ban"), TR__TAG_SCHEME, 1),
        w1);
    expect_block(tr__rng_block(UINT64_MAX, 123456789, tr__hash64("national"), 0, TR__TAG_FACTOR, 0),
                 w2);
    /* Element 5 is word 1 of block 1. */
    double u =
        tr__rng_uniform(42, 7, tr__hash64("general"), tr__hash64("agency-ban"), TR__TAG_SCHEME, 5);
    cr_expect_eq(u, 0.64369601072225391);
    cr_expect_eq(u, tr__u01(w1[1]));
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

Test(rng, block_is_philox_with_documented_key_and_counter)
{
    philox4x64_ctr_t c = {{99, 11, 22, ((uint64_t)TR__TAG_TRUST << 32) | 3u}};
    philox4x64_key_t k = {{5, TR__RNG_DOMAIN}};
    philox4x64_ctr_t r = philox4x64_R(10, c, k);
    tr__block b = tr__rng_block(5, 99, 11, 22, TR__TAG_TRUST, 3);
    expect_block(b, r.v);
}

Test(rng, element_addressing)
{
    for (uint32_t e = 0; e < 16; e++) {
        tr__block b = tr__rng_block(1, 2, 3, 4, TR__TAG_NOISE, e / 4);
        cr_expect_eq(tr__rng_uniform(1, 2, 3, 4, TR__TAG_NOISE, e), tr__u01(b.w[e % 4]));
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
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

Test(rng, counters_give_distinct_words)
{
    /* Every field of the key and counter matters: all these words differ. */
    enum { N = 2 * 2 * 3 * 3 * 5 * 4 * 4 };
    uint64_t *w = malloc(N * sizeof *w);
    cr_assert_not_null(w);
    size_t n = 0;
    for (uint64_t seed = 1; seed <= 2; seed++)
        for (uint64_t path = 0; path < 2; path++)
            for (uint64_t a = 0; a < 3; a++)
                for (uint64_t b = 0; b < 3; b++)
                    for (uint32_t tag = 1; tag <= 5; tag++)
                        for (uint32_t blk = 0; blk < 4; blk++) {
                            tr__block x = tr__rng_block(seed, path, a, b, tag, blk);
                            for (int i = 0; i < 4; i++)
                                w[n++] = x.w[i];
                        }
    cr_assert_eq(n, (size_t)N);
    qsort(w, n, sizeof *w, cmp_u64);
    for (size_t i = 1; i < n; i++)
        cr_expect_neq(w[i], w[i - 1]);
    free(w);
}

Test(rng, uniform_moments)
{
    /* 10^6 draws over paths: mean 1/2 and variance 1/12 within 4 standard errors. */
    const int n = 1000000;
    double s = 0.0, s2 = 0.0;
    for (int p = 0; p < n; p++) {
        double u = tr__rng_uniform(2024, (uint64_t)p, 17, 0, TR__TAG_TRUST, (uint32_t)(p % 7));
        cr_assert(u > 0.0 && u < 1.0);
        s += u;
        s2 += (u - 0.5) * (u - 0.5);
    }
    double mean = s / n, var = s2 / n;
    double se_mean = sqrt(1.0 / 12.0 / n);
    double se_var = sqrt((1.0 / 80.0 - 1.0 / 144.0) / n); /* (mu4 - sigma^4) / n */
    cr_expect(fabs(mean - 0.5) < 4 * se_mean, "mean %g", mean);
    cr_expect(fabs(var - 1.0 / 12.0) < 4 * se_var, "var %g", var);
}

Test(rng, streams_uncorrelated)
{
    /* Neighbouring tags and elements of the same owner: correlation within 4 SE. */
    const int n = 100000;
    double sxy = 0.0, sxz = 0.0;
    for (int p = 0; p < n; p++) {
        double x = tr__rng_uniform(7, (uint64_t)p, 1, 2, TR__TAG_SCHEME, 0) - 0.5;
        double y = tr__rng_uniform(7, (uint64_t)p, 1, 2, TR__TAG_TRUST, 0) - 0.5;
        double z = tr__rng_uniform(7, (uint64_t)p, 1, 2, TR__TAG_SCHEME, 1) - 0.5;
        sxy += x * y;
        sxz += x * z;
    }
    double se = 1.0 / sqrt((double)n);
    cr_expect(fabs(12.0 * sxy / n) < 4 * se);
    cr_expect(fabs(12.0 * sxz / n) < 4 * se);
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
