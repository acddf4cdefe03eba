/*
 * plan.h - what every path of a run shares, prepared once (private).
 *
 * A tr__plan is made from a validated config before the first path: the
 * quantile tables of the Beta-based distributions (one per distinct shape),
 * the t copula's CDF table, the latent thresholds of the schemes' events,
 * each trust's fixed charges month by month, each scheme's savings as
 * planned, and the layout of the per-path factor draws. It is read-only
 * afterwards and shared by every thread.
 */
#ifndef TR_PLAN_H
#define TR_PLAN_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "dist.h"
#include "model.h"

/* Quantile-table slots of a scheme's and a trust's distributions. */
enum { TR__SQ_DELIVERY = 0, TR__SQ_SLIPPAGE, TR__SQ_STAYDELAY, TR__SQ_RETAINED, TR__SQ_COUNT };
enum { TR__TQ_INCOME = 0, TR__TQ_COST, TR__TQ_COUNT };

/* The three events of a scheme, in the order of their thresholds in ev_c. */
enum { TR__EV_PAPER = 0, TR__EV_COMPROMISE, TR__EV_STAY, TR__EV_COUNT };

/* An automatic shift's pilot (pilot.c): what it did. */
typedef struct tr__pilot_info {
    int automatic;       /* the shift was chosen by the pilot */
    unsigned iterations; /* cross-entropy steps taken */
    uint64_t paths;      /* pilot paths a step */
    double level;        /* the event's level the last step reached (its score) */
    int reached;         /* the last step's elite paths were all in the event */
    double hit_rate;     /* the share of the last step's paths in the event */
} tr__pilot_info;

typedef struct tr__plan {
    const tr_config *cfg;
    int horizon;
    size_t n_trusts, n_schemes, n_consortia;
    size_t *scheme_base; /* n_trusts + 1: first global scheme index of trust i */
    size_t *zoff;        /* factor f's first slot in the per-path factor array */
    size_t nz;           /* number of factor slots */
    tr__qtable **sq;     /* n_schemes * TR__SQ_COUNT tables (NULL where none; not owned) */
    tr__qtable **tq;     /* n_trusts * TR__TQ_COUNT tables (not owned) */
    tr__qtable **qt;     /* the distinct tables, one per Beta shape (owned) */
    size_t n_qt;
    tr__tcdf *tcdf;     /* t copula's CDF table, or NULL (then GSL) */
    double *fixed;      /* n_trusts * H: fixed charges booked in month t */
    double *plan_total; /* n_schemes: savings booked within the horizon as planned */
    double *ev_c;       /* n_schemes * TR__EV_COUNT: latent thresholds of the events,
                           Phi^{-1}(1 - p) or T_nu^{-1}(1 - p) */
    /* random-stream addresses (rng.h) */
    uint64_t *own_scheme; /* n_schemes */
    uint64_t *own_trust;  /* n_trusts: growths */
    uint64_t *own_noise;  /* n_trusts: monthly shocks */
    uint64_t *own_z;      /* nz: factor slots */
    uint64_t own_chi2;
    /* Trusts whose only random elements are events (no noise, fixed growths,
     * every scheme's delivery, retained, slippage and stay delay fixed, at
     * most TR__EO_MAX_SCHEMES schemes): their path outcome is a few bits per
     * scheme (paper, compromise, stay), and each scheme's delivered
     * fraction, actual start and shortfall for each combination of the bits
     * are worked out here, once. */
    unsigned char *event_only; /* n_trusts */
    double *eo_tab;            /* n_schemes * 8 * 3: d, a, shortfall for bits P | C<<1 | S<<2 */
    /* Importance sampling (docs/model.md, "Rare events"): each factor
     * slot's shift mu (a draw becomes Z = mu + E), or NULL for plain
     * sampling; mu_half = sum of mu^2 / 2 over the slots. */
    double *mu_z; /* nz, or NULL */
    double mu_half;
    tr__pilot_info pilot;
} tr__plan;

/* A path's weight is a whole number of weight units, 2^-TR__W_BITS, so
 * that weighted counts are integers and merge exactly in any order. */
#define TR__W_BITS 32
/* The largest weight the statistics accept (larger ones are reported as an
 * internal error: no plausible shift gives one). */
#define TR__W_MAX 0x1p30

/* The weight of a path whose log likelihood ratio is logl: exp(logl)
 * rounded to a weight unit (capped at 2^62 units; NaN too). */
static inline double tr__weight_of(double logl)
{
    double x = ldexp(exp(logl), TR__W_BITS);
    if (!(x < 0x1p62)) x = 0x1p62;
    return ldexp(nearbyint(x), -TR__W_BITS);
}

/* Set the shift of every slot of factor f to mu (f global or consortium
 * scoped; the plan must have mu_z), and mu_half to match. */
void tr__plan_shift_factor(tr__plan *plan, size_t f, double mu);

#define TR__EO_MAX_SCHEMES 21 /* 3 bits each in a 64-bit code */

/* max(0, x) (fmax without the call; x is never NaN). */
static inline double tr__max0(double x)
{
    return x > 0.0 ? x : 0.0;
}

/* Is the t copula computed as such? From TR_T_DOF_GAUSSIAN degrees of
 * freedom on it is indistinguishable from the Gaussian, and computed as the
 * Gaussian (model.h says why); the chi-square draw has its own address, so
 * every other draw is unchanged and results equal a Gaussian run's. */
static inline int tr__t_copula(const tr_config *cfg)
{
    return cfg->copula == TR__COPULA_T && cfg->dof < TR_T_DOF_GAUSSIAN;
}

/* Prepare a run; quantile tables are built on up to `threads` threads (0:
 * OpenMP's default). On failure the plan is left empty (safe to free). */
tr_status tr__plan_init(tr__plan *plan, const tr_config *cfg, int threads, tr_error *err);
void tr__plan_free(tr__plan *plan);

#endif /* TR_PLAN_H */
