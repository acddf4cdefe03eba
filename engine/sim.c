/*
 * sim.c - one Monte Carlo path, phase by phase (see sim.h): factors and the
 * copula (docs/model.md section 3), a scheme's elements (section 5), a
 * trust's months (section 6), and who pays (section 7).
 *
 * Every uncertain element gets its uniform from rng.c at an address made of
 * what it is (trust, scheme, element), so the draw behind an element never
 * depends on the order of the config or on the thread. The copula turns the
 * element's own normal E and the path's factors Z into U:
 *     X = sum_k w_k Z_k + sqrt(1 - sum_k w_k^2) E,  U = Phi(X) or T_nu(X / sqrt(W / nu)),
 * with E = Phi^{-1}(u) from the element's uniform u; an element with no
 * loadings under the Gaussian copula takes U = u (the same number, without
 * the round trip). U is clamped to [2^-53, 1 - 2^-53] so that unbounded
 * distributions never see 0 or 1. An element's loadings are its
 * distribution's own "factors" if it has them, else its owner's (the scheme
 * or the trust).
 *
 * Savings are integrated exactly over each month: a scheme's rate ramps
 * linearly from its actual start a over ramp_months, so the saving booked in
 * month t is k (G(t - a) - G(t - 1 - a)) with G the ramp's integral
 * (savings.h). Months at full rate are added through a difference array, so
 * a scheme costs O(ramp) work rather than O(horizon).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "savings.h"
#include "sim.h"

#define U_LO TR__U_LO
#define U_HI TR__U_HI

static double clamp_u(double u)
{
    return u < U_LO ? U_LO : (u > U_HI ? U_HI : u);
}

tr_status tr__ws_init(tr__ws *ws, const tr__plan *plan, int with_trace, tr_error *err)
{
    memset(ws, 0, sizeof *ws);
    ws->plan = plan;
    size_t H = (size_t)plan->horizon, nt = plan->n_trusts, nc = plan->n_consortia;
    ws->z = calloc(plan->nz + 1, sizeof *ws->z);
    ws->sav = calloc(2 * (H + 2), sizeof *ws->sav);
    ws->oneoff = calloc(H + 2, sizeof *ws->oneoff);
    ws->fail_month = calloc(nt, sizeof *ws->fail_month);
    ws->bailout = calloc(nt, sizeof *ws->bailout);
    ws->cash = calloc(nt * H, sizeof *ws->cash);
    ws->bmonth = calloc(nt * H, sizeof *ws->bmonth);
    ws->shortfall = calloc(plan->n_schemes + 1, sizeof *ws->shortfall);
    ws->requested = calloc(nc + 1, sizeof *ws->requested);
    ws->paid = calloc(nc + 1, sizeof *ws->paid);
    ws->exhaust_month = calloc(nc + 1, sizeof *ws->exhaust_month);
    ws->q = calloc(nc * H + 1, sizeof *ws->q);
    ws->sdraw = calloc(plan->n_schemes + 1, sizeof *ws->sdraw);
    ws->memo.have_prev = calloc(nt + 1, sizeof *ws->memo.have_prev);
    ws->memo.prev_g = calloc(2 * nt + 1, sizeof *ws->memo.prev_g);
    ws->memo.reused = calloc(nt + 1, sizeof *ws->memo.reused);
    ws->memo.ev_e = NAN; /* no threshold memoised yet */
    int ok = ws->z && ws->sav && ws->oneoff && ws->fail_month && ws->bailout && ws->cash &&
             ws->bmonth && ws->shortfall && ws->requested && ws->paid && ws->exhaust_month &&
             ws->q && ws->sdraw && ws->memo.have_prev && ws->memo.prev_g && ws->memo.reused;
    if (ok && with_trace) {
        ws->trace = calloc(nt * H * TR__TR_COUNT, sizeof *ws->trace);
        ws->tdraw = calloc(nt * 4, sizeof *ws->tdraw);
        ok = ws->trace && ws->tdraw;
    }
    if (!ok) {
        tr__ws_free(ws);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory allocating a thread's workspace");
    }
    return TR_OK;
}

