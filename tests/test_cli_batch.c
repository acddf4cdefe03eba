/*
 * test_cli_batch.c - `trustrisk batch` as a user runs it: the real binary on
 * the bundled manifest (configs/batches/region-overnight.json) and on small
 * manifests made here.
 *
 * Each scenario's folder holds exactly what `trustrisk run` writes, and its
 * results.json and CSVs are byte for byte those of `run` of the merged
 * config that `trustrisk scenario --print` shows with the same --paths;
 * comparison.json agrees with the scenarios' results (a scenario that is
 * the base has every difference 0, exactly; a change that cannot touch a
 * quantity leaves it 0) and pairing beats separate runs; batch.log is JSON
 * lines with every event; SIGKILL and SIGTERM (exit 3) and --resume give
 * the bytes of a batch never interrupted; shards merged with --manifest
 * give those of the whole; 1 and 2 threads, and 2 MPI processes where the
 * build has MPI, give the same bytes; a bad manifest is exit 2 with its
 * file and JSON path, and nothing is written.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif
#ifndef TR_SOURCE_DIR
#error "TR_SOURCE_DIR must name the source tree"
#endif

static const char *bundled = TR_SOURCE_DIR "/configs/batches/region-overnight.json";
static const char *region = TR_SOURCE_DIR "/configs/region.json";

static char tmpdir[256];

static void make_tmp(void)
{
    th_tmpdir(tmpdir, sizeof tmpdir, "cli-batch");
}

static void remove_tmp(void)
{
    th_remove_tree(tmpdir);
}

TestSuite(cli_batch, .init = make_tmp, .fini = remove_tmp);

/* ---- helpers -------------------------------------------------------------- */

/* A path in the test's folder (a static ring of buffers: valid for the
 * next seven calls; keep one longer with th_fmt). */
static const char *at(const char *name)
{
    static char ring[8][512];
    static int next;
    char *p = ring[next++ % 8];
    snprintf(p, sizeof ring[0], "%s/%s", tmpdir, name);
    return p;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Run the binary; the test fails, printing its stderr, unless it exits with `want`. */
#define CLI(want, ...)                                                                             \
    do {                                                                                           \
        th_cli r_ = th_run_cli((const char *const[]){__VA_ARGS__, NULL});                          \
        cr_assert_eq(r_.status, (want), "exit %d, not %d:\n%s", r_.status, (want), r_.err);        \
        th_cli_free(&r_);                                                                          \
    } while (0)

/* Two output folders hold the same files with the same bytes, run.json and
 * batch.log (timings) aside. */
static void expect_same_outputs(const char *a, const char *b)
{
    cr_expect_eq(th_sh("diff -r -x run.json -x batch.log %s %s >&2", a, b), 0, "%s and %s differ",
                 a, b);
}

/* A batch's comparison.json, parsed. */
static cJSON *comparison(const char *out)
{
    char *file = th_fmt("%s/comparison.json", out);
    char *text = th_read_ok(file);
    cJSON *doc = cJSON_Parse(text);
    cr_assert_not_null(doc, "%s is not JSON", file);
    free(text);
    free(file);
    return doc;
}

/* The comparison of scenario `id` in comparison.json, or NULL. */
static const cJSON *comparison_of(const cJSON *doc, const char *id)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "comparisons"))
    {
        const char *s = th_str(c, "scenario");
        if (s && strcmp(s, id) == 0) return c;
    }
    return NULL;
}

/* A small manifest on the region: the base (reference), "same" (no
 * overlay: the base again) and "reserves" (every consortium's reserve
 * halved, which cannot change a trust's failure or bail-out). */
static const char *small_manifest(void)
{
    static char file[512];
    snprintf(file, sizeof file, "%s/small.json", tmpdir);
    char *text = th_json(
        "{'name': 'small', 'base': '%s', 'paths': 2048, 'seed': 11, 'scenarios': ["
        "{'id': 'base', 'name': 'The base'},"
        "{'id': 'same', 'notes': 'no overlay: the base itself'},"
        "{'id': 'reserves', 'overlay': {'consortia': [{'id': 'north', 'reserve': 4}, {'id': "
        "'south', 'reserve': 3}, {'id': 'city', 'reserve': 6}, {'id': 'coast', 'reserve': 2}, "
        "{'id': 'vale', 'reserve': 2.5}]}}]}",
        region);
    th_write(file, text);
    free(text);
    return file;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)(1e9 * (s - (double)(time_t)s))};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Start the binary with `args` (no argv[0]), stdout and stderr into the
 * test's out.txt and err.txt; `pause` (or NULL) sets TRUSTRISK_TEST_PAUSE,
 * where the command stops itself (SIGSTOP). */
