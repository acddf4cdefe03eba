/*
 * bench.c - trustrisk-bench, the engine's benchmark (issue 5).
 *
 * For each workload (bench/national.json, bench/credit.json and the bundled
 * configs/example.json when present) it measures, at 1, 2, 4, ... threads up
 * to the core count:
 *   - the engine's wall time: tr_run with no progress callback, timed around
 *     tr_run alone, repeated and the median taken; from it paths per second
 *     and nanoseconds per trust-path and per trust-month; a run of one path
 *     at the same thread count splits it into the run's fixed cost (set-up,
 *     workspaces, accumulators, merge) and a marginal cost per path;
 *   - the random-number floor: the time this process needs just to generate
 *     the variates the run consumes with the engine's own generator (Philox
 *     blocks from tr__rng_block and standard normals from tr__norm_inv), in
 *     the same OpenMP loop shape (blocks of TR_PATH_BLOCK paths, dynamic
 *     schedule) at the same thread count; the counts come from a census of
 *     the engine's draw counters (tr__ws.census) over a sample
 *     of paths, spread over the paths in exact proportion;
 *   - the parallel efficiency t(1) / (T t(T)) of both, side by side;
 *   - whether results.json is the same bytes at every thread count;
 * and the peak resident memory of a whole run at two path counts, each in a
 * fresh child process (this program re-executed) so that the two do not
 * contaminate each other: ru_maxrss from wait4.
 * Timings use CLOCK_MONOTONIC; every figure is the median of --repeat runs,
 * engine and floor interleaved so that both see the same machine load.
 * Output: a readable table on stdout and JSON (--json FILE).
 *
 * The engine's wall time goes through the public API alone. The floor and
 * the census need two internal headers of the engine, so the benchmark
 * links the engine's objects (trustrisk_objects), not libtrustrisk, which
 * exports only the public API:
 *   - rng.h: tr__rng_block, tr__u01 and tr__norm_inv, the generator the
 *     floor times (the floor must be the engine's own arithmetic);
 *   - sim.h (with plan.h): tr__plan_init, tr__ws_init and tr__sim_path, to
 *     simulate a sample of paths and read how many variates they drew
 *     (tr__ws.census), and to time one path outside tr_run.
 * Nothing else of the engine's internals is used.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>

#include "trustrisk/trustrisk.h"

/* Internal headers: see the top of this file. */
#include "rng.h"
#include "sim.h"

#ifndef TR_SOURCE_DIR
#define TR_SOURCE_DIR "."
#endif
#ifndef TR_BENCH_BUILD_TYPE
#define TR_BENCH_BUILD_TYPE "unknown"
#endif

#define MAX_THREAD_COUNTS 32
#define MAX_REPEAT 101
/* The floor is short and cheap: it is timed this many times per engine run. */
#define FLOOR_PER_RUN 3

/* ---- options ------------------------------------------------------------ */

typedef struct options {
    int want[3];    /* national, credit, example */
    uint64_t paths; /* 0: each workload's default */
    int threads[MAX_THREAD_COUNTS];
    int n_threads;
    int repeat;
    uint64_t rss_paths[2]; /* 0: paths / 8 and paths */
    uint64_t census;       /* paths in the draw census */
    int quick;
    int rss;
    const char *json;
    const char *root;
} options;

static const char *const WORKLOAD_NAMES[3] = {"national", "credit", "example"};
static const char *const WORKLOAD_FILES[3] = {"bench/national.json", "bench/credit.json",
                                              "configs/example.json"};
/* Default paths: a full run of all three takes a few minutes on two cores.
 * The engine hands out paths in blocks of TR_PATH_BLOCK, so a run of n paths
 * keeps at most ceil(n / TR_PATH_BLOCK) threads busy: the default is raised
 * to at least one block per thread of the largest count measured. */
static const uint64_t WORKLOAD_PATHS[3] = {2 * TR_PATH_BLOCK, 20 * TR_PATH_BLOCK,
                                           20 * TR_PATH_BLOCK};

static void usage(FILE *fp)
{
    fputs("usage: trustrisk-bench [options]\n"
          "  --workload LIST   national, credit, example or all (comma-separated; default all)\n"
          "  --paths N         paths per run (default: national 2048, credit and example "
          "20480,\n"
          "                    raised to 1024 per thread of the largest thread count)\n"
          "  --threads LIST    thread counts, e.g. 1,2,4 (default 1, 2, 4, ... and the core "
          "count)\n"
          "  --repeat R        runs per measurement; the median is reported (default 3)\n"
          "  --rss-paths A,B   path counts of the two peak-memory runs (default T x 1024 and "
          "8 T x 1024, T the largest thread count)\n"
          "  --no-rss          skip the peak-memory runs\n"
          "  --census N        paths sampled to count the draws a path consumes (default "
          "1024)\n"
          "  --root DIR        repository root holding bench/ and configs/ (default the source "
          "tree)\n"
          "  --json FILE       write the results as JSON (default bench-results.json)\n"
          "  --quick           1 repeat, a quarter of the paths, threads 1 and the core count\n"
          "  --help            this text\n",
          fp);
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = (uint64_t)v;
    return 0;
}

