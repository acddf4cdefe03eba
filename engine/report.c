/*
 * report.c - the self-contained HTML report of a run (trustrisk/report.h).
 *
 * The report is built from results.json alone (docs/results.md, including the
 * "exceedance" curves and scheme names), so it can be made long
 * after the run, on another machine, from an archived output folder. The
 * page is one file with inline CSS and inline SVG: analysts mail it, put it
 * on a shared drive or open it on a laptop with no network, and it must
 * still show everything.
 *
 * Every table cell that shows a number also carries the exact value from
 * results.json in a data-value attribute (printed with 17 significant
 * digits, so it reads back to the same double): the displayed figure is
 * rounded for people, the attribute lets tests and scripts check that the
 * page says what the results say.
 *
 * Charts are written here as gnuplot scripts for its SVG terminal and drawn
 * by the application through the tr_chart_fn it passes (the command runs
 * gnuplot: engine/cli/gnuplot.c); the library starts no process and writes
 * no file. Data travel inside each script as a datablock, so no name from
 * the config is ever interpreted as a file name or a command. Strings from
 * the config reach gnuplot only inside quoted strings with the quote
 * characters replaced, and with enhanced text off; gnuplot escapes them for
 * XML itself. The ids inside each SVG are prefixed per chart so that several
 * inline SVGs do not share ids.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "json_scan.h"
#include "keys.h"
#include "trustrisk/report.h"
#include "trustrisk/sensitivity.h"

/* Largest results.json accepted (a region of 1000 trusts is a few MB). */
#define REPORT_MAX_INPUT ((size_t)512 * 1024 * 1024)
/* What to do when there is no results.json. */
#define REPORT_MISSING_HINT "make the run's results with 'trustrisk run CONFIG --out DIR' first"
/* Lines on one chart before it becomes unreadable; the tables list all. */
#define MAX_LINES 10
/* Fan charts drawn, for the trusts most at risk. */
#define MAX_FANS 6
/* Bars in the schemes tornado. */
#define MAX_TORNADO 15
/* Characters of a label on a chart axis or legend. */
#define MAX_LABEL 48
/* Rows a table shows before it scrolls in a box of about that height (a
 * national config has 220 trusts and 4,000 schemes: laid out in full, the
 * page would be hundreds of screens long). */
#define LONG_ROWS 25
/* Rows of the schemes table, in the order their shortfall drives failure;
 * the rest, which drive it least, are left to schemes.csv. */
#define MAX_SCHEME_ROWS 200

/* The names of the levels in results.json (keys.h). */
#define Q99 (tr__quantile_keys[TR__Q99].json)
#define ES99 (tr__es_keys[TR__ES99].json)

/* ------------------------------------------------------------------ */
/* A growable string. Allocation failure is sticky and checked once.  */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) {
            if (cap > SIZE_MAX / 2) {
                b->oom = 1;
                return;
            }
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
sb_printf(sbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        sb_putn(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_putn(b, big, (size_t)n);
    free(big);
}

/* Text for HTML element content or a quoted attribute value. */
static void sb_html(sbuf *b, const char *s)
{
    if (s == NULL) return;
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&':
            sb_puts(b, "&amp;");
            break;
        case '<':
            sb_puts(b, "&lt;");
            break;
        case '>':
            sb_puts(b, "&gt;");
            break;
        case '"':
            sb_puts(b, "&quot;");
            break;
        case '\'':
            sb_puts(b, "&#39;");
            break;
        default:
            sb_putn(b, p, 1);
        }
    }
}

/*
 * A label for gnuplot: control characters become spaces and both quote
 * characters become a typographic apostrophe, so the label can sit inside
 * either kind of gnuplot string (and a datablock field) without escapes.
 * Long labels are cut at a UTF-8 character boundary.
 */
static void sb_label(sbuf *b, const char *s)
{
    size_t chars = 0;
    if (s == NULL) s = "";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80) {
            if (++chars > MAX_LABEL) {
                sb_puts(b, "\xE2\x80\xA6"); /* ellipsis */
                return;
            }
        }
        if (*p < 0x20 || *p == 0x7F)
            sb_puts(b, " ");
        else if (*p == '"' || *p == '\'' || *p == '\\')
            sb_puts(b, "\xE2\x80\x99");
        else
            sb_putn(b, (const char *)p, 1);
    }
}

/* ------------------------------------------------------------------ */
/* Reading results.json.                                              */

static const cJSON *jget(const cJSON *o, const char *key)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* A number at o.key, or NAN when missing, null or not a number. */
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

static double jq(const cJSON *dist, const char *level)
{
    return jnum(jget(dist, "quantiles"), level);
}

static double jes(const cJSON *dist, const char *level)
{
    return jnum(jget(dist, "es"), level);
}

static int jarr_len(const cJSON *a)
{
    return cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
}

static double jarr_num(const cJSON *a, int i)
{
    const cJSON *v = cJSON_IsArray(a) ? cJSON_GetArrayItem(a, i) : NULL;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The trust's display name: name, else id. */
static const char *trust_name(const cJSON *t)
{
    const char *n = jstr(t, "name");
    if (n == NULL || *n == '\0') n = jstr(t, "id");
    return n ? n : "?";
}

/*
 * Check that the fields the report cannot do without are there: the parts
 * the ranking and the provenance are made of. Every other field is optional
 * here (a section whose data are missing says so), which keeps the report
 * usable on results written by older or newer engines.
 */
static tr_status check_results(const cJSON *root, const char *file, tr_error *err)
{
    tr_status st = TR_OK;
    if (!cJSON_IsObject(root))
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                            "expected a JSON object (the results of 'trustrisk run')");
    if (!cJSON_IsNumber(jget(root, "paths")))
        st = tr_error_add(err, TR_E_INPUT, file, "paths", 0, 0, "missing or not a number");
    if (!cJSON_IsNumber(jget(root, "horizon_months")))
        st = tr_error_add(err, TR_E_INPUT, file, "horizon_months", 0, 0, "missing or not a number");
    const cJSON *trusts = jget(root, "trusts");
    if (!cJSON_IsArray(trusts) || cJSON_GetArraySize(trusts) == 0)
        return tr_error_add(err, TR_E_INPUT, file, "trusts", 0, 0,
                            "missing or empty: expected the list of trusts' results");
    int i = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, trusts)
    {
        char path[64];
        if (jstr(t, "id") == NULL) {
            snprintf(path, sizeof path, "trusts[%d].id", i);
            st = tr_error_add(err, TR_E_INPUT, file, path, 0, 0, "missing or not a string");
        }
        if (!cJSON_IsNumber(jget(jget(t, "p_fail"), "estimate"))) {
            snprintf(path, sizeof path, "trusts[%d].p_fail.estimate", i);
            st = tr_error_add(err, TR_E_INPUT, file, path, 0, 0, "missing or not a number");
        }
        i++;
    }
    return st;
}

/* ------------------------------------------------------------------ */
/* Formatting numbers for people.                                     */

/* A table cell: the exact value in data-value, a rounded one shown. */
static void cell_num(sbuf *b, double v, const char *shown)
{
    if (isnan(v)) {
        sb_puts(b, "<td class=\"num na\" data-value=\"null\">&mdash;</td>");
        return;
    }
    sb_printf(b, "<td class=\"num\" data-value=\"%.17g\">%s</td>", v, shown);
}

static void fmt_prob(char *s, size_t n, double p)
{
    if (isnan(p))
        snprintf(s, n, "&mdash;");
    else if (p <= 0)
        snprintf(s, n, "0 %%");
    else if (p >= 1)
        snprintf(s, n, "100 %%");
    else if (p < 0.001)
        snprintf(s, n, "&lt;0.1 %%");
    else if (p > 0.999)
        snprintf(s, n, "&gt;99.9 %%");
    else
        snprintf(s, n, "%.1f %%", 100.0 * p);
}

static void fmt_money(char *s, size_t n, double v)
{
    if (isnan(v))
        snprintf(s, n, "&mdash;");
    else if (fabs(v) >= 100)
        snprintf(s, n, "%.0f", v);
    else if (fabs(v) >= 10)
        snprintf(s, n, "%.1f", v);
    else
        snprintf(s, n, "%.2f", v);
}

static void cell_prob(sbuf *b, double p)
{
    char s[32];
    fmt_prob(s, sizeof s, p);
    cell_num(b, p, s);
}

static void cell_money(sbuf *b, double v)
{
    char s[32];
    fmt_money(s, sizeof s, v);
    cell_num(b, v, s);
}

static void cell_month(sbuf *b, double v)
{
    char s[32];
    snprintf(s, sizeof s, "%.1f", v);
    cell_num(b, v, s);
}

/* The cell of an undefined interval (a single path's). */
static void cell_interval_na(sbuf *b)
{
    sb_puts(b, "<td class=\"num na\" data-lo=\"null\" data-hi=\"null\">&mdash;</td>");
}

/* A 95 % interval as two cells' worth of data in one cell. */
static void cell_interval(sbuf *b, const cJSON *est)
{
    const cJSON *ci = jget(est, "ci95");
    double lo = jarr_num(ci, 0), hi = jarr_num(ci, 1);
    if (isnan(lo) || isnan(hi)) {
        cell_interval_na(b);
        return;
    }
    char a[32], c[32];
    fmt_prob(a, sizeof a, lo);
    fmt_prob(c, sizeof c, hi);
    sb_printf(b, "<td class=\"num\" data-lo=\"%.17g\" data-hi=\"%.17g\">%s &ndash; %s</td>", lo, hi,
              a, c);
}

/* ------------------------------------------------------------------ */
/* Charts.                                                            */

/* The application's chart drawer (report.h), and how it went. */
typedef struct plotter {
    tr_chart_fn draw; /* NULL: no charts ("gnuplot is not installed") */
    void *user;
    int count;
    int failed;    /* charts that could not be drawn */
    char why[256]; /* why the last chart failed */
} plotter;

/*
 * Copy gnuplot's SVG into the page: drop the XML prolog, and prefix every
 * id and every reference to one (id=, href="#, url(#) with "c<N>-" so that
 * the charts' identical ids (gnuplot_canvas, gpPt0, ...) stay distinct.
 */
