/*
 * main.c - the `trustrisk` command, a thin client of the public API.
 *
 * Subcommands: validate (load and check configs), run (simulate and write
 * results), path (replay one path as CSV), report (HTML report of a run),
 * import (a config from CSV files).
 * Exit codes: 0 success, 2 invalid input (config, arguments), 1 internal or
 * run-time error (I/O, memory). Everything the command does goes through
 * include/trustrisk/; it has no access to the engine's internals. The
 * library makes the documents; the command stores them (outdir.c), composes
 * run.json (runinfo.c) and runs gnuplot for the report (gnuplot.c). It
 * links GSL for one call: turning GSL's aborting error handler off.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gnuplot.h"
#include "outdir.h"
#include "progress.h"
#include "runinfo.h"
#include "trustrisk/trustrisk.h"

#define EXIT_INPUT 2
#define EXIT_INTERNAL 1

static const char usage[] =
    "usage: trustrisk <command> [options]\n"
    "\n"
    "Monte Carlo engine for NHS trusts' cash: which trusts run out of cash to pay\n"
    "their bills, when, and how much their commissioners or the Department pay.\n"
    "\n"
    "commands:\n"
    "  validate CONFIG...          check configs; print a summary or every problem\n"
    "  run CONFIG [options]        simulate and write results into a folder\n"
    "      --out DIR               output folder (default: out), replaced as a whole:\n"
    "                              a new folder, or one an earlier run wrote\n"
    "      --paths N               number of paths (default: the config's, else 10000)\n"
    "      --seed S                seed (default: the config's, else 1)\n"
    "      --threads T             worker threads (default: all cores)\n"
    "      --progress              always show the progress bar on stderr\n"
    "      --quiet                 show no progress, not even the final line\n"
    "      --report                also write OUT/report.html (see report)\n"
    "  path CONFIG --index P [--seed S]\n"
    "                              replay path P of a run as CSV on stdout (a note\n"
    "                              on stderr when P is beyond the config's paths)\n"
    "  report OUTDIR               turn a run's results into OUTDIR/report.html\n"
    "  import --trusts T.csv --schemes S.csv [--consortia C.csv] [--base BASE.json]\n"
    "                              build a config from spreadsheets; JSON on stdout\n"
    "  --help, -h                  show this help\n"
    "  --version                   show the version\n"
    "\n"
    "exit codes: 0 success, 2 invalid input (config, arguments, an --out that\n"
    "            holds files trustrisk did not write), 1 internal or run-time\n"
    "            error (I/O, memory).\n";

/* Map a library status onto the documented exit codes. */
static int exit_code(tr_status st)
{
    switch (st) {
    case TR_OK:
        return 0;
    case TR_E_INPUT:
        return EXIT_INPUT;
    default:
        return EXIT_INTERNAL;
    }
}

static int fail_with(tr_error *err)
{
    tr_error_print(err, stderr);
    int code = exit_code(tr_error_status(err));
    tr_error_clear(err);
    return code == 0 ? EXIT_INTERNAL : code;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static int
bad_usage(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "trustrisk: ");
    tr_text_print(stderr, msg); /* arguments may hold control characters */
    fprintf(stderr, "\nrun 'trustrisk --help' for usage\n");
    return EXIT_INPUT;
}

/* Print `s` escaped, then `after` as it is. */
static void print_text(FILE *fp, const char *s, const char *after)
{
    tr_text_print(fp, s);
    fputs(after, fp);
}

/* Parse a whole non-negative decimal integer; reject signs, blanks, overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') return -1;
    *out = (uint64_t)v;
    return 0;
}

/* The config's one-line description, with its name and file name escaped
 * like every other text from a config. */
static void describe(const tr_config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) return;
    tr_config_describe(cfg, mem);
    if (fclose(mem) == 0 && text) {
        int newline = len > 0 && text[len - 1] == '\n';
        if (newline) text[len - 1] = '\0';
        print_text(stdout, text, newline ? "\n" : "");
    }
    free(text);
}

