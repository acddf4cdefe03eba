/*
 * test_sim.c - single paths of the model, with every uniform fixed by hand.
 *
 * The simulator's test hook (sim.h, tr__ws.u_hook) lets a test choose the
 * uniform behind every draw of a path. Each test loads a small config,
 * fixes the uniforms that matter and compares what tr__sim_path computed
 * with (a) numbers worked out by hand in the test's comments and (b) a small
 * reference model written here from the specification of the model (the
 * copula, the distributions, a scheme's seven elements, a trust's months,
 * who pays), never from sim.c: it integrates the savings rate piece by piece
 * with the midpoint rule (exact on linear pieces), inverts the Beta
 * families with GSL, finds the lead consortium and the residual weight
 * itself, and runs the months and the consortia's reserves in plain loops.
 *
 * Every path is simulated twice, on a workspace as `run` uses it and on
 * one with the replay's trace (which also exposes each month's terms). The
 * loader sorts every list by id, so tests find trusts, schemes, consortia
 * and factors by name; the lead consortium's tie-break ("first listed") is
 * read from the config's text for the same reason.
 *
 * Tolerance: 1e-12 relative to the magnitudes that went into a figure (for
 * cash, the sum of the absolute flows so far), except where the engine is
 * documented to be less exact: the Beta quantile table (1e-9 of the range,
 * dist.h) and the tabulated Student-t CDF (1e-9, dist.h).
 */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "rng.h"
#include "sim.h"
#include "trustrisk/trustrisk.h"
#include "helpers.h"

#define MT 8  /* trusts */
#define MS 8  /* schemes per trust */
#define MF 4  /* factors */
#define MC 4  /* consortia */
#define MH 36 /* months */
#define MSC (MT > MC ? MT : MC)

/* ------------------------------------------------------------------ */
/* Configs and the hook                                               */

/* JSON written with single quotes, for readability. */
static tr_config *load(const char *text)
{
    char *j = th_json("%s", text);
    tr_config *cfg = th_load_as("test_sim.json", j);
    free(j);
    cr_assert_leq(cfg->n_trusts, MT);
    cr_assert_leq(cfg->n_consortia, MC);
    cr_assert_leq(cfg->n_factors, MF);
    cr_assert_leq(cfg->horizon, MH);
    for (size_t i = 0; i < cfg->n_trusts; i++)
        cr_assert_leq(cfg->trusts[i].n_schemes, MS);
    return cfg;
}

/* The uniforms of one path, by address, and which addresses were asked for. */
typedef struct uset {
    const tr_config *cfg;
    double s[MT][MS][7]; /* scheme elements, docs/model.md section 5's order */
    double t[MT][2];     /* income growth, cost growth */
    double noise[MT][MH + 1];
    double f[MF][MSC]; /* factor, by consortium or trust index (0 for global) */
    double chi2;
    int seen_s[MT][MS][7], seen_t[MT][2], seen_noise[MT][MH + 1], seen_f[MF][MSC], seen_chi2;
    int calls, bad;
} uset;

static void uset_init(uset *us, const tr_config *cfg)
{
    memset(us, 0, sizeof *us);
    us->cfg = cfg;
    for (int i = 0; i < MT; i++) {
        for (int j = 0; j < MS; j++)
            for (int e = 0; e < 7; e++)
                us->s[i][j][e] = 0.5;
        us->t[i][0] = us->t[i][1] = 0.5;
        for (int m = 0; m <= MH; m++)
            us->noise[i][m] = 0.5;
    }
    for (int f = 0; f < MF; f++)
        for (int k = 0; k < MSC; k++)
            us->f[f][k] = 0.5;
    us->chi2 = 0.5;
}

static void uset_forget(uset *us)
{
    memset(us->seen_s, 0, sizeof us->seen_s);
    memset(us->seen_t, 0, sizeof us->seen_t);
    memset(us->seen_noise, 0, sizeof us->seen_noise);
    memset(us->seen_f, 0, sizeof us->seen_f);
    us->seen_chi2 = us->calls = us->bad = 0;
}

/* The hook: the uniform at an address; an address that cannot exist counts as bad. */
static double hook(void *ctx, const tr__draw_addr *a)
{
    uset *us = ctx;
    const tr_config *cfg = us->cfg;
    us->calls++;
    switch (a->kind) {
    case TR__DRAW_SCHEME: {
        if (a->trust >= cfg->n_trusts || a->scheme_in_trust >= cfg->trusts[a->trust].n_schemes ||
            a->element < 0 || a->element >= 7)
            break;
        size_t g = a->scheme_in_trust;
        for (size_t i = 0; i < a->trust; i++)
            g += cfg->trusts[i].n_schemes;
        if (g != a->scheme) break;
        us->seen_s[a->trust][a->scheme_in_trust][a->element]++;
        return us->s[a->trust][a->scheme_in_trust][a->element];
    }
    case TR__DRAW_TRUST:
        if (a->trust >= cfg->n_trusts || a->element < 0 || a->element > 1) break;
        us->seen_t[a->trust][a->element]++;
        return us->t[a->trust][a->element];
    case TR__DRAW_NOISE:
        if (a->trust >= cfg->n_trusts || a->month < 1 || a->month > cfg->horizon) break;
        us->seen_noise[a->trust][a->month]++;
        return us->noise[a->trust][a->month];
    case TR__DRAW_FACTOR: {
        if (a->factor >= cfg->n_factors) break;
        tr__factor_scope sc = cfg->factors[a->factor].scope;
        size_t n = sc == TR__SCOPE_GLOBAL       ? 1
                   : sc == TR__SCOPE_CONSORTIUM ? cfg->n_consortia
                                                : cfg->n_trusts;
        if (a->scope >= n) break;
        us->seen_f[a->factor][a->scope]++;
        return us->f[a->factor][a->scope];
    }
    case TR__DRAW_CHI2:
        us->seen_chi2++;
        return us->chi2;
    default:
        break;
    }
    us->bad++;
    return 0.5;
}

/* A config with its plan and two workspaces: one as `run` uses it, one with the trace. */
typedef struct sim {
    tr_config *cfg;
    tr__plan plan;
    tr__ws run, tr;
    int lead[MT]; /* each trust's lead consortium, read from the JSON text (-1: none) */
} sim;

static size_t trust_ix(const sim *s, const char *id);
static size_t cons_ix(const sim *s, const char *id);

/*
 * The lead consortium of every trust: the largest share, the first listed
 * on a tie. The loader puts its lists in canonical order, so "first listed"
 * is read here from the config's text.
 */
static void find_leads(sim *s, const char *json)
{
    char *j = strdup(json);
    for (char *p = j; *p; p++)
        if (*p == '\'') *p = '"';
    cJSON *doc = cJSON_Parse(j);
    free(j);
    cr_assert_not_null(doc);
    for (int i = 0; i < MT; i++)
        s->lead[i] = -1;
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(doc, "trusts"))
    {
        size_t i = trust_ix(s, cJSON_GetObjectItem(t, "id")->valuestring);
        double best = -1;
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(t, "commissioners"))
        {
            double share = cJSON_GetObjectItem(c, "share")->valuedouble;
            if (share > best) {
                best = share;
                s->lead[i] = (int)cons_ix(s, cJSON_GetObjectItem(c, "consortium")->valuestring);
            }
        }
    }
    cJSON_Delete(doc);
}

static void sim_open(sim *s, const char *json)
{
    gsl_set_error_handler_off();
    s->cfg = load(json);
    find_leads(s, json);
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr__plan_init(&s->plan, s->cfg, 1, &err), TR_OK);
    cr_assert_eq(tr__ws_init(&s->run, &s->plan, 0, &err), TR_OK);
    cr_assert_eq(tr__ws_init(&s->tr, &s->plan, 1, &err), TR_OK);
    tr_error_clear(&err);
}

static void sim_close(sim *s)
{
    tr__ws_free(&s->run);
    tr__ws_free(&s->tr);
    tr__plan_free(&s->plan);
    tr_config_free(s->cfg);
}

/* Indices in the loader's canonical order (lists sorted by id or name). */
static size_t trust_ix(const sim *s, const char *id)
{
    for (size_t i = 0; i < s->cfg->n_trusts; i++)
        if (strcmp(s->cfg->trusts[i].id, id) == 0) return i;
    cr_assert_fail("no trust %s", id);
    return 0;
}

static size_t scheme_ix(const sim *s, size_t i, const char *id)
{
    for (size_t j = 0; j < s->cfg->trusts[i].n_schemes; j++)
        if (strcmp(s->cfg->trusts[i].schemes[j].id, id) == 0) return j;
    cr_assert_fail("no scheme %s", id);
    return 0;
}

static size_t cons_ix(const sim *s, const char *id)
{
    for (size_t c = 0; c < s->cfg->n_consortia; c++)
        if (strcmp(s->cfg->consortia[c].id, id) == 0) return c;
    cr_assert_fail("no consortium %s", id);
    return 0;
}

static size_t factor_ix(const sim *s, const char *name)
{
    for (size_t f = 0; f < s->cfg->n_factors; f++)
        if (strcmp(s->cfg->factors[f].name, name) == 0) return f;
    cr_assert_fail("no factor %s", name);
    return 0;
}

/* Simulate one path on both workspaces with the uniforms of us; the seen
 * counts are those of the run workspace. */
static void sim_path(sim *s, uset *us, uint64_t seed, uint64_t p)
{
    s->tr.u_hook = s->run.u_hook = hook;
    s->tr.u_hook_ctx = s->run.u_hook_ctx = us;
    tr__sim_path(&s->tr, seed, p);
    uset_forget(us);
    tr__sim_path(&s->run, seed, p);
    cr_assert_eq(us->bad, 0, "the hook was asked for an address that does not exist");
}

/* ------------------------------------------------------------------ */
/* The reference model (docs/model.md sections 3 to 7)                    */

static double Phi_inv(double u)
{
    return gsl_cdf_ugaussian_Pinv(u);
}