static void embed_svg(sbuf *page, const char *svg, int chart)
{
    const char *s = strstr(svg, "<svg");
    if (s == NULL) return;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "c%d-", chart);
    static const char *const marks[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    while (*s) {
        const char *best = NULL;
        size_t best_len = 0;
        for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
            const char *f = strstr(s, marks[k]);
            if (f && (best == NULL || f < best)) {
                best = f;
                best_len = strlen(marks[k]);
            }
        }
        if (best == NULL) {
            sb_puts(page, s);
            break;
        }
        sb_putn(page, s, (size_t)(best - s) + best_len);
        sb_puts(page, prefix);
        s = best + best_len;
    }
}

/*
 * Have the application draw one gnuplot script and append the SVG to
 * `page`; on failure append a plain note instead. The script does not set
 * the terminal's output: the SVG comes back as gnuplot's standard output.
 */
static void plot(plotter *pl, sbuf *page, const sbuf *script, const char *alt)
{
    if (pl->draw == NULL) {
        sb_puts(page, "<p class=\"nochart\">Chart not drawn: gnuplot is not installed.</p>\n");
        return;
    }
    if (script->oom) return;
    int id = pl->count++;
    char whybuf[256] = "";
    char *svg = NULL;
    const char *why = NULL;
    if (pl->draw(pl->user, script->p, &svg, whybuf, sizeof whybuf) != 0) {
        why = whybuf[0] ? whybuf : "the chart could not be drawn";
    } else if (svg == NULL || strstr(svg, "<svg") == NULL) {
        why = "gnuplot wrote no SVG";
    }
    if (why == NULL) {
        sb_printf(page, "<div class=\"chart\" role=\"img\" aria-label=\"");
        sb_html(page, alt);
        sb_puts(page, "\">\n");
        embed_svg(page, svg, id);
        sb_puts(page, "</div>\n");
    } else {
        pl->failed++;
        snprintf(pl->why, sizeof pl->why, "%s", why);
        sb_puts(page, "<p class=\"nochart\">Chart not drawn (");
        sb_html(page, why);
        sb_puts(page, ").</p>\n");
    }
    free(svg);
}

/* Line colours (matplotlib's "tab10", readable and distinct in print). */
static const char *const palette[10] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* Settings every chart shares; width and height in pixels. */
static void gp_begin(sbuf *s, int width, int height, const char *title)
{
    sb_printf(s,
              "set terminal svg size %d,%d dynamic noenhanced font 'sans,12' background "
              "'#ffffff'\n",
              width, height);
    sb_puts(s, "set encoding utf8\nset termoption noenhanced\n"
               "set border 3 lc rgb '#555555'\nset tics nomirror\n"
               "set grid lc rgb '#e0e0e0' lw 1\n"
               "set key outside below center horizontal maxcols 3 height 1.5 noenhanced\n");
    for (int i = 0; i < 10; i++)
        sb_printf(s, "set style line %d lw 2 lc rgb '%s'\n", i + 1, palette[i]);
    if (title) {
        sb_puts(s, "set title '");
        sb_label(s, title);
        sb_puts(s, "'\n");
    }
}

/* ------------------------------------------------------------------ */
/* Ranking.                                                           */

typedef struct ranked {
    const cJSON *t;
    double p, bo;
    int index;
} ranked;

/* Most at risk first: probability of failure, then mean bail-out, then order. */
static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->p != y->p) return x->p > y->p ? -1 : 1;
    if (x->bo != y->bo) return x->bo > y->bo ? -1 : 1;
    return x->index - y->index;
}

typedef struct scheme_row {
    const cJSON *t, *s;
    double all, given, diff;
} scheme_row;

/* Largest excess of the shortfall on failing paths first; undefined last. */
static int cmp_scheme(const void *a, const void *b)
{
    const scheme_row *x = a, *y = b;
    int xn = isnan(x->diff), yn = isnan(y->diff);
    if (xn != yn) return xn - yn;
    if (!xn && x->diff != y->diff) return x->diff > y->diff ? -1 : 1;
    if (x->all != y->all) return x->all > y->all ? -1 : 1;
    return 0;
}

static double nz(double v)
{
    return isnan(v) ? -1.0 : v;
}

/* ------------------------------------------------------------------ */
/* Sections.                                                          */

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#1a1a1a;max-width:1180px;margin:0 auto;padding:1.5em;line-height:1.45;}"
    "h1{font-size:1.6em;margin-bottom:0.2em;}h2{margin-top:2em;border-bottom:2px solid #1f4e79;"
    "color:#1f4e79;padding-bottom:0.2em;}h3{margin-top:1.4em;}"
    "table{border-collapse:collapse;margin:0.8em 0;font-size:0.92em;}"
    "th,td{border:1px solid #ccc;padding:0.3em 0.6em;text-align:left;vertical-align:top;}"
    "th{background:#eef3f8;}td.num{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap;}td.na{color:#888;}tr:nth-child(even) td{background:#fafafa;}"
    ".chart svg{width:100%;height:auto;display:block;}.chart{margin:0.8em 0;}"
    ".fans{display:grid;grid-template-columns:1fr 1fr;gap:1em;}"
    ".notice{border:2px solid #b35900;background:#fff4e5;padding:0.8em 1em;margin:1em 0;}"
    ".nochart{color:#b35900;font-style:italic;}.lede{color:#444;}"
    ".summary td{font-size:1.05em;}code{background:#f2f2f2;padding:0 0.2em;}"
    "nav a{margin-right:0.9em;}"
    ".scroll{max-height:36em;overflow:auto;margin:0.8em 0;border-bottom:1px solid #ccc;}"
    ".scroll table{margin:0;}.scroll thead th{position:sticky;top:0;z-index:1;}"
    ".scrollnote{color:#444;font-size:0.92em;margin-bottom:0;}"
    "@media print{.fans{grid-template-columns:1fr;}.scroll{max-height:none;overflow:visible;}}";

/* A table of `rows` rows longer than LONG_ROWS goes in a box that scrolls,
 * its header in view (on paper the box opens up); `what` names the rows. */
static void scroll_open(sbuf *b, int rows, const char *what)
{
    if (rows > LONG_ROWS)
        sb_printf(b,
                  "<p class=\"scrollnote\">%d %s: the table scrolls, its header stays in "
                  "view.</p>\n<div class=\"scroll\">\n",
                  rows, what);
}

static void scroll_close(sbuf *b, int rows)
{
    if (rows > LONG_ROWS) sb_puts(b, "</div>\n");
}

static void dist_row(sbuf *b, const char *label, const cJSON *d)
{
    sb_puts(b, "<tr><th scope=\"row\">");
    sb_html(b, label);
    sb_puts(b, "</th>");
    cell_money(b, jnum(d, "mean"));
    cell_money(b, jnum(d, "sd"));
    for (int k = 0; k < TR__NQ; k++)
        cell_money(b, jq(d, tr__quantile_keys[k].json));
    for (int k = 0; k < TR__NES; k++)
        cell_money(b, jes(d, tr__es_keys[k].json));
    sb_puts(b, "</tr>\n");
}

