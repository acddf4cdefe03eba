/*
 * test_report.c - tests of the HTML report (engine/report.c) and of the
 * command's gnuplot runner (engine/cli/gnuplot.c).
 *
 * The report is made from the hand-made fixture in tests/data/results-sample
 * (see make_fixture.py there). The library's tests give it a chart drawer
 * of their own (or none), so they need no gnuplot: that every section is
 * there, that the numbers in its tables are exactly those of results.json
 * (each numeric cell carries the exact value in data-value), that every
 * chart's script goes to the application's drawer and its SVG is embedded
 * with ids made unique, that a chart that cannot be drawn or a missing
 * drawer is said plainly, that config strings are escaped, and that a
 * missing or broken results.json is an input error naming the file. The
 * command's tests run `trustrisk report`: charts from the real gnuplot
 * when it is installed, with no file left anywhere; a gnuplot that fails,
 * or none on PATH, said on the page; a missing results.json, exit 2.
 * Criterion runs each test in its own process, so changing PATH or TMPDIR
 * here affects only that test.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "helpers.h"
#include "trustrisk/report.h"

#define FIXTURE TR_SOURCE_DIR "/tests/data/results-sample/results.json"

/* Charts in the fixture's report: failure curves, 2 exceedance charts, 5
 * fans, tornado, number failing. */
#define CHARTS 10

/* A chart drawer for the library's tests: counts its calls, checks that
 * each script is a gnuplot SVG script, and draws a fixed SVG with an XML
 * prolog and ids (or fails, saying why, when `fail` is set). */
typedef struct drawer {
    int calls, fail;
} drawer;

static int fake_chart(void *user, const char *script, char **svg, char *why, size_t why_size)
{
    drawer *d = user;
    d->calls++;
    cr_expect(strncmp(script, "set terminal svg", 16) == 0, "script: %.60s", script);
    cr_expect_null(strstr(script, "set output"), "the SVG must come on standard output");
    if (d->fail) {
        snprintf(why, why_size, "boom <%d>", d->calls);
        return 1;
    }
    *svg = th_fmt("<?xml version=\"1.0\"?>\n<svg id='gnuplot_canvas'><g id=\"gpPt0\"/>"
                  "<use href='#gpPt0'/><path fill=\"url(#grad)\"/></svg>\n");
    return 0;
}

