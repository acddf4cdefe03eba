/*
 * dist.c - quantiles and CDFs of docs/model.md section 4's distributions.
 *
 * Every family is sampled by inversion, F^{-1}(u), so that the copula's U
 * carries the dependence. Most families have a closed-form inverse. The
 * Beta-based ones (beta, pert) do not, and an exact inverse (a root search
 * on the regularized incomplete beta function I_x(a, b)) costs
 * microseconds, so tr__qtable_build tabulates the quantile once per Beta
 * shape with betaq.h (piecewise polynomials in log u, built in about 50 us
 * a shape and evaluated in about 10 ns, to 1e-9 of (max - min) for every u
 * the engine draws; see betaq.h for the method and its error budget). The
 * loader keeps the shapes within TR_BETA_SHAPE_MIN..MAX = 0.01..1e5, inside
 * what the tables cover (0.01..1e6).
 *
 * The exact inverse solves log I_{e^w}(p, q) = log v for w = log y by Newton's
 * method with a bisection safeguard; in w the tails are nearly linear
 * (d log I / d log y -> p), so it converges in a few steps from the
 * power-law first guess. GSL supplies I (gsl_sf_beta_inc_e), log B and the
 * chi-square and Student-t functions, and every result is checked. GSL's
 * error handler is the host's to set (trustrisk/config.h says what the
 * library expects): the library never changes it for the whole process.
 */
#include "dist.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "rng.h"
#include "vmath.h"

#define TR_PI 3.14159265358979323846

/* ---- Exact beta quantile --------------------------------------------- */

/* I_y(p, q), or NaN if GSL fails. */
static double beta_inc(double p, double q, double y)
{
    gsl_sf_result r;
    int st = gsl_sf_beta_inc_e(p, q, y, &r);
    if (st != GSL_SUCCESS && st != GSL_EUNDRFLW) return NAN;
    return r.val;
}

/*
 * y with I_y(p, q) = v, for v in (0, 1) (used with v <= 1/2), lnb = log B(p, q),
 * guess > 0 a starting point or 0 for none. Newton in w = log y, bracketed.
 * Returns NaN only if GSL fails.
 */
static double beta_solve(double p, double q, double lnb, double v, double guess)
{
    double logv = log(v);
    double wlo = log(DBL_MIN), whi = 0.0; /* h(whi) > 0 always (I_1 = 1 > v) */
    double ilo = beta_inc(p, q, DBL_MIN);
    if (!(ilo == ilo)) return NAN;
    if (ilo >= v) {
        /* The answer is below DBL_MIN: use the leading term of the series,
         * I_y ~ y^p / (p B), which is exact to ~DBL_MIN relative there. */
        return exp((logv + log(p) + lnb) / p);
    }
    double w;
    if (guess > 0.0 && guess < 1.0) {
        w = log(guess);
    } else {
        w = (logv + log(p) + lnb) / p;
        if (w >= 0.0) w = log(p / (p + q)); /* the mean, when the tail formula overshoots */
    }
    if (!(w > wlo && w < whi)) w = 0.5 * (wlo + whi);
    for (int it = 0; it < 200; it++) {
        double y = exp(w);
        double I = beta_inc(p, q, y);
        if (!(I == I)) return NAN;
        if (I <= 0.0) { /* underflow: far too small */
            wlo = w;
            w = 0.5 * (wlo + whi);
            continue;
        }
        double h = log(I) - logv;
        if (h == 0.0) return y;
        if (h > 0.0)
            whi = w;
        else
            wlo = w;
        /* d log I / d w = y f(y) / I with f the Beta(p, q) density. */
        double dl = exp(p * w + (q - 1.0) * log1p(-y) - lnb) / I;
        double wn = w - h / dl;
        if (!(wn > wlo && wn < whi)) wn = 0.5 * (wlo + whi);
        double step = fabs(wn - w);
        w = wn;
        if (step <= 1e-15 * fmax(1.0, fabs(w)) || whi - wlo <= 1e-15 * fmax(1.0, fabs(w))) break;
    }
    return exp(w);
}

