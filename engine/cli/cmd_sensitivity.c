/*
 * cmd_sensitivity.c - `trustrisk sensitivity CONFIG --out DIR [options]`.
 *
 * Bumps each assumption of the config one at a time, runs every bump with
 * the base on the same paths (the library's tr_sensitivity_run), and writes
 * DIR/sensitivity.json, DIR/sensitivity.csv and, with --report,
 * DIR/sensitivity.html, all or nothing (outdir.h), then prints the top
 * drivers. The options are run's (--paths, --seed, --threads, --quiet,
 * --progress, --report) and the bump sizes (--bump-delivery, --bump-slip,
 * --bump-prob, --bump-growth, --bump-reserve). There are no checkpoints: a
 * sensitivity stopped by a signal leaves the output folder as it was.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_sensitivity.h"
#include "common.h"
#include "gnuplot.h"
#include "outdir.h"

/* Trusts in the printed summary. */
#define SUMMARY_TRUSTS 5

/* The bump-size options and the member of tr_sensitivity_sizes each sets. */
static const struct {
    const char *option, *size;
} BUMP_OPTIONS[] = {{"--bump-delivery", "delivery"},
                    {"--bump-slip", "slippage"},
                    {"--bump-prob", "probability"},
                    {"--bump-growth", "cost_growth"},
                    {"--bump-reserve", "reserve"}};
#define N_BUMP_OPTIONS (sizeof BUMP_OPTIONS / sizeof BUMP_OPTIONS[0])

static double *size_of(tr_sensitivity_sizes *z, size_t k)
{
    double *const members[N_BUMP_OPTIONS] = {&z->delivery, &z->slippage, &z->probability,
                                             &z->cost_growth, &z->reserve};
    return members[k];
}

/* Take the bump options out of argv (into *z, checked), leaving run's
 * options in rest[0 .. *nrest); refuse run's options that a sensitivity has
 * no use for. 0, or the exit status of a usage error (printed). */
