/*
 * test_cli_state.c - checkpoints, --resume, --shard and `trustrisk merge`
 * with the real binary, as a user (or a scheduler) drives them:
 *
 * - a run keeps OUT/checkpoint.trs while it runs and leaves none when done;
 * - killed with SIGKILL at any point (before its first path, while writing
 *   its first checkpoint, while writing a later one, between two), the run
 *   continued with --resume writes results.json and CSVs byte-identical to
 *   a run never interrupted;
 * - SIGINT or SIGTERM: exit 3, the checkpoint saved, and on stderr the
 *   command that resumes the run, which, run as printed, gives those bytes;
 * - a resume against another seed, number of paths or config is refused,
 *   saying what differs, and the checkpoint is left as it was;
 * - shards 1, 2, 3 and 7 of a run, merged in any order (or as a folder),
 *   give the run's bytes; so do more shards than blocks, a re-run shard and
 *   an interrupted shard resumed;
 * - a missing, duplicated, foreign, damaged or unreadable state makes merge
 *   exit 2 naming the file, with nothing written;
 * - bad --shard and --checkpoint-every values exit 2.
 *
 * TRUSTRISK_TEST_PAUSE makes the command stop itself (SIGSTOP) at a named
 * point (engine/cli/outdir.h): "prepared" (before the first path) and
 * "replacing" (a checkpoint written in full, before it is renamed into
 * place), so that a test kills it exactly there. The runs are of the
 * example config, 12 blocks of paths on one thread: 3 rounds of 4 blocks,
 * and with --checkpoint-every 0.000001 a checkpoint after every round.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
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

static const char *example = TR_SOURCE_DIR "/configs/example.json";
#define PATHS "12288" /* 12 blocks */
#define EVERY "0.000001"

static char work[256]; /* each test's own folder */

/* The strings at() and shard_file() make, freed when the test ends. */
static char *kept[2048];
static size_t nkept;

static const char *keep(char *s)
{
    cr_assert_lt(nkept, sizeof kept / sizeof *kept, "too many paths");
    return kept[nkept++] = s;
}

static void make_work(void)
{
    th_tmpdir(work, sizeof work, "state");
}

static void remove_work(void)
{
    th_remove_tree(work);
    while (nkept > 0)
        free(kept[--nkept]);
}

TestSuite(cli_state, .init = make_work, .fini = remove_work);

/* ---- files -------------------------------------------------------------- */

