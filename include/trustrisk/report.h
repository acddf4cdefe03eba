/*
 * trustrisk/report.h - the HTML report of a run.
 *
 * tr_report_write turns the results.json of a run into one self-contained
 * HTML page (report.html, beside it) that opens in any browser without a
 * network: the trusts ranked by probability of failure with 95 % intervals,
 * failure curves, bail-out exceedance curves per trust and per consortium,
 * fan charts of cash, the schemes whose shortfall drives failure, the
 * distribution of the number of trusts failing, and the run's provenance.
 * Charts are drawn by gnuplot (SVG, embedded inline); when gnuplot is not on
 * PATH the page says so plainly and still carries every table.
 * tr_report_html makes the page from the results in memory; tr_report_write
 * is the convenience that reads and writes the files of an output folder.
 */
#ifndef TRUSTRISK_REPORT_H
#define TRUSTRISK_REPORT_H

#include <stddef.h>

#include "trustrisk/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the page tr_report_write creates inside the output folder. */
#define TR_REPORT_FILE "report.html"

/**
 * The report of the results.json text in `results_json` (`len` bytes, need
 * not be NUL-terminated) as one NUL-terminated HTML page in *html, which
 * the caller frees with free(); on failure *html is NULL. `source_name`
 * (may be NULL) names the results in messages and on the page. gnuplot is
 * looked up on PATH and run directly (no shell), one process per chart,
 * with the script on its standard input and the SVG read from its standard
 * output: no file is written anywhere, temporary or not. A missing gnuplot,
 * or a chart gnuplot fails to draw, is stated on the page and is not an
 * error.
 *
 * Returns TR_OK; TR_E_INPUT when the text is not JSON or lacks the fields of
 * a run's results (the message names `source_name`); TR_E_NOMEM.
 */
tr_status tr_report_html(const char *results_json, size_t len, const char *source_name, char **html,
                         tr_error *err);

/**
 * Read `outdir`/results.json and write `outdir`/report.html (tr_report_html
 * and a file). The page is written to a temporary name in `outdir`, flushed
 * to disk and renamed, so a failure never leaves a half-written report.
 *
 * Returns TR_OK; TR_E_INPUT when results.json is missing or is not a run's
 * results (the message names the file); TR_E_IO when the page cannot be
 * written; TR_E_NOMEM.
 */
tr_status tr_report_write(const char *outdir, tr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_REPORT_H */