static int cmd_validate(int argc, char **argv)
{
    if (argc < 1) return bad_usage("%s", "validate needs at least one CONFIG file");
    int code = 0;
    for (int i = 0; i < argc; i++) {
        tr_error err;
        tr_error_init(&err);
        tr_config *cfg = NULL;
        tr_status st = tr_config_load_file(argv[i], &cfg, &err);
        if (st == TR_OK) {
            print_text(stdout, argv[i], ": ok\n");
            describe(cfg);
            printf("\n");
            tr_config_free(cfg);
        } else {
            print_text(stderr, argv[i], "");
            fprintf(stderr, ": rejected (%zu problem%s)\n", err.count, err.count == 1 ? "" : "s");
            int c = fail_with(&err);
            if (c > code) code = c;
        }
        tr_error_clear(&err);
    }
    return code;
}

/* Options shared by run and path. */
typedef struct cli_opts {
    const char *config;
    const char *out;
    uint64_t paths, seed, index;
    int has_paths, has_seed, has_index;
    int threads;
    int report;
    cli_progress_mode progress;
} cli_opts;

static int parse_opts(int argc, char **argv, cli_opts *o, int allow_run, int allow_path)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n = 0;
        if (a[0] != '-' || a[1] == '\0') {
            if (o->config) return bad_usage("unexpected argument '%s'", a);
            o->config = a;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return -1;
        }
        if (allow_run && strcmp(a, "--quiet") == 0) {
            o->progress = TR_CLI_PROGRESS_QUIET;
            continue;
        }
        if (allow_run && strcmp(a, "--progress") == 0) {
            o->progress = TR_CLI_PROGRESS_BAR;
            continue;
        }
        if (allow_run && strcmp(a, "--report") == 0) {
            o->report = 1;
            continue;
        }
        if (v == NULL) return bad_usage("option '%s' needs a value", a);
        if (v[0] == '-' && v[1] == '-')
            return bad_usage("option '%s' needs a value, got the option '%s'", a, v);
        if (strcmp(a, "--seed") == 0) {
            if (parse_u64(v, &n) || n > (UINT64_C(1) << 53))
                return bad_usage("--seed: expected an integer in [0, 2^53], got '%s'", v);
            o->seed = n;
            o->has_seed = 1;
        } else if (allow_run && strcmp(a, "--out") == 0) {
            if (v[0] == '\0') return bad_usage("%s", "--out: expected a folder, got ''");
            if (v[0] == '-')
                return bad_usage("--out: '%s' looks like an option, not a folder (write ./%s for "
                                 "a folder of that name)",
                                 v, v);
            o->out = v;
        } else if (allow_run && strcmp(a, "--paths") == 0) {
            if (parse_u64(v, &n) || n < 1)
                return bad_usage("--paths: expected a positive integer, got '%s'", v);
            o->paths = n;
            o->has_paths = 1;
        } else if (allow_run && strcmp(a, "--threads") == 0) {
            if (parse_u64(v, &n) || n < 1 || n > 4096)
                return bad_usage("--threads: expected an integer in [1, 4096], got '%s'", v);
            o->threads = (int)n;
        } else if (allow_path && strcmp(a, "--index") == 0) {
            if (parse_u64(v, &n))
                return bad_usage("--index: expected a non-negative integer, got '%s'", v);
            o->index = n;
            o->has_index = 1;
        } else {
            return bad_usage("unknown option '%s'", a);
        }
        i++;
    }
    if (!o->config) return bad_usage("%s", "missing CONFIG file");
    return 0;
}

