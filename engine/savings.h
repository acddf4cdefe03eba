/*
 * savings.h - how a scheme's saving accrues over time (MODEL.md section 5).
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
    double end = recurrent ? horizon : fmin(horizon, a + 12.0);
    return tr__ramp_integral(end - a, ramp);
}

/*
 * Add a scheme's monthly savings at rate k = d S / 12 from start a into a
 * trust's arrays: diff (a difference array, prefix-summed month by month)
 * for the months at full rate, direct for the months on the ramp or cut off
 * at a + 12. Element t of either array is at [t * stride] (1 for one path;
 * the number of lanes when the arrays interleave paths). A start at or
 * beyond the horizon H books nothing; it is compared in double before any
 * cast, since a may be as large as a delay distribution allows, or
 * infinite.
 */
static inline void tr__book_savings(double *diff, double *direct, size_t stride, int H, double k,
                                    double a, double ramp, int recurrent)
{
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
            diff[(size_t)plat_lo * stride] += k;
            diff[(size_t)(plat_hi + 1) * stride] -= k;
            t = plat_hi;
            continue;
        }
        double hi = fmin((double)t, end) - a, lo = fmin((double)(t - 1), end) - a;
        direct[(size_t)t * stride] +=
            k * (tr__ramp_integral(hi, ramp) - tr__ramp_integral(lo, ramp));
    }
}

#endif /* TR_SAVINGS_H */
