/*
 * test_import.c - configs from spreadsheets (engine/import.c).
 *
 * The bundled CSVs in configs/import/ must give the same config as
 * configs/peterborough-stamford.json (equal canonical sha256, the same
 * results.json bytes for a short run) and the same bytes on every import.
 * Every kind of problem is provoked on purpose and must be reported with
 * its file, line and column name; several problems in one import must all
 * be reported. The `trustrisk import` command is run as a real process.
 */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trustrisk/trustrisk.h"
#include "helpers.h"
#include "model.h"

#ifndef TR_SOURCE_DIR
#error "TR_SOURCE_DIR must name the source tree"
#endif
#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif

#define CSV_DIR TR_SOURCE_DIR "/configs/import"

static const char BASE[] = "{\"name\": \"t\", \"horizon_months\": 24,\n"
                           " \"factors\": [{\"name\": \"national\", \"scope\": \"global\"}]}\n";
static const char CONSORTIA[] = "id,name,reserve\nnorth,North,10\nsouth,South,5\n";
static const char TRUSTS[] = "id,cash,income,expenditure,commissioners\n"
                             "gen,8,240,252,north:0.6; south:0.3\n"
                             "dgh,4,100,101,north:1\n";
static const char SCHEMES[] = "trust,id,saving,start_month,delivery\n"
                              "gen,agency,6,1,\"beta(0.6, 0.2)\"\n"
                              "dgh,agency,2,1,\"pert(0.2, 0.6, 0.9)\"\n";

/* Import from strings (NULL = absent input); returns the status. */
static tr_status import(const char *trusts, const char *schemes, const char *consortia,
                        const char *base, char **json, tr_error *err)
{
    tr_import_sources s;
    memset(&s, 0, sizeof s);
    s.trusts = (tr_import_source){"trusts.csv", trusts, trusts ? strlen(trusts) : 0};
    s.schemes = (tr_import_source){"schemes.csv", schemes, schemes ? strlen(schemes) : 0};
    s.consortia = (tr_import_source){"consortia.csv", consortia, consortia ? strlen(consortia) : 0};
    s.base = (tr_import_source){"base.json", base, base ? strlen(base) : 0};
    return tr_import_read_buffers(&s, json, err);
}

static void dump(const tr_error *err)
{
    for (size_t k = 0; k < err->count; k++) {
        const tr_diag *d = &err->diags[k];
        cr_log_info("  %s:%d: %s: %s", d->file ? d->file : "-", d->line, d->path ? d->path : "-",
                    d->message);
    }
}

/* A diagnostic in `file` at `line` (0: any) in column `col` (NULL: none)
 * whose message holds `text`. */
static int has_diag(const tr_error *err, const char *file, int line, const char *col,
                    const char *text)
{
    for (size_t k = 0; k < err->count; k++) {
        const tr_diag *d = &err->diags[k];
        if (file && (!d->file || strcmp(d->file, file) != 0)) continue;
        if (line && d->line != line) continue;
        if (col ? !d->path || strcmp(d->path, col) != 0 : d->path != NULL) continue;
        if (text && !strstr(d->message, text)) continue;
        return 1;
    }
    return 0;
}

/* The import must fail with TR_E_INPUT and report the problem given. */
static void expect_problem(const char *trusts, const char *schemes, const char *consortia,
                           const char *base, const char *file, int line, const char *col,
                           const char *text)
{
    tr_error err;
    tr_error_init(&err);
    char *json = (char *)1;
    tr_status st = import(trusts, schemes, consortia, base, &json, &err);
    if (!has_diag(&err, file, line, col, text)) dump(&err);
    cr_expect_eq(st, TR_E_INPUT, "status %d", st);
    cr_expect_null(json, "no JSON on failure");
    cr_expect(has_diag(&err, file, line, col, text), "expected %s:%d: %s: ...%s...", file, line,
              col ? col : "-", text);
    tr_error_clear(&err);
}

static char *import_ok(const char *trusts, const char *schemes, const char *consortia,
                       const char *base)
{
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    tr_status st = import(trusts, schemes, consortia, base, &json, &err);
    if (st != TR_OK) dump(&err);
    cr_assert_eq(st, TR_OK, "import failed with %zu problems", err.count);
    cr_assert_not_null(json);
    tr_error_clear(&err);
    return json;
}

static tr_config *load(const char *json)
{
    return th_load_as("import", json);
}

/* ------------------------------------------------------------ round trip */

static char *import_bundled(void)
{
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    tr_status st =
        tr_import_read_files(CSV_DIR "/trusts.csv", CSV_DIR "/schemes.csv",
                             CSV_DIR "/consortia.csv", CSV_DIR "/base.json", &json, &err);
    if (st != TR_OK) dump(&err);
    cr_assert_eq(st, TR_OK);
    tr_error_clear(&err);
    return json;
}

