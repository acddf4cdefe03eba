/*
 * run.c - running the paths in parallel, and replaying one of them.
 *
 * Paths are grouped into blocks of TR_PATH_BLOCK consecutive indices;
 * threads take blocks dynamically (parallel.h), simulate each block chunk by
 * chunk with the kernel (kernel.h) and add the chunks into their own
 * statistics, whose sums are formed per block in path order, so the merged
 * statistics are the same bytes whatever the thread count (accum.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accum.h"
#include "kernel.h"
#include "parallel.h"
#include "results.h"
#include "sim.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void tr_run_options_init(tr_run_options *opt, const tr_config *cfg)
{
    memset(opt, 0, sizeof *opt);
    opt->paths = cfg ? cfg->paths : TR_DEFAULT_PATHS;
    opt->seed = cfg ? cfg->seed : TR_DEFAULT_SEED;
}

static tr_status check_options(const tr_run_options *opt, tr_error *err)
{
    tr_status st = TR_OK;
    if (opt->paths < 1 || opt->paths > TR_MAX_PATHS)
        st = tr_error_add(err, TR_E_INPUT, NULL, "paths", 0, 0,
                          "must be in [1, 4000000000] (got %llu)", (unsigned long long)opt->paths);
    if (opt->seed > (UINT64_C(1) << 53))
        st = tr_error_add(err, TR_E_INPUT, NULL, "seed", 0, 0,
                          "must be in [0, 9007199254740992] (got %llu)",
                          (unsigned long long)opt->seed);
    /* Path numbers are below 2^32 (rng.h). */
    if (opt->paths <= TR_MAX_PATHS && opt->first_path > (UINT64_C(1) << 32) - opt->paths)
        st = tr_error_add(err, TR_E_INPUT, NULL, "first_path", 0, 0,
                          "first_path + paths must be at most 2^32 (got %llu + %llu)",
                          (unsigned long long)opt->first_path, (unsigned long long)opt->paths);
    if (opt->threads < 0 || opt->threads > 4096)
        st = tr_error_add(err, TR_E_INPUT, NULL, "threads", 0, 0,
                          "must be in [0, 4096] (0: OpenMP's default; got %d)", opt->threads);
    return st;
}

/* Physical memory in bytes, or 0 if unknown. */
static double physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0.0;
}

/* Progress reporting shared by the threads. */
typedef struct progress {
    const tr_run_options *opt;
    uint64_t done;
    double last;
} progress;

static void report_progress(progress *pr, uint64_t add, int may_call)
{
    uint64_t done = tr__atomic_add(&pr->done, add);
    if (!pr->opt->progress || !may_call) return;
    double t = now_seconds();
    if (t - pr->last < 0.1) return;
    pr->last = t;
    pr->opt->progress(pr->opt->progress_user, done, pr->opt->paths);
}

/* A non-finite value reached the statistics: never reported as null,
 * always an internal error that says what and where. */
static void bad_value(const tr__bad *bad, const tr__plan *plan, const tr_run_options *opt,
                      tr_error *local)
{
    char what[512];
    tr__bad_describe(bad, plan, what, sizeof what);
    tr_error_add(local, TR_E_INTERNAL, plan->cfg->source, NULL, 0, 0,
                 "internal error: %s is %g on path %llu, seed %llu (replay it with `trustrisk "
                 "path CONFIG --index %llu --seed %llu`); every value should be finite for a "
                 "config that passed validation: please report this",
                 what, bad->value, (unsigned long long)bad->path, (unsigned long long)opt->seed,
                 (unsigned long long)bad->path, (unsigned long long)opt->seed);
}

/* What the threads of a run share. */
typedef struct run_ctx {
    tr_results *res; /* res->total: the statistics every thread adds into */
    const tr_run_options *opt;
    uint64_t first, last; /* paths [first, last) */
    progress pr;
    tr_error *err;
    uint64_t b0;          /* first block */
    int progress_claimed; /* a thread reports progress */
    int *failed;          /* set once anything failed: the remaining blocks are skipped */
} run_ctx;

/* One thread's state. */
typedef struct worker {
    tr__kws kws;
    tr__chunk_out chunk;
    tr__acc_local acc;
    tr_error local;
    int is_first; /* the thread that reports progress */
    int bad;      /* this thread added a non-finite value */
} worker;

static void worker_free(worker *w)
{
    tr__acc_local_free(&w->acc);
    tr__chunk_free(&w->chunk);
    tr__kws_free(&w->kws);
}

static int worker_start(void *ctx, void **local)
{
    run_ctx *rc = ctx;
    worker *w = calloc(1, sizeof *w);
    *local = w;
    if (!w) return -1;
    tr_error_init(&w->local);
    const tr__plan *plan = &rc->res->plan;
    if (tr__kws_init(&w->kws, plan, &w->local) != TR_OK ||
        tr__chunk_init(&w->chunk, plan, &w->local) != TR_OK ||
        tr__acc_local_init(&w->acc, plan, &w->local) != TR_OK) {
        worker_free(w);
        return -1;
    }
    w->is_first = tr__flag_claim(&rc->progress_claimed);
    return 0;
}

