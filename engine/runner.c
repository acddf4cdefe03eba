/*
 * runner.c - the blocks of paths of one or more plans, in rounds over
 * threads; their state; resuming and merging states (see runner.h).
 *
 * Paths are grouped into blocks of TR_PATH_BLOCK consecutive indices;
 * threads take blocks dynamically (parallel.h) and simulate each block chunk
 * by chunk with the kernel (kernel.h), every plan on the same chunk, adding
 * into statistics they share, whose sums are formed per block in path order,
 * so the statistics are the same bytes whatever the thread count (accum.h).
 * Blocks are done in rounds (rounds.h): between two rounds the run can hand
 * its state to a checkpoint callback, or stop. A state (state.h) holds the
 * statistics of the blocks done so far, exactly, so a run resumed from one,
 * or the states of its parts merged, give the bytes of the run done at once.
 */
#include "runner.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "parallel.h"
#include "trustrisk/version.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Physical memory in bytes, or 0 if unknown. */
static double physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (double)pages * (double)size : 0.0;
}

void tr__runner_blocks(const tr__runner *r, uint64_t *b0, uint64_t *b1, uint64_t *lo, uint64_t *hi)
{
    const uint64_t B = TR_PATH_BLOCK;
    *b0 = r->first / B;
    *b1 = (r->first + r->paths + B - 1) / B;
    *lo = *b0;
    *hi = *b1;
    if (r->shard_n > 0) {
        uint64_t nb = *b1 - *b0;
        *lo = *b0 + nb * r->shard_i / r->shard_n;
        *hi = *b0 + nb * (r->shard_i + 1) / r->shard_n;
    }
}

/* Paths of the run in block b. */
static uint64_t block_paths(const tr__runner *r, uint64_t b)
{
    uint64_t lo = b * TR_PATH_BLOCK, hi = lo + TR_PATH_BLOCK, last = r->first + r->paths;
    if (lo < r->first) lo = r->first;
    if (hi > last) hi = last;
    return hi > lo ? hi - lo : 0;
}

/* Paths of the run in the blocks [lo, hi) (all but at most two are whole). */
static uint64_t range_paths(const tr__runner *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo) return 0;
    if (hi - lo == 1) return block_paths(r, lo);
    return block_paths(r, lo) + block_paths(r, hi - 1) + (hi - lo - 2) * TR_PATH_BLOCK;
}

/* ---- the threads ------------------------------------------------------- */

/* What the threads of a run share. */
typedef struct run_ctx {
    tr__runner *r;
    const tr__runner_opts *o;
    tr_error *err;
    uint64_t done_paths, total_paths; /* progress */
    double last_report;
    int progress_claimed; /* a thread reports progress */
    int failed;           /* set once anything failed: the remaining blocks are skipped */
    tr__rounds *rounds;   /* the round being done */
} run_ctx;

/* One thread's state: per plan, a kernel workspace, a chunk of outputs and
 * its partial statistics. */
typedef struct worker {
    size_t np;
    tr__kws *kws;
    tr__chunk_out *chunk;
    tr__acc_local *acc;
    tr__paired_local *pl;
    tr_error local;
    int is_first; /* the thread that reports progress */
    int bad;      /* this thread added a non-finite value */
} worker;

static void worker_free(worker *w)
{
    for (size_t k = 0; k < w->np; k++) {
        if (w->acc) tr__acc_local_free(&w->acc[k]);
        if (w->chunk) tr__chunk_free(&w->chunk[k]);
        if (w->kws) tr__kws_free(&w->kws[k]);
        if (w->pl) tr__paired_local_free(&w->pl[k]);
    }
    free(w->acc);
    free(w->chunk);
    free(w->kws);
    free(w->pl);
    w->acc = NULL;
    w->chunk = NULL;
    w->kws = NULL;
    w->pl = NULL;
}

