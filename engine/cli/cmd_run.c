/*
 * cmd_run.c - `trustrisk run CONFIG [options]`.
 *
 * One process runs the whole run and writes its output folder all or
 * nothing (outputs.h). With --shard I/N it runs shard I of N and writes
 * only its state, DIR/shard-I-of-N.trs, for `trustrisk merge`. Under
 * `mpirun -np K` rank R runs shard R of K, rank 0 gathers the states,
 * merges them and writes the output folder; the other ranks write nothing
 * but their checkpoints.
 *
 * Whichever way, the run hands its state to a checkpoint at least every
 * --checkpoint-every seconds and when SIGINT or SIGTERM stops it (exit
 * status 3, with the command that resumes it on stderr), written
 * atomically into the output folder: checkpoint.trs, or for a shard or an
 * MPI rank checkpoint-I-of-N.trs. --resume continues from it; the library
 * checks that it is a state of the same run.
 *
 * Under MPI every rank goes through the same phases (set up, simulate,
 * write), each ending with an agreement on the exit status
 * (cli_mpi_agree), so that one rank's failure stops them all at the same
 * point and rank 0 never writes a partial result. A problem every rank
 * meets alike (a bad config or argument) is reported once, by rank 0.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include "cmd_run.h"
#include "common.h"
#include "mpi.h"
#include "outdir.h"
#include "outputs.h"
#include "statefile.h"

/* The first SIGINT or SIGTERM (its number), which asks the run to stop. */
static volatile sig_atomic_t stop_signal;

typedef struct run {
    cli_opts o;
    const char *prog; /* argv[0], for the command that resumes */
    int argc;         /* the arguments after "run" */
    char **argv;
    int rank, ranks;           /* under MPI; 0 and 1 alone */
    uint32_t shard_i, shard_n; /* the part this process runs (0 of 0: all) */
    cli_outdir od;             /* the output folder, when this process writes it */
    int have_od;
    char *ckpt_name, *ckpt_path; /* its checkpoint in the output folder */
    int resume_missing;          /* --resume found no checkpoint (MPI: this rank's part) */
    cli_state resume;
    tr_error ckpt_err; /* why the last checkpoint could not be written */
    tr_config *cfg;
    tr_run_options opt;
    cli_progress bar;
    char label[64];    /* the bar's label: it outlives simulate() */
    uint64_t my_paths; /* paths of this process's part */
    double t0;         /* when the simulation started */
} run;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Shard i of n's blocks [lo, hi) of a run of `paths` paths from path 0
 * (docs/state-format.md; n = 0: every block), and its number of paths. */
static uint64_t shard_paths(uint64_t paths, uint32_t i, uint32_t n, uint64_t *lo, uint64_t *hi)
{
    const uint64_t B = TR_PATH_BLOCK, nb = (paths + B - 1) / B;
    *lo = n ? nb * i / n : 0;
    *hi = n ? nb * (i + 1) / n : nb;
    uint64_t a = *lo * B < paths ? *lo * B : paths, b = *hi * B < paths ? *hi * B : paths;
    return b - a;
}

/* ---- messages ------------------------------------------------------------ */

/*
 * Every rank's status becomes the one they all share. A rank reports its
 * own failure (1 or 2) unless rank 0 failed too, which then speaks for
 * every rank: all of them meet a bad config alike. Interruptions (3) are
 * reported by the caller.
 */
static int agree(run *r, int status, tr_error *err)
{
    int rank0 = 0;
    int all = cli_mpi_agree(status, &rank0);
    if ((status == EXIT_INTERNAL || status == EXIT_INPUT) && (r->rank == 0 || rank0 == 0)) {
        if (r->ranks > 1 && r->rank > 0)
            fprintf(stderr, "trustrisk: rank %d of %d:\n", r->rank, r->ranks);
        tr_error_print(err, stderr);
    }
    return all;
}

/* Can `s` stand in a shell command line unquoted? */
static int plain_word(const char *s)
{
    if (*s == '\0') return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_./:=,+@%-", *s)) return 0;
    return 1;
}

/* `s` as a shell word: as it is, or in single quotes ('\'' for a quote);
 * control characters escaped, as every text shown is. */