/* A path in the work folder (valid until the test ends). */
__attribute__((format(printf, 1, 2))) static const char *at(const char *fmt, ...)
{
    char rel[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    return keep(th_fmt("%s/%s", work, rel));
}

/* Copy file `from` to `to`. */
static void copy_file(const char *from, const char *to)
{
    size_t len = 0;
    char *data = th_read(from, &len);
    cr_assert_not_null(data, "cannot read %s", from);
    FILE *fp = fopen(to, "wb");
    cr_assert_not_null(fp, "cannot create %s", to);
    cr_assert_eq(fwrite(data, 1, len, fp), len);
    cr_assert_eq(fclose(fp), 0);
    free(data);
}

/* Is `file` a state file (it starts with the state format's magic)? */
static int is_state(const char *file)
{
    size_t len = 0;
    char *data = th_read(file, &len);
    int yes = data && len > 64 && memcmp(data, "TRSTATE", 8) == 0;
    free(data);
    return yes;
}

/* ---- processes ---------------------------------------------------------- */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Wait for pid to stop at a pause point (-1) or to end (its exit status,
 * or 128 + the signal that ended it); fail after 300 s. */
static int await(pid_t pid)
{
    for (int waited = 0;; waited += 2) {
        int st = 0;
        pid_t w = waitpid(pid, &st, WNOHANG | WUNTRACED);
        cr_assert_neq(w, -1, "waitpid: %s", strerror(errno));
        if (w == pid) {
            if (WIFSTOPPED(st)) return -1;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        if (waited > 300000) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            cr_assert_fail("the command ran for more than 300 s");
        }
        sleep_ms(2);
    }
}

/* Continue a stopped pid, through its further pauses, until it ends; its
 * exit status. */
static int run_on(pid_t pid)
{
    int st;
    do
        kill(pid, SIGCONT);
    while ((st = await(pid)) == -1);
    return st;
}

/*
 * Start the command: `args` (NULL-terminated, without argv[0]); `pause`
 * (or NULL) sets TRUSTRISK_TEST_PAUSE. Standard output and error go to
 * WORK/stdout and WORK/stderr.
 */
static pid_t start_args(const char *pause, const char *const *args)
{
    char *var = pause ? th_fmt("TRUSTRISK_TEST_PAUSE=%s", pause) : NULL;
    const char *env[2] = {var, NULL};
    pid_t pid = th_start_cli(args, env, at("stdout"), at("stderr"));
    free(var);
    return pid;
}

/*
 * Start `trustrisk run` of the example (12288 paths, one thread, quiet, a
 * checkpoint after every round) into `out`, then the further arguments
 * (NULL-terminated; a later option overrides an earlier one).
 */
static pid_t start_run(const char *pause, const char *out, va_list ap)
{
    const char *args[40] = {"run",       example, "--paths", PATHS,
                            "--threads", "1",     "--quiet", "--checkpoint-every",
                            EVERY,       "--out", out};
    int n = 11;
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        cr_assert_lt(n, 39);
        args[n++] = a;
    }
    args[n] = NULL;
    return start_args(pause, args);
}

static pid_t start(const char *pause, const char *out, ...)
{
    va_list ap;
    va_start(ap, out);
    pid_t pid = start_run(pause, out, ap);
    va_end(ap);
    return pid;
}

/* Run to the end, without pauses; the exit status. */
static int run(const char *out, ...)
{
    va_list ap;
    va_start(ap, out);
    pid_t pid = start_run(NULL, out, ap);
    va_end(ap);
    return await(pid);
}

/* `trustrisk merge ARGS... --out OUT`; the exit status. */
static int merge(const char *out, const char *const *states)
{
    const char *args[40] = {"merge"};
    int n = 1;
    for (; *states; states++)
        args[n++] = *states;
    args[n++] = "--out";
    args[n++] = out;
    args[n] = NULL;
    return await(start_args(NULL, args));
}

/* What the last command wrote on stderr (the caller frees it). */
static char *last_stderr(void)
{
    return th_read_ok(at("stderr"));
}

/* Start a run and let it stop at the `nth` "replacing" pause: the nth
 * checkpoint written in full, not yet in place. */
static pid_t stop_at_checkpoint(int nth, const char *out)
{
    pid_t pid = start("replacing", out, NULL);
    for (int k = 1;; k++) {
        cr_assert_eq(await(pid), -1, "the run ended before checkpoint %d", k);
        if (k == nth) return pid;
        kill(pid, SIGCONT);
    }
}

/* ---- outputs ------------------------------------------------------------ */

static const char *const compared[5] = {"results.json", "trusts.csv", "consortia.csv",
                                        "failure_curves.csv", "schemes.csv"};

/* The uninterrupted run of the example, into WORK/ref (once a test). */
static const char *reference(void)
{
    static int done;
    if (!done) cr_assert_eq(run(at("ref"), NULL), 0, "the reference run failed");
    done = 1;
    return at("ref");
}

/* The outputs in `dir` are byte for byte those of the uninterrupted run. */
static void expect_identical(const char *dir, const char *what)
{
    const char *ref = reference();
    for (int k = 0; k < 5; k++) {
        char *a = th_fmt("%s/%s", dir, compared[k]), *b = th_fmt("%s/%s", ref, compared[k]);
        size_t la = 0, lb = 0;
        char *x = th_read(a, &la), *y = th_read(b, &lb);
        cr_assert_not_null(x, "%s: %s is missing", what, a);
        cr_assert_not_null(y, "%s is missing", b);
        cr_expect(la == lb && memcmp(x, y, la) == 0, "%s: %s differs from the uninterrupted run's",
                  what, compared[k]);
        free(x);
        free(y);
        free(a);
        free(b);
    }
}