/* A comma-separated list of positive integers. */
static int parse_list(const char *s, uint64_t *out, int max)
{
    int n = 0;
    char buf[256];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == max || parse_u64(tok, &out[n]) != 0 || out[n] == 0) return -1;
        n++;
    }
    return n;
}

static int num_procs(void)
{
#ifdef _OPENMP
    return omp_get_num_procs();
#else
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
#endif
}

static void default_threads(options *o, int quick)
{
    int cores = num_procs();
    o->n_threads = 0;
    if (quick) {
        o->threads[o->n_threads++] = 1;
        if (cores > 1) o->threads[o->n_threads++] = cores;
        return;
    }
    for (int t = 1; t < cores && o->n_threads < MAX_THREAD_COUNTS - 1; t *= 2)
        o->threads[o->n_threads++] = t;
    o->threads[o->n_threads++] = cores;
}

static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->repeat = 3;
    o->census = 1024;
    o->rss = 1;
    o->json = "bench-results.json";
    o->root = TR_SOURCE_DIR;
    int want_set = 0, threads_set = 0, repeat_set = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t list[MAX_THREAD_COUNTS];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (strcmp(a, "--no-rss") == 0) {
            o->rss = 0;
        } else if (!v) {
            fprintf(stderr, "trustrisk-bench: %s needs a value (or is unknown)\n", a);
            return -1;
        } else if (strcmp(a, "--workload") == 0) {
            char buf[128];
            if (strlen(v) >= sizeof buf) return -1;
            strcpy(buf, v);
            want_set = 1;
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                int found = 0;
                for (int w = 0; w < 3; w++)
                    if (strcmp(tok, WORKLOAD_NAMES[w]) == 0 || strcmp(tok, "all") == 0) {
                        o->want[w] = 1;
                        found = 1;
                    }
                if (!found) {
                    fprintf(stderr, "trustrisk-bench: unknown workload \"%s\"\n", tok);
                    return -1;
                }
            }
            i++;
        } else if (strcmp(a, "--paths") == 0) {
            if (parse_u64(v, &o->paths) != 0 || o->paths < 1 || o->paths > TR_MAX_PATHS) {
                fprintf(stderr, "trustrisk-bench: bad --paths \"%s\"\n", v);
                return -1;
            }
            i++;
        } else if (strcmp(a, "--threads") == 0) {
            int n = parse_list(v, list, MAX_THREAD_COUNTS);
            if (n <= 0) {
                fprintf(stderr, "trustrisk-bench: bad --threads \"%s\"\n", v);
                return -1;
            }
            for (int k = 0; k < n; k++) {
                if (list[k] > 4096) return -1;
                o->threads[k] = (int)list[k];
            }
            o->n_threads = n;
            threads_set = 1;
            i++;
        } else if (strcmp(a, "--repeat") == 0) {
            uint64_t r;
            if (parse_u64(v, &r) != 0 || r < 1 || r > MAX_REPEAT) {
                fprintf(stderr, "trustrisk-bench: bad --repeat \"%s\" (1..%d)\n", v, MAX_REPEAT);
                return -1;
            }
            o->repeat = (int)r;
            repeat_set = 1;
            i++;
        } else if (strcmp(a, "--rss-paths") == 0) {
            if (parse_list(v, list, 2) != 2) {
                fprintf(stderr, "trustrisk-bench: --rss-paths wants two counts, A,B\n");
                return -1;
            }
            o->rss_paths[0] = list[0];
            o->rss_paths[1] = list[1];
            i++;
        } else if (strcmp(a, "--census") == 0) {
            if (parse_u64(v, &o->census) != 0 || o->census < 1) return -1;
            i++;
        } else if (strcmp(a, "--root") == 0) {
            o->root = v;
            i++;
        } else if (strcmp(a, "--json") == 0) {
            o->json = v;
            i++;
        } else {
            fprintf(stderr, "trustrisk-bench: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
    }
    if (!want_set) o->want[0] = o->want[1] = o->want[2] = 1;
    if (!threads_set) default_threads(o, o->quick);
    if (o->quick && !repeat_set) o->repeat = 1;
    return 0;
}

/* ---- small utilities ---------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    double s[MAX_REPEAT * FLOOR_PER_RUN];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static cJSON *json_array_d(const double *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int k = 0; k < n; k++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[k]));
    return a;
}

static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown");
    FILE *fp = fopen("/proc/cpuinfo", "r");
    if (!fp) return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t')
                    c++;
                c[strcspn(c, "\n")] = '\0';
                snprintf(buf, n, "%s", c);
            }
            break;
        }
    }
    fclose(fp);
}

/* ---- the draw census and the random-number floor ------------------------ */