/* F^{-1}(u), section 4; the derived shapes computed here from the parameters. */
static double ref_quantile(const tr__dist *d, double u)
{
    switch (d->kind) {
    case TR__DIST_FIXED:
        return d->value;
    case TR__DIST_UNIFORM:
        return d->min + u * (d->max - d->min);
    case TR__DIST_TRIANGULAR: {
        double a = d->min, c = d->mode, b = d->max;
        if (u * (b - a) < c - a) return a + sqrt(u * (b - a) * (c - a));
        return b - sqrt((1 - u) * (b - a) * (b - c));
    }
    case TR__DIST_PERT: {
        double a = d->min, b = d->max, m = d->mode, l = d->lambda;
        return a +
               (b - a) * gsl_cdf_beta_Pinv(u, 1 + l * (m - a) / (b - a), 1 + l * (b - m) / (b - a));
    }
    case TR__DIST_BETA: {
        /* method of moments on [min, max] */
        double w = d->max - d->min, m = (d->mean - d->min) / w, s = d->sd / w;
        double k = m * (1 - m) / (s * s) - 1;
        return d->min + w * gsl_cdf_beta_Pinv(u, m * k, (1 - m) * k);
    }
    case TR__DIST_NORMAL:
        return d->mean + d->sd * Phi_inv(u);
    case TR__DIST_LOGNORMAL:
        return exp(log(d->median) + d->sigma * Phi_inv(u));
    case TR__DIST_DISCRETE: {
        double c = 0;
        for (size_t k = 0; k < d->n; k++) {
            c += d->probs[k];
            if (c >= u) return d->values[k];
        }
        return d->values[d->n - 1];
    }
    }
    return NAN;
}

static double ref_Z(const sim *s, const uset *us, int f, size_t trust)
{
    switch (s->cfg->factors[f].scope) {
    case TR__SCOPE_CONSORTIUM:
        cr_assert_geq(s->lead[trust], 0);
        return Phi_inv(us->f[f][s->lead[trust]]);
    case TR__SCOPE_TRUST:
        return Phi_inv(us->f[f][trust]);
    default:
        return Phi_inv(us->f[f][0]);
    }
}

/* Loadings: the distribution's own, else its owner's (section 3). */
static const tr__loadings *ref_pick(const tr__dist *d, const tr__loadings *owner)
{
    return d->has_loadings ? &d->loadings : owner;
}

/* U = C(X), X = sum w Z + sqrt(1 - sum w^2) Phi^{-1}(u) (section 3). */
static double ref_U(const sim *s, const uset *us, const tr__loadings *L, size_t trust, double u)
{
    const tr_config *cfg = s->cfg;
    /* Phi(Phi^{-1}(u)) is u: take it exactly */
    if (L->n == 0 && cfg->copula == TR__COPULA_GAUSSIAN) return u;
    double ss = 0, m = 0;
    for (size_t k = 0; k < L->n; k++) {
        ss += L->weight[k] * L->weight[k];
        m += L->weight[k] * ref_Z(s, us, L->factor[k], trust);
    }
    double x = m + sqrt(fmax(0, 1 - ss)) * Phi_inv(u);
    if (cfg->copula == TR__COPULA_T) {
        double w = gsl_cdf_chisq_Pinv(us->chi2, cfg->dof);
        return gsl_cdf_tdist_P(x / sqrt(w / cfg->dof), cfg->dof);
    }
    return gsl_cdf_ugaussian_P(x);
}

/* rate(tau) / (d saving / 12) of a scheme starting at a (section 5). */
static double ref_rate(double tau, double a, double ramp, int recurrent)
{
    if (!recurrent && tau >= a + 12) return 0;
    if (ramp == 0) return tau > a ? 1 : 0;
    double x = (tau - a) / ramp;
    return x < 0 ? 0 : (x > 1 ? 1 : x);
}

/* The integral of ref_rate over (t - 1, t]: split at the kinks, midpoint rule on each piece. */
static double ref_month_saving(double a, double ramp, int recurrent, int t)
{
    double pts[5] = {t - 1.0}, kinks[3] = {a, a + ramp, recurrent ? -1 : a + 12};
    int n = 1;
    for (int k = 0; k < 3; k++)
        if (kinks[k] > t - 1.0 && kinks[k] < t) pts[n++] = kinks[k];
    pts[n++] = t;
    for (int i = 1; i < n; i++) /* insertion sort */
        for (int j = i; j > 0 && pts[j] < pts[j - 1]; j--) {
            double x = pts[j];
            pts[j] = pts[j - 1];
            pts[j - 1] = x;
        }
    double sum = 0;
    for (int k = 0; k + 1 < n; k++)
        sum += (pts[k + 1] - pts[k]) * ref_rate(0.5 * (pts[k] + pts[k + 1]), a, ramp, recurrent);
    return sum;
}

typedef struct rscheme {
    int paper, comp, stay;
    double d0, r, s, y, d, a, plan, booked;
} rscheme;

typedef struct rpath {
    rscheme sc[MT][MS];
    double gI[MT], gC[MT];
    double income[MT][MH], expend[MT][MH], fixed[MT][MH], sav[MT][MH], oneoff[MT][MH],
        noise[MT][MH], flow[MT][MH], b[MT][MH], cash[MT][MH], scale[MT][MH];
    int fail[MT];
    double bo[MT];
    double req[MC], paid[MC], cscale[MC];
    int ex[MC];
    double total_bo, national;
    int n_failed;
} rpath;

static void ref_scheme(const sim *s, const uset *us, size_t i, size_t j, rscheme *r)
{
    const tr_config *cfg = s->cfg;
    const tr__scheme *sc = &cfg->trusts[i].schemes[j];
    const double *u = us->s[i][j];
    const tr__loadings *own = &sc->loadings;
    r->paper = ref_U(s, us, own, i, u[0]) > 1 - sc->paper;
    r->d0 = ref_quantile(&sc->delivery, 1 - ref_U(s, us, ref_pick(&sc->delivery, own), i, u[1]));
    r->comp = sc->has_compromise && ref_U(s, us, own, i, u[2]) > 1 - sc->compromise_probability;
    r->r =
        sc->has_compromise
            ? ref_quantile(&sc->retained, 1 - ref_U(s, us, ref_pick(&sc->retained, own), i, u[3]))
            : NAN;
    r->s =
        fmax(0, ref_quantile(&sc->slippage, ref_U(s, us, ref_pick(&sc->slippage, own), i, u[4])));
    r->stay = sc->has_stay && ref_U(s, us, own, i, u[5]) > 1 - sc->stay_probability;
    r->y = sc->has_stay
               ? fmax(0, ref_quantile(&sc->stay_delay,
                                      ref_U(s, us, ref_pick(&sc->stay_delay, own), i, u[6])))
               : NAN;
    r->d = r->paper ? 0 : r->d0 * (r->comp ? r->r : 1);
    r->a = sc->start_month - 1 + r->s + (r->stay ? r->y : 0);
    r->plan = r->booked = 0;
    for (int t = 1; t <= cfg->horizon; t++) {
        r->plan += sc->saving / 12 *
                   ref_month_saving(sc->start_month - 1, sc->ramp_months, sc->recurrent, t);
        r->booked +=
            r->d * sc->saving / 12 * ref_month_saving(r->a, sc->ramp_months, sc->recurrent, t);
    }
}

static void ref_path(const sim *s, const uset *us, rpath *r)
{
    const tr_config *cfg = s->cfg;
    memset(r, 0, sizeof *r);
    const int H = cfg->horizon;
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        for (size_t j = 0; j < tr->n_schemes; j++)
            ref_scheme(s, us, i, j, &r->sc[i][j]);
        r->gI[i] = ref_quantile(
            &tr->income_growth,
            1 - ref_U(s, us, ref_pick(&tr->income_growth, &tr->loadings), i, us->t[i][0]));
        r->gC[i] =
            ref_quantile(&tr->cost_growth,
                         ref_U(s, us, ref_pick(&tr->cost_growth, &tr->loadings), i, us->t[i][1]));
        double cash = tr->cash, flr = tr->min_cash - tr->facility, scale = fabs(tr->cash);
        for (int t = 1; t <= H; t++) {
            int m = t - 1;
            double e = (t - 1) / 12.0;
            r->income[i][m] = tr->income / 12 * pow(1 + r->gI[i], e);
            r->expend[i][m] = tr->expenditure / 12 * pow(1 + r->gC[i], e);
            r->fixed[i][m] = tr->fixed_charges / 12 * pow(1 + tr->fixed_indexation, e);
            for (size_t j = 0; j < tr->n_schemes; j++) {
                const tr__scheme *sc = &tr->schemes[j];
                const rscheme *rs = &r->sc[i][j];
                r->sav[i][m] += rs->d * sc->saving / 12 *
                                ref_month_saving(rs->a, sc->ramp_months, sc->recurrent, t);
                if (!rs->paper && floor(rs->a) + 1 == t) r->oneoff[i][m] += sc->one_off_cost;
            }
            r->noise[i][m] = tr->cash_noise > 0 ? tr->cash_noise * Phi_inv(us->noise[i][t]) : 0;
            r->flow[i][m] = r->income[i][m] - r->expend[i][m] - r->fixed[i][m] + r->sav[i][m] -
                            r->oneoff[i][m] + r->noise[i][m];
            double pre = cash + r->flow[i][m], b = 0;
            if (pre < flr) {
                if (!r->fail[i]) r->fail[i] = t;
                b = flr + tr->bailout_buffer - pre;
            }
            cash = pre + b;
            r->b[i][m] = b;
            r->cash[i][m] = cash;
            r->bo[i] += b;
            scale += fabs(r->income[i][m]) + fabs(r->expend[i][m]) + fabs(r->fixed[i][m]) +
                     fabs(r->sav[i][m]) + fabs(r->oneoff[i][m]) + fabs(r->noise[i][m]) + fabs(b) +
                     fabs(flr) + tr->bailout_buffer;
            r->scale[i][m] = scale;
        }
        r->n_failed += r->fail[i] != 0;
        r->total_bo += r->bo[i];
        double shares = 0;
        for (size_t k = 0; k < tr->n_commissioners; k++)
            shares += tr->commissioners[k].share;
        r->national += fmax(0, 1 - shares) * r->bo[i];
    }
    /* Section 7: each consortium, month by month, from its reserve. */
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        double remaining = cfg->consortia[c].reserve;
        r->cscale[c] = remaining;
        for (int t = 1; t <= H; t++) {
            double q = 0;
            for (size_t i = 0; i < cfg->n_trusts; i++)
                for (size_t k = 0; k < cfg->trusts[i].n_commissioners; k++)
                    if ((size_t)cfg->trusts[i].commissioners[k].consortium == c)
                        q += cfg->trusts[i].commissioners[k].share * r->b[i][t - 1];
            double pay = q < remaining ? q : remaining;
            if (q > remaining && !r->ex[c]) r->ex[c] = t;
            remaining -= pay;
            r->req[c] += q;
            r->paid[c] += pay;
            r->cscale[c] += q;
        }
        r->national += r->req[c] - r->paid[c];
    }
}