/* The exact Beta(a, b) quantile of u in (0, 1), on [0, 1]. */
static double beta_quantile_exact(double a, double b, double lnb, double u)
{
    if (!(u > 0.0)) return 0.0;
    if (!(u < 1.0)) return 1.0;
    if (u < 0.5) return beta_solve(a, b, lnb, u, 0.0);
    return 1.0 - beta_solve(b, a, lnb, 1.0 - u, 0.0);
}

/* ---- Quantile table (betaq.h) ------------------------------------------ */

static int is_beta_family(const tr__dist *d)
{
    return d->kind == TR__DIST_BETA || d->kind == TR__DIST_PERT;
}

tr_status tr__qtable_build(const tr__dist *d, tr__qtable **out, tr_error *err)
{
    *out = NULL;
    if (!is_beta_family(d) || !(d->max > d->min)) return TR_OK;
    return tr__betaq_build(d->alpha, d->beta, out, err);
}

double tr__qtable_alpha(const tr__qtable *t)
{
    return tr__betaq_alpha(t);
}

double tr__qtable_beta(const tr__qtable *t)
{
    return tr__betaq_beta(t);
}

void tr__qtable_free(tr__qtable *t)
{
    tr__betaq_free(t);
}

double tr__qtable_error(const tr__qtable *t)
{
    return t ? tr__betaq_error(t) : 0.0;
}

size_t tr__qtable_bytes(const tr__qtable *t)
{
    return t ? tr__betaq_bytes(t) : 0;
}

/* ---- Families ------------------------------------------------------- */

static double triangular_quantile(const tr__dist *d, double u)
{
    double a = d->min, c = d->mode, b = d->max, w = b - a;
    if (!(w > 0.0)) return a;
    double fc = (c - a) / w;
    if (u < fc) return a + sqrt(u * w * (c - a));
    return b - sqrt((1.0 - u) * w * (b - c));
}

static double discrete_quantile(const tr__dist *d, double u)
{
    /* The first index whose cumulative probability reaches u; cum is
     * non-decreasing, so binary search finds the first one in the given order. */
    size_t lo = 0, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->cum[mid] >= u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return d->values[lo];
}

double tr__dist_quantile(const tr__dist *d, const tr__qtable *t, double u)
{
    switch (d->kind) {
    case TR__DIST_FIXED:
        return d->value;
    case TR__DIST_UNIFORM:
        return d->min + u * (d->max - d->min);
    case TR__DIST_TRIANGULAR:
        return triangular_quantile(d, u);
    case TR__DIST_PERT:
    case TR__DIST_BETA: {
        double w = d->max - d->min;
        if (!(w > 0.0)) return d->min;
        double y;
        if (t) {
            y = tr__betaq_eval(t, u);
        } else {
            y = beta_quantile_exact(d->alpha, d->beta, gsl_sf_lnbeta(d->alpha, d->beta), u);
        }
        return d->min + w * y;
    }
    case TR__DIST_NORMAL:
        return d->mean + d->sd * tr__norm_inv(u);
    case TR__DIST_LOGNORMAL:
        return tr__vexp(tr__vlog(d->median) + d->sigma * tr__norm_inv(u));
    case TR__DIST_DISCRETE:
        return d->n ? discrete_quantile(d, u) : NAN;
    }
    return NAN;
}

TR__VCLONES void tr__dist_quantile_n(const tr__dist *d, const tr__qtable *t, const double *U,
                                     int flip, double *out, size_t n)
{
    double u[TR__QN_MAX] = {0};
    for (size_t l = 0; l < n; l++)
        u[l] = flip ? 1.0 - U[l] : U[l];
    switch (d->kind) {
    case TR__DIST_PERT:
    case TR__DIST_BETA: {
        double w = d->max - d->min;
        if (t && w > 0.0) {
            tr__betaq_eval_n(t, u, out, n);
            for (size_t l = 0; l < n; l++)
                out[l] = d->min + w * out[l];
            return;
        }
        break;
    }
    case TR__DIST_UNIFORM:
        for (size_t l = 0; l < n; l++)
            out[l] = d->min + u[l] * (d->max - d->min);
        return;
    case TR__DIST_NORMAL:
        tr__vnorm_inv_block(u, out, n);
        for (size_t l = 0; l < n; l++)
            out[l] = d->mean + d->sd * out[l];
        return;
    case TR__DIST_LOGNORMAL: {
        double lm = tr__vlog(d->median);
        tr__vnorm_inv_block(u, out, n);
        for (size_t l = 0; l < n; l++)
            out[l] = tr__vexp(lm + d->sigma * out[l]);
        return;
    }
    default:
        break;
    }
    for (size_t l = 0; l < n; l++)
        out[l] = tr__dist_quantile(d, t, u[l]);
}

