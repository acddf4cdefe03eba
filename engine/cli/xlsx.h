/*
 * xlsx.h - Excel workbooks of a run's results (private to the CLI).
 *
 * `run` and `merge` with --xlsx write results.xlsx into the output folder
 * beside results.json: a Summary sheet (provenance first, then the headline
 * numbers and native Excel charts), the trusts ranked as in the report,
 * consortia, failure curves, cash bands, schemes and exceedance curves,
 * numbers as numbers with formats (probabilities 0.0 %, £m to one decimal,
 * months as integers). Everything comes from results.json's text, parsed
 * here with cJSON: the library exposes no per-trust accessors, and the
 * document is its stable contract (docs/results.md).
 *
 * A workbook is built in memory and written when closed, so other commands
 * (batch, sensitivity) can add their own sheets: open one, add a run's
 * sheets with cli_xlsx_results and tornado charts with cli_xlsx_tornado,
 * close it. libxlsxwriter is optional at build time (CMake's TR_XLSX);
 * without it every function fails with CLI_XLSX_UNSUPPORTED and the
 * command refuses --xlsx with exit status 2.
 */
#ifndef TR_CLI_XLSX_H
#define TR_CLI_XLSX_H

#include <stddef.h>

#include "runinfo.h"
#include "trustrisk/trustrisk.h"

/** The workbook's name in an output folder. */
#define CLI_XLSX_FILE "results.xlsx"

/** Why --xlsx is refused by a build without libxlsxwriter. */
#define CLI_XLSX_UNSUPPORTED "this trustrisk was built without Excel support (libxlsxwriter)"

/** Non-zero when this build writes workbooks. */
int cli_xlsx_supported(void);

/** A workbook being built. */
typedef struct cli_xlsx cli_xlsx;

/**
 * Start a workbook that cli_xlsx_close will write to `path` (nothing is
 * written before). TR_E_INPUT with CLI_XLSX_UNSUPPORTED in a build without
 * libxlsxwriter; TR_E_NOMEM.
 */
tr_status cli_xlsx_open(const char *path, cli_xlsx **out, tr_error *err);

/**
 * Add the sheets of one run: Summary (provenance from `facts` and
 * results.json, headline numbers, charts), Trusts, Consortia, Failure
 * curves, Cash bands, Schemes, Exceedance. `json` is the run's results.json
 * text. Call it once per workbook: the sheet names are fixed. TR_E_INPUT
 * when `json` is not a run's results.
 */
tr_status cli_xlsx_results(cli_xlsx *x, const char *json, const cli_run_facts *facts,
                           tr_error *err);

/** One bar of a tornado chart: an effect's range, from `low` to `high`. */
typedef struct cli_xlsx_bar {
    const char *label;
    double low, high; /* NAN: no bar */
} cli_xlsx_bar;

/**
 * A tornado chart: `n` horizontal bars, the first at the top, each drawn
 * from 0 to `low` and from 0 to `high` (two series on one line, the wider
 * behind), so effects of either sign, or a value and its range, read
 * against the zero line. Its table (label, low, high; `low_name` and
 * `high_name` head the columns and name the series) goes below whatever
 * the sheet `sheet` holds, and the chart beside it; the sheet is made when
 * the workbook has none of that name (a name Excel refuses is mended:
 * at most 31 characters, none of []:*?/\). `value_axis` titles the value
 * axis; `percent` formats it and the table as percentages. TR_E_INPUT when
 * n is 0 or the workbook already holds its 255 sheets.
 */
tr_status cli_xlsx_tornado(cli_xlsx *x, const char *sheet, const char *title,
                           const char *value_axis, const char *low_name, const char *high_name,
                           int percent, const cli_xlsx_bar *bars, size_t n, tr_error *err);

/**
 * Write the workbook to its path and free `x`; `keep` 0 frees it without
 * writing. TR_E_IO naming the path when the file cannot be written.
 * NULL is allowed.
 */
tr_status cli_xlsx_close(cli_xlsx *x, int keep, tr_error *err);

/** Open, add one run's sheets, close: the workbook of `run`/`merge --xlsx`. */
tr_status cli_xlsx_write(const char *path, const char *json, const cli_run_facts *facts,
                         tr_error *err);

#endif /* TR_CLI_XLSX_H */
