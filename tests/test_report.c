/*
 * test_report.c - tests of the HTML report (engine/report.c).
 *
 * The report is made from the hand-made fixture in tests/data/results-sample
 * (see make_fixture.py there), copied into a fresh temporary folder. The
 * tests check that the page is there, that every section is there, that the
 * numbers in its tables are exactly those of results.json (each numeric cell
 * carries the exact value in data-value), that charts are embedded when
 * gnuplot is installed and that the page says plainly when it is not, that
 * config strings are escaped, that no temporary file is left behind, and
 * that a missing or broken results.json is an input error naming the file.
 * Criterion runs each test in its own process, so changing PATH or TMPDIR
 * here affects only that test.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "trustrisk/report.h"

#define FIXTURE TR_SOURCE_DIR "/tests/data/results-sample/results.json"

static char *slurp(const char *file)
{
    FILE *fp = fopen(file, "rb");
    if (fp == NULL) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

static void spit(const char *file, const char *data)
{
    FILE *fp = fopen(file, "wb");
    cr_assert_not_null(fp, "cannot write %s", file);
    fputs(data, fp);
    fclose(fp);
}

/* A fresh temporary folder holding a copy of the fixture (or not). */
static void make_outdir(char *dir, size_t n, int with_fixture)
{
    snprintf(dir, n, "/tmp/tr-report-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    if (with_fixture) {
        char *json = slurp(FIXTURE);
        cr_assert_not_null(json, "fixture %s missing", FIXTURE);
        char file[512];
        snprintf(file, sizeof file, "%s/results.json", dir);
        spit(file, json);
        free(json);
    }
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char f[1024];
        snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
        unlink(f);
    }
    closedir(d);
    rmdir(dir);
}

