/*
 * test_config_sampling.c - the config's "precision" and "sampling" objects
 * (engine/config.c, engine/canon.c; docs/model.md section 11).
 *
 * Every valid form must load into tr_config.precision and tr_config.sampling
 * with the values the engine reads (factor and trust indices in canonical
 * order); every invalid form must be refused with its JSON path and a
 * phrase that says what was wrong and what was expected; and the canonical
 * hash must ignore what does not change a run (no "precision", plain
 * sampling, a zero shift) and follow everything else.
 *
 * Configs are written with single quotes for readability; th_json
 * (helpers.h) turns them into JSON.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "trustrisk/config.h"
#include "trustrisk/error.h"

#include "helpers.h"

/* Three factors of each scope, declared out of alphabetical order so that
 * the canonical indices differ from the file's; two consortia; three trusts,
 * also out of order. */
#define DECLS                                                                                      \
    "'factors': [{'name': 'regional', 'scope': 'consortium'}, {'name': 'national', 'scope': "      \
    "'global'}, {'name': 'local', 'scope': 'trust'}], 'consortia': [{'id': 'north', 'reserve': "   \
    "10}, {'id': 'south', 'reserve': 5}]"
#define TRUST(id) "{'id': '" id "', 'cash': 1, 'income': 10, 'expenditure': 10}"
#define TRUSTS "'trusts': [" TRUST("zeta") ", " TRUST("alpha") ", " TRUST("mid") "]"
/* A config with `extra` top-level members (each followed by a comma). */
#define CFG(extra) "{'horizon_months': 12, " extra DECLS ", " TRUSTS "}"

static tr_status load(const char *json, tr_config **cfg, tr_error *err)
{
    char *j = th_json("%s", json);
    tr_status st = tr_config_load_buffer(j, strlen(j), "cfg.json", cfg, err);
    free(j);
    return st;
}

static tr_config *expect_ok(const char *json)
{
    char *j = th_json("%s", json);
    tr_config *cfg = th_load_as("cfg.json", j);
    free(j);
    return cfg;
}

#define find th_find_diag

/* The config must be refused, with a diagnostic at `path` whose message
 * holds `sub`, every diagnostic naming the file. */
static void expect_error(const char *json, const char *path, const char *sub)
{
    th_config_refused("cfg.json", json, path, sub);
}

/* The canonical hash of a config (which must load). */
static void hash_of(const char *json, char out[65])
{
    tr_config *cfg = expect_ok(json);
    memcpy(out, tr_config_sha256(cfg), 65);
    tr_config_free(cfg);
}

/* The index of factor `name` in the loaded config. */
static int factor_index(const tr_config *cfg, const char *name)
{
    for (size_t f = 0; f < cfg->n_factors; f++)
        if (strcmp(cfg->factors[f].name, name) == 0) return (int)f;
    cr_assert_fail("no factor %s", name);
    return -1;
}

/* ------------------------------------------------------------- the defaults */

Test(precision, absent_means_no_target_and_plain_sampling)
{
    tr_config *cfg = expect_ok(CFG(""));
    const tr__precision *p = tr__config_precision(cfg);
    cr_assert_not(p->set);
    cr_assert_eq(p->se, 0);
    cr_assert_eq(p->rel, 0);
    const tr__sampling *s = tr__config_sampling(cfg);
    cr_assert_eq(s->method, TR__SAMPLING_PLAIN);
    cr_assert_eq(s->n, 0);
    cr_assert_not(tr__sampling_active(s));
    cr_assert_eq(tr__sampling_mu(s, 0), 0);
    tr_config_free(cfg);
}

/* ------------------------------------------------------------- valid forms */

Test(precision, either_target_or_both)
{
    tr_config *cfg = expect_ok(CFG("'precision': {'target_se': 0.001, 'target_rel': 0.05}, "));
    const tr__precision *p = tr__config_precision(cfg);
    cr_assert(p->set);
    cr_assert_eq(p->se, 0.001);
    cr_assert_eq(p->rel, 0.05);
    tr_config_free(cfg);

    cfg = expect_ok(CFG("'precision': {'target_se': 0.0005}, "));
    cr_assert(cfg->precision.set);
    cr_assert_eq(cfg->precision.se, 0.0005);
    cr_assert_eq(cfg->precision.rel, 0);
    tr_config_free(cfg);

    cfg = expect_ok(CFG("'precision': {'target_rel': 0.1}, "));
    cr_assert(cfg->precision.set);
    cr_assert_eq(cfg->precision.se, 0);
    cr_assert_eq(cfg->precision.rel, 0.1);
    tr_config_free(cfg);
}

