/*
 * test_config.c - the config loader (engine/config.c) and SHA-256
 * (engine/sha256.c).
 *
 * The docs/model.md section 9 example must load with every default and derived
 * value the simulator relies on; every rule family of docs/model.md sections 3-6
 * and 9 is broken on purpose and must be reported with its JSON path and a
 * stable phrase; malformed bytes of every kind must be refused without a
 * crash or a leak (the sanitizer build runs these tests too).
 *
 * Configs are written with single quotes for readability; th_json
 * (helpers.h) turns them into JSON.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "canon.h"
#include "sha256.h"
#include "trustrisk/config.h"
#include "trustrisk/error.h"

#include "helpers.h"

#define MINIMAL TR_SOURCE_DIR "/tests/data/valid/model_minimal.json"

/* A shared prelude: two factors (one consortium-scoped), two consortia. */
#define DECLS                                                                                      \
    "'factors': [{'name': 'national', 'scope': 'global'}, {'name': 'regional', 'scope': "          \
    "'consortium'}], 'consortia': [{'id': 'north', 'reserve': 10}, {'id': 'south', 'reserve': "    \
    "5}]"
#define CFG(trusts) "{'horizon_months': 12, " DECLS ", 'trusts': [" trusts "]}"
#define TRUST(x) "{'id': 't', 'cash': 1, 'income': 10, 'expenditure': 10" x "}"
#define SCHEME(x) "{'id': 's', 'saving': 1, 'start_month': 1" x "}"
#define WITH_SCHEME(x) CFG(TRUST(", 'schemes': [" SCHEME(x) "]"))
#define DIST(d) WITH_SCHEME(", 'delivery': " d)

static tr_status load(const char *json, tr_config **cfg, tr_error *err)
{
    char *j = th_json("%s", json);
    tr_status st = tr_config_load_buffer(j, strlen(j), "cfg.json", cfg, err);
    free(j);
    return st;
}

static void dump(const tr_error *e)
{
    tr_error_print(e, stderr);
}

#define find th_find_diag

/* The config must be rejected with a diagnostic at `path` (NULL: the whole
 * document) whose message contains `sub`; every diagnostic must name the
 * file and be an input error. */
static void expect_error(const char *json, const char *path, const char *sub)
{
    th_config_refused("cfg.json", json, path, sub);
}

static tr_config *expect_ok(const char *json)
{
    char *j = th_json("%s", json);
    tr_config *cfg = th_load_as("cfg.json", j);
    free(j);
    return cfg;
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= 1e-12 * (1 + fabs(b));
}

/* ---------------------------------------------------------------- SHA-256 */

Test(sha256, fips_180_vectors)
{
    char hex[65];
    tr__sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    tr__sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    tr__sha256_hex(m448, strlen(m448), hex);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, million_a_in_uneven_pieces)
{
    static const char want[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    char a[1000];
    memset(a, 'a', sizeof a);
    tr__sha256_ctx c;
    tr__sha256_init(&c);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        tr__sha256_update(&c, a, n);
        done += n;
        step = step % 977 + 13; /* pieces of every size and alignment */
    }
    unsigned char d[32];
    tr__sha256_final(&c, d);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    cr_assert_str_eq(hex, want);
}

/* --------------------------------------------------- the docs/model.md example */

Test(config, model_example_loads_with_defaults_and_derived_values)
{
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_file(MINIMAL, &cfg, &e);
    if (st != TR_OK) dump(&e);
    cr_assert_eq(st, TR_OK);
    cr_assert_eq(e.count, 0);

    cr_assert_str_eq(tr_config_name(cfg), "Two trusts, one consortium");
    cr_assert_eq(tr_config_horizon(cfg), 24);
    cr_assert_eq(tr_config_seed(cfg), 42);
    cr_assert_eq(tr_config_paths(cfg), TR_DEFAULT_PATHS);
    cr_assert_str_eq(tr_config_copula(cfg), "gaussian");
    cr_assert_eq(tr_config_trust_count(cfg), 1);
    cr_assert_eq(tr_config_scheme_count(cfg), 2);
    cr_assert_eq(tr_config_consortium_count(cfg), 1);
    cr_assert_eq(tr_config_factor_count(cfg), 1);
    cr_assert_str_eq(cfg->source, MINIMAL);

    /* sha256 of the canonical form (canon.c): not the raw bytes, and the same
     * for the same config written with other whitespace */
    const char *sha = tr_config_sha256(cfg);
    cr_assert_eq(strlen(sha), 64);
    cr_assert_eq(strspn(sha, "0123456789abcdef"), 64);
    char hex[65];
    tr__config_hash(cfg, hex);
    cr_assert_str_eq(sha, hex);
    FILE *fp = fopen(MINIMAL, "rb");
    cr_assert_not_null(fp);
    static char raw[65536], squeezed[65536];
    size_t n = fread(raw, 1, sizeof raw, fp), m = 0;
    fclose(fp);
    for (size_t k = 0; k < n; k++) /* drop the indentation (no string holds two spaces) */
        if (!(raw[k] == ' ' && k + 1 < n && (raw[k + 1] == ' ' || raw[k - 1] == ' ')) &&
            raw[k] != '\n')
            squeezed[m++] = raw[k];
    tr_config *again = NULL;
    tr_error e2;
    tr_error_init(&e2);
    cr_assert_eq(tr_config_load_buffer(squeezed, m, "squeezed", &again, &e2), TR_OK);
    cr_assert_str_eq(tr_config_sha256(again), sha);
    tr__sha256_hex(raw, n, hex);
    cr_assert_str_neq(sha, hex);
    tr_config_free(again);
    tr_error_clear(&e2);

    cr_assert_str_eq(cfg->factors[0].name, "national");
    cr_assert_eq(cfg->factors[0].scope, TR__SCOPE_GLOBAL);
    cr_assert_eq(cfg->factors[0].key, tr__hash64("national"));
    cr_assert_str_eq(cfg->consortia[0].id, "north");
    cr_assert_str_eq(cfg->consortia[0].name, "North GP consortium");
    cr_assert_eq(cfg->consortia[0].reserve, 10);
    cr_assert_eq(cfg->consortia[0].key, tr__hash64("north"));

    const tr__trust *t = &cfg->trusts[0];
    cr_assert_str_eq(t->id, "general");
    cr_assert_str_eq(t->name, "General Hospital NHS Trust");
    cr_assert_eq(t->key, tr__hash64("general"));
    cr_assert_eq(t->cash, 8);
    cr_assert_eq(t->min_cash, 2);
    cr_assert_eq(t->facility, 0);
    cr_assert_eq(t->income, 240);
    cr_assert_eq(t->expenditure, 252);
    cr_assert_eq(t->fixed_charges, 0);
    cr_assert_eq(t->fixed_indexation, 0);
    cr_assert_eq(t->cash_noise, 1.0);
    cr_assert_eq(t->bailout_buffer, 0);
    cr_assert_eq(t->n_commissioners, 1);
    cr_assert_eq(t->commissioners[0].consortium, 0);
    cr_assert_eq(t->commissioners[0].share, 0.9);
    cr_assert(close_to(t->national_share, 0.1));
    cr_assert_eq(t->lead_consortium, 0);
    cr_assert_eq(t->loadings.n, 0);
    cr_assert_eq(t->loadings.resid, 1.0);
    cr_assert_eq(t->income_growth.kind, TR__DIST_FIXED);
    cr_assert_eq(t->income_growth.value, 0);

    /* pert(0.01, 0.025, 0.05), lambda 4: alpha = 1 + 4 * 0.375, beta = 1 + 4 * 0.625 */
    const tr__dist *cg = &t->cost_growth;
    cr_assert_eq(cg->kind, TR__DIST_PERT);
    cr_assert_eq(cg->lambda, 4);
    cr_assert(close_to(cg->alpha, 2.5));
    cr_assert(close_to(cg->beta, 3.5));
    cr_assert(cg->has_loadings);
    cr_assert_eq(cg->loadings.n, 1);
    cr_assert_eq(cg->loadings.factor[0], 0);
    cr_assert_eq(cg->loadings.weight[0], 0.5);
    cr_assert(close_to(cg->loadings.resid, sqrt(0.75)));

    cr_assert_eq(t->n_schemes, 2);
    const tr__scheme *s = &t->schemes[0];
    cr_assert_str_eq(s->id, "agency-ban");
    cr_assert_str_eq(s->name, "Ban agency staff");
    cr_assert_eq(s->key, tr__hash64("agency-ban"));
    cr_assert_eq(s->kind, TR__SCHEME_EFFICIENCY);
    cr_assert_eq(s->saving, 6);
    cr_assert_eq(s->start_month, 1);
    cr_assert_eq(s->ramp_months, 6);
    cr_assert_eq(s->paper, 0.25);
    cr_assert(s->recurrent);
    cr_assert_not(s->has_stay);
    cr_assert_not(s->has_compromise);
    cr_assert_eq(s->one_off_cost, 0);
    /* beta(mean 0.6, sd 0.2) on [0, 1]: 0.24/0.04 - 1 = 5, alpha 3, beta 2 */
    cr_assert_eq(s->delivery.kind, TR__DIST_BETA);
    cr_assert_eq(s->delivery.min, 0);
    cr_assert_eq(s->delivery.max, 1);
    cr_assert(close_to(s->delivery.alpha, 3));
    cr_assert(close_to(s->delivery.beta, 2));
    cr_assert_not(s->delivery.has_loadings);
    cr_assert_eq(s->slippage.kind, TR__DIST_FIXED);
    cr_assert_eq(s->slippage.value, 0);
    cr_assert_eq(s->loadings.n, 1);
    cr_assert_eq(s->loadings.weight[0], 0.3);
    cr_assert(close_to(s->loadings.resid, sqrt(0.91)));

    s = &t->schemes[1];
    cr_assert_str_eq(s->id, "close-ward");
    cr_assert_eq(s->kind, TR__SCHEME_CLOSURE);
    cr_assert_eq(s->delivery.kind, TR__DIST_FIXED);
    cr_assert_eq(s->delivery.value, 1);
    cr_assert_eq(s->slippage.kind, TR__DIST_LOGNORMAL);
    cr_assert_eq(s->slippage.median, 3);
    cr_assert_eq(s->slippage.sigma, 0.7);
    cr_assert(s->has_stay);
    cr_assert_eq(s->stay_probability, 0.35);
    cr_assert_eq(s->stay_delay.kind, TR__DIST_UNIFORM);
    cr_assert_eq(s->stay_delay.min, 3);
    cr_assert_eq(s->stay_delay.max, 12);
    cr_assert(s->has_compromise);
    cr_assert_eq(s->compromise_probability, 0.3);
    cr_assert_eq(s->retained.kind, TR__DIST_UNIFORM);
    cr_assert_eq(s->one_off_cost, 2.5);
    cr_assert_eq(s->loadings.n, 0);

    char *desc = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&desc, &len);
    tr_config_describe(cfg, mem);
    fclose(mem);
    cr_assert_not_null(strstr(desc, "Two trusts, one consortium"));
    cr_assert_not_null(strstr(desc, "1 trust with 2 savings schemes"));
    cr_assert_not_null(strstr(desc, "horizon 24 months"));
    free(desc);

    tr_config_free(cfg);
    tr_config_free(NULL);
}

