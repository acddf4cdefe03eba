/*
 * test_json_scan.c - UTF-8, line and column, and the strict JSON syntax
 * check (engine/json_scan.c) shared by the loader, the importer, messages
 * and the report.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "json_scan.h"

static size_t seq(const char *s)
{
    return tr__utf8_seq((const unsigned char *)s, strlen(s) + 1);
}

Test(json_scan, utf8_sequences)
{
    cr_expect_eq(seq("a"), 1);
    cr_expect_eq(tr__utf8_seq((const unsigned char *)"", 1), 1); /* NUL is ASCII */
    cr_expect_eq(seq("\xC3\xA9"), 2);                            /* e acute */
    cr_expect_eq(seq("\xE2\x82\xAC"), 3);                        /* euro sign */
    cr_expect_eq(seq("\xF0\x9F\x98\x80"), 4);                    /* an emoji */
    cr_expect_eq(seq("\xC0\xAF"), 0);                            /* overlong */
    cr_expect_eq(seq("\xE0\x80\xAF"), 0);                        /* overlong */
    cr_expect_eq(seq("\xED\xA0\x80"), 0);                        /* a surrogate */
    cr_expect_eq(seq("\xF4\x90\x80\x80"), 0);                    /* above U+10FFFF */
    cr_expect_eq(seq("\x80"), 0);                                /* a lone continuation */
    cr_expect_eq(seq("\xE2\x82"), 0);                            /* cut by the NUL */
    /* never reads beyond avail */
    cr_expect_eq(tr__utf8_seq((const unsigned char *)"\xE2\x82\xAC", 2), 0);
    cr_expect_eq(tr__utf8_seq((const unsigned char *)"a", 0), 0);
}

Test(json_scan, utf8_check_finds_the_first_bad_byte_or_nul)
{
    cr_expect_eq(tr__utf8_check("ab\xC3\xA9", 4), 4);
    cr_expect_eq(tr__utf8_check("ab\xFF"
                                "c",
                                4),
                 2);
    cr_expect_eq(tr__utf8_check("ab\0c", 4), 2);
    cr_expect_eq(tr__utf8_check("ab\xC3", 3), 2); /* cut at the end */
    cr_expect_eq(tr__utf8_check("", 0), 0);
}

Test(json_scan, line_and_column_count_characters)
{
    const char *s = "ab\n\xC3\xA9x\ny";
    int line, col;
    tr__line_col(s, 0, &line, &col);
    cr_expect(line == 1 && col == 1);
    tr__line_col(s, 5, &line, &col); /* the x, after a two-byte character */
    cr_expect(line == 2 && col == 2, "%d:%d", line, col);
    tr__line_col(s, 7, &line, &col);
    cr_expect(line == 3 && col == 1, "%d:%d", line, col);
}

static tr__json_verdict check(const char *s, tr__json_scan *sc)
{
    return tr__json_check(s, strlen(s), NULL, sc);
}

Test(json_scan, verdicts_and_where)
{
    tr__json_scan sc;
    cr_expect_eq(check(" {\"a\": [1, 2.5e3, true, null, \"x\\u00e9\"]} \n", &sc), TR__JSON_OK);
    cr_expect_eq(check(" \n\t", &sc), TR__JSON_EMPTY);
    struct {
        const char *text, *words;
        size_t at;
    } bad[] = {
        {"{\"a\": 1,}", "trailing comma before '}'", 8},
        {"{\"a\": 01}", "leading zeros", 6},
        {"{\"a\": NaN}", "NaN/Infinity", 6},
        {"{'a': 1}", "double quotes", 1},
        {"{\"a\": 1} x", "after the end", 9},
        {"[1 2]", "expected ',' or ']'", 3},
        {"{\"a\": \"x\n\"}", "cannot span lines", 8},
        {"// note\n{}", "comments", 0},
        {"{\"a\": \"\\ud800\"}", "unpaired high surrogate", 7},
        {"[", "end of input", 1},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        cr_expect_eq(check(bad[k].text, &sc), TR__JSON_BAD, "%s", bad[k].text);
        cr_expect_not_null(strstr(sc.msg, bad[k].words), "%s: %s", bad[k].text, sc.msg);
        cr_expect_eq(sc.at, bad[k].at, "%s: at %zu", bad[k].text, sc.at);
    }
}

Test(json_scan, nesting_is_bounded)
{
    char deep[2 * (TR__JSON_MAX_DEPTH + 2) + 1];
    size_t n = TR__JSON_MAX_DEPTH + 2;
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    tr__json_scan sc;
    cr_expect_eq(check(deep, &sc), TR__JSON_BAD);
    cr_expect_not_null(strstr(sc.msg, "nesting"));
    deep[1] = ' '; /* one level less: the top value and TR__JSON_MAX_DEPTH below it */
    deep[2 * n - 2] = ' ';
    cr_expect_eq(check(deep, &sc), TR__JSON_OK, "%s", sc.msg);
}

Test(json_scan, captures_a_top_level_member)
{
    const char *s = "{\"x\": {\"seed\": 1}, \"seed\": 12345678901234567890}";
    tr__json_scan sc;
    cr_assert_eq(tr__json_check(s, strlen(s), "seed", &sc), TR__JSON_OK);
    cr_assert_eq(sc.capture_len, 20);
    cr_expect_eq(memcmp(s + sc.capture_at, "12345678901234567890", 20), 0);
    cr_assert_eq(tr__json_check("{\"seeds\": 1}", 12, "seed", &sc), TR__JSON_OK);
    cr_expect_eq(sc.capture_len, 0);
}