/* ------------------------------------------------------------------ */
/* Comparing the engine with the reference                            */

static double EPS = 1e-12;

__attribute__((format(printf, 4, 5))) static void near(double got, double want, double scale,
                                                       const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    double tol = EPS * fmax(1, fmax(fabs(want), scale));
    cr_expect(fabs(got - want) <= tol, "%s: engine %.17g, expected %.17g (tol %.3g)", what, got,
              want, tol);
}

/* Every output of the path, and with the trace every month's terms. */
static void check_ws(const sim *s, const tr__ws *ws, const rpath *r, const char *label)
{
    const tr_config *cfg = s->cfg;
    const size_t H = (size_t)cfg->horizon;
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *tr = &cfg->trusts[i];
        const char *id = tr->id;
        for (size_t j = 0; j < tr->n_schemes; j++) {
            const tr__scheme_draw *dr = &ws->sdraw[s->plan.scheme_base[i] + j];
            const rscheme *rs = &r->sc[i][j];
            const char *sid = tr->schemes[j].id;
            cr_expect_eq(dr->paper != 0, rs->paper, "%s %s/%s: paper", label, id, sid);
            if (!rs->paper) {
                near(dr->d0, rs->d0, 1, "%s %s/%s: delivered fraction d0", label, id, sid);
                cr_expect_eq(dr->compromise != 0, rs->comp, "%s %s/%s: compromise", label, id, sid);
                if (rs->comp) near(dr->retained, rs->r, 1, "%s %s/%s: retained", label, id, sid);
            }
            near(dr->d, rs->d, 1, "%s %s/%s: d", label, id, sid);
            near(dr->slip, rs->s, 1, "%s %s/%s: slippage", label, id, sid);
            cr_expect_eq(dr->stay != 0, rs->stay, "%s %s/%s: stay", label, id, sid);
            if (rs->stay) near(dr->stay_delay, rs->y, 1, "%s %s/%s: stay delay", label, id, sid);
            near(dr->a, rs->a, 1, "%s %s/%s: actual start a", label, id, sid);
            near(ws->shortfall[s->plan.scheme_base[i] + j], rs->plan - rs->booked, rs->plan,
                 "%s %s/%s: shortfall", label, id, sid);
        }
        cr_expect_eq(ws->fail_month[i], r->fail[i], "%s %s: failure month %d, expected %d", label,
                     id, ws->fail_month[i], r->fail[i]);
        near(ws->bailout[i], r->bo[i], r->scale[i][H - 1], "%s %s: BO", label, id);
        for (size_t m = 0; m < H; m++) {
            double sc = r->scale[i][m];
            near(ws->cash[i * H + m], r->cash[i][m], sc, "%s %s: cash in month %zu", label, id,
                 m + 1);
            near(ws->bmonth[i * H + m], r->b[i][m], sc, "%s %s: B in month %zu", label, id, m + 1);
            if (!ws->trace) continue;
            const double *x = ws->trace + (i * H + m) * TR__TR_COUNT;
            near(x[TR__TR_INCOME], r->income[i][m], sc, "%s %s: income_%zu", label, id, m + 1);
            near(x[TR__TR_EXPENDITURE], r->expend[i][m], sc, "%s %s: expenditure_%zu", label, id,
                 m + 1);
            near(x[TR__TR_FIXED], r->fixed[i][m], sc, "%s %s: fixed_%zu", label, id, m + 1);
            near(x[TR__TR_SAVINGS], r->sav[i][m], sc, "%s %s: savings in month %zu", label, id,
                 m + 1);
            near(x[TR__TR_ONE_OFF], r->oneoff[i][m], sc, "%s %s: one-off in month %zu", label, id,
                 m + 1);
            near(x[TR__TR_NOISE], r->noise[i][m], sc, "%s %s: noise_%zu", label, id, m + 1);
            near(x[TR__TR_FLOW], r->flow[i][m], sc, "%s %s: flow_%zu", label, id, m + 1);
        }
        if (ws->tdraw) {
            near(ws->tdraw[i * 4 + 1], r->gI[i], 1, "%s %s: income growth", label, id);
            near(ws->tdraw[i * 4 + 3], r->gC[i], 1, "%s %s: cost growth", label, id);
        }
    }
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        const char *id = cfg->consortia[c].id;
        near(ws->requested[c], r->req[c], r->cscale[c], "%s consortium %s: requested", label, id);
        near(ws->paid[c], r->paid[c], r->cscale[c], "%s consortium %s: paid", label, id);
        cr_expect_eq(ws->exhaust_month[c], r->ex[c],
                     "%s consortium %s: exhausted in month %d, "
                     "expected %d",
                     label, id, ws->exhaust_month[c], r->ex[c]);
    }
    double total = 0;
    for (size_t i = 0; i < cfg->n_trusts; i++)
        total += r->scale[i][H - 1];
    for (size_t c = 0; c < cfg->n_consortia; c++)
        total += r->cscale[c];
    cr_expect_eq(ws->n_failed, r->n_failed, "%s: trusts failing", label);
    near(ws->total_bailout, r->total_bo, total, "%s: total bail-out", label);
    near(ws->national_topup, r->national, total, "%s: national top-up", label);
}

/* Simulate with us and compare both workspaces with the reference; r gets the reference. */
static void check_path(sim *s, uset *us, rpath *r, const char *label)
{
    sim_path(s, us, 1, 0);
    ref_path(s, us, r);
    char l[128];
    snprintf(l, sizeof l, "%s [run]", label);
    check_ws(s, &s->run, r, l);
    snprintf(l, sizeof l, "%s [trace]", label);
    check_ws(s, &s->tr, r, l);
}

/* Open a config, leave every uniform at 0.5, simulate and check against the reference. */
static void open_and_check(sim *s, uset *us, rpath *r, const char *json, const char *label)
{
    sim_open(s, json);
    uset_init(us, s->cfg);
    check_path(s, us, r, label);
}

/* The traced workspace's value of column k for trust i in month t (1-based). */
static double trace_at(const sim *s, size_t i, int t, int k)
{
    size_t H = (size_t)s->cfg->horizon;
    return s->tr.trace[(i * H + (size_t)(t - 1)) * TR__TR_COUNT + (size_t)k];
}

static const tr__scheme_draw *draw_of(const sim *s, size_t i, size_t j)
{
    return &s->tr.sdraw[s->plan.scheme_base[i] + j];
}

#define EXACT(got, want, ...) near((got), (want), 1, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Section 5: the seven elements and their orientation                */

/* Uniform distributions make every quantile a line: F^{-1}(v) = min + v (max - min). */
#define ALL7                                                                                       \
    "'saving': 12, 'start_month': 1, 'paper': 0.3, "                                               \
    "'delivery': {'dist': 'uniform', 'min': 0.4, 'max': 1}, "                                      \
    "'compromise': {'probability': 0.4, 'retained': {'dist': 'uniform', 'min': 0.5, 'max': "       \
    "0.9}}, "                                                                                      \
    "'slippage': {'dist': 'uniform', 'min': -2, 'max': 4}, "                                       \
    "'stay': {'probability': 0.5, 'delay': {'dist': 'uniform', 'min': 1, 'max': 5}}"
static const char *orient_cfg =
    "{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 100, 'income': 120, "
    "'expenditure': 120, 'income_growth': {'dist': 'uniform', 'min': 0, 'max': 0.1}, "
    "'cost_growth': {'dist': 'uniform', 'min': 0, 'max': 0.1}, 'schemes': ["
    "{'id': 'a', " ALL7 "}, {'id': 'b', " ALL7 "}, {'id': 'c', " ALL7 "}]}]}";

