/*
 * model.h - the validated in-memory model of a config (private).
 *
 * The loader (config.c) builds a tr_config from JSON, applying every default
 * of docs/model.md and checking every rule; the simulator (sim.c) reads it and
 * never needs to check anything again. All strings and arrays are owned by
 * the config and freed by tr_config_free. Nothing here is modified after
 * loading, so one config is shared read-only by every thread.
 */
#ifndef TR_MODEL_H
#define TR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_limits.h"
#include "trustrisk/config.h"

typedef enum tr__dist_kind {
    TR__DIST_FIXED = 0,
    TR__DIST_UNIFORM,
    TR__DIST_TRIANGULAR,
    TR__DIST_PERT,
    TR__DIST_BETA,
    TR__DIST_NORMAL,
    TR__DIST_LOGNORMAL,
    TR__DIST_DISCRETE
} tr__dist_kind;

/* Factor loadings of one element (or of a scheme/trust, as the fallback). */
typedef struct tr__loadings {
    size_t n;       /* number of loadings (0 = independent) */
    int *factor;    /* index into tr_config.factors */
    double *weight; /* w_k, with sum w_k^2 <= 1 */
    double resid;   /* sqrt(1 - sum w_k^2), precomputed */
} tr__loadings;

/*
 * A distribution, sampled as F^{-1}(u). Parameters as in docs/model.md section 4;
 * derived shape parameters are precomputed by the loader:
 *   fixed:      value
 *   uniform:    min, max
 *   triangular: min, mode, max
 *   pert:       min, mode, max, lambda; alpha, beta = Beta shapes on [min, max]
 *   beta:       mean, sd, min, max;     alpha, beta = method-of-moments shapes
 *   normal:     mean, sd
 *   lognormal:  median, sigma
 *   discrete:   values[n], probs[n], cum[n] (cum[n-1] forced to exactly 1)
 */
typedef struct tr__dist {
    tr__dist_kind kind;
    double value;
    double min, mode, max, lambda;
    double mean, sd;
    double median, sigma;
    double alpha, beta;
    size_t n;
    double *values, *probs, *cum;
    bool has_loadings;     /* the object had its own "factors" */
    tr__loadings loadings; /* its own loadings (valid when has_loadings) */
} tr__dist;

typedef enum tr__factor_scope {
    TR__SCOPE_GLOBAL = 0,
    TR__SCOPE_CONSORTIUM,
    TR__SCOPE_TRUST
} tr__factor_scope;

typedef struct tr__factor {
    char *name;
    tr__factor_scope scope;
    uint64_t key; /* tr__hash64 of name: the factor's random-stream address */
} tr__factor;

typedef struct tr__consortium {
    char *id, *name, *notes;
    double reserve; /* £m, >= 0 */
    uint64_t key;   /* tr__hash64 of id */
} tr__consortium;

typedef enum tr__scheme_kind {
    TR__SCHEME_EFFICIENCY = 0,
    TR__SCHEME_CLOSURE,
    TR__SCHEME_OTHER
} tr__scheme_kind;

typedef struct tr__scheme {
    char *id, *name, *notes;
    tr__scheme_kind kind; /* default other */
    double saving;        /* £m/year, >= 0 (required) */
    double start_month;   /* >= 1 (required); may be fractional */
    double ramp_months;   /* >= 0, default 0 */
    tr__dist delivery;    /* default fixed 1 */
    double paper;         /* probability, default 0 */
    tr__dist slippage;    /* default fixed 0 */
    bool has_stay;
    double stay_probability; /* valid when has_stay */
    tr__dist stay_delay;     /* valid when has_stay */
    bool has_compromise;
    double compromise_probability;
    tr__dist retained;
    double one_off_cost;   /* £m, >= 0, default 0 */
    bool recurrent;        /* default true */
    tr__loadings loadings; /* the scheme's own "factors" (n = 0 if none) */
    uint64_t key;          /* tr__hash64 of id */
    size_t file_index;     /* position in its trust's "schemes" in the file (for messages) */
} tr__scheme;

typedef struct tr__commissioner {
    int consortium; /* index into tr_config.consortia */
    double share;   /* in [0, 1] */
} tr__commissioner;

typedef struct tr__trust {
    char *id, *name, *notes;
    double cash, min_cash, facility;     /* £m; facility >= 0 */
    double income, expenditure;          /* £m/year, >= 0 */
    double fixed_charges;                /* £m/year, >= 0, default 0 */
    double fixed_indexation;             /* per year, > -1, default 0 */
    tr__dist income_growth, cost_growth; /* default fixed 0 */
    double cash_noise;                   /* £m sd per month, >= 0, default 0 */
    size_t n_commissioners;
    tr__commissioner *commissioners; /* shares sum to <= 1 */
    double national_share;           /* 1 - sum of shares (>= 0) */
    int lead_consortium;             /* largest share, first on tie; -1 if none */
    double bailout_buffer;           /* £m, >= 0, default 0 */
    tr__loadings loadings;           /* the trust's own "factors" */
    size_t n_schemes;
    tr__scheme *schemes;
    uint64_t key;      /* tr__hash64 of id */
    size_t file_index; /* position in "trusts" in the file (for messages) */
} tr__trust;

