/*
 * canon.c - putting a loaded config into canonical order, and its hash.
 *
 * docs/model.md promises that reordering a config changes no draw; trustrisk goes
 * further and promises that results.json is the same bytes for any order of
 * the trusts, schemes, consortia, factors, loadings and commissioners in the
 * file. Draws are already addressed by id (rng.h), but floating-point sums
 * (a trust's savings over its schemes, the system's bail-out over trusts, a
 * latent variable over its loadings) depend on the order of their terms. So
 * after validation the loader sorts every list by id (bytewise), remaps the
 * indices that point into them, and everything downstream (simulation and
 * output) works in that order. The order of `values` in a discrete
 * distribution is part of its meaning and is kept; so is the tie-break of
 * the lead consortium, which is decided before sorting.
 *
 * The config's sha256 is taken over a canonical serialisation of the
 * validated model (every field after defaults, in canonical order, numbers
 * as %.17g), so reformatting or reordering a file, or spelling out a
 * default, does not change it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "sha256.h"

#include "canon.h"

static int cmp_trust(const void *a, const void *b)
{
    return strcmp(((const tr__trust *)a)->id, ((const tr__trust *)b)->id);
}

static int cmp_scheme(const void *a, const void *b)
{
    return strcmp(((const tr__scheme *)a)->id, ((const tr__scheme *)b)->id);
}

typedef struct named_index {
    const char *name;
    size_t old;
} named_index;

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const named_index *)a)->name, ((const named_index *)b)->name);
}

/* Sort loadings by (remapped) factor index, carrying weights along. */
static void remap_loadings(tr__loadings *L, const int *fmap)
{
    for (size_t k = 0; k < L->n; k++)
        L->factor[k] = fmap[L->factor[k]];
    for (size_t k = 1; k < L->n; k++) { /* insertion sort: lists are short */
        int f = L->factor[k];
        double w = L->weight[k];
        size_t m = k;
        for (; m > 0 && L->factor[m - 1] > f; m--) {
            L->factor[m] = L->factor[m - 1];
            L->weight[m] = L->weight[m - 1];
        }
        L->factor[m] = f;
        L->weight[m] = w;
    }
}

static void remap_dist(tr__dist *d, const int *fmap)
{
    if (d->has_loadings) remap_loadings(&d->loadings, fmap);
}

/* The sampling's factors by (remapped) index, and its trust by id once the
 * trusts are sorted. */
static void remap_sampling(tr_config *cfg, const int *fmap)
{
    tr__sampling *s = &cfg->sampling;
    tr__loadings shift = {.n = s->n, .factor = s->factor, .weight = s->mu};
    remap_loadings(&shift, fmap);
    if (!s->trust_id) return;
    size_t lo = 0, hi = cfg->n_trusts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(cfg->trusts[mid].id, s->trust_id);
        if (d == 0) {
            s->trust = (int)mid;
            return;
        }
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
}

