/*
 * betaq.c - the Beta(a, b) quantile as a table of polynomial pieces.
 *
 * Layout (dist.c's quantile table's, kept for its cheap index):
 *   - u < 1/2 is served by the lower side, y(v) = Q_{a,b}(v) with v = u;
 *     u >= 1/2 by the upper side, 1 - y(v) with y = Q_{b,a} and v = 1 - u
 *     (exact). Both sides solve one problem: y(v) for v in [2^-53, 1/2].
 *   - v is split into binades [2^e, 2^(e+1)), e = -53..-2, found from the
 *     double's exponent bits; binade e into 2^k equal pieces (k per binade,
 *     0..BQ_KMAX; 0 for most). On each piece y is a polynomial of degree
 *     BQ_DEG in w in [-1, 1], stored in monomial form. Geometric pieces suit
 *     the power-law tails, y ~ (v a B(a, b))^(1/a), which look alike on
 *     every binade.
 *
 * Building. dist.c fits each piece to exact quantiles at Chebyshev points,
 * a root search on the incomplete beta function for each (0.4-11 ms per
 * shape). Here a piece costs one CDF value and no root search:
 *   - a node x0 is placed near the piece's centre by extrapolating the
 *     expansion of the piece to its left; its probability u_c = I_{x0}(p, q)
 *     comes from the continued fraction of the incomplete beta function
 *     (DLMF 8.17.22), one exp and two logs;
 *   - around the node the quantile is expanded in a Taylor series in the
 *     log of the probability, s = log v: in s the power-law tails are entire
 *     functions (y ~ C e^{s/a}), so a dozen terms cover a binade. The
 *     coefficients come from the quantile ODE (Steinbrecher and Shaw,
 *     "Quantile mechanics", Eur. J. Appl. Math. 19 (2008) 87-112), which
 *     for the beta density has polynomial coefficients, by matching powers
 *     (node_expand);
 *   - the piece's polynomial interpolates the series at the Chebyshev-
 *     Lobatto points of the piece and is checked against it halfway between
 *     them, where interpolation errs most; k is raised until every piece of
 *     the binade meets BQ_TOL, and BQ_RTOL of the quantile so that the tails
 *     keep their relative precision; each binade starts from the previous
 *     one's k, as pieces look alike from binade to binade;
 *   - the sides are built from the deepest binade up, and each piece takes
 *     its left end value from its neighbour (and the top piece its right end
 *     from the median, solved once), so the table is continuous. The
 *     disagreement between a piece's own series and that shared value (two
 *     nodes, two independent CDF values) checks the construction and counts
 *     in the error the build reports.
 * Evaluation (betaq_eval1) uses only + - * on doubles, conversions between
 * int and double, integer and bit operations and loads, in one order for
 * the scalar and the batch form: the results are the same bits from both
 * and from any x86-64 instruction set. This file must be compiled without
 * floating-point contraction (-ffp-contract=off; CMakeLists.txt sets it).
 * The build uses libm and GSL (log B); their last bits can differ between
 * machines (glibc picks FMA versions at run time), so two machines may
 * build tables that differ in the last bits, as with dist.c's table.
 */
#include "betaq.h"
#include "vmath.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>

/* Contraction to fused multiply-add would change results between builds. */
#pragma STDC FP_CONTRACT OFF

#define BQ_NB 52 /* binades per side: v in [2^-53, 2^-1) */
#define BQ_DEG 9 /* polynomial degree of a piece (evaluation is written out for 9) */
#define BQ_NC (BQ_DEG + 1)
#define BQ_KMAX 7               /* at most 2^7 pieces per binade */
#define BQ_NMAX 40              /* most Taylor coefficients of an expansion */
#define BQ_TOL 2.5e-10          /* build target, absolute */
#define BQ_RTOL 2.5e-7          /* build target, relative to the quantile */
#define BQ_VMIN 0x1p-53         /* smallest v served */
#define BQ_VMAX (0.5 - 0x1p-54) /* largest double below 1/2 */
#define BQ_YZERO 0x1p-500       /* pieces whose quantiles are all below this are 0 */
#define BQ_YFLOOR 0x1p-560      /* no piece is fitted down to quantiles below this */
#define BQ_CFLUSH 0x1p-600      /* smaller coefficients are stored as 0 */
#define BQ_YONE (1.0 - 0x1p-40) /* above this, pieces are flat */
#define BQ_CFMAX 20000          /* continued-fraction terms before giving up */
#define BQ_PI 3.14159265358979323846

struct tr__betaq {
    double a, b;
    double err; /* estimated worst absolute error */
    size_t npiece;
    size_t bytes;
    const double *coef; /* npiece * BQ_NC, 64-byte aligned */
    /* Each binade, deepest first, lower side then upper: its first piece
     * in the low 32 bits, k (2^k pieces) above. 64-bit entries, because
     * the compiler can gather only lanes as wide as the doubles. */
    int64_t bin[2 * BQ_NB];
};

