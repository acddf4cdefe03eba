/*
 * cmd_run.h - `trustrisk run` (cmd_run.c), and the driver that `run` and
 * `batch` share.
 *
 * A run and a batch are driven alike: the same options, checkpoints,
 * --resume, --shard I/N, MPI ranks, signals and output folder. What differs
 * (what is loaded, simulated, merged and written) is a cli_task: the run's
 * is in cmd_run.c, the batch's in cmd_batch.c; the driver (cli_run_task)
 * does the rest.
 */
#ifndef TR_CLI_CMD_RUN_H
#define TR_CLI_CMD_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "outdir.h"
#include "runinfo.h"
#include "trustrisk/trustrisk.h"

/* `trustrisk run CONFIG [options]` with the arguments after "run"; `prog`
 * is the command as it was started (argv[0]), for the line that resumes
 * an interrupted run. Returns the exit status: 0 done, 1 run-time failure,
 * 2 bad input, 3 stopped by a signal with its state saved. */
int cli_cmd_run(int argc, char **argv, const char *prog);

/* The options of one simulation, the same for a run and a batch (the
 * fields of tr_run_options and tr_batch_options that the driver sets). */
typedef struct cli_sim {
    int threads;
    tr_progress_fn progress;
    void *progress_user;
    uint32_t shard_index, shard_count;
    const void *resume;
    size_t resume_len;
    const char *resume_name;
    tr_state_fn checkpoint;
    void *checkpoint_user;
    double checkpoint_every;
    const volatile int *stop;
    cli_progress *bar; /* the progress display, for a task's notes (not applied) */
} cli_sim;

/* Set the fields of a cli_sim `s` (a pointer) in `opt`, a tr_run_options
 * or a tr_batch_options: they have the same names in both. */
#define CLI_SIM_APPLY(opt, s)                                                                      \
    do {                                                                                           \
        (opt).threads = (s)->threads;                                                              \
        (opt).progress = (s)->progress;                                                            \
        (opt).progress_user = (s)->progress_user;                                                  \
        (opt).shard_index = (s)->shard_index;                                                      \
        (opt).shard_count = (s)->shard_count;                                                      \
        (opt).resume = (s)->resume;                                                                \
        (opt).resume_len = (s)->resume_len;                                                        \
        (opt).resume_name = (s)->resume_name;                                                      \
        (opt).checkpoint = (s)->checkpoint;                                                        \
        (opt).checkpoint_user = (s)->checkpoint_user;                                              \
        (opt).checkpoint_every = (s)->checkpoint_every;                                            \
        (opt).stop = (s)->stop;                                                                    \
    } while (0)

/* What the driver tells a task's log (cli_task.event). */
typedef enum cli_event {
    CLI_EVENT_START,      /* the simulation starts (after every check passed) */
    CLI_EVENT_CHECKPOINT, /* a checkpoint was written */
    CLI_EVENT_ERROR,      /* a problem that ends the command */
    CLI_EVENT_END         /* the command ends (not after a successful write: see write) */
} cli_event;

typedef struct cli_event_info {
    int writes;          /* this process writes the output folder (not a shard, not MPI rank > 0) */
    const cli_opts *o;   /* the options */
    int ranks;           /* MPI processes (1 alone) */
    uint64_t done;       /* CHECKPOINT: paths of this process's part done */
    uint64_t part;       /* paths of this process's part */
    const tr_error *err; /* ERROR: the problems */
    int code;            /* END: the exit status */
    double seconds;      /* END: seconds since the simulation started (NAN: it did not) */
} cli_event_info;

typedef struct cli_task cli_task;

/* What is simulated. Every hook returns a library status and adds its
 * problems to `err`; every rank calls load, simulate and state; rank 0
 * (or the one process) merge, write and print. */
struct cli_task {
    const char *command; /* "run" or "batch": in messages and the resume command */
    const char *input;   /* its argument, in messages: "CONFIG" or "MANIFEST" */
    const char *label;   /* the progress display's (set by load; NULL: command) */
    /* Why the task takes no precision target (--target-se, --target-rel),
     * which are then refused; NULL: it takes one. */
    const char *no_target;
    uint64_t paths, seed; /* set by load */
    double seconds;       /* set by simulate: the library's timing */
    int threads;          /* set by simulate: threads used */
    /* Set by load when the simulation cannot be split (over --shard or
     * MPI): why, for the refusal. NULL: it can. */
    const char *one_process;
    /* Load o->config with the options' --paths and --seed. */
    tr_status (*load)(cli_task *t, const cli_opts *o, tr_error *err);
    /* Simulate (this process's part); the results stay in the task. */
    tr_status (*simulate)(cli_task *t, const cli_sim *s, tr_error *err);
    /* The state of what simulate made (a shard's, an MPI rank's). */
    tr_status (*state)(cli_task *t, void **state, size_t *len, tr_error *err);
    /* Merge n states (the MPI ranks') into the results of the whole. */
    tr_status (*merge)(cli_task *t, const void *const *states, const size_t *lens,
                       const char *const *names, size_t n, tr_error *err);
    /* Write the results (simulated or merged) into the prepared folder
     * `od` (named `out`), with the files `extra` asks for (CLI_OUT_REPORT,
     * CLI_OUT_XLSX: outputs.h), and commit it, or abandon it on failure. A
     * task with a log ends it here, before the commit, when all went well. */
    tr_status (*write)(cli_task *t, cli_outdir *od, const char *out, int extra,
                       const cli_run_facts *facts, tr_error *err);
    /* The summary on standard output, after a successful write (`extra`
     * as for write). */
    void (*print)(cli_task *t, const char *out, int extra);
    /* A log of the command's course; NULL: none. */
    void (*event)(cli_task *t, cli_event ev, const cli_event_info *info);
};

/* Drive task `t` with the arguments after its subcommand (see cli_cmd_run
 * for `prog` and the exit status). */
int cli_run_task(cli_task *t, int argc, char **argv, const char *prog);

#endif /* TR_CLI_CMD_RUN_H */