Test(sampling, plain_takes_nothing)
{
    tr_config *cfg = expect_ok(CFG("'sampling': {'method': 'plain'}, "));
    cr_assert_eq(cfg->sampling.method, TR__SAMPLING_PLAIN);
    cr_assert_eq(cfg->sampling.n, 0);
    cr_assert_not(tr__sampling_active(&cfg->sampling));
    tr_config_free(cfg);
}

Test(sampling, a_given_shift_in_canonical_factor_order)
{
    tr_config *cfg =
        expect_ok(CFG("'sampling': {'method': 'shift', 'shift': {'regional': -0.5, 'national': "
                      "2.3}}, "));
    const tr__sampling *s = tr__config_sampling(cfg);
    int nat = factor_index(cfg, "national"), reg = factor_index(cfg, "regional");
    /* factors are sorted by name: local, national, regional */
    cr_assert_eq(nat, 1);
    cr_assert_eq(reg, 2);
    cr_assert_eq(s->method, TR__SAMPLING_SHIFT);
    cr_assert_eq(s->n, 2);
    cr_assert_eq(s->factor[0], nat);
    cr_assert_eq(s->mu[0], 2.3);
    cr_assert_eq(s->factor[1], reg);
    cr_assert_eq(s->mu[1], -0.5);
    cr_assert_eq(tr__sampling_mu(s, nat), 2.3);
    cr_assert_eq(tr__sampling_mu(s, reg), -0.5);
    cr_assert_eq(tr__sampling_mu(s, factor_index(cfg, "local")), 0);
    cr_assert(tr__sampling_active(s));
    tr_config_free(cfg);

    /* the limits are allowed; a zero shift is kept but changes nothing */
    cfg = expect_ok(CFG("'sampling': {'method': 'shift', 'shift': {'national': -10, 'regional': "
                        "10}}, "));
    cr_assert_eq(cfg->sampling.mu[0], -10);
    cr_assert_eq(cfg->sampling.mu[1], 10);
    tr_config_free(cfg);
    cfg = expect_ok(CFG("'sampling': {'method': 'shift', 'shift': {'national': 0}}, "));
    cr_assert_eq(cfg->sampling.method, TR__SAMPLING_SHIFT);
    cr_assert_eq(cfg->sampling.n, 1);
    cr_assert_not(tr__sampling_active(&cfg->sampling));
    tr_config_free(cfg);
    cfg = expect_ok(CFG("'sampling': {'method': 'shift', 'shift': {}}, "));
    cr_assert_eq(cfg->sampling.n, 0);
    cr_assert_not(tr__sampling_active(&cfg->sampling));
    tr_config_free(cfg);
}

