/*
 * cmd_batch.c - `trustrisk batch MANIFEST [options]`: every scenario of a
 * batch manifest on the same paths, compared with the reference path by
 * path (trustrisk/batch.h does the work).
 *
 * The driver that `run` uses (cmd_run.h) drives a batch too, so a batch
 * has run's options and behaviour: checkpoints in OUT/checkpoint.trs,
 * --resume, --shard I/N writing OUT/shard-I-of-N.trs only, MPI ranks, exit
 * status 3 on SIGINT or SIGTERM with the command that resumes, and the
 * output folder replaced all or nothing. What is a batch's is here: the
 * manifest (with --paths and --seed), and the output folder:
 *
 *   OUT/scenarios/ID/      what `trustrisk run` writes, for each scenario
 *                          (report.html with --report, results.xlsx with --xlsx)
 *   OUT/comparison.json    every scenario against the reference
 *   OUT/comparison.csv     the same, a row per scenario, item and quantity
 *   OUT/comparison.html    with --report: the comparison as a page
 *   OUT/batch.log          the batch's course, one JSON object per line
 *
 * batch.log is written as the batch goes, in the output folder itself
 * (beside an earlier batch's files, like the checkpoint): a fresh batch
 * starts it anew, --resume appends to it; the finished log goes into the
 * new output folder with the rest. Its events: start, checkpoint, scenario
 * done (one per scenario, at the end), error and end, each with its UTC
 * time. A shard writes no log (its state is all it writes), and only the
 * MPI rank that writes the output folder keeps one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cmd_batch.h"
#include "cmd_run.h"
#include "common.h"
#include "outdir.h"
#include "outputs.h"
#include "runinfo.h"
#include "xlsx.h"

/* ---- the manifest, with --paths and --seed ------------------------------- */

/* The folder that file's relative names start from ("." for a bare name). */
static char *folder_of(const char *file)
{
    const char *slash = strrchr(file, '/');
    if (slash == NULL) return strdup(".");
    if (slash == file) return strdup("/");
    return strndup(file, (size_t)(slash - file));
}

/* The manifest's text with "paths" and "seed" set as `run` says (written in
 * digits: the loader reads a seed only so). */
static char *with_run(const char *text, size_t len, const cli_batch_run *run, tr_error *err)
{
    cJSON *root = cJSON_ParseWithLength(text, len);
    char *rest = NULL, *out = NULL;
    if (!cJSON_IsObject(root)) {
        tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                     "the manifest changed while it was read; try again");
        cJSON_Delete(root);
        return NULL;
    }
    char head[96] = "";
    size_t used = 0;
    const char *keys[2] = {"paths", "seed"};
    const int has[2] = {run->has_paths, run->has_seed};
    const uint64_t value[2] = {run->paths, run->seed};
    for (int k = 0; k < 2; k++)
        if (has[k]) {
            cJSON_DeleteItemFromObjectCaseSensitive(root, keys[k]);
            used += (size_t)snprintf(head + used, sizeof head - used, "\"%s\":%llu,", keys[k],
                                     (unsigned long long)value[k]);
        }
    rest = cJSON_PrintUnformatted(root); /* "{...}", never empty: "scenarios" is required */
    size_t n = rest ? strlen(rest) : 0;
    out = rest && n >= 2 ? malloc(n + used + 1) : NULL;
    if (out) {
        int empty = rest[1] == '}';
        if (empty && used) head[--used] = '\0'; /* no comma before the closing brace */
        snprintf(out, n + used + 1, "{%s%s", head, rest + 1);
    } else {
        tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    cJSON_free(rest);
    cJSON_Delete(root);
    return out;
}

int cli_batch_run_option(const char *opt, const char *v, cli_batch_run *run)
{
    int paths = strcmp(opt, "--paths") == 0;
    uint64_t x = 0;
    if (v == NULL || cli_parse_u64(v, &x) || (paths ? x < 1 || x > TR_MAX_PATHS : x > TR_MAX_SEED))
        return cli_bad_usage(paths ? "--paths: expected a whole number from 1 to 4000000000, got "
                                     "'%s'"
                                   : "--seed: expected a whole number from 0 to 2^53, got '%s'",
                             v ? v : "");
    if (paths) {
        run->has_paths = 1;
        run->paths = x;
    } else {
        run->has_seed = 1;
        run->seed = x;
    }
    return 0;
}

