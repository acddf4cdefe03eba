/*
 * test_cli_validate.c - `trustrisk validate` run as a real process.
 *
 * These tests run the built binary (TR_BINARY, through th_run_cli in
 * helpers.c, which captures its stdout and stderr) and check the exit code
 * and the messages a user sees. The bulk of the work is the invalid-config corpus in
 * tests/invalid/: every NN-name.json there must be rejected with exit code 2
 * and every line of its NN-name.expect sidecar must appear in stderr (see
 * tests/invalid/README.md). The valid examples in configs/ must be accepted
 * with a summary that mentions their trust count. The rest covers the
 * command's edges: --help, --version, a missing file, several files at once
 * and a file over TR_CONFIG_MAX_BYTES, which must be refused unread.
 */
#include <criterion/criterion.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "trustrisk/trustrisk.h"

#define MAX_FILES 512

/* The minimal config of docs/model.md section 9: one trust, valid. */
static const char minimal_config[] =
    "{\n"
    "  \"name\": \"Two trusts, one consortium\",\n"
    "  \"horizon_months\": 24,\n"
    "  \"seed\": 42,\n"
    "  \"factors\": [{\"name\": \"national\", \"scope\": \"global\"}],\n"
    "  \"consortia\": [{\"id\": \"north\", \"name\": \"North GP consortium\", \"reserve\": "
    "10}],\n"
    "  \"trusts\": [\n"
    "    {\n"
    "      \"id\": \"general\", \"name\": \"General Hospital NHS Trust\",\n"
    "      \"cash\": 8, \"min_cash\": 2, \"income\": 240, \"expenditure\": 252,\n"
    "      \"cost_growth\": {\"dist\": \"pert\", \"min\": 0.01, \"mode\": 0.025, \"max\": "
    "0.05,\n"
    "                      \"factors\": {\"national\": 0.5}},\n"
    "      \"cash_noise\": 1.0,\n"
    "      \"commissioners\": [{\"consortium\": \"north\", \"share\": 0.9}],\n"
    "      \"schemes\": [\n"
    "        {\"id\": \"agency-ban\", \"name\": \"Ban agency staff\", \"kind\": "
    "\"efficiency\",\n"
    "         \"saving\": 6, \"start_month\": 1, \"ramp_months\": 6,\n"
    "         \"delivery\": {\"dist\": \"beta\", \"mean\": 0.6, \"sd\": 0.2}, \"paper\": "
    "0.25,\n"
    "         \"factors\": {\"national\": 0.3}},\n"
    "        {\"id\": \"close-ward\", \"name\": \"Close ward 7\", \"kind\": \"closure\",\n"
    "         \"saving\": 9, \"start_month\": 4, \"ramp_months\": 9,\n"
    "         \"slippage\": {\"dist\": \"lognormal\", \"median\": 3, \"sigma\": 0.7},\n"
    "         \"stay\": {\"probability\": 0.35,\n"
    "                  \"delay\": {\"dist\": \"uniform\", \"min\": 3, \"max\": 12}},\n"
    "         \"compromise\": {\"probability\": 0.3,\n"
    "                        \"retained\": {\"dist\": \"uniform\", \"min\": 0.3, \"max\": "
    "0.8}},\n"
    "         \"one_off_cost\": 2.5}\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}\n";

/* A fresh private temporary directory for one test. */
static char *make_tmpdir(void)
{
    char dir[64];
    th_tmpdir(dir, sizeof dir, "cli-validate");
    return strdup(dir);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in `dir` ending in `suffix`; returns the count (0 if no dir). */
static size_t list_dir(const char *dir, const char *suffix, char **names, size_t max)
{
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    size_t n = 0, sl = strlen(suffix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= sl || strcmp(e->d_name + len - sl, suffix) != 0) {
            continue;
        }
        cr_assert_lt(n, max, "too many files in %s", dir);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(names[i]);
    }
}

/*
 * Check one corpus case; print and count every way it fails, naming the
 * case, so that one run of the test lists every broken case at once.
 */
