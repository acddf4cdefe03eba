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
#include "summary.h"
#include "trustrisk/run.h"

struct tr_results {
    const tr_config *cfg; /* borrowed: the config must outlive the results (run.h) */
    tr__plan plan;
    tr__acc total;
    tr__summary summary;
    uint64_t paths, seed, first_path;
    int threads;
    double seconds;
};

/* CSV output shared by the CSV views and `path`: a field quoted per RFC 4180
 * when needed; a number as %.10g (no "-0"), nothing for NaN or infinity. */
void tr__csv_str(FILE *fp, const char *s);
void tr__csv_num(FILE *fp, double x);

#endif /* TR_RESULTS_H */
