/*
 * test_scenario.c - scenarios as overlays, and batch manifests
 * (engine/scenario.c, include/trustrisk/batch.h, `trustrisk scenario`).
 *
 * Every merge rule is checked on a small base (objects key by key, null,
 * each list merged by identity, remove, append, replaced arrays, schemes
 * inside trusts, commissioners by consortium) and every mistake an overlay
 * or a manifest can hold must be reported with its file and JSON path
 * (line:column for syntax), all of them at once. Problems of a merged
 * config must name the scenario. The bundled manifest must load, every
 * merged config must validate, and `trustrisk scenario --print` must print
 * a config with the merged config's sha256. The command's exit codes and
 * its silence on stdout after an error are checked on the real binary.
 */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "model.h"
#include "trustrisk/trustrisk.h"

#ifndef TR_SOURCE_DIR
#error "TR_SOURCE_DIR must name the source tree"
#endif
#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif

#define BUNDLED TR_SOURCE_DIR "/configs/batches/region-overnight.json"

/* A valid base: two trusts (schemes, commissioners), two consortia, two
 * factors, a t copula and a discrete distribution. */
static const char BASE[] =
    "{\n"
    "  \"name\": \"Test base\",\n"
    "  \"horizon_months\": 24,\n"
    "  \"seed\": 5,\n"
    "  \"copula\": {\"type\": \"t\", \"dof\": 5},\n"
    "  \"factors\": [{\"name\": \"national\", \"scope\": \"global\"},\n"
    "              {\"name\": \"local\", \"scope\": \"consortium\"}],\n"
    "  \"consortia\": [{\"id\": \"north\", \"reserve\": 10}, {\"id\": \"south\", \"reserve\": "
    "4}],\n"
    "  \"trusts\": [\n"
    "    {\"id\": \"alpha\", \"cash\": 8, \"income\": 240, \"expenditure\": 252, \"cash_noise\": "
    "1,\n"
    "     \"cost_growth\": {\"dist\": \"pert\", \"min\": 0.01, \"mode\": 0.025, \"max\": 0.05,\n"
    "                     \"factors\": {\"national\": 0.5}},\n"
    "     \"commissioners\": [{\"consortium\": \"north\", \"share\": 0.6},\n"
    "                       {\"consortium\": \"south\", \"share\": 0.3}],\n"
    "     \"schemes\": [\n"
    "       {\"id\": \"agency\", \"saving\": 6, \"start_month\": 1,\n"
    "        \"delivery\": {\"dist\": \"beta\", \"mean\": 0.6, \"sd\": 0.2},\n"
    "        \"factors\": {\"national\": 0.3}},\n"
    "       {\"id\": \"ward\", \"kind\": \"closure\", \"saving\": 9, \"start_month\": 4,\n"
    "        \"slippage\": {\"dist\": \"discrete\", \"values\": [0, 3, 6], \"probs\": [0.5, 0.3, "
    "0.2]}}\n"
    "     ]},\n"
    "    {\"id\": \"beta\", \"cash\": 5, \"income\": 100, \"expenditure\": 101,\n"
    "     \"commissioners\": [{\"consortium\": \"south\", \"share\": 0.9}],\n"
    "     \"schemes\": [{\"id\": \"agency\", \"saving\": 2, \"start_month\": 1}]}\n"
    "  ]\n"
    "}\n";

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static void show(const tr_error *err)
{
    for (size_t k = 0; k < err->count; k++) {
        const tr_diag *d = &err->diags[k];
        cr_log_info("  [%s] %d:%d [%s] %s", d->file ? d->file : "-", d->line, d->column,
                    d->path ? d->path : "-", d->message);
    }
}

/* Is there a diagnostic in `file` at `path` (NULL: none) whose message holds
 * `text`? line > 0 also requires that line and column. */
static int found(const tr_error *err, const char *file, const char *path, const char *text,
                 int line, int col)
{
    for (size_t k = 0; k < err->count; k++) {
        const tr_diag *d = &err->diags[k];
        if (!d->file || strcmp(d->file, file) != 0) continue;
        if (path ? !d->path || strcmp(d->path, path) != 0 : d->path != NULL) continue;
        if (!strstr(d->message, text)) continue;
        if (line && (d->line != line || d->column != col)) continue;
        return 1;
    }
    return 0;
}

#define EXPECT_DIAG(err, file, path, text)                                                         \
    do {                                                                                           \
        if (!found((err), (file), (path), (text), 0, 0)) show(err);                                \
        cr_expect(found((err), (file), (path), (text), 0, 0), "expected %s: %s: ...%s...", (file), \
                  (path) ? (const char *)(path) : "-", (text));                                    \
    } while (0)

/* The string at `where` ("trusts/0/id"); the test fails when there is none. */
static const char *str_at(const cJSON *root, const char *where)
{
    const char *v = th_str(root, where);
    cr_assert_not_null(v, "no string at %s", where);
    return v;
}

/* `overlay` onto the config text `base`: must merge, without a word; the
 * merged text is the caller's. */
static char *merged_onto(const char *base, const char *overlay)
{
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    tr_status st = tr_overlay_merge(base, strlen(base), overlay, strlen(overlay), &json, &err);
    if (st != TR_OK) show(&err);
    cr_assert_eq(st, TR_OK, "merge failed");
    cr_assert_eq(err.count, 0);
    tr_error_clear(&err);
    return json;
}

/* Merge `overlay` onto BASE; must succeed. The tree is the caller's. */
static cJSON *merge_ok(const char *overlay, char **text)
{
    char *json = merged_onto(BASE, overlay);
    cJSON *t = cJSON_Parse(json);
    cr_assert_not_null(t);
    if (text)
        *text = json;
    else
        free(json);
    return t;
}

/* Merge `overlay` onto BASE; must fail with TR_E_INPUT, no output, and the
 * problem given (file "overlay" unless it is a problem of the text). */
static void merge_fails(const char *overlay, const char *file, const char *path, const char *text)
{
    tr_error err;
    tr_error_init(&err);
    char *json = (char *)1;
    tr_status st = tr_overlay_merge(BASE, strlen(BASE), overlay, strlen(overlay), &json, &err);
    cr_expect_eq(st, TR_E_INPUT, "status %d for %s", st, overlay);
    cr_expect_null(json);
    EXPECT_DIAG(&err, file, path, text);
    tr_error_clear(&err);
}

/* The merged text must load as a config. */
static void loads(const char *json)
{
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_buffer(json, strlen(json), "merged", &cfg, &err);
    if (st != TR_OK) show(&err);
    cr_expect_eq(st, TR_OK, "the merged config does not load");
    tr_config_free(cfg);
    tr_error_clear(&err);
}

static char *tmp_dir(void)
{
    char dir[1024];
    th_tmpdir(dir, sizeof dir, "scen");
    return strdup(dir);
}

/* Write `text` to dir/name (making dir/overlays/ when the name asks). */
static void put_file(const char *dir, const char *name, const char *text)
{
    char path[2048];
    if (strchr(name, '/')) {
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)(strchr(name, '/') - name), name);
        mkdir(path, 0700);
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    th_write(path, text);
}

static char *path_of(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return strdup(path);
}

/* Load dir/batch.json (the manifest written there); the status. */
static tr_status load(const char *dir, tr_manifest **m, tr_error *err)
{
    char *file = path_of(dir, "batch.json");
    tr_status st = tr_manifest_load_file(file, m, err);
    free(file);
    return st;
}

/* The manifest in `file`, which must load (every problem is shown if not). */
static tr_manifest *loaded(const char *file)
{
    tr_error err;
    tr_error_init(&err);
    tr_manifest *m = NULL;
    tr_status st = tr_manifest_load_file(file, &m, &err);
    if (st != TR_OK) show(&err);
    cr_assert_eq(st, TR_OK, "%s does not load", file);
    tr_error_clear(&err);
    return m;
}

