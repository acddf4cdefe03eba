/*
 * keys.h - the one table of what every output reports (private): the
 * quantile, expected-shortfall and cash-band levels, their names in
 * results.json, in the CSV headers and for people, and how many points an
 * exceedance curve has.
 *
 * The summary (summary.c) computes exactly these; results.json, the CSV
 * views and the printed summary format them, and the report reads them back
 * from results.json by the same names. A new level is added here and
 * nowhere else.
 */
#ifndef TR_KEYS_H
#define TR_KEYS_H

/* One level and its names. */
typedef struct tr__key {
    double level;      /* the probability */
    const char *json;  /* key in results.json ("0.99", "p95") */
    const char *csv;   /* suffix in CSV headers ("q99", "es99", "cash_p95") */
    const char *label; /* for people ("99 %", "ES 99 %") */
} tr__key;

/* Quantiles of every DIST ("quantiles" in results.json). */
enum { TR__Q50 = 0, TR__Q90, TR__Q95, TR__Q99, TR__Q995, TR__NQ };
extern const tr__key tr__quantile_keys[TR__NQ];

/* Expected shortfalls of every DIST ("es"). */
enum { TR__ES95 = 0, TR__ES99, TR__NES };
extern const tr__key tr__es_keys[TR__NES];

/* Month-end cash bands of a trust ("cash_bands"), lowest first. */
enum { TR__P5 = 0, TR__P25, TR__P50, TR__P75, TR__P95, TR__NBANDS };
extern const tr__key tr__band_keys[TR__NBANDS];

/* Points on a DIST's exceedance curve ("exceedance"), besides its last. */
#define TR__EXCEEDANCE_POINTS 60

#endif /* TR_KEYS_H */