Test(sampling, automatic_shift_for_each_event)
{
    tr_config *cfg = expect_ok(
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 3}}}, "));
    const tr__sampling *s = tr__config_sampling(cfg);
    cr_assert_eq(s->method, TR__SAMPLING_AUTO);
    cr_assert_eq(s->event, TR__EVENT_FAILURES_AT_LEAST);
    cr_assert_eq(s->k, 3);
    cr_assert_eq(s->pilot_paths, TR_DEFAULT_PILOT_PATHS);
    cr_assert_eq(s->pilot_paths, 10000);
    cr_assert_eq(s->n, 0);
    cr_assert_eq(s->trust, -1);
    cr_assert_null(s->trust_id);
    cr_assert(tr__sampling_active(s));
    cr_assert_eq(tr__sampling_mu(s, 1), 0);
    tr_config_free(cfg);

    /* the trust's index is its place in canonical order (alpha, mid, zeta),
     * not in the file (zeta, alpha, mid) */
    cfg = expect_ok(CFG("'sampling': {'method': 'shift', 'auto': {'event': {'trust_fails': "
                        "'zeta'}, 'pilot_paths': 1000}}, "));
    s = tr__config_sampling(cfg);
    cr_assert_eq(s->event, TR__EVENT_TRUST_FAILS);
    cr_assert_eq(s->trust, 2);
    cr_assert_str_eq(cfg->trusts[s->trust].id, "zeta");
    cr_assert_str_eq(s->trust_id, "zeta");
    cr_assert_eq(s->pilot_paths, 1000);
    tr_config_free(cfg);
    cfg = expect_ok(CFG("'sampling': {'method': 'shift', 'auto': {'event': {'trust_fails': "
                        "'alpha'}}}, "));
    cr_assert_eq(cfg->sampling.trust, 0);
    tr_config_free(cfg);

    cfg = expect_ok(CFG("'sampling': {'method': 'shift', 'auto': {'event': "
                        "{'total_bailout_above': 250.5}, 'pilot_paths': 10000000}}, "));
    s = tr__config_sampling(cfg);
    cr_assert_eq(s->event, TR__EVENT_TOTAL_BAILOUT_ABOVE);
    cr_assert_eq(s->x, 250.5);
    cr_assert_eq(s->pilot_paths, 10000000);
    tr_config_free(cfg);
    cfg = expect_ok(
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'total_bailout_above': 0}}}, "));
    cr_assert_eq(cfg->sampling.x, 0);
    tr_config_free(cfg);
}

Test(sampling, describe_says_what_is_set)
{
    tr_config *cfg =
        expect_ok(CFG("'precision': {'target_se': 0.001, 'target_rel': 0.05}, "
                      "'sampling': {'method': 'shift', 'shift': {'national': 2.5}}, "));
    char *desc = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&desc, &len);
    tr_config_describe(cfg, mem);
    fclose(mem);
    cr_expect_not_null(strstr(desc, "precision target: every P(fail) to se <= max(0.001, 0.05 x "
                                    "estimate)"),
                       "%s", desc);
    cr_expect_not_null(strstr(desc, "importance sampling, shift national +2.5"), "%s", desc);
    free(desc);
    tr_config_free(cfg);

    cfg = expect_ok(
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 2}}}, "));
    mem = open_memstream(&desc, &len);
    tr_config_describe(cfg, mem);
    fclose(mem);
    cr_expect_not_null(strstr(desc, "shift chosen by a 10000-path pilot for at least 2 trusts "
                                    "failing"),
                       "%s", desc);
    free(desc);
    tr_config_free(cfg);

    cfg = expect_ok(CFG(""));
    mem = open_memstream(&desc, &len);
    tr_config_describe(cfg, mem);
    fclose(mem);
    cr_expect_null(strstr(desc, "precision"));
    cr_expect_null(strstr(desc, "sampling"));
    free(desc);
    tr_config_free(cfg);
}

/* ------------------------------------------------------------ invalid forms */

Test(precision, invalid_forms)
{
    expect_error(CFG("'precision': {}, "), "precision",
                 "needs \"target_se\" (the largest standard error of every trust's P(fail)) or "
                 "\"target_rel\"");
    expect_error(CFG("'precision': {'target_se': -0.01}, "), "precision.target_se",
                 "must be in (0, 0.5) (got -0.01)");
    expect_error(CFG("'precision': {'target_se': 0}, "), "precision.target_se",
                 "must be in (0, 0.5) (got 0)");
    expect_error(CFG("'precision': {'target_se': 0.5}, "), "precision.target_se",
                 "must be in (0, 0.5) (got 0.5)");
    expect_error(CFG("'precision': {'target_rel': 1}, "), "precision.target_rel",
                 "must be in (0, 1) (got 1)");
    expect_error(CFG("'precision': {'target_rel': 0}, "), "precision.target_rel",
                 "must be in (0, 1) (got 0)");
    expect_error(CFG("'precision': {'target_rel': '5%'}, "), "precision.target_rel",
                 "expected a number, got a string");
    expect_error(CFG("'precision': {'target_se': 0.01, 'target_sd': 0.01}, "),
                 "precision.target_sd", "unknown key \"target_sd\"; did you mean \"target_se\"?");
    expect_error(CFG("'precision': {'target_se': 0.01, 'target_se': 0.02}, "),
                 "precision.target_se", "duplicate key \"target_se\"");
    expect_error(CFG("'precision': 0.01, "), "precision", "expected an object, got a number");
    expect_error(CFG("'precison': {'target_se': 0.01}, "), "precison",
                 "unknown key \"precison\"; did you mean \"precision\"?");
}