/* ---- Beta density and CDF (build only) ------------------------------ */

typedef struct bq_side {
    double p, q, lnb; /* the side inverts Beta(p, q); lnb = log B(p, q) */
} bq_side;

/*
 * The continued fraction of the incomplete beta function (DLMF 8.17.22):
 * I_x(p, q) = x^p (1 - x)^q / (p B(p, q)) / (1 + d1 / (1 + d2 / (1 + ...))),
 * d_{2m+1} = -(p + m)(p + q + m) x / ((p + 2m)(p + 2m + 1)),
 * d_{2m} = m (q - m) x / ((p + 2m - 1)(p + 2m)); it converges fast for
 * x <= (p + 1) / (p + q + 2). Evaluated by the three-term recurrence for
 * its numerators and denominators (no division on the critical path),
 * rescaled now and then. Returns 1 / (1 + d1 / (1 + ...)), or NaN if it
 * does not converge.
 */
static double beta_cf(double p, double q, double x)
{
    double a1 = 1.0, a0 = 1.0, b1 = 1.0, b0 = 0.0; /* A_n, A_{n-1}, B_n, B_{n-1} */
    for (int m = 0; m < BQ_CFMAX; m++) {
        double dm = (double)m;
        double dodd = -(p + dm) * (p + q + dm) * x / ((p + 2.0 * dm) * (p + 2.0 * dm + 1.0));
        double deven =
            (dm + 1.0) * (q - dm - 1.0) * x / ((p + 2.0 * dm + 1.0) * (p + 2.0 * dm + 2.0));
        double a2 = a1 + dodd * a0, b2 = b1 + dodd * b0;   /* term 2m + 1 */
        double a3 = a2 + deven * a1, b3 = b2 + deven * b1; /* term 2m + 2 */
        a0 = a2;
        b0 = b2;
        a1 = a3;
        b1 = b3;
        if (fabs(a1 * b0 - a0 * b1) <= 1e-16 * fabs(a1 * b0)) return b1 / a1;
        double sc = fabs(a1);
        if (!(sc > 0x1p-400 && sc < 0x1p400)) {
            if (!(sc > 0.0 && sc < INFINITY)) return NAN;
            sc = 1.0 / sc;
            a0 *= sc;
            a1 *= sc;
            b0 *= sc;
            b1 *= sc;
        }
    }
    return NAN;
}

/* I_x(p, q) and the Beta(p, q) density at x in (0, 1); 0 on success. */
static int beta_cdf(const bq_side *s, double x, double *cdf, double *pdf)
{
    double lx = log(x), l1x = log1p(-x);
    double front = exp(s->p * lx + s->q * l1x - s->lnb); /* x^p (1-x)^q / B */
    double F;
    if (x * (s->p + s->q + 2.0) <= s->p + 1.0)
        F = front / s->p * beta_cf(s->p, s->q, x);
    else /* the complement converges fast; only the tails need relative accuracy */
        F = 1.0 - front / s->q * beta_cf(s->q, s->p, 1.0 - x);
    *cdf = F;
    *pdf = front / (x * (1.0 - x));
    return (F >= 0.0 && F <= 1.0 && *pdf >= 0.0 && *pdf < INFINITY) ? 0 : -1;
}

/*
 * x in (0, hi) with I_x(p, q) = v: Newton's method on log I against log x
 * (the tails are nearly straight lines there), safeguarded by bisection.
 * For the rare node the extrapolated guess misses, and for the median.
 * Returns 0, or -1 if the CDF fails.
 */
static int side_solve(const bq_side *s, double v, double guess, double hi, double *out)
{
    double logv = log(v);
    double wlo = log(BQ_YFLOOR) - 1.0, whi = log(fmin(hi, 1.0 - 0x1p-53)); /* never x = 1 */
    double F, f;
    if (beta_cdf(s, exp(wlo), &F, &f) != 0) return -1;
    if (F >= v) { /* below what the table keeps */
        *out = exp(wlo);
        return 0;
    }
    double w = (guess > 0.0 && guess < hi) ? log(guess) : 0.5 * (wlo + whi);
    for (int it = 0; it < 400; it++) {
        double x = exp(w);
        if (beta_cdf(s, x, &F, &f) != 0) return -1;
        if (F <= 0.0) {
            wlo = w;
            w = 0.5 * (wlo + whi);
            continue;
        }
        double hres = log(F) - logv;
        if (hres == 0.0) break;
        if (hres > 0.0)
            whi = w;
        else
            wlo = w;
        double wn = w - hres * F / (x * f); /* d log I / d log x = x f / I */
        if (!(wn > wlo && wn < whi)) wn = 0.5 * (wlo + whi);
        double step = fabs(wn - w);
        w = wn;
        if (step <= 1e-15 * fmax(1.0, fabs(w)) || whi - wlo <= 1e-15 * fmax(1.0, fabs(w))) break;
    }
    *out = exp(w);
    return 0;
}