static void dist_header(sbuf *b, const char *first)
{
    sb_printf(b, "<table><thead><tr><th>%s</th><th>mean</th><th>sd</th>", first);
    for (int k = 0; k < TR__NQ; k++) {
        sb_puts(b, "<th>");
        sb_html(b, tr__quantile_keys[k].label);
        sb_puts(b, "</th>");
    }
    for (int k = 0; k < TR__NES; k++) {
        sb_puts(b, "<th>");
        sb_html(b, tr__es_keys[k].label);
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr></thead><tbody>\n");
}

/*
 * The (x, P(value > x)) points of a DIST's exceedance curve, in percent,
 * dropping zero probabilities (the chart's y axis is logarithmic). Without
 * an "exceedance" object the quantiles give a coarse curve.
 */
static int exceedance_block(sbuf *s, const cJSON *d, const char *name)
{
    int n = 0;
    sb_printf(s, "$%s << EOD\n", name);
    const cJSON *ex = jget(d, "exceedance");
    const cJSON *xs = jget(ex, "x"), *ps = jget(ex, "p");
    int len = jarr_len(xs) < jarr_len(ps) ? jarr_len(xs) : jarr_len(ps);
    if (len > 0) {
        for (int i = 0; i < len; i++) {
            double x = jarr_num(xs, i), p = jarr_num(ps, i);
            if (isnan(x) || isnan(p) || p <= 0) continue;
            sb_printf(s, "%.10g %.10g\n", x, 100.0 * p);
            n++;
        }
    } else {
        for (int k = 0; k < TR__NQ; k++) {
            double x = jq(d, tr__quantile_keys[k].json);
            double p = 1.0 - tr__quantile_keys[k].level;
            if (isnan(x) || x <= 0) continue;
            sb_printf(s, "%.10g %.10g\n", x, 100.0 * p);
            n++;
        }
    }
    sb_puts(s, "EOD\n");
    return n;
}

/* Exceedance curves of `dist_key` for up to MAX_LINES items (trusts or consortia). */
static void chart_exceedance(plotter *pl, sbuf *page, const cJSON *const *items, int n,
                             const char *dist_key, double paths, const char *title, const char *alt)
{
    sbuf s = {0};
    gp_begin(&s, 1100, 520, title);
    int drawn = 0;
    int used[MAX_LINES];
    for (int i = 0; i < n && drawn < MAX_LINES; i++) {
        char name[16];
        snprintf(name, sizeof name, "e%d", drawn);
        size_t mark = s.len;
        if (exceedance_block(&s, jget(items[i], dist_key), name) > 0) {
            used[drawn++] = i;
        } else {
            s.len = mark; /* nothing above zero: leave it off */
            if (s.p) s.p[mark] = '\0';
        }
    }
    if (drawn == 0) {
        free(s.p);
        sb_puts(page, "<p>No bail-out on any path: there is no curve to draw.</p>\n");
        return;
    }
    double lo = paths > 0 ? 100.0 / paths : 1e-4;
    sb_printf(&s,
              "set logscale y\nset yrange [%.10g:100]\nset xrange [0:*]\n"
              "set format y '%%g%%%%'\nset xlabel 'bail-out over the horizon, £m'\n"
              "set ylabel 'probability of exceeding x'\n",
              lo * 0.7);
    /* A consortium's reserve, where results.json carries it, as a dashed line. */
    for (int k = 0; k < drawn; k++) {
        double r = jnum(items[used[k]], "reserve");
        if (!isnan(r) && r > 0)
            sb_printf(&s,
                      "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lw 1.5 "
                      "lc rgb '%s'\n",
                      r, r, palette[k % 10]);
    }
    sb_puts(&s, "plot ");
    for (int k = 0; k < drawn; k++) {
        const cJSON *it = items[used[k]];
        sb_printf(&s, "%s$e%d using 1:2 with lines ls %d title '", k ? ", " : "", k, k % 10 + 1);
        sb_label(&s, trust_name(it));
        sb_puts(&s, "'");
    }
    sb_puts(&s, "\n");
    plot(pl, page, &s, alt);
    free(s.p);
}

static void section_header(sbuf *b, const cJSON *root, const char *file, const plotter *pl)
{
    const cJSON *cfg = jget(root, "config");
    const char *cname = jstr(cfg, "name");
    sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>trustrisk report: ");
    sb_html(b, cname ? cname : file);
    sb_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>trustrisk report: ", css);
    sb_html(b, cname ? cname : "(unnamed config)");
    sb_puts(b, "</h1>\n<p class=\"lede\">Which trusts run out of cash to pay their bills, when, "
               "and who pays for the bail-outs. ");
    sb_printf(b,
              "Every figure comes from %.17g simulated paths over %.17g months; each estimate's "
              "95 %% interval says how much it could move with a different set of paths.</p>\n",
              jnum(root, "paths"), jnum(root, "horizon_months"));
    if (pl->draw == NULL)
        sb_puts(b,
                "<div class=\"notice\" id=\"no-gnuplot\"><strong>gnuplot is not installed, so "
                "this report has no charts.</strong> Every table is complete. To get the "
                "charts, install gnuplot (on Debian or Ubuntu: <code>sudo apt-get install "
                "gnuplot-nox</code>) and run <code>trustrisk report OUTDIR</code> again.</div>\n");
    sb_puts(b, "<nav><a href=\"#summary\">Summary</a><a href=\"#ranking\">Ranking</a>"
               "<a href=\"#failure-curves\">Failure curves</a><a href=\"#bailouts\">Bail-outs</a>"
               "<a href=\"#consortia\">Consortia</a><a href=\"#cash\">Cash</a>"
               "<a href=\"#schemes\">Schemes</a><a href=\"#failures\">Number failing</a>"
               "<a href=\"#provenance\">Provenance</a><a href=\"#reading\">How to read</a>"
               "</nav>\n");
}

static void section_summary(sbuf *b, const cJSON *root)
{
    const cJSON *sys = jget(root, "system");
    const cJSON *fl = jget(sys, "failures");
    const cJSON *distn = jget(fl, "distribution");
    double p0 = jarr_num(distn, 0);
    sb_puts(b, "<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\"><tbody>\n");
    sb_printf(b, "<tr><th scope=\"row\">Trusts simulated</th>");
    char s[32];
    snprintf(s, sizeof s, "%d", jarr_len(jget(root, "trusts")));
    cell_num(b, jarr_len(jget(root, "trusts")), s);
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">Expected number of trusts failing</th>");
    double m = jnum(fl, "mean");
    snprintf(s, sizeof s, "%.2f", m);
    cell_num(b, m, isnan(m) ? "" : s);
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">Probability that at least one trust fails</th>");
    cell_prob(b, isnan(p0) ? NAN : 1.0 - p0);
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">Expected total bail-out, £m</th>");
    cell_money(b, jnum(jget(sys, "bailout"), "mean"));
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">Total bail-out exceeded on 1 path in 100, £m</th>");
    cell_money(b, jq(jget(sys, "bailout"), Q99));
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">Expected national top-up (beyond the consortia's "
               "reserves), £m</th>");
    cell_money(b, jnum(jget(sys, "national_topup"), "mean"));
    sb_puts(b, "</tr>\n</tbody></table>\n");
}

