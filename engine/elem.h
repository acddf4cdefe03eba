/*
 * elem.h - the copula and the pieces of an element's draw shared by the
 * reference simulator (sim.c) and the block kernel (kernel.c) (private).
 *
 * Both must give the same bits for the same path, so the arithmetic they
 * have in common is written once here; each keeps its own loops.
 */
#ifndef TR_ELEM_H
#define TR_ELEM_H

#include <math.h>

#include "dist.h"
#include "plan.h"
#include "rng.h"
#include "vmath.h"

/* U clamped to [2^-53, 1 - 2^-53], so unbounded families never see 0 or 1. */
static inline double tr__clamp_u(double u)
{
    return u < TR__U_LO ? TR__U_LO : (u > TR__U_HI ? TR__U_HI : u);
}

/* The slot of factor f's draw that trust i uses (its own for trust-scoped
 * factors, its lead consortium's for consortium-scoped ones: the loader
 * guarantees one wherever such a factor is loaded). */
static inline size_t tr__factor_slot(const tr__plan *pl, int f, size_t trust)
{
    const tr_config *cfg = pl->cfg;
    size_t off = pl->zoff[f];
    switch (cfg->factors[f].scope) {
    case TR__SCOPE_CONSORTIUM:
        return off + (size_t)cfg->trusts[trust].lead_consortium;
    case TR__SCOPE_TRUST:
        return off + trust;
    default:
        return off;
    }
}

/* Is U simply the element's own uniform (no loadings, Gaussian copula)? */
static inline int tr__plain(const tr__plan *pl, const tr__loadings *L)
{
    return L->n == 0 && !tr__t_copula(pl->cfg);
}

/* U from the copula's argument: Phi(x) or T_nu(x), clamped. */
static inline double tr__latent_to_u(const tr__plan *pl, double x)
{
    const tr_config *cfg = pl->cfg;
    if (!tr__t_copula(cfg)) return tr__clamp_u(tr__norm_cdf(x));
    const tr__tcdf *t = pl->tcdf;
    return tr__clamp_u(t ? tr__tcdf_eval(t, x) : tr__t_cdf(x, cfg->dof));
}

/* An element's loadings: its distribution's own if it has them, else its
 * owner's (the scheme or the trust). */
static inline const tr__loadings *tr__pick(const tr__dist *d, const tr__loadings *owner)
{
    return d->has_loadings ? &d->loadings : owner;
}

/* max(0, x) (fmax without the call; x is never NaN). */
static inline double tr__max0(double x)
{
    return x > 0.0 ? x : 0.0;
}

/* Is a distribution random at all? A fixed one needs no draw. */
static inline int tr__is_random(const tr__dist *d)
{
    return d->kind != TR__DIST_FIXED;
}

/* Income growth factor per month, (1 + g)^(1/12) (1 for g = 0; growth
 * below -100 % is -100 %). */
static inline double tr__monthly_factor(double g)
{
    return g == 0.0 ? 1.0 : tr__vpow(tr__max0(1.0 + g), 1.0 / 12.0);
}

#endif /* TR_ELEM_H */
