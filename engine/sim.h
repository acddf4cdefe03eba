/*
 * sim.h - one Monte Carlo path, the plain reference simulator (private).
 *
 * tr__sim_path simulates path p of a plan into a workspace, phase by phase
 * as the model is written: the path's factors and copula (docs/model.md
 * section 3), each trust's schemes and months (sections 5 and 6), and who pays the
 * bail-outs (section 7). It is the obviously-correct twin of the block
 * kernel (kernel.h): `path` replays with it, and tests compare the two. A
 * tr__ws is one thread's workspace, allocated up front so that simulating a
 * path allocates nothing.
 */
#ifndef TR_SIM_H
#define TR_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"
#include "rng.h"

/* Values drawn for one scheme on one path (the trace of `path` replay, and
 * the previous path's outcome for the repeat shortcut). */
typedef struct tr__scheme_draw {
    double u[7];     /* the element uniforms U (NaN where not drawn) */
    bool paper;      /* the scheme exists only on paper (delivers nothing) */
    bool compromise; /* a compromise: it keeps only `retained` of d0 */
    bool stay;       /* a closure stayed: the start moves by stay_delay */
    double d0, retained, slip, stay_delay;
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

/* How many variates the paths consumed (for the benchmark's random-number
 * floor): continuous (64-bit) and event (32-bit) uniforms, and
 * standard-normal inversions. */
typedef struct tr__draw_census {
    uint64_t u64, u32, normals;
} tr__draw_census;

/* Shortcuts that save work without changing any result. */
typedef struct tr__sim_memo {
    double ev_e, ev_u;        /* the last event threshold Phi(e) (see event() in sim.c) */
    unsigned char *have_prev; /* n_trusts: the outputs below hold a computed path */
    double *prev_g;           /* n_trusts * 2: the growths of that path */
    unsigned char *reused;    /* n_trusts: this path's months are the previous path's */
} tr__sim_memo;

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
    /* the current path and its random-stream key */
    uint64_t path;
    tr__rng_key key;
    /* Test hook, NULL in runs: when set, every uniform the path uses comes
     * from u_hook(u_hook_ctx, address) instead of Philox, and goes through
     * exactly the same code (copula, event thresholds, quantiles) as a
     * generated one. It must return a value in (0, 1). */
    double (*u_hook)(void *ctx, const tr__draw_addr *addr);
    void *u_hook_ctx;
    /* the current path's factor draws and t copula scale 1 / sqrt(W / nu) (1 if Gaussian) */
    double *z;
    double tscale;
    double weight; /* the path's weight (1 under plain sampling) */
    /* scratch of one trust */
    double *sav;    /* 4 * (H + 2): savings by month (savings.h's tr__booking) */
    double *oneoff; /* H + 2: one-off costs by month */
    double *q;      /* n_consortia * H: requests by month */
    /* outputs of the current path */
    int *fail_month;    /* n_trusts: failure month, 0 if none */
    double *bailout;    /* n_trusts: BO */
    double *cash;       /* n_trusts * H: month-end cash */
    double *bmonth;     /* n_trusts * H: bail-out B_t */
    double *shortfall;  /* n_schemes */
    double *requested;  /* n_consortia */
    double *paid;       /* n_consortia */
    int *exhaust_month; /* n_consortia: first month the reserve fell short, 0 if none */
    int n_failed;
    double total_bailout;
    double national_topup;
    tr__scheme_draw *sdraw; /* n_schemes: each scheme's draws */
    tr__sim_memo memo;
    tr__draw_census census; /* cumulative over the paths this workspace simulated */
    /* replay only (NULL in runs) */
    double *trace; /* n_trusts * H * TR__TR_COUNT */
    double *tdraw; /* n_trusts * 4: U_income, g_I, U_cost, g_C */
} tr__ws;

/* Allocate a workspace; with_trace for replay. */
tr_status tr__ws_init(tr__ws *ws, const tr__plan *plan, int with_trace, tr_error *err);
void tr__ws_free(tr__ws *ws);

/* Simulate path p with `seed` into ws's outputs. Allocates nothing. */
void tr__sim_path(tr__ws *ws, uint64_t seed, uint64_t p);

/* The phases of tr__sim_path, in order. */
void tr__sim_start(tr__ws *ws, uint64_t seed, uint64_t p); /* the path's key, totals */
void tr__sim_factors(tr__ws *ws);                          /* section 3 */
void tr__sim_trust(tr__ws *ws, size_t i);                  /* sections 5 and 6 */
void tr__sim_who_pays(tr__ws *ws);                         /* section 7 */

#endif /* TR_SIM_H */