/* ---- Local expansions ------------------------------------------------ */

/*
 * The quantile near a node, in the log of the probability: with
 * s = log v, x(s_c + hs z) = x0 (1 + sum_{i=1}^{n} g[i] z^i), where
 * s_c = log uc and uc = I_{x0}(p, q). In s the power-law tails are entire
 * functions (x ~ C e^{s/p}), so a few terms cover a whole binade.
 */
typedef struct bq_node {
    double x0, uc, hs;
    int n;
    double g[BQ_NMAX + 2];
} bq_node;

static double node_xi(const bq_node *nd, double z)
{
    double r = nd->g[nd->n];
    for (int i = nd->n - 1; i >= 1; i--)
        r = r * z + nd->g[i];
    return r * z;
}

/*
 * Taylor coefficients of xi at a node x0 (density f0). In s the quantile
 * ODE reads x (1 - x) x_ss = x (1 - x) x_s + ((1 - p) + (p + q - 2) x) x_s^2
 * (x_s = v / pdf(x)); for xi, with z = (s - s_c) / hs,
 *   A(xi) xi'' = hs A(xi) xi' + M(xi) xi'^2,
 *   A = (1 + xi)((1 - x0) - x0 xi), M = (1 - p) + (p + q - 2) x0 (1 + xi).
 * Matching powers of z gives each coefficient from the earlier ones.
 * Coefficients are added until two in a row are below eps at |z| = zmax.
 * Returns 0, or -1 if they do not fall that far within BQ_NMAX terms.
 */
static int node_expand(const bq_side *s, bq_node *nd, double f0, double zmax, double eps)
{
    double S[BQ_NMAX], E[BQ_NMAX], A[BQ_NMAX], dg[BQ_NMAX + 1];
    double *g = nd->g, x0 = nd->x0, hs = nd->hs;
    double a0 = 1.0 - x0, c1 = 1.0 - 2.0 * x0, cm = (s->p + s->q - 2.0) * x0;
    double m0 = (1.0 - s->p) + cm, ia0 = 1.0 / a0;
    g[0] = 0.0;
    g[1] = hs * nd->uc / (x0 * f0);
    dg[0] = g[1];
    A[0] = a0;
    double zp = zmax * zmax;
    int small = 0;
    for (int n = 0; n + 2 <= BQ_NMAX; n++) {
        double sn = 0.0;
        for (int i = 0, j = n; i < j; i++, j--)
            sn += dg[i] * dg[j];
        sn += sn;
        if (!(n & 1)) sn += dg[n / 2] * dg[n / 2];
        S[n] = sn;
        if (n >= 1) {
            double g2 = 0.0;
            for (int i = 1, j = n - 1; i < j; i++, j--)
                g2 += g[i] * g[j];
            g2 += g2;
            if (!(n & 1)) g2 += g[n / 2] * g[n / 2];
            A[n] = c1 * g[n] - x0 * g2;
        }
        double ad = a0 * dg[n], ms = 0.0, ae = 0.0;
        for (int i = 1; i <= n; i++) {
            ad += A[i] * dg[n - i];
            ms += g[i] * S[n - i];
            ae += A[i] * E[n - i];
        }
        E[n] = (hs * ad + m0 * sn + cm * ms - ae) * ia0;
        g[n + 2] = E[n] * (1.0 / ((double)(n + 1) * (double)(n + 2)));
        dg[n + 1] = (double)(n + 2) * g[n + 2];
        double term = fabs(g[n + 2]) * zp;
        zp *= zmax;
        if (!(term == term) || term == INFINITY) return -1;
        small = term <= eps ? small + 1 : 0;
        if (small >= 2) {
            nd->n = n + 2;
            return 0;
        }
    }
    nd->n = BQ_NMAX;
    return -1;
}

/* ---- Building -------------------------------------------------------- */

/*
 * A piece is fitted by interpolation at the BQ_DEG + 1 Chebyshev-Lobatto
 * points w_i = cos(pi i / BQ_DEG) (ends included, so neighbours can share
 * their end values exactly) and checked at the BQ_DEG points halfway
 * between them (in angle), where interpolation errs most. For piece j of
 * K in a binade, v = v_c (1 + r w) with r = 1 / (2K + 2j + 1) whatever the
 * binade, so log(v / v_c) at those points is tabulated once per (K, j).
 */
#define BQ_NPT (2 * BQ_DEG + 1)
#define BQ_KCACHE 3 /* tabulate for k <= 3 (15 (k, j)); finer splits compute theirs */

/* What both sides share: the points, the interpolation weights and the
 * tabulated logs. */
