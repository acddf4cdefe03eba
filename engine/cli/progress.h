/*
 * progress.h - the command's progress display (private to the CLI).
 *
 * A run can take minutes to hours. On a terminal the analyst wants to see
 * that it is moving and when it will end: a bar with paths done, the rate
 * and the time left, redrawn in place. In a log file (an overnight batch)
 * a bar would be hundreds of carriage returns, so there only one final
 * line is written. --progress and --quiet force either behaviour.
 */
#ifndef TR_CLI_PROGRESS_H
#define TR_CLI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

/** How progress is shown. */
typedef enum cli_progress_mode {
    TR_CLI_PROGRESS_AUTO = 0, /**< a bar if the stream is a terminal, else the final line only */
    TR_CLI_PROGRESS_BAR,      /**< always the bar (--progress) */
    TR_CLI_PROGRESS_QUIET     /**< nothing at all (--quiet) */
} cli_progress_mode;

/** State of one progress display; fill with cli_progress_init. */
typedef struct cli_progress {
    FILE *fp;          /**< where to write (stderr), not owned */
    const char *label; /**< word before the bar, e.g. "run"; not owned */
    int bar;           /**< draw the bar */
    int quiet;         /**< write nothing, not even the final line */
    int drawn;         /**< the bar is on screen (needs clearing) */
    int last_width;    /**< characters of the last bar drawn */
    double start;      /**< monotonic seconds at init */
    double last_draw;  /**< monotonic seconds of the last redraw */
    char note[96];     /**< shown after the bar (a precision target's state), or "" */
} cli_progress;

/**
 * Start a display on `fp` in `mode`. AUTO chooses the bar when `fp` is a
 * terminal (isatty). `label` (may be NULL) starts every line.
 */
void cli_progress_init(cli_progress *p, cli_progress_mode mode, FILE *fp, const char *label);

/**
 * Progress callback with the signature of tr_progress_fn (run.h); `user` is
 * the cli_progress. Redraws the bar at most ten times a second, and always
 * for the first call and when done == total.
 */
void cli_progress_update(void *user, uint64_t done, uint64_t total);

/**
 * End the display: clear the bar and write one line with the paths run, the
 * seconds taken and the rate (nothing in quiet mode).
 */
void cli_progress_finish(cli_progress *p, uint64_t paths, double seconds);

/** Text shown after the bar from the next redraw on ("" for none). */
void cli_progress_note(cli_progress *p, const char *note);

/** Clear the bar from the screen, if it is there (before a message). */
void cli_progress_clear(cli_progress *p);

#endif /* TR_CLI_PROGRESS_H */
