/*
 * xlsx.c - Excel workbooks of a run's results (xlsx.h), with libxlsxwriter.
 *
 * The workbook is a reader's view of results.json: every number in it is a
 * number of results.json (or, where said, a sum of them), written as a
 * number cell with a display format, so that Excel computes with the exact
 * values while showing 12.3 % or 45.6. Trusts are ranked as the report
 * ranks them (probability of failure, then expected bail-out, then the
 * config's order), on every sheet. Long sheets stop at Excel's limits of
 * 1,048,576 rows and 16,384 columns, saying so; the CSV files hold all.
 *
 * Charts are Excel's own (they reference the cells, so they redraw when an
 * analyst edits a number): failure curves of the trusts most at risk, the
 * expected number of trusts failed by month, the exceedance curves of the
 * total bail-out and the national top-up, and a tornado of the schemes
 * whose shortfall drives failure (cli_xlsx_tornado, which other commands
 * use for their own tornado charts).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "xlsx.h"

#ifndef TR_HAVE_XLSX

int cli_xlsx_supported(void)
{
    return 0;
}

static tr_status unsupported(tr_error *err)
{
    return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0, "%s", CLI_XLSX_UNSUPPORTED);
}

tr_status cli_xlsx_open(const char *path, cli_xlsx **out, tr_error *err)
{
    (void)path;
    *out = NULL;
    return unsupported(err);
}

tr_status cli_xlsx_results(cli_xlsx *x, const char *json, const cli_run_facts *facts, tr_error *err)
{
    (void)x, (void)json, (void)facts;
    return unsupported(err);
}

tr_status cli_xlsx_tornado(cli_xlsx *x, const char *sheet, const char *title,
                           const char *value_axis, const char *low_name, const char *high_name,
                           int percent, const cli_xlsx_bar *bars, size_t n, tr_error *err)
{
    (void)x, (void)sheet, (void)title, (void)value_axis, (void)low_name, (void)high_name;
    (void)percent, (void)bars, (void)n;
    return unsupported(err);
}

tr_status cli_xlsx_close(cli_xlsx *x, int keep, tr_error *err)
{
    (void)x, (void)keep, (void)err;
    return TR_OK;
}

tr_status cli_xlsx_write(const char *path, const char *json, const cli_run_facts *facts,
                         tr_error *err)
{
    (void)path, (void)json, (void)facts;
    return unsupported(err);
}

#else /* TR_HAVE_XLSX */

#include <cjson/cJSON.h>
#include <xlsxwriter.h>

/* Lines on a chart of many trusts: the most at risk. */
#define CHART_LINES 10
/* Bars of the schemes' tornado chart. */
#define TORNADO_SCHEMES 15
/* Excel's longest text cell, in bytes here (cut at a character boundary). */
#define CELL_MAX 32767
/* Data rows a sheet may hold below its header row, and columns. */
#define ROWS_MAX ((size_t)LXW_ROW_MAX - 2)
#define COLS_MAX ((size_t)LXW_COL_MAX)

int cli_xlsx_supported(void)
{
    return 1;
}

/* The formats every sheet uses. */
typedef struct formats {
    lxw_format *title, *head, *label, *note, *wrap;
    lxw_format *pct, *pct2, *money, *money2, *month, *count, *dec2, *when;
    /* the Summary's values, aligned left as its texts */
    lxw_format *s_pct, *s_money, *s_count, *s_int, *s_dec2, *s_secs, *s_when, *s_text;
} formats;

/* A sheet this workbook made, and the first row below what it holds. */
typedef struct sheet {
    lxw_worksheet *ws;
    char name[4 * LXW_SHEETNAME_MAX + 1];
    lxw_row_t next;
} sheet;

struct cli_xlsx {
    lxw_workbook *wb;
    char *path;
    formats f;
    sheet *sheets;
    size_t n_sheets;
    int tornados;           /* tornado charts made so far */
    lxw_error failed;       /* the first libxlsxwriter error, or LXW_NO_ERROR */
    char failed_at[64];     /* what was being written then */
    int nomem;              /* an allocation failed */
    int reported;           /* the error above is in the caller's tr_error already */
    char *title, *comments; /* the document's properties, kept until it is written */
};

/* Record the first error of libxlsxwriter; later writes are harmless. */
static void check(cli_xlsx *x, lxw_error e, const char *what)
{
    if (e != LXW_NO_ERROR && x->failed == LXW_NO_ERROR) {
        x->failed = e;
        snprintf(x->failed_at, sizeof x->failed_at, "%s", what);
    }
}

/* ---- cells --------------------------------------------------------------- */

/* The length of `s` cut to at most `max` bytes without splitting a UTF-8 character. */
static size_t utf8_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void put_str(cli_xlsx *x, lxw_worksheet *ws, size_t row, size_t col, const char *s,
                    lxw_format *fmt)
{
    if (s == NULL || row >= LXW_ROW_MAX || col >= LXW_COL_MAX) return;
    size_t n = utf8_cut(s, CELL_MAX);
    if (s[n] == '\0') {
        check(x, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, fmt), "a text cell");
        return;
    }
    char *cut = strndup(s, n);
    if (cut == NULL) {
        x->nomem = 1;
        return;
    }
    check(x, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, cut, fmt), "a text cell");
    free(cut);
}

/* A number cell; nothing for an undefined quantity (null in results.json). */
static void put_num(cli_xlsx *x, lxw_worksheet *ws, size_t row, size_t col, double v,
                    lxw_format *fmt)
{
    if (!isfinite(v) || row >= LXW_ROW_MAX || col >= LXW_COL_MAX) return;
    check(x, worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, fmt), "a number cell");
}

/* A header row: the texts of `heads`, from column 0. */
static void put_head(cli_xlsx *x, lxw_worksheet *ws, size_t row, const char *const *heads, size_t n)
{
    for (size_t c = 0; c < n; c++)
        put_str(x, ws, row, c, heads[c], x->f.head);
    check(x, worksheet_set_row(ws, (lxw_row_t)row, 30, NULL), "a row"); /* two lines */
}

/* Column widths, in characters, from column 0. */
static void widths(cli_xlsx *x, lxw_worksheet *ws, const double *w, size_t n)
{
    for (size_t c = 0; c < n; c++)
        check(x, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w[c], NULL), "a column");
}

/* Printing: landscape, the header rows on every page, and (`fit`) the
 * columns on one page's width. */
static void print_setup(cli_xlsx *x, lxw_worksheet *ws, lxw_row_t head_rows, int fit)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    if (head_rows > 0) check(x, worksheet_repeat_rows(ws, 0, head_rows - 1), "the print titles");
    if (fit) worksheet_fit_to_pages(ws, 1, 0);
}

