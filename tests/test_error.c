/*
 * test_error.c - the caller-owned error list (engine/error.c): appending,
 * the cap on its length, severity, and the one-line-per-problem print format
 * "file:line:column: path: message" with unknown parts left out.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustrisk/error.h"
#include "trustrisk/version.h"

/* Print `err` into a string the caller frees. */
static char *printed(const tr_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    cr_assert_not_null(fp);
    tr_error_print(err, fp);
    fclose(fp);
    return buf;
}

Test(error, starts_empty_and_clears)
{
    tr_error e;
    tr_error_init(&e);
    cr_assert_eq(e.count, 0);
    cr_assert_eq(tr_error_status(&e), TR_OK);
    tr_error_add(&e, TR_E_INPUT, "a.json", "x", 0, 0, "bad %d", 1);
    cr_assert_eq(e.count, 1);
    tr_error_clear(&e);
    cr_assert_eq(e.count, 0);
    cr_assert_null(e.diags);
    cr_assert_eq(e.truncated, 0);
    /* reusable after clear, and clear of NULL is allowed */
    tr_error_add(&e, TR_E_IO, NULL, NULL, 0, 0, "again");
    cr_assert_eq(e.count, 1);
    tr_error_clear(&e);
    tr_error_clear(NULL);
}

Test(error, add_returns_status_and_copies_strings)
{
    tr_error e;
    tr_error_init(&e);
    char file[] = "cfg.json", path[] = "trusts[2].cash";
    cr_assert_eq(
        tr_error_add(&e, TR_E_INPUT, file, path, 3, 7, "must be %s (got %g)", ">= 0", -1.5),
        TR_E_INPUT);
    file[0] = 'X';
    path[0] = 'X';
    const tr_diag *d = &e.diags[0];
    cr_assert_str_eq(d->file, "cfg.json");
    cr_assert_str_eq(d->path, "trusts[2].cash");
    cr_assert_str_eq(d->message, "must be >= 0 (got -1.5)");
    cr_assert_eq(d->line, 3);
    cr_assert_eq(d->column, 7);
    cr_assert_eq(d->status, TR_E_INPUT);
    cr_assert_eq(tr_error_add(&e, TR_E_NOMEM, NULL, NULL, 0, 0, "x"), TR_E_NOMEM);
    cr_assert_null(e.diags[1].file);
    cr_assert_null(e.diags[1].path);
    tr_error_clear(&e);
}

Test(error, keeps_order)
{
    tr_error e;
    tr_error_init(&e);
    for (int i = 0; i < 50; i++)
        tr_error_add(&e, TR_E_INPUT, NULL, NULL, 0, 0, "problem %d", i);
    cr_assert_eq(e.count, 50);
    for (int i = 0; i < 50; i++) {
        char want[32];
        snprintf(want, sizeof want, "problem %d", i);
        cr_assert_str_eq(e.diags[i].message, want);
    }
    tr_error_clear(&e);
}

Test(error, status_is_most_severe)
{
    tr_error e;
    tr_error_init(&e);
    tr_error_add(&e, TR_E_INPUT, NULL, NULL, 0, 0, "a");
    cr_assert_eq(tr_error_status(&e), TR_E_INPUT);
    tr_error_add(&e, TR_E_IO, NULL, NULL, 0, 0, "b");
    cr_assert_eq(tr_error_status(&e), TR_E_IO);
    tr_error_add(&e, TR_E_INPUT, NULL, NULL, 0, 0, "c");
    cr_assert_eq(tr_error_status(&e), TR_E_IO);
    tr_error_add(&e, TR_E_NOMEM, NULL, NULL, 0, 0, "d");
    cr_assert_eq(tr_error_status(&e), TR_E_NOMEM);
    tr_error_add(&e, TR_E_INTERNAL, NULL, NULL, 0, 0, "e");
    cr_assert_eq(tr_error_status(&e), TR_E_INTERNAL);
    tr_error_clear(&e);
    cr_assert_eq(tr_error_status(NULL), TR_OK);
}

Test(error, capped_and_truncated)
{
    tr_error e;
    tr_error_init(&e);
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(tr_error_add(&e, TR_E_INPUT, "f", NULL, 0, 0, "n%d", i), TR_E_INPUT);
    cr_assert_eq(e.count, 200);
    cr_assert(e.truncated);
    cr_assert_str_eq(e.diags[199].message, "n199");
    char *out = printed(&e);
    cr_assert_not_null(strstr(out, "f: n199\n... and more errors\n"));
    free(out);
    tr_error_clear(&e);
}

