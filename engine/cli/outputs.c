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
#include "common.h"
#include "outputs.h"
#include "xlsx.h"

/* `dir`/`name`, or `name` when dir is NULL (malloc'd; NULL when out of memory). */
static char *in_dir(const char *dir, const char *name)
{
    size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
    return s;
}

/* The text `data` as the file `name` of the staging folder's `dir`. */
static tr_status add_text(cli_outdir *od, const char *dir, const char *name, const char *data,
                          tr_error *err)
{
    char *file = in_dir(dir, name);
    tr_status st = file ? cli_outdir_add(od, file, data, strlen(data), err)
                        : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    free(file);
    return st;
}

/* report.html of results.json's text `json`, into the staging folder's
 * `dir` (NULL: itself). */
static tr_status add_report(cli_outdir *od, const char *out, const char *dir, const char *json,
                            tr_error *err)
{
    char *rel = in_dir(dir, "results.json"), *source = rel ? in_dir(out, rel) : NULL;
    cli_gnuplot gp;
    cli_gnuplot_init(&gp);
    char *html = NULL;
    tr_status st =
        source ? TR_OK : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    if (st == TR_OK)
        st = tr_report_html(json, strlen(json), source, gp.program ? cli_gnuplot_chart : NULL, &gp,
                            &html, err);
    cli_gnuplot_free(&gp);
    if (st == TR_OK) st = add_text(od, dir, TR_REPORT_FILE, html, err);
    free(html);
    free(source);
    free(rel);
    return st;
}

/*
 * results.xlsx of results.json's text `json`, into the staging folder's
 * `dir` (NULL: itself). libxlsxwriter writes only to a named file, so it
 * writes straight into the staging folder; the file is then flushed to
 * disk as every other file of the set. Its problems are told under the
 * output folder's name, not the staging folder's.
 */
static tr_status add_workbook(cli_outdir *od, const char *dir, const char *json,
                              const cli_run_facts *facts, tr_error *err)
{
    char *rel = in_dir(dir, CLI_XLSX_FILE), *stage = rel ? in_dir(od->stage, rel) : NULL;
    char *path = stage ? in_dir(od->parent, stage) : NULL;
    free(stage);
    if (path == NULL) {
        free(rel);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    tr_error e;
    tr_error_init(&e);
    tr_status st = cli_xlsx_write(path, json, facts, &e);
    free(path);
    for (size_t d = 0; d < e.count; d++)
        tr_error_add(err, e.diags[d].status, od->target, NULL, 0, 0, "%s: %s", rel,
                     e.diags[d].message);
    tr_error_clear(&e);
    int fd = st == TR_OK ? openat(od->stage_fd, rel, O_RDONLY | O_CLOEXEC) : -1;
    if (st == TR_OK && (fd < 0 || (fsync(fd) != 0 && errno != EINVAL)))
        st = tr_error_add(err, TR_E_IO, od->target, NULL, 0, 0, "cannot write %s: %s", rel,
                          strerror(errno));
    if (fd >= 0) close(fd);
    /* Testing aid: the workbook fails once written, as on a full disk. */
    if (st == TR_OK && getenv("TRUSTRISK_TEST_FAIL_XLSX"))
        st = tr_error_add(err, TR_E_IO, od->target, NULL, 0, 0,
                          "cannot write %s: failing on purpose (TRUSTRISK_TEST_FAIL_XLSX)", rel);
    free(rel);
    return st;
}

tr_status cli_outputs_add(cli_outdir *od, const char *dir, const char *out, int extra,
                          const tr_config *cfg, const tr_results *res, const cli_run_facts *facts,
                          const char *json, tr_error *err)
{
    char *made = NULL, *rjson = NULL;
    tr_status st = json ? TR_OK : tr_results_json(res, &made, err);
    if (made) json = made;
    if (st == TR_OK) st = add_text(od, dir, "results.json", json, err);
    cli_test_pause("staging");
    if (st == TR_OK) st = cli_run_json(cfg, facts, &rjson, err);
    if (st == TR_OK) st = add_text(od, dir, "run.json", rjson, err);
    for (int v = 0; v < TR_CSV_VIEWS && st == TR_OK; v++) {
        char *name = in_dir(dir, tr_csv_view_file((tr_csv_view)v));
        FILE *fp = name ? cli_outdir_open(od, name, err) : NULL;
        if (fp == NULL) {
            st = name ? TR_E_IO : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
            free(name);
            break;
        }
        st = tr_results_csv(res, (tr_csv_view)v, fp, err);
        tr_status closed = cli_outdir_close(od, fp, name, err);
        if (st == TR_OK) st = closed;
        free(name);
    }
    if (st == TR_OK && (extra & CLI_OUT_XLSX)) st = add_workbook(od, dir, json, facts, err);
    if (st == TR_OK && (extra & CLI_OUT_REPORT)) st = add_report(od, out, dir, json, err);
    free(rjson);
    free(made);
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
    tr_status st = cli_outputs_add(od, NULL, out, extra, cfg, res, facts, json, err);
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
    cli_print_text(stdout, out,
                   "/ (results.json, run.json, trusts.csv, consortia.csv, failure_curves.csv, "
                   "schemes.csv)\n");
    if (extra & CLI_OUT_XLSX) {
        printf("workbook written to ");
        cli_print_text(stdout, out, "/" CLI_XLSX_FILE "\n");
    }
    if (extra & CLI_OUT_REPORT) {
        printf("report written to ");
        cli_print_text(stdout, out, "/" TR_REPORT_FILE "\n");
    }
}