static void print_word(FILE *fp, const char *s)
{
    if (plain_word(s)) {
        tr_text_print(fp, s);
        return;
    }
    fputc('\'', fp);
    for (;;) {
        const char *q = strchr(s, '\'');
        char *piece = q ? strndup(s, (size_t)(q - s)) : NULL;
        tr_text_print(fp, q ? (piece ? piece : "") : s);
        free(piece);
        if (!q) break;
        fputs("'\\''", fp);
        s = q + 1;
    }
    fputc('\'', fp);
}

/* The command that continues this run: the same one with --resume. */
static void print_resume_command(const run *r, FILE *fp)
{
    fputs("  ", fp);
    if (r->ranks > 1) fprintf(fp, "mpirun -np %d ", r->ranks);
    print_word(fp, r->prog);
    fputs(" run", fp);
    for (int k = 0; k < r->argc; k++)
        if (strcmp(r->argv[k], "--resume") != 0) {
            fputc(' ', fp);
            print_word(fp, r->argv[k]);
        }
    fputs(" --resume\n", fp);
}

/* Where the run's state is, and how to go on (rank 0, or alone). */
static void print_stopped(const run *r, int status, const tr_error *err)
{
    if (status == EXIT_INTERRUPTED) {
        int sig = stop_signal;
        fprintf(stderr, "trustrisk: interrupted%s",
                sig == SIGINT    ? " by SIGINT"
                : sig == SIGTERM ? " by SIGTERM"
                                 : "");
        for (size_t d = 0; d < err->count; d++)
            if (err->diags[d].status == TR_E_INTERRUPTED) {
                fputs(r->ranks > 1 ? ": rank 0: " : ": ", stderr);
                tr_text_print(stderr, err->diags[d].message);
            }
        fputc('\n', stderr);
    }
    if (r->ranks > 1 && status == EXIT_INTERRUPTED) {
        fprintf(stderr, "trustrisk: each of the %d processes saved its part of the run in ",
                r->ranks);
        cli_print_text(stderr, r->o.out, "/");
        fprintf(stderr,
                "checkpoint-R-of-%d.trs; continue the run (with the same number of processes) "
                "by\n",
                r->ranks);
    } else if (r->ranks > 1) {
        fputs("trustrisk: the processes that finished their part saved it in ", stderr);
        cli_print_text(stderr, r->o.out, "/");
        fprintf(stderr,
                "checkpoint-R-of-%d.trs; once the problem is solved, continue the run (with the "
                "same number of processes) by\n",
                r->ranks);
    } else {
        fputs("trustrisk: the run's state is saved in ", stderr);
        cli_print_text(stderr, r->ckpt_path, "; continue the run by\n");
    }
    print_resume_command(r, stderr);
}

/* ---- checkpoints --------------------------------------------------------- */

/* The library's checkpoint callback: the state into the output folder, atomically. */
static int save_checkpoint(void *user, const void *state, size_t len)
{
    run *r = user;
    tr_error_clear(&r->ckpt_err);
    tr_status st;
    if (r->have_od) {
        st = cli_outdir_keep(&r->od, r->ckpt_name, state, len, &r->ckpt_err);
    } else {
        st = cli_dir_ensure(r->o.out, &r->ckpt_err);
        if (st == TR_OK) st = cli_file_replace(r->o.out, r->ckpt_name, state, len, &r->ckpt_err);
    }
    return st != TR_OK;
}

/* A state of the results as this process's checkpoint (an MPI rank whose
 * part is done while the run as a whole stops). */
static void save_final_state(run *r, const tr_results *res)
{
    void *state = NULL;
    size_t len = 0;
    tr_error e;
    tr_error_init(&e);
    if (tr_results_state(res, &state, &len, &e) != TR_OK || save_checkpoint(r, state, len) != 0) {
        fprintf(stderr, "trustrisk: rank %d of %d: warning: its finished part was not saved:\n",
                r->rank, r->ranks);
        tr_error_print(&e, stderr);
        tr_error_print(&r->ckpt_err, stderr);
    }
    tr_error_clear(&e);
    free(state);
}

/*
 * --resume found no checkpoint of this run (of this process's part, or
 * under MPI of any rank's): nothing was done yet, it was stopped before its
 * first checkpoint, or it finished (a finished run leaves none). The run
 * starts from its first path, with a note, so that a job that always passes
 * --resume works whenever it was killed. Checkpoints of the run split
 * another way (checkpoint.trs, checkpoint-I-of-N.trs of another N) are a
 * mistake worth stopping for: TR_E_INPUT, naming them.
 */