/* A note under a table that stopped at Excel's limit. */
static void put_cut(cli_xlsx *x, lxw_worksheet *ws, size_t row, size_t shown, size_t all,
                    const char *what, const char *csv)
{
    char s[200];
    snprintf(s, sizeof s, "Excel holds no more: %zu of the %zu %s are here; all are in %s.", shown,
             all, what, csv);
    put_str(x, ws, row < LXW_ROW_MAX ? row : LXW_ROW_MAX - 1, 0, s, x->f.note);
}

/* ---- results.json -------------------------------------------------------- */

static const cJSON *jget(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* A number, NAN for null or missing. */
static double jnum(const cJSON *o, const char *key)
{
    const cJSON *v = jget(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = jget(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int jlen(const cJSON *a)
{
    return cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
}

static double jat(const cJSON *a, int i)
{
    const cJSON *v = cJSON_IsArray(a) ? cJSON_GetArrayItem(a, i) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A DIST's quantile ("0.99") or expected shortfall. */
static double jq(const cJSON *dist, const char *level)
{
    return jnum(jget(dist, "quantiles"), level);
}

static double jes(const cJSON *dist, const char *level)
{
    return jnum(jget(dist, "es"), level);
}

/* A trust's or consortium's name, else its id. */
static const char *name_of(const cJSON *o)
{
    const char *s = jstr(o, "name");
    return s && *s ? s : jstr(o, "id");
}

/* The nine columns of a DIST, as the CSV files have them. */
static const char *const dist_q[] = {"0.5", "0.9", "0.95", "0.99", "0.995"};
static const char *const dist_es[] = {"0.95", "0.99"};

/* ---- ranking ------------------------------------------------------------- */

typedef struct ranked {
    const cJSON *t;
    double p, bo;
    int index;
} ranked;

static double nz(double v)
{
    return isnan(v) ? -1.0 : v;
}

/* Most at risk first, as the report: P(fail), then E[bail-out], then order. */
static int by_risk(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->p != y->p) return x->p > y->p ? -1 : 1;
    if (x->bo != y->bo) return x->bo > y->bo ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* What the sheets share: the parsed results and the trusts ranked. */
typedef struct run {
    const cJSON *root, *trusts, *consortia, *system;
    ranked *rk;
    size_t nt, nc;
    int horizon;
    double paths;
} run;

/* ---- sheets -------------------------------------------------------------- */

/* A name Excel accepts: none of []:*?/\, no apostrophe at either end, at
 * most 31 characters. */
static void sheet_name(const char *want, char *out, size_t size)
{
    size_t o = 0, chars = 0;
    for (const char *p = want ? want : ""; *p && o + 1 < size; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c & 0xC0) != 0x80 && chars++ == LXW_SHEETNAME_MAX) break;
        out[o++] = c < 0x20 || strchr("[]:*?/\\", c) ? '_' : (char)c;
    }
    out[o] = '\0';
    if (out[0] == '\'') out[0] = '_';
    if (o > 0 && out[o - 1] == '\'') out[o - 1] = '_';
    if (o == 0) snprintf(out, size, "Sheet");
}

/* The sheet named `want`, made when the workbook has none (Excel compares
 * names without case). NULL when it cannot be made. */
static sheet *get_sheet(cli_xlsx *x, const char *want)
{
    char name[sizeof x->sheets[0].name];
    sheet_name(want, name, sizeof name);
    for (size_t k = 0; k < x->n_sheets; k++)
        if (strcasecmp(x->sheets[k].name, name) == 0) return &x->sheets[k];
    if (x->n_sheets >= 255) return NULL;
    sheet *grown = realloc(x->sheets, (x->n_sheets + 1) * sizeof *grown);
    if (grown == NULL) {
        x->nomem = 1;
        return NULL;
    }
    x->sheets = grown;
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);
    if (ws == NULL) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a sheet");
        return NULL;
    }
    sheet *s = &x->sheets[x->n_sheets++];
    s->ws = ws;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->next = 0;
    return s;
}

/* A sheet of one table: its header row and column widths. NULL when it
 * cannot be made (the error is kept). */
static lxw_worksheet *table_begin(cli_xlsx *x, const char *name, const char *const *heads,
                                  const double *w, size_t n)
{
    sheet *s = get_sheet(x, name);
    if (s == NULL) return NULL;
    put_head(x, s->ws, 0, heads, n);
    widths(x, s->ws, w, n);
    return s->ws;
}

/* A table's end: the header row and `frozen` columns stay in view, a
 * filter on every column down to `last_row`, printed on pages as wide as
 * the table. */
static void table_end(cli_xlsx *x, lxw_worksheet *ws, size_t last_row, size_t ncols,
                      lxw_col_t frozen)
{
    worksheet_freeze_panes(ws, 1, frozen);
    check(x, worksheet_autofilter(ws, 0, 0, (lxw_row_t)last_row, (lxw_col_t)(ncols - 1)),
          "a filter");
    print_setup(x, ws, 1, 1);
}

/* A chart of `type` with a title and the style of every chart here. */
static lxw_chart *new_chart(cli_xlsx *x, uint8_t type, const char *title, const char *x_title,
                            const char *y_title)
{
    lxw_chart *c = workbook_add_chart(x->wb, type);
    if (c == NULL) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a chart");
        return NULL;
    }
    chart_title_set_name(c, title);
    lxw_chart_font tf = {.size = 12, .bold = LXW_EXPLICIT_FALSE};
    chart_title_set_name_font(c, &tf);
    if (x_title) chart_axis_set_name(c->x_axis, x_title);
    if (y_title) chart_axis_set_name(c->y_axis, y_title);
    lxw_chart_font af = {.size = 9, .bold = LXW_EXPLICIT_FALSE};
    chart_axis_set_name_font(c->x_axis, &af);
    chart_axis_set_name_font(c->y_axis, &af);
    chart_legend_set_position(c, LXW_CHART_LEGEND_BOTTOM);
    return c;
}

static void insert_chart(cli_xlsx *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, int x_offset,
                         lxw_chart *c, double width, double height, const char *description)
{
    if (c == NULL) return;
    if (STAILQ_EMPTY(c->series_list)) { /* nothing to draw: no trust failed, say */
        check(x,
              worksheet_write_string(ws, row, col, "(no chart: nothing to draw on these paths)",
                                     NULL),
              "a note");
        return;
    }
    lxw_chart_options o = {.x_offset = x_offset,
                           .x_scale = width / 480.0,
                           .y_scale = height / 288.0,
                           .description = (char *)description};
    check(x, worksheet_insert_chart_opt(ws, row, col, c, &o), "a chart");
}

