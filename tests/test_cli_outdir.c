/*
 * test_cli_outdir.c - the command's output folder and the hostile-user
 * edges of `run`, `path` and `report`, with the real binary:
 *
 * - a bad --out fails before any path is simulated, naming the folder;
 * - a run's files appear together or not at all: a process killed at any
 *   moment (at named pause points, and at moments spread over a run) leaves
 *   exactly one complete set whose results.json agrees with its CSVs;
 * - nothing stale from an earlier run (report.html) stays beside new results;
 * - a folder holding anything trustrisk did not write is refused, untouched;
 * - `report` replaces report.html alone and leaves no temporary files, even
 *   when killed;
 * - CSV cells that a spreadsheet would run as formulas are quoted, terminal
 *   control characters are escaped, option-like values are refused, and a
 *   replayed path beyond the config's paths is pointed out.
 *
 * Processes are started with fork and execv; TRUSTRISK_TEST_PAUSE makes the
 * command stop itself (SIGSTOP) at a named point so it can be killed there.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "helpers.h"

#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif
#ifndef TR_SOURCE_DIR
#error "TR_SOURCE_DIR must name the source tree"
#endif

static const char *example = TR_SOURCE_DIR "/configs/example.json";
static const char *region = TR_SOURCE_DIR "/configs/region.json";

static char work[256]; /* each test's own folder; commands run in it */

static void make_work(void)
{
    th_tmpdir(work, sizeof work, "outdir");
}

static void remove_work(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s'; rm -rf '%s'", work, work);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(cli_outdir, .init = make_work, .fini = remove_work);

static void sleep_s(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)(1e9 * (seconds - (double)(time_t)seconds))};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- processes ---------------------------------------------------------- */

/* A path inside the work folder, in a static ring of buffers. */
__attribute__((format(printf, 1, 2))) static const char *at(const char *f, ...)
{
    static char ring[8][4096];
    static int next;
    char *p = ring[next++ % 8];
    int n = snprintf(p, sizeof ring[0], "%s/", work);
    va_list ap;
    va_start(ap, f);
    vsnprintf(p + n, sizeof ring[0] - (size_t)n, f, ap);
    va_end(ap);
    return p;
}

/*
 * Start the binary with `args` in the work folder, stdout and stderr into
 * out.txt and err.txt there; `env` (NULL-terminated "NAME=VALUE" list, or
 * NULL) is added to the environment; `pause` sets TRUSTRISK_TEST_PAUSE.
 */
static pid_t start(const char *pause, char *const *env, char *const *args)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (chdir(work) != 0) _exit(120);
        if (pause) setenv("TRUSTRISK_TEST_PAUSE", pause, 1);
        for (char *const *e = env; e && *e; e++) {
            char *eq = strchr(*e, '=');
            *eq = '\0';
            setenv(*e, eq + 1, 1);
        }
        if (!freopen("out.txt", "w", stdout) || !freopen("err.txt", "w", stderr)) _exit(121);
        execv(TR_BINARY, args);
        _exit(122);
    }
    return pid;
}

/* Wait for pid (at most `seconds`, then kill it and fail); the exit code, or
 * 128 + the signal that ended it. */
static int finish(pid_t pid, double seconds)
{
    int status = 0;
    for (long waited = 0;; waited++) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        cr_assert_neq(w, -1);
        if (w == pid) break;
        if (waited * 0.005 > seconds) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            cr_assert_fail("the command ran for more than %g s", seconds);
        }
        sleep_s(0.005);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define ARGS(...) ((char *const[]){TR_BINARY, __VA_ARGS__, NULL})
#define RUN(...) finish(start(NULL, NULL, ARGS(__VA_ARGS__)), 120)

/* Start with a pause point, wait until the command has stopped there. */
static pid_t start_paused(const char *pause, char *const *args)
{
    pid_t pid = start(pause, NULL, args);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, WUNTRACED), pid);
    cr_assert(WIFSTOPPED(status), "the command did not stop at %s (status %d)", pause, status);
    return pid;
}

static void kill_and_reap(pid_t pid, int sig)
{
    kill(pid, sig);
    if (sig != SIGKILL) kill(pid, SIGCONT);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
}