typedef struct bq_basis {
    double w[BQ_NPT];         /* Lobatto points (0..BQ_DEG), then check points */
    double dct[BQ_NC][BQ_NC]; /* DCT-I weights: dct[i][k] takes value i to coefficient k */
    double tk[BQ_NC][BQ_NC];  /* monomial coefficients of T_k */
    double lr[(2 << BQ_KCACHE) - 1][BQ_NPT]; /* log1p(r w) / r of each piece shape */
    unsigned char cached[(2 << BQ_KCACHE) - 1];
} bq_basis;

typedef struct bq_ctx {
    bq_side s;
    bq_basis *bs;
    double err; /* worst estimated error */
} bq_ctx;

static void basis_init(bq_basis *bs)
{
    double cs[2 * BQ_DEG]; /* cos(pi m / BQ_DEG) */
    for (int m = 0; m < 2 * BQ_DEG; m++)
        cs[m] = cos(BQ_PI * m / BQ_DEG);
    memset(bs, 0, sizeof *bs);
    for (int i = 0; i <= BQ_DEG; i++)
        bs->w[i] = cs[i];
    bs->w[0] = 1.0;
    bs->w[BQ_DEG] = -1.0;
    if (!(BQ_DEG & 1)) bs->w[BQ_DEG / 2] = 0.0;
    for (int i = 0; i < BQ_DEG; i++)
        bs->w[BQ_DEG + 1 + i] = cos(BQ_PI * (i + 0.5) / BQ_DEG);
    for (int k = 0; k <= BQ_DEG; k++)
        for (int i = 0; i <= BQ_DEG; i++) {
            double wt = (i == 0 || i == BQ_DEG) ? 0.5 : 1.0;
            if (k == 0 || k == BQ_DEG) wt *= 0.5;
            bs->dct[i][k] = 2.0 / BQ_DEG * wt * cs[(i * k) % (2 * BQ_DEG)];
        }
    bs->tk[0][0] = 1.0;
    bs->tk[1][1] = 1.0;
    for (int k = 2; k < BQ_NC; k++)
        for (int i = 0; i < BQ_NC; i++)
            bs->tk[k][i] = (i > 0 ? 2.0 * bs->tk[k - 1][i - 1] : 0.0) - bs->tk[k - 2][i];
}

/* log(v / v_c) / r at the points of piece j of 2^k (r = 1 / (2^(k+1) + 2j + 1)). */
static const double *basis_lr(bq_basis *bs, int k, size_t j, double *tmp)
{
    double r = 1.0 / (double)(((size_t)2 << k) + 2 * j + 1);
    double *lr = tmp;
    size_t slot = ((size_t)1 << k) - 1 + j;
    if (k <= BQ_KCACHE) {
        lr = bs->lr[slot];
        if (bs->cached[slot]) return lr;
        bs->cached[slot] = 1;
    }
    for (int i = 0; i < BQ_NPT; i++)
        lr[i] = log1p(r * bs->w[i]) / r;
    return lr;
}

static int ctx_cdf(const bq_ctx *c, double x, double *F, double *f)
{
    return beta_cdf(&c->s, x, F, f);
}

/* Monotone check of a piece given its Chebyshev coefficients: a cheap
 * sufficient test on the derivative's Chebyshev series, then sampling. */
static int piece_monotone(const double *cc, const double *coef)
{
    double b[BQ_NC + 1] = {0};
    for (int k = BQ_DEG; k >= 1; k--)
        b[k - 1] = b[k + 1] + 2.0 * k * cc[k];
    b[0] *= 0.5;
    double rest = 0.0;
    for (int k = 1; k < BQ_DEG; k++)
        rest += fabs(b[k]);
    if (b[0] - rest > 0.0) return 1;
    double prev = -INFINITY;
    for (int i = 0; i <= 256; i++) {
        double w = -1.0 + i / 128.0, y = coef[BQ_DEG];
        for (int j = BQ_DEG - 1; j >= 0; j--)
            y = y * w + coef[j];
        if (y < prev) return 0;
        prev = y;
    }
    return 1;
}

/* One piece being fitted. */
typedef struct bq_fit {
    double yl;   /* value at the left end: pinned (from the left neighbour), or NaN */
    double yr;   /* value at the right end: pinned, or NaN */
                 /* (on return, both hold the values used) */
    double err;  /* estimated error of the piece */
    double tail; /* the part of it that smaller pieces would reduce */
} bq_fit;

/* A piece where the quantile is within BQ_YONE's distance of 1, which the
 * doubles near 1 cannot follow: the straight line from its left value to
 * its right (or a constant). */
static int fit_flat(bq_fit *pf, double *coef)
{
    double yr = pf->yr == pf->yr ? fmax(pf->yr, pf->yl) : pf->yl;
    memset(coef, 0, BQ_NC * sizeof *coef);
    coef[0] = 0.5 * (pf->yl + yr);
    coef[1] = 0.5 * (yr - pf->yl);
    pf->yr = yr;
    pf->err = 1.0 - pf->yl;
    return 1;
}

