/*
 * test_betaq.c - the fast Beta quantile tables (engine/betaq.c).
 *
 * The reference quantile is dist.c's exact inverse (tr__dist_quantile with
 * no table: Newton's method on GSL's incomplete beta function, solved on
 * the nearer tail, itself tested against gsl_cdf_beta_Pinv in test_dist.c;
 * here too on a spot check). The promises of betaq.h are checked on dense
 * grids of u, tails and binade edges included, for every pair of shapes of
 * a grid from 0.01 to 1e6: the absolute and relative error, monotonicity,
 * the bit-identity of the scalar and batch forms, the treatment of inputs
 * out of range, and the refusal of bad shapes with a message.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "betaq.h"
#include "dist.h"
#include "rng.h"

static double ref_quantile(double a, double b, double u)
{
    tr__dist d = {.kind = TR__DIST_BETA, .alpha = a, .beta = b, .min = 0.0, .max = 1.0};
    return tr__dist_quantile(&d, NULL, u);
}

static tr__betaq *build(double a, double b)
{
    tr_error err;
    tr_error_init(&err);
    tr__betaq *q = NULL;
    tr_status st = tr__betaq_build(a, b, &q, &err);
    cr_assert_eq(st, TR_OK, "Beta(%g, %g): build failed: %s", a, b,
                 err.count ? err.diags[0].message : "?");
    cr_assert_not_null(q);
    cr_assert_eq(err.count, 0);
    tr_error_clear(&err);
    return q;
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* The n + 1 points of a grid uniform in logit(u) from 2^-53 to 1 - 2^-53. */
static double logit_grid(int i, int n)
{
    double z = -36.7 + 73.4 * i / n, u = 1.0 / (1.0 + exp(-z));
    if (u < 0x1p-53) u = 0x1p-53;
    if (u > 1.0 - 0x1p-53) u = 1.0 - 0x1p-53;
    return u;
}

/* The errors of a table at u against the reference, as betaq.h states them:
 * absolute, and relative to the tail quantile where it is above ZERO. */
typedef struct errs {
    double abs, rel;
} errs;

static void measure(const tr__betaq *q, double a, double b, double u, errs *e)
{
    double r = ref_quantile(a, b, u), x = tr__betaq_eval(q, u), d = fabs(x - r);
    cr_assert(isfinite(r), "Beta(%g, %g) at u = %.17g: no reference", a, b, u);
    cr_assert(x >= 0.0 && x <= 1.0, "Beta(%g, %g) at u = %.17g: %.17g out of [0, 1]", a, b, u, x);
    if (d > e->abs) e->abs = d;
    double tail = u < 0.5 ? r : 1.0 - r, slack = u < 0.5 ? 0.0 : 0x1p-53;
    if (tail >= TR__BETAQ_ZERO && (d - slack) / tail > e->rel) e->rel = (d - slack) / tail;
}

Test(betaq, accuracy_over_the_shape_grid)
{
    gsl_set_error_handler_off();
    const double sh[] = {0.01, 0.05, 0.2, 0.5, 1, 2, 5, 20, 60, 300, 1e4, 1e6};
    const int ns = sizeof sh / sizeof *sh, ng = 240;
    errs all = {0, 0};
    size_t most_bytes = 0;
    for (int i = 0; i < ns; i++)
        for (int j = 0; j < ns; j++) {
            double a = sh[i], b = sh[j];
            if (a == 1e6 && b == 1e6) continue; /* GSL fails there: see extreme_shapes */
            tr__betaq *q = build(a, b);
            errs e = {0, 0};
            for (int k = 0; k <= ng; k++)
                measure(q, a, b, logit_grid(k, ng), &e);
            cr_expect(e.abs <= TR__BETAQ_TOL, "Beta(%g, %g): error %g", a, b, e.abs);
            cr_expect(e.rel <= TR__BETAQ_RTOL, "Beta(%g, %g): relative error %g", a, b, e.rel);
            cr_expect(tr__betaq_error(q) <= TR__BETAQ_TOL, "Beta(%g, %g): estimate %g", a, b,
                      tr__betaq_error(q));
            cr_expect(tr__betaq_bytes(q) <= 80 * 1024, "Beta(%g, %g): %zu bytes", a, b,
                      tr__betaq_bytes(q));
            cr_expect_eq(tr__betaq_alpha(q), a);
            cr_expect_eq(tr__betaq_beta(q), b);
            if (e.abs > all.abs) all.abs = e.abs;
            if (e.rel > all.rel) all.rel = e.rel;
            if (tr__betaq_bytes(q) > most_bytes) most_bytes = tr__betaq_bytes(q);
            tr__betaq_free(q);
        }
    cr_log_info("shape grid: worst error %.3g, worst relative tail error %.3g, largest %zu B",
                all.abs, all.rel, most_bytes);
}