Test(config, defaults_and_derived_values)
{
    tr_config *cfg = expect_ok(
        "{'horizon_months': 1, 'copula': {'type': 't', 'dof': 5}, " DECLS ", 'trusts': ["
        "{'id': 'a', 'cash': -3, 'income': 0, 'expenditure': 0,"
        " 'commissioners': [{'consortium': 'north', 'share': 0.3},"
        "  {'consortium': 'south', 'share': 0.5}],"
        " 'factors': {'regional': 0.6, 'national': 0.8}},"
        "{'id': 'b', 'cash': 0, 'income': 1, 'expenditure': 1,"
        " 'commissioners': [{'consortium': 'south', 'share': 0.4},"
        "  {'consortium': 'north', 'share': 0.4}],"
        " 'schemes': [{'id': 'x', 'saving': 0, 'start_month': 1.5, 'recurrent': false,"
        "  'delivery': {'dist': 'discrete', 'values': [1, 0.5, 0], 'probs': [0.1, 0.2, 0.7]},"
        "  'slippage': {'dist': 'triangular', 'min': 0, 'mode': 1, 'max': 6},"
        "  'paper': 1}]},"
        "{'id': 'c', 'cash': 0, 'income': 1, 'expenditure': 1}]}");
    cr_assert_str_eq(tr_config_name(cfg), "unnamed");
    cr_assert_null(cfg->notes);
    cr_assert_eq(tr_config_seed(cfg), TR_DEFAULT_SEED);
    cr_assert_eq(tr_config_paths(cfg), TR_DEFAULT_PATHS);
    cr_assert_str_eq(tr_config_copula(cfg), "t");
    cr_assert_eq(cfg->dof, 5);
    cr_assert_eq(tr_config_scheme_count(cfg), 1);
    cr_assert_str_eq(cfg->consortia[1].name, "south"); /* name defaults to id */

    const tr__trust *a = &cfg->trusts[0];
    cr_assert_str_eq(a->name, "a");
    cr_assert_eq(a->cash, -3);
    cr_assert_eq(a->lead_consortium, 1); /* largest share: south */
    cr_assert(close_to(a->national_share, 0.2));
    cr_assert_eq(a->loadings.n, 2);
    /* canonical order (canon.c): factors by name, loadings by factor */
    cr_assert_str_eq(cfg->factors[a->loadings.factor[0]].name, "national");
    cr_assert_eq(a->loadings.weight[0], 0.8);
    cr_assert_str_eq(cfg->factors[a->loadings.factor[1]].name, "regional");
    cr_assert_eq(a->loadings.weight[1], 0.6);
    cr_assert(a->loadings.resid >= 0 && a->loadings.resid < 1e-7); /* 0.36 + 0.64 = 1 */

    const tr__trust *b = &cfg->trusts[1];
    cr_assert_eq(b->lead_consortium, 1); /* a tie: the first listed, south */
    cr_assert(close_to(b->national_share, 0.2));
    const tr__scheme *x = &b->schemes[0];
    cr_assert_str_eq(x->name, "x");
    cr_assert_eq(x->kind, TR__SCHEME_OTHER);
    cr_assert_eq(x->start_month, 1.5);
    cr_assert_not(x->recurrent);
    cr_assert_eq(x->paper, 1);
    cr_assert_eq(x->delivery.kind, TR__DIST_DISCRETE);
    cr_assert_eq(x->delivery.n, 3);
    cr_assert_eq(x->delivery.values[1], 0.5);
    cr_assert(close_to(x->delivery.cum[0], 0.1));
    cr_assert(close_to(x->delivery.cum[1], 0.3));
    cr_assert_eq(x->delivery.cum[2], 1.0);
    cr_assert_eq(x->slippage.kind, TR__DIST_TRIANGULAR);
    cr_assert_eq(x->slippage.mode, 1);

    const tr__trust *c = &cfg->trusts[2];
    cr_assert_eq(c->n_commissioners, 0);
    cr_assert_eq(c->lead_consortium, -1);
    cr_assert_eq(c->national_share, 1.0);
    tr_config_free(cfg);
}

