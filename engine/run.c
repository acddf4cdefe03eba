/*
 * run.c - running a config's paths, in rounds over threads; its state, for
 * checkpoints and shards; and merging the states of shards.
 *
 * Paths are grouped into blocks of TR_PATH_BLOCK consecutive indices;
 * threads take blocks dynamically (parallel.h), simulate each block chunk by
 * chunk with the kernel (kernel.h) and add the chunks into statistics they
 * share, whose sums are formed per block in path order, so the statistics
 * are the same bytes whatever the thread count (accum.h). Blocks are done in
 * rounds (rounds.h): between two rounds the run can hand its state to a
 * checkpoint callback, or stop. A state (state.h) holds the statistics of
 * the blocks done so far, exactly, so a run resumed from one, or shards
 * merged, give the bytes of the whole run done at once.
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
#include "rounds.h"
#include "sim.h"
#include "state.h"
#include "trustrisk/version.h"

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
    if (opt->shard_count > 0 && opt->shard_index >= opt->shard_count)
        st = tr_error_add(err, TR_E_INPUT, NULL, "shard", 0, 0,
                          "shard %u of %u: the index must be below the count",
                          (unsigned)opt->shard_index, (unsigned)opt->shard_count);
    if (opt->shard_count == 0 && opt->shard_index != 0)
        st = tr_error_add(err, TR_E_INPUT, NULL, "shard", 0, 0, "a shard index without a count");
    if (!(opt->checkpoint_every >= 0.0))
        st = tr_error_add(err, TR_E_INPUT, NULL, "checkpoint_every", 0, 0,
                          "must be at least 0 seconds");
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
    tr__rounds *rounds;   /* the round being done */
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