void tr__dist_range(const tr__dist *d, double *lo, double *hi)
{
    switch (d->kind) {
    case TR__DIST_PERT:
    case TR__DIST_BETA: /* min + (max - min) y with y in [0, 1] */
        *lo = d->min;
        *hi = d->max > d->min ? d->min + (d->max - d->min) : d->min;
        return;
    case TR__DIST_DISCRETE:
        *lo = INFINITY;
        *hi = -INFINITY;
        for (size_t i = 0; i < d->n; i++) {
            if (d->values[i] < *lo) *lo = d->values[i];
            if (d->values[i] > *hi) *hi = d->values[i];
        }
        return;
    default: /* every other quantile function is monotone and closed-form */
        *lo = tr__dist_quantile(d, NULL, TR__U_LO);
        *hi = tr__dist_quantile(d, NULL, TR__U_HI);
        return;
    }
}

double tr__dist_cdf(const tr__dist *d, double x)
{
    if (x != x) return NAN;
    switch (d->kind) {
    case TR__DIST_FIXED:
        return x >= d->value ? 1.0 : 0.0;
    case TR__DIST_UNIFORM:
        if (x < d->min) return 0.0;
        if (x >= d->max) return 1.0;
        return (x - d->min) / (d->max - d->min);
    case TR__DIST_TRIANGULAR: {
        double a = d->min, c = d->mode, b = d->max;
        if (x < a) return 0.0;
        if (x >= b) return 1.0;
        /* x < c implies c > a, and x >= c with x < b implies b > c: no 0/0. */
        if (x < c) return (x - a) * (x - a) / ((b - a) * (c - a));
        return 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
    }
    case TR__DIST_PERT:
    case TR__DIST_BETA: {
        if (x < d->min) return 0.0;
        if (x >= d->max) return 1.0;
        double w = d->max - d->min;
        double lo = (x - d->min) / w, hi = (d->max - x) / w;
        /* The complement from the nearer end keeps the tail's relative accuracy. */
        if (lo <= 0.5) return beta_inc(d->alpha, d->beta, lo);
        return 1.0 - beta_inc(d->beta, d->alpha, hi);
    }
    case TR__DIST_NORMAL:
        return tr__norm_cdf((x - d->mean) / d->sd);
    case TR__DIST_LOGNORMAL:
        if (x <= 0.0) return 0.0;
        return tr__norm_cdf((log(x) - log(d->median)) / d->sigma);
    case TR__DIST_DISCRETE: {
        /* The true CDF: values need not be sorted. */
        double s = 0.0;
        for (size_t i = 0; i < d->n; i++)
            if (d->values[i] <= x) s += d->probs[i];
        return s > 1.0 ? 1.0 : s;
    }
    }
    return NAN;
}

/* ---- Chi-square and Student t (the t copula) ------------------------- */

/* Fallback chi-square inverse for where GSL's fails to converge (very large
 * dof): the Wilson-Hilferty approximation (Johnson, Kotz and Balakrishnan,
 * "Continuous Univariate Distributions" vol. 1, 18.5) refined by Newton's
 * method on the smaller tail, bracketed by bisection. */
