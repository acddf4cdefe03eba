/*
 * import.c - a config from spreadsheets: CSV files in, canonical JSON out.
 *
 * An analyst keeps one row per trust, one per savings scheme (with a `trust`
 * column) and one per consortium in spreadsheets, and the top-level fields
 * in a small base JSON file. This module reads those files and writes the
 * config they describe (configs/README.md, "Configs from spreadsheets",
 * documents the layout). It works in four steps:
 *
 *   1. CSV (RFC 4180): quoted fields with embedded commas, quotes and line
 *      breaks, CRLF or LF line ends, a UTF-8 byte order mark. A syntax error
 *      stops the reading of that file (the rest of it cannot be trusted).
 *   2. Cells: every cell is converted on its own - numbers, booleans,
 *      distributions such as "beta(0.7, 0.15)", loadings and commissioners
 *      such as "north:0.6; south:0.3" - and every bad cell is reported with
 *      its file, line and column name; so are unknown or missing columns,
 *      duplicate ids and schemes whose trust does not exist.
 *   3. The config: the rows become a JSON tree, the base's fields are added,
 *      and the tree is printed in a canonical form (fixed key order, lists in
 *      the files' order, numbers in their shortest exact form, two-space
 *      indent), so the same files always give the same bytes.
 *   4. The rules: the JSON is loaded with tr_config_load_buffer, which
 *      checks every rule of the model (ranges, beta feasibility, shares,
 *      references). Each of its messages carries a JSON path such as
 *      trusts[3].schemes[1].delivery.sd; the path's indices lead back to the
 *      row, and its keys to the column, so the user sees the spreadsheet cell
 *      to fix. A message about a cell that step 2 already reported is not
 *      repeated.
 *
 * Nothing is returned unless all four steps pass.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "config_keys.h"
#include "json_print.h"
#include "json_scan.h"
#include "sbuf.h"
#include "suggest.h"
#include "trustrisk/config.h"
#include "trustrisk/import.h"
#include "trustrisk/limits.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define TR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TR_PRINTF(fmt, args)
#endif

/* ------------------------------------------------------------------------- */
/* The column layout                                                         */
/* ------------------------------------------------------------------------- */

/* What a cell holds. */
typedef enum cell_kind {
    C_TEXT,     /* a string */
    C_ID,       /* a non-empty string, unique among the file's rows */
    C_TRUST,    /* schemes.csv: the id of a trust in trusts.csv (not emitted) */
    C_NUMBER,   /* a number */
    C_BOOL,     /* true/false/yes/no */
    C_DIST,     /* a distribution: beta(0.7, 0.15) */
    C_LOADINGS, /* factor loadings: national:0.4; local:0.2 */
    C_SHARES    /* commissioners: north:0.6; south:0.3 */
} cell_kind;

/* One column. The name is also the JSON path of the value inside the row's
 * object ("stay.delay" is scheme.stay.delay); the order of each table is the
 * canonical order of the keys in the output. */
typedef struct colspec {
    const char *name;
    cell_kind kind;
    bool required; /* the column must exist (and its cells are required) */
} colspec;

static const colspec CONSORTIUM_COLS[] = {
    {"id", C_ID, true},
    {"name", C_TEXT, false},
    {"notes", C_TEXT, false},
    {"reserve", C_NUMBER, true},
};

static const colspec TRUST_COLS[] = {
    {"id", C_ID, true},
    {"name", C_TEXT, false},
    {"notes", C_TEXT, false},
    {"cash", C_NUMBER, true},
    {"min_cash", C_NUMBER, false},
    {"facility", C_NUMBER, false},
    {"income", C_NUMBER, true},
    {"expenditure", C_NUMBER, true},
    {"fixed_charges", C_NUMBER, false},
    {"fixed_indexation", C_NUMBER, false},
    {"income_growth", C_DIST, false},
    {"income_growth.factors", C_LOADINGS, false},
    {"cost_growth", C_DIST, false},
    {"cost_growth.factors", C_LOADINGS, false},
    {"cash_noise", C_NUMBER, false},
    {"commissioners", C_SHARES, false},
    {"bailout_buffer", C_NUMBER, false},
    {"factors", C_LOADINGS, false},
};

static const colspec SCHEME_COLS[] = {
    {"trust", C_TRUST, true},
    {"id", C_ID, true},
    {"name", C_TEXT, false},
    {"notes", C_TEXT, false},
    {"kind", C_TEXT, false},
    {"saving", C_NUMBER, true},
    {"start_month", C_NUMBER, true},
    {"ramp_months", C_NUMBER, false},
    {"delivery", C_DIST, false},
    {"delivery.factors", C_LOADINGS, false},
    {"paper", C_NUMBER, false},
    {"slippage", C_DIST, false},
    {"slippage.factors", C_LOADINGS, false},
    {"stay.probability", C_NUMBER, false},
    {"stay.delay", C_DIST, false},
    {"stay.delay.factors", C_LOADINGS, false},
    {"compromise.probability", C_NUMBER, false},
    {"compromise.retained", C_DIST, false},
    {"compromise.retained.factors", C_LOADINGS, false},
    {"one_off_cost", C_NUMBER, false},
    {"recurrent", C_BOOL, false},
    {"factors", C_LOADINGS, false},
};

#define MAX_COLS 32

/* ------------------------------------------------------------------------- */
/* Parsed CSV files                                                          */
/* ------------------------------------------------------------------------- */

typedef struct cell {
    char *text; /* trimmed of spaces and tabs */
    int line;   /* line where the field starts */
} cell;

typedef struct record {
    int line;     /* line where the record starts */
    int end_line; /* line where it ends */
    size_t n;
    cell *cells;
} record;

typedef struct table {
    const char *file; /* name in diagnostics */
    const char *what; /* "trust", "scheme", "consortium" */
    const colspec *spec;
    size_t nspec;
    bool present; /* the input was given */
    bool parsed;  /* its CSV syntax was sound */
    size_t nrec, caprec;
    record *recs;          /* recs[0] is the header */
    long col[MAX_COLS];    /* spec index -> CSV column, or -1 */
    bool absent[MAX_COLS]; /* required column missing from the header */
    size_t nrows;
    record **rows; /* data rows, blank rows left out */
} table;

/* A cell already reported, so that the loader's message about the same cell
 * is not shown twice. */
typedef struct badcell {
    const char *file;
    int line;
    const char *col;
} badcell;

typedef struct imp {
    tr_error *err;
    bool nomem;
    size_t nproblems;
    table trusts, schemes, consortia;
    const char *base_file; /* NULL without a base */
    bool base_consortia;   /* the consortia come from the base */
    badcell *bad;
    size_t nbad, capbad;
    /* the schemes of each trust (by trust row), as scheme row indices, in
     * the order of schemes.csv: the index inside a trust's "schemes" list */
    size_t *nsch, **sch;
} imp;

static void remember_bad(imp *im, const char *file, int line, const char *col)
{
    if (im->nbad == im->capbad) {
        size_t cap = im->capbad ? 2 * im->capbad : 32;
        badcell *b = realloc(im->bad, cap * sizeof *b);
        if (!b) {
            im->nomem = true;
            return;
        }
        im->bad = b;
        im->capbad = cap;
    }
    im->bad[im->nbad++] = (badcell){file, line, col};
}

static bool is_bad(const imp *im, const char *file, int line, const char *col)
{
    for (size_t i = 0; i < im->nbad; i++) {
        const badcell *b = &im->bad[i];
        if (b->line == line && strcmp(b->file, file) == 0 && ((b->col == NULL) == (col == NULL)) &&
            (!col || strcmp(b->col, col) == 0))
            return true;
    }
    return false;
}

/* Report a problem in `file` at `line` (0 if none) and column `col` (NULL if
 * none), and remember the cell. */
static void problem(imp *im, const char *file, int line, const char *col, const char *fmt, ...)
    TR_PRINTF(5, 6);
static void problem(imp *im, const char *file, int line, const char *col, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    im->nproblems++;
    tr_error_add(im->err, TR_E_INPUT, file, col, line, 0, "%s", msg);
    if (file) remember_bad(im, file, line, col);
}

