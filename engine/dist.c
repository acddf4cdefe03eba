/*
 * dist.c - quantiles and CDFs of docs/model.md section 4's distributions.
 *
 * Every family is sampled by inversion, F^{-1}(u), so that the copula's U
 * carries the dependence. Most families have a closed-form inverse. The
 * Beta-based ones (beta, pert) do not, and an exact inverse (a root search
 * on the regularized incomplete beta function I_x(a, b)) costs
 * microseconds, so tr__qtable_build tabulates the quantile once per
 * distribution:
 *
 *   - u < 1/2 is served by the lower side, y(v) = Q_{a,b}(v) with v = u;
 *     u >= 1/2 by the upper side, 1 - y(v) with y(v) = Q_{b,a}(v) and
 *     v = 1 - u (exact). So both sides solve the same problem, v in (0, 1/2].
 *   - v is split into binades [2^e, 2^(e+1)), e = -40..-2, read straight
 *     from the double's exponent bits (no log); each binade into 2^k equal
 *     sub-segments (k chosen per binade, 0..TR_QT_KMAX) indexed by the top k
 *     mantissa bits. On each sub-segment y is a degree-7 polynomial, the
 *     Chebyshev interpolant at 8 Chebyshev points (Trefethen, "Approximation
 *     Theory and Approximation Practice", ch. 8) stored in monomial form and
 *     evaluated by Horner's rule.
 *   - Geometric segments follow the power-law tails of the beta quantile
 *     (y ~ (v a B(a, b))^(1/a) as v -> 0), which are smooth on every binade.
 *   - k is raised until the interpolant agrees with the exact inverse to
 *     TR_QT_TOL at the segment ends and between all nodes; the worst error
 *     seen is kept (tr__qtable_error).
 *   - v < 2^-40 (u within 9.1e-13 of 0 or 1) falls back to the exact inverse.
 *
 * Error budget (tested in tests/test_dist.c against gsl_cdf_beta_Pinv on a
 * dense grid, shapes 0.3..50, and in tests/test_edges.c at the corners of the
 * shapes the loader allows, TR_BETA_SHAPE_MIN..MAX = 0.01..1e5): worst
 * absolute error <= 1e-9 of (max - min) (TR__QTABLE_TOL; measured worst
 * 1.9e-10, 2.5e-10 over the allowed range); memory 5-11 KB per table; build
 * 0.4-11 ms (up to about 45 ms for shapes in the thousands and above);
 * evaluation about 7 ns (the exact inverse: 1-3 us). Outside the allowed
 * range the tables fail: both shapes below 0.01 miss the tolerance (2e-5 at
 * 0.002), and GSL's incomplete beta function fails from about 6e5.
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

/* ---- Quantile table -------------------------------------------------- */

#define TR_QT_DEG 7
#define TR_QT_NC (TR_QT_DEG + 1)
#define TR_QT_EMIN (-40) /* lowest binade: v in [2^-40, 2^-39) */
#define TR_QT_NBIN 39    /* binades e = -2 (v in [1/4, 1/2]) down to -40 */
#define TR_QT_KMAX 6     /* at most 64 sub-segments per binade */
#define TR_QT_TOL 2e-10  /* build target, absolute on [0, 1] */

typedef struct qt_side {
    double p, q;                 /* Beta shapes this side inverts */
    uint16_t off[TR_QT_NBIN];    /* first segment of each binade */
    unsigned char k[TR_QT_NBIN]; /* log2(sub-segments) of each binade */
} qt_side;

struct tr__qtable {
    double a, b, lnb; /* Beta shapes and log B(a, b) */
    double err;       /* worst error seen when building, fraction of the range */
    qt_side side[2];  /* 0: u < 1/2, 1: u >= 1/2 (inverting Beta(b, a)) */
    size_t nseg;
    double coef[]; /* nseg * TR_QT_NC monomial coefficients in z in [-1, 1] */
};

/* Chebyshev points of the first kind and T_j at them, for fitting. */
static void cheb_fit(const double *f, double *mono)
{
    /* Chebyshev coefficients c_j = (2/N) sum_i f_i T_j(z_i), c_0 halved. */
    double c[TR_QT_NC];
    for (int j = 0; j < TR_QT_NC; j++) {
        double s = 0.0;
        for (int i = 0; i < TR_QT_NC; i++)
            s += f[i] * cos(TR_PI * j * (i + 0.5) / TR_QT_NC);
        c[j] = 2.0 * s / TR_QT_NC;
    }
    c[0] *= 0.5;
    /* To monomials: T_0 = 1, T_1 = z, T_{j+1} = 2z T_j - T_{j-1}. */
    double tm2[TR_QT_NC] = {0}, tm1[TR_QT_NC] = {0}, t[TR_QT_NC];
    memset(mono, 0, TR_QT_NC * sizeof *mono);
    tm2[0] = 1.0;
    mono[0] += c[0];
    tm1[1] = 1.0;
    mono[1] += c[1];
    for (int j = 2; j < TR_QT_NC; j++) {
        for (int i = 0; i < TR_QT_NC; i++)
            t[i] = (i > 0 ? 2.0 * tm1[i - 1] : 0.0) - tm2[i];
        for (int i = 0; i < TR_QT_NC; i++)
            mono[i] += c[j] * t[i];
        memcpy(tm2, tm1, sizeof t);
        memcpy(tm1, t, sizeof t);
    }
}

