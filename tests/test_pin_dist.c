/*
 * test_pin_dist.c - distribution details the broader tests in test_dist.c
 * can miss (found by mutation testing, tests/mutation/):
 *   - the triangular quantile must switch branch at F(mode), not at 1/2:
 *     checked against the CDF written out here, on both sides of the mode;
 *   - the tabulated Student-t CDF of the t copula must build for the usual
 *     degrees of freedom and agree with GSL to TR__TCDF_TOL relative for
 *     x <= 0, and by the complement for x > 0 (there to TR__TCDF_TOL of the
 *     upper tail, plus the rounding of 1 - T(-x));
 *   - the chi-square quantile is GSL's gamma quantile itself wherever GSL
 *     converges: the slower fallback is for very large dof only.
 */
#include <criterion/criterion.h>

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "dist.h"

/* The triangular CDF on [a, b] with mode c, from its definition. */
static double tri_cdf(double a, double c, double b, double x)
{
    if (x <= c) return (x - a) * (x - a) / ((b - a) * (c - a));
    return 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
}

Test(pin_dist, triangular_quantile_inverts_the_cdf_on_both_sides_of_the_mode)
{
    /* modes left of, right of and at the middle; F(mode) = 0.25, 0.75, 0.5 */
    const double shapes[3][3] = {{0, 1, 4}, {0, 3, 4}, {-2, 1, 4}};
    for (int k = 0; k < 3; k++) {
        tr__dist d = {0};
        d.kind = TR__DIST_TRIANGULAR;
        d.min = shapes[k][0];
        d.mode = shapes[k][1];
        d.max = shapes[k][2];
        for (int i = 1; i < 1000; i++) {
            double u = i / 1000.0, x = tr__dist_quantile(&d, NULL, u);
            cr_expect(x >= d.min && x <= d.max, "(%g, %g, %g) u=%g: %g outside", d.min, d.mode,
                      d.max, u, x);
            double back = tri_cdf(d.min, d.mode, d.max, x);
            cr_expect(fabs(back - u) <= 1e-13, "(%g, %g, %g): F(Q(%g)) = %.17g", d.min, d.mode,
                      d.max, u, back);
        }
    }
}

Test(pin_dist, t_cdf_table_agrees_with_gsl)
{
    gsl_set_error_handler_off();
    const double dofs[] = {1, 2.5, 3, 4, 5, 10, 30, 100, 1e5};
    for (size_t i = 0; i < sizeof dofs / sizeof *dofs; i++) {
        double nu = dofs[i];
        tr_error err;
        tr_error_init(&err);
        tr__tcdf *t = NULL;
        cr_assert_eq(tr__tcdf_build(nu, &t, &err), TR_OK);
        cr_assert_eq(err.count, 0);
        cr_assert_not_null(t, "dof %g: the table missed its tolerance and was dropped", nu);
        cr_expect(tr__tcdf_error(t) <= TR__TCDF_TOL, "dof %g: build error %g", nu,
                  tr__tcdf_error(t));
        double worst = 0.0;
        for (int k = -2000; k <= 2000; k++) {
            double x = k * 0.01 + 0.0031; /* off the grid, both signs, beyond +-16 */
            double p = gsl_cdf_tdist_P(x, nu), q = gsl_cdf_tdist_Q(x, nu);
            /* x > 0 is 1 - T(-x) in double: relative in q, plus rounding near 1 */
            double e = x <= 0 ? fabs(tr__tcdf_eval(t, x) - p) / p
                              : fabs(tr__tcdf_eval(t, x) - p) / (q + 0x1p-52 / TR__TCDF_TOL);
            if (e > worst) worst = e;
        }
        cr_expect(worst <= TR__TCDF_TOL, "dof %g: relative error %g", nu, worst);
        tr__tcdf_free(t);
    }
}

Test(pin_dist, chi2_quantile_is_gsls_where_gsl_converges)
{
    gsl_set_error_handler_off();
    const double dofs[] = {1, 3, 4, 5, 10, 30};
    const double us[] = {1e-10, 1e-4, 0.01, 0.2, 0.5, 0.7, 0.99, 1 - 1e-6};
    for (size_t i = 0; i < sizeof dofs / sizeof *dofs; i++)
        for (size_t j = 0; j < sizeof us / sizeof *us; j++) {
            double nu = dofs[i], u = us[j];
            double want = u <= 0.5 ? gsl_cdf_gamma_Pinv(u, 0.5 * nu, 2.0)
                                   : gsl_cdf_gamma_Qinv(1.0 - u, 0.5 * nu, 2.0);
            cr_expect_eq(tr__chi2_inv(u, nu), want, "dof %g u %g: %.17g, GSL %.17g", nu, u,
                         tr__chi2_inv(u, nu), want);
        }
}