Test(config, discrete_cum_ends_at_exactly_one)
{
    tr_config *cfg = expect_ok(DIST("{'dist': 'discrete', 'values': [1,2,3,4,5,6,7,8,9,10], "
                                    "'probs': [0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1]}"));
    const tr__dist *d = &cfg->trusts[0].schemes[0].delivery;
    cr_assert_eq(d->cum[9], 1.0);
    for (size_t i = 1; i < 10; i++)
        cr_assert(d->cum[i] >= d->cum[i - 1]);
    tr_config_free(cfg);
}

Test(config, every_family_loads)
{
    static const char *const dists[] = {
        "{'dist': 'fixed', 'value': 0.5}",
        "{'dist': 'uniform', 'min': 0.5, 'max': 0.5}",
        "{'dist': 'uniform', 'min': 0, 'max': 1}",
        "{'dist': 'triangular', 'min': 0, 'mode': 0, 'max': 1}",
        "{'dist': 'pert', 'min': 0, 'mode': 1, 'max': 1, 'lambda': 2}",
        "{'dist': 'beta', 'mean': 5, 'sd': 1, 'min': 2, 'max': 10}",
        "{'dist': 'normal', 'mean': 0.8, 'sd': 0.1, 'factors': {'national': -0.4}}",
        "{'dist': 'lognormal', 'median': 1, 'sigma': 0.2}",
        "{'dist': 'discrete', 'values': [0.5], 'probs': [1]}",
    };
    for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++) {
        char json[2048];
        snprintf(json, sizeof json, "%s%s%s",
                 "{'horizon_months': 12, " DECLS ", 'trusts': [{'id': 't', 'cash': 1, "
                 "'income': 10, 'expenditure': 10, 'schemes': [{'id': 's', 'saving': 1, "
                 "'start_month': 1, 'delivery': ",
                 dists[i], "}]}]}");
        tr_config_free(expect_ok(json));
    }
}

Test(config, notes_and_names_allowed)
{
    tr_config *cfg = expect_ok(
        "{'name': 'n', 'notes': 'sources', 'horizon_months': 120, 'paths': 4000000000,"
        " 'seed': 9007199254740992, 'consortia': [{'id': 'k', 'name': 'K', 'notes': 'x',"
        " 'reserve': 0}], 'trusts': [{'id': 't', 'name': 'T', 'notes': 'y', 'cash': 1000000,"
        " 'income': 1, 'expenditure': 1, 'schemes': [" SCHEME(
            ", 'name': 'S', 'notes': 'z'") "]}]}");
    cr_assert_str_eq(cfg->notes, "sources");
    cr_assert_str_eq(cfg->trusts[0].notes, "y");
    cr_assert_str_eq(cfg->trusts[0].schemes[0].notes, "z");
    cr_assert_str_eq(cfg->consortia[0].notes, "x");
    cr_assert_eq(cfg->paths, UINT64_C(4000000000));
    cr_assert_eq(cfg->seed, UINT64_C(9007199254740992));
    tr_config_free(cfg);
}

/* ------------------------------------------------------- syntax and bytes */

Test(config, syntax_error_has_line_and_column)
{
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    const char *text = "{\n  \"horizon_months\": 12,\n  \"seed\": 1\n  \"trusts\": []\n}\n";
    cr_assert_eq(tr_config_load_buffer(text, strlen(text), "cfg.json", &cfg, &e), TR_E_INPUT);
    cr_assert_null(cfg);
    cr_assert_eq(e.count, 1);
    cr_assert_eq(e.diags[0].line, 4);
    cr_assert_eq(e.diags[0].column, 3);
    cr_assert_null(e.diags[0].path);
    cr_assert_str_eq(e.diags[0].message,
                     "syntax error: expected ',' or '}' after an object member");
    tr_error_clear(&e);
}

/* Load raw bytes; return the first diagnostic's message (static copy). */
static const char *raw_error(const char *bytes, size_t len, int *line, int *col)
{
    static char msg[512];
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_buffer(bytes, len, "raw", &cfg, &e);
    cr_assert_eq(st, TR_E_INPUT);
    cr_assert_null(cfg);
    cr_assert_geq(e.count, 1);
    snprintf(msg, sizeof msg, "%s", e.diags[0].message);
    if (line) *line = e.diags[0].line;
    if (col) *col = e.diags[0].column;
    tr_error_clear(&e);
    return msg;
}

#define RAW(s) raw_error(s, sizeof(s) - 1, NULL, NULL)

Test(config, syntax_messages)
{
    int line, col;
    cr_assert_not_null(
        strstr(raw_error("{\"a\": NaN}", 10, &line, &col), "NaN/Infinity are not allowed"));
    cr_assert_eq(line, 1);
    cr_assert_eq(col, 7);
    cr_assert_not_null(strstr(RAW("{\"a\": -Infinity}"), "NaN/Infinity are not allowed"));
    cr_assert_not_null(strstr(RAW("{\"a\": Infinity}"), "NaN/Infinity are not allowed"));
    cr_assert_not_null(strstr(RAW("{\"a\": [1, 2,]}"), "trailing comma"));
    cr_assert_not_null(strstr(RAW("{\"a\": 1,}"), "trailing comma"));
    cr_assert_not_null(strstr(RAW("{\"a\": 'x'}"), "double quotes"));
    cr_assert_not_null(strstr(RAW("{a: 1}"), "double quotes"));
    cr_assert_not_null(strstr(RAW("{\"a\": 1 // c\n}"), "comments are not allowed"));
    cr_assert_not_null(strstr(RAW("{\"a\": 01}"), "leading zeros"));
    cr_assert_not_null(strstr(RAW("{\"a\": .5}"), "0.5"));
    cr_assert_not_null(strstr(RAW("{\"a\": 1.}"), "digit after '.'"));
    cr_assert_not_null(strstr(RAW("{\"a\": 1e}"), "exponent"));
    cr_assert_not_null(strstr(RAW("{\"a\": True}"), "unexpected word \"True\""));
    cr_assert_not_null(strstr(RAW("{\"a\": \"x"), "unterminated string"));
    cr_assert_not_null(strstr(RAW("{\"a\": \"\\q\"}"), "invalid escape"));
    cr_assert_not_null(strstr(RAW("{\"a\": \"\\u12\"}"), "\\u"));
    cr_assert_not_null(strstr(RAW("{\"a\": \"\\ud800\"}"), "surrogate"));
    cr_assert_not_null(strstr(RAW("{\"a\": \"\\u0000\"}"), "NUL"));
    cr_assert_not_null(strstr(RAW("{\"a\" 1}"), "':'"));
    cr_assert_not_null(strstr(RAW("{\"a\": 1"), "unexpected end of input"));
    cr_assert_not_null(strstr(RAW("{\"a\": 1} x"), "after the end"));
    cr_assert_not_null(strstr(RAW("[1, 2]"), "top level must be a JSON object, got an array"));
    cr_assert_not_null(strstr(RAW("\"x\""), "top level must be a JSON object"));
    cr_assert_not_null(strstr(RAW("{\"a\": \"tab\there\"}"), "control character"));
}

