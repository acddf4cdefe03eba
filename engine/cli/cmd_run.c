/*
 * cmd_run.c - `trustrisk run CONFIG [options]`, and the driver that `run`
 * and `batch` share (cmd_run.h): what follows holds for both.
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
#include <math.h>
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
    int argc;         /* the arguments after the subcommand */
    char **argv;
    int rank, ranks;           /* under MPI; 0 and 1 alone */
    uint32_t shard_i, shard_n; /* the part this process runs (0 of 0: all) */
    cli_outdir od;             /* the output folder, when this process writes it */
    int have_od;
    char *ckpt_name, *ckpt_path; /* its checkpoint in the output folder */
    int resume_missing;          /* --resume found no checkpoint (MPI: this rank's part) */
    cli_state resume;
    tr_error ckpt_err; /* why the last checkpoint could not be written */
    cli_task *t;       /* what is simulated */
    cli_sim sim;
    char label[64]; /* the progress display's: it outlives simulate() */
    cli_progress bar;
    uint64_t my_paths; /* paths of this process's part */
    uint64_t done;     /* ... of which done, as last reported */
    double t0;         /* when the simulation started; NAN before */
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

/* Tell the task's log (rank 0's, or the one process's, while it has the
 * output folder). */
static void log_event(run *r, cli_event ev, const tr_error *err, int code)
{
    if (!r->t->event) return;
    cli_event_info info = {
        r->have_od,  &r->o, r->ranks, r->done,
        r->my_paths, err,   code,     isnan(r->t0) ? NAN : now_seconds() - r->t0};
    r->t->event(r->t, ev, &info);
}

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
        log_event(r, CLI_EVENT_ERROR, err, 0);
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
    fputc(' ', fp);
    fputs(r->t->command, fp);
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
                "checkpoint-R-of-%d.trs; continue the %s (with the same number of processes) "
                "by\n",
                r->ranks, r->t->command);
    } else if (r->ranks > 1) {
        fputs("trustrisk: the processes that finished their part saved it in ", stderr);
        cli_print_text(stderr, r->o.out, "/");
        fprintf(stderr,
                "checkpoint-R-of-%d.trs; once the problem is solved, continue the %s (with "
                "the same number of processes) by\n",
                r->ranks, r->t->command);
    } else {
        fprintf(stderr, "trustrisk: the %s's state is saved in ", r->t->command);
        cli_print_text(stderr, r->ckpt_path, "; ");
        fprintf(stderr, "continue the %s by\n", r->t->command);
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
    if (st == TR_OK) log_event(r, CLI_EVENT_CHECKPOINT, NULL, 0);
    return st != TR_OK;
}

/* A state of the results as this process's checkpoint (an MPI rank whose
 * part is done while the run as a whole stops). */