/* Quote a cell for a message, shortened to 60 characters. */
static const char *shown(const char *s, char buf[80])
{
    size_t n = strlen(s);
    if (n <= 60) {
        snprintf(buf, 80, "\"%s\"", s);
    } else {
        size_t k = 57;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) /* keep UTF-8 whole */
            k--;
        snprintf(buf, 80, "\"%.*s...\"", (int)k, s);
    }
    return buf;
}

/* ------------------------------------------------------------------------- */
/* Step 1: CSV (RFC 4180)                                                    */
/* ------------------------------------------------------------------------- */

static char *trimmed_copy(imp *im, const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *d = malloc(n + 1);
    if (!d) {
        im->nomem = true;
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool push_cell(imp *im, record *r, size_t *cap, sbuf *field, int line)
{
    if (r->n == *cap) {
        size_t nc = *cap ? 2 * *cap : 16;
        cell *c = realloc(r->cells, nc * sizeof *c);
        if (!c) {
            im->nomem = true;
            return false;
        }
        r->cells = c;
        *cap = nc;
    }
    char *t = trimmed_copy(im, field->s ? field->s : "", field->len);
    if (!t) return false;
    r->cells[r->n++] = (cell){t, line};
    field->len = 0;
    if (field->s) field->s[0] = '\0';
    return true;
}

static bool push_record(imp *im, table *t, record *r)
{
    if (t->nrec == t->caprec) {
        size_t nc = t->caprec ? 2 * t->caprec : 64;
        record *rs = realloc(t->recs, nc * sizeof *rs);
        if (!rs) {
            im->nomem = true;
            return false;
        }
        t->recs = rs;
        t->caprec = nc;
    }
    t->recs[t->nrec++] = *r;
    return true;
}

static void free_record(record *r)
{
    for (size_t k = 0; k < r->n; k++)
        free(r->cells[k].text);
    free(r->cells);
}

/* Read the records of `src` into t->recs. Returns false, having reported
 * why, on a syntax error or a file that is not UTF-8 text. */
static bool parse_csv(imp *im, table *t, const tr_import_source *src)
{
    const char *s = src->data;
    size_t n = src->len, i = 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) i = 3; /* byte order mark */
    size_t bad = tr__utf8_check(s, n);
    if (bad < n) {
        int line = 1;
        for (size_t k = 0; k < bad; k++)
            line += s[k] == '\n';
        problem(im, t->file, line, NULL,
                s[bad] ? "invalid UTF-8 (byte 0x%02x): save the file as \"CSV UTF-8\""
                       : "NUL byte (0x%02x) in the file: expected CSV text",
                (unsigned char)s[bad]);
        return false;
    }
    int line = 1;
    sbuf field = {0};
    bool ok = true;
    while (i < n && ok && !im->nomem) {
        record r = {line, line, 0, NULL};
        size_t cap = 0;
        for (;;) {
            int cell_line = line;
            if (i < n && s[i] == '"') {
                int open_line = line;
                i++;
                for (;;) {
                    if (i >= n) {
                        problem(im, t->file, open_line, NULL,
                                "unterminated quoted field: the quote opened on line %d is "
                                "never closed",
                                open_line);
                        ok = false;
                        break;
                    }
                    if (s[i] == '"') {
                        if (i + 1 < n && s[i + 1] == '"') {
                            sb_putc(&field, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (s[i] == '\n') line++;
                    sb_putc(&field, s[i++]);
                }
                while (ok && i < n && (s[i] == ' ' || s[i] == '\t'))
                    i++;
                if (ok && i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                    problem(im, t->file, line, NULL,
                            "unexpected text after a closing quote; a quote inside a quoted "
                            "field must be doubled (\"\")");
                    ok = false;
                }
            } else {
                size_t start = i;
                while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                    if (s[i] == '"') {
                        problem(im, t->file, line, NULL,
                                "a quote inside an unquoted field; enclose the whole field in "
                                "quotes and double the quote (\"\")");
                        ok = false;
                        break;
                    }
                    i++;
                }
                sb_put(&field, s + start, i - start);
            }
            if (!ok || field.nomem || !push_cell(im, &r, &cap, &field, cell_line)) break;
            if (i < n && s[i] == ',') {
                i++;
                continue;
            }
            /* end of the record: CRLF, LF, a lone CR, or the end of the file */
            if (i < n && s[i] == '\r') i++;
            if (i < n && s[i] == '\n') i++;
            r.end_line = line;
            line++;
            break;
        }
        if (field.nomem) im->nomem = true;
        if (!ok || im->nomem || !push_record(im, t, &r)) {
            free_record(&r);
            ok = false;
        }
    }
    free(field.s);
    return ok && !im->nomem;
}

/* ------------------------------------------------------------------------- */
/* The header and the rows                                                   */
/* ------------------------------------------------------------------------- */

static bool record_blank(const record *r)
{
    for (size_t k = 0; k < r->n; k++)
        if (r->cells[k].text[0]) return false;
    return true;
}

/* Match the header's names to the table's columns: unknown, duplicate,
 * unnamed and missing required columns are problems. */
static void read_header(imp *im, table *t)
{
    for (size_t c = 0; c < t->nspec; c++)
        t->col[c] = -1;
    if (t->nrec == 0 || record_blank(&t->recs[0])) {
        problem(im, t->file, 1, NULL,
                "the first row must name the columns (for example id,name,...); the file %s",
                t->nrec == 0 ? "is empty" : "starts with a blank row");
        for (size_t c = 0; c < t->nspec; c++)
            t->absent[c] = t->spec[c].required;
        return;
    }
    const record *h = &t->recs[0];
    const char *names[MAX_COLS];
    for (size_t c = 0; c < t->nspec; c++)
        names[c] = t->spec[c].name;
    if (h->n == 1 && strchr(h->cells[0].text, ';')) {
        problem(im, t->file, h->line, NULL,
                "the header is one column holding ';': the file seems to use ';' between "
                "fields; save it as CSV with commas");
        for (size_t c = 0; c < t->nspec; c++)
            t->absent[c] = t->spec[c].required;
        return;
    }
    for (size_t k = 0; k < h->n; k++) {
        const char *name = h->cells[k].text;
        if (!name[0]) {
            /* an unnamed column is fine only if every row leaves it empty
             * (spreadsheets add trailing commas) */
            for (size_t r = 1; r < t->nrec; r++)
                if (k < t->recs[r].n && t->recs[r].cells[k].text[0]) {
                    problem(im, t->file, h->line, NULL,
                            "column %zu has no name in the header but holds data (line %d)", k + 1,
                            t->recs[r].cells[k].line);
                    break;
                }
            continue;
        }
        size_t c = 0;
        while (c < t->nspec && strcmp(name, t->spec[c].name) != 0)
            c++;
        char b1[80];
        if (c == t->nspec) {
            const char *near = tr__suggest(name, names, t->nspec);
            if (near)
                problem(im, t->file, h->line, name, "unknown column %s; did you mean \"%s\"?",
                        shown(name, b1), near);
            else
                problem(im, t->file, h->line, name,
                        "unknown column %s; see configs/README.md for the columns of a %s file",
                        shown(name, b1), t->what);
        } else if (t->col[c] >= 0) {
            problem(im, t->file, h->line, name, "column \"%s\" appears twice (columns %ld and %zu)",
                    name, t->col[c] + 1, k + 1);
        } else {
            t->col[c] = (long)k;
        }
    }
    for (size_t c = 0; c < t->nspec; c++)
        if (t->col[c] < 0 && t->spec[c].required) {
            t->absent[c] = true;
            problem(im, t->file, h->line, t->spec[c].name,
                    "missing required column \"%s\" in the header", t->spec[c].name);
        }
}

/* Collect the data rows (blank rows are skipped) and refuse rows with more
 * non-empty fields than the header has names. */
static void collect_rows(imp *im, table *t)
{
    t->nrows = 0;
    if (t->nrec < 2) return;
    t->rows = malloc((t->nrec - 1) * sizeof *t->rows);
    if (!t->rows) {
        im->nomem = true;
        return;
    }
    size_t width = t->recs[0].n;
    for (size_t r = 1; r < t->nrec; r++) {
        record *rec = &t->recs[r];
        if (record_blank(rec)) continue;
        for (size_t k = width; k < rec->n; k++)
            if (rec->cells[k].text[0]) {
                problem(im, t->file, rec->cells[k].line, NULL,
                        "this row has a value in field %zu, but the header names only %zu "
                        "columns",
                        k + 1, width);
                break;
            }
        t->rows[t->nrows++] = rec;
    }
}

/* The cell of column `c` (spec index) in a row, or NULL when the column is
 * not in the file. A row shorter than the header has empty cells. */
static const char *cell_text(const table *t, const record *r, size_t c, int *line)
{
    *line = r->line;
    if (t->col[c] < 0) return NULL;
    size_t k = (size_t)t->col[c];
    if (k >= r->n) {
        *line = r->end_line;
        return "";
    }
    *line = r->cells[k].line;
    return r->cells[k].text;
}

/* ------------------------------------------------------------------------- */
/* Step 2: cells                                                             */
/* ------------------------------------------------------------------------- */

/* Where a cell is, for messages. */
typedef struct where {
    imp *im;
    const char *file;
    int line;
    const char *col;
} where;

/* A whole number in plain decimal notation (optional sign, digits with an
 * optional fraction, optional exponent): what a spreadsheet writes. On
 * failure *why says what was wrong. */
static bool parse_num(const char *s, double *out, const char **why)
{
    const char *p = s;
    bool digits = false;
    *why = NULL;
    if (*p == '+' || *p == '-') p++;
    while (*p >= '0' && *p <= '9') {
        p++;
        digits = true;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            p++;
            digits = true;
        }
    }
    if (digits && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) digits = false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (!digits || *p != '\0') {
        if (strchr(s, '%'))
            *why = "write a fraction such as 0.025, not a percentage";
        else if (strstr(s, "\xC2\xA3") || strchr(s, '$') || strstr(s, "\xE2\x82\xAC"))
            *why = "write a plain number (money in GBP million) without a currency sign";
        else if (digits && strchr(s, ',') && !strchr(s, ' '))
            *why = "write the number without thousands separators, with '.' for decimals";
        else
            *why = "expected a number such as 12 or 0.5";
        return false;
    }
    double x = strtod(s, NULL);
    if (!isfinite(x)) {
        *why = "the number is too large";
        return false;
    }
    *out = x + 0.0; /* no negative zero */
    return true;
}

static cJSON *cell_number(where *w, const char *s)
{
    double x;
    const char *why;
    char b[80];
    if (!parse_num(s, &x, &why)) {
        problem(w->im, w->file, w->line, w->col, "bad number %s: %s", shown(s, b), why);
        return NULL;
    }
    cJSON *n = cJSON_CreateNumber(x);
    if (!n) w->im->nomem = true;
    return n;
}

static cJSON *cell_bool(where *w, const char *s)
{
    char b[80];
    cJSON *v = NULL;
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)
        v = cJSON_CreateTrue();
    else if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)
        v = cJSON_CreateFalse();
    else {
        problem(w->im, w->file, w->line, w->col, "expected true or false (or yes or no), got %s",
                shown(s, b));
        return NULL;
    }
    if (!v) w->im->nomem = true;
    return v;
}

