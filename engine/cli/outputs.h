/*
 * outputs.h - a run's output set (private to the CLI): results.json,
 * run.json, the CSV views and, when asked, report.html and results.xlsx,
 * written into an output folder all or nothing (outdir.h), and the summary
 * printed after. `run` and `merge` write the same set, and `batch` one per
 * scenario.
 */
#ifndef TR_CLI_OUTPUTS_H
#define TR_CLI_OUTPUTS_H

#include "outdir.h"
#include "runinfo.h"
#include "trustrisk/trustrisk.h"

/** What cli_outputs_write adds to the set, or'ed together. */
enum { CLI_OUT_REPORT = 1, CLI_OUT_XLSX = 2 };

/**
 * Write the results' files into the prepared folder `od` (named `out` on
 * the command line) and put them in place (cli_outdir_commit); on failure
 * the staging folder is removed and nothing changes. `extra`: CLI_OUT_REPORT
 * for report.html, CLI_OUT_XLSX for results.xlsx (xlsx.h). `json`:
 * results.json's text when the caller has made it already, else NULL.
 */
tr_status cli_outputs_write(cli_outdir *od, const char *out, int extra, const tr_config *cfg,
                            const tr_results *res, const cli_run_facts *facts, const char *json,
                            tr_error *err);

/**
 * The same files, into the folder `dir` of the staging folder (made
 * already: "scenarios/ID"; NULL: the staging folder itself), without the
 * commit: a batch writes every scenario's set, then commits once. On
 * failure the caller abandons `od`.
 */
tr_status cli_outputs_add(cli_outdir *od, const char *dir, const char *out, int extra,
                          const tr_config *cfg, const tr_results *res, const cli_run_facts *facts,
                          const char *json, tr_error *err);

/** The summary table on standard output, and where the files went
 * (`extra` as for cli_outputs_write). */
void cli_outputs_print(const tr_results *res, const char *out, int extra);

/** The extras that options ask for (CLI_OUT_REPORT, CLI_OUT_XLSX). */
int cli_outputs_extra(int report, int xlsx);

#endif /* TR_CLI_OUTPUTS_H */