/* A finished output folder: the run's files, no checkpoint, no staging
 * folder left beside it. */
static void expect_finished(const char *dir, const char *what)
{
    char *ck = th_fmt("%s/checkpoint.trs", dir);
    cr_expect(!th_exists(ck), "%s: the checkpoint is still there after the run finished", what);
    free(ck);
    cr_expect_eq(th_count_named(dir, "."), 0, "%s: temporary files left in %s", what, dir);
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0, "%s: a staging folder was left", what);
    expect_identical(dir, what);
}

/* ---- checkpoints and resume --------------------------------------------- */

Test(cli_state, checkpoint_kept_while_running_and_gone_when_done)
{
    const char *out = at("a");
    pid_t pid = stop_at_checkpoint(1, out);
    cr_expect(!th_exists(at("a/checkpoint.trs")),
              "the first checkpoint is in place before its rename");
    kill(pid, SIGCONT);
    cr_assert_eq(await(pid), -1, "no second checkpoint");
    cr_assert(is_state(at("a/checkpoint.trs")), "a/checkpoint.trs is not a state file");
    cr_expect_eq(th_count_entries(out), 2,
                 "the folder holds more than the checkpoint and the next");
    cr_assert_eq(run_on(pid), 0, "the run failed");
    cr_expect_eq(th_count_entries(out), 6, "the folder should hold the run's six files");
    expect_finished(out, "checkpointed run");
}

/* Kill the run at a point, then --resume: the uninterrupted run's bytes. */
static void kill_then_resume(const char *name, const char *pause, int nth, int later_ms,
                             const char *expect_err)
{
    const char *out = at("%s", name);
    pid_t pid = start(pause, out, NULL);
    for (int k = 1; k <= nth; k++) {
        cr_assert_eq(await(pid), -1, "%s: the run ended before pause %d", name, k);
        if (k < nth) kill(pid, SIGCONT);
    }
    if (later_ms >= 0) {
        kill(pid, SIGCONT);
        sleep_ms(later_ms);
    }
    kill(pid, SIGKILL);
    cr_assert(await(pid) == 128 + SIGKILL || later_ms >= 0, "%s: not killed", name);
    cr_assert_eq(run(out, "--resume", NULL), 0, "%s: the resumed run failed", name);
    if (expect_err) {
        char *err = last_stderr();
        cr_expect(strstr(err, expect_err), "%s: stderr lacks '%s':\n%s", name, expect_err, err);
        free(err);
    }
    expect_finished(out, name);
}

Test(cli_state, sigkill_at_any_point_then_resume_gives_the_same_bytes)
{
    /* before the first path: nothing to resume, the run starts afresh */
    kill_then_resume("before-start", "prepared", 1, -1, "nothing to resume");
    /* while writing the first checkpoint: none in place yet */
    kill_then_resume("first-write", "replacing", 1, -1, "nothing to resume");
    /* while writing the second: the first in place */
    kill_then_resume("second-write", "replacing", 2, -1, NULL);
    char *runinfo = th_read_ok(at("second-write/run.json"));
    cr_expect(strstr(runinfo, "\"resumed\":\ttrue"), "run.json does not say it was resumed");
    free(runinfo);
    /* between checkpoints, or wherever 1 ms after the second one falls */
    kill_then_resume("between", "replacing", 2, 1, NULL);
}

/* The line of stderr that resumes the run ("  ... --resume"), or NULL. */
static char *resume_line(const char *err)
{
    for (const char *p = err; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        size_t len = strcspn(p, "\n");
        if (len > 11 && strncmp(p, "  ", 2) == 0 && strncmp(p + len - 9, " --resume", 9) == 0)
            return strndup(p + 2, len - 2);
    }
    return NULL;
}

