/*
 * floor.c - the benchmark's measurements that need the engine's private
 * interfaces: the set-up (plan preparation), the census of the draws the
 * block kernel makes, and the random-number floor.
 *
 * The floor is the time needed just to generate the variates a run uses,
 * with the engine's own generator in the engine's own loop shape: threads
 * take blocks of TR_PATH_BLOCK paths dynamically (as parallel.h does), each
 * block is cut into chunks of TR__CHUNK paths (as run.c does), and for each
 * chunk every continuous draw is one tr__rng_u64_lanes call over the
 * chunk's paths, followed by tr__vnorm_inv_block where the kernel inverts
 * it, and every event draw one tr__rng_u32_lanes call (kernel.c draws
 * element by element in exactly these calls). How many of each a chunk
 * makes comes from the census, spread over the chunks in exact proportion.
 * This file is compiled with the kernel's two vectorisation options and
 * its batch is multi-versioned like the kernel, so the inversions run at
 * the kernel's speed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"
#include "kernel.h"
#include "plan.h"
#include "rng.h"
#include "vmath.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bench_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int bench_plan_setup(const tr_config *cfg, double *wall, double *cpu)
{
    tr_error err;
    tr_error_init(&err);
    tr__plan plan;
    double w0 = bench_now(), c0 = bench_cpu();
    tr_status st = tr__plan_init(&plan, cfg, 1, &err);
    *wall = bench_now() - w0;
    *cpu = bench_cpu() - c0;
    if (st != TR_OK) {
        tr_error_print(&err, stderr);
        tr_error_clear(&err);
        return -1;
    }
    tr__plan_free(&plan);
    tr_error_clear(&err);
    return 0;
}

int bench_take_census(const tr_config *cfg, uint64_t seed, uint64_t n, bench_census *out)
{
    memset(out, 0, sizeof *out);
    n = (n + TR__CHUNK - 1) / TR__CHUNK * TR__CHUNK;
    tr_error err;
    tr_error_init(&err);
    tr__plan plan;
    tr__kws kws;
    tr__chunk_out chunk;
    int rc = -1;
    if (tr__plan_init(&plan, cfg, 1, &err) != TR_OK) goto out;
    if (tr__kws_init(&kws, &plan, &err) != TR_OK) goto out_plan;
    if (tr__chunk_init(&chunk, &plan, &err) != TR_OK) goto out_kws;
    double c0 = bench_cpu();
    for (uint64_t p = 0; p < n; p += TR__CHUNK)
        tr__kernel_chunk(&kws, seed, p, TR__CHUNK, &chunk);
    out->kernel_cpu = bench_cpu() - c0;
    out->paths = n;
    out->u64 = kws.census.u64;
    out->u32 = kws.census.u32;
    out->normals = kws.census.normals;
    rc = 0;
    tr__chunk_free(&chunk);
out_kws:
    tr__kws_free(&kws);
out_plan:
    tr__plan_free(&plan);
out:
    if (rc) tr_error_print(&err, stderr);
    tr_error_clear(&err);
    return rc;
}

/* Chunk k's share of `total` calls over a census of n chunks: the census's
 * counts spread in exact proportion, so that the floor over n chunks makes
 * exactly the calls the census counted, and over more chunks at the same
 * rate. */
static uint64_t share(uint64_t total, uint64_t n, uint64_t k)
{
    k %= n;
    return total * (k + 1) / n - total * k / n;
}

/* Lane-draws to calls over whole chunks (the kernel draws each element for
 * all a chunk's lanes in one call). */
static uint64_t calls(uint64_t lane_draws)
{
    return (lane_draws + TR__CHUNK / 2) / TR__CHUNK;
}

/* One chunk of n paths from `first`: nu64 continuous draws, the first nn of
 * them inverted to normals, then nu32 event draws, each over the chunk's
 * lanes. Owners are distinct per draw (the cost does not depend on them). */
TR__VCLONES static double floor_chunk(tr__rng_key key, uint64_t first, size_t n, uint64_t nu64,
                                      uint64_t nn, uint64_t nu32)
{
    double u[TR__CHUNK], z[TR__CHUNK], acc[TR__CHUNK];
    for (size_t l = 0; l < n; l++)
        acc[l] = 0.0;
    for (uint64_t e = 0; e < nu64 || e < nn; e++) {
        uint64_t owner = UINT64_C(0x9e3779b97f4a7c15) * (e + 1);
        tr__rng_u64_lanes(key, owner, 0, first, n, u);
        if (e < nn) {
            tr__vnorm_inv_block(u, z, n);
            for (size_t l = 0; l < n; l++)
                acc[l] += z[l];
        } else {
            for (size_t l = 0; l < n; l++)
                acc[l] += u[l];
        }
    }
    for (uint64_t e = 0; e < nu32; e++) {
        uint64_t owner = UINT64_C(0xbf58476d1ce4e5b9) * (e + 1);
        tr__rng_u32_lanes(key, owner, 2, first, n, u);
        for (size_t l = 0; l < n; l++)
            acc[l] += u[l];
    }
    double s = 0.0;
    for (size_t l = 0; l < n; l++)
        s += acc[l];
    return s;
}

void bench_floor_run(const bench_census *c, uint64_t seed, uint64_t paths, int threads,
                     int with_normals, double *wall, double *cpu, double *sink)
{
    const uint64_t B = TR_PATH_BLOCK;
    const long long nblocks = (long long)((paths + B - 1) / B);
    const uint64_t cen_chunks = c->paths / TR__CHUNK;
    const tr__rng_key key = tr__rng_key_of(seed);
    double sum = 0.0;
    double w0 = bench_now(), c0 = bench_cpu();
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : sum)
#endif
    for (long long b = 0; b < nblocks; b++) {
        uint64_t lo = (uint64_t)b * B, hi = lo + B < paths ? lo + B : paths;
        for (uint64_t p = lo; p < hi; p += TR__CHUNK) {
            size_t n = hi - p < TR__CHUNK ? (size_t)(hi - p) : TR__CHUNK;
            uint64_t k = p / TR__CHUNK;
            sum += floor_chunk(key, p, n, share(calls(c->u64), cen_chunks, k),
                               with_normals ? share(calls(c->normals), cen_chunks, k) : 0,
                               share(calls(c->u32), cen_chunks, k));
        }
    }
    *wall = bench_now() - w0;
    *cpu = bench_cpu() - c0;
    (void)threads;
    *sink += sum;
}
