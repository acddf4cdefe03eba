/*
 * run.c - tr_run: a config's paths (the runner, runner.h, does the work);
 * a run's state, for checkpoints and shards; and merging shards' states.
 */
#include <stdlib.h>
#include <string.h>

#include "pilot.h"
#include "results.h"
#include "runner.h"
#include "trustrisk/version.h"

void tr_run_options_init(tr_run_options *opt, const tr_config *cfg)
{
    memset(opt, 0, sizeof *opt);
    opt->paths = cfg ? cfg->paths : TR_DEFAULT_PATHS;
    opt->seed = cfg ? cfg->seed : TR_DEFAULT_SEED;
    if (cfg) { /* the config's "precision", if any */
        opt->target_se = cfg->precision.se;
        opt->target_rel = cfg->precision.rel;
    }
}

static tr_status check_options(const tr_run_options *opt, tr_error *err)
{
    tr_status st = TR_OK;
    if (opt->paths < 1 || opt->paths > TR_MAX_PATHS)
        st = tr_error_add(err, TR_E_INPUT, NULL, "paths", 0, 0,
                          "must be in [1, 4000000000] (got %llu)", (unsigned long long)opt->paths);
    if (opt->seed > TR_MAX_SEED)
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
    if (!(opt->target_se >= 0.0 && opt->target_se <= 1.0))
        st = tr_error_add(err, TR_E_INPUT, NULL, "target_se", 0, 0, "must be in (0, 1] (got %g)",
                          opt->target_se);
    if (!(opt->target_rel >= 0.0 && opt->target_rel <= 1.0))
        st = tr_error_add(err, TR_E_INPUT, NULL, "target_rel", 0, 0, "must be in (0, 1] (got %g)",
                          opt->target_rel);
    if ((opt->target_se > 0.0 || opt->target_rel > 0.0) && opt->shard_count > 0)
        st = tr_error_add(err, TR_E_INPUT, NULL, "shard", 0, 0,
                          "a precision target (--target-se, --target-rel or the config's "
                          "\"precision\") needs the whole run in one process (where it stops "
                          "depends on every path before it): not with shards");
    if (!(opt->checkpoint_every >= 0.0))
        st = tr_error_add(err, TR_E_INPUT, NULL, "checkpoint_every", 0, 0,
                          "must be at least 0 seconds");
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
tr_status tr__results_finish(tr_results *res, tr_error *err)
{
    if (res->shard_n > 0) return TR_OK;
    int target = res->target.se > 0.0 || res->target.rel > 0.0;
    tr__summary_of of = {&res->plan, &res->total,     target ? res->total.n : res->paths,
                         res->seed,  res->first_path, target ? &res->target : NULL,
                         res->paths};
    return tr__summary_make(&res->summary, &of, err);
}

/* A results object with its plan and empty statistics. */
tr_status tr__results_new(const tr_config *cfg, const tr_run_options *opt, tr_results **out,
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
    res->target.se = opt->target_se;
    res->target.rel = opt->target_rel;
    tr_status st = tr__plan_init(&res->plan, cfg, opt->threads, err);
    if (st == TR_OK) st = tr__pilot_run(&res->plan, opt->seed, err);
    if (st == TR_OK) st = tr__acc_init(&res->total, &res->plan, err);
    return st;
}

/* A run's runner: its one plan. */
static void run_runner(tr_results *const *res, tr__runner *r)
{
    static const size_t none = 0;
    const tr_results *x = res[0];
    memset(r, 0, sizeof *r);
    r->kind = TR__STATE_RUN;
    r->what = "run";
    r->np = 1;
    r->res = (tr_results **)res;
    r->texts = (const char *const *)&x->cfg->text;
    r->text_lens = x->cfg->text ? &x->cfg->text_len : &none;
    r->manifest_sha = "";
    r->paths = x->paths;
    r->seed = x->seed;
    r->first = x->first_path;
    r->shard_i = x->shard_i;
    r->shard_n = x->shard_n;
    r->target = x->target;
    r->done = x->done;
}

tr_status tr_results_state(const tr_results *res, void **state, size_t *len, tr_error *err)
{
    tr__runner r;
    tr_results *one[1] = {(tr_results *)res};
    run_runner(one, &r);
    return tr__runner_state(&r, state, len, err);
}

/*
 * Blocks are numbered from 0 by path (block b holds paths b B .. b B + B - 1,
 * B = TR_PATH_BLOCK); a run of paths [first, last) does the blocks that hold
 * them, each block's paths clipped to the run. A shard does its share of
 * those blocks (runner.h).
 */
tr_status tr_run(const tr_config *cfg, const tr_run_options *opt, tr_results **out, tr_error *err)
{
    *out = NULL;
    if (check_options(opt, err) != TR_OK) return TR_E_INPUT;
    tr_results *res = NULL;
    tr_status st = tr__results_new(cfg, opt, &res, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }
    tr__runner r;
    tr_results *one[1] = {res};
    run_runner(one, &r);
    tr__runner_opts o = {.threads = opt->threads,
                         .progress = opt->progress,
                         .progress_user = opt->progress_user,
                         .checkpoint = opt->checkpoint,
                         .checkpoint_user = opt->checkpoint_user,
                         .checkpoint_every = opt->checkpoint_every,
                         .stop = opt->stop,
                         .resume = opt->resume,
                         .resume_len = opt->resume_len,
                         .resume_name = opt->resume_name,
                         .precision = opt->precision,
                         .precision_user = opt->precision_user};
    st = tr__runner_run(&r, &o, err);
    res->done = r.done;
    res->seconds = r.seconds;
    res->threads = r.threads;
    if (st == TR_OK) st = tr__results_finish(res, err);
    if (st != TR_OK) {
        tr_results_free(res);
        return st;
    }
    *out = res;
    return TR_OK;
}

/* The run's config, from a state's text (its hash checked). */
static tr_status state_config(const tr__state_info *info, const char *name, tr_config **cfg,
                              tr_error *err)
{
    if (info->kind != TR__STATE_RUN || info->nplans != 1)
        return tr_error_add(err, TR_E_INPUT, name, NULL, 0, 0,
                            "a batch's state: merge it with the batch's manifest (`trustrisk "
                            "merge --manifest MANIFEST STATES...`, with the batch's --paths and "
                            "--seed if it was given them)");
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
    tr__state_info info;
    size_t payload;
    tr_status st = tr__state_decode_info(states[0], lens[0], names[0], &info, &payload, err);
    if (st != TR_OK) return st;
    if (strcmp(info.engine, tr_version()) != 0)
        st = tr_error_add(err, TR_E_INPUT, names[0], NULL, 0, 0,
                          "written by engine %s; this is engine %s, whose results differ",
                          info.engine, tr_version());
    if (st == TR_OK) st = state_config(&info, names[0], cfg, err);
    tr_results *res = NULL;
    if (st == TR_OK) {
        tr_run_options opt;
        tr_run_options_init(&opt, *cfg);
        opt.paths = info.paths;
        opt.seed = info.seed;
        opt.first_path = info.first_path;
        opt.target_se = info.target_se;
        opt.target_rel = info.target_rel;
        opt.threads = 1;
        st = tr__results_new(*cfg, &opt, &res, err);
    }
    tr__state_info_free(&info);
    if (st == TR_OK) {
        tr__runner r;
        tr_results *one[1] = {res};
        run_runner(one, &r);
        st = tr__runner_merge(&r, states, lens, names, n, err);
        res->done = r.done;
        res->threads = 1;
    }
    if (st == TR_OK) st = tr__results_finish(res, err);
    if (st != TR_OK) {
        tr_results_free(res);
        tr_config_free(*cfg);
        *cfg = NULL;
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
    tr__blockset_free(&res->done);
    free(res);
}

uint64_t tr_results_paths(const tr_results *res)
{
    return res ? res->total.n : 0;
}

double tr_results_seconds(const tr_results *res)
{
    return res->seconds;
}

int tr_results_threads(const tr_results *res)
{
    return res->threads;
}