static inline double horner(const double *c, double z)
{
    double r = c[TR_QT_DEG];
    for (int i = TR_QT_DEG - 1; i >= 0; i--)
        r = r * z + c[i];
    return r;
}

/* Fit one sub-segment v in [v0, v1]; returns the worst check error, or NaN. */
static double fit_segment(double p, double q, double lnb, double v0, double v1, double *mono)
{
    double f[TR_QT_NC];
    double mid = 0.5 * (v0 + v1), half = 0.5 * (v1 - v0);
    for (int i = 0; i < TR_QT_NC; i++) {
        double z = cos(TR_PI * (i + 0.5) / TR_QT_NC);
        f[i] = beta_solve(p, q, lnb, mid + half * z, 0.0);
        if (!(f[i] == f[i])) return NAN;
    }
    cheb_fit(f, mono);
    /* Check at both ends and halfway between neighbouring nodes. */
    double worst = 0.0;
    for (int i = 0; i <= TR_QT_NC; i++) {
        double z;
        if (i == 0)
            z = -1.0;
        else if (i == TR_QT_NC)
            z = 1.0;
        else
            z = cos(TR_PI * (TR_QT_NC - i) / TR_QT_NC);
        double approx = horner(mono, z);
        double exact = beta_solve(p, q, lnb, mid + half * z, approx);
        if (!(exact == exact)) return NAN;
        double e = fabs(approx - exact);
        if (!(e <= worst)) worst = e; /* NaN-safe */
    }
    return worst;
}

static tr_status build_side(qt_side *s, double lnb, double **buf, size_t *nseg, size_t *cap,
                            double *worst, tr_error *err)
{
    for (int bin = 0; bin < TR_QT_NBIN; bin++) {
        int e = -2 - bin;
        double base = ldexp(1.0, e);
        double segbuf[(1 << TR_QT_KMAX) * TR_QT_NC];
        int k;
        double kworst = 0.0;
        for (k = 0; k <= TR_QT_KMAX; k++) {
            int nsub = 1 << k;
            kworst = 0.0;
            for (int j = 0; j < nsub; j++) {
                double v0 = base * (1.0 + (double)j / nsub);
                double v1 = base * (1.0 + (double)(j + 1) / nsub);
                double w = fit_segment(s->p, s->q, lnb, v0, v1, segbuf + j * TR_QT_NC);
                if (!(w == w))
                    return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                                        "beta quantile table: incomplete beta function failed "
                                        "for shapes (%g, %g)",
                                        s->p, s->q);
                if (w > kworst) kworst = w;
                if (kworst > TR_QT_TOL && k < TR_QT_KMAX) break;
            }
            if (kworst <= TR_QT_TOL || k == TR_QT_KMAX) break;
        }
        if (k > TR_QT_KMAX) k = TR_QT_KMAX;
        size_t nsub = (size_t)1 << k;
        if (*nseg + nsub > *cap) {
            size_t ncap = 2 * *cap + nsub;
            double *nb = realloc(*buf, ncap * TR_QT_NC * sizeof **buf);
            if (!nb)
                return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                                    "out of memory building a quantile table");
            *buf = nb;
            *cap = ncap;
        }
        memcpy(*buf + *nseg * TR_QT_NC, segbuf, nsub * TR_QT_NC * sizeof **buf);
        s->off[bin] = (uint16_t)*nseg;
        s->k[bin] = (unsigned char)k;
        *nseg += nsub;
        if (kworst > *worst) *worst = kworst;
    }
    return TR_OK;
}

static int is_beta_family(const tr__dist *d)
{
    return d->kind == TR__DIST_BETA || d->kind == TR__DIST_PERT;
}

tr_status tr__qtable_build(const tr__dist *d, tr__qtable **out, tr_error *err)
{
    *out = NULL;
    if (!is_beta_family(d) || !(d->max > d->min)) return TR_OK;
    double a = d->alpha, b = d->beta;
    if (!(a > 0.0 && b > 0.0 && isfinite(a) && isfinite(b)))
        return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                            "beta quantile table: invalid shapes (%g, %g)", a, b);
    gsl_sf_result lb;
    if (gsl_sf_lnbeta_e(a, b, &lb) != GSL_SUCCESS || !isfinite(lb.val))
        return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                            "beta quantile table: log B(%g, %g) failed", a, b);
    double *buf = NULL;
    size_t nseg = 0, cap = 0;
    double worst = 0.0;
    qt_side side[2];
    side[0].p = a;
    side[0].q = b;
    side[1].p = b;
    side[1].q = a;
    tr_status st = TR_OK;
    for (int s = 0; s < 2 && st == TR_OK; s++)
        st = build_side(&side[s], lb.val, &buf, &nseg, &cap, &worst, err);
    if (st != TR_OK) {
        free(buf);
        return st;
    }
    tr__qtable *t = malloc(sizeof *t + nseg * TR_QT_NC * sizeof(double));
    if (!t) {
        free(buf);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory building a quantile table");
    }
    t->a = a;
    t->b = b;
    t->lnb = lb.val;
    t->err = worst;
    t->side[0] = side[0];
    t->side[1] = side[1];
    t->nseg = nseg;
    memcpy(t->coef, buf, nseg * TR_QT_NC * sizeof(double));
    free(buf);
    *out = t;
    return TR_OK;
}