/*
 * Fit piece j of 2^k of the binade starting at base into coef. prev is the
 * node of the last piece to the left (for the guess; NULL if none); *nd
 * receives this piece's (n = 0 if it has none: a flat piece). Returns 1 if
 * the piece meets the tolerances, 0 if it needs to be smaller, -1 if the
 * CDF failed.
 */
static int fit_piece(bq_ctx *c, double base, int k, size_t j, const bq_node *prev, bq_node *nd,
                     bq_fit *pf, double *coef)
{
    size_t np = (size_t)1 << k;
    double vmid = base * (1.0 + ((double)j + 0.5) / (double)np);
    double h = base / (double)(2 * np);
    pf->err = pf->tail = 0.0;
    if (pf->yl >= BQ_YONE) return fit_flat(pf, coef);
    double x = prev ? prev->x0 * (1.0 + node_xi(prev, log(vmid / prev->uc) / prev->hs)) : NAN;
    double lo = pf->yl == pf->yl ? pf->yl : 0.0, hi = pf->yr == pf->yr ? pf->yr : 1.0;
    double F = 0.0, f = 0.0, sh = 0.0;
    int placed = 0;
    for (int it = 0; it < 3 && !placed; it++) {
        if (!(x > lo && x < hi)) break;
        if (ctx_cdf(c, x, &F, &f) != 0) break;
        sh = (vmid - F) / h;
        if (fabs(sh) <= 0.5 && f > 0.0 && F > 0.0)
            placed = 1;
        else
            x += (vmid - F) / f; /* a Newton step towards the centre */
    }
    if (!placed) {
        if (side_solve(&c->s, vmid, x, hi, &x) != 0) return -1;
        if (x >= BQ_YONE && pf->yl != pf->yl) {
            /* Saturated at the centre, and no left value yet: flat if the
             * left end is saturated too. */
            double xl;
            if (side_solve(&c->s, vmid - h, x, x, &xl) != 0) return -1;
            if (xl >= BQ_YONE) {
                pf->yl = xl;
                return fit_flat(pf, coef);
            }
        }
        if (ctx_cdf(c, x, &F, &f) != 0) return -1;
        sh = (vmid - F) / h;
        if (!(fabs(sh) <= 0.5 && f > 0.0 && F > 0.0)) return 0;
    }
    double tmp[BQ_NPT];
    const double *lr = basis_lr(c->bs, k, j, tmp), *w = c->bs->w;
    nd->x0 = x;
    nd->uc = F;
    nd->hs = h / vmid;
    double dz = log1p((vmid - F) / F) / nd->hs; /* z of v_c */
    double zmax = fabs(dz) + fmax(fabs(lr[0]), fabs(lr[BQ_DEG]));
    /* Terms are kept until they are well below what the piece may err by. */
    double ymin = fmax(lo, BQ_YZERO);
    double eps = fmax(0x1p-60, 0.02 * fmin(BQ_TOL, BQ_RTOL * ymin) / x);
    if (node_expand(&c->s, nd, f, zmax, eps) != 0) return 0;
    /* Values at the points (as y / x0 - 1), all at once for the pipelines;
     * the ends may then be pinned. */
    double val[BQ_NPT], zz[BQ_NPT];
    for (int i = 0; i < BQ_NPT; i++) {
        zz[i] = dz + lr[i];
        val[i] = nd->g[nd->n];
    }
    for (int t = nd->n - 1; t >= 1; t--)
        for (int i = 0; i < BQ_NPT; i++)
            val[i] = val[i] * zz[i] + nd->g[t];
    for (int i = 0; i < BQ_NPT; i++)
        val[i] *= zz[i];
    double ownr = x * (1.0 + val[0]), ownl = x * (1.0 + val[BQ_DEG]);
    double yr = pf->yr == pf->yr ? pf->yr : ownr;
    double yl = pf->yl == pf->yl ? pf->yl : ownl;
    double mis = fmax(fabs(ownr - yr), fabs(ownl - yl));
    val[0] = yr / x - 1.0;
    val[BQ_DEG] = yl / x - 1.0;
    double cc[BQ_NC] = {0}, m[BQ_NC] = {0};
    for (int i = 0; i <= BQ_DEG; i++)
        for (int kk = 0; kk <= BQ_DEG; kk++)
            cc[kk] += c->bs->dct[i][kk] * val[i];
    for (int kk = 0; kk <= BQ_DEG; kk++)
        for (int i = 0; i <= kk; i++)
            m[i] += cc[kk] * c->bs->tk[kk][i];
    /* The interpolation error, where it is largest. */
    double y[BQ_DEG], tail = 0.0;
    for (int i = 0; i < BQ_DEG; i++)
        y[i] = m[BQ_DEG];
    for (int jj = BQ_DEG - 1; jj >= 0; jj--)
        for (int i = 0; i < BQ_DEG; i++)
            y[i] = y[i] * w[BQ_NC + i] + m[jj];
    for (int i = 0; i < BQ_DEG; i++)
        tail = fmax(tail, fabs(y[i] - val[BQ_NC + i]));
    tail *= x;
    for (int i = 0; i < BQ_NC; i++)
        coef[i] = x * m[i];
    coef[0] += x;
    double e = tail + 1.5 * mis + x * eps;
    pf->yl = yl;
    pf->yr = yr;
    pf->err = e;
    pf->tail = tail;
    if (!(e <= BQ_TOL && e <= BQ_RTOL * fmax(yl, BQ_YZERO))) return 0;
    if (!(yl >= BQ_YFLOOR && yl < yr)) return 0;
    return piece_monotone(cc, coef) ? 1 : 0;
}