typedef enum tr__copula_kind { TR__COPULA_GAUSSIAN = 0, TR__COPULA_T } tr__copula_kind;

/*
 * The config's "precision" (docs/model.md section 11): stop a run at the first
 * round boundary where every trust's P(fail) has se <= max(se, rel *
 * estimate); the command line's --target-se and --target-rel override it.
 * A target not given is 0; `set` says that at least one was given.
 */
typedef struct tr__precision {
    bool set;
    double se;  /* target_se: in (0, 0.5), or 0 */
    double rel; /* target_rel: in (0, 1), or 0 */
} tr__precision;

/* The config's "sampling" (docs/model.md section 11). */
typedef enum tr__sampling_method {
    TR__SAMPLING_PLAIN = 0, /* {"method": "plain"} or no "sampling": the default */
    TR__SAMPLING_SHIFT,     /* {"method": "shift", "shift": {...}}: a given shift */
    TR__SAMPLING_AUTO       /* {"method": "shift", "auto": {...}}: the pilot picks it */
} tr__sampling_method;

/* The rare event an automatic shift is chosen for. */
typedef enum tr__rare_event {
    TR__EVENT_FAILURES_AT_LEAST = 0, /* {"failures_at_least": k}: k or more trusts fail */
    TR__EVENT_TRUST_FAILS,           /* {"trust_fails": "id"}: that trust fails */
    TR__EVENT_TOTAL_BAILOUT_ABOVE    /* {"total_bailout_above": x}: system bail-out > x (£m) */
} tr__rare_event;

typedef struct tr__sampling {
    tr__sampling_method method;
    /* TR__SAMPLING_SHIFT: the n factors named in "shift", in canonical
     * order (ascending index into tr_config.factors, i.e. by name), each of
     * global or consortium scope, with its shift mu (|mu| <= 10; 0 is
     * allowed and shifts nothing). Every draw of factor[k] (one per path
     * for a global factor, one per consortium and path for a
     * consortium-scoped one: plan.h's zoff[factor[k]] onwards) becomes
     * mu[k] + E. n is 0 for the other methods. */
    size_t n;
    int *factor;
    double *mu;
    /* TR__SAMPLING_AUTO: the event and the pilot's size. */
    tr__rare_event event;
    size_t k;       /* TR__EVENT_FAILURES_AT_LEAST: 1..n_trusts */
    int trust;      /* TR__EVENT_TRUST_FAILS: index into tr_config.trusts (canonical) */
    char *trust_id; /* TR__EVENT_TRUST_FAILS: its id (owned), else NULL */
    double x;       /* TR__EVENT_TOTAL_BAILOUT_ABOVE: £m, in [0, TR_MAX_MONEY] */
    uint64_t
        pilot_paths; /* TR_PILOT_PATHS_MIN..TR_PILOT_PATHS_MAX, default TR_DEFAULT_PILOT_PATHS */
} tr__sampling;

struct tr_config {
    char *name, *notes;
    char *source; /* file name (or "<buffer>") */
    char *text;   /* the config's text as loaded (NUL-terminated), and its length */
    size_t text_len;
    char sha256[65]; /* hex SHA-256 of the canonical form (canon.c), not of the raw bytes */
    int horizon;     /* 1..TR_MAX_HORIZON */
    uint64_t paths;  /* default TR_DEFAULT_PATHS */
    uint64_t seed;   /* default TR_DEFAULT_SEED; 0..2^64-1 (JSON integers up to 2^53) */
    tr__copula_kind copula;
    double dof; /* t copula degrees of freedom, > 2 */
    size_t n_factors;
    tr__factor *factors;
    size_t n_consortia;
    tr__consortium *consortia;
    size_t n_trusts; /* >= 1 */
    tr__trust *trusts;
    size_t n_schemes_total;
    tr__precision precision; /* "precision" (set = false without it) */
    tr__sampling sampling;   /* "sampling" (plain without it) */
};

/* The config's precision targets and sampling method (never NULL). */
const tr__precision *tr__config_precision(const tr_config *cfg);
const tr__sampling *tr__config_sampling(const tr_config *cfg);

/* Does the sampling change any draw? False for plain sampling and for a
 * given shift whose every mu is 0 (which is plain sampling: every weight
 * is 1), true for any other shift and for an automatic one. */
bool tr__sampling_active(const tr__sampling *s);

/* The shift of factor f (index into tr_config.factors) under a given
 * shift: its mu, or 0 when it is not shifted (or the sampling is not
 * TR__SAMPLING_SHIFT). */
double tr__sampling_mu(const tr__sampling *s, int f);

/* 64-bit FNV-1a of a NUL-terminated string, then a SplitMix64 finaliser.
 * It is the stable address of a named thing in the random streams: changing
 * it changes every result, so it is frozen (see tests/test_rng.c). */
uint64_t tr__hash64(const char *s);

#endif /* TR_MODEL_H */