/* dir/batch.json, which must load. */
static tr_manifest *loaded_in(const char *dir)
{
    char *file = path_of(dir, "batch.json");
    tr_manifest *m = loaded(file);
    free(file);
    return m;
}

/* A batch in a fresh folder: base.json = BASE and batch.json = `manifest`. */
static char *batch_dir(const char *manifest)
{
    char *dir = tmp_dir();
    put_file(dir, "base.json", BASE);
    put_file(dir, "batch.json", manifest);
    return dir;
}

/* ------------------------------------------------------------------------- */
/* Merge rules                                                               */
/* ------------------------------------------------------------------------- */

Test(merge, objects_merge_key_by_key)
{
    cJSON *t = merge_ok("{\"copula\": {\"dof\": 8}, \"name\": \"Changed\"}", NULL);
    cr_expect_str_eq(str_at(t, "copula/type"), "t");
    cr_expect_eq(th_num(t, "copula/dof"), 8);
    cr_expect_str_eq(str_at(t, "name"), "Changed");
    cr_expect_eq(th_num(t, "horizon_months"), 24, "untouched members stay");
    cr_expect_eq(th_num(t, "trusts/0/cost_growth/max"), 0.05);
    cJSON_Delete(t);
}

Test(merge, null_removes_a_key)
{
    char *json = NULL;
    cJSON *t = merge_ok("{\"copula\": null, \"trusts\": [{\"id\": \"alpha\", \"cash_noise\": null,"
                        " \"cost_growth\": {\"factors\": {\"national\": null}}}]}",
                        &json);
    cr_expect_null(th_at(t, "copula"), "null removes a top-level key");
    cr_expect_null(th_at(t, "trusts/0/cash_noise"));
    cr_expect_not_null(th_at(t, "trusts/0/cost_growth/factors"));
    cr_expect_null(th_at(t, "trusts/0/cost_growth/factors/national"), "null removes a loading");
    cr_expect_eq(th_num(t, "trusts/0/cash"), 8);
    loads(json);
    free(json);
    cJSON_Delete(t);
}

Test(merge, trusts_by_id_keep_their_order)
{
    cJSON *t = merge_ok("{\"trusts\": [{\"id\": \"beta\", \"cash\": 50}, {\"id\": \"alpha\","
                        " \"income\": 250}]}",
                        NULL);
    cr_expect_str_eq(str_at(t, "trusts/0/id"), "alpha");
    cr_expect_str_eq(str_at(t, "trusts/1/id"), "beta");
    cr_expect_eq(th_num(t, "trusts/0/income"), 250);
    cr_expect_eq(th_num(t, "trusts/0/cash"), 8);
    cr_expect_eq(th_num(t, "trusts/1/cash"), 50);
    cr_expect_eq(th_num(t, "trusts/1/income"), 100);
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts")), 2);
    cJSON_Delete(t);
}

Test(merge, consortia_by_id_and_factors_by_name)
{
    cJSON *t = merge_ok("{\"consortia\": [{\"id\": \"south\", \"reserve\": 2}],"
                        " \"factors\": [{\"name\": \"local\", \"scope\": \"trust\"},"
                        " {\"name\": \"politics\", \"scope\": \"global\"}]}",
                        NULL);
    cr_expect_eq(th_num(t, "consortia/0/reserve"), 10);
    cr_expect_eq(th_num(t, "consortia/1/reserve"), 2);
    cr_expect_str_eq(str_at(t, "factors/1/scope"), "trust");
    cr_expect_str_eq(str_at(t, "factors/2/name"), "politics", "a new factor is appended");
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "factors")), 3);
    cJSON_Delete(t);
}

Test(merge, commissioners_by_consortium)
{
    char *json = NULL;
    cJSON *t = merge_ok("{\"trusts\": [{\"id\": \"alpha\", \"commissioners\": ["
                        "{\"consortium\": \"south\", \"remove\": true},"
                        "{\"consortium\": \"north\", \"share\": 0.8}]},"
                        "{\"id\": \"beta\", \"commissioners\": [{\"consortium\": \"north\","
                        " \"share\": 0.05}]}]}",
                        &json);
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts/0/commissioners")), 1);
    cr_expect_str_eq(str_at(t, "trusts/0/commissioners/0/consortium"), "north");
    cr_expect_eq(th_num(t, "trusts/0/commissioners/0/share"), 0.8);
    cr_expect_str_eq(str_at(t, "trusts/1/commissioners/1/consortium"), "north");
    cr_expect_eq(th_num(t, "trusts/1/commissioners/0/share"), 0.9);
    loads(json);
    free(json);
    cJSON_Delete(t);
}

Test(merge, schemes_inside_trusts_by_id)
{
    cJSON *t = merge_ok("{\"trusts\": [{\"id\": \"alpha\", \"schemes\": [{\"id\": \"agency\","
                        " \"delivery\": {\"mean\": 0.5}}]}]}",
                        NULL);
    cr_expect_eq(th_num(t, "trusts/0/schemes/0/delivery/mean"), 0.5);
    cr_expect_eq(th_num(t, "trusts/0/schemes/0/delivery/sd"), 0.2, "siblings stay");
    cr_expect_str_eq(str_at(t, "trusts/0/schemes/0/delivery/dist"), "beta");
    cr_expect_eq(th_num(t, "trusts/0/schemes/0/saving"), 6);
    cr_expect_null(th_at(t, "trusts/1/schemes/0/delivery"),
                   "beta's scheme of the same id is another");
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts/0/schemes")), 2);
    cJSON_Delete(t);
}

Test(merge, remove_takes_the_element_out)
{
    char *json = NULL;
    cJSON *t = merge_ok("{\"trusts\": [{\"id\": \"alpha\", \"schemes\": [{\"id\": \"ward\","
                        " \"remove\": true}]}, {\"id\": \"beta\", \"remove\": true}],"
                        " \"factors\": [{\"name\": \"local\", \"remove\": true}]}",
                        &json);
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts")), 1);
    cr_expect_str_eq(str_at(t, "trusts/0/id"), "alpha");
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts/0/schemes")), 1);
    cr_expect_str_eq(str_at(t, "trusts/0/schemes/0/id"), "agency");
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "factors")), 1);
    cr_expect_null(strstr(json, "\"remove\""), "no \"remove\" reaches the merged config");
    loads(json);
    free(json);
    cJSON_Delete(t);
}

Test(merge, a_new_identity_is_appended_whole)
{
    char *json = NULL;
    cJSON *t = merge_ok("{\"trusts\": [{\"id\": \"gamma\", \"cash\": 3, \"income\": 50,"
                        " \"expenditure\": 49, \"cash_noise\": null,"
                        " \"schemes\": [{\"id\": \"s1\", \"saving\": 1, \"start_month\": 2}]},"
                        " {\"id\": \"beta\", \"schemes\": [{\"id\": \"new\", \"saving\": 1,"
                        " \"start_month\": 3}]}]}",
                        &json);
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts")), 3);
    cr_expect_str_eq(str_at(t, "trusts/2/id"), "gamma", "appended after the base's");
    cr_expect_null(th_at(t, "trusts/2/cash_noise"), "null inside a new element means absent");
    cr_expect_str_eq(str_at(t, "trusts/2/schemes/0/id"), "s1");
    cr_expect_str_eq(str_at(t, "trusts/1/schemes/1/id"), "new");
    loads(json);
    free(json);
    cJSON_Delete(t);
}