static int worker_start(void *ctx, void **local)
{
    run_ctx *rc = ctx;
    const tr__runner *r = rc->r;
    worker *w = calloc(1, sizeof *w);
    *local = w;
    if (!w) return -1;
    tr_error_init(&w->local);
    w->np = r->np;
    w->kws = calloc(r->np, sizeof *w->kws);
    w->chunk = calloc(r->np, sizeof *w->chunk);
    w->acc = calloc(r->np, sizeof *w->acc);
    w->pl = calloc(r->np, sizeof *w->pl);
    int bad = !w->kws || !w->chunk || !w->acc || !w->pl;
    for (size_t k = 0; k < r->np && !bad; k++) {
        const tr__plan *plan = &r->res[k]->plan;
        bad = tr__kws_init(&w->kws[k], plan, &w->local) != TR_OK ||
              tr__chunk_init(&w->chunk[k], plan, &w->local) != TR_OK ||
              tr__acc_local_init(&w->acc[k], plan, &w->local) != TR_OK ||
              (r->pair && r->pair[k] &&
               tr__paired_local_init(&w->pl[k], r->pair[k], &w->local) != TR_OK);
    }
    if (bad) {
        if (w->local.count == 0)
            tr_error_add(&w->local, TR_E_NOMEM, NULL, NULL, 0, 0,
                         "out of memory starting a thread");
        worker_free(w);
        return -1;
    }
    w->is_first = tr__flag_claim(&rc->progress_claimed);
    return 0;
}

static void report_progress(run_ctx *rc, uint64_t add, int may_call)
{
    uint64_t done = tr__atomic_add(&rc->done_paths, add);
    if (!rc->o->progress || !may_call) return;
    double t = now_seconds();
    if (t - rc->last_report < 0.1) return;
    rc->last_report = t;
    rc->o->progress(rc->o->progress_user, done, rc->total_paths);
}

/* A non-finite value reached the statistics: never reported as null,
 * always an internal error that says what and where. */
static void bad_value(const run_ctx *rc, size_t k, const tr__bad *bad, tr_error *local)
{
    const tr__runner *r = rc->r;
    const tr__plan *plan = &r->res[k]->plan;
    char what[512];
    tr__bad_describe(bad, plan, what, sizeof what);
    char scen[160] = "";
    if (r->ids) snprintf(scen, sizeof scen, "scenario \"%.100s\": ", r->ids[k]);
    tr_error_add(local, TR_E_INTERNAL, plan->cfg->source, NULL, 0, 0,
                 "internal error: %s%s is %g on path %llu, seed %llu (replay it with `trustrisk "
                 "path CONFIG --index %llu --seed %llu`%s); every value should be finite for a "
                 "config that passed validation: please report this",
                 scen, what, bad->value, (unsigned long long)bad->path, (unsigned long long)r->seed,
                 (unsigned long long)bad->path, (unsigned long long)r->seed,
                 r->ids ? " on the scenario's config, from `trustrisk scenario MANIFEST --print ID`"
                        : "");
}

/* The paths [lo, hi) of one block, chunk by chunk, every plan on each chunk
 * (the reference first, which the others are paired with). */
static int block_chunks(run_ctx *rc, worker *w, uint64_t lo, uint64_t hi)
{
    const tr__runner *r = rc->r;
    for (uint64_t p = lo; p < hi; p += TR__CHUNK) {
        size_t n = hi - p < TR__CHUNK ? (size_t)(hi - p) : TR__CHUNK;
        for (size_t j = 0; j < r->np; j++) {
            size_t k = j == 0 ? r->ref : (j <= r->ref ? j - 1 : j);
            tr__kernel_chunk(&w->kws[k], r->seed, p, n, &w->chunk[k]);
            tr__acc_add_chunk(&r->res[k]->total, &w->acc[k], &w->chunk[k], &r->res[k]->plan);
            if (w->acc[k].bad.kind != TR__BAD_NONE) {
                bad_value(rc, k, &w->acc[k].bad, &w->local);
                return -1;
            }
            if (r->pair && r->pair[k])
                tr__paired_add_chunk(r->pair[k], &w->pl[k], &w->chunk[k], &w->chunk[r->ref]);
        }
    }
    return 0;
}