typedef struct census {
    uint64_t paths;   /* paths sampled */
    uint64_t blocks;  /* Philox blocks over the sample */
    uint64_t normals; /* normal inversions over the sample */
    double sim_s;     /* one thread's time for the sample, tr__sim_path alone */
    double plan_s;    /* tr__plan_init: the run's serial set-up (quantile tables, ...) */
} census;

static int take_census(const tr_config *cfg, uint64_t seed, uint64_t n, census *out)
{
    tr_error err;
    tr_error_init(&err);
    tr__plan plan;
    tr__ws ws;
    double t0 = now_seconds();
    tr_status st = tr__plan_init(&plan, cfg, 0, &err);
    out->plan_s = now_seconds() - t0;
    if (st != TR_OK) {
        tr_error_print(&err, stderr);
        tr_error_clear(&err);
        return -1;
    }
    if (tr__ws_init(&ws, &plan, 0, &err) != TR_OK) {
        tr_error_print(&err, stderr);
        tr_error_clear(&err);
        tr__plan_free(&plan);
        return -1;
    }
    t0 = now_seconds();
    for (uint64_t p = 0; p < n; p++)
        tr__sim_path(&ws, seed, p);
    out->sim_s = now_seconds() - t0;
    out->paths = n;
    out->blocks = ws.census.blocks;
    out->normals = ws.census.normals;
    tr__ws_free(&ws);
    tr__plan_free(&plan);
    tr_error_clear(&err);
    return 0;
}

/* Path p's share of `total` draws over a census of n paths: the census's
 * counts spread in exact proportion, so that the floor over n paths consumes
 * exactly what the census counted, and over more paths the same rate. */
static uint64_t share(uint64_t total, uint64_t n, uint64_t p)
{
    uint64_t k = p % n;
    return total * (k + 1) / n - total * k / n;
}

/* Generate path p's blocks and normals the way the engine does: Philox
 * blocks at distinct counters, normals by inversion of their words. Words
 * beyond the blocks' supply (never the case for the engine's own draws) are
 * stretched with a multiply-xorshift, far cheaper than the inversion. */
static double floor_path(uint64_t seed, uint64_t p, uint64_t nb, uint64_t nn, uint64_t *acc)
{
    double sum = 0.0;
    uint64_t x = 0;
    for (uint64_t j = 0; j < nb; j++) {
        tr__block blk = tr__rng_block(seed, p, j, 0, TR__TAG_SCHEME, (uint32_t)(j & 0xffff));
        x ^= blk.w[0] ^ blk.w[1] ^ blk.w[2] ^ blk.w[3];
        for (int w = 0; w < 4 && nn > 0; w++, nn--)
            sum += tr__norm_inv(tr__u01(blk.w[w]));
    }
    for (uint64_t w = x | 1; nn > 0; nn--) {
        w ^= w >> 29;
        w *= UINT64_C(0xbf58476d1ce4e5b9);
        sum += tr__norm_inv(tr__u01(w));
    }
    *acc ^= x;
    return sum;
}

static double floor_run(const census *c, uint64_t seed, uint64_t paths, int threads, double *sink)
{
    const uint64_t B = TR_PATH_BLOCK;
    const long long nblocks = (long long)((paths + B - 1) / B);
    double sum = 0.0;
    uint64_t acc = 0;
    double t0 = now_seconds();
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(+ : sum)          \
    reduction(^ : acc)
#endif
    for (long long k = 0; k < nblocks; k++) {
        uint64_t lo = (uint64_t)k * B, hi = lo + B < paths ? lo + B : paths;
        for (uint64_t p = lo; p < hi; p++)
            sum += floor_path(seed, p, share(c->blocks, c->paths, p),
                              share(c->normals, c->paths, p), &acc);
    }
    double t = now_seconds() - t0;
    (void)threads;
    *sink += sum + (double)(acc & 1);
    return t;
}

/* ---- peak memory in a child process ------------------------------------- */

/* The child: load, run, exit. Its peak RSS is what the parent reads. */
static int rss_child(const char *file, const char *paths_s, const char *threads_s)
{
    uint64_t paths, threads;
    if (parse_u64(paths_s, &paths) != 0 || parse_u64(threads_s, &threads) != 0) return 2;
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    tr_results *res = NULL;
    tr_run_options opt;
    int rc = 1;
    if (tr_config_load_file(file, &cfg, &err) == TR_OK) {
        tr_run_options_init(&opt, cfg);
        opt.paths = paths;
        opt.threads = (int)threads;
        if (tr_run(cfg, &opt, &res, &err) == TR_OK) rc = 0;
    }
    if (rc) tr_error_print(&err, stderr);
    tr_results_free(res);
    tr_config_free(cfg);
    tr_error_clear(&err);
    return rc;
}

/* Peak RSS in KiB of a child running `paths` paths, or -1. */
static long rss_of_run(const char *file, uint64_t paths, int threads)
{
    char ps[32], ts[32];
    snprintf(ps, sizeof ps, "%llu", (unsigned long long)paths);
    snprintf(ts, sizeof ts, "%d", threads);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        char *args[] = {"trustrisk-bench", "--rss-child", (char *)file, ps, ts, NULL};
        execv("/proc/self/exe", args);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return ru.ru_maxrss;
}

