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
 */
#ifndef TRUSTRISK_REPORT_H
#define TRUSTRISK_REPORT_H

#include "trustrisk/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Name of the page tr_report_write creates inside the output folder. */
#define TR_REPORT_FILE "report.html"

/**
 * Read `outdir`/results.json and write `outdir`/report.html. The page is
 * written to a temporary name in `outdir` and renamed, so a failure never
 * leaves a half-written report. gnuplot is looked up on PATH and run
 * directly (no shell) on scripts in a private temporary folder that is
 * removed afterwards; a missing gnuplot, or a chart gnuplot fails to draw,
 * is stated on the page and is not an error.
 *
 * Returns TR_OK; TR_E_INPUT when results.json is missing, is not JSON or
 * lacks the fields docs/results.md lists (the message names the file);
 * TR_E_IO when the page cannot be written; TR_E_NOMEM.
 */
tr_status tr_report_write(const char *outdir, tr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTRISK_REPORT_H */