/* Block b0 + k: its paths chunk by chunk, then the block's sums. */
static void worker_block(void *ctx, void *local, size_t k)
{
    run_ctx *rc = ctx;
    worker *w = local;
    const uint64_t B = TR_PATH_BLOCK;
    uint64_t lo = (rc->b0 + (uint64_t)k) * B, hi = lo + B;
    if (lo < rc->first) lo = rc->first;
    if (hi > rc->last) hi = rc->last;
    if (w->bad) return;
    for (uint64_t p = lo; p < hi; p += TR__CHUNK) {
        size_t n = hi - p < TR__CHUNK ? (size_t)(hi - p) : TR__CHUNK;
        tr__kernel_chunk(&w->kws, rc->opt->seed, p, n, &w->chunk);
        tr__acc_add_chunk(&rc->res->total, &w->acc, &w->chunk, &rc->res->plan);
        if (w->acc.bad.kind != TR__BAD_NONE) {
            bad_value(&w->acc.bad, &rc->res->plan, rc->opt, &w->local);
            w->bad = 1;
            tr__flag_set(rc->failed);
            return;
        }
    }
    tr__acc_end_block(&rc->res->total, &w->acc);
    report_progress(&rc->pr, hi - lo, w->is_first);
}

/* Called one thread at a time: the thread's pending counts go into the
 * shared statistics, or its errors into the run's. */