/* A list of name:number items separated by ';' (or ','), as used by
 * loadings ("national:0.4; local:0.2") and commissioners ("north:0.6").
 * Returns the number of items read into names/values (heap copies of the
 * names), or -1 after reporting a problem. */
typedef struct pair_list {
    size_t n, cap;
    char **names;
    double *values;
} pair_list;

static void pairs_free(pair_list *p)
{
    for (size_t k = 0; k < p->n; k++)
        free(p->names[k]);
    free(p->names);
    free(p->values);
    memset(p, 0, sizeof *p);
}

static bool parse_pairs(where *w, const char *s, const char *example, const char *what,
                        pair_list *out)
{
    char b[80];
    memset(out, 0, sizeof *out);
    const char *p = s;
    while (*p) {
        size_t len = strcspn(p, ";,");
        char *item = trimmed_copy(w->im, p, len);
        p += len;
        if (*p) p++;
        if (!item) return false;
        if (!item[0]) { /* "a:1;" or "a:1;;b:2": an empty item is no item */
            free(item);
            continue;
        }
        size_t k = strcspn(item, ":=");
        const char *why = NULL;
        double v = 0;
        char *name = trimmed_copy(w->im, item, k);
        char *num = item[k] ? trimmed_copy(w->im, item + k + 1, strlen(item + k + 1)) : NULL;
        bool ok = name && (num || !item[k]);
        if (ok && (!item[k] || !name[0])) {
            problem(w->im, w->file, w->line, w->col, "expected %s:number, got %s; write it as %s",
                    what, shown(item, b), example);
            ok = false;
        } else if (ok && !parse_num(num, &v, &why)) {
            problem(w->im, w->file, w->line, w->col, "bad number %s for \"%s\": %s", shown(num, b),
                    name, why);
            ok = false;
        }
        for (size_t j = 0; ok && j < out->n; j++)
            if (strcmp(out->names[j], name) == 0) {
                problem(w->im, w->file, w->line, w->col, "\"%s\" is listed twice", name);
                ok = false;
            }
        if (ok && out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 4;
            char **nn = realloc(out->names, cap * sizeof *nn);
            if (nn) out->names = nn;
            double *nv = nn ? realloc(out->values, cap * sizeof *nv) : NULL;
            if (nv) out->values = nv;
            if (!nn || !nv) {
                w->im->nomem = true;
                ok = false;
            } else {
                out->cap = cap;
            }
        }
        free(item);
        free(num);
        if (!ok) {
            free(name);
            pairs_free(out);
            return false;
        }
        out->names[out->n] = name;
        out->values[out->n++] = v;
    }
    return true;
}

static cJSON *cell_loadings(where *w, const char *s)
{
    pair_list p;
    if (!parse_pairs(w, s, "national:0.4; local:0.2", "factor", &p)) return NULL;
    cJSON *o = cJSON_CreateObject();
    for (size_t k = 0; o && k < p.n; k++)
        if (!cJSON_AddNumberToObject(o, p.names[k], p.values[k])) {
            cJSON_Delete(o);
            o = NULL;
        }
    if (!o) w->im->nomem = true;
    pairs_free(&p);
    return o;
}

static cJSON *cell_shares(where *w, const char *s)
{
    pair_list p;
    if (!parse_pairs(w, s, "north:0.6; south:0.3", "consortium", &p)) return NULL;
    cJSON *a = cJSON_CreateArray();
    for (size_t k = 0; a && k < p.n; k++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "consortium", p.names[k]) ||
            !cJSON_AddNumberToObject(o, "share", p.values[k])) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            a = NULL;
            break;
        }
        cJSON_AddItemToArray(a, o);
    }
    if (!a) w->im->nomem = true;
    pairs_free(&p);
    return a;
}

/* The distributions and their parameters in positional order; the first
 * `min_args` are required. discrete has its own syntax (value:prob, ...). */
typedef struct dist_form {
    const char *name;
    const char *params[4];
    int min_args, max_args;
    const char *usage;
} dist_form;

static const dist_form DIST_FORMS[] = {
    {"fixed", {"value"}, 1, 1, "fixed(value)"},
    {"uniform", {"min", "max"}, 2, 2, "uniform(min, max)"},
    {"triangular", {"min", "mode", "max"}, 3, 3, "triangular(min, mode, max)"},
    {"pert", {"min", "mode", "max", "lambda"}, 3, 4, "pert(min, mode, max[, lambda])"},
    {"beta", {"mean", "sd", "min", "max"}, 2, 4, "beta(mean, sd[, min, max])"},
    {"normal", {"mean", "sd"}, 2, 2, "normal(mean, sd)"},
    {"lognormal", {"median", "sigma"}, 2, 2, "lognormal(median, sigma)"},
    {"discrete", {NULL}, 1, 0, "discrete(value:prob, value:prob, ...)"},
};

/* "2" or "2 to 4": how many numbers a distribution takes. */
static const char *arity(const dist_form *f, char buf[16])
{
    if (f->min_args == f->max_args)
        snprintf(buf, 16, "%d", f->min_args);
    else
        snprintf(buf, 16, "%d to %d", f->min_args, f->max_args);
    return buf;
}

