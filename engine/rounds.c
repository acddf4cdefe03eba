/*
 * rounds.c - a run's blocks in rounds of parallel work (see rounds.h).
 *
 * A round is a few blocks a thread (so threads stay busy with dynamic
 * scheduling, and a stop or a checkpoint never waits long), in increasing
 * order of block number. The blocks done are counted only within [lo, hi):
 * a resumed run's set never holds others.
 */
#include "rounds.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCKS_PER_THREAD 4

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

tr_status tr__blockset_add(tr__blockset *s, uint64_t lo, uint64_t hi)
{
    if (lo >= hi) return TR_OK;
    uint64_t *r = realloc(s->r, (2 * s->n + 2) * sizeof *r);
    if (!r) return TR_E_NOMEM;
    s->r = r;
    size_t n = s->n, k = n;
    while (k > 0 && r[2 * (k - 1)] > lo) { /* keep the ranges in order */
        r[2 * k] = r[2 * (k - 1)];
        r[2 * k + 1] = r[2 * (k - 1) + 1];
        k--;
    }
    r[2 * k] = lo;
    r[2 * k + 1] = hi;
    n++;
    size_t m = 0; /* join the ranges that touch or overlap */
    for (size_t j = 0; j < n; j++) {
        if (m > 0 && r[2 * j] <= r[2 * m - 1]) {
            if (r[2 * j + 1] > r[2 * m - 1]) r[2 * m - 1] = r[2 * j + 1];
        } else {
            r[2 * m] = r[2 * j];
            r[2 * m + 1] = r[2 * j + 1];
            m++;
        }
    }
    s->n = m;
    return TR_OK;
}

int tr__blockset_has(const tr__blockset *s, uint64_t b)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->r[2 * mid + 1] <= b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->r[2 * lo] <= b;
}

uint64_t tr__blockset_count(const tr__blockset *s)
{
    uint64_t c = 0;
    for (size_t k = 0; k < s->n; k++)
        c += s->r[2 * k + 1] - s->r[2 * k];
    return c;
}

void tr__blockset_free(tr__blockset *s)
{
    free(s->r);
    s->r = NULL;
    s->n = 0;
}

uint64_t tr__rounds_boundary_after(uint64_t b)
{
    if (b < 64) {
        uint64_t x = 1;
        while (x <= b)
            x *= 2;
        return x;
    }
    return (b / 64 + 1) * 64;
}

/* Is every block of [lo, hi) done? */
static int all_done(const tr__blockset *s, uint64_t lo, uint64_t hi)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->r[2 * k] <= lo && s->r[2 * k + 1] >= hi) return 1;
    return lo >= hi;
}

/* Is any block at or after b done? */
static int any_after(const tr__blockset *s, uint64_t b)
{
    return s->n > 0 && s->r[2 * s->n - 1] > b;
}

/* One round: up to cap blocks of [*next, stop) not yet done. */
static tr_status one_round(tr__rounds *r, uint64_t *next, uint64_t stop, size_t cap, int *did)
{
    size_t n = 0;
    for (; *next < stop && n < cap; (*next)++)
        if (!tr__blockset_has(r->done, *next)) r->round[n++] = *next;
    *did = n > 0;
    if (n == 0) return TR_OK;
    memset(r->round_done, 0, n);
    int used = tr__parallel_workers(n, r->threads, r->w, r->ctx, r->failed);
    if (used > r->used_threads) r->used_threads = used;
    for (size_t k = 0; k < n; k++)
        if (r->round_done[k] && tr__blockset_add(r->done, r->round[k], r->round[k] + 1))
            return TR_E_NOMEM;
    if (tr__flag_get(r->failed)) return TR_E_INTERNAL; /* the caller's error says what */
    if (r->stop && *r->stop && tr__blockset_count(r->done) < r->hi - r->lo) return TR_E_INTERRUPTED;
    return TR_OK;
}

tr_status tr__rounds_run(tr__rounds *r)
{
    int nthreads = tr__threads_default(r->threads);
    size_t cap = (size_t)nthreads * BLOCKS_PER_THREAD;
    r->round = calloc(cap, sizeof *r->round);
    r->round_done = calloc(cap, 1);
    r->end = r->hi;
    if (!r->round || !r->round_done) {
        free(r->round);
        free(r->round_done);
        return TR_E_NOMEM;
    }
    tr_status st = TR_OK;
    double last = now_seconds();
    r->used_threads = 1;
    /* the stages: one, [lo, hi), without a check */
    uint64_t stage = r->check ? r->lo + 1 : r->hi;
    if (stage > r->hi) stage = r->hi;
    uint64_t next = r->lo;
    for (;;) {
        int did = 0;
        st = one_round(r, &next, stage, cap, &did);
        if (st != TR_OK) break;
        if (did && r->every > 0 && r->checkpoint && now_seconds() - last >= r->every) {
            if (r->checkpoint(r->ctx) != 0) {
                st = TR_E_IO;
                break;
            }
            last = now_seconds();
        }
        if (did) continue;
        /* every block before `stage` is done */
        if (stage >= r->hi) break;
        if (r->check && all_done(r->done, r->lo, stage) && !any_after(r->done, stage) &&
            r->check(r->ctx, stage)) {
            r->end = stage;
            break;
        }
        next = stage;
        stage = r->lo + tr__rounds_boundary_after(stage - r->lo);
        if (stage > r->hi) stage = r->hi;
    }
    free(r->round);
    free(r->round_done);
    r->round = NULL;
    r->round_done = NULL;
    return st;
}
