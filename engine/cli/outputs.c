/*
 * outputs.c - a run's output set, written all or nothing (outputs.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnuplot.h"
#include "outputs.h"

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

tr_status cli_outputs_write(cli_outdir *od, const char *out, int report, const tr_config *cfg,
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
    if (st == TR_OK && report) st = add_report(od, out, json, err);
    free(rjson);
    free(made);
    if (st != TR_OK) {
        cli_outdir_abandon(od);
        return st;
    }
    return cli_outdir_commit(od, err);
}

void cli_outputs_print(const tr_results *res, const char *out, int report)
{
    tr_results_print_summary(res, TR_SUMMARY_TRUSTS, stdout);
    printf("\nresults written to ");
    tr_text_print(stdout, out);
    fputs("/ (results.json, run.json, trusts.csv, consortia.csv, failure_curves.csv, "
          "schemes.csv)\n",
          stdout);
    if (report) {
        printf("report written to ");
        tr_text_print(stdout, out);
        fputs("/" TR_REPORT_FILE "\n", stdout);
    }
}
