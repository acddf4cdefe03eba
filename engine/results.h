/*
 * results.h - what a finished run holds (private).
 */
#ifndef TR_RESULTS_H
#define TR_RESULTS_H

#include <stdio.h>

#include "accum.h"
#include "trustrisk/run.h"

struct tr_results {
    const tr_config *cfg; /* borrowed: results must be freed before their config */
    tr__plan plan;
    tr__acc total;
    uint64_t paths, seed, first_path;
    int threads;
    double seconds;
};

/* CSV output shared by the CSV views and `path`: a field quoted per RFC 4180
 * when needed; a number as %.10g (no "-0"), nothing for NaN or infinity. */
void tr__csv_str(FILE *fp, const char *s);
void tr__csv_num(FILE *fp, double x);

#endif /* TR_RESULTS_H */