Test(error, print_format)
{
    tr_error e;
    tr_error_init(&e);
    tr_error_add(&e, TR_E_INPUT, "cfg.json", "trusts[2].schemes[0].delivery.sd", 0, 0,
                 "must be > 0 (got -1)");
    tr_error_add(&e, TR_E_INPUT, "cfg.json", NULL, 12, 5,
                 "syntax error: expected ',' or '}' after an object member");
    tr_error_add(&e, TR_E_INPUT, "cfg.json", NULL, 0, 0, "missing required field \"trusts\"");
    tr_error_add(&e, TR_E_INPUT, NULL, "horizon_months", 0, 0, "must be in [1, 120] (got 0)");
    tr_error_add(&e, TR_E_INPUT, NULL, NULL, 0, 0, "bare message");
    tr_error_add(&e, TR_E_INPUT, "cfg.json", "a.b", 4, 0, "line but no column");
    char *out = printed(&e);
    cr_assert_str_eq(out,
                     "cfg.json: trusts[2].schemes[0].delivery.sd: must be > 0 (got -1)\n"
                     "cfg.json:12:5: syntax error: expected ',' or '}' after an object member\n"
                     "cfg.json: missing required field \"trusts\"\n"
                     "horizon_months: must be in [1, 120] (got 0)\n"
                     "bare message\n"
                     "cfg.json:4: a.b: line but no column\n");
    free(out);
    tr_error_clear(&e);
}

Test(error, print_empty_list_prints_nothing)
{
    tr_error e;
    tr_error_init(&e);
    char *out = printed(&e);
    cr_assert_str_eq(out, "");
    free(out);
}

Test(error, long_message_is_kept_whole)
{
    tr_error e;
    tr_error_init(&e);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tr_error_add(&e, TR_E_INPUT, NULL, NULL, 0, 0, "%s", big);
    cr_assert_eq(strlen(e.diags[0].message), sizeof big - 1);
    tr_error_clear(&e);
}

Test(error, status_strings)
{
    cr_assert_str_eq(tr_status_string(TR_OK), "success");
    cr_assert_str_eq(tr_status_string(TR_E_INPUT), "invalid input");
    cr_assert_str_eq(tr_status_string(TR_E_IO), "input/output error");
    cr_assert_str_eq(tr_status_string(TR_E_NOMEM), "out of memory");
    cr_assert_str_eq(tr_status_string(TR_E_INTERNAL), "internal error");
    cr_assert_str_eq(tr_status_string((tr_status)99), "unknown status");
}

Test(version, matches_header)
{
    cr_assert_str_eq(tr_version(), TR_VERSION_STRING);
}

/* What tr_text_print shows for s, as a string the caller frees. */
static char *shown(const char *s)
{
    char buf[256] = "";
    FILE *fp = fmemopen(buf, sizeof buf - 1, "w");
    cr_assert_not_null(fp);
    tr_text_print(fp, s);
    fclose(fp);
    return strdup(buf);
}

/* No C0 or C1 control, DEL or stray byte reaches a terminal: each is shown
 * as an escape; UTF-8 text is printed as it is. */
Test(error, text_print_escapes_terminal_controls)
{
    const char *cases[][2] = {
        {"plain id-1", "plain id-1"},
        {"red\x1b[31m", "red\\x1B[31m"},
        {"bell\a tab\t nl\n cr\r", "bell\\x07 tab\\x09 nl\\x0A cr\\x0D"},
        {"del\x7f", "del\\x7F"},
        {"csi\xc2\x9b"
         "2J",
         "csi\\u009B2J"},                    /* U+009B, a C1 control */
        {"nel\xc2\x85", "nel\\u0085"},       /* U+0085 */
        {"lone\x9b byte", "lone\\x9B byte"}, /* not UTF-8 */
        {"cut\xe2\x82", "cut\\xE2\\x82"},    /* a truncated sequence */
        {"\xc2\xa3m for St Thomas\xe2\x80\x99", "\xc2\xa3m for St Thomas\xe2\x80\x99"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *s = shown(cases[k][0]);
        cr_expect_str_eq(s, cases[k][1], "case %zu", k);
        free(s);
    }
}

Test(error, print_escapes_every_part)
{
    tr_error e;
    tr_error_init(&e);
    tr_error_add(&e, TR_E_INPUT, "a\x1b.json", "trusts[0].x\x1b", 0, 0, "unknown key \"k\x1b[2J\"");
    char *s = printed(&e);
    cr_expect_str_eq(s, "a\\x1B.json: trusts[0].x\\x1B: unknown key \"k\\x1B[2J\"\n");
    cr_expect_null(strchr(s, '\x1b'));
    /* the stored message keeps the text as it was */
    cr_expect_str_eq(e.diags[0].message, "unknown key \"k\x1b[2J\"");
    free(s);
    tr_error_clear(&e);
}

Test(error, text_print_escapes_bidirectional_controls)
{
    /* a right-to-left override in an id would make a terminal show the
     * line in another order than its bytes; other non-ASCII text stays */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    tr_text_print(fp, "a\xE2\x80\xAE"
                      "b\xE2\x81\xA6"
                      "c\xE2\x80\x8F"
                      "d\xD8\x9C"
                      "e\xC3\xA9\xE2\x80\x94");
    fclose(fp);
    cr_expect_str_eq(buf, "a\\u202Eb\\u2066c\\u200Fd\\u061Ce\xC3\xA9\xE2\x80\x94");
    free(buf);
}