static tr_status no_checkpoint(run *r, tr_error *err)
{
    char others[200] = "";
    size_t used = 0;
    DIR *d = opendir(r->o.out);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        uint32_t n = 0;
        int other = strcmp(e->d_name, CLI_CHECKPOINT_FILE) == 0
                        ? r->shard_n != 0
                        : e->d_name[0] == 'c' && cli_state_name_parse(e->d_name, 0, NULL, &n) &&
                              n != r->shard_n;
        if (other && used + strlen(e->d_name) + 8 < sizeof others)
            used += (size_t)snprintf(others + used, sizeof others - used, "%s%s", used ? ", " : "",
                                     e->d_name);
    }
    if (d) closedir(d);
    if (others[0])
        return tr_error_add(err, TR_E_INPUT, r->ckpt_path, NULL, 0, 0,
                            "no checkpoint to resume from, but the folder holds %s: the "
                            "checkpoints of a run split another way (checkpoint.trs: one "
                            "process; checkpoint-I-of-N.trs: shard I of N, or MPI process I of "
                            "N). --resume continues a run split as it was (the same --shard, or "
                            "the same number of MPI processes); without --resume the run starts "
                            "afresh",
                            others);
    if (r->rank == 0) {
        fputs("trustrisk: note: ", stderr);
        cli_print_text(stderr, r->ckpt_path,
                       r->ranks > 1 ? " and the other processes' checkpoints are missing"
                                    : " is missing");
        fputs(" (the run was not started into this folder, was stopped before its first "
              "checkpoint, or finished): nothing to resume, the run starts from its first path\n",
              stderr);
    }
    r->o.resume = 0;
    return TR_OK;
}

/* --resume: read this process's checkpoint (a shard whose state is already
 * written resumes from that: checked, and written again). */
static tr_status load_resume(run *r, tr_error *err)
{
    struct stat sb;
    const char *file = r->ckpt_path;
    char *done = NULL;
    if (stat(file, &sb) != 0 && errno == ENOENT && r->shard_n && r->ranks == 1) {
        done = cli_state_file(r->o.out, "shard", r->shard_i, r->shard_n);
        if (done && stat(done, &sb) == 0) file = done;
    }
    tr_status st = TR_OK;
    if (stat(file, &sb) != 0 && errno == ENOENT) {
        r->resume_missing = 1;
        if (r->ranks == 1) st = no_checkpoint(r, err); /* MPI: decided with the other ranks */
    } else {
        st = cli_state_read(file, &r->resume, err);
        r->opt.resume = r->resume.data;
        r->opt.resume_len = r->resume.len;
        r->opt.resume_name = r->resume.name;
    }
    free(done);
    return st;
}

/* ---- the phases ---------------------------------------------------------- */

/* Parse the options; on ranks other than 0 silently, as rank 0 says all
 * there is to say (every rank has the same arguments). */
static int parse(run *r)
{
    int saved[2] = {-1, -1};
    if (r->rank > 0) {
        fflush(NULL);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        for (int fd = 1; fd <= 2 && null >= 0; fd++) {
            saved[fd - 1] = dup(fd);
            dup2(null, fd);
        }
        if (null >= 0) close(null);
    }
    int rc = cli_parse_opts(r->argc, r->argv, &r->o, 1, 0);
    if (rc == 0 && r->o.shard_n && r->ranks > 1)
        rc = cli_bad_usage("%s", "--shard: under mpirun every process runs its own part "
                                 "already; give --shard without mpirun");
    if (rc == 0 && r->o.shard_n && (r->o.report || r->o.xlsx))
        rc =
            cli_bad_usage("%s: a shard writes only its state; give %s to `trustrisk merge`, "
                          "which writes the results",
                          r->o.report ? "--report" : "--xlsx", r->o.report ? "--report" : "--xlsx");
    fflush(NULL);
    for (int fd = 1; fd <= 2; fd++)
        if (saved[fd - 1] >= 0) {
            dup2(saved[fd - 1], fd);
            close(saved[fd - 1]);
        }
    return rc;
}

/* Load the config, read the checkpoint to resume from, check the output
 * folder: everything that can fail before the first path. */
