/*
 * test_cli_xlsx.c - the command's Excel workbooks (engine/cli/xlsx.c,
 * compiled into this test since it is private to the command), and
 * `run`/`merge --xlsx` as a user runs them.
 *
 * The tornado chart is checked in the workbook libxlsxwriter holds before
 * writing it (chart type, series, ranges, axes), where the test can see
 * it; the written file's cells and charts are checked by
 * tests/check_xlsx.py with openpyxl (the `xlsx` CTest test). Here: the
 * sheets and charts of a run's workbook, sheet names Excel refuses mended,
 * a workbook that fails leaving the earlier output untouched, --xlsx
 * refused for a shard and by a build without libxlsxwriter.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../engine/cli/xlsx.c"
#include "helpers.h"

static char tmpdir[256];

static void make_tmp(void)
{
    th_tmpdir(tmpdir, sizeof tmpdir, "cli-xlsx");
}

static void remove_tmp(void)
{
    th_remove_tree(tmpdir);
}

TestSuite(xlsx, .init = make_tmp, .fini = remove_tmp);

static const char *example = TR_SOURCE_DIR "/configs/example.json";

#ifdef TR_HAVE_XLSX

/* Is there a non-empty file `name` in folder `dir`? */
static int exists(const char *dir, const char *name)
{
    char *p = th_fmt("%s/%s", dir, name);
    struct stat sb;
    int ok = stat(p, &sb) == 0 && sb.st_size > 0;
    free(p);
    return ok;
}

/* results.json's text of a short run of the example. */
static char *example_json(tr_config **cfg, tr_results **res)
{
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(example, cfg, &err), TR_OK);
    cr_assert_eq(th_run(*cfg, 2000, 42, 1, res, &err), TR_OK);
    char *json = NULL;
    cr_assert_eq(tr_results_json(*res, &json, &err), TR_OK);
    tr_error_clear(&err);
    return json;
}

/* The charts of a workbook, in the order they were made. */
static size_t chart_count(const cli_xlsx *x)
{
    size_t n = 0;
    lxw_chart *c;
    STAILQ_FOREACH(c, x->wb->charts, list_pointers)
    n++;
    return n;
}

static lxw_chart *chart_at(const cli_xlsx *x, size_t k)
{
    lxw_chart *c;
    STAILQ_FOREACH(c, x->wb->charts, list_pointers)
    if (k-- == 0) return c;
    return NULL;
}

static lxw_chart_series *series_at(lxw_chart *c, size_t k)
{
    lxw_chart_series *s;
    STAILQ_FOREACH(s, c->series_list, list_pointers)
    if (k-- == 0) return s;
    return NULL;
}

Test(xlsx, tornado_chart_bars_ranges_and_axes)
{
    char *path = th_fmt("%s/tornado.xlsx", tmpdir);
    tr_error err;
    tr_error_init(&err);
    cli_xlsx *x = NULL;
    cr_assert_eq(cli_xlsx_open(path, &x, &err), TR_OK);
    const cli_xlsx_bar bars[3] = {
        {"delivery of schemes", -0.08, 0.12}, {"cost growth", -0.02, 0.05}, {"reserve", 0, NAN}};
    /* ':' and '?' are not allowed in a sheet name: mended */
    cr_assert_eq(cli_xlsx_tornado(x, "P(fail): what drives it?", "Trust A", "change in P(fail)",
                                  "bumped down", "bumped up", 1, bars, 3, &err),
                 TR_OK);
    cr_assert_eq(cli_xlsx_tornado(x, "P(fail): what drives it?", "Trust B", "change in P(fail)",
                                  "bumped down", "bumped up", 1, bars, 2, &err),
                 TR_OK);
    cr_expect_eq(x->n_sheets, 1, "the second chart goes on the same sheet");
    cr_expect_str_eq(x->sheets[0].name, "P(fail)_ what drives it_");
    cr_assert_eq(chart_count(x), 2);
    lxw_chart *c = chart_at(x, 0);
    cr_expect_eq(c->type, LXW_CHART_BAR);
    cr_expect_eq(c->overlap_y1, 100, "bars of one row overlap");
    cr_expect(c->y_axis->reverse, "first bar at the top: categories reversed");
    /* the high series first (behind), then the low one; table rows 2-4 */
    lxw_chart_series *hi = series_at(c, 0), *lo = series_at(c, 1);
    cr_assert(hi && lo && series_at(c, 2) == NULL, "two series");
    cr_expect_str_eq(hi->values->sheetname, "P(fail)_ what drives it_");
    cr_expect_eq(hi->categories->first_row, 2);
    cr_expect_eq(hi->categories->last_row, 4);
    cr_expect_eq(hi->categories->first_col, 0);
    cr_expect_eq(hi->values->first_col, 2);
    cr_expect_eq(lo->values->first_col, 1);
    cr_expect_eq(lo->values->first_row, 2);
    cr_expect_eq(lo->values->last_row, 4);
    /* the second chart's table starts below the first chart */
    lxw_chart_series *hi2 = series_at(chart_at(x, 1), 0);
    cr_assert_not_null(hi2);
    cr_expect_geq(hi2->categories->first_row, 4 + 240 / 20, "row %u",
                  (unsigned)hi2->categories->first_row);
    cr_expect_eq(hi2->categories->last_row, hi2->categories->first_row + 1);
    /* no bars: refused */
    cr_expect_eq(cli_xlsx_tornado(x, "x", "t", "v", "lo", "hi", 0, bars, 0, &err), TR_E_INPUT);
    tr_error_clear(&err);
    cr_assert_eq(cli_xlsx_close(x, 1, &err), TR_OK);
    char *data = th_read(path, NULL);
    cr_assert_not_null(data, "workbook not written");
    cr_expect(data[0] == 'P' && data[1] == 'K', "an xlsx file is a zip");
    free(data);
    free(path);
}