/* Block k of the round: its paths chunk by chunk, then the block's sums. */
static void worker_block(void *ctx, void *local, size_t k)
{
    run_ctx *rc = ctx;
    worker *w = local;
    const tr__rounds *r = rc->rounds;
    if (w->bad || (r->stop && *r->stop)) return; /* a stop leaves the block undone */
    const uint64_t B = TR_PATH_BLOCK;
    uint64_t lo = r->round[k] * B, hi = lo + B;
    if (lo < rc->first) lo = rc->first;
    if (hi > rc->last) hi = rc->last;
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
    r->round_done[k] = 1;
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

/* The blocks of a run of paths [first, last), and of shard i of n of them. */
static void run_blocks(uint64_t first, uint64_t last, uint32_t shard_i, uint32_t shard_n,
                       uint64_t *b0, uint64_t *b1, uint64_t *lo, uint64_t *hi)
{
    const uint64_t B = TR_PATH_BLOCK;
    *b0 = first / B;
    *b1 = (last + B - 1) / B;
    *lo = *b0;
    *hi = *b1;
    if (shard_n > 0) {
        uint64_t nb = *b1 - *b0;
        *lo = *b0 + nb * shard_i / shard_n;
        *hi = *b0 + nb * (shard_i + 1) / shard_n;
    }
}

/* What a state of res says about its run (pointing into res and its config:
 * valid while they are). */
static void run_info(const tr_results *res, tr__state_info *info, char (*sha)[65], char **id,
                     char **text, size_t *text_len)
{
    memset(info, 0, sizeof *info);
    info->kind = TR__STATE_RUN;
    snprintf(info->engine, sizeof info->engine, "%s", tr_version());
    info->seed = res->seed;
    info->paths = res->paths;
    info->first_path = res->first_path;
    info->block = TR_PATH_BLOCK;
    info->shard_i = res->shard_i;
    info->shard_n = res->shard_n;
    info->nplans = 1;
    memcpy(sha[0], res->cfg->sha256, 65);
    id[0] = (char *)"";
    text[0] = res->cfg->text;
    text_len[0] = res->cfg->text_len;
    info->sha = sha;
    info->id = id;
    info->text = text;
    info->text_len = text_len;
    info->nranges = res->done.n;
    info->ranges = res->done.r;
}

tr_status tr_results_state(const tr_results *res, void **state, size_t *len, tr_error *err)
{
    tr__state_info info;
    char sha[1][65], *id[1], *text[1];
    size_t text_len[1];
    run_info(res, &info, sha, id, text, text_len);
    tr__acc *accs[1] = {(tr__acc *)&res->total};
    uint8_t *buf = NULL;
    tr_status st = tr__state_encode(&info, accs, 1, &buf, len, err);
    *state = buf;
    return st;
}

/* Hand the run's state to the checkpoint callback (between rounds). */
static int checkpoint_now(void *ctx)
{
    run_ctx *rc = ctx;
    void *buf = NULL;
    size_t len = 0;
    tr_error e;
    tr_error_init(&e);
    int bad = tr_results_state(rc->res, &buf, &len, &e) != TR_OK ||
              rc->opt->checkpoint(rc->opt->checkpoint_user, buf, len) != 0;
    if (bad)
        tr_error_add(rc->err, TR_E_IO, NULL, NULL, 0, 0, "the checkpoint could not be written%s%s",
                     e.count ? ": " : "", e.count ? e.diags[0].message : "");
    tr_error_clear(&e);
    free(buf);
    return bad;
}

/* Does state info describe this run? Every difference is reported. */
static tr_status same_run(const tr__state_info *info, const tr_results *res, const char *name,
                          tr_error *err)
{
    tr_status st = TR_OK;
#define DIFFERS(what, fmt, a, b)                                                                   \
    st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,                                           \
                      "the checkpoint belongs to another run: its " what " is " fmt                \
                      ", this run's is " fmt,                                                      \
                      a, b)
    if (info->kind != TR__STATE_RUN)
        st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                          "the checkpoint is a batch's, not a single run's");
    if (strcmp(info->engine, tr_version()) != 0)
        DIFFERS("engine version", "%s", info->engine, tr_version());
    if (info->nplans != 1 || strcmp(info->sha[0], res->cfg->sha256) != 0)
        DIFFERS("config (sha256)", "%.12s...", info->nplans ? info->sha[0] : "", res->cfg->sha256);
    if (info->seed != res->seed)
        DIFFERS("seed", "%llu", (unsigned long long)info->seed, (unsigned long long)res->seed);
    if (info->paths != res->paths)
        DIFFERS("number of paths", "%llu", (unsigned long long)info->paths,
                (unsigned long long)res->paths);
    if (info->first_path != res->first_path)
        DIFFERS("first path", "%llu", (unsigned long long)info->first_path,
                (unsigned long long)res->first_path);
    if (info->block != TR_PATH_BLOCK)
        DIFFERS("block size", "%u", (unsigned)info->block, (unsigned)TR_PATH_BLOCK);
    if (info->shard_i != res->shard_i || info->shard_n != res->shard_n)
        st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                          "the checkpoint belongs to another run: it is shard %u of %u, this run "
                          "is shard %u of %u (0 of 0: not a shard)",
                          (unsigned)info->shard_i, (unsigned)info->shard_n, (unsigned)res->shard_i,
                          (unsigned)res->shard_n);
#undef DIFFERS
    return st;
}

/* Continue from a checkpoint: its statistics and the blocks it has done. */
static tr_status resume_from(tr_results *res, const tr_run_options *opt, uint64_t lo, uint64_t hi,
                             tr_error *err)
{
    const char *name = opt->resume_name ? opt->resume_name : "checkpoint";
    tr__state_info info;
    size_t payload = 0;
    tr_status st = tr__state_decode_info(opt->resume, opt->resume_len, name, &info, &payload, err);
    if (st != TR_OK) return st;
    st = same_run(&info, res, name, err);
    for (size_t k = 0; k < info.nranges && st == TR_OK; k++) {
        if (info.ranges[2 * k] < lo || info.ranges[2 * k + 1] > hi)
            st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                              "the checkpoint holds blocks outside this run");
        else if (tr__blockset_add(&res->done, info.ranges[2 * k], info.ranges[2 * k + 1]))
            st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    if (st == TR_OK) {
        tr__acc *accs[1] = {&res->total};
        st = tr__state_decode_accs(opt->resume, opt->resume_len, payload, name, accs, 1, err);
    }
    tr__state_info_free(&info);
    return st;
}

tr_status tr__results_whole(const tr_results *res, tr_error *err)
{
    if (res->shard_n == 0) return TR_OK;
    return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                        "these are the results of shard %u/%u, a part of the run: merge the "
                        "shards' states (tr_results_merge, `trustrisk merge`) for the run's",
                        (unsigned)res->shard_i, (unsigned)res->shard_n);
}