/* Write a run's files into the prepared output folder and swap it in. */
static tr_status write_outputs(cli_outdir *od, const cli_opts *o, const tr_config *cfg,
                               const tr_run_options *opt, const tr_results *res, tr_error *err)
{
    const char *out = o->out;
    char *json = NULL, *rjson = NULL, *html = NULL;
    tr_status st = tr_results_json(res, &json, err);
    if (st == TR_OK) st = cli_outdir_add(od, "results.json", json, strlen(json), err);
    cli_test_pause("staging");
    if (st == TR_OK) st = cli_run_json(cfg, o->config, opt, res, &rjson, err);
    if (st == TR_OK) st = cli_outdir_add(od, "run.json", rjson, strlen(rjson), err);
    for (int v = 0; v < TR_CSV_VIEWS && st == TR_OK; v++) {
        const char *name = tr_csv_view_file((tr_csv_view)v);
        FILE *fp = cli_outdir_open(od, name, err);
        if (fp == NULL) {
            st = TR_E_IO;
            break;
        }
        st = tr_results_csv(res, (tr_csv_view)v, fp, err);
        tr_status closed = cli_outdir_close(od, fp, name, err);
        if (st == TR_OK) st = closed;
    }
    if (st == TR_OK && o->report) {
        size_t n = strlen(out);
        char *source = malloc(n + sizeof "/results.json");
        if (source) snprintf(source, n + sizeof "/results.json", "%s/results.json", out);
        cli_gnuplot gp;
        cli_gnuplot_init(&gp);
        st = tr_report_html(json, strlen(json), source, gp.program ? cli_gnuplot_chart : NULL, &gp,
                            &html, err);
        cli_gnuplot_free(&gp);
        if (st == TR_OK) st = cli_outdir_add(od, TR_REPORT_FILE, html, strlen(html), err);
        free(source);
    }
    free(json);
    free(rjson);
    free(html);
    if (st != TR_OK) {
        cli_outdir_abandon(od);
        return st;
    }
    return cli_outdir_commit(od, err);
}

static int cmd_run(int argc, char **argv)
{
    cli_opts o = {0};
    o.out = "out";
    int rc = parse_opts(argc, argv, &o, 1, 0);
    if (rc) return rc < 0 ? 0 : rc;

    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    if (tr_config_load_file(o.config, &cfg, &err) != TR_OK) return fail_with(&err);

    tr_run_options opt;
    tr_run_options_init(&opt, cfg);
    if (o.has_paths) opt.paths = o.paths;
    if (o.has_seed) opt.seed = o.seed;
    opt.threads = o.threads;
    cli_progress prog;
    cli_progress_init(&prog, o.progress, stderr, "run");
    opt.progress = cli_progress_update;
    opt.progress_user = &prog;

    /* The output folder is checked, and its staging folder made, before a
     * single path runs: a bad --out costs a second, not the whole run. */
    cli_outdir od;
    if (cli_outdir_prepare(&od, o.out, &err) != TR_OK) {
        tr_config_free(cfg);
        return fail_with(&err);
    }
    cli_test_pause("prepared");
    tr_results *res = NULL;
    if (tr_run(cfg, &opt, &res, &err) != TR_OK) {
        cli_outdir_abandon(&od);
        tr_config_free(cfg);
        return fail_with(&err);
    }
    cli_progress_finish(&prog, opt.paths, tr_results_seconds(res));
    if (write_outputs(&od, &o, cfg, &opt, res, &err) != TR_OK) {
        tr_results_free(res);
        tr_config_free(cfg);
        return fail_with(&err);
    }
    tr_results_print_summary(res, TR_SUMMARY_TRUSTS, stdout);
    printf("\nresults written to ");
    print_text(stdout, o.out,
               "/ (results.json, run.json, trusts.csv, consortia.csv, "
               "failure_curves.csv, schemes.csv)\n");
    if (o.report) {
        printf("report written to ");
        print_text(stdout, o.out, "/" TR_REPORT_FILE "\n");
    }
    tr_results_free(res);
    tr_config_free(cfg);
    return 0;
}