Test(sampling, invalid_method_and_members)
{
    expect_error(CFG("'sampling': 'shift', "), "sampling", "expected an object, got a string");
    expect_error(CFG("'sampling': {}, "), "sampling", "missing required field \"method\"");
    expect_error(CFG("'sampling': {'method': 'shfit'}, "), "sampling.method",
                 "unknown sampling method \"shfit\"; did you mean \"shift\"?");
    expect_error(CFG("'sampling': {'method': 'importance'}, "), "sampling.method",
                 "unknown sampling method \"importance\"; expected one of: plain, shift");
    expect_error(CFG("'sampling': {'method': 'plain', 'shift': {'national': 1}}, "),
                 "sampling.shift", "\"shift\" is only used with \"method\": \"shift\"");
    expect_error(CFG("'sampling': {'method': 'plain', 'auto': {'event': {'failures_at_least': "
                     "1}}}, "),
                 "sampling.auto", "\"auto\" is only used with \"method\": \"shift\"");
    expect_error(CFG("'sampling': {'method': 'shift'}, "), "sampling",
                 "\"method\": \"shift\" needs \"shift\" (the shift of each factor");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'national': 1}, 'auto': "
                     "{'event': {'failures_at_least': 1}}}, "),
                 "sampling.auto", "\"shift\" and \"auto\" exclude each other");
    expect_error(CFG("'sampling': {'method': 'shift', 'shfit': {'national': 1}}, "),
                 "sampling.shfit", "unknown key \"shfit\"; did you mean \"shift\"?");
}

Test(sampling, invalid_shifts)
{
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'nationl': 1}}, "),
                 "sampling.shift.nationl",
                 "unknown factor \"nationl\"; did you mean \"national\"?");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'weather': 1}}, "),
                 "sampling.shift.weather", "unknown factor \"weather\"");
    expect_error("{'horizon_months': 12, 'sampling': {'method': 'shift', 'shift': {'national': "
                 "1}}, " TRUSTS "}",
                 "sampling.shift.national",
                 "unknown factor \"national\" (the config declares no factors)");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'local': 1}}, "),
                 "sampling.shift.local",
                 "factor \"local\" has trust scope and cannot be shifted: only global and "
                 "consortium-scoped factors can");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'national': 10.5}}, "),
                 "sampling.shift.national", "must be in [-10, 10] (got 10.5)");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'regional': -11}}, "),
                 "sampling.shift.regional", "must be in [-10, 10] (got -11)");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'national': 1e999}}, "),
                 "sampling.shift.national", "number is not finite");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'national': '2'}}, "),
                 "sampling.shift.national", "expected a number, got a string");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': {'national': 1, 'national': 2}}, "),
                 "sampling.shift.national", "duplicate key \"national\"");
    expect_error(CFG("'sampling': {'method': 'shift', 'shift': [1]}, "), "sampling.shift",
                 "expected an object, got an array");
}