static void section_ranking(sbuf *b, const ranked *rk, int n)
{
    sb_puts(b, "<h2 id=\"ranking\">Trusts ranked by probability of failure</h2>\n"
               "<p>A trust <em>fails</em> on a path in the first month its cash, after every "
               "saving and cost, would fall below its floor (minimum cash less any "
               "working-capital facility): it cannot pay its bills without a bail-out.</p>\n");
    scroll_open(b, n, "trusts");
    sb_puts(b, "<table id=\"ranking-table\"><thead><tr><th>rank</th><th>trust</th>"
               "<th>P(fail)</th><th>95 % interval</th><th>mean month of failure, if it "
               "fails</th><th>mean bail-out, £m</th><th>99 % bail-out, £m</th>"
               "<th>ES 99 %, £m</th></tr></thead><tbody>\n");
    for (int i = 0; i < n; i++) {
        const cJSON *t = rk[i].t;
        const cJSON *bo = jget(t, "bailout");
        sb_printf(b, "<tr data-id=\"");
        sb_html(b, jstr(t, "id"));
        char r[16];
        snprintf(r, sizeof r, "%d", i + 1);
        sb_puts(b, "\">");
        cell_num(b, i + 1, r);
        sb_puts(b, "<td>");
        sb_html(b, trust_name(t));
        sb_puts(b, "</td>");
        cell_prob(b, jnum(jget(t, "p_fail"), "estimate"));
        cell_interval(b, jget(t, "p_fail"));
        cell_month(b, jnum(t, "failure_month_mean"));
        cell_money(b, jnum(bo, "mean"));
        cell_money(b, jq(bo, Q99));
        cell_money(b, jes(bo, ES99));
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
    scroll_close(b, n);
}

static void section_failure_curves(sbuf *b, plotter *pl, const ranked *rk, int n, int horizon)
{
    sb_puts(b, "<h2 id=\"failure-curves\">Failure curves</h2>\n<p>The probability that each "
               "trust has failed by month <em>t</em>. A curve that rises early means trouble "
               "comes soon; where it levels off is the trust's probability of failure over the "
               "whole horizon.");
    if (n > MAX_LINES)
        sb_printf(b, " The %d trusts most at risk are drawn; the ranking lists all %d.", MAX_LINES,
                  n);
    sb_puts(b, "</p>\n");
    sbuf s = {0};
    gp_begin(&s, 1100, 520, NULL);
    int k = n < MAX_LINES ? n : MAX_LINES;
    sb_puts(&s, "$f << EOD\n");
    for (int t = 0; t <= horizon; t++) {
        sb_printf(&s, "%d", t);
        for (int i = 0; i < k; i++) {
            double v = t == 0 ? 0.0 : jarr_num(jget(rk[i].t, "failure_curve"), t - 1);
            if (isnan(v))
                sb_puts(&s, " NaN");
            else
                sb_printf(&s, " %.10g", 100.0 * v);
        }
        sb_puts(&s, "\n");
    }
    sb_printf(&s,
              "EOD\nset xrange [0:%d]\nset yrange [0:*]\nset format y '%%g%%%%'\n"
              "set xlabel 'month'\nset ylabel 'probability of having failed by month t'\nplot ",
              horizon);
    for (int i = 0; i < k; i++) {
        sb_printf(&s, "%s$f using 1:%d with lines ls %d title '", i ? ", " : "", i + 2, i % 10 + 1);
        sb_label(&s, trust_name(rk[i].t));
        sb_puts(&s, "'");
    }
    sb_puts(&s, "\n");
    plot(pl, b, &s, "Failure curves of the trusts most at risk");
    free(s.p);
}

static void section_bailouts(sbuf *b, plotter *pl, const ranked *rk, int n, double paths)
{
    sb_puts(b, "<h2 id=\"bailouts\">Bail-outs</h2>\n<p>A trust's bail-out is the cash it must "
               "be given over the horizon to keep paying its bills. The exceedance curve reads: "
               "the probability (left) that the bail-out is larger than the amount on the "
               "bottom axis. The further right a curve reaches, the bigger the worst cases. "
               "ES is the expected shortfall: the average bail-out in the worst 5 % or 1 % of "
               "paths.</p>\n<h3>Per trust</h3>\n");
    const cJSON **items = malloc(sizeof *items * (size_t)(n > 0 ? n : 1));
    if (items == NULL) {
        b->oom = 1;
        return;
    }
    /* Largest expected bail-out first for the chart; the table keeps the ranking. */
    int k = 0;
    for (int i = 0; i < n; i++)
        items[k++] = rk[i].t;
    for (int i = 1; i < k; i++) {
        const cJSON *x = items[i];
        double v = nz(jnum(jget(x, "bailout"), "mean"));
        int j = i;
        while (j > 0 && nz(jnum(jget(items[j - 1], "bailout"), "mean")) < v) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = x;
    }
    chart_exceedance(pl, b, items, k, "bailout", paths, NULL,
                     "Bail-out exceedance curves per trust");
    free(items);
    scroll_open(b, n, "trusts");
    dist_header(b, "trust (£m)");
    for (int i = 0; i < n; i++)
        dist_row(b, trust_name(rk[i].t), jget(rk[i].t, "bailout"));
    sb_puts(b, "</tbody></table>\n");
    scroll_close(b, n);
}

static void section_consortia(sbuf *b, plotter *pl, const cJSON *root, double paths)
{
    const cJSON *cons = jget(root, "consortia");
    int n = jarr_len(cons);
    sb_puts(b,
            "<h2 id=\"consortia\">Bail-outs per consortium</h2>\n<p>Each commissioning "
            "consortium is asked for its share of its trusts' bail-outs and pays them from a "
            "finite reserve; what it cannot pay falls to the national level (the "
            "Department). A reserve is <em>exhausted</em> in the first month the consortium "
            "cannot pay a request in full. On the chart, a dashed line in a consortium's colour "
            "marks its reserve: the part of a curve to the right of it is paid nationally.</p>\n");
    if (n == 0) {
        sb_puts(b, "<p>This config has no consortia: every bail-out is national.</p>\n");
        return;
    }
    const cJSON **items = malloc(sizeof *items * (size_t)n);
    if (items == NULL) {
        b->oom = 1;
        return;
    }
    for (int i = 0; i < n; i++)
        items[i] = cJSON_GetArrayItem(cons, i);
    chart_exceedance(pl, b, items, n, "requested", paths, NULL,
                     "Exceedance curves of the bail-outs requested from each consortium");
    free(items);
    scroll_open(b, n, "consortia");
    sb_puts(b, "<table id=\"consortia-table\"><thead><tr><th>consortium</th><th>mean "
               "requested, £m</th><th>mean paid, £m</th><th>mean national top-up, £m</th>"
               "<th>99 % requested, £m</th><th>P(reserve exhausted)</th><th>95 % interval</th>"
               "</tr></thead><tbody>\n");
    const cJSON *c;
    cJSON_ArrayForEach(c, cons)
    {
        sb_puts(b, "<tr data-id=\"");
        sb_html(b, jstr(c, "id"));
        sb_puts(b, "\"><td>");
        sb_html(b, trust_name(c));
        sb_puts(b, "</td>");
        cell_money(b, jnum(jget(c, "requested"), "mean"));
        cell_money(b, jnum(jget(c, "paid"), "mean"));
        cell_money(b, jnum(jget(c, "national_topup"), "mean"));
        cell_money(b, jq(jget(c, "requested"), Q99));
        cell_prob(b, jnum(jget(c, "p_exhausted"), "estimate"));
        cell_interval(b, jget(c, "p_exhausted"));
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
    scroll_close(b, n);
    sb_puts(b, "<h3>Requested from each consortium</h3>\n");
    scroll_open(b, n, "consortia");
    dist_header(b, "consortium (£m)");
    cJSON_ArrayForEach(c, cons) dist_row(b, trust_name(c), jget(c, "requested"));
    sb_puts(b, "</tbody></table>\n");
    scroll_close(b, n);
}

static void section_cash(sbuf *b, plotter *pl, const ranked *rk, int n, int horizon)
{
    int k = n < MAX_FANS ? n : MAX_FANS;
    sb_printf(b,
              "<h2 id=\"cash\">Cash of the trusts most at risk</h2>\n<p>Fan charts of month-end "
              "cash after any bail-out, in £m, for the %d trusts most likely to fail: the dark "
              "band holds the middle half of the paths (25th to 75th percentile), the light band "
              "nine paths in ten (5th to 95th), the line is the median. Bail-outs hold cash at "
              "the floor, so a band pressed flat against it means most paths are being bailed "
              "out.</p>\n<div class=\"fans\">\n",
              k);
    for (int i = 0; i < k; i++) {
        const cJSON *bands = jget(rk[i].t, "cash_bands");
        sbuf s = {0};
        gp_begin(&s, 640, 360, trust_name(rk[i].t));
        sb_puts(&s, "set key outside below center horizontal\n$c << EOD\n");
        int rows = 0;
        for (int t = 0; t < horizon; t++) {
            double v[TR__NBANDS];
            int ok = 1;
            for (int q = 0; q < TR__NBANDS; q++) {
                v[q] = jarr_num(jget(bands, tr__band_keys[q].json), t);
                if (isnan(v[q])) ok = 0;
            }
            if (!ok) continue;
            sb_printf(&s, "%d %.10g %.10g %.10g %.10g %.10g\n", t + 1, v[TR__P5], v[TR__P25],
                      v[TR__P50], v[TR__P75], v[TR__P95]);
            rows++;
        }
        sb_printf(&s,
                  "EOD\nset xrange [1:%d]\nset xlabel 'month'\nset ylabel 'cash, £m'\n"
                  "set xzeroaxis lt 1 lc rgb '#999999' dt 2\n"
                  "plot $c using 1:2:6 with filledcurves fc rgb '#c6dbef' fs solid title "
                  "'5-95 %%', $c using 1:3:5 with filledcurves fc rgb '#6baed6' fs solid title "
                  "'25-75 %%', $c using 1:4 with lines lw 2 lc rgb '#08306b' title 'median'\n",
                  horizon > 1 ? horizon : 2);
        sb_puts(b, "<div>");
        if (rows == 0) {
            sb_puts(b, "<p>No cash bands for ");
            sb_html(b, trust_name(rk[i].t));
            sb_puts(b, " in results.json.</p>");
        } else {
            char alt[128];
            snprintf(alt, sizeof alt, "Fan chart of cash, trust ranked %d", i + 1);
            plot(pl, b, &s, alt);
        }
        sb_puts(b, "</div>\n");
        free(s.p);
    }
    sb_puts(b, "</div>\n");
}

static void section_schemes(sbuf *b, plotter *pl, const cJSON *root)
{
    const cJSON *trusts = jget(root, "trusts");
    int total = 0;
    const cJSON *t, *s;
    cJSON_ArrayForEach(t, trusts) total += jarr_len(jget(t, "schemes"));
    sb_puts(b, "<h2 id=\"schemes\">Schemes whose shortfall drives failure</h2>\n<p>A scheme's "
               "shortfall is the saving it would have booked within the horizon had it "
               "delivered in full and on time, less what it booked. Where the shortfall on the "
               "paths on which its trust fails is much larger than on all paths, that scheme's "
               "under-delivery is what tips the trust over: those schemes come first. A blank "
               "means the trust never fails, so there is nothing to condition on.</p>\n");
    if (total == 0) {
        sb_puts(b, "<p>No schemes in this run.</p>\n");
        return;
    }
    scheme_row *rows = malloc(sizeof *rows * (size_t)total);
    if (rows == NULL) {
        b->oom = 1;
        return;
    }
    int n = 0;
    cJSON_ArrayForEach(t, trusts)
    {
        cJSON_ArrayForEach(s, jget(t, "schemes"))
        {
            if (n >= total) break;
            rows[n].t = t;
            rows[n].s = s;
            rows[n].all = jnum(s, "shortfall_mean");
            rows[n].given = jnum(s, "shortfall_mean_given_fail");
            rows[n].diff = rows[n].given - rows[n].all;
            n++;
        }
    }
    qsort(rows, (size_t)n, sizeof *rows, cmp_scheme);
    int k = 0;
    while (k < n && k < MAX_TORNADO && !isnan(rows[k].diff))
        k++;
    if (k > 0) {
        sbuf sc = {0};
        gp_begin(&sc, 1100, 120 + 34 * k, NULL);
        sb_puts(&sc, "$s << EOD\n");
        for (int i = 0; i < k; i++) {
            sb_printf(&sc, "%d %.10g %.10g \"", k - i, isnan(rows[i].all) ? 0.0 : rows[i].all,
                      rows[i].given);
            sb_label(&sc, trust_name(rows[i].t));
            sb_puts(&sc, ": ");
            const char *sn = jstr(rows[i].s, "name");
            sb_label(&sc, sn ? sn : jstr(rows[i].s, "id"));
            sb_puts(&sc, "\"\n");
        }
        sb_printf(&sc,
                  "EOD\nset yrange [0.4:%d.6]\nset xrange [0:*]\nset ytics scale 0\n"
                  "set grid noytics\nset key outside top center horizontal\n"
                  "set xlabel 'mean shortfall against plan over the horizon, £m'\n"
                  "set style fill solid 1.0 noborder\n"
                  "plot $s using 3:1:(0):3:($1-0.36):($1) with boxxyerror lc rgb '#d62728' "
                  "title 'on paths where the trust fails', "
                  "$s using 2:1:(0):2:($1):($1+0.36) with boxxyerror lc rgb '#6baed6' "
                  "title 'on all paths', "
                  "$s using (0):1:ytic(4) with points pt -1 notitle\n",
                  k);
        plot(pl, b, &sc, "Tornado chart of scheme shortfalls");
        free(sc.p);
    }
    int shown = n < MAX_SCHEME_ROWS ? n : MAX_SCHEME_ROWS;
    scroll_open(b, shown, shown < n ? "schemes that drive failure most" : "schemes");
    sb_puts(b, "<table id=\"schemes-table\"><thead><tr><th>trust</th><th>scheme</th>"
               "<th>mean shortfall, all paths, £m</th><th>mean shortfall when the trust "
               "fails, £m</th><th>difference, £m</th></tr></thead><tbody>\n");
    for (int i = 0; i < shown; i++) {
        sb_puts(b, "<tr><td>");
        sb_html(b, trust_name(rows[i].t));
        sb_puts(b, "</td><td>");
        const char *sn = jstr(rows[i].s, "name");
        sb_html(b, sn ? sn : jstr(rows[i].s, "id"));
        sb_puts(b, "</td>");
        cell_money(b, rows[i].all);
        cell_money(b, rows[i].given);
        cell_money(b, rows[i].diff);
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
    scroll_close(b, shown);
    if (shown < n)
        sb_printf(b,
                  "<p class=\"scrollnote\">The other %d schemes, which drive failure less, are "
                  "in schemes.csv with every scheme's shortfall on all paths and when its trust "
                  "fails.</p>\n",
                  n - shown);
    free(rows);
}

static void section_failures(sbuf *b, plotter *pl, const cJSON *root)
{
    const cJSON *sys = jget(root, "system");
    const cJSON *distn = jget(jget(sys, "failures"), "distribution");
    int n = jarr_len(distn);
    sb_puts(b, "<h2 id=\"failures\">How many trusts fail</h2>\n<p>The probability that exactly "
               "<em>k</em> trusts fail within the horizon. When trusts share the same pressures "
               "(the factors in the config), failures come together and the right-hand tail "
               "grows fatter than independent trusts would give.</p>\n");
    if (n == 0) {
        sb_puts(b, "<p>Not in results.json.</p>\n");
        return;
    }
    int last = n - 1;
    while (last > 1 && !(jarr_num(distn, last) > 0))
        last--;
    sbuf s = {0};
    gp_begin(&s, 1100, 380, NULL);
    sb_puts(&s, "$n << EOD\n");
    for (int k = 0; k <= last; k++)
        sb_printf(&s, "%d %.10g\n", k, 100.0 * jarr_num(distn, k));
    sb_printf(&s,
              "EOD\nset boxwidth 0.7\nset style fill solid 1.0 noborder\nset key off\n"
              "set xrange [-0.6:%d.6]\nset yrange [0:*]\nset xtics 1\nset format y '%%g%%%%'\n"
              "set xlabel 'number of trusts failing'\nset ylabel 'probability'\n"
              "plot $n using 1:2 with boxes lc rgb '#1f77b4'\n",
              last);
    plot(pl, b, &s, "Distribution of the number of trusts failing");
    free(s.p);
    scroll_open(b, n, "rows, one for each number of trusts");
    sb_puts(b, "<table id=\"failures-table\"><thead><tr><th>trusts failing</th><th>probability"
               "</th><th>probability of at least this many</th></tr></thead><tbody>\n");
    double tail = 0;
    double *at_least = malloc(sizeof *at_least * (size_t)n);
    if (at_least == NULL) {
        b->oom = 1;
        return;
    }
    for (int k = n - 1; k >= 0; k--) {
        double v = jarr_num(distn, k);
        tail += isnan(v) ? 0 : v;
        at_least[k] = tail > 1 ? 1 : tail;
    }
    for (int k = 0; k < n; k++) {
        char s0[16];
        snprintf(s0, sizeof s0, "%d", k);
        sb_puts(b, "<tr>");
        cell_num(b, k, s0);
        cell_prob(b, jarr_num(distn, k));
        cell_prob(b, at_least[k]);
        sb_puts(b, "</tr>\n");
    }
    free(at_least);
    sb_puts(b, "</tbody></table>\n");
    scroll_close(b, n);
    sb_puts(b, "<h3>System totals</h3>\n");
    dist_header(b, "over all trusts (£m)");
    dist_row(b, "total bail-out", jget(sys, "bailout"));
    dist_row(b, "national top-up", jget(sys, "national_topup"));
    sb_puts(b, "</tbody></table>\n");
}

/* Precision targets and importance sampling, when the run had them. */
static void provenance_sampling(sbuf *b, const cJSON *root)
{
    const cJSON *pr = jget(root, "precision"), *sm = jget(root, "sampling");
    if (pr) {
        sb_printf(b,
                  "</tr>\n<tr><th scope=\"row\">precision target</th><td>se &le; max(%g, %g "
                  "&times; P(fail)): %s after %.17g of at most %.17g paths</td>",
                  isfinite(jnum(pr, "target_se")) ? jnum(pr, "target_se") : 0.0,
                  isfinite(jnum(pr, "target_rel")) ? jnum(pr, "target_rel") : 0.0,
                  cJSON_IsTrue(jget(pr, "met")) ? "met" : "<strong>not met</strong>",
                  jnum(pr, "paths_used"), jnum(pr, "max_paths"));
    }
    if (sm) {
        sb_puts(b, "</tr>\n<tr><th scope=\"row\">sampling</th><td><strong>importance "
                   "sampled</strong>: every figure is weighted by each path's likelihood ratio; "
                   "shift");
        const cJSON *f;
        cJSON_ArrayForEach(f, jget(sm, "shift"))
        {
            sb_puts(b, " ");
            sb_html(b, f->string);
            sb_printf(b, " %+.3f", f->valuedouble);
        }
        sb_printf(b, "%s; effective sample size %.0f, mean weight %.4f</td>",
                  jget(sm, "pilot") ? " (chosen by the pilot)" : "",
                  jnum(sm, "effective_sample_size"), jnum(sm, "mean_weight"));
    }
}

static void section_provenance(sbuf *b, const cJSON *root, const plotter *pl)
{
    const cJSON *eng = jget(root, "engine"), *cfg = jget(root, "config");
    sb_puts(b, "<h2 id=\"provenance\">Provenance</h2>\n<p>The results are a pure function of "
               "the config file (identified by its SHA-256), the seed, the number of paths and "
               "the engine version: the same four give the same numbers, byte for byte.</p>\n"
               "<table id=\"provenance-table\"><tbody>\n<tr><th scope=\"row\">config</th><td>");
    sb_html(b, jstr(cfg, "name"));
    sb_puts(b, "</td></tr>\n<tr><th scope=\"row\">config SHA-256</th><td><code>");
    sb_html(b, jstr(cfg, "sha256"));
    sb_puts(b, "</code></td></tr>\n<tr><th scope=\"row\">seed</th>");
    char s[64];
    snprintf(s, sizeof s, "%.17g", jnum(root, "seed"));
    cell_num(b, jnum(root, "seed"), s);
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">paths</th>");
    snprintf(s, sizeof s, "%.17g", jnum(root, "paths"));
    cell_num(b, jnum(root, "paths"), s);
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">horizon, months</th>");
    snprintf(s, sizeof s, "%.17g", jnum(root, "horizon_months"));
    cell_num(b, jnum(root, "horizon_months"), s);
    provenance_sampling(b, root);
    sb_puts(b, "</tr>\n<tr><th scope=\"row\">engine</th><td>");
    sb_html(b, jstr(eng, "name") ? jstr(eng, "name") : "trustrisk");
    sb_puts(b, " ");
    sb_html(b, jstr(eng, "version"));
    sb_puts(b, "</td></tr>\n<tr><th scope=\"row\">charts</th><td>");
    if (pl->draw == NULL)
        sb_puts(b, "none: gnuplot is not installed");
    else if (pl->failed)
        sb_printf(b, "drawn by gnuplot; %d could not be drawn", pl->failed);
    else
        sb_puts(b, "drawn by gnuplot");
    sb_puts(b, "</td></tr>\n</tbody></table>\n");
}

static void section_reading(sbuf *b)
{
    sb_puts(b, "<h2 id=\"reading\">How to read this report</h2>\n<ul>\n"
               "<li><strong>Path.</strong> One path is one possible future: every uncertain "
               "quantity (how much each scheme delivers, how late it starts, whether a closure is "
               "stayed, how costs grow) is drawn once, and every trust's cash is followed month by "
               "month. Probabilities are the share of paths on which something happens.</li>\n"
               "<li><strong>Failure.</strong> A trust fails in the first month its cash would fall "
               "below its floor; it then needs a bail-out to pay its bills, that month and every "
               "later month it is short.</li>\n"
               "<li><strong>Intervals.</strong> A 95 % interval of 12.1 % &ndash; 14.0 % means "
               "that, with the same config, the true probability lies in that range with 95 % "
               "confidence; more paths make it narrower. It says nothing about whether the config "
               "itself is right.</li>\n"
               "<li><strong>Quantiles and ES.</strong> The 99 % bail-out is exceeded on one path "
               "in a hundred; the expected shortfall (ES 99 %) is the average over that worst one "
               "in a hundred.</li>\n"
               "<li><strong>Dashes.</strong> A dash marks a quantity that is undefined, such as "
               "the mean month of failure of a trust that never fails.</li>\n</ul>\n");
}

/* ------------------------------------------------------------------ */

static tr_status build_page(const cJSON *root, const char *file, tr_chart_fn draw, void *user,
                            sbuf *b)
{
    plotter pl = {draw, user, 0, 0, ""};
    const cJSON *trusts = jget(root, "trusts");
    int n = jarr_len(trusts);
    ranked *rk = malloc(sizeof *rk * (size_t)n);
    if (rk == NULL) return TR_E_NOMEM;
    for (int i = 0; i < n; i++) {
        rk[i].t = cJSON_GetArrayItem(trusts, i);
        rk[i].p = nz(jnum(jget(rk[i].t, "p_fail"), "estimate"));
        rk[i].bo = nz(jnum(jget(rk[i].t, "bailout"), "mean"));
        rk[i].index = i;
    }
    qsort(rk, (size_t)n, sizeof *rk, cmp_ranked);
    double hz = jnum(root, "horizon_months");
    int horizon = hz >= 1 && hz <= 100000 ? (int)hz : 1;
    double paths = jnum(root, "paths");

    section_header(b, root, file, &pl);
    section_summary(b, root);
    section_ranking(b, rk, n);
    section_failure_curves(b, &pl, rk, n, horizon);
    section_bailouts(b, &pl, rk, n, paths);
    section_consortia(b, &pl, root, paths);
    section_cash(b, &pl, rk, n, horizon);
    section_schemes(b, &pl, root);
    section_failures(b, &pl, root);
    section_provenance(b, root, &pl);
    section_reading(b);
    sb_puts(b, "</body>\n</html>\n");
    free(rk);
    return b->oom ? TR_E_NOMEM : TR_OK;
}

/* The JSON document `text` parsed into *root; TR_E_INPUT, saying where and
 * why, when it is not JSON (`expected`: what it should have been). */
static tr_status parse_doc(const char *text, size_t len, const char *file, const char *expected,
                           cJSON **root, tr_error *err)
{
    *root = NULL;
    /* The strict scanner says where and why the text is not JSON; cJSON
     * then builds the tree (it fails now only for want of memory). */
    tr__json_scan sc;
    size_t bad = tr__utf8_check(text, len);
    if (bad < len || tr__json_check(text, len, NULL, &sc) != TR__JSON_OK) {
        int line, col;
        tr__line_col(text, bad < len ? bad : sc.verdict == TR__JSON_BAD ? sc.at : 0, &line, &col);
        return tr_error_add(err, TR_E_INPUT, file, NULL, line, col,
                            "not valid JSON: %s (expected %s)",
                            bad < len                      ? "not UTF-8 text"
                            : sc.verdict == TR__JSON_EMPTY ? "the file is empty"
                                                           : sc.msg,
                            expected);
    }
    *root = cJSON_ParseWithLength(text, len);
    if (*root == NULL)
        return tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory reading %s",
                            expected);
    return TR_OK;
}

