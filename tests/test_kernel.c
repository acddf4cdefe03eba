/*
 * test_kernel.c - the block kernel against its plain twin.
 *
 * The fast kernel (kernel.c) must give every path bit for bit what the
 * reference simulator gives it (kernel_ref.c, lane by lane on sim.c): every
 * output of every lane, on every bundled and bench config, for chunks that
 * start anywhere (aligned or not, full or short) and for runs of
 * consecutive chunks (the kernel's repeat cache carries over between them).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "trustrisk/config.h"

static tr_config *load_file(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", TR_SOURCE_DIR, rel);
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    if (tr_config_load_file(path, &cfg, &err) != TR_OK) tr_error_print(&err, stderr);
    tr_error_clear(&err);
    cr_assert_not_null(cfg, "%s", rel);
    return cfg;
}

/* Lane l of two chunks agrees bit for bit in every output. */
static void same_lane(const tr__plan *pl, const tr__chunk_out *a, const tr__chunk_out *b, size_t l,
                      const char *what)
{
    const size_t C = TR__CHUNK, H = (size_t)pl->horizon;
    cr_assert_eq(memcmp(&a->w[l], &b->w[l], sizeof(double)), 0, "%s lane %zu: weight", what, l);
    for (size_t i = 0; i < pl->n_trusts; i++) {
        cr_assert_eq(a->fail[i * C + l], b->fail[i * C + l], "%s lane %zu trust %zu: failure month",
                     what, l, i);
        cr_assert_eq(memcmp(&a->bo[i * C + l], &b->bo[i * C + l], sizeof(double)), 0,
                     "%s lane %zu trust %zu: BO %.17g vs %.17g", what, l, i, a->bo[i * C + l],
                     b->bo[i * C + l]);
        const double *ca = a->cash + (i * C + a->cref[i * C + l]) * H;
        const double *cb = b->cash + (i * C + b->cref[i * C + l]) * H;
        cr_assert_eq(memcmp(ca, cb, H * sizeof(double)), 0, "%s lane %zu trust %zu: cash", what, l,
                     i);
    }
    for (size_t s = 0; s < pl->n_schemes; s++)
        cr_assert_eq(memcmp(&a->sf[s * C + l], &b->sf[s * C + l], sizeof(double)), 0,
                     "%s lane %zu scheme %zu: shortfall %.17g vs %.17g", what, l, s,
                     a->sf[s * C + l], b->sf[s * C + l]);
    for (size_t c = 0; c < pl->n_consortia; c++) {
        cr_assert_eq(memcmp(&a->req[c * C + l], &b->req[c * C + l], sizeof(double)), 0,
                     "%s lane %zu consortium %zu: requested", what, l, c);
        cr_assert_eq(memcmp(&a->paid[c * C + l], &b->paid[c * C + l], sizeof(double)), 0,
                     "%s lane %zu consortium %zu: paid", what, l, c);
        cr_assert_eq(a->exh[c * C + l], b->exh[c * C + l], "%s lane %zu consortium %zu: exhausted",
                     what, l, c);
    }
    cr_assert_eq(a->nfail[l], b->nfail[l], "%s lane %zu: trusts failing", what, l);
    cr_assert_eq(memcmp(&a->sys_bo[l], &b->sys_bo[l], sizeof(double)), 0, "%s lane %zu: total",
                 what, l);
    cr_assert_eq(memcmp(&a->sys_top[l], &b->sys_top[l], sizeof(double)), 0,
                 "%s lane %zu: national top-up %.17g vs %.17g", what, l, a->sys_top[l],
                 b->sys_top[l]);
}

/* Both kernels over `nchunks` consecutive chunks of n paths from `first`. */
static void compare(const char *rel, uint64_t seed, uint64_t first, size_t n, int nchunks)
{
    tr_config *cfg = load_file(rel);
    tr_error err;
    tr_error_init(&err);
    tr__plan plan;
    cr_assert_eq(tr__plan_init(&plan, cfg, 1, &err), TR_OK);
    tr__kws fast, ref;
    tr__chunk_out a, b;
    cr_assert_eq(tr__kws_init(&fast, &plan, &err), TR_OK);
    cr_assert_eq(tr__kws_init(&ref, &plan, &err), TR_OK);
    ref.reference = 1;
    cr_assert_eq(tr__chunk_init(&a, &plan, &err), TR_OK);
    cr_assert_eq(tr__chunk_init(&b, &plan, &err), TR_OK);
    for (int c = 0; c < nchunks; c++) {
        uint64_t p = first + (uint64_t)c * n;
        tr__kernel_chunk(&fast, seed, p, n, &a);
        tr__kernel_chunk(&ref, seed, p, n, &b);
        cr_assert_eq(a.first, b.first);
        cr_assert_eq(a.n, b.n);
        char what[256];
        snprintf(what, sizeof what, "%s paths %llu+%zu", rel, (unsigned long long)p, n);
        for (size_t l = 0; l < n; l++)
            same_lane(&plan, &a, &b, l, what);
    }
    tr__chunk_free(&a);
    tr__chunk_free(&b);
    tr__kws_free(&fast);
    tr__kws_free(&ref);
    tr__plan_free(&plan);
    tr_config_free(cfg);
    tr_error_clear(&err);
}