void tr__ws_free(tr__ws *ws)
{
    if (!ws) return;
    free(ws->z);
    free(ws->sav);
    free(ws->oneoff);
    free(ws->fail_month);
    free(ws->bailout);
    free(ws->cash);
    free(ws->bmonth);
    free(ws->shortfall);
    free(ws->requested);
    free(ws->paid);
    free(ws->exhaust_month);
    free(ws->q);
    free(ws->trace);
    free(ws->sdraw);
    free(ws->memo.have_prev);
    free(ws->memo.prev_g);
    free(ws->memo.reused);
    free(ws->tdraw);
    memset(ws, 0, sizeof *ws);
}

/* The factor draw that loading k of L refers to, for trust i. */
static double factor_value(const tr__ws *ws, int f, size_t trust)
{
    const tr__plan *pl = ws->plan;
    const tr_config *cfg = pl->cfg;
    size_t off = pl->zoff[f];
    switch (cfg->factors[f].scope) {
    case TR__SCOPE_CONSORTIUM:
        /* The loader guarantees a lead consortium wherever such a factor is loaded. */
        return ws->z[off + (size_t)cfg->trusts[trust].lead_consortium];
    case TR__SCOPE_TRUST:
        return ws->z[off + trust];
    default:
        return ws->z[off];
    }
}

/* The factors' part of an element's latent variable, sum_k w_k Z_k. */
static double factor_sum(const tr__ws *ws, const tr__loadings *L, size_t trust)
{
    double m = 0.0;
    for (size_t k = 0; k < L->n; k++)
        m += L->weight[k] * factor_value(ws, L->factor[k], trust);
    return m;
}

/* The copula's argument for an element whose own uniform is u: X, or
 * X / sqrt(W / nu) under the t copula. (It adds the loadings onto r E term
 * by term rather than calling factor_sum: a different order of the
 * floating-point additions would change every result's last bits.) */
static double element_latent(tr__ws *ws, const tr__loadings *L, size_t trust, double u)
{
    ws->census.normals++;
    double x = tr__norm_inv(u);
    if (L->n > 0) {
        x *= L->resid;
        for (size_t k = 0; k < L->n; k++)
            x += L->weight[k] * factor_value(ws, L->factor[k], trust);
    }
    return x * ws->tscale;
}

/* Is U simply the element's own uniform (no loadings, Gaussian copula)? */
static int plain(const tr__ws *ws, const tr__loadings *L)
{
    return L->n == 0 && !tr__t_copula(ws->plan->cfg);
}

static double latent_to_u(const tr__ws *ws, double x)
{
    const tr_config *cfg = ws->plan->cfg;
    if (!tr__t_copula(cfg)) return clamp_u(tr__norm_cdf(x));
    const tr__tcdf *t = ws->plan->tcdf;
    return clamp_u(t ? tr__tcdf_eval(t, x) : tr__t_cdf(x, cfg->dof));
}

/* The copula: U for an element whose own uniform is u, with loadings L. */
static double element_u(tr__ws *ws, const tr__loadings *L, size_t trust, double u)
{
    if (plain(ws, L)) return clamp_u(u);
    return latent_to_u(ws, element_latent(ws, L, trust, u));
}

static const tr__loadings *pick(const tr__dist *d, const tr__loadings *owner)
{
    return d->has_loadings ? &d->loadings : owner;
}

/* Is a distribution random at all? A fixed one needs no draw. */
static int is_random(const tr__dist *d)
{
    return d->kind != TR__DIST_FIXED;
}

/* Lazily fetched Philox blocks of one owner (a scheme has elements 0..6 in blocks 0 and 1). */
typedef struct lazy_blocks {
    tr__ws *ws;
    uint64_t seed, path, a, b;
    uint32_t tag;
    int have[2];
    tr__block blk[2];
    size_t trust, scheme; /* for the test hook (scheme: global index; unused for a trust) */
} lazy_blocks;

