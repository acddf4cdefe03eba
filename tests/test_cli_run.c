/*
 * test_cli_run.c - `trustrisk run` and `trustrisk path` as a user runs them:
 * the real binary on real configs. Byte-identical results.json at 1, 2 and
 * 7 threads and under OMP_NUM_THREADS; every output file present; run-time
 * errors (an output folder that cannot be made) give exit 1 and leave
 * nothing behind; a rejected config writes nothing. A national config (220
 * trusts) reads well: a summary of the 20 trusts most at risk, a report
 * under 5 MB whose long tables scroll.
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif
#ifndef TR_SOURCE_DIR
#error "TR_SOURCE_DIR must name the source tree"
#endif

static char tmpdir[256];

static void make_tmp(void)
{
    th_tmpdir(tmpdir, sizeof tmpdir, "cli-run");
}

static void remove_tmp(void)
{
    th_remove_tree(tmpdir);
}

TestSuite(cli_run, .init = make_tmp, .fini = remove_tmp);

static const char *example = TR_SOURCE_DIR "/configs/example.json";

Test(cli_run, results_identical_at_1_2_7_threads_and_omp_env)
{
    /* OMP_NUM_THREADS=100000 overflowed the OpenMP runtime's stack: the
     * library uses at most 4096 threads, and none without a task */
    const char *variants[5] = {"--threads 1", "--threads 2", "--threads 7", "", ""};
    const char *env[5] = {"", "", "", "OMP_NUM_THREADS=3 ", "OMP_NUM_THREADS=100000 "};
    char *first = NULL;
    for (int k = 0; k < 5; k++) {
        int rc = th_sh("%s" TR_BINARY " run %s --out %s/t%d --paths 3000 %s >/dev/null 2>&1",
                       env[k], example, tmpdir, k, variants[k]);
        cr_assert_eq(rc, 0, "run %d failed", k);
        char *path = th_fmt("%s/t%d/results.json", tmpdir, k);
        char *r = th_read(path, NULL);
        free(path);
        cr_assert_not_null(r);
        if (!first) {
            first = r;
        } else {
            cr_expect_str_eq(r, first, "results.json differs for '%s%s'", env[k], variants[k]);
            free(r);
        }
    }
    free(first);
}

Test(cli_run, writes_every_file_and_a_summary)
{
    cr_assert_eq(th_sh(TR_BINARY " run %s --out %s/out --paths 2000 > %s/stdout.txt 2>&1", example,
                       tmpdir, tmpdir),
                 0);
    const char *files[6] = {"results.json",  "run.json",           "trusts.csv",
                            "consortia.csv", "failure_curves.csv", "schemes.csv"};
    for (int k = 0; k < 6; k++) {
        char *p = th_fmt("%s/out/%s", tmpdir, files[k]);
        struct stat sb;
        cr_expect(stat(p, &sb) == 0 && sb.st_size > 0, "%s missing or empty", files[k]);
        free(p);
    }
    /* no temporary files left */
    char *out = th_fmt("%s/out", tmpdir);
    DIR *d = opendir(out);
    cr_assert_not_null(d);
    for (struct dirent *e; (e = readdir(d));)
        cr_expect(strstr(e->d_name, ".tmp") == NULL, "leftover %s", e->d_name);
    closedir(d);
    free(out);
    /* run.json: how and when the run ran, composed by the command */
    char *rp = th_fmt("%s/out/run.json", tmpdir);
    char *rtext = th_read(rp, NULL);
    free(rp);
    cJSON *run = cJSON_Parse(rtext);
    free(rtext);
    cr_assert_not_null(run, "run.json does not parse");
    cr_expect_eq(cJSON_GetObjectItem(run, "paths")->valuedouble, 2000);
    cr_expect_eq(cJSON_GetObjectItem(run, "seed")->valuedouble, 42);
    cr_expect_geq(cJSON_GetObjectItem(run, "threads")->valuedouble, 1);
    cr_expect(cJSON_IsBool(cJSON_GetObjectItem(run, "openmp")));
    cr_expect(cJSON_IsNumber(cJSON_GetObjectItem(run, "seconds")));
    cr_expect_str_eq(cJSON_GetObjectItem(run, "config_file")->valuestring, example);
    cr_expect(cJSON_IsString(cJSON_GetObjectItem(run, "host")));
    const char *when = cJSON_GetObjectItem(run, "finished_at")->valuestring;
    cr_expect(strlen(when) == 20 && when[4] == '-' && when[10] == 'T' && when[19] == 'Z', "%s",
              when);
    cJSON_Delete(run);
    char *log = th_fmt("%s/stdout.txt", tmpdir);
    char *s = th_read(log, NULL);
    free(log);
    cr_assert_not_null(s);
    cr_expect(strstr(s, "P(fail)") != NULL, "summary table missing:\n%s", s);
    cr_expect(strstr(s, "95% interval") != NULL);
    cr_expect(strstr(s, "Consortia") != NULL);
    free(s);
}