/* Shapes as real configs have them: random in [0.5, 60], random u. */
Test(betaq, accuracy_on_random_shapes)
{
    gsl_set_error_handler_off();
    uint64_t s = 17;
    errs all = {0, 0};
    for (int t = 0; t < 40; t++) {
        double a = 0.5 * pow(120.0, (double)(splitmix64(&s) >> 11) * 0x1p-53);
        double b = 0.5 * pow(120.0, (double)(splitmix64(&s) >> 11) * 0x1p-53);
        tr__betaq *q = build(a, b);
        errs e = {0, 0};
        for (int k = 0; k < 300; k++)
            measure(q, a, b, tr__u01(splitmix64(&s)), &e);
        /* PERT's shapes (lambda 4: a + b = 6) too. */
        double pa = 1.0 + 4.0 * (double)(splitmix64(&s) >> 11) * 0x1p-53;
        tr__betaq *p = build(pa, 6.0 - pa);
        for (int k = 0; k < 300; k++)
            measure(p, pa, 6.0 - pa, tr__u01(splitmix64(&s)), &e);
        cr_expect(e.abs <= TR__BETAQ_TOL, "Beta(%g, %g) or (%g, %g): error %g", a, b, pa, 6 - pa,
                  e.abs);
        cr_expect(e.rel <= TR__BETAQ_RTOL, "Beta(%g, %g) or (%g, %g): relative error %g", a, b, pa,
                  6 - pa, e.rel);
        if (e.abs > all.abs) all.abs = e.abs;
        if (e.rel > all.rel) all.rel = e.rel;
        tr__betaq_free(q);
        tr__betaq_free(p);
    }
    cr_log_info("random shapes: worst error %.3g, worst relative tail error %.3g", all.abs,
                all.rel);
}

/* Shapes drawn over the whole range, and the pairs of a tiny and a large
 * shape that once failed (the quantile saturating at 1 within a binade). */
Test(betaq, accuracy_on_random_wide_shapes)
{
    gsl_set_error_handler_off();
    const double seen[][2] = {
        {0.018081091264360055, 37.881680823567493}, {43.937900707339132, 0.01906802652381585},
        {0.02019700290858378, 55.590723526664732},  {558.85986460222932, 0.020959308124446189},
        {11776.192409851959, 0.010019387636421455}, {1472.3887127897165, 0.022027643618492514}};
    const size_t nseen = sizeof seen / sizeof *seen;
    uint64_t s = 2024;
    errs all = {0, 0};
    for (size_t t = 0; t < nseen + 150; t++) {
        double a, b;
        if (t < nseen) {
            a = seen[t][0];
            b = seen[t][1];
        } else {
            a = 0.01 * pow(1e8, (double)(splitmix64(&s) >> 11) * 0x1p-53);
            b = 0.01 * pow(1e8, (double)(splitmix64(&s) >> 11) * 0x1p-53);
            if (a > 1e5 && b > 1e5) continue; /* beyond GSL, as Beta(1e6, 1e6) */
        }
        tr__betaq *q = build(a, b);
        errs e = {0, 0};
        for (int k = 0; k <= 60; k++)
            measure(q, a, b, logit_grid(k, 60), &e);
        for (int k = 0; k < 40; k++)
            measure(q, a, b, tr__u01(splitmix64(&s)), &e);
        for (int ex = -53; ex <= -2; ex++) { /* the left end of each binade's first piece */
            measure(q, a, b, ldexp(1.0625, ex), &e);
            measure(q, a, b, 1.0 - ldexp(1.0625, ex), &e);
        }
        cr_expect(e.abs <= TR__BETAQ_TOL, "Beta(%.17g, %.17g): error %g", a, b, e.abs);
        cr_expect(e.rel <= TR__BETAQ_RTOL, "Beta(%.17g, %.17g): relative error %g", a, b, e.rel);
        if (e.abs > all.abs) all.abs = e.abs;
        if (e.rel > all.rel) all.rel = e.rel;
        tr__betaq_free(q);
    }
    cr_log_info("wide random shapes: worst error %.3g, worst relative tail error %.3g", all.abs,
                all.rel);
}