/* Ten distinct colours for lines, as the report's. */
static const lxw_color_t palette[10] = {0x1F77B4, 0xD62728, 0x2CA02C, 0xFF7F0E, 0x9467BD,
                                        0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF};

static void line_style(lxw_chart_series *s, int k)
{
    if (s == NULL) return;
    lxw_chart_line l = {.color = palette[k % 10], .width = 1.75};
    chart_series_set_line(s, &l);
}

/* ---- Summary ------------------------------------------------------------- */

/* A label and a text value on the next row. */
static void kv_str(cli_xlsx *x, lxw_worksheet *ws, lxw_row_t *row, const char *label,
                   const char *value)
{
    put_str(x, ws, *row, 0, label, x->f.label);
    put_str(x, ws, *row, 1, value, x->f.s_text);
    (*row)++;
}

static void kv_num(cli_xlsx *x, lxw_worksheet *ws, lxw_row_t *row, const char *label, double v,
                   lxw_format *fmt)
{
    put_str(x, ws, *row, 0, label, x->f.label);
    put_num(x, ws, *row, 1, v, fmt);
    (*row)++;
}

static void provenance(cli_xlsx *x, const run *r, const cli_run_facts *facts, lxw_worksheet *ws,
                       lxw_row_t *row)
{
    const cJSON *cfg = jget(r->root, "config"), *eng = jget(r->root, "engine");
    put_str(x, ws, (*row)++, 0, "Provenance", x->f.title);
    kv_str(x, ws, row, "trustrisk version", tr_version());
    const char *ev = jstr(eng, "version");
    if (ev && strcmp(ev, tr_version()) != 0)
        kv_str(x, ws, row, "Engine version of the results", ev);
    kv_str(x, ws, row, "Config", jstr(cfg, "name"));
    if (facts && facts->config_file) {
        kv_str(x, ws, row, "Config file", facts->config_file);
    } else if (facts && facts->manifest_file) { /* a batch's scenario */
        kv_str(x, ws, row, "Batch manifest", facts->manifest_file);
        kv_str(x, ws, row, "Scenario", facts->scenario);
    } else if (facts && facts->merged > 0) {
        char s[96];
        snprintf(s, sizeof s, "none: merged from %zu shard states", facts->merged);
        kv_str(x, ws, row, "Config file", s);
    }
    kv_str(x, ws, row, "Config SHA-256 (canonical form)", jstr(cfg, "sha256"));
    kv_num(x, ws, row, "Seed", jnum(r->root, "seed"), x->f.s_int);
    kv_num(x, ws, row, "Paths", r->paths, x->f.s_count);
    double first = jnum(r->root, "first_path");
    if (isfinite(first)) kv_num(x, ws, row, "First path", first, x->f.s_count);
    kv_num(x, ws, row, "Horizon, months", r->horizon, x->f.s_count);
    kv_str(x, ws, row, "Copula", jstr(r->root, "copula"));
    const cJSON *sm = cJSON_GetObjectItemCaseSensitive(r->root, "sampling");
    if (sm) {
        kv_str(x, ws, row, "Sampling",
               "importance sampled: every figure weighted by each path's likelihood ratio");
        kv_num(x, ws, row, "Effective sample size", jnum(sm, "effective_sample_size"),
               x->f.s_count);
    }
    time_t now = time(NULL);
    struct tm tmv;
    if (gmtime_r(&now, &tmv)) {
        lxw_datetime dt = {tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                           tmv.tm_hour,        tmv.tm_min,     tmv.tm_sec};
        put_str(x, ws, *row, 0, "Written (UTC)", x->f.label);
        check(x, worksheet_write_datetime(ws, *row, 1, &dt, x->f.s_when), "the date");
        (*row)++;
    }
    if (facts && facts->threads > 0) kv_num(x, ws, row, "Threads", facts->threads, x->f.s_count);
    if (facts && isfinite(facts->seconds))
        kv_num(x, ws, row, "Simulation, seconds", facts->seconds, x->f.s_secs);
    if (facts && facts->mpi_ranks > 0)
        kv_num(x, ws, row, "MPI processes", facts->mpi_ranks, x->f.s_count);
    if (facts && facts->resumed) kv_str(x, ws, row, "Resumed", "yes, from a checkpoint");
    for (size_t k = 0; facts && k < facts->merged; k++)
        kv_str(x, ws, row, k == 0 ? "Merged from" : "", facts->merged_files[k]);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) == 0 && host[0]) kv_str(x, ws, row, "Host", host);
}

static void headline(cli_xlsx *x, const run *r, lxw_worksheet *ws, lxw_row_t *row)
{
    const cJSON *fl = jget(r->system, "failures");
    const cJSON *bo = jget(r->system, "bailout"), *top = jget(r->system, "national_topup");
    put_str(x, ws, (*row)++, 0, "Headline (money in £m over the horizon)", x->f.title);
    kv_num(x, ws, row, "Trusts", (double)r->nt, x->f.s_count);
    kv_num(x, ws, row, "Consortia", (double)r->nc, x->f.s_count);
    kv_num(x, ws, row, "Expected number of trusts failing", jnum(fl, "mean"), x->f.s_dec2);
    double p0 = jat(jget(fl, "distribution"), 0);
    kv_num(x, ws, row, "Probability that at least one trust fails", 1.0 - p0, x->f.s_pct);
    if (r->nt > 0) {
        kv_str(x, ws, row, "Trust most at risk", name_of(r->rk[0].t));
        kv_num(x, ws, row, "... its probability of failure", r->rk[0].p, x->f.s_pct);
    }
    kv_num(x, ws, row, "Expected total bail-out", jnum(bo, "mean"), x->f.s_money);
    kv_num(x, ws, row, "Total bail-out exceeded on 1 path in 100", jq(bo, "0.99"), x->f.s_money);
    kv_num(x, ws, row, "Expected shortfall 99 % of the total bail-out", jes(bo, "0.99"),
           x->f.s_money);
    kv_num(x, ws, row, "Expected national top-up", jnum(top, "mean"), x->f.s_money);
    kv_num(x, ws, row, "National top-up exceeded on 1 path in 100", jq(top, "0.99"), x->f.s_money);
}

/* ---- Trusts -------------------------------------------------------------- */