Test(merge, other_arrays_and_values_are_replaced)
{
    cJSON *t = merge_ok("{\"trusts\": [{\"id\": \"alpha\", \"cost_growth\": 0.02, \"schemes\": ["
                        "{\"id\": \"ward\", \"slippage\": {\"values\": [12], \"probs\": [1]}},"
                        "{\"id\": \"agency\", \"delivery\": {\"dist\": \"fixed\", \"value\": 0.7,"
                        " \"mean\": null, \"sd\": null}}]}]}",
                        NULL);
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts/0/schemes/1/slippage/values")), 1);
    cr_expect_eq(th_num(t, "trusts/0/schemes/1/slippage/values/0"), 12);
    cr_expect_eq(cJSON_GetArraySize(th_at(t, "trusts/0/schemes/1/slippage/probs")), 1);
    cr_expect_eq(th_num(t, "trusts/0/cost_growth"), 0.02, "a number replaces an object");
    cr_expect_str_eq(str_at(t, "trusts/0/schemes/0/delivery/dist"), "fixed");
    cr_expect_null(th_at(t, "trusts/0/schemes/0/delivery/mean"));
    cJSON_Delete(t);
    /* and an object where the base has none or a number */
    t = merge_ok("{\"trusts\": [{\"id\": \"beta\", \"income_growth\": {\"dist\": \"uniform\","
                 " \"min\": 0, \"max\": 0.02, \"factors\": {\"national\": null}}}]}",
                 NULL);
    cr_expect_eq(th_num(t, "trusts/1/income_growth/max"), 0.02);
    cr_expect_null(th_at(t, "trusts/1/income_growth/factors/national"));
    cJSON_Delete(t);
}

Test(merge, canonical_order_and_a_fixed_point)
{
    char *json = NULL;
    cJSON *t = merge_ok("{\"trusts\": [{\"id\": \"beta\", \"schemes\": [{\"id\": \"agency\","
                        " \"one_off_cost\": 1, \"slippage\": {\"sigma\": 0.5, \"median\": 2,"
                        " \"dist\": \"lognormal\"}, \"name\": \"Agency\"}]}], \"notes\": \"n\"}",
                        &json);
    const char *s = strstr(json, "\"id\": \"beta\"");
    cr_assert_not_null(s);
    const char *name = strstr(s, "\"name\": \"Agency\""), *slip = strstr(s, "\"slippage\"");
    const char *off = strstr(s, "\"one_off_cost\""), *dist = strstr(s, "\"dist\": \"lognormal\"");
    const char *median = strstr(s, "\"median\"");
    cr_expect(name && slip && off && name < slip && slip < off, "scheme keys in documented order");
    cr_expect(dist && median && dist < median, "distribution keys in documented order");
    cr_expect_lt(strstr(json, "\"notes\"") - json, strstr(json, "\"horizon_months\"") - json);
    cr_expect_eq(json[strlen(json) - 1], '\n');
    /* merging nothing onto the merged config changes no byte */
    tr_error err;
    tr_error_init(&err);
    char *again = NULL;
    cr_assert_eq(tr_overlay_merge(json, strlen(json), "{}", 2, &again, &err), TR_OK);
    cr_expect_str_eq(again, json);
    free(again);
    free(json);
    cJSON_Delete(t);
    tr_error_clear(&err);
}

/* The sampling method of a merged config, which must load; -1 if it does
 * not, with `problem` (when not NULL) among its problems. */
static int sampling_of(const char *json, const char *problem)
{
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_buffer(json, strlen(json), "merged", &cfg, &err);
    int method = st == TR_OK ? (int)cfg->sampling.method : -1;
    if (problem) EXPECT_DIAG(&err, "merged", "sampling.shift", problem);
    tr_config_free(cfg);
    tr_error_clear(&err);
    return method;
}

Test(merge, an_overlay_switches_sampling_on_and_off)
{
    /* "sampling" merges like any object: on, in its documented place */
    char *on = NULL;
    cJSON *t =
        merge_ok("{\"sampling\": {\"shift\": {\"national\": 1.5}, \"method\": \"shift\"}}", &on);
    cr_expect_str_eq(str_at(t, "sampling/method"), "shift");
    cr_expect_eq(th_num(t, "sampling/shift/national"), 1.5);
    const char *seed = strstr(on, "\"seed\""), *sampling = strstr(on, "\"sampling\"");
    const char *method = strstr(on, "\"method\""), *shift = strstr(on, "\"shift\": {");
    cr_expect(seed && sampling && seed < sampling && sampling < strstr(on, "\"copula\""),
              "sampling between seed and copula");
    cr_expect(method && shift && method < shift, "method before shift");
    cr_expect_eq(sampling_of(on, NULL), TR__SAMPLING_SHIFT);
    cJSON_Delete(t);

    /* key by key inside it: another factor joins the shift */
    char *two = merged_onto(on, "{\"sampling\": {\"shift\": {\"local\": -1}}}");
    tr_config *cfg = th_load(two);
    cr_expect_eq(cfg->sampling.n, 2);
    cr_expect_eq(tr__sampling_mu(&cfg->sampling, 0), -1, "local, first by name");
    cr_expect_eq(tr__sampling_mu(&cfg->sampling, 1), 1.5);
    tr_config_free(cfg);
    free(two);

    /* back to plain: the shift stays unless the overlay removes it */
    char *half = merged_onto(on, "{\"sampling\": {\"method\": \"plain\"}}");
    cr_expect_eq(sampling_of(half, "\"shift\" is only used with \"method\": \"shift\""), -1);
    free(half);
    char *off = merged_onto(on, "{\"sampling\": {\"method\": \"plain\", \"shift\": null}}");
    cr_expect_eq(sampling_of(off, NULL), TR__SAMPLING_PLAIN);
    free(off);
    off = merged_onto(on, "{\"sampling\": null}");
    cr_expect_eq(sampling_of(off, NULL), TR__SAMPLING_PLAIN);
    cr_expect_null(strstr(off, "sampling"));
    free(off);

    /* from a given shift to one chosen for an event */
    char *au = merged_onto(on, "{\"sampling\": {\"shift\": null, \"auto\": {\"pilot_paths\": "
                               "2000, \"event\": {\"failures_at_least\": 2}}}}");
    cr_expect_eq(sampling_of(au, NULL), TR__SAMPLING_AUTO);
    const char *ev = strstr(au, "\"event\""), *pilot = strstr(au, "\"pilot_paths\"");
    cr_expect(ev && pilot && ev < pilot, "event before pilot_paths");
    free(au);
    free(on);
}

/* ------------------------------------------------------------------------- */
/* Overlay mistakes                                                          */
/* ------------------------------------------------------------------------- */

Test(overlay_errors, elements_need_their_identity)
{
    merge_fails("{\"trusts\": [{\"cash\": 3}]}", "overlay", "trusts[0]",
                "missing \"id\": an overlay names each trust");
    merge_fails("{\"trusts\": [{\"id\": 3}]}", "overlay", "trusts[0].id",
                "expected the trust's id, a non-empty string, got a number");
    merge_fails("{\"factors\": [{\"scope\": \"global\"}]}", "overlay", "factors[0]",
                "missing \"name\"");
    merge_fails("{\"trusts\": [{\"id\": \"alpha\", \"commissioners\": [{\"share\": 0.1}]}]}",
                "overlay", "trusts[0].commissioners[0]", "missing \"consortium\"");
    merge_fails("{\"trusts\": [3]}", "overlay", "trusts[0]",
                "expected an object (a trust, matched by \"id\"), got a number");
    merge_fails("{\"trusts\": {\"id\": \"alpha\"}}", "overlay", "trusts",
                "expected a list of trusts, changed element by element");
}

Test(overlay_errors, remove_rules)
{
    merge_fails("{\"trusts\": [{\"id\": \"alhpa\", \"remove\": true}]}", "overlay", "trusts[0].id",
                "there is no trust \"alhpa\" to remove: the base has no trust "
                "\"alhpa\"; did you mean \"alpha\"?");
    merge_fails("{\"trusts\": [{\"id\": \"alpha\", \"remove\": false}]}", "overlay",
                "trusts[0].remove", "\"remove\" can only be true");
    merge_fails("{\"trusts\": [{\"id\": \"alpha\", \"remove\": true, \"cash\": 3}]}", "overlay",
                "trusts[0].remove", "holds only its \"id\" (it also has \"cash\")");
    merge_fails("{\"trusts\": [{\"id\": \"alpha\", \"schemes\": [{\"id\": \"nope\","
                " \"remove\": true}]}]}",
                "overlay", "trusts[0].schemes[0].id",
                "there is no scheme \"nope\" to remove: the base has no scheme \"nope\"; the "
                "schemes are: agency, ward");
    merge_fails("{\"trusts\": [{\"id\": \"new\", \"schemes\": [{\"id\": \"agency\","
                " \"remove\": true}]}]}",
                "overlay", "trusts[0].schemes[0].id",
                "to remove: it is in a new trust (the base has no trust \"new\"");
}