static char *results_of(const tr_config *cfg)
{
    tr_error err;
    tr_error_init(&err);
    tr_results *res = NULL;
    cr_assert_eq(th_run(cfg, 2048, tr_config_seed(cfg), 2, &res, &err), TR_OK);
    char *json = NULL;
    cr_assert_eq(tr_results_json(res, &json, &err), TR_OK);
    tr_results_free(res);
    tr_error_clear(&err);
    return json;
}

Test(import, bundled_csvs_give_the_bundled_config)
{
    char *json = import_bundled();
    tr_config *imported = load(json);
    tr_error err;
    tr_error_init(&err);
    tr_config *bundled = NULL;
    cr_assert_eq(
        tr_config_load_file(TR_SOURCE_DIR "/configs/peterborough-stamford.json", &bundled, &err),
        TR_OK);
    cr_expect_str_eq(tr_config_sha256(imported), tr_config_sha256(bundled));
    cr_expect_str_eq(tr_config_name(imported), tr_config_name(bundled));
    char *a = results_of(imported), *b = results_of(bundled);
    cr_expect_str_eq(a, b, "results.json differs between the imported and the bundled config");
    free(a);
    free(b);
    tr_config_free(imported);
    tr_config_free(bundled);
    free(json);
}

Test(import, same_inputs_same_bytes)
{
    char *a = import_bundled(), *b = import_bundled();
    cr_expect_str_eq(a, b);
    cr_expect(a[strlen(a) - 1] == '\n', "the JSON ends in a newline");
    free(a);
    free(b);
}

Test(import, canonical_form)
{
    /* key order of the model, lists in file order, parameters in their
     * order whatever the cell says, numbers in their shortest exact form */
    char *json = import_ok("name,id,expenditure,income,cash\nGeneral,gen,252,240,8\n",
                           "trust,id,saving,start_month,slippage,delivery\n"
                           "gen,zeta,6,1,\"lognormal(sigma=0.7, median=3)\",0.1\n"
                           "gen,alpha,1e1,1.5,,\"PERT(1, 2, 3)\"\n",
                           NULL, BASE);
    const char *want = "{\n"
                       "  \"name\": \"t\",\n"
                       "  \"horizon_months\": 24,\n"
                       "  \"factors\": [\n"
                       "    {\n"
                       "      \"name\": \"national\",\n"
                       "      \"scope\": \"global\"\n"
                       "    }\n"
                       "  ],\n"
                       "  \"trusts\": [\n"
                       "    {\n"
                       "      \"id\": \"gen\",\n"
                       "      \"name\": \"General\",\n"
                       "      \"cash\": 8,\n"
                       "      \"income\": 240,\n"
                       "      \"expenditure\": 252,\n"
                       "      \"schemes\": [\n"
                       "        {\n"
                       "          \"id\": \"zeta\",\n"
                       "          \"saving\": 6,\n"
                       "          \"start_month\": 1,\n"
                       "          \"delivery\": {\n"
                       "            \"dist\": \"fixed\",\n"
                       "            \"value\": 0.1\n"
                       "          },\n"
                       "          \"slippage\": {\n"
                       "            \"dist\": \"lognormal\",\n"
                       "            \"median\": 3,\n"
                       "            \"sigma\": 0.7\n"
                       "          }\n"
                       "        },\n"
                       "        {\n"
                       "          \"id\": \"alpha\",\n"
                       "          \"saving\": 10,\n"
                       "          \"start_month\": 1.5,\n"
                       "          \"delivery\": {\n"
                       "            \"dist\": \"pert\",\n"
                       "            \"min\": 1,\n"
                       "            \"mode\": 2,\n"
                       "            \"max\": 3\n"
                       "          }\n"
                       "        }\n"
                       "      ]\n"
                       "    }\n"
                       "  ]\n"
                       "}\n";
    cr_expect_str_eq(json, want);
    free(json);
}

