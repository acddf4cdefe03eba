/*
 * rare.c - trustrisk-bench-rare: the rare-event workload (issue 13).
 *
 * Runs a config whose "sampling" shifts factors (default
 * configs/rare-events.json: ten identical trusts whose savings fail together
 * after a severe national shock) two ways on one thread, each three times
 * (the least CPU time kept): plain sampling (its
 * "sampling" removed) and as configured (the pilot included in its time),
 * and reports P(at least k trusts fail) from each with its standard error,
 * the CPU seconds each took, and the variance reduction per CPU-second:
 * (plain variance x plain seconds) / (shifted variance x shifted seconds).
 * For a config of identical trusts, each with one scheme whose paper event
 * loads on one global factor, it also gives the exact probability by
 * quadrature: given the factor z each trust fails independently with
 * pi(z) = Phi((w z - c) / sqrt(1 - w^2)), c = Phi^-1(1 - paper).
 *
 *   trustrisk-bench-rare [CONFIG] [--k K] [--plain-paths N] [--paths N] [--seed S]
 *
 * Not a test: figures depend on the machine (README "Rare events and
 * precision" quotes them).
 */
#include <cjson/cJSON.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trustrisk/trustrisk.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *slurp(const char *file)
{
    FILE *fp = fopen(file, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, fp) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(fp);
    return s;
}

typedef struct outcome {
    double estimate, se, cpu;
    uint64_t paths;
} outcome;

/* Run `json` on one thread; P(at least k fail) and its se from the
 * results (plain runs have no at_least: it comes from the distribution). */
static int run_one(const char *json, const char *name, uint64_t paths, uint64_t seed, int k,
                   outcome *o)
{
    tr_error err;
    tr_error_init(&err);
    double t0 = cpu_now();
    tr_config *cfg = NULL;
    tr_results *res = NULL;
    char *text = NULL;
    if (tr_config_load_buffer(json, strlen(json), name, &cfg, &err) != TR_OK) goto fail;
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.seed = seed;
    opt.threads = 1;
    if (tr_run(cfg, &opt, &res, &err) != TR_OK) goto fail;
    o->cpu = cpu_now() - t0;
    if (tr_results_json(res, &text, &err) != TR_OK) goto fail;
    cJSON *j = cJSON_Parse(text);
    const cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "system"), "failures");
    const cJSON *al = cJSON_GetObjectItem(f, "at_least");
    o->paths = paths;
    if (al) {
        const cJSON *e = cJSON_GetArrayItem(al, k);
        o->estimate = cJSON_GetObjectItem(e, "estimate")->valuedouble;
        o->se = cJSON_GetObjectItem(e, "se")->valuedouble;
    } else {
        const cJSON *d = cJSON_GetObjectItem(f, "distribution");
        double p = 0.0;
        for (int i = k; i < cJSON_GetArraySize(d); i++)
            p += cJSON_GetArrayItem(d, i)->valuedouble;
        o->estimate = p;
        o->se = sqrt(p * (1.0 - p) / (double)paths);
    }
    cJSON_Delete(j);
    free(text);
    tr_results_free(res);
    tr_config_free(cfg);
    return 0;
fail:
    tr_error_print(&err, stderr);
    tr_error_clear(&err);
    tr_results_free(res);
    tr_config_free(cfg);
    return -1;
}

/* The exact P(at least k of N identical trusts fail), or NaN when the
 * config is not of that form. */
static double exact(const cJSON *cfg, int k)
{
    const cJSON *trusts = cJSON_GetObjectItem(cfg, "trusts");
    int n = cJSON_GetArraySize(trusts);
    double q = NAN, w = NAN;
    for (int i = 0; i < n; i++) {
        const cJSON *s =
            cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(trusts, i), "schemes"), 0);
        const cJSON *fa = cJSON_GetObjectItem(s, "factors");
        const cJSON *p = cJSON_GetObjectItem(s, "paper");
        if (!p || !fa || cJSON_GetArraySize(fa) != 1) return NAN;
        double qi = p->valuedouble, wi = fa->child->valuedouble;
        if (i > 0 && (qi != q || wi != w)) return NAN;
        q = qi;
        w = wi;
    }
    double c = gsl_cdf_ugaussian_Qinv(q), s = sqrt(1.0 - w * w), h = 1e-3, sum = 0.0;
    for (double z = -10.0; z < 10.0; z += h) {
        double m = z + h / 2, pi = gsl_cdf_ugaussian_P((w * m - c) / s);
        sum += h * exp(-m * m / 2) / 2.5066282746310002 *
               gsl_cdf_binomial_Q((unsigned)(k - 1), pi, (unsigned)n);
    }
    return sum;
}

int main(int argc, char **argv)
{
    const char *file = TR_SOURCE_DIR "/configs/rare-events.json";
    int k = 8;
    uint64_t plain_paths = 2000000, paths = 1000000, seed = 2026;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--k") && i + 1 < argc)
            k = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--plain-paths") && i + 1 < argc)
            plain_paths = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--paths") && i + 1 < argc)
            paths = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] != '-')
            file = argv[i];
        else {
            fprintf(stderr,
                    "usage: trustrisk-bench-rare [CONFIG] [--k K] [--plain-paths N] [--paths N] "
                    "[--seed S]\n");
            return 2;
        }
    }
    char *text = slurp(file);
    cJSON *cfg = text ? cJSON_Parse(text) : NULL;
    if (!cfg) {
        fprintf(stderr, "trustrisk-bench-rare: cannot read %s\n", file);
        return 1;
    }
    cJSON_DeleteItemFromObject(cfg, "sampling");
    char *plain = cJSON_PrintUnformatted(cfg);
    /* each run three times, the least CPU time kept (the machine may be
     * shared; the estimates are the same every time) */
    outcome a = {0}, b = {0};
    for (int r = 0; r < 3; r++) {
        outcome x, y;
        if (run_one(plain, "plain", plain_paths, seed, k, &x) != 0 ||
            run_one(text, file, paths, seed, k, &y) != 0)
            return 1;
        if (r == 0 || x.cpu < a.cpu) a = x;
        if (r == 0 || y.cpu < b.cpu) b = y;
    }
    double ex = exact(cfg, k);
    double gain = (a.se * a.se * a.cpu) / (b.se * b.se * b.cpu);
    printf("rare-event workload: %s, P(at least %d trusts fail), one thread\n", file, k);
    if (!isnan(ex)) printf("  exact (quadrature)   %.4e\n", ex);
    printf("  plain    %9llu paths  %.4e  se %.2e  %7.3f CPU s\n", (unsigned long long)a.paths,
           a.estimate, a.se, a.cpu);
    printf("  shifted  %9llu paths  %.4e  se %.2e  %7.3f CPU s (pilot included)\n",
           (unsigned long long)b.paths, b.estimate, b.se, b.cpu);
    printf("  variance reduction per path %.0fx, per CPU-second %.0fx\n",
           (a.se * a.se * (double)a.paths) / (b.se * b.se * (double)b.paths), gain);
    cJSON_Delete(cfg);
    free(plain);
    free(text);
    return 0;
}