Test(sampling, invalid_automatic_shifts)
{
#define AUTO(a) CFG("'sampling': {'method': 'shift', 'auto': " a "}, ")
    expect_error(AUTO("{}"), "sampling.auto", "missing required field \"event\"");
    expect_error(AUTO("true"), "sampling.auto", "expected an object, got a boolean");
    expect_error(AUTO("{'event': 'failures_at_least', 'k': 8}"), "sampling.auto.event",
                 "expected an object naming the event and its value, such as "
                 "{\"failures_at_least\": 8}");
    expect_error(AUTO("{'event': 'failures_at_least', 'k': 8}"), "sampling.auto.k",
                 "unknown key \"k\"");
    expect_error(AUTO("{'event': 8}"), "sampling.auto.event",
                 "expected an object naming the event, such as {\"failures_at_least\": 8}, got a "
                 "number");
    expect_error(AUTO("{'event': {}}"), "sampling.auto.event",
                 "must name one event: failures_at_least, trust_fails, total_bailout_above");
    expect_error(AUTO("{'event': {'failures_at_least': 1, 'trust_fails': 'zeta'}}"),
                 "sampling.auto.event", "names 2 events; give exactly one of");
    expect_error(AUTO("{'event': {'failures_at_lest': 1}}"), "sampling.auto.event.failures_at_lest",
                 "unknown key \"failures_at_lest\"; did you mean \"failures_at_least\"?");
    expect_error(AUTO("{'event': {'failures_at_least': 0}}"),
                 "sampling.auto.event.failures_at_least", "must be >= 1 (got 0)");
    expect_error(AUTO("{'event': {'failures_at_least': 4}}"),
                 "sampling.auto.event.failures_at_least",
                 "must be at most the number of trusts, 3 (got 4)");
    expect_error(AUTO("{'event': {'failures_at_least': 1e300}}"),
                 "sampling.auto.event.failures_at_least",
                 "must be at most the number of trusts, 3 (got 1e+300)");
    expect_error(AUTO("{'event': {'failures_at_least': 1.5}}"),
                 "sampling.auto.event.failures_at_least", "expected an integer, got 1.5");
    expect_error(AUTO("{'event': {'trust_fails': 'zetta'}}"), "sampling.auto.event.trust_fails",
                 "unknown trust \"zetta\"; did you mean \"zeta\"?");
    expect_error(AUTO("{'event': {'trust_fails': 'nowhere-general'}}"),
                 "sampling.auto.event.trust_fails", "unknown trust \"nowhere-general\"");
    expect_error(AUTO("{'event': {'trust_fails': ''}}"), "sampling.auto.event.trust_fails",
                 "must not be empty");
    expect_error(AUTO("{'event': {'trust_fails': 3}}"), "sampling.auto.event.trust_fails",
                 "expected a string, got a number");
    expect_error(AUTO("{'event': {'total_bailout_above': -1}}"),
                 "sampling.auto.event.total_bailout_above", "must be >= 0 (got -1)");
    expect_error(AUTO("{'event': {'total_bailout_above': 2e6}}"),
                 "sampling.auto.event.total_bailout_above", "must be <= 1000000 (got 2000000)");
    expect_error(AUTO("{'event': {'failures_at_least': 1}, 'pilot_paths': 999}"),
                 "sampling.auto.pilot_paths", "must be in [1000, 10000000] (got 999)");
    expect_error(AUTO("{'event': {'failures_at_least': 1}, 'pilot_paths': 20000000}"),
                 "sampling.auto.pilot_paths", "must be in [1000, 10000000] (got 20000000)");
    expect_error(AUTO("{'event': {'failures_at_least': 1}, 'pilot_paths': 5000.5}"),
                 "sampling.auto.pilot_paths", "expected an integer, got 5000.5");
    expect_error(AUTO("{'event': {'failures_at_least': 1}, 'pilot_path': 5000}"),
                 "sampling.auto.pilot_path",
                 "unknown key \"pilot_path\"; did you mean \"pilot_paths\"?");
    /* nothing to shift: every factor is trust-scoped, or there are none */
    expect_error("{'horizon_months': 12, 'factors': [{'name': 'local', 'scope': 'trust'}], "
                 "'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 1}}}, "
                 "'trusts': [" TRUST("a") "]}",
                 "sampling.auto",
                 "an automatic shift moves the global and consortium-scoped factors, and the "
                 "config declares none");
#undef AUTO
}