static void sheet_trusts(cli_xlsx *x, const run *r)
{
    static const char *const heads[] = {"Rank",
                                        "Trust id",
                                        "Trust",
                                        "P(fail)",
                                        "P(fail) se",
                                        "P(fail) 95% low",
                                        "P(fail) 95% high",
                                        "Mean month of first failure",
                                        "E[bail-out] £m",
                                        "Bail-out se £m",
                                        "Bail-out median £m",
                                        "Bail-out 90% £m",
                                        "Bail-out 95% £m",
                                        "Bail-out 99% £m",
                                        "Bail-out 99.5% £m",
                                        "Bail-out ES 95% £m",
                                        "Bail-out ES 99% £m"};
    static const double w[] = {6, 18, 40, 9, 9, 10, 10, 12, 11, 10, 11, 11, 11, 11, 11, 11, 11};
    size_t nh = sizeof heads / sizeof *heads;
    lxw_worksheet *ws = table_begin(x, "Trusts", heads, w, nh);
    if (ws == NULL) return;
    size_t n = r->nt < ROWS_MAX ? r->nt : ROWS_MAX;
    for (size_t i = 0; i < n; i++) {
        const cJSON *t = r->rk[i].t, *p = jget(t, "p_fail"), *bo = jget(t, "bailout");
        size_t row = i + 1, c = 0;
        put_num(x, ws, row, c++, (double)(i + 1), x->f.count);
        put_str(x, ws, row, c++, jstr(t, "id"), NULL);
        put_str(x, ws, row, c++, jstr(t, "name"), NULL);
        put_num(x, ws, row, c++, jnum(p, "estimate"), x->f.pct);
        put_num(x, ws, row, c++, jnum(p, "se"), x->f.pct2);
        put_num(x, ws, row, c++, jat(jget(p, "ci95"), 0), x->f.pct);
        put_num(x, ws, row, c++, jat(jget(p, "ci95"), 1), x->f.pct);
        put_num(x, ws, row, c++, jnum(t, "failure_month_mean"), x->f.month);
        put_num(x, ws, row, c++, jnum(bo, "mean"), x->f.money);
        put_num(x, ws, row, c++, jnum(bo, "se"), x->f.money2);
        for (size_t q = 0; q < sizeof dist_q / sizeof *dist_q; q++)
            put_num(x, ws, row, c++, jq(bo, dist_q[q]), x->f.money);
        for (size_t q = 0; q < sizeof dist_es / sizeof *dist_es; q++)
            put_num(x, ws, row, c++, jes(bo, dist_es[q]), x->f.money);
    }
    if (n < r->nt) put_cut(x, ws, n + 1, n, r->nt, "trusts", "trusts.csv");
    table_end(x, ws, n, nh, 3);
}

/* ---- Consortia ----------------------------------------------------------- */

static void sheet_consortia(cli_xlsx *x, const run *r)
{
    static const char *const heads[] = {"Consortium id",
                                        "Consortium",
                                        "Reserve £m",
                                        "P(reserve exhausted)",
                                        "P(exhausted) se",
                                        "P(exhausted) 95% low",
                                        "P(exhausted) 95% high",
                                        "E[requested] £m",
                                        "Requested 99% £m",
                                        "E[paid] £m",
                                        "Paid 99% £m",
                                        "E[national top-up] £m",
                                        "National top-up se £m",
                                        "National top-up 95% £m",
                                        "National top-up 99% £m",
                                        "National top-up ES 99% £m"};
    static const double w[] = {18, 36, 10, 11, 10, 11, 11, 11, 11, 10, 10, 11, 11, 11, 11, 11};
    size_t nh = sizeof heads / sizeof *heads;
    lxw_worksheet *ws = table_begin(x, "Consortia", heads, w, nh);
    if (ws == NULL) return;
    if (r->nc == 0) {
        put_str(x, ws, 1, 0, "This config has no consortia: every bail-out is national.",
                x->f.note);
        return;
    }
    size_t n = r->nc < ROWS_MAX ? r->nc : ROWS_MAX;
    for (size_t i = 0; i < n; i++) {
        const cJSON *k = cJSON_GetArrayItem(r->consortia, (int)i);
        const cJSON *p = jget(k, "p_exhausted"), *req = jget(k, "requested");
        const cJSON *paid = jget(k, "paid"), *top = jget(k, "national_topup");
        size_t row = i + 1, c = 0;
        put_str(x, ws, row, c++, jstr(k, "id"), NULL);
        put_str(x, ws, row, c++, jstr(k, "name"), NULL);
        put_num(x, ws, row, c++, jnum(k, "reserve"), x->f.money);
        put_num(x, ws, row, c++, jnum(p, "estimate"), x->f.pct);
        put_num(x, ws, row, c++, jnum(p, "se"), x->f.pct2);
        put_num(x, ws, row, c++, jat(jget(p, "ci95"), 0), x->f.pct);
        put_num(x, ws, row, c++, jat(jget(p, "ci95"), 1), x->f.pct);
        put_num(x, ws, row, c++, jnum(req, "mean"), x->f.money);
        put_num(x, ws, row, c++, jq(req, "0.99"), x->f.money);
        put_num(x, ws, row, c++, jnum(paid, "mean"), x->f.money);
        put_num(x, ws, row, c++, jq(paid, "0.99"), x->f.money);
        put_num(x, ws, row, c++, jnum(top, "mean"), x->f.money);
        put_num(x, ws, row, c++, jnum(top, "se"), x->f.money2);
        put_num(x, ws, row, c++, jq(top, "0.95"), x->f.money);
        put_num(x, ws, row, c++, jq(top, "0.99"), x->f.money);
        put_num(x, ws, row, c++, jes(top, "0.99"), x->f.money);
    }
    if (n < r->nc) put_cut(x, ws, n + 1, n, r->nc, "consortia", "consortia.csv");
    table_end(x, ws, n, nh, 2);
}

/* ---- Failure curves ------------------------------------------------------ */

/* Month by month: the expected number of trusts failed by then (the sum of
 * the trusts' curves: an expectation adds up), then each trust's curve,
 * most at risk first; ids on the first header row, names on the second.
 * Returns the number of trust columns. */