static int take_bump_options(int argc, char **argv, tr_sensitivity_sizes *z, char **rest,
                             int *nrest, int *has_out)
{
    static const char *const run_only[] = {"--resume",    "--shard",      "--checkpoint-every",
                                           "--target-se", "--target-rel", "--xlsx"};
    *nrest = 0;
    for (int i = 0; i < argc; i++) {
        for (size_t k = 0; k < sizeof run_only / sizeof run_only[0]; k++)
            if (strcmp(argv[i], run_only[k]) == 0)
                return cli_bad_usage("sensitivity: '%s' is an option of run only (a sensitivity "
                                     "has no checkpoints, shards, precision targets or "
                                     "workbook: every bump runs the same paths as the base)",
                                     argv[i]);
        size_t k = 0;
        while (k < N_BUMP_OPTIONS && strcmp(argv[i], BUMP_OPTIONS[k].option) != 0)
            k++;
        if (k == N_BUMP_OPTIONS) {
            if (strcmp(argv[i], "--out") == 0) *has_out = 1;
            rest[(*nrest)++] = argv[i];
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        char *end = NULL;
        double x = v ? strtod(v, &end) : NAN;
        if (!v || end == v || *end != '\0' || !isfinite(x))
            return cli_bad_usage("%s: expected a number, got '%s'", BUMP_OPTIONS[k].option,
                                 v ? v : "nothing");
        *size_of(z, k) = x;
    }
    tr_error err;
    tr_error_init(&err);
    if (tr_sensitivity_sizes_check(z, &err) == TR_OK) return 0;
    for (size_t k = 0; k < N_BUMP_OPTIONS; k++)
        if (strcmp(err.diags[0].path, BUMP_OPTIONS[k].size) == 0) {
            int rc = cli_bad_usage("%s: %s", BUMP_OPTIONS[k].option, err.diags[0].message);
            tr_error_clear(&err);
            return rc;
        }
    return cli_fail_with(&err);
}

static void progress(void *user, uint64_t done, uint64_t total)
{
    cli_progress_update(user, done, total);
}

/* sensitivity.html from sensitivity.json's text, into the staging folder. */
static tr_status add_page(cli_outdir *od, const char *out, const char *json, tr_error *err)
{
    size_t n = strlen(out) + sizeof "/" TR_SENSITIVITY_JSON;
    char *source = malloc(n);
    if (source) snprintf(source, n, "%s/%s", out, TR_SENSITIVITY_JSON);
    cli_gnuplot gp;
    cli_gnuplot_init(&gp);
    char *html = NULL;
    tr_status st = tr_sensitivity_html(json, strlen(json), source,
                                       gp.program ? cli_gnuplot_chart : NULL, &gp, &html, err);
    cli_gnuplot_free(&gp);
    if (st == TR_OK) st = cli_outdir_add(od, TR_SENSITIVITY_HTML, html, strlen(html), err);
    free(html);
    free(source);
    return st;
}

/* The files, all or nothing. */
static tr_status write_outputs(cli_outdir *od, const cli_opts *o, const tr_sensitivity *s,
                               tr_error *err)
{
    char *json = NULL;
    tr_status st = tr_sensitivity_json(s, &json, err);
    if (st == TR_OK) st = cli_outdir_add(od, TR_SENSITIVITY_JSON, json, strlen(json), err);
    FILE *fp = st == TR_OK ? cli_outdir_open(od, TR_SENSITIVITY_CSV, err) : NULL;
    if (st == TR_OK && fp == NULL) st = TR_E_IO;
    if (fp) {
        st = tr_sensitivity_csv(s, fp, err);
        tr_status closed = cli_outdir_close(od, fp, TR_SENSITIVITY_CSV, err);
        if (st == TR_OK) st = closed;
    }
    if (st == TR_OK && o->report) st = add_page(od, o->out, json, err);
    free(json);
    if (st != TR_OK) {
        cli_outdir_abandon(od);
        return st;
    }
    return cli_outdir_commit(od, err);
}

static void print_written(const cli_opts *o)
{
    printf("\nsensitivity written to ");
    tr_text_print(stdout, o->out);
    printf("/ (%s, %s%s)\n", TR_SENSITIVITY_JSON, TR_SENSITIVITY_CSV,
           o->report ? ", " TR_SENSITIVITY_HTML : "");
}

int cli_cmd_sensitivity(int argc, char **argv)
{
    tr_sensitivity_sizes sizes;
    tr_sensitivity_sizes_init(&sizes);
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) return EXIT_INTERNAL;
    int nrest = 0, has_out = 0;
    cli_opts o;
    cli_opts_init(&o);
    int rc = take_bump_options(argc, argv, &sizes, rest, &nrest, &has_out);
    if (rc == 0) rc = cli_parse_opts(nrest, rest, &o, 1, 0);
    free(rest);
    if (rc) return rc < 0 ? 0 : rc;
    if (!has_out)
        return cli_bad_usage("%s", "sensitivity needs --out DIR (the folder for "
                                   "sensitivity.json and the rest)");

    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    if (tr_config_load_file(o.config, &cfg, &err) != TR_OK) return cli_fail_with(&err);
    tr_sensitivity_options opt;
    tr_sensitivity_options_init(&opt, cfg);
    if (o.has_paths) opt.paths = o.paths;
    if (o.has_seed) opt.seed = o.seed;
    opt.threads = o.threads;
    opt.sizes = sizes;
    /* The output folder is checked before a single path runs. */
    cli_outdir od;
    if (cli_outdir_prepare(&od, o.out, &err) != TR_OK) {
        tr_config_free(cfg);
        return cli_fail_with(&err);
    }
    cli_progress bar;
    cli_progress_init(&bar, o.progress, stderr, "sensitivity");
    opt.progress = progress;
    opt.progress_user = &bar;
    tr_sensitivity *s = NULL;
    tr_status st = tr_sensitivity_run(cfg, o.config, &opt, &s, &err);
    if (st != TR_OK) {
        cli_progress_clear(&bar);
        cli_outdir_abandon(&od);
        tr_config_free(cfg);
        return cli_fail_with(&err);
    }
    cli_progress_finish(&bar, tr_sensitivity_work(s), tr_sensitivity_seconds(s));
    st = write_outputs(&od, &o, s, &err);
    if (st == TR_OK) {
        tr_sensitivity_print_summary(s, SUMMARY_TRUSTS, stdout);
        print_written(&o);
    }
    tr_sensitivity_free(s);
    tr_config_free(cfg);
    if (st != TR_OK) return cli_fail_with(&err);
    return cli_flush_stdout();
}