Test(overlay_errors, duplicates_and_the_run)
{
    merge_fails(
        "{\"trusts\": [{\"id\": \"alpha\", \"cash\": 1}, {\"id\": \"alpha\", \"cash\": 2}]}",
        "overlay", "trusts[1].id",
        "duplicate id \"alpha\": trusts[0] of the overlay already names it");
    merge_fails("{\"name\": \"a\", \"name\": \"b\"}", "overlay", "name", "duplicate key \"name\"");
    merge_fails("{\"trusts\": [{\"id\": \"alpha\", \"id\": \"beta\"}]}", "overlay", "trusts[0].id",
                "duplicate key \"id\"");
    merge_fails("{\"trusts\": [{\"id\": \"alpha\", \"remove\": true, \"remove\": true}]}",
                "overlay", "trusts[0].remove", "holds only its \"id\" (it also has \"remove\")");
    merge_fails("{\"seed\": 3}", "overlay", "seed", "a scenario cannot change \"seed\"");
    merge_fails("{\"paths\": null}", "overlay", "paths", "a scenario cannot change \"paths\"");
    merge_fails("{\"precision\": {\"target_se\": 0.01}}", "overlay", "precision",
                "a scenario cannot change \"precision\": every scenario runs the same paths");
}

Test(overlay_errors, text_problems_have_line_and_column)
{
    tr_error err;
    tr_error_init(&err);
    char *json = (char *)1;
    const char *bad = "{\n  \"trusts\": [\n    {\"id\": \"alpha\" \"cash\": 3}\n  ]\n}\n";
    cr_expect_eq(tr_overlay_merge(BASE, strlen(BASE), bad, strlen(bad), &json, &err), TR_E_INPUT);
    cr_expect_null(json);
    if (!found(&err, "overlay", NULL, "expected ',' or '}'", 3, 20)) show(&err);
    cr_expect(found(&err, "overlay", NULL, "syntax error: expected ',' or '}'", 3, 20));
    tr_error_clear(&err);
    merge_fails("[1]", "overlay", NULL, "the top level must be a JSON object (an overlay)");
    merge_fails("", "overlay", NULL, "the file is empty");
    merge_fails("{\"cash\": NaN}", "overlay", NULL, "NaN/Infinity are not allowed");
}

/* ------------------------------------------------------------------------- */
/* Manifests                                                                 */
/* ------------------------------------------------------------------------- */

static const char GOOD[] =
    "{\"name\": \"A batch\", \"notes\": \"For the tests.\", \"base\": \"base.json\",\n"
    " \"paths\": 2000, \"reference\": \"lean\",\n"
    " \"scenarios\": [\n"
    "  {\"id\": \"plan\", \"name\": \"The plan\"},\n"
    "  {\"id\": \"lean\", \"notes\": \"Reserves down.\", \"overlay\": {\"consortia\": [\n"
    "     {\"id\": \"north\", \"reserve\": 5}, {\"id\": \"south\", \"remove\": true}],\n"
    "     \"trusts\": [{\"id\": \"alpha\", \"commissioners\": [{\"consortium\": \"south\","
    " \"remove\": true}]},\n"
    "                {\"id\": \"beta\", \"commissioners\": null}]}},\n"
    "  {\"id\": \"merged\", \"overlay_file\": \"overlays/merged.json\"}\n"
    " ]}\n";

static const char MERGED[] = "{\"trusts\": [{\"id\": \"beta\", \"remove\": true},\n"
                             " {\"id\": \"alpha\", \"income\": 340, \"expenditure\": 353,\n"
                             "  \"schemes\": [{\"id\": \"beta-agency\", \"saving\": 2,"
                             " \"start_month\": 1}]}]}\n";

static char *good_dir(void)
{
    char *dir = batch_dir(GOOD);
    put_file(dir, "overlays/merged.json", MERGED);
    return dir;
}

Test(manifest, loads_with_every_accessor)
{
    char *dir = good_dir();
    tr_manifest *m = loaded_in(dir);
    cr_expect_str_eq(tr_manifest_name(m), "A batch");
    cr_expect_str_eq(tr_manifest_notes(m), "For the tests.");
    char *base = path_of(dir, "base.json"), *file = path_of(dir, "batch.json");
    cr_expect_str_eq(tr_manifest_base_file(m), base);
    cr_expect_str_eq(tr_manifest_file(m), file);
    cr_expect_eq(tr_manifest_paths(m), 2000, "the manifest's paths");
    cr_expect_eq(tr_manifest_seed(m), 5, "the base's seed");
    cr_expect_eq(tr_manifest_scenario_count(m), 3);
    cr_expect_eq(tr_manifest_reference(m), 1);
    cr_expect_eq(tr_manifest_find(m, "merged"), 2);
    cr_expect_eq(tr_manifest_find(m, "nope"), -1);
    cr_expect_str_eq(tr_manifest_scenario_name(m, 0), "The plan");
    cr_expect_str_eq(tr_manifest_scenario_name(m, 1), "lean", "the name defaults to the id");
    cr_expect_str_eq(tr_manifest_scenario_notes(m, 1), "Reserves down.");
    cr_expect_null(tr_manifest_scenario_notes(m, 0));
    cr_expect_null(tr_manifest_scenario_overlay_file(m, 1));
    char *ofile = path_of(dir, "overlays/merged.json");
    cr_expect_str_eq(tr_manifest_scenario_overlay_file(m, 2), ofile);
    cr_expect_str_eq(tr_config_name(tr_manifest_base(m)), "Test base");
    /* every scenario runs the batch's paths and seed */
    for (size_t i = 0; i < 3; i++) {
        const tr_config *c = tr_manifest_scenario_config(m, i);
        cr_assert_not_null(c);
        cr_expect_eq(tr_config_paths(c), 2000);
        cr_expect_eq(tr_config_seed(c), 5);
    }
    cr_expect_eq(tr_config_trust_count(tr_manifest_scenario_config(m, 2)), 1);
    cr_expect_eq(tr_config_consortium_count(tr_manifest_scenario_config(m, 1)), 1);
    cr_expect_null(tr_manifest_scenario_config(m, 3));
    /* what each overlay changes */
    tr_change_kind kind;
    cr_expect_eq(tr_manifest_change_count(m, 0), 0);
    cr_expect_eq(tr_manifest_change_count(m, 1), 4);
    cr_expect_str_eq(tr_manifest_change(m, 1, 0, &kind), "consortia[north].reserve");
    cr_expect_eq(kind, TR_CHANGE_SET);
    cr_expect_str_eq(tr_manifest_change(m, 1, 1, &kind), "consortia[south]");
    cr_expect_eq(kind, TR_CHANGE_REMOVE);
    cr_expect_str_eq(tr_manifest_change(m, 1, 2, &kind), "trusts[alpha].commissioners[south]");
    cr_expect_str_eq(tr_manifest_change(m, 1, 3, &kind), "trusts[beta].commissioners");
    cr_expect_eq(kind, TR_CHANGE_UNSET);
    cr_expect_str_eq(tr_manifest_change(m, 2, 3, &kind), "trusts[alpha].schemes[beta-agency]");
    cr_expect_eq(kind, TR_CHANGE_ADD);
    cr_expect_null(tr_manifest_change(m, 2, 4, NULL));
    cr_expect_eq(strlen(tr_manifest_sha256(m)), 64);
    tr_manifest_free(m);
    free(base);
    free(file);
    free(ofile);
    free(dir);
}

