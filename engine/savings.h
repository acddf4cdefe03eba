/*
 * savings.h - how a scheme's saving accrues over time (docs/model.md section 5).
 *
 * A scheme delivering fraction d of a full-year saving S from its actual
 * start a, phased in linearly over R = ramp_months, accrues at the rate
 *     rate(tau) = d S / 12 * clamp((tau - a) / R, 0, 1)   per month
 * (a step at a for R = 0), and a non-recurrent scheme stops at a + 12. The
 * saving booked over (x0, x1] is d S / 12 times the difference of the ramp's
 * integral G below. These are pure functions shared by the plan (savings as
 * planned) and the simulation (savings as delivered).
 */
#ifndef TR_SAVINGS_H
#define TR_SAVINGS_H

#include <math.h>
#include <stddef.h>

/* min(x, y) for numbers that are never NaN (fmin, without the call). */
static inline double tr__min2(double x, double y)
{
    return y < x ? y : x;
}

/* G(x) = integral of clamp(y / R, 0, 1) over y in (0, x]: the ramp's
 * cumulative saving in months of full rate (R = 0 is a step). */
static inline double tr__ramp_integral(double x, double ramp)
{
    if (!(x > 0.0)) return 0.0;
    if (ramp <= 0.0) return x;
    if (x <= ramp) return x * x / (2.0 * ramp);
    return x - 0.5 * ramp;
}

/* Months of full rate booked within a horizon of H months by a scheme that
 * starts at a (recurrent, or stopping at a + 12). */
static inline double tr__booked_total(double a, double ramp, int recurrent, double horizon)
{
    double end = recurrent ? horizon : tr__min2(horizon, a + 12.0);
    return tr__ramp_integral(end - a, ramp);
}

/* Where a scheme's savings are booked month by month: a month's saving is
 *     full[t] + lin_a[t] + lin_b[t] * t + direct[t]
 * with full, lin_a and lin_b prefix-summed over the months (difference
 * arrays). Element t of each array is at [t * stride] (stride 1 for one
 * path; the number of lanes when the arrays interleave paths). */
typedef struct tr__booking {
    double *full;  /* the months at full rate: k */
    double *lin_a; /* the months wholly on the ramp: (k / R) (t - a - 1/2) = lin_a + lin_b t */
    double *lin_b;
    double *direct; /* the months a start, the ramp's end or a + 12 cuts: the integral itself */
    size_t stride;
} tr__booking;

/*
 * Book a scheme's saving at rate k = d S / 12 from start a (ramp R,
 * recurrent or stopping at a + 12) over months 1..H. A month wholly on the
 * ramp books k ((t - a)^2 - (t - 1 - a)^2) / (2R) = (k / R) (t - a - 1/2),
 * linear in t; a month at full rate books k; so both are added to
 * difference arrays in O(1) and only the few months that a start, the
 * ramp's end or the stop cuts are integrated directly: a scheme costs
 * O(1) work. A start at or beyond the horizon books nothing; it is compared
 * in double before any cast, since a may be as large as a delay
 * distribution allows, or infinite.
 */
static inline void tr__book_savings(const tr__booking *bk, int H, double k, double a, double ramp,
                                    int recurrent)
{
    if (k == 0.0 || !(a < (double)H)) return;
    const size_t st = bk->stride;
    int first = (int)floor(a) + 1; /* first month with any of (t-1, t] after a: <= H */
    double end = recurrent ? INFINITY : a + 12.0;
    int last = recurrent ? H : (int)tr__min2((double)H, ceil(end));
    int hi_cap = recurrent ? H : (int)tr__min2((double)H, floor(end)); /* t <= end */
    /* months wholly on the ramp: t - 1 >= a and t <= a + R */
    int lin_lo = (int)ceil(a + 1.0), lin_hi = 0;
    if (ramp > 0.0) {
        double top = floor(a + ramp);
        lin_hi = top < (double)hi_cap ? (int)top : hi_cap;
    }
    /* months at full rate: t - 1 >= a + R */
    double plat_lo_d = ceil(a + ramp + 1.0);
    int plat_lo = plat_lo_d > (double)H + 1 ? H + 1 : (int)plat_lo_d, plat_hi = hi_cap;
    if (plat_lo < first) plat_lo = first;
    if (lin_lo <= lin_hi) {
        double beta = k / ramp, alpha = -beta * (a + 0.5);
        bk->lin_a[(size_t)lin_lo * st] += alpha;
        bk->lin_a[(size_t)(lin_hi + 1) * st] -= alpha;
        bk->lin_b[(size_t)lin_lo * st] += beta;
        bk->lin_b[(size_t)(lin_hi + 1) * st] -= beta;
    }
    if (plat_lo <= plat_hi) {
        bk->full[(size_t)plat_lo * st] += k;
        bk->full[(size_t)(plat_hi + 1) * st] -= k;
    }
    for (int t = first; t <= last; t++) {
        if (lin_lo <= lin_hi && t == lin_lo) { /* skip the ramp's whole months */
            t = lin_hi;
            continue;
        }
        if (plat_lo <= plat_hi && t == plat_lo) { /* and the plateau */
            t = plat_hi;
            continue;
        }
        double hi = tr__min2((double)t, end) - a, lo = tr__min2((double)(t - 1), end) - a;
        bk->direct[(size_t)t * st] +=
            k * (tr__ramp_integral(hi, ramp) - tr__ramp_integral(lo, ramp));
    }
}

#endif /* TR_SAVINGS_H */
