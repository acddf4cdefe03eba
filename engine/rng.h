/*
 * rng.h - addressed random numbers (private).
 *
 * Every draw in trustrisk is addressed by what it is, not by when it is
 * made (docs/model.md section 2): a counter-based generator, Philox4x32-10
 * from Random123 (philox.h), maps a counter and a key to 128 random bits.
 *
 *   key      (k0, k1) = (seed mod 2^32, (seed >> 32) ^ TR__RNG_DOMAIN)
 *   owner    a 64-bit address of the thing drawn for: tr__rng_owner(tag,
 *            a, b) of the draw's kind (tag) and the hashes a, b of the
 *            trust, scheme, factor or consortium it belongs to
 *   counter  (path >> s, element | width bit, owner mod 2^32, owner >> 32)
 *
 * An element is one numbered draw of an owner (a scheme's seven elements,
 * a trust's two growths, a month's shock, a factor). A continuous element
 * takes 64 bits, so one block serves two consecutive paths (s = 1; path p
 * takes words 2 (p & 1) and 2 (p & 1) + 1); an event element (paper,
 * compromise, stay) is decided by comparing a uniform with a threshold and
 * takes 32 bits, so one block serves four paths (s = 2; word p & 3). The
 * draw behind an element on a path is a pure function of (seed, path,
 * owner, element), whichever paths are drawn with it, so a path can be
 * replayed alone and every implementation gives the same bits. Paths are
 * numbered below 2^32. The mapping is frozen: changing it changes every
 * result (tests/test_rng.c pins values); it is part of the engine version.
 */
#ifndef TR_RNG_H
#define TR_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Mixed into the key so trustrisk's streams differ from others'. */
#define TR__RNG_DOMAIN UINT32_C(0x74727332) /* "trs2" */

/* What an owner is (part of its address). */
enum {
    TR__TAG_FACTOR = 1, /* a = factor key, b = consortium or trust key (0 for global) */
    TR__TAG_CHI2 = 2,   /* a = b = 0: the t copula's shared chi-square */
    TR__TAG_SCHEME = 3, /* a = trust key, b = scheme key; elements 0..6 */
    TR__TAG_TRUST = 4,  /* a = trust key, b = 0; element 0 income growth, 1 cost growth */
    TR__TAG_NOISE = 5   /* a = trust key, b = 0; element m - 1 for month m */
};

/* Scheme elements, in docs/model.md section 5's order. Paper, compromise
 * and stay are events (32 bits); the others are continuous (64 bits). */
enum {
    TR__EL_PAPER = 0,
    TR__EL_DELIVERY = 1,
    TR__EL_COMPROMISE = 2,
    TR__EL_RETAINED = 3,
    TR__EL_SLIPPAGE = 4,
    TR__EL_STAY = 5,
    TR__EL_STAYDELAY = 6,
    TR__EL_COUNT = 7
};

/* Trust elements. */
enum { TR__EL_INCOME_GROWTH = 0, TR__EL_COST_GROWTH = 1 };

typedef struct tr__rng_key {
    uint32_t k0, k1;
} tr__rng_key;

static inline tr__rng_key tr__rng_key_of(uint64_t seed)
{
    tr__rng_key k = {(uint32_t)seed, (uint32_t)(seed >> 32) ^ TR__RNG_DOMAIN};
    return k;
}

/* The address of an owner (frozen). */
uint64_t tr__rng_owner(uint32_t tag, uint64_t a, uint64_t b);

/* A 64-bit word to a uniform in the open interval (0, 1): (k + 0.5) / 2^52
 * with k the top 52 bits. k + 0.5 < 2^52 needs at most 53 significant bits,
 * so the result is exact, lies in [2^-53, 1 - 2^-53], is never 0 or 1, and
 * 1 - u is exact too. */
static inline double tr__u01(uint64_t w)
{
    return ((double)(w >> 12) + 0.5) * 0x1p-52;
}

/* A 32-bit word to a uniform in (0, 1): (w + 0.5) / 2^32, exact, in
 * [2^-33, 1 - 2^-33]. */
static inline double tr__u01_32(uint32_t w)
{
    return ((double)w + 0.5) * 0x1p-32;
}

/* Continuous element `element` of `owner` on path p. */
double tr__rng_u64(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p);
/* Event element `element` of `owner` on path p. */
double tr__rng_u32(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p);

/* The same for paths p0 .. p0 + n - 1 into u[0 .. n-1] (n <= TR__RNG_LANES),
 * with the same bits as one path at a time. */
#define TR__RNG_LANES 64
void tr__rng_u64_lanes(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p0, size_t n,
                       double *u);
void tr__rng_u32_lanes(tr__rng_key key, uint64_t owner, uint32_t element, uint64_t p0, size_t n,
                       double *u);

/* Standard normal quantile Phi^{-1}(u), u in (0, 1), accurate to 8e-16
 * relative (Wichura, "Algorithm AS 241", Applied Statistics 37, 1988;
 * vmath.h). The normal behind a uniform u is always Phi^{-1}(u): inversion,
 * so that an element without loadings has U = u exactly under the Gaussian
 * copula. */
double tr__norm_inv(double u);

/* Standard normal CDF Phi(x), accurate to 6e-16 relative for x >= -37.5 (vmath.h). */
double tr__norm_cdf(double x);

#endif /* TR_RNG_H */