Test(import, every_cell_form)
{
    char *json = import_ok(
        "id,cash,income,expenditure,income_growth,income_growth.factors,cost_growth,"
        "commissioners,factors,notes\n"
        "gen,8,240,252,\"normal(0.01, 0.005)\",national:0.3,\"triangular(0.01, 0.02, 0.04)\","
        "\"north:0.6, south:0.3;\",national:0.2,\"a, \"\"quoted\"\"\nnote\"\n",
        "trust,id,saving,start_month,delivery,paper,slippage,stay.probability,stay.delay,"
        "stay.delay.factors,compromise.probability,compromise.retained,recurrent,kind\n"
        "gen,a,6,1,\"beta(0.6, 0.2, 0, 1)\",0.25,\"discrete(0:0.5, 3:0.25, 6:0.25)\",0.4,"
        "\"uniform(3, 12)\",national:0.5,0.3,\"beta(mean=0.5, sd=0.1)\",no,closure\n",
        CONSORTIA, BASE);
    tr_config *cfg = load(json);
    cr_expect_eq(tr_config_scheme_count(cfg), 1);
    cr_expect(strstr(json, "\"notes\": \"a, \\\"quoted\\\"\\nnote\""), "%s", json);
    cr_expect(strstr(json, "\"values\": [\n"), "%s", json);
    cr_expect(strstr(json, "\"recurrent\": false"), "%s", json);
    cr_expect(strstr(json, "\"share\": 0.3"), "%s", json);
    tr_config_free(cfg);
    free(json);
}

Test(import, bom_crlf_blank_rows_and_short_rows)
{
    char *json = import_ok("\xEF\xBB\xBFid,cash,income,expenditure,notes\r\n"
                           "gen,8,240,252\r\n"
                           "\r\n"
                           ",,,,\r\n"
                           "  dgh ,\t4,100,101,\"multi\r\nline\"\r\n",
                           "trust,id,saving,start_month,\r\ndgh,x,1,1,\r\n", NULL, BASE);
    tr_config *cfg = load(json);
    cr_expect_eq(tr_config_trust_count(cfg), 2);
    cr_expect_eq(tr_config_scheme_count(cfg), 1);
    cr_expect(strstr(json, "\"id\": \"dgh\""), "cells are trimmed: %s", json);
    tr_config_free(cfg);
    free(json);
}

Test(import, consortia_from_the_base)
{
    char *json = import_ok(TRUSTS, SCHEMES, NULL,
                           "{\"horizon_months\": 12, \"consortia\": [{\"reserve\": 1, \"id\": "
                           "\"north\"}, {\"id\": \"south\", \"reserve\": 2}]}");
    tr_config *cfg = load(json);
    cr_expect_eq(tr_config_consortium_count(cfg), 2);
    cr_expect(strstr(json, "\"id\": \"north\",\n      \"reserve\": 1"), "%s", json);
    tr_config_free(cfg);
    free(json);
}

/* The base may hold "precision" and "sampling": they come out in their
 * documented place, their members in order, and reach the model. */
Test(import, precision_and_sampling_from_the_base)
{
    char *json = import_ok(TRUSTS, SCHEMES, CONSORTIA,
                           "{\"sampling\": {\"shift\": {\"national\": 2}, \"method\": \"shift\"},"
                           " \"precision\": {\"target_rel\": 0.1, \"target_se\": 0.001},"
                           " \"horizon_months\": 12, \"name\": \"b\", \"factors\": [{\"scope\":"
                           " \"global\", \"name\": \"national\"}]}");
    const char *order[] = {"\"name\"",       "\"horizon_months\"", "\"precision\"", "\"target_se\"",
                           "\"target_rel\"", "\"sampling\"",       "\"method\"",    "\"shift\"",
                           "\"factors\"",    "\"consortia\"",      "\"trusts\""};
    const char *at = json;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        const char *next = strstr(at, order[k]);
        cr_assert_not_null(next, "%s missing or out of order in\n%s", order[k], json);
        at = next;
    }
    tr_config *cfg = load(json);
    cr_expect(cfg->precision.set);
    cr_expect_eq(cfg->precision.se, 0.001);
    cr_expect_eq(cfg->sampling.method, TR__SAMPLING_SHIFT);
    cr_expect_eq(tr__sampling_mu(&cfg->sampling, 0), 2);
    tr_config_free(cfg);
    free(json);
    /* and their problems are the loader's, at their paths in the base */
    expect_problem(TRUSTS, SCHEMES, CONSORTIA,
                   "{\"horizon_months\": 12, \"sampling\": {\"method\": \"shift\", \"shift\":"
                   " {\"nowhere\": 1}}}",
                   "base.json", 0, "sampling.shift.nowhere", "unknown factor \"nowhere\"");
}

/* ------------------------------------------------------- cell problems */

/* A delivery cell and the problem it must raise. */
typedef struct cell_case {
    const char *cell, *text;
} cell_case;

static void check_delivery_cells(const cell_case *cases, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char s[512];
        snprintf(s, sizeof s, "trust,id,saving,start_month,delivery\ngen,agency,6,1,\"%s\"\n",
                 cases[k].cell);
        cr_log_info("cell %s", cases[k].cell);
        expect_problem(TRUSTS, s, CONSORTIA, BASE, "schemes.csv", 2, "delivery", cases[k].text);
    }
}

