/*
 * trustrisk/report.h - the HTML report of a run, and a batch's comparison page.
 *
 * tr_report_html turns the results.json of a run into one self-contained
 * HTML page that opens in any browser without a network: the trusts ranked
 * by probability of failure with 95 % intervals, failure curves, bail-out
 * exceedance curves per trust and per consortium, fan charts of cash, the
 * schemes whose shortfall drives failure, the distribution of the number of
 * trusts failing, and the run's provenance.
 *
 * The library makes the page and the charts' gnuplot scripts; drawing them
 * is the application's: it passes a tr_chart_fn that turns a script into
 * SVG (the `trustrisk` command runs gnuplot, one process per chart, through
 * pipes). Without one the page says that gnuplot is not installed and
 * still carries every table. Storing the page is the application's too (the
 * command writes report.html beside results.json, atomically).
 */
#ifndef TRUSTRISK_REPORT_H
#define TRUSTRISK_REPORT_H

#include <stddef.h>

#include "trustrisk/error.h"

#include "trustrisk/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the page the command writes into an output folder. */
#define TR_REPORT_FILE "report.html"

/**
 * Draw one chart. `gnuplot_script` is a NUL-terminated gnuplot script that
 * sets the SVG terminal and leaves the output at standard output: run it
 * as `gnuplot` with the script on its standard input, and what gnuplot
 * writes on its standard output is the chart. On success return 0 and set
 * *svg to that SVG document, NUL-terminated, allocated with malloc (the
 * library frees it with free()). On failure return non-zero, leave *svg
 * NULL and write a short reason, NUL-terminated, into `why` (`why_size`
 * bytes): the page says "Chart not drawn (reason)". Called from the thread
 * that called tr_report_html, once per chart, in page order.
 */
typedef int (*tr_chart_fn)(void *user, const char *gnuplot_script, char **svg, char *why,
                           size_t why_size);

/**
 * The report of the results.json text in `results_json` (`len` bytes, need
 * not be NUL-terminated) as one NUL-terminated HTML page in *html, which
 * the caller frees with free(); on failure *html is NULL. `source_name`
 * (may be NULL) names the results in messages and on the page. Charts are
 * drawn by `chart(chart_user, ...)`; with `chart` NULL there are none and
 * the page says that gnuplot is not installed. A chart that cannot be drawn
 * is stated on the page and is not an error.
 *
 * Returns TR_OK; TR_E_INPUT when the text is not JSON (with the line and
 * column) or lacks the fields of a run's results (the message names
 * `source_name`); TR_E_NOMEM.
 */
TR_API tr_status tr_report_html(const char *results_json, size_t len, const char *source_name,
                                tr_chart_fn chart, void *chart_user, char **html, tr_error *err);

/**
 * Same as tr_report_html for the results.json in file `results_file`
 * (files larger than 512 MiB are refused). A missing file is TR_E_INPUT,
 * with a message naming it; a file that cannot be read, TR_E_IO.
 */
TR_API tr_status tr_report_html_file(const char *results_file, tr_chart_fn chart, void *chart_user,
                                     char **html, tr_error *err);

/** Name of a batch's comparison page in its output folder. */
#define TR_COMPARISON_FILE "comparison.html"

/**
 * The comparison page of a batch from its comparison.json text
 * (tr_batch_comparison_json; `len` bytes, need not be NUL-terminated): one
 * self-contained HTML page in the report's style, with a table of the
 * scenarios, the system's figures for each against the reference, and for
 * each scenario a table of its trusts and consortia: the scenario's mean,
 * the paired difference with its 95 % interval, and the gain from pairing
 * (se_unpaired / se). *html is freed by the caller with free(); NULL on
 * failure. TR_E_INPUT when the text is not JSON or not a comparison (the
 * message names `source_name`), TR_E_NOMEM.
 */
TR_API tr_status tr_comparison_html(const char *comparison_json, size_t len,
                                    const char *source_name, char **html, tr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_REPORT_H */
