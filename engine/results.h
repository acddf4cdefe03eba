/*
 * results.h - what a finished run holds (private).
 */
#ifndef TR_RESULTS_H
#define TR_RESULTS_H

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

#endif /* TR_RESULTS_H */
