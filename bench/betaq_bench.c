/*
 * betaq_bench.c - trustrisk-betaq-bench: the beta quantile tables (issue 10).
 *
 * Measures, for tr__betaq (engine/betaq.c) and, for comparison, the table it
 * is meant to replace (tr__qtable_build / tr__dist_quantile in dist.c):
 *   - build time per shape over --shapes distinct random shapes, alpha and
 *     beta drawn log-uniformly from [--lo, --hi] (default 4,400 shapes in
 *     [0.5, 60], as a national config with one beta delivery shape per
 *     scheme); the old table is timed on the first --old shapes only (it
 *     takes milliseconds each) and its total extrapolated;
 *   - memory per table (bytes) and, for the new table, pieces per table;
 *   - evaluation time per quantile, on the engine's own uniforms (tr__u01 of
 *     64-bit words, so u in [2^-53, 1 - 2^-53]): one table in cache, scalar
 *     (tr__betaq_eval) and batch (tr__betaq_eval_n, in blocks of --batch);
 *     and cycling through the tables (one quantile per table in turn, as
 *     the simulation draws them, so memory traffic counts): through the
 *     first --old, new and old alike, and through all of the new.
 * Times are wall clock (CLOCK_MONOTONIC) and this thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID; on a busy machine the second is the fairer);
 * each evaluation figure is the best of --repeat runs. Not a test: it only
 * reports, and checks that the scalar and batch results agree bit for bit.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "betaq.h"
#include "dist.h"
#include "rng.h"

typedef struct options {
    size_t shapes, old, batch, evals;
    double lo, hi;
    int repeat;
} options;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median, 90th percentile and maximum of v[0..n-1] (sorts v). */
static void summary(double *v, size_t n, double *med, double *p90, double *max)
{
    qsort(v, n, sizeof *v, cmp_double);
    *med = v[n / 2];
    *p90 = v[(n * 9) / 10];
    *max = v[n - 1];
}

static int parse(int argc, char **argv, options *o)
{
    *o = (options){4400, 100, 256, 1000000, 0.5, 60.0, 5};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) goto usage;
        if (strcmp(a, "--shapes") == 0)
            o->shapes = strtoul(v, NULL, 10);
        else if (strcmp(a, "--old") == 0)
            o->old = strtoul(v, NULL, 10);
        else if (strcmp(a, "--batch") == 0)
            o->batch = strtoul(v, NULL, 10);
        else if (strcmp(a, "--evals") == 0)
            o->evals = strtoul(v, NULL, 10);
        else if (strcmp(a, "--lo") == 0)
            o->lo = strtod(v, NULL);
        else if (strcmp(a, "--hi") == 0)
            o->hi = strtod(v, NULL);
        else if (strcmp(a, "--repeat") == 0)
            o->repeat = atoi(v);
        else
            goto usage;
        i++;
    }
    if (o->shapes < 1 || o->batch < 1 || o->evals < o->batch || o->repeat < 1 ||
        !(o->lo > 0.0 && o->hi >= o->lo) || o->old > o->shapes)
        goto usage;
    return 0;
usage:
    fprintf(stderr, "usage: trustrisk-betaq-bench [--shapes N] [--old N] [--lo A] [--hi B]\n"
                    "       [--evals N] [--batch N] [--repeat N]\n");
    return 2;
}

static tr__dist beta_dist(double a, double b)
{
    return (tr__dist){.kind = TR__DIST_BETA, .alpha = a, .beta = b, .min = 0.0, .max = 1.0};
}