/* ---- one workload ------------------------------------------------------- */

typedef struct row {
    int threads;
    double engine[MAX_REPEAT], floor_[MAX_REPEAT * FLOOR_PER_RUN], small[MAX_REPEAT];
    double engine_s, floor_s, small_s; /* medians */
    double per_path_s, fixed_s;        /* two-point split of engine_s */
    int same_bytes;
} row;

/* Time the engine on `cfg` at `threads`; compare results.json with *ref. */
static int time_engine(const tr_config *cfg, uint64_t paths, int threads, double *secs, char **ref,
                       int *same)
{
    tr_error err;
    tr_error_init(&err);
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.threads = threads;
    tr_results *res = NULL;
    double t0 = now_seconds();
    tr_status st = tr_run(cfg, &opt, &res, &err);
    *secs = now_seconds() - t0;
    if (st != TR_OK) {
        tr_error_print(&err, stderr);
        tr_error_clear(&err);
        return -1;
    }
    if (same) {
        char *json = NULL;
        if (tr_results_json(res, &json, &err) != TR_OK) {
            tr_error_print(&err, stderr);
            tr_results_free(res);
            tr_error_clear(&err);
            return -1;
        }
        if (!*ref) {
            *ref = json;
            *same = 1;
        } else {
            *same = strcmp(*ref, json) == 0;
            free(json);
        }
    }
    tr_results_free(res);
    tr_error_clear(&err);
    return 0;
}

static const char *yes_no(int b)
{
    return b ? "yes" : "NO";
}