Test(xlsx, sheet_names_excel_refuses_are_mended)
{
    char out[4 * LXW_SHEETNAME_MAX + 1];
    sheet_name("a[b]c:d*e?f/g\\h", out, sizeof out);
    cr_expect_str_eq(out, "a_b_c_d_e_f_g_h");
    sheet_name("'quoted'", out, sizeof out);
    cr_expect_str_eq(out, "_quoted_");
    sheet_name("", out, sizeof out);
    cr_expect_str_eq(out, "Sheet");
    sheet_name("0123456789012345678901234567890123456789", out, sizeof out);
    cr_expect_str_eq(out, "0123456789012345678901234567890");
    /* 31 characters, not bytes: "é" is two bytes and stays whole */
    sheet_name("ééééééééééééééééééééééééééééééééééé", out, sizeof out);
    cr_expect_eq(strlen(out), 62);
}

Test(xlsx, results_workbook_sheets_and_charts)
{
    tr_config *cfg = NULL;
    tr_results *res = NULL;
    char *json = example_json(&cfg, &res);
    char *path = th_fmt("%s/results.xlsx", tmpdir);
    tr_error err;
    tr_error_init(&err);
    cli_xlsx *x = NULL;
    cr_assert_eq(cli_xlsx_open(path, &x, &err), TR_OK);
    cli_run_facts f = {.config_file = "configs/example.json",
                       .paths = 2000,
                       .seed = 42,
                       .threads = 1,
                       .seconds = 0.5};
    cr_assert_eq(cli_xlsx_results(x, json, &f, &err), TR_OK);
    static const char *const names[] = {"Summary",    "Trusts",  "Consortia", "Failure curves",
                                        "Cash bands", "Schemes", "Exceedance"};
    cr_assert_eq(x->n_sheets, 7);
    for (size_t k = 0; k < 7; k++)
        cr_expect_str_eq(x->sheets[k].name, names[k]);
    /* failure curves, expected failures, exceedance, the schemes' tornado */
    cr_assert_eq(chart_count(x), 4);
    cr_expect_eq(chart_at(x, 0)->type, LXW_CHART_LINE);
    cr_expect_eq(chart_at(x, 1)->type, LXW_CHART_LINE);
    cr_expect_eq(chart_at(x, 2)->type, LXW_CHART_SCATTER_STRAIGHT);
    cr_expect_eq(chart_at(x, 3)->type, LXW_CHART_BAR);
    /* one line per trust (three), each a column of the Failure curves sheet */
    lxw_chart_series *s = series_at(chart_at(x, 0), 2);
    cr_assert(s && !series_at(chart_at(x, 0), 3));
    cr_expect_str_eq(s->values->sheetname, "Failure curves");
    cr_expect_eq(s->values->first_col, 4);
    cr_expect_eq(s->values->last_row - s->values->first_row + 1, 36, "36 months");
    cr_assert_eq(cli_xlsx_close(x, 1, &err), TR_OK);
    cr_expect(exists(tmpdir, "results.xlsx"));
    /* not results: refused, and a workbook given up writes nothing */
    char *other = th_fmt("%s/other.xlsx", tmpdir);
    cr_assert_eq(cli_xlsx_open(other, &x, &err), TR_OK);
    cr_expect_eq(cli_xlsx_results(x, "{\"trusts\": 3}", &f, &err), TR_E_INPUT);
    cr_expect(strstr(err.diags[0].message, "not a run's results.json") != NULL);
    cr_expect_eq(cli_xlsx_close(x, 0, &err), TR_OK);
    cr_expect(!exists(tmpdir, "other.xlsx"));
    tr_error_clear(&err);
    free(other);
    free(path);
    free(json);
    tr_results_free(res);
    tr_config_free(cfg);
}

