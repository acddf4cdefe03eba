/*
 * gnuplot.h - drawing the report's charts with gnuplot (private to the
 * CLI; the library writes the scripts, trustrisk/report.h).
 *
 * Each chart is one gnuplot process started with posix_spawn (never
 * through a shell), reading its script on standard input and writing the
 * SVG on standard output, both pipes: no temporary file exists at any
 * moment, so a report that is killed leaves nothing behind.
 */
#ifndef TR_CLI_GNUPLOT_H
#define TR_CLI_GNUPLOT_H

#include <stddef.h>

/** The gnuplot the charts are drawn with. */
typedef struct cli_gnuplot {
    char *program; /**< full path of gnuplot, or NULL when it is not on PATH */
} cli_gnuplot;

/** Look gnuplot up on PATH (an empty entry means "."). */
void cli_gnuplot_init(cli_gnuplot *g);
void cli_gnuplot_free(cli_gnuplot *g);

/**
 * A tr_chart_fn (report.h): `user` is a cli_gnuplot whose program is set.
 * Runs gnuplot on `script` and returns its standard output in *svg; on
 * failure says why (gnuplot's first error line when it had one).
 */
int cli_gnuplot_chart(void *user, const char *script, char **svg, char *why, size_t why_size);

#endif /* TR_CLI_GNUPLOT_H */