/* Stop the run into `out` with `sig` while it writes its first checkpoint:
 * exit 3, the state saved; returns its stderr. */
static char *interrupt(int sig, const char *out, const char *extra1, const char *extra2)
{
    pid_t pid = start("replacing", out, extra1, extra2, NULL);
    cr_assert_eq(await(pid), -1, "the run never wrote a checkpoint");
    kill(pid, sig);
    cr_assert_eq(run_on(pid), 3, "a run stopped by %s should exit 3", strsignal(sig));
    return last_stderr();
}

Test(cli_state, sigint_and_sigterm_exit_3_and_print_the_command_that_resumes)
{
    const int sigs[2] = {SIGINT, SIGTERM};
    const char *names[2] = {"SIGINT", "SIGTERM"};
    for (int k = 0; k < 2; k++) {
        const char *out = at("%s", names[k]);
        char *err = interrupt(sigs[k], out, NULL, NULL);
        char *said = th_fmt("interrupted by %s", names[k]);
        cr_expect(strstr(err, said), "stderr does not say '%s':\n%s", said, err);
        char *where = th_fmt("%s/checkpoint.trs", out);
        cr_expect(strstr(err, where), "stderr does not name %s:\n%s", where, err);
        cr_assert(is_state(where), "%s is not a state after %s", where, names[k]);
        cr_expect_eq(th_count_entries(out), 1, "the folder should hold only the checkpoint");
        char *cmd = resume_line(err);
        cr_assert_not_null(cmd, "stderr gives no command ending in --resume:\n%s", err);
        cr_expect(strstr(cmd, " run ") && strstr(cmd, example) && strstr(cmd, out) &&
                      strstr(cmd, "--paths " PATHS),
                  "the resume command is not this run's: %s", cmd);
        /* the command as printed continues the run */
        cr_assert_eq(th_sh("%s >%s 2>&1", cmd, at("resumed.txt")), 0, "'%s' failed", cmd);
        expect_finished(out, names[k]);
        free(cmd);
        free(where);
        free(said);
        free(err);
    }
}

Test(cli_state, resume_of_another_run_is_refused_saying_what_differs)
{
    const char *out = at("a");
    free(interrupt(SIGINT, out, NULL, NULL));
    size_t len = 0;
    char *saved = th_read(at("a/checkpoint.trs"), &len);
    cr_assert_not_null(saved);
    /* the example with one scheme's delivery sd changed */
    char *text = th_read_ok(example);
    char *sd = strstr(text, "\"sd\": 0.15");
    cr_assert_not_null(sd, "the example has no scheme with sd 0.15");
    sd[9] = '6';
    th_write(at("other.json"), text);
    free(text);
    struct {
        const char *a, *b, *c, *says;
    } cases[4] = {
        {"--seed", "43", NULL, "seed is 42, this run's is 43"},
        {"--paths", "16384", NULL, "number of paths is 12288, this run's is 16384"},
        {"--shard", "0/2", NULL, "split another way"},
        {NULL, NULL, NULL, "config (sha256)"},
    };
    for (int k = 0; k < 4; k++) {
        int rc;
        if (cases[k].a) {
            rc = run(out, "--resume", cases[k].a, cases[k].b, NULL);
        } else {
            const char *args[] = {"run", at("other.json"), "--paths", PATHS,     "--threads",
                                  "1",   "--out",          out,       "--quiet", "--resume",
                                  NULL};
            rc = await(start_args(NULL, args));
        }
        char *err = last_stderr();
        cr_expect_eq(rc, 2, "case %d: a mismatched resume should exit 2, got %d", k, rc);
        cr_expect(strstr(err, cases[k].says) && strstr(err, "checkpoint"),
                  "case %d: stderr does not say '%s':\n%s", k, cases[k].says, err);
        free(err);
        size_t now_len = 0;
        char *now = th_read(at("a/checkpoint.trs"), &now_len);
        cr_assert(now && now_len == len && memcmp(now, saved, len) == 0,
                  "case %d: the checkpoint changed", k);
        free(now);
        cr_expect_eq(th_count_entries(out), 1, "case %d: something was written", k);
    }
    free(saved);
    cr_assert_eq(run(out, "--resume", NULL), 0);
    expect_finished(out, "the right resume");
}