Test(import, bad_distribution_syntax)
{
    static const cell_case cases[] = {
        {"betta(0.7, 0.15)", "unknown distribution \"betta\"; did you mean \"beta\"?"},
        {"gamma(2, 3)", "unknown distribution \"gamma\""},
        {"beta 0.7 0.15", "in parentheses"},
        {"beta(0.7, 0.15", "in parentheses"},
        {"beta(0.7, 0.15) x", "unexpected text after ')'"},
        {"beta((0.7), 0.15)", "unbalanced parentheses"},
        {"beta(0.7,, 0.15)", "an empty parameter"},
        {"beta(mean=0.7, 0.15)", "a plain number after a named parameter"},
        {"beta(mean=0.7, mode=0.1)", "beta has no parameter \"mode\""},
        {"beta(0.7, sd=0.1, mean=0.5)", "parameter \"mean\" is given twice"},
        {"beta(0.7, x)", "bad number \"x\" for sd"},
        {"discrete(1, 2)", "discrete: expected value:prob"},
        {"discrete()", "discrete needs at least one value:prob"},
        {"discrete(1:x)", "discrete: bad probability \"x\""},
        {"(0.7)", "expected a distribution such as"},
    };
    check_delivery_cells(cases, sizeof cases / sizeof cases[0]);
}

Test(import, wrong_arity)
{
    static const cell_case cases[] = {
        {"beta(0.7)", "beta takes 2 to 4 numbers, got 1; write beta(mean, sd[, min, max])"},
        {"beta(0.7, 0.1, 0, 1, 2)", "beta takes 2 to 4 numbers, got 5"},
        {"pert(1, 3)", "pert takes 3 to 4 numbers, got 2"},
        {"fixed(1, 2)", "fixed takes 1 numbers, got 2"},
        {"uniform(1)", "uniform takes 2 numbers, got 1"},
        {"triangular(1, 2, 3, 4)", "triangular takes 3 numbers, got 4"},
        {"normal(0)", "normal takes 2 numbers"},
        {"lognormal(3)", "lognormal takes 2 numbers"},
        {"pert(min=1, max=3)", "pert: missing parameter \"mode\""},
        {"fixed()", "fixed takes 1 numbers, got 0"},
    };
    check_delivery_cells(cases, sizeof cases / sizeof cases[0]);
}

