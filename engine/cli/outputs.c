/*
 * outputs.c - a run's output set, written all or nothing (outputs.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gnuplot.h"
#include "outputs.h"
#include "xlsx.h"

/* report.html of results.json's text `json`, into the staging folder. */
static tr_status add_report(cli_outdir *od, const char *out, const char *json, tr_error *err)
{
    size_t n = strlen(out);
    char *source = malloc(n + sizeof "/results.json");
    if (source) snprintf(source, n + sizeof "/results.json", "%s/results.json", out);
    cli_gnuplot gp;
    cli_gnuplot_init(&gp);
    char *html = NULL;
    tr_status st = tr_report_html(json, strlen(json), source, gp.program ? cli_gnuplot_chart : NULL,
                                  &gp, &html, err);
    cli_gnuplot_free(&gp);
    if (st == TR_OK) st = cli_outdir_add(od, TR_REPORT_FILE, html, strlen(html), err);
    free(html);
    free(source);
    return st;
}

/*
 * results.xlsx of results.json's text `json`. libxlsxwriter writes only to
 * a named file, so it writes straight into the staging folder; the file is
 * then flushed to disk as every other file of the set. Its problems are
 * told under the output folder's name, not the staging folder's.
 */
static tr_status add_workbook(cli_outdir *od, const char *json, const cli_run_facts *facts,
                              tr_error *err)
{
    size_t n = strlen(od->parent) + strlen(od->stage) + sizeof "//" CLI_XLSX_FILE;
    char *path = malloc(n);
    if (path == NULL) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    snprintf(path, n, "%s/%s/%s", od->parent, od->stage, CLI_XLSX_FILE);
    tr_error e;
    tr_error_init(&e);
    tr_status st = cli_xlsx_write(path, json, facts, &e);
    free(path);
    for (size_t d = 0; d < e.count; d++)
        tr_error_add(err, e.diags[d].status, od->target, NULL, 0, 0, "%s: %s", CLI_XLSX_FILE,
                     e.diags[d].message);
    tr_error_clear(&e);
    int fd = st == TR_OK ? openat(od->stage_fd, CLI_XLSX_FILE, O_RDONLY | O_CLOEXEC) : -1;
    if (st == TR_OK && (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)))
        st = tr_error_add(err, TR_E_IO, od->target, NULL, 0, 0, "cannot write %s: %s",
                          CLI_XLSX_FILE, strerror(errno));
    if (fd >= 0) close(fd);
    /* Testing aid: the workbook fails once written, as on a full disk. */
    if (st == TR_OK && getenv("TRUSTRISK_TEST_FAIL_XLSX"))
        st = tr_error_add(err, TR_E_IO, od->target, NULL, 0, 0,
                          "cannot write %s: failing on purpose (TRUSTRISK_TEST_FAIL_XLSX)",
                          CLI_XLSX_FILE);
    return st;
}

int cli_outputs_extra(int report, int xlsx)
{
    return (report ? CLI_OUT_REPORT : 0) | (xlsx ? CLI_OUT_XLSX : 0);
}

tr_status cli_outputs_write(cli_outdir *od, const char *out, int extra, const tr_config *cfg,
                            const tr_results *res, const cli_run_facts *facts, const char *json,
                            tr_error *err)
{
    char *made = NULL, *rjson = NULL;
    tr_status st = json ? TR_OK : tr_results_json(res, &made, err);
    if (made) json = made;
    if (st == TR_OK) st = cli_outdir_add(od, "results.json", json, strlen(json), err);
    cli_test_pause("staging");
    if (st == TR_OK) st = cli_run_json(cfg, facts, &rjson, err);
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
    if (st == TR_OK && (extra & CLI_OUT_XLSX)) st = add_workbook(od, json, facts, err);
    if (st == TR_OK && (extra & CLI_OUT_REPORT)) st = add_report(od, out, json, err);
    free(rjson);
    free(made);
    if (st != TR_OK) {
        cli_outdir_abandon(od);
        return st;
    }
    return cli_outdir_commit(od, err);
}

void cli_outputs_print(const tr_results *res, const char *out, int extra)
{
    tr_results_print_summary(res, TR_SUMMARY_TRUSTS, stdout);
    printf("\nresults written to ");
    tr_text_print(stdout, out);
    fputs("/ (results.json, run.json, trusts.csv, consortia.csv, failure_curves.csv, "
          "schemes.csv)\n",
          stdout);
    if (extra & CLI_OUT_XLSX) {
        printf("workbook written to ");
        tr_text_print(stdout, out);
        fputs("/" CLI_XLSX_FILE "\n", stdout);
    }
    if (extra & CLI_OUT_REPORT) {
        printf("report written to ");
        tr_text_print(stdout, out);
        fputs("/" TR_REPORT_FILE "\n", stdout);
    }
}