Test(cli_run, unwritable_output_folder_fails_cleanly)
{
    char *blocker = th_fmt("%s/file", tmpdir);
    FILE *fp = fopen(blocker, "w");
    fputs("x", fp);
    fclose(fp);
    int rc =
        th_sh(TR_BINARY " run %s --out %s/sub --paths 100 2>%s/err.txt", example, blocker, tmpdir);
    cr_expect_eq(rc, 2, "exit %d: a path through a file is bad input", rc);
    char *p = th_fmt("%s/err.txt", tmpdir);
    char *e = th_read(p, NULL);
    cr_expect(strstr(e, "output folder") != NULL, "message: %s", e);
    free(e);
    free(p);
    free(blocker);
}

Test(cli_run, rejected_config_writes_nothing)
{
    char *bad = th_fmt("%s/bad.json", tmpdir);
    FILE *fp = fopen(bad, "w");
    fputs("{\"horizon_months\": 0, \"trusts\": []}", fp);
    fclose(fp);
    cr_expect_eq(th_sh(TR_BINARY " run %s --out %s/never 2>/dev/null", bad, tmpdir), 2);
    char *out = th_fmt("%s/never", tmpdir);
    struct stat sb;
    cr_expect(stat(out, &sb) != 0, "output folder was created for a rejected config");
    free(out);
    free(bad);
}

Test(cli_run, bad_arguments_exit_2)
{
    cr_expect_eq(th_sh(TR_BINARY " run %s --paths 0 2>/dev/null", example), 2);
    cr_expect_eq(th_sh(TR_BINARY " run %s --paths abc 2>/dev/null", example), 2);
    cr_expect_eq(th_sh(TR_BINARY " run %s --threads -1 2>/dev/null", example), 2);
    cr_expect_eq(th_sh(TR_BINARY " run %s --bogus 1 2>/dev/null", example), 2);
    cr_expect_eq(th_sh(TR_BINARY " run %s --seed 99999999999999999999 2>/dev/null", example), 2);
    cr_expect_eq(th_sh(TR_BINARY " path %s 2>/dev/null", example), 2);
    cr_expect_eq(th_sh(TR_BINARY " frobnicate 2>/dev/null"), 2);
}

Test(cli_run, path_prints_csv)
{
    cr_assert_eq(th_sh(TR_BINARY " path %s --index 17 > %s/path.csv", example, tmpdir), 0);
    char *p = th_fmt("%s/path.csv", tmpdir);
    char *s = th_read(p, NULL);
    free(p);
    cr_assert_not_null(s);
    cr_expect(strncmp(s, "trust,month,income,", 19) == 0);
    cr_expect(strstr(s, "\ntrust,scheme,element,u,value\n") != NULL);
    cr_expect(strstr(s, ",delivery,") != NULL);
    free(s);
}

Test(cli_run, every_bundled_config_validates_and_runs)
{
    DIR *d = opendir(TR_SOURCE_DIR "/configs");
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
        n++;
        cr_expect_eq(
            th_sh(TR_BINARY " validate " TR_SOURCE_DIR "/configs/%s > /dev/null", e->d_name), 0,
            "%s does not validate", e->d_name);
        cr_expect_eq(th_sh(TR_BINARY " run " TR_SOURCE_DIR "/configs/%s --paths 300 --quiet --out "
                                     "%s/%s > /dev/null",
                           e->d_name, tmpdir, e->d_name),
                     0, "%s does not run", e->d_name);
    }
    closedir(d);
    cr_expect_geq(n, 6, "expected the example and five analyst configs, found %d", n);
}