Test(xlsx, run_and_merge_write_the_workbook)
{
    char out[300];
    snprintf(out, sizeof out, "%s/a", tmpdir);
    th_cli r = th_run_cli((const char *const[]){"run", example, "--out", out, "--paths", "3000",
                                                "--xlsx", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "workbook written to ") && strstr(r.out, "/a/results.xlsx\n"), "%s",
              r.out);
    th_cli_free(&r);
    cr_expect(exists(tmpdir, "a/results.xlsx"));
    /* the same run in two shards, merged with --xlsx */
    for (int i = 0; i < 2; i++) {
        char shard[8];
        snprintf(shard, sizeof shard, "%d/2", i);
        int rc = th_sh(TR_BINARY " run %s --out %s/shards --paths 3000 --shard %s --quiet "
                                 ">/dev/null 2>&1",
                       example, tmpdir, shard);
        cr_assert_eq(rc, 0);
    }
    cr_assert_eq(
        th_sh(TR_BINARY " merge %s/shards --out %s/m --xlsx >/dev/null 2>&1", tmpdir, tmpdir), 0);
    cr_expect(exists(tmpdir, "m/results.xlsx"));
    /* a folder holding results.xlsx is trustrisk's: a later run replaces it */
    cr_expect_eq(
        th_sh(TR_BINARY " run %s --out %s/a --paths 1000 --quiet >/dev/null 2>&1", example, tmpdir),
        0);
    cr_expect(!exists(tmpdir, "a/results.xlsx"), "the earlier workbook stayed");
}

Test(xlsx, a_run_where_no_trust_fails_still_gets_its_workbook)
{
    /* nothing to chart (one path, on which no trust fails): libxlsxwriter
     * refuses a chart without series, which had failed the whole run */
    char out[300];
    snprintf(out, sizeof out, "%s/one", tmpdir);
    th_cli r = th_run_cli((const char *const[]){"run", example, "--out", out, "--paths", "1",
                                                "--xlsx", "--quiet", NULL});
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_null(strstr(r.err, "chart"), "%s", r.err);
    th_cli_free(&r);
    cr_expect(exists(tmpdir, "one/results.xlsx"));
    cr_expect(exists(tmpdir, "one/results.json"));
}

Test(xlsx, a_failed_workbook_leaves_the_earlier_output)
{
    cr_assert_eq(
        th_sh(TR_BINARY " run %s --out %s/o --paths 1000 --quiet >/dev/null 2>&1", example, tmpdir),
        0);
    char *before = th_fmt("%s/o/results.json", tmpdir);
    char *old = th_read(before, NULL);
    cr_assert_not_null(old);
    int rc = th_sh("TRUSTRISK_TEST_FAIL_XLSX=1 " TR_BINARY
                   " run %s --out %s/o --paths 2000 --xlsx --quiet >/dev/null 2>%s/err.txt",
                   example, tmpdir, tmpdir);
    cr_expect_eq(rc, 1);
    char *ep = th_fmt("%s/err.txt", tmpdir);
    char *e = th_read(ep, NULL);
    cr_expect(e && strstr(e, "results.xlsx") && strstr(e, "failing on purpose"), "%s", e);
    free(e);
    free(ep);
    cr_expect(!exists(tmpdir, "o/results.xlsx"), "a workbook was left");
    char *now = th_read(before, NULL);
    cr_expect(now && strcmp(now, old) == 0, "the earlier results.json changed");
    cr_expect_eq(th_count_entries(tmpdir), 2, "staging folder left beside the output (o, err.txt)");
    free(now);
    free(old);
    free(before);
    /* a rejected config with --xlsx writes nothing at all */
    cr_expect_eq(
        th_sh(TR_BINARY " run %s/nothing.json --out %s/never --xlsx 2>/dev/null", tmpdir, tmpdir),
        2);
    cr_expect_eq(th_count_entries(tmpdir), 2);
}