static size_t sheet_curves(cli_xlsx *x, const run *r)
{
    sheet *s = get_sheet(x, "Failure curves");
    if (s == NULL) return 0;
    lxw_worksheet *ws = s->ws;
    size_t n = r->nt < COLS_MAX - 2 ? r->nt : COLS_MAX - 2;
    put_str(x, ws, 0, 0, "Month", x->f.head);
    put_str(x, ws, 0, 1, "All trusts", x->f.head);
    put_str(x, ws, 1, 0, "", x->f.head);
    put_str(x, ws, 1, 1, "Expected number failed by month", x->f.head);
    for (size_t i = 0; i < n; i++) {
        put_str(x, ws, 0, i + 2, jstr(r->rk[i].t, "id"), x->f.head);
        put_str(x, ws, 1, i + 2, name_of(r->rk[i].t), x->f.head);
    }
    for (int m = 0; m < r->horizon; m++) {
        size_t row = (size_t)m + 2;
        double sum = 0;
        put_num(x, ws, row, 0, m + 1, x->f.count);
        for (size_t i = 0; i < r->nt; i++) {
            double v = jat(jget(r->rk[i].t, "failure_curve"), m);
            if (isfinite(v)) sum += v;
            if (i < n) put_num(x, ws, row, i + 2, v, x->f.pct);
        }
        put_num(x, ws, row, 1, sum, x->f.dec2);
    }
    if (n < r->nt) put_cut(x, ws, (size_t)r->horizon + 3, n, r->nt, "trusts", "failure_curves.csv");
    check(x, worksheet_set_column(ws, 0, 0, 7, NULL), "a column");
    check(x, worksheet_set_column(ws, 1, 1, 16, NULL), "a column");
    if (n > 0) check(x, worksheet_set_column(ws, 2, (lxw_col_t)(n + 1), 14, NULL), "a column");
    check(x, worksheet_set_row(ws, 1, 45, NULL), "a row");
    worksheet_freeze_panes(ws, 2, 2);
    print_setup(x, ws, 2, 0);
    return n;
}

/* ---- Cash bands ---------------------------------------------------------- */

static void sheet_bands(cli_xlsx *x, const run *r)
{
    static const char *const heads[] = {
        "Rank",         "Trust id",       "Month",        "Cash 5th percentile £m",
        "Cash 25th £m", "Cash median £m", "Cash 75th £m", "Cash 95th percentile £m"};
    static const char *const keys[] = {"p5", "p25", "p50", "p75", "p95"};
    static const double w[] = {6, 18, 7, 12, 11, 11, 11, 12};
    size_t nh = sizeof heads / sizeof *heads;
    lxw_worksheet *ws = table_begin(x, "Cash bands", heads, w, nh);
    if (ws == NULL) return;
    size_t row = 1, all = r->nt * (size_t)r->horizon;
    for (size_t i = 0; i < r->nt && row <= ROWS_MAX; i++) {
        const cJSON *bands = jget(r->rk[i].t, "cash_bands");
        for (int m = 0; m < r->horizon && row <= ROWS_MAX; m++, row++) {
            put_num(x, ws, row, 0, (double)(i + 1), x->f.count);
            put_str(x, ws, row, 1, jstr(r->rk[i].t, "id"), NULL);
            put_num(x, ws, row, 2, m + 1, x->f.count);
            for (size_t q = 0; q < 5; q++)
                put_num(x, ws, row, 3 + q, jat(jget(bands, keys[q]), m), x->f.money);
        }
    }
    if (row - 1 < all) put_cut(x, ws, row, row - 1, all, "rows", "failure_curves.csv");
    table_end(x, ws, row - 1, nh, 3);
}

/* ---- Schemes ------------------------------------------------------------- */

static void sheet_schemes(cli_xlsx *x, const run *r)
{
    static const char *const heads[] = {"Trust rank",
                                        "Trust id",
                                        "Scheme id",
                                        "Scheme",
                                        "Planned £m",
                                        "Mean shortfall, all paths £m",
                                        "Mean shortfall when the trust fails £m",
                                        "Difference £m"};
    static const double w[] = {7, 18, 22, 40, 10, 13, 15, 11};
    size_t nh = sizeof heads / sizeof *heads;
    lxw_worksheet *ws = table_begin(x, "Schemes", heads, w, nh);
    if (ws == NULL) return;
    size_t row = 1, all = 0;
    for (size_t i = 0; i < r->nt; i++) {
        const cJSON *sc;
        cJSON_ArrayForEach(sc, jget(r->rk[i].t, "schemes"))
        {
            all++;
            if (row > ROWS_MAX) continue;
            double a = jnum(sc, "shortfall_mean"), g = jnum(sc, "shortfall_mean_given_fail");
            put_num(x, ws, row, 0, (double)(i + 1), x->f.count);
            put_str(x, ws, row, 1, jstr(r->rk[i].t, "id"), NULL);
            put_str(x, ws, row, 2, jstr(sc, "id"), NULL);
            put_str(x, ws, row, 3, jstr(sc, "name"), NULL);
            put_num(x, ws, row, 4, jnum(sc, "planned"), x->f.money);
            put_num(x, ws, row, 5, a, x->f.money);
            put_num(x, ws, row, 6, g, x->f.money);
            put_num(x, ws, row, 7, g - a, x->f.money);
            row++;
        }
    }
    if (row - 1 < all) put_cut(x, ws, row, row - 1, all, "schemes", "schemes.csv");
    table_end(x, ws, row - 1, nh, 3);
}

/* ---- Exceedance ---------------------------------------------------------- */

/* Where a curve's rows are, for a chart: the first row and the rows with a
 * positive probability (drawn; a log axis has no room for 0). */
typedef struct curve_rows {
    lxw_row_t first, last;
    int drawn;
} curve_rows;

/* One DIST's exceedance curve as rows (what, id, x, P(value > x)). */
static curve_rows put_curve(cli_xlsx *x, lxw_worksheet *ws, size_t *row, const char *what,
                            const char *id, const cJSON *dist)
{
    curve_rows cr = {0, 0, 0};
    const cJSON *ex = jget(dist, "exceedance");
    const cJSON *xs = jget(ex, "x"), *ps = jget(ex, "p");
    int n = jlen(xs) < jlen(ps) ? jlen(xs) : jlen(ps);
    for (int i = 0; i < n && *row <= ROWS_MAX; i++, (*row)++) {
        double p = jat(ps, i);
        put_str(x, ws, *row, 0, what, NULL);
        put_str(x, ws, *row, 1, id, NULL);
        put_num(x, ws, *row, 2, jat(xs, i), x->f.money);
        put_num(x, ws, *row, 3, p, x->f.pct2);
        if (p > 0) {
            if (!cr.drawn) cr.first = (lxw_row_t)*row;
            cr.last = (lxw_row_t)*row;
            cr.drawn = 1;
        }
    }
    return cr;
}

/* Curves of the total bail-out and national top-up (returned for the chart),
 * then each consortium's requests and each trust's bail-out. */
static void sheet_exceedance(cli_xlsx *x, const run *r, curve_rows sys[2])
{
    static const char *const heads[] = {"Curve", "Id", "Amount x £m", "P(amount > x)"};
    static const double w[] = {34, 18, 12, 13};
    lxw_worksheet *ws = table_begin(x, "Exceedance", heads, w, 4);
    if (ws == NULL) return;
    size_t row = 1;
    sys[0] = put_curve(x, ws, &row, "Total bail-out, all trusts", "", jget(r->system, "bailout"));
    sys[1] = put_curve(x, ws, &row, "National top-up", "", jget(r->system, "national_topup"));
    for (size_t i = 0; i < r->nc; i++) {
        const cJSON *k = cJSON_GetArrayItem(r->consortia, (int)i);
        put_curve(x, ws, &row, "Requested from the consortium", jstr(k, "id"),
                  jget(k, "requested"));
    }
    for (size_t i = 0; i < r->nt; i++)
        put_curve(x, ws, &row, "Bail-out of the trust", jstr(r->rk[i].t, "id"),
                  jget(r->rk[i].t, "bailout"));
    if (row > ROWS_MAX) put_cut(x, ws, row, row - 1, row - 1, "rows (or more)", "results.json");
    table_end(x, ws, row - 1, 4, 0);
}