static pid_t start_at(const char *pause, const char *const *args)
{
    char *env = pause ? th_fmt("TRUSTRISK_TEST_PAUSE=%s", pause) : NULL;
    const char *const envs[] = {env, NULL};
    pid_t pid = th_start_cli(args, env ? envs : NULL, at("out.txt"), at("err.txt"));
    free(env);
    return pid;
}

static pid_t start(const char *const *args)
{
    return start_at(NULL, args);
}

/* The modification time of a file in nanoseconds, 0 when it is missing. */
static long long mtime_ns(const char *file)
{
    struct stat sb;
    if (stat(file, &sb) != 0) return 0;
    return (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
}

/* Wait (at most 60 s) until `file` exists with a modification time other
 * than `before`: a new checkpoint. 0 when it came, -1 when the process
 * ended first (its status in *status). */
static int wait_for_checkpoint(pid_t pid, const char *file, long long before, int *status)
{
    for (double t0 = now_s(); now_s() - t0 < 60;) {
        long long m = mtime_ns(file);
        if (m != 0 && m != before) return 0;
        int st = 0;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return -1;
        }
        sleep_s(0.002);
    }
    kill(pid, SIGKILL);
    th_wait_cli(pid);
    cr_assert_fail("no checkpoint %s within 60 s", file);
    return -1;
}

/* ---- tests ------------------------------------------------------------------ */

Test(cli_batch, each_scenario_is_byte_for_byte_a_run_of_its_merged_config)
{
    const char *out = at("b");
    CLI(0, "batch", bundled, "--out", out, "--paths", "2000", "--threads", "2", "--quiet");
    cJSON *doc = comparison(out);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(doc, "scenarios"), *s;
    cr_assert_eq(cJSON_GetArraySize(sc), 5);
    cr_expect_eq(th_count_entries(out), 4, "comparison.json and .csv, batch.log, scenarios/");
    cr_expect_eq(th_count_entries(at("b/scenarios")), 5);
    cJSON_ArrayForEach(s, sc)
    {
        const char *id = th_str(s, "id");
        const char *dir = th_fmt("%s/scenarios/%s", out, id);
        /* exactly what run writes, no report without --report */
        cr_expect_eq(th_count_entries(dir), 6, "%s: results.json, run.json and 4 CSVs", dir);
        char *merged = th_fmt("%s/%s.json", tmpdir, id), *ran = th_fmt("%s/run-%s", tmpdir, id);
        cr_assert_eq(
            th_sh(TR_BINARY " scenario %s --print %s --paths 2000 > %s", bundled, id, merged), 0);
        CLI(0, "run", merged, "--out", ran, "--threads", "1", "--quiet");
        cr_expect_eq(th_sh("diff -r -x run.json %s %s >&2", ran, dir), 0,
                     "scenario %s differs from run of its merged config", id);
        /* run.json says which scenario of which batch */
        char *rj = th_fmt("%s/run.json", dir);
        char *text = th_read_ok(rj);
        cJSON *run = cJSON_Parse(text);
        cr_expect_str_eq(th_str(run, "batch/scenario"), id);
        cr_expect_str_eq(th_str(run, "batch/manifest_file"), bundled);
        cr_expect(cJSON_IsNull(th_at(run, "config_file")));
        cJSON_Delete(run);
        free(text);
        free(rj);
        free(merged);
        free(ran);
        free((char *)dir);
    }
    cJSON_Delete(doc);
}