static int check_invalid_case(const char *dir, const char *json_name)
{
    char json_path[4200], expect_path[4200];
    snprintf(json_path, sizeof json_path, "%s/%s", dir, json_name);
    snprintf(expect_path, sizeof expect_path, "%s/%.*s.expect", dir,
             (int)(strlen(json_name) - strlen(".json")), json_name);

    int failures = 0;
    char *expect = th_read(expect_path, NULL);
    if (!expect) {
        cr_log_error("%s: missing sidecar %s", json_name, expect_path);
        return 1;
    }
    const char *args[] = {"validate", json_path, NULL};
    th_cli r = th_run_cli(args);
    if (r.status != 2) {
        cr_log_error("%s: exit code %d, expected 2\n--- stderr:\n%s", json_name, r.status, r.err);
        failures++;
    }
    if (!strstr(r.err, json_name)) {
        cr_log_error("%s: stderr does not name the file\n--- stderr:\n%s", json_name, r.err);
        failures++;
    }
    char *save = NULL;
    for (char *line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r') {
            line[--len] = '\0';
        }
        if (len == 0 || line[0] == '#') {
            continue;
        }
        if (!strstr(r.err, line)) {
            cr_log_error("%s: stderr lacks \"%s\"\n--- stderr:\n%s", json_name, line, r.err);
            failures++;
        }
    }
    th_cli_free(&r);
    free(expect);
    return failures;
}

Test(cli_validate, invalid_corpus_rejected_with_expected_messages, .timeout = 300)
{
    const char *dir = TR_SOURCE_DIR "/tests/invalid";
    char *names[MAX_FILES];
    size_t n = list_dir(dir, ".json", names, MAX_FILES);
    cr_assert_geq(n, 45, "expected at least 45 invalid configs in %s, found %zu", dir, n);

    /* TR_ONLY_CASE=NN-name.json narrows the run to one case when debugging. */
    const char *only = getenv("TR_ONLY_CASE");
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (only && *only && strcmp(only, names[i]) != 0) {
            continue;
        }
        int f = check_invalid_case(dir, names[i]);
        cr_expect_eq(f, 0, "invalid corpus case %s: %d problem(s), see the log above", names[i], f);
        failed += f != 0;
    }
    free_names(names, n);
    cr_expect_eq(failed, 0, "%zu of %zu invalid corpus cases failed", failed, n);
}

/* Every .json in tests/invalid has a sidecar and vice versa. */
Test(cli_validate, invalid_corpus_sidecars_pair_up)
{
    const char *dir = TR_SOURCE_DIR "/tests/invalid";
    char *json[MAX_FILES], *expect[MAX_FILES];
    size_t nj = list_dir(dir, ".json", json, MAX_FILES);
    size_t ne = list_dir(dir, ".expect", expect, MAX_FILES);
    cr_assert_gt(nj, 0, "no invalid configs in %s", dir);
    cr_expect_eq(nj, ne, "%zu .json files but %zu .expect files", nj, ne);
    for (size_t i = 0; i < nj && i < ne; i++) {
        size_t sj = strlen(json[i]) - strlen(".json");
        size_t se = strlen(expect[i]) - strlen(".expect");
        cr_expect(sj == se && strncmp(json[i], expect[i], sj) == 0, "%s and %s do not pair up",
                  json[i], expect[i]);
    }
    free_names(json, nj);
    free_names(expect, ne);
}

/* Trusts in a config file, counted independently of the engine. */
static int count_trusts(const char *path)
{
    char *text = th_read(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    cJSON *root = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(root, "%s is not JSON", path);
    int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "trusts"));
    cJSON_Delete(root);
    return n;
}

/* A summary names the trust count as "<n> trust" or "<n> trusts". */
static int mentions_trust_count(const char *out, int n)
{
    char needle[32];
    snprintf(needle, sizeof needle, "%d trust", n);
    for (const char *p = strstr(out, needle); p; p = strstr(p + 1, needle)) {
        if (p == out || !(p[-1] >= '0' && p[-1] <= '9')) {
            return 1;
        }
    }
    return 0;
}

Test(cli_validate, example_configs_valid, .timeout = 120)
{
    const char *dir = TR_SOURCE_DIR "/configs";
    char *names[MAX_FILES];
    size_t n = list_dir(dir, ".json", names, MAX_FILES);
    if (n == 0) {
        cr_skip_test("no configs/*.json yet");
    }
    for (size_t i = 0; i < n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        const char *args[] = {"validate", path, NULL};
        th_cli r = th_run_cli(args);
        int trusts = count_trusts(path);
        cr_expect_eq(r.status, 0, "configs/%s: exit code %d\n--- stderr:\n%s", names[i], r.status,
                     r.err);
        cr_expect(mentions_trust_count(r.out, trusts),
                  "configs/%s: summary does not mention %d trust(s)\n--- stdout:\n%s", names[i],
                  trusts, r.out);
        th_cli_free(&r);
    }
    free_names(names, n);
}

