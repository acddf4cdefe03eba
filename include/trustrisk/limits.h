/*
 * trustrisk/limits.h - the limits a caller of the library can meet.
 *
 * One definition of each: run.h and config.h include this header. The
 * limits a config's own contents must keep (months, trusts, money, ...) are
 * the loader's business and are listed in configs/README.md.
 */
#ifndef TRUSTRISK_LIMITS_H
#define TRUSTRISK_LIMITS_H

#include <stdint.h>

/** Largest seed (2^53: every seed is exact in a JSON number). */
#define TR_MAX_SEED (UINT64_C(1) << 53)

/** Largest number of paths in one run. */
#define TR_MAX_PATHS UINT64_C(4000000000)

/** Paths are summed in blocks of this many (aligned on the path index). */
#define TR_PATH_BLOCK 1024

/** Largest config file accepted, in bytes; larger files are refused unread. */
#define TR_CONFIG_MAX_BYTES (64u * 1024u * 1024u)

#endif /* TRUSTRISK_LIMITS_H */