/* ---- files -------------------------------------------------------------- */

/* The start of the CSV field after the one at p (RFC 4180 quoting). */
static const char *after_field(const char *p)
{
    int quoted = *p == '"';
    for (p += quoted; *p && (quoted || (*p != ',' && *p != '\n')); p++)
        if (*p == '"') quoted = p[1] == '"' ? (p++, 1) : 0;
    return *p == ',' ? p + 1 : p;
}

static const char *const set_files[6] = {"results.json",  "run.json",           "trusts.csv",
                                         "consortia.csv", "failure_curves.csv", "schemes.csv"};

/*
 * `out` holds exactly one complete set of results: the six files (and
 * report.html when the run made one) and nothing else; results.json parses;
 * run.json, every row of trusts.csv, failure_curves.csv and the report
 * agree with it. Returns the set's number of paths.
 */
static long complete_set(const char *out)
{
    int files = 0, report = 0;
    DIR *d = opendir(out);
    cr_assert_not_null(d, "%s is missing", out);
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        int known = !strcmp(e->d_name, "report.html");
        report |= known;
        for (int k = 0; k < 6; k++)
            if (!strcmp(e->d_name, set_files[k])) known = 1, files++;
        cr_assert(known, "%s holds a stray %s", out, e->d_name);
    }
    closedir(d);
    cr_assert_eq(files, 6, "%s holds %d of the 6 files", out, files);

    char path[4096];
    snprintf(path, sizeof path, "%s/results.json", out);
    char *text = th_read(path, NULL);
    cJSON *res = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(res, "results.json does not parse");
    long paths = (long)cJSON_GetObjectItem(res, "paths")->valuedouble;
    int horizon = (int)cJSON_GetObjectItem(res, "horizon_months")->valuedouble;
    const cJSON *trusts = cJSON_GetObjectItem(res, "trusts");

    snprintf(path, sizeof path, "%s/run.json", out);
    text = th_read(path, NULL);
    cJSON *run = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(run, "run.json does not parse");
    cr_assert_eq((long)cJSON_GetObjectItem(run, "paths")->valuedouble, paths, "run.json's paths");
    cJSON_Delete(run);

    snprintf(path, sizeof path, "%s/trusts.csv", out);
    text = th_read(path, NULL);
    int rows = 0;
    for (char *line = strchr(text, '\n') + 1; *line; line = strchr(line, '\n') + 1, rows++) {
        const cJSON *t = cJSON_GetArrayItem(trusts, rows);
        cr_assert_not_null(t, "trusts.csv has more rows than results.json");
        const char *id = cJSON_GetObjectItem(t, "id")->valuestring;
        cr_assert(strncmp(line, id, strlen(id)) == 0 && line[strlen(id)] == ',',
                  "trusts.csv row %d is not %s", rows, id);
        double p_fail = strtod(after_field(after_field(line)), NULL); /* id, name, p_fail */
        double want =
            cJSON_GetObjectItem(cJSON_GetObjectItem(t, "p_fail"), "estimate")->valuedouble;
        cr_assert(fabs(p_fail - want) <= 1e-9 * fmax(1.0, fabs(want)),
                  "trusts.csv says P(fail) %.10g for %s, results.json %.10g", p_fail, id, want);
    }
    free(text);
    cr_assert_eq(rows, cJSON_GetArraySize(trusts), "trusts.csv rows");

    snprintf(path, sizeof path, "%s/failure_curves.csv", out);
    text = th_read(path, NULL);
    int lines = 0;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    free(text);
    cr_assert_eq(lines, 1 + horizon * cJSON_GetArraySize(trusts), "failure_curves.csv rows");

    if (report) {
        snprintf(path, sizeof path, "%s/report.html", out);
        text = th_read(path, NULL);
        char want[128];
        snprintf(want, sizeof want,
                 "<th scope=\"row\">paths</th><td class=\"num\" data-value=\"%ld\"", paths);
        cr_assert_not_null(strstr(text, want), "report.html is not the report of these results");
        free(text);
    }
    cJSON_Delete(res);
    return paths;
}