Test(config, deep_nesting_refused)
{
    char buf[1000];
    size_t n = 0;
    buf[n++] = '{';
    memcpy(buf + n, "\"a\":", 4);
    n += 4;
    for (int i = 0; i < 200; i++)
        buf[n++] = '[';
    for (int i = 0; i < 200; i++)
        buf[n++] = ']';
    buf[n++] = '}';
    cr_assert_not_null(strstr(raw_error(buf, n, NULL, NULL), "nesting"));
}

Test(config, bad_bytes_and_empty_input)
{
    int line, col;
    const char nul[] = "{\n  \"a\": \0 1}";
    cr_assert_not_null(strstr(raw_error(nul, sizeof nul - 1, &line, &col), "NUL byte"));
    cr_assert_eq(line, 2);
    cr_assert_eq(col, 8);
    const char bad[] = "{\"\xc3\xa9t\xff\": 1}";
    cr_assert_not_null(strstr(raw_error(bad, sizeof bad - 1, &line, &col), "invalid UTF-8"));
    cr_assert_eq(line, 1);
    cr_assert_eq(col, 5); /* columns count characters, not bytes */
    cr_assert_not_null(strstr(RAW("{\"a\": \"\xc0\xaf\"}"), "invalid UTF-8"));     /* overlong */
    cr_assert_not_null(strstr(RAW("{\"a\": \"\xed\xa0\x80\"}"), "invalid UTF-8")); /* surrogate */
    cr_assert_not_null(strstr(RAW("{\"a\": \"\xe2\x82"), "invalid UTF-8"));        /* cut short */
    cr_assert_not_null(strstr(raw_error("", 0, NULL, NULL), "empty"));
    cr_assert_not_null(strstr(raw_error(NULL, 0, NULL, NULL), "empty"));
    cr_assert_not_null(strstr(RAW(" \n\t "), "empty"));
    /* a byte order mark is skipped */
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    const char bom[] = "\xEF\xBB\xBF{\"horizon_months\": 12, \"trusts\": [{\"id\": \"t\", "
                       "\"cash\": 1, \"income\": 1, \"expenditure\": 1}]}";
    cr_assert_eq(tr_config_load_buffer(bom, sizeof bom - 1, NULL, &cfg, &e), TR_OK);
    cr_assert_str_eq(cfg->source, "<buffer>");
    tr_config_free(cfg);
}

Test(config, every_prefix_and_many_mutations_fail_cleanly)
{
    FILE *fp = fopen(MINIMAL, "rb");
    cr_assert_not_null(fp);
    static char text[65536], buf[65536];
    size_t n = fread(text, 1, sizeof text, fp);
    fclose(fp);
    tr_error e;
    tr_error_init(&e);
    for (size_t len = 0; len < n; len++) {
        tr_config *cfg = NULL;
        memcpy(buf, text, len); /* no terminator: the loader must respect len */
        tr_status st = tr_config_load_buffer(buf, len, "p", &cfg, &e);
        /* only the last bytes are whitespace after the closing brace */
        if (st == TR_OK) {
            cr_assert(len >= n - 2);
            tr_config_free(cfg);
        } else {
            cr_assert_eq(st, TR_E_INPUT);
            cr_assert_null(cfg);
            cr_assert_geq(e.count, 1);
        }
        tr_error_clear(&e);
    }
    /* replace one byte at a time, by a fixed pseudo-random sequence */
    uint64_t x = 88172645463325252u;
    for (int k = 0; k < 3000; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(buf, text, n);
        buf[x % n] = (char)(x >> 32);
        if (k % 3 == 0) buf[(x >> 16) % n] = "{}[],:\"0-e.\\ \n"[(x >> 40) % 15];
        tr_config *cfg = NULL;
        tr_status st = tr_config_load_buffer(buf, n, "m", &cfg, &e);
        cr_assert(st == TR_OK || st == TR_E_INPUT);
        cr_assert((st == TR_OK) == (cfg != NULL));
        tr_config_free(cfg);
        tr_error_clear(&e);
    }
}

/* --------------------------------------------------------- file handling */

Test(config, file_over_limit_refused_unread)
{
    char path[] = "/tmp/trustrisk-big-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    /* sparse: no disk is used, and the loader must not read it */
    cr_assert_eq(ftruncate(fd, (off_t)TR_CONFIG_MAX_BYTES + 1), 0);
    close(fd);
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = (tr_config *)&e;
    tr_status st = tr_config_load_file(path, &cfg, &e);
    unlink(path);
    cr_assert_eq(st, TR_E_INPUT);
    cr_assert_null(cfg);
    cr_assert_eq(e.count, 1);
    cr_assert_str_eq(e.diags[0].file, path);
    cr_assert_not_null(strstr(e.diags[0].message, "too large"));
    tr_error_clear(&e);
}

Test(config, missing_file_is_input_error)
{
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = (tr_config *)&e;
    /* a wrong name is a bad argument (exit code 2), not an I/O failure */
    cr_assert_eq(tr_config_load_file("/nonexistent/dir/cfg.json", &cfg, &e), TR_E_INPUT);
    cr_assert_null(cfg);
    cr_assert_eq(e.count, 1);
    cr_assert_str_eq(e.diags[0].file, "/nonexistent/dir/cfg.json");
    cr_assert_not_null(strstr(e.diags[0].message, "cannot open"));
    tr_error_clear(&e);
    cr_assert_eq(tr_config_load_file("/tmp", &cfg, &e), TR_E_INPUT);
    cr_assert_not_null(strstr(e.diags[0].message, "directory"));
    tr_error_clear(&e);
}