tr_status tr_report_html(const char *results_json, size_t len, const char *source_name,
                         tr_chart_fn chart, void *chart_user, char **html, tr_error *err)
{
    *html = NULL;
    const char *file = source_name ? source_name : "results.json";
    if (results_json == NULL)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "no results given for the report");
    cJSON *root = NULL;
    tr_status st = parse_doc(results_json, len, file, "the results.json written by 'trustrisk run'",
                             &root, err);
    if (st == TR_OK) st = check_results(root, file, err);
    if (st == TR_OK) {
        sbuf page = {0};
        st = build_page(root, file, chart, chart_user, &page);
        if (st == TR_OK)
            *html = page.p;
        else
            free(page.p);
        if (st == TR_E_NOMEM)
            tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory making the report");
    }
    cJSON_Delete(root);
    return st;
}

tr_status tr_report_html_file(const char *results_file, tr_chart_fn chart, void *chart_user,
                              char **html, tr_error *err)
{
    *html = NULL;
    if (results_file == NULL)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "no results file given for the report");
    char *data = NULL;
    size_t len = 0;
    tr_status st =
        tr__file_read(results_file, REPORT_MAX_INPUT, REPORT_MISSING_HINT, &data, &len, err);
    if (st == TR_OK) st = tr_report_html(data, len, results_file, chart, chart_user, html, err);
    free(data);
    return st;
}

