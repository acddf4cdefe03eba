/*
 * vmath_bench.c - trustrisk-bench-vmath, the cost of engine/vmath.h (issue 10).
 *
 * For each function it times, in nanoseconds per value:
 *   - scalar: one call at a time through a non-inlined wrapper, as a libm
 *     call is made (so both pay a call), for vmath and for what the engine
 *     uses today (libm log, exp and pow; rng.c's tr__norm_inv and
 *     tr__norm_cdf; stats.c's tr__hist_index);
 *   - batch: a plain loop over an array, compiled here for the x86-64
 *     baseline (SSE2, what the project builds without multi-versioning), for
 *     AVX2 and for AVX-512 (target attributes), and the library's tr__v*_n,
 *     which dispatches to the widest clone the CPU has. For norm_inv the
 *     loop is tr__vnorm_inv_block (two passes); "1-pass" is a plain loop
 *     over tr__vnorm_inv.
 * Inputs are 4096 values in each function's working range (in L1/L2 cache);
 * each figure is the best of 7 timings of at least 20 ms of this thread's CPU
 * time (CLOCK_THREAD_CPUTIME_ID), to shed the noise of a shared machine. Every batch result is
 * checked against the scalar one, bit for bit.
 *
 * It also prints a hash of libm's log, exp and pow over a million inputs and
 * the same for vmath: run it again under
 *   GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA
 * and compare, to see whether glibc's results depend on the CPU's features
 * (vmath's must not). This file is compiled with -fno-math-errno
 * -fno-trapping-math, as code that vectorises over vmath must be.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"
#include "stats.h"
#include "vmath.h"

#define N 4096
#define REPEATS 7
#define MIN_SECONDS 0.02

typedef double (*scalar_fn)(double);
typedef void (*batch_fn)(const double *, double *, size_t);

/* CPU time of this thread: on a shared machine, time spent descheduled is
 * not the function's. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- The functions timed --------------------------------------------------- */

#define NOINLINE __attribute__((noinline))

/* Forced inline like vmath's own functions, or loops over it stay scalar. */
__attribute__((always_inline)) static inline double pow12(double x)
{
    return tr__vpow(x, 1.0 / 12.0);
}

__attribute__((always_inline)) static inline double hist_as_double(double x)
{
    return (double)tr__vhist_index(x);
}

static double old_hist_as_double(double x)
{
    return (double)tr__hist_index(x);
}

/* One call at a time, as a libm call is made. */
#define SCALAR(name, expr)                                                                         \
    NOINLINE static double name(double x)                                                          \
    {                                                                                              \
        return expr;                                                                               \
    }
SCALAR(s_vlog, tr__vlog(x))
SCALAR(s_vexp, tr__vexp(x))
SCALAR(s_vpow, pow12(x))
SCALAR(s_vinv, tr__vnorm_inv(x))
SCALAR(s_vcdf, tr__vnorm_cdf(x))
SCALAR(s_vhist, hist_as_double(x))
SCALAR(s_libm_pow, pow(x, 1.0 / 12.0))

