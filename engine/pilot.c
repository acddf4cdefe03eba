/*
 * pilot.c - the automatic shift of importance sampling (pilot.h): a
 * cross-entropy pilot on paths the run never uses.
 *
 * The factors that may be shifted are the global and consortium-scoped
 * ones; a consortium-scoped factor takes one shift for all its draws. Each
 * step simulates the pilot's paths under the current shift and scores
 * every path by how near it comes to the event: the number of trusts
 * failing (plus B / (1 + B), B the system's bail-out, to break ties); the
 * system's bail-out; for one trust, +infinity when it fails, else minus its
 * lowest month-end cash. Paths with equal scores are ranked by the sum of
 * their shiftable factor draws, a high draw being adverse, so that a model
 * whose outcomes move only when a rare event happens still climbs towards
 * it. The elite is the best 10 % of the paths, or, once at least 1 % of
 * them are in the event, those. The next shift of each factor is the mean
 * of its (shifted) draws over the elite, each path weighted by its
 * likelihood ratio: the cross-entropy update of a normal mean. The pilot
 * stops after the first step whose elite was the event itself, or after
 * TR__PILOT_STEPS steps. Single-threaded and in path order, so the shift is
 * a function of (config, seed) alone.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pilot.h"
#include "kernel.h"

#define PILOT_FIRST (UINT64_C(1) << 32) /* beyond every run's paths (TR_MAX_PATHS) */
#define ELITE 0.1                       /* the share of paths a step keeps */
#define MIN_HITS 0.01                   /* the share in the event that ends the pilot */

/* How near lane l of chunk ch comes to the event, and whether it is in
 * it. Discrete scores get a tie-break within [0, 1) so that quantiles move
 * from step to step. */
static double score(const tr__plan *pl, const tr__sampling *smp, const tr__chunk_out *ch, size_t l,
                    int *in)
{
    const size_t C = TR__CHUNK;
    switch (smp->event) {
    case TR__EVENT_FAILURES_AT_LEAST: {
        double bo = ch->sys_bo[l];
        *in = (size_t)ch->nfail[l] >= smp->k;
        return (double)ch->nfail[l] + bo / (1.0 + bo);
    }
    case TR__EVENT_TOTAL_BAILOUT_ABOVE:
        *in = ch->sys_bo[l] > smp->x;
        return ch->sys_bo[l];
    case TR__EVENT_TRUST_FAILS: {
        size_t i = (size_t)smp->trust, H = (size_t)pl->horizon;
        *in = ch->fail[i * C + l] != 0;
        if (*in) return INFINITY;
        const double *cash = ch->cash + (i * C + ch->cref[i * C + l]) * H;
        double lo = INFINITY;
        for (size_t t = 0; t < H; t++)
            lo = fmin(lo, cash[t]);
        return -lo;
    }
    }
    *in = 0;
    return 0.0;
}

/* A path's place in the ranking: by score, then (ties: a model whose
 * outcome moves only when an event happens scores every path alike until
 * it does) by the sum of the shiftable factors' draws, a high draw being
 * adverse; then by index. */
typedef struct rank {
    double s, t;
    size_t p;
} rank;

static int by_score(const void *a, const void *b)
{
    const rank *x = a, *y = b;
    if (x->s != y->s) return x->s > y->s ? -1 : 1;
    if (x->t != y->t) return x->t > y->t ? -1 : 1;
    return (x->p > y->p) - (x->p < y->p);
}

/* The factors a shift may move. */
static int shiftable(const tr_config *cfg, size_t f)
{
    return cfg->factors[f].scope == TR__SCOPE_GLOBAL ||
           (cfg->factors[f].scope == TR__SCOPE_CONSORTIUM && cfg->n_consortia > 0);
}

typedef struct pilot_mem {
    double *s, *t, *L, *zbar; /* per path; zbar: per path and factor */
    rank *order;              /* the paths, best first */
    unsigned char *in;
} pilot_mem;

static void mem_free(pilot_mem *m)
{
    free(m->s);
    free(m->t);
    free(m->order);
    free(m->L);
    free(m->zbar);
    free(m->in);
}

/* One step: simulate the pilot's paths under the plan's shift, chunk by
 * chunk on the fast kernel. */