int main(int argc, char **argv)
{
    options o;
    if (parse(argc, argv, &o) != 0) return 2;
    size_t ns = o.shapes;
    double *sa = malloc(ns * sizeof *sa), *sb = malloc(ns * sizeof *sb);
    double *tw = malloc(ns * sizeof *tw), *tc = malloc(ns * sizeof *tc);
    tr__betaq **tab = calloc(ns, sizeof *tab);
    size_t ne = o.evals;
    double *u = malloc(ne * sizeof *u), *x1 = malloc(ne * sizeof *x1);
    double *x2 = malloc(ne * sizeof *x2);
    if (!sa || !sb || !tw || !tc || !tab || !u || !x1 || !x2) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    uint64_t seed = 20240610u;
    for (size_t i = 0; i < ns; i++) {
        sa[i] = o.lo * pow(o.hi / o.lo, (double)(splitmix64(&seed) >> 11) * 0x1p-53);
        sb[i] = o.lo * pow(o.hi / o.lo, (double)(splitmix64(&seed) >> 11) * 0x1p-53);
    }
    for (size_t i = 0; i < ne; i++)
        u[i] = tr__u01(splitmix64(&seed));

    /* ---- build ---- */
    double bytes = 0.0, pieces = 0.0, worst_err = 0.0, maxbytes = 0.0;
    double w0 = wall_now(), c0 = cpu_now();
    for (size_t i = 0; i < ns; i++) {
        tr_error err;
        tr_error_init(&err);
        double a = wall_now(), b = cpu_now();
        tr_status st = tr__betaq_build(sa[i], sb[i], &tab[i], &err);
        tw[i] = wall_now() - a;
        tc[i] = cpu_now() - b;
        if (st != TR_OK) {
            fprintf(stderr, "build failed for (%g, %g):\n", sa[i], sb[i]);
            tr_error_print(&err, stderr);
            return 1;
        }
        tr_error_clear(&err);
        bytes += (double)tr__betaq_bytes(tab[i]);
        if ((double)tr__betaq_bytes(tab[i]) > maxbytes) maxbytes = (double)tr__betaq_bytes(tab[i]);
        pieces += (double)tr__betaq_pieces(tab[i]);
        if (tr__betaq_error(tab[i]) > worst_err) worst_err = tr__betaq_error(tab[i]);
    }
    double wall_total = wall_now() - w0, cpu_total = cpu_now() - c0;
    double med, p90, max, cmed, cp90, cmax;
    summary(tw, ns, &med, &p90, &max);
    summary(tc, ns, &cmed, &cp90, &cmax);
    printf("trustrisk-betaq-bench: %zu shapes, alpha and beta log-uniform in [%g, %g]\n\n", ns,
           o.lo, o.hi);
    printf("new table (tr__betaq)\n");
    printf("  build, us per shape   wall: median %.1f  p90 %.1f  max %.1f   "
           "cpu: median %.1f  p90 %.1f  max %.1f\n",
           1e6 * med, 1e6 * p90, 1e6 * max, 1e6 * cmed, 1e6 * cp90, 1e6 * cmax);
    printf("  build, all shapes     wall %.3f s   cpu %.3f s\n", wall_total, cpu_total);
    printf("  memory per table      mean %.0f B  max %.0f B   pieces mean %.1f\n", bytes / ns,
           maxbytes, pieces / ns);
    printf("  worst error the builds estimated: %.2g\n", worst_err);

    /* ---- old table, on the first o.old shapes ---- */
    tr__qtable **old = calloc(o.old ? o.old : 1, sizeof *old);
    double old_bytes = 0.0;
    if (!old) return 1;
    if (o.old > 0) {
        for (size_t i = 0; i < o.old; i++) {
            tr__dist d = beta_dist(sa[i], sb[i]);
            tr_error err;
            tr_error_init(&err);
            double a = wall_now(), b = cpu_now();
            tr_status st = tr__qtable_build(&d, &old[i], &err);
            tw[i] = wall_now() - a;
            tc[i] = cpu_now() - b;
            if (st != TR_OK) {
                tr_error_print(&err, stderr);
                return 1;
            }
            tr_error_clear(&err);
            old_bytes += (double)tr__qtable_bytes(old[i]);
        }
        double sum = 0.0;
        for (size_t i = 0; i < o.old; i++)
            sum += tc[i];
        summary(tw, o.old, &med, &p90, &max);
        summary(tc, o.old, &cmed, &cp90, &cmax);
        printf("\nold table (tr__qtable_build), first %zu shapes\n", o.old);
        printf("  build, us per shape   wall: median %.1f  p90 %.1f  max %.1f   "
               "cpu: median %.1f  p90 %.1f  max %.1f\n",
               1e6 * med, 1e6 * p90, 1e6 * max, 1e6 * cmed, 1e6 * cp90, 1e6 * cmax);
        printf("  build, all %zu shapes (extrapolated from the mean cpu time) %.1f s\n", ns,
               sum / (double)o.old * (double)ns);
        printf("  memory per table      mean %.0f B\n", old_bytes / (double)o.old);
    }

    /* ---- evaluation, one table (the first) in cache ---- */
    const tr__betaq *q = tab[0];
    double best_s = INFINITY, best_b = INFINITY, best_o = INFINITY;
    double sink = 0.0;
    for (int r = 0; r < o.repeat; r++) {
        double b = cpu_now();
        for (size_t i = 0; i < ne; i++)
            x1[i] = tr__betaq_eval(q, u[i]);
        double t = cpu_now() - b;
        if (t < best_s) best_s = t;
        b = cpu_now();
        for (size_t i = 0; i < ne; i += o.batch)
            tr__betaq_eval_n(q, u + i, x2 + i, ne - i < o.batch ? ne - i : o.batch);
        t = cpu_now() - b;
        if (t < best_b) best_b = t;
        if (o.old > 0) {
            tr__dist d = beta_dist(sa[0], sb[0]);
            b = cpu_now();
            for (size_t i = 0; i < ne; i++)
                sink += tr__dist_quantile(&d, old[0], u[i]);
            t = cpu_now() - b;
            if (t < best_o) best_o = t;
        }
    }
    size_t differ = 0;
    for (size_t i = 0; i < ne; i++)
        if (memcmp(&x1[i], &x2[i], sizeof x1[i]) != 0) differ++;
    printf("\nevaluation, ns per quantile (cpu, best of %d; %zu uniforms)\n", o.repeat, ne);
    printf("  one table in cache    new scalar %.2f   new batch of %zu %.2f", 1e9 * best_s / ne,
           o.batch, 1e9 * best_b / ne);
    if (o.old > 0) printf("   old %.2f", 1e9 * best_o / ne);
    printf("\n  scalar and batch results differ in %zu of %zu\n", differ, ne);

    /* ---- evaluation, cycling through the tables (as the simulation draws) ---- */
    double best_all = INFINITY;
    best_s = best_o = INFINITY;
    size_t nsub = o.old > 0 ? o.old : ns;
    for (int r = 0; r < o.repeat; r++) {
        double b = cpu_now();
        for (size_t i = 0; i < ne; i++)
            sink += tr__betaq_eval(tab[i % ns], u[i]);
        double t = cpu_now() - b;
        if (t < best_all) best_all = t;
        b = cpu_now();
        for (size_t i = 0; i < ne; i++)
            sink += tr__betaq_eval(tab[i % nsub], u[i]);
        t = cpu_now() - b;
        if (t < best_s) best_s = t;
        if (o.old > 0) {
            b = cpu_now();
            for (size_t i = 0; i < ne; i++) {
                size_t k = i % o.old;
                tr__dist d = beta_dist(sa[k], sb[k]);
                sink += tr__dist_quantile(&d, old[k], u[i]);
            }
            t = cpu_now() - b;
            if (t < best_o) best_o = t;
        }
    }
    printf("  cycling %zu tables    new scalar %.2f", nsub, 1e9 * best_s / ne);
    if (o.old > 0) printf("   old %.2f", 1e9 * best_o / ne);
    printf("\n  cycling all %zu tables  new scalar %.2f\n", ns, 1e9 * best_all / ne);
    if (sink == 42.0) printf("%g\n", sink); /* keep the loops */

    for (size_t i = 0; i < ns; i++)
        tr__betaq_free(tab[i]);
    for (size_t i = 0; i < o.old; i++)
        tr__qtable_free(old[i]);
    free(old);
    free(tab);
    free(sa);
    free(sb);
    free(tw);
    free(tc);
    free(u);
    free(x1);
    free(x2);
    return differ ? 1 : 0;
}