/* One loop, compiled for each instruction set. */
#define LOOP(name, fn, attr)                                                                       \
    attr static void name(const double *x, double *y, size_t n)                                    \
    {                                                                                              \
        for (size_t i = 0; i < n; i++)                                                             \
            y[i] = fn(x[i]);                                                                       \
    }
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HAVE_ISA_LOOPS 1
#define LOOPS(fn)                                                                                  \
    LOOP(fn##_base, fn, NOINLINE)                                                                  \
    LOOP(fn##_avx2, fn, NOINLINE __attribute__((target("avx2"))))                                  \
    LOOP(fn##_avx512, fn, NOINLINE __attribute__((target("avx512f"))))
#else
#define LOOPS(fn) LOOP(fn##_base, fn, NOINLINE)
#endif
LOOPS(tr__vlog)
LOOPS(tr__vexp)
LOOPS(pow12)
LOOPS(tr__vnorm_inv)

/* The same, for tr__vnorm_inv_block. */
#define BLOCK(name, attr)                                                                          \
    attr static void name(const double *x, double *y, size_t n)                                    \
    {                                                                                              \
        tr__vnorm_inv_block(x, y, n);                                                              \
    }
#if defined(HAVE_ISA_LOOPS)
BLOCK(block_base, NOINLINE)
BLOCK(block_avx2, NOINLINE __attribute__((target("avx2"))))
BLOCK(block_avx512, NOINLINE __attribute__((target("avx512f"))))
#else
BLOCK(block_base, NOINLINE)
#endif
LOOPS(tr__vnorm_cdf)
LOOPS(hist_as_double)

static void hist_lib(const double *x, double *y, size_t n)
{
    uint32_t idx[N];
    tr__vhist_index_n(x, idx, n);
    for (size_t i = 0; i < n; i++)
        y[i] = (double)idx[i];
}

/* ---- Timing ------------------------------------------------------------------- */

static double best_of(void (*run)(const void *, const double *, double *), const void *fn,
                      const double *x, double *y)
{
    size_t reps = 1;
    for (;;) { /* calibrate to MIN_SECONDS */
        double t0 = now();
        for (size_t r = 0; r < reps; r++)
            run(fn, x, y);
        if (now() - t0 >= MIN_SECONDS) break;
        reps *= 2;
    }
    double best = 1e30;
    for (int k = 0; k < REPEATS; k++) {
        double t0 = now();
        for (size_t r = 0; r < reps; r++)
            run(fn, x, y);
        double t = (now() - t0) / (double)(reps * N) * 1e9;
        if (t < best) best = t;
    }
    return best;
}

static void run_scalar(const void *fn, const double *x, double *y)
{
    scalar_fn f = *(const scalar_fn *)fn;
    for (size_t i = 0; i < N; i++)
        y[i] = f(x[i]);
}

static void run_batch(const void *fn, const double *x, double *y)
{
    (*(const batch_fn *)fn)(x, y, N);
}

static double time_scalar(scalar_fn f, const double *x, double *y)
{
    return best_of(run_scalar, &f, x, y);
}

static double time_batch(batch_fn f, const double *x, double *y, scalar_fn reference)
{
    if (!f) return NAN;
    double t = best_of(run_batch, &f, x, y);
    for (size_t i = 0; i < N; i++) {
        double s = reference(x[i]);
        if (memcmp(&s, &y[i], sizeof s) != 0) {
            fprintf(stderr, "batch result differs at x = %a: %a vs %a\n", x[i], y[i], s);
            exit(1);
        }
    }
    return t;
}

/* ---- Inputs -------------------------------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static double rnd01(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return tr__u01(rnd_state);
}

enum { IN_LOG, IN_EXP, IN_POW, IN_INV, IN_CDF, IN_HIST };

static void fill(double *x, int kind)
{
    for (size_t i = 0; i < N; i++) {
        double u = rnd01();
        switch (kind) {
        case IN_LOG:
            x[i] = exp(60.0 * u - 30.0);
            break;
        case IN_EXP:
            x[i] = 100.0 * u - 50.0;
            break;
        case IN_POW:
            x[i] = 0.8 + 0.4 * u;
            break; /* 1 + g */
        case IN_INV:
            x[i] = u;
            break; /* 15 % in the tails */
        case IN_CDF:
            x[i] = 12.0 * u - 8.0;
            break; /* event thresholds */
        default:
            x[i] = (u - 0.5) * exp(20.0 * rnd01() - 4.0);
            break; /* money, both signs */
        }
    }
}

/* ---- Report --------------------------------------------------------------------- */

typedef struct {
    const char *name, *today_name;
    int input;
    scalar_fn scalar, today, reference;
    batch_fn lib, base, avx2, avx512;
} row;

static void print_ns(double t)
{
    if (isnan(t))
        printf(" %8s", "n/a");
    else
        printf(" %8.2f", t);
}