/* Does the workbook `file` hold the text `text` among its strings? */
static int workbook_says(const char *file, const char *text)
{
    return th_sh("python3 -c \"import sys, zipfile; "
                 "sys.exit(sys.argv[2] not in zipfile.ZipFile(sys.argv[1])"
                 ".read('xl/sharedStrings.xml').decode())\" '%s' '%s'",
                 file, text) == 0;
}

Test(xlsx, batch_writes_each_scenarios_workbook)
{
    char *manifest = th_fmt("%s/m.json", tmpdir);
    char *text = th_json("{'name': 'two', 'base': '%s', 'paths': 2048, 'seed': 3, 'scenarios': "
                         "[{'id': 'base'}, {'id': 'same'}]}",
                         example);
    th_write(manifest, text);
    free(text);
    char *out = th_fmt("%s/b", tmpdir);
    th_cli r = th_run_cli(
        (const char *const[]){"batch", manifest, "--out", out, "--xlsx", "--quiet", NULL});
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "workbooks written to ") &&
                  strstr(r.out, "/b/scenarios/ID/results.xlsx\n"),
              "%s", r.out);
    th_cli_free(&r);
    cr_expect(exists(tmpdir, "b/scenarios/base/results.xlsx"));
    cr_expect(exists(tmpdir, "b/scenarios/same/results.xlsx"));
    cr_expect(!exists(tmpdir, "b/results.xlsx"), "a batch's folder has no workbook of its own");
    /* the Summary says which batch and scenario the workbook is of */
    char *book = th_fmt("%s/b/scenarios/same/results.xlsx", tmpdir);
    cr_expect(workbook_says(book, "Batch manifest") && workbook_says(book, manifest));
    free(book);
    /* the batch's shards merged with --xlsx: the same workbooks */
    for (int i = 0; i < 2; i++)
        cr_assert_eq(th_sh(TR_BINARY " batch %s --out %s/s --shard %d/2 --quiet >/dev/null 2>&1",
                           manifest, tmpdir, i),
                     0);
    cr_assert_eq(th_sh(TR_BINARY " merge %s/s --manifest %s --out %s/m --xlsx >/dev/null 2>&1",
                       tmpdir, manifest, tmpdir),
                 0);
    cr_expect(exists(tmpdir, "m/scenarios/base/results.xlsx"));
    cr_expect(exists(tmpdir, "m/scenarios/same/results.xlsx"));
    /* a batch's shard, like a run's, leaves --xlsx to the merge */
    cr_expect_eq(th_sh(TR_BINARY " batch %s --out %s/s --shard 0/2 --xlsx --quiet 2>/dev/null",
                       manifest, tmpdir),
                 2);
    free(out);
    free(manifest);
}

Test(xlsx, a_shard_refuses_xlsx)
{
    char out[300];
    snprintf(out, sizeof out, "%s/s", tmpdir);
    th_cli r = th_run_cli(
        (const char *const[]){"run", example, "--out", out, "--shard", "0/2", "--xlsx", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--xlsx: a shard writes only its state") != NULL, "%s", r.err);
    th_cli_free(&r);
}

#else /* a build without libxlsxwriter */

Test(xlsx, without_libxlsxwriter_xlsx_is_refused)
{
    cr_expect_eq(cli_xlsx_supported(), 0);
    cli_xlsx *x = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_expect_eq(cli_xlsx_open("w.xlsx", &x, &err), TR_E_INPUT);
    cr_expect_str_eq(err.diags[0].message, CLI_XLSX_UNSUPPORTED);
    tr_error_clear(&err);
    char out[300];
    snprintf(out, sizeof out, "%s/n", tmpdir);
    th_cli r = th_run_cli((const char *const[]){"run", example, "--out", out, "--xlsx", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, CLI_XLSX_UNSUPPORTED) != NULL, "%s", r.err);
    th_cli_free(&r);
    r = th_run_cli((const char *const[]){"merge", tmpdir, "--out", "m", "--xlsx", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, CLI_XLSX_UNSUPPORTED) != NULL, "%s", r.err);
    th_cli_free(&r);
    cr_expect_eq(th_count_entries(tmpdir), 0, "nothing written");
}

#endif