Test(cli_run, progress_is_one_final_line_when_not_a_terminal)
{
    cr_assert_eq(th_sh(TR_BINARY " run %s --paths 2000 --out %s/p > /dev/null 2> %s/err.txt",
                       example, tmpdir, tmpdir),
                 0);
    char *p = th_fmt("%s/err.txt", tmpdir);
    char *e = th_read(p, NULL);
    free(p);
    cr_assert_not_null(e);
    int lines = 0;
    for (const char *c = e; *c; c++)
        lines += *c == '\n';
    cr_expect_eq(lines, 1, "stderr should hold one final line, got:\n%s", e);
    cr_expect(strstr(e, "2000 paths") != NULL, "final line: %s", e);
    cr_expect(strchr(e, '\r') == NULL, "no bar redraws in a log");
    free(e);
    /* --quiet: nothing at all; --progress: the bar even into a file */
    cr_assert_eq(th_sh(TR_BINARY " run %s --paths 500 --quiet --out %s/q > /dev/null 2> %s/q.txt",
                       example, tmpdir, tmpdir),
                 0);
    p = th_fmt("%s/q.txt", tmpdir);
    e = th_read(p, NULL);
    cr_expect_str_empty(e);
    free(e);
    free(p);
    cr_assert_eq(th_sh(TR_BINARY
                       " run %s --paths 500 --progress --out %s/b > /dev/null 2> %s/b.txt",
                       example, tmpdir, tmpdir),
                 0);
    p = th_fmt("%s/b.txt", tmpdir);
    e = th_read(p, NULL);
    cr_expect(strstr(e, "paths/s") != NULL, "bar missing: %s", e);
    free(e);
    free(p);
}

Test(cli_run, report_after_run)
{
    cr_assert_eq(th_sh(TR_BINARY " run %s --paths 500 --quiet --report --out %s/r > /dev/null",
                       example, tmpdir),
                 0);
    char *p = th_fmt("%s/r/report.html", tmpdir);
    char *h = th_read(p, NULL);
    free(p);
    cr_assert_not_null(h, "report.html missing");
    cr_expect(strstr(h, "<html") != NULL);
    free(h);
    cr_expect_eq(th_sh(TR_BINARY " report %s/nothing-here 2>/dev/null", tmpdir), 2);
}

/* Count the occurrences of `needle` in s[0 .. end). */
static int count_in(const char *s, const char *end, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p && p < end; p = strstr(p + 1, needle))
        n++;
    return n;
}

/*
 * A config the size of England's provider sector (bench/national.json,
 * generated: 220 trusts, 42 consortia, 4,394 schemes) reads well: the
 * printed summary lists the 20 trusts most at risk and says how many more
 * are in trusts.csv; the report stays under 5 MB, its long tables scroll in
 * boxes (every trust still in the ranking) and its schemes table keeps the
 * 200 schemes that drive failure most.
 */
Test(cli_run, a_national_config_reads_well, .timeout = 300)
{
    const char *national = TR_SOURCE_DIR "/bench/national.json";
    cr_assert_eq(th_sh(TR_BINARY " run %s --out %s/nat --paths 256 --report --quiet > %s/out.txt",
                       national, tmpdir, tmpdir),
                 0);
    char *p = th_fmt("%s/out.txt", tmpdir);
    char *out = th_read_ok(p);
    free(p);
    const char *table = strstr(out, "Trusts, most at risk first");
    const char *cons = strstr(out, "\nConsortia");
    cr_assert(table && cons, "%s", out);
    cr_expect_eq(count_in(table, cons, "\n  trust-"), TR_SUMMARY_TRUSTS, "%s", out);
    cr_expect(strstr(out, "\n  ... and 200 more trusts, ranked lower, in trusts.csv\n"), "%s", out);
    free(out);
    p = th_fmt("%s/nat/report.html", tmpdir);
    size_t len = 0;
    char *h = th_read(p, &len);
    free(p);
    cr_assert_not_null(h);
    cr_expect_lt(len, 5u * 1024 * 1024, "report.html is %zu bytes", len);
    const char *rank = strstr(h, "<div class=\"scroll\">\n<table id=\"ranking-table\"");
    cr_assert_not_null(rank, "the ranking does not scroll");
    cr_expect_eq(count_in(rank, strstr(rank, "</table>"), "<tr data-id="), 220);
    const char *sch = strstr(h, "<table id=\"schemes-table\"");
    cr_assert_not_null(sch);
    cr_expect_eq(count_in(sch, strstr(sch, "</table>"), "<tr><td>"), 200);
    cr_expect(strstr(h, "The other 4194 schemes, which drive failure less, are in schemes.csv"));
    free(h);
}