Test(sim, scheme_elements_and_growth_orientation)
{
    sim s;
    sim_open(&s, orient_cfg);
    uset us;
    uset_init(&us, s.cfg);
    /* a: paper 0.6 <= 0.7: no; d0 = F(1 - 0.25) = 0.4 + 0.6 * 0.75 = 0.85; compromise
     * 0.7 > 0.6: yes; r = F(0.75) = 0.5 + 0.4 * 0.75 = 0.8; slippage F(0.75) = -2 + 6 *
     * 0.75 = 2.5; stay 0.6 > 0.5: yes, y = F(0.25) = 2. So d = 0.68, a = 4.5. */
    double a[7] = {0.6, 0.25, 0.7, 0.25, 0.75, 0.6, 0.25};
    /* b: paper 0.8 > 0.7: d = 0; slippage F(0.2) = -0.8, so s = 0; stay 0.4: no. a = 0. */
    double b[7] = {0.8, 0.25, 0.7, 0.25, 0.2, 0.4, 0.25};
    /* c: no paper; d0 = F(0.1) = 0.46; compromise 0.5 <= 0.6: no; s = 0; no stay. */
    double c[7] = {0.6, 0.9, 0.5, 0.1, 0.2, 0.4, 0.9};
    memcpy(us.s[0][0], a, sizeof a);
    memcpy(us.s[0][1], b, sizeof b);
    memcpy(us.s[0][2], c, sizeof c);
    /* g_I = F(1 - 0.2) = 0.08; g_C = F(0.2) = 0.02 */
    us.t[0][0] = 0.2;
    us.t[0][1] = 0.2;
    rpath r;
    check_path(&s, &us, &r, "orientation");

    const tr__scheme_draw *da = draw_of(&s, 0, 0), *db = draw_of(&s, 0, 1), *dc = draw_of(&s, 0, 2);
    cr_expect_eq(da->paper, 0);
    EXACT(da->d0, 0.85, "a: d0 = F^-1(1 - U)");
    cr_expect_eq(da->compromise, 1);
    EXACT(da->retained, 0.8, "a: r = F^-1(1 - U)");
    EXACT(da->d, 0.68, "a: d = d0 r");
    EXACT(da->slip, 2.5, "a: s = F^-1(U)");
    cr_expect_eq(da->stay, 1);
    EXACT(da->stay_delay, 2.0, "a: y = F^-1(U)");
    EXACT(da->a, 4.5, "a: a = start - 1 + s + y");
    cr_expect_eq(db->paper, 1);
    EXACT(db->d, 0.0, "b: paper gives d = 0");
    EXACT(db->slip, 0.0, "b: s = max(0, -0.8)");
    cr_expect_eq(db->stay, 0);
    EXACT(db->a, 0.0, "b: a");
    cr_expect_eq(dc->paper, 0);
    EXACT(dc->d0, 0.46, "c: d0");
    cr_expect_eq(dc->compromise, 0);
    EXACT(dc->d, 0.46, "c: d = d0 without a compromise");
    EXACT(s.tr.tdraw[1], 0.08, "g_I = F^-1(1 - U)");
    EXACT(s.tr.tdraw[3], 0.02, "g_C = F^-1(U)");
    /* month 12: income 10 * 1.08^(11/12), expenditure 10 * 1.02^(11/12) */
    EXACT(trace_at(&s, 0, 12, TR__TR_INCOME), 10 * pow(1.08, 11.0 / 12), "income_12");
    EXACT(trace_at(&s, 0, 12, TR__TR_EXPENDITURE), 10 * pow(1.02, 11.0 / 12), "expenditure_12");
    sim_close(&s);
}

/* Events sit exactly on [U > 1 - p]: a uniform equal to 1 - p is no event. */
Test(sim, events_are_strictly_above_one_minus_p)
{
    sim s;
    sim_open(&s, "{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 100, 'income': 12, "
                 "'expenditure': 12, 'schemes': [{'id': 'a', 'saving': 12, 'start_month': 1, "
                 "'paper': 0.25, 'compromise': {'probability': 0.5, 'retained': {'dist': "
                 "'fixed', 'value': 0.5}}, 'stay': {'probability': 0.75, 'delay': {'dist': "
                 "'fixed', 'value': 3}}}]}]}");
    uset us;
    uset_init(&us, s.cfg);
    /* exactly 1 - p: no event */
    us.s[0][0][TR__EL_PAPER] = 0.75;
    us.s[0][0][TR__EL_COMPROMISE] = 0.5;
    us.s[0][0][TR__EL_STAY] = 0.25;
    rpath r;
    check_path(&s, &us, &r, "at 1 - p");
    const tr__scheme_draw *d = draw_of(&s, 0, 0);
    cr_expect(!d->paper && !d->compromise && !d->stay, "U = 1 - p is no event");
    EXACT(d->d, 1.0, "d");
    EXACT(d->a, 0.0, "a");
    /* just above: every event */
    us.s[0][0][TR__EL_PAPER] = nextafter(0.75, 1);
    us.s[0][0][TR__EL_COMPROMISE] = nextafter(0.5, 1);
    us.s[0][0][TR__EL_STAY] = nextafter(0.25, 1);
    check_path(&s, &us, &r, "above 1 - p");
    cr_expect(d->paper && d->stay, "U > 1 - p is an event");
    EXACT(d->d, 0.0, "d of a paper scheme");
    EXACT(d->a, 3.0, "a with a stay of 3 months");
    us.s[0][0][TR__EL_PAPER] = 0.5;
    check_path(&s, &us, &r, "compromise");
    cr_expect(d->compromise);
    EXACT(d->d, 0.5, "d = d0 r");
    sim_close(&s);
}

/* ------------------------------------------------------------------ */
/* Section 4: every family's quantile                                 */

typedef struct family {
    const char *json;
    double range; /* > 0: Beta family, compared to 1e-9 of the range */
} family;

static const family families[] = {
    {"{'dist': 'uniform', 'min': 0.2, 'max': 0.9}", 0},
    {"{'dist': 'triangular', 'min': 0.1, 'mode': 0.3, 'max': 0.9}", 0},
    {"{'dist': 'triangular', 'min': 0.1, 'mode': 0.1, 'max': 0.9}", 0},
    {"{'dist': 'triangular', 'min': 0.1, 'mode': 0.9, 'max': 0.9}", 0},
    {"{'dist': 'pert', 'min': 0.2, 'mode': 0.5, 'max': 1.1}", 0.9},
    {"{'dist': 'pert', 'min': 0.2, 'mode': 0.9, 'max': 1.1, 'lambda': 2}", 0.9},
    {"{'dist': 'beta', 'mean': 0.6, 'sd': 0.2}", 1},
    {"{'dist': 'beta', 'mean': 5, 'sd': 1, 'min': 2, 'max': 10}", 8},
    {"{'dist': 'normal', 'mean': 0.8, 'sd': 0.1}", 0},
    {"{'dist': 'lognormal', 'median': 1.5, 'sigma': 0.4}", 0},
    {"{'dist': 'discrete', 'values': [3, 1, 2], 'probs': [0.25, 0.5, 0.25]}", 0},
};

Test(sim, every_family_quantile)
{
    /* triangular 0.1/0.3/0.9 has F(mode) = 0.25: u = 0.25 and 0.75 sit on the kink */
    const double us_grid[] = {0.001, 0.05, 0.25, 0.3, 0.5, 0.74, 0.75, 0.76, 0.95, 0.999};
    for (size_t f = 0; f < sizeof families / sizeof *families; f++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 100, 'income': 12, "
                 "'expenditure': 12, 'schemes': [{'id': 's', 'saving': 12, 'start_month': 1, "
                 "'delivery': %s, 'slippage': %s}]}]}",
                 families[f].json, families[f].json);
        sim s;
        sim_open(&s, json);
        const tr__dist *dd = &s.cfg->trusts[0].schemes[0].delivery;
        for (size_t k = 0; k < sizeof us_grid / sizeof *us_grid; k++) {
            uset us;
            uset_init(&us, s.cfg);
            double u = us_grid[k];
            us.s[0][0][TR__EL_DELIVERY] = u;
            us.s[0][0][TR__EL_SLIPPAGE] = u;
            sim_path(&s, &us, 1, 0);
            const tr__scheme_draw *d = draw_of(&s, 0, 0);
            double want_d0 = ref_quantile(dd, 1 - u), want_s = fmax(0, ref_quantile(dd, u));
            double tol =
                families[f].range > 0 ? 1e-9 * families[f].range : 1e-12 * fmax(1, fabs(want_d0));
            cr_expect(fabs(d->d0 - want_d0) <= tol, "%s, U = %g: d0 %.17g, F^-1(1 - U) = %.17g",
                      families[f].json, u, d->d0, want_d0);
            tol = families[f].range > 0 ? 1e-9 * families[f].range : 1e-12 * fmax(1, want_s);
            cr_expect(fabs(d->slip - want_s) <= tol, "%s, U = %g: s %.17g, F^-1(U) = %.17g",
                      families[f].json, u, d->slip, want_s);
            cr_expect_eq(us.seen_s[0][0][TR__EL_DELIVERY], 1, "delivery drawn once");
        }
        sim_close(&s);
    }
}

/* Literal values: the discrete quantile at its steps, the triangular at its kink. */
Test(sim, discrete_and_triangular_by_hand)
{
    sim s;
    sim_open(&s, "{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 100, 'income': 12, "
                 "'expenditure': 12, 'schemes': [{'id': 's', 'saving': 12, 'start_month': 1, "
                 "'delivery': {'dist': 'discrete', 'values': [3, 1, 2], 'probs': [0.25, 0.5, "
                 "0.25]}, 'slippage': {'dist': 'triangular', 'min': 0, 'mode': 1, 'max': 4}}]}]}");
    /* delivery F^{-1}(1 - U): the smallest value, in the order given, with cumulative
     * probability >= 1 - U. Cumulative: 3 -> 0.25, 1 -> 0.75, 2 -> 1. */
    const double u[] = {0.75, 0.76, 0.74, 0.25, 0.24, 0.01};
    const double want[] = {3, 3, 1, 1, 2, 2};
    /* slippage: F(1) = 1/4; F^{-1}(u) = sqrt(4u) below, 4 - sqrt(12 (1 - u)) above */
    const double slip[] = {4 - sqrt(3.0), 4 - sqrt(12 * 0.24), 4 - sqrt(12 * 0.26), 1,
                           sqrt(0.96),    sqrt(0.04)};
    for (size_t k = 0; k < sizeof u / sizeof *u; k++) {
        uset us;
        uset_init(&us, s.cfg);
        us.s[0][0][TR__EL_DELIVERY] = u[k];
        us.s[0][0][TR__EL_SLIPPAGE] = u[k];
        sim_path(&s, &us, 1, 0);
        EXACT(draw_of(&s, 0, 0)->d0, want[k], "discrete, U = %g", u[k]);
        EXACT(draw_of(&s, 0, 0)->slip, slip[k], "triangular, U = %g", u[k]);
    }
    sim_close(&s);
}