/* A run of the example into `out` with `paths` paths (and --report). */
static void run_example(const char *out, const char *paths, int report)
{
    int rc = report ? RUN("run", (char *)example, "--out", (char *)out, "--paths", (char *)paths,
                          "--quiet", "--report")
                    : RUN("run", (char *)example, "--out", (char *)out, "--paths", (char *)paths,
                          "--quiet");
    cr_assert_eq(rc, 0, "run into %s failed:\n%s", out, th_read(at("err.txt"), NULL));
}

/* ---- 5: a bad --out fails at once ---------------------------------------- */

/* With 4e9 paths a run would take hours: these must fail before the first. */
static void fails_at_once(const char *out, int want, const char *says)
{
    int rc =
        finish(start(NULL, NULL,
                     ARGS("run", (char *)example, "--out", (char *)out, "--paths", "4000000000")),
               30);
    char *err = th_read(at("err.txt"), NULL);
    cr_expect_eq(rc, want, "--out %.60s: exit %d, stderr:\n%s", out, rc, err);
    cr_expect_not_null(strstr(err, says), "--out %.60s: stderr lacks '%s':\n%s", out, says, err);
    cr_expect_null(strstr(err, "paths/s"), "it simulated:\n%s", err);
    free(err);
}

Test(cli_outdir, bad_out_fails_before_simulating)
{
    FILE *fp = fopen(at("file"), "w");
    fputs("x", fp);
    fclose(fp);
    fails_at_once(at("file/sub"), 2, "file: Not a directory"); /* a path through a file */
    fails_at_once(at("file"), 2, "exists and is not a folder");
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    fails_at_once(at("%s", longname), 2, "name is too long");
    fails_at_once(at("new/%s", longname), 2, "name is too long");
    cr_expect(!th_exists(at("new")), "a parent folder was made for a name that cannot be");
    char *deep = malloc(6000);
    size_t n = 0;
    while (n < 5000)
        n += (size_t)snprintf(deep + n, 6000 - n, "%s/%s", n ? "" : work, "abcdefghij");
    fails_at_once(deep, 2, "too long");
    free(deep);
    fails_at_once("/proc/trustrisk-cannot-be-here", 1, "cannot write the output folder");
    fails_at_once("/", 2, "root folder");
    if (geteuid() != 0) { /* root may write anywhere */
        cr_assert_eq(mkdir(at("locked"), 0555), 0);
        fails_at_once(at("locked/out"), 1, "Permission denied");
    }
    /* nothing was made beside the work folder's own files */
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0);
    cr_expect(!th_exists(at("file/sub")));
}

Test(cli_outdir, option_like_values_are_refused)
{
    cr_expect_eq(RUN("run", (char *)example, "--out", "--report"), 2);
    char *err = th_read(at("err.txt"), NULL);
    cr_expect_not_null(strstr(err, "'--out' needs a value, got the option '--report'"), "%s", err);
    free(err);
    cr_expect(!th_exists(at("--report")), "a folder named --report was made");
    cr_expect_eq(RUN("run", (char *)example, "--out", "-x"), 2);
    err = th_read(at("err.txt"), NULL);
    cr_expect_not_null(strstr(err, "looks like an option"), "%s", err);
    free(err);
    cr_expect(!th_exists(at("-x")));
    cr_expect_eq(RUN("run", (char *)example, "--seed", "--paths", "5"), 2);
    cr_expect_eq(RUN("path", (char *)example, "--index", "--seed"), 2);
    cr_expect_eq(RUN("run", (char *)example, "--out", ""), 2);
}

/* ---- 6: all or nothing ---------------------------------------------------- */

Test(cli_outdir, rerun_leaves_no_stale_report)
{
    run_example(at("o"), "500", 1);
    cr_assert_eq(complete_set(at("o")), 500);
    cr_assert(th_exists(at("o/report.html")));
    run_example(at("o"), "600", 0);
    cr_expect_eq(complete_set(at("o")), 600);
    cr_expect(!th_exists(at("o/report.html")), "the earlier run's report is still there");
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0);
}

/* A run into `out` is refused (exit 2) with a message containing `says`. */
static void refused(const char *out, const char *says)
{
    cr_expect_eq(RUN("run", (char *)example, "--out", (char *)out, "--paths", "700", "--quiet"), 2);
    char *err = th_read(at("err.txt"), NULL);
    cr_expect_not_null(strstr(err, says), "%s", err);
    free(err);
}