Test(cli_batch, comparison_agrees_with_the_scenarios_and_pairing_gains)
{
    const char *manifest = small_manifest(), *out = at("b");
    CLI(0, "batch", manifest, "--out", out, "--quiet");
    cJSON *doc = comparison(out);
    cr_expect_str_eq(th_str(doc, "reference"), "base");
    cr_expect_eq(th_num(doc, "paths"), 2048);
    cr_expect_eq(th_num(doc, "seed"), 11);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "comparisons")), 2,
                 "every scenario but the reference");

    /* "same" is the base: every difference and standard error is 0 exactly */
    const cJSON *same = comparison_of(doc, "same");
    cr_assert_not_null(same);
    cr_expect_str_eq(th_str(same, "reference"), "base");
    const char *sysq[3] = {"failures", "bailout", "national_topup"};
    for (int q = 0; q < 3; q++) {
        cr_expect_eq(th_numf(same, "system/%s/delta", sysq[q]), 0.0, "%s", sysq[q]);
        cr_expect_eq(th_numf(same, "system/%s/se", sysq[q]), 0.0, "%s", sysq[q]);
        cr_expect_eq(th_numf(same, "system/%s/ci95/0", sysq[q]), 0.0);
        cr_expect_eq(th_numf(same, "system/%s/ci95/1", sysq[q]), 0.0);
        cr_expect_gt(th_numf(same, "system/%s/se_unpaired", sysq[q]), 0.0);
    }
    int nt = cJSON_GetArraySize(th_at(same, "trusts"));
    int nc = cJSON_GetArraySize(th_at(same, "consortia"));
    cr_assert_eq(nt, 15);
    cr_assert_eq(nc, 5);
    for (int i = 0; i < nt; i++) {
        cr_expect_eq(th_numf(same, "trusts/%d/p_fail/delta", i), 0.0);
        cr_expect_eq(th_numf(same, "trusts/%d/bailout/delta", i), 0.0);
    }
    cr_expect_str_eq(th_str(same, "trusts/0/in"), "both");

    /* halved reserves move the national top-up, never a trust's failure */
    const cJSON *res = comparison_of(doc, "reserves");
    cr_assert_not_null(res);
    for (int i = 0; i < nt; i++) {
        cr_expect_eq(th_numf(res, "trusts/%d/p_fail/delta", i), 0.0);
        cr_expect_eq(th_numf(res, "trusts/%d/bailout/delta", i), 0.0);
    }
    cr_expect_eq(th_num(res, "system/bailout/delta"), 0.0);
    double d = th_num(res, "system/national_topup/delta");
    double se = th_num(res, "system/national_topup/se");
    cr_expect_gt(th_num(res, "system/national_topup/ci95/0"), 0.0, "the change is real");
    cr_expect_lt(se, th_num(res, "system/national_topup/se_unpaired"), "pairing gains");
    /* the means are the scenarios' own results' */
    char *text = th_read_ok(at("b/scenarios/reserves/results.json"));
    cJSON *rs = cJSON_Parse(text);
    free(text);
    text = th_read_ok(at("b/scenarios/base/results.json"));
    cJSON *rb = cJSON_Parse(text);
    free(text);
    double ms = th_num(rs, "system/national_topup/mean"),
           mb = th_num(rb, "system/national_topup/mean");
    cr_expect_eq(th_num(res, "system/national_topup/scenario"), ms);
    cr_expect_eq(th_num(res, "system/national_topup/reference"), mb);
    cr_expect(fabs(d - (ms - mb)) <= 1e-9 * (1 + fabs(ms)), "delta %.17g vs %.17g", d, ms - mb);
    cJSON_Delete(rs);
    cJSON_Delete(rb);

    /* comparison.csv: a header and a row per scenario, item and quantity */
    char *csv = th_read_ok(at("b/comparison.csv"));
    int rows = 0;
    for (const char *p = csv; *p; p++)
        rows += *p == '\n';
    cr_expect_eq(rows, 1 + 2 * (3 + 2 * nt + 2 * nc));
    cr_expect(strncmp(csv,
                      "scenario,reference,item,id,quantity,scenario_mean,reference_mean,"
                      "delta,se,ci95_lo,ci95_hi,se_unpaired\n",
                      100) == 0);
    free(csv);
    cJSON_Delete(doc);
}