/* A fixed distribution needs no draw (section 2); a random one is drawn through the hook. */
Test(sim, fixed_elements_draw_nothing)
{
    sim s;
    uset us;
    rpath r;
    open_and_check(&s, &us, &r,
                   "{'horizon_months': 6, 'trusts': [{'id': 't', 'cash': 100, 'income': 12, "
                   "'expenditure': 12, 'income_growth': {'dist': 'fixed', 'value': 0.1}, "
                   "'schemes': [{'id': 's', 'saving': 12, 'start_month': 1, 'delivery': {'dist': "
                   "'fixed', 'value': 0.7}, 'slippage': {'dist': 'fixed', 'value': 1.5}}]}]}",
                   "fixed");
    cr_expect_eq(us.calls, 0, "%d draws for a config with nothing random", us.calls);
    EXACT(draw_of(&s, 0, 0)->d, 0.7, "d");
    EXACT(draw_of(&s, 0, 0)->a, 1.5, "a");
    sim_close(&s);
}

/* ------------------------------------------------------------------ */
/* Section 5: ramps, windows, one-off costs, shortfall                */

/* Each trust holds one scheme of 12 a year (1 a month at full rate), so
 * the trace's savings column is that scheme's. */
static const char *ramp_cfg =
    "{'horizon_months': 24, 'trusts': ["
    /* R: a = 1.5, ramp 3 */
    "{'id': 'R', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "
    "'saving': 12, 'start_month': 2.5, 'ramp_months': 3}]},"
    /* S: a = 1.3, a step */
    "{'id': 'S', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "
    "'saving': 12, 'start_month': 2.3}]},"
    /* N: one-off saving, a = 0.5, a step; rate 0 from 12.5 */
    "{'id': 'N', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "
    "'saving': 12, 'start_month': 1.5, 'recurrent': false}]},"
    /* W: one-off saving, a = 0, ramp 20 longer than the 12-month window */
    "{'id': 'W', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "
    "'saving': 12, 'start_month': 1, 'ramp_months': 20, 'recurrent': false}]},"
    /* L: one-off saving, a = 1, ramp 4; rate 0 from 13 */
    "{'id': 'L', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "
    "'saving': 12, 'start_month': 2, 'ramp_months': 4, 'recurrent': false}]},"
    /* T: one-off saving slipped by 18 months: a = 18, booked 19..24 only */
    "{'id': 'T', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "
    "'saving': 12, 'start_month': 1, 'recurrent': false, "
    "'slippage': {'dist': 'fixed', 'value': 18}}]},"
    /* D: recurrent, half delivered, slipped 2.5 months; and a start beyond the horizon */
    "{'id': 'D', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "
    "'saving': 12, 'start_month': 1, 'delivery': {'dist': 'fixed', 'value': 0.5}, "
    "'slippage': {'dist': 'fixed', 'value': 2.5}}, {'id': 'late', 'saving': 12, "
    "'start_month': 26}]}]}";

Test(sim, ramps_windows_and_shortfall)
{
    sim s;
    uset us;
    rpath r;
    open_and_check(&s, &us, &r, ramp_cfg, "ramps");
    const int H = 24;
    double R[24] = {0, 1.0 / 24, 1.0 / 3, 2.0 / 3, 23.0 / 24}, S[24] = {0, 0.7}, N[24] = {0.5},
           W[24], L[24] = {0, 1.0 / 8, 3.0 / 8, 5.0 / 8, 7.0 / 8}, T[24] = {0}, D[24] = {0};
    for (int t = 6; t <= H; t++)
        R[t - 1] = 1;
    for (int t = 3; t <= H; t++)
        S[t - 1] = 1;
    for (int t = 2; t <= 12; t++)
        N[t - 1] = 1;
    N[12] = 0.5; /* month 13 = (12, 13]: rate 1 up to 12.5 */
    for (int t = 1; t <= H; t++)
        W[t - 1] = t <= 12 ? (2.0 * t - 1) / 40 : 0; /* integral of tau / 20 */
    for (int t = 6; t <= 13; t++)
        L[t - 1] = 1;
    for (int t = 19; t <= 24; t++)
        T[t - 1] = 1;
    D[2] = 0.25; /* a = 2.5: half of month 3 at half delivery */
    for (int t = 4; t <= H; t++)
        D[t - 1] = 0.5;
    const double *want[7] = {R, S, N, W, L, T, D};
    const char *ids[7] = {"R", "S", "N", "W", "L", "T", "D"};
    for (size_t k = 0; k < 7; k++) {
        for (int t = 1; t <= H; t++)
            EXACT(trace_at(&s, trust_ix(&s, ids[k]), t, TR__TR_SAVINGS), want[k][t - 1],
                  "%s: saving in month %d", ids[k], t);
    }
    /* Shortfall = plan (d = 1, no delay, within the horizon) - booked. */
#define SCHEME_OF(tid, sid)                                                                        \
    (s.plan.scheme_base[trust_ix(&s, tid)] + scheme_ix(&s, trust_ix(&s, tid), sid))
    const double *sf = s.run.shortfall;
    EXACT(sf[SCHEME_OF("R", "s")], 0, "R: no shortfall");
    EXACT(sf[SCHEME_OF("N", "s")], 0, "N: no shortfall");
    EXACT(sf[SCHEME_OF("T", "s")], 6, "T: plan 12, booked 6");
    EXACT(sf[SCHEME_OF("D", "s")], 24 - 0.5 * 21.5, "D: plan 24, booked 0.5 (24 - 2.5)");
    EXACT(sf[SCHEME_OF("D", "late")], 0, "D/late: nothing planned within the horizon");
    EXACT(s.plan.plan_total[SCHEME_OF("W", "s")], 144.0 / 40,
          "W: planned, the integral of tau / 20 over (0, 12]");
    sim_close(&s);
}

/* One-off costs in month floor(a) + 1, never beyond H, never for paper. The
 * trusts' ids say a: 2, 2.7, 0, 23.5 (paid in month 24), 24 (month 25, beyond
 * the horizon), paper (never paid), 4.5 (slippage 1.5 and a stay of 2). */
#define ONEOFF(id, extra)                                                                          \
    "{'id': '" id "', 'cash': 100, 'income': 12, 'expenditure': 12, 'schemes': [{'id': 's', "      \
    "'saving': 0, 'one_off_cost': 1.5, " extra "}]}"
/* clang-format off */
static const char *oneoff_cfg = "{'horizon_months': 24, 'trusts': ["
    ONEOFF("a2", "'start_month': 3") ","
    ONEOFF("a2.7", "'start_month': 3.7") ","
    ONEOFF("a0", "'start_month': 1") ","
    ONEOFF("a23.5", "'start_month': 24.5") ","
    ONEOFF("a24", "'start_month': 25") ","
    ONEOFF("paper", "'start_month': 1, 'paper': 1") ","
    ONEOFF("a4.5", "'start_month': 2, 'slippage': {'dist': 'fixed', 'value': 1.5}, "
                   "'stay': {'probability': 1, 'delay': {'dist': 'fixed', 'value': 2}}") "]}";
/* clang-format on */

Test(sim, one_off_cost_month)
{
    sim s;
    uset us;
    rpath r;
    open_and_check(&s, &us, &r, oneoff_cfg, "one-off");
    const char *ids[7] = {"a2", "a2.7", "a0", "a23.5", "a24", "paper", "a4.5"};
    const int month[7] = {3, 3, 1, 24, 0, 0, 5}; /* 0: never paid */
    for (size_t k = 0; k < 7; k++)
        for (int t = 1; t <= 24; t++)
            EXACT(trace_at(&s, trust_ix(&s, ids[k]), t, TR__TR_ONE_OFF), t == month[k] ? 1.5 : 0,
                  "%s: one-off in month %d", ids[k], t);
    sim_close(&s);
}

/* ------------------------------------------------------------------ */
/* Section 6: growth, fixed charges, noise, failure and bail-out       */

Test(sim, growth_and_fixed_charge_exponents)
{
    sim s;
    uset us;
    rpath r;
    open_and_check(&s, &us, &r,
                   "{'horizon_months': 24, 'trusts': [{'id': 't', 'cash': 1000, 'income': 240, "
                   "'expenditure': 120, 'fixed_charges': 24, 'fixed_indexation': 0.1, "
                   "'income_growth': {'dist': 'fixed', 'value': 0.06}, "
                   "'cost_growth': {'dist': 'fixed', 'value': 0.12}}]}",
                   "growth");
    /* (1 + g)^((t - 1) / 12): month 1 at the run rate, month 13 one year on */
    EXACT(trace_at(&s, 0, 1, TR__TR_INCOME), 20, "income_1");
    EXACT(trace_at(&s, 0, 7, TR__TR_INCOME), 20 * sqrt(1.06), "income_7");
    EXACT(trace_at(&s, 0, 13, TR__TR_INCOME), 21.2, "income_13");
    EXACT(trace_at(&s, 0, 1, TR__TR_EXPENDITURE), 10, "expenditure_1");
    EXACT(trace_at(&s, 0, 13, TR__TR_EXPENDITURE), 11.2, "expenditure_13");
    EXACT(trace_at(&s, 0, 24, TR__TR_EXPENDITURE), 10 * pow(1.12, 23.0 / 12), "expenditure_24");
    EXACT(trace_at(&s, 0, 1, TR__TR_FIXED), 2, "fixed_1");
    EXACT(trace_at(&s, 0, 13, TR__TR_FIXED), 2.2, "fixed_13");
    EXACT(trace_at(&s, 0, 24, TR__TR_FIXED), 2 * pow(1.1, 23.0 / 12), "fixed_24");
    sim_close(&s);
}