static cJSON *run_workload(const options *o, int w, double *sink)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "workload", WORKLOAD_NAMES[w]);
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/%s", o->root, WORKLOAD_FILES[w]);
    cJSON_AddStringToObject(out, "config_file", WORKLOAD_FILES[w]);
    if (access(file, R_OK) != 0) {
        printf("\n== %s: skipped (%s not found)\n", WORKLOAD_NAMES[w], WORKLOAD_FILES[w]);
        cJSON_AddStringToObject(out, "skipped", "config file not found");
        return out;
    }

    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    if (tr_config_load_file(file, &cfg, &err) != TR_OK) {
        tr_error_print(&err, stderr);
        tr_error_clear(&err);
        printf("\n== %s: skipped (config does not load)\n", WORKLOAD_NAMES[w]);
        cJSON_AddStringToObject(out, "skipped", "config does not load");
        return out;
    }
    tr_error_clear(&err);

    int max_threads = 1;
    for (int k = 0; k < o->n_threads; k++)
        if (o->threads[k] > max_threads) max_threads = o->threads[k];
    uint64_t paths = o->paths;
    if (!paths) {
        paths = WORKLOAD_PATHS[w];
        if (o->quick) paths /= 4;
        if (!o->quick && paths < (uint64_t)max_threads * TR_PATH_BLOCK)
            paths = (uint64_t)max_threads * TR_PATH_BLOCK;
    }
    uint64_t seed = tr_config_seed(cfg);
    size_t nt = tr_config_trust_count(cfg);
    int H = tr_config_horizon(cfg);
    int R = o->repeat;

    cJSON_AddStringToObject(out, "config_name", tr_config_name(cfg));
    cJSON_AddStringToObject(out, "config_sha256", tr_config_sha256(cfg));
    cJSON_AddNumberToObject(out, "trusts", (double)nt);
    cJSON_AddNumberToObject(out, "schemes", (double)tr_config_scheme_count(cfg));
    cJSON_AddNumberToObject(out, "consortia", (double)tr_config_consortium_count(cfg));
    cJSON_AddNumberToObject(out, "factors", (double)tr_config_factor_count(cfg));
    cJSON_AddStringToObject(out, "copula", tr_config_copula(cfg));
    cJSON_AddNumberToObject(out, "horizon_months", H);
    cJSON_AddNumberToObject(out, "paths", (double)paths);
    cJSON_AddNumberToObject(out, "seed", (double)seed);
    cJSON_AddNumberToObject(out, "repeat", R);

    printf("\n== %s: %s\n", WORKLOAD_NAMES[w], tr_config_name(cfg));
    printf("   %zu trusts, %zu schemes, %zu consortia, %zu factors, %d months, %s copula; "
           "%llu paths, median of %d\n",
           nt, tr_config_scheme_count(cfg), tr_config_consortium_count(cfg),
           tr_config_factor_count(cfg), H, tr_config_copula(cfg), (unsigned long long)paths, R);
    fflush(stdout);

    /* What a path consumes. */
    census cen;
    uint64_t n_cen = o->census < paths ? o->census : paths;
    if (take_census(cfg, seed, n_cen, &cen) != 0) {
        tr_config_free(cfg);
        cJSON_AddStringToObject(out, "skipped", "census failed");
        return out;
    }
    double bpp = (double)cen.blocks / (double)cen.paths,
           npp = (double)cen.normals / (double)cen.paths;
    cJSON *jc = cJSON_AddObjectToObject(out, "draws_per_path");
    cJSON_AddNumberToObject(jc, "census_paths", (double)cen.paths);
    cJSON_AddNumberToObject(jc, "philox_blocks", bpp);
    cJSON_AddNumberToObject(jc, "normal_inversions", npp);
    cJSON_AddNumberToObject(jc, "sim_only_ns_per_path_1thread",
                            1e9 * cen.sim_s / (double)cen.paths);
    cJSON_AddNumberToObject(out, "plan_setup_seconds", cen.plan_s);
    printf("   draws per path: %.1f Philox blocks, %.1f normal inversions (census of %llu paths)\n"
           "   1 thread, outside tr_run: set-up (tr__plan_init) %.3f s; tr__sim_path alone %.4g "
           "ms/path (no accumulation)\n",
           bpp, npp, (unsigned long long)cen.paths, cen.plan_s,
           1e3 * cen.sim_s / (double)cen.paths);

    /* Warm-up: page in the code and the allocator's arenas. */
    {
        double t;
        uint64_t wp = paths < 256 ? paths : 256;
        if (time_engine(cfg, wp, o->threads[o->n_threads - 1], &t, NULL, NULL) != 0) {
            tr_config_free(cfg);
            cJSON_AddStringToObject(out, "skipped", "run failed");
            return out;
        }
    }

    /* A run of one path costs the run's fixed part (set-up, every thread's
     * workspace and accumulators, the merge) and one path. */
    const uint64_t small_paths = 1;
    if (paths < (uint64_t)max_threads * TR_PATH_BLOCK)
        printf("   note: %llu paths make %llu block%s of %d: at most that many threads are busy\n",
               (unsigned long long)paths,
               (unsigned long long)((paths + TR_PATH_BLOCK - 1) / TR_PATH_BLOCK),
               (paths + TR_PATH_BLOCK - 1) / TR_PATH_BLOCK == 1 ? "" : "s", TR_PATH_BLOCK);
    row rows[MAX_THREAD_COUNTS];
    memset(rows, 0, sizeof rows);
    char *ref = NULL;
    int all_same = 1;
    printf("   %7s %10s %10s %12s %12s %12s %12s %8s %10s %8s %8s %8s %8s %5s\n", "threads",
           "engine s", "paths/s", "ns/trust-pth", "core-ns/t-p", "ns/trust-mo", "marginal",
           "fixed s", "floor s", "eng/flr", "eff eng", "eff flr", "eff rat", "same");
    for (int k = 0; k < o->n_threads; k++) {
        row *r = &rows[k];
        r->threads = o->threads[k];
        r->same_bytes = 1;
        for (int rep = 0; rep < R; rep++) {
            int same = 1;
            if (time_engine(cfg, paths, r->threads, &r->engine[rep], &ref,
                            rep == 0 ? &same : NULL) != 0) {
                free(ref);
                tr_config_free(cfg);
                cJSON_AddStringToObject(out, "skipped", "run failed");
                return out;
            }
            if (!same) r->same_bytes = 0;
            for (int f = 0; f < FLOOR_PER_RUN; f++)
                r->floor_[rep * FLOOR_PER_RUN + f] = floor_run(&cen, seed, paths, r->threads, sink);
            if (small_paths < paths &&
                time_engine(cfg, small_paths, r->threads, &r->small[rep], NULL, NULL) != 0) {
                free(ref);
                tr_config_free(cfg);
                cJSON_AddStringToObject(out, "skipped", "run failed");
                return out;
            }
        }
        all_same &= r->same_bytes;
        r->engine_s = median(r->engine, R);
        r->floor_s = median(r->floor_, R * FLOOR_PER_RUN);
        /* Fixed cost of a run (set-up, per-thread accumulators, merge) and
         * cost per path, from the two path counts: t(n) = fixed + n per_path. */
        r->per_path_s = r->engine_s / (double)paths;
        r->fixed_s = 0.0;
        if (small_paths < paths) {
            r->small_s = median(r->small, R);
            r->per_path_s = (r->engine_s - r->small_s) / (double)(paths - small_paths);
            r->fixed_s = r->engine_s - r->per_path_s * (double)paths;
        }
        /* Efficiency against the first (normally 1-thread) row. */
        double e_eng = rows[0].engine_s * rows[0].threads / (r->engine_s * r->threads);
        double e_flr = rows[0].floor_s * rows[0].threads / (r->floor_s * r->threads);
        double ns_tp = 1e9 * r->engine_s / ((double)paths * (double)nt);
        double ns_xs = 1e9 * r->per_path_s / (double)nt;
        printf(
            "   %7d %10.3f %10.1f %12.1f %12.1f %12.2f %12.1f %8.3f %10.3f %8.2f %7.1f%% %7.1f%% "
            "%8.3f %5s\n",
            r->threads, r->engine_s, (double)paths / r->engine_s, ns_tp, ns_tp * r->threads,
            ns_tp / H, ns_xs, r->fixed_s, r->floor_s, r->engine_s / r->floor_s, 100.0 * e_eng,
            100.0 * e_flr, e_eng / e_flr, yes_no(r->same_bytes));
        fflush(stdout);
    }
    free(ref);

    /* The floor's two parts at the first thread count: Philox alone, the rest normals. */
    {
        census blocks_only = cen;
        blocks_only.normals = 0;
        double t[MAX_REPEAT];
        for (int rep = 0; rep < R; rep++)
            t[rep] = floor_run(&blocks_only, seed, paths, rows[0].threads, sink);
        double philox = median(t, R);
        double per_path = 1e9 / (double)paths;
        cJSON *jf = cJSON_AddObjectToObject(out, "floor_parts");
        cJSON_AddNumberToObject(jf, "threads", rows[0].threads);
        cJSON_AddNumberToObject(jf, "philox_seconds", philox);
        cJSON_AddNumberToObject(jf, "normals_seconds", rows[0].floor_s - philox);
        cJSON_AddNumberToObject(jf, "ns_per_philox_block", philox * per_path / bpp);
        if (npp > 0)
            cJSON_AddNumberToObject(jf, "ns_per_normal",
                                    (rows[0].floor_s - philox) * per_path / npp);
        printf("   floor at %d thread%s: Philox %.3f s (%.1f ns a block), normals %.3f s (%.1f ns "
               "each)\n",
               rows[0].threads, rows[0].threads == 1 ? "" : "s", philox, philox * per_path / bpp,
               rows[0].floor_s - philox,
               npp > 0 ? (rows[0].floor_s - philox) * per_path / npp : 0.0);
    }

    cJSON *jt = cJSON_AddArrayToObject(out, "threads");
    for (int k = 0; k < o->n_threads; k++) {
        const row *r = &rows[k];
        double e_eng = rows[0].engine_s * rows[0].threads / (r->engine_s * r->threads);
        double e_flr = rows[0].floor_s * rows[0].threads / (r->floor_s * r->threads);
        double ns_tp = 1e9 * r->engine_s / ((double)paths * (double)nt);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "threads", r->threads);
        cJSON_AddNumberToObject(j, "engine_seconds", r->engine_s);
        cJSON_AddItemToObject(j, "engine_seconds_all", json_array_d(r->engine, R));
        cJSON_AddNumberToObject(j, "paths_per_second", (double)paths / r->engine_s);
        cJSON_AddNumberToObject(j, "ns_per_trust_path", ns_tp);
        cJSON_AddNumberToObject(j, "core_ns_per_trust_path", ns_tp * r->threads);
        cJSON_AddNumberToObject(j, "ns_per_trust_month", ns_tp / H);
        if (small_paths < paths) {
            cJSON_AddNumberToObject(j, "small_run_paths", (double)small_paths);
            cJSON_AddNumberToObject(j, "small_run_seconds", r->small_s);
            cJSON_AddItemToObject(j, "small_run_seconds_all", json_array_d(r->small, R));
        }
        cJSON_AddNumberToObject(j, "fixed_seconds", r->fixed_s);
        cJSON_AddNumberToObject(j, "marginal_ns_per_trust_path", 1e9 * r->per_path_s / (double)nt);
        cJSON_AddNumberToObject(j, "floor_seconds", r->floor_s);
        cJSON_AddItemToObject(j, "floor_seconds_all", json_array_d(r->floor_, R * FLOOR_PER_RUN));
        cJSON_AddNumberToObject(j, "engine_over_floor", r->engine_s / r->floor_s);
        cJSON_AddNumberToObject(j, "efficiency_engine", e_eng);
        cJSON_AddNumberToObject(j, "efficiency_floor", e_flr);
        cJSON_AddNumberToObject(j, "efficiency_ratio", e_eng / e_flr);
        cJSON_AddBoolToObject(j, "results_identical", r->same_bytes);
        cJSON_AddItemToArray(jt, j);
    }
    cJSON_AddBoolToObject(out, "results_identical_across_threads", all_same);
    if (rows[0].threads != 1)
        printf("   (efficiency is relative to %d threads, the smallest count measured)\n",
               rows[0].threads);

    /* Peak memory at two path counts, at the largest thread count. The engine
     * gives each thread at least one block of 1,024 paths (and runs no more
     * threads than blocks), so the smaller count is one block per thread and
     * the larger eight times that: both keep every thread's statistics. */
    long rss[2] = {-1, -1};
    int rt = o->threads[o->n_threads - 1];
    uint64_t rbase = (uint64_t)rt * 1024u;
    uint64_t rp[2] = {o->rss_paths[0] ? o->rss_paths[0] : rbase,
                      o->rss_paths[1] ? o->rss_paths[1] : 8 * rbase};
    if (o->rss) {
        for (int k = 0; k < 2; k++)
            rss[k] = rss_of_run(file, rp[k], rt);
        cJSON *jr = cJSON_AddArrayToObject(out, "peak_rss");
        for (int k = 0; k < 2; k++) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "paths", (double)rp[k]);
            cJSON_AddNumberToObject(j, "threads", rt);
            if (rss[k] >= 0)
                cJSON_AddNumberToObject(j, "kib", (double)rss[k]);
            else
                cJSON_AddNullToObject(j, "kib");
            cJSON_AddItemToArray(jr, j);
        }
        if (rss[0] > 0 && rss[1] > 0)
            printf("   peak RSS (%d threads, own process each): %llu paths %.1f MiB, %llu paths "
                   "%.1f MiB (ratio %.3f)\n",
                   rt, (unsigned long long)rp[0], rss[0] / 1024.0, (unsigned long long)rp[1],
                   rss[1] / 1024.0, (double)rss[1] / (double)rss[0]);
        else
            printf("   peak RSS: measurement failed\n");
    }

    /* The targets (benchmarks, not tests). */
    cJSON *jg = cJSON_AddObjectToObject(out, "targets");
    const row *one = NULL, *last = &rows[o->n_threads - 1];
    for (int k = 0; k < o->n_threads; k++)
        if (rows[k].threads == 1) one = &rows[k];
    printf("   targets:\n");
    if (w == 1 && one) {
        double ns = 1e9 * one->engine_s / ((double)paths * (double)nt);
        cJSON_AddNumberToObject(jg, "credit_ns_per_trust_path_1thread", ns);
        cJSON_AddBoolToObject(jg, "credit_ns_per_trust_path_le_8", ns <= 8.0);
        printf("     credit <= 8 ns per trust-path on one core: %.1f ns  [%s]\n", ns,
               ns <= 8.0 ? "met" : "not met");
    }
    printf("     same results.json bytes at every thread count: %s\n", yes_no(all_same));
    if (w == 0) {
        double worst = 0.0;
        for (int k = 0; k < o->n_threads; k++)
            if (rows[k].engine_s / rows[k].floor_s > worst)
                worst = rows[k].engine_s / rows[k].floor_s;
        double r1 = one ? one->engine_s / one->floor_s : last->engine_s / last->floor_s;
        cJSON_AddNumberToObject(jg, "national_engine_over_floor", r1);
        cJSON_AddNumberToObject(jg, "national_engine_over_floor_worst", worst);
        cJSON_AddBoolToObject(jg, "national_engine_le_2x_floor", r1 <= 2.0);
        printf("     national engine <= 2x the random-number floor: %.2fx (%d thread%s)  [%s]\n",
               r1, one ? 1 : last->threads, (one ? 1 : last->threads) == 1 ? "" : "s",
               r1 <= 2.0 ? "met" : "not met");
        /* 10^6 paths on 16 cores: a run's fixed cost plus 10^6 times its
         * marginal cost per path, at 16 threads if measured, else from the
         * largest count below 16 assuming perfect scaling up to 16. */
        const row *b16 = &rows[0];
        for (int k = 0; k < o->n_threads; k++)
            if (rows[k].threads <= 16 && rows[k].threads >= b16->threads) b16 = &rows[k];
        double s16 = b16->fixed_s + 1e6 * b16->per_path_s * (double)b16->threads / 16.0;
        int measured16 = b16->threads == 16;
        cJSON_AddNumberToObject(jg, "national_1e6_paths_16_cores_seconds", s16);
        cJSON_AddNumberToObject(jg, "national_1e6_paths_16_cores_from_threads", b16->threads);
        cJSON_AddStringToObject(jg, "national_1e6_paths_16_cores_basis",
                                measured16 ? "measured at 16 threads: a run's fixed cost plus "
                                             "10^6 times its marginal cost per path"
                                           : "projected: a run's fixed cost plus 10^6 times its "
                                             "marginal cost per path, scaled perfectly from the "
                                             "thread count measured to 16");
        cJSON_AddBoolToObject(jg, "national_1e6_paths_16_cores_le_30s", s16 <= 30.0);
        printf("     10^6 national paths <= 30 s on 16 cores: %.0f s (%s from %d thread%s)  "
               "[%s]\n",
               s16, measured16 ? "measured" : "projected", b16->threads,
               b16->threads == 1 ? "" : "s", s16 <= 30.0 ? "met" : "not met");
    }
    /* Efficiency is judged only where every thread can have a block of paths. */
    int eff_ok = 1, n_eff = 0;
    double worst_eff = INFINITY;
    uint64_t n_blocks = (paths + TR_PATH_BLOCK - 1) / TR_PATH_BLOCK;
    for (int k = 1; k < o->n_threads; k++) {
        if ((uint64_t)rows[k].threads > n_blocks) continue;
        double e_eng = rows[0].engine_s * rows[0].threads / (rows[k].engine_s * rows[k].threads);
        double e_flr = rows[0].floor_s * rows[0].threads / (rows[k].floor_s * rows[k].threads);
        if (e_eng / e_flr < worst_eff) worst_eff = e_eng / e_flr;
        if (e_eng / e_flr < 0.95) eff_ok = 0;
        n_eff++;
    }
    if (n_eff > 0) {
        cJSON_AddNumberToObject(jg, "worst_efficiency_ratio", worst_eff);
        cJSON_AddBoolToObject(jg, "efficiency_ratio_ge_0_95", eff_ok);
        printf("     parallel efficiency >= 95 %% of the floor's: worst ratio %.3f  [%s]\n",
               worst_eff, eff_ok ? "met" : "not met");
    } else if (o->n_threads > 1) {
        printf("     parallel efficiency: not judged (fewer blocks of %d paths than threads)\n",
               TR_PATH_BLOCK);
    }
    if (rss[0] > 0 && rss[1] > 0) {
        double ratio = (double)rss[1] / (double)rss[0];
        cJSON_AddNumberToObject(jg, "peak_rss_ratio", ratio);
        cJSON_AddBoolToObject(jg, "peak_rss_flat", ratio <= 1.10);
        printf("     peak memory flat in paths (ratio <= 1.10): %.3f  [%s]\n", ratio,
               ratio <= 1.10 ? "met" : "not met");
    }
    cJSON_AddBoolToObject(jg, "results_identical_across_threads", all_same);

    tr_config_free(cfg);
    return out;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
    /* GSL must return its errors to the engine, as in the command
     * (trustrisk/run.h, "GSL's error handler"). */
    gsl_set_error_handler_off();
    if (argc == 5 && strcmp(argv[1], "--rss-child") == 0)
        return rss_child(argv[2], argv[3], argv[4]);
    options o;
    if (parse_options(argc, argv, &o) != 0) return 2;

    char cpu[256], date[32];
    cpu_model(cpu, sizeof cpu);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    struct utsname un;
    if (uname(&un) != 0) snprintf(un.nodename, sizeof un.nodename, "unknown");
    int cores = num_procs();

    printf("trustrisk-bench: engine %s, %s build, %d cores (%s), %s\n", tr_version(),
           TR_BENCH_BUILD_TYPE, cores, cpu, date);
    printf("threads:");
    for (int k = 0; k < o.n_threads; k++)
        printf(" %d", o.threads[k]);
    printf("; median of %d run%s per figure\n", o.repeat, o.repeat == 1 ? "" : "s");
    puts("columns: engine s = wall time of tr_run alone; ns/trust-pth = engine s / (paths x "
         "trusts),\n"
         "  core-ns/t-p = that x threads, ns/trust-mo = per trust-month; fixed s = a 1-path run "
         "(set-up,\n"
         "  workspaces, accumulators, merge); marginal = ns per trust-path beyond that fixed "
         "cost;\n"
         "  floor s = the random-number floor; eng/flr = engine s "
         "/ floor s;\n"
         "  eff = t(1) / (T t(T)) for the engine and the floor, eff rat = their ratio; same = "
         "results.json\n"
         "  the same bytes as at the first thread count. Every time is a median.");
    if (strcmp(TR_BENCH_BUILD_TYPE, "Release") != 0)
        printf("warning: the library was configured as \"%s\", not Release: figures are not "
               "comparable\n",
               TR_BENCH_BUILD_TYPE);

    cJSON *root = cJSON_CreateObject();
    cJSON *jh = cJSON_AddObjectToObject(root, "host");
    cJSON_AddStringToObject(jh, "name", un.nodename);
    cJSON_AddStringToObject(jh, "cpu", cpu);
    cJSON_AddNumberToObject(jh, "cores", cores);
    cJSON_AddStringToObject(root, "engine_version", tr_version());
    cJSON_AddStringToObject(root, "build_type", TR_BENCH_BUILD_TYPE);
#ifdef __VERSION__
    cJSON_AddStringToObject(root, "compiler", __VERSION__);
#endif
    cJSON_AddStringToObject(root, "date", date);
    cJSON_AddNumberToObject(root, "repeat", o.repeat);
    cJSON *jw = cJSON_AddArrayToObject(root, "workloads");

    double sink = 0.0;
    for (int w = 0; w < 3; w++)
        if (o.want[w]) cJSON_AddItemToArray(jw, run_workload(&o, w, &sink));
    /* The floor's sums are printed nowhere but must not be optimised away. */
    cJSON_AddNumberToObject(root, "floor_checksum", sink);

    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) {
        fprintf(stderr, "trustrisk-bench: out of memory formatting JSON\n");
        return 1;
    }
    int rc = 0;
    if (o.json && *o.json) {
        FILE *fp = fopen(o.json, "w");
        if (!fp || fputs(text, fp) == EOF || fputc('\n', fp) == EOF) rc = 1;
        if (fp && fclose(fp) != 0) rc = 1;
        if (rc)
            fprintf(stderr, "trustrisk-bench: cannot write %s: %s\n", o.json, strerror(errno));
        else
            printf("\nwrote %s\n", o.json);
    }
    free(text);
    return rc;
}