Test(import, bad_numbers)
{
    const char *h = "id,cash,income,expenditure\n";
    struct {
        const char *cell, *text;
    } cases[] = {
        {"24O", "bad number \"24O\": expected a number such as 12 or 0.5"},
        {"2.5%", "not a percentage"},
        {"\xC2\xA3"
         "240",
         "without a currency sign"},
        {"\"1,240\"", "without thousands separators"},
        {"1e999", "too large"},
        {"-", "expected a number"},
        {"1e", "expected a number"},
        {"0x10", "expected a number"},
        {"nan", "expected a number"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char t[512];
        snprintf(t, sizeof t, "%sgen,8,%s,252\n", h, cases[k].cell);
        cr_log_info("cell %s", cases[k].cell);
        expect_problem(t, "trust,id,saving,start_month\n", NULL, BASE, "trusts.csv", 2, "income",
                       cases[k].text);
    }
}

Test(import, bad_commissioners_and_loadings)
{
    const char *h = "id,cash,income,expenditure,commissioners,factors\n";
    struct {
        const char *com, *fac, *col, *text;
    } cases[] = {
        {"north 0.6", "", "commissioners", "expected consortium:number, got \"north 0.6\""},
        {"north:x", "", "commissioners", "bad number \"x\" for \"north\""},
        {":0.5", "", "commissioners", "expected consortium:number"},
        {"north:0.3; north:0.2", "", "commissioners", "\"north\" is listed twice"},
        {"north:0.6", "national", "factors", "expected factor:number"},
        {"north:0.6", "national:40%", "factors", "not a percentage"},
        /* rules of the model, from the loader */
        {"north:0.6; souht:0.3", "", "commissioners",
         "unknown consortium \"souht\"; did you mean \"south\"? (item 2)"},
        {"north:0.8; south:0.3", "", "commissioners", "shares sum to 1.1; must be <= 1"},
        {"north:1.5", "", "commissioners", "must be in [0, 1] (got 1.5) (item 1)"},
        {"north:0.6", "nationl:0.3", "factors", "unknown factor \"nationl\"; did you mean"},
        {"north:0.6", "national:1.2", "factors", "must be in [-1, 1] (got 1.2)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char t[512];
        snprintf(t, sizeof t, "%sgen,8,240,252,%s,%s\n", h, cases[k].com, cases[k].fac);
        cr_log_info("cells %s | %s", cases[k].com, cases[k].fac);
        expect_problem(t, "trust,id,saving,start_month\n", CONSORTIA, BASE, "trusts.csv", 2,
                       cases[k].col, cases[k].text);
    }
}

Test(import, bad_boolean_and_empty_required_cells)
{
    expect_problem(TRUSTS, "trust,id,saving,start_month,recurrent\ngen,a,1,1,maybe\n", CONSORTIA,
                   BASE, "schemes.csv", 2, "recurrent", "expected true or false");
    expect_problem(TRUSTS, "trust,id,saving,start_month\ngen,a,,1\n", CONSORTIA, BASE,
                   "schemes.csv", 2, "saving", "missing value: \"saving\" is required");
    expect_problem(TRUSTS, "trust,id,saving,start_month\ngen,,1,1\n", CONSORTIA, BASE,
                   "schemes.csv", 2, "id", "missing id: every scheme needs one");
    expect_problem(TRUSTS, "trust,id,saving,start_month\n,a,1,1\n", CONSORTIA, BASE, "schemes.csv",
                   2, "trust", "missing trust");
}

Test(import, loadings_need_their_distribution)
{
    expect_problem(TRUSTS, "trust,id,saving,start_month,delivery.factors\ngen,a,1,1,national:0.3\n",
                   CONSORTIA, BASE, "schemes.csv", 2, "delivery.factors",
                   "column \"delivery\" is empty");
}

Test(import, model_rules_map_back_to_cells)
{
    /* the loader's messages carry JSON paths; they must come back as cells */
    const char *s = "trust,id,saving,start_month,delivery,paper,stay.delay\n"
                    "gen,a,6,1,\"beta(0.7, 0.9)\",0.1,\n"
                    "dgh,b,2,0,\"uniform(3, 1)\",1.5,\"uniform(1, 2)\"\n";
    expect_problem(TRUSTS, s, CONSORTIA, BASE, "schemes.csv", 2, "delivery", "infeasible beta");
    expect_problem(TRUSTS, s, CONSORTIA, BASE, "schemes.csv", 3, "start_month",
                   "must be in [1, 1200] (got 0)");
    expect_problem(TRUSTS, s, CONSORTIA, BASE, "schemes.csv", 3, "delivery",
                   "must be >= min (got max 1, min 3)");
    expect_problem(TRUSTS, s, CONSORTIA, BASE, "schemes.csv", 3, "paper", "must be in [0, 1]");
    expect_problem(TRUSTS, s, CONSORTIA, BASE, "schemes.csv", 3, "stay.probability",
                   "missing required field \"probability\"");
    expect_problem(TRUSTS, SCHEMES, "id,reserve\nnorth,-1\nsouth,1\n", BASE, "consortia.csv", 2,
                   "reserve", "must be >= 0 (got -1)");
    /* a consortium-scoped factor in a trust without commissioners */
    expect_problem("id,cash,income,expenditure,factors\ngen,8,240,252,local:0.3\n",
                   "trust,id,saving,start_month\n", NULL,
                   "{\"horizon_months\": 12, \"factors\": [{\"name\": \"local\", \"scope\": "
                   "\"consortium\"}]}",
                   "trusts.csv", 2, "factors", "has no commissioners");
}

Test(import, unknown_trust_in_schemes)
{
    expect_problem(TRUSTS, "trust,id,saving,start_month\ngne,a,1,1\n", CONSORTIA, BASE,
                   "schemes.csv", 2, "trust",
                   "unknown trust \"gne\"; did you mean \"gen\"? (trusts come from trusts.csv)");
    expect_problem(TRUSTS, "trust,id,saving,start_month\nnowhere,a,1,1\n", CONSORTIA, BASE,
                   "schemes.csv", 2, "trust", "no row of trusts.csv has this id");
}

Test(import, duplicate_ids)
{
    expect_problem("id,cash,income,expenditure\ngen,1,2,3\ndgh,1,2,3\ngen,1,2,3\n",
                   "trust,id,saving,start_month\n", NULL, BASE, "trusts.csv", 4, "id",
                   "duplicate trust id \"gen\" (also on line 2)");
    expect_problem(TRUSTS, SCHEMES, "id,reserve\nnorth,1\nsouth,1\nnorth,2\n", BASE,
                   "consortia.csv", 4, "id", "duplicate consortium id \"north\" (also on line 2)");
    expect_problem(TRUSTS, "trust,id,saving,start_month\ngen,a,1,1\ndgh,a,1,1\ngen,a,2,2\n",
                   CONSORTIA, BASE, "schemes.csv", 4, "id",
                   "duplicate scheme id \"a\" in trust \"gen\" (also on line 2)");
    /* the same scheme id in two trusts is fine */
    char *json =
        import_ok(TRUSTS, "trust,id,saving,start_month\ngen,a,1,1\ndgh,a,1,1\n", CONSORTIA, BASE);
    free(json);
}

/* ------------------------------------------------------- file problems */

Test(import, unknown_and_missing_columns)
{
    expect_problem("id,cash,income,expenditure,cash_nosie\ngen,1,2,3,4\n",
                   "trust,id,saving,start_month\n", NULL, BASE, "trusts.csv", 1, "cash_nosie",
                   "unknown column \"cash_nosie\"; did you mean \"cash_noise\"?");
    expect_problem("id,cash,income,expenditure,colour\ngen,1,2,3,4\n",
                   "trust,id,saving,start_month\n", NULL, BASE, "trusts.csv", 1, "colour",
                   "unknown column \"colour\"");
    expect_problem("id,cash,income\ngen,1,2\n", "trust,id,saving,start_month\n", NULL, BASE,
                   "trusts.csv", 1, "expenditure", "missing required column \"expenditure\"");
    expect_problem(TRUSTS, "trust,id,saving\ngen,a,1\n", CONSORTIA, BASE, "schemes.csv", 1,
                   "start_month", "missing required column");
    expect_problem("id,cash,income,expenditure,cash\ngen,1,2,3,4\n",
                   "trust,id,saving,start_month\n", NULL, BASE, "trusts.csv", 1, "cash",
                   "appears twice");
    expect_problem("id,cash,income,expenditure,\ngen,1,2,3,4\n", "trust,id,saving,start_month\n",
                   NULL, BASE, "trusts.csv", 1, NULL, "column 5 has no name");
    expect_problem("id;cash;income;expenditure\ngen;1;2;3\n", "trust,id,saving,start_month\n", NULL,
                   BASE, "trusts.csv", 1, NULL, "seems to use ';'");
    expect_problem("", "trust,id,saving,start_month\n", NULL, BASE, "trusts.csv", 1, NULL,
                   "the first row must name the columns");
}

Test(import, a_missing_column_is_reported_once)
{
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    import("id,cash,income\na,1,2\nb,1,2\nc,1,2\n", "trust,id,saving,start_month\n", NULL, BASE,
           &json, &err);
    cr_expect_eq(err.count, 1, "one problem, not one per row");
    dump(&err);
    tr_error_clear(&err);
}

Test(import, csv_syntax)
{
    const char *s = "trust,id,saving,start_month\n";
    expect_problem("id,cash,income,expenditure,notes\ngen,1,2,3,\"open\n\nmore\n", s, NULL, BASE,
                   "trusts.csv", 2, NULL, "the quote opened on line 2 is never closed");
    expect_problem("id,cash,income,expenditure,notes\ngen,1,2,3,\"a\"b\n", s, NULL, BASE,
                   "trusts.csv", 2, NULL, "unexpected text after a closing quote");
    expect_problem("id,cash,income,expenditure,notes\ngen,1,2,3,5\" screen\n", s, NULL, BASE,
                   "trusts.csv", 2, NULL, "a quote inside an unquoted field");
    expect_problem("id,cash,income,expenditure,notes\ngen,1,2,3,\"two\nlines\"\ndgh,1,2,\xff\n", s,
                   NULL, BASE, "trusts.csv", 4, NULL, "invalid UTF-8 (byte 0xff)");
    expect_problem("id,cash,income,expenditure\ngen,1,2,3,,9\n", s, NULL, BASE, "trusts.csv", 2,
                   NULL, "a value in field 6, but the header names only 4 columns");
    char nul[] = "id,cash,income,expenditure\ngen,1,2,3\n";
    nul[28] = '\0';
    tr_import_sources src;
    memset(&src, 0, sizeof src);
    src.trusts = (tr_import_source){"trusts.csv", nul, sizeof nul - 1};
    src.schemes = (tr_import_source){"schemes.csv", s, strlen(s)};
    src.base = (tr_import_source){"base.json", BASE, strlen(BASE)};
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    cr_expect_eq(tr_import_read_buffers(&src, &json, &err), TR_E_INPUT);
    cr_expect(has_diag(&err, "trusts.csv", 2, NULL, "NUL byte"));
    tr_error_clear(&err);
}

Test(import, line_numbers_follow_multiline_records)
{
    /* the bad cell is on line 5: records 1 and 2 span two lines each */
    expect_problem("id,notes,cash,income,expenditure\n"
                   "a,\"one\ntwo\",1,2,3\n"
                   "b,\"three\nfour\",1,2,x\n",
                   "trust,id,saving,start_month\n", NULL, BASE, "trusts.csv", 5, "expenditure",
                   "bad number \"x\"");
}

Test(import, base_problems)
{
    expect_problem(TRUSTS, SCHEMES, CONSORTIA, "{\"horizon_months\": 24,\n \"name\": 'x'}",
                   "base.json", 2, NULL, "syntax error");
    expect_problem(TRUSTS, SCHEMES, CONSORTIA, "[1]", "base.json", 0, NULL,
                   "the base must be a JSON object");
    expect_problem(TRUSTS, SCHEMES, CONSORTIA, "{\"horizon_months\": 24, \"trusts\": []}",
                   "base.json", 0, "trusts", "the base must not hold trusts");
    expect_problem(TRUSTS, SCHEMES, CONSORTIA, "{\"horizon_months\": 24, \"consortia\": []}",
                   "base.json", 0, "consortia", "consortia are given both");
    expect_problem(TRUSTS, SCHEMES, CONSORTIA, "{\"horizon_months\": 24, \"sead\": 1}", "base.json",
                   0, "sead", "did you mean \"seed\"?");
    expect_problem(TRUSTS, SCHEMES, CONSORTIA, "{\"horizon_months\": 240}", "base.json", 0,
                   "horizon_months", "must be in [1, 120]");
    expect_problem(TRUSTS, SCHEMES, CONSORTIA, NULL, NULL, 0, NULL,
                   "missing required field \"horizon_months\"; give the top-level fields in a "
                   "base config (--base BASE.json)");
    expect_problem(TRUSTS, SCHEMES, NULL, BASE, "trusts.csv", 2, "commissioners",
                   "the config declares no consortia");
}

Test(import, every_problem_is_reported_in_file_and_line_order)
{
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    tr_status st = import("id,cash,income,expenditure,cost_growth\n"
                          "gen,8,24O,252,\"beta(0.7, 0.9)\"\n"
                          "dgh,x,100,101,\n",
                          "trust,id,saving,start_month,delivery,paper\n"
                          "gen,a,6,1,\"betta(1,2)\",2\n"
                          "zzz,b,1,1,,\n",
                          "id,reserve\nnorth,-1\nsouth,1\n", BASE, &json, &err);
    dump(&err);
    cr_assert_eq(st, TR_E_INPUT);
    const struct {
        const char *file;
        int line;
        const char *col;
    } want[] = {
        {"consortia.csv", 2, "reserve"},  {"trusts.csv", 2, "income"},
        {"trusts.csv", 2, "cost_growth"}, {"trusts.csv", 3, "cash"},
        {"schemes.csv", 2, "delivery"},   {"schemes.csv", 2, "paper"},
        {"schemes.csv", 3, "trust"},
    };
    cr_assert_eq(err.count, sizeof want / sizeof want[0]);
    for (size_t k = 0; k < err.count; k++) {
        cr_expect_str_eq(err.diags[k].file, want[k].file, "problem %zu", k);
        cr_expect_eq(err.diags[k].line, want[k].line, "problem %zu", k);
        cr_expect_str_eq(err.diags[k].path, want[k].col, "problem %zu", k);
    }
    tr_error_clear(&err);
}

Test(import, missing_inputs)
{
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    cr_expect_eq(import(NULL, SCHEMES, NULL, BASE, &json, &err), TR_E_INPUT);
    cr_expect_null(json);
    tr_error_clear(&err);
    cr_expect_eq(tr_import_read_files(TR_SOURCE_DIR "/no/such.csv", CSV_DIR "/schemes.csv", NULL,
                                      NULL, &json, &err),
                 TR_E_INPUT);
    cr_expect(has_diag(&err, TR_SOURCE_DIR "/no/such.csv", 0, NULL, "cannot open"));
    tr_error_clear(&err);
    cr_expect_eq(tr_import_read_files(CSV_DIR, CSV_DIR "/schemes.csv", NULL, NULL, &json, &err),
                 TR_E_INPUT);
    cr_expect(has_diag(&err, CSV_DIR, 0, NULL, "is a directory"));
    tr_error_clear(&err);
}

/* --------------------------------------------------------------- the CLI */

static char tmpdir[256];

static void make_tmp(void)
{
    th_tmpdir(tmpdir, sizeof tmpdir, "import");
}

static void remove_tmp(void)
{
    th_remove_tree(tmpdir);
}

__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "command did not exit: %s", cmd);
    return WEXITSTATUS(st);
}

