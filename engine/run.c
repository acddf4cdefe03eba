/*
 * run.c - running the paths in parallel, and replaying one of them.
 *
 * This is the only file with OpenMP pragmas. Paths are grouped into blocks
 * of TR_PATH_BLOCK consecutive indices; threads take blocks dynamically and
 * each block's sums are formed in path order, so the merged statistics are
 * the same bytes whatever the thread count (accum.h). Without OpenMP the
 * same code runs on one thread.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "accum.h"
#include "results.h"
#include "rng.h"
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
    if (opt->first_path > UINT64_MAX - opt->paths)
        st = tr_error_add(err, TR_E_INPUT, NULL, "first_path", 0, 0, "too large");
    if (opt->threads < 0 || opt->threads > 4096)
        st = tr_error_add(err, TR_E_INPUT, NULL, "threads", 0, 0, "must be in [1, 4096] (got %d)",
                          opt->threads);
    return st;
}

int tr__parallel_for(size_t n, int threads, void (*job)(void *ctx, size_t i), void *ctx)
{
    int used = 1;
#ifdef _OPENMP
    int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (long long i = 0; i < (long long)n; i++) {
        job(ctx, (size_t)i);
        if (i == 0) used = omp_get_num_threads();
    }
#else
    (void)threads;
    for (size_t i = 0; i < n; i++)
        job(ctx, i);
#endif
    return used;
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
    uint64_t done;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
    done = pr->done += add;
    if (!pr->opt->progress || !may_call) return;
    double t = now_seconds();
    if (t - pr->last < 0.1) return;
    pr->last = t;
    pr->opt->progress(pr->opt->progress_user, done, pr->opt->paths);
}

/* A non-finite value reached the statistics on path p: never reported as
 * null, always an internal error that says what and where (returns 0). */
