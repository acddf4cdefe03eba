/*
 * bench.c - trustrisk-bench, the engine's benchmark (issues 5 and 10).
 *
 * For each workload (bench/national.json, bench/national-distinct.json,
 * bench/credit.json and the bundled configs/example.json) it measures:
 *   - the set-up: preparing the run's plan (tr__plan_init: quantile tables,
 *     the t CDF table, event thresholds) on one thread;
 *   - the engine: tr_run (the public API) with no progress callback, timed
 *     around tr_run alone, at 1, 2, 4, ... threads up to the core count, in
 *     wall time and in this process's CPU time; from them paths per second
 *     and nanoseconds per trust-path, and, with a run of one path at the
 *     same thread count, the run's fixed cost and its marginal cost per
 *     path;
 *   - the random-number floor (floor.c): the draws the block kernel makes,
 *     counted by its census, generated with the engine's generator in the
 *     kernel's loop shape at the same thread count, and the engine's time
 *     over it;
 *   - the parallel efficiency t(1) / (T t(T)) of the engine and the floor;
 *   - whether results.json is the same bytes at every thread count;
 *   - peak resident memory in fresh processes (this program re-executed,
 *     each reading its own VmHWM): at two path counts (flat in paths) and
 *     at 1 thread and all threads (flat in threads);
 *   - for credit, when a CCruncher binary is given (--ccruncher or
 *     TR_CCRUNCHER), CCruncher on the equivalent portfolio (ccruncher.c),
 *     interleaved with trustrisk's runs, and both against the exact answer;
 *   - for the national workloads, a projection of 10^6 paths on 16 cores.
 * Every figure is the median of --repeat runs, engine, floor and peer
 * interleaved so that all see the same load. The machine may be shared, so
 * the one-core figures (and their targets) are CPU times of one-thread runs,
 * with wall times beside them, and the load average is recorded.
 * Output: a readable table on stdout and JSON (--json FILE).
 *
 * The engine's times go through the public API alone (this file uses
 * nothing else). The set-up, the census and the floor need internal headers
 * of the engine, so the benchmark links the engine's objects
 * (trustrisk_objects), not libtrustrisk, which exports only the public API:
 *   - plan.h: tr__plan_init, the set-up timed on one thread (floor.c);
 *   - kernel.h: tr__kws_init, tr__chunk_init and tr__kernel_chunk, to run
 *     the block kernel over a sample of paths and read how many variates
 *     it drew (tr__kws.census), and its time without statistics (floor.c);
 *   - rng.h and vmath.h: tr__rng_u64_lanes, tr__rng_u32_lanes and
 *     tr__vnorm_inv_block, the generator the floor times (floor.c: the floor
 *     must be the engine's own arithmetic), and tr__norm_inv for the exact
 *     credit answer (ccruncher.c).
 * Nothing else of the engine's internals is used.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The public API only: the engine's internals are used in floor.c and
 * ccruncher.c (see the top of this file). */
#include "bench.h"

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

/* The targets. */
#define T_CREDIT_NS 7.0          /* ns per trust-path, one core */
#define T_CREDIT_VS_PEER 2.0     /* at least this many times as fast as CCruncher */
#define T_CREDIT_RSS_MB 50.0     /* peak RSS of a credit run */
#define T_SETUP_S 0.5            /* national set-up on one core */
#define T_MARGINAL_US 2.0        /* national marginal cost per trust-path, one core */
#define T_FLOOR_RATIO 3.0        /* national engine time over the floor */
#define T_PROJECTION_S 30.0      /* 10^6 national paths on 16 cores */
#define T_RSS_PATHS_RATIO 1.10   /* flat in paths */
#define T_RSS_THREADS_RATIO 1.25 /* flat in threads */

/* ---- workloads ------------------------------------------------------------ */

enum { W_NATIONAL, W_DISTINCT, W_CREDIT, W_EXAMPLE, N_WORKLOADS };

static const char *const WORKLOAD_NAMES[N_WORKLOADS] = {"national", "national-distinct", "credit",
                                                        "example"};
static const char *const WORKLOAD_FILES[N_WORKLOADS] = {
    "bench/national.json", "bench/national-distinct.json", "bench/credit.json",
    "configs/example.json"};
/* Default paths: enough that a run's fixed cost is amortised (credit: 2^18,
 * as the comparison). The engine hands out paths in blocks of
 * TR_PATH_BLOCK, so these are raised to a block per thread of the largest
 * thread count measured; --quick starts from the second row. */
static const uint64_t WORKLOAD_PATHS[2][N_WORKLOADS] = {{2048, 2048, UINT64_C(1) << 18, 20480},
                                                        {512, 512, 16384, 5120}};

/* ---- options ------------------------------------------------------------ */

typedef struct options {
    int want[N_WORKLOADS];
    uint64_t paths[N_WORKLOADS]; /* 0: the workload's default */
    int threads[MAX_THREAD_COUNTS];
    int n_threads;
    int repeat;
    uint64_t rss_paths[2]; /* 0: defaults (see usage) */
    uint64_t census;       /* paths in the draw census */
    int quick;
    int rss;
    const char *ccruncher; /* NULL: none */
    const char *json;
    const char *root;
} options;