/* A growing array of pieces. */
typedef struct bq_buf {
    double *c;
    size_t n, cap;
} bq_buf;

static int buf_reserve(bq_buf *b, size_t more)
{
    if (b->n + more <= b->cap) return 0;
    size_t ncap = 2 * b->cap + more + 64;
    double *nc = realloc(b->c, ncap * BQ_NC * sizeof *nc);
    if (!nc) return -1;
    b->c = nc;
    b->cap = ncap;
    return 0;
}

/*
 * Build one side, from the deepest binade to v = 1/2, where it meets ymed
 * (the median, or 1 - the median). Binades whose quantiles are all below
 * BQ_YZERO get one zero piece. Each binade starts with the previous one's
 * k (the pieces look alike from binade to binade, and deeper ones are
 * rarely harder), or one less after a binade with much slack; k is raised
 * until every piece passes. The leftmost piece, nearest the singularity
 * at v = 0, is usually the hardest, so a k too small fails at once.
 */
static tr_status build_side(bq_ctx *c, double ymed, bq_buf *buf, int64_t *bins, tr_error *err)
{
    double vzero, fz;
    if (ctx_cdf(c, BQ_YZERO, &vzero, &fz) != 0) goto cdf_failed;
    bq_node nd = {0};
    int have = 0, k = 0;
    double yl = NAN, slack = 0.0;
    for (int bin = BQ_NB - 1; bin >= 0; bin--) {
        double base = ldexp(1.0, -2 - bin);
        if (buf_reserve(buf, (size_t)1 << BQ_KMAX) != 0)
            return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                                "out of memory building a beta quantile table");
        double *dst = buf->c + buf->n * BQ_NC;
        int64_t *slot = &bins[BQ_NB - 1 - bin]; /* ascending v, as evaluation reads it */
        *slot = (int64_t)buf->n;
        if (2.0 * base <= vzero) { /* the whole binade is below BQ_YZERO */
            memset(dst, 0, BQ_NC * sizeof *dst);
            buf->n++;
            yl = NAN; /* the next piece starts from its own value */
            continue;
        }
        int kt = (k > 0 && slack < BQ_TOL / (4 << BQ_DEG)) ? k - 1 : k;
        for (;; kt++) {
            size_t np = (size_t)1 << kt;
            double y = yl, worst = 0.0, wtail = 0.0;
            bq_node nodes[2];
            const bq_node *prev = have ? &nd : NULL;
            int ok = 1;
            for (size_t j = 0; j < np && ok == 1; j++) {
                if (base * (1.0 + (double)(j + 1) / (double)np) <= vzero) {
                    /* Quantiles all below BQ_YZERO: 0, and the next piece
                     * starts from its own value (a jump up). */
                    memset(dst + j * BQ_NC, 0, BQ_NC * sizeof *dst);
                    y = NAN;
                    continue;
                }
                bq_fit pf = {y, (bin == 0 && j == np - 1) ? ymed : NAN, 0.0, 0.0};
                bq_node *cur = prev == &nodes[0] ? &nodes[1] : &nodes[0];
                cur->n = 0;
                ok = fit_piece(c, base, kt, j, prev, cur, &pf, dst + j * BQ_NC);
                /* At the finest split, a piece within the promised (not the
                 * build's) tolerance is kept; its error is reported. */
                if (ok == 0 && kt == BQ_KMAX && pf.err > 0.0 && pf.err <= TR__BETAQ_TOL &&
                    pf.err <= TR__BETAQ_RTOL * fmax(pf.yl, BQ_YZERO))
                    ok = 1;
                if (ok == 1) {
                    if (cur->n > 0) prev = cur;
                    y = pf.yr;
                    worst = fmax(worst, pf.err);
                    wtail = fmax(wtail, pf.tail);
                }
            }
            if (ok < 0) goto cdf_failed;
            if (ok == 1) {
                *slot = (int64_t)buf->n | (int64_t)kt << 32;
                buf->n += np;
                if (prev && prev != &nd) nd = *prev;
                have = prev != NULL;
                yl = y;
                k = kt;
                slack = wtail;
                if (worst > c->err) c->err = worst;
                break;
            }
            if (kt == BQ_KMAX)
                return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                                    "beta quantile table: shapes (%g, %g) are beyond what the "
                                    "table can follow",
                                    c->s.p, c->s.q);
        }
    }
    return TR_OK;
