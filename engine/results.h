/*
 * results.h - what a finished run holds (private).
 *
 * The statistics of its paths (accum.h) and, worked out from them once at
 * the end of the run, every number its outputs report (summary.h). The
 * formatters of results.json (results_json.c), the CSV views
 * (results_csv.c) and the printed summary (results_text.c) read only the
 * summary.
 */
#ifndef TR_RESULTS_H
#define TR_RESULTS_H

#include <stdio.h>

#include "accum.h"
#include "rounds.h"
#include "summary.h"
#include "trustrisk/run.h"

struct tr_results {
    const tr_config *cfg; /* borrowed: the config must outlive the results (run.h) */
    tr__plan plan;
    tr__acc total;
    tr__summary summary;
    uint64_t paths, seed, first_path;
    uint32_t shard_i, shard_n; /* a shard's place (0 of 0: the whole run) */
    tr__blockset done;         /* the blocks its statistics hold */
    tr__target target;         /* a precision target (both 0: none) */
    int threads;
    double seconds;
};

/* A results object for cfg with opt's paths, seed, first path and shard,
 * its plan made and its statistics empty (*out set even on failure: free it). */
tr_status tr__results_new(const tr_config *cfg, const tr_run_options *opt, tr_results **out,
                          tr_error *err);

/* Work out the summary once the statistics are complete (a shard's are
 * partial: it has none). */
tr_status tr__results_finish(tr_results *res, tr_error *err);

/* A shard's results hold a part of the run's paths: they have a state
 * (tr_results_state) but no summary, and the formatters refuse them,
 * saying so, into err (TR_E_INPUT). TR_OK for the results of a whole run. */
tr_status tr__results_whole(const tr_results *res, tr_error *err);

/* CSV output shared by the CSV views and `path`: a field quoted per RFC 4180
 * when needed; a number as %.10g (no "-0"), nothing for NaN or infinity. */
void tr__csv_str(FILE *fp, const char *s);
void tr__csv_num(FILE *fp, double x);

#endif /* TR_RESULTS_H */