/* The results' summary, once their statistics are complete (a shard's are
 * partial: it has none). */
static tr_status finish(tr_results *res, tr_error *err)
{
    if (res->shard_n > 0) return TR_OK;
    tr__summary_of of = {&res->plan, &res->total, res->paths, res->seed, res->first_path};
    return tr__summary_make(&res->summary, &of, err);
}

/* How many threads a run may use, and whether its statistics fit at all. */
static tr_status choose_threads(const tr_results *res, int want, uint64_t nblocks, int *out,
                                tr_error *err)
{
    double need = tr__acc_bytes(&res->plan), avail = physical_memory() * 0.8;
    double per_thread = tr__acc_local_bytes(&res->plan) + tr__kernel_bytes(&res->plan);
    if (avail > 0 && need + per_thread > avail)
        return tr_error_add(err, TR_E_NOMEM, res->cfg->source, NULL, 0, 0,
                            "this config's statistics can need up to %.1f GiB (up to 27 KB for "
                            "each trust and month), more than the %.1f GiB this machine can "
                            "give; shorten the horizon or split the trusts",
                            (need + per_thread) / 1073741824.0, avail / 1073741824.0);
    int nthreads = tr__threads_default(want);
    if ((uint64_t)nthreads > nblocks) nthreads = (int)(nblocks ? nblocks : 1);
    if (avail > 0 && need + (double)nthreads * per_thread > avail)
        nthreads = (int)((avail - need) / per_thread);
    *out = nthreads < 1 ? 1 : nthreads;
    return TR_OK;
}

/* A results object with its plan and empty statistics. */
static tr_status new_results(const tr_config *cfg, const tr_run_options *opt, tr_results **out,
                             tr_error *err)
{
    tr_results *res = calloc(1, sizeof *res);
    *out = res;
    if (!res) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    res->cfg = cfg;
    res->paths = opt->paths;
    res->seed = opt->seed;
    res->first_path = opt->first_path;
    res->shard_i = opt->shard_index;
    res->shard_n = opt->shard_count;
    tr_status st = tr__plan_init(&res->plan, cfg, opt->threads, err);
    if (st == TR_OK) st = tr__acc_init(&res->total, &res->plan, err);
    return st;
}

/*
 * Blocks are numbered from 0 by path (block b holds paths b B .. b B + B - 1,
 * B = TR_PATH_BLOCK); a run of paths [first, last) does the blocks that hold
 * them, each block's paths clipped to the run. A shard does its share of
 * those blocks.
 */
tr_status tr_run(const tr_config *cfg, const tr_run_options *opt, tr_results **out, tr_error *err)
{
    *out = NULL;
    if (check_options(opt, err) != TR_OK) return TR_E_INPUT;
    tr_results *res = NULL;
    tr_status st = new_results(cfg, opt, &res, err);
    uint64_t b0, b1, lo, hi;
    run_blocks(opt->first_path, opt->first_path + opt->paths, opt->shard_index, opt->shard_count,
               &b0, &b1, &lo, &hi);
    int nthreads = 1;
    if (st == TR_OK) st = choose_threads(res, opt->threads, hi - lo, &nthreads, err);
    if (st == TR_OK && opt->resume) st = resume_from(res, opt, lo, hi, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }
    run_ctx rc = {.res = res,
                  .opt = opt,
                  .first = opt->first_path,
                  .last = opt->first_path + opt->paths,
                  .pr = {opt, 0, now_seconds()},
                  .err = err,
                  .b0 = b0};
    for (size_t k = 0; k < res->done.n; k++) /* progress counts what a checkpoint did */
        for (uint64_t b = res->done.r[2 * k]; b < res->done.r[2 * k + 1]; b++) {
            uint64_t pl = b * TR_PATH_BLOCK, ph = pl + TR_PATH_BLOCK;
            rc.pr.done += (ph < rc.last ? ph : rc.last) - (pl > rc.first ? pl : rc.first);
        }
    static const tr__workers workers = {worker_start, worker_block, worker_finish};
    int failed = 0;
    tr__rounds rounds = {.lo = lo,
                         .hi = hi,
                         .done = &res->done,
                         .threads = nthreads,
                         .w = &workers,
                         .ctx = &rc,
                         .stop = opt->stop,
                         .every = opt->checkpoint ? opt->checkpoint_every : 0.0,
                         .checkpoint = checkpoint_now,
                         .failed = &failed};
    rc.failed = &failed;
    rc.rounds = &rounds;
    double t0 = now_seconds();
    st = tr__rounds_run(&rounds);
    if (st == TR_OK && res->total.oom) st = TR_E_NOMEM;
    if (st == TR_E_INTERRUPTED && opt->checkpoint && checkpoint_now(&rc) != 0) st = TR_E_IO;
    if (st != TR_OK) {
        if (st == TR_E_NOMEM)
            tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory running the paths");
        else if (st == TR_E_INTERRUPTED)
            tr_error_add(err, TR_E_INTERRUPTED, NULL, NULL, 0, 0,
                         "stopped after %llu of %llu blocks; the state so far was handed to the "
                         "checkpoint",
                         (unsigned long long)tr__blockset_count(&res->done),
                         (unsigned long long)(hi - lo));
        tr_results_free(res);
        return tr_error_status(err) != TR_OK ? tr_error_status(err) : st;
    }
    if (opt->progress) opt->progress(opt->progress_user, opt->paths, opt->paths);
    res->seconds = now_seconds() - t0;
    res->threads = rounds.used_threads;
    st = finish(res, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }
    *out = res;
    return TR_OK;
}

