/*
 * sampling.c - a config's precision targets and sampling method, read by
 * the loader's canonical form, the plan and the summary (model.h). Apart
 * from config.c so that canon.c, which config.c calls, need not call back.
 */
#include "model.h"

const tr__precision *tr__config_precision(const tr_config *cfg)
{
    return &cfg->precision;
}

const tr__sampling *tr__config_sampling(const tr_config *cfg)
{
    return &cfg->sampling;
}

bool tr__sampling_active(const tr__sampling *s)
{
    if (s->method == TR__SAMPLING_AUTO) return true;
    if (s->method != TR__SAMPLING_SHIFT) return false;
    for (size_t k = 0; k < s->n; k++)
        if (s->mu[k] != 0) return true;
    return false;
}

double tr__sampling_mu(const tr__sampling *s, int f)
{
    if (s->method != TR__SAMPLING_SHIFT) return 0;
    for (size_t k = 0; k < s->n; k++)
        if (s->factor[k] == f) return s->mu[k];
    return 0;
}