/* Block k of the round: its paths chunk by chunk, then the block's sums. */
static void worker_block(void *ctx, void *local, size_t k)
{
    run_ctx *rc = ctx;
    worker *w = local;
    const tr__rounds *rd = rc->rounds;
    const tr__runner *r = rc->r;
    if (w->bad || (rd->stop && *rd->stop)) return; /* a stop leaves the block undone */
    uint64_t lo = rd->round[k] * TR_PATH_BLOCK, hi = lo + TR_PATH_BLOCK;
    if (lo < r->first) lo = r->first;
    if (hi > r->first + r->paths) hi = r->first + r->paths;
    if (block_chunks(rc, w, lo, hi) != 0) {
        w->bad = 1;
        tr__flag_set(&rc->failed);
        return;
    }
    for (size_t j = 0; j < r->np; j++) {
        tr__acc_end_block(&r->res[j]->total, &w->acc[j]);
        if (r->pair && r->pair[j]) tr__paired_end_block(r->pair[j], &w->pl[j]);
    }
    rd->round_done[k] = 1;
    report_progress(rc, hi - lo, w->is_first);
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
    if (ok && !w->bad)
        for (size_t k = 0; k < w->np; k++)
            tr__acc_local_flush(&rc->r->res[k]->total, &w->acc[k]);
    /* Workers are made anew each round (every thread has started before
     * any finishes): the next round's first reports progress. */
    if (w->is_first) tr__flag_clear(&rc->progress_claimed);
    worker_free(w);
    for (size_t d = 0; d < w->local.count; d++)
        tr_error_add(rc->err, w->local.diags[d].status, w->local.diags[d].file, NULL, 0, 0, "%s",
                     w->local.diags[d].message);
    tr_error_clear(&w->local);
    free(w);
}

/* At a round boundary of a run with a precision target: stop there? */
static int check_target(void *ctx, uint64_t boundary)
{
    (void)boundary;
    run_ctx *rc = ctx;
    tr__precision_status ps;
    int met = tr__precision_check(&rc->r->res[0]->total, &rc->r->target, &ps);
    if (rc->o->precision)
        rc->o->precision(rc->o->precision_user, ps.paths, ps.worst_se, ps.worst_allowed, met);
    return met;
}

/* ---- states ------------------------------------------------------------ */

tr_status tr__runner_state(const tr__runner *r, void **state, size_t *len, tr_error *err)
{
    *state = NULL;
    *len = 0;
    tr__state_info info;
    memset(&info, 0, sizeof info);
    info.kind = r->kind;
    snprintf(info.engine, sizeof info.engine, "%s", tr_version());
    info.seed = r->seed;
    info.paths = r->paths;
    info.first_path = r->first;
    info.block = TR_PATH_BLOCK;
    info.shard_i = r->shard_i;
    info.shard_n = r->shard_n;
    snprintf(info.manifest_sha, sizeof info.manifest_sha, "%s", r->manifest_sha);
    info.reference = (uint32_t)r->ref;
    info.target_se = r->target.se;
    info.target_rel = r->target.rel;
    info.nplans = r->np;
    char(*sha)[65] = calloc(r->np, sizeof *sha);
    tr__acc **accs = calloc(r->np, sizeof *accs);
    if (!sha || !accs) {
        free(sha);
        free(accs);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory writing a state");
    }
    for (size_t k = 0; k < r->np; k++) {
        memcpy(sha[k], r->res[k]->cfg->sha256, 65);
        accs[k] = &r->res[k]->total;
    }
    info.sha = sha;
    info.id = (char **)(r->ids ? r->ids : NULL);
    static const char *const none[1] = {""};
    if (!r->ids) info.id = (char **)none;
    info.text = (char **)r->texts;
    info.text_len = (size_t *)r->text_lens;
    info.nranges = r->done.n;
    info.ranges = r->done.r;
    uint8_t *buf = NULL;
    tr_status st = tr__state_encode(&info, accs, r->pair, r->np, &buf, len, err);
    free(sha);
    free(accs);
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
    int bad = tr__runner_state(rc->r, &buf, &len, &e) != TR_OK ||
              rc->o->checkpoint(rc->o->checkpoint_user, buf, len) != 0;
    if (bad)
        tr_error_add(rc->err, TR_E_IO, NULL, NULL, 0, 0, "the checkpoint could not be written%s%s",
                     e.count ? ": " : "", e.count ? e.diags[0].message : "");
    tr_error_clear(&e);
    free(buf);
    return bad;
}

