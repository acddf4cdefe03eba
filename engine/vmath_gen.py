#!/usr/bin/env python3
"""Regenerate vmath's constants (needs mpmath).

python3 engine/vmath_gen.py prints the reduction constants and polynomial
coefficients of engine/vmath.h; python3 engine/vmath_gen.py --bounds prints
engine/vmath_bounds.c (run clang-format -i on it after). The polynomials are Chebyshev least-squares fits
(mpmath.chebyfit, 50 digits), which come within a small factor of the
minimax error, rounded to the nearest double. The boundary table is exact:
rational arithmetic, rounded upward.
"""
import math
import sys
from fractions import Fraction

import mpmath as mp

mp.mp.dps = 50


def fit(fn, a, b, n, name):
    """Degree n - 1 fit of fn on [a, b], highest degree first, in doubles.

    Chebyshev least squares, rounded to double in one of two ways, whichever
    leaves the smaller maximum error on a 1001-point grid: all coefficients
    at once, or one at a time from the highest degree, refitting the lower
    ones after each so that they absorb the rounding of those above."""

    def max_err(cs):
        grid = (a + (b - a) * mp.mpf(i) / 1000 for i in range(1001))
        return max(abs(fn(x) - sum(c * x ** (n - 1 - j) for j, c in enumerate(cs))) for x in grid)

    at_once = [mp.mpf(float(c)) for c in mp.chebyfit(fn, [a, b], n)]
    fixed = []
    for k in range(n - 1, -1, -1):

        def rest(x, fixed=tuple(fixed)):
            return fn(x) - sum(c * x ** (n - 1 - j) for j, c in enumerate(fixed))

        fixed.append(mp.mpf(float(mp.chebyfit(rest, [a, b], k + 1)[0])))
    e1, e2 = max_err(at_once), max_err(fixed)
    best, how = (at_once, "at once") if e1 <= e2 else (fixed, "one at a time")
    print(f"/* {name}: max error {mp.nstr(min(e1, e2), 3)}, rounded {how} */")
    return [float(c) for c in best]


def show(prefix, cs):
    """Coefficients lowest degree first, as prefix0, prefix1, ..."""
    for i, c in enumerate(reversed(cs)):
        print(f"#define {prefix}{i} {c.hex()}")


def log_fit():
    # log(1 + f) = 2s + s R(s^2) with s = f / (2 + f), |s| <= (sqrt2 - 1) / (sqrt2 + 1);
    # R(z) = z P(z), P fitted.
    smax = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)

    def p(z):
        if z == 0:
            return mp.mpf(2) / 3
        s = mp.sqrt(z)
        return (2 * mp.atanh(s) - 2 * s) / s / z

    show("TR__VLOG_C", fit(p, 0, smax**2 * (1 + mp.mpf("1e-6")), 7, "log P(z)"))


def exp_fit():
    # r coth(r / 2) = 2 + r^2 Q(r^2) for |r| <= ln2 / 2 + 1e-3.
    rmax = mp.log(2) / 2 + mp.mpf("1e-3")

    def q(w):
        if w == 0:
            return mp.mpf(1) / 6
        r = mp.sqrt(w)
        return (r * mp.coth(r / 2) - 2) / w

    show("TR__VEXP_C", fit(q, 0, rmax**2, 5, "exp Q(w)"))


def mills_fit():
    # Phi(-t) = exp(-t^2 / 2) F(w) / (t + 4), w = (t - 4) / (t + 4), t in [0, 40].
    k, tmax = mp.mpf(4), mp.mpf(40)

    def f(w):
        t = k * (1 + w) / (1 - w)
        return mp.erfc(t / mp.sqrt(2)) / 2 * mp.exp(t * t / 2) * (t + k)

    show("TR__VCDF_C", fit(f, -1, (tmax - k) / (tmax + k), 24, "Phi F(w)"))


def hist_fit():
    # log2(m) on [1, 2], for the bucket estimate.
    show("TR__VHIST_C", fit(lambda m: mp.log(m, 2), 1, 2, 4, "hist log2(m)"))
    print(f"#define TR__VHIST_PER_OCTAVE {float(mp.log(2) / mp.log(mp.mpf('1.01'))).hex()}")


def hist_table():
    print("/*")
    print(" * vmath_bounds.c - the histogram's bucket boundaries for vmath.h.")
    print(" *")
    print(" * tr__vhist_bound[j] is the smallest double >= 1.01^j, j = 0..1620, computed")
    print(" * in exact rational arithmetic by engine/vmath_gen.py --bounds (which writes")
    print(" * this file; clang-format it after) and checked entry by entry in integer")
    print(" * arithmetic by tests/test_vmath.c. It has a file of its own so that the code")
    print(" * using it cannot see the values (see vmath.h).")
    print(" */")
    print('#include "vmath.h"')
    print()
    print("const double tr__vhist_bound[TR__VHIST_NLOG + 1] = {")
    v, row = Fraction(1), []
    for j in range(1621):
        d = float(v)  # nearest
        if Fraction(d) < v:
            d = math.nextafter(d, math.inf)
        assert Fraction(d) >= v > Fraction(math.nextafter(d, 0.0))
        row.append(d.hex())
        if len(row) == 3 or j == 1620:
            print("    " + ", ".join(row) + ",")
            row = []
        v *= Fraction(101, 100)
    print("};")


def main():
    if sys.argv[1:] == ["--bounds"]:
        hist_table()
        return
    ln2 = mp.log(2)
    hi = mp.floor(ln2 * 2**42 + mp.mpf(0.5)) / 2**42
    print(f"#define TR__VLN2_HI {float(hi).hex()}")
    print(f"#define TR__VLN2_LO {float(ln2 - hi).hex()}")
    print(f"#define TR__VINV_LN2 {float(1 / ln2).hex()}")
    log_fit()
    exp_fit()
    mills_fit()
    hist_fit()


if __name__ == "__main__":
    main()