tr_status tr__config_canonicalize(tr_config *cfg, tr_error *err)
{
    size_t nf = cfg->n_factors, nc = cfg->n_consortia;
    int *fmap = malloc((nf + 1) * sizeof *fmap), *cmap = malloc((nc + 1) * sizeof *cmap);
    named_index *ix = malloc((nf > nc ? nf : nc) * sizeof *ix + 1);
    tr__factor *fcopy = malloc((nf + 1) * sizeof *fcopy);
    tr__consortium *ccopy = malloc((nc + 1) * sizeof *ccopy);
    if (!fmap || !cmap || !ix || !fcopy || !ccopy) {
        free(fmap);
        free(cmap);
        free(ix);
        free(fcopy);
        free(ccopy);
        return tr_error_add(err, TR_E_NOMEM, cfg->source, NULL, 0, 0, "out of memory");
    }

    /* Factors by name. */
    for (size_t f = 0; f < nf; f++)
        ix[f] = (named_index){cfg->factors[f].name, f};
    if (nf > 1) qsort(ix, nf, sizeof *ix, cmp_named);
    for (size_t k = 0; k < nf; k++) {
        fcopy[k] = cfg->factors[ix[k].old];
        fmap[ix[k].old] = (int)k;
    }
    if (nf) memcpy(cfg->factors, fcopy, nf * sizeof *fcopy);

    /* Consortia by id. */
    for (size_t c = 0; c < nc; c++)
        ix[c] = (named_index){cfg->consortia[c].id, c};
    if (nc > 1) qsort(ix, nc, sizeof *ix, cmp_named);
    for (size_t k = 0; k < nc; k++) {
        ccopy[k] = cfg->consortia[ix[k].old];
        cmap[ix[k].old] = (int)k;
    }
    if (nc) memcpy(cfg->consortia, ccopy, nc * sizeof *ccopy);

    /* Trusts, their commissioners, schemes and every loading. */
    if (cfg->n_trusts > 1) qsort(cfg->trusts, cfg->n_trusts, sizeof *cfg->trusts, cmp_trust);
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        tr__trust *t = &cfg->trusts[i];
        if (t->lead_consortium >= 0) t->lead_consortium = cmap[t->lead_consortium];
        for (size_t k = 0; k < t->n_commissioners; k++)
            t->commissioners[k].consortium = cmap[t->commissioners[k].consortium];
        for (size_t k = 1; k < t->n_commissioners; k++) {
            tr__commissioner c = t->commissioners[k];
            size_t m = k;
            for (; m > 0 && t->commissioners[m - 1].consortium > c.consortium; m--)
                t->commissioners[m] = t->commissioners[m - 1];
            t->commissioners[m] = c;
        }
        remap_loadings(&t->loadings, fmap);
        remap_dist(&t->income_growth, fmap);
        remap_dist(&t->cost_growth, fmap);
        if (t->n_schemes > 1) qsort(t->schemes, t->n_schemes, sizeof *t->schemes, cmp_scheme);
        for (size_t j = 0; j < t->n_schemes; j++) {
            tr__scheme *s = &t->schemes[j];
            remap_loadings(&s->loadings, fmap);
            remap_dist(&s->delivery, fmap);
            remap_dist(&s->slippage, fmap);
            if (s->has_stay) remap_dist(&s->stay_delay, fmap);
            if (s->has_compromise) remap_dist(&s->retained, fmap);
        }
    }
    remap_sampling(cfg, fmap);
    free(fmap);
    free(cmap);
    free(ix);
    free(fcopy);
    free(ccopy);
    tr__config_hash(cfg, cfg->sha256);
    return TR_OK;
}

/* ---- canonical serialisation into the hash ----------------------------- */