static double lazy_u(lazy_blocks *lb, uint32_t element)
{
    const tr__ws *ws = lb->ws;
    if (ws->u_hook) {
        tr__draw_addr at = {.kind = TR__DRAW_TRUST, .trust = lb->trust, .element = (int)element};
        if (lb->tag == TR__TAG_SCHEME) {
            at.kind = TR__DRAW_SCHEME;
            at.scheme = lb->scheme;
            at.scheme_in_trust = lb->scheme - ws->plan->scheme_base[lb->trust];
        }
        return ws->u_hook(ws->u_hook_ctx, &at);
    }
    uint32_t bi = element >> 2;
    if (!lb->have[bi]) {
        lb->blk[bi] = tr__rng_block(lb->seed, lb->path, lb->a, lb->b, lb->tag, bi);
        lb->have[bi] = 1;
        lb->ws->census.blocks++;
    }
    return tr__u01(lb->blk[bi].w[element & 3]);
}

/*
 * An event with probability p: [U > 1 - p], drawing only when 0 < p < 1.
 * With loadings or the t copula, U > 1 - p exactly when the copula's
 * argument exceeds c = F^{-1}(1 - p), that is when (r E + m) s > c with
 * E = Phi^{-1}(u) the element's own normal, m = sum_k w_k Z_k, r the
 * residual weight and s the t copula's scale; and that is
 *     u > Phi(e),   e = (c / s - m) / r,
 * a comparison of the element's uniform with a threshold that no longer
 * needs the normal quantile. Elements with the same loadings on the same
 * factor draws (identical schemes loaded on global factors, the credit
 * portfolio case) share e, so the last threshold is memoised. The two forms
 * agree except where u is within rounding of the threshold (probability of
 * order 1e-16). U itself is computed only for a replay's trace.
 */
static int event(tr__ws *ws, lazy_blocks *lb, uint32_t el, double p, double c,
                 const tr__loadings *L, size_t trust, double *u_out)
{
    if (p <= 0.0) return 0;
    if (p >= 1.0) return 1;
    double u = lazy_u(lb, el);
    if (plain(ws, L)) {
        u = clamp_u(u);
        *u_out = u;
        return u > 1.0 - p;
    }
    double m = factor_sum(ws, L, trust), s = ws->tscale, r = L->resid;
    int hit;
    if (r > 0.0) {
        double e = (c / s - m) / r;
        if (e != ws->memo.ev_e) {
            ws->memo.ev_e = e;
            ws->memo.ev_u = tr__norm_cdf(e);
        }
        hit = u > ws->memo.ev_u;
    } else {
        hit = m * s > c; /* fully loaded: the element's own draw plays no part */
    }
    if (ws->trace) *u_out = latent_to_u(ws, (r * tr__norm_inv(u) + m) * s);
    return hit;
}

