/*
 * paired.h - a scenario compared with the reference path by path (private).
 *
 * A batch simulates every scenario on the same paths, so each path gives a
 * pair (X_s, X_r) of every quantity the comparison reports. What the
 * comparison needs is the mean and the spread of the differences
 * D = X_s - X_r: their sum and the sum of their squares, formed like every
 * other sum (accum.h): within a block, path p into partial p mod 8 in path
 * order, each block's partials then added exactly into fixed-point sums.
 * Failure indicators and numbers of failures are integers, summed exactly
 * as integers; under importance sampling every difference is of weighted
 * values, L_s X_s - L_r X_r, a double summed like the others. So paired sums, too, merge exactly in
 * any order (threads, shards, ranks, resumed sessions).
 *
 * Quantities, for the trusts and consortia both scenarios have (matched by
 * id): each trust's failure indicator and bail-out; each consortium's
 * payment and national top-up; the system's number of failures, total
 * bail-out and national top-up.
 */
#ifndef TR_PAIRED_H
#define TR_PAIRED_H

#include <pthread.h>
#include <stdint.h>

#include "bytes.h"
#include "kernel.h"
#include "stats.h"

typedef struct tr__paired {
    size_t nt, nc;       /* trusts and consortia matched */
    uint32_t *ts, *tr;   /* [nt] matched trust: its index in the scenario, in the reference */
    uint32_t *cs, *cr;   /* [nc] matched consortium: the same */
    uint64_t n;          /* paths */
    uint64_t *both_fail; /* [nt] paths on which the trust fails in both */
    int64_t dfail;       /* sum over paths of (failures in s - failures in r) */
    uint64_t dfail2;     /* the sum of its squares */
    int weighted;        /* importance sampling in either: D = L_s X_s - L_r X_r, and the
                            failures' differences are sums too (below) */
    size_t nsums;        /* sums of D and D^2: bail-out per matched trust, paid and top-up per
                            matched consortium, the system's bail-out and top-up; weighted,
                            then the failure indicator per matched trust and the system's
                            number of failures */
    tr__xsum *xs;
    pthread_mutex_t lock;
} tr__paired;

/* Index of the sum of D (of D^2: + 1) in xs. */
size_t tr__paired_bo(const tr__paired *p, size_t matched_trust);
size_t tr__paired_cons(const tr__paired *p, size_t matched_consortium,
                       int quantity /* 0 paid 1 top */);
size_t tr__paired_sys(const tr__paired *p, int quantity /* 0 bail-out 1 top-up */);
/* Weighted pairs only: the failure indicator of a matched trust, and the
 * system's number of failures. */
size_t tr__paired_fail(const tr__paired *p, size_t matched_trust);
size_t tr__paired_nfail(const tr__paired *p);

/* Pair scenario s with reference r: match their trusts and consortia by id.
 * weighted: either is importance sampled (its paths carry weights). */
tr_status tr__paired_init(tr__paired *p, const tr_config *s, const tr_config *r, int weighted,
                          tr_error *err);
void tr__paired_free(tr__paired *p);

/* One thread's sums within a block. */
typedef struct tr__paired_local {
    double *bs; /* nsums * 8 partials */
    uint64_t *both_fail;
    int64_t dfail;
    uint64_t dfail2, n;
} tr__paired_local;

tr_status tr__paired_local_init(tr__paired_local *l, const tr__paired *p, tr_error *err);
void tr__paired_local_free(tr__paired_local *l);

/* Add a chunk: the scenario's outputs and the reference's for the same paths. */
void tr__paired_add_chunk(const tr__paired *p, tr__paired_local *l, const tr__chunk_out *s,
                          const tr__chunk_out *r);

/* End of a block: the block's sums into p (under its lock). */
void tr__paired_end_block(tr__paired *p, tr__paired_local *l);

/* The sums as bytes (docs/state-format.md), and added back from bytes. */
void tr__paired_put(tr__wbuf *w, const tr__paired *p);
void tr__paired_get_add(tr__rbuf *r, tr__paired *p);

#endif /* TR_PAIRED_H */