static const char *const bundled[] = {"configs/example.json",
                                      "configs/region.json",
                                      "configs/south-london-2012.json",
                                      "configs/mid-staffordshire.json",
                                      "configs/peterborough-stamford.json",
                                      "configs/north-london-chase-farm.json"};

Test(kernel, bundled_configs_bit_for_bit)
{
    for (size_t k = 0; k < sizeof bundled / sizeof *bundled; k++) {
        compare(bundled[k], 1, 0, TR__CHUNK, 4);       /* aligned, consecutive */
        compare(bundled[k], 77, 1003, 37, 3);          /* unaligned, short */
        compare(bundled[k], 5, 4294967295u - 3, 1, 3); /* the last paths, one at a time */
    }
}

Test(kernel, credit_workload_bit_for_bit)
{
    /* Many trusts flipping between two outcomes: the repeat cache's case. */
    compare("bench/credit.json", 3, 0, TR__CHUNK, 6);
    compare("bench/credit.json", 3, 130, 61, 2);
}

Test(kernel, national_workload_bit_for_bit)
{
    compare("bench/national.json", 20120716, 0, TR__CHUNK, 1);
    compare("bench/national.json", 9, 65, 23, 1);
}

Test(kernel, importance_sampling_bit_for_bit)
{
    /* shifted draws (a global and a consortium-scoped factor) and weights */
    compare("tests/data/example-shift.json", 1, 0, TR__CHUNK, 4);
    compare("tests/data/example-shift.json", 8, 1003, 37, 3);
}

Test(kernel, edge_cases_bit_for_bit)
{
    /* a cash path exactly on its floor and a request exactly emptying a
     * reserve; a trust whose only random element is its cost growth (the
     * repeat cache's key must hold it); an event-only trust of two schemes
     * with paper, compromise and stay events (one outcome code for both) */
    compare("tests/data/kernel-edges.json", 1, 0, TR__CHUNK, 4);
    compare("tests/data/kernel-edges.json", 4, 1003, 37, 3);
}

Test(kernel, exact_floor_and_exact_reserve_by_hand)
{
    /* Trust at-floor: cash 10, income 10 and spending 20 a month, floor 0.
     * Month 1 ends exactly on the floor (not a failure); month 2 falls to
     * -10, fails and is bailed out by 10, which exactly empties c1's reserve
     * of 10 (not exhausted: nothing is left unpaid); month 3's request of
     * 10 finds the reserve empty. Every amount is exact in binary. */
    tr_config *cfg = load_file("tests/data/kernel-edges.json");
    tr_error err;
    tr_error_init(&err);
    tr__plan plan;
    cr_assert_eq(tr__plan_init(&plan, cfg, 1, &err), TR_OK);
    tr__kws kw;
    tr__chunk_out a;
    cr_assert_eq(tr__kws_init(&kw, &plan, &err), TR_OK);
    cr_assert_eq(tr__chunk_init(&a, &plan, &err), TR_OK);
    tr__kernel_chunk(&kw, 9, 0, 5, &a);
    const size_t C = TR__CHUNK, H = (size_t)plan.horizon;
    for (size_t l = 0; l < 5; l++) {
        cr_assert_eq(a.fail[0 * C + l], 2, "lane %zu: failure month %d", l, a.fail[l]);
        cr_assert_eq(a.bo[0 * C + l], 110.0, "lane %zu: BO %.17g", l, a.bo[l]);
        const double *cash = a.cash + (0 * C + a.cref[l]) * H;
        cr_assert_eq(cash[0], 0.0, "lane %zu: month 1 ends on the floor", l);
        cr_assert_eq(a.exh[0 * C + l], 3, "lane %zu: c1 exhausted in month %d", l, a.exh[l]);
        cr_assert_eq(a.req[0 * C + l], 110.0);
        cr_assert_eq(a.paid[0 * C + l], 10.0);
    }
    tr__chunk_free(&a);
    tr__kws_free(&kw);
    tr__plan_free(&plan);
    tr_config_free(cfg);
    tr_error_clear(&err);
}