Test(cli_validate, minimal_config_valid)
{
    char *dir = make_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/minimal.json", dir);
    th_write(path, minimal_config);
    const char *args[] = {"validate", path, NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 0, "exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect(mentions_trust_count(r.out, 1), "summary lacks \"1 trust\"\n--- stdout:\n%s", r.out);
    cr_expect_eq(r.err[0], '\0', "valid config wrote to stderr:\n%s", r.err);
    th_cli_free(&r);
    unlink(path);
    rmdir(dir);
    free(dir);
}

Test(cli_validate, help_exits_zero)
{
    const char *args[] = {"--help", NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 0, "--help exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect(strstr(r.out, "validate") != NULL, "--help does not mention validate:\n%s", r.out);
    th_cli_free(&r);
}

Test(cli_validate, version_exits_zero)
{
    const char *args[] = {"--version", NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 0, "--version exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect(strstr(r.out, tr_version()) != NULL, "--version does not print %s:\n%s", tr_version(),
              r.out);
    th_cli_free(&r);
}

Test(cli_validate, missing_file_named)
{
    const char *path = "/nonexistent-trustrisk-dir/no-such-config.json";
    const char *args[] = {"validate", path, NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 2, "exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect(strstr(r.err, "no-such-config.json") != NULL, "stderr does not name the file:\n%s",
              r.err);
    th_cli_free(&r);
}

Test(cli_validate, several_files_report_each)
{
    char *dir = make_tmpdir();
    char good[4200], bad[4200];
    snprintf(good, sizeof good, "%s/good-config.json", dir);
    snprintf(bad, sizeof bad, "%s/bad-config.json", dir);
    th_write(good, minimal_config);
    th_write(bad, "{\"horizon_months\": 24, \"trusts\": []}\n");

    /* The bad file first: validation must carry on to the next file. */
    const char *args[] = {"validate", bad, good, NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 2, "exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect(strstr(r.err, "bad-config.json") != NULL, "stderr does not name the bad file:\n%s",
              r.err);
    cr_expect(strstr(r.err, "must contain at least one trust") != NULL,
              "stderr lacks the reason:\n%s", r.err);
    cr_expect(mentions_trust_count(r.out, 1), "no summary of the good file:\n%s", r.out);
    cr_expect(strstr(r.err, "good-config.json") == NULL, "the good file was reported:\n%s", r.err);
    th_cli_free(&r);

    /* And the other way round. */
    const char *args2[] = {"validate", good, bad, NULL};
    r = th_run_cli(args2);
    cr_expect_eq(r.status, 2, "exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect(strstr(r.err, "bad-config.json") != NULL, "stderr does not name the bad file:\n%s",
              r.err);
    cr_expect(mentions_trust_count(r.out, 1), "no summary of the good file:\n%s", r.out);
    th_cli_free(&r);

    unlink(good);
    unlink(bad);
    rmdir(dir);
    free(dir);
}

/*
 * A sparse file one byte over the limit: the loader must refuse it from its
 * size, without reading or allocating 64 MiB. The timeout only guards
 * against a hang; the real check is that the message names the file.
 */
Test(cli_validate, oversize_file_refused, .timeout = 60)
{
    char *dir = make_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/huge.json", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    /* Valid JSON start so that only the size can be the reason. */
    const char *head = "{\"horizon_months\": 24, \"notes\": \"";
    cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    cr_assert_eq(ftruncate(fd, (off_t)TR_CONFIG_MAX_BYTES + 1), 0);
    cr_assert_eq(close(fd), 0);

    const char *args[] = {"validate", path, NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 2, "exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect(strstr(r.err, "huge.json") != NULL, "stderr does not name the file:\n%s", r.err);
    cr_expect(strstr(r.err, "syntax error") == NULL,
              "the file was parsed instead of refused for its size:\n%s", r.err);
    th_cli_free(&r);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* No arguments at all is a usage error, not a crash. */
Test(cli_validate, validate_without_files_is_usage_error)
{
    const char *args[] = {"validate", NULL};
    th_cli r = th_run_cli(args);
    cr_expect_eq(r.status, 2, "exit code %d\n--- stderr:\n%s", r.status, r.err);
    cr_expect_neq(r.err[0], '\0', "no message on stderr");
    th_cli_free(&r);
}