static int gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    if (path == NULL) return 0;
    char *copy = strdup(path);
    int found = 0;
    for (char *tok = strtok(copy, ":"); tok && !found; tok = strtok(NULL, ":")) {
        char f[1024];
        snprintf(f, sizeof f, "%s/gnuplot", tok);
        found = access(f, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* Make the report for a copy of the fixture; returns the page, sets dir. */
static char *report_of_fixture(char *dir, size_t n)
{
    make_outdir(dir, n, 1);
    tr_error err;
    tr_error_init(&err);
    tr_status st = tr_report_write(dir, &err);
    if (st != TR_OK) tr_error_print(&err, stderr);
    cr_assert_eq(st, TR_OK);
    cr_assert_eq(err.count, 0);
    tr_error_clear(&err);
    char file[512];
    snprintf(file, sizeof file, "%s/report.html", dir);
    char *html = slurp(file);
    cr_assert_not_null(html, "report.html not written");
    return html;
}

static cJSON *load_fixture(void)
{
    char *json = slurp(FIXTURE);
    cJSON *root = cJSON_Parse(json);
    free(json);
    cr_assert_not_null(root);
    return root;
}

/* The data-value attributes of a table row, in order; NAN for "null". */
static int row_values(const char *row, double *v, int max)
{
    int n = 0;
    const char *end = strstr(row, "</tr>");
    cr_assert_not_null(end);
    for (const char *p = strstr(row, "data-value=\""); p && p < end && n < max;
         p = strstr(p + 1, "data-value=\"")) {
        p += strlen("data-value=\"");
        v[n++] = strncmp(p, "null", 4) == 0 ? NAN : strtod(p, NULL);
    }
    return n;
}

static double attr(const char *row, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "%s=\"", name);
    const char *p = strstr(row, key);
    cr_assert_not_null(p, "no %s in row", name);
    p += strlen(key);
    return strncmp(p, "null", 4) == 0 ? NAN : strtod(p, NULL);
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void assert_same(double shown, double json, const char *what)
{
    if (isnan(json))
        cr_assert(isnan(shown), "%s: page shows %.17g, results.json has null", what, shown);
    else
        cr_assert(shown == json, "%s: page shows %.17g, results.json has %.17g", what, shown, json);
}

/* The part of the page from the element with id `id` to the next section. */
static const char *table(const char *html, const char *id)
{
    char key[64];
    snprintf(key, sizeof key, "<table id=\"%s\"", id);
    const char *t = strstr(html, key);
    cr_assert_not_null(t, "table %s missing", id);
    return t;
}

Test(report, every_section_is_there)
{
    char dir[64];
    char *html = report_of_fixture(dir, sizeof dir);
    static const char *const ids[] = {"summary",    "ranking", "failure-curves", "bailouts",
                                      "consortia",  "cash",    "schemes",        "failures",
                                      "provenance", "reading"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "<h2 id=\"%s\">", ids[i]);
        cr_expect_not_null(strstr(html, key), "section %s missing", ids[i]);
    }
    cr_expect(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    cr_expect_not_null(strstr(html, "</html>"));
    /* Self-contained: nothing fetched from elsewhere. */
    cr_expect_null(strstr(html, "<script src"));
    cr_expect_null(strstr(html, "<link"));
    cr_expect_null(strstr(html, "http://www.example"));
    /* Provenance: config hash, seed, paths, engine version. */
    cr_expect_not_null(
        strstr(html, "3f1c0d4e5a6b7c8d9e0f11223344556677889900aabbccddeeff001122334455"));
    cr_expect_not_null(strstr(html, "trustrisk 0.1.0"));
    free(html);
    remove_tree(dir);
}

Test(report, ranking_numbers_equal_results_json)
{
    char dir[64];
    char *html = report_of_fixture(dir, sizeof dir);
    cJSON *root = load_fixture();
    const cJSON *trusts = cJSON_GetObjectItemCaseSensitive(root, "trusts");
    const char *tab = table(html, "ranking-table");
    const char *tab_end = strstr(tab, "</table>");
    double last_p = INFINITY;
    int rows = 0;
    for (const char *row = strstr(tab, "<tr data-id=\""); row && row < tab_end;
         row = strstr(row + 1, "<tr data-id=\"")) {
        char id[64];
        cr_assert_eq(sscanf(row, "<tr data-id=\"%63[^\"]\"", id), 1);
        const cJSON *t = NULL, *x;
        cJSON_ArrayForEach(x, trusts)
        {
            if (strcmp(cJSON_GetObjectItemCaseSensitive(x, "id")->valuestring, id) == 0) t = x;
        }
        cr_assert_not_null(t, "row for unknown trust %s", id);
        const cJSON *pf = cJSON_GetObjectItemCaseSensitive(t, "p_fail");
        const cJSON *bo = cJSON_GetObjectItemCaseSensitive(t, "bailout");
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(bo, "quantiles");
        const cJSON *es = cJSON_GetObjectItemCaseSensitive(bo, "es");
        const cJSON *ci = cJSON_GetObjectItemCaseSensitive(pf, "ci95");
        double v[8];
        int n = row_values(row, v, 8);
        /* rank, P(fail), failure month, mean, q99, ES99 */
        cr_assert_eq(n, 6, "trust %s: %d numeric cells", id, n);
        cr_expect_eq(v[0], rows + 1);
        assert_same(v[1], num(pf, "estimate"), "p_fail.estimate");
        assert_same(v[2], num(t, "failure_month_mean"), "failure_month_mean");
        assert_same(v[3], num(bo, "mean"), "bailout.mean");
        assert_same(v[4], num(q, "0.99"), "bailout q0.99");
        assert_same(v[5], num(es, "0.99"), "bailout ES0.99");
        assert_same(attr(row, "data-lo"), cJSON_GetArrayItem(ci, 0)->valuedouble, "ci95[0]");
        assert_same(attr(row, "data-hi"), cJSON_GetArrayItem(ci, 1)->valuedouble, "ci95[1]");
        cr_expect(v[1] <= last_p, "ranking not in decreasing order of P(fail)");
        last_p = v[1];
        rows++;
    }
    cr_expect_eq(rows, cJSON_GetArraySize(trusts));
    cJSON_Delete(root);
    free(html);
    remove_tree(dir);
}

Test(report, consortium_and_failure_tables_equal_results_json)
{
    char dir[64];
    char *html = report_of_fixture(dir, sizeof dir);
    cJSON *root = load_fixture();
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "consortia"))
    {
        char key[128];
        snprintf(key, sizeof key, "<tr data-id=\"%s\"",
                 cJSON_GetObjectItemCaseSensitive(c, "id")->valuestring);
        const char *row = strstr(table(html, "consortia-table"), key);
        cr_assert_not_null(row);
        double v[8];
        cr_assert_eq(row_values(row, v, 8), 5);
        assert_same(v[0], num(cJSON_GetObjectItemCaseSensitive(c, "requested"), "mean"),
                    "requested.mean");
        assert_same(v[1], num(cJSON_GetObjectItemCaseSensitive(c, "paid"), "mean"), "paid.mean");
        assert_same(v[2], num(cJSON_GetObjectItemCaseSensitive(c, "national_topup"), "mean"),
                    "national_topup.mean");
        assert_same(v[4], num(cJSON_GetObjectItemCaseSensitive(c, "p_exhausted"), "estimate"),
                    "p_exhausted");
    }
    const cJSON *distn = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "system"),
                                         "failures"),
        "distribution");
    const char *row = strstr(table(html, "failures-table"), "<tbody>");
    cr_assert_not_null(row);
    for (int k = 0; k < cJSON_GetArraySize(distn); k++) {
        row = strstr(row + 1, "<tr>");
        cr_assert_not_null(row);
        double v[4];
        cr_assert_eq(row_values(row, v, 4), 3);
        cr_expect_eq(v[0], k);
        assert_same(v[1], cJSON_GetArrayItem(distn, k)->valuedouble, "failures.distribution");
    }
    cJSON_Delete(root);
    free(html);
    remove_tree(dir);
}