/* ---- shards and merge ---------------------------------------------------- */

/* Run shards 0..n-1 of the example into `dir`, in reverse order. */
static void run_shards(const char *dir, int n, const char *paths)
{
    for (int i = n - 1; i >= 0; i--) {
        char spec[32];
        snprintf(spec, sizeof spec, "%d/%d", i, n);
        cr_assert_eq(run(dir, "--shard", spec, "--paths", paths, NULL), 0, "shard %s failed", spec);
        char *out = th_read_ok(at("stdout"));
        char *says = th_fmt("shard %s: ", spec);
        cr_expect(strstr(out, says) && strstr(out, "state written to"),
                  "shard %s's stdout says nothing of its state:\n%s", spec, out);
        free(says);
        free(out);
    }
}

/* The state file of shard i of n in `dir` (valid until the test ends). */
static const char *shard_file(const char *dir, int i, int n)
{
    return keep(th_fmt("%s/shard-%d-of-%d.trs", dir, i, n));
}

Test(cli_state, shards_merged_in_any_order_give_the_runs_bytes)
{
    const int counts[4] = {1, 2, 3, 7};
    static const int order[4][7] = {{0}, {1, 0}, {2, 0, 1}, {4, 1, 6, 0, 3, 5, 2}};
    for (int c = 0; c < 4; c++) {
        int n = counts[c];
        const char *dir = at("shards-%d", n);
        run_shards(dir, n, PATHS);
        cr_expect_eq(th_count_entries(dir), n, "%d shards should write %d states and nothing else",
                     n, n);
        for (int i = 0; i < n; i++)
            cr_expect(is_state(shard_file(dir, i, n)), "%s is not a state", shard_file(dir, i, n));
        /* merged in a shuffled order */
        const char *states[9] = {NULL};
        for (int k = 0; k < n; k++)
            states[k] = shard_file(dir, order[c][k], n);
        const char *out = at("merged-%d", n);
        cr_assert_eq(merge(out, states), 0, "merging %d shards failed", n);
        char *what = th_fmt("%d shards merged", n);
        expect_finished(out, what);
        free(what);
    }
    /* the folder of shard states stands for all of them */
    const char *folder[2] = {at("shards-3"), NULL};
    cr_assert_eq(merge(at("merged-folder"), folder), 0);
    expect_finished(at("merged-folder"), "the folder of 3 shards merged");
    /* a shard run again (a failed array task) replaces its state, the same bytes */
    size_t len = 0, again_len = 0;
    char *before = th_read(shard_file(at("shards-3"), 1, 3), &len);
    cr_assert_eq(run(at("shards-3"), "--shard", "1/3", NULL), 0);
    char *again = th_read(shard_file(at("shards-3"), 1, 3), &again_len);
    cr_assert(before && again && len == again_len && memcmp(before, again, len) == 0,
              "shard 1/3 run again gave another state");
    free(before);
    free(again);
    cr_expect_eq(th_count_entries(at("shards-3")), 3, "the re-run shard left something behind");
}