/* The reference agrees with GSL's own inverse where that converges. */
Test(betaq, reference_agrees_with_gsl)
{
    gsl_set_error_handler_off();
    const double sh[][2] = {{0.5, 0.5}, {2, 5}, {3, 2}, {0.3, 4}, {20, 30}};
    for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
        tr__betaq *q = build(sh[i][0], sh[i][1]);
        for (int k = 1; k < 100; k++) {
            double u = k / 100.0, g = gsl_cdf_beta_Pinv(u, sh[i][0], sh[i][1]);
            if (!isfinite(g)) continue;
            cr_expect(fabs(ref_quantile(sh[i][0], sh[i][1], u) - g) <= 1e-12);
            cr_expect(fabs(tr__betaq_eval(q, u) - g) <= TR__BETAQ_TOL, "Beta(%g, %g) u=%g",
                      sh[i][0], sh[i][1], u);
        }
        tr__betaq_free(q);
    }
}

Test(betaq, closed_forms)
{
    const double us[] = {0x1p-53, 1e-12, 1e-6, 0.01, 0.2, 0.4999, 0.5, 0.7, 0.99, 1 - 1e-9};
    tr__betaq *q11 = build(1, 1), *q21 = build(2, 1), *q12 = build(1, 2), *qh = build(0.5, 0.5);
    tr__betaq *q1b = build(1, 7), *qa1 = build(0.25, 1);
    for (size_t i = 0; i < sizeof us / sizeof *us; i++) {
        double u = us[i], want, got;
        got = tr__betaq_eval(q11, u);
        cr_expect(fabs(got - u) <= TR__BETAQ_TOL + TR__BETAQ_RTOL * (u < 0.5 ? u : 0), "u=%g", u);
        want = sqrt(u);
        got = tr__betaq_eval(q21, u);
        cr_expect(fabs(got - want) <= TR__BETAQ_TOL, "sqrt: u=%g %.17g %.17g", u, got, want);
        want = -expm1(0.5 * log1p(-u));
        got = tr__betaq_eval(q12, u);
        cr_expect(fabs(got - want) <= TR__BETAQ_TOL, "1 - sqrt(1 - u): u=%g", u);
        want = pow(sin(3.14159265358979323846 * u / 2), 2);
        got = tr__betaq_eval(qh, u);
        cr_expect(fabs(got - want) <= TR__BETAQ_TOL, "arcsine: u=%g", u);
        want = -expm1(log1p(-u) / 7);
        got = tr__betaq_eval(q1b, u);
        cr_expect(fabs(got - want) <= TR__BETAQ_TOL, "Beta(1, 7): u=%g", u);
        want = pow(u, 4.0);
        got = tr__betaq_eval(qa1, u);
        cr_expect(fabs(got - want) <= TR__BETAQ_TOL && fabs(got - want) <= 1e-6 * want,
                  "Beta(1/4, 1): u=%g %.17g %.17g", u, got, want);
    }
    tr__betaq_free(q11);
    tr__betaq_free(q21);
    tr__betaq_free(q12);
    tr__betaq_free(qh);
    tr__betaq_free(q1b);
    tr__betaq_free(qa1);
}

/* The slack betaq.h allows a decrease: a few units in the last place, and
 * 2^-52 (results for u >= 1/2 are computed as 1 - y, on a grid of 2^-53). */
static double slack(double x)
{
    return fmax(4 * (nextafter(x, 2.0) - x), 0x1p-52);
}

/* Non-decreasing: on a fine grid, and across every binade edge and the
 * median, where pieces meet. */
static void expect_monotone(const tr__betaq *q, double a, double b)
{
    double prev = -INFINITY;
    for (int i = 1; i < 20000; i++) {
        double x = tr__betaq_eval(q, i / 20000.0);
        cr_expect(x >= prev - slack(prev), "Beta(%g, %g) at %d: %.17g < %.17g", a, b, i, x, prev);
        prev = x;
    }
    for (int e = -53; e <= -1; e++)
        for (int side = 0; side < 2; side++) {
            double edge = ldexp(1.0, e), u = side ? 1.0 - edge : edge;
            double lo = nextafter(nextafter(u, 0), 0), hi = nextafter(nextafter(u, 1), 1);
            double x0 = tr__betaq_eval(q, lo), x1 = tr__betaq_eval(q, u),
                   x2 = tr__betaq_eval(q, hi);
            cr_expect(x0 <= x1 + slack(x1) && x1 <= x2 + slack(x2),
                      "Beta(%g, %g) across u = %.17g: %.17g %.17g %.17g", a, b, u, x0, x1, x2);
            if (u >= 0x1p-53 && u <= 1 - 0x1p-53) {
                double r = ref_quantile(a, b, u);
                cr_expect(fabs(x1 - r) <= TR__BETAQ_TOL, "Beta(%g, %g) at edge %.17g", a, b, u);
            }
        }
}

