/*
 * dist.h - distributions sampled by inversion (private).
 *
 * Every distribution of docs/model.md section 4 is sampled as F^{-1}(u) so the
 * copula applies. The Beta-based families (beta, pert) have no cheap
 * closed-form inverse; GSL's gsl_cdf_beta_Pinv is slow, so for them a
 * quantile table is built once per run and evaluated by interpolation, with
 * its worst error documented here and tested in tests/test_dist.c.
 */
#ifndef TR_DIST_H
#define TR_DIST_H

#include "betaq.h"
#include "vmath.h"
#include "model.h"
#include "trustrisk/error.h"

/* A precomputed quantile function for one Beta shape (betaq.h). */
typedef tr__betaq tr__qtable;

/* Build the table for `d` when it pays (beta, pert); *out = NULL for the
 * other families, which are inverted directly. Returns TR_OK, TR_E_NOMEM,
 * or TR_E_INPUT / TR_E_INTERNAL with a message for shapes the tables cannot
 * follow (outside what the loader accepts). */
tr_status tr__qtable_build(const tr__dist *d, tr__qtable **out, tr_error *err);

/* Free a table; NULL allowed. */
void tr__qtable_free(tr__qtable *t);

/* The Beta shapes a table was built for (a table serves every distribution
 * with these shapes, whatever its [min, max]). */
double tr__qtable_alpha(const tr__qtable *t);
double tr__qtable_beta(const tr__qtable *t);

/* The table's accuracy: for every u in [2^-53, 1 - 2^-53] the tabulated
 * quantile is within TR__QTABLE_TOL * (max - min) of the exact one (betaq.h;
 * tested against gsl_cdf_beta_Pinv in tests/test_dist.c and
 * tests/test_betaq.c); tr__qtable_error returns the worst error the build
 * estimated (fraction of max - min; 0 for NULL). tr__qtable_bytes is its
 * memory (typically 10 KB). Building costs about 50 us; evaluation about
 * 10 ns. A built table is read-only, so one table may be shared by every
 * thread. NULL is also returned for max <= min. */
#define TR__QTABLE_TOL TR__BETAQ_TOL
double tr__qtable_error(const tr__qtable *t);
size_t tr__qtable_bytes(const tr__qtable *t);

/* The range of U the copula hands to a quantile function: sim.c clamps U to
 * [TR__U_LO, TR__U_HI], so even an unbounded family has a largest and a
 * smallest value the engine can draw. */
#define TR__U_LO 0x1p-53
#define TR__U_HI (1.0 - 0x1p-53)

/* The smallest and largest values the engine can draw from d: F^{-1} at
 * TR__U_LO and TR__U_HI (min and min + (max - min) for beta and pert, the
 * extreme values for discrete). Either is non-finite when the parameters
 * overflow (a range wider than DBL_MAX, a huge sd or sigma); the loader
 * rejects such distributions. Needs no table. */
void tr__dist_range(const tr__dist *d, double *lo, double *hi);

/* F^{-1}(u) for u in (0, 1). `t` is the table built for d, or NULL (then the
 * exact, slow inverse is used). For discrete: the smallest value (in the
 * order given) whose cumulative probability is >= u. Never allocates. */
double tr__dist_quantile(const tr__dist *d, const tr__qtable *t, double u);

/* out[l] = tr__dist_quantile(d, t, flip ? 1 - U[l] : U[l]) for l < n
 * (n <= TR__QN_MAX), bit for bit, in loops that vectorise. */
#define TR__QN_MAX 64
void tr__dist_quantile_n(const tr__dist *d, const tr__qtable *t, const double *U, int flip,
                         double *out, size_t n);

/* The exact CDF F(x) (for tests and for threshold shortcuts). */
double tr__dist_cdf(const tr__dist *d, double x);

/* Inverse chi-square CDF with `dof` degrees of freedom (for the t copula). */
double tr__chi2_inv(double u, double dof);

/* Student-t CDF with `dof` degrees of freedom. */
double tr__t_cdf(double x, double dof);

/*
 * A tabulated Student-t CDF for the t copula, which evaluates T_nu once for
 * every element of every path (GSL: about 220 ns; the table: about 10 ns).
 * log T_nu(x) is interpolated by cubic Hermite polynomials (values and the
 * exact derivatives pdf/cdf) on a grid of step 1/64 over [-16, 0]; x > 0
 * uses T(x) = 1 - T(-x); |x| > 16 calls GSL. Relative error of T for x <= 0
 * at most TR__TCDF_TOL (measured on building, and tested), so the lower
 * tail keeps its relative precision.
 */
#define TR__TCDF_TOL 1e-9
#define TR__TC_L 16.0
#define TR__TC_PER 64
#define TR__TC_N 1024 /* TR__TC_L * TR__TC_PER */
typedef struct tr__tcdf {
    double dof;
    double err;
    double g[TR__TC_N + 1];  /* log T(x_k), x_k = -L + k / TR__TC_PER */
    double dg[TR__TC_N + 1]; /* d/dx log T = pdf / cdf, scaled by the step */
} tr__tcdf;
/* *out = NULL (and TR_OK) where the table would miss TR__TCDF_TOL. */
tr_status tr__tcdf_build(double dof, tr__tcdf **out, tr_error *err);
/* T beyond the table (|x| > TR__TC_L), from GSL. */
double tr__tcdf_far(const tr__tcdf *t, double x);
/* log T by cubic Hermite interpolation, for x in [-L, 0]. */
static inline double tr__tc_interp(const tr__tcdf *t, double x)
{
    double pos = (x + TR__TC_L) * TR__TC_PER;
    int k = (int)pos;
    if (k >= TR__TC_N) k = TR__TC_N - 1;
    double s = pos - (double)k, s2 = s * s, s3 = s2 * s;
    double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
    return tr__vexp(h00 * t->g[k] + h10 * t->dg[k] + h01 * t->g[k + 1] + h11 * t->dg[k + 1]);
}
static inline double tr__tcdf_eval(const tr__tcdf *t, double x)
{
    if (x <= 0.0) return x >= -TR__TC_L ? tr__tc_interp(t, x) : tr__tcdf_far(t, x);
    if (x <= TR__TC_L) return 1.0 - tr__tc_interp(t, -x);
    return tr__tcdf_far(t, x);
}
/* Worst relative error measured at the cell midpoints when building. */
double tr__tcdf_error(const tr__tcdf *t);
void tr__tcdf_free(tr__tcdf *t);

/* Student-t quantile with `dof` degrees of freedom. */
double tr__t_inv(double u, double dof);

#endif /* TR_DIST_H */