TestSuite(import_cli, .init = make_tmp, .fini = remove_tmp);

Test(import_cli, bundled_csvs_then_run)
{
    int rc = sh("'%s' import --trusts '%s/trusts.csv' --schemes '%s/schemes.csv' --consortia "
                "'%s/consortia.csv' --base '%s/base.json' >'%s/cfg.json' 2>'%s/err'",
                TR_BINARY, CSV_DIR, CSV_DIR, CSV_DIR, CSV_DIR, tmpdir, tmpdir);
    char path[512];
    snprintf(path, sizeof path, "%s/err", tmpdir);
    char *err = th_read_ok(path);
    cr_expect_eq(rc, 0, "stderr: %s", err);
    cr_expect_str_eq(err, "");
    free(err);
    snprintf(path, sizeof path, "%s/cfg.json", tmpdir);
    char *out = th_read_ok(path), *lib = import_bundled();
    cr_expect_str_eq(out, lib, "the command prints what the library returns");
    free(out);
    free(lib);
    /* the imported config runs, and gives the bundled config's results */
    rc = sh("'%s' run '%s/cfg.json' --paths 1024 --quiet --out '%s/a' >/dev/null && "
            "'%s' run '%s/configs/peterborough-stamford.json' --paths 1024 --quiet --out '%s/b' "
            ">/dev/null && cmp -s '%s/a/results.json' '%s/b/results.json'",
            TR_BINARY, tmpdir, tmpdir, TR_BINARY, TR_SOURCE_DIR, tmpdir, tmpdir, tmpdir);
    cr_expect_eq(rc, 0, "results.json of the imported config differs from the bundled one's");
}