/* The report of the fixture, drawn by `chart` (may be NULL). */
static char *report_of_fixture(tr_chart_fn chart, void *user)
{
    tr_error err;
    tr_error_init(&err);
    char *html = NULL;
    tr_status st = tr_report_html_file(FIXTURE, chart, user, &html, &err);
    if (st != TR_OK) tr_error_print(&err, stderr);
    cr_assert_eq(st, TR_OK);
    cr_assert_eq(err.count, 0);
    cr_assert_not_null(html);
    tr_error_clear(&err);
    return html;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

static cJSON *load_fixture(void)
{
    char *json = th_read(FIXTURE, NULL);
    cr_assert_not_null(json, "fixture %s missing", FIXTURE);
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
    drawer d = {0, 0};
    char *html = report_of_fixture(fake_chart, &d);
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
}

Test(report, ranking_numbers_equal_results_json)
{
    drawer d = {0, 0};
    char *html = report_of_fixture(fake_chart, &d);
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
}

Test(report, consortium_and_failure_tables_equal_results_json)
{
    drawer d = {0, 0};
    char *html = report_of_fixture(fake_chart, &d);
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
}

Test(report, charts_come_from_the_applications_drawer)
{
    drawer d = {0, 0};
    char *html = report_of_fixture(fake_chart, &d);
    cr_expect_eq(d.calls, CHARTS);
    cr_expect_eq(count(html, "<svg"), CHARTS);
    cr_expect_eq(count(html, "<div class=\"chart\" role=\"img\" aria-label=\""), CHARTS);
    cr_expect_null(strstr(html, "<?xml"), "XML prolog left inside the page");
    cr_expect_null(strstr(html, "Chart not drawn"));
    cr_expect_null(strstr(html, "gnuplot is not installed"));
    /* ids, and references to them, made unique per chart */
    cr_expect_not_null(strstr(html, "id='c0-gnuplot_canvas'"));
    cr_expect_not_null(strstr(html, "id=\"c9-gpPt0\""));
    cr_expect_not_null(strstr(html, "href='#c3-gpPt0'"));
    cr_expect_not_null(strstr(html, "url(#c4-grad)"));
    cr_expect_not_null(strstr(html, "drawn by gnuplot</td>"));
    free(html);
}

Test(report, a_chart_that_cannot_be_drawn_is_said_so)
{
    drawer d = {0, 1};
    char *html = report_of_fixture(fake_chart, &d);
    cr_expect_eq(d.calls, CHARTS);
    cr_expect_null(strstr(html, "<svg"));
    cr_expect_eq(count(html, "Chart not drawn (boom &lt;"), CHARTS);
    cr_expect_not_null(strstr(html, "Chart not drawn (boom &lt;1&gt;)."));
    cr_expect_not_null(strstr(html, "drawn by gnuplot; 10 could not be drawn"));
    free(html);
}

Test(report, without_a_drawer_the_page_says_gnuplot_is_missing)
{
    char *html = report_of_fixture(NULL, NULL);
    cr_expect_not_null(strstr(html, "gnuplot is not installed"));
    cr_expect_not_null(strstr(html, "apt-get install gnuplot-nox"));
    cr_expect_null(strstr(html, "<svg"));
    /* every table is still there */
    cr_expect_not_null(strstr(html, "<table id=\"ranking-table\""));
    cr_expect_not_null(strstr(html, "<table id=\"consortia-table\""));
    cr_expect_not_null(strstr(html, "<table id=\"schemes-table\""));
    cr_expect_not_null(strstr(html, "<table id=\"failures-table\""));
    free(html);
}

Test(report, short_tables_do_not_scroll)
{
    /* the fixture's tables are short: laid out in full, no scroll box (the
     * national config's long ones are in test_cli_run.c) */
    char *html = report_of_fixture(NULL, NULL);
    cr_expect_null(strstr(html, "<div class=\"scroll\">"));
    cr_expect_null(strstr(html, "the table scrolls"));
    cr_expect_not_null(strstr(html, ".scroll{max-height:"), "the style for long tables is there");
    free(html);
}

Test(report, config_strings_are_escaped)
{
    char *html = report_of_fixture(NULL, NULL);
    /* The fixture's config, one trust and one consortium carry <, > and &. */
    cr_expect_null(strstr(html, "<Woolwich>"));
    cr_expect_null(strstr(html, "<GP>"));
    cr_expect_null(strstr(html, "<2012>"));
    cr_expect_not_null(strstr(html, "Queen Elizabeth &lt;Woolwich&gt; &amp; &quot;Princess"));
    cr_expect_not_null(strstr(html, "Kent Border &lt;GP&gt; &amp; Partners"));
    free(html);
}

Test(report, missing_results_is_an_input_error_naming_the_file)
{
    char dir[64];
    th_tmpdir(dir, sizeof dir, "report");
    char *file = th_fmt("%s/results.json", dir);
    tr_error err;
    tr_error_init(&err);
    char *html = (char *)&err;
    cr_assert_eq(tr_report_html_file(file, NULL, NULL, &html, &err), TR_E_INPUT);
    cr_expect_null(html);
    cr_assert_geq(err.count, 1);
    cr_expect_str_eq(err.diags[0].file, file);
    cr_expect_not_null(strstr(err.diags[0].message, "trustrisk run"), "%s", err.diags[0].message);
    tr_error_clear(&err);
    free(file);
    th_remove_tree(dir);
}

Test(report, invalid_results_is_an_input_error)
{
    const char *bad = "{\n  \"paths\": 10,\n  \"trusts\": [ oops ]\n}\n";
    tr_error err;
    tr_error_init(&err);
    char *html = NULL;
    cr_assert_eq(tr_report_html(bad, strlen(bad), "r.json", NULL, NULL, &html, &err), TR_E_INPUT);
    cr_expect_null(html);
    cr_expect_eq(err.diags[0].line, 3);
    cr_expect_eq(err.diags[0].column, 15);
    cr_expect_str_eq(err.diags[0].file, "r.json");
    cr_expect_not_null(strstr(err.diags[0].message, "oops"), "%s", err.diags[0].message);
    tr_error_clear(&err);

    /* Valid JSON, wrong shape: every missing field is named. */
    const char *shape = "{\"paths\": 10, \"trusts\": [{\"name\": \"x\"}]}";
    cr_assert_eq(tr_report_html(shape, strlen(shape), NULL, NULL, NULL, &html, &err), TR_E_INPUT);
    int saw_horizon = 0, saw_id = 0;
    for (size_t i = 0; i < err.count; i++) {
        cr_expect_str_eq(err.diags[i].file, "results.json");
        if (err.diags[i].path && strcmp(err.diags[i].path, "horizon_months") == 0) saw_horizon = 1;
        if (err.diags[i].path && strcmp(err.diags[i].path, "trusts[0].id") == 0) saw_id = 1;
    }
    cr_expect(saw_horizon && saw_id);
    tr_error_clear(&err);
}

/* ---- the command: `trustrisk report` with gnuplot -------------------- */

/* A folder holding a copy of the fixture as results.json. */
static void outdir_with_fixture(char *dir, size_t n)
{
    th_tmpdir(dir, n, "report");
    char *json = th_read(FIXTURE, NULL);
    cr_assert_not_null(json);
    char *file = th_fmt("%s/results.json", dir);
    th_write(file, json);
    free(file);
    free(json);
}

/* `trustrisk report dir`: its exit status; the page in *html (or NULL). */
static int cli_report(const char *dir, char **html)
{
    const char *args[] = {"report", dir, NULL};
    th_cli r = th_run_cli(args);
    if (r.status != 0) fprintf(stderr, "%s", r.err);
    int status = r.status;
    th_cli_free(&r);
    char *file = th_fmt("%s/report.html", dir);
    *html = th_read(file, NULL);
    free(file);
    return status;
}

static int gnuplot_on_path(void)
{
    return th_sh("command -v gnuplot > /dev/null 2>&1") == 0;
}

Test(report, command_embeds_gnuplots_charts_and_leaves_no_file)
{
    if (!gnuplot_on_path()) cr_skip_test("gnuplot is not installed here");
    char tmp[64], dir[64];
    th_tmpdir(tmp, sizeof tmp, "report-tmp");
    setenv("TMPDIR", tmp, 1);
    outdir_with_fixture(dir, sizeof dir);
    char *html = NULL;
    cr_assert_eq(cli_report(dir, &html), 0);
    cr_assert_not_null(html);
    cr_expect_eq(count(html, "<svg"), CHARTS);
    cr_expect_null(strstr(html, "<?xml"), "XML prolog left inside the page");
    cr_expect_null(strstr(html, "Chart not drawn"));
    cr_expect_not_null(strstr(html, "id=\"c0-gnuplot_canvas\""));
    cr_expect_not_null(strstr(html, "id=\"c1-gnuplot_canvas\""));
    /* Only the page was added; gnuplot's temporary folder is empty. */
    cr_expect_eq(th_count_entries(dir), 2);
    cr_expect_eq(th_count_entries(tmp), 0);
    free(html);
    th_remove_tree(dir);
    th_remove_tree(tmp);
}

Test(report, command_says_when_gnuplot_fails_or_is_missing)
{
    /* A "gnuplot" that fails the way gnuplot does on a bad script. */
    char bin[64], dir[64];
    th_tmpdir(bin, sizeof bin, "report-bin");
    char *fake = th_fmt("%s/gnuplot", bin);
    th_write(fake, "#!/bin/sh\ncat > /dev/null\necho 'gnuplot> plot $x' >&2\n"
                   "echo '         line 7: undefined variable: x' >&2\nexit 1\n");
    cr_assert_eq(chmod(fake, 0755), 0);
    setenv("PATH", bin, 1);
    outdir_with_fixture(dir, sizeof dir);
    char *html = NULL;
    cr_assert_eq(cli_report(dir, &html), 0);
    cr_assert_not_null(html);
    cr_expect_eq(count(html, "Chart not drawn (gnuplot failed: line 7: undefined variable: x)"),
                 CHARTS);
    free(html);

    /* No gnuplot on PATH at all. */
    unlink(fake);
    cr_assert_eq(cli_report(dir, &html), 0);
    cr_assert_not_null(html);
    cr_expect_not_null(strstr(html, "gnuplot is not installed"));
    cr_expect_null(strstr(html, "<svg"));
    free(html);
    free(fake);
    th_remove_tree(dir);
    th_remove_tree(bin);
}

Test(report, command_without_results_exits_2_and_writes_nothing)
{
    char dir[64];
    th_tmpdir(dir, sizeof dir, "report");
    const char *args[] = {"report", dir, NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 2);
    cr_expect_not_null(strstr(r.err, "results.json: cannot open"), "%s", r.err);
    cr_expect_eq(th_count_entries(dir), 0, "something was written for a missing results.json");
    th_cli_free(&r);
    th_remove_tree(dir);
}