static void worker_finish(void *ctx, void *local, int ok)
{
    run_ctx *rc = ctx;
    worker *w = local;
    if (!w) {
        tr_error_add(rc->err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory starting a thread");
        return;
    }
    if (ok && !w->bad) tr__acc_local_flush(&rc->res->total, &w->acc);
    if (ok) worker_free(w);
    for (size_t d = 0; d < w->local.count; d++)
        tr_error_add(rc->err, w->local.diags[d].status, w->local.diags[d].file, NULL, 0, 0, "%s",
                     w->local.diags[d].message);
    tr_error_clear(&w->local);
    free(w);
}

tr_status tr_run(const tr_config *cfg, const tr_run_options *opt, tr_results **out, tr_error *err)
{
    *out = NULL;
    if (check_options(opt, err) != TR_OK) return TR_E_INPUT;
    tr_results *res = calloc(1, sizeof *res);
    if (!res) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    res->cfg = cfg;
    res->paths = opt->paths;
    res->seed = opt->seed;
    res->first_path = opt->first_path;
    tr_status st = tr__plan_init(&res->plan, cfg, opt->threads, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }

    run_ctx rc = {.res = res,
                  .opt = opt,
                  .first = opt->first_path,
                  .last = opt->first_path + opt->paths,
                  .pr = {opt, 0, now_seconds()},
                  .err = err};
    const uint64_t B = TR_PATH_BLOCK;
    const uint64_t b0 = rc.first / B, b1 = (rc.last + B - 1) / B; /* blocks [b0, b1) */
    rc.b0 = b0;
    double t0 = now_seconds();

    /* The threads share one set of statistics (at most tr__acc_bytes, as
     * buckets come into use), each keeping a chunk's outputs and a block's
     * partial sums; results do not depend on the thread count, so use no
     * more threads than there are blocks of paths or than fit in 80 % of the
     * machine's memory, and refuse plainly a config whose statistics alone
     * could not fit. */
    double need = tr__acc_bytes(&res->plan), avail = physical_memory() * 0.8;
    double per_thread = tr__acc_local_bytes(&res->plan) + tr__kernel_bytes(&res->plan);
    if (avail > 0 && need + per_thread > avail) {
        tr_results_free(res);
        return tr_error_add(err, TR_E_NOMEM, cfg->source, NULL, 0, 0,
                            "this config's statistics can need up to %.1f GiB (up to 27 KB for "
                            "each trust and month), more than the %.1f GiB this machine can "
                            "give; shorten the horizon or split the trusts",
                            (need + per_thread) / 1073741824.0, avail / 1073741824.0);
    }
    int nthreads = tr__threads_default(opt->threads);
    if ((uint64_t)nthreads > b1 - b0) nthreads = (int)(b1 - b0);
    if (avail > 0 && need + (double)nthreads * per_thread > avail)
        nthreads = (int)((avail - need) / per_thread);
    if (nthreads < 1) nthreads = 1;
    st = tr__acc_init(&res->total, &res->plan, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }
    static const tr__workers workers = {worker_start, worker_block, worker_finish};
    int failed = 0;
    rc.failed = &failed;
    int used_threads = tr__parallel_workers((size_t)(b1 - b0), nthreads, &workers, &rc, &failed);

    if (!failed && res->total.oom)
        tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory adding to the statistics");
    if (failed || res->total.oom) {
        tr_results_free(res);
        return tr_error_status(err) != TR_OK ? tr_error_status(err) : TR_E_NOMEM;
    }
    if (opt->progress) opt->progress(opt->progress_user, opt->paths, opt->paths);
    res->seconds = now_seconds() - t0;
    res->threads = used_threads;
    tr__summary_of of = {&res->plan, &res->total, res->paths, res->seed, res->first_path};
    st = tr__summary_make(&res->summary, &of, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }
    *out = res;
    return TR_OK;
}

void tr_results_free(tr_results *res)
{
    if (!res) return;
    tr__summary_free(&res->summary);
    tr__acc_free(&res->total);
    tr__plan_free(&res->plan);
    free(res);
}

double tr_results_seconds(const tr_results *res)
{
    return res->seconds;
}

int tr_results_threads(const tr_results *res)
{
    return res->threads;
}

/* ---- replay ------------------------------------------------------------ */

static void draw_row(FILE *fp, const char *trust, const char *scheme, const char *element, double u,
                     double value)
{
    tr__csv_str(fp, trust);
    fputc(',', fp);
    tr__csv_str(fp, scheme);
    fprintf(fp, ",%s,", element);
    tr__csv_num(fp, u);
    fputc(',', fp);
    tr__csv_num(fp, value);
    fputc('\n', fp);
}

tr_status tr_path_replay(const tr_config *cfg, uint64_t seed, uint64_t index, FILE *out,
                         tr_error *err)
{
    if (seed > (UINT64_C(1) << 53))
        return tr_error_add(err, TR_E_INPUT, NULL, "seed", 0, 0,
                            "must be in [0, 9007199254740992] (got %llu)",
                            (unsigned long long)seed);
    tr__plan plan;
    tr__ws ws;
    tr_status st = tr__plan_init(&plan, cfg, 0, err);
    if (st != TR_OK) return st;
    st = tr__ws_init(&ws, &plan, 1, err);
    if (st != TR_OK) {
        tr__plan_free(&plan);
        return st;
    }
    tr__sim_path(&ws, seed, index);
    size_t H = (size_t)plan.horizon;

    fputs("trust,month,income,expenditure,fixed_charges,savings,one_off_costs,noise,flow,bailout,"
          "cash\n",
          out);
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        for (size_t t = 0; t < H; t++) {
            const double *r = ws.trace + (i * H + t) * TR__TR_COUNT;
            tr__csv_str(out, cfg->trusts[i].id);
            fprintf(out, ",%zu", t + 1);
            for (int k = 0; k < TR__TR_COUNT; k++) {
                fputc(',', out);
                tr__csv_num(out, r[k]);
            }
            fputc('\n', out);
        }
    }

    static const char *const names[7] = {"paper",    "delivery", "compromise", "retained",
                                         "slippage", "stay",     "stay_delay"};
    fputs("\ntrust,scheme,element,u,value\n", out);
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        const double *td = ws.tdraw + i * 4;
        draw_row(out, tr->id, "", "income_growth", td[0], td[1]);
        draw_row(out, tr->id, "", "cost_growth", td[2], td[3]);
        for (size_t j = 0; j < tr->n_schemes; j++) {
            const tr__scheme_draw *d = &ws.sdraw[plan.scheme_base[i] + j];
            const char *sid = tr->schemes[j].id;
            double vals[7] = {d->paper, d->d0,   d->compromise, d->retained,
                              d->slip,  d->stay, d->stay_delay}; /* events as 0 or 1 */
            for (int e = 0; e < 7; e++)
                draw_row(out, tr->id, sid, names[e], d->u[e], vals[e]);
            draw_row(out, tr->id, sid, "delivered_fraction", NAN, d->d);
            draw_row(out, tr->id, sid, "actual_start", NAN, d->a);
            draw_row(out, tr->id, sid, "booked", NAN, d->booked);
            draw_row(out, tr->id, sid, "shortfall", NAN, d->shortfall);
        }
        draw_row(out, tr->id, "", "failure_month", NAN,
                 ws.fail_month[i] ? (double)ws.fail_month[i] : NAN);
        draw_row(out, tr->id, "", "bailout", NAN, ws.bailout[i]);
    }

    fputs("\nconsortium,requested,paid,national_topup,exhausted_month\n", out);
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        tr__csv_str(out, cfg->consortia[c].id);
        fputc(',', out);
        tr__csv_num(out, ws.requested[c]);
        fputc(',', out);
        tr__csv_num(out, ws.paid[c]);
        fputc(',', out);
        tr__csv_num(out, ws.requested[c] - ws.paid[c]);
        fputc(',', out);
        if (ws.exhaust_month[c]) fprintf(out, "%d", ws.exhaust_month[c]);
        fputc('\n', out);
    }
    fprintf(out, "\nsystem,trusts_failed,total_bailout,national_topup\npath %llu,%d,",
            (unsigned long long)index, ws.n_failed);
    tr__csv_num(out, ws.total_bailout);
    fputc(',', out);
    tr__csv_num(out, ws.national_topup);
    fputc('\n', out);

    tr__ws_free(&ws);
    tr__plan_free(&plan);
    return TR_OK;
}
