/*
 * cmd_merge.c - `trustrisk merge STATE_OR_DIR... --out DIR [--report]
 * [--xlsx] [--manifest MANIFEST [--paths N] [--seed S]]`.
 *
 * With --manifest the states are a batch's shards: the manifest (with the
 * batch's --paths and --seed) is loaded and the batch's output folder
 * written (cmd_batch.c); the library checks that the states are of that
 * batch.
 *
 * Reads the states of a run's shards (files; a folder stands for every
 * shard-I-of-N.trs in it), has the library check that they are of one run
 * and cover every block exactly once (tr_results_merge), and writes the
 * run's output set, byte for byte that of the run done at once, all or
 * nothing, as `run` does. Every problem names the file; when there is one,
 * nothing is written and no folder made.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cmd_batch.h"
#include "cmd_merge.h"
#include "common.h"
#include "outputs.h"
#include "statefile.h"
#include "xlsx.h"

/* The run's paths and seed, as results.json states them. */
static void paths_and_seed(const char *json, cli_run_facts *f)
{
    cJSON *doc = cJSON_Parse(json);
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(doc, "seed");
    if (cJSON_IsNumber(paths)) f->paths = (uint64_t)paths->valuedouble;
    if (cJSON_IsNumber(seed)) f->seed = (uint64_t)seed->valuedouble;
    cJSON_Delete(doc);
}

/* Add argument `arg` (a state file, or a folder of shard states) to files. */
static tr_status add_input(const char *arg, char ***files, size_t *n, tr_error *err)
{
    struct stat sb;
    if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))
        return cli_state_list_shards(arg, files, n, err);
    char **grown = realloc(*files, (*n + 1) * sizeof **files);
    char *copy = strdup(arg);
    if (grown) *files = grown;
    if (!grown || !copy) {
        free(copy);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    }
    (*files)[(*n)++] = copy;
    return TR_OK;
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * When every state given is named shard-I-of-N.trs with one N, name the
 * shards' files that are not among them (the library, which reads what the
 * states hold, would name only the blocks that none covers; it still checks
 * that the states are what their names say).
 */
static void missing_shards(char *const *files, size_t n, tr_error *err)
{
    uint32_t N = 0, *given = n ? malloc(n * sizeof *given) : NULL;
    size_t k = 0;
    for (; given && k < n; k++) {
        uint32_t nn = 0;
        if (!cli_state_name_parse(files[k], 1, &given[k], &nn) || (k > 0 && nn != N)) break;
        N = nn;
    }
    if (given && k == n) {
        qsort(given, n, sizeof *given, by_u32);
        const char *slash = strrchr(files[0], '/');
        int dirlen = slash ? (int)(slash - files[0] + 1) : 0;
        uint32_t next = 0, reported = 0, more = 0;
        for (size_t j = 0; j <= n; j++) {
            uint32_t upto = j < n ? given[j] : N; /* shards [next, upto) are missing */
            for (; next < upto && next < N; next++) {
                if (reported == 8) {
                    more++;
                    continue;
                }
                char *path = malloc((size_t)dirlen + 64);
                if (path)
                    snprintf(path, (size_t)dirlen + 64, "%.*sshard-%" PRIu32 "-of-%" PRIu32 ".trs",
                             dirlen, files[0], next, N);
                tr_error_add(err, TR_E_INPUT, path, NULL, 0, 0,
                             "missing: the states given are shards of %" PRIu32
                             ", and shard %" PRIu32 "'s is not among them (not given, or its "
                             "`trustrisk run ... --shard %" PRIu32 "/%" PRIu32
                             "` has not finished)",
                             N, next, next, N);
                free(path);
                reported++;
            }
            if (j < n && given[j] >= next) next = given[j] + 1;
        }
        if (more)
            tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                         "and %" PRIu32 " more of the %" PRIu32 " shards' states are missing", more,
                         N);
    }
    free(given);
}

/* A run's shards: merge them and write the run's output set. */
static tr_status merge_run(const void *const *data, const size_t *lens, const char *const *names,
                           size_t n, const char *out, int extra, tr_error *err)
{
    tr_config *cfg = NULL;
    tr_results *res = NULL;
    char *json = NULL;
    tr_status st = tr_results_merge(data, lens, names, n, &cfg, &res, err);
    if (st == TR_OK) st = tr_results_json(res, &json, err);
    /* Only now, with everything checked, is the output folder touched. */
    cli_outdir od;
    if (st == TR_OK) st = cli_outdir_prepare(&od, out, err);
    if (st == TR_OK) {
        cli_run_facts f = {.seconds = NAN, .merged = n, .merged_files = names};
        paths_and_seed(json, &f);
        st = cli_outputs_write(&od, out, extra, cfg, res, &f, json, err);
    }
    if (st == TR_OK) cli_outputs_print(res, out, extra);
    free(json);
    tr_results_free(res);
    tr_config_free(cfg);
    return st;
}

