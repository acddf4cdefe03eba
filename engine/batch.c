/*
 * batch.c - running a manifest's scenarios on the same paths, their state
 * and merge, and the comparison with the reference (trustrisk/batch.h).
 *
 * The runner (runner.h) does the work: one plan per scenario, simulated
 * together chunk by chunk, the reference first, so each scenario's
 * statistics are a run's and the paired sums come for free. Here: the
 * scenarios' results objects, the pairing with the reference, and the
 * comparison (compare.h) once the statistics are complete.
 */
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "runner.h"
#include "trustrisk/batch.h"

struct tr_batch {
    const tr_manifest *m;
    size_t n, ref;
    tr_results **res;  /* [n] */
    tr__paired **pair; /* [n], NULL at ref */
    tr__paired *pairs; /* storage */
    const char **ids, **names, **notes, **sha;
    char **texts; /* [n] merged configs' canonical text */
    size_t *text_lens;
    tr__runner r;
    tr__cmp *cmp; /* [n], made once the statistics are complete */
};

void tr_batch_options_init(tr_batch_options *opt)
{
    memset(opt, 0, sizeof *opt);
}

void tr_batch_free(tr_batch *b)
{
    if (!b) return;
    for (size_t k = 0; k < b->n; k++) {
        if (b->res) tr_results_free(b->res[k]);
        if (b->pairs) tr__paired_free(&b->pairs[k]);
        if (b->texts) free(b->texts[k]);
        if (b->cmp) tr__cmp_free(&b->cmp[k]);
    }
    free(b->res);
    free(b->pair);
    free(b->pairs);
    free(b->ids);
    free(b->names);
    free(b->notes);
    free(b->sha);
    free(b->texts);
    free(b->text_lens);
    free(b->cmp);
    tr__blockset_free(&b->r.done);
    free(b);
}

/* Arrays of n, or NOMEM. */
static tr_status alloc_arrays(tr_batch *b, size_t n, tr_error *err)
{
    b->n = n;
    b->res = calloc(n, sizeof *b->res);
    b->pair = calloc(n, sizeof *b->pair);
    b->pairs = calloc(n, sizeof *b->pairs);
    b->ids = calloc(n, sizeof *b->ids);
    b->names = calloc(n, sizeof *b->names);
    b->notes = calloc(n, sizeof *b->notes);
    b->sha = calloc(n, sizeof *b->sha);
    b->texts = calloc(n, sizeof *b->texts);
    b->text_lens = calloc(n, sizeof *b->text_lens);
    b->cmp = calloc(n, sizeof *b->cmp);
    if (!b->res || !b->pair || !b->pairs || !b->ids || !b->names || !b->notes || !b->sha ||
        !b->texts || !b->text_lens || !b->cmp)
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    return TR_OK;
}

/* A batch of m with every scenario's plan, empty statistics and pairing. */
static tr_status new_batch(const tr_manifest *m, int threads, uint32_t shard_i, uint32_t shard_n,
                           tr_batch **out, tr_error *err)
{
    tr_batch *b = calloc(1, sizeof *b);
    *out = b;
    if (!b) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    b->m = m;
    size_t n = tr_manifest_scenario_count(m);
    tr_status st = alloc_arrays(b, n, err);
    b->ref = tr_manifest_reference(m);
    tr_run_options opt;
    tr_run_options_init(&opt, NULL);
    opt.paths = tr_manifest_paths(m);
    opt.seed = tr_manifest_seed(m);
    opt.threads = threads;
    opt.shard_index = shard_i;
    opt.shard_count = shard_n;
    for (size_t k = 0; k < n && st == TR_OK; k++) {
        const tr_config *cfg = tr_manifest_scenario_config(m, k);
        b->ids[k] = tr_manifest_scenario_id(m, k);
        b->names[k] = tr_manifest_scenario_name(m, k);
        b->notes[k] = tr_manifest_scenario_notes(m, k);
        b->sha[k] = tr_config_sha256(cfg);
        st = tr__results_new(cfg, &opt, &b->res[k], err);
        if (st == TR_OK) st = tr_manifest_merged_json(m, k, &b->texts[k], err);
        if (st == TR_OK) b->text_lens[k] = strlen(b->texts[k]);
    }
    for (size_t k = 0; k < n && st == TR_OK; k++)
        if (k != b->ref) {
            st = tr__paired_init(&b->pairs[k], b->res[k]->cfg, b->res[b->ref]->cfg,
                                 b->res[k]->plan.mu_z != NULL || b->res[b->ref]->plan.mu_z != NULL,
                                 err);
            b->pair[k] = &b->pairs[k];
        }
    tr__runner *r = &b->r;
    r->kind = TR__STATE_BATCH;
    r->what = "batch";
    r->np = n;
    r->res = b->res;
    r->ref = b->ref;
    r->pair = b->pair;
    r->ids = b->ids;
    r->texts = (const char *const *)b->texts;
    r->text_lens = b->text_lens;
    r->manifest_sha = tr_manifest_sha256(m);
    r->paths = opt.paths;
    r->seed = opt.seed;
    r->first = 0;
    r->shard_i = shard_i;
    r->shard_n = shard_n;
    return st;
}

/* Once the statistics are complete: every scenario's summary, and the
 * comparisons (none for a shard, whose statistics are partial). */