static void usage(FILE *fp)
{
    fputs("usage: trustrisk-bench [options]\n"
          "  --workload LIST   national, national-distinct, credit, example or all\n"
          "                    (comma-separated; default all)\n"
          "  --paths N         paths per run for every workload, or per workload as\n"
          "                    NAME=N[,NAME=N] (e.g. credit=1000000); default national and\n"
          "                    national-distinct 2048, credit 262144 (2^18), example 20480,\n"
          "                    raised to 1024 per thread of the largest thread count\n"
          "  --threads LIST    thread counts, e.g. 1,2,4 (default 1, 2, 4, ... and the core "
          "count)\n"
          "  --repeat R        runs per measurement, the median reported (default 3)\n"
          "  --rss-paths A,B   path counts of the peak-memory runs (default T x 1024 and\n"
          "                    8 T x 1024, T the largest thread count; --quick: T x 1024 and\n"
          "                    2 T x 1024); threads are compared at A\n"
          "  --no-rss          skip the peak-memory runs\n"
          "  --census N        paths whose draws the kernel counts (default 1024; --quick 256)\n"
          "  --ccruncher PATH  a ccruncher-cmd binary to run on the credit workload's\n"
          "                    equivalent portfolio (default: $TR_CCRUNCHER; none: skipped)\n"
          "  --root DIR        repository root holding bench/ and configs/ (default the source "
          "tree)\n"
          "  --json FILE       write the results as JSON (default bench-results.json)\n"
          "  --quick           a smoke run (under a minute on two idle cores): 1 repeat, fewer\n"
          "                    paths, threads 1 and the core count; not a measurement\n"
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

static int workload_index(const char *name)
{
    for (int w = 0; w < N_WORKLOADS; w++)
        if (strcmp(name, WORKLOAD_NAMES[w]) == 0) return w;
    return -1;
}

/* --paths N, or NAME=N,NAME=N. */
static int parse_paths(const char *s, uint64_t *paths)
{
    uint64_t v;
    if (parse_u64(s, &v) == 0) {
        if (v < 1 || v > TR_MAX_PATHS) return -1;
        for (int w = 0; w < N_WORKLOADS; w++)
            paths[w] = v;
        return 0;
    }
    char buf[256];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) return -1;
        *eq = '\0';
        int w = workload_index(tok);
        if (w < 0 || parse_u64(eq + 1, &v) != 0 || v < 1 || v > TR_MAX_PATHS) return -1;
        paths[w] = v;
    }
    return 0;
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
    o->rss = 1;
    o->json = "bench-results.json";
    o->root = TR_SOURCE_DIR;
    const char *env = getenv("TR_CCRUNCHER");
    o->ccruncher = env && *env ? env : NULL;
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
            usage(stderr);
            return -1;
        } else if (strcmp(a, "--workload") == 0) {
            char buf[128];
            if (strlen(v) >= sizeof buf) return -1;
            strcpy(buf, v);
            want_set = 1;
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                int w = workload_index(tok);
                if (strcmp(tok, "all") == 0) {
                    for (int k = 0; k < N_WORKLOADS; k++)
                        o->want[k] = 1;
                } else if (w >= 0) {
                    o->want[w] = 1;
                } else {
                    fprintf(stderr, "trustrisk-bench: unknown workload \"%s\"\n", tok);
                    return -1;
                }
            }
            i++;
        } else if (strcmp(a, "--paths") == 0) {
            if (parse_paths(v, o->paths) != 0) {
                fprintf(stderr,
                        "trustrisk-bench: bad --paths \"%s\" (N or NAME=N,..., N in 1..%llu)\n", v,
                        (unsigned long long)TR_MAX_PATHS);
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
            if (parse_u64(v, &o->census) != 0 || o->census < 1 || o->census > 1u << 24) {
                fprintf(stderr, "trustrisk-bench: bad --census \"%s\"\n", v);
                return -1;
            }
            i++;
        } else if (strcmp(a, "--ccruncher") == 0) {
            o->ccruncher = *v ? v : NULL;
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
    if (!want_set)
        for (int w = 0; w < N_WORKLOADS; w++)
            o->want[w] = 1;
    if (!threads_set) default_threads(o, o->quick);
    if (o->quick && !repeat_set) o->repeat = 1;
    if (!o->census) o->census = o->quick ? 256 : 1024;
    return 0;
}

/* ---- small utilities ---------------------------------------------------- */

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

static double load1(void)
{
    double l[1];
    return getloadavg(l, 1) == 1 ? l[0] : -1.0;
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

static const char *yes_no(int b)
{
    return b ? "yes" : "NO";
}

static const char *met(int b)
{
    return b ? "met" : "NOT MET";
}

/* A target: printed, and added to the workload's and the run's lists. */
typedef struct targets {
    cJSON *list; /* the workload's */
    cJSON *all;  /* the run's summary */
    const char *workload;
} targets;

static void target(targets *tg, const char *name, const char *what, double value, const char *unit,
                   double limit, int ok, const char *basis)
{
    if (!*unit)
        printf("     %-58s %10s %-6s [%s]\n", what, value != 0.0 ? "yes" : "no", "", met(ok));
    else
        printf("     %-58s %10.4g %-6s [%s]\n", what, value, unit, met(ok));
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "name", name);
    cJSON_AddStringToObject(j, "workload", tg->workload);
    cJSON_AddStringToObject(j, "what", what);
    cJSON_AddNumberToObject(j, "value", value);
    cJSON_AddStringToObject(j, "unit", unit);
    cJSON_AddNumberToObject(j, "limit", limit);
    cJSON_AddBoolToObject(j, "met", ok);
    if (basis) cJSON_AddStringToObject(j, "basis", basis);
    cJSON_AddItemToArray(tg->list, j);
    cJSON_AddItemToArray(tg->all, cJSON_Duplicate(j, 1));
}

/* ---- peak memory in a child process ------------------------------------- */

/* This process's peak resident set in KiB (VmHWM: the high-water mark of
 * the address space it has had since exec), or -1. */
static long peak_rss_self(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    if (!fp) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, fp))
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(fp);
    return kib;
}

/* The child: load, run, report its peak RSS on stdout, exit. */
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
    if (rc == 0) printf("%ld\n", peak_rss_self());
    return rc;
}

/* Peak RSS in KiB of a fresh process running `paths` paths, or -1. The
 * child reads its own high-water mark: wait4's ru_maxrss would also count
 * the copy of this (larger) process that fork makes before exec. */