static int cmd_path(int argc, char **argv)
{
    cli_opts o = {0};
    int rc = parse_opts(argc, argv, &o, 0, 1);
    if (rc) return rc < 0 ? 0 : rc;
    if (!o.has_index) return bad_usage("%s", "path needs --index P");

    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    if (tr_config_load_file(o.config, &cfg, &err) != TR_OK) return fail_with(&err);
    uint64_t seed = o.has_seed ? o.seed : tr_config_seed(cfg);
    if (o.index >= tr_config_paths(cfg))
        fprintf(stderr,
                "trustrisk: note: path %" PRIu64 " is beyond the config's %" PRIu64
                " paths (0 to %" PRIu64 "): only a run with --paths above %" PRIu64
                " simulates it; replaying it anyway\n",
                o.index, tr_config_paths(cfg), tr_config_paths(cfg) - 1, o.index);
    tr_status st = tr_path_replay(cfg, seed, o.index, stdout, &err);
    tr_config_free(cfg);
    if (st != TR_OK) return fail_with(&err);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "trustrisk: writing to standard output failed\n");
        return EXIT_INTERNAL;
    }
    return 0;
}

static int cmd_report(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 1)
        return bad_usage("%s", "report needs exactly one OUTDIR (a folder written by run)");
    const char *dir = argv[0];
    tr_error err;
    tr_error_init(&err);
    size_t n = strlen(dir);
    char *file = malloc(n + sizeof "/results.json");
    if (file == NULL) return EXIT_INTERNAL;
    snprintf(file, n + sizeof "/results.json", "%s/results.json", dir);
    char *html = NULL;
    cli_gnuplot gp;
    cli_gnuplot_init(&gp);
    tr_status st =
        tr_report_html_file(file, gp.program ? cli_gnuplot_chart : NULL, &gp, &html, &err);
    cli_gnuplot_free(&gp);
    /* report.html alone is replaced, atomically; the run's files stay. */
    if (st == TR_OK) st = cli_file_replace(dir, TR_REPORT_FILE, html, strlen(html), &err);
    free(html);
    free(file);
    if (st != TR_OK) return fail_with(&err);
    printf("report written to ");
    print_text(stdout, dir, "/" TR_REPORT_FILE "\n");
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    const char *file[4] = {NULL, NULL, NULL, NULL};
    static const char *const opt[4] = {"--trusts", "--schemes", "--consortia", "--base"};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        int k = 0;
        while (k < 4 && strcmp(argv[i], opt[k]) != 0)
            k++;
        if (k == 4) return bad_usage("import: unexpected argument '%s'", argv[i]);
        if (i + 1 >= argc) return bad_usage("option '%s' needs a file", argv[i]);
        if (argv[i + 1][0] == '-' && argv[i + 1][1] == '-')
            return bad_usage("option '%s' needs a file, got the option '%s'", argv[i], argv[i + 1]);
        file[k] = argv[++i];
    }
    if (!file[0] || !file[1]) return bad_usage("%s", "import needs --trusts and --schemes");
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    if (tr_import_read_files(file[0], file[1], file[2], file[3], &json, &err) != TR_OK) {
        fprintf(stderr, "import: rejected (%zu problem%s)\n", err.count, err.count == 1 ? "" : "s");
        return fail_with(&err);
    }
    fputs(json, stdout);
    free(json);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "trustrisk: writing to standard output failed\n");
        return EXIT_INTERNAL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* The library expects GSL to return its errors rather than abort
     * (trustrisk/run.h, "GSL's error handler"); this process has no other
     * use of GSL, so its handler is off for good. */
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("trustrisk %s\n", tr_version());
        return 0;
    }
    if (strcmp(cmd, "validate") == 0) return cmd_validate(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "path") == 0) return cmd_path(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0) return cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "import") == 0) return cmd_import(argc - 2, argv + 2);
    return bad_usage("unknown command '%s'", cmd);
}