/* Draw one scheme's elements (docs/model.md section 5). */
static void draw_scheme(tr__ws *ws, const tr__scheme *sc, size_t trust, size_t s, uint64_t seed,
                        uint64_t p, tr__scheme_draw *dr)
{
    const tr__plan *pl = ws->plan;
    tr__qtable *const *q = &pl->sq[s * TR__SQ_COUNT];
    lazy_blocks lb = {
        ws,      seed,  p, pl->cfg->trusts[trust].key, sc->key, TR__TAG_SCHEME, {0, 0},
        {{{0}}}, trust, s};
    for (int e = 0; e < 7; e++)
        dr->u[e] = NAN;
    const tr__loadings *own = &sc->loadings;

    const double *c = &pl->ev_c[s * TR__EV_COUNT];
    dr->paper =
        event(ws, &lb, TR__EL_PAPER, sc->paper, c[TR__EV_PAPER], own, trust, &dr->u[TR__EL_PAPER]);
    dr->d0 = dr->retained = NAN;
    dr->compromise = false;
    if (!dr->paper) {
        if (is_random(&sc->delivery)) {
            double U = element_u(ws, pick(&sc->delivery, own), trust, lazy_u(&lb, TR__EL_DELIVERY));
            dr->u[TR__EL_DELIVERY] = U;
            dr->d0 = tr__dist_quantile(&sc->delivery, q[TR__SQ_DELIVERY], 1.0 - U);
        } else {
            dr->d0 = sc->delivery.value;
        }
        if (sc->has_compromise)
            dr->compromise = event(ws, &lb, TR__EL_COMPROMISE, sc->compromise_probability,
                                   c[TR__EV_COMPROMISE], own, trust, &dr->u[TR__EL_COMPROMISE]);
        if (dr->compromise) {
            if (is_random(&sc->retained)) {
                double U =
                    element_u(ws, pick(&sc->retained, own), trust, lazy_u(&lb, TR__EL_RETAINED));
                dr->u[TR__EL_RETAINED] = U;
                dr->retained = tr__dist_quantile(&sc->retained, q[TR__SQ_RETAINED], 1.0 - U);
            } else {
                dr->retained = sc->retained.value;
            }
        }
        dr->d = dr->d0 * (dr->compromise ? dr->retained : 1.0);
    } else {
        dr->d = 0.0;
    }

    double slip;
    if (is_random(&sc->slippage)) {
        double U = element_u(ws, pick(&sc->slippage, own), trust, lazy_u(&lb, TR__EL_SLIPPAGE));
        dr->u[TR__EL_SLIPPAGE] = U;
        slip = tr__dist_quantile(&sc->slippage, q[TR__SQ_SLIPPAGE], U);
    } else {
        slip = sc->slippage.value;
    }
    dr->slip = fmax(0.0, slip);
    dr->stay = false;
    dr->stay_delay = NAN;
    double y = 0.0;
    if (sc->has_stay) {
        dr->stay = event(ws, &lb, TR__EL_STAY, sc->stay_probability, c[TR__EV_STAY], own, trust,
                         &dr->u[TR__EL_STAY]);
        if (dr->stay) {
            double v;
            if (is_random(&sc->stay_delay)) {
                double U =
                    element_u(ws, pick(&sc->stay_delay, own), trust, lazy_u(&lb, TR__EL_STAYDELAY));
                dr->u[TR__EL_STAYDELAY] = U;
                v = tr__dist_quantile(&sc->stay_delay, q[TR__SQ_STAYDELAY], U);
            } else {
                v = sc->stay_delay.value;
            }
            y = fmax(0.0, v);
            dr->stay_delay = y;
        }
    }
    dr->a = sc->start_month - 1.0 + dr->slip + y;
    double H = (double)pl->horizon;
    dr->booked =
        dr->d * sc->saving / 12.0 * tr__booked_total(dr->a, sc->ramp_months, sc->recurrent, H);
    dr->shortfall = pl->plan_total[s] - dr->booked;
}

/* Add a scheme's monthly savings into the trust's arrays: diff (prefix-summed
 * later) for full-rate months, direct for the months on the ramp or cut off. */
static void book_savings(double *diff, double *direct, int H, double k, double a, double ramp,
                         int recurrent)
{
    /* A start at or beyond the horizon books nothing. Compared in double
     * before any cast: a may be as large as a delay distribution allows, or
     * infinite, and (int) of that is undefined (it crashed). */
    if (k == 0.0 || !(a < (double)H)) return;
    int first = (int)floor(a) + 1; /* first month with any of (t-1, t] after a: <= H */
    double end = recurrent ? INFINITY : a + 12.0;
    int last = recurrent ? H : (int)fmin((double)H, ceil(end));
    double plat_lo_d = ceil(a + ramp + 1.0);
    int plat_lo = plat_lo_d > (double)H + 1 ? H + 1 : (int)plat_lo_d;
    int plat_hi = recurrent ? H : (int)fmin((double)H, floor(end));
    if (plat_lo < first) plat_lo = first;
    if (plat_lo > plat_hi) { /* never a whole month at full rate */
        plat_lo = last + 1;
        plat_hi = last;
    }
    for (int t = first; t <= last; t++) {
        if (t == plat_lo) { /* skip the plateau */
            diff[plat_lo] += k;
            diff[plat_hi + 1] -= k;
            t = plat_hi;
            continue;
        }
        double hi = fmin((double)t, end) - a, lo = fmin((double)(t - 1), end) - a;
        direct[t] += k * (tr__ramp_integral(hi, ramp) - tr__ramp_integral(lo, ramp));
    }
}