static int bad_value(const tr__acc *acc, const tr__plan *plan, const tr_run_options *opt,
                     uint64_t p, tr_error *local)
{
    char what[512];
    tr__acc_describe_bad(acc, plan, what, sizeof what);
    tr_error_add(local, TR_E_INTERNAL, plan->cfg->source, NULL, 0, 0,
                 "internal error: %s is %g on path %llu, seed %llu (replay it with `trustrisk "
                 "path CONFIG --index %llu --seed %llu`); every value should be finite for a "
                 "config that passed validation: please report this",
                 what, acc->bad.value, (unsigned long long)p, (unsigned long long)opt->seed,
                 (unsigned long long)p, (unsigned long long)opt->seed);
    return 0;
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
    tr_status st = tr__plan_init_threads(&res->plan, cfg, opt->threads, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }

    const uint64_t first = opt->first_path, last = first + opt->paths; /* [first, last) */
    const uint64_t B = TR_PATH_BLOCK;
    const uint64_t b0 = first / B, b1 = (last + B - 1) / B; /* blocks [b0, b1) */
    const long long nblocks = (long long)(b1 - b0);
    progress pr = {opt, 0, now_seconds()};
    int failed = 0, used_threads = 1, have_total = 0;
    double t0 = now_seconds();

    /* Each thread keeps its own statistics (tr__acc_bytes), so more threads
     * need more memory; results do not depend on the thread count, so use no
     * more threads than there are blocks of paths or than fit in 80 % of the
     * machine's memory, and refuse plainly a config whose statistics alone
     * would not fit. */
    double need = tr__acc_bytes(&res->plan), avail = physical_memory() * 0.8;
    if (avail > 0 && need > avail) {
        tr_results_free(res);
        return tr_error_add(err, TR_E_NOMEM, cfg->source, NULL, 0, 0,
                            "this config's statistics need %.1f GiB (about 13 KB for each trust "
                            "and month), more than the %.1f GiB this machine can give; shorten "
                            "the horizon or split the trusts",
                            need / 1073741824.0, avail / 1073741824.0);
    }
#ifdef _OPENMP
    int nthreads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    if (nthreads > nblocks) nthreads = (int)nblocks;
    if (avail > 0 && (double)nthreads * need > avail) nthreads = (int)(avail / need);
    if (nthreads < 1) nthreads = 1;
#pragma omp parallel num_threads(nthreads)
#endif
    {
        tr__ws ws;
        tr__acc acc;
        tr_error local;
        tr_error_init(&local);
        int ok = tr__ws_init(&ws, &res->plan, 0, &local) == TR_OK;
        if (ok && tr__acc_init(&acc, &res->plan, &local) != TR_OK) {
            tr__ws_free(&ws);
            ok = 0;
        }
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#pragma omp single
        used_threads = omp_get_num_threads();
#endif
        if (!ok) {
#ifdef _OPENMP
#pragma omp atomic write
#endif
            failed = 1;
        }
#ifdef _OPENMP
#pragma omp barrier
#pragma omp for schedule(dynamic, 1)
#endif
        for (long long k = 0; k < nblocks; k++) {
            int stop;
#ifdef _OPENMP
#pragma omp atomic read
#endif
            stop = failed;
            if (stop) continue;
            uint64_t lo = (b0 + (uint64_t)k) * B, hi = lo + B;
            if (lo < first) lo = first;
            if (hi > last) hi = last;
            for (uint64_t p = lo; p < hi && ok; p++) {
                tr__sim_path(&ws, opt->seed, p);
                tr__acc_add_path(&acc, &ws, &res->plan);
                if (acc.bad.kind != TR__BAD_NONE) ok = bad_value(&acc, &res->plan, opt, p, &local);
            }
            if (!ok) {
                tr__acc_free(&acc);
                tr__ws_free(&ws);
#ifdef _OPENMP
#pragma omp atomic write
#endif
                failed = 1;
                continue;
            }
            tr__acc_end_block(&acc);
            report_progress(&pr, hi - lo, tid == 0);
        }
        if (ok) {
            tr__acc_flush(&acc);
            /* The first thread to finish hands its accumulator over as the
             * total (no separate copy in memory); the others merge into it.
             * Merging is exact, so the order does not matter. */
#ifdef _OPENMP
#pragma omp critical(tr_merge)
#endif
            {
                if (!have_total) {
                    res->total = acc;
                    have_total = 1;
                } else {
                    tr__acc_merge(&res->total, &acc);
                    tr__acc_free(&acc);
                }
            }
            tr__ws_free(&ws);
        } else {
#ifdef _OPENMP
#pragma omp critical(tr_merge)
#endif
            {
                for (size_t d = 0; d < local.count; d++)
                    tr_error_add(err, local.diags[d].status, local.diags[d].file, NULL, 0, 0, "%s",
                                 local.diags[d].message);
            }
        }
        tr_error_clear(&local);
    }

    if (failed) {
        tr_results_free(res);
        return tr_error_status(err) != TR_OK ? tr_error_status(err) : TR_E_NOMEM;
    }
    if (opt->progress) opt->progress(opt->progress_user, opt->paths, opt->paths);
    res->seconds = now_seconds() - t0;
    res->threads = used_threads;
    *out = res;
    return TR_OK;
}

void tr_results_free(tr_results *res)
{
    if (!res) return;
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
    tr_status st = tr__plan_init(&plan, cfg, err);
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
        const tr_trust *tr = &cfg->trusts[i];
        const double *td = ws.tdraw + i * 4;
        draw_row(out, tr->id, "", "income_growth", td[0], td[1]);
        draw_row(out, tr->id, "", "cost_growth", td[2], td[3]);
        for (size_t j = 0; j < tr->n_schemes; j++) {
            const tr__scheme_draw *d = &ws.sdraw[plan.scheme_base[i] + j];
            const char *sid = tr->schemes[j].id;
            double vals[7] = {d->paper, d->d0,   d->compromise, d->retained,
                              d->slip,  d->stay, d->stay_delay};
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