static double chi2_inv_fallback(double u, double dof)
{
    double z = tr__norm_inv(u), c = 2.0 / (9.0 * dof);
    double x = 1.0 - c + z * sqrt(c);
    x = x > 0.0 ? dof * x * x * x : 0.5 * dof;
    double lo = 0.0, hi = INFINITY;
    int lower = u <= 0.5;
    double target = lower ? u : 1.0 - u;
    for (int it = 0; it < 300; it++) {
        double f = lower ? gsl_cdf_chisq_P(x, dof) - target : target - gsl_cdf_chisq_Q(x, dof);
        if (!(f == f)) return NAN;
        if (f == 0.0) return x;
        if (f > 0.0)
            hi = x;
        else
            lo = x;
        /* density of chi2(dof) at x, on the log scale to avoid overflow */
        double ld =
            (0.5 * dof - 1.0) * log(x) - 0.5 * x - 0.5 * dof * log(2.0) - gsl_sf_lngamma(0.5 * dof);
        double xn = x - f / exp(ld);
        if (!(xn > lo && xn < hi)) xn = isfinite(hi) ? 0.5 * (lo + hi) : 2.0 * x + 1.0;
        if (fabs(xn - x) <= 1e-15 * x) return xn;
        x = xn;
    }
    return x;
}

double tr__chi2_inv(double u, double dof)
{
    if (!(u > 0.0)) return 0.0;
    if (!(u < 1.0)) return INFINITY;
    /* chi2(nu) = Gamma(nu/2, scale 2); the complement keeps the upper tail. */
    double x = u <= 0.5 ? gsl_cdf_gamma_Pinv(u, 0.5 * dof, 2.0)
                        : gsl_cdf_gamma_Qinv(1.0 - u, 0.5 * dof, 2.0);
    /* GSL can miss, even with a finite answer, for large dof: check the residual. */
    int ok = x >= 0.0 && x < INFINITY;
    if (ok) {
        double r = u <= 0.5 ? gsl_cdf_chisq_P(x, dof) / u - 1.0
                            : gsl_cdf_chisq_Q(x, dof) / (1.0 - u) - 1.0;
        ok = fabs(r) <= 1e-9;
    }
    return ok ? x : chi2_inv_fallback(u, dof);
}

double tr__t_cdf(double x, double dof)
{
    return gsl_cdf_tdist_P(x, dof);
}

double tr__t_inv(double u, double dof)
{
    if (!(u > 0.0)) return -INFINITY;
    if (!(u < 1.0)) return INFINITY;
    /* Symmetric: invert the smaller tail so that no precision is lost. */
    if (u <= 0.5) return gsl_cdf_tdist_Pinv(u, dof);
    return -gsl_cdf_tdist_Pinv(1.0 - u, dof);
}

/* ---- Tabulated Student-t CDF ------------------------------------------ */

tr_status tr__tcdf_build(double dof, tr__tcdf **out, tr_error *err)
{
    *out = NULL;
    tr__tcdf *t = malloc(sizeof *t);
    if (!t) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    t->dof = dof;
    for (int k = 0; k <= TR__TC_N; k++) {
        double x = -TR__TC_L + (double)k / TR__TC_PER;
        double c = gsl_cdf_tdist_P(x, dof), d = gsl_ran_tdist_pdf(x, dof);
        if (!(c > 0.0) || !isfinite(d)) {
            free(t);
            return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                                "Student-t table: CDF failed at %g (dof %g)", x, dof);
        }
        t->g[k] = log(c);
        t->dg[k] = d / c / TR__TC_PER;
    }
    double worst = 0.0;
    for (int k = 0; k < TR__TC_N; k++) {
        double x = -TR__TC_L + ((double)k + 0.5) / TR__TC_PER;
        double exact = gsl_cdf_tdist_P(x, dof), e = fabs(tr__tc_interp(t, x) / exact - 1.0);
        if (e > worst) worst = e;
    }
    t->err = worst;
    if (!(worst <= TR__TCDF_TOL)) { /* not accurate enough: callers use GSL */
        free(t);
        return TR_OK;
    }
    *out = t;
    return TR_OK;
}

double tr__tcdf_far(const tr__tcdf *t, double x)
{
    return gsl_cdf_tdist_P(x, t->dof);
}

double tr__tcdf_error(const tr__tcdf *t)
{
    return t->err;
}

void tr__tcdf_free(tr__tcdf *t)
{
    free(t);
}