Test(cli_outdir, folder_in_place_of_a_file_is_refused_and_the_old_set_kept)
{
    run_example(at("o"), "500", 0);
    char *before = th_read(at("o/results.json"), NULL);
    cr_assert_eq(unlink(at("o/trusts.csv")), 0);
    cr_assert_eq(mkdir(at("o/trusts.csv"), 0777), 0);
    FILE *fp = fopen(at("o/trusts.csv/mine.txt"), "w");
    fputs("keep me", fp);
    fclose(fp);
    refused("o", "o: not a trustrisk output folder: it holds a folder \"trusts.csv\", which "
                 "trustrisk did not write");
    char *after = th_read(at("o/results.json"), NULL);
    cr_expect_str_eq(after, before, "the old results changed");
    char *mine = th_read(at("o/trusts.csv/mine.txt"), NULL);
    cr_expect_str_eq(mine, "keep me");
    for (int k = 0; k < 6; k++)
        if (strcmp(set_files[k], "trusts.csv")) cr_expect(th_exists(at("o/%s", set_files[k])));
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0);
    free(before);
    free(after);
    free(mine);
}

Test(cli_outdir, folder_with_users_files_is_refused_untouched)
{
    cr_assert_eq(mkdir(at("mine"), 0777), 0);
    FILE *fp = fopen(at("mine/thesis.tex"), "w");
    fputs("years of work", fp);
    fclose(fp);
    refused("mine", "mine: not a trustrisk output folder: it holds a file \"thesis.tex\"");
    char *kept = th_read(at("mine/thesis.tex"), NULL);
    cr_expect_str_eq(kept, "years of work");
    free(kept);
    cr_expect_eq(th_count_named(at("mine"), ""), 1);
}

Test(cli_outdir, users_files_with_trustrisks_names_are_refused_untouched)
{
    /* a name is not enough: a results.json, report.html or batch.log that
     * trustrisk did not write makes the folder the user's */
    const char *names[] = {"results.json", "report.html", "batch.log"};
    for (int k = 0; k < 3; k++) {
        char *dir = th_fmt("theirs%d", k), *file = th_fmt("theirs%d/%s", k, names[k]);
        cr_assert_eq(mkdir(at("%s", dir), 0777), 0);
        FILE *fp = fopen(at("%s", file), "w");
        fputs("{\"my\": \"precious\"}", fp);
        fclose(fp);
        char *want = th_fmt("it holds a file \"%s\"", names[k]);
        refused(dir, want);
        char *kept = th_read(at("%s", file), NULL);
        cr_expect_str_eq(kept, "{\"my\": \"precious\"}", "%s", names[k]);
        free(kept);
        free(want);
        free(file);
        free(dir);
    }
    /* trustrisk's own files are still recognised: a rerun replaces them */
    run_example(at("again"), "300", 1);
    run_example(at("again"), "200", 1);
    cr_expect_eq(complete_set(at("again")), 200);
}

Test(cli_outdir, empty_folder_checkpoint_only_and_symlink_are_accepted)
{
    cr_assert_eq(mkdir(at("empty"), 0750), 0);
    run_example(at("empty"), "300", 0);
    cr_expect_eq(complete_set(at("empty")), 300);
    struct stat sb;
    cr_assert_eq(stat(at("empty"), &sb), 0);
    cr_expect_eq(sb.st_mode & 0777, 0750, "the folder's permissions were not kept");

    cr_assert_eq(mkdir(at("resumable"), 0777), 0);
    FILE *fp = fopen(at("resumable/checkpoint.trs"), "w");
    fputs("state", fp);
    fclose(fp);
    run_example(at("resumable"), "300", 0);
    cr_expect_eq(complete_set(at("resumable")), 300);

    /* A link to an output folder: the folder is replaced, the link stays. */
    cr_assert_eq(mkdir(at("real"), 0777), 0);
    cr_assert_eq(symlink("real", at("link")), 0);
    run_example(at("link"), "300", 0);
    cr_assert_eq(lstat(at("link"), &sb), 0);
    cr_expect(S_ISLNK(sb.st_mode), "the link was replaced");
    cr_expect_eq(complete_set(at("real")), 300);
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0);
}

