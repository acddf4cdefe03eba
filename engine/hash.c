/*
 * hash.c - stable 64-bit names for things drawn at random.
 *
 * A trust, scheme, consortium or factor is addressed in the random streams
 * by a hash of its id (docs/model.md section 2: a draw depends on what it is, so
 * that reordering a config or adding a trust changes no other draw). The
 * hash is 64-bit FNV-1a followed by the SplitMix64 finaliser (Steele, Lea
 * and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014),
 * which spreads FNV's weak high bits. It is frozen: tests pin its values.
 */
#include "model.h"

uint64_t tr__hash64(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    h ^= h >> 30;
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 27;
    h *= UINT64_C(0x94d049bb133111eb);
    h ^= h >> 31;
    return h;
}