#define DIST_EXAMPLES "beta(0.7, 0.15), pert(1, 3, 6), lognormal(3, 0.7) or fixed(3)"

static cJSON *dist_discrete(where *w, const dist_form *f, const char *inner)
{
    /* like the pair lists, but the names are numbers and may repeat */
    cJSON *o = cJSON_CreateObject(), *vals = cJSON_CreateArray(), *probs = cJSON_CreateArray();
    bool ok = o && vals && probs;
    if (!ok) w->im->nomem = true;
    const char *s = inner;
    size_t count = 0;
    while (ok && *s) {
        size_t len = strcspn(s, ",;");
        char *item = trimmed_copy(w->im, s, len);
        s += len;
        if (*s) s++;
        if (!item) {
            ok = false;
            break;
        }
        char b[80];
        size_t k = strcspn(item, ":");
        double v, q;
        const char *why = NULL;
        if (!item[0] || !item[k]) {
            problem(w->im, w->file, w->line, w->col,
                    "discrete: expected value:prob, got %s; write %s", shown(item, b), f->usage);
            ok = false;
        } else {
            item[k] = '\0';
            char *vs = trimmed_copy(w->im, item, k),
                 *ps = trimmed_copy(w->im, item + k + 1, strlen(item + k + 1));
            if (!vs || !ps)
                ok = false;
            else if (!parse_num(vs, &v, &why))
                problem(w->im, w->file, w->line, w->col, "discrete: bad value %s: %s", shown(vs, b),
                        why);
            else if (!parse_num(ps, &q, &why))
                problem(w->im, w->file, w->line, w->col, "discrete: bad probability %s: %s",
                        shown(ps, b), why);
            else {
                cJSON *a = cJSON_CreateNumber(v), *c = cJSON_CreateNumber(q);
                if (a) cJSON_AddItemToArray(vals, a);
                if (c) cJSON_AddItemToArray(probs, c);
                if (!a || !c) w->im->nomem = true;
                count++;
            }
            ok = ok && why == NULL && !w->im->nomem;
            free(vs);
            free(ps);
        }
        free(item);
    }
    if (ok && count == 0) {
        problem(w->im, w->file, w->line, w->col, "discrete needs at least one value:prob; write %s",
                f->usage);
        ok = false;
    }
    if (ok && cJSON_AddStringToObject(o, "dist", "discrete")) {
        cJSON_AddItemToObject(o, "values", vals);
        cJSON_AddItemToObject(o, "probs", probs);
        return o;
    }
    if (ok) w->im->nomem = true;
    cJSON_Delete(o);
    cJSON_Delete(vals);
    cJSON_Delete(probs);
    return NULL;
}

/* The arguments of a parametric distribution: positional numbers first,
 * then name=number. */
static cJSON *dist_params(where *w, const dist_form *f, const char *inner)
{
    double val[4];
    bool got[4] = {false, false, false, false};
    int nparams = 0, npos = 0;
    bool named = false, ok = true;
    char b[80], ab[16];
    while (nparams < 4 && f->params[nparams])
        nparams++;
    const char *s = inner;
    bool empty_inner = true;
    for (const char *q = inner; *q; q++)
        if (*q != ' ' && *q != '\t') empty_inner = false;
    while (ok && !empty_inner) {
        size_t len = strcspn(s, ",");
        char *arg = trimmed_copy(w->im, s, len);
        if (!arg) return NULL;
        size_t eq = strcspn(arg, "=");
        const char *why = NULL;
        int slot = -1;
        char *vtext = arg;
        if (!arg[0]) {
            problem(w->im, w->file, w->line, w->col, "%s: an empty parameter; write %s", f->name,
                    f->usage);
            ok = false;
        } else if (arg[eq]) {
            arg[eq] = '\0';
            char *pname = trimmed_copy(w->im, arg, eq);
            vtext = arg + eq + 1;
            while (*vtext == ' ' || *vtext == '\t')
                vtext++;
            for (int k = 0; pname && k < nparams; k++)
                if (strcmp(pname, f->params[k]) == 0) slot = k;
            if (!pname) {
                ok = false;
            } else if (slot < 0) {
                char list[64] = "";
                for (int k = 0; k < nparams; k++) {
                    strcat(list, k ? ", " : "");
                    strcat(list, f->params[k]);
                }
                problem(w->im, w->file, w->line, w->col,
                        "%s has no parameter %s; its parameters are %s", f->name, shown(pname, b),
                        list);
                ok = false;
            }
            named = true;
            free(pname);
        } else if (named) {
            problem(w->im, w->file, w->line, w->col,
                    "%s: a plain number after a named parameter; put the plain numbers first "
                    "(%s)",
                    f->name, f->usage);
            ok = false;
        } else {
            slot = npos++;
            if (slot >= f->max_args) {
                int total = npos;
                for (const char *q = s + len; *q; q++)
                    total += *q == ',';
                problem(w->im, w->file, w->line, w->col, "%s takes %s numbers, got %d; write %s",
                        f->name, arity(f, ab), total, f->usage);
                ok = false;
            }
        }
        if (ok && got[slot]) {
            problem(w->im, w->file, w->line, w->col, "%s: parameter \"%s\" is given twice", f->name,
                    f->params[slot]);
            ok = false;
        }
        if (ok && !parse_num(vtext, &val[slot], &why)) {
            problem(w->im, w->file, w->line, w->col, "%s: bad number %s for %s: %s", f->name,
                    shown(vtext, b), f->params[slot], why);
            ok = false;
        }
        if (ok) got[slot] = true;
        free(arg);
        s += len;
        if (!*s) break;
        s++;
    }
    for (int k = 0; ok && k < f->min_args; k++)
        if (!got[k]) {
            if (named)
                problem(w->im, w->file, w->line, w->col, "%s: missing parameter \"%s\"; write %s",
                        f->name, f->params[k], f->usage);
            else
                problem(w->im, w->file, w->line, w->col, "%s takes %s numbers, got %d; write %s",
                        f->name, arity(f, ab), npos, f->usage);
            ok = false;
        }
    if (!ok) return NULL;
    cJSON *o = cJSON_CreateObject();
    bool fine = o && cJSON_AddStringToObject(o, "dist", f->name);
    for (int k = 0; fine && k < nparams; k++)
        if (got[k]) fine = cJSON_AddNumberToObject(o, f->params[k], val[k]) != NULL;
    if (!fine) {
        w->im->nomem = true;
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* "beta(0.7, 0.15)", "pert(min=1, mode=3, max=6)", "discrete(1:0.2, 2:0.8)",
 * or a plain number for a fixed value. */
static cJSON *cell_dist(where *w, const char *s)
{
    char b[80];
    double x;
    const char *why;
    if (parse_num(s, &x, &why)) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "dist", "fixed") ||
            !cJSON_AddNumberToObject(o, "value", x)) {
            cJSON_Delete(o);
            w->im->nomem = true;
            return NULL;
        }
        return o;
    }
    size_t nlen = 0;
    while ((s[nlen] >= 'a' && s[nlen] <= 'z') || (s[nlen] >= 'A' && s[nlen] <= 'Z') ||
           s[nlen] == '_')
        nlen++;
    if (nlen == 0) {
        problem(w->im, w->file, w->line, w->col,
                "expected a distribution such as " DIST_EXAMPLES ", got %s", shown(s, b));
        return NULL;
    }
    const dist_form *f = NULL;
    const char *names[COUNT(DIST_FORMS)];
    for (size_t k = 0; k < COUNT(DIST_FORMS); k++) {
        names[k] = DIST_FORMS[k].name;
        if (strlen(names[k]) == nlen && strncasecmp(s, names[k], nlen) == 0) f = &DIST_FORMS[k];
    }
    char word[40];
    snprintf(word, sizeof word, "%.*s", (int)(nlen < 30 ? nlen : 30), s);
    if (!f) {
        const char *near = tr__suggest(word, names, COUNT(names));
        if (near)
            problem(w->im, w->file, w->line, w->col,
                    "unknown distribution \"%s\"; did you mean \"%s\"?", word, near);
        else
            problem(w->im, w->file, w->line, w->col,
                    "unknown distribution \"%s\"; expected fixed, uniform, triangular, pert, "
                    "beta, normal, lognormal or discrete",
                    word);
        return NULL;
    }
    const char *p = s + nlen;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *close = strrchr(p, ')');
    if (*p != '(' || !close) {
        problem(w->im, w->file, w->line, w->col,
                "expected %s with its parameters in parentheses, such as %s", f->name, f->usage);
        return NULL;
    }
    for (const char *q = close + 1; *q; q++)
        if (*q != ' ' && *q != '\t') {
            problem(w->im, w->file, w->line, w->col, "unexpected text after ')' in %s",
                    shown(s, b));
            return NULL;
        }
    char *inner = trimmed_copy(w->im, p + 1, (size_t)(close - p - 1));
    if (!inner) return NULL;
    cJSON *o = NULL;
    if (strpbrk(inner, "()"))
        problem(w->im, w->file, w->line, w->col, "unbalanced parentheses in %s", shown(s, b));
    else
        o = f->params[0] ? dist_params(w, f, inner) : dist_discrete(w, f, inner);
    free(inner);
    return o;
}