/* ---- merging the states of shards ----------------------------------------- */

/* Do the states' descriptions belong to one run? Compare each with the first. */
static tr_status same_shards(const tr__state_info *a, const tr__state_info *b, const char *name,
                             const char *first, tr_error *err)
{
    const char *what = NULL;
    if (b->kind != TR__STATE_RUN)
        what = "it is a batch's state, not a run's";
    else if (strcmp(a->engine, b->engine) != 0)
        what = "another engine version";
    else if (b->nplans != 1 || strcmp(a->sha[0], b->sha[0]) != 0)
        what = "another config";
    else if (a->seed != b->seed)
        what = "another seed";
    else if (a->paths != b->paths || a->first_path != b->first_path)
        what = "another number of paths";
    else if (a->block != b->block)
        what = "another block size";
    if (!what) return TR_OK;
    return tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                        "does not belong to the same run as %s: %s", first, what);
}

/* Every block of the run exactly once: name the states that overlap and
 * the blocks that none covers. */
static tr_status coverage(tr__state_info *info, const char *const *names, size_t n, uint64_t b0,
                          uint64_t b1, tr_error *err)
{
    tr_status st = TR_OK;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            for (size_t i = 0; i < info[a].nranges; i++)
                for (size_t j = 0; j < info[b].nranges; j++) {
                    uint64_t l = info[a].ranges[2 * i] > info[b].ranges[2 * j]
                                     ? info[a].ranges[2 * i]
                                     : info[b].ranges[2 * j];
                    uint64_t h = info[a].ranges[2 * i + 1] < info[b].ranges[2 * j + 1]
                                     ? info[a].ranges[2 * i + 1]
                                     : info[b].ranges[2 * j + 1];
                    if (l < h)
                        st = tr_error_add(err, TR_E_INPUT, names[b], NULL, 0, 0,
                                          "covers blocks %llu-%llu, which %s covers too "
                                          "(a shard given twice?)",
                                          (unsigned long long)l, (unsigned long long)(h - 1),
                                          names[a]);
                }
    if (st != TR_OK) return st;
    tr__blockset all = {0};
    for (size_t a = 0; a < n; a++)
        for (size_t i = 0; i < info[a].nranges; i++)
            if (info[a].ranges[2 * i] < b0 || info[a].ranges[2 * i + 1] > b1 ||
                tr__blockset_add(&all, info[a].ranges[2 * i], info[a].ranges[2 * i + 1]))
                st = tr_error_add(err, TR_E_INPUT, names[a], NULL, 0, 0,
                                  "holds blocks outside the run");
    uint64_t at = b0;
    for (size_t k = 0; k <= all.n && st == TR_OK; k++) {
        uint64_t next = k < all.n ? all.r[2 * k] : b1;
        if (next > at)
            st = tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                              "no state covers blocks %llu-%llu of the run's %llu-%llu (paths "
                              "%llu-%llu): a shard is missing or unfinished",
                              (unsigned long long)at, (unsigned long long)(next - 1),
                              (unsigned long long)b0, (unsigned long long)(b1 - 1),
                              (unsigned long long)(at * TR_PATH_BLOCK),
                              (unsigned long long)(next * TR_PATH_BLOCK - 1));
        if (k < all.n) at = all.r[2 * k + 1];
    }
    tr__blockset_free(&all);
    return st;
}