/* A page made in `page` as *html; TR_E_NOMEM, and no page, when memory
 * ran out while it was made. */
static tr_status page_done(sbuf *page, const char *file, char **html, tr_error *err)
{
    if (page->oom) {
        free(page->p);
        return tr_error_add(err, TR_E_NOMEM, file, NULL, 0, 0, "out of memory making the page");
    }
    *html = page->p;
    return TR_OK;
}

/* ------------------------------------------------------------------ */
/* A batch's comparison page, from its comparison.json.               */

/* A signed difference for people: "+1.2 pts" of a probability (`prob`),
 * "+12.3" of an amount; "0" when it is below `tiny` (rounding in the last
 * bits of amounts the two scenarios share). */
static void cmp_fmt_delta(char *s, size_t n, double d, int prob, double tiny)
{
    if (isnan(d)) {
        snprintf(s, n, "&mdash;");
    } else if (fabs(d) <= tiny) {
        snprintf(s, n, "0");
    } else if (prob) {
        double pts = 100.0 * d; /* percentage points; small ones to two digits */
        snprintf(s, n, fabs(pts) >= 0.1 ? "%+.1f pts" : "%+.2g pts", pts);
    } else {
        char m[32];
        if (fabs(d) >= 0.1)
            fmt_money(m, sizeof m, fabs(d));
        else
            snprintf(m, sizeof m, "%.2g", fabs(d));
        snprintf(s, n, "%s%s", d > 0 ? "+" : "&minus;", m);
    }
}

/* The cells of one compared quantity (comparison.json's {scenario,
 * reference, delta, se, ci95, se_unpaired}, or null): the scenario's mean,
 * the difference, its 95 % interval and the gain from pairing. */
static void cells_compared(sbuf *b, const cJSON *q, int prob)
{
    if (!cJSON_IsObject(q)) {
        sb_puts(b, "<td class=\"na\" colspan=\"4\">not in both scenarios</td>");
        return;
    }
    char s[64], lo_s[32], hi_s[32];
    double mean = jnum(q, "scenario"), d = jnum(q, "delta"), ref = jnum(q, "reference");
    /* differences this small are the rounding of equal amounts */
    double tiny = 1e-12 * fmax(fabs(mean), fabs(ref));
    if (prob)
        cell_prob(b, mean);
    else
        cell_money(b, mean);
    cmp_fmt_delta(s, sizeof s, d, prob, tiny);
    cell_num(b, d, s);
    const cJSON *ci = jget(q, "ci95");
    double lo = jarr_num(ci, 0), hi = jarr_num(ci, 1);
    if (isnan(lo) || isnan(hi)) {
        cell_interval_na(b);
    } else {
        cmp_fmt_delta(lo_s, sizeof lo_s, lo, prob, tiny);
        cmp_fmt_delta(hi_s, sizeof hi_s, hi, prob, tiny);
        sb_printf(b, "<td class=\"num%s\" data-lo=\"%.17g\" data-hi=\"%.17g\">%s to %s</td>",
                  lo > tiny || hi < -tiny ? " moved" : "", lo, hi, lo_s, hi_s);
    }
    /* The gain: se_unpaired / se. */
    double se = jnum(q, "se"), su = jnum(q, "se_unpaired");
    if (isnan(se) || isnan(su)) {
        sb_puts(b, "<td class=\"num na\" data-value=\"null\">&mdash;</td>");
    } else if (se > tiny) {
        snprintf(s, sizeof s, "%.1f&times;", su / se);
        cell_num(b, su / se, s);
    } else {
        sb_printf(b, "<td class=\"num na\" data-value=\"null\">%s</td>",
                  fabs(d) <= tiny ? "identical" : "exact");
    }
}

static void compared_header(sbuf *b, const char *first, const char *q0, const char *q1)
{
    sb_puts(b, "<table><thead><tr><th rowspan=\"2\">");
    sb_puts(b, first);
    sb_printf(b, "</th><th colspan=\"4\">%s</th>", q0);
    if (q1) sb_printf(b, "<th colspan=\"4\">%s</th>", q1);
    sb_puts(b, "</tr><tr>");
    for (int k = 0; k < (q1 ? 2 : 1); k++)
        sb_puts(b, "<th>scenario</th><th>difference</th><th>95 % interval</th><th>gain</th>");
    sb_puts(b, "</tr></thead><tbody>\n");
}

/* A row per item (trust or consortium) of one comparison. */
static void rows_items(sbuf *b, const cJSON *items, const char *q0, const char *q1, int prob0)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        sb_puts(b, "<tr data-id=\"");
        sb_html(b, jstr(it, "id"));
        sb_puts(b, "\"><td>");
        sb_html(b, jstr(it, "name") ? jstr(it, "name") : jstr(it, "id"));
        const char *in = jstr(it, "in");
        if (in && strcmp(in, "scenario") == 0) sb_puts(b, " <em>(only in the scenario)</em>");
        if (in && strcmp(in, "reference") == 0) sb_puts(b, " <em>(only in the reference)</em>");
        sb_puts(b, "</td>");
        cells_compared(b, jget(it, q0), prob0);
        cells_compared(b, jget(it, q1), 0);
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
}

static const char cmp_css[] = "td.moved{font-weight:bold;}";

static void cmp_header(sbuf *b, const cJSON *root, const char *ref_name)
{
    const char *name = jstr(jget(root, "batch"), "name");
    sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>trustrisk comparison: ");
    sb_html(b, name ? name : "batch");
    sb_printf(b, "</title>\n<style>%s%s</style>\n</head>\n<body>\n<h1>trustrisk comparison: ", css,
              cmp_css);
    sb_html(b, name ? name : "(unnamed batch)");
    sb_printf(b,
              "</h1>\n<p class=\"lede\">Every scenario was simulated on the same %.17g paths "
              "(seed %.17g) and compared with the reference, <strong>",
              jnum(root, "paths"), jnum(root, "seed"));
    sb_html(b, ref_name);
    sb_puts(b, "</strong>, path by path: a difference is the scenario less the reference on "
               "the same futures, so it is measured far more precisely than two separate runs "
               "could measure it. A bold interval excludes zero: the change is real, not "
               "noise.</p>\n<nav><a href=\"#scenarios\">Scenarios</a><a href=\"#system\">"
               "System</a>");
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(root, "comparisons"))
    {
        sb_puts(b, "<a href=\"#s-");
        sb_html(b, jstr(c, "scenario"));
        sb_puts(b, "\">");
        sb_html(b, jstr(c, "scenario"));
        sb_puts(b, "</a>");
    }
    sb_puts(b, "<a href=\"#reading\">How to read</a></nav>\n");
}

/* The scenario's entry of "scenarios" with this id, or NULL. */
static const cJSON *cmp_scenario(const cJSON *root, const char *id)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(root, "scenarios"))
    {
        const char *sid = jstr(s, "id");
        if (sid && id && strcmp(sid, id) == 0) return s;
    }
    return NULL;
}