static tr_status finish(tr_batch *b, tr_error *err)
{
    tr_status st = TR_OK;
    for (size_t k = 0; k < b->n && st == TR_OK; k++) {
        tr_results *res = b->res[k];
        tr__blockset_free(&res->done);
        for (size_t i = 0; i < b->r.done.n && st == TR_OK; i++)
            if (tr__blockset_add(&res->done, b->r.done.r[2 * i], b->r.done.r[2 * i + 1]))
                st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
        if (st != TR_OK) break;
        res->seconds = b->r.seconds;
        res->threads = b->r.threads;
        st = tr__results_finish(res, err);
    }
    if (b->r.shard_n > 0) return st;
    for (size_t k = 0; k < b->n && st == TR_OK; k++)
        if (k != b->ref)
            st = tr__cmp_make(&b->cmp[k], k, b->res[k], b->res[b->ref], b->pair[k], err);
    return st;
}

static tr_status check_options(const tr_batch_options *o, tr_error *err)
{
    tr_status st = TR_OK;
    if (o->threads < 0 || o->threads > 4096)
        st = tr_error_add(err, TR_E_INPUT, NULL, "threads", 0, 0,
                          "must be in [0, 4096] (0: OpenMP's default; got %d)", o->threads);
    if (o->shard_count > 0 ? o->shard_index >= o->shard_count : o->shard_index != 0)
        st = tr_error_add(err, TR_E_INPUT, NULL, "shard", 0, 0,
                          "shard %u of %u: the index must be below the count",
                          (unsigned)o->shard_index, (unsigned)o->shard_count);
    if (!(o->checkpoint_every >= 0.0))
        st = tr_error_add(err, TR_E_INPUT, NULL, "checkpoint_every", 0, 0,
                          "must be at least 0 seconds");
    return st;
}

tr_status tr_batch_run(const tr_manifest *m, const tr_batch_options *opt, tr_batch **out,
                       tr_error *err)
{
    *out = NULL;
    if (check_options(opt, err) != TR_OK) return TR_E_INPUT;
    tr_batch *b = NULL;
    tr_status st = new_batch(m, opt->threads, opt->shard_index, opt->shard_count, &b, err);
    if (st == TR_OK) {
        tr__runner_opts o = {.threads = opt->threads,
                             .progress = opt->progress,
                             .progress_user = opt->progress_user,
                             .checkpoint = opt->checkpoint,
                             .checkpoint_user = opt->checkpoint_user,
                             .checkpoint_every = opt->checkpoint_every,
                             .stop = opt->stop,
                             .resume = opt->resume,
                             .resume_len = opt->resume_len,
                             .resume_name = opt->resume_name};
        st = tr__runner_run(&b->r, &o, err);
    }
    if (st == TR_OK) st = finish(b, err);
    if (st != TR_OK) {
        tr_batch_free(b);
        return st;
    }
    *out = b;
    return TR_OK;
}

tr_status tr_batch_merge(const tr_manifest *m, const void *const *states, const size_t *lens,
                         const char *const *names, size_t n, tr_batch **out, tr_error *err)
{
    *out = NULL;
    tr_batch *b = NULL;
    tr_status st = new_batch(m, 1, 0, 0, &b, err);
    if (st == TR_OK) st = tr__runner_merge(&b->r, states, lens, names, n, err);
    if (st == TR_OK) st = finish(b, err);
    if (st != TR_OK) {
        tr_batch_free(b);
        return st;
    }
    *out = b;
    return TR_OK;
}

tr_status tr_batch_state(const tr_batch *b, void **state, size_t *len, tr_error *err)
{
    return tr__runner_state(&b->r, state, len, err);
}

const tr_results *tr_batch_results(const tr_batch *b, size_t i)
{
    return i < b->n ? b->res[i] : NULL;
}

/* What the comparison documents need, or an error for a shard. */
static tr_status doc_of(const tr_batch *b, tr__cmp_doc *d, tr_error *err)
{
    if (b->r.shard_n > 0)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "these are the results of shard %u/%u of the batch, a part of it: "
                            "merge the shards' states for the comparison",
                            (unsigned)b->r.shard_i, (unsigned)b->r.shard_n);
    *d = (tr__cmp_doc){.name = tr_manifest_name(b->m),
                       .manifest_sha = tr_manifest_sha256(b->m),
                       .paths = b->r.paths,
                       .seed = b->r.seed,
                       .n = b->n,
                       .ref = b->ref,
                       .ids = b->ids,
                       .names = b->names,
                       .notes = b->notes,
                       .sha = b->sha,
                       .cmp = b->cmp};
    return TR_OK;
}

tr_status tr_batch_comparison_json(const tr_batch *b, char **json, tr_error *err)
{
    *json = NULL;
    tr__cmp_doc d;
    if (doc_of(b, &d, err) != TR_OK) return TR_E_INPUT;
    return tr__cmp_json(&d, json, err);
}

tr_status tr_batch_comparison_csv(const tr_batch *b, FILE *fp, tr_error *err)
{
    tr__cmp_doc d;
    if (doc_of(b, &d, err) != TR_OK) return TR_E_INPUT;
    tr__cmp_csv(&d, fp);
    if (ferror(fp))
        return tr_error_add(err, TR_E_IO, "comparison.csv", NULL, 0, 0, "writing the CSV failed");
    return TR_OK;
}

double tr_batch_seconds(const tr_batch *b)
{
    return b->r.seconds;
}

int tr_batch_threads(const tr_batch *b)
{
    return b->r.threads;
}

const tr__cmp *tr__batch_cmp(const tr_batch *b, size_t i)
{
    return i < b->n && i != b->ref && b->r.shard_n == 0 ? &b->cmp[i] : NULL;
}