/* A precision target in words: "none" for 0. */
static const char *target_text(double x, char *buf, size_t n)
{
    if (x == 0.0)
        snprintf(buf, n, "none");
    else
        snprintf(buf, n, "%g", x);
    return buf;
}

tr_status tr__runner_same(const tr__runner *r, const tr__state_info *info, const char *name,
                          const char *how, const char *than, tr_error *err)
{
    tr_status st = TR_OK;
    char a[32], b[32];
#define DIFFERS(item, fmt, a, b)                                                                   \
    st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,                                           \
                      "%s belongs to another %s: its " item " is " fmt ", %s " fmt, how, r->what,  \
                      a, than, b)
    if (info->kind != r->kind)
        st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0, "%s is a %s's, not a %s's", how,
                          info->kind == TR__STATE_BATCH ? "batch" : "single run", r->what);
    if (strcmp(info->engine, tr_version()) != 0)
        DIFFERS("engine version", "%s", info->engine, tr_version());
    if (st != TR_OK) return st; /* the rest would only repeat it */
    /* the run's own numbers first: another --paths or --seed changes every
     * scenario's merged config too, and its hash differences would hide it */
    if (info->seed != r->seed)
        DIFFERS("seed", "%llu", (unsigned long long)info->seed, (unsigned long long)r->seed);
    if (info->paths != r->paths)
        DIFFERS("number of paths", "%llu", (unsigned long long)info->paths,
                (unsigned long long)r->paths);
    if (st != TR_OK && r->ids) return st;
    if (strcmp(info->manifest_sha, r->manifest_sha) != 0)
        DIFFERS("manifest (sha256)", "%.12s...", info->manifest_sha, r->manifest_sha);
    if (info->nplans != r->np) DIFFERS("number of scenarios", "%zu", info->nplans, r->np);
    for (size_t k = 0; k < r->np && k < info->nplans; k++)
        if (strcmp(info->sha[k], r->res[k]->cfg->sha256) != 0) {
            if (r->ids)
                st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                                  "%s belongs to another batch: its scenario \"%s\" has config "
                                  "sha256 %.12s..., %s %.12s...",
                                  how, r->ids[k], info->sha[k], than, r->res[k]->cfg->sha256);
            else
                DIFFERS("config (sha256)", "%.12s...", info->sha[k], r->res[k]->cfg->sha256);
        }
    if (info->first_path != r->first)
        DIFFERS("first path", "%llu", (unsigned long long)info->first_path,
                (unsigned long long)r->first);
    if (info->block != TR_PATH_BLOCK)
        DIFFERS("block size", "%u", (unsigned)info->block, (unsigned)TR_PATH_BLOCK);
    if (info->target_se != r->target.se)
        DIFFERS("precision target se", "%s", target_text(info->target_se, a, sizeof a),
                target_text(r->target.se, b, sizeof b));
    if (info->target_rel != r->target.rel)
        DIFFERS("relative precision target", "%s", target_text(info->target_rel, a, sizeof a),
                target_text(r->target.rel, b, sizeof b));
    if (info->reference != r->ref && info->nplans == r->np)
        DIFFERS("reference scenario", "%u", (unsigned)info->reference, (unsigned)r->ref);
#undef DIFFERS
    return st;
}

/* The statistics of a state into r's (exact); they must hold exactly the
 * paths of the blocks its description lists. */