Test(manifest, merged_json_reloads_to_the_same_config)
{
    char *dir = good_dir();
    tr_error err;
    tr_error_init(&err);
    tr_manifest *m = loaded_in(dir);
    for (size_t i = 0; i < tr_manifest_scenario_count(m); i++) {
        char *json = NULL;
        cr_assert_eq(tr_manifest_merged_json(m, i, &json, &err), TR_OK);
        tr_config *c = NULL;
        cr_assert_eq(tr_config_load_buffer(json, strlen(json), "printed", &c, &err), TR_OK);
        cr_expect_str_eq(tr_config_sha256(c), tr_config_sha256(tr_manifest_scenario_config(m, i)));
        tr_config_free(c);
        free(json);
    }
    char *json = (char *)1;
    cr_expect_eq(tr_manifest_merged_json(m, 3, &json, &err), TR_E_INPUT);
    cr_expect_null(json);
    tr_manifest_free(m);
    tr_error_clear(&err);
    free(dir);
}

Test(manifest, without_an_overlay_a_scenario_is_the_base)
{
    char *dir =
        batch_dir("{\"name\": \"b\", \"base\": \"base.json\", \"scenarios\": [{\"id\": \"b\"}]}");
    tr_manifest *m = loaded_in(dir);
    cr_expect_str_eq(tr_config_sha256(tr_manifest_scenario_config(m, 0)),
                     tr_config_sha256(tr_manifest_base(m)));
    cr_expect_eq(tr_manifest_paths(m), 10000, "the base's default");
    cr_expect_eq(tr_manifest_reference(m), 0, "the first by default");
    tr_manifest_free(m);
    free(dir);
}

Test(manifest, from_memory_with_a_folder)
{
    char *dir = good_dir();
    static const char text[] =
        "{\"name\": \"m\", \"base\": \"base.json\", \"scenarios\": [{\"id\": "
        "\"x\", \"overlay_file\": \"overlays/merged.json\"}]}";
    tr_error err;
    tr_error_init(&err);
    tr_manifest *m = NULL;
    cr_assert_eq(tr_manifest_load_buffer(text, strlen(text), NULL, dir, &m, &err), TR_OK);
    cr_expect_str_eq(tr_manifest_file(m), "<manifest>");
    cr_expect_eq(tr_config_trust_count(tr_manifest_scenario_config(m, 0)), 1);
    tr_manifest_free(m);
    /* without the folder, base.json is looked for here, and not found */
    m = (tr_manifest *)1;
    cr_expect_eq(tr_manifest_load_buffer(text, strlen(text), "mem.json", NULL, &m, &err),
                 TR_E_INPUT);
    cr_expect_null(m);
    EXPECT_DIAG(&err, "mem.json", "base", "base config \"base.json\": cannot open");
    tr_error_clear(&err);
    free(dir);
}

/* The manifest hash of dir/batch.json. */
static char *hash_of(const char *dir)
{
    tr_manifest *m = loaded_in(dir);
    char *h = strdup(tr_manifest_sha256(m));
    tr_manifest_free(m);
    return h;
}

Test(manifest, sha256_follows_the_content)
{
    char *dir = good_dir();
    char *h0 = hash_of(dir);
    /* reformatted and reordered: the same */
    cJSON *doc = cJSON_Parse(GOOD);
    char *flat = cJSON_PrintUnformatted(doc);
    put_file(dir, "batch.json", flat);
    char *h1 = hash_of(dir);
    cr_expect_str_eq(h1, h0, "formatting does not count");
    /* the inline overlay in a file, to the same effect: the same */
    char *text = strdup(GOOD);
    const char *inl = "{\"id\": \"plan\", \"name\": \"The plan\"}";
    char *p = strstr(text, inl);
    cr_assert_not_null(p);
    const char *with_file =
        "{\"id\": \"plan\", \"name\": \"The plan\", \"overlay_file\": \"overlays/none.json\"}";
    char buf[4096];
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - text), text, with_file, p + strlen(inl));
    put_file(dir, "overlays/none.json", "{\"trusts\": [{\"id\": \"alpha\", \"cash\": 8}]}");
    put_file(dir, "batch.json", buf);
    char *h2 = hash_of(dir);
    cr_expect_str_eq(h2, h0, "an overlay that changes nothing changes no hash");
    /* a change to the base changes it */
    put_file(dir, "batch.json", GOOD);
    char *base = strdup(BASE);
    char *cash = strstr(base, "\"cash\": 8");
    cr_assert_not_null(cash);
    cash[8] = '9';
    put_file(dir, "base.json", base);
    char *h3 = hash_of(dir);
    cr_expect_str_neq(h3, h0, "the base counts");
    /* and so does a change to an overlay file, or to a name */
    put_file(dir, "base.json", BASE);
    put_file(dir, "overlays/merged.json",
             "{\"trusts\": [{\"id\": \"beta\", \"remove\": true}, {\"id\": \"alpha\", "
             "\"income\": 341}]}");
    char *h4 = hash_of(dir);
    cr_expect_str_neq(h4, h0, "the overlay counts");
    put_file(dir, "overlays/merged.json", MERGED);
    char *renamed = strdup(GOOD);
    memcpy(strstr(renamed, "The plan"), "The pla!", 8);
    put_file(dir, "batch.json", renamed);
    char *h5 = hash_of(dir);
    cr_expect_str_neq(h5, h0, "a scenario's name counts");
    put_file(dir, "batch.json", GOOD);
    char *h6 = hash_of(dir);
    cr_expect_str_eq(h6, h0, "back to the start");
    free(h0);
    free(h1);
    free(h2);
    free(h3);
    free(h4);
    free(h5);
    free(h6);
    free(base);
    free(renamed);
    free(text);
    free(flat);
    cJSON_Delete(doc);
    free(dir);
}

/* Load a manifest that must fail; the caller checks `err`. */
static tr_status load_fails(const char *dir, tr_error *err)
{
    tr_manifest *m = (tr_manifest *)1;
    tr_status st = load(dir, &m, err);
    cr_expect_neq(st, TR_OK);
    cr_expect_null(m, "no manifest on failure");
    return st;
}

/* A manifest that must be refused: its folder, its file and its problems. */
typedef struct refused {
    char *dir, *file;
    tr_error err;
    tr_status status;
} refused;

/* Write `manifest` as dir/batch.json (in a new folder with base.json when
 * t has none yet). */
static void prepare(refused *t, const char *manifest)
{
    if (!t->dir) {
        t->dir = batch_dir(manifest);
        t->file = path_of(t->dir, "batch.json");
        tr_error_init(&t->err);
    } else {
        put_file(t->dir, "batch.json", manifest);
    }
}

/* Load dir/batch.json, which must fail. */
static void reload(refused *t)
{
    tr_error_clear(&t->err);
    t->status = load_fails(t->dir, &t->err);
}

static void refuse(refused *t, const char *manifest)
{
    prepare(t, manifest);
    reload(t);
}

static void refused_free(refused *t)
{
    tr_error_clear(&t->err);
    free(t->file);
    free(t->dir);
}