/* Merge the states read and write the output set: a run's, or with
 * `manifest` a batch's. */
static int merge_and_write(cli_state *states, size_t n, const char *out, int extra,
                           const char *manifest, const cli_batch_run *run, tr_error *err)
{
    const void **data = calloc(n, sizeof *data);
    size_t *lens = calloc(n, sizeof *lens);
    const char **names = calloc(n, sizeof *names);
    tr_status st = data && lens && names
                       ? TR_OK
                       : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    for (size_t k = 0; st == TR_OK && k < n; k++) {
        data[k] = states[k].data;
        lens[k] = states[k].len;
        names[k] = states[k].name;
    }
    if (st == TR_OK && manifest)
        st = cli_batch_merge(manifest, run, data, lens, names, n, out, extra, err);
    else if (st == TR_OK)
        st = merge_run(data, lens, names, n, out, extra, err);
    free(data);
    free(lens);
    free(names);
    return st == TR_OK ? 0 : cli_fail_with(err);
}

/* The value of option argv[*i] ("--out"), or NULL with a usage error in *code. */
static const char *value_of(int argc, char **argv, int *i, const char *what, int *code)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[++*i] : NULL;
    if (v == NULL || v[0] == '\0')
        *code = cli_bad_usage("%s: expected %s", a, what);
    else if (v[0] == '-')
        *code = cli_bad_usage("%s: '%s' looks like an option, not %s (write ./%s for a file of "
                              "that name)",
                              a, v, what, v);
    else
        return v;
    return NULL;
}

int cli_cmd_merge(int argc, char **argv)
{
    const char *out = NULL, *manifest = NULL;
    cli_batch_run run = {0};
    int report = 0, xlsx = 0;
    char **files = NULL;
    size_t n = 0;
    tr_error err;
    tr_error_init(&err);
    int code = 0;
    for (int i = 0; i < argc && code == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(cli_usage, stdout);
            code = -1;
        } else if (strcmp(a, "--report") == 0) {
            report = 1;
        } else if (strcmp(a, "--xlsx") == 0) {
            if (cli_xlsx_supported())
                xlsx = 1;
            else
                code = cli_no_xlsx();
        } else if (strcmp(a, "--out") == 0) {
            out = value_of(argc, argv, &i, "a folder", &code);
        } else if (strcmp(a, "--manifest") == 0) {
            manifest = value_of(argc, argv, &i, "a batch manifest", &code);
        } else if (strcmp(a, "--paths") == 0 || strcmp(a, "--seed") == 0) {
            const char *v = value_of(argc, argv, &i, "a whole number", &code);
            if (v) code = cli_batch_run_option(a, v, &run);
        } else if (a[0] == '-' && a[1] != '\0') {
            code = cli_bad_usage("merge: unknown option '%s'", a);
        } else {
            add_input(a, &files, &n, &err); /* problems reported below, with the others */
        }
    }
    if (code == 0 && !manifest && (run.has_paths || run.has_seed))
        code = cli_bad_usage("%s", "merge: --paths and --seed are a batch's: they go with "
                                   "--manifest");
    if (code == 0 && n == 0 && err.count == 0)
        code = cli_bad_usage("%s", "merge needs the states to merge: shard-I-of-N.trs files, or "
                                   "the folder they are in");
    if (code == 0 && out == NULL)
        code = cli_bad_usage("%s", "merge needs --out DIR, the folder the results go into");
    if (code == 0) missing_shards(files, n, &err);
    cli_state *states = calloc(n ? n : 1, sizeof *states);
    if (code == 0 && !states) tr_error_add(&err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    for (size_t k = 0; code == 0 && states && k < n; k++)
        cli_state_read(files[k], &states[k], &err); /* every unreadable file is named */
    if (code == -1)
        code = 0;
    else if (err.count > 0)
        code = cli_fail_with(&err);
    else if (code == 0)
        code =
            merge_and_write(states, n, out, cli_outputs_extra(report, xlsx), manifest, &run, &err);
    for (size_t k = 0; k < n; k++) {
        if (states) cli_state_free(&states[k]);
        free(files[k]);
    }
    free(states);
    free(files);
    tr_error_clear(&err);
    return code;
}