static tr_status add_state(tr__runner *r, const tr__state_info *info, const void *state, size_t len,
                           size_t payload, const char *name, tr_error *err)
{
    tr__acc **accs = calloc(r->np, sizeof *accs);
    if (!accs) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    for (size_t k = 0; k < r->np; k++)
        accs[k] = &r->res[k]->total;
    uint64_t paths = 0;
    for (size_t k = 0; k < info->nranges; k++)
        paths += range_paths(r, info->ranges[2 * k], info->ranges[2 * k + 1]);
    tr_status st =
        tr__state_decode_accs(state, len, payload, name, paths, accs, r->pair, r->np, err);
    free(accs);
    return st;
}

/* Continue from a checkpoint: its statistics and the blocks it has done. */
static tr_status resume_from(tr__runner *r, const tr__runner_opts *o, uint64_t lo, uint64_t hi,
                             tr_error *err)
{
    const char *name = o->resume_name ? o->resume_name : "checkpoint";
    tr__state_info info;
    size_t payload = 0;
    tr_status st = tr__state_decode_info(o->resume, o->resume_len, name, &info, &payload, err);
    if (st != TR_OK) return st;
    st = tr__runner_same(r, &info, name, "the checkpoint",
                         r->kind == TR__STATE_RUN ? "this run's is" : "this batch's is", err);
    if (st == TR_OK && (info.shard_i != r->shard_i || info.shard_n != r->shard_n))
        st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                          "the checkpoint belongs to another part of the %s: it is shard %u/%u, "
                          "this is shard %u/%u (0/0: the whole %s)",
                          r->what, (unsigned)info.shard_i, (unsigned)info.shard_n,
                          (unsigned)r->shard_i, (unsigned)r->shard_n, r->what);
    for (size_t k = 0; k < info.nranges && st == TR_OK; k++) {
        if (info.ranges[2 * k] < lo || info.ranges[2 * k + 1] > hi)
            st = tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                              "the checkpoint holds blocks outside this %s", r->what);
        else if (tr__blockset_add(&r->done, info.ranges[2 * k], info.ranges[2 * k + 1]))
            st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    if (st == TR_OK) st = add_state(r, &info, o->resume, o->resume_len, payload, name, err);
    tr__state_info_free(&info);
    return st;
}

/* How many threads a run may use, and whether its statistics fit at all. */
static tr_status choose_threads(const tr__runner *r, int want, uint64_t nblocks, int *out,
                                tr_error *err)
{
    double need = 0.0, per_thread = 0.0, avail = physical_memory() * 0.8;
    for (size_t k = 0; k < r->np; k++) {
        const tr__plan *plan = &r->res[k]->plan;
        need += tr__acc_bytes(plan);
        per_thread += tr__acc_local_bytes(plan) + tr__kernel_bytes(plan);
    }
    if (avail > 0 && need + per_thread > avail)
        return tr_error_add(err, TR_E_NOMEM, r->res[0]->cfg->source, NULL, 0, 0,
                            "this %s's statistics can need up to %.1f GiB (up to 27 KB for each "
                            "trust and month%s), more than the %.1f GiB this machine can give; "
                            "shorten the horizon or split the trusts%s",
                            r->what, (need + per_thread) / 1073741824.0,
                            r->np > 1 ? " of each scenario" : "", avail / 1073741824.0,
                            r->np > 1 ? ", or run fewer scenarios at a time" : "");
    int nthreads = tr__threads_default(want);
    if ((uint64_t)nthreads > nblocks) nthreads = (int)(nblocks ? nblocks : 1);
    if (avail > 0 && need + (double)nthreads * per_thread > avail)
        nthreads = (int)((avail - need) / per_thread);
    *out = nthreads < 1 ? 1 : nthreads;
    return TR_OK;
}