double tr__qtable_alpha(const tr__qtable *t)
{
    return t->a;
}

double tr__qtable_beta(const tr__qtable *t)
{
    return t->b;
}

void tr__qtable_free(tr__qtable *t)
{
    free(t);
}

double tr__qtable_error(const tr__qtable *t)
{
    return t ? t->err : 0.0;
}

size_t tr__qtable_bytes(const tr__qtable *t)
{
    return t ? sizeof *t + t->nseg * TR_QT_NC * sizeof(double) : 0;
}

/* The tabulated Beta(a, b) quantile of u on [0, 1]. */
static inline double qtable_eval(const tr__qtable *t, double u)
{
    int upper = !(u < 0.5);
    double v = upper ? 1.0 - u : u; /* exact */
    if (!(v >= 0x1p-40)) return beta_quantile_exact(t->a, t->b, t->lnb, u);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int e = (int)(bits >> 52) - 1023;
    const qt_side *s = &t->side[upper];
    double y;
    if (e >= -1) { /* v == 1/2: the top end of the [1/4, 1/2] binade */
        unsigned k = s->k[0];
        y = horner(t->coef + (s->off[0] + ((size_t)1 << k) - 1) * TR_QT_NC, 1.0);
    } else {
        int bin = -2 - e;
        unsigned k = s->k[bin];
        uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
        unsigned sh = 52u - k;
        uint64_t j = m >> sh;
        /* z = 2 * (position within the sub-segment) - 1; 2^(1 - sh) built from its bits. */
        uint64_t sbits = (uint64_t)(1023 + 1 - (int)sh) << 52;
        double scale;
        memcpy(&scale, &sbits, sizeof scale);
        double z = (double)(m & ((UINT64_C(1) << sh) - 1)) * scale - 1.0;
        y = horner(t->coef + (s->off[bin] + j) * TR_QT_NC, z);
    }
    if (y < 0.0) y = 0.0;
    if (y > 1.0) y = 1.0;
    return upper ? 1.0 - y : y;
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
            y = qtable_eval(t, u);
        } else {
            y = beta_quantile_exact(d->alpha, d->beta, gsl_sf_lnbeta(d->alpha, d->beta), u);
        }
        return d->min + w * y;
    }
    case TR__DIST_NORMAL:
        return d->mean + d->sd * tr__norm_inv(u);
    case TR__DIST_LOGNORMAL:
        return exp(log(d->median) + d->sigma * tr__norm_inv(u));
    case TR__DIST_DISCRETE:
        return d->n ? discrete_quantile(d, u) : NAN;
    }
    return NAN;
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

#define TC_L 16.0
#define TC_PER 64
#define TC_N 1024 /* TC_L * TC_PER */

struct tr__tcdf {
    double dof;
    double err;
    double g[TC_N + 1];  /* log T(x_k), x_k = -L + k / TC_PER */
    double dg[TC_N + 1]; /* d/dx log T = pdf / cdf, scaled by the step */
};

static double tc_interp(const tr__tcdf *t, double x) /* x in [-L, 0] */
{
    double pos = (x + TC_L) * TC_PER;
    int k = (int)pos;
    if (k >= TC_N) k = TC_N - 1;
    double s = pos - (double)k, s2 = s * s, s3 = s2 * s;
    double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
    return exp(h00 * t->g[k] + h10 * t->dg[k] + h01 * t->g[k + 1] + h11 * t->dg[k + 1]);
}

tr_status tr__tcdf_build(double dof, tr__tcdf **out, tr_error *err)
{
    *out = NULL;
    tr__tcdf *t = malloc(sizeof *t);
    if (!t) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    t->dof = dof;
    for (int k = 0; k <= TC_N; k++) {
        double x = -TC_L + (double)k / TC_PER;
        double c = gsl_cdf_tdist_P(x, dof), d = gsl_ran_tdist_pdf(x, dof);
        if (!(c > 0.0) || !isfinite(d)) {
            free(t);
            return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                                "Student-t table: CDF failed at %g (dof %g)", x, dof);
        }
        t->g[k] = log(c);
        t->dg[k] = d / c / TC_PER;
    }
    double worst = 0.0;
    for (int k = 0; k < TC_N; k++) {
        double x = -TC_L + ((double)k + 0.5) / TC_PER;
        double exact = gsl_cdf_tdist_P(x, dof), e = fabs(tc_interp(t, x) / exact - 1.0);
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

double tr__tcdf_eval(const tr__tcdf *t, double x)
{
    if (x <= 0.0) return x >= -TC_L ? tc_interp(t, x) : gsl_cdf_tdist_P(x, t->dof);
    if (x <= TC_L) return 1.0 - tc_interp(t, -x);
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