Test(betaq, monotone_and_continuous_at_edges)
{
    gsl_set_error_handler_off();
    const double sh[][2] = {{2, 5},     {0.5, 0.5}, {0.05, 3}, {40, 0.2},
                            {1e4, 1e4}, {1, 1},     {60, 60},  {0.02, 50}};
    for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
        tr__betaq *q = build(sh[i][0], sh[i][1]);
        expect_monotone(q, sh[i][0], sh[i][1]);
        tr__betaq_free(q);
    }
}

/* Symmetric shapes: Q(1/2) = 1/2 and Q(u) + Q(1 - u) = 1. */
Test(betaq, symmetric_shapes)
{
    const double sh[] = {0.05, 0.5, 1, 3, 50, 1e5};
    for (size_t i = 0; i < sizeof sh / sizeof *sh; i++) {
        tr__betaq *q = build(sh[i], sh[i]);
        cr_expect(fabs(tr__betaq_eval(q, 0.5) - 0.5) <= TR__BETAQ_TOL, "Beta(%g, %g)", sh[i],
                  sh[i]);
        for (int k = 1; k < 200; k++) {
            double u = k / 400.0;
            double s = tr__betaq_eval(q, u) + tr__betaq_eval(q, 1.0 - u);
            cr_expect(fabs(s - 1.0) <= 2 * TR__BETAQ_TOL, "Beta(%g, %g) u=%g", sh[i], sh[i], u);
        }
        tr__betaq_free(q);
    }
}