/* Every line of `log` parsed, in order (a NULL-terminated array). */
static cJSON **log_lines(const char *log, int *n)
{
    char *text = th_read_ok(log);
    cJSON **lines = calloc(strlen(text) + 1, sizeof *lines);
    *n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *o = cJSON_Parse(line);
        cr_assert(cJSON_IsObject(o), "%s: not a JSON object: %s", log, line);
        const char *when = th_str(o, "time");
        cr_assert(when && strlen(when) == 20 && when[4] == '-' && when[10] == 'T' &&
                      when[19] == 'Z',
                  "not a UTC ISO-8601 time: %s", line);
        cr_assert_not_null(th_str(o, "event"), "%s", line);
        lines[(*n)++] = o;
    }
    free(text);
    return lines;
}

static void free_lines(cJSON **lines, int n)
{
    for (int k = 0; k < n; k++)
        cJSON_Delete(lines[k]);
    free(lines);
}

static int count_events(cJSON **lines, int n, const char *event)
{
    int c = 0;
    for (int k = 0; k < n; k++)
        c += strcmp(th_str(lines[k], "event"), event) == 0;
    return c;
}

Test(cli_batch, batch_log_is_json_lines_with_every_event)
{
    const char *manifest = small_manifest();
    CLI(0, "batch", manifest, "--out", at("b"), "--paths", "20480", "--threads", "1",
        "--checkpoint-every", "0.05", "--quiet");
    int n = 0;
    cJSON **l = log_lines(at("b/batch.log"), &n);
    cr_assert_geq(n, 5);
    cr_expect_str_eq(th_str(l[0], "event"), "start");
    cr_expect_str_eq(th_str(l[0], "manifest"), manifest);
    cr_expect_eq(th_num(l[0], "scenarios"), 3);
    cr_expect_eq(th_num(l[0], "paths"), 20480);
    cr_expect_eq(th_num(l[0], "seed"), 11);
    cr_expect_eq(th_num(l[0], "threads"), 1);
    cr_expect(cJSON_IsFalse(th_at(l[0], "resumed")));
    cr_expect_geq(count_events(l, n, "checkpoint"), 1, "a checkpoint every 0.05 s");
    for (int k = 0; k < n; k++)
        if (strcmp(th_str(l[k], "event"), "checkpoint") == 0) {
            cr_expect_leq(th_num(l[k], "paths_done"), 20480);
            cr_expect_eq(th_num(l[k], "paths"), 20480);
        }
    const char *ids[3] = {"base", "same", "reserves"};
    for (int k = 0; k < 3; k++) {
        const cJSON *e = l[n - 4 + k];
        cr_expect_str_eq(th_str(e, "event"), "scenario done");
        cr_expect_str_eq(th_str(e, "id"), ids[k]);
        char *folder = th_fmt("scenarios/%s", ids[k]);
        cr_expect_str_eq(th_str(e, "folder"), folder);
        free(folder);
    }
    cr_expect_str_eq(th_str(l[n - 1], "event"), "end");
    cr_expect_str_eq(th_str(l[n - 1], "status"), "done");
    cr_expect_eq(th_num(l[n - 1], "exit_status"), 0);
    cr_expect_geq(th_num(l[n - 1], "seconds"), 0);
    cr_expect_eq(count_events(l, n, "error"), 0);
    free_lines(l, n);
}

Test(cli_batch, a_failure_after_the_start_is_logged)
{
    /* Stopped just before it starts, the batch finds a folder where its
     * checkpoint should go: the checkpoint fails, and so the batch. */
    const char *manifest = small_manifest();
    char *b = th_fmt("%s/b", tmpdir);
    const char *const args[] = {
        "batch", manifest,  "--out", b, "--paths", "20480", "--threads", "1", "--checkpoint-every",
        "0.01",  "--quiet", NULL};
    pid_t pid = start_at("prepared", args);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, WUNTRACED), pid);
    cr_assert(WIFSTOPPED(status));
    cr_assert_eq(mkdir(at("b"), 0700), 0);
    cr_assert_eq(mkdir(at("b/checkpoint.trs"), 0700), 0);
    kill(pid, SIGCONT);
    cr_assert_eq(th_wait_cli(pid), 1);
    int n = 0;
    cJSON **l = log_lines(at("b/batch.log"), &n);
    cr_assert_geq(n, 3);
    cr_expect_str_eq(th_str(l[0], "event"), "start");
    cr_expect_geq(count_events(l, n, "error"), 1);
    for (int k = 0; k < n; k++)
        if (strcmp(th_str(l[k], "event"), "error") == 0)
            cr_expect(strstr(th_str(l[k], "message"), "checkpoint") != NULL, "%s",
                      th_str(l[k], "message"));
    cr_expect_str_eq(th_str(l[n - 1], "event"), "end");
    cr_expect_str_eq(th_str(l[n - 1], "status"), "failed");
    cr_expect_eq(th_num(l[n - 1], "exit_status"), 1);
    free_lines(l, n);
    cr_expect(!exists(at("b/comparison.json")));
    free(b);
}