/* ---- charts on the Summary sheet ----------------------------------------- */

/* The Summary's charts, one below the other right of its text; a chart and
 * the gap below it take CHART_ROWS rows of 20 pixels. */
#define CHART_W 620.0
#define CHART_H 330.0
#define CHART_ROWS 18

static void charts(cli_xlsx *x, const run *r, lxw_worksheet *ws, size_t curve_cols,
                   const curve_rows sys[2])
{
    const char *fc = "Failure curves";
    lxw_row_t last = (lxw_row_t)(r->horizon + 1);
    size_t k = curve_cols < CHART_LINES ? curve_cols : CHART_LINES;
    /* 1. failure curves of the trusts most at risk */
    lxw_chart *c = new_chart(x, LXW_CHART_LINE, "Failure curves of the trusts most at risk",
                             "month", "P(failed by month t)");
    for (size_t i = 0; c && i < k; i++) {
        lxw_chart_series *s = chart_add_series(c, NULL, NULL);
        if (s == NULL) continue;
        chart_series_set_categories(s, fc, 2, 0, last, 0);
        chart_series_set_values(s, fc, 2, (lxw_col_t)(i + 2), last, (lxw_col_t)(i + 2));
        chart_series_set_name_range(s, fc, 1, (lxw_col_t)(i + 2));
        line_style(s, (int)i);
    }
    if (c) {
        chart_axis_set_num_format(c->y_axis, "0%");
        chart_axis_set_min(c->y_axis, 0);
        chart_axis_set_max(c->y_axis, 1);
        chart_legend_set_position(c, LXW_CHART_LEGEND_RIGHT);
    }
    insert_chart(x, ws, 0, 3, 0, c, CHART_W + 160, CHART_H, "Failure curves");
    /* 2. the expected number of trusts failed by month */
    c = new_chart(x, LXW_CHART_LINE, "Expected number of trusts failed by month", "month",
                  "trusts");
    lxw_chart_series *s = c ? chart_add_series(c, NULL, NULL) : NULL;
    if (s) {
        chart_series_set_categories(s, fc, 2, 0, last, 0);
        chart_series_set_values(s, fc, 2, 1, last, 1);
        chart_series_set_name(s, "all trusts");
        line_style(s, 0);
        chart_legend_set_position(c, LXW_CHART_LEGEND_NONE);
        chart_axis_set_min(c->y_axis, 0);
    }
    insert_chart(x, ws, 2 * CHART_ROWS, 3, 0, c, CHART_W + 160, CHART_H,
                 "Expected number of trusts failed");
    /* 3. exceedance curves of the total bail-out and the national top-up */
    c = new_chart(x, LXW_CHART_SCATTER_STRAIGHT, "Bail-out exceedance, all trusts",
                  "amount x, £m over the horizon", "P(amount > x)");
    static const char *const names[2] = {"total bail-out", "national top-up"};
    for (int i = 0; c && i < 2; i++) {
        if (!sys[i].drawn) continue;
        s = chart_add_series(c, NULL, NULL);
        if (s == NULL) continue;
        chart_series_set_categories(s, "Exceedance", sys[i].first, 2, sys[i].last, 2);
        chart_series_set_values(s, "Exceedance", sys[i].first, 3, sys[i].last, 3);
        chart_series_set_name(s, names[i]);
        line_style(s, i);
    }
    if (c) {
        chart_axis_set_log_base(c->y_axis, 10);
        double lo = r->paths >= 1 ? pow(10.0, floor(log10(1.0 / r->paths))) : 1e-4;
        chart_axis_set_min(c->y_axis, lo);
        chart_axis_set_max(c->y_axis, 1);
        chart_axis_set_num_format(c->y_axis, "0.0#%");
        chart_axis_set_min(c->x_axis, 0);
        chart_axis_set_num_format(c->x_axis, "#,##0");
    }
    insert_chart(x, ws, CHART_ROWS, 3, 0, c, CHART_W + 160, CHART_H, "Bail-out exceedance");
}

/* The schemes whose shortfall on the paths where their trust fails most
 * exceeds their shortfall on all paths, as the report's chart. */
typedef struct driver {
    const cJSON *t, *s;
    double all, given;
} driver;

static int by_excess(const void *a, const void *b)
{
    const driver *x = a, *y = b;
    double dx = x->given - x->all, dy = y->given - y->all;
    if (dx != dy) return dx > dy ? -1 : 1;
    return (x->all < y->all) - (x->all > y->all);
}

static tr_status scheme_tornado(cli_xlsx *x, const run *r, tr_error *err)
{
    size_t n = 0, cap = 0;
    driver *d = NULL;
    for (size_t i = 0; i < r->nt; i++) {
        const cJSON *sc;
        cJSON_ArrayForEach(sc, jget(r->rk[i].t, "schemes"))
        {
            double g = jnum(sc, "shortfall_mean_given_fail"), a = jnum(sc, "shortfall_mean");
            if (!isfinite(g) || !isfinite(a)) continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                driver *grown = realloc(d, cap * sizeof *d);
                if (grown == NULL) {
                    free(d);
                    return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
                }
                d = grown;
            }
            d[n++] = (driver){r->rk[i].t, sc, a, g};
        }
    }
    if (n == 0) {
        free(d);
        return TR_OK;
    }
    qsort(d, n, sizeof *d, by_excess);
    size_t k = n < TORNADO_SCHEMES ? n : TORNADO_SCHEMES;
    cli_xlsx_bar bars[TORNADO_SCHEMES];
    char *labels[TORNADO_SCHEMES] = {NULL};
    tr_status st = TR_OK;
    for (size_t i = 0; i < k; i++) {
        const char *tn = jstr(d[i].t, "id"), *sn = name_of(d[i].s);
        size_t len = strlen(tn ? tn : "") + strlen(sn ? sn : "") + 3;
        labels[i] = malloc(len);
        if (labels[i] == NULL)
            st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
        if (labels[i]) snprintf(labels[i], len, "%s: %s", tn ? tn : "", sn ? sn : "");
        bars[i] = (cli_xlsx_bar){labels[i], d[i].all, d[i].given};
    }
    if (st == TR_OK)
        st = cli_xlsx_tornado(x, "Summary", "Schemes whose shortfall drives failure",
                              "mean shortfall against plan, £m", "on all paths",
                              "on paths where the trust fails", 0, bars, k, err);
    for (size_t i = 0; i < k; i++)
        free(labels[i]);
    free(d);
    return st;
}

