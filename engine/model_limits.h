/*
 * model_limits.h - the limits of what a config may describe, and the
 * defaults of a run (private; checked by the loader, config.c, and
 * documented in configs/README.md).
 *
 * The limits a library caller can meet (paths, the path block, the size of
 * a config file) are public, in trustrisk/limits.h. This header is not
 * called limits.h so that it never shadows the C library's <limits.h>
 * (engine/ is on the include path of the library and the tests).
 */
#ifndef TR_MODEL_LIMITS_H
#define TR_MODEL_LIMITS_H

#include "trustrisk/limits.h"

/* Limits that keep a config sane. */
#define TR_MAX_HORIZON 120 /* months */
#define TR_MAX_TRUSTS 100000
#define TR_MAX_SCHEMES_PER_TRUST 10000
#define TR_MAX_FACTORS 1000
#define TR_MAX_CONSORTIA 10000
#define TR_MAX_DISCRETE_VALUES 10000
#define TR_MAX_MONEY 1e6           /* £m: any money field's absolute value */
#define TR_MAX_MONTHS_PARAM 1200.0 /* months: start_month and ramp_months */
/* Beta shapes (alpha, beta) of a beta or pert distribution: the range on which
 * the quantile tables (dist.c) are tested to TR__QTABLE_TOL and build in tens
 * of milliseconds. Below 0.01 (both shapes small: almost all the mass at min
 * and max) the tables miss their accuracy; GSL's incomplete beta function
 * fails from about 6e5 (tests/test_edges.c tests both sides). */
#define TR_BETA_SHAPE_MIN 0.01
#define TR_BETA_SHAPE_MAX 1e5
/* A t copula with at least this many degrees of freedom is computed as the
 * Gaussian copula: T_nu differs from Phi by at most 1.2e-5 relative over the
 * whole clamped range of U (7e-7 at |x| = 4), below what any run can
 * resolve, and the t functions lose accuracy or fail beyond it (the tabulated
 * CDF from about 3.5e8, GSL's t quantile from about 9e15; tested below it in
 * tests/test_edges.c). */
#define TR_T_DOF_GAUSSIAN 1e8
/* Importance sampling (docs/model.md section 11): the largest shift of a
 * factor, in standard deviations (a shift of 10 weights a path by up to
 * exp(50) against the plain measure: beyond it the estimate is all noise),
 * and the size of the pilot that chooses an automatic shift. */
#define TR_MAX_SHIFT 10.0
#define TR_PILOT_PATHS_MIN 1000
#define TR_PILOT_PATHS_MAX 10000000
#define TR_DEFAULT_PILOT_PATHS 10000
#define TR_DEFAULT_PATHS 10000
#define TR_DEFAULT_SEED 1

#endif /* TR_MODEL_LIMITS_H */