/* ---- section 3: the path's factors and the t copula's scale ------------ */

void tr__sim_factors(tr__ws *ws, uint64_t seed, uint64_t p)
{
    const tr__plan *pl = ws->plan;
    const tr_config *cfg = pl->cfg;
    /* One block and one normal per factor slot, and one block for W. */
    ws->census.blocks += pl->nz + (size_t)tr__t_copula(cfg);
    ws->census.normals += pl->nz;
    for (size_t f = 0; f < cfg->n_factors; f++) {
        const tr__factor *fa = &cfg->factors[f];
        size_t n = fa->scope == TR__SCOPE_GLOBAL       ? 1
                   : fa->scope == TR__SCOPE_CONSORTIUM ? cfg->n_consortia
                                                       : cfg->n_trusts;
        for (size_t k = 0; k < n; k++) {
            uint64_t b = fa->scope == TR__SCOPE_GLOBAL       ? 0
                         : fa->scope == TR__SCOPE_CONSORTIUM ? cfg->consortia[k].key
                                                             : cfg->trusts[k].key;
            double u = tr__rng_uniform(seed, p, fa->key, b, TR__TAG_FACTOR, 0);
            if (ws->u_hook)
                u = ws->u_hook(ws->u_hook_ctx,
                               &(tr__draw_addr){.kind = TR__DRAW_FACTOR, .factor = f, .scope = k});
            ws->z[pl->zoff[f] + k] = tr__norm_inv(u);
        }
    }
    ws->tscale = 1.0;
    if (tr__t_copula(cfg)) {
        double u = tr__rng_uniform(seed, p, 0, 0, TR__TAG_CHI2, 0);
        if (ws->u_hook) u = ws->u_hook(ws->u_hook_ctx, &(tr__draw_addr){.kind = TR__DRAW_CHI2});
        double w = tr__chi2_inv(u, cfg->dof);
        ws->tscale = 1.0 / sqrt(w / cfg->dof);
    }
}

/* ---- sections 5 and 6: one trust ---------------------------------------- */

/* Draw trust i's schemes; returns whether every scheme came out exactly as
 * on the previous path this workspace simulated. */
static int draw_schemes(tr__ws *ws, size_t i, uint64_t seed, uint64_t p)
{
    const tr__plan *pl = ws->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    size_t s0 = pl->scheme_base[i];
    int same = 1;
    for (size_t j = 0; j < tr->n_schemes; j++) {
        tr__scheme_draw *dr = &ws->sdraw[s0 + j];
        double pd = dr->d, pa = dr->a;
        bool pp = dr->paper;
        draw_scheme(ws, &tr->schemes[j], i, s0 + j, seed, p, dr);
        same = same && dr->d == pd && dr->a == pa && dr->paper == pp;
        ws->shortfall[s0 + j] = dr->shortfall;
    }
    return same;
}

/* Income and cost growth: g_I = F^{-1}(1 - U), g_C = F^{-1}(U). */
static void draw_growth(tr__ws *ws, size_t i, uint64_t seed, uint64_t p, double *gI_out,
                        double *gC_out)
{
    const tr__plan *pl = ws->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    lazy_blocks lb = {ws, seed, p, tr->key, 0, TR__TAG_TRUST, {0, 0}, {{{0}}}, i, 0};
    double gI = tr->income_growth.value, gC = tr->cost_growth.value;
    double uI = NAN, uC = NAN;
    if (is_random(&tr->income_growth)) {
        uI = element_u(ws, pick(&tr->income_growth, &tr->loadings), i,
                       lazy_u(&lb, TR__EL_INCOME_GROWTH));
        gI = tr__dist_quantile(&tr->income_growth, pl->tq[i * TR__TQ_COUNT + TR__TQ_INCOME],
                               1.0 - uI);
    }
    if (is_random(&tr->cost_growth)) {
        uC = element_u(ws, pick(&tr->cost_growth, &tr->loadings), i,
                       lazy_u(&lb, TR__EL_COST_GROWTH));
        gC = tr__dist_quantile(&tr->cost_growth, pl->tq[i * TR__TQ_COUNT + TR__TQ_COST], uC);
    }
    if (ws->tdraw) {
        ws->tdraw[i * 4 + 0] = uI;
        ws->tdraw[i * 4 + 1] = gI;
        ws->tdraw[i * 4 + 2] = uC;
        ws->tdraw[i * 4 + 3] = gC;
    }
    *gI_out = gI;
    *gC_out = gC;
}

