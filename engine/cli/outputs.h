/*
 * outputs.h - a run's output set (private to the CLI): results.json,
 * run.json, the CSV views and, when asked, report.html, written into an
 * output folder all or nothing (outdir.h), and the summary printed after.
 * `run` and `merge` write the same set.
 */
#ifndef TR_CLI_OUTPUTS_H
#define TR_CLI_OUTPUTS_H

#include "outdir.h"
#include "runinfo.h"
#include "trustrisk/trustrisk.h"

/**
 * Write the results' files into the prepared folder `od` (named `out` on
 * the command line) and put them in place (cli_outdir_commit); on failure
 * the staging folder is removed and nothing changes. `report`: also
 * report.html. `json`: results.json's text when the caller has made it
 * already, else NULL.
 */
tr_status cli_outputs_write(cli_outdir *od, const char *out, int report, const tr_config *cfg,
                            const tr_results *res, const cli_run_facts *facts, const char *json,
                            tr_error *err);

/** The summary table on standard output, and where the files went. */
void cli_outputs_print(const tr_results *res, const char *out, int report);

#endif /* TR_CLI_OUTPUTS_H */