/* ------------------------------------------------------------------------- */
/* Step 3: the config tree                                                   */
/* ------------------------------------------------------------------------- */

static bool add_item(imp *im, cJSON *obj, const char *key, cJSON *item)
{
    if (!item) return false;
    if (!cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        im->nomem = true;
        return false;
    }
    return true;
}

static long spec_index(const table *t, const char *name, size_t len)
{
    for (size_t c = 0; c < t->nspec; c++)
        if (strlen(t->spec[c].name) == len && strncmp(t->spec[c].name, name, len) == 0)
            return (long)c;
    return -1;
}

/* Put `item` at the dotted path `name` inside `obj`: "stay.probability"
 * creates the "stay" object; "stay.delay.factors" needs the distribution of
 * column "stay.delay" to be there. */
static cJSON *walk(cJSON *obj, const char *path, size_t len)
{
    while (obj && len) {
        size_t seg = 0;
        while (seg < len && path[seg] != '.')
            seg++;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)seg, path);
        obj = cJSON_GetObjectItemCaseSensitive(obj, key);
        path += seg < len ? seg + 1 : seg;
        len -= seg < len ? seg + 1 : seg;
    }
    return obj;
}

static void put_path(where *w, const table *t, cJSON *obj, const char *name, cJSON *item,
                     const record *row)
{
    const char *dot;
    /* a parent that is a column of its own ("stay.delay" for
     * "stay.delay.factors") must hold a value */
    for (dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.')) {
        long parent = spec_index(t, name, (size_t)(dot - name));
        if (parent < 0) continue;
        int pl;
        const char *ptext = cell_text(t, row, (size_t)parent, &pl);
        if (!ptext || !ptext[0])
            problem(w->im, w->file, w->line, w->col,
                    "column \"%s\" is set but column \"%.*s\" is empty: loadings need a "
                    "distribution",
                    name, (int)(dot - name), name);
        if (!ptext || !ptext[0] || !walk(obj, name, (size_t)(dot - name))) {
            cJSON_Delete(item); /* a bad parent value was reported already */
            return;
        }
    }
    const char *seg = name;
    while ((dot = strchr(seg, '.')) != NULL) {
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(dot - seg), seg);
        cJSON *child = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!child) {
            child = cJSON_CreateObject();
            if (!add_item(w->im, obj, key, child)) {
                cJSON_Delete(item);
                return;
            }
        }
        obj = child;
        seg = dot + 1;
    }
    add_item(w->im, obj, seg, item);
}

/* A row of a table as a JSON object, columns in the table's order. */
static cJSON *row_object(imp *im, table *t, const record *row)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        im->nomem = true;
        return NULL;
    }
    for (size_t c = 0; c < t->nspec; c++) {
        const colspec *cs = &t->spec[c];
        where w = {im, t->file, 0, cs->name};
        const char *s = cell_text(t, row, c, &w.line);
        if (!s) continue;
        if (!s[0]) {
            if (cs->kind == C_TRUST) continue; /* attach_schemes says so */
            if (cs->kind == C_ID)
                problem(im, t->file, w.line, cs->name, "missing id: every %s needs one", t->what);
            else if (cs->required)
                problem(im, t->file, w.line, cs->name, "missing value: \"%s\" is required",
                        cs->name);
            continue;
        }
        cJSON *v = NULL;
        switch (cs->kind) {
        case C_TRUST:
            continue; /* links the row to its trust; not part of the scheme */
        case C_TEXT:
        case C_ID:
            v = cJSON_CreateString(s);
            if (!v) im->nomem = true;
            break;
        case C_NUMBER:
            v = cell_number(&w, s);
            break;
        case C_BOOL:
            v = cell_bool(&w, s);
            break;
        case C_DIST:
            v = cell_dist(&w, s);
            break;
        case C_LOADINGS:
            v = cell_loadings(&w, s);
            break;
        case C_SHARES:
            v = cell_shares(&w, s);
            break;
        }
        if (v) put_path(&w, t, o, cs->name, v, row);
    }
    return o;
}

/* Ids of a table's rows, for duplicates and lookups. */
typedef struct idref {
    const char *id;
    size_t row;
    size_t group; /* schemes: the trust row */
} idref;

static int cmp_idref(const void *a, const void *b)
{
    const idref *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    int c = strcmp(x->id, y->id);
    if (c) return c;
    return x->row < y->row ? -1 : (x->row > y->row);
}

/* Report every id seen before in its group (sorted by group, id, row). */
static void report_duplicates(imp *im, table *t, idref *ids, size_t n, size_t idcol, table *groups)
{
    qsort(ids, n, sizeof *ids, cmp_idref);
    for (size_t k = 1; k < n; k++) {
        if (ids[k].group != ids[k - 1].group || strcmp(ids[k].id, ids[k - 1].id) != 0) continue;
        size_t first = k - 1;
        while (first > 0 && ids[first - 1].group == ids[k].group &&
               strcmp(ids[first - 1].id, ids[k].id) == 0)
            first--;
        int line, first_line;
        cell_text(t, t->rows[ids[k].row], idcol, &line);
        cell_text(t, t->rows[ids[first].row], idcol, &first_line);
        int gl;
        const char *owner = groups ? cell_text(groups, groups->rows[ids[k].group], 0, &gl) : NULL;
        problem(im, t->file, line, t->spec[idcol].name,
                "duplicate %s id \"%s\"%s%s%s (also on line %d)", t->what, ids[k].id,
                owner ? " in trust \"" : "", owner ? owner : "", owner ? "\"" : "", first_line);
    }
}

static long find_id(const idref *sorted, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(sorted[mid].id, id);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && strcmp(sorted[lo].id, id) == 0 ? (long)sorted[lo].row : -1;
}

/* The id column of a table is spec index 0 (trusts, consortia) or 1
 * (schemes, after "trust"). */
static size_t id_column(const table *t)
{
    return t->spec[0].kind == C_ID ? 0 : 1;
}

/* Build the list of one table's rows as JSON objects (NULL entries for rows
 * that failed to build). */
static cJSON **build_rows(imp *im, table *t)
{
    if (!t->nrows) return NULL;
    cJSON **objs = calloc(t->nrows, sizeof *objs);
    if (!objs) {
        im->nomem = true;
        return NULL;
    }
    for (size_t r = 0; r < t->nrows && !im->nomem; r++)
        objs[r] = row_object(im, t, t->rows[r]);
    return objs;
}

/* ids of a table's rows (rows without an id are left out). */
static idref *collect_ids(imp *im, table *t, size_t *n)
{
    *n = 0;
    idref *ids = malloc((t->nrows ? t->nrows : 1) * sizeof *ids);
    if (!ids) {
        im->nomem = true;
        return NULL;
    }
    size_t c = id_column(t);
    for (size_t r = 0; r < t->nrows; r++) {
        int line;
        const char *id = cell_text(t, t->rows[r], c, &line);
        if (id && id[0]) ids[(*n)++] = (idref){id, r, 0};
    }
    return ids;
}

