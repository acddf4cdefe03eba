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
 * (savings.h). Months at full rate and months wholly on the ramp (linear in
 * t) are added through difference arrays, so a scheme costs O(1) work.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "elem.h"
#include "rng.h"
#include "savings.h"
#include "sim.h"

tr_status tr__ws_init(tr__ws *ws, const tr__plan *plan, int with_trace, tr_error *err)
{
    memset(ws, 0, sizeof *ws);
    ws->plan = plan;
    size_t H = (size_t)plan->horizon, nt = plan->n_trusts, nc = plan->n_consortia;
    ws->z = calloc(plan->nz + 1, sizeof *ws->z);
    ws->sav = calloc(4 * (H + 2), sizeof *ws->sav);
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
    return ws->z[tr__factor_slot(ws->plan, f, trust)];
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

/* The copula: U for an element whose own uniform is u, with loadings L. */
static double element_u(tr__ws *ws, const tr__loadings *L, size_t trust, double u)
{
    if (tr__plain(ws->plan, L)) return tr__clamp_u(u);
    return tr__latent_to_u(ws->plan, element_latent(ws, L, trust, u));
}

/* An element's uniform: continuous elements take 64 bits, events 32; or,
 * under the test hook, the hook's value for the draw's address `at`. */
static double draw_u64(tr__ws *ws, uint64_t owner, uint32_t element, tr__draw_addr at)
{
    ws->census.u64++;
    if (ws->u_hook) return ws->u_hook(ws->u_hook_ctx, &at);
    return tr__rng_u64(ws->key, owner, element, ws->path);
}

static double draw_u32(tr__ws *ws, uint64_t owner, uint32_t element, tr__draw_addr at)
{
    ws->census.u32++;
    if (ws->u_hook) return ws->u_hook(ws->u_hook_ctx, &at);
    return tr__rng_u32(ws->key, owner, element, ws->path);
}

/* The hook's address of element el of scheme s (global index) of trust i. */
static tr__draw_addr scheme_at(const tr__ws *ws, size_t i, size_t s, uint32_t el)
{
    return (tr__draw_addr){.kind = TR__DRAW_SCHEME,
                           .trust = i,
                           .scheme = s,
                           .scheme_in_trust = s - ws->plan->scheme_base[i],
                           .element = (int)el};
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
static int event(tr__ws *ws, uint64_t owner, uint32_t el, double p, double c, const tr__loadings *L,
                 size_t trust, size_t scheme, double *u_out)
{
    if (p <= 0.0) return 0;
    if (p >= 1.0) return 1;
    double u = draw_u32(ws, owner, el, scheme_at(ws, trust, scheme, el));
    if (tr__plain(ws->plan, L)) {
        u = tr__clamp_u(u);
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
    if (ws->trace) *u_out = tr__latent_to_u(ws->plan, (r * tr__norm_inv(u) + m) * s);
    return hit;
}

/* Draw one scheme's elements (docs/model.md section 5). */
static void draw_scheme(tr__ws *ws, const tr__scheme *sc, size_t trust, size_t s,
                        tr__scheme_draw *dr)
{
    const tr__plan *pl = ws->plan;
    tr__qtable *const *q = &pl->sq[s * TR__SQ_COUNT];
    const uint64_t own = pl->own_scheme[s];
    for (int e = 0; e < 7; e++)
        dr->u[e] = NAN;
    const tr__loadings *L = &sc->loadings;

    const double *c = &pl->ev_c[s * TR__EV_COUNT];
    dr->paper =
        event(ws, own, TR__EL_PAPER, sc->paper, c[TR__EV_PAPER], L, trust, s, &dr->u[TR__EL_PAPER]);
    dr->d0 = dr->retained = NAN;
    dr->compromise = false;
    if (!dr->paper) {
        if (tr__is_random(&sc->delivery)) {
            double U = element_u(
                ws, tr__pick(&sc->delivery, L), trust,
                draw_u64(ws, own, TR__EL_DELIVERY, scheme_at(ws, trust, s, TR__EL_DELIVERY)));
            dr->u[TR__EL_DELIVERY] = U;
            dr->d0 = tr__dist_quantile(&sc->delivery, q[TR__SQ_DELIVERY], 1.0 - U);
        } else {
            dr->d0 = sc->delivery.value;
        }
        if (sc->has_compromise)
            dr->compromise = event(ws, own, TR__EL_COMPROMISE, sc->compromise_probability,
                                   c[TR__EV_COMPROMISE], L, trust, s, &dr->u[TR__EL_COMPROMISE]);
        if (dr->compromise) {
            if (tr__is_random(&sc->retained)) {
                double U = element_u(
                    ws, tr__pick(&sc->retained, L), trust,
                    draw_u64(ws, own, TR__EL_RETAINED, scheme_at(ws, trust, s, TR__EL_RETAINED)));
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
    if (tr__is_random(&sc->slippage)) {
        double U =
            element_u(ws, tr__pick(&sc->slippage, L), trust,
                      draw_u64(ws, own, TR__EL_SLIPPAGE, scheme_at(ws, trust, s, TR__EL_SLIPPAGE)));
        dr->u[TR__EL_SLIPPAGE] = U;
        slip = tr__dist_quantile(&sc->slippage, q[TR__SQ_SLIPPAGE], U);
    } else {
        slip = sc->slippage.value;
    }
    dr->slip = tr__max0(slip);
    dr->stay = false;
    dr->stay_delay = NAN;
    double y = 0.0;
    if (sc->has_stay) {
        dr->stay = event(ws, own, TR__EL_STAY, sc->stay_probability, c[TR__EV_STAY], L, trust, s,
                         &dr->u[TR__EL_STAY]);
        if (dr->stay) {
            double v;
            if (tr__is_random(&sc->stay_delay)) {
                double U = element_u(
                    ws, tr__pick(&sc->stay_delay, L), trust,
                    draw_u64(ws, own, TR__EL_STAYDELAY, scheme_at(ws, trust, s, TR__EL_STAYDELAY)));
                dr->u[TR__EL_STAYDELAY] = U;
                v = tr__dist_quantile(&sc->stay_delay, q[TR__SQ_STAYDELAY], U);
            } else {
                v = sc->stay_delay.value;
            }
            y = tr__max0(v);
            dr->stay_delay = y;
        }
    }
    dr->a = sc->start_month - 1.0 + dr->slip + y;
    double H = (double)pl->horizon;
    dr->booked =
        dr->d * sc->saving / 12.0 * tr__booked_total(dr->a, sc->ramp_months, sc->recurrent, H);
    dr->shortfall = pl->plan_total[s] - dr->booked;
}

/* ---- section 3: the path's factors and the t copula's scale ------------ */

void tr__sim_start(tr__ws *ws, uint64_t seed, uint64_t p)
{
    ws->path = p;
    ws->key = tr__rng_key_of(seed);
    ws->n_failed = 0;
    ws->total_bailout = 0.0;
    ws->national_topup = 0.0;
}

void tr__sim_factors(tr__ws *ws)
{
    const tr__plan *pl = ws->plan;
    const tr_config *cfg = pl->cfg;
    /* One normal per factor slot, and W. */
    ws->census.normals += pl->nz;
    for (size_t f = 0; f < cfg->n_factors; f++) {
        size_t n = (f + 1 < cfg->n_factors ? pl->zoff[f + 1] : pl->nz) - pl->zoff[f];
        for (size_t k = 0; k < n; k++) {
            size_t j = pl->zoff[f] + k;
            tr__draw_addr at = {.kind = TR__DRAW_FACTOR, .factor = f, .scope = k};
            ws->z[j] = tr__norm_inv(draw_u64(ws, pl->own_z[j], 0, at));
        }
    }
    /* Importance sampling: shifted draws, and the path's likelihood ratio
     * (slot by slot, as the kernel). */
    ws->weight = 1.0;
    if (pl->mu_z) {
        double logl = pl->mu_half;
        for (size_t j = 0; j < pl->nz; j++)
            if (pl->mu_z[j] != 0.0) {
                ws->z[j] += pl->mu_z[j];
                logl -= pl->mu_z[j] * ws->z[j];
            }
        ws->weight = tr__weight_of(logl);
    }
    ws->tscale = 1.0;
    if (tr__t_copula(cfg)) {
        tr__draw_addr at = {.kind = TR__DRAW_CHI2};
        double w = tr__chi2_inv(draw_u64(ws, pl->own_chi2, 0, at), cfg->dof);
        ws->tscale = 1.0 / sqrt(w / cfg->dof);
    }
}

/* ---- sections 5 and 6: one trust ---------------------------------------- */

/* Draw trust i's schemes; returns whether every scheme came out exactly as
 * on the previous path this workspace simulated. */
static int draw_schemes(tr__ws *ws, size_t i)
{
    const tr__plan *pl = ws->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    size_t s0 = pl->scheme_base[i];
    int same = 1;
    for (size_t j = 0; j < tr->n_schemes; j++) {
        tr__scheme_draw *dr = &ws->sdraw[s0 + j];
        double pd = dr->d, pa = dr->a;
        bool pp = dr->paper;
        draw_scheme(ws, &tr->schemes[j], i, s0 + j, dr);
        same = same && dr->d == pd && dr->a == pa && dr->paper == pp;
        ws->shortfall[s0 + j] = dr->shortfall;
    }
    return same;
}

/* Income and cost growth: g_I = F^{-1}(1 - U), g_C = F^{-1}(U). */
static void draw_growth(tr__ws *ws, size_t i, double *gI_out, double *gC_out)
{
    const tr__plan *pl = ws->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    const uint64_t own = pl->own_trust[i];
    double gI = tr->income_growth.value, gC = tr->cost_growth.value;
    double uI = NAN, uC = NAN;
    if (tr__is_random(&tr->income_growth)) {
        uI = element_u(ws, tr__pick(&tr->income_growth, &tr->loadings), i,
                       draw_u64(ws, own, TR__EL_INCOME_GROWTH,
                                (tr__draw_addr){.kind = TR__DRAW_TRUST,
                                                .trust = i,
                                                .element = TR__EL_INCOME_GROWTH}));
        gI = tr__dist_quantile(&tr->income_growth, pl->tq[i * TR__TQ_COUNT + TR__TQ_INCOME],
                               1.0 - uI);
    }
    if (tr__is_random(&tr->cost_growth)) {
        uC = element_u(ws, tr__pick(&tr->cost_growth, &tr->loadings), i,
                       draw_u64(ws, own, TR__EL_COST_GROWTH,
                                (tr__draw_addr){.kind = TR__DRAW_TRUST,
                                                .trust = i,
                                                .element = TR__EL_COST_GROWTH}));
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
    tr__booking bk = {ws->sav, ws->sav + (Hs + 2), ws->sav + 2 * (Hs + 2), ws->sav + 3 * (Hs + 2),
                      1};
    memset(ws->sav, 0, 4 * (Hs + 2) * sizeof *ws->sav);
    memset(ws->oneoff, 0, (Hs + 2) * sizeof *ws->oneoff);
    for (size_t j = 0; j < tr->n_schemes; j++) {
        const tr__scheme *sc = &tr->schemes[j];
        const tr__scheme_draw *dr = &ws->sdraw[s0 + j];
        tr__book_savings(&bk, H, dr->d * sc->saving / 12.0, dr->a, sc->ramp_months, sc->recurrent);
        if (!dr->paper && sc->one_off_cost != 0.0) {
            double m = floor(dr->a) + 1.0; /* in double: a may be huge or infinite */
            if (m <= (double)H) ws->oneoff[(int)m] += sc->one_off_cost;
        }
    }
}

/* Trust i's months (section 6) with growths gI and gC: its cash, bail-outs,
 * failure month and BO. */
static void trust_months(tr__ws *ws, size_t i, double gI, double gC)
{
    const tr__plan *pl = ws->plan;
    const tr__trust *tr = &pl->cfg->trusts[i];
    const int H = pl->horizon;
    const size_t Hs = (size_t)H;
    const double *full = ws->sav, *lin_a = ws->sav + (Hs + 2), *lin_b = ws->sav + 2 * (Hs + 2),
                 *direct = ws->sav + 3 * (Hs + 2);
    double fI = tr__monthly_factor(gI), fC = tr__monthly_factor(gC);
    double inc = tr->income / 12.0, exp_ = tr->expenditure / 12.0;

    double cash = tr->cash, floor_ = tr->min_cash - tr->facility, bo = 0.0, run = 0.0, ra = 0.0,
           rb = 0.0;
    int fail = 0;
    double *cash_out = ws->cash + i * Hs, *b_out = ws->bmonth + i * Hs;
    const double *fixed = pl->fixed + i * Hs;
    for (int t = 1; t <= H; t++) {
        run += full[t];
        ra += lin_a[t];
        rb += lin_b[t];
        double savings = run + (ra + rb * (double)t) + direct[t];
        double noise = 0.0;
        if (tr->cash_noise > 0.0) {
            ws->census.normals++;
            noise = tr->cash_noise *
                    tr__norm_inv(
                        draw_u64(ws, pl->own_noise[i], (uint32_t)(t - 1),
                                 (tr__draw_addr){.kind = TR__DRAW_NOISE, .trust = i, .month = t}));
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

void tr__sim_trust(tr__ws *ws, size_t i)
{
    const tr__trust *tr = &ws->plan->cfg->trusts[i];
    tr__sim_memo *m = &ws->memo;
    /* A trust whose schemes, growth and noise came out exactly as on its
     * previous path (common when only rare events are random: the credit
     * workload) has exactly the previous path's months, which the workspace
     * still holds, so they are not recomputed. */
    int same = draw_schemes(ws, i);
    double gI, gC;
    draw_growth(ws, i, &gI, &gC);
    same = same && m->have_prev[i] && !ws->trace && tr->cash_noise == 0.0 &&
           gI == m->prev_g[2 * i] && gC == m->prev_g[2 * i + 1];
    m->prev_g[2 * i] = gI;
    m->prev_g[2 * i + 1] = gC;
    m->reused[i] = (unsigned char)same;
    if (!same) {
        m->have_prev[i] = 1;
        book_schemes(ws, i);
        trust_months(ws, i, gI, gC);
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
    tr__sim_start(ws, seed, p);
    tr__sim_factors(ws);
    for (size_t i = 0; i < ws->plan->n_trusts; i++)
        tr__sim_trust(ws, i);
    tr__sim_who_pays(ws);
}
