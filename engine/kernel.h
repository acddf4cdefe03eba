/*
 * kernel.h - simulating a chunk of paths into per-path outputs (private).
 *
 * This is the one narrow interface between simulation and statistics: a
 * kernel simulates paths [first, first + n) of a plan (n <= TR__CHUNK, all in
 * one block of TR_PATH_BLOCK) and leaves, for each path (a "lane"), what the
 * statistics need: each trust's failure month, bail-out and month-end cash,
 * each scheme's shortfall, each consortium's request, payment and exhaustion
 * month, the system's totals, and the path's weight (its likelihood ratio;
 * 1 without importance sampling). Arrays are item-major: item x of lane k is
 * at [x * TR__CHUNK + k].
 *
 * Cash is stored once per distinct month-end cash path of a trust in the
 * chunk: lane k's path is row cref[i * TR__CHUNK + k] of trust i, and the
 * rows are at cash + (i * TR__CHUNK + r) * H. Trusts whose cash repeats from
 * path to path (when only rare events are random) then cost one row.
 *
 * Batches (several plans on the same chunk), shards and ranks (ranges of
 * blocks) and importance sampling (weights) all work through this
 * interface; kernels are interchangeable as long as they give the same
 * outputs for the same paths.
 */
#ifndef TR_KERNEL_H
#define TR_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "sim.h"

/* Paths per chunk: a divisor of TR_PATH_BLOCK. */
#define TR__CHUNK 64

typedef struct tr__chunk_out {
    uint64_t first;           /* the first path */
    size_t n;                 /* paths held, 1..TR__CHUNK */
    double *w;                /* [C] path weights */
    uint8_t *fail;            /* [nt][C] failure month, 0 if none */
    double *bo;               /* [nt][C] bail-out BO */
    double *sf;               /* [ns][C] scheme shortfall */
    double *req;              /* [nc][C] requested */
    double *paid;             /* [nc][C] paid */
    uint8_t *exh;             /* [nc][C] month the reserve fell short, 0 if none */
    uint32_t *nfail;          /* [C] trusts failing */
    double *sys_bo, *sys_top; /* [C] total bail-out, national top-up */
    uint16_t *cref;           /* [nt][C] lane's cash row */
    uint16_t *nrows;          /* [nt] rows in use */
    double *cash;             /* [nt][C][H] rows of month-end cash */
} tr__chunk_out;

/* One thread's kernel workspace: the fast kernel's scratch (kernel.c), and
 * the reference simulator's workspace for the plain twin (kernel_ref.c). */
typedef struct tr__kscratch tr__kscratch;
typedef struct tr__kws {
    const tr__plan *plan;
    int reference; /* 1: simulate lane by lane with the reference simulator (tests) */
    tr__ws ws;     /* the reference simulator's workspace */
    tr__kscratch *k;
    tr__draw_census census; /* the fast kernel's draws, cumulative */
} tr__kws;

tr_status tr__kws_init(tr__kws *k, const tr__plan *plan, tr_error *err);
/* About the bytes one thread's kernel workspace and chunk take. */
double tr__kernel_bytes(const tr__plan *plan);
void tr__kws_free(tr__kws *k);

tr_status tr__chunk_init(tr__chunk_out *out, const tr__plan *plan, tr_error *err);
void tr__chunk_free(tr__chunk_out *out);

/* The fast kernel (kernel.c): simulate paths [first, first + n) with
 * `seed` into out (n <= TR__CHUNK). Allocates nothing. */
void tr__kernel_chunk_fast(tr__kws *k, uint64_t seed, uint64_t first, size_t n, tr__chunk_out *out);

/* The factor draws of the last chunk the fast kernel simulated (shifted
 * under importance sampling): slot j of lane l at [j * TR__CHUNK + l]. */
const double *tr__kernel_last_z(const tr__kws *kw);

/* The plain twin: the same outputs, bit for bit, lane by lane on the
 * reference simulator (kernel_ref.c). */
void tr__kernel_chunk_ref(tr__kws *k, uint64_t seed, uint64_t first, size_t n, tr__chunk_out *out);

/* Simulate paths [first, first + n) with `seed` into out: the fast kernel,
 * unless kw->reference (kernel_ref.c, next to the twin it may choose). */
void tr__kernel_chunk(tr__kws *k, uint64_t seed, uint64_t first, size_t n, tr__chunk_out *out);

/* Put lane k's month-end cash path of trust i into a row of out: an
 * existing row (the last two are compared) or a new one. */
void tr__chunk_store_cash(tr__chunk_out *out, size_t i, size_t k, const double *cash, size_t H);

#endif /* TR_KERNEL_H */