Test(cli_state, more_shards_than_blocks)
{
    /* 2 blocks over 3 shards: shard 0 has none, and its state is still needed */
    run_shards(at("s"), 3, "2048");
    const char *states[4] = {shard_file(at("s"), 1, 3), shard_file(at("s"), 0, 3),
                             shard_file(at("s"), 2, 3), NULL};
    cr_assert_eq(merge(at("m"), states), 0);
    cr_assert_eq(run(at("whole"), "--paths", "2048", NULL), 0);
    for (int k = 0; k < 5; k++) {
        char *a = th_fmt("%s/%s", at("m"), compared[k]),
             *b = th_fmt("%s/%s", at("whole"), compared[k]);
        char *x = th_read_ok(a), *y = th_read_ok(b);
        cr_expect_str_eq(x, y, "%s differs between the merged shards and the run", compared[k]);
        free(x);
        free(y);
        free(a);
        free(b);
    }
    const char *two[3] = {shard_file(at("s"), 1, 3), shard_file(at("s"), 2, 3), NULL};
    cr_expect_eq(merge(at("m2"), two), 2, "a merge without the empty shard's state succeeded");
}

Test(cli_state, interrupted_shard_resumes)
{
    const char *dir = at("s");
    char *err = interrupt(SIGTERM, dir, "--shard", "1/2");
    cr_assert(is_state(at("s/checkpoint-1-of-2.trs")), "no checkpoint-1-of-2.trs");
    char *cmd = resume_line(err);
    cr_assert(cmd && strstr(cmd, "--shard 1/2"), "the resume command lacks --shard 1/2:\n%s", err);
    free(cmd);
    free(err);
    /* the whole run cannot resume from a shard's checkpoint */
    cr_expect_eq(run(dir, "--resume", NULL), 2);
    err = last_stderr();
    cr_expect(strstr(err, "checkpoint-1-of-2.trs") && strstr(err, "split another way"),
              "the refusal does not name the shard's checkpoint:\n%s", err);
    free(err);
    /* merging the unfinished shard's checkpoint names it as the culprit */
    cr_assert_eq(run(dir, "--shard", "0/2", NULL), 0);
    const char *early[3] = {at("s/checkpoint-1-of-2.trs"), shard_file(dir, 0, 2), NULL};
    cr_expect_eq(merge(at("early"), early), 2);
    err = last_stderr();
    cr_expect(strstr(err, "checkpoint-1-of-2.trs: is a checkpoint") != NULL, "%s", err);
    free(err);
    cr_assert_eq(run(dir, "--shard", "1/2", "--resume", NULL), 0);
    cr_expect(!th_exists(at("s/checkpoint-1-of-2.trs")), "the shard's checkpoint stayed");
    cr_assert_eq(run(dir, "--shard", "0/2", NULL), 0);
    const char *states[3] = {shard_file(dir, 1, 2), shard_file(dir, 0, 2), NULL};
    cr_assert_eq(merge(at("m"), states), 0);
    expect_finished(at("m"), "an interrupted shard resumed, merged");
}

/* merge `states` into WORK/m: exit 2, every `says` on stderr, nothing written. */
static void merge_refused(const char *what, const char *const *states, const char *says1,
                          const char *says2)
{
    int rc = merge(at("m"), states);
    char *err = last_stderr();
    cr_expect_eq(rc, 2, "%s: merge should exit 2, got %d:\n%s", what, rc, err);
    cr_expect(strstr(err, says1), "%s: stderr lacks '%s':\n%s", what, says1, err);
    cr_expect(!says2 || strstr(err, says2), "%s: stderr lacks '%s':\n%s", what, says2, err);
    cr_expect(!th_exists(at("m")), "%s: the output folder was made", what);
    cr_expect_eq(th_count_named(work, ".trustrisk-"), 0, "%s: a staging folder was left", what);
    free(err);
}