static int setup(run *r, tr_error *err)
{
    const cli_opts *o = &r->o;
    if (tr_config_load_file(o->config, &r->cfg, err) != TR_OK)
        return cli_exit_code(tr_error_status(err));
    tr_run_options_init(&r->opt, r->cfg);
    if (o->has_paths) r->opt.paths = o->paths;
    if (o->has_seed) r->opt.seed = o->seed;
    r->opt.threads = o->threads;
    if (o->target_se > 0.0 ||
        o->target_rel > 0.0) { /* the command line's target replaces the config's */
        r->opt.target_se = o->target_se;
        r->opt.target_rel = o->target_rel;
    }
    if ((r->opt.target_se > 0.0 || r->opt.target_rel > 0.0) && (r->ranks > 1 || o->shard_n > 0))
        return cli_bad_usage("a precision target (--target-se, --target-rel or the config's "
                             "\"precision\") needs the whole run in one process: where it stops "
                             "depends on every path before it; not with %s",
                             r->ranks > 1 ? "mpirun" : "--shard");
    r->shard_i = r->ranks > 1 ? (uint32_t)r->rank : o->shard_i;
    r->shard_n = r->ranks > 1 ? (uint32_t)r->ranks : o->shard_n;
    r->opt.shard_index = r->shard_i;
    r->opt.shard_count = r->shard_n;
    r->ckpt_name = cli_state_file(NULL, "checkpoint", r->shard_i, r->shard_n);
    r->ckpt_path = cli_state_file(o->out, "checkpoint", r->shard_i, r->shard_n);
    if (!r->ckpt_name || !r->ckpt_path)
        return cli_exit_code(tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory"));
    tr_status st = TR_OK;
    struct stat sb;
    if (o->resume) {
        st = load_resume(r, err);
    } else if (r->rank == 0 && stat(r->ckpt_path, &sb) == 0) {
        fputs("trustrisk: note: ", stderr);
        cli_print_text(stderr, r->ckpt_path,
                       " holds the state of a run that was stopped; this run starts afresh and "
                       "replaces it (--resume would continue it)\n");
    }
    /* The output folder is checked, and its staging folder made, before a
     * single path runs: a bad --out costs a second, not the whole run. */
    if (st == TR_OK && (r->shard_n == 0 || (r->ranks > 1 && r->rank == 0))) {
        st = cli_outdir_prepare(&r->od, o->out, err);
        r->have_od = st == TR_OK;
    } else if (st == TR_OK && r->ranks == 1) {
        st = cli_dir_ensure(o->out, err); /* a shard's folder, written into */
    }
    return cli_exit_code(st);
}

/* Under MPI with --resume: the ranks without a checkpoint start their part
 * afresh; when none has one, rank 0 decides for all (no_checkpoint). */
static int resume_some(run *r, tr_error *err)
{
    if (cli_mpi_any(!r->resume_missing)) {
        if (r->resume_missing) {
            fprintf(stderr, "trustrisk: rank %d of %d: no ", r->rank, r->ranks);
            cli_print_text(stderr, r->ckpt_path, ": its part of the run starts afresh\n");
        }
        return 0;
    }
    r->o.resume = 0;
    return r->rank == 0 ? cli_exit_code(no_checkpoint(r, err)) : 0;
}

/* Progress of this process's part (the library counts the whole run's). */
/* A precision target's state at each checkpoint of the stopping rule: the
 * worst trust's se against what the target allows, after the bar. */
static void precision(void *user, uint64_t paths, double worst_se, double allowed, int met)
{
    run *r = user;
    char note[96];
    (void)paths;
    snprintf(note, sizeof note, "worst se %.2g / %.2g%s", worst_se, allowed, met ? " met" : "");
    cli_progress_note(&r->bar, note);
}

static void progress(void *user, uint64_t done, uint64_t total)
{
    run *r = user;
    (void)total;
    cli_progress_update(&r->bar, done < r->my_paths ? done : r->my_paths, r->my_paths);
}

/* Simulate this process's part, saving checkpoints; stop on a signal. */
static int simulate(run *r, tr_results **res, tr_error *err)
{
    char *label = r->label;
    snprintf(label, sizeof r->label, "%s", r->o.resume ? "run (resumed)" : "run");
    if (r->ranks > 1)
        snprintf(label, sizeof r->label, "rank %d/%d", r->rank, r->ranks);
    else if (r->shard_n)
        snprintf(label, sizeof r->label, "shard %u/%u", (unsigned)r->shard_i, (unsigned)r->shard_n);
    cli_progress_init(&r->bar, r->rank > 0 ? TR_CLI_PROGRESS_QUIET : r->o.progress, stderr, label);
    uint64_t lo, hi;
    r->my_paths = shard_paths(r->opt.paths, r->shard_i, r->shard_n, &lo, &hi);
    r->opt.progress = progress;
    r->opt.progress_user = r;
    r->opt.precision = precision;
    r->opt.precision_user = r;
    r->opt.checkpoint = save_checkpoint;
    r->opt.checkpoint_user = r;
    r->opt.checkpoint_every = r->o.checkpoint_every;
    r->opt.stop = &stop_signal;
    cli_test_pause("prepared");
    cli_signals_stop(&stop_signal);
    r->t0 = now_seconds();
    tr_status st = tr_run(r->cfg, &r->opt, res, err);
    /* Testing aid: rank N fails as if its disk had failed. */
    const char *fail = getenv("TRUSTRISK_TEST_FAIL_RANK");
    if (st == TR_OK && r->ranks > 1 && fail && atoi(fail) == r->rank)
        st = tr_error_add(err, TR_E_IO, NULL, NULL, 0, 0,
                          "failing on purpose (TRUSTRISK_TEST_FAIL_RANK=%d)", r->rank);
    if (st == TR_E_IO) /* the checkpoint's own words */
        for (size_t d = 0; d < r->ckpt_err.count; d++)
            tr_error_add(err, r->ckpt_err.diags[d].status, r->ckpt_err.diags[d].file, NULL, 0, 0,
                         "%s", r->ckpt_err.diags[d].message);
    int mine = st == TR_OK ? 0 : cli_exit_code(st);
    if (mine) cli_progress_clear(&r->bar);
    int all = agree(r, mine, err);
    if (all != 0 && mine == 0 && r->ranks > 1) save_final_state(r, *res);
    if (r->rank == 0 && (all == EXIT_INTERRUPTED || (all == EXIT_INTERNAL && r->ranks > 1)))
        print_stopped(r, all, err);
    tr_error_clear(err);
    return all;
}

/* One process, the whole run: the output folder. */
static int finish_whole(run *r, const tr_results *res, tr_error *err)
{
    cli_progress_finish(&r->bar, tr_results_paths(res), tr_results_seconds(res));
    cli_run_facts f = {r->o.config,
                       tr_results_paths(res),
                       r->opt.seed,
                       tr_results_threads(res),
                       tr_results_seconds(res),
                       0,
                       r->o.resume,
                       0,
                       NULL};
    r->have_od = 0; /* written and freed, or abandoned */
    int extra = cli_outputs_extra(r->o.report, r->o.xlsx);
    if (cli_outputs_write(&r->od, r->o.out, extra, r->cfg, res, &f, NULL, err) != TR_OK)
        return cli_fail_with(err);
    cli_outputs_print(res, r->o.out, extra);
    return 0;
}

/* A shard: its state, then its checkpoint goes. */
static int finish_shard(run *r, const tr_results *res, tr_error *err)
{
    cli_progress_finish(&r->bar, r->my_paths, tr_results_seconds(res));
    char *name = cli_state_file(NULL, "shard", r->shard_i, r->shard_n);
    char *path = cli_state_file(r->o.out, "shard", r->shard_i, r->shard_n);
    void *state = NULL;
    size_t len = 0;
    tr_status st = name && path ? tr_results_state(res, &state, &len, err)
                                : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    if (st == TR_OK) st = cli_file_replace(r->o.out, name, state, len, err);
    if (st == TR_OK && unlink(r->ckpt_path) != 0 && errno != ENOENT) {
        fputs("trustrisk: warning: cannot remove ", stderr);
        cli_print_text(stderr, r->ckpt_path, ": ");
        fprintf(stderr, "%s (the shard's state is written; the checkpoint is no longer needed)\n",
                strerror(errno));
    }
    if (st == TR_OK) {
        uint64_t lo, hi, B = TR_PATH_BLOCK, nb = (r->opt.paths + B - 1) / B;
        shard_paths(r->opt.paths, r->shard_i, r->shard_n, &lo, &hi);
        printf("shard %u/%u: ", (unsigned)r->shard_i, (unsigned)r->shard_n);
        if (hi > lo)
            printf("blocks %llu-%llu of the run's %llu (paths %llu-%llu)", (unsigned long long)lo,
                   (unsigned long long)(hi - 1), (unsigned long long)nb,
                   (unsigned long long)(lo * B),
                   (unsigned long long)((hi * B < r->opt.paths ? hi * B : r->opt.paths) - 1));
        else
            printf("no blocks (the run has %llu, fewer than its shards)", (unsigned long long)nb);
        fputs("; state written to ", stdout);
        cli_print_text(stdout, path, "\n");
    }
    free(state);
    free(name);
    free(path);
    return st == TR_OK ? 0 : cli_fail_with(err);
}

/* Under MPI: the ranks' states to rank 0, merged there and written. */
static int finish_mpi(run *r, const tr_results *res, tr_error *err)
{
    void *state = NULL;
    size_t len = 0;
    tr_status st = tr_results_state(res, &state, &len, err);
    void **all = NULL;
    size_t *lens = NULL;
    st = cli_mpi_gather(state, len, st, &all, &lens, err);
    tr_config *cfg = NULL;
    tr_results *merged = NULL;
    if (st == TR_OK && r->rank == 0) {
        char **names = calloc((size_t)r->ranks, sizeof *names);
        for (int k = 0; names && k < r->ranks; k++)
            if ((names[k] = malloc(32)) != NULL)
                snprintf(names[k], 32, "rank %d of %d", k, r->ranks);
        st = names ? tr_results_merge((const void *const *)all, lens, (const char *const *)names,
                                      (size_t)r->ranks, &cfg, &merged, err)
                   : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
        for (int k = 0; k < r->ranks; k++) {
            free(names ? names[k] : NULL);
            free(all[k]);
        }
        free(names);
        double seconds = now_seconds() - r->t0;
        r->bar.label = r->o.resume ? "run (resumed)" : "run";
        cli_progress_finish(&r->bar, r->opt.paths, seconds);
        cli_run_facts f = {r->o.config, r->opt.paths, r->opt.seed, tr_results_threads(res),
                           seconds,     r->ranks,     r->o.resume, 0,
                           NULL};
        r->have_od = 0; /* written and freed, or abandoned */
        if (st == TR_OK)
            st = cli_outputs_write(&r->od, r->o.out, cli_outputs_extra(r->o.report, r->o.xlsx), cfg,
                                   merged, &f, NULL, err);
        else
            cli_outdir_abandon(&r->od);
    }
    free(all);
    free(lens);
    int code = agree(r, cli_exit_code(st), err);
    if (code == 0 && r->rank == 0)
        cli_outputs_print(merged, r->o.out, cli_outputs_extra(r->o.report, r->o.xlsx));
    tr_error_clear(err);
    tr_results_free(merged);
    tr_config_free(cfg);
    return code;
}

int cli_cmd_run(int argc, char **argv, const char *prog)
{
    run r;
    memset(&r, 0, sizeof r);
    cli_opts_init(&r.o);
    r.prog = prog;
    r.argc = argc;
    r.argv = argv;
    r.rank = cli_mpi_rank();
    r.ranks = cli_mpi_size();
    int rc = parse(&r);
    if (rc) return rc < 0 ? 0 : rc;
    tr_error err;
    tr_error_init(&err);
    tr_error_init(&r.ckpt_err);
    int code = agree(&r, setup(&r, &err), &err);
    tr_error_clear(&err);
    if (code == 0 && r.o.resume && r.ranks > 1) {
        code = agree(&r, resume_some(&r, &err), &err);
        tr_error_clear(&err);
    }
    tr_results *res = NULL;
    if (code == 0) code = simulate(&r, &res, &err);
    if (code == 0)
        code = r.ranks > 1 ? finish_mpi(&r, res, &err)
               : r.shard_n ? finish_shard(&r, res, &err)
                           : finish_whole(&r, res, &err);
    tr_error_clear(&err);
    tr_results_free(res);
    if (r.have_od) cli_outdir_abandon(&r.od);
    cli_signals_stop(NULL);
    cli_state_free(&r.resume);
    tr_config_free(r.cfg);
    free(r.ckpt_name);
    free(r.ckpt_path);
    tr_error_clear(&r.ckpt_err);
    return code;
}