/* ---- the workbook -------------------------------------------------------- */

static lxw_format *fmt(cli_xlsx *x, const char *num)
{
    lxw_format *f = workbook_add_format(x->wb);
    if (f && num) format_set_num_format(f, num);
    if (f == NULL) x->nomem = 1;
    return f;
}

static void make_formats(cli_xlsx *x)
{
    formats *f = &x->f;
    f->title = fmt(x, NULL);
    if (f->title) {
        format_set_bold(f->title);
        format_set_font_size(f->title, 13);
        format_set_font_color(f->title, 0x1F4E79);
    }
    f->head = fmt(x, NULL);
    if (f->head) {
        format_set_bold(f->head);
        format_set_text_wrap(f->head);
        format_set_bg_color(f->head, 0xEEF3F8);
        format_set_bottom(f->head, LXW_BORDER_THIN);
        format_set_align(f->head, LXW_ALIGN_VERTICAL_TOP);
    }
    f->label = fmt(x, NULL);
    if (f->label) format_set_bold(f->label);
    f->note = fmt(x, NULL);
    if (f->note) {
        format_set_italic(f->note);
        format_set_font_color(f->note, 0x595959);
    }
    f->wrap = fmt(x, NULL);
    if (f->wrap) format_set_text_wrap(f->wrap);
    f->pct = fmt(x, "0.0%");
    f->pct2 = fmt(x, "0.00%");
    f->money = fmt(x, "#,##0.0");
    f->money2 = fmt(x, "#,##0.00");
    f->month = fmt(x, "0");
    f->count = fmt(x, "#,##0");
    f->dec2 = fmt(x, "0.00");
    lxw_format **left[] = {&f->s_pct,  &f->s_money, &f->s_count, &f->s_int,
                           &f->s_dec2, &f->s_secs,  &f->s_when,  &f->s_text};
    static const char *const num[] = {
        "0.0%", "#,##0.0", "#,##0", "0", "0.00", "0.000", "yyyy-mm-dd hh:mm:ss", NULL};
    for (size_t k = 0; k < sizeof left / sizeof *left; k++) {
        *left[k] = fmt(x, num[k]);
        if (*left[k]) format_set_align(*left[k], LXW_ALIGN_LEFT);
    }
}

tr_status cli_xlsx_open(const char *path, cli_xlsx **out, tr_error *err)
{
    *out = NULL;
    cli_xlsx *x = calloc(1, sizeof *x);
    if (x) x->path = strdup(path);
    if (x && x->path) x->wb = workbook_new(path);
    if (x == NULL || x->path == NULL || x->wb == NULL) {
        if (x) free(x->path);
        free(x);
        return tr_error_add(err, TR_E_NOMEM, path, NULL, 0, 0, "out of memory for a workbook");
    }
    make_formats(x);
    *out = x;
    return TR_OK;
}

/* The error of `x` so far, if any, added to err. */
static tr_status status_of(cli_xlsx *x, tr_error *err)
{
    if (x->reported) return x->nomem ? TR_E_NOMEM : TR_E_IO;
    x->reported = x->nomem || x->failed != LXW_NO_ERROR;
    if (x->nomem) return tr_error_add(err, TR_E_NOMEM, x->path, NULL, 0, 0, "out of memory");
    if (x->failed != LXW_NO_ERROR)
        return tr_error_add(err, TR_E_IO, x->path, NULL, 0, 0,
                            "cannot write %s into the workbook: %s", x->failed_at,
                            lxw_strerror(x->failed));
    return TR_OK;
}

static void set_properties(cli_xlsx *x, const run *r)
{
    const char *name = jstr(jget(r->root, "config"), "name");
    size_t n = strlen(name ? name : "") + 32;
    x->title = malloc(n);
    x->comments = malloc(64);
    if (!x->title || !x->comments) {
        x->nomem = 1;
        return;
    }
    snprintf(x->title, n, "trustrisk results: %s", name ? name : "");
    snprintf(x->comments, 64, "Written by trustrisk %s", tr_version());
    lxw_doc_properties p = {.title = x->title, .comments = x->comments};
    check(x, workbook_set_properties(x->wb, &p), "the properties");
}

tr_status cli_xlsx_results(cli_xlsx *x, const char *json, const cli_run_facts *facts, tr_error *err)
{
    cJSON *root = cJSON_Parse(json);
    run r = {
        root, jget(root, "trusts"), jget(root, "consortia"), jget(root, "system"), NULL, 0, 0, 0,
        NAN};
    double hz = jnum(root, "horizon_months");
    if (!cJSON_IsArray(r.trusts) || !cJSON_IsObject(r.system) || !(hz >= 1 && hz <= 100000)) {
        cJSON_Delete(root);
        return tr_error_add(err, TR_E_INPUT, x->path, NULL, 0, 0,
                            "the text given for the workbook is not a run's results.json");
    }
    r.horizon = (int)hz;
    r.paths = jnum(root, "paths");
    r.nt = (size_t)jlen(r.trusts);
    r.nc = (size_t)jlen(r.consortia);
    r.rk = malloc((r.nt ? r.nt : 1) * sizeof *r.rk);
    if (r.rk == NULL) {
        cJSON_Delete(root);
        return tr_error_add(err, TR_E_NOMEM, x->path, NULL, 0, 0, "out of memory");
    }
    for (size_t i = 0; i < r.nt; i++) {
        const cJSON *t = cJSON_GetArrayItem(r.trusts, (int)i);
        r.rk[i] = (ranked){t, nz(jnum(jget(t, "p_fail"), "estimate")),
                           nz(jnum(jget(t, "bailout"), "mean")), (int)i};
    }
    qsort(r.rk, r.nt, sizeof *r.rk, by_risk);
    for (size_t i = 0; i < r.nt; i++)
        r.rk[i].p = jnum(jget(r.rk[i].t, "p_fail"), "estimate");

    set_properties(x, &r);
    /* (a sheet's entry moves as sheets are added: keep the worksheet) */
    sheet *sum = get_sheet(x, "Summary");
    lxw_worksheet *ws = sum ? sum->ws : NULL;
    if (ws) {
        lxw_row_t row = 0;
        provenance(x, &r, facts, ws, &row);
        row++;
        headline(x, &r, ws, &row);
        row++;
        put_str(x, ws, row++, 0,
                "Trusts are ranked most at risk first on every sheet. Money is in £ million over "
                "the whole horizon; probabilities are shown as percentages.",
                x->f.note);
        /* B and C take a long value (the config's hash) between them */
        check(x, worksheet_set_column(ws, 0, 0, 46, NULL), "a column");
        check(x, worksheet_set_column(ws, 1, 1, 52, NULL), "a column");
        check(x, worksheet_set_column(ws, 2, 2, 14, NULL), "a column");
        /* a tornado chart goes below the text and the charts */
        sum->next = row + 1 > 3 * CHART_ROWS ? row + 1 : 3 * CHART_ROWS;
        worksheet_activate(ws);
        print_setup(x, ws, 0, 1);
    }
    sheet_trusts(x, &r);
    sheet_consortia(x, &r);
    size_t cols = sheet_curves(x, &r);
    sheet_bands(x, &r);
    sheet_schemes(x, &r);
    curve_rows sys[2] = {{0, 0, 0}, {0, 0, 0}};
    sheet_exceedance(x, &r, sys);
    if (ws) charts(x, &r, ws, cols, sys);
    tr_status st = status_of(x, err);
    if (st == TR_OK && ws) st = scheme_tornado(x, &r, err);
    free(r.rk);
    cJSON_Delete(root);
    return st;
}