Test(sim, noise_is_cash_noise_times_a_standard_normal)
{
    sim s;
    sim_open(&s, "{'horizon_months': 12, 'trusts': [{'id': 't', 'cash': 100, 'income': 12, "
                 "'expenditure': 12, 'cash_noise': 2.5}, {'id': 'quiet', 'cash': 100, "
                 "'income': 12, 'expenditure': 12}]}");
    uset us;
    uset_init(&us, s.cfg);
    const size_t n = trust_ix(&s, "t"), q = trust_ix(&s, "quiet");
    us.noise[n][1] = gsl_cdf_ugaussian_P(1.0);
    us.noise[n][2] = 0.5;
    us.noise[n][3] = gsl_cdf_ugaussian_P(-2.0);
    for (int t = 4; t <= 12; t++)
        us.noise[n][t] = 0.03 + 0.08 * t;
    rpath r;
    check_path(&s, &us, &r, "noise");
    EXACT(trace_at(&s, n, 1, TR__TR_NOISE), 2.5, "noise_1 = 2.5 Phi^-1(Phi(1))");
    EXACT(trace_at(&s, n, 2, TR__TR_NOISE), 0, "noise_2");
    EXACT(trace_at(&s, n, 3, TR__TR_NOISE), -5, "noise_3 = 2.5 * -2");
    EXACT(s.run.cash[n * 12 + 2], 100 + 2.5 - 5, "cash_3");
    for (int t = 1; t <= 12; t++) {
        cr_expect_eq(us.seen_noise[n][t], 1, "month %d's shock drawn once", t);
        cr_expect_eq(us.seen_noise[q][t], 0, "no shock drawn for a trust without noise");
    }
    sim_close(&s);
}

/* Flow -1 a month from cash 5; floor = min_cash 1 - facility 2 = -1. */
Test(sim, failure_month_bailout_and_buffer)
{
    sim s;
    uset us;
    rpath r;
    open_and_check(&s, &us, &r,
                   "{'horizon_months': 10, 'trusts': ["
                   "{'id': 'buf', 'cash': 5, 'min_cash': 1, 'facility': 2, 'bailout_buffer': 0.5, "
                   "'income': 12, 'expenditure': 24},"
                   "{'id': 'nobuf', 'cash': 5, 'min_cash': 1, 'facility': 2, 'income': 12, "
                   "'expenditure': 24},"
                   "{'id': 'fine', 'cash': 5, 'min_cash': 1, 'facility': 2, 'income': 12, "
                   "'expenditure': 12},"
                   "{'id': 'first', 'cash': 0.5, 'income': 12, 'expenditure': 24}]}",
                   "failure");
    const size_t buf = trust_ix(&s, "buf"), nobuf = trust_ix(&s, "nobuf"),
                 fine = trust_ix(&s, "fine"), first = trust_ix(&s, "first");
    /* pre_6 = -1 equals the floor: no failure; pre_7 = -2 < -1 fails, B_7 = -1 + 0.5 + 2 = 1.5,
     * cash -0.5; then pre = -1.5 and B = 1 each month. BO = 1.5 + 3 = 4.5. */
    const double cash[10] = {4, 3, 2, 1, 0, -1, -0.5, -0.5, -0.5, -0.5};
    const double b[10] = {0, 0, 0, 0, 0, 0, 1.5, 1, 1, 1};
    for (int m = 0; m < 10; m++) {
        EXACT(s.run.cash[buf * 10 + (size_t)m], cash[m], "buf: cash_%d", m + 1);
        EXACT(s.run.bmonth[buf * 10 + (size_t)m], b[m], "buf: B_%d", m + 1);
    }
    cr_expect_eq(s.run.fail_month[buf], 7);
    EXACT(s.run.bailout[buf], 4.5, "buf: BO");
    /* no buffer: BO = max(0, floor - min raw cash) = -1 - (5 - 10) = 4 */
    cr_expect_eq(s.run.fail_month[nobuf], 7);
    EXACT(s.run.bailout[nobuf], 4, "nobuf: BO");
    cr_expect_eq(s.run.fail_month[fine], 0,
                 "a trust that never goes below its floor has not failed");
    EXACT(s.run.bailout[fine], 0, "fine: BO");
    cr_expect_eq(s.run.fail_month[first], 1, "pre_1 = -0.5 < 0");
    EXACT(s.run.bailout[first], 0.5 + 9, "first: B = 0.5 then 1 a month");
    cr_expect_eq(s.run.n_failed, 3);
    EXACT(s.run.total_bailout, 18, "total");
    EXACT(s.run.national_topup, 18, "no commissioners: all national");
    sim_close(&s);
}

/* ------------------------------------------------------------------ */
/* Section 7: who pays                                                */

/* X: flow -2 from cash 0, fails in month 1, B = 2 a month (BO 12), shares c0 0.5, c1
 * 0.25, national 0.25. Y: cash 4, fails in month 3, B = 2 in months 3..6 (BO 8), c0 1.
 * c0 (reserve 5) is asked 1, 1, 3, 3, 3, 3: pays 1, 1, 3 (exactly its reserve: not yet
 * exhausted), then nothing: exhausted in month 4; requested 14, paid 5, top-up 9. c1
 * pays 0.5 a month. c2 is never asked. National: 9 + 0.25 * 12 = 12. */
Test(sim, consortia_pay_month_by_month)
{
    sim s;
    uset us;
    rpath r;
    open_and_check(&s, &us, &r,
                   "{'horizon_months': 6, 'consortia': [{'id': 'c0', 'reserve': 5}, "
                   "{'id': 'c1', 'reserve': 100}, {'id': 'c2', 'reserve': 0}], 'trusts': ["
                   "{'id': 'X', 'cash': 0, 'income': 0, 'expenditure': 24, 'commissioners': "
                   "[{'consortium': 'c0', 'share': 0.5}, {'consortium': 'c1', 'share': 0.25}]},"
                   "{'id': 'Y', 'cash': 4, 'income': 0, 'expenditure': 24, 'commissioners': "
                   "[{'consortium': 'c0', 'share': 1}]}]}",
                   "consortia");
    const tr__ws *w = &s.run;
    cr_expect_eq(w->fail_month[0], 1);
    cr_expect_eq(w->fail_month[1], 3);
    EXACT(w->requested[0], 14, "c0 requested");
    EXACT(w->paid[0], 5, "c0 paid");
    cr_expect_eq(w->exhaust_month[0], 4, "c0 exhausted in month %d", w->exhaust_month[0]);
    EXACT(w->requested[1], 3, "c1 requested");
    EXACT(w->paid[1], 3, "c1 paid");
    cr_expect_eq(w->exhaust_month[1], 0);
    EXACT(w->requested[2], 0, "c2 requested");
    cr_expect_eq(w->exhaust_month[2], 0, "a reserve of 0 never asked is not exhausted");
    EXACT(w->total_bailout, 20, "total bail-out");
    EXACT(w->national_topup, 12, "national top-up");
    sim_close(&s);
}

/* A consortium that pays part of a request in a month is exhausted that month. */
Test(sim, partial_payment_exhausts)
{
    sim s;
    uset us;
    rpath r;
    open_and_check(&s, &us, &r,
                   "{'horizon_months': 4, 'consortia': [{'id': 'c', 'reserve': 3}], 'trusts': ["
                   "{'id': 'X', 'cash': 0, 'income': 0, 'expenditure': 24, 'commissioners': "
                   "[{'consortium': 'c', 'share': 1}]}]}",
                   "partial");
    /* asked 2, 2, 2, 2: pays 2, then 1 of 2 in month 2 */
    cr_expect_eq(s.run.exhaust_month[0], 2);
    EXACT(s.run.paid[0], 3, "paid");
    EXACT(s.run.requested[0], 8, "requested");
    EXACT(s.run.national_topup, 5, "national");
    sim_close(&s);
}

/* ------------------------------------------------------------------ */
/* Section 3: factors, the lead consortium, loadings, copulas         */

static const char *factor_cfg =
    "{'horizon_months': 12, 'factors': [{'name': 'nat', 'scope': 'global'}, "
    "{'name': 'loc', 'scope': 'consortium'}, {'name': 'own', 'scope': 'trust'}], "
    "'consortia': [{'id': 'c0', 'reserve': 1}, {'id': 'c1', 'reserve': 1}, {'id': 'c2', "
    "'reserve': 1}], 'trusts': ["
    /* A: lead c1 (largest share, listed second); growth on the trust's own loadings */
    "{'id': 'A', 'cash': 100, 'income': 120, 'expenditure': 120, 'factors': {'own': 0.4}, "
    "'commissioners': [{'consortium': 'c0', 'share': 0.3}, {'consortium': 'c1', 'share': 0.5}, "
    "{'consortium': 'c2', 'share': 0.2}], "
    "'income_growth': {'dist': 'uniform', 'min': 0, 'max': 0.1}, "
    "'cost_growth': {'dist': 'uniform', 'min': 0, 'max': 0.1, 'factors': {'nat': 0.7}}, "
    "'schemes': [{'id': 'a1', 'saving': 12, 'start_month': 1, 'paper': 0.3, "
    "'factors': {'loc': 0.5}, 'delivery': {'dist': 'uniform', 'min': 0, 'max': 1, "
    "'factors': {'nat': 0.6}}, 'slippage': {'dist': 'uniform', 'min': 0, 'max': 10}}]},"
    /* B: a tie between c2 and c0, c2 listed first: lead c2 */
    "{'id': 'B', 'cash': 100, 'income': 120, 'expenditure': 120, "
    "'commissioners': [{'consortium': 'c2', 'share': 0.4}, {'consortium': 'c0', 'share': 0.4}], "
    "'schemes': [{'id': 'b1', 'saving': 12, 'start_month': 1, 'factors': {'loc': 0.8}, "
    "'delivery': {'dist': 'uniform', 'min': 0, 'max': 1}}]},"
    /* C: fully loaded (residual weight 0), and a negative loading */
    "{'id': 'C', 'cash': 100, 'income': 120, 'expenditure': 120, "
    "'schemes': [{'id': 'c1', 'saving': 12, 'start_month': 1, 'factors': {'nat': 1}, "
    "'delivery': {'dist': 'uniform', 'min': 0, 'max': 1}, "
    "'slippage': {'dist': 'uniform', 'min': 0, 'max': 10, 'factors': {'nat': -0.6, "
    "'own': 0.7}}}]}]}";