static void cmp_scenarios(sbuf *b, const cJSON *root)
{
    sb_puts(b, "<h2 id=\"scenarios\">Scenarios</h2>\n<table><thead><tr><th>id</th><th>name</th>"
               "<th>what it is</th><th>config SHA-256</th></tr></thead><tbody>\n");
    const char *ref = jstr(root, "reference");
    const cJSON *s;
    cJSON_ArrayForEach(s, jget(root, "scenarios"))
    {
        const char *id = jstr(s, "id");
        sb_puts(b, "<tr><td><code>");
        sb_html(b, id);
        sb_puts(b, "</code>");
        if (id && ref && strcmp(id, ref) == 0) sb_puts(b, " (reference)");
        sb_puts(b, "</td><td>");
        sb_html(b, jstr(s, "name"));
        sb_puts(b, "</td><td>");
        sb_html(b, jstr(s, "notes"));
        sb_puts(b, "</td><td><code>");
        const char *sha = jstr(s, "config_sha256");
        if (sha) sb_putn(b, sha, strlen(sha) < 12 ? strlen(sha) : 12);
        sb_puts(b, "</code></td></tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
}

static void cmp_system(sbuf *b, const cJSON *root)
{
    sb_puts(b, "<h2 id=\"system\">System</h2>\n<p>Each scenario's expected number of trusts "
               "failing, expected total bail-out and expected national top-up (£m), and the "
               "difference from the reference.</p>\n");
    sb_puts(b, "<table><thead><tr><th rowspan=\"2\">scenario</th>"
               "<th colspan=\"4\">trusts failing</th><th colspan=\"4\">total bail-out, £m</th>"
               "<th colspan=\"4\">national top-up, £m</th></tr><tr>");
    for (int k = 0; k < 3; k++)
        sb_puts(b, "<th>scenario</th><th>difference</th><th>95 % interval</th><th>gain</th>");
    sb_puts(b, "</tr></thead><tbody>\n");
    const cJSON *c;
    cJSON_ArrayForEach(c, jget(root, "comparisons"))
    {
        const cJSON *sys = jget(c, "system");
        const cJSON *sc = cmp_scenario(root, jstr(c, "scenario"));
        sb_puts(b, "<tr data-id=\"");
        sb_html(b, jstr(c, "scenario"));
        sb_puts(b, "\"><td>");
        sb_html(b, sc && jstr(sc, "name") ? jstr(sc, "name") : jstr(c, "scenario"));
        sb_puts(b, "</td>");
        cells_compared(b, jget(sys, "failures"), 0);
        cells_compared(b, jget(sys, "bailout"), 0);
        cells_compared(b, jget(sys, "national_topup"), 0);
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
}

static void cmp_one(sbuf *b, const cJSON *root, const cJSON *c)
{
    const char *id = jstr(c, "scenario");
    const cJSON *sc = cmp_scenario(root, id);
    sb_puts(b, "<h2 id=\"s-");
    sb_html(b, id);
    sb_puts(b, "\">");
    sb_html(b, sc && jstr(sc, "name") ? jstr(sc, "name") : id);
    sb_puts(b, "</h2>\n");
    if (sc && jstr(sc, "notes")) {
        sb_puts(b, "<p>");
        sb_html(b, jstr(sc, "notes"));
        sb_puts(b, "</p>\n");
    }
    sb_puts(b, "<h3>Trusts</h3>\n");
    compared_header(b, "trust", "probability of failure", "mean bail-out, £m");
    rows_items(b, jget(c, "trusts"), "p_fail", "bailout", 1);
    sb_puts(b, "<h3>Consortia</h3>\n");
    compared_header(b, "consortium", "mean paid from the reserve, £m", "mean national top-up, £m");
    rows_items(b, jget(c, "consortia"), "paid", "national_topup", 0);
}

static void cmp_reading(sbuf *b)
{
    sb_puts(b, "<h2 id=\"reading\">How to read this page</h2>\n<ul>\n"
               "<li><strong>Difference.</strong> The scenario's mean less the reference's, "
               "taken path by path over the same simulated futures. Every draw a scenario does "
               "not change is the same in both, so the difference shows the change alone.</li>\n"
               "<li><strong>95 % interval.</strong> The range the true difference lies in with "
               "95 % confidence, given the configs; more paths make it narrower. An interval in "
               "bold excludes zero.</li>\n"
               "<li><strong>Gain.</strong> How many times smaller the paired standard error is "
               "than that of two separate runs of as many paths each (the ratio of "
               "comparison.json's <code>se_unpaired</code> to <code>se</code>). A gain of 5 "
               "means separate runs would need 25 times the paths to measure the difference as "
               "well. <em>identical</em>: the quantity is the same in both scenarios on every "
               "path (the change does not reach it); <em>exact</em>: the difference is the same "
               "on every path, so it has no sampling error.</li>\n"
               "<li><strong>Dashes.</strong> A trust or consortium that only one of the two "
               "scenarios has cannot be compared.</li>\n</ul>\n");
}

tr_status tr_comparison_html(const char *comparison_json, size_t len, const char *source_name,
                             char **html, tr_error *err)
{
    *html = NULL;
    const char *file = source_name ? source_name : "comparison.json";
    if (comparison_json == NULL)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "no comparison given");
    cJSON *root = NULL;
    tr_status st = parse_doc(comparison_json, len, file,
                             "the comparison.json written by 'trustrisk batch'", &root, err);
    if (st == TR_OK && (!cJSON_IsArray(jget(root, "comparisons")) ||
                        !cJSON_IsArray(jget(root, "scenarios")) || !jstr(root, "reference")))
        st = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                          "lacks \"scenarios\", \"reference\" or \"comparisons\": not the "
                          "comparison.json written by 'trustrisk batch'");
    if (st == TR_OK) {
        sbuf page = {0};
        const cJSON *ref = cmp_scenario(root, jstr(root, "reference"));
        cmp_header(&page, root,
                   ref && jstr(ref, "name") ? jstr(ref, "name") : jstr(root, "reference"));
        cmp_scenarios(&page, root);
        cmp_system(&page, root);
        const cJSON *c;
        cJSON_ArrayForEach(c, jget(root, "comparisons")) cmp_one(&page, root, c);
        cmp_reading(&page);
        sb_puts(&page, "</body>\n</html>\n");
        st = page_done(&page, file, html, err);
    }
    cJSON_Delete(root);
    return st;
}

/* ------------------------------------------------------------------ */
/* The sensitivity page (trustrisk/sensitivity.h): tornado charts of  */
/* the bumps' effects, from sensitivity.json alone.                   */

/* Trusts with a tornado: base P(fail) at least this, the most at risk first. */
#define SENS_AT_RISK 0.01
#define SENS_MAX_TRUSTS 10
/* Rows of a ranking table (the CSV holds them all). */
#define SENS_MAX_ROWS 15

/* How one quantity is shown: its name, the unit of its deltas, and the
 * factor from sensitivity.json's numbers to that unit. */
typedef struct sens_unit {
    const char *what, *unit;
    double k;
} sens_unit;

static const sens_unit SENS_PFAIL = {"P(fail)", "percentage points", 100.0};
static const sens_unit SENS_MONEY_BO = {"E[bail-out]", "£m", 1.0};
static const sens_unit SENS_TOPUP = {"national top-up", "£m", 1.0};
static const sens_unit SENS_FAILURES = {"number of trusts failing", "trusts", 1.0};
static const sens_unit SENS_SYS_BO = {"total bail-out", "£m", 1.0};

/* A delta for people: sign, and two decimals (three for small ones). */
static void fmt_delta(char *s, size_t n, double v)
{
    if (isnan(v))
        snprintf(s, n, "&mdash;");
    else
        snprintf(s, n, fabs(v) >= 0.1 || v == 0 ? "%+.2f" : fabs(v) >= 0.01 ? "%+.3f" : "%+.2g", v);
}

static void cell_delta(sbuf *b, double v, double k)
{
    char s[48];
    fmt_delta(s, sizeof s, k * v);
    cell_num(b, v, s);
}

/* A bump's label on a trust's chart: without the trust, which every bump
 * there concerns ("delivery:agency" for "delivery:north-royal/agency"). */
static const char *sens_label(const char *bump, const char *trust, char *buf, size_t n)
{
    const char *colon = bump ? strchr(bump, ':') : NULL;
    size_t t = trust ? strlen(trust) : 0;
    if (!colon || !trust || strncmp(colon + 1, trust, t) != 0) return bump;
    const char *rest = colon + 1 + t;
    if (*rest != '\0' && *rest != '/') return bump;
    snprintf(buf, n, "%.*s%s%s", (int)(colon - bump), bump, *rest ? ":" : "",
             *rest ? rest + 1 : "");
    return buf;
}

/* One ranking's tornado: the largest effects, bars from 0 to delta (red:
 * the quantity rises, blue: it falls, grey: within noise) with their 95 %
 * intervals as whiskers. */
static void sens_tornado(sbuf *b, plotter *pl, const cJSON *ranking, const sens_unit *u,
                         const char *title, const char *trust)
{
    int n = jarr_len(ranking), k = n < MAX_TORNADO ? n : MAX_TORNADO;
    if (k == 0) return;
    sbuf sc = {0};
    char lab[200];
    gp_begin(&sc, 1100, 140 + 30 * k, title);
    sb_puts(&sc, "$d << EOD\n");
    for (int i = 0; i < k; i++) {
        const cJSON *e = cJSON_GetArrayItem(ranking, i);
        const cJSON *ci = jget(e, "ci95");
        double d = jnum(e, "delta"), lo = jarr_num(ci, 0), hi = jarr_num(ci, 1);
        int noise = cJSON_IsTrue(jget(e, "within_noise"));
        long colour = noise ? 0xbbbbbbL : d > 0 ? 0xd62728L : 0x1f77b4L;
        if (isnan(lo) || isnan(hi)) lo = hi = d;
        sb_printf(&sc, "%d %.10g %.10g %.10g %ld \"", k - i, u->k * d, u->k * lo, u->k * hi,
                  colour);
        sb_label(&sc, sens_label(jstr(e, "bump"), trust, lab, sizeof lab));
        sb_puts(&sc, "\"\n");
    }
    sb_printf(&sc,
              "EOD\nset yrange [0.4:%d.6]\nset ytics scale 0\nset grid noytics\nset key off\n"
              "set xlabel 'change when the assumption is bumped, %s (bars: 95 %% interval; "
              "grey: within noise)'\n"
              "set style fill solid 1.0 noborder\nset autoscale xfix\n"
              "set offsets graph 0.03, graph 0.03, 0, 0\n"
              "set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb '#555555'\n"
              "plot $d using (0):1:($2 < 0 ? $2 : 0):($2 > 0 ? $2 : 0):($1-0.34):($1+0.34):5 "
              "with boxxyerror lc rgb variable, "
              "$d using 2:1:3:4 with xerrorbars pt -1 lw 1.5 lc rgb '#333333', "
              "$d using (0):1:ytic(6) with points pt -1\n",
              k, u->unit);
    char alt[300];
    snprintf(alt, sizeof alt, "Tornado chart of the bumps' effects on %s", title);
    plot(pl, b, &sc, alt);
    free(sc.p);
}

/* The ranking as a table: rank, bump, what it changes, delta, se, interval, noise. */
static void sens_table(sbuf *b, const cJSON *q, const sens_unit *u, const char *id)
{
    const cJSON *ranking = jget(q, "ranking");
    int n = jarr_len(ranking);
    double unchanged = jnum(q, "unchanged");
    if (n == 0) {
        sb_puts(b, "<p>No bump changes it on any path.</p>\n");
        return;
    }
    sb_printf(b,
              "<table id=\"%s\"><thead><tr><th>rank</th><th>bump</th><th>what changes</th>"
              "<th>change, %s</th><th>se</th><th>95 %% interval</th><th>se of two separate "
              "runs</th><th>within noise</th></tr></thead><tbody>\n",
              id, u->unit);
    for (int i = 0; i < n && i < SENS_MAX_ROWS; i++) {
        const cJSON *e = cJSON_GetArrayItem(ranking, i);
        const cJSON *ci = jget(e, "ci95");
        char s[32];
        snprintf(s, sizeof s, "%d", i + 1);
        sb_puts(b, "<tr>");
        cell_num(b, i + 1, s);
        sb_puts(b, "<td><code>");
        sb_html(b, jstr(e, "bump"));
        sb_puts(b, "</code></td><td>");
        sb_html(b, jstr(e, "description"));
        sb_puts(b, "</td>");
        cell_delta(b, jnum(e, "delta"), u->k);
        double se = jnum(e, "se");
        char t[48];
        snprintf(t, sizeof t, "%.3g", u->k * se);
        cell_num(b, se, isnan(se) ? "&mdash;" : t);
        char lo[48], hi[48];
        double clo = jarr_num(ci, 0), chi = jarr_num(ci, 1);
        fmt_delta(lo, sizeof lo, u->k * clo);
        fmt_delta(hi, sizeof hi, u->k * chi);
        if (isnan(clo) || isnan(chi))
            cell_interval_na(b);
        else
            sb_printf(b, "<td class=\"num\" data-lo=\"%.17g\" data-hi=\"%.17g\">%s to %s</td>", clo,
                      chi, lo, hi);
        double su = jnum(e, "se_unpaired");
        snprintf(t, sizeof t, "%.3g", u->k * su);
        cell_num(b, su, isnan(su) ? "&mdash;" : t);
        sb_puts(b, cJSON_IsTrue(jget(e, "within_noise")) ? "<td>yes</td>" : "<td>no</td>");
        sb_puts(b, "</tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
    if (n > SENS_MAX_ROWS || unchanged > 0) {
        sb_puts(b, "<p class=\"lede\">");
        if (n > SENS_MAX_ROWS)
            sb_printf(b, "The %d smaller effects are in sensitivity.csv. ", n - SENS_MAX_ROWS);
        if (unchanged > 0)
            sb_printf(b, "%.17g bump%s change%s it on no path.", unchanged,
                      unchanged == 1 ? "" : "s", unchanged == 1 ? "s" : "");
        sb_puts(b, "</p>\n");
    }
}

/* A trust with a tornado. */
typedef struct sens_trust {
    const cJSON *t;
    double p, bo;
    int index;
} sens_trust;

static int sens_by_risk(const void *a, const void *b)
{
    const sens_trust *x = a, *y = b;
    if (x->p != y->p) return x->p > y->p ? -1 : 1;
    if (x->bo != y->bo) return x->bo > y->bo ? -1 : 1;
    return x->index - y->index;
}

/* One quantity: its tornado and its table. `trust`: the trust's id, for
 * a trust's quantity (NULL for the system's). */
static void sens_quantity(sbuf *b, plotter *pl, const cJSON *q, const sens_unit *u,
                          const char *trust, const char *table_id)
{
    sens_tornado(b, pl, jget(q, "ranking"), u, u->what, trust);
    sens_table(b, q, u, table_id);
}

static void sens_system(sbuf *b, plotter *pl, const cJSON *root)
{
    const cJSON *sys = jget(root, "system");
    sb_puts(b, "<h2 id=\"system\">The system</h2>\n");
    static const struct {
        const char *key, *id;
        const sens_unit *u;
    } qs[] = {{"national_topup", "sens-topup", &SENS_TOPUP},
              {"failures", "sens-failures", &SENS_FAILURES},
              {"bailout", "sens-bailout", &SENS_SYS_BO}};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        const cJSON *q = jget(sys, qs[i].key);
        sb_printf(b, "<h3>%s%s: base %.2f</h3>\n", qs[i].u->what,
                  qs[i].u == &SENS_FAILURES ? "" : ", £m", jnum(q, "base"));
        sens_quantity(b, pl, q, qs[i].u, NULL, qs[i].id);
    }
}

static void sens_trusts(sbuf *b, plotter *pl, const cJSON *root)
{
    const cJSON *trusts = jget(root, "trusts");
    int n = jarr_len(trusts), m = 0;
    sens_trust *rk = malloc(sizeof *rk * (size_t)(n + 1));
    if (rk == NULL) {
        b->oom = 1;
        return;
    }
    for (int i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetArrayItem(trusts, i);
        double p = jnum(jget(t, "p_fail"), "base");
        if (p >= SENS_AT_RISK)
            rk[m++] = (sens_trust){t, p, nz(jnum(jget(t, "bailout"), "base")), i};
    }
    qsort(rk, (size_t)m, sizeof *rk, sens_by_risk);
    sb_printf(b,
              "<h2 id=\"trusts\">Trusts at risk</h2>\n<p>The trusts whose base probability "
              "of failure is at least %g %%, most at risk first (at most %d; every trust is "
              "in sensitivity.json and sensitivity.csv).</p>\n",
              100 * SENS_AT_RISK, SENS_MAX_TRUSTS);
    if (m == 0) sb_puts(b, "<p>No trust fails on that many paths in the base config.</p>\n");
    for (int i = 0; i < m && i < SENS_MAX_TRUSTS; i++) {
        const cJSON *t = rk[i].t;
        char p[32], bo[32], id[64];
        fmt_prob(p, sizeof p, rk[i].p);
        fmt_money(bo, sizeof bo, rk[i].bo);
        sb_printf(b, "<h3 id=\"trust-%d\">", i + 1);
        sb_html(b, trust_name(t));
        sb_printf(b, ": P(fail) %s, E[bail-out] £m %s</h3>\n", p, bo);
        snprintf(id, sizeof id, "sens-trust-%d-pfail", i + 1);
        sens_quantity(b, pl, jget(t, "p_fail"), &SENS_PFAIL, jstr(t, "id"), id);
        snprintf(id, sizeof id, "sens-trust-%d-bailout", i + 1);
        sens_quantity(b, pl, jget(t, "bailout"), &SENS_MONEY_BO, jstr(t, "id"), id);
    }
    free(rk);
}

static void sens_bumps(sbuf *b, const cJSON *root)
{
    const cJSON *sz = jget(root, "sizes"), *skipped = jget(root, "skipped");
    sb_puts(b, "<h2 id=\"bumps\">The bumps</h2>\n<table id=\"sens-sizes\"><thead><tr><th>"
               "assumption</th><th>bump</th></tr></thead><tbody>\n");
    sb_printf(b,
              "<tr><td>each scheme's mean delivered fraction</td><td>down by %.4g</td></tr>\n"
              "<tr><td>each scheme's slippage</td><td>times %.4g</td></tr>\n"
              "<tr><td>each scheme's paper, stay and compromise probabilities</td><td>up by "
              "%.4g, at most 1</td></tr>\n"
              "<tr><td>each trust's annual cost growth</td><td>up by %.4g</td></tr>\n"
              "<tr><td>each consortium's reserve</td><td>cut by %.4g %%</td></tr>\n"
              "</tbody></table>\n",
              jnum(sz, "delivery"), jnum(sz, "slippage"), jnum(sz, "probability"),
              jnum(sz, "cost_growth"), 100 * jnum(sz, "reserve"));
    sb_printf(b, "<p>%d bumps ran; %d were skipped because they cannot change anything:</p>\n",
              jarr_len(jget(root, "bumps")), jarr_len(skipped));
    if (jarr_len(skipped) == 0) return;
    sb_puts(b, "<table id=\"sens-skipped\"><thead><tr><th>bump</th><th>why it was skipped</th>"
               "</tr></thead><tbody>\n");
    const cJSON *e;
    cJSON_ArrayForEach(e, skipped)
    {
        sb_puts(b, "<tr><td><code>");
        sb_html(b, jstr(e, "id"));
        sb_puts(b, "</code></td><td>");
        sb_html(b, jstr(e, "reason"));
        sb_puts(b, "</td></tr>\n");
    }
    sb_puts(b, "</tbody></table>\n");
}

static void sens_page(sbuf *b, plotter *pl, const cJSON *root, const char *file)
{
    const cJSON *cfg = jget(root, "config"), *eng = jget(root, "engine");
    const char *cname = jstr(cfg, "name");
    sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               "<title>trustrisk sensitivity: ");
    sb_html(b, cname ? cname : file);
    sb_printf(b,
              "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Which assumption drives "
              "the risk: ",
              css);
    sb_html(b, cname ? cname : "(unnamed config)");
    sb_printf(b,
              "</h1>\n<p class=\"lede\">Each bump changes one assumption of the base config "
              "and runs the same %.17g paths (seed %.17g) as the base, so that each path of the "
              "bumped config differs from the base's only by what the bump changes. A bar is the "
              "change (bumped minus base) in the mean; its whiskers are the 95 %% interval of "
              "that change, from the paired differences path by path. Red: the bump raises the "
              "quantity; blue: it lowers it; grey: <em>within noise</em>, the change is smaller "
              "than twice its standard error.</p>\n",
              jnum(root, "paths"), jnum(root, "seed"));
    if (pl->draw == NULL)
        sb_puts(b, "<div class=\"notice\" id=\"no-gnuplot\"><strong>gnuplot is not installed, "
                   "so this page has no charts.</strong> Every table is complete.</div>\n");
    sb_puts(b, "<nav><a href=\"#system\">System</a><a href=\"#trusts\">Trusts at risk</a>"
               "<a href=\"#bumps\">The bumps</a><a href=\"#provenance\">Provenance</a></nav>\n");
    sens_system(b, pl, root);
    sens_trusts(b, pl, root);
    sens_bumps(b, root);
    sb_puts(b, "<h2 id=\"provenance\">Provenance</h2>\n<table id=\"provenance-table\"><tbody>\n"
               "<tr><th scope=\"row\">config</th><td>");
    sb_html(b, cname);
    sb_puts(b, "</td></tr>\n<tr><th scope=\"row\">config SHA-256</th><td><code>");
    sb_html(b, jstr(cfg, "sha256"));
    sb_printf(b,
              "</code></td></tr>\n<tr><th scope=\"row\">seed, paths</th><td>%.17g, %.17g</td>"
              "</tr>\n<tr><th scope=\"row\">engine</th><td>trustrisk ",
              jnum(root, "seed"), jnum(root, "paths"));
    sb_html(b, jstr(eng, "version"));
    sb_puts(b, "</td></tr>\n</tbody></table>\n</body>\n</html>\n");
}

tr_status tr_sensitivity_html(const char *json, size_t len, const char *source_name,
                              tr_chart_fn chart, void *chart_user, char **html, tr_error *err)
{
    *html = NULL;
    const char *file = source_name ? source_name : "sensitivity.json";
    if (json == NULL)
        return tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0, "no sensitivity results given");
    cJSON *root = NULL;
    tr_status st = parse_doc(json, len, file,
                             "the sensitivity.json written by 'trustrisk sensitivity'", &root, err);
    if (st == TR_OK &&
        (!cJSON_IsObject(jget(root, "system")) || !cJSON_IsArray(jget(root, "trusts")) ||
         !cJSON_IsArray(jget(root, "bumps"))))
        st = tr_error_add(err, TR_E_INPUT, file, NULL, 0, 0,
                          "not a sensitivity.json: expected \"system\", \"trusts\" and \"bumps\"");
    if (st == TR_OK) {
        sbuf page = {0};
        plotter pl = {chart, chart_user, 0, 0, ""};
        sens_page(&page, &pl, root, file);
        st = page_done(&page, file, html, err);
    }
    cJSON_Delete(root);
    return st;
}