Test(import_cli, problems_go_to_stderr_with_exit_2)
{
    char t[512], s[512], b[512];
    snprintf(t, sizeof t, "%s/t.csv", tmpdir);
    snprintf(s, sizeof s, "%s/s.csv", tmpdir);
    snprintf(b, sizeof b, "%s/b.json", tmpdir);
    th_write(t, "id,cash,income,expenditure\ngen,8,240,252\n");
    th_write(s, "trust,id,saving,start_month,delivery\ngen,a,6,1,beta(0.7)\ngen,b,1,0,\n");
    th_write(b, BASE);
    int rc = sh("cd '%s' && '%s' import --trusts t.csv --schemes s.csv --base b.json >out 2>err",
                tmpdir, TR_BINARY);
    cr_expect_eq(rc, 2);
    char path[512];
    snprintf(path, sizeof path, "%s/out", tmpdir);
    char *out = th_read_ok(path);
    cr_expect_str_eq(out, "", "nothing on stdout when the import fails");
    free(out);
    snprintf(path, sizeof path, "%s/err", tmpdir);
    char *err = th_read_ok(path);
    cr_expect(strstr(err, "import: rejected (2 problems)"), "%s", err);
    cr_expect(strstr(err, "s.csv:2: delivery: beta takes 2 to 4 numbers, got 1"), "%s", err);
    cr_expect(strstr(err, "s.csv:3: start_month: must be in [1, 1200] (got 0)"), "%s", err);
    free(err);
}