static long rss_of_run(const char *file, uint64_t paths, int threads)
{
    char ps[32], ts[32];
    snprintf(ps, sizeof ps, "%llu", (unsigned long long)paths);
    snprintf(ts, sizeof ts, "%d", threads);
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 1);
        close(fd[1]);
        char *args[] = {"trustrisk-bench", "--rss-child", (char *)file, ps, ts, NULL};
        execv("/proc/self/exe", args);
        _exit(127);
    }
    close(fd[1]);
    char buf[64];
    size_t len = 0;
    ssize_t got;
    while (len < sizeof buf - 1 && (got = read(fd[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)got;
    buf[len] = '\0';
    close(fd[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid) return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    char *end;
    long kib = strtol(buf, &end, 10);
    return end != buf && kib > 0 ? kib : -1;
}

/* ---- the engine ----------------------------------------------------------- */

typedef struct row {
    int threads;
    /* every repeat: engine, one-path run, floor, peer; wall (w) and CPU (c) */
    double ew[MAX_REPEAT], ec[MAX_REPEAT], sw[MAX_REPEAT], sc[MAX_REPEAT];
    double fw[MAX_REPEAT * FLOOR_PER_RUN], fc[MAX_REPEAT * FLOOR_PER_RUN];
    double pw[MAX_REPEAT], pc[MAX_REPEAT];
    /* medians */
    double eng_w, eng_c, small_w, small_c, flr_w, flr_c, peer_w, peer_c;
    double marg_c; /* CPU seconds per path beyond the fixed cost */
    double eff_eng, eff_flr;
    int same_bytes, peer_ok;
} row;

/* Time tr_run on `cfg` at `threads`; with ref, compare results.json with
 * *ref (kept from the first call). */
static int time_engine(const tr_config *cfg, uint64_t paths, int threads, double *wall, double *cpu,
                       char **ref, int *same)
{
    tr_error err;
    tr_error_init(&err);
    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    opt.paths = paths;
    opt.threads = threads;
    tr_results *res = NULL;
    double w0 = bench_now(), c0 = bench_cpu();
    tr_status st = tr_run(cfg, &opt, &res, &err);
    *wall = bench_now() - w0;
    *cpu = bench_cpu() - c0;
    if (st != TR_OK) {
        tr_error_print(&err, stderr);
        tr_error_clear(&err);
        return -1;
    }
    if (ref) {
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

/* ---- the credit workload's peer ------------------------------------------- */

typedef struct peer {
    int on;
    bench_credit cp;
    bench_ccr ccr;
} peer;

static void peer_start(peer *pe, const options *o, const char *file, uint64_t paths, cJSON *out)
{
    memset(pe, 0, sizeof *pe);
    char why[512];
    if (!o->ccruncher) {
        printf("   CCruncher: not given (--ccruncher PATH or TR_CCRUNCHER): trustrisk's figure "
               "alone\n");
        cJSON_AddStringToObject(out, "ccruncher", "not given");
        return;
    }
    if (bench_credit_read(file, &pe->cp, why, sizeof why) != 0 ||
        bench_ccr_prepare(&pe->ccr, o->ccruncher, &pe->cp, paths, why, sizeof why) != 0) {
        printf("   CCruncher: skipped (%s)\n", why);
        cJSON_AddStringToObject(out, "ccruncher", why);
        return;
    }
    pe->on = 1;
    printf("   CCruncher: %s (%s), %zu obligors, PD %.4g over %d months, loading %.4g (asset "
           "correlation %.4g), Gaussian copula, %llu simulations, run interleaved\n",
           pe->ccr.version, o->ccruncher, pe->cp.n, pe->cp.pd, pe->cp.horizon, pe->cp.w,
           pe->cp.w * pe->cp.w, (unsigned long long)paths);
}

/* The peer's rows, and both engines against the exact answer; returns
 * CCruncher's CPU time over trustrisk's at one thread (NAN if not run). */
static double peer_report(peer *pe, const row *rows, int nrows, int R, uint64_t paths,
                          const char *ref, cJSON *out)
{
    if (!pe->on) return NAN;
    cJSON *jp = cJSON_AddObjectToObject(out, "ccruncher");
    cJSON_AddStringToObject(jp, "version", pe->ccr.version);
    cJSON_AddNumberToObject(jp, "obligors", (double)pe->cp.n);
    cJSON_AddNumberToObject(jp, "default_probability", pe->cp.pd);
    cJSON_AddNumberToObject(jp, "loading", pe->cp.w);
    cJSON_AddNumberToObject(jp, "simulations", (double)paths);
    cJSON *jr = cJSON_AddArrayToObject(jp, "threads");
    double tp = (double)paths * (double)pe->cp.n;
    printf("   CCruncher, same portfolio and simulations (median of its runs):\n");
    printf("   %7s %10s %10s %18s %18s %16s %16s\n", "threads", "wall s", "CPU s",
           "ns/obligor-path", "core-ns/o-p (CPU)", "ratio (wall)", "ratio (CPU)");
    const row *one = NULL;
    for (int k = 0; k < nrows; k++) {
        const row *r = &rows[k];
        if (!r->peer_ok) continue;
        if (r->threads == 1) one = r;
        double rw = r->peer_w / r->eng_w, rc = r->peer_c / r->eng_c;
        printf("   %7d %10.3f %10.3f %18.2f %18.2f %15.2fx %15.2fx\n", r->threads, r->peer_w,
               r->peer_c, 1e9 * r->peer_w / tp, 1e9 * r->peer_c / tp, rw, rc);
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "threads", r->threads);
        cJSON_AddNumberToObject(j, "wall_seconds", r->peer_w);
        cJSON_AddItemToObject(j, "wall_seconds_all", json_array_d(r->pw, R));
        cJSON_AddNumberToObject(j, "cpu_seconds", r->peer_c);
        cJSON_AddNumberToObject(j, "ns_per_obligor_path", 1e9 * r->peer_w / tp);
        cJSON_AddNumberToObject(j, "cpu_ns_per_obligor_path", 1e9 * r->peer_c / tp);
        cJSON_AddNumberToObject(j, "ratio_to_trustrisk_wall", rw);
        cJSON_AddNumberToObject(j, "ratio_to_trustrisk_cpu", rc);
        cJSON_AddItemToArray(jr, j);
    }
    printf("   (ratio = CCruncher's time / trustrisk's on the same machine at the same thread "
           "count)\n");

    /* Agreement: both against the exact one-factor answer. */
    double mean, var;
    bench_credit_exact(&pe->cp, &mean, &var);
    bench_moments mt, mc;
    int have_t = ref && bench_moments_of_results(ref, &mt) == 0;
    int have_c = bench_ccr_moments(&pe->ccr, &mc) == 0;
    cJSON *ja = cJSON_AddObjectToObject(jp, "agreement");
    cJSON_AddNumberToObject(ja, "exact_mean_defaults", mean);
    cJSON_AddNumberToObject(ja, "exact_sd_defaults", sqrt(var));
    printf("   number of defaults: exact (one-factor Gaussian) mean %.4f, sd %.4f\n", mean,
           sqrt(var));
    int agree = have_t && have_c;
    const struct {
        const char *name;
        int have;
        const bench_moments *m;
    } who[2] = {{"trustrisk", have_t, &mt}, {"ccruncher", have_c, &mc}};
    for (int k = 0; k < 2; k++) {
        if (!who[k].have) {
            printf("     %-10s: no result to compare\n", who[k].name);
            continue;
        }
        double zm, zv;
        bench_agreement(who[k].m, mean, var, &zm, &zv);
        int ok = fabs(zm) <= 4.0 && fabs(zv) <= 4.0;
        agree &= ok;
        printf("     %-10s: mean %.4f (%+.2f standard errors), sd %.4f (variance %+.2f s.e.) over "
               "%.0f paths  [%s]\n",
               who[k].name, who[k].m->mean, zm, sqrt(who[k].m->var), zv, who[k].m->n,
               ok ? "agrees" : "DISAGREES");
        cJSON *j = cJSON_AddObjectToObject(ja, who[k].name);
        cJSON_AddNumberToObject(j, "paths", who[k].m->n);
        cJSON_AddNumberToObject(j, "mean_defaults", who[k].m->mean);
        cJSON_AddNumberToObject(j, "sd_defaults", sqrt(who[k].m->var));
        cJSON_AddNumberToObject(j, "mean_z", zm);
        cJSON_AddNumberToObject(j, "variance_z", zv);
        cJSON_AddBoolToObject(j, "agrees", ok);
    }
    cJSON_AddBoolToObject(ja, "all_agree_within_4_se", agree);
    return one ? one->peer_c / one->eng_c : NAN;
}

/* ---- one workload ------------------------------------------------------- */

static cJSON *run_workload(const options *o, int w, double *sink, cJSON *summary)
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
    uint64_t paths = o->paths[w];
    if (!paths) {
        paths = WORKLOAD_PATHS[o->quick][w];
        if (paths < (uint64_t)max_threads * TR_PATH_BLOCK)
            paths = (uint64_t)max_threads * TR_PATH_BLOCK;
    }
    const uint64_t seed = tr_config_seed(cfg);
    const size_t nt = tr_config_trust_count(cfg);
    const int H = tr_config_horizon(cfg);
    const int R = o->repeat;
    const double tpaths = (double)paths * (double)nt; /* trust-paths of a run */
    const int national = w == W_NATIONAL || w == W_DISTINCT;
    targets tg = {cJSON_CreateArray(), summary, WORKLOAD_NAMES[w]};

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
    double load_start = load1();
    cJSON_AddNumberToObject(out, "load_average_start", load_start);

    printf("\n== %s: %s\n", WORKLOAD_NAMES[w], tr_config_name(cfg));
    printf("   %zu trusts, %zu schemes, %zu consortia, %zu factors, %d months, %s copula; "
           "%llu paths, median of %d; load average %.2f on %d cores\n",
           nt, tr_config_scheme_count(cfg), tr_config_consortium_count(cfg),
           tr_config_factor_count(cfg), H, tr_config_copula(cfg), (unsigned long long)paths, R,
           load_start, num_procs());
    fflush(stdout);

    /* The set-up on one thread: at least three times, for a median. */
    {
        int n = R < 3 && !o->quick ? 3 : R;
        double sw[MAX_REPEAT], sc[MAX_REPEAT];
        for (int k = 0; k < n; k++)
            if (bench_plan_setup(cfg, &sw[k], &sc[k]) != 0) {
                tr_config_free(cfg);
                cJSON_AddStringToObject(out, "skipped", "set-up failed");
                cJSON_Delete(tg.list);
                return out;
            }
        double mw = median(sw, n), mc = median(sc, n);
        cJSON *js = cJSON_AddObjectToObject(out, "setup");
        cJSON_AddNumberToObject(js, "cpu_seconds", mc);
        cJSON_AddNumberToObject(js, "wall_seconds", mw);
        cJSON_AddItemToObject(js, "cpu_seconds_all", json_array_d(sc, n));
        printf("   set-up (tr__plan_init on 1 thread): %.3f s CPU, %.3f s wall (median of %d)\n",
               mc, mw, n);
        cJSON_AddNumberToObject(out, "setup_cpu_seconds", mc);
    }

    /* What a path draws: the kernel's census. */
    bench_census cen;
    if (bench_take_census(cfg, seed, o->census, &cen) != 0) {
        tr_config_free(cfg);
        cJSON_AddStringToObject(out, "skipped", "census failed");
        cJSON_Delete(tg.list);
        return out;
    }
    const double cp = (double)cen.paths;
    const double u64pp = (double)cen.u64 / cp, u32pp = (double)cen.u32 / cp,
                 npp = (double)cen.normals / cp, bpp = u64pp / 2.0 + u32pp / 4.0;
    {
        cJSON *jc = cJSON_AddObjectToObject(out, "draws_per_path");
        cJSON_AddNumberToObject(jc, "census_paths", cp);
        cJSON_AddNumberToObject(jc, "u64", u64pp);
        cJSON_AddNumberToObject(jc, "u32", u32pp);
        cJSON_AddNumberToObject(jc, "normals", npp);
        cJSON_AddNumberToObject(jc, "philox_blocks", bpp);
        cJSON_AddNumberToObject(out, "kernel_only_cpu_ns_per_trust_path",
                                1e9 * cen.kernel_cpu / (cp * (double)nt));
        printf("   draws per path (kernel census over %.0f paths): %.1f continuous (u64), %.1f "
               "event (u32), %.1f normal inversions = %.1f Philox4x32 blocks\n"
               "   kernel alone (no statistics), 1 thread: %.1f ns per trust-path CPU\n",
               cp, u64pp, u32pp, npp, bpp, 1e9 * cen.kernel_cpu / (cp * (double)nt));
    }

    /* Warm-up: page in the code and the allocator's arenas. */
    {
        double a, b;
        uint64_t wp = paths < 256 ? paths : 256;
        if (time_engine(cfg, wp, max_threads, &a, &b, NULL, NULL) != 0) {
            tr_config_free(cfg);
            cJSON_AddStringToObject(out, "skipped", "run failed");
            cJSON_Delete(tg.list);
            return out;
        }
    }

    peer pe;
    memset(&pe, 0, sizeof pe);
    if (w == W_CREDIT) peer_start(&pe, o, file, paths, out);

    if (paths < (uint64_t)max_threads * TR_PATH_BLOCK)
        printf("   note: %llu paths make %llu block%s of %d: at most that many threads are busy\n",
               (unsigned long long)paths,
               (unsigned long long)((paths + TR_PATH_BLOCK - 1) / TR_PATH_BLOCK),
               (paths + TR_PATH_BLOCK - 1) / TR_PATH_BLOCK == 1 ? "" : "s", TR_PATH_BLOCK);

    /* The engine at each thread count, floor and peer interleaved. */
    row *rows = calloc(MAX_THREAD_COUNTS, sizeof *rows);
    if (!rows) {
        tr_config_free(cfg);
        cJSON_AddStringToObject(out, "skipped", "out of memory");
        cJSON_Delete(tg.list);
        return out;
    }
    char *ref = NULL;
    int all_same = 1;
    printf("   %7s %8s %8s %9s %9s %10s %10s %8s %8s %8s %7s %7s %7s %7s %4s\n", "threads",
           "wall s", "CPU s", "paths/s", "ns/t-p", "core-ns/tp", "marginal", "fixed s", "floor s",
           "flr CPU", "eng/flr", "e/f CPU", "eff eng", "eff flr", "same");
    for (int k = 0; k < o->n_threads; k++) {
        row *r = &rows[k];
        r->threads = o->threads[k];
        r->same_bytes = 1;
        r->peer_ok = pe.on;
        for (int rep = 0; rep < R; rep++) {
            int same = 1;
            if (time_engine(cfg, paths, r->threads, &r->ew[rep], &r->ec[rep],
                            rep == 0 ? &ref : NULL, &same) != 0 ||
                time_engine(cfg, 1, r->threads, &r->sw[rep], &r->sc[rep], NULL, NULL) != 0) {
                free(ref);
                free(rows);
                tr_config_free(cfg);
                cJSON_AddStringToObject(out, "skipped", "run failed");
                cJSON_Delete(tg.list);
                if (pe.on) bench_ccr_cleanup(&pe.ccr);
                return out;
            }
            if (!same) r->same_bytes = 0;
            for (int f = 0; f < FLOOR_PER_RUN; f++)
                bench_floor_run(&cen, seed, paths, r->threads, 1, &r->fw[rep * FLOOR_PER_RUN + f],
                                &r->fc[rep * FLOOR_PER_RUN + f], sink);
            if (r->peer_ok && bench_ccr_run(&pe.ccr, r->threads, &r->pw[rep], &r->pc[rep]) != 0)
                r->peer_ok = 0;
        }
        all_same &= r->same_bytes;
        r->eng_w = median(r->ew, R);
        r->eng_c = median(r->ec, R);
        r->small_w = median(r->sw, R);
        r->small_c = median(r->sc, R);
        r->flr_w = median(r->fw, R * FLOOR_PER_RUN);
        r->flr_c = median(r->fc, R * FLOOR_PER_RUN);
        if (r->peer_ok) {
            r->peer_w = median(r->pw, R);
            r->peer_c = median(r->pc, R);
        }
        /* A run costs its fixed part (the one-path run: set-up, workspaces,
         * statistics) and a marginal cost per path: t(n) = fixed + n m. */
        r->marg_c = paths > 1 ? (r->eng_c - r->small_c) / (double)(paths - 1) : r->eng_c;
        r->eff_eng = rows[0].eng_w * rows[0].threads / (r->eng_w * r->threads);
        r->eff_flr = rows[0].flr_w * rows[0].threads / (r->flr_w * r->threads);
        printf("   %7d %8.3f %8.3f %9.0f %9.1f %10.1f %10.1f %8.3f %8.3f %8.3f %6.2fx %6.2fx "
               "%6.0f%% %6.0f%% %4s\n",
               r->threads, r->eng_w, r->eng_c, (double)paths / r->eng_w, 1e9 * r->eng_w / tpaths,
               1e9 * r->eng_c / tpaths, 1e9 * r->marg_c / (double)nt, r->small_c, r->flr_w,
               r->flr_c, r->eng_w / r->flr_w, r->eng_c / r->flr_c, 100.0 * r->eff_eng,
               100.0 * r->eff_flr, yes_no(r->same_bytes));
        fflush(stdout);
    }
    puts("   (ns/t-p: wall ns per trust-path; core-ns/tp: CPU ns per trust-path, all threads; "
         "marginal: CPU ns\n"
         "   per trust-path beyond the fixed cost, fixed s: CPU s of a one-path run; eng/flr: "
         "engine over floor,\n"
         "   wall and CPU; eff: t(1) / (T t(T)) in wall time)");

    /* The floor's two parts at the first thread count: Philox alone, the rest normals. */
    {
        double tw[MAX_REPEAT], tc[MAX_REPEAT];
        for (int rep = 0; rep < R; rep++)
            bench_floor_run(&cen, seed, paths, rows[0].threads, 0, &tw[rep], &tc[rep], sink);
        double philox = median(tc, R), normals = rows[0].flr_c - philox;
        cJSON *jf = cJSON_AddObjectToObject(out, "floor_parts");
        cJSON_AddNumberToObject(jf, "threads", rows[0].threads);
        cJSON_AddNumberToObject(jf, "philox_cpu_seconds", philox);
        cJSON_AddNumberToObject(jf, "normals_cpu_seconds", normals);
        cJSON_AddNumberToObject(jf, "ns_per_philox_block", 1e9 * philox / ((double)paths * bpp));
        /* The normals' part is a difference of two timings: below a tenth
         * of the floor (credit: one inversion a path) it is noise. */
        int resolved = npp > 0 && normals > 0.1 * rows[0].flr_c;
        if (resolved)
            cJSON_AddNumberToObject(jf, "ns_per_normal", 1e9 * normals / ((double)paths * npp));
        printf("   floor at %d thread%s (CPU): Philox %.3f s (%.2f ns a block), ", rows[0].threads,
               rows[0].threads == 1 ? "" : "s", philox, 1e9 * philox / ((double)paths * bpp));
        if (resolved)
            printf("normals %.3f s (%.2f ns each)\n", normals,
                   1e9 * normals / ((double)paths * npp));
        else
            printf("normals %.3f s (too few to time apart)\n", normals);
    }

    cJSON *jt = cJSON_AddArrayToObject(out, "threads");
    for (int k = 0; k < o->n_threads; k++) {
        const row *r = &rows[k];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "threads", r->threads);
        cJSON_AddNumberToObject(j, "engine_wall_seconds", r->eng_w);
        cJSON_AddNumberToObject(j, "engine_cpu_seconds", r->eng_c);
        cJSON_AddItemToObject(j, "engine_wall_seconds_all", json_array_d(r->ew, R));
        cJSON_AddItemToObject(j, "engine_cpu_seconds_all", json_array_d(r->ec, R));
        cJSON_AddNumberToObject(j, "paths_per_second", (double)paths / r->eng_w);
        cJSON_AddNumberToObject(j, "ns_per_trust_path", 1e9 * r->eng_w / tpaths);
        cJSON_AddNumberToObject(j, "cpu_ns_per_trust_path", 1e9 * r->eng_c / tpaths);
        cJSON_AddNumberToObject(j, "ns_per_trust_month", 1e9 * r->eng_w / tpaths / H);
        cJSON_AddNumberToObject(j, "one_path_run_wall_seconds", r->small_w);
        cJSON_AddNumberToObject(j, "one_path_run_cpu_seconds", r->small_c);
        cJSON_AddNumberToObject(j, "fixed_cpu_seconds", r->small_c);
        cJSON_AddNumberToObject(j, "marginal_cpu_ns_per_trust_path", 1e9 * r->marg_c / (double)nt);
        cJSON_AddNumberToObject(j, "floor_wall_seconds", r->flr_w);
        cJSON_AddNumberToObject(j, "floor_cpu_seconds", r->flr_c);
        cJSON_AddItemToObject(j, "floor_wall_seconds_all", json_array_d(r->fw, R * FLOOR_PER_RUN));
        cJSON_AddNumberToObject(j, "engine_over_floor_wall", r->eng_w / r->flr_w);
        cJSON_AddNumberToObject(j, "engine_over_floor_cpu", r->eng_c / r->flr_c);
        cJSON_AddNumberToObject(j, "efficiency_engine", r->eff_eng);
        cJSON_AddNumberToObject(j, "efficiency_floor", r->eff_flr);
        cJSON_AddBoolToObject(j, "results_identical", r->same_bytes);
        cJSON_AddItemToArray(jt, j);
    }
    cJSON_AddBoolToObject(out, "results_identical_across_threads", all_same);
    if (rows[0].threads != 1)
        printf("   (efficiency is relative to %d threads, the smallest count measured)\n",
               rows[0].threads);

    double vs_peer = peer_report(&pe, rows, o->n_threads, R, paths, ref, out);
    if (pe.on) bench_ccr_cleanup(&pe.ccr);
    free(ref);

    /* Peak memory in fresh processes: at the largest thread count T, at two
     * path counts (the engine runs at most one thread per block of paths, so
     * both keep T threads busy); and at the smaller count on one thread. */
    long rss[3] = {-1, -1, -1};
    const int rt = o->threads[o->n_threads - 1];
    const uint64_t rbase = (uint64_t)rt * TR_PATH_BLOCK;
    const uint64_t rp[2] = {o->rss_paths[0] ? o->rss_paths[0] : rbase,
                            o->rss_paths[1] ? o->rss_paths[1] : (o->quick ? 2 : 8) * rbase};
    if (o->rss) {
        rss[0] = rss_of_run(file, rp[0], rt);
        rss[1] = rss_of_run(file, rp[1], rt);
        rss[2] = rt > 1 ? rss_of_run(file, rp[0], 1) : rss[0];
        const struct {
            uint64_t paths;
            int threads;
        } at[3] = {{rp[0], rt}, {rp[1], rt}, {rp[0], 1}};
        cJSON *jr = cJSON_AddArrayToObject(out, "peak_rss");
        for (int k = 0; k < 3; k++) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddNumberToObject(j, "paths", (double)at[k].paths);
            cJSON_AddNumberToObject(j, "threads", at[k].threads);
            if (rss[k] >= 0)
                cJSON_AddNumberToObject(j, "kib", (double)rss[k]);
            else
                cJSON_AddNullToObject(j, "kib");
            cJSON_AddItemToArray(jr, j);
        }
        if (rss[0] > 0 && rss[1] > 0 && rss[2] > 0)
            printf("   peak RSS (own process each): %d threads: %llu paths %.1f MiB, %llu paths "
                   "%.1f MiB; 1 thread, %llu paths: %.1f MiB\n",
                   rt, (unsigned long long)rp[0], rss[0] / 1024.0, (unsigned long long)rp[1],
                   rss[1] / 1024.0, (unsigned long long)rp[0], rss[2] / 1024.0);
        else
            printf("   peak RSS: measurement failed\n");
    }

    /* The targets (benchmarks, not tests). */
    printf("   targets:\n");
    const row *one = NULL, *last = &rows[o->n_threads - 1];
    for (int k = 0; k < o->n_threads; k++)
        if (rows[k].threads == 1) one = &rows[k];
    if (w == W_CREDIT && one) {
        double ns = 1e9 * one->eng_c / tpaths;
        target(&tg, "credit_ns_per_trust_path", "credit: ns per trust-path, one core (CPU)", ns,
               "ns", T_CREDIT_NS, ns <= T_CREDIT_NS,
               "CPU time of one-thread tr_run over all the paths (fixed cost included), median");
        if (!isnan(vs_peer))
            target(&tg, "credit_vs_ccruncher",
                   "credit: CCruncher's time / trustrisk's, one core (CPU)", vs_peer, "x",
                   T_CREDIT_VS_PEER, vs_peer >= T_CREDIT_VS_PEER,
                   "CPU time of one-thread runs over the same paths, interleaved, medians");
        else
            printf("     credit against CCruncher: not measured (no CCruncher)\n");
    }
    if (national) {
        double setup = cJSON_GetNumberValue(cJSON_GetObjectItem(out, "setup_cpu_seconds"));
        target(&tg, "setup_seconds", "set-up on one core (CPU)", setup, "s", T_SETUP_S,
               setup <= T_SETUP_S, "tr__plan_init with 1 thread, median CPU time");
        if (one) {
            double us = 1e6 * one->marg_c / (double)nt;
            target(&tg, "marginal_us_per_trust_path",
                   "marginal cost per trust-path, one core (CPU)", us, "us", T_MARGINAL_US,
                   us <= T_MARGINAL_US,
                   "(t(paths) - t(1 path)) / (paths - 1) / trusts, CPU time, one thread");
            double ratio = one->eng_c / one->flr_c;
            target(&tg, "engine_over_floor", "engine / random-number floor, one core (CPU)", ratio,
                   "x", T_FLOOR_RATIO, ratio <= T_FLOOR_RATIO,
                   "tr_run's CPU time over the floor's, one thread, interleaved medians");
        }
        /* 10^6 paths on 16 cores: a projection from this machine. The
         * engine's own parallel efficiency is its wall-time efficiency over
         * the floor's at the same thread count: the floor shares nothing
         * between threads, so its efficiency is what the machine (its load,
         * its memory) gave both. The raw figure is reported beside. */
        const row *base = one ? one : &rows[0];
        int have_eff = last->threads > base->threads;
        double eff_raw = have_eff ? last->eff_eng : 1.0;
        double eff_rel = have_eff ? last->eff_eng / last->eff_flr : 1.0;
        double eff_cpu = have_eff ? base->eng_c / last->eng_c : 1.0;
        double eff = eff_rel > 1.0 ? 1.0 : eff_rel;
        double per_path = base->marg_c * base->threads; /* core-seconds per path */
        double s16 = base->small_c + 1e6 * per_path / (16.0 * eff);
        double s16_raw = base->small_c + 1e6 * per_path / (16.0 * (eff_raw > 1.0 ? 1.0 : eff_raw));
        double s16_perfect = base->small_c + 1e6 * per_path / 16.0;
        cJSON *jp = cJSON_AddObjectToObject(out, "projection_1e6_paths_16_cores");
        cJSON_AddNumberToObject(jp, "seconds", s16);
        cJSON_AddNumberToObject(jp, "fixed_cpu_seconds", base->small_c);
        cJSON_AddNumberToObject(jp, "marginal_core_seconds_per_path", per_path);
        cJSON_AddNumberToObject(jp, "efficiency_used", eff);
        cJSON_AddNumberToObject(jp, "efficiency_engine_over_floor", eff_rel);
        cJSON_AddNumberToObject(jp, "efficiency_engine_wall", eff_raw);
        cJSON_AddNumberToObject(jp, "efficiency_engine_cpu", eff_cpu);
        cJSON_AddNumberToObject(jp, "efficiency_measured_at_threads", last->threads);
        cJSON_AddNumberToObject(jp, "seconds_with_raw_wall_efficiency", s16_raw);
        cJSON_AddNumberToObject(jp, "seconds_perfect_scaling", s16_perfect);
        char basis[320];
        snprintf(basis, sizeof basis,
                 "PROJECTION, not a measurement: fixed cost %.3f s (one core) + 10^6 x %.3f ms "
                 "per path (one core) / (16 x efficiency %.2f: the engine's over the floor's at "
                 "%d threads here)",
                 base->small_c, 1e3 * per_path, eff, last->threads);
        cJSON_AddStringToObject(jp, "basis", basis);
        printf("   projection (arithmetic, not measured): 10^6 paths on 16 cores = %.3f s fixed + "
               "10^6 x %.3f ms / (16 x %.2f) = %.1f s\n"
               "     efficiency at %d threads: engine %.0f %% of wall, floor %.0f %%, engine over "
               "floor %.2f (used); CPU t(1) / t(T) %.2f; with the raw %.0f %%: %.1f s; perfect "
               "scaling: %.1f s\n",
               base->small_c, 1e3 * per_path, eff, s16, last->threads, 100.0 * eff_raw,
               100.0 * (have_eff ? last->eff_flr : 1.0), eff_rel, eff_cpu, 100.0 * eff_raw, s16_raw,
               s16_perfect);
        target(&tg, "projection_1e6_paths_16_cores", "10^6 paths on 16 cores (PROJECTED)", s16, "s",
               T_PROJECTION_S, s16 <= T_PROJECTION_S, basis);
    }
    if (rss[0] > 0 && rss[1] > 0) {
        double ratio = (double)rss[1] / (double)rss[0];
        target(&tg, "peak_rss_paths_ratio", "peak RSS flat in paths (ratio of the two counts)",
               ratio, "x", T_RSS_PATHS_RATIO, ratio <= T_RSS_PATHS_RATIO, NULL);
    }
    if (rss[0] > 0 && rss[2] > 0 && rt > 1) {
        double ratio = (double)rss[0] / (double)rss[2];
        char what[96];
        snprintf(what, sizeof what, "peak RSS flat in threads (%d threads / 1)", rt);
        target(&tg, "peak_rss_threads_ratio", what, ratio, "x", T_RSS_THREADS_RATIO,
               ratio <= T_RSS_THREADS_RATIO, NULL);
    }
    if (w == W_CREDIT && rss[0] > 0) {
        long worst = rss[0];
        for (int k = 1; k < 3; k++)
            if (rss[k] > worst) worst = rss[k];
        double mb = (double)worst * 1024.0 / 1e6;
        target(&tg, "credit_peak_rss_mb", "credit: peak RSS of a run (largest measured)", mb, "MB",
               T_CREDIT_RSS_MB, mb < T_CREDIT_RSS_MB, NULL);
    }
    target(&tg, "same_bytes", "same results.json bytes at every thread count", all_same, "", 1,
           all_same, NULL);
    cJSON_AddItemToObject(out, "targets", tg.list);
    double load_end = load1();
    cJSON_AddNumberToObject(out, "load_average_end", load_end);
    printf("   load average at the end: %.2f\n", load_end);

    free(rows);
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
    double load_start = load1();

    printf("trustrisk-bench: engine %s, %s build, %d cores (%s), %s\n", tr_version(),
           TR_BENCH_BUILD_TYPE, cores, cpu, date);
    printf("threads:");
    for (int k = 0; k < o.n_threads; k++)
        printf(" %d", o.threads[k]);
    printf("; median of %d run%s per figure; load average %.2f at the start%s\n", o.repeat,
           o.repeat == 1 ? "" : "s", load_start,
           load_start > 0.5 * cores ? " (a shared machine: judge by the CPU-time figures)" : "");
    if (o.quick) puts("--quick: a smoke run, not a measurement");
    if (strcmp(TR_BENCH_BUILD_TYPE, "Release") != 0)
        printf("warning: the library was configured as \"%s\", not Release: figures are not "
               "comparable\n",
               TR_BENCH_BUILD_TYPE);

    cJSON *root = cJSON_CreateObject();
    cJSON *jh = cJSON_AddObjectToObject(root, "host");
    cJSON_AddStringToObject(jh, "name", un.nodename);
    cJSON_AddStringToObject(jh, "cpu", cpu);
    cJSON_AddNumberToObject(jh, "cores", cores);
    cJSON_AddNumberToObject(jh, "load_average_start", load_start);
    cJSON_AddStringToObject(root, "engine_version", tr_version());
    cJSON_AddStringToObject(root, "build_type", TR_BENCH_BUILD_TYPE);
#ifdef __VERSION__
    cJSON_AddStringToObject(root, "compiler", __VERSION__);
#endif
    cJSON_AddStringToObject(root, "date", date);
    cJSON_AddNumberToObject(root, "repeat", o.repeat);
    cJSON_AddBoolToObject(root, "quick", o.quick);
    cJSON *jw = cJSON_AddArrayToObject(root, "workloads");
    cJSON *summary = cJSON_CreateArray();

    double sink = 0.0;
    for (int w = 0; w < N_WORKLOADS; w++)
        if (o.want[w]) cJSON_AddItemToArray(jw, run_workload(&o, w, &sink, summary));
    /* The floor's sums are printed nowhere but must not be optimised away. */
    cJSON_AddNumberToObject(root, "floor_checksum", sink);

    printf("\n== targets (issue 10)\n");
    const cJSON *t;
    cJSON_ArrayForEach(t, summary)
    {
        const char *unit = cJSON_GetStringValue(cJSON_GetObjectItem(t, "unit"));
        double v = cJSON_GetNumberValue(cJSON_GetObjectItem(t, "value"));
        char val[32];
        if (*unit)
            snprintf(val, sizeof val, "%.4g", v);
        else
            snprintf(val, sizeof val, "%s", v != 0.0 ? "yes" : "no");
        printf("   %-18s %-58s %10s %-3s [%s]\n",
               cJSON_GetStringValue(cJSON_GetObjectItem(t, "workload")),
               cJSON_GetStringValue(cJSON_GetObjectItem(t, "what")), val, unit,
               met(cJSON_IsTrue(cJSON_GetObjectItem(t, "met"))));
    }
    double load_end = load1();
    printf("   load average at the end: %.2f (start %.2f) on %d cores\n", load_end, load_start,
           cores);
    cJSON_AddNumberToObject(jh, "load_average_end", load_end);
    cJSON_AddItemToObject(root, "targets", summary);

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
