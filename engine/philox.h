/*
 * philox.h - Philox4x32-10 over many counters at once (private).
 *
 * Random123's Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel
 * random numbers: as easy as 1, 2, 3", SC11) maps a 128-bit counter and a
 * 64-bit key to 128 random bits. tr__philox_lanes evaluates it for n
 * counters that differ only in their first word, c0 + j for j < n: the
 * shape of drawing one element for a run of consecutive paths. Integer
 * arithmetic only, so every implementation (AVX-512, AVX2, portable C,
 * chosen at run time) gives the same bits; tests check each against
 * Random123's own philox4x32_R.
 */
#ifndef TR_PHILOX_H
#define TR_PHILOX_H

#include <stddef.h>
#include <stdint.h>

typedef struct tr__philox_ctr {
    uint32_t c0, c1, c2, c3;
} tr__philox_ctr;

/* out[4 j + w] = word w of Philox4x32-10 at counter (c.c0 + j, c.c1, c.c2,
 * c.c3) under key (k0, k1), for j < n (c0 + j wraps modulo 2^32). */
void tr__philox_lanes(tr__philox_ctr c, uint32_t k0, uint32_t k1, size_t n, uint32_t *out);

/* One block (the same bits as tr__philox_lanes with n = 1). */
void tr__philox_one(tr__philox_ctr c, uint32_t k0, uint32_t k1, uint32_t out[4]);

/* Which implementation tr__philox_lanes uses on this machine: "avx512",
 * "avx2" or "portable"; tr__philox_force selects one (tests; 0 on success). */
const char *tr__philox_impl(void);
int tr__philox_force(const char *name);
/* The fastest implementation this machine supports (what is chosen by default). */
const char *tr__philox_best(void);

#endif /* TR_PHILOX_H */
