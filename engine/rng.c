/*
 * rng.c - addressed random numbers and the standard normal.
 *
 * The addressing of rng.h on top of philox.h: an owner's address, and the
 * counter of an element's draw on a path (a pure function, so any draw can
 * be made by any thread in any order and every path can be replayed alone,
 * docs/model.md section 2).
 *
 * tr__norm_inv and tr__norm_cdf are vmath.h's (Wichura's AS 241, and an
 * exp-times-polynomial form of Phi), written with correctly rounded
 * operations only so that every CPU and SIMD lane gives the same bits.
 * Nothing here has state; everything is safe to call from any thread.
 */
#include "rng.h"

#include <math.h>

#include "philox.h"
#include "vmath.h"

/* SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014). */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

uint64_t tr__rng_owner(uint32_t tag, uint64_t a, uint64_t b)
{
    uint64_t x = mix64(a ^ (UINT64_C(0x9e3779b97f4a7c15) * ((uint64_t)tag + 1)));
    return mix64(x ^ b ^ UINT64_C(0x632be59bd9b4e019));
}

/* The counter word that says which element, and how wide its draws are. */
#define EVENT_BIT UINT32_C(0x40000000)

static tr__philox_ctr counter(uint64_t owner, uint32_t element, uint64_t c0, int event)
{
    tr__philox_ctr c = {(uint32_t)c0, element | (event ? EVENT_BIT : 0), (uint32_t)owner,
                        (uint32_t)(owner >> 32)};
    return c;
}

double tr__rng_u64(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p)
{
    uint32_t w[4];
    tr__philox_one(counter(owner, element, p >> 1, 0), key.k0, key.k1, w);
    size_t h = 2 * (size_t)(p & 1);
    return tr__u01(((uint64_t)w[h] << 32) | w[h + 1]);
}

double tr__rng_u32(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p)
{
    uint32_t w[4];
    tr__philox_one(counter(owner, element, p >> 2, 1), key.k0, key.k1, w);
    return tr__u01_32(w[p & 3]);
}

void tr__rng_u64_lanes(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p0, size_t n,
                       double *u)
{
    if (n == 0) return;
    uint32_t w[4 * (TR__RNG_LANES / 2 + 1)];
    uint64_t b0 = p0 >> 1, nb = ((p0 + n - 1) >> 1) - b0 + 1;
    tr__philox_lanes(counter(owner, element, b0, 0), key.k0, key.k1, (size_t)nb, w);
    const uint32_t *x = w + 2 * (size_t)(p0 & 1); /* path p0's two words */
    for (size_t k = 0; k < n; k++)
        u[k] = tr__u01(((uint64_t)x[2 * k] << 32) | x[2 * k + 1]);
}

void tr__rng_u32_lanes(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p0, size_t n,
                       double *u)
{
    if (n == 0) return;
    uint32_t w[4 * (TR__RNG_LANES / 4 + 1)];
    uint64_t b0 = p0 >> 2, nb = ((p0 + n - 1) >> 2) - b0 + 1;
    tr__philox_lanes(counter(owner, element, b0, 1), key.k0, key.k1, (size_t)nb, w);
    const uint32_t *x = w + (size_t)(p0 & 3);
    for (size_t k = 0; k < n; k++)
        u[k] = tr__u01_32(x[k]);
}

/* The normal's quantile and CDF are vmath.h's, which give the same bits on
 * every CPU and in every SIMD lane. */
double tr__norm_inv(double u)
{
    return tr__vnorm_inv(u);
}

double tr__norm_cdf(double x)
{
    return tr__vnorm_cdf(x);
}
