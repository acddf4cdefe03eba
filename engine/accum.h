/*
 * accum.h - per-thread accumulators of a run and their exact merge (private).
 *
 * Each thread adds chunks of paths (kernel.h) into its own tr__acc; at the
 * end the threads' accumulators are merged into one. Everything merges exactly, in any order:
 * counts are integers, histograms have integer counts and exact min/max, and
 * sums of doubles are formed in fixed blocks of TR_PATH_BLOCK consecutive
 * paths (summed in path order, whoever runs the block) and then added into
 * exact fixed-point accumulators (stats.h). So the merged result does not
 * depend on which thread ran which block, nor, later, on which process.
 */
#ifndef TR_ACCUM_H
#define TR_ACCUM_H

#include <stdint.h>

#include "kernel.h"
#include "stats.h"

/* What a non-finite value was, when one reached the statistics (tr__acc.bad). */
typedef enum tr__bad_kind {
    TR__BAD_NONE = 0,
    TR__BAD_BAILOUT,   /* item: trust */
    TR__BAD_CASH,      /* item: trust, month: 1-based */
    TR__BAD_SHORTFALL, /* item: scheme (global index) */
    TR__BAD_REQUESTED, /* item: consortium */
    TR__BAD_PAID,      /* item: consortium */
    TR__BAD_SYS_BAILOUT,
    TR__BAD_SYS_TOPUP
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

/* Sums kept per item, by index into tr__acc.xs / .bs. */
enum { TR__S_SUM = 0, TR__S_SQ = 1 };

typedef struct tr__acc {
    size_t nt, ns, nc;
    int H;
    uint64_t n; /* paths added */
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
    /* sums: block partials bs[] are flushed into exact xs[] at each block's end */
    size_t nsums;
    double *bs;
    tr__xsum *xs;
    uint32_t *storage; /* every histogram's buckets */
    /* Repeat cache for the cash histograms: two recent month-end cash paths
     * per trust, each with its bucket indices and a count of the paths equal
     * to it not yet added. A trust whose cash path is one of the two (common
     * when only rare events are random, which flip it between two paths)
     * only counts; an entry's count goes into the histograms when the entry
     * is evicted and by tr__acc_flush. Counting in a different order changes
     * nothing: histogram counts are integers. */
    double *rc_cash;    /* nt * 2 * H */
    uint32_t *rc_idx;   /* nt * 2 * H */
    uint32_t *rc_count; /* nt * 2: pending paths (0 = empty entry) */
    uint8_t *rc_mru;    /* nt: the entry used last */
    /* one-entry memo per scalar histogram (bail-outs, requests, system): the
     * bucket of the last value added (consecutive paths often repeat) */
    double *memo_x; /* nt + 3 * nc + 2 */
    uint32_t *memo_i;
    tr__bad bad; /* the first non-finite value added, if any */
} tr__acc;

/* Index of each sum in bs / xs. */
size_t tr__acc_bo(const tr__acc *a, size_t trust, int which);
size_t tr__acc_shortfall(const tr__acc *a, size_t scheme, int given_fail);
size_t tr__acc_cons(const tr__acc *a, size_t consortium, int quantity /* 0 req 1 paid 2 top */,
                    int which);
size_t tr__acc_sys(const tr__acc *a, int quantity /* 0 bail-out 1 top-up */, int which);

tr_status tr__acc_init(tr__acc *a, const tr__plan *plan, tr_error *err);

/* Bytes one accumulator for `plan` takes (almost all of it histograms). */
double tr__acc_bytes(const tr__plan *plan);
void tr__acc_free(tr__acc *a);

/* Add a chunk of paths (after tr__kernel_chunk), lanes in path order.
 * Allocates nothing. */
void tr__acc_add_chunk(tr__acc *a, const tr__chunk_out *ch, const tr__plan *plan);

/* What a.bad is, in words ("trust \"x\": bail-out"), into buf. */
void tr__acc_describe_bad(const tr__acc *a, const tr__plan *plan, char *buf, size_t size);

/* End of a block of paths: move the block partial sums into the exact sums. */
void tr__acc_end_block(tr__acc *a);

/* Count pending repeats into the histograms (before merging or reading). */
void tr__acc_flush(tr__acc *a);

/* dst += src (exact; any order gives the same dst). src must be flushed. */
void tr__acc_merge(tr__acc *dst, const tr__acc *src);

#endif /* TR_ACCUM_H */