/* The run's config, from the first state's text (its hash checked). */
static tr_status merged_config(const tr__state_info *info, const char *name, tr_config **cfg,
                               tr_error *err)
{
    tr_status st = tr_config_load_buffer(info->text[0], info->text_len[0], name, cfg, err);
    if (st == TR_OK && strcmp(tr_config_sha256(*cfg), info->sha[0]) != 0) {
        tr_config_free(*cfg);
        *cfg = NULL;
        st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                          "its config does not hash to the config it names (written by another "
                          "engine?)");
    }
    return st;
}

tr_status tr_results_merge(const void *const *states, const size_t *lens, const char *const *names,
                           size_t n, tr_config **cfg, tr_results **out, tr_error *err)
{
    *cfg = NULL;
    *out = NULL;
    if (n == 0) return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0, "no states to merge");
    tr__state_info *info = calloc(n, sizeof *info);
    size_t *payload = calloc(n, sizeof *payload);
    if (!info || !payload) {
        free(info);
        free(payload);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    tr_status st = TR_OK;
    for (size_t k = 0; k < n; k++)
        if (tr__state_decode_info(states[k], lens[k], names[k], &info[k], &payload[k], err) !=
            TR_OK)
            st = TR_E_INPUT;
    for (size_t k = 1; k < n && st == TR_OK; k++)
        if (same_shards(&info[0], &info[k], names[k], names[0], err) != TR_OK) st = TR_E_INPUT;
    if (st == TR_OK && strcmp(info[0].engine, tr_version()) != 0)
        st = tr_error_add(err, TR_E_INPUT, names[0], NULL, 0, 0,
                          "written by engine %s; this is engine %s, whose results differ",
                          info[0].engine, tr_version());
    uint64_t b0 = 0, b1 = 0, lo, hi;
    if (st == TR_OK) {
        run_blocks(info[0].first_path, info[0].first_path + info[0].paths, 0, 0, &b0, &b1, &lo,
                   &hi);
        st = coverage(info, names, n, b0, b1, err);
    }
    if (st == TR_OK) st = merged_config(&info[0], names[0], cfg, err);
    tr_results *res = NULL;
    if (st == TR_OK) {
        tr_run_options opt;
        tr_run_options_init(&opt, *cfg);
        opt.paths = info[0].paths;
        opt.seed = info[0].seed;
        opt.first_path = info[0].first_path;
        opt.threads = 1;
        st = new_results(*cfg, &opt, &res, err);
    }
    for (size_t k = 0; k < n && st == TR_OK; k++) {
        tr__acc *accs[1] = {&res->total};
        st = tr__state_decode_accs(states[k], lens[k], payload[k], names[k], accs, 1, err);
        for (size_t i = 0; i < info[k].nranges && st == TR_OK; i++)
            if (tr__blockset_add(&res->done, info[k].ranges[2 * i], info[k].ranges[2 * i + 1]))
                st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    if (st == TR_OK && res->total.oom)
        st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory merging");
    if (st == TR_OK) st = finish(res, err);
    for (size_t k = 0; k < n; k++)
        tr__state_info_free(&info[k]);
    free(info);
    free(payload);
    if (st != TR_OK) {
        tr_results_free(res);
        tr_config_free(*cfg);
        *cfg = NULL;
        return st;
    }
    res->threads = 1;
    *out = res;
    return TR_OK;
}

void tr_results_free(tr_results *res)
{
    if (!res) return;
    tr__summary_free(&res->summary);
    tr__acc_free(&res->total);
    tr__plan_free(&res->plan);
    tr__blockset_free(&res->done);
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