static void save_final_state(run *r)
{
    void *state = NULL;
    size_t len = 0;
    tr_error e;
    tr_error_init(&e);
    if (r->t->state(r->t, &state, &len, &e) != TR_OK || save_checkpoint(r, state, len) != 0) {
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
        r->sim.resume = r->resume.data;
        r->sim.resume_len = r->resume.len;
        r->sim.resume_name = r->resume.name;
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
    r->o.input = r->t->input;
    int rc = cli_parse_opts(r->argc, r->argv, &r->o, 1, 0);
    if (rc == 0 && r->o.shard_n && r->ranks > 1)
        rc = cli_bad_usage("%s", "--shard: under mpirun every process runs its own part "
                                 "already; give --shard without mpirun");
    if (rc == 0 && r->t->no_target && (r->o.target_se > 0.0 || r->o.target_rel > 0.0))
        rc = cli_bad_usage("%s: a %s has no precision target: %s",
                           r->o.target_se > 0.0 ? "--target-se" : "--target-rel", r->t->command,
                           r->t->no_target);
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

/* Load the config (or manifest), read the checkpoint to resume from, check
 * the output folder: everything that can fail before the first path. */
static int setup(run *r, tr_error *err)
{
    const cli_opts *o = &r->o;
    if (r->t->load(r->t, o, err) != TR_OK) return cli_exit_code(tr_error_status(err));
    r->sim.threads = o->threads;
    if (r->t->one_process && (r->ranks > 1 || o->shard_n > 0)) {
        if (r->rank == 0)
            cli_bad_usage("%s; not with %s", r->t->one_process,
                          r->ranks > 1 ? "mpirun" : "--shard");
        return EXIT_INPUT;
    }
    r->shard_i = r->ranks > 1 ? (uint32_t)r->rank : o->shard_i;
    r->shard_n = r->ranks > 1 ? (uint32_t)r->ranks : o->shard_n;
    r->sim.shard_index = r->shard_i;
    r->sim.shard_count = r->shard_n;
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
        cli_print_text(stderr, r->ckpt_path, "");
        fprintf(stderr,
                " holds the state of a %s that was stopped; this %s starts afresh and "
                "replaces it (--resume would continue it)\n",
                r->t->command, r->t->command);
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
static void progress(void *user, uint64_t done, uint64_t total)
{
    run *r = user;
    (void)total;
    r->done = done < r->my_paths ? done : r->my_paths;
    cli_progress_update(&r->bar, r->done, r->my_paths);
}

/* Simulate this process's part, saving checkpoints; stop on a signal. */
static int simulate(run *r, tr_error *err)
{
    const char *name = r->t->label ? r->t->label : r->t->command;
    snprintf(r->label, sizeof r->label, "%s%s", name, r->o.resume ? " (resumed)" : "");
    if (r->ranks > 1)
        snprintf(r->label, sizeof r->label, "rank %d/%d", r->rank, r->ranks);
    else if (r->shard_n)
        snprintf(r->label, sizeof r->label, "shard %u/%u", (unsigned)r->shard_i,
                 (unsigned)r->shard_n);
    cli_progress_init(&r->bar, r->rank > 0 ? TR_CLI_PROGRESS_QUIET : r->o.progress, stderr,
                      r->label);
    uint64_t lo, hi;
    r->my_paths = shard_paths(r->t->paths, r->shard_i, r->shard_n, &lo, &hi);
    r->sim.progress = progress;
    r->sim.progress_user = r;
    r->sim.checkpoint = save_checkpoint;
    r->sim.checkpoint_user = r;
    r->sim.checkpoint_every = r->o.checkpoint_every;
    r->sim.stop = &stop_signal;
    r->sim.bar = &r->bar;
    cli_test_pause("prepared");
    cli_signals_stop(&stop_signal);
    r->t0 = now_seconds();
    log_event(r, CLI_EVENT_START, NULL, 0);
    tr_status st = r->t->simulate(r->t, &r->sim, err);
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
    if (all != 0 && mine == 0 && r->ranks > 1) save_final_state(r);
    if (r->rank == 0 && (all == EXIT_INTERRUPTED || (all == EXIT_INTERNAL && r->ranks > 1)))
        print_stopped(r, all, err);
    tr_error_clear(err);
    return all;
}

/* Write the output folder (the task's results) and say so; the exit status. */
static int write_outputs(run *r, const cli_run_facts *f, tr_error *err)
{
    r->have_od = 0; /* written and freed, or abandoned */
    if (r->t->write(r->t, &r->od, r->o.out, cli_outputs_extra(r->o.report, r->o.xlsx), f, err) !=
        TR_OK) {
        log_event(r, CLI_EVENT_ERROR, err, 0);
        return cli_fail_with(err);
    }
    r->t->print(r->t, r->o.out, cli_outputs_extra(r->o.report, r->o.xlsx));
    return 0;
}

/* One process, the whole run: the output folder. */
static int finish_whole(run *r, tr_error *err)
{
    cli_progress_finish(&r->bar, r->t->paths, r->t->seconds);
    cli_run_facts f = {.config_file = r->o.config,
                       .paths = r->t->paths,
                       .seed = r->t->seed,
                       .threads = r->t->threads,
                       .seconds = r->t->seconds,
                       .resumed = r->o.resume};
    return write_outputs(r, &f, err);
}

/* A shard: its state, then its checkpoint goes. */
static int finish_shard(run *r, tr_error *err)
{
    cli_progress_finish(&r->bar, r->my_paths, r->t->seconds);
    char *name = cli_state_file(NULL, "shard", r->shard_i, r->shard_n);
    char *path = cli_state_file(r->o.out, "shard", r->shard_i, r->shard_n);
    void *state = NULL;
    size_t len = 0;
    tr_status st = name && path ? r->t->state(r->t, &state, &len, err)
                                : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    if (st == TR_OK) st = cli_file_replace(r->o.out, name, state, len, err);
    if (st == TR_OK && unlink(r->ckpt_path) != 0 && errno != ENOENT) {
        fputs("trustrisk: warning: cannot remove ", stderr);
        cli_print_text(stderr, r->ckpt_path, ": ");
        fprintf(stderr, "%s (the shard's state is written; the checkpoint is no longer needed)\n",
                strerror(errno));
    }
    if (st == TR_OK) {
        uint64_t paths = r->t->paths, lo, hi, B = TR_PATH_BLOCK, nb = (paths + B - 1) / B;
        shard_paths(paths, r->shard_i, r->shard_n, &lo, &hi);
        printf("shard %u/%u: ", (unsigned)r->shard_i, (unsigned)r->shard_n);
        if (hi > lo)
            printf("blocks %llu-%llu of the %s's %llu (paths %llu-%llu)", (unsigned long long)lo,
                   (unsigned long long)(hi - 1), r->t->command, (unsigned long long)nb,
                   (unsigned long long)(lo * B),
                   (unsigned long long)((hi * B < paths ? hi * B : paths) - 1));
        else
            printf("no blocks (the %s has %llu, fewer than its shards)", r->t->command,
                   (unsigned long long)nb);
        fputs("; state written to ", stdout);
        cli_print_text(stdout, path, "\n");
    }
    free(state);
    free(name);
    free(path);
    return st == TR_OK ? 0 : cli_fail_with(err);
}

/* Under MPI: the ranks' states to rank 0, merged there and written. */
static int finish_mpi(run *r, tr_error *err)
{
    void *state = NULL;
    size_t len = 0;
    tr_status st = r->t->state(r->t, &state, &len, err);
    void **all = NULL;
    size_t *lens = NULL;
    st = cli_mpi_gather(state, len, st, &all, &lens, err);
    if (st == TR_OK && r->rank == 0) {
        char **names = calloc((size_t)r->ranks, sizeof *names);
        for (int k = 0; names && k < r->ranks; k++)
            if ((names[k] = malloc(32)) != NULL)
                snprintf(names[k], 32, "rank %d of %d", k, r->ranks);
        st = names ? r->t->merge(r->t, (const void *const *)all, lens, (const char *const *)names,
                                 (size_t)r->ranks, err)
                   : tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
        for (int k = 0; k < r->ranks; k++) {
            free(names ? names[k] : NULL);
            free(all[k]);
        }
        free(names);
        double seconds = now_seconds() - r->t0;
        snprintf(r->label, sizeof r->label, "%s%s", r->t->label ? r->t->label : r->t->command,
                 r->o.resume ? " (resumed)" : "");
        cli_progress_finish(&r->bar, r->t->paths, seconds);
        cli_run_facts f = {.config_file = r->o.config,
                           .paths = r->t->paths,
                           .seed = r->t->seed,
                           .threads = r->t->threads,
                           .seconds = seconds,
                           .mpi_ranks = r->ranks,
                           .resumed = r->o.resume};
        r->have_od = 0; /* written and freed, or abandoned */
        if (st == TR_OK)
            st = r->t->write(r->t, &r->od, r->o.out, cli_outputs_extra(r->o.report, r->o.xlsx), &f,
                             err);
        else
            cli_outdir_abandon(&r->od);
    }
    free(all);
    free(lens);
    int code = agree(r, cli_exit_code(st), err);
    if (code == 0 && r->rank == 0)
        r->t->print(r->t, r->o.out, cli_outputs_extra(r->o.report, r->o.xlsx));
    tr_error_clear(err);
    return code;
}

int cli_run_task(cli_task *t, int argc, char **argv, const char *prog)
{
    run r;
    memset(&r, 0, sizeof r);
    cli_opts_init(&r.o);
    r.t = t;
    r.t0 = NAN;
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
    if (code == 0) code = simulate(&r, &err);
    if (code == 0)
        code = r.ranks > 1 ? finish_mpi(&r, &err)
               : r.shard_n ? finish_shard(&r, &err)
                           : finish_whole(&r, &err);
    tr_error_clear(&err);
    if (r.rank == 0) log_event(&r, CLI_EVENT_END, NULL, code);
    if (r.have_od) cli_outdir_abandon(&r.od);
    cli_signals_stop(NULL);
    cli_state_free(&r.resume);
    free(r.ckpt_name);
    free(r.ckpt_path);
    tr_error_clear(&r.ckpt_err);
    return code;
}

/* ---- the run's task ------------------------------------------------------ */

typedef struct run_task {
    cli_task t;
    tr_config *cfg;
    double target_se, target_rel; /* the precision target (0, 0: none) */
    tr_results *res;
    tr_config *merged_cfg; /* under MPI, rank 0: the merged results' */
    tr_results *merged;
} run_task;

static tr_status run_load(cli_task *t, const cli_opts *o, tr_error *err)
{
    run_task *rt = (run_task *)t;
    tr_status st = tr_config_load_file(o->config, &rt->cfg, err);
    if (st != TR_OK) return st;
    t->paths = o->has_paths ? o->paths : tr_config_paths(rt->cfg);
    t->seed = o->has_seed ? o->seed : tr_config_seed(rt->cfg);
    tr_run_options opt;
    tr_run_options_init(&opt, rt->cfg);
    rt->target_se = opt.target_se;
    rt->target_rel = opt.target_rel;
    if (o->target_se > 0.0 || o->target_rel > 0.0) { /* the command line's replaces the config's */
        rt->target_se = o->target_se;
        rt->target_rel = o->target_rel;
    }
    if (rt->target_se > 0.0 || rt->target_rel > 0.0)
        t->one_process = "a precision target (--target-se, --target-rel or the config's "
                         "\"precision\") needs the whole run in one process: where it stops "
                         "depends on every path before it";
    return TR_OK;
}

/* A precision target's state at each round boundary of the stopping rule:
 * the worst trust's se against what the target allows, after the bar. */
static void run_precision(void *user, uint64_t paths, double worst_se, double allowed, int met)
{
    char note[96];
    (void)paths;
    snprintf(note, sizeof note, "worst se %.2g / %.2g%s", worst_se, allowed, met ? " met" : "");
    cli_progress_note(user, note);
}

static tr_status run_simulate(cli_task *t, const cli_sim *s, tr_error *err)
{
    run_task *rt = (run_task *)t;
    tr_run_options opt;
    tr_run_options_init(&opt, rt->cfg);
    opt.paths = t->paths;
    opt.seed = t->seed;
    opt.target_se = rt->target_se;
    opt.target_rel = rt->target_rel;
    opt.precision = run_precision;
    opt.precision_user = s->bar;
    CLI_SIM_APPLY(opt, s);
    tr_status st = tr_run(rt->cfg, &opt, &rt->res, err);
    if (st == TR_OK) {
        t->seconds = tr_results_seconds(rt->res);
        t->threads = tr_results_threads(rt->res);
        if (t->one_process) t->paths = tr_results_paths(rt->res); /* the paths a target used */
    }
    return st;
}

static tr_status run_state(cli_task *t, void **state, size_t *len, tr_error *err)
{
    return tr_results_state(((run_task *)t)->res, state, len, err);
}

static tr_status run_merge(cli_task *t, const void *const *states, const size_t *lens,
                           const char *const *names, size_t n, tr_error *err)
{
    run_task *rt = (run_task *)t;
    return tr_results_merge(states, lens, names, n, &rt->merged_cfg, &rt->merged, err);
}

static tr_status run_write(cli_task *t, cli_outdir *od, const char *out, int extra,
                           const cli_run_facts *facts, tr_error *err)
{
    run_task *rt = (run_task *)t;
    const tr_config *cfg = rt->merged ? rt->merged_cfg : rt->cfg;
    return cli_outputs_write(od, out, extra, cfg, rt->merged ? rt->merged : rt->res, facts, NULL,
                             err);
}

static void run_print(cli_task *t, const char *out, int extra)
{
    run_task *rt = (run_task *)t;
    cli_outputs_print(rt->merged ? rt->merged : rt->res, out, extra);
}

int cli_cmd_run(int argc, char **argv, const char *prog)
{
    run_task rt = {.t = {.command = "run",
                         .input = "CONFIG",
                         .load = run_load,
                         .simulate = run_simulate,
                         .state = run_state,
                         .merge = run_merge,
                         .write = run_write,
                         .print = run_print}};
    int code = cli_run_task(&rt.t, argc, argv, prog);
    tr_results_free(rt.merged);
    tr_config_free(rt.merged_cfg);
    tr_results_free(rt.res);
    tr_config_free(rt.cfg);
    return code;
}