/* Killed at each named point: the old set before the swap, the new after. */
Test(cli_outdir, sigkill_at_each_step_leaves_one_complete_set)
{
    run_example(at("o"), "500", 1);
    static const struct {
        const char *point;
        int swapped;
    } steps[] = {{"prepared", 0}, {"staging", 0}, {"staged", 0}, {"exchanged", 1}, {"removing", 1}};
    long now = 500;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        char paths[16];
        long next = 600 + 100 * (long)k;
        snprintf(paths, sizeof paths, "%ld", next);
        /* every other run with a report, so a stale one would show */
        pid_t pid =
            start_paused(steps[k].point, k % 2 ? ARGS("run", (char *)example, "--out", "o",
                                                      "--paths", paths, "--quiet", "--report")
                                               : ARGS("run", (char *)example, "--out", "o",
                                                      "--paths", paths, "--quiet"));
        kill_and_reap(pid, SIGKILL);
        long got = complete_set(at("o"));
        cr_expect_eq(got, steps[k].swapped ? next : now, "killed at %s: a set of %ld paths",
                     steps[k].point, got);
        now = got;
    }
    /* the next run removes what the killed ones left */
    run_example(at("o"), "400", 0);
    cr_expect_eq(complete_set(at("o")), 400);
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0, "leftovers of killed runs remain");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Killed at moments spread over whole runs, writing included. */
Test(cli_outdir, sigkill_at_any_moment_leaves_one_complete_set)
{
    run_example(at("o"), "500", 0);
    double t0 = now_s();
    run_example(at("o"), "501", 0);
    double took = now_s() - t0;
    long prev = 501;
    for (int k = 0; k < 24; k++) {
        char paths[16];
        snprintf(paths, sizeof paths, "%d", 502 + k);
        pid_t pid = start(
            NULL, NULL,
            ARGS("run", (char *)example, "--out", "o", "--paths", paths, "--quiet", "--report"));
        sleep_s(took * (k % 12) / 10.0);
        kill_and_reap(pid, SIGKILL);
        long got = complete_set(at("o"));
        cr_expect(got == prev || got == 502 + k, "after a kill: %ld paths, expected %ld or %d", got,
                  prev, 502 + k);
        prev = got;
    }
    run_example(at("o"), "300", 0);
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0, "leftovers of killed runs remain");
}

Test(cli_outdir, sigterm_removes_the_staging_folder)
{
    run_example(at("o"), "500", 0);
    pid_t pid = start_paused(
        "prepared", ARGS("run", (char *)example, "--out", "o", "--paths", "700", "--quiet"));
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 1, "no staging folder while running");
    kill_and_reap(pid, SIGTERM);
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0, "the staging folder was left");
    cr_expect_eq(complete_set(at("o")), 500);
}

/* ---- report --------------------------------------------------------------- */

Test(cli_outdir, report_replaces_the_page_alone)
{
    run_example(at("o"), "500", 0);
    struct stat before, after;
    cr_assert_eq(stat(at("o/results.json"), &before), 0);
    cr_assert_eq(RUN("report", "o"), 0);
    cr_assert_eq(stat(at("o/results.json"), &after), 0);
    cr_expect_eq(before.st_ino, after.st_ino, "results.json was rewritten");
    cr_expect_eq(complete_set(at("o")), 500);
    cr_assert(th_exists(at("o/report.html")));
    cr_assert_eq(RUN("report", "o"), 0); /* again, over the old page */
    cr_expect_eq(complete_set(at("o")), 500);
    cr_expect_eq(RUN("report", "nothing-here"), 2);
}

/* gnuplot reads its script on a pipe and writes the SVG on another, so a
 * killed report leaves nothing in TMPDIR; the page is old or new, whole. */