static void factor_uniforms(const sim *s, uset *us)
{
    size_t nat = factor_ix(s, "nat"), loc = factor_ix(s, "loc"), own = factor_ix(s, "own");
    us->f[nat][0] = 0.8;
    us->f[loc][cons_ix(s, "c0")] = 0.1;
    us->f[loc][cons_ix(s, "c1")] = 0.9;
    us->f[loc][cons_ix(s, "c2")] = 0.3;
    us->f[own][trust_ix(s, "A")] = 0.2;
    us->f[own][trust_ix(s, "B")] = 0.7;
    us->f[own][trust_ix(s, "C")] = 0.6;
    /* trusts A, B, C and their one scheme each are in canonical order already */
    us->s[0][0][TR__EL_PAPER] = 0.1; /* U = Phi(0.5 Z_c1 + 0.87 Phi^-1(0.1)) = 0.32: no paper */
    us->s[0][0][TR__EL_DELIVERY] = 0.35;
    us->s[0][0][TR__EL_SLIPPAGE] = 0.65;
    us->s[1][0][TR__EL_DELIVERY] = 0.45;
    us->s[2][0][TR__EL_DELIVERY] = 0.05;
    us->s[2][0][TR__EL_SLIPPAGE] = 0.15;
    us->t[0][0] = 0.25;
    us->t[0][1] = 0.55;
}

/* Phi(w Z + sqrt(1 - w^2) Phi^{-1}(u)) with Z = Phi^{-1}(uz). */
static double one_factor(double w, double uz, double u)
{
    return gsl_cdf_ugaussian_P(w * gsl_cdf_ugaussian_Pinv(uz) +
                               sqrt(1 - w * w) * gsl_cdf_ugaussian_Pinv(u));
}

Test(sim, lead_consortium_loadings_and_residual)
{
    sim s;
    sim_open(&s, factor_cfg);
    uset us;
    uset_init(&us, s.cfg);
    factor_uniforms(&s, &us);
    rpath r;
    check_path(&s, &us, &r, "factors");
    const tr__scheme_draw *a1 = draw_of(&s, 0, 0), *b1 = draw_of(&s, 1, 0), *c1 = draw_of(&s, 2, 0);
    /* A's delivery has its own loadings (nat 0.6): the scheme's (loc) do not apply */
    EXACT(a1->u[TR__EL_DELIVERY], one_factor(0.6, 0.8, 0.35), "A delivery U");
    /* A's slippage falls back on the scheme: loc in the lead consortium c1 (u 0.9) */
    EXACT(a1->u[TR__EL_SLIPPAGE], one_factor(0.5, 0.9, 0.65), "A slippage U (lead c1)");
    EXACT(a1->slip, 10 * one_factor(0.5, 0.9, 0.65), "A slippage");
    /* B: the tie goes to c2 (u 0.3), the first listed */
    EXACT(b1->u[TR__EL_DELIVERY], one_factor(0.8, 0.3, 0.45), "B delivery U (lead c2)");
    EXACT(b1->d0, 1 - one_factor(0.8, 0.3, 0.45), "B d0");
    /* C: weight 1, so U = Phi(Z_nat) = 0.8 whatever the element's own uniform */
    EXACT(c1->u[TR__EL_DELIVERY], 0.8, "C delivery U, fully loaded");
    EXACT(c1->d0, 0.2, "C d0 = 1 - 0.8");
    /* C's slippage: -0.6 Z_nat + 0.7 Z_own(C) + sqrt(1 - 0.36 - 0.49) E */
    EXACT(c1->u[TR__EL_SLIPPAGE],
          gsl_cdf_ugaussian_P(-0.6 * gsl_cdf_ugaussian_Pinv(0.8) +
                              0.7 * gsl_cdf_ugaussian_Pinv(0.6) +
                              sqrt(0.15) * gsl_cdf_ugaussian_Pinv(0.15)),
          "C slippage U, two loadings, one negative");
    /* Trust A's growth: income on the trust's loadings (own 0.4, A's draw 0.2), cost on
     * its own (nat 0.7) */
    EXACT(s.tr.tdraw[0], one_factor(0.4, 0.2, 0.25), "A income growth U");
    EXACT(s.tr.tdraw[1], 0.1 * (1 - one_factor(0.4, 0.2, 0.25)), "A g_I");
    EXACT(s.tr.tdraw[2], one_factor(0.7, 0.8, 0.55), "A cost growth U");
    sim_close(&s);
}

/* The event shortcut (sim.c compares the element's own uniform with a
 * threshold) must give [U > 1 - p] with U from the copula: A's paper event,
 * loaded 0.5 on loc in c1, happens exactly when u > u* = Phi((Phi^-1(0.7) -
 * 0.5 Z_c1) / sqrt(0.75)). */
Test(sim, loaded_events_follow_the_copula)
{
    sim s;
    sim_open(&s, factor_cfg);
    double z = gsl_cdf_ugaussian_Pinv(0.9);
    double ustar = gsl_cdf_ugaussian_P((gsl_cdf_ugaussian_Pinv(0.7) - 0.5 * z) / sqrt(0.75));
    const double delta[] = {-0.01, 0.01, -1e-6, 1e-6};
    for (int k = 0; k < 4; k++) {
        uset us;
        uset_init(&us, s.cfg);
        factor_uniforms(&s, &us);
        us.s[0][0][TR__EL_PAPER] = ustar + delta[k];
        rpath r;
        check_path(&s, &us, &r, "loaded paper");
        cr_expect_eq(draw_of(&s, 0, 0)->paper, delta[k] > 0, "u* %+g: paper %g", delta[k],
                     draw_of(&s, 0, 0)->paper);
        cr_expect_eq(s.run.sdraw[0].paper, delta[k] > 0, "run workspace, u* %+g", delta[k]);
    }
    sim_close(&s);
}

/* Student-t copula: one W per path, U = T_nu(X / sqrt(W / nu)), unloaded elements included. */
static const char *t_cfg =
    "{'horizon_months': 12, 'copula': {'type': 't', 'dof': 5}, 'factors': [{'name': 'nat', "
    "'scope': 'global'}], 'trusts': [{'id': 't', 'cash': 100, 'income': 120, 'expenditure': "
    "120, 'schemes': [{'id': 's', 'saving': 12, 'start_month': 1, 'paper': 0.3, "
    "'delivery': {'dist': 'uniform', 'min': 0, 'max': 1}, 'slippage': {'dist': 'uniform', "
    "'min': 0, 'max': 10, 'factors': {'nat': 0.6}}}]}]}";

Test(sim, t_copula_scale)
{
    sim s;
    sim_open(&s, t_cfg);
    const double nu = 5, W = gsl_cdf_chisq_Pinv(0.3, nu), scale = 1 / sqrt(W / nu);
    const double cpaper = gsl_cdf_tdist_Pinv(0.7, nu);
    EPS = 1e-8; /* the tabulated t CDF is good to 1e-9 */
    /* paper's own normal E: E * scale against T^-1(0.7); 0.5 and 0.35 fall either side of
     * it with scale = 1.29 (W = 3.0), and both below it with 1 / scale */
    const double E[2] = {0.5, 0.35};
    for (int k = 0; k < 2; k++) {
        uset us;
        uset_init(&us, s.cfg);
        us.chi2 = 0.3;
        us.f[0][0] = 0.8;
        us.s[0][0][TR__EL_PAPER] = gsl_cdf_ugaussian_P(E[k]);
        us.s[0][0][TR__EL_DELIVERY] = 0.2;
        us.s[0][0][TR__EL_SLIPPAGE] = 0.4;
        rpath r;
        check_path(&s, &us, &r, "t copula");
        const tr__scheme_draw *d = draw_of(&s, 0, 0);
        cr_expect_eq(d->paper != 0, E[k] * scale > cpaper, "E = %g: paper %g", E[k], d->paper);
        cr_expect_eq(us.seen_chi2, 1, "one chi-square a path");
        if (d->paper) continue;
        double Ud = gsl_cdf_tdist_P(gsl_cdf_ugaussian_Pinv(0.2) * scale, nu);
        cr_expect(fabs(d->u[TR__EL_DELIVERY] - Ud) <= 1e-9, "U delivery %.17g, expected %.17g",
                  d->u[TR__EL_DELIVERY], Ud);
        double Us = gsl_cdf_tdist_P(
            (0.6 * gsl_cdf_ugaussian_Pinv(0.8) + 0.8 * gsl_cdf_ugaussian_Pinv(0.4)) * scale, nu);
        cr_expect(fabs(d->u[TR__EL_SLIPPAGE] - Us) <= 1e-9, "U slippage %.17g, expected %.17g",
                  d->u[TR__EL_SLIPPAGE], Us);
    }
    EPS = 1e-12;
    sim_close(&s);
}

/* ------------------------------------------------------------------ */
/* Everything at once, on many random sets of uniforms                */

/* Three trusts, two consortia (one reserve small), every scope, every
 * family but the Beta ones (their table is good to 1e-9 only), one trust
 * without commissioners, shares that leave a national remainder. */