Test(manifest_errors, every_problem_with_its_path)
{
    static const char bad[] =
        "{\"name\": 3, \"base\": \"base.json\", \"sead\": 1, \"paths\": 0, \"seed\": 1.5,\n"
        " \"reference\": \"plam\", \"extra\": true,\n"
        " \"scenarios\": [\n"
        "  {\"id\": \"plan\", \"overlay\": {\"seed\": 2}},\n"
        "  7,\n"
        "  {\"name\": \"no id\"},\n"
        "  {\"id\": \"../up\"},\n"
        "  {\"id\": \"plan\", \"nme\": \"x\"},\n"
        "  {\"id\": \"both\", \"overlay\": {}, \"overlay_file\": \"o.json\"},\n"
        "  {\"id\": \"arr\", \"overlay\": [1]},\n"
        "  {\"id\": \"gone\", \"overlay_file\": \"missing.json\"},\n"
        "  {\"id\": \"dup\", \"overlay\": {\"trusts\": [{\"id\": \"alpha\"}, {\"id\": "
        "\"alpha\"}]}}\n"
        " ]}\n";
    refused t = {0};
    refuse(&t, bad);
    const char *f = t.file;
    tr_error *err = &t.err;
    char *missing = path_of(t.dir, "missing.json");
    cr_expect_eq(t.status, TR_E_INPUT);
    EXPECT_DIAG(err, f, "name", "expected a string, got a number");
    EXPECT_DIAG(err, f, "sead", "unknown key \"sead\"; did you mean \"seed\"?");
    EXPECT_DIAG(err, f, "extra", "unknown key \"extra\"; expected one of: name, notes, base");
    EXPECT_DIAG(err, f, "paths", "must be in [1, 4000000000] (got 0)");
    EXPECT_DIAG(err, f, "seed", "expected an integer, got 1.5");
    EXPECT_DIAG(err, f, "reference", "no scenario has the id \"plam\"; did you mean \"plan\"?");
    EXPECT_DIAG(err, f, "scenarios[0].overlay.seed",
                "scenario \"plan\": a scenario cannot change \"seed\"");
    EXPECT_DIAG(err, f, "scenarios[1]", "expected an object (a scenario), got a number");
    EXPECT_DIAG(err, f, "scenarios[2]", "missing required field \"id\"");
    EXPECT_DIAG(err, f, "scenarios[3].id", "a scenario id names the scenario's folder");
    EXPECT_DIAG(err, f, "scenarios[4].id", "duplicate scenario id \"plan\" (also scenarios[0])");
    EXPECT_DIAG(err, f, "scenarios[4].nme", "unknown key \"nme\"; did you mean \"name\"?");
    EXPECT_DIAG(err, f, "scenarios[5].overlay_file",
                "either \"overlay\" or \"overlay_file\", not both");
    EXPECT_DIAG(err, f, "scenarios[6].overlay", "expected an object (the changes to the base");
    char want[2100];
    snprintf(want, sizeof want, "overlay file \"%s\": cannot open: No such file", missing);
    EXPECT_DIAG(err, f, "scenarios[7].overlay_file", want);
    EXPECT_DIAG(err, f, "scenarios[8].overlay.trusts[1].id",
                "scenario \"dup\": duplicate id \"alpha\"");
    cr_expect_eq(err->count, 16, "one message per problem (got %zu)", err->count);
    free(missing);
    refused_free(&t);
}

Test(manifest_errors, seeds_past_two_to_the_53)
{
    refused t = {0};
    refuse(&t, "{\"name\": \"n\", \"base\": \"base.json\", \"seed\": 9007199254740993,"
               " \"scenarios\": [{\"id\": \"a\"}]}");
    EXPECT_DIAG(&t.err, t.file, "seed", "must be in [0, 9007199254740992] (got 9007199254740993)");
    refuse(&t, "{\"name\": \"n\", \"base\": \"base.json\", \"seed\": 1e3,"
               " \"scenarios\": [{\"id\": \"a\"}]}");
    EXPECT_DIAG(&t.err, t.file, "seed", "expected a whole number written in digits");
    refused_free(&t);
}

Test(manifest_errors, missing_fields_and_empty_lists)
{
    refused t = {0};
    refuse(&t, "{\"scenarios\": []}");
    EXPECT_DIAG(&t.err, t.file, NULL, "missing required field \"name\"");
    EXPECT_DIAG(&t.err, t.file, NULL, "missing required field \"base\"");
    EXPECT_DIAG(&t.err, t.file, "scenarios", "must contain at least one scenario");
    refuse(&t, "{\"name\": \"n\", \"base\": \"\", \"scenarios\": {}}");
    EXPECT_DIAG(&t.err, t.file, "base", "must not be empty");
    EXPECT_DIAG(&t.err, t.file, "scenarios", "expected a list of scenarios, got an object");
    refused_free(&t);
}

Test(manifest_errors, syntax_with_line_and_column)
{
    refused t = {0};
    refuse(&t, "{\"name\": \"n\",\n \"base\": \"base.json\",\n \"scenarios\": [{\"id\": 'a'}]}\n");
    cr_expect_eq(t.status, TR_E_INPUT);
    if (!found(&t.err, t.file, NULL, "single quotes", 3, 23)) show(&t.err);
    cr_expect(found(&t.err, t.file, NULL, "syntax error: strings must use double quotes", 3, 23));
    cr_expect_eq(t.err.count, 1);
    refuse(&t, "[]");
    EXPECT_DIAG(&t.err, t.file, NULL, "the top level must be a JSON object (a batch manifest)");
    refuse(&t, "{\"name\": \"n\", \"name\": \"m\", \"base\": \"base.json\","
               " \"scenarios\": [{\"id\": \"a\"}]}");
    EXPECT_DIAG(&t.err, t.file, "name", "duplicate key \"name\"");
    char *nothing = path_of(t.dir, "nothing.json");
    tr_error_clear(&t.err);
    cr_expect_eq(tr_manifest_load_file(nothing, (tr_manifest *[]){NULL}, &t.err), TR_E_INPUT);
    EXPECT_DIAG(&t.err, nothing, NULL, "cannot open: No such file or directory");
    free(nothing);
    refused_free(&t);
}

Test(manifest_errors, overlay_files_have_their_own_name_and_lines)
{
    refused t = {0};
    prepare(&t, "{\"name\": \"n\", \"base\": \"base.json\", \"scenarios\": [\n"
                " {\"id\": \"a\", \"overlay_file\": \"overlays/a.json\"},\n"
                " {\"id\": \"b\", \"overlay_file\": \"overlays/b.json\"}]}");
    put_file(t.dir, "overlays/a.json",
             "{\"trusts\": [\n  {\"id\": \"alpha\",\n   \"cash\": 3,}\n]}");
    put_file(t.dir, "overlays/b.json",
             "{\"trusts\": [{\"id\": \"zeta\", \"remove\": true}, {\"id\": \"gamma\", \"cash\": 1,"
             " \"income\": 2}]}");
    reload(&t);
    char *a = path_of(t.dir, "overlays/a.json"), *b = path_of(t.dir, "overlays/b.json");
    if (!found(&t.err, a, NULL, "trailing comma before '}'", 3, 14)) show(&t.err);
    cr_expect(found(&t.err, a, NULL, "syntax error: trailing comma before '}'", 3, 14));
    EXPECT_DIAG(&t.err, b, "trusts[0].id", "scenario \"b\": there is no trust \"zeta\" to remove");
    /* the rest of the overlay is merged and checked in the same pass */
    EXPECT_DIAG(&t.err, b, "trusts[1]",
                "scenario \"b\": missing required field \"expenditure\" (a new trust must be");
    cr_expect_eq(t.err.count, 3);
    free(a);
    free(b);
    refused_free(&t);
}

Test(manifest_errors, the_base_named_at_base)
{
    refused t = {0};
    refuse(&t, "{\"name\": \"n\", \"base\": \"nobase.json\", \"scenarios\": [{\"id\": \"a\", "
               "\"overlay\": {\"trusts\": [{\"id\": \"x\", \"remove\": false}]}}]}");
    char *nb = path_of(t.dir, "nobase.json"), want[2100];
    snprintf(want, sizeof want, "base config \"%s\": cannot open: No such file", nb);
    EXPECT_DIAG(&t.err, t.file, "base", want);
    EXPECT_DIAG(&t.err, t.file, "scenarios[0].overlay.trusts[0].remove",
                "scenario \"a\": \"remove\" can only be true");
    cr_expect_eq(t.err.count, 2, "without a base, the overlays are still checked");
    /* a base that is no config: its own file name, and nothing more */
    put_file(t.dir, "nobase.json", "{\"horizon_months\": 0, \"trusts\": []}");
    reload(&t);
    EXPECT_DIAG(&t.err, nb, "horizon_months", "must be in [1, 120]");
    for (size_t k = 0; k < t.err.count; k++)
        cr_expect(strstr(t.err.diags[k].file, "scenario") == NULL, "no scenario repeats it");
    free(nb);
    refused_free(&t);
}