static void simulate(tr__kws *kw, tr__chunk_out *ch, const tr__sampling *smp, uint64_t seed,
                     uint64_t n, pilot_mem *m)
{
    const tr__plan *pl = kw->plan;
    const tr_config *cfg = pl->cfg;
    size_t nf = cfg->n_factors;
    for (uint64_t p0 = 0; p0 < n; p0 += TR__CHUNK) {
        size_t c = n - p0 < TR__CHUNK ? (size_t)(n - p0) : TR__CHUNK;
        tr__kernel_chunk_fast(kw, seed, PILOT_FIRST + p0, c, ch);
        const double *z = tr__kernel_last_z(kw);
        for (size_t l = 0; l < c; l++) {
            uint64_t p = p0 + l;
            int in = 0;
            m->s[p] = score(pl, smp, ch, l, &in);
            m->in[p] = (unsigned char)in;
            m->L[p] = ch->w[l];
            m->t[p] = 0.0;
            for (size_t f = 0; f < nf; f++) {
                size_t lo = pl->zoff[f], hi = f + 1 < nf ? pl->zoff[f + 1] : pl->nz;
                double zs = 0.0;
                for (size_t j = lo; j < hi; j++)
                    zs += z[j * TR__CHUNK + l];
                m->zbar[p * nf + f] = hi > lo ? zs / (double)(hi - lo) : 0.0;
                if (shiftable(cfg, f)) m->t[p] += m->zbar[p * nf + f];
            }
        }
    }
}

tr_status tr__pilot_run(tr__plan *plan, uint64_t seed, tr_error *err)
{
    const tr_config *cfg = plan->cfg;
    const tr__sampling *smp = tr__config_sampling(cfg);
    if (smp->method != TR__SAMPLING_AUTO || !plan->mu_z) return TR_OK;
    uint64_t n = smp->pilot_paths;
    size_t nf = cfg->n_factors;
    pilot_mem m = {0};
    m.s = calloc(n, sizeof *m.s);
    m.t = calloc(n, sizeof *m.t);
    m.order = calloc(n, sizeof *m.order);
    m.L = calloc(n, sizeof *m.L);
    m.zbar = calloc(n * nf + 1, sizeof *m.zbar);
    m.in = calloc(n, 1);
    double *num = calloc(nf + 1, sizeof *num);
    tr__kws kw;
    tr__chunk_out ch;
    memset(&kw, 0, sizeof kw);
    memset(&ch, 0, sizeof ch);
    tr_status st = TR_OK;
    if (!m.s || !m.t || !m.order || !m.L || !m.zbar || !m.in || !num)
        st = tr_error_add(err, TR_E_NOMEM, cfg->source, "sampling.auto", 0, 0,
                          "out of memory for the pilot's %llu paths", (unsigned long long)n);
    if (st == TR_OK) st = tr__kws_init(&kw, plan, err);
    if (st == TR_OK) st = tr__chunk_init(&ch, plan, err);
    plan->pilot = (tr__pilot_info){.automatic = 1, .paths = n};
    for (unsigned it = 0; st == TR_OK && it < TR__PILOT_STEPS; it++) {
        simulate(&kw, &ch, smp, seed, n, &m);
        for (uint64_t p = 0; p < n; p++)
            m.order[p] = (rank){m.s[p], m.t[p], (size_t)p};
        qsort(m.order, n, sizeof *m.order, by_score);
        uint64_t hits = 0;
        for (uint64_t p = 0; p < n; p++)
            hits += m.in[p];
        /* the elite: the best ELITE of the paths, or the event itself once
         * enough paths reach it */
        int final = hits >= (uint64_t)((double)n * MIN_HITS);
        uint64_t ne = final ? hits : (uint64_t)ceil((double)n * ELITE);
        double gamma = m.order[ne - 1].s;
        double den = 0.0;
        memset(num, 0, nf * sizeof *num);
        for (uint64_t r = 0; r < ne; r++) {
            size_t p = m.order[r].p;
            den += m.L[p];
            for (size_t f = 0; f < nf; f++)
                num[f] += m.L[p] * m.zbar[p * nf + f];
        }
        plan->pilot.iterations = it + 1;
        plan->pilot.level = gamma;
        plan->pilot.reached = final;
        plan->pilot.hit_rate = (double)hits / (double)n;
        if (den > 0.0)
            for (size_t f = 0; f < nf; f++)
                if (shiftable(cfg, f))
                    tr__plan_shift_factor(
                        plan, f, fmax(-TR__PILOT_MU_MAX, fmin(TR__PILOT_MU_MAX, num[f] / den)));
        if (final) break;
    }
    tr__chunk_free(&ch);
    tr__kws_free(&kw);
    mem_free(&m);
    free(num);
    return st;
}