/* Trust i's savings and one-off costs by month, from its schemes' draws. */
static void book_schemes(tr__ws *ws, size_t i)
{
    const tr__plan *pl = ws->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    const int H = pl->horizon;
    const size_t Hs = (size_t)H, s0 = pl->scheme_base[i];
    double *diff = ws->sav, *direct = ws->sav + (Hs + 2);
    memset(ws->sav, 0, 2 * (Hs + 2) * sizeof *ws->sav);
    memset(ws->oneoff, 0, (Hs + 2) * sizeof *ws->oneoff);
    for (size_t j = 0; j < tr->n_schemes; j++) {
        const tr__scheme *sc = &tr->schemes[j];
        const tr__scheme_draw *dr = &ws->sdraw[s0 + j];
        book_savings(diff, direct, H, dr->d * sc->saving / 12.0, dr->a, sc->ramp_months,
                     sc->recurrent);
        if (!dr->paper && sc->one_off_cost != 0.0) {
            double m = floor(dr->a) + 1.0; /* in double: a may be huge or infinite */
            if (m <= (double)H) ws->oneoff[(int)m] += sc->one_off_cost;
        }
    }
}

/* Trust i's months (section 6) with growths gI and gC: its cash, bail-outs,
 * failure month and BO. */
static void trust_months(tr__ws *ws, size_t i, double gI, double gC, uint64_t seed, uint64_t p)
{
    const tr__plan *pl = ws->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    const int H = pl->horizon;
    const size_t Hs = (size_t)H;
    const double *diff = ws->sav, *direct = ws->sav + (Hs + 2);
    double fI = gI == 0.0 ? 1.0 : pow(fmax(0.0, 1.0 + gI), 1.0 / 12.0);
    double fC = gC == 0.0 ? 1.0 : pow(fmax(0.0, 1.0 + gC), 1.0 / 12.0);
    double inc = tr->income / 12.0, exp_ = tr->expenditure / 12.0;

    double cash = tr->cash, floor_ = tr->min_cash - tr->facility, bo = 0.0, run = 0.0;
    int fail = 0;
    tr__block nb = {{0, 0, 0, 0}};
    double *cash_out = ws->cash + i * Hs, *b_out = ws->bmonth + i * Hs;
    const double *fixed = pl->fixed + i * Hs;
    for (int t = 1; t <= H; t++) {
        run += diff[t];
        double savings = run + direct[t];
        double noise = 0.0;
        if (tr->cash_noise > 0.0) {
            int e = t - 1;
            if ((e & 3) == 0) {
                nb = tr__rng_block(seed, p, tr->key, 0, TR__TAG_NOISE, (uint32_t)(e >> 2));
                ws->census.blocks++;
            }
            ws->census.normals++;
            double u = tr__u01(nb.w[e & 3]);
            if (ws->u_hook)
                u = ws->u_hook(ws->u_hook_ctx,
                               &(tr__draw_addr){.kind = TR__DRAW_NOISE, .trust = i, .month = t});
            noise = tr->cash_noise * tr__norm_inv(u);
        }
        double flow = inc - exp_ - fixed[t - 1] + savings - ws->oneoff[t] + noise;
        double pre = cash + flow, b = 0.0;
        if (pre < floor_) {
            if (!fail) fail = t;
            b = floor_ + tr->bailout_buffer - pre;
            cash = pre + b;
        } else {
            cash = pre;
        }
        bo += b;
        cash_out[t - 1] = cash;
        b_out[t - 1] = b;
        if (ws->trace) {
            double *r = ws->trace + (i * Hs + (size_t)(t - 1)) * TR__TR_COUNT;
            r[TR__TR_INCOME] = inc;
            r[TR__TR_EXPENDITURE] = exp_;
            r[TR__TR_FIXED] = fixed[t - 1];
            r[TR__TR_SAVINGS] = savings;
            r[TR__TR_ONE_OFF] = ws->oneoff[t];
            r[TR__TR_NOISE] = noise;
            r[TR__TR_FLOW] = flow;
            r[TR__TR_BAILOUT] = b;
            r[TR__TR_CASH] = cash;
        }
        inc *= fI;
        exp_ *= fC;
    }
    ws->fail_month[i] = fail;
    ws->bailout[i] = bo;
}