Test(manifest_errors, merged_configs_name_the_scenario)
{
    refused t = {0};
    prepare(&t, "{\"name\": \"n\", \"base\": \"base.json\", \"scenarios\": [\n"
                " {\"id\": \"no-south\", \"overlay\": {\"consortia\": [{\"id\": \"south\","
                " \"remove\": true}]}},\n"
                " {\"id\": \"bad-cash\", \"overlay\": {\"trusts\": [{\"id\": \"beta\","
                " \"cash\": \"lots\", \"cahs\": 1}]}},\n"
                " {\"id\": \"mean\", \"overlay\": {\"trusts\": [{\"id\": \"alpha\", \"schemes\":"
                " [{\"id\": \"agency\", \"delivery\": {\"mean\": 0.97}}]}]}},\n"
                " {\"id\": \"new\", \"overlay_file\": \"overlays/new.json\"}]}");
    put_file(t.dir, "overlays/new.json",
             "{\"trusts\": [{\"id\": \"alpah\", \"income\": 1, \"expenditure\": 1}]}");
    reload(&t);
    const char *f = t.file;
    char *nf = path_of(t.dir, "overlays/new.json"), label[2100];
    /* a base value that no longer fits: the merged path, elements by id */
    snprintf(label, sizeof label, "%s: scenario \"no-south\"", f);
    EXPECT_DIAG(&t.err, label, "trusts[alpha].commissioners[south].consortium",
                "unknown consortium \"south\"");
    EXPECT_DIAG(&t.err, label, "trusts[beta].commissioners[south].consortium",
                "unknown consortium \"south\"");
    /* an overlay value: where the author wrote it */
    EXPECT_DIAG(&t.err, f, "scenarios[1].overlay.trusts[0].cash",
                "scenario \"bad-cash\": expected a number, got a string");
    EXPECT_DIAG(&t.err, f, "scenarios[1].overlay.trusts[0].cahs",
                "scenario \"bad-cash\": unknown key \"cahs\"; did you mean \"cash\"?");
    /* a rule over an overlay value and a base value: at the base's */
    snprintf(label, sizeof label, "%s: scenario \"mean\"", f);
    EXPECT_DIAG(&t.err, label, "trusts[alpha].schemes[agency].delivery.sd", "infeasible beta");
    /* an incomplete new element, in its overlay file, with the likely typo */
    EXPECT_DIAG(&t.err, nf, "trusts[0]",
                "scenario \"new\": missing required field \"cash\" (a new trust must be complete; "
                "the base has no trust \"alpah\"; did you mean \"alpha\"?)");
    cr_expect_eq(t.err.count, 6);
    free(nf);
    refused_free(&t);
}

Test(manifest_errors, sampling_problems_where_the_overlay_wrote_them)
{
    refused t = {0};
    refuse(&t, "{\"name\": \"n\", \"base\": \"base.json\", \"scenarios\": [\n"
               " {\"id\": \"typo\", \"overlay\": {\"sampling\": {\"method\": \"shift\","
               " \"shift\": {\"nationl\": 1}}}},\n"
               " {\"id\": \"k\", \"overlay\": {\"sampling\": {\"method\": \"shift\","
               " \"auto\": {\"event\": {\"failures_at_least\": 3}}}}},\n"
               " {\"id\": \"stop\", \"overlay\": {\"precision\": {\"target_rel\": 0.1}}}]}");
    const char *f = t.file;
    EXPECT_DIAG(&t.err, f, "scenarios[0].overlay.sampling.shift.nationl",
                "scenario \"typo\": unknown factor \"nationl\"; did you mean \"national\"?");
    EXPECT_DIAG(&t.err, f, "scenarios[1].overlay.sampling.auto.event.failures_at_least",
                "scenario \"k\": must be at most the number of trusts, 2 (got 3)");
    EXPECT_DIAG(&t.err, f, "scenarios[2].overlay.precision",
                "scenario \"stop\": a scenario cannot change \"precision\"");
    cr_expect_eq(t.err.count, 3);
    refused_free(&t);
}

/* ------------------------------------------------------------------------- */
/* The bundled batch                                                         */
/* ------------------------------------------------------------------------- */

/* Scenario `id`'s merged config of the bundled batch, parsed. */
static cJSON *bundled_tree(const tr_manifest *m, const char *id)
{
    long i = tr_manifest_find(m, id);
    cr_assert_geq(i, 0, "no scenario %s", id);
    tr_error err;
    tr_error_init(&err);
    char *json = NULL;
    cr_assert_eq(tr_manifest_merged_json(m, (size_t)i, &json, &err), TR_OK);
    cJSON *t = cJSON_Parse(json);
    free(json);
    tr_error_clear(&err);
    return t;
}

static const cJSON *trust_of(const cJSON *cfg, const char *id)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, th_at(cfg, "trusts")) if (strcmp(str_at(t, "id"), id) == 0) return t;
    return NULL;
}

Test(bundled, region_overnight_loads_and_says_what_it_says)
{
    tr_manifest *m = loaded(BUNDLED);
    cr_expect_eq(tr_manifest_scenario_count(m), 5);
    cr_expect_str_eq(tr_manifest_scenario_id(m, tr_manifest_reference(m)), "base");
    cr_expect_eq(tr_manifest_seed(m), 7);
    cr_expect_eq(tr_manifest_paths(m), 10000);
    cr_expect_str_eq(tr_config_sha256(tr_manifest_scenario_config(m, 0)),
                     tr_config_sha256(tr_manifest_base(m)), "\"base\" is the region itself");
    cJSON *base = bundled_tree(m, "base");
    /* closures a year later, nothing else */
    cJSON *slip = bundled_tree(m, "closures-slip-a-year");
    int closures = 0;
    const cJSON *t, *s;
    cJSON_ArrayForEach(t, th_at(slip, "trusts")) cJSON_ArrayForEach(s, th_at(t, "schemes"))
    {
        const cJSON *b = NULL, *bt = trust_of(base, str_at(t, "id"));
        cJSON_ArrayForEach(
            b, th_at(bt, "schemes")) if (!strcmp(str_at(b, "id"), str_at(s, "id"))) break;
        cr_assert_not_null(b);
        int closure = th_at(s, "kind") && !strcmp(str_at(s, "kind"), "closure");
        closures += closure;
        cr_expect_eq(th_num(s, "start_month"), th_num(b, "start_month") + (closure ? 12 : 0));
    }
    cr_expect_eq(closures, 7);
    cr_expect_eq(tr_manifest_change_count(m, 1), 7);
    /* reserves halved */
    cJSON *half = bundled_tree(m, "reserves-halved");
    for (int k = 0; k < 5; k++) {
        char w[64];
        snprintf(w, sizeof w, "consortia/%d/reserve", k);
        cr_expect_eq(th_num(half, w), th_num(base, w) / 2);
    }
    /* efficiency delivery 0.10 lower, sd kept */
    cJSON *worse = bundled_tree(m, "delivery-10-points-worse");
    int lowered = 0;
    for (int i = 0; i < cJSON_GetArraySize(th_at(base, "trusts")); i++)
        for (int j = 0;
             j < cJSON_GetArraySize(th_at(cJSON_GetArrayItem(th_at(base, "trusts"), i), "schemes"));
             j++) {
            char w[128];
            snprintf(w, sizeof w, "trusts/%d/schemes/%d", i, j);
            const cJSON *b = th_at(base, w), *v = th_at(worse, w);
            int eff = !strcmp(str_at(b, "kind"), "efficiency");
            double d = th_num(b, "delivery/mean") - th_num(v, "delivery/mean");
            cr_expect_float_eq(d, eff ? 0.10 : 0.0, 1e-12, "%s", w);
            cr_expect_eq(th_num(b, "delivery/sd"), th_num(v, "delivery/sd"));
            lowered += eff;
        }
    cr_expect_eq(lowered, 75);
    /* Vale Community merged into Vale Hospital */
    cJSON *merger = bundled_tree(m, "vale-merger");
    cr_expect_null(trust_of(merger, "vale-community"));
    cr_expect_eq(cJSON_GetArraySize(th_at(merger, "trusts")), 14);
    const cJSON *vh = trust_of(merger, "vale-hospital"), *vb = trust_of(base, "vale-hospital"),
                *vc = trust_of(base, "vale-community");
    cr_expect_eq(th_num(vh, "income"), th_num(vb, "income") + th_num(vc, "income"));
    cr_expect_eq(th_num(vh, "cash"), th_num(vb, "cash") + th_num(vc, "cash"));
    cr_expect_eq(cJSON_GetArraySize(th_at(vh, "schemes")),
                 cJSON_GetArraySize(th_at(vb, "schemes")) +
                     cJSON_GetArraySize(th_at(vc, "schemes")));
    cJSON_Delete(base);
    cJSON_Delete(slip);
    cJSON_Delete(half);
    cJSON_Delete(worse);
    cJSON_Delete(merger);
    tr_manifest_free(m);
}