Test(cli_state, merge_refuses_missing_duplicated_foreign_and_damaged_states)
{
    const char *s = at("s");
    run_shards(s, 3, PATHS);
    cr_assert_eq(run(at("f"), "--shard", "1/3", "--seed", "43", NULL), 0);
    const char *s0 = shard_file(s, 0, 3), *s1 = shard_file(s, 1, 3), *s2 = shard_file(s, 2, 3);

    merge_refused("missing", (const char *[]){s0, s2, NULL}, s1, "missing");
    /* named otherwise, the blocks that none covers are named */
    copy_file(s0, at("first.trs"));
    copy_file(s2, at("last.trs"));
    merge_refused("missing, renamed", (const char *[]){at("first.trs"), at("last.trs"), NULL},
                  "no state covers blocks 4-7", NULL);
    merge_refused("given twice", (const char *[]){s0, s1, s2, s1, NULL}, s1, "twice");
    copy_file(s1, at("copy.trs"));
    merge_refused("a copy", (const char *[]){s0, s1, s2, at("copy.trs"), NULL}, at("copy.trs"),
                  "twice");
    const char *f1 = shard_file(at("f"), 1, 3);
    merge_refused("foreign", (const char *[]){s0, f1, s2, NULL}, f1, "another run");
    /* one byte changed, and a torn file */
    size_t len = 0;
    char *data = th_read(s1, &len);
    cr_assert_not_null(data);
    data[len / 2] ^= 0x20;
    FILE *fp = fopen(at("flipped.trs"), "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(data, 1, len, fp), len);
    cr_assert_eq(fclose(fp), 0);
    fp = fopen(at("torn.trs"), "wb");
    cr_assert_not_null(fp);
    cr_assert_eq(fwrite(data, 1, len / 3, fp), len / 3);
    cr_assert_eq(fclose(fp), 0);
    free(data);
    merge_refused("a changed byte", (const char *[]){s0, at("flipped.trs"), s2, NULL},
                  at("flipped.trs"), "damaged");
    merge_refused("torn", (const char *[]){s0, at("torn.trs"), s2, NULL}, at("torn.trs"),
                  "damaged");
    th_write(at("notes.trs"), "not a state\n");
    merge_refused("not a state", (const char *[]){s0, s1, s2, at("notes.trs"), NULL},
                  at("notes.trs"), NULL);
    merge_refused("unreadable", (const char *[]){s0, s1, s2, at("nowhere.trs"), NULL},
                  at("nowhere.trs"), "cannot open");
    cr_assert_eq(mkdir(at("empty"), 0755), 0);
    merge_refused("a folder without states", (const char *[]){at("empty"), at("first.trs"), NULL},
                  at("empty"), "holds no shard states");
    /* and the right three still merge */
    cr_assert_eq(merge(at("m"), (const char *[]){s2, s1, s0, NULL}), 0);
    expect_finished(at("m"), "after the refusals");
}

/* ---- arguments ----------------------------------------------------------- */

Test(cli_state, bad_shard_and_checkpoint_values_exit_2)
{
    const char *shards[] = {"2/2",   "3/2", "0/0", "x",    "1/",   "/2",    "-1/2",
                            "1/2/3", "1/x", "",    " 0/2", "0/2 ", "0x1/2", "1/99999999999"};
    for (size_t k = 0; k < sizeof shards / sizeof *shards; k++) {
        int rc = run(at("bad"), "--shard", shards[k], NULL);
        char *err = last_stderr();
        cr_expect_eq(rc, 2, "--shard '%s': exit %d, not 2", shards[k], rc);
        cr_expect(strstr(err, "--shard"), "--shard '%s': stderr does not say why:\n%s", shards[k],
                  err);
        free(err);
    }
    const char *seconds[] = {"-1", "x", "1e99", "nan", "inf", "", "5s"};
    for (size_t k = 0; k < sizeof seconds / sizeof *seconds; k++) {
        int rc = run(at("bad"), "--checkpoint-every", seconds[k], NULL);
        cr_expect_eq(rc, 2, "--checkpoint-every '%s': exit %d, not 2", seconds[k], rc);
    }
    cr_expect_eq(run(at("bad"), "--shard", "0/2", "--report", NULL), 2,
                 "a shard cannot write a report");
    cr_expect_eq(merge(at("bad"), (const char *[]){NULL}), 2, "merge of nothing");
    cr_expect_eq(await(start_args(NULL, (const char *[]){"merge", at("x.trs"), NULL})), 2,
                 "merge without --out");
    cr_expect(!th_exists(at("bad")), "a refused command made its output folder");
}