Test(cli_outdir, killed_report_leaves_no_temporary_files)
{
    cr_assert_eq(RUN("run", (char *)region, "--out", "r", "--paths", "400", "--quiet"), 0);
    cr_assert_eq(mkdir(at("tmp"), 0777), 0);
    char tmpdir[4200];
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", at("tmp"));
    char *env[] = {tmpdir, NULL};
    double t0 = now_s();
    cr_assert_eq(finish(start(NULL, env, ARGS("report", "r")), 60), 0);
    double took = now_s() - t0;
    for (int k = 0; k < 12; k++) {
        pid_t pid = start(NULL, env, ARGS("report", "r"));
        sleep_s(took * (k % 6) / 6.0);
        kill_and_reap(pid, k % 2 ? SIGTERM : SIGKILL);
        cr_expect_eq(th_count_named(at("tmp"), ""), 0, "TMPDIR is not empty after kill %d", k);
        char *page = th_read(at("r/report.html"), NULL);
        cr_assert_not_null(page);
        size_t n = strlen(page);
        cr_expect(n > 8 && strcmp(page + n - 8, "</html>\n") == 0, "a half-written page");
        free(page);
    }
    cr_expect_eq(th_count_named(at("tmp"), "trustrisk-report-"), 0);
}

/* ---- 7: CSV formulas, terminal controls, path beyond the run -------------- */

/* The example with hostile names: formulas and terminal escapes. */
static void write_hostile_config(const char *file)
{
    char *text = th_read(example, NULL);
    cJSON *cfg = cJSON_Parse(text);
    free(text);
    cr_assert_not_null(cfg);
    cJSON_ReplaceItemInObject(cfg, "name", cJSON_CreateString("evil\x1b[31m red\xc2\x9b"));
    cJSON *trusts = cJSON_GetObjectItem(cfg, "trusts");
    cJSON *t0 = cJSON_GetArrayItem(trusts, 0), *t1 = cJSON_GetArrayItem(trusts, 1);
    cJSON_ReplaceItemInObject(t0, "id", cJSON_CreateString("=HYPERLINK(\"http://x\")"));
    cJSON_ReplaceItemInObject(t0, "name", cJSON_CreateString("-2+3 \x1b]0;owned\a"));
    cJSON_ReplaceItemInObject(t1, "id", cJSON_CreateString("@SUM(1)\x1b[2J"));
    cJSON_ReplaceItemInObject(t1, "name", cJSON_CreateString("+cmd|' /C calc'!A0"));
    char *out = cJSON_Print(cfg);
    FILE *fp = fopen(file, "w");
    fputs(out, fp);
    fclose(fp);
    free(out);
    cJSON_Delete(cfg);
}

Test(cli_outdir, csv_cells_that_look_like_formulas_are_quoted)
{
    write_hostile_config(at("evil.json"));
    cr_assert_eq(RUN("run", "evil.json", "--out", "o", "--paths", "300", "--quiet"), 0);
    char *trusts = th_read(at("o/trusts.csv"), NULL);
    cr_expect_not_null(strstr(trusts, "\n\"'=HYPERLINK(\"\"http://x\"\")\",\"'-2+3 "), "%s",
                       trusts);
    cr_expect_not_null(strstr(trusts, "\n\"'@SUM(1)\x1b[2J\",\"'+cmd|' /C calc'!A0\","), "%s",
                       trusts);
    free(trusts);
    char *schemes = th_read(at("o/schemes.csv"), NULL);
    cr_expect_not_null(strstr(schemes, "\n\"'=HYPERLINK(\"\"http://x\"\")\","));
    free(schemes);
    /* numbers stay numbers: negative cash is written plain */
    char *curves = th_read(at("o/failure_curves.csv"), NULL);
    int negative = 0;
    for (const char *p = strstr(curves, ",-"); p; p = strstr(p + 1, ",-"))
        negative |= p[2] >= '0' && p[2] <= '9';
    cr_expect(negative, "no plain negative number in failure_curves.csv");
    cr_expect_null(strstr(curves, ",\"'-"), "a number was quoted as text");
    free(curves);
    /* the replay of a path too */
    cr_assert_eq(RUN("path", "evil.json", "--index", "3"), 0);
    char *replay = th_read(at("out.txt"), NULL);
    cr_expect_not_null(strstr(replay, "\n\"'=HYPERLINK(\"\"http://x\"\")\",1,"));
    free(replay);
}