/* A batch killed with `sig` once it has written a new checkpoint (after
 * `before`); returns the exit status. */
static int interrupt_once(const char *const *args, int sig, long long *before)
{
    pid_t pid = start(args);
    int status = -1;
    const char *ckpt = at("k/checkpoint.trs");
    if (wait_for_checkpoint(pid, ckpt, *before, &status) != 0)
        cr_assert_fail("the batch ended (status %d) before it could be interrupted", status);
    kill(pid, sig);
    status = th_wait_cli(pid);
    *before = mtime_ns(ckpt);
    return status;
}

Test(cli_batch, interrupted_batches_resume_to_the_same_bytes, .timeout = 300)
{
    const char *manifest = small_manifest();
    CLI(0, "batch", manifest, "--out", at("whole"), "--paths", "30720", "--threads", "2",
        "--quiet");
    char *kdir = th_fmt("%s/k", tmpdir);
    const char *const fresh[] = {"batch",     manifest,  "--out",
                                 kdir,        "--paths", "30720",
                                 "--threads", "1",       "--checkpoint-every",
                                 "0.05",      "--quiet", NULL};
    const char *const resume[] = {"batch",     manifest,  "--out",
                                  kdir,        "--paths", "30720",
                                  "--threads", "1",       "--checkpoint-every",
                                  "0.05",      "--quiet", "--resume",
                                  NULL};
    long long before = 0;
    /* SIGKILL after a checkpoint, then again between two later ones */
    cr_assert_eq(interrupt_once(fresh, SIGKILL, &before), 128 + SIGKILL);
    cr_expect(!exists(at("k/comparison.json")), "killed, not finished");
    cr_assert_eq(interrupt_once(resume, SIGKILL, &before), 128 + SIGKILL);
    /* SIGTERM: the state saved, the way to resume said, exit 3 */
    cr_assert_eq(interrupt_once(resume, SIGTERM, &before), 3);
    char *err = th_read_ok(at("err.txt"));
    cr_expect(strstr(err, "interrupted by SIGTERM") != NULL, "%s", err);
    cr_expect(strstr(err, " batch ") && strstr(err, " --resume\n"), "%s", err);
    free(err);
    int n = 0;
    cJSON **l = log_lines(at("k/batch.log"), &n);
    cr_expect_str_eq(th_str(l[n - 1], "event"), "end");
    cr_expect_str_eq(th_str(l[n - 1], "status"), "interrupted");
    cr_expect_eq(th_num(l[n - 1], "exit_status"), 3);
    free_lines(l, n);
    /* the checkpoint refuses a batch with another seed, saying so (and the
     * log says so too) */
    th_cli r =
        th_run_cli((const char *const[]){"batch", manifest, "--out", at("k"), "--paths", "30720",
                                         "--seed", "12", "--resume", "--quiet", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "seed is 11") != NULL, "%s", r.err);
    th_cli_free(&r);
    l = log_lines(at("k/batch.log"), &n);
    cr_expect_str_eq(th_str(l[n - 2], "event"), "error");
    cr_expect(strstr(th_str(l[n - 2], "message"), "seed is 11") != NULL);
    cr_expect_str_eq(th_str(l[n - 1], "status"), "failed");
    cr_expect_eq(th_num(l[n - 1], "exit_status"), 2);
    free_lines(l, n);
    /* and on to the end */
    cr_assert_eq(th_wait_cli(start(resume)), 0);
    expect_same_outputs(at("k"), at("whole"));
    cr_expect(!exists(at("k/checkpoint.trs")), "a finished batch leaves no checkpoint");
    l = log_lines(at("k/batch.log"), &n);
    cr_expect_eq(count_events(l, n, "start"), 5, "the first session and four resumed");
    int resumed = 0;
    for (int k = 0; k < n; k++)
        if (strcmp(th_str(l[k], "event"), "start") == 0)
            resumed += cJSON_IsTrue(th_at(l[k], "resumed"));
    cr_expect_eq(resumed, 4);
    cr_expect_str_eq(th_str(l[n - 1], "status"), "done");
    free_lines(l, n);
    free(kdir);
}