Test(report, charts_embedded_when_gnuplot_is_installed)
{
    if (!gnuplot_on_path()) cr_skip_test("gnuplot is not installed here");
    char tmp[64];
    snprintf(tmp, sizeof tmp, "/tmp/tr-report-tmp-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    setenv("TMPDIR", tmp, 1);
    char dir[64];
    char *html = report_of_fixture(dir, sizeof dir);
    int svgs = 0;
    for (const char *p = strstr(html, "<svg"); p; p = strstr(p + 1, "<svg"))
        svgs++;
    /* failure curves, 2 exceedance charts, 5 fans, tornado, number failing */
    cr_expect_eq(svgs, 10, "%d SVG charts embedded", svgs);
    cr_expect_null(strstr(html, "<?xml"), "XML prolog left inside the page");
    cr_expect_null(strstr(html, "Chart not drawn"));
    cr_expect_null(strstr(html, "gnuplot is not installed"));
    /* ids made unique per chart */
    cr_expect_not_null(strstr(html, "id=\"c0-gnuplot_canvas\""));
    cr_expect_not_null(strstr(html, "id=\"c1-gnuplot_canvas\""));
    /* Only the page was added; gnuplot's temporary folder is gone. */
    cr_expect_eq(count_entries(dir), 2);
    cr_expect_eq(count_entries(tmp), 0);
    rmdir(tmp);
    free(html);
    remove_tree(dir);
}

Test(report, says_plainly_when_gnuplot_is_missing)
{
    char empty[64];
    snprintf(empty, sizeof empty, "/tmp/tr-report-path-XXXXXX");
    cr_assert_not_null(mkdtemp(empty));
    setenv("PATH", empty, 1);
    char dir[64];
    char *html = report_of_fixture(dir, sizeof dir);
    cr_expect_not_null(strstr(html, "gnuplot is not installed"));
    cr_expect_not_null(strstr(html, "apt-get install gnuplot-nox"));
    cr_expect_null(strstr(html, "<svg"));
    /* every table is still there */
    cr_expect_not_null(strstr(html, "<table id=\"ranking-table\""));
    cr_expect_not_null(strstr(html, "<table id=\"consortia-table\""));
    cr_expect_not_null(strstr(html, "<table id=\"schemes-table\""));
    cr_expect_not_null(strstr(html, "<table id=\"failures-table\""));
    rmdir(empty);
    free(html);
    remove_tree(dir);
}

Test(report, config_strings_are_escaped)
{
    char dir[64];
    char *html = report_of_fixture(dir, sizeof dir);
    /* The fixture's config, one trust and one consortium carry <, > and &. */
    cr_expect_null(strstr(html, "<Woolwich>"));
    cr_expect_null(strstr(html, "<GP>"));
    cr_expect_null(strstr(html, "<2012>"));
    cr_expect_not_null(strstr(html, "Queen Elizabeth &lt;Woolwich&gt; &amp; &quot;Princess"));
    cr_expect_not_null(strstr(html, "Kent Border &lt;GP&gt; &amp; Partners"));
    free(html);
    remove_tree(dir);
}

Test(report, missing_results_is_an_input_error_naming_the_file)
{
    char dir[64];
    make_outdir(dir, sizeof dir, 0);
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_report_write(dir, &err), TR_E_INPUT);
    cr_assert_geq(err.count, 1);
    cr_expect_not_null(err.diags[0].file);
    cr_expect_not_null(strstr(err.diags[0].file, "results.json"));
    cr_expect_eq(count_entries(dir), 0, "something was written for a missing results.json");
    tr_error_clear(&err);
    remove_tree(dir);
}

Test(report, invalid_results_is_an_input_error)
{
    char dir[64];
    make_outdir(dir, sizeof dir, 0);
    char file[512];
    snprintf(file, sizeof file, "%s/results.json", dir);
    spit(file, "{\n  \"paths\": 10,\n  \"trusts\": [ oops ]\n}\n");
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_report_write(dir, &err), TR_E_INPUT);
    cr_expect_eq(err.diags[0].line, 3);
    cr_expect_not_null(strstr(err.diags[0].file, "results.json"));
    tr_error_clear(&err);

    /* Valid JSON, wrong shape: every missing field is named. */
    spit(file, "{\"paths\": 10, \"trusts\": [{\"name\": \"x\"}]}");
    cr_assert_eq(tr_report_write(dir, &err), TR_E_INPUT);
    int saw_horizon = 0, saw_id = 0;
    for (size_t i = 0; i < err.count; i++) {
        if (err.diags[i].path && strcmp(err.diags[i].path, "horizon_months") == 0) saw_horizon = 1;
        if (err.diags[i].path && strcmp(err.diags[i].path, "trusts[0].id") == 0) saw_id = 1;
    }
    cr_expect(saw_horizon && saw_id);
    tr_error_clear(&err);
    cr_expect_eq(count_entries(dir), 1, "a report was written for invalid results");
    remove_tree(dir);
}