cdf_failed:
    return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                        "beta quantile table: the incomplete beta function failed for shapes "
                        "(%g, %g)",
                        c->s.p, c->s.q);
}

tr_status tr__betaq_build(double a, double b, tr__betaq **out, tr_error *err)
{
    *out = NULL;
    if (!(a > 0.0 && b > 0.0 && a < INFINITY && b < INFINITY))
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "beta quantile table: shapes (%g, %g) must be finite and positive", a,
                            b);
    gsl_sf_result lb;
    if (gsl_sf_lnbeta_e(a, b, &lb) != GSL_SUCCESS || !isfinite(lb.val))
        return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                            "beta quantile table: log B(%g, %g) failed", a, b);
    bq_basis *bs = malloc(sizeof *bs);
    if (!bs)
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory building a beta quantile table");
    basis_init(bs);
    bq_ctx c[2] = {{{a, b, lb.val}, bs, 0.0}, {{b, a, lb.val}, bs, 0.0}};

    /* The median, solved on the side where it is at most 1/2. */
    int ms = a <= b ? 0 : 1;
    double xm = 0.0, ymed[2];
    bq_buf buf = {NULL, 0, 0};
    int64_t bins[2 * BQ_NB];
    tr_status st = TR_OK;
    if (a == b)
        xm = 0.5;
    else if (side_solve(&c[ms].s, 0.5, c[ms].s.p / (a + b), 0.5 + 0x1p-20, &xm) != 0)
        st = tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                          "beta quantile table: the median of Beta(%g, %g) failed", a, b);
    ymed[ms] = xm;
    ymed[1 - ms] = 1.0 - xm;
    /* A symmetric shape's two sides are the same function: one is built. */
    for (int s = 0; s < (a == b ? 1 : 2) && st == TR_OK; s++)
        st = build_side(&c[s], ymed[s], &buf, bins + s * BQ_NB, err);
    if (a == b) memcpy(bins + BQ_NB, bins, BQ_NB * sizeof *bins);
    void *mem = NULL;
    size_t head = (sizeof(tr__betaq) + 63) / 64 * 64;
    size_t bytes = head + buf.n * BQ_NC * sizeof(double);
    if (st == TR_OK && posix_memalign(&mem, 64, bytes) != 0)
        st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                          "out of memory building a beta quantile table");
    if (st != TR_OK) {
        free(buf.c);
        free(bs);
        return st;
    }
    tr__betaq *q = mem;
    double *coef = (double *)((char *)mem + head);
    memcpy(coef, buf.c, buf.n * BQ_NC * sizeof(double));
    /* Coefficients far below anything a piece can return are flushed, so
     * evaluation never meets subnormal numbers. */
    for (size_t i = 0; i < buf.n * BQ_NC; i++)
        if (fabs(coef[i]) < BQ_CFLUSH) coef[i] = 0.0;
    q->a = a;
    q->b = b;
    q->err = fmax(c[0].err, c[1].err);
    q->npiece = buf.n;
    q->bytes = bytes;
    q->coef = coef;
    memcpy(q->bin, bins, sizeof bins);
    free(buf.c);
    free(bs);
    *out = q;
    return TR_OK;
}

void tr__betaq_free(tr__betaq *q)
{
    free(q);
}

double tr__betaq_alpha(const tr__betaq *q)
{
    return q->a;
}

double tr__betaq_beta(const tr__betaq *q)
{
    return q->b;
}

double tr__betaq_error(const tr__betaq *q)
{
    return q ? q->err : 0.0;
}

size_t tr__betaq_bytes(const tr__betaq *q)
{
    return q ? q->bytes : 0;
}

size_t tr__betaq_pieces(const tr__betaq *q)
{
    return q ? q->npiece : 0;
}

/* ---- Evaluation ------------------------------------------------------ */