Test(cli_batch, shards_merged_with_the_manifest_are_the_whole)
{
    const char *manifest = small_manifest();
    CLI(0, "batch", manifest, "--out", at("whole"), "--paths", "3000", "--quiet");
    CLI(0, "batch", manifest, "--out", at("s"), "--paths", "3000", "--shard", "0/2", "--quiet");
    CLI(0, "batch", manifest, "--out", at("s"), "--paths", "3000", "--shard", "1/2", "--quiet");
    cr_expect_eq(th_count_entries(at("s")), 2, "a shard writes its state only");
    cr_expect(exists(at("s/shard-0-of-2.trs")) && exists(at("s/shard-1-of-2.trs")));
    /* without the manifest, or with the wrong paths: exit 2, nothing written */
    th_cli r = th_run_cli((const char *const[]){"merge", at("s"), "--out", at("m"), NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--manifest") != NULL, "%s", r.err);
    th_cli_free(&r);
    r = th_run_cli(
        (const char *const[]){"merge", at("s"), "--out", at("m"), "--manifest", manifest, NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "number of paths is 3000") != NULL, "%s", r.err);
    th_cli_free(&r);
    cr_expect(!exists(at("m")));
    CLI(0, "merge", at("s"), "--out", at("m"), "--manifest", manifest, "--paths", "3000");
    expect_same_outputs(at("m"), at("whole"));
    int n = 0;
    cJSON **l = log_lines(at("m/batch.log"), &n);
    cr_expect_str_eq(th_str(l[0], "event"), "start");
    cr_expect_eq(cJSON_GetArraySize(th_at(l[0], "merged_files")), 2);
    cr_expect_str_eq(th_str(l[n - 1], "status"), "done");
    free_lines(l, n);
}

Test(cli_batch, one_and_two_threads_give_the_same_bytes)
{
    const char *manifest = small_manifest();
    CLI(0, "batch", manifest, "--out", at("t1"), "--threads", "1", "--quiet", "--report");
    CLI(0, "batch", manifest, "--out", at("t2"), "--threads", "2", "--quiet", "--report");
    expect_same_outputs(at("t1"), at("t2"));
    /* --report: the comparison page, and each scenario's report */
    char *html = th_read_ok(at("t1/comparison.html"));
    cr_expect(strstr(html, "<h2 id=\"s-reserves\">") != NULL);
    cr_expect(strstr(html, "<h2 id=\"s-same\">") != NULL);
    cr_expect(strstr(html, "Gain.") != NULL);
    free(html);
    cr_expect(exists(at("t1/scenarios/base/report.html")));
    /* a second batch into the folder replaces it; a user's file in it is refused */
    CLI(0, "batch", manifest, "--out", at("t1"), "--paths", "1024", "--quiet");
    cr_expect(!exists(at("t1/comparison.html")), "nothing stale is left");
    th_write(at("t1/scenarios/same/notes.txt"), "mine");
    th_cli r =
        th_run_cli((const char *const[]){"batch", manifest, "--out", at("t1"), "--quiet", NULL});
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "scenarios/same/notes.txt") != NULL, "%s", r.err);
    th_cli_free(&r);
    cr_expect(exists(at("t1/scenarios/same/notes.txt")) && exists(at("t1/comparison.json")));
}