/* No ESC, BEL or C1 control from a config reaches the terminal. */
static void expect_no_controls(const char *file, const char *what)
{
    char *s = th_read(file, NULL);
    cr_assert_not_null(s);
    cr_expect_null(strchr(s, '\x1b'), "ESC in %s:\n%s", what, s);
    cr_expect_null(strchr(s, '\a'), "BEL in %s", what);
    cr_expect_null(strstr(s, "\xc2\x9b"), "a C1 control in %s", what);
    cr_expect_not_null(strstr(s, "\\x1B"), "no escaped ESC in %s:\n%s", what, s);
    free(s);
}

Test(cli_outdir, terminal_controls_are_escaped)
{
    write_hostile_config(at("evil.json"));
    cr_assert_eq(RUN("validate", "evil.json"), 0);
    expect_no_controls(at("out.txt"), "validate's description");
    char *s = th_read(at("out.txt"), NULL);
    cr_expect_not_null(strstr(s, "\"evil\\x1B[31m red\\u009B\""), "%s", s);
    free(s);
    cr_assert_eq(RUN("run", "evil.json", "--out", "o", "--paths", "300", "--quiet"), 0);
    expect_no_controls(at("out.txt"), "the summary table");
    /* an error message quoting a key, and a file name */
    FILE *fp = fopen(at("bad\x1b[2J.json"), "w");
    fputs("{\"horizon_months\": 12, \"trusts\": [], \"k\x1b]0;x\a\": 1}", fp);
    fclose(fp);
    cr_expect_eq(RUN("validate", "bad\x1b[2J.json"), 2);
    expect_no_controls(at("err.txt"), "validate's errors");
    cr_expect_eq(RUN("run", "evil.json", "--bogus\x1b[2J"), 2);
    expect_no_controls(at("err.txt"), "a usage error");
}

Test(cli_outdir, path_beyond_the_configs_paths_is_pointed_out)
{
    cr_assert_eq(RUN("path", (char *)example, "--index", "10000"), 0);
    char *err = th_read(at("err.txt"), NULL);
    cr_expect_not_null(strstr(err, "note: path 10000 is beyond the config's 10000 paths"), "%s",
                       err);
    free(err);
    char *out = th_read(at("out.txt"), NULL);
    cr_expect(strncmp(out, "trust,month,", 12) == 0, "the path is still replayed");
    free(out);
    cr_assert_eq(RUN("path", (char *)example, "--index", "9999"), 0);
    err = th_read(at("err.txt"), NULL);
    cr_expect_str_empty(err, "a note for a path the run simulated: %s", err);
    free(err);
    /* beyond every run (the pilot's paths start at 2^32): refused */
    cr_expect_eq(RUN("path", (char *)example, "--index", "4000000000"), 2);
    err = th_read(at("err.txt"), NULL);
    cr_expect_not_null(strstr(err, "at most 4000000000 paths"), "%s", err);
    free(err);
    cr_expect_eq(RUN("path", (char *)example, "--index", "18446744073709551615"), 2);
    cr_expect_eq(RUN("path", (char *)example, "--index", "3999999999"), 0);
}

Test(cli_outdir, a_full_disk_leaves_no_empty_folder_behind)
{
    /* a tmpfs of 300 kB fills with the first checkpoint of a region run:
     * the run fails (exit 1) and the folder it made for the checkpoint
     * goes too. Needs root (mount); skipped elsewhere. */
    const char *tiny = at("tiny");
    cr_assert_eq(mkdir(tiny, 0777), 0);
    if (geteuid() != 0 || th_sh("mount -t tmpfs -o size=300k tmpfs '%s' 2>/dev/null", tiny) != 0)
        cr_skip_test("cannot mount a small tmpfs here");
    int rc = RUN("run", (char *)region, "--out", "tiny/ck", "--paths", "32768",
                 "--checkpoint-every", "0.05", "--threads", "2", "--quiet");
    cr_expect_eq(rc, 1);
    char *err = th_read(at("err.txt"), NULL);
    cr_expect(strstr(err, "No space left on device") != NULL, "%s", err);
    free(err);
    cr_expect(!th_exists(at("tiny/ck")), "an empty output folder was left");
    cr_expect_eq(th_sh("umount '%s'", tiny), 0);
}
