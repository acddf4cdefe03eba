/*
 * common.h - what the command's subcommands share (private to the CLI):
 * exit statuses, messages, and the options of run and path.
 */
#ifndef TR_CLI_COMMON_H
#define TR_CLI_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include "progress.h"
#include "trustrisk/trustrisk.h"

/* Exit statuses (documented in the usage text, the README and the man page). */
#define EXIT_INTERNAL 1    /* an internal or run-time failure (I/O, memory) */
#define EXIT_INPUT 2       /* bad input: config, state, arguments, --out */
#define EXIT_INTERRUPTED 3 /* stopped by a signal, its state saved to resume from */

/** The command's help text (main.c). */
extern const char cli_usage[];

/** The exit status for a library status. */
int cli_exit_code(tr_status st);

/** Print the problems in `err` on stderr, clear it, and return the exit
 * status they call for (never 0). */
int cli_fail_with(tr_error *err);

/** "trustrisk: MESSAGE" and the way to the help on stderr; returns 2. */
int cli_bad_usage(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/** Print `s` escaped (tr_text_print), then `after` as it is. */
void cli_print_text(FILE *fp, const char *s, const char *after);

/** Parse a whole non-negative decimal integer; -1 for anything else. */
int cli_parse_u64(const char *s, uint64_t *out);

/** After a command wrote its answer on stdout: 0, or EXIT_INTERNAL (said
 * on stderr) when it could not be written (a full disk, a closed pipe). */
int cli_flush_stdout(void);

/** Options of run, batch and path. */
typedef struct cli_opts {
    const char *input; /* what the file argument is, in messages: "CONFIG" (NULL), "MANIFEST" */
    const char *config;
    const char *out;
    uint64_t paths, seed, index;
    int has_paths, has_seed, has_index;
    int threads;
    int report;
    int xlsx; /* --xlsx: also results.xlsx */
    cli_progress_mode progress;
    double checkpoint_every; /* seconds; 0: only on a signal */
    int resume;
    uint32_t shard_i, shard_n;    /* shard_n 0: not a shard */
    double target_se, target_rel; /* --target-se, --target-rel (0: not given) */
} cli_opts;

/** "--xlsx" in a build without libxlsxwriter: say so on stderr; returns 2. */
int cli_no_xlsx(void);

/** Defaults: out "out", a checkpoint every 60 seconds. */
void cli_opts_init(cli_opts *o);

/**
 * Parse the arguments after the subcommand: run's (and batch's) options
 * when `run`, path's when `path`. 0 when done, -1 when --help was printed (exit 0),
 * else the exit status of a usage error (printed).
 */
int cli_parse_opts(int argc, char **argv, cli_opts *o, int run, int path);

#endif /* TR_CLI_COMMON_H */