tr_status cli_manifest_load(const char *file, const cli_batch_run *run, tr_manifest **m,
                            tr_error *err)
{
    tr_status st = tr_manifest_load_file(file, m, err);
    if (st != TR_OK || run == NULL || (!run->has_paths && !run->has_seed)) return st;
    cli_state text;
    st = cli_state_read(file, &text, err);
    char *json = st == TR_OK ? with_run(text.data, text.len, run, err) : NULL;
    char *dir = json ? folder_of(file) : NULL;
    tr_manifest_free(*m);
    *m = NULL;
    if (json && dir)
        st = tr_manifest_load_buffer(json, strlen(json), file, dir, m, err);
    else if (st == TR_OK)
        st = json ? tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory")
                  : tr_error_status(err);
    free(dir);
    free(json);
    cli_state_free(&text);
    return st;
}

/* ---- batch.log ----------------------------------------------------------- */

/* A batch's log: the lines it has written (all the log, when the batch is
 * a merge), and where it is kept while the batch runs. */
typedef struct batch_log {
    char *dir;   /* the output folder of a live log (batch.log is appended there); else NULL */
    char *lines; /* what this process logged (a merge's whole log) */
    size_t len;
    int started, ended;
    int held; /* lines from lines[hold] on are held back from the live log */
    size_t hold;
    double t0; /* monotonic seconds when it started */
} batch_log;

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A log line for `event`, with the time: the object to fill. */
static cJSON *log_entry(const char *event)
{
    cJSON *o = cJSON_CreateObject();
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tmv;
    if (gmtime_r(&now, &tmv)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    cJSON_AddStringToObject(o, "time", when);
    cJSON_AddStringToObject(o, "event", event);
    return o;
}

/* Write entry `o` (freed here) as a line: into the live log, if any (a
 * fresh one when `fresh`), and into the lines kept. A log that cannot be
 * written is a warning, once: the batch goes on. */
static void log_put(batch_log *l, cJSON *o, int fresh)
{
    char *text = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    size_t n = text ? strlen(text) : 0;
    char *grown = text ? realloc(l->lines, l->len + n + 2) : NULL;
    if (grown) {
        l->lines = grown;
        memcpy(l->lines + l->len, text, n);
        l->len += n;
        l->lines[l->len++] = '\n';
        l->lines[l->len] = '\0';
    }
    if (l->dir && text && !l->held) {
        text[n] = '\n'; /* replaces the terminator: written by length */
        tr_error e;
        tr_error_init(&e);
        if (cli_file_append(l->dir, CLI_BATCH_LOG, text, n + 1, fresh, &e) != TR_OK) {
            fputs("trustrisk: warning: the batch goes on without its log:\n", stderr);
            tr_error_print(&e, stderr);
            free(l->dir);
            l->dir = NULL;
        }
        tr_error_clear(&e);
    }
    cJSON_free(text);
}

/* "file:line:column: path: message", as tr_error_print writes a problem. */
static char *diag_text(const tr_diag *d)
{
    char *s = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&s, &n);
    if (fp == NULL) return NULL;
    if (d->file) fprintf(fp, "%s:", d->file);
    if (d->file && d->line > 0) fprintf(fp, "%d:%d:", d->line, d->column);
    if (d->file) fputc(' ', fp);
    if (d->path && *d->path) fprintf(fp, "%s: ", d->path);
    fputs(d->message ? d->message : "", fp);
    if (fclose(fp) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void log_error(batch_log *l, const tr_error *err)
{
    for (size_t k = 0; err && k < err->count; k++) {
        cJSON *o = log_entry("error");
        char *msg = diag_text(&err->diags[k]);
        cJSON_AddStringToObject(o, "message", msg ? msg : "(out of memory)");
        free(msg);
        log_put(l, o, 0);
    }
}

static void log_end(batch_log *l, int code, int threads)
{
    if (!l->started || l->ended) return;
    l->ended = 1;
    cJSON *o = log_entry("end");
    cJSON_AddStringToObject(o, "status",
                            code == 0                  ? "done"
                            : code == EXIT_INTERRUPTED ? "interrupted"
                                                       : "failed");
    cJSON_AddNumberToObject(o, "exit_status", code);
    cJSON_AddNumberToObject(o, "seconds", monotonic() - l->t0);
    if (threads > 0) cJSON_AddNumberToObject(o, "threads", threads);
    log_put(l, o, 0);
}

static void log_free(batch_log *l)
{
    free(l->dir);
    free(l->lines);
    memset(l, 0, sizeof *l);
}

/* ---- the batch's output folder ------------------------------------------- */

/* "scenarios/ID" (malloc'd). Ids are safe as folder names (batch.h). */
static char *scenario_dir(const tr_manifest *m, size_t k)
{
    const char *id = tr_manifest_scenario_id(m, k);
    size_t n = sizeof CLI_SCENARIOS_DIR + strlen(id) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", CLI_SCENARIOS_DIR, id);
    return s;
}

/* The scenario's "scenario done" line, with its headline figures. */
static void log_scenario(batch_log *l, const tr_manifest *m, size_t k, const char *dir,
                         const char *json)
{
    cJSON *o = log_entry("scenario done");
    cJSON_AddStringToObject(o, "id", tr_manifest_scenario_id(m, k));
    cJSON_AddStringToObject(o, "name", tr_manifest_scenario_name(m, k));
    cJSON_AddStringToObject(o, "folder", dir);
    cJSON *res = cJSON_Parse(json);
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(res, "system");
    const cJSON *fail = cJSON_GetObjectItemCaseSensitive(sys, "failures");
    const cJSON *bo = cJSON_GetObjectItemCaseSensitive(sys, "bailout");
    const cJSON *fm = cJSON_GetObjectItemCaseSensitive(fail, "mean");
    const cJSON *bm = cJSON_GetObjectItemCaseSensitive(bo, "mean");
    if (cJSON_IsNumber(fm)) cJSON_AddNumberToObject(o, "failures_mean", fm->valuedouble);
    if (cJSON_IsNumber(bm)) cJSON_AddNumberToObject(o, "bailout_mean", bm->valuedouble);
    cJSON_Delete(res);
    log_put(l, o, 0);
}

/* One scenario's files in scenarios/ID/. */
static tr_status add_scenario(cli_outdir *od, const char *out, int extra, const tr_manifest *m,
                              const tr_batch *b, size_t k, const cli_run_facts *facts, batch_log *l,
                              tr_error *err)
{
    char *dir = scenario_dir(m, k), *json = NULL;
    const tr_results *res = tr_batch_results(b, k);
    tr_status st = dir ? cli_outdir_mkdir(od, dir, err)
                       : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    if (st == TR_OK) st = tr_results_json(res, &json, err);
    cli_run_facts f = *facts;
    f.config_file = NULL; /* no file: the merged config */
    f.manifest_file = tr_manifest_file(m);
    f.scenario = tr_manifest_scenario_id(m, k);
    if (st == TR_OK)
        st = cli_outputs_add(od, dir, out, extra, tr_manifest_scenario_config(m, k), res, &f, json,
                             err);
    if (st == TR_OK) log_scenario(l, m, k, dir, json);
    free(json);
    free(dir);
    return st;
}

/* comparison.json, comparison.csv and, with CLI_OUT_REPORT, comparison.html. */
static tr_status add_comparison(cli_outdir *od, const char *out, int extra, const tr_batch *b,
                                tr_error *err)
{
    char *json = NULL, *html = NULL;
    tr_status st = tr_batch_comparison_json(b, &json, err);
    if (st == TR_OK) st = cli_outdir_add(od, CLI_COMPARISON_JSON, json, strlen(json), err);
    FILE *fp = st == TR_OK ? cli_outdir_open(od, CLI_COMPARISON_CSV, err) : NULL;
    if (st == TR_OK && fp == NULL) st = TR_E_IO;
    if (fp) {
        st = tr_batch_comparison_csv(b, fp, err);
        tr_status closed = cli_outdir_close(od, fp, CLI_COMPARISON_CSV, err);
        if (st == TR_OK) st = closed;
    }
    if (st == TR_OK && (extra & CLI_OUT_REPORT)) {
        size_t n = strlen(out) + sizeof "/" CLI_COMPARISON_JSON;
        char *source = malloc(n);
        if (source) snprintf(source, n, "%s/%s", out, CLI_COMPARISON_JSON);
        st = source ? tr_comparison_html(json, strlen(json), source, &html, err)
                    : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
        if (st == TR_OK) st = cli_outdir_add(od, TR_COMPARISON_FILE, html, strlen(html), err);
        free(source);
    }
    free(html);
    free(json);
    return st;
}

/* The finished log into the staging folder: the live one (earlier sessions
 * included) and the lines held back, or the lines of this process. */
static tr_status add_log(cli_outdir *od, const batch_log *l, tr_error *err)
{
    if (l->dir == NULL) return cli_outdir_add(od, CLI_BATCH_LOG, l->lines, l->len, err);
    size_t n = strlen(l->dir) + sizeof "/" CLI_BATCH_LOG;
    char *file = malloc(n), *all = NULL;
    if (file == NULL) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    snprintf(file, n, "%s/%s", l->dir, CLI_BATCH_LOG);
    cli_state live;
    tr_status st = cli_state_read(file, &live, err);
    size_t tail = l->len - l->hold;
    if (st == TR_OK && (all = malloc(live.len + tail + 1)) == NULL)
        st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    if (st == TR_OK) {
        memcpy(all, live.data, live.len);
        memcpy(all + live.len, l->lines + l->hold, tail);
        st = cli_outdir_add(od, CLI_BATCH_LOG, all, live.len + tail, err);
    }
    free(all);
    cli_state_free(&live);
    free(file);
    return st;
}

/* The whole output folder of batch `b` of `m`, committed; on failure
 * abandoned. The log gets its "scenario done" lines and, when all is
 * written, its end. */
static tr_status write_batch(cli_outdir *od, const char *out, int extra, const tr_manifest *m,
                             const tr_batch *b, const cli_run_facts *facts, batch_log *l,
                             tr_error *err)
{
    /* The last lines go to the finished log only: should this fail, the
     * live log says so instead. */
    l->held = 1;
    l->hold = l->len;
    tr_status st = cli_outdir_mkdir(od, CLI_SCENARIOS_DIR, err);
    for (size_t k = 0; st == TR_OK && k < tr_manifest_scenario_count(m); k++)
        st = add_scenario(od, out, extra, m, b, k, facts, l, err);
    if (st == TR_OK) st = add_comparison(od, out, extra, b, err);
    if (st == TR_OK) {
        log_end(l, 0, facts->threads);
        st = add_log(od, l, err);
    }
    l->held = 0;
    if (st == TR_OK) return cli_outdir_commit(od, err);
    l->len = l->hold; /* the failure is logged instead */
    l->ended = 0;
    cli_outdir_abandon(od);
    return st;
}

/* The summary: each scenario's headline and the main comparisons. */
static void print_batch(const tr_manifest *m, const tr_batch *b, const char *out, int extra)
{
    size_t n = tr_manifest_scenario_count(m), ref = tr_manifest_reference(m);
    printf("%zu scenarios on %llu paths (seed %llu), compared with \"%s\":\n", n,
           (unsigned long long)tr_manifest_paths(m), (unsigned long long)tr_manifest_seed(m),
           tr_manifest_scenario_id(m, ref));
    char *json = NULL;
    tr_error e;
    tr_error_init(&e);
    cJSON *doc = tr_batch_comparison_json(b, &json, &e) == TR_OK ? cJSON_Parse(json) : NULL;
    tr_error_clear(&e);
    free(json);
    size_t width = 8;
    for (size_t k = 0; k < n; k++)
        if (strlen(tr_manifest_scenario_id(m, k)) > width)
            width = strlen(tr_manifest_scenario_id(m, k));
    printf("  %-*s  %22s  %26s\n", (int)width, "scenario", "trusts failing (delta)",
           "total bail-out, £m (delta)");
    const cJSON *cmp = cJSON_GetObjectItemCaseSensitive(doc, "comparisons"), *c;
    for (size_t k = 0; k < n; k++) {
        const char *id = tr_manifest_scenario_id(m, k);
        printf("  %-*s", (int)width, id);
        if (k == ref) {
            printf("  %22s  %26s\n", "(reference)", "");
            continue;
        }
        cJSON_ArrayForEach(c, cmp)
        {
            const cJSON *sid = cJSON_GetObjectItemCaseSensitive(c, "scenario");
            if (!cJSON_IsString(sid) || strcmp(sid->valuestring, id) != 0) continue;
            const cJSON *sys = cJSON_GetObjectItemCaseSensitive(c, "system");
            const char *q[2] = {"failures", "bailout"};
            for (int i = 0; i < 2; i++) {
                const cJSON *x = cJSON_GetObjectItemCaseSensitive(sys, q[i]);
                const cJSON *d = cJSON_GetObjectItemCaseSensitive(x, "delta");
                const cJSON *se = cJSON_GetObjectItemCaseSensitive(x, "se");
                char cell[64] = "-";
                if (cJSON_IsNumber(d))
                    snprintf(cell, sizeof cell, "%+.3f \xC2\xB1 %.3f", d->valuedouble,
                             cJSON_IsNumber(se) ? 1.959963984540054 * se->valuedouble : 0.0);
                printf("  %*s", i == 0 ? 22 : 26, cell);
            }
        }
        printf("\n");
    }
    cJSON_Delete(doc);
    printf("(delta: the scenario less the reference on the same paths, \xC2\xB1 its 95 %% "
           "interval)\n\nresults written to ");
    cli_print_text(
        stdout, out,
        "/ (scenarios/ID/ as run writes them, comparison.json, comparison.csv, batch.log)\n");
    if (extra & CLI_OUT_XLSX) {
        printf("workbooks written to ");
        cli_print_text(stdout, out, "/scenarios/ID/" CLI_XLSX_FILE "\n");
    }
    if (extra & CLI_OUT_REPORT) {
        printf("reports written to ");
        cli_print_text(stdout, out, "/comparison.html and each scenario's report.html\n");
    }
}

/* ---- the batch's task ---------------------------------------------------- */

typedef struct batch_task {
    cli_task t;
    tr_manifest *m;
    tr_batch *b;      /* simulated (this process's part) */
    tr_batch *merged; /* under MPI, rank 0: every rank's */
    batch_log log;
    char label[64];
} batch_task;

static tr_status batch_load(cli_task *t, const cli_opts *o, tr_error *err)
{
    batch_task *bt = (batch_task *)t;
    if (o->has_paths && o->paths > TR_MAX_PATHS)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "--paths: at most %llu paths in one batch, got %llu",
                            (unsigned long long)TR_MAX_PATHS, (unsigned long long)o->paths);
    cli_batch_run run = {o->has_paths, o->has_seed, o->paths, o->seed};
    tr_status st = cli_manifest_load(o->config, &run, &bt->m, err);
    if (st != TR_OK) return st;
    t->paths = tr_manifest_paths(bt->m);
    t->seed = tr_manifest_seed(bt->m);
    size_t n = tr_manifest_scenario_count(bt->m);
    snprintf(bt->label, sizeof bt->label, "batch of %zu scenario%s", n, n == 1 ? "" : "s");
    t->label = bt->label;
    return TR_OK;
}

static tr_status batch_simulate(cli_task *t, const cli_sim *s, tr_error *err)
{
    batch_task *bt = (batch_task *)t;
    tr_batch_options opt;
    tr_batch_options_init(&opt);
    CLI_SIM_APPLY(opt, s);
    tr_status st = tr_batch_run(bt->m, &opt, &bt->b, err);
    if (st == TR_OK) {
        t->seconds = tr_batch_seconds(bt->b);
        t->threads = tr_batch_threads(bt->b);
    }
    return st;
}

static tr_status batch_state(cli_task *t, void **state, size_t *len, tr_error *err)
{
    return tr_batch_state(((batch_task *)t)->b, state, len, err);
}

static tr_status batch_merge(cli_task *t, const void *const *states, const size_t *lens,
                             const char *const *names, size_t n, tr_error *err)
{
    batch_task *bt = (batch_task *)t;
    return tr_batch_merge(bt->m, states, lens, names, n, &bt->merged, err);
}

static tr_status batch_write(cli_task *t, cli_outdir *od, const char *out, int extra,
                             const cli_run_facts *facts, tr_error *err)
{
    batch_task *bt = (batch_task *)t;
    return write_batch(od, out, extra, bt->m, bt->merged ? bt->merged : bt->b, facts, &bt->log,
                       err);
}

static void batch_print(cli_task *t, const char *out, int extra)
{
    batch_task *bt = (batch_task *)t;
    print_batch(bt->m, bt->merged ? bt->merged : bt->b, out, extra);
}

/* The start line of a batch of m: what it is. */
static cJSON *start_entry(const tr_manifest *m)
{
    cJSON *s = log_entry("start");
    cJSON_AddStringToObject(s, "manifest", tr_manifest_file(m));
    cJSON_AddStringToObject(s, "name", tr_manifest_name(m));
    cJSON_AddStringToObject(s, "manifest_sha256", tr_manifest_sha256(m));
    cJSON_AddNumberToObject(s, "scenarios", (double)tr_manifest_scenario_count(m));
    cJSON_AddStringToObject(s, "reference", tr_manifest_scenario_id(m, tr_manifest_reference(m)));
    cJSON_AddNumberToObject(s, "paths", (double)tr_manifest_paths(m));
    cJSON_AddItemToObject(s, "seed", cli_json_u64(tr_manifest_seed(m)));
    return s;
}

/* The start line: what the batch is and how it runs. */
static void log_start(batch_task *bt, const cli_event_info *info)
{
    batch_log *l = &bt->log;
    const cli_opts *o = info->o;
    tr_error e;
    tr_error_init(&e);
    if (cli_dir_ensure(o->out, &e) != TR_OK || (l->dir = strdup(o->out)) == NULL) {
        fputs("trustrisk: warning: the batch goes on without its log:\n", stderr);
        tr_error_print(&e, stderr);
    }
    tr_error_clear(&e);
    l->started = 1;
    l->t0 = monotonic();
    cJSON *s = start_entry(bt->m);
    if (o->threads > 0)
        cJSON_AddNumberToObject(s, "threads", o->threads);
    else
        cJSON_AddNullToObject(s, "threads"); /* the default: every core */
    if (info->ranks > 1) cJSON_AddNumberToObject(s, "mpi_ranks", info->ranks);
    cJSON_AddBoolToObject(s, "resumed", o->resume);
    log_put(l, s, !o->resume);
}

static void batch_event(cli_task *t, cli_event ev, const cli_event_info *info)
{
    batch_task *bt = (batch_task *)t;
    batch_log *l = &bt->log;
    if (ev == CLI_EVENT_START && info->writes) log_start(bt, info);
    if (!l->started) return;
    if (ev == CLI_EVENT_CHECKPOINT) {
        cJSON *o = log_entry("checkpoint");
        cJSON_AddNumberToObject(o, "paths_done", (double)info->done);
        cJSON_AddNumberToObject(o, "paths", (double)info->part);
        log_put(l, o, 0);
    } else if (ev == CLI_EVENT_ERROR) {
        log_error(l, info->err);
    } else if (ev == CLI_EVENT_END) {
        log_end(l, info->code, t->threads);
    }
}

int cli_cmd_batch(int argc, char **argv, const char *prog)
{
    batch_task bt = {.t = {.command = "batch",
                           .input = "MANIFEST",
                           .no_target = "every scenario runs the manifest's paths (or --paths), "
                                        "the same paths as the reference, so that each is "
                                        "compared with it path by path",
                           .load = batch_load,
                           .simulate = batch_simulate,
                           .state = batch_state,
                           .merge = batch_merge,
                           .write = batch_write,
                           .print = batch_print,
                           .event = batch_event}};
    int code = cli_run_task(&bt.t, argc, argv, prog);
    log_free(&bt.log);
    tr_batch_free(bt.merged);
    tr_batch_free(bt.b);
    tr_manifest_free(bt.m);
    return code;
}

/* ---- trustrisk merge --manifest ------------------------------------------ */

tr_status cli_batch_merge(const char *manifest, const cli_batch_run *run, const void *const *states,
                          const size_t *lens, const char *const *names, size_t n, const char *out,
                          int extra, tr_error *err)
{
    tr_manifest *m = NULL;
    tr_batch *b = NULL;
    tr_status st = cli_manifest_load(manifest, run, &m, err);
    if (st == TR_OK) st = tr_batch_merge(m, states, lens, names, n, &b, err);
    /* Only now, with everything checked, is the output folder touched. */
    cli_outdir od;
    if (st == TR_OK) st = cli_outdir_prepare(&od, out, err);
    batch_log l = {0};
    if (st == TR_OK) {
        l.started = 1;
        l.t0 = monotonic();
        cJSON *s = start_entry(m);
        cJSON *files = cJSON_AddArrayToObject(s, "merged_files");
        for (size_t k = 0; k < n; k++)
            cJSON_AddItemToArray(files, cJSON_CreateString(names[k]));
        log_put(&l, s, 0);
        cli_run_facts f = {.paths = tr_manifest_paths(m),
                           .seed = tr_manifest_seed(m),
                           .seconds = NAN,
                           .merged = n,
                           .merged_files = names};
        st = write_batch(&od, out, extra, m, b, &f, &l, err);
    }
    if (st == TR_OK) print_batch(m, b, out, extra);
    log_free(&l);
    tr_batch_free(b);
    tr_manifest_free(m);
    return st;
}
