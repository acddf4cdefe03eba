/*
 * main.c - the `trustrisk` command, a thin client of the public API.
 *
 * Subcommands: validate (load and check configs), run (simulate and write
 * results, or a shard's state; checkpoints, resume, MPI: cmd_run.c), batch
 * (a manifest's scenarios, the same way: cmd_batch.c), merge (shards'
 * states into the run's or batch's results: cmd_merge.c), path (replay one
 * path as CSV), report (HTML report of a run), import (a config from CSV
 * files), scenario (a batch manifest's scenarios; cmd_scenario.c),
 * sensitivity (one-at-a-time bumps ranked by effect; cmd_sensitivity.c).
 * Exit codes: 0 success, 2 invalid input (config, state, arguments), 1
 * internal or run-time error (I/O, memory), 3 a run stopped by a signal,
 * its state saved to resume from (common.h). Everything the command does
 * goes through include/trustrisk/; it has no access to the engine's
 * internals. The library makes the documents; the command stores them
 * (outdir.c, outputs.c, statefile.c), composes run.json (runinfo.c), runs
 * gnuplot for the report (gnuplot.c) and speaks MPI under mpirun (mpi.c).
 * It links GSL for one call: turning GSL's aborting error handler off.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "cmd_batch.h"
#include "cmd_merge.h"
#include "cmd_run.h"
#include "cmd_scenario.h"
#include "cmd_sensitivity.h"
#include "common.h"
#include "gnuplot.h"
#include "mpi.h"
#include "outdir.h"
#include "trustrisk/trustrisk.h"

const char cli_usage[] =
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
    "      --xlsx                  also write OUT/results.xlsx, an Excel workbook\n"
    "      --target-se X           stop once every trust's P(fail) has se <= X, at a\n"
    "                              fixed checkpoint (1, 2, 4, ... 64 blocks of 1024\n"
    "                              paths, then every 64); --paths is the most it uses\n"
    "      --target-rel R          the same with se <= R x P(fail); with --target-se,\n"
    "                              the larger of the two (both: the config's precision)\n"
    "      --checkpoint-every SEC  save the run's state to OUT/checkpoint.trs at least\n"
    "                              every SEC seconds (default 60; 0: only when stopped)\n"
    "      --resume                continue the run from OUT/checkpoint.trs; the results\n"
    "                              are the same bytes as a run never interrupted\n"
    "      --shard I/N             run shard I of N (numbered from 0) and write only\n"
    "                              its state, OUT/shard-I-of-N.trs, for merge\n"
    "                              (under mpirun -np K, each process runs its part and\n"
    "                              the first writes the results)\n"
    "  batch MANIFEST [options]    simulate every scenario of a batch manifest on the\n"
    "                              same paths and compare each with the reference,\n"
    "                              path by path; run's options but a precision target,\n"
    "                              and --paths and --seed replace the manifest's.\n"
    "                              Writes OUT/scenarios/ID/ (what run writes),\n"
    "                              OUT/comparison.json and .csv, OUT/batch.log, and\n"
    "                              with --report comparison.html\n"
    "  merge STATE_OR_DIR... --out DIR [--report] [--xlsx] [--manifest MANIFEST]\n"
    "                              merge the shards' states (files, or the folder they\n"
    "                              are in) into the run's results, written into DIR;\n"
    "                              a batch's shards need its --manifest (and the\n"
    "                              batch's --paths and --seed, if it was given them)\n"
    "  path CONFIG --index P [--seed S]\n"
    "                              replay path P of a run as CSV on stdout (a note\n"
    "                              on stderr when P is beyond the config's paths)\n"
    "  report OUTDIR               turn a run's results into OUTDIR/report.html\n"
    "  import --trusts T.csv --schemes S.csv [--consortia C.csv] [--base BASE.json]\n"
    "                              build a config from spreadsheets; JSON on stdout\n"
    "  sensitivity CONFIG --out DIR [options]\n"
    "                              bump one assumption at a time on the base's paths\n"
    "                              and rank the bumps by their effect on each trust's\n"
    "                              P(fail) and E[bail-out] and on the system; --paths,\n"
    "                              --seed, --threads, --progress, --quiet, --report as\n"
    "                              for run, and the bump sizes:\n"
    "      --bump-delivery D       each scheme's mean delivered fraction down D (0.1)\n"
    "      --bump-slip F           each scheme's slippage times F (1.5)\n"
    "      --bump-prob P           paper, stay, compromise probabilities up P (0.1)\n"
    "      --bump-growth G         each trust's cost growth up G a year (0.01)\n"
    "      --bump-reserve R        each consortium's reserve cut by the share R (0.5)\n"
    "  scenario MANIFEST [--print ID] [--paths N] [--seed S]\n"
    "                              check a batch manifest and say what each scenario\n"
    "                              changes, or print scenario ID's merged config (with\n"
    "                              the batch's --paths and --seed, if given)\n"
    "  --help, -h                  show this help\n"
    "  --version                   show the version\n"
    "\n"
    "exit codes: 0 success, 2 invalid input (config, state, arguments, an --out\n"
    "            that holds files trustrisk did not write), 1 internal or run-time\n"
    "            error (I/O, memory), 3 run or batch stopped by SIGINT or SIGTERM,\n"
    "            its state saved: the same command with --resume continues it.\n";

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
        cli_print_text(stdout, text, newline ? "\n" : "");
    }
    free(text);
}

static int cmd_validate(int argc, char **argv)
{
    if (argc < 1) return cli_bad_usage("%s", "validate needs at least one CONFIG file");
    int code = 0;
    for (int i = 0; i < argc; i++) {
        tr_error err;
        tr_error_init(&err);
        tr_config *cfg = NULL;
        tr_status st = tr_config_load_file(argv[i], &cfg, &err);
        if (st == TR_OK) {
            cli_print_text(stdout, argv[i], ": ok\n");
            describe(cfg);
            printf("\n");
            tr_config_free(cfg);
        } else {
            cli_print_text(stderr, argv[i], "");
            fprintf(stderr, ": rejected (%zu problem%s)\n", err.count, err.count == 1 ? "" : "s");
            int c = cli_fail_with(&err);
            if (c > code) code = c;
        }
        tr_error_clear(&err);
    }
    return code;
}

static int cmd_path(int argc, char **argv)
{
    cli_opts o;
    cli_opts_init(&o);
    int rc = cli_parse_opts(argc, argv, &o, 0, 1);
    if (rc) return rc < 0 ? 0 : rc;
    if (!o.has_index) return cli_bad_usage("%s", "path needs --index P");

    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    if (tr_config_load_file(o.config, &cfg, &err) != TR_OK) return cli_fail_with(&err);
    uint64_t seed = o.has_seed ? o.seed : tr_config_seed(cfg);
    if (o.index >= TR_MAX_PATHS) {
        tr_config_free(cfg);
        return cli_bad_usage("--index: %" PRIu64 " is beyond every run: a run has at most %" PRIu64
                             " paths, numbered 0 to %" PRIu64,
                             o.index, TR_MAX_PATHS, TR_MAX_PATHS - 1);
    }
    if (o.index >= tr_config_paths(cfg))
        fprintf(stderr,
                "trustrisk: note: path %" PRIu64 " is beyond the config's %" PRIu64
                " paths (0 to %" PRIu64 "): only a run with --paths above %" PRIu64
                " simulates it; replaying it anyway\n",
                o.index, tr_config_paths(cfg), tr_config_paths(cfg) - 1, o.index);
    tr_status st = tr_path_replay(cfg, seed, o.index, stdout, &err);
    tr_config_free(cfg);
    if (st != TR_OK) return cli_fail_with(&err);
    return cli_flush_stdout();
}

static int cmd_report(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(cli_usage, stdout);
        return 0;
    }
    if (argc != 1)
        return cli_bad_usage("%s", "report needs exactly one OUTDIR (a folder written by run)");
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
    if (st != TR_OK) return cli_fail_with(&err);
    printf("report written to ");
    cli_print_text(stdout, dir, "/" TR_REPORT_FILE "\n");
    return 0;
}

static int cmd_import(int argc, char **argv)
{
    const char *file[4] = {NULL, NULL, NULL, NULL};
    static const char *const opt[4] = {"--trusts", "--schemes", "--consortia", "--base"};
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(cli_usage, stdout);
            return 0;
        }
        int k = 0;
        while (k < 4 && strcmp(argv[i], opt[k]) != 0)
            k++;
        if (k == 4) return cli_bad_usage("import: unexpected argument '%s'", argv[i]);
        if (i + 1 >= argc) return cli_bad_usage("option '%s' needs a file", argv[i]);
        if (argv[i + 1][0] == '-' && argv[i + 1][1] == '-')
            return cli_bad_usage("option '%s' needs a file, got the option '%s'", argv[i],
                                 argv[i + 1]);
        if (file[k]) /* a second file would silently replace the first */
            return cli_bad_usage("option '%s' given twice ('%s', then '%s')", argv[i], file[k],
                                 argv[i + 1]);
        file[k] = argv[++i];
    }
    if (!file[0] || !file[1]) return cli_bad_usage("%s", "import needs --trusts and --schemes");
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    if (tr_import_read_files(file[0], file[1], file[2], file[3], &json, &err) != TR_OK) {
        fprintf(stderr, "import: rejected (%zu problem%s)\n", err.count, err.count == 1 ? "" : "s");
        return cli_fail_with(&err);
    }
    fputs(json, stdout);
    free(json);
    return cli_flush_stdout();
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(cli_usage, stderr);
        return EXIT_INPUT;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(cli_usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("trustrisk %s\n", tr_version());
        return 0;
    }
    if (strcmp(cmd, "run") == 0) return cli_cmd_run(argc - 2, argv + 2, argv[0]);
    if (strcmp(cmd, "batch") == 0) return cli_cmd_batch(argc - 2, argv + 2, argv[0]);
    if (cli_mpi_size() > 1)
        return cli_mpi_rank() == 0
                   ? cli_bad_usage("'%s' under mpirun: only run and batch spread their work "
                                   "over MPI processes; start '%s' alone",
                                   cmd, cmd)
                   : EXIT_INPUT;
    if (strcmp(cmd, "validate") == 0) return cmd_validate(argc - 2, argv + 2);
    if (strcmp(cmd, "merge") == 0) return cli_cmd_merge(argc - 2, argv + 2);
    if (strcmp(cmd, "path") == 0) return cmd_path(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0) return cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "import") == 0) return cmd_import(argc - 2, argv + 2);
    if (strcmp(cmd, "scenario") == 0) return cli_cmd_scenario(argc - 2, argv + 2, cli_usage);
    if (strcmp(cmd, "sensitivity") == 0) return cli_cmd_sensitivity(argc - 2, argv + 2);
    return cli_bad_usage("unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    /* The library expects GSL to return its errors rather than abort
     * (trustrisk/run.h, "GSL's error handler"); this process has no other
     * use of GSL, so its handler is off for good. */
    gsl_set_error_handler_off();
    int code = cli_mpi_start(&argc, &argv);
    if (code == 0) code = dispatch(argc, argv);
    cli_mpi_end();
    return code;
}
