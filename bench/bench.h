/*
 * bench.h - what the parts of trustrisk-bench share.
 *
 * bench.c runs the workloads and reports; floor.c holds what needs the
 * engine's private interfaces and its vectorisation flags (the set-up
 * timing, the draw census and the random-number floor); ccruncher.c runs
 * the CCruncher peer on the credit workload and checks both against the
 * exact one-factor answer.
 */
#ifndef TR_BENCH_H
#define TR_BENCH_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "trustrisk/trustrisk.h"

/* Seconds on CLOCK_MONOTONIC, and this process's CPU seconds (all threads). */
double bench_now(void);
double bench_cpu(void);

/* ---- floor.c ------------------------------------------------------------ */

/* Preparing a run's plan (tr__plan_init) on one thread: wall and CPU seconds. */
int bench_plan_setup(const tr_config *cfg, double *wall, double *cpu);

/* The draws the block kernel makes over a sample of paths, in lane-draws as
 * the kernel counts them (kernel.h's census): continuous 64-bit uniforms
 * (half a Philox4x32 block each), event 32-bit uniforms (a quarter block)
 * and normal inversions; and one thread's CPU time for the kernel alone
 * (no statistics) over the sample. */
typedef struct bench_census {
    uint64_t paths; /* paths sampled: whole chunks */
    uint64_t u64, u32, normals;
    double kernel_cpu;
} bench_census;

/* The census over the first n paths (rounded up to whole chunks). */
int bench_take_census(const tr_config *cfg, uint64_t seed, uint64_t n, bench_census *out);

/* The random-number floor: generate what the census counted, spread over
 * `paths` paths, with the engine's generator in the kernel's loop shape at
 * `threads` threads; with_normals 0 leaves out the inversions. Wall and CPU
 * seconds; the values drawn are summed into *sink. */
void bench_floor_run(const bench_census *c, uint64_t seed, uint64_t paths, int threads,
                     int with_normals, double *wall, double *cpu, double *sink);

/* ---- ccruncher.c -------------------------------------------------------- */

/* The credit workload's parameters: n identical obligors, each defaulting
 * (a paper event that fails the trust) with probability pd over the
 * horizon, loaded w on one global factor under the Gaussian copula. */
typedef struct bench_credit {
    size_t n;
    double pd, w;
    int horizon;
    uint64_t seed;
} bench_credit;

/* Read them from the credit config; 0, or -1 with the reason in why. */
int bench_credit_read(const char *file, bench_credit *cp, char *why, size_t whylen);

/* The exact mean and variance of the number of defaults. */
void bench_credit_exact(const bench_credit *cp, double *mean, double *var);

/* Moments of a sample of the number of defaults: n draws, mean, variance,
 * fourth central moment (all 1/n). */
typedef struct bench_moments {
    double n, mean, var, m4;
} bench_moments;

/* From results.json's system.failures distribution; 0 or -1. */
int bench_moments_of_results(const char *results_json, bench_moments *m);

/* Standardised differences of a sample's mean and variance from the exact
 * ones (in standard errors; the variance's from the sample's m4). */
void bench_agreement(const bench_moments *m, double mean, double var, double *z_mean,
                     double *z_var);

/* A CCruncher run directory: the equivalent input written once, then runs. */
typedef struct bench_ccr {
    const char *exe;
    char version[64];
    char dir[PATH_MAX];
    char input[PATH_MAX + 16];
} bench_ccr;

/* Check the program, make a temporary directory and write the input for
 * `sims` simulations; 0, or -1 with the reason. */
int bench_ccr_prepare(bench_ccr *r, const char *exe, const bench_credit *cp, uint64_t sims,
                      char *why, size_t whylen);
/* One run at `threads` threads: wall and CPU seconds (the child's, from
 * wait4); 0 or -1. */
int bench_ccr_run(const bench_ccr *r, int threads, double *wall, double *cpu);
/* Moments of the last run's portfolio losses (defaults: EAD 1, LGD 100 %). */
int bench_ccr_moments(const bench_ccr *r, bench_moments *m);
/* Remove the directory and what is in it. */
void bench_ccr_cleanup(bench_ccr *r);

#endif /* TR_BENCH_H */