static void print_row(const row *r, double *x, double *y)
{
    fill(x, r->input);
    printf("%-15s", r->name);
    print_ns(time_scalar(r->today, x, y));
    print_ns(time_scalar(r->scalar, x, y));
    printf("  %-14s", r->today_name);
    print_ns(time_batch(r->base, x, y, r->reference));
    print_ns(time_batch(r->avx2, x, y, r->reference));
    print_ns(time_batch(r->avx512, x, y, r->reference));
    print_ns(time_batch(r->lib, x, y, r->reference));
    printf("\n");
}

static uint64_t hash_outputs(scalar_fn f, int kind)
{
    uint64_t h = 0xcbf29ce484222325u;
    double x[N];
    rnd_state = 12345;
    for (int block = 0; block < 256; block++) {
        fill(x, kind);
        for (size_t i = 0; i < N; i++) {
            double y = f(x[i]);
            uint64_t b;
            memcpy(&b, &y, sizeof b);
            h = (h ^ b) * 0x100000001b3u;
        }
    }
    return h;
}

int main(void)
{
    static double x[N], y[N];
#if defined(HAVE_ISA_LOOPS)
    __builtin_cpu_init();
    int has2 = __builtin_cpu_supports("avx2"), has5 = __builtin_cpu_supports("avx512f");
#define ISA(fn) fn##_base, has2 ? fn##_avx2 : NULL, has5 ? fn##_avx512 : NULL
#else
    int has2 = 0, has5 = 0;
#define ISA(fn) fn##_base, NULL, NULL
#endif
    const row rows[] = {
        {"log", "libm log", IN_LOG, s_vlog, log, tr__vlog, tr__vlog_n, ISA(tr__vlog)},
        {"exp", "libm exp", IN_EXP, s_vexp, exp, tr__vexp, tr__vexp_n, ISA(tr__vexp)},
        {"pow(x, 1/12)", "libm pow", IN_POW, s_vpow, s_libm_pow, pow12, NULL, ISA(pow12)},
        {"norm_inv", "tr__norm_inv", IN_INV, s_vinv, tr__norm_inv, tr__vnorm_inv, tr__vnorm_inv_n,
         ISA(block)},
        {"norm_inv 1-pass", "tr__norm_inv", IN_INV, s_vinv, tr__norm_inv, tr__vnorm_inv, NULL,
         ISA(tr__vnorm_inv)},
        {"norm_cdf", "tr__norm_cdf", IN_CDF, s_vcdf, tr__norm_cdf, tr__vnorm_cdf, tr__vnorm_cdf_n,
         ISA(tr__vnorm_cdf)},
        {"hist_index", "tr__hist_index", IN_HIST, s_vhist, old_hist_as_double, hist_as_double,
         hist_lib, ISA(hist_as_double)},
    };
    printf("trustrisk-bench-vmath: ns per value (best of %d); CPU has AVX2: %s, AVX-512F: %s\n",
           REPEATS, has2 ? "yes" : "no", has5 ? "yes" : "no");
    printf("%-15s %8s %8s  %-14s %8s %8s %8s %8s\n", "function", "today", "vmath", "(today is)",
           "SSE2", "AVX2", "AVX-512", "library");
    printf("%-15s %8s %8s  %-14s %8s %8s %8s %8s\n", "", "scalar", "scalar", "", "batch", "batch",
           "batch", "batch");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        print_row(&rows[i], x, y);
    printf("(n/a: the instruction set is missing, or the library has no batch form)\n\n");

    printf("result hashes over 1M inputs (compare runs under GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,"
           "-FMA):\n");
    printf("  libm  log %016llx  exp %016llx  pow %016llx\n",
           (unsigned long long)hash_outputs(log, IN_LOG),
           (unsigned long long)hash_outputs(exp, IN_EXP),
           (unsigned long long)hash_outputs(s_libm_pow, IN_POW));
    printf("  vmath log %016llx  exp %016llx  pow %016llx\n",
           (unsigned long long)hash_outputs(s_vlog, IN_LOG),
           (unsigned long long)hash_outputs(s_vexp, IN_EXP),
           (unsigned long long)hash_outputs(s_vpow, IN_POW));
    return 0;
}
