/*
 * rng.h - addressed random numbers (private).
 *
 * Every draw in trustrisk is addressed by what it is, not by when it is
 * made (docs/model.md section 2): a counter-based generator, Philox4x64-10 from
 * Random123 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC11), maps (key, counter) to four 64-bit words. The key is
 * (seed, TR__RNG_DOMAIN); the counter is (path, a, b, tag << 32 | block),
 * where a and b are the 64-bit hashes of the things drawn for (trust,
 * scheme, factor, consortium) and tag says which kind of draw it is.
 * One block yields four words, used for up to four consecutive elements of
 * the same owner: element e uses block e / 4, word e % 4. The mapping is
 * frozen: changing it changes every result (tests/test_rng.c pins values).
 */
#ifndef TR_RNG_H
#define TR_RNG_H

#include <stdint.h>

/* Second key word: a constant so trustrisk's streams differ from others'. */
#define TR__RNG_DOMAIN UINT64_C(0x7472757374726b31) /* "trustrk1" */

/* What a block is for (the high 32 bits of the counter's last word). */
enum {
    TR__TAG_FACTOR = 1, /* a = factor key, b = consortium or trust key (0 for global) */
    TR__TAG_CHI2 = 2,   /* a = b = 0: the t copula's shared chi-square */
    TR__TAG_SCHEME = 3, /* a = trust key, b = scheme key; elements 0..6 */
    TR__TAG_TRUST = 4,  /* a = trust key, b = 0; element 0 income growth, 1 cost growth */
    TR__TAG_NOISE = 5   /* a = trust key, b = 0; element m-1 for month m */
};

/* Scheme elements, in docs/model.md section 5's order. */
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

typedef struct tr__block {
    uint64_t w[4];
} tr__block;

/* The four words at counter (path, a, b, tag << 32 | block) under key (seed, domain). */
tr__block tr__rng_block(uint64_t seed, uint64_t path, uint64_t a, uint64_t b, uint32_t tag,
                        uint32_t block);

/* A 64-bit word to a uniform in the open interval (0, 1): (k + 0.5) / 2^52
 * with k the top 52 bits. k + 0.5 < 2^52 needs at most 53 significant bits,
 * so the result is exact, lies in [2^-53, 1 - 2^-53], is never 0 or 1, and
 * 1 - u is exact too. (With 53 bits, k + 0.5 would round, up to 1.0.) */
static inline double tr__u01(uint64_t w)
{
    return ((double)(w >> 12) + 0.5) * 0x1p-52;
}

/* The uniform of element `element` of an owner: word element % 4 of block element / 4. */
double tr__rng_uniform(uint64_t seed, uint64_t path, uint64_t a, uint64_t b, uint32_t tag,
                       uint32_t element);

/* Standard normal quantile Phi^{-1}(u), u in (0, 1), accurate to about 1e-15
 * relative (Wichura, "Algorithm AS 241", Applied Statistics 37, 1988). The
 * normal behind a uniform u is always Phi^{-1}(u): inversion, so that an
 * element without loadings has U = u exactly under the Gaussian copula. */
double tr__norm_inv(double u);

/* Standard normal CDF Phi(x), accurate to about 1e-15 relative. */
double tr__norm_cdf(double x);

#endif /* TR_RNG_H */