static inline double bits_to_double(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static inline uint64_t double_to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

#define BQ_ONE 0x3FF0000000000000u /* the bits of 1.0 */

/*
 * One quantile. Every choice is made with integer masks on the bits (no
 * floating-point comparison), so that gcc vectorises the batch loop even
 * for plain SSE2 (its gathers are emulated), and the arithmetic is the
 * same exactly rounded IEEE operations in both forms.
 */

/* The bits of y at v (bits vb, in [2^-53, 1/2)) on side up, clamped to
 * [0, 1]: the arithmetic the scalar and batch forms share. */
static inline uint64_t betaq_core(const int64_t *bins, const double *coef, uint64_t vb, uint64_t up)
{
    uint64_t ex = vb >> 52;                                     /* 1022 - BQ_NB .. 1021 */
    double scale = bits_to_double((uint64_t)(2046 - ex) << 52); /* 2^-e */
    double f = bits_to_double(vb) * scale - 1.0;                /* [0, 1), exact */
    int64_t bi = bins[(int64_t)(ex - (1022 - BQ_NB) + up * BQ_NB)];
    double t = f * bits_to_double((uint64_t)(1023 + (bi >> 32)) << 52); /* f 2^k, exact */
    int j = (int)t;
    double w = 2.0 * (t - (double)j) - 1.0;
    int64_t ci = ((bi & 0xFFFFFFFF) + j) * BQ_NC;
    /* Estrin's scheme, written out and indexed from coef (a loop, or a
     * pointer to the piece, keeps gcc from vectorising: it gathers only
     * from a fixed base); it is shorter than Horner's rule on the critical
     * path, which is what a single quantile waits for. */
    double w2 = w * w, w4 = w2 * w2, w8 = w4 * w4;
    double p01 = coef[ci] + coef[ci + 1] * w, p23 = coef[ci + 2] + coef[ci + 3] * w;
    double p45 = coef[ci + 4] + coef[ci + 5] * w, p67 = coef[ci + 6] + coef[ci + 7] * w;
    double p89 = coef[ci + 8] + coef[ci + 9] * w;
    double y = ((p01 + p23 * w2) + (p45 + p67 * w2) * w4) + p89 * w8;
    uint64_t yb = double_to_bits(y);
    yb &= ~(-(yb >> 63));                          /* below 0: 0 */
    uint64_t y1 = -((((yb >> 52) + 1) >> 10) & 1); /* at least 1: 1 */
    return (yb & ~y1) | (BQ_ONE & y1);
}

/* Any u, for the batch form: no branch and no floating-point comparison,
 * so that gcc vectorises the loop; inputs out of range are clamped before
 * any index is formed, so no input reads outside the table. */
static inline double betaq_eval1(const int64_t *bins, const double *coef, double u)
{
    uint64_t ub = double_to_bits(u), eu = (ub >> 52) & 0x7FF;
    uint64_t up = ((eu + 2) >> 10) & 1; /* |u| >= 1/2: the upper side */
    uint64_t mup = -up;
    /* v = u or 1 - u (exact for u >= 1/2), clamped to [2^-53, 1/2). */
    uint64_t vb = ((double_to_bits(1.0 - u) & mup) | (ub & ~mup)) & 0x7FFFFFFFFFFFFFFFu;
    uint64_t lo = -(((vb >> 52) - (1022 - BQ_NB)) >> 63); /* v < 2^-53 */
    uint64_t hi = -((((vb >> 52) + 1026) >> 11) & 1);     /* v >= 1/2, or NaN */
    vb = (vb & ~(lo | hi)) | (double_to_bits(BQ_VMIN) & lo) | (double_to_bits(BQ_VMAX) & hi);
    uint64_t yb = betaq_core(bins, coef, vb, up);
    /* The upper side's 1 - y; then u out of (0, 1). */
    uint64_t xb = (double_to_bits(1.0 - bits_to_double(yb)) & mup) | (yb & ~mup);
    uint64_t ge1 = -(((eu + 1) >> 10) & 1);                    /* |u| >= 1 (finite): 1 */
    uint64_t inf = -(((eu + 1) >> 11) & 1);                    /* u is inf or NaN */
    uint64_t pos = -((((eu + 2047) >> 11) & 1) & ~(ub >> 63)); /* u <= 0 or subnormal: 0 */
    uint64_t nan = inf & -(((ub & 0xFFFFFFFFFFFFFu) + 0xFFFFFFFFFFFFFu) >> 52);
    xb = ((xb & ~(ge1 | inf)) | (BQ_ONE & (ge1 | inf))) & pos;
    return bits_to_double((xb & ~nan) | (ub & nan)); /* NaN stays NaN */
}

double tr__betaq_eval(const tr__betaq *q, double u)
{
    /* The engine's uniforms take a shorter road to the same bits: for them
     * every mask in betaq_eval1 lets the value through. */
    if (u >= BQ_VMIN && u <= 1.0 - BQ_VMIN && u != 0.5) {
        uint64_t up = u > 0.5;
        double v = up ? 1.0 - u : u;
        double y = bits_to_double(betaq_core(q->bin, q->coef, double_to_bits(v), up));
        return up ? 1.0 - y : y;
    }
    return betaq_eval1(q->bin, q->coef, u);
}

TR__VCLONES void tr__betaq_eval_n(const tr__betaq *q, const double *u, double *x, size_t n)
{
    /* Through a local buffer, which the compiler knows the table's loads
     * cannot alias (so x may be u, and the loop still vectorises). */
    const int64_t *bins = q->bin;
    const double *coef = q->coef;
    double buf[64];
    for (size_t i = 0; i < n; i += 64) {
        size_t m = n - i < 64 ? n - i : 64;
        for (size_t k = 0; k < m; k++)
            buf[k] = betaq_eval1(bins, coef, u[i + k]);
        memcpy(x + i, buf, m * sizeof *buf);
    }
}