/* Attach every scheme row to its trust's "schemes" list. */
static void attach_schemes(imp *im, cJSON **trusts, cJSON **schemes)
{
    table *tt = &im->trusts, *st = &im->schemes;
    size_t nt;
    idref *tids = collect_ids(im, tt, &nt);
    if (!tids) return;
    qsort(tids, nt, sizeof *tids, cmp_idref);
    const char **names = malloc((nt ? nt : 1) * sizeof *names);
    im->nsch = calloc(tt->nrows + 1, sizeof *im->nsch);
    im->sch = calloc(tt->nrows + 1, sizeof *im->sch);
    idref *sids = malloc((st->nrows ? st->nrows : 1) * sizeof *sids);
    if (!names || !im->nsch || !im->sch || !sids) {
        im->nomem = true;
        free(tids);
        free(names);
        free(sids);
        return;
    }
    for (size_t k = 0; k < nt; k++)
        names[k] = tids[k].id;
    size_t ns = 0;
    for (size_t r = 0; r < st->nrows && !im->nomem; r++) {
        int line;
        const char *trust = cell_text(st, st->rows[r], 0, &line);
        if (!trust) break; /* no "trust" column: reported with the header */
        char b[80];
        long tr = trust[0] ? find_id(tids, nt, trust) : -1;
        if (!trust[0]) {
            problem(im, st->file, line, "trust",
                    "missing trust: say which trust's id in %s "
                    "the scheme belongs to",
                    tt->file);
        } else if (tr < 0) {
            const char *near = tr__suggest(trust, names, nt);
            if (near)
                problem(im, st->file, line, "trust",
                        "unknown trust %s; did you mean \"%s\"? (trusts come from %s)",
                        shown(trust, b), near, tt->file);
            else
                problem(im, st->file, line, "trust", "unknown trust %s: no row of %s has this id",
                        shown(trust, b), tt->file);
        }
        if (tr < 0) continue;
        size_t *grown = realloc(im->sch[tr], (im->nsch[tr] + 1) * sizeof *grown);
        if (!grown) {
            im->nomem = true;
            break;
        }
        im->sch[tr] = grown;
        grown[im->nsch[tr]++] = r;
        const char *sid = cell_text(st, st->rows[r], 1, &line);
        if (sid && sid[0]) sids[ns++] = (idref){sid, r, (size_t)tr};
        if (!trusts[tr] || !schemes[r]) continue;
        cJSON *list = cJSON_GetObjectItemCaseSensitive(trusts[tr], "schemes");
        if (!list) {
            list = cJSON_CreateArray();
            if (!add_item(im, trusts[tr], "schemes", list)) continue;
        }
        cJSON_AddItemToArray(list, schemes[r]);
        schemes[r] = NULL;
    }
    report_duplicates(im, st, sids, ns, 1, tt);
    free(sids);
    free(names);
    free(tids);
}

/* A copy of `src` with the members named in `keys` first, in that order
 * (every occurrence, so that the loader still sees duplicate keys), then the
 * others as they were. Arrays are copied element by element. */
static cJSON *reordered(imp *im, const cJSON *src, const char *const *keys, size_t n)
{
    if (cJSON_IsArray(src)) {
        cJSON *a = cJSON_CreateArray();
        for (const cJSON *e = src->child; a && e; e = e->next) {
            cJSON *c = reordered(im, e, keys, n);
            if (!c) {
                cJSON_Delete(a);
                return NULL;
            }
            cJSON_AddItemToArray(a, c);
        }
        if (!a) im->nomem = true;
        return a;
    }
    if (!cJSON_IsObject(src)) {
        cJSON *c = cJSON_Duplicate(src, 1);
        if (!c) im->nomem = true;
        return c;
    }
    cJSON *o = cJSON_CreateObject();
    for (size_t pass = 0; o && pass <= n; pass++)
        for (const cJSON *m = src->child; m; m = m->next) {
            bool known = false;
            for (size_t k = 0; k < n; k++)
                known |= strcmp(m->string, keys[k]) == 0;
            if (pass < n ? strcmp(m->string, keys[pass]) != 0 : known) continue;
            cJSON *c = cJSON_Duplicate(m, 1);
            if (!c || !cJSON_AddItemToObject(o, m->string, c)) {
                cJSON_Delete(c);
                cJSON_Delete(o);
                o = NULL;
                break;
            }
        }
    if (!o) im->nomem = true;
    return o;
}

static const char *const ROOT_KEYS[] = {TR__KEYS_ROOT};
static const char *const PRECISION_KEYS[] = {TR__KEYS_PRECISION};
static const char *const SAMPLING_KEYS[] = {TR__KEYS_SAMPLING};
static const char *const COPULA_KEYS[] = {"type", "dof"};
static const char *const FACTOR_KEYS[] = {"name", "scope"};
static const char *const CONSORTIUM_KEYS[] = {"id", "name", "notes", "reserve"};

/* The base's objects (or lists of objects) whose members have an order. */
static const struct {
    const char *key;
    const char *const *order;
    size_t n;
} BASE_ORDERS[] = {
    {"precision", PRECISION_KEYS, COUNT(PRECISION_KEYS)},
    {"sampling", SAMPLING_KEYS, COUNT(SAMPLING_KEYS)},
    {"copula", COPULA_KEYS, COUNT(COPULA_KEYS)},
    {"factors", FACTOR_KEYS, COUNT(FACTOR_KEYS)},
    {"consortia", CONSORTIUM_KEYS, COUNT(CONSORTIUM_KEYS)},
};

/* Read the base config (a JSON object). Its syntax is checked by the config
 * loader, whose first gates (encoding and syntax) report line and column;
 * the loader's later complaints (no trusts, say) are expected of a base and
 * ignored here: the whole config is checked at the end. */
static cJSON *read_base(imp *im, const tr_import_source *src)
{
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    tr_config_load_buffer(src->data, src->len, im->base_file, &cfg, &e);
    tr_config_free(cfg);
    bool syntax = false;
    for (size_t k = 0; k < e.count; k++) {
        const tr_diag *d = &e.diags[k];
        if (d->line > 0 || strncmp(d->message, "syntax error", 12) == 0 ||
            strncmp(d->message, "file is too large", 17) == 0 || d->status == TR_E_NOMEM) {
            tr_error_add(im->err, d->status, d->file, d->path, d->line, d->column, "%s",
                         d->message);
            im->nproblems++;
            syntax = true;
        }
    }
    tr_error_clear(&e);
    if (syntax) return NULL;
    size_t n = src->len;
    const char *s = src->data;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    cJSON *root = cJSON_ParseWithLength(s, n);
    if (!root) {
        im->nomem = true;
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        problem(im, im->base_file, 0, NULL,
                "the base must be a JSON object with the top-level fields (name, "
                "horizon_months, ...)");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* The whole config: base fields, consortia, trusts, then any other base
 * keys (which the loader will refuse, with a suggestion). */
static cJSON *build_root(imp *im, const cJSON *base, cJSON *consortia, cJSON *trusts)
{
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        im->nomem = true;
        cJSON_Delete(consortia);
        cJSON_Delete(trusts);
        return NULL;
    }
    for (size_t k = 0; k <= COUNT(ROOT_KEYS); k++) {
        const char *key = k < COUNT(ROOT_KEYS) ? ROOT_KEYS[k] : NULL;
        if (key && strcmp(key, "consortia") == 0 && consortia) {
            add_item(im, root, key, consortia);
            consortia = NULL;
        }
        if (key && strcmp(key, "trusts") == 0) {
            add_item(im, root, key, trusts);
            trusts = NULL;
            continue;
        }
        for (const cJSON *m = base ? base->child : NULL; m; m = m->next) {
            bool known = false;
            for (size_t j = 0; j < COUNT(ROOT_KEYS); j++)
                known |= strcmp(m->string, ROOT_KEYS[j]) == 0;
            if (key ? strcmp(m->string, key) != 0 : known) continue;
            if (key && strcmp(key, "consortia") == 0 && !im->base_consortia) continue;
            const char *const *order = NULL;
            size_t n = 0;
            for (size_t j = 0; j < COUNT(BASE_ORDERS); j++)
                if (strcmp(m->string, BASE_ORDERS[j].key) == 0) {
                    order = BASE_ORDERS[j].order;
                    n = BASE_ORDERS[j].n;
                }
            add_item(im, root, m->string, reordered(im, m, order, n));
        }
    }
    cJSON_Delete(consortia);
    cJSON_Delete(trusts);
    return root;
}

/* ---- the canonical printer ----------------------------------------------
 * Two-space indent, one member per line, ": " after keys, "," at line ends;
 * strings with only '"', '\\' and control characters escaped (UTF-8 kept);
 * numbers as integers when whole, else in the shortest form that reads back
 * as the same double. */

static void put_string(sbuf *b, const char *s)
{
    sb_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"':
            sb_puts(b, "\\\"");
            break;
        case '\\':
            sb_puts(b, "\\\\");
            break;
        case '\n':
            sb_puts(b, "\\n");
            break;
        case '\r':
            sb_puts(b, "\\r");
            break;
        case '\t':
            sb_puts(b, "\\t");
            break;
        case '\b':
            sb_puts(b, "\\b");
            break;
        case '\f':
            sb_puts(b, "\\f");
            break;
        default:
            if (*p < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                sb_puts(b, esc);
            } else {
                sb_putc(b, (char)*p);
            }
        }
    }
    sb_putc(b, '"');
}