tr_status tr__runner_run(tr__runner *r, const tr__runner_opts *o, tr_error *err)
{
    uint64_t b0, b1, lo, hi;
    tr__runner_blocks(r, &b0, &b1, &lo, &hi);
    int nthreads = 1;
    tr_status st = choose_threads(r, o->threads, hi - lo, &nthreads, err);
    if (st == TR_OK && o->resume) st = resume_from(r, o, lo, hi, err);
    if (st != TR_OK) return st;
    run_ctx rc = {.r = r, .o = o, .err = err, .last_report = now_seconds()};
    rc.total_paths = range_paths(r, lo, hi);
    for (size_t k = 0; k < r->done.n; k++) /* progress counts what a checkpoint did */
        rc.done_paths += range_paths(r, r->done.r[2 * k], r->done.r[2 * k + 1]);
    static const tr__workers workers = {worker_start, worker_block, worker_finish};
    tr__rounds rounds = {.lo = lo,
                         .hi = hi,
                         .done = &r->done,
                         .threads = nthreads,
                         .w = &workers,
                         .ctx = &rc,
                         .stop = o->stop,
                         .every = o->checkpoint ? o->checkpoint_every : 0.0,
                         .checkpoint = checkpoint_now,
                         .failed = &rc.failed,
                         .check = r->target.se > 0.0 || r->target.rel > 0.0 ? check_target : NULL};
    rc.rounds = &rounds;
    double t0 = now_seconds();
    st = tr__rounds_run(&rounds);
    r->seconds = now_seconds() - t0;
    r->threads = rounds.used_threads;
    for (size_t k = 0; k < r->np && st == TR_OK; k++)
        if (r->res[k]->total.oom) st = TR_E_NOMEM;
    if (st == TR_E_INTERRUPTED && o->checkpoint && checkpoint_now(&rc) != 0) st = TR_E_IO;
    if (st == TR_E_NOMEM)
        tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory running the paths");
    else if (st == TR_E_INTERRUPTED)
        tr_error_add(err, TR_E_INTERRUPTED, NULL, NULL, 0, 0,
                     "stopped after %llu of %llu blocks; the state so far was handed to the "
                     "checkpoint",
                     (unsigned long long)tr__blockset_count(&r->done),
                     (unsigned long long)(hi - lo));
    if (st != TR_OK) return tr_error_status(err) != TR_OK ? tr_error_status(err) : st;
    if (o->progress) o->progress(o->progress_user, rc.total_paths, rc.total_paths);
    return TR_OK;
}

/* ---- merging the states of a run's parts ------------------------------- */

tr_status tr__runner_infos(const void *const *states, const size_t *lens, const char *const *names,
                           size_t n, tr__state_info *info, size_t *payload, tr_error *err)
{
    tr_status st = TR_OK;
    for (size_t k = 0; k < n; k++)
        if (tr__state_decode_info(states[k], lens[k], names[k], &info[k], &payload[k], err) !=
            TR_OK)
            st = TR_E_INPUT;
    return st;
}

/* Every block of the run exactly once: name the states that overlap and
 * the blocks that none covers. */
static tr_status coverage(const tr__state_info *info, const char *const *names, size_t n,
                          uint64_t b0, uint64_t b1, tr_error *err)
{
    tr_status st = TR_OK;
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            for (size_t i = 0; i < info[a].nranges; i++)
                for (size_t j = 0; j < info[b].nranges; j++) {
                    const uint64_t *x = &info[a].ranges[2 * i], *y = &info[b].ranges[2 * j];
                    uint64_t l = x[0] > y[0] ? x[0] : y[0], h = x[1] < y[1] ? x[1] : y[1];
                    if (l < h)
                        st = tr_error_add(err, TR_E_INPUT, names[b], NULL, 0, 0,
                                          "covers blocks %llu-%llu, which %s covers too "
                                          "(a part given twice?)",
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
                              "%llu-%llu): a part is missing or unfinished",
                              (unsigned long long)at, (unsigned long long)(next - 1),
                              (unsigned long long)b0, (unsigned long long)(b1 - 1),
                              (unsigned long long)(at * TR_PATH_BLOCK),
                              (unsigned long long)(next * TR_PATH_BLOCK - 1));
        if (k < all.n) at = all.r[2 * k + 1];
    }
    tr__blockset_free(&all);
    /* a checkpoint among the states is the likely culprit: name it */
    for (size_t a = 0; a < n && st != TR_OK; a++) {
        const char *base = strrchr(names[a], '/');
        if (strncmp(base ? base + 1 : names[a], "checkpoint", 10) == 0)
            tr_error_add(err, TR_E_INPUT, names[a], NULL, 0, 0,
                         "is a checkpoint: the state of a part that had not finished; resume "
                         "that part (--resume with the same --shard) and merge the state it "
                         "ends with");
    }
    return st;
}