Test(import_cli, arguments)
{
    cr_expect_eq(sh("'%s' import --trusts x.csv >/dev/null 2>&1", TR_BINARY), 2);
    cr_expect_eq(sh("'%s' import --trusts x.csv --schemes >/dev/null 2>&1", TR_BINARY), 2);
    cr_expect_eq(
        sh("'%s' import --trusts --schemes s.csv 2>&1 | grep -q 'got the option'", TR_BINARY), 0);
    cr_expect_eq(sh("'%s' import --trusts a --schemes b --colour c >/dev/null 2>&1", TR_BINARY), 2);
    /* a repeated option would silently replace the first file */
    cr_expect_eq(sh("'%s' import --trusts a --schemes b --base x --base y 2>&1 | grep -q "
                    "\"'--base' given twice ('x', then 'y')\"",
                    TR_BINARY),
                 0);
    cr_expect_eq(sh("cd '%s' && '%s' import --trusts none.csv --schemes none.csv >/dev/null 2>err",
                    tmpdir, TR_BINARY),
                 2);
    char path[512];
    snprintf(path, sizeof path, "%s/err", tmpdir);
    char *err = th_read_ok(path);
    cr_expect(strstr(err, "none.csv: cannot open"), "%s", err);
    free(err);
    cr_expect_eq(sh("'%s' import --help | grep -q -- '--consortia C.csv'", TR_BINARY), 0);
    cr_expect_eq(sh("'%s' --help | grep -q '^  import '", TR_BINARY), 0);
}

Test(import, a_config_too_large_to_load)
{
    /* one note of 65 MiB makes a config over TR_CONFIG_MAX_BYTES */
    size_t n = TR_CONFIG_MAX_BYTES + (1u << 20);
    const char *head = "id,cash,income,expenditure,notes\ngen,8,240,252,";
    char *t = malloc(strlen(head) + n + 2);
    cr_assert_not_null(t);
    strcpy(t, head);
    memset(t + strlen(head), 'x', n);
    strcpy(t + strlen(head) + n, "\n");
    expect_problem(t, "trust,id,saving,start_month\n", NULL, BASE, NULL, 0, NULL,
                   "the config built from these files is too large to load (");
    free(t);
}