Test(cli_batch, under_mpi_the_same_bytes, .timeout = 120)
{
    if (th_sh("command -v mpirun >/dev/null 2>&1") != 0) {
        cr_log_warn("no mpirun: not tested");
        return;
    }
    const char *manifest = small_manifest();
    CLI(0, "batch", manifest, "--out", at("one"), "--quiet");
    /* as tests/check_mpi.sh runs it: this machine only, Open MPI's own
     * memory at exit not reported as leaks under AddressSanitizer */
    int rc = th_sh("OMPI_MCA_plm=isolated OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader "
                   "OMPI_MCA_btl_vader_single_copy_mechanism=none "
                   "LSAN_OPTIONS=suppressions=" TR_SOURCE_DIR "/tests/lsan-mpi.supp "
                   "ASAN_OPTIONS=fast_unwind_on_malloc=0 "
                   "mpirun --allow-run-as-root --oversubscribe -np 2 " TR_BINARY
                   " batch %s --out %s --threads 1 --quiet >%s 2>&1",
                   manifest, at("mpi"), at("mpi.txt"));
    char *said = th_read_ok(at("mpi.txt"));
    if (rc != 0 && strstr(said, "built without MPI")) {
        cr_log_warn("this build has no MPI: not tested");
        free(said);
        return;
    }
    cr_assert_eq(rc, 0, "%s", said);
    free(said);
    expect_same_outputs(at("mpi"), at("one"));
}

Test(cli_batch, a_batch_has_no_precision_target)
{
    const char *manifest = small_manifest();
    const char *opt[] = {"--target-se", "--target-rel"};
    for (int k = 0; k < 2; k++) {
        th_cli r = th_run_cli(
            (const char *const[]){"batch", manifest, "--out", at("out/b"), opt[k], "0.1", NULL});
        cr_expect_eq(r.status, 2, "%s: %s", opt[k], r.err);
        cr_expect(strstr(r.err, opt[k]) && strstr(r.err, "a batch has no precision target"), "%s",
                  r.err);
        cr_expect_str_empty(r.out);
        th_cli_free(&r);
    }
    cr_expect(!exists(at("out")), "a refused batch wrote something");
}

Test(cli_batch, bad_manifest_exits_2_and_writes_nothing)
{
    const char *bad[][2] = {
        {"{'name': 'x', 'base': '@', 'scenarios': [{'id': 'a'}], 'bogus': 1}", "bogus"},
        {"{'name': 'x', 'base': '@', 'scenarios': [{'id': 'a'}, {'id': 'a'}]}", "scenarios[1].id"},
        {"{'name': 'x', 'base': '@', 'scenarios': [{'id': 'a', 'overlay': {'trusts': [{'id': "
         "'nope', 'remove': true}]}}]}",
         "scenarios[0].overlay.trusts[0]"},
        {"{'name': 'x', 'base': '@', 'scenarios': [{'id': 'a', 'overlay': {'consortia': "
         "[{'id': 'north', 'reserve': -1}]}}]}",
         "scenarios[0].overlay.consortia[0].reserve"},
        {"{'name': 'x', 'base': '@', 'scenarios': [", "1:"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char *text = th_json("%s", bad[k][0]), *base = strchr(text, '@');
        cr_assert_not_null(base);
        *base = '\0';
        char *whole = th_fmt("%s%s%s", text, region, base + 1);
        th_write(at("bad.json"), whole);
        free(whole);
        free(text);
        th_cli r =
            th_run_cli((const char *const[]){"batch", at("bad.json"), "--out", at("out/b"), NULL});
        cr_expect_eq(r.status, 2, "case %zu: %s", k, r.err);
        cr_expect(strstr(r.err, at("bad.json")) != NULL, "case %zu names the file: %s", k, r.err);
        cr_expect(strstr(r.err, bad[k][1]) != NULL, "case %zu: no '%s' in: %s", k, bad[k][1],
                  r.err);
        cr_expect_str_empty(r.out);
        th_cli_free(&r);
        cr_expect(!exists(at("out")), "case %zu wrote something", k);
    }
    cr_expect_eq(th_count_entries(tmpdir), 1, "only the manifest");
    /* and a missing manifest, no manifest, a --paths too large */
    CLI(2, "batch", at("nope.json"), "--out", at("out/b"));
    CLI(2, "batch", "--out", at("out/b"));
    CLI(2, "batch", bundled, "--out", at("out/b"), "--paths", "4000000001");
    cr_expect(!exists(at("out")));
}