/* ---- tornado charts ------------------------------------------------------ */

tr_status cli_xlsx_tornado(cli_xlsx *x, const char *sheet_want, const char *title,
                           const char *value_axis, const char *low_name, const char *high_name,
                           int percent, const cli_xlsx_bar *bars, size_t n, tr_error *err)
{
    if (n == 0)
        return tr_error_add(err, TR_E_INPUT, x->path, NULL, 0, 0,
                            "a tornado chart needs at least one bar");
    sheet *s = get_sheet(x, sheet_want);
    if (s == NULL)
        return x->nomem || x->failed ? status_of(x, err)
                                     : tr_error_add(err, TR_E_INPUT, x->path, NULL, 0, 0,
                                                    "a workbook holds at most 255 sheets");
    if ((size_t)s->next + n + 3 > ROWS_MAX)
        return tr_error_add(err, TR_E_INPUT, x->path, NULL, 0, 0,
                            "sheet %s has no room for %zu more rows", s->name, n + 3);
    lxw_worksheet *ws = s->ws;
    lxw_row_t top = s->next, head = top + 1, first = top + 2, last = (lxw_row_t)(top + 1 + n);
    lxw_format *vf = percent ? x->f.pct2 : x->f.dec2;
    put_str(x, ws, top, 0, title, x->f.title);
    put_str(x, ws, head, 0, "", x->f.head);
    put_str(x, ws, head, 1, low_name, x->f.head);
    put_str(x, ws, head, 2, high_name, x->f.head);
    for (size_t i = 0; i < n; i++) {
        put_str(x, ws, first + i, 0, bars[i].label, NULL);
        put_num(x, ws, first + i, 1, bars[i].low, vf);
        put_num(x, ws, first + i, 2, bars[i].high, vf);
    }
    if (top == 0) { /* a sheet of tornado charts */
        check(x, worksheet_set_column(ws, 0, 0, 46, NULL), "a column");
        check(x, worksheet_set_column(ws, 1, 2, 14, NULL), "a column");
        print_setup(x, ws, 0, 1);
    }
    check(x, worksheet_set_row(ws, head, 30, NULL), "a row");
    /* In libxlsxwriter's bar charts x_axis is the value axis (horizontal)
     * and y_axis the categories. The high series first, so that the low
     * one is drawn over it: a value inside its range, or the other side of
     * zero, stays visible. */
    lxw_chart *c = new_chart(x, LXW_CHART_BAR, title, value_axis, NULL);
    for (int k = 0; c && k < 2; k++) {
        lxw_chart_series *sr = chart_add_series(c, NULL, NULL);
        if (sr == NULL) continue;
        lxw_col_t col = k == 0 ? 2 : 1;
        chart_series_set_categories(sr, s->name, first, 0, last, 0);
        chart_series_set_values(sr, s->name, first, col, last, col);
        chart_series_set_name_range(sr, s->name, head, col);
        lxw_chart_fill fill = {.color = k == 0 ? 0xD62728 : 0x6BAED6};
        chart_series_set_fill(sr, &fill);
    }
    double height = 110.0 + 28.0 * (double)n;
    if (c) {
        chart_set_series_overlap(c, 100);
        chart_set_series_gap(c, 40);
        chart_axis_set_reverse(c->y_axis); /* the first bar at the top */
        chart_axis_set_crossing_max(c->y_axis);
        chart_axis_set_label_position(c->y_axis, LXW_CHART_AXIS_LABEL_POSITION_LOW);
        chart_axis_set_interval_unit(c->y_axis, 1); /* every label, however many */
        chart_axis_set_num_format(c->x_axis, percent ? "0.0%" : "#,##0.0");
        chart_legend_set_position(c, LXW_CHART_LEGEND_BOTTOM);
    }
    insert_chart(x, ws, top, 3, 0, c, 720, height < 240 ? 240 : height, title);
    lxw_row_t chart_rows = (lxw_row_t)ceil((height < 240 ? 240 : height) / 20.0);
    lxw_row_t used = (lxw_row_t)(n + 2) > chart_rows ? (lxw_row_t)(n + 2) : chart_rows;
    s->next = top + used + 2;
    x->tornados++;
    return status_of(x, err);
}

tr_status cli_xlsx_close(cli_xlsx *x, int keep, tr_error *err)
{
    if (x == NULL) return TR_OK;
    tr_status st = TR_OK;
    if (keep) {
        st = status_of(x, err);
        if (st == TR_OK) {
            lxw_error e = workbook_close(x->wb);
            if (e != LXW_NO_ERROR)
                st = tr_error_add(err, TR_E_IO, x->path, NULL, 0, 0,
                                  "cannot write the workbook: %s", lxw_strerror(e));
        } else {
            lxw_workbook_free(x->wb);
        }
    } else {
        lxw_workbook_free(x->wb);
    }
    free(x->sheets);
    free(x->title);
    free(x->comments);
    free(x->path);
    free(x);
    return st;
}

tr_status cli_xlsx_write(const char *path, const char *json, const cli_run_facts *facts,
                         tr_error *err)
{
    cli_xlsx *x = NULL;
    tr_status st = cli_xlsx_open(path, &x, err);
    if (st == TR_OK) st = cli_xlsx_results(x, json, facts, err);
    tr_status closed = cli_xlsx_close(x, st == TR_OK, err);
    return st == TR_OK ? closed : st;
}

#endif /* TR_HAVE_XLSX */
