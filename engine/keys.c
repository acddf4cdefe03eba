/*
 * keys.c - the levels every output reports, and their names (keys.h).
 */
#include "keys.h"

const tr__key tr__quantile_keys[TR__NQ] = {
    {0.5, "0.5", "q50", "median"},      {0.9, "0.9", "q90", "90 %"},
    {0.95, "0.95", "q95", "95 %"},      {0.99, "0.99", "q99", "99 %"},
    {0.995, "0.995", "q995", "99.5 %"},
};

const tr__key tr__es_keys[TR__NES] = {
    {0.95, "0.95", "es95", "ES 95 %"},
    {0.99, "0.99", "es99", "ES 99 %"},
};

const tr__key tr__band_keys[TR__NBANDS] = {
    {0.05, "p5", "cash_p5", "5th percentile"},    {0.25, "p25", "cash_p25", "25th percentile"},
    {0.5, "p50", "cash_p50", "median"},           {0.75, "p75", "cash_p75", "75th percentile"},
    {0.95, "p95", "cash_p95", "95th percentile"},
};