#define RICH_CFG(copula)                                                                           \
    "{'horizon_months': 24, " copula " 'factors': [{'name': 'nat', 'scope': 'global'}, "           \
    "{'name': 'loc', 'scope': 'consortium'}, {'name': 'own', 'scope': 'trust'}], "                 \
    "'consortia': [{'id': 'north', 'reserve': 6}, {'id': 'south', 'reserve': 30}], 'trusts': ["    \
    "{'id': 'alpha', 'cash': 35, 'min_cash': 1, 'facility': 2, 'income': 240, "                    \
    "'expenditure': 252, 'fixed_charges': 6, 'fixed_indexation': 0.02, "                           \
    "'income_growth': {'dist': 'normal', 'mean': 0.02, 'sd': 0.01, 'factors': {'nat': 0.4}}, "     \
    "'cost_growth': {'dist': 'triangular', 'min': 0.01, 'mode': 0.03, 'max': 0.06}, "              \
    "'cash_noise': 1.5, 'bailout_buffer': 0.5, 'factors': {'loc': 0.3, 'nat': 0.3}, "              \
    "'commissioners': [{'consortium': 'north', 'share': 0.7}, "                                    \
    "{'consortium': 'south', 'share': 0.2}], "                                                     \
    "'schemes': [{'id': 'agency', 'saving': 6, 'start_month': 1, 'ramp_months': 6, "               \
    "'delivery': {'dist': 'uniform', 'min': 0.2, 'max': 1}, 'paper': 0.25, "                       \
    "'factors': {'nat': 0.3, 'own': 0.2}, 'one_off_cost': 0.4}, "                                  \
    "{'id': 'ward', 'kind': 'closure', 'saving': 9, 'start_month': 4, 'ramp_months': 9, "          \
    "'slippage': {'dist': 'lognormal', 'median': 3, 'sigma': 0.7}, "                               \
    "'stay': {'probability': 0.35, 'delay': {'dist': 'uniform', 'min': 3, 'max': 12}}, "           \
    "'compromise': {'probability': 0.3, 'retained': {'dist': 'triangular', 'min': 0.3, "           \
    "'mode': 0.5, 'max': 0.8}}, 'one_off_cost': 2.5}, "                                            \
    "{'id': 'estates', 'saving': 3, 'start_month': 2.5, 'ramp_months': 1.5, 'recurrent': false, "  \
    "'slippage': {'dist': 'normal', 'mean': 1, 'sd': 2}, "                                         \
    "'delivery': {'dist': 'discrete', 'values': [1, 0.5, 0], 'probs': [0.5, 0.3, 0.2]}}]},"        \
    "{'id': 'beta', 'cash': 14, 'income': 150, 'expenditure': 160, 'cash_noise': 0.5, "            \
    "'commissioners': [{'consortium': 'south', 'share': 0.5}, {'consortium': 'north', "            \
    "'share': 0.5}], 'factors': {'loc': 0.5}, "                                                    \
    "'schemes': [{'id': 'beds', 'saving': 8, 'start_month': 3, 'ramp_months': 3, "                 \
    "'delivery': {'dist': 'normal', 'mean': 0.7, 'sd': 0.2, 'factors': {'own': -0.5}}, "           \
    "'stay': {'probability': 0.6, 'delay': {'dist': 'discrete', 'values': [2, 6], "                \
    "'probs': [0.5, 0.5], 'factors': {'nat': 0.2}}}}]},"                                           \
    "{'id': 'gamma', 'cash': 20, 'income': 300, 'expenditure': 306, 'fixed_charges': 3, "          \
    "'cost_growth': {'dist': 'uniform', 'min': -0.02, 'max': 0.08}, "                              \
    "'schemes': [{'id': 'rota', 'saving': 4, 'start_month': 1, 'paper': 0.1, "                     \
    "'recurrent': false, 'one_off_cost': 1}]}]}"

/* A small generator of uniforms in (0, 1) for the tests' own use. */
static double next_u(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return ((double)(*x >> 11) + 0.5) * 0x1p-53;
}

static void random_uniforms(uset *us, uint64_t *x)
{
    for (int i = 0; i < MT; i++) {
        for (int j = 0; j < MS; j++)
            for (int e = 0; e < 7; e++)
                us->s[i][j][e] = next_u(x);
        us->t[i][0] = next_u(x);
        us->t[i][1] = next_u(x);
        for (int m = 1; m <= MH; m++)
            us->noise[i][m] = next_u(x);
    }
    for (int f = 0; f < MF; f++)
        for (int k = 0; k < MSC; k++)
            us->f[f][k] = next_u(x);
    us->chi2 = next_u(x);
}

static void random_paths(const char *json, double eps, int n)
{
    sim s;
    sim_open(&s, json);
    uint64_t x = 0x9e3779b97f4a7c15u;
    int events = 0, exhausted = 0, fa[3] = {0, 0, 0};
    cr_assert_str_eq(s.cfg->trusts[0].id, "alpha");
    const size_t ward = scheme_ix(&s, 0, "ward");
    EPS = eps;
    for (int k = 0; k < n; k++) {
        uset us;
        uset_init(&us, s.cfg);
        random_uniforms(&us, &x);
        rpath r;
        char label[32];
        snprintf(label, sizeof label, "draw %d", k);
        check_path(&s, &us, &r, label);
        for (int i = 0; i < 3; i++)
            fa[i] += r.fail[i] != 0;
        events += r.sc[0][scheme_ix(&s, 0, "agency")].paper + r.sc[0][ward].comp +
                  r.sc[0][ward].stay + r.sc[1][0].stay;
        exhausted += r.ex[0] != 0;
    }
    EPS = 1e-12;
    cr_log_info("failures %d %d %d, %d events, north exhausted %d times in %d paths", fa[0], fa[1],
                fa[2], events, exhausted, n);
    /* the draws must exercise the branches they are meant to */
    for (int i = 0; i < 3; i++)
        cr_expect(fa[i] > n / 10 && fa[i] < n * 9 / 10, "trust %d failed on %d of %d paths", i,
                  fa[i], n);
    cr_expect(events > n / 4, "%d events", events);
    cr_expect(exhausted > 0 && exhausted < n, "north exhausted on %d of %d paths", exhausted, n);
    sim_close(&s);
}

Test(sim, random_paths_gaussian)
{
    random_paths(RICH_CFG(""), 1e-12, 400);
}

Test(sim, random_paths_t)
{
    random_paths(RICH_CFG("'copula': {'type': 't', 'dof': 4},"), 1e-8, 200);
}

/* ------------------------------------------------------------------ */
/* The hook itself                                                    */

/* Every uniform comes from the hook: seed and path index no longer matter;
 * each address is asked for once, and only where the element is random. */
Test(sim, hook_supplies_every_uniform)
{
    sim s;
    sim_open(&s, RICH_CFG("'copula': {'type': 't', 'dof': 4},"));
    uset us;
    uset_init(&us, s.cfg);
    uint64_t x = 12345;
    random_uniforms(&us, &x);
    /* no paper, compromise and stay everywhere: every element is used */
    for (int i = 0; i < MT; i++)
        for (int j = 0; j < MS; j++) {
            us.s[i][j][TR__EL_PAPER] = 0.01;
            us.s[i][j][TR__EL_COMPROMISE] = 0.999;
            us.s[i][j][TR__EL_STAY] = 0.999;
        }
    sim_path(&s, &us, 1, 0);
    const size_t H = 24, nt = s.cfg->n_trusts;
    double cash[3 * 24], bo[3];
    memcpy(cash, s.run.cash, sizeof cash);
    memcpy(bo, s.run.bailout, sizeof bo);
    double nat = s.run.national_topup;
    cr_assert_eq(nt, 3);
    /* counts: factors nat 1, loc 2 (consortia), own 3 (trusts); chi2 1 */
    cr_expect_eq(us.seen_f[factor_ix(&s, "nat")][0], 1);
    for (int c = 0; c < 2; c++)
        cr_expect_eq(us.seen_f[factor_ix(&s, "loc")][c], 1, "loc in consortium %d", c);
    for (int i = 0; i < 3; i++)
        cr_expect_eq(us.seen_f[factor_ix(&s, "own")][i], 1, "own of trust %d", i);
    cr_expect_eq(us.seen_chi2, 1);
    for (size_t i = 0; i < nt; i++) {
        const tr__trust *tr = &s.cfg->trusts[i];
        for (size_t j = 0; j < tr->n_schemes; j++) {
            const tr__scheme *sc = &tr->schemes[j];
            int random[7] = {sc->paper > 0 && sc->paper < 1,
                             sc->delivery.kind != TR__DIST_FIXED,
                             sc->has_compromise,
                             sc->has_compromise && sc->retained.kind != TR__DIST_FIXED,
                             sc->slippage.kind != TR__DIST_FIXED,
                             sc->has_stay,
                             sc->has_stay && sc->stay_delay.kind != TR__DIST_FIXED};
            for (int e = 0; e < 7; e++)
                cr_expect_eq(us.seen_s[i][j][e], random[e], "%s/%s element %d drawn %d times",
                             tr->id, sc->id, e, us.seen_s[i][j][e]);
        }
        cr_expect_eq(us.seen_t[i][0], tr->income_growth.kind != TR__DIST_FIXED);
        cr_expect_eq(us.seen_t[i][1], tr->cost_growth.kind != TR__DIST_FIXED);
        for (size_t t = 1; t <= H; t++)
            cr_expect_eq(us.seen_noise[i][t], tr->cash_noise > 0);
    }
    /* another seed and path: the same path */
    sim_path(&s, &us, 987654321, 4242);
    cr_expect_arr_eq(s.run.cash, cash, sizeof cash, "cash depends on the seed under the hook");
    cr_expect_arr_eq(s.run.bailout, bo, sizeof bo);
    cr_expect_eq(s.run.national_topup, nat);
    rpath r;
    ref_path(&s, &us, &r);
    EPS = 1e-8;
    check_ws(&s, &s.tr, &r, "hooked");
    EPS = 1e-12;
    sim_close(&s);
}

/* Without the hook the path is Philox's: tr__sim_path is unchanged for runs. */
Test(sim, without_hook_the_seed_matters)
{
    sim s;
    sim_open(&s, RICH_CFG(""));
    tr__sim_path(&s.run, 1, 0);
    double c1[3 * 24];
    memcpy(c1, s.run.cash, sizeof c1);
    tr__sim_path(&s.run, 2, 0);
    cr_expect(memcmp(s.run.cash, c1, sizeof c1) != 0, "two seeds gave the same cash");
    sim_close(&s);
}
