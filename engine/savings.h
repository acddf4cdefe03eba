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

#endif /* TR_SAVINGS_H */