static void put_number(sbuf *b, double x)
{
    char buf[40];
    x += 0.0;
    if (x == floor(x) && fabs(x) <= 9007199254740992.0) {
        snprintf(buf, sizeof buf, "%.0f", x);
    } else {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, x);
            if (strtod(buf, NULL) == x) break;
        }
    }
    sb_puts(b, buf);
}

static void indent(sbuf *b, int depth)
{
    for (int k = 0; k < depth; k++)
        sb_puts(b, "  ");
}

static void put_value(sbuf *b, const cJSON *v, int depth)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool obj = cJSON_IsObject(v);
        if (!v->child) {
            sb_puts(b, obj ? "{}" : "[]");
            return;
        }
        sb_puts(b, obj ? "{\n" : "[\n");
        for (const cJSON *m = v->child; m; m = m->next) {
            indent(b, depth + 1);
            if (obj) {
                put_string(b, m->string);
                sb_puts(b, ": ");
            }
            put_value(b, m, depth + 1);
            sb_puts(b, m->next ? ",\n" : "\n");
        }
        indent(b, depth);
        sb_putc(b, obj ? '}' : ']');
    } else if (cJSON_IsString(v)) {
        put_string(b, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        put_number(b, v->valuedouble);
    } else if (cJSON_IsRaw(v)) { /* a number written with every digit (jsonout.h) */
        sb_puts(b, v->valuestring);
    } else if (cJSON_IsTrue(v)) {
        sb_puts(b, "true");
    } else if (cJSON_IsFalse(v)) {
        sb_puts(b, "false");
    } else {
        sb_puts(b, "null");
    }
}

/* The printer for the other modules (json_print.h). */
char *tr__json_print(const cJSON *v, size_t *len)
{
    sbuf b = {0};
    put_value(&b, v, 0);
    sb_putc(&b, '\n');
    if (b.nomem) {
        free(b.s);
        return NULL;
    }
    if (len) *len = b.len;
    return b.s;
}

/* ------------------------------------------------------------------------- */
/* Step 4: the loader's rules, mapped back to the files                      */
/* ------------------------------------------------------------------------- */

/* "name[12]" at *p: the index, advancing *p past it; -1 if not there. */
static long take_index(const char **p, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(*p, name, n) != 0 || (*p)[n] != '[') return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(*p + n + 1, &end, 10);
    if (errno || *end != ']') return -1;
    *p = end + 1;
    return (long)v;
}

/* Report a loader diagnostic at the spreadsheet cell it is about. */
static void map_diag(imp *im, const tr_diag *d)
{
    const char *path = d->path ? d->path : "";
    const char *p = path;
    table *t = NULL;
    size_t row = 0;
    long i = take_index(&p, "trusts");
    if (i >= 0 && (size_t)i >= im->trusts.nrows) {
        p = path; /* not a row of ours: report it as it is */
    } else if (i >= 0) {
        t = &im->trusts;
        row = (size_t)i;
        if (*p == '.') {
            const char *q = p + 1;
            long j = take_index(&q, "schemes");
            if (j >= 0 && (size_t)j < im->nsch[i]) {
                t = &im->schemes;
                row = im->sch[i][j];
                p = q;
            }
        }
    } else if (!im->base_consortia && (i = take_index(&p, "consortia")) >= 0 &&
               (size_t)i < im->consortia.nrows) {
        t = &im->consortia;
        row = (size_t)i;
    }
    if (!t && !d->path && strncmp(d->message, "file is too large", 17) == 0) {
        im->nproblems++;
        tr_error_add(im->err, d->status, NULL, NULL, 0, 0,
                     "the config built from these files is too large to load %s", d->message + 18);
        return;
    }
    if (!t) {
        const char *file = d->file;
        if (strcmp(path, "trusts") == 0)
            file = im->trusts.file;
        else if (strcmp(path, "consortia") == 0 && !im->base_consortia)
            file = im->consortia.file;
        else
            file = im->base_file;
        bool top = !d->path && strncmp(d->message, "missing required field", 22) == 0;
        im->nproblems++;
        tr_error_add(im->err, d->status, file, file == im->base_file ? d->path : NULL, 0, 0, "%s%s",
                     d->message,
                     top && !im->base_file
                         ? "; give the top-level fields in a base config (--base BASE.json)"
                         : "");
        return;
    }
    /* the rest of the path, plus the field a "missing required field"
     * message names, leads to the column */
    char rest[512];
    const char *missing = NULL;
    if (strncmp(d->message, "missing required field \"", 24) == 0) missing = d->message + 24;
    snprintf(rest, sizeof rest, "%s", *p == '.' ? p + 1 : p);
    if (missing) {
        size_t n = strcspn(missing, "\"");
        size_t len = strlen(rest);
        snprintf(rest + len, sizeof rest - len, "%s%.*s", len ? "." : "", (int)n, missing);
    }
    const colspec *col = NULL;
    size_t best = 0;
    for (size_t c = 0; c < t->nspec; c++) {
        size_t n = strlen(t->spec[c].name);
        if (n > best && strncmp(rest, t->spec[c].name, n) == 0 &&
            (rest[n] == '\0' || rest[n] == '.' || rest[n] == '[')) {
            col = &t->spec[c];
            best = n;
        }
    }
    const record *rec = t->rows[row];
    int line = rec->line;
    const char *cname = NULL;
    if (col) {
        size_t c = (size_t)(col - t->spec);
        cell_text(t, rec, c, &line);
        cname = col->name;
        if (t->absent[c]) return; /* the header already says the column is missing */
    }
    if (is_bad(im, t->file, line, cname)) return;
    const char *sub = rest + best;
    if (*sub == '.') sub++;
    im->nproblems++;
    long item = -1;
    if (*sub == '[') { /* an element of a list cell: count from 1, as people do */
        char *end;
        item = strtol(sub + 1, &end, 10);
        if (*end != ']') item = -1;
    }
    if (item >= 0 && !missing)
        tr_error_add(im->err, d->status, t->file, cname, line, 0, "%s (item %ld)", d->message,
                     item + 1);
    else if (*sub && !missing && !strstr(d->message, sub))
        tr_error_add(im->err, d->status, t->file, cname, line, 0, "%s (at %s)", d->message, sub);
    else
        tr_error_add(im->err, d->status, t->file, cname, line, 0, "%s", d->message);
}

/* ------------------------------------------------------------------------- */
/* The public functions                                                      */
/* ------------------------------------------------------------------------- */

static void table_init(table *t, const tr_import_source *src, const char *fallback,
                       const char *what, const colspec *spec, size_t nspec)
{
    memset(t, 0, sizeof *t);
    t->file = src->name ? src->name : fallback;
    t->what = what;
    t->spec = spec;
    t->nspec = nspec;
    t->present = src->data != NULL;
}