void tr__sim_trust(tr__ws *ws, size_t i, uint64_t seed, uint64_t p)
{
    const tr__trust *tr = &ws->plan->cfg->trusts[i];
    tr__sim_memo *m = &ws->memo;
    /* A trust whose schemes, growth and noise came out exactly as on its
     * previous path (common when only rare events are random: the credit
     * workload) has exactly the previous path's months, which the workspace
     * still holds, so they are not recomputed. */
    int same = draw_schemes(ws, i, seed, p);
    double gI, gC;
    draw_growth(ws, i, seed, p, &gI, &gC);
    same = same && m->have_prev[i] && !ws->trace && tr->cash_noise == 0.0 &&
           gI == m->prev_g[2 * i] && gC == m->prev_g[2 * i + 1];
    m->prev_g[2 * i] = gI;
    m->prev_g[2 * i + 1] = gC;
    m->reused[i] = (unsigned char)same;
    if (!same) {
        m->have_prev[i] = 1;
        book_schemes(ws, i);
        trust_months(ws, i, gI, gC, seed, p);
    }
    ws->n_failed += ws->fail_month[i] != 0;
    ws->total_bailout += ws->bailout[i];
    ws->national_topup += tr->national_share * ws->bailout[i];
}

/* ---- section 7: who pays ------------------------------------------------ */

void tr__sim_who_pays(tr__ws *ws)
{
    const tr_config *cfg = ws->plan->cfg;
    const size_t Hs = (size_t)ws->plan->horizon;
    if (cfg->n_consortia == 0) return;
    /* Each consortium's requests month by month, then its payments in month
     * order from its reserve. */
    memset(ws->q, 0, cfg->n_consortia * Hs * sizeof *ws->q);
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        if (ws->bailout[i] == 0.0) continue;
        const double *b = ws->bmonth + i * Hs;
        for (size_t k = 0; k < tr->n_commissioners; k++) {
            double sh = tr->commissioners[k].share;
            double *qc = ws->q + (size_t)tr->commissioners[k].consortium * Hs;
            for (size_t t = 0; t < Hs; t++)
                qc[t] += sh * b[t];
        }
    }
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        double remaining = cfg->consortia[c].reserve, req = 0.0, paid = 0.0;
        int ex = 0;
        const double *qc = ws->q + c * Hs;
        for (size_t t = 0; t < Hs; t++) {
            double qt = qc[t];
            if (qt == 0.0) continue;
            double pay = qt <= remaining ? qt : remaining;
            if (qt > remaining && !ex) ex = (int)t + 1;
            remaining -= pay;
            req += qt;
            paid += pay;
        }
        ws->requested[c] = req;
        ws->paid[c] = paid;
        ws->exhaust_month[c] = ex;
        ws->national_topup += req - paid;
    }
}

void tr__sim_path(tr__ws *ws, uint64_t seed, uint64_t p)
{
    tr__sim_factors(ws, seed, p);
    ws->n_failed = 0;
    ws->total_bailout = 0.0;
    ws->national_topup = 0.0;
    for (size_t i = 0; i < ws->plan->n_trusts; i++)
        tr__sim_trust(ws, i, seed, p);
    tr__sim_who_pays(ws);
}