/* Every problem of the two objects is reported at once, with the others. */
Test(sampling, every_problem_at_once)
{
    tr_error e;
    tr_error_init(&e);
    tr_config *cfg = NULL;
    tr_status st = load(CFG("'precision': {'target_se': 2, 'target_rel': -1}, 'sampling': "
                            "{'method': 'shift', 'shift': {'local': 1, 'national': 99, "
                            "'nope': 0}, 'auto': {'event': {'trust_fails': 'x'}}}, "),
                        &cfg, &e);
    cr_assert_eq(st, TR_E_INPUT);
    cr_assert_null(cfg);
    cr_expect_not_null(find(&e, "precision.target_se", "must be in (0, 0.5)"));
    cr_expect_not_null(find(&e, "precision.target_rel", "must be in (0, 1)"));
    cr_expect_not_null(find(&e, "sampling.auto", "exclude each other"));
    cr_expect_not_null(find(&e, "sampling.shift.local", "has trust scope"));
    cr_expect_not_null(find(&e, "sampling.shift.national", "must be in [-10, 10]"));
    cr_expect_not_null(find(&e, "sampling.shift.nope", "unknown factor"));
    cr_expect_not_null(find(&e, "sampling.auto.event.trust_fails", "unknown trust \"x\""));
    cr_expect_eq(e.count, 7);
    tr_error_clear(&e);
}

/* ----------------------------------------------------------- the hash rules */

Test(sampling_hash, what_does_not_change_a_run_keeps_the_hash)
{
    char none[65], h[65];
    hash_of(CFG(""), none);
    const char *same[] = {
        CFG("'sampling': {'method': 'plain'}, "),
        CFG("'sampling': {'method': 'shift', 'shift': {'national': 0}}, "),
        CFG("'sampling': {'method': 'shift', 'shift': {'national': 0, 'regional': -0}}, "),
        CFG("'sampling': {'method': 'shift', 'shift': {}}, "),
    };
    for (size_t k = 0; k < sizeof same / sizeof same[0]; k++) {
        hash_of(same[k], h);
        cr_expect_str_eq(h, none, "case %zu", k);
    }
    /* zero entries shift nothing, and the order of the names is no matter */
    char a[65], b[65], c[65];
    hash_of(CFG("'sampling': {'method': 'shift', 'shift': {'national': 1.5}}, "), a);
    hash_of(CFG("'sampling': {'method': 'shift', 'shift': {'regional': 0, 'national': 1.5}}, "), b);
    cr_expect_str_eq(a, b);
    hash_of(CFG("'sampling': {'method': 'shift', 'shift': {'national': 1.5, 'regional': 1}}, "), b);
    hash_of(CFG("'sampling': {'method': 'shift', 'shift': {'regional': 1, 'national': 1.5}}, "), c);
    cr_expect_str_eq(b, c);
    /* spelling out the default pilot size keeps the hash */
    hash_of(CFG("'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 2}}}, "),
            a);
    hash_of(CFG("'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 2}, "
                "'pilot_paths': 10000}}, "),
            b);
    cr_expect_str_eq(a, b);
}

Test(sampling_hash, everything_else_changes_it)
{
    const char *cases[] = {
        CFG(""),
        CFG("'sampling': {'method': 'shift', 'shift': {'national': 1.5}}, "),
        CFG("'sampling': {'method': 'shift', 'shift': {'national': 1.5000000000000002}}, "),
        CFG("'sampling': {'method': 'shift', 'shift': {'national': -1.5}}, "),
        CFG("'sampling': {'method': 'shift', 'shift': {'regional': 1.5}}, "),
        CFG("'sampling': {'method': 'shift', 'shift': {'national': 1.5, 'regional': 1}}, "),
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 2}}}, "),
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 3}}}, "),
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'failures_at_least': 2}, "
            "'pilot_paths': 20000}}, "),
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'trust_fails': 'alpha'}}}, "),
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'trust_fails': 'zeta'}}}, "),
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'total_bailout_above': 2}}}, "),
        CFG("'sampling': {'method': 'shift', 'auto': {'event': {'total_bailout_above': 3}}}, "),
        CFG("'precision': {'target_se': 0.001}, "),
        CFG("'precision': {'target_se': 0.002}, "),
        CFG("'precision': {'target_rel': 0.001}, "),
        CFG("'precision': {'target_se': 0.001, 'target_rel': 0.1}, "),
    };
    size_t n = sizeof cases / sizeof cases[0];
    char(*h)[65] = calloc(n, sizeof *h);
    cr_assert_not_null(h);
    for (size_t k = 0; k < n; k++)
        hash_of(cases[k], h[k]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            cr_expect_str_neq(h[i], h[j], "cases %zu and %zu hash alike", i, j);
    free(h);
}