/* ------------------------------------------------------------------------- */
/* The command                                                               */
/* ------------------------------------------------------------------------- */

Test(cli, summary_of_the_bundled_batch)
{
    th_cli r = th_run_cli((const char *[]){"scenario", BUNDLED, NULL});
    cr_expect_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect_str_empty(r.err);
    cr_expect(strstr(r.out, ": ok\n"));
    cr_expect(strstr(r.out, "5 scenarios"));
    cr_expect(strstr(r.out, "reserves-halved"));
    cr_expect(strstr(r.out, "sets consortia[north].reserve, consortia[south].reserve and 3 more"));
    cr_expect(strstr(r.out, "removes trusts[vale-community]"));
    cr_expect(strstr(r.out, "the base config, unchanged"));
    th_cli_free(&r);
}

Test(cli, print_gives_a_config_with_the_merged_sha256)
{
    tr_error err;
    tr_error_init(&err);
    tr_manifest *m = loaded(BUNDLED);
    for (size_t i = 0; i < tr_manifest_scenario_count(m); i++) {
        const char *id = tr_manifest_scenario_id(m, i);
        th_cli r = th_run_cli((const char *[]){"scenario", BUNDLED, "--print", id, NULL});
        cr_expect_eq(r.status, 0, "--print %s: %s", id, r.err);
        cr_expect_str_empty(r.err);
        tr_config *c = NULL;
        tr_status st = tr_config_load_buffer(r.out, strlen(r.out), "printed", &c, &err);
        if (st != TR_OK) show(&err);
        cr_assert_eq(st, TR_OK, "--print %s printed no config", id);
        cr_expect_str_eq(tr_config_sha256(c), tr_config_sha256(tr_manifest_scenario_config(m, i)));
        char *json = NULL;
        cr_assert_eq(tr_manifest_merged_json(m, i, &json, &err), TR_OK);
        cr_expect_str_eq(r.out, json, "the command prints the library's bytes");
        free(json);
        tr_config_free(c);
        th_cli_free(&r);
    }
    tr_manifest_free(m);
    tr_error_clear(&err);
}

Test(cli, errors_exit_2_with_nothing_on_stdout)
{
    th_cli r = th_run_cli((const char *[]){"scenario", BUNDLED, "--print", "no-such", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect_str_empty(r.out);
    cr_expect(strstr(r.err, "no scenario \"no-such\""));
    cr_expect(strstr(r.err, "its scenarios are: base, closures-slip-a-year, reserves-halved"));
    th_cli_free(&r);

    char *dir =
        batch_dir("{\"name\": \"n\", \"base\": \"base.json\", \"scenarios\": [{\"id\": "
                  "\"a\", \"overlay\": {\"trusts\": [{\"id\": \"zz\", \"remove\": true}]}}]}");
    char *file = path_of(dir, "batch.json");
    r = th_run_cli((const char *[]){"scenario", file, "--print", "a", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect_str_empty(r.out);
    cr_expect(strstr(r.err, "rejected (1 problem)"));
    cr_expect(
        strstr(r.err, "scenarios[0].overlay.trusts[0].id: scenario \"a\": there is no trust"));
    th_cli_free(&r);
    r = th_run_cli((const char *[]){"scenario", file, NULL});
    cr_expect_eq(r.status, 2);
    cr_expect_str_empty(r.out);
    th_cli_free(&r);
    free(file);
    free(dir);

    static const char *const usage[][4] = {{"scenario", NULL},
                                           {"scenario", "a", "b", NULL},
                                           {"scenario", "a", "--print", NULL},
                                           {"scenario", "a", "--bogus", NULL},
                                           {"scenario", "/no/such/file.json", NULL, NULL}};
    for (size_t k = 0; k < sizeof usage / sizeof usage[0]; k++) {
        r = th_run_cli(usage[k]);
        cr_expect_eq(r.status, 2, "case %zu: %d", k, r.status);
        cr_expect_str_empty(r.out, "case %zu", k);
        cr_expect_str_not_empty(r.err, "case %zu", k);
        th_cli_free(&r);
    }
    r = th_run_cli((const char *[]){"scenario", "--help", NULL});
    cr_expect_eq(r.status, 0);
    cr_expect(strstr(r.out, "scenario MANIFEST [--print ID]"));
    th_cli_free(&r);
}

Test(manifest, a_bases_precision_is_left_out_of_every_scenario)
{
    /* a batch runs every scenario on all its paths: were a base's precision
     * kept, `run` of the merged config would stop early and differ */
    char *dir = tmp_dir();
    char *base = th_fmt("{\n  \"precision\": {\"target_se\": 0.01},%s", BASE + 1);
    put_file(dir, "base.json", base);
    put_file(dir, "batch.json",
             "{\"name\": \"b\", \"base\": \"base.json\", \"scenarios\": [{\"id\": \"a\"}, "
             "{\"id\": \"b\", \"overlay\": {\"name\": \"B\"}}]}");
    tr_manifest *m = loaded_in(dir);
    tr_run_options opt;
    tr_run_options_init(&opt, tr_manifest_base(m));
    cr_expect_eq(opt.target_se, 0.01, "the base itself keeps it");
    tr_error err;
    tr_error_init(&err);
    for (size_t i = 0; i < 2; i++) {
        tr_run_options_init(&opt, tr_manifest_scenario_config(m, i));
        cr_expect_eq(opt.target_se, 0.0, "scenario %zu", i);
        char *json = NULL;
        cr_assert_eq(tr_manifest_merged_json(m, i, &json, &err), TR_OK);
        cr_expect_null(strstr(json, "precision"), "%s", json);
        free(json);
    }
    tr_manifest_free(m);
    free(base);
    free(dir);
}

Test(cli, a_config_and_a_manifest_given_to_the_wrong_command_say_so)
{
    /* one line that names the right command, not a dozen unknown keys */
    const char *config = TR_SOURCE_DIR "/configs/example.json";
    th_cli r = th_run_cli((const char *[]){"scenario", config, NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "this is a config (it has \"trusts\"), not a batch manifest"), "%s",
              r.err);
    cr_expect(strstr(r.err, "trustrisk run FILE"), "%s", r.err);
    cr_expect(strstr(r.err, "rejected (1 problem)"), "%s", r.err);
    th_cli_free(&r);
    r = th_run_cli((const char *[]){"validate", BUNDLED, NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "this is a batch manifest (it has \"base\" and \"scenarios\"), not a "
                            "config"),
              "%s", r.err);
    cr_expect(strstr(r.err, "trustrisk batch FILE"), "%s", r.err);
    cr_expect(strstr(r.err, "unknown key") == NULL, "%s", r.err);
    th_cli_free(&r);
}