static void put(tr__sha256_ctx *h, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#include <stdarg.h>

static void put(tr__sha256_ctx *h, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0) tr__sha256_update(h, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void put_str(tr__sha256_ctx *h, const char *key, const char *s)
{
    if (!s) s = "";
    put(h, "%s:%zu:", key, strlen(s));
    tr__sha256_update(h, s, strlen(s));
    tr__sha256_update(h, ";", 1);
}

static void put_num(tr__sha256_ctx *h, const char *key, double x)
{
    put(h, "%s=%.17g;", key, x + 0.0); /* + 0.0: -0 hashes as 0 */
}

static void put_loadings(tr__sha256_ctx *h, const tr__loadings *L)
{
    put(h, "L%zu[", L->n);
    for (size_t k = 0; k < L->n; k++)
        put(h, "%d:%.17g,", L->factor[k], L->weight[k] + 0.0);
    put(h, "]");
}

static void put_dist(tr__sha256_ctx *h, const char *key, const tr__dist *d)
{
    put(h, "%s{k%d;", key, (int)d->kind);
    put_num(h, "v", d->value);
    put_num(h, "a", d->min);
    put_num(h, "m", d->mode);
    put_num(h, "b", d->max);
    put_num(h, "l", d->lambda);
    put_num(h, "mu", d->mean);
    put_num(h, "sd", d->sd);
    put_num(h, "med", d->median);
    put_num(h, "sig", d->sigma);
    put(h, "n%zu[", d->n);
    for (size_t k = 0; k < d->n; k++)
        put(h, "%.17g:%.17g,", d->values[k] + 0.0, d->probs[k] + 0.0);
    put(h, "]");
    if (d->has_loadings) put_loadings(h, &d->loadings);
    put(h, "}");
}

/*
 * "precision" and "sampling", after everything else, and only when they
 * say something: a config without them, with plain sampling, or with a
 * shift whose every mu is 0 (which is plain sampling) hashes as it did
 * before they existed, so its results.json keeps its bytes. A shift is
 * hashed without its zero entries, which shift nothing. A precision target
 * is part of the hash as "paths" is: both say how much to simulate, and
 * the command line overrides both.
 */
static void put_run_settings(tr__sha256_ctx *h, const tr_config *cfg)
{
    const tr__precision *p = &cfg->precision;
    if (p->set) {
        put(h, "precision;");
        put_num(h, "se", p->se);
        put_num(h, "rel", p->rel);
    }
    const tr__sampling *s = &cfg->sampling;
    if (!tr__sampling_active(s)) return;
    if (s->method == TR__SAMPLING_SHIFT) {
        put(h, "shift[");
        for (size_t k = 0; k < s->n; k++)
            if (s->mu[k] != 0) put(h, "%d:%.17g,", s->factor[k], s->mu[k] + 0.0);
        put(h, "]");
    } else {
        put(h, "auto{event%d;k%zu;trust%d;", (int)s->event, s->k, s->trust);
        put_num(h, "x", s->x);
        put(h, "pilot%llu;}", (unsigned long long)s->pilot_paths);
    }
}

void tr__config_hash(const tr_config *cfg, char hex[65])
{
    tr__sha256_ctx h;
    tr__sha256_init(&h);
    put(&h, "trustrisk-config-v1;");
    put_str(&h, "name", cfg->name);
    put_str(&h, "notes", cfg->notes);
    put(&h, "H%d;P%llu;S%llu;C%d;", cfg->horizon, (unsigned long long)cfg->paths,
        (unsigned long long)cfg->seed, (int)cfg->copula);
    if (cfg->copula == TR__COPULA_T) put_num(&h, "dof", cfg->dof);
    for (size_t f = 0; f < cfg->n_factors; f++) {
        put_str(&h, "factor", cfg->factors[f].name);
        put(&h, "scope%d;", (int)cfg->factors[f].scope);
    }
    for (size_t c = 0; c < cfg->n_consortia; c++) {
        const tr__consortium *k = &cfg->consortia[c];
        put_str(&h, "consortium", k->id);
        put_str(&h, "name", k->name);
        put_str(&h, "notes", k->notes);
        put_num(&h, "reserve", k->reserve);
    }
    for (size_t i = 0; i < cfg->n_trusts; i++) {
        const tr__trust *t = &cfg->trusts[i];
        put_str(&h, "trust", t->id);
        put_str(&h, "name", t->name);
        put_str(&h, "notes", t->notes);
        put_num(&h, "cash", t->cash);
        put_num(&h, "min_cash", t->min_cash);
        put_num(&h, "facility", t->facility);
        put_num(&h, "income", t->income);
        put_num(&h, "expenditure", t->expenditure);
        put_num(&h, "fixed", t->fixed_charges);
        put_num(&h, "index", t->fixed_indexation);
        put_dist(&h, "ig", &t->income_growth);
        put_dist(&h, "cg", &t->cost_growth);
        put_num(&h, "noise", t->cash_noise);
        put_num(&h, "buffer", t->bailout_buffer);
        put(&h, "lead%d;", t->lead_consortium);
        for (size_t k = 0; k < t->n_commissioners; k++)
            put(&h, "com%d:%.17g;", t->commissioners[k].consortium,
                t->commissioners[k].share + 0.0);
        put_loadings(&h, &t->loadings);
        for (size_t j = 0; j < t->n_schemes; j++) {
            const tr__scheme *s = &t->schemes[j];
            put_str(&h, "scheme", s->id);
            put_str(&h, "name", s->name);
            put_str(&h, "notes", s->notes);
            put(&h, "kind%d;rec%d;", (int)s->kind, (int)s->recurrent);
            put_num(&h, "saving", s->saving);
            put_num(&h, "start", s->start_month);
            put_num(&h, "ramp", s->ramp_months);
            put_dist(&h, "delivery", &s->delivery);
            put_num(&h, "paper", s->paper);
            put_dist(&h, "slippage", &s->slippage);
            if (s->has_stay) {
                put_num(&h, "stay", s->stay_probability);
                put_dist(&h, "delay", &s->stay_delay);
            }
            if (s->has_compromise) {
                put_num(&h, "comp", s->compromise_probability);
                put_dist(&h, "retained", &s->retained);
            }
            put_num(&h, "oneoff", s->one_off_cost);
            put_loadings(&h, &s->loadings);
        }
    }
    put_run_settings(&h, cfg);
    unsigned char dig[32];
    tr__sha256_final(&h, dig);
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", dig[k]);
}