static void table_free(table *t)
{
    for (size_t r = 0; r < t->nrec; r++)
        free_record(&t->recs[r]);
    free(t->recs);
    free(t->rows);
}

/* Steps 1 and 2 for one file. */
static void read_table(imp *im, table *t, const tr_import_source *src)
{
    if (!t->present) return;
    t->parsed = parse_csv(im, t, src);
    if (!t->parsed) return;
    read_header(im, t);
    collect_rows(im, t);
}

static void free_objs(cJSON **objs, size_t n)
{
    for (size_t k = 0; objs && k < n; k++)
        cJSON_Delete(objs[k]);
    free(objs);
}

/* An array of the non-NULL objects (taken from objs). */
static cJSON *array_of(imp *im, cJSON **objs, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    if (!a) {
        im->nomem = true;
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        if (objs && objs[k]) {
            cJSON_AddItemToArray(a, objs[k]);
            objs[k] = NULL;
        }
    return a;
}

/* Problems in reading order: the base, consortia, trusts and schemes files,
 * each by line; the order found within a line. */
typedef struct ranked {
    int file, line;
    size_t seq;
    const tr_diag *d;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->file != y->file) return x->file < y->file ? -1 : 1;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void hand_over(const imp *im, const tr_error *mine, tr_error *err)
{
    ranked *r = malloc((mine->count ? mine->count : 1) * sizeof *r);
    const char *files[4] = {im->base_file, im->consortia.file, im->trusts.file, im->schemes.file};
    for (size_t k = 0; r && k < mine->count; k++) {
        const tr_diag *d = &mine->diags[k];
        int f = 4;
        for (int j = 3; j >= 0; j--)
            if (d->file && files[j] && strcmp(d->file, files[j]) == 0) f = j;
        if (!d->file) f = -1;
        r[k] = (ranked){f, d->line, k, d};
    }
    if (r) qsort(r, mine->count, sizeof *r, cmp_ranked);
    for (size_t k = 0; k < mine->count; k++) {
        const tr_diag *d = r ? r[k].d : &mine->diags[k];
        tr_error_add(err, d->status, d->file, d->path, d->line, d->column, "%s", d->message);
    }
    if (mine->truncated) err->truncated = 1;
    free(r);
}

tr_status tr_import_read_buffers(const tr_import_sources *src, char **json, tr_error *err)
{
    if (!json) return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0, "no output pointer");
    *json = NULL;
    if (!src || !src->trusts.data || !src->schemes.data)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "an import needs a trusts CSV and a schemes CSV");
    imp im;
    memset(&im, 0, sizeof im);
    tr_error mine; /* sorted into err at the end */
    tr_error_init(&mine);
    im.err = &mine;
    table_init(&im.trusts, &src->trusts, "trusts.csv", "trust", TRUST_COLS, COUNT(TRUST_COLS));
    table_init(&im.schemes, &src->schemes, "schemes.csv", "scheme", SCHEME_COLS,
               COUNT(SCHEME_COLS));
    table_init(&im.consortia, &src->consortia, "consortia.csv", "consortium", CONSORTIUM_COLS,
               COUNT(CONSORTIUM_COLS));
    if (src->base.data) im.base_file = src->base.name ? src->base.name : "base.json";

    read_table(&im, &im.consortia, &src->consortia);
    read_table(&im, &im.trusts, &src->trusts);
    read_table(&im, &im.schemes, &src->schemes);
    cJSON *base = src->base.data ? read_base(&im, &src->base) : NULL;
    bool sound = im.trusts.parsed && im.schemes.parsed &&
                 (!im.consortia.present || im.consortia.parsed) && (!src->base.data || base);
    if (base && cJSON_GetObjectItemCaseSensitive(base, "trusts"))
        problem(&im, im.base_file, 0, "trusts",
                "the base must not hold trusts: they come from %s and %s", im.trusts.file,
                im.schemes.file);
    im.base_consortia = !im.consortia.present;
    if (base && im.consortia.present && cJSON_GetObjectItemCaseSensitive(base, "consortia"))
        problem(&im, im.base_file, 0, "consortia",
                "consortia are given both here and in %s; keep one of the two", im.consortia.file);

    /* cells are checked in every file that could be read, even when another
     * file is broken, so that one pass shows every problem */
    char *text = NULL;
    cJSON **tobjs = NULL, **sobjs = NULL, **cobjs = NULL;
    table *tabs[3] = {&im.consortia, &im.trusts, &im.schemes};
    cJSON ***objs[3] = {&cobjs, &tobjs, &sobjs};
    for (int k = 0; k < 3 && !im.nomem; k++) {
        if (!tabs[k]->parsed) continue;
        *objs[k] = build_rows(&im, tabs[k]);
        if (k == 2) break; /* scheme ids are unique per trust: attach_schemes */
        size_t n;
        idref *ids = collect_ids(&im, tabs[k], &n);
        if (ids) report_duplicates(&im, tabs[k], ids, n, 0, NULL);
        free(ids);
    }
    if (im.trusts.parsed && im.schemes.parsed && !im.nomem) attach_schemes(&im, tobjs, sobjs);
    if (sound && !im.nomem) {
        cJSON *cons = im.consortia.present ? array_of(&im, cobjs, im.consortia.nrows) : NULL;
        cJSON *trusts = array_of(&im, tobjs, im.trusts.nrows);
        cJSON *root = build_root(&im, base, cons, trusts);
        sbuf out = {0};
        if (root) put_value(&out, root, 0);
        sb_putc(&out, '\n');
        cJSON_Delete(root);
        if (out.nomem) im.nomem = true;
        text = out.s;
        /* step 4 */
        if (text && !im.nomem) {
            tr_error le;
            tr_error_init(&le);
            tr_config *cfg = NULL;
            tr_config_load_buffer(text, out.len, "(import)", &cfg, &le);
            tr_config_free(cfg);
            for (size_t k = 0; k < le.count; k++) {
                if (le.diags[k].status == TR_E_NOMEM)
                    im.nomem = true;
                else
                    map_diag(&im, &le.diags[k]);
            }
            if (le.truncated) mine.truncated = 1;
            tr_error_clear(&le);
        }
    }
    free_objs(cobjs, im.consortia.nrows);
    free_objs(tobjs, im.trusts.nrows);
    free_objs(sobjs, im.schemes.nrows);
    cJSON_Delete(base);
    for (size_t k = 0; im.sch && k <= im.trusts.nrows; k++)
        free(im.sch[k]);
    free(im.sch);
    free(im.nsch);
    free(im.bad);
    hand_over(&im, &mine, err);
    tr_error_clear(&mine);
    table_free(&im.trusts);
    table_free(&im.schemes);
    table_free(&im.consortia);

    tr_status st = TR_OK;
    if (im.nomem)
        st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory while importing");
    else if (im.nproblems || err->truncated || tr_error_status(err) != TR_OK)
        st = TR_E_INPUT;
    if (st != TR_OK) {
        free(text);
        return st;
    }
    *json = text;
    return TR_OK;
}

tr_status tr_import_read_files(const char *trusts, const char *schemes, const char *consortia,
                               const char *base, char **json, tr_error *err)
{
    if (json) *json = NULL;
    if (!trusts || !schemes || !json)
        return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                            "an import needs a trusts file, a schemes file and an output");
    const char *names[4] = {trusts, schemes, consortia, base};
    tr_import_source s[4];
    memset(s, 0, sizeof s);
    tr_status st = TR_OK, worst = TR_OK;
    for (int k = 0; k < 4; k++) {
        if (!names[k]) continue;
        char *data = NULL;
        size_t len = 0;
        st = tr__file_read(names[k], TR_CONFIG_MAX_BYTES, NULL, &data, &len, err);
        if (st != TR_OK) {
            if (worst == TR_OK || st != TR_E_INPUT) worst = st;
            continue;
        }
        s[k] = (tr_import_source){names[k], data, len};
    }
    if (worst == TR_OK) {
        tr_import_sources src = {s[0], s[1], s[2], s[3]};
        worst = tr_import_read_buffers(&src, json, err);
    }
    for (int k = 0; k < 4; k++)
        free((char *)s[k].data);
    return worst;
}
