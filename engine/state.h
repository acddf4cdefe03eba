/*
 * state.h - a run's statistics as bytes: checkpoints, shards and MPI ranks
 * (private).
 *
 * A state holds what a run (or a batch) has accumulated over a set of
 * blocks of paths, exactly, with everything needed to check that states
 * belong together and to finish or merge them: the engine version, the
 * seed, the paths, the configs themselves (their text, so that a merge needs
 * nothing else), the set of completed blocks and every statistic. The format
 * is documented byte by byte in docs/state-format.md: little-endian
 * integers written byte by byte (the same bytes on any machine), doubles as
 * their IEEE-754 bits, a SHA-256 of everything before it at the end, so that
 * a torn or altered file is refused. Readers refuse a format, engine
 * version or kind they do not know, saying what they found.
 */
#ifndef TR_STATE_H
#define TR_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "accum.h"
#include "paired.h"
#include "trustrisk/error.h"

#define TR__STATE_FORMAT 1
enum { TR__STATE_RUN = 1, TR__STATE_BATCH = 2 };

/* What a state says about the run it belongs to. */
typedef struct tr__state_info {
    uint32_t kind;
    char engine[32]; /* engine version that wrote it */
    uint64_t seed, paths, first_path;
    uint32_t block;               /* paths a block (TR_PATH_BLOCK) */
    uint32_t shard_i, shard_n;    /* which shard (0 of 0: not a shard) */
    char manifest_sha[65];        /* a batch's manifest ("" for a run) */
    uint32_t reference;           /* a batch's reference scenario */
    double target_se, target_rel; /* a run's precision target (0: none) */
    size_t nplans;
    char (*sha)[65]; /* each config's hash */
    char **id;       /* each scenario's id ("" for a run) */
    char **text;     /* each config's text (NUL-terminated) */
    size_t *text_len;
    size_t nranges;
    uint64_t *ranges; /* 2 * nranges: completed blocks [lo, hi), increasing */
} tr__state_info;

void tr__state_info_free(tr__state_info *info);

/* The state of nacc accumulators (one per plan, in info's order) and, for
 * a batch, the paired sums of every plan but the reference (pairs[k], NULL
 * at the reference; pairs NULL for a run) as bytes the caller frees with free(). */
tr_status tr__state_encode(const tr__state_info *info, tr__acc *const *accs,
                           tr__paired *const *pairs, size_t nacc, uint8_t **buf, size_t *len,
                           tr_error *err);

/* Check a state's checksum and read its description into *info (freed with
 * tr__state_info_free); *payload is where its statistics start. `name`
 * names the state in messages (a file name). */
tr_status tr__state_decode_info(const uint8_t *buf, size_t len, const char *name,
                                tr__state_info *info, size_t *payload, tr_error *err);

/* Add the state's statistics into accs (made for the same plans, in the
 * same order) and, for a batch, its paired sums into pairs (as encoded): exact, so
 * states merge in any order. Each config's statistics must hold `paths`
 * paths (those of the blocks the description lists), and their counts must
 * agree with one another, or the state is refused. */
tr_status tr__state_decode_accs(const uint8_t *buf, size_t len, size_t payload, const char *name,
                                uint64_t paths, tr__acc *const *accs, tr__paired *const *pairs,
                                size_t nacc, tr_error *err);

#endif /* TR_STATE_H */