Test(config, file_with_errors_names_file)
{
    char path[] = "/tmp/trustrisk-cfg-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text = "{\"horizon_months\": 0, \"trusts\": []}";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_file(path, &cfg, &e);
    unlink(path);
    cr_assert_eq(st, TR_E_INPUT);
    cr_assert_eq(e.count, 2);
    cr_assert_str_eq(e.diags[0].file, path);
    cr_assert_str_eq(e.diags[0].path, "horizon_months");
    cr_assert_str_eq(e.diags[0].message, "must be in [1, 120] (got 0)");
    cr_assert_str_eq(e.diags[1].path, "trusts");
    cr_assert_str_eq(e.diags[1].message, "must contain at least one trust");
    tr_error_clear(&e);
}

/* ------------------------------------------------------------ rule families */

Test(config, unknown_keys)
{
    expect_error(WITH_SCHEME(", 'ramp_mnths': 3"), "trusts[0].schemes[0].ramp_mnths",
                 "unknown key \"ramp_mnths\"; did you mean \"ramp_months\"?");
    expect_error(CFG(TRUST(", 'zzzzzzzz': 3")), "trusts[0].zzzzzzzz",
                 "unknown key \"zzzzzzzz\"; expected one of: id, name, notes, cash");
    expect_error("{'horizon_month': 12, 'trusts': [" TRUST("") "]}", "horizon_month",
                 "unknown key \"horizon_month\"; did you mean \"horizon_months\"?");
    expect_error("{'horizon_months': 12, 'trusts': [" TRUST("") "], 'my key': 1}", "[\"my key\"]",
                 "unknown key \"my key\"");
    expect_error(DIST("{'dist': 'beta', 'meen': 0.5, 'mean': 0.5, 'sd': 0.1}"),
                 "trusts[0].schemes[0].delivery.meen", "did you mean \"mean\"?");
    expect_error(DIST("{'dist': 'uniform', 'min': 0, 'max': 1, 'mode': 0.5}"),
                 "trusts[0].schemes[0].delivery.mode",
                 "unknown key \"mode\"; expected one of: dist, min, max, factors");
    expect_error(WITH_SCHEME(", 'stay': {'probability': 0.1, 'delay': {'dist': 'fixed', "
                             "'value': 1}, 'dealy': 2}"),
                 "trusts[0].schemes[0].stay.dealy", "did you mean \"delay\"?");
    expect_error(
        "{'horizon_months': 12, 'copula': {'type': 'gaussian', 'dof': 4}, 'trusts': [" TRUST(
            "") "]}",
        "copula.dof", "only used by the t copula");
}

Test(config, duplicate_keys)
{
    expect_error(WITH_SCHEME(", 'saving': 2"), "trusts[0].schemes[0].saving",
                 "duplicate key \"saving\"");
    expect_error("{'horizon_months': 12, 'horizon_months': 13, 'trusts': [" TRUST("") "]}",
                 "horizon_months", "duplicate key \"horizon_months\"");
    expect_error(CFG(TRUST(", 'factors': {'national': 0.1, 'national': 0.2}")),
                 "trusts[0].factors.national", "duplicate key \"national\"");
}

Test(config, duplicate_ids)
{
    expect_error(CFG(TRUST("") ", " TRUST("")), "trusts[1].id",
                 "duplicate id \"t\" (also at trusts[0].id)");
    expect_error(CFG(TRUST(", 'schemes': [" SCHEME("") ", " SCHEME("") ", " SCHEME("") "]")),
                 "trusts[0].schemes[2].id", "duplicate id \"s\" (also at trusts[0].schemes[0].id)");
    expect_error("{'horizon_months': 12, 'consortia': [{'id': 'k', 'reserve': 1}, {'id': 'k', "
                 "'reserve': 1}], 'trusts': [" TRUST("") "]}",
                 "consortia[1].id", "duplicate id \"k\" (also at consortia[0].id)");
    expect_error("{'horizon_months': 12, 'factors': [{'name': 'f', 'scope': 'global'}, {'name': "
                 "'f', 'scope': 'trust'}], 'trusts': [" TRUST("") "]}",
                 "factors[1].name", "duplicate factor name \"f\" (also at factors[0].name)");
    /* the same scheme id in two trusts is fine */
    tr_config_free(
        expect_ok(CFG(TRUST(", 'schemes': [" SCHEME("") "]") ", {'id': 'u', 'cash': "
                                                             "1, 'income': 1, "
                                                             "'expenditure': 1, "
                                                             "'schemes': [" SCHEME("") "]}")));
}

Test(config, missing_required_fields)
{
    expect_error("{'trusts': [" TRUST("") "]}", NULL, "missing required field \"horizon_months\"");
    expect_error("{'horizon_months': 12}", NULL, "missing required field \"trusts\"");
    expect_error(CFG("{'cash': 1, 'income': 10, 'expenditure': 10}"), "trusts[0]",
                 "missing required field \"id\"");
    expect_error(CFG("{'id': 't', 'income': 10, 'expenditure': 10}"), "trusts[0]",
                 "missing required field \"cash\"");
    expect_error(CFG("{'id': 't', 'cash': 1, 'expenditure': 10}"), "trusts[0]",
                 "missing required field \"income\"");
    expect_error(CFG("{'id': 't', 'cash': 1, 'income': 10}"), "trusts[0]",
                 "missing required field \"expenditure\"");
    expect_error(CFG(TRUST(", 'schemes': [{'id': 's', 'start_month': 1}]")), "trusts[0].schemes[0]",
                 "missing required field \"saving\"");
    expect_error(CFG(TRUST(", 'schemes': [{'id': 's', 'saving': 1}]")), "trusts[0].schemes[0]",
                 "missing required field \"start_month\"");
    expect_error(CFG(TRUST(", 'schemes': [{'saving': 1, 'start_month': 1}]")),
                 "trusts[0].schemes[0]", "missing required field \"id\"");
    expect_error("{'horizon_months': 12, 'consortia': [{'id': 'k'}], 'trusts': [" TRUST("") "]}",
                 "consortia[0]", "missing required field \"reserve\"");
    expect_error("{'horizon_months': 12, 'consortia': [{'reserve': 1}], 'trusts': [" TRUST("") "]}",
                 "consortia[0]", "missing required field \"id\"");
    expect_error(
        "{'horizon_months': 12, 'factors': [{'scope': 'global'}], 'trusts': [" TRUST("") "]}",
        "factors[0]", "missing required field \"name\"");
    expect_error("{'horizon_months': 12, 'factors': [{'name': 'f'}], 'trusts': [" TRUST("") "]}",
                 "factors[0]", "missing required field \"scope\"");
    expect_error(CFG(TRUST(", 'commissioners': [{'share': 0.5}]")), "trusts[0].commissioners[0]",
                 "missing required field \"consortium\"");
    expect_error(CFG(TRUST(", 'commissioners': [{'consortium': 'north'}]")),
                 "trusts[0].commissioners[0]", "missing required field \"share\"");
    expect_error(DIST("{'min': 0, 'max': 1}"), "trusts[0].schemes[0].delivery",
                 "missing required field \"dist\"");
    expect_error(DIST("{'dist': 'normal', 'mean': 1}"), "trusts[0].schemes[0].delivery",
                 "missing required field \"sd\"");
    expect_error(DIST("{'dist': 'discrete', 'values': [1]}"), "trusts[0].schemes[0].delivery",
                 "missing required field \"probs\"");
    expect_error(WITH_SCHEME(", 'stay': {'probability': 0.5}"), "trusts[0].schemes[0].stay",
                 "missing required field \"delay\"");
    expect_error(WITH_SCHEME(", 'stay': {'delay': {'dist': 'fixed', 'value': 1}}"),
                 "trusts[0].schemes[0].stay", "missing required field \"probability\"");
    expect_error(WITH_SCHEME(", 'compromise': {'probability': 0.5}"),
                 "trusts[0].schemes[0].compromise", "missing required field \"retained\"");
    expect_error("{'horizon_months': 12, 'copula': {'type': 't'}, 'trusts': [" TRUST("") "]}",
                 "copula", "missing required field \"dof\"");
}

Test(config, wrong_types)
{
    expect_error(WITH_SCHEME(", 'paper': '0.5'"), "trusts[0].schemes[0].paper",
                 "expected a number, got a string");
    expect_error(CFG(TRUST(", 'cash_noise': null")), "trusts[0].cash_noise",
                 "expected a number, got null");
    expect_error("{'horizon_months': '12', 'trusts': [" TRUST("") "]}", "horizon_months",
                 "expected an integer, got a string");
    expect_error("{'horizon_months': 12.5, 'trusts': [" TRUST("") "]}", "horizon_months",
                 "expected an integer, got 12.5");
    expect_error("{'horizon_months': 12, 'paths': 1.5, 'trusts': [" TRUST("") "]}", "paths",
                 "expected an integer");
    expect_error("{'horizon_months': 12, 'seed': true, 'trusts': [" TRUST("") "]}", "seed",
                 "expected an integer, got a boolean");
    expect_error("{'horizon_months': 12, 'trusts': {}}", "trusts",
                 "expected an array, got an object");
    expect_error("{'horizon_months': 12, 'trusts': [3]}", "trusts[0]",
                 "expected an object, got a number");
    expect_error(CFG("{'id': 7, 'cash': 1, 'income': 1, 'expenditure': 1}"), "trusts[0].id",
                 "expected a string, got a number");
    expect_error(WITH_SCHEME(", 'recurrent': 'yes'"), "trusts[0].schemes[0].recurrent",
                 "expected a boolean, got a string");
    expect_error(WITH_SCHEME(", 'delivery': 1"), "trusts[0].schemes[0].delivery",
                 "expected an object, got a number");
    expect_error(CFG(TRUST(", 'factors': [1]")), "trusts[0].factors",
                 "expected an object, got an array");
    expect_error(DIST("{'dist': 'discrete', 'values': 1, 'probs': [1]}"),
                 "trusts[0].schemes[0].delivery.values", "expected an array, got a number");
    expect_error(DIST("{'dist': 'discrete', 'values': ['a'], 'probs': [1]}"),
                 "trusts[0].schemes[0].delivery.values[0]", "expected a number, got a string");
    expect_error(CFG(TRUST(", 'name': 5")), "trusts[0].name", "expected a string, got a number");
    expect_error(CFG("{'id': '', 'cash': 1, 'income': 1, 'expenditure': 1}"), "trusts[0].id",
                 "must not be empty");
}

Test(config, ranges)
{
    expect_error("{'horizon_months': 1000000000, 'trusts': [" TRUST("") "]}", "horizon_months",
                 "must be in [1, 120] (got 1000000000)");
    expect_error("{'horizon_months': 1e300, 'trusts': [" TRUST("") "]}", "horizon_months",
                 "must be in [1, 120] (got 1e+300)");
    expect_error("{'horizon_months': 0, 'trusts': [" TRUST("") "]}", "horizon_months",
                 "must be in [1, 120] (got 0)");
    expect_error("{'horizon_months': 1e999, 'trusts': [" TRUST("") "]}", "horizon_months",
                 "number is not finite");
    expect_error("{'horizon_months': 12, 'paths': 0, 'trusts': [" TRUST("") "]}", "paths",
                 "must be in [1, 4000000000] (got 0)");
    expect_error("{'horizon_months': 12, 'paths': 4000000001, 'trusts': [" TRUST("") "]}", "paths",
                 "must be in [1, 4000000000] (got 4000000001)");
    expect_error("{'horizon_months': 12, 'seed': -1, 'trusts': [" TRUST("") "]}", "seed",
                 "must be in [0, 9007199254740992] (got -1)");
    expect_error(CFG(TRUST(", 'schemes': [{'id': 's', 'saving': -3, 'start_month': 1}]")),
                 "trusts[0].schemes[0].saving", "must be >= 0 (got -3)");
    expect_error(WITH_SCHEME(", 'one_off_cost': 2e6"), "trusts[0].schemes[0].one_off_cost",
                 "must be <= 1000000 (got 2000000)");
    expect_error(CFG(TRUST(", 'min_cash': -1e7")), "trusts[0].min_cash",
                 "must be in [-1000000, 1000000] (got -10000000)");
    expect_error(WITH_SCHEME(", 'paper': 1.5"), "trusts[0].schemes[0].paper",
                 "must be in [0, 1] (got 1.5)");
    expect_error(CFG(TRUST(", 'schemes': [{'id': 's', 'saving': 3, 'start_month': 0}]")),
                 "trusts[0].schemes[0].start_month", "must be in [1, 1200] (got 0)");
    expect_error(WITH_SCHEME(", 'ramp_months': -0.5"), "trusts[0].schemes[0].ramp_months",
                 "must be in [0, 1200] (got -0.5)");
    expect_error(CFG(TRUST(", 'fixed_indexation': -1")), "trusts[0].fixed_indexation",
                 "must be > -1 (got -1)");
    expect_error(CFG(TRUST(", 'facility': -2")), "trusts[0].facility", "must be >= 0 (got -2)");
    expect_error(CFG(TRUST(", 'fixed_charges': -2")), "trusts[0].fixed_charges",
                 "must be >= 0 (got -2)");
    expect_error(CFG(TRUST(", 'cash_noise': -0.1")), "trusts[0].cash_noise",
                 "must be >= 0 (got -0.1)");
    expect_error(
        "{'horizon_months': 12, 'copula': {'type': 't', 'dof': 2}, 'trusts': [" TRUST("") "]}",
        "copula.dof", "must be > 2 (got 2)");
    expect_error("{'horizon_months': 12, 'consortia': [{'id': 'k', 'reserve': -1}], 'trusts': "
                 "[" TRUST("") "]}",
                 "consortia[0].reserve", "must be >= 0 (got -1)");
    expect_error(CFG(TRUST(", 'income_growth': {'dist': 'fixed', 'value': -1.5}")),
                 "trusts[0].income_growth.value", "must be > -1 (got -1.5)");
    expect_error(CFG(TRUST(", 'cost_growth': {'dist': 'discrete', 'values': [0, -2], 'probs': "
                           "[0.5, 0.5]}")),
                 "trusts[0].cost_growth.values[1]", "must be > -1 (got -2)");
}

Test(config, distributions)
{
    expect_error(DIST("{'dist': 'gamma', 'shape': 2}"), "trusts[0].schemes[0].delivery.dist",
                 "unknown distribution \"gamma\"; expected one of: fixed, uniform, triangular, "
                 "pert, beta, normal, lognormal, discrete");
    expect_error(DIST("{'dist': 'normel', 'mean': 1, 'sd': 1}"),
                 "trusts[0].schemes[0].delivery.dist",
                 "unknown distribution \"normel\"; did you mean \"normal\"?");
    expect_error(DIST("{'dist': 'uniform', 'min': 5, 'max': 3}"),
                 "trusts[0].schemes[0].delivery.max", "must be >= min (got max 3, min 5)");
    expect_error(DIST("{'dist': 'triangular', 'min': 0, 'mode': 2, 'max': 1}"),
                 "trusts[0].schemes[0].delivery.mode", "must be in [min, max] = [0, 1] (got 2)");
    expect_error(DIST("{'dist': 'pert', 'min': 0, 'mode': -1, 'max': 1}"),
                 "trusts[0].schemes[0].delivery.mode", "must be in [min, max]");
    expect_error(DIST("{'dist': 'pert', 'min': 0.05, 'mode': 0.025, 'max': 0.01}"),
                 "trusts[0].schemes[0].delivery.max", "must be >= min (got max 0.01, min 0.05)");
    expect_error(DIST("{'dist': 'pert', 'min': 1, 'mode': 1, 'max': 1}"),
                 "trusts[0].schemes[0].delivery.max", "must be > min (got max 1, min 1)");
    expect_error(DIST("{'dist': 'pert', 'min': 0, 'mode': 0.5, 'max': 1, 'lambda': 0}"),
                 "trusts[0].schemes[0].delivery.lambda", "must be > 0 (got 0)");
    expect_error(DIST("{'dist': 'normal', 'mean': 1, 'sd': 0}"), "trusts[0].schemes[0].delivery.sd",
                 "must be > 0 (got 0)");
    expect_error(DIST("{'dist': 'normal', 'mean': 1, 'sd': -1}"),
                 "trusts[0].schemes[0].delivery.sd", "must be > 0 (got -1)");
    expect_error(DIST("{'dist': 'lognormal', 'median': 0, 'sigma': 1}"),
                 "trusts[0].schemes[0].delivery.median", "must be > 0 (got 0)");
    expect_error(DIST("{'dist': 'lognormal', 'median': 1, 'sigma': -0.5}"),
                 "trusts[0].schemes[0].delivery.sigma", "must be > 0 (got -0.5)");
    expect_error(DIST("{'dist': 'beta', 'mean': 0.5, 'sd': 0.5}"),
                 "trusts[0].schemes[0].delivery.sd",
                 "infeasible beta: need 0 < sd^2 < (mean-min)(max-mean)");
    expect_error(DIST("{'dist': 'beta', 'mean': 1.2, 'sd': 0.1}"),
                 "trusts[0].schemes[0].delivery.sd", "infeasible beta");
    expect_error(DIST("{'dist': 'beta', 'mean': 0.5, 'sd': 0.1, 'min': 1, 'max': 1}"),
                 "trusts[0].schemes[0].delivery.max", "must be > min");
    expect_error(DIST("{'dist': 'discrete', 'values': [1, 2], 'probs': [0.5, 0.4]}"),
                 "trusts[0].schemes[0].delivery.probs",
                 "probs sum to 0.9; must sum to 1 within 1e-9");
    expect_error(DIST("{'dist': 'discrete', 'values': [1, 2], 'probs': [1.1, -0.1]}"),
                 "trusts[0].schemes[0].delivery.probs[1]", "must be >= 0 (got -0.1)");
    expect_error(DIST("{'dist': 'discrete', 'values': [1, 2], 'probs': [1]}"),
                 "trusts[0].schemes[0].delivery.probs", "as many entries as values");
    expect_error(DIST("{'dist': 'discrete', 'values': [], 'probs': []}"),
                 "trusts[0].schemes[0].delivery.values", "at least one value");
    expect_error(DIST("{'dist': 'fixed', 'value': 1e999}"), "trusts[0].schemes[0].delivery.value",
                 "number is not finite");
}

Test(config, enums)
{
    expect_error("{'horizon_months': 12, 'factors': [{'name': 'f', 'scope': 'galactic'}], "
                 "'trusts': [" TRUST("") "]}",
                 "factors[0].scope",
                 "unknown scope \"galactic\"; expected one of: global, consortium, trust");
    expect_error(WITH_SCHEME(", 'kind': 'magic'"), "trusts[0].schemes[0].kind",
                 "unknown kind \"magic\"; expected one of: efficiency, closure, other");
    expect_error("{'horizon_months': 12, 'copula': {'type': 'clayton'}, 'trusts': [" TRUST("") "]}",
                 "copula.type", "unknown copula type \"clayton\"; expected one of: gaussian, t");
}

Test(config, references)
{
    expect_error(CFG(TRUST(", 'commissioners': [{'consortium': 'nrth', 'share': 0.5}]")),
                 "trusts[0].commissioners[0].consortium",
                 "unknown consortium \"nrth\"; did you mean \"north\"?");
    expect_error(CFG(TRUST(", 'commissioners': [{'consortium': 'elsewhere', 'share': 0.5}]")),
                 "trusts[0].commissioners[0].consortium", "unknown consortium \"elsewhere\"");
    expect_error(CFG(TRUST(", 'factors': {'nation': 0.5}")), "trusts[0].factors.nation",
                 "unknown factor \"nation\"; did you mean \"national\"?");
    expect_error(CFG(TRUST(", 'factors': {'weather': 0.5}")), "trusts[0].factors.weather",
                 "unknown factor \"weather\"");
    expect_error(CFG(TRUST(", 'commissioners': [{'consortium': 'north', 'share': 0.7}, "
                           "{'consortium': 'south', 'share': 0.5}]")),
                 "trusts[0].commissioners", "commissioner shares sum to 1.2; must be <= 1");
    expect_error(CFG(TRUST(", 'commissioners': [{'consortium': 'north', 'share': 1.5}]")),
                 "trusts[0].commissioners[0].share", "must be in [0, 1] (got 1.5)");
    expect_error(CFG(TRUST(", 'commissioners': [{'consortium': 'north', 'share': 0.2}, "
                           "{'consortium': 'north', 'share': 0.2}]")),
                 "trusts[0].commissioners[1].consortium",
                 "duplicate consortium \"north\" (also at trusts[0].commissioners[0].consortium)");
}

Test(config, loadings)
{
    expect_error(CFG(TRUST(", 'factors': {'national': 1.5}")), "trusts[0].factors.national",
                 "must be in [-1, 1] (got 1.5)");
    expect_error(WITH_SCHEME(", 'factors': {'national': 0.5, 'national2': 0.3}"),
                 "trusts[0].schemes[0].factors.national2", "unknown factor \"national2\"");
    expect_error(CFG(TRUST(", 'commissioners': [{'consortium': 'north', 'share': 1}], "
                           "'factors': {'national': 1, 'regional': -0.3}")),
                 "trusts[0].factors", "sum of squared loadings is 1.09; must be <= 1");
    expect_error(WITH_SCHEME(", 'factors': {'regional': 0.3}"),
                 "trusts[0].schemes[0].factors.regional",
                 "factor \"regional\" has consortium scope but trust \"t\" has no commissioners");
    expect_error(DIST("{'dist': 'fixed', 'value': 1, 'factors': {'regional': 0.3}}"),
                 "trusts[0].schemes[0].delivery.factors.regional",
                 "has consortium scope but trust \"t\" has no commissioners");
    expect_error(CFG(TRUST(", 'factors': {'regional': 0.3}")), "trusts[0].factors.regional",
                 "has consortium scope but");
    /* with commissioners the same loading is fine */
    tr_config_free(expect_ok(CFG(TRUST(", 'commissioners': [{'consortium': 'south', 'share': "
                                       "0.1}], 'factors': {'regional': 0.3}"))));
}

Test(config, lists)
{
    expect_error("{'horizon_months': 12, 'trusts': []}", "trusts",
                 "must contain at least one trust");
    expect_error("{'horizon_months': 12, 'factors': {}, 'trusts': [" TRUST("") "]}", "factors",
                 "expected an array, got an object");
}

Test(config, many_errors_all_reported)
{
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    tr_status st = load("{'horizon_months': 0, 'paths': -5, 'bogus': 1, " DECLS ", 'trusts': ["
                        "{'id': 'a', 'cash': 'x', 'income': 10, 'expenditure': 10,"
                        " 'schemes': [{'id': 's', 'saving': -1, 'start_month': 1,"
                        "   'delivery': {'dist': 'normal', 'mean': 0.5, 'sd': -1}},"
                        "  {'id': 's', 'saving': 1, 'start_month': 1, 'paper': 2}]},"
                        "{'id': 'a', 'income': 10, 'expenditure': 10,"
                        " 'commissioners': [{'consortium': 'nrth', 'share': 0.5}]}]}",
                        &cfg, &e);
    cr_assert_eq(st, TR_E_INPUT);
    cr_assert_null(cfg);
    cr_assert_not_null(find(&e, "horizon_months", "must be in [1, 120]"));
    cr_assert_not_null(find(&e, "paths", "must be in [1, 4000000000]"));
    cr_assert_not_null(find(&e, "bogus", "unknown key"));
    cr_assert_not_null(find(&e, "trusts[0].cash", "expected a number, got a string"));
    cr_assert_not_null(find(&e, "trusts[0].schemes[0].saving", "must be >= 0"));
    cr_assert_not_null(find(&e, "trusts[0].schemes[0].delivery.sd", "must be > 0"));
    cr_assert_not_null(find(&e, "trusts[0].schemes[1].id", "duplicate id"));
    cr_assert_not_null(find(&e, "trusts[0].schemes[1].paper", "must be in [0, 1]"));
    cr_assert_not_null(find(&e, "trusts[1].id", "duplicate id \"a\""));
    cr_assert_not_null(find(&e, "trusts[1]", "missing required field \"cash\""));
    cr_assert_not_null(find(&e, "trusts[1].commissioners[0].consortium", "did you mean"));
    cr_assert_eq(e.count, 11);
    tr_error_clear(&e);
}

Test(config, error_flood_is_capped)
{
    /* 5000 trusts with a bad cash each: the list stops at its cap, marked */
    size_t cap = 5000 * 80 + 200;
    char *json = malloc(cap);
    cr_assert_not_null(json);
    size_t n = (size_t)snprintf(json, cap, "{\"horizon_months\": 12, \"trusts\": [");
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(json + n, cap - n,
                              "%s{\"id\": \"t%d\", \"cash\": -1e9, \"income\": 1, "
                              "\"expenditure\": 1}",
                              i ? "," : "", i);
    n += (size_t)snprintf(json + n, cap - n, "]}");
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    cr_assert_eq(tr_config_load_buffer(json, n, "big.json", &cfg, &e), TR_E_INPUT);
    cr_assert_null(cfg);
    cr_assert_eq(e.count, 200);
    cr_assert(e.truncated);
    tr_error_clear(&e);
    free(json);
}

Test(config, many_trusts_load)
{
    size_t cap = 20000 * 120 + 200;
    char *json = malloc(cap);
    cr_assert_not_null(json);
    size_t n = (size_t)snprintf(json, cap,
                                "{\"horizon_months\": 12, \"consortia\": [{\"id\": \"k\", "
                                "\"reserve\": 1}], \"trusts\": [");
    for (int i = 0; i < 20000; i++)
        n += (size_t)snprintf(json + n, cap - n,
                              "%s{\"id\": \"t%d\", \"cash\": 1, \"income\": 1, \"expenditure\": "
                              "1, \"commissioners\": [{\"consortium\": \"k\", \"share\": 1}]}",
                              i ? "," : "", i);
    n += (size_t)snprintf(json + n, cap - n, "]}");
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    cr_assert_eq(tr_config_load_buffer(json, n, "big.json", &cfg, &e), TR_OK);
    cr_assert_eq(tr_config_trust_count(cfg), 20000);
    cr_assert_eq(cfg->trusts[19999].national_share, 0);
    tr_config_free(cfg);
    free(json);
}

/* The seed follows --seed's rule on the text as written: a JSON number above
 * 2^53 or with a fraction would otherwise be rounded without a word. */
Test(config, seed_is_a_whole_number_up_to_2_53_as_written)
{
    const char *bad[][2] = {
        {"9007199254740993", "must be in [0, 9007199254740992] (got 9007199254740993)"},
        {"18446744073709551616", "must be in [0, 9007199254740992]"},
        {"1.0", "expected a whole number written in digits"},
        {"1.0000000000000001", "expected a whole number written in digits"},
        {"1e3", "expected a whole number written in digits"},
        {"-0", "expected a whole number written in digits"},
        {"-1", "must be in [0, 9007199254740992] (got -1)"},
        {"2.5", "expected an integer"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char json[256];
        snprintf(json, sizeof json, "{'horizon_months': 12, 'seed': %s, 'trusts': [" TRUST("") "]}",
                 bad[k][0]);
        expect_error(json, "seed", bad[k][1]);
    }
    tr_config *cfg =
        expect_ok("{'horizon_months': 12, 'seed': 9007199254740992, 'trusts': [" TRUST("") "]}");
    cr_assert_eq(tr_config_seed(cfg), UINT64_C(9007199254740992));
    tr_config_free(cfg);
    cfg = expect_ok("{'horizon_months': 12, 'seed': 0, 'trusts': [" TRUST("") "]}");
    cr_assert_eq(tr_config_seed(cfg), 0);
    tr_config_free(cfg);
    /* a nested "seed" is not the run's seed (it is an unknown key there) */
    expect_error(CFG(TRUST(", 'seed': 1.5")), "trusts[0].seed", "unknown key");
}

Test(config, minus_zero_hashes_as_zero)
{
    /* -0, 0.0, 0e5 and a number that underflows to zero are the same
     * config: the same sha256 (canon.c), so the same checkpoints */
    const char *cash[] = {"0", "-0", "0.0", "-0.0", "0e5", "-1e-400"};
    char first[65] = "";
    for (size_t k = 0; k < sizeof cash / sizeof *cash; k++) {
        char *json = th_json("{'horizon_months': 12, 'trusts': [{'id': 'a', 'cash': %s, "
                             "'income': 120, 'expenditure': 130, 'commissioners': [], "
                             "'schemes': [{'id': 's', 'saving': 1, 'start_month': 1, "
                             "'delivery': {'dist': 'discrete', 'values': [%s, 1], "
                             "'probs': [0.5, 0.5]}}]}]}",
                             cash[k], cash[k]);
        tr_config *cfg = th_load(json);
        if (k == 0)
            snprintf(first, sizeof first, "%s", tr_config_sha256(cfg));
        else
            cr_expect_str_eq(tr_config_sha256(cfg), first, "cash %s", cash[k]);
        tr_config_free(cfg);
        free(json);
    }
}

Test(config, too_many_factors_is_said_once)
{
    /* the list refused as a whole: every loading that names one of its
     * factors is not an "unknown factor" besides */
    size_t cap = 64 * 1002 + 512, len = 0;
    char *json = malloc(cap);
    len += (size_t)snprintf(json + len, cap - len, "{'horizon_months': 12, 'factors': [");
    for (int i = 0; i <= 1000; i++)
        len += (size_t)snprintf(json + len, cap - len, "%s{'name': 'f%d', 'scope': 'global'}",
                                i ? ", " : "", i);
    snprintf(json + len, cap - len,
             "], 'trusts': [{'id': 'a', 'cash': 1, 'income': 120, 'expenditure': 130, "
             "'cost_growth': {'dist': 'normal', 'mean': 0.02, 'sd': 0.01, "
             "'factors': {'f1': 0.5, 'f2': 0.1}}}]}");
    tr_config *cfg = NULL;
    tr_error e;
    tr_error_init(&e);
    cr_assert_eq(load(json, &cfg, &e), TR_E_INPUT);
    cr_expect_eq(e.count, 1, "one problem, not one per loading");
    cr_expect(strstr(e.diags[0].message, "at most 1000 factors") != NULL, "%s", e.diags[0].message);
    tr_error_clear(&e);
    free(json);
}
