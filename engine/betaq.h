/*
 * betaq.h - a fast, deterministic Beta(a, b) quantile function (private).
 *
 * The beta and pert families are sampled by inverting the Beta CDF. A
 * tr__betaq holds a piecewise polynomial approximation of the quantile Q(u)
 * of one Beta(a, b) shape (betaq.c says how it is built: about 110 pieces,
 * each from one CDF value, with no root search). Evaluation uses nothing but
 * + - * and integer operations, so the same u gives the same bits from
 * tr__betaq_eval and from every lane of tr__betaq_eval_n, whatever x86-64
 * instruction set the file is compiled for.
 *
 * Accuracy, for a and b in [TR__BETAQ_SHAPE_MIN, TR__BETAQ_SHAPE_MAX]
 * (measured against a Newton inverse on GSL's incomplete beta function on
 * every pair of shapes of a grid over that range, and against mpmath for
 * Beta(1e6, 1e6), where GSL gives up; tests/test_betaq.c):
 *   - |tr__betaq_eval(q, u) - Q(u)| <= TR__BETAQ_TOL for every u in
 *     [2^-53, 1 - 2^-53], the engine's uniforms (a stronger promise than
 *     the old table's, which held for [2^-40, 1 - 2^-40] and called the
 *     exact inverse beyond); measured worst 2.5e-10;
 *   - in the tails the error is also relative: at most TR__BETAQ_RTOL Q(u)
 *     for u < 1/2 and at most TR__BETAQ_RTOL (1 - Q(u)) + 2^-53 for
 *     u >= 1/2 (the result is a double near 1 there), wherever that tail
 *     quantile is at least TR__BETAQ_ZERO; below that it may come back as 0
 *     (or 1 - 0 = 1); measured worst 1.3e-7;
 *   - the result is non-decreasing in u up to 2^-52 (results for u >= 1/2
 *     are computed as 1 - y and so lie on a grid of 2^-53 near 1) or a few
 *     units in the last place, lies in [0, 1], and is continuous across the
 *     pieces up to rounding.
 * u below 2^-53 is treated as 2^-53; u <= 0 gives 0, u >= 1 gives 1, NaN
 * gives NaN. Shapes outside the range above are tried too: tables for a and
 * b from 0.005 to 1e8 have built, and a table that builds has met its
 * tolerances piece by piece; shapes it cannot follow (0.002 and 0.002,
 * 1e12) are refused with TR_E_INTERNAL.
 *
 * A built table is read-only: one table may be shared by every thread.
 */
#ifndef TR_BETAQ_H
#define TR_BETAQ_H

#include <stddef.h>

#include "trustrisk/error.h"

#define TR__BETAQ_TOL 1e-9
#define TR__BETAQ_RTOL 1e-6
#define TR__BETAQ_ZERO 1e-150
#define TR__BETAQ_SHAPE_MIN 0.01
#define TR__BETAQ_SHAPE_MAX 1e6

typedef struct tr__betaq tr__betaq;

/* Build the quantile table of Beta(a, b) into a fresh allocation (*out;
 * free it with tr__betaq_free). About 60 us and 9-10 KB for shapes from 0.3
 * up (half that for a == b, whose two sides are shared), more for smaller
 * shapes (up to about 1 ms and 50 KB at 0.01).
 * Returns TR_OK; TR_E_INPUT for shapes that are not finite and positive;
 * TR_E_NOMEM; or TR_E_INTERNAL for shapes the table cannot follow to the
 * promised accuracy. On failure *out is NULL and err says why. */
tr_status tr__betaq_build(double a, double b, tr__betaq **out, tr_error *err);

/* Free a table; NULL allowed. */
void tr__betaq_free(tr__betaq *q);

/* The Beta(a, b) quantile of u (see above for the accuracy). */
double tr__betaq_eval(const tr__betaq *q, double u);

/* x[i] = tr__betaq_eval(q, u[i]) for i < n, bit for bit; u and x may be the
 * same array (not otherwise overlapping). Vectorised by gcc -O3 for SSE2,
 * AVX2 and AVX-512 alike. */
void tr__betaq_eval_n(const tr__betaq *q, const double *u, double *x, size_t n);

/* The shapes the table was built for. */
double tr__betaq_alpha(const tr__betaq *q);
double tr__betaq_beta(const tr__betaq *q);

/* The worst absolute error the build estimated (interpolation error at the
 * check points, the expansions' truncation and the disagreement of
 * neighbouring expansions); 0 for NULL. */
double tr__betaq_error(const tr__betaq *q);

/* Bytes the table occupies (header, index and coefficients); 0 for NULL. */
size_t tr__betaq_bytes(const tr__betaq *q);

/* Polynomial pieces in the table (for benchmarks and tests); 0 for NULL. */
size_t tr__betaq_pieces(const tr__betaq *q);

#endif /* TR_BETAQ_H */