static int same_bits(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

Test(betaq, scalar_and_batch_identical)
{
    enum { N = 100003 };
    static double u[N], xs[N], xb[N], in_place[N];
    const double special[] = {0x1p-53,
                              1 - 0x1p-53,
                              0.5,
                              nextafter(0.5, 0),
                              0.25,
                              0.75,
                              0x1p-40,
                              1 - 0x1p-40,
                              1e-300,
                              0x1p-1074,
                              0.0,
                              -0.0,
                              1.0,
                              -1.0,
                              2.0,
                              INFINITY,
                              -INFINITY,
                              NAN,
                              nextafter(1.0, 0),
                              0x1p-54,
                              3 * 0x1p-54};
    const size_t nsp = sizeof special / sizeof *special;
    const double sh[][2] = {{2, 5}, {0.05, 0.05}, {1e4, 3}, {0.3, 60}, {1, 1}};
    uint64_t s = 99;
    for (size_t i = 0; i < N; i++)
        u[i] = i < nsp ? special[i] : tr__u01(splitmix64(&s));
    for (size_t t = 0; t < sizeof sh / sizeof *sh; t++) {
        tr__betaq *q = build(sh[t][0], sh[t][1]);
        for (size_t i = 0; i < N; i++)
            xs[i] = tr__betaq_eval(q, u[i]);
        tr__betaq_eval_n(q, u, xb, N);
        memcpy(in_place, u, sizeof u);
        tr__betaq_eval_n(q, in_place, in_place, N);
        size_t bad = 0;
        for (size_t i = 0; i < N; i++) {
            if (!same_bits(xs[i], xb[i]) || !same_bits(xs[i], in_place[i])) bad++;
            if (!same_bits(xs[i], xb[i]) && bad < 5)
                cr_log_error("Beta(%g, %g) u=%a: scalar %a batch %a", sh[t][0], sh[t][1], u[i],
                             xs[i], xb[i]);
        }
        cr_expect_eq(bad, 0, "Beta(%g, %g): %zu results differ", sh[t][0], sh[t][1], bad);
        /* Short and odd lengths, and nothing at all. */
        for (size_t n = 0; n < 9; n++) {
            double small[9];
            tr__betaq_eval_n(q, u + 1000, small, n);
            for (size_t i = 0; i < n; i++)
                cr_expect(same_bits(small[i], xs[1000 + i]));
        }
        tr__betaq_free(q);
    }
}

Test(betaq, inputs_out_of_range)
{
    tr__betaq *q = build(3, 0.7);
    cr_expect_eq(tr__betaq_eval(q, 0.0), 0.0);
    cr_expect_eq(tr__betaq_eval(q, -0.0), 0.0);
    cr_expect_eq(tr__betaq_eval(q, -0.3), 0.0);
    cr_expect_eq(tr__betaq_eval(q, -INFINITY), 0.0);
    cr_expect_eq(tr__betaq_eval(q, 0x1p-1074), 0.0);
    cr_expect_eq(tr__betaq_eval(q, 1.0), 1.0);
    cr_expect_eq(tr__betaq_eval(q, 1.5), 1.0);
    cr_expect(isnan(tr__betaq_eval(q, NAN)));
    /* Below 2^-53: as 2^-53. */
    double at = tr__betaq_eval(q, 0x1p-53);
    cr_expect(same_bits(tr__betaq_eval(q, 0x1p-60), at));
    cr_expect(same_bits(tr__betaq_eval(q, 1e-300), at));
    cr_expect(at > 0.0 && at < 1e-5);
    tr__betaq_free(q);
}

/* Extreme shapes: tiny ones (the density is singular at an end and most
 * quantiles underflow) and huge ones (nearly normal, very narrow). */
Test(betaq, extreme_shapes)
{
    gsl_set_error_handler_off();
    tr__betaq *q = build(0.01, 0.01);
    /* Half the mass sits below 0.5^100 = 8e-31: tiny, but relative accuracy holds. */
    double u = 0.25, r = ref_quantile(0.01, 0.01, u), x = tr__betaq_eval(q, u);
    cr_expect(fabs(x - r) <= TR__BETAQ_RTOL * r, "%.17g vs %.17g", x, r);
    cr_expect_eq(tr__betaq_eval(q, 0x1p-53), 0.0); /* about 1e-1600: 0 */
    cr_expect_eq(tr__betaq_eval(q, 1 - 0x1p-53), 1.0);
    tr__betaq_free(q);
    /* GSL's incomplete beta function gives up on Beta(1e6, 1e6) (too many
     * continued-fraction terms), so the reference here is mpmath's: Newton on
     * the integral of the density, 34 digits (Q(u) for u > 1/2 by symmetry). */
    const double known[][2] = {{0x1p-53, 0.49709751474779359158},
                               {0x1p-40, 0.49750827683743518642},
                               {0x1p-20, 0.49831602939979936295},
                               {0x1p-10, 0.49890495119205327461},
                               {0.1, 0.49954690313516383982},
                               {0.3, 0.4998145964039009276},
                               {0.5, 0.5}};
    q = build(1e6, 1e6);
    for (size_t k = 0; k < sizeof known / sizeof *known; k++) {
        double v = known[k][0], want = known[k][1];
        cr_expect(fabs(tr__betaq_eval(q, v) - want) <= TR__BETAQ_TOL, "u=%g: %.17g vs %.17g", v,
                  tr__betaq_eval(q, v), want);
        if (v != 0.1) /* 1 - v exact */
            cr_expect(fabs(tr__betaq_eval(q, 1.0 - v) - (1.0 - want)) <= TR__BETAQ_TOL, "u=1-%g",
                      v);
    }
    tr__betaq_free(q);
}

Test(betaq, builds_are_reproducible)
{
    tr__betaq *p = build(2.5, 3.5), *q = build(2.5, 3.5);
    cr_expect_eq(tr__betaq_bytes(p), tr__betaq_bytes(q));
    for (int k = 0; k <= 1000; k++) {
        double u = logit_grid(k, 1000);
        cr_expect(same_bits(tr__betaq_eval(p, u), tr__betaq_eval(q, u)));
    }
    tr__betaq_free(p);
    tr__betaq_free(q);
}

Test(betaq, bad_shapes_are_refused)
{
    const double bad[][2] = {{0, 2},   {2, 0},        {-1, 1},       {NAN, 1},
                             {1, NAN}, {INFINITY, 1}, {1, -INFINITY}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tr_error err;
        tr_error_init(&err);
        tr__betaq *q = (tr__betaq *)&err; /* must be overwritten */
        cr_expect_eq(tr__betaq_build(bad[i][0], bad[i][1], &q, &err), TR_E_INPUT);
        cr_expect_null(q);
        cr_expect_eq(err.count, 1);
        cr_expect(err.count == 1 && strstr(err.diags[0].message, "finite and positive"));
        tr_error_clear(&err);
    }
    /* Shapes far beyond what a double can follow are refused, not aborted on. */
    const double far[][2] = {{1e-3, 1e-3}, {1e12, 1e12}, {1e-300, 1}};
    for (size_t i = 0; i < sizeof far / sizeof *far; i++) {
        tr_error err;
        tr_error_init(&err);
        tr__betaq *q = NULL;
        cr_expect_eq(tr__betaq_build(far[i][0], far[i][1], &q, &err), TR_E_INTERNAL, "Beta(%g, %g)",
                     far[i][0], far[i][1]);
        cr_expect_null(q);
        cr_expect(err.count == 1 && strstr(err.diags[0].message, "beta quantile table"));
        tr_error_clear(&err);
    }
    tr__betaq_free(NULL);
    cr_expect_eq(tr__betaq_bytes(NULL), 0);
    cr_expect_eq(tr__betaq_error(NULL), 0.0);
}