/* A run with a precision target ends at the first round boundary where
 * the target is met: its state (it has no shards) holds the blocks from b0
 * to that boundary, which becomes the end the blocks must cover (*b1). */
static tr_status target_end(const tr__state_info *info, const char *const *names, size_t n,
                            uint64_t b0, uint64_t *b1, tr_error *err)
{
    if (n != 1)
        return tr_error_add(err, TR_E_INPUT, names[1], NULL, 0, 0,
                            "a run with a precision target is never split into shards: give "
                            "its one state");
    uint64_t e = info[0].nranges == 1 && info[0].ranges[0] == b0 ? info[0].ranges[1] : b0;
    if (e < *b1 && (e == b0 || e != b0 + tr__rounds_boundary_after(e - b0 - 1)))
        return tr_error_add(err, TR_E_INPUT, names[0], NULL, 0, 0,
                            "holds blocks that do not end at a round boundary of a run with a "
                            "precision target: an unfinished run (resume it instead)");
    *b1 = e;
    return TR_OK;
}

tr_status tr__runner_merge(tr__runner *r, const void *const *states, const size_t *lens,
                           const char *const *names, size_t n, tr_error *err)
{
    if (n == 0) return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0, "no states to merge");
    tr__state_info *info = calloc(n, sizeof *info);
    size_t *payload = calloc(n, sizeof *payload);
    if (!info || !payload) {
        free(info);
        free(payload);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    tr_status st = tr__runner_infos(states, lens, names, n, info, payload, err);
    /* A run's merge takes its config from the first state; a batch's, from
     * the manifest it was given. */
    char than[300];
    if (r->kind == TR__STATE_BATCH)
        snprintf(than, sizeof than, "the manifest's batch's is");
    else
        snprintf(than, sizeof than, "that of %.280s is", names[0]);
    for (size_t k = 0; k < n && st == TR_OK; k++)
        if (tr__runner_same(r, &info[k], names[k], "it", than, err) != TR_OK) st = TR_E_INPUT;
    uint64_t b0, b1, lo, hi;
    tr__runner_blocks(r, &b0, &b1, &lo, &hi);
    int target = r->target.se > 0.0 || r->target.rel > 0.0;
    if (st == TR_OK && target) st = target_end(info, names, n, b0, &b1, err);
    if (st == TR_OK) st = coverage(info, names, n, b0, b1, err);
    for (size_t k = 0; k < n && st == TR_OK; k++) {
        st = add_state(r, &info[k], states[k], lens[k], payload[k], names[k], err);
        for (size_t i = 0; i < info[k].nranges && st == TR_OK; i++)
            if (tr__blockset_add(&r->done, info[k].ranges[2 * i], info[k].ranges[2 * i + 1]))
                st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    for (size_t k = 0; k < r->np && st == TR_OK; k++)
        if (r->res[k]->total.oom)
            st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory merging");
    if (st == TR_OK && target && b1 < hi) {
        tr__precision_status ps;
        if (!tr__precision_check(&r->res[0]->total, &r->target, &ps))
            st = tr_error_add(err, TR_E_INPUT, names[0], NULL, 0, 0,
                              "stops after %llu paths, where its precision target is not met: "
                              "an unfinished run (resume it instead)",
                              (unsigned long long)ps.paths);
    }
    for (size_t k = 0; k < n; k++)
        tr__state_info_free(&info[k]);
    free(info);
    free(payload);
    r->threads = 1;
    return st;
}
