/*
 * sim.h - one Monte Carlo path of the model (private).
 *
 * A tr__plan holds what every path shares and is computed once per run
 * (quantile tables, factor slots, deterministic fixed charges); a tr__ws is
 * one thread's workspace, allocated up front so that simulating a path
 * allocates nothing. tr__sim_path fills the workspace's outputs for path p;
 * the same function serves `run` (accumulation) and `path` (replay, with a
 * trace), so a replayed path is exactly the path the run used.
 */
#ifndef TR_SIM_H
#define TR_SIM_H

#include <stdint.h>

#include "dist.h"
#include "model.h"

/* Quantile tables per distribution slot of a scheme / trust. */
enum { TR__SQ_DELIVERY = 0, TR__SQ_SLIPPAGE, TR__SQ_STAYDELAY, TR__SQ_RETAINED, TR__SQ_COUNT };
enum { TR__TQ_INCOME = 0, TR__TQ_COST, TR__TQ_COUNT };

typedef struct tr__plan {
    const tr_config *cfg;
    int horizon;
    size_t n_trusts, n_schemes, n_consortia;
    size_t *scheme_base; /* first global scheme index of trust i */
    size_t *zoff;        /* factor f's first slot in the per-path factor array */
    size_t nz;           /* number of factor slots */
    tr__qtable **sq;     /* n_schemes * TR__SQ_COUNT tables (NULL where none; not owned) */
    tr__qtable **tq;     /* n_trusts * TR__TQ_COUNT tables (not owned) */
    tr__qtable **qt;     /* the distinct tables, one per Beta shape (owned) */
    size_t n_qt;
    tr__tcdf *tcdf;     /* t copula's CDF table, or NULL (then GSL) */
    double *fixed;      /* n_trusts * H: fixed charges booked in month t */
    double *plan_total; /* n_schemes: savings booked within the horizon as planned */
    double *ev_c;       /* n_schemes * 3: latent thresholds of the paper, compromise and
                           stay events, Phi^{-1}(1 - p) or T_nu^{-1}(1 - p) */
} tr__plan;

/* Values drawn for one scheme on one path (also used by `path` replay). */
typedef struct tr__scheme_draw {
    double u[7];  /* the element uniforms U (NaN where not drawn) */
    double paper; /* 1 if paper */
    double d0, compromise, retained, slip, stay, stay_delay;
    double d, a;   /* delivered fraction and actual start */
    double booked; /* savings booked within the horizon */
    double shortfall;
} tr__scheme_draw;

/* Per-month record for `path` replay. */
enum {
    TR__TR_INCOME = 0,
    TR__TR_EXPENDITURE,
    TR__TR_FIXED,
    TR__TR_SAVINGS,
    TR__TR_ONE_OFF,
    TR__TR_NOISE,
    TR__TR_FLOW,
    TR__TR_BAILOUT,
    TR__TR_CASH,
    TR__TR_COUNT
};

/*
 * A test hook: what one uniform of a path is for. kind is one of TR__DRAW_*;
 * element follows rng.h (TR__EL_* of a scheme, 0 income / 1 cost growth of
 * a trust); month is 1..H for noise; scope is the consortium index of a
 * consortium-scoped factor, the trust index of a trust-scoped one, else 0.
 * Fields that do not apply are 0.
 */
enum { TR__DRAW_FACTOR = 0, TR__DRAW_CHI2, TR__DRAW_SCHEME, TR__DRAW_TRUST, TR__DRAW_NOISE };
typedef struct tr__draw_addr {
    int kind;
    size_t trust;  /* trust index (scheme, trust and noise draws) */
    size_t scheme; /* global scheme index (plan->scheme_base[trust] + scheme_in_trust) */
    size_t scheme_in_trust;
    int element;
    int month;
    size_t factor; /* index into cfg->factors */
    size_t scope;
} tr__draw_addr;

typedef struct tr__ws {
    const tr__plan *plan;
    /* Test hook, NULL in runs: when set, every uniform the path uses comes
     * from u_hook(u_hook_ctx, address) instead of Philox, and goes through
     * exactly the same code (copula, event thresholds, quantiles) as a
     * generated one. It must return a value in (0, 1). */
    double (*u_hook)(void *ctx, const tr__draw_addr *addr);
    void *u_hook_ctx;
    double *z;      /* nz factor draws of the current path */
    double tscale;  /* t copula: 1 / sqrt(W / nu); 1 for Gaussian */
    double *sav;    /* H + 2: one trust's savings by month (difference array) */
    double *oneoff; /* H + 1: one trust's one-off costs by month */
    /* outputs of the current path */
    int *fail_month;    /* n_trusts: failure month, 0 if none */
    double *bailout;    /* n_trusts: BO */
    double *cash;       /* n_trusts * H: month-end cash */
    double *bmonth;     /* n_trusts * H: bail-out B_t */
    double *shortfall;  /* n_schemes */
    double *requested;  /* n_consortia */
    double *paid;       /* n_consortia */
    int *exhaust_month; /* n_consortia: first month the reserve fell short, 0 if none */
    double *q;          /* n_consortia * H scratch: requests by month */
    int n_failed;
    /* draw census, cumulative over the paths this workspace simulated (for
     * the benchmark's random-number floor): Philox blocks generated and
     * standard-normal inversions made */
    uint64_t n_blocks, n_normals;
    /* one-entry memo of an event's uniform threshold Phi(e) (see event() in sim.c) */
    double ev_e, ev_u;
    double total_bailout;
    double national_topup;
    unsigned char *have_prev; /* n_trusts: the months below hold a computed path */
    double *prev_g;           /* n_trusts * 2: growths of that path */
    /* optional trace (replay only; NULL in runs) */
    double *trace;          /* n_trusts * H * TR__TR_COUNT */
    tr__scheme_draw *sdraw; /* n_schemes */
    double *tdraw;          /* n_trusts * 4: U_income, g_I, U_cost, g_C */
} tr__ws;

/* Prepare a run; quantile tables are built on up to `threads` threads (0:
 * OpenMP's default). */
tr_status tr__plan_init_threads(tr__plan *plan, const tr_config *cfg, int threads, tr_error *err);
/* The same on OpenMP's default number of threads. */
tr_status tr__plan_init(tr__plan *plan, const tr_config *cfg, tr_error *err);

/* Run job(ctx, i) for i in [0, n) on up to `threads` threads (run.c: the
 * only place with OpenMP pragmas). Returns the number of threads used. */
int tr__parallel_for(size_t n, int threads, void (*job)(void *ctx, size_t i), void *ctx);
void tr__plan_free(tr__plan *plan);

/* Allocate a workspace; with_trace for replay. */
tr_status tr__ws_init(tr__ws *ws, const tr__plan *plan, int with_trace, tr_error *err);
void tr__ws_free(tr__ws *ws);

/* Simulate path p with `seed` into ws's outputs. Allocates nothing. */
void tr__sim_path(tr__ws *ws, uint64_t seed, uint64_t p);

/* Integral of clamp(y / R, 0, 1) over y in (0, x]: the ramp's cumulative
 * saving in months of full rate (R = 0 is a step). */
double tr__ramp_integral(double x, double ramp);

#endif /* TR_SIM_H */
