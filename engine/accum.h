/*
 * accum.h - a run's statistics, shared by its threads, and their exact merge
 * (private).
 *
 * One tr__acc holds the statistics of all the paths added so far; every
 * thread adds chunks of paths (kernel.h) into the same one, through its own
 * tr__acc_local, so memory does not grow with threads. Everything is exact
 * and independent of the order in which paths arrive:
 *   - counts and histogram counts are integers (added under locks: integer
 *     addition commutes, so any interleaving gives the same bytes);
 *   - sums of doubles are formed within each block of TR_PATH_BLOCK paths
 *     in eight partial sums, path p going to partial p mod 8 in path order
 *     (whoever runs the block), and each partial is then added exactly into
 *     a fixed-point accumulator (stats.h).
 * So the statistics depend on which paths were added, never on which thread
 * or process added them or when: a merge of two accumulators (threads'
 * work, shards, ranks, resumed sessions) is exact too.
 */
#ifndef TR_ACCUM_H
#define TR_ACCUM_H

#include <pthread.h>
#include <stdint.h>

#include "kernel.h"
#include "stats.h"

/* What a non-finite value was, when one reached the statistics. */
typedef enum tr__bad_kind {
    TR__BAD_NONE = 0,
    TR__BAD_BAILOUT,   /* item: trust */
    TR__BAD_CASH,      /* item: trust, month: 1-based */
    TR__BAD_SHORTFALL, /* item: scheme (global index) */
    TR__BAD_REQUESTED, /* item: consortium */
    TR__BAD_PAID,      /* item: consortium */
    TR__BAD_SYS_BAILOUT,
    TR__BAD_SYS_TOPUP,
    TR__BAD_WEIGHT /* an importance-sampling weight of TR__W_MAX or more */
} tr__bad_kind;

/* The first non-finite value added (kind TR__BAD_NONE while there is none).
 * The loader's limits keep every value finite, so one is a bug; the run
 * stops and says what it was rather than report NaN or infinity. */
typedef struct tr__bad {
    tr__bad_kind kind;
    size_t item, month;
    double value;
    uint64_t path; /* a path on which it happened */
} tr__bad;

/* Sums kept per item, by index into tr__acc.xs (the sum, then the sum of
 * squares). */
enum { TR__S_SUM = 0, TR__S_SQ = 1 };

/* Partial sums per item within a block (path p adds to partial p mod 8). */
#define TR__PARTIALS 8

typedef struct tr__acc {
    size_t nt, ns, nc;
    int H;
    uint64_t n;   /* paths added */
    int weighted; /* importance sampling: counts are in weight units (plan.h) */
    /* trusts */
    uint64_t *fail_count;    /* nt */
    uint64_t *fail_by_month; /* nt * H: paths with tau == t */
    uint64_t *tau_sum;       /* nt */
    tr__hist *bo;            /* nt */
    tr__hist *cash;          /* nt * H */
    /* consortia */
    tr__hist *req, *paid, *top; /* nc each */
    uint64_t *exhausted;        /* nc */
    uint64_t *ex_by_month;      /* nc * H */
    /* system */
    uint64_t *nfail; /* nt + 1 */
    tr__hist sys_bo, sys_top;
    /* exact sums (a weighted run's second set from nbase on) */
    size_t nsums, nbase;
    tr__xsum *xs;
    tr__hpool *pool; /* every histogram's pages */
    /* concurrency: trust i is under lock i / group, then the consortia, the
     * system, the sums */
    size_t group, nlocks;
    pthread_mutex_t *locks;
    int oom; /* a histogram page could not be allocated */
} tr__acc;

/* What one thread keeps while it adds a block: the block's partial sums,
 * and caches that save work without changing any result. */
typedef struct tr__acc_local {
    double *bs; /* nsums * TR__PARTIALS */
    /* Repeat cache for the cash histograms: two recent month-end cash paths
     * per trust, with their bucket indices and a count of the paths equal to
     * each not yet added. A trust whose cash path is one of the two (common
     * when only rare events are random, which flip it between two paths)
     * only counts; an entry's count goes into the histograms when the entry
     * is evicted and by tr__acc_local_flush. */
    double *rc_cash;    /* nt * 2 * H */
    uint32_t *rc_idx;   /* nt * 2 * H */
    uint64_t *rc_count; /* nt * 2: pending paths (0 = empty entry) */
    uint64_t *rc_path;  /* nt * 2: one of them (for a non-finite report) */
    uint8_t *rc_mru;    /* nt: the entry used last */
    tr__bad bad;        /* the first non-finite value this thread added, if any */
} tr__acc_local;

/* Index of each sum in xs (and, times TR__PARTIALS, in bs). */
size_t tr__acc_bo(const tr__acc *a, size_t trust, int which);
size_t tr__acc_shortfall(const tr__acc *a, size_t scheme, int given_fail);
size_t tr__acc_cons(const tr__acc *a, size_t consortium, int quantity /* 0 req 1 paid 2 top */,
                    int which);
size_t tr__acc_sys(const tr__acc *a, int quantity /* 0 bail-out 1 top-up */, int which);
/* A weighted run's second set of sums (accum.c says what each holds). */
size_t tr__acc_lsq(const tr__acc *a, size_t sum_index);
size_t tr__acc_fail_l2(const tr__acc *a, size_t trust);
size_t tr__acc_exh_l2(const tr__acc *a, size_t consortium);
size_t tr__acc_l2(const tr__acc *a);
size_t tr__acc_nfail_l2(const tr__acc *a, size_t k);

tr_status tr__acc_init(tr__acc *a, const tr__plan *plan, tr_error *err);
void tr__acc_free(tr__acc *a);

/* Bytes the statistics of `plan` can take at most (every histogram page in
 * use), and what one thread's local state takes. */
double tr__acc_bytes(const tr__plan *plan);
double tr__acc_local_bytes(const tr__plan *plan);

tr_status tr__acc_local_init(tr__acc_local *l, const tr__plan *plan, tr_error *err);
void tr__acc_local_free(tr__acc_local *l);

/* Add a chunk of paths (after tr__kernel_chunk). Safe to call from several
 * threads at once on one tr__acc, each with its own local. Allocates only
 * histogram pages. */
void tr__acc_add_chunk(tr__acc *a, tr__acc_local *l, const tr__chunk_out *ch, const tr__plan *plan);

/* End of a block of paths: add the block's partial sums into the exact sums. */
void tr__acc_end_block(tr__acc *a, tr__acc_local *l);

/* Count a thread's pending repeats into the histograms (before the totals
 * are read; the local may be freed afterwards). */
void tr__acc_local_flush(tr__acc *a, tr__acc_local *l);

/* dst += src (exact; any order gives the same dst). */
tr_status tr__acc_merge(tr__acc *dst, const tr__acc *src, tr_error *err);

/* What b is, in words ("trust \"x\": bail-out"), into buf. */
void tr__bad_describe(const tr__bad *b, const tr__plan *plan, char *buf, size_t size);

#endif /* TR_ACCUM_H */