Test(cli_run, a_precision_target_stops_at_the_same_paths_at_any_thread_count)
{
    char *first = NULL;
    for (int t = 1; t <= 3; t++) {
        cr_assert_eq(th_sh(TR_BINARY " run %s --out %s/p%d --paths 100000 --target-se 0.005 "
                                     "--threads %d > %s/p%d.txt 2>&1",
                           example, tmpdir, t, t, tmpdir, t),
                     0);
        char *path = th_fmt("%s/p%d/results.json", tmpdir, t);
        char *r = th_read_ok(path);
        free(path);
        if (!first) {
            first = r;
            cJSON *j = cJSON_Parse(r);
            cr_expect_eq(th_num(j, "paths"), 8192);
            cr_expect(cJSON_IsTrue(th_at(j, "precision/met")));
            cJSON_Delete(j);
            path = th_fmt("%s/p1.txt", tmpdir);
            char *out = th_read_ok(path);
            free(path);
            cr_expect(strstr(out, "Precision target se <= 0.005 met after 8192 of at most 100000"),
                      "%s", out);
            free(out);
        } else {
            cr_expect_str_eq(r, first, "%d threads", t);
            free(r);
        }
    }
    free(first);
    /* bad targets, and a target with shards: exit 2, nothing written */
    cr_expect_eq(th_sh(TR_BINARY " run %s --out %s/bad --target-se 0 2>/dev/null", example, tmpdir),
                 2);
    cr_expect_eq(
        th_sh(TR_BINARY " run %s --out %s/bad --target-rel 1.5 2>/dev/null", example, tmpdir), 2);
    cr_expect_eq(th_sh(TR_BINARY " run %s --out %s/bad --target-se 0.01 --shard 0/2 2>/dev/null",
                       example, tmpdir),
                 2);
    char *bad = th_fmt("%s/bad", tmpdir);
    cr_expect_eq(access(bad, F_OK), -1, "nothing written");
    free(bad);
}

Test(cli_run, the_report_and_summary_say_a_run_was_importance_sampled)
{
    cr_assert_eq(th_sh(TR_BINARY " run " TR_SOURCE_DIR "/configs/rare-events.json --out %s/is "
                                 "--report > %s/is.txt 2>&1",
                       tmpdir, tmpdir),
                 0);
    char *path = th_fmt("%s/is/report.html", tmpdir);
    char *html = th_read_ok(path);
    free(path);
    cr_expect(strstr(html, "<strong>importance sampled</strong>"));
    cr_expect(strstr(html, "(chosen by the pilot); effective sample size"));
    free(html);
    path = th_fmt("%s/is.txt", tmpdir);
    char *out = th_read_ok(path);
    free(path);
    cr_expect(strstr(out, "Importance sampling, automatic shift: national +"), "%s", out);
    cr_expect(strstr(out, "P(at least 8 trusts fail) = "), "%s", out);
    free(out);
}

Test(cli_run, the_largest_seed_is_written_with_every_digit)
{
    /* cJSON prints a double with 15 digits whenever they read back within
     * a relative 2^-52: 2^53 would come out as 9.00719925474099e+15 */
    int rc = th_sh(TR_BINARY " run %s --out %s/big --paths 10 --seed 9007199254740992 >/dev/null",
                   example, tmpdir);
    cr_assert_eq(rc, 0);
    const char *files[] = {"results.json", "run.json"};
    for (int k = 0; k < 2; k++) {
        char *path = th_fmt("%s/big/%s", tmpdir, files[k]);
        char *text = th_read_ok(path);
        cr_expect_not_null(strstr(text, "\"seed\":\t9007199254740992,"), "%s: %.300s", files[k],
                           text);
        free(text);
        free(path);
    }
}
