/*
 * sensitivity.c - one-at-a-time bumps of a config's assumptions, run as
 * batches against the base on the same paths, and ranked by their effect
 * (trustrisk/sensitivity.h; docs/sensitivity.md for the analyst).
 *
 * A bump is an overlay (batch.h) on the base config, made here from the
 * validated model (model.h), so that defaults (a scheme without "delivery"
 * delivers fixed 1, a pert's lambda is 4) are bumped as the engine sees
 * them. Each bumped config is merged and loaded once when the plan is made:
 * a bump the loader refuses, or one whose config is the base's (same
 * sha256), is skipped with the reason rather than failing the analysis.
 *
 * The bumps then run in groups, each group a batch manifest built in memory
 * with the base first (its reference). Each scenario's paired comparison
 * with the base depends only on the two configs, the seed and the paths,
 * never on the other scenarios of its batch, so the grouping (which keeps
 * memory bounded for big configs) changes no number. Only the deltas, their
 * standard errors and the base's means are kept: three numbers per bump and
 * quantity.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "compare.h"
#include "dist.h"
#include "jsonout.h"
#include "model.h"
#include "results.h"
#include "text.h"
#include "trustrisk/batch.h"
#include "trustrisk/sensitivity.h"
#include "trustrisk/version.h"

/* Kinds of bump, in the order a scheme's are made. */
enum { K_DELIVERY, K_SLIPPAGE, K_PAPER, K_STAY, K_COMPROMISE, K_GROWTH, K_RESERVE, K_N };
static const char *const KIND_NAMES[K_N] = {"delivery",   "slippage",    "paper",  "stay",
                                            "compromise", "cost_growth", "reserve"};

/* The system's quantities, in comparison order (compare.h). */
static const char *const SYS_NAMES[TR__CSYS_N] = {"failures", "bailout", "national_topup"};

/* The 95 % normal quantile, as compare.c uses it. */
#define Z95 1.959963984540054

/* ---- sizes ---------------------------------------------------------------- */

void tr_sensitivity_sizes_init(tr_sensitivity_sizes *s)
{
    s->delivery = 0.10;
    s->slippage = 1.5;
    s->probability = 0.10;
    s->cost_growth = 0.01;
    s->reserve = 0.5;
}

static tr_status check_size(const char *name, double x, double lo, double hi, bool lo_open,
                            tr_error *err)
{
    if (isfinite(x) && (lo_open ? x > lo : x >= lo) && x <= hi) return TR_OK;
    return tr_error_add(err, TR_E_INPUT, NULL, name, 0, 0, "must be in %s%g, %g] (got %g)",
                        lo_open ? "(" : "[", lo, hi, x);
}

tr_status tr_sensitivity_sizes_check(const tr_sensitivity_sizes *s, tr_error *err)
{
    tr_status st = TR_OK;
    if (check_size("delivery", s->delivery, 0, 1, true, err)) st = TR_E_INPUT;
    if (check_size("slippage", s->slippage, 1, 100, true, err)) st = TR_E_INPUT;
    if (check_size("probability", s->probability, 0, 1, true, err)) st = TR_E_INPUT;
    if (check_size("cost_growth", s->cost_growth, 0, 1, true, err)) st = TR_E_INPUT;
    if (check_size("reserve", s->reserve, 0, 1, true, err)) st = TR_E_INPUT;
    return st;
}

/* ---- distributions -------------------------------------------------------- */

/* A parameter as a person would write it: 15 significant digits, so that
 * 0.75 - 0.1 is written 0.65 and not 0.6499999999999999. */
static double tidy(double x)
{
    char s[40];
    snprintf(s, sizeof s, "%.15g", x);
    return strtod(s, NULL);
}

static double dist_mean(const tr__dist *d)
{
    switch (d->kind) {
    case TR__DIST_FIXED:
        return d->value;
    case TR__DIST_UNIFORM:
        return 0.5 * (d->min + d->max);
    case TR__DIST_TRIANGULAR:
        return (d->min + d->mode + d->max) / 3.0;
    case TR__DIST_PERT:
        return (d->min + d->lambda * d->mode + d->max) / (d->lambda + 2.0);
    case TR__DIST_BETA:
    case TR__DIST_NORMAL:
        return d->mean;
    case TR__DIST_LOGNORMAL:
        return d->median * exp(0.5 * d->sigma * d->sigma);
    case TR__DIST_DISCRETE: {
        double m = 0;
        for (size_t k = 0; k < d->n; k++)
            m += d->probs[k] * d->values[k];
        return m;
    }
    }
    return NAN;
}

/* The lowest value a distribution takes (-inf for a normal). */
static double dist_lowest(const tr__dist *d)
{
    switch (d->kind) {
    case TR__DIST_FIXED:
        return d->value;
    case TR__DIST_DISCRETE: {
        double lo = INFINITY;
        for (size_t k = 0; k < d->n; k++)
            lo = fmin(lo, d->values[k]);
        return lo;
    }
    case TR__DIST_NORMAL:
        return -INFINITY;
    case TR__DIST_LOGNORMAL:
        return 0.0;
    default:
        return d->min;
    }
}

static const char *const DIST_NAMES[] = {"fixed", "uniform", "triangular", "pert",
                                         "beta",  "normal",  "lognormal",  "discrete"};

/* A distribution in a few words: "pert(0.4, 0.8, 1)", "beta(mean 0.75, sd 0.15)". */
static void dist_text(char *s, size_t n, const tr__dist *d)
{
    switch (d->kind) {
    case TR__DIST_FIXED:
        snprintf(s, n, "fixed %.4g", d->value);
        return;
    case TR__DIST_UNIFORM:
        snprintf(s, n, "uniform(%.4g, %.4g)", d->min, d->max);
        return;
    case TR__DIST_TRIANGULAR:
    case TR__DIST_PERT: {
        int w = snprintf(s, n, "%s(%.4g, %.4g, %.4g", DIST_NAMES[d->kind], d->min, d->mode, d->max);
        if (w > 0 && (size_t)w < n)
            snprintf(s + w, n - (size_t)w,
                     d->kind == TR__DIST_PERT && d->lambda != 4 ? "; lambda %.4g)" : ")",
                     d->lambda);
        return;
    }
    case TR__DIST_BETA: {
        int w = snprintf(s, n, "beta(mean %.4g, sd %.4g", d->mean, d->sd);
        if (w > 0 && (size_t)w < n)
            snprintf(s + w, n - (size_t)w, d->min != 0 || d->max != 1 ? " on [%.4g, %.4g])" : ")",
                     d->min, d->max);
        return;
    }
    case TR__DIST_NORMAL:
        snprintf(s, n, "normal(mean %.4g, sd %.4g)", d->mean, d->sd);
        return;
    case TR__DIST_LOGNORMAL:
        snprintf(s, n, "lognormal(median %.4g, sigma %.4g)", d->median, d->sigma);
        return;
    case TR__DIST_DISCRETE: {
        size_t w = (size_t)snprintf(s, n, "discrete(");
        for (size_t k = 0; k < d->n && w < n; k++)
            w += (size_t)snprintf(s + w, n - w, k ? ", %.4g" : "%.4g", d->values[k]);
        if (w < n) snprintf(s + w, n - w, ")");
        return;
    }
    }
}

/* The parameters each family's JSON object holds. */
static const char *const PARAMS[][5] = {
    [TR__DIST_FIXED] = {"value"},
    [TR__DIST_UNIFORM] = {"min", "max"},
    [TR__DIST_TRIANGULAR] = {"min", "mode", "max"},
    [TR__DIST_PERT] = {"min", "mode", "max", "lambda"},
    [TR__DIST_BETA] = {"mean", "sd", "min", "max"},
    [TR__DIST_NORMAL] = {"mean", "sd"},
    [TR__DIST_LOGNORMAL] = {"median", "sigma"},
    [TR__DIST_DISCRETE] = {"values", "probs"},
};

static bool has_param(tr__dist_kind k, const char *p)
{
    for (int i = 0; i < 5 && PARAMS[k][i]; i++)
        if (strcmp(PARAMS[k][i], p) == 0) return true;
    return false;
}

static double param(const tr__dist *d, const char *p)
{
    if (strcmp(p, "value") == 0) return d->value;
    if (strcmp(p, "min") == 0) return d->min;
    if (strcmp(p, "mode") == 0) return d->mode;
    if (strcmp(p, "max") == 0) return d->max;
    if (strcmp(p, "lambda") == 0) return d->lambda;
    if (strcmp(p, "mean") == 0) return d->mean;
    if (strcmp(p, "sd") == 0) return d->sd;
    if (strcmp(p, "median") == 0) return d->median;
    return d->sigma;
}

/* The overlay of a distribution object that turns `old` into `d`: its
 * family and every parameter, and null for a parameter of the old family
 * the new one lacks (its "factors" are not touched). */
static cJSON *dist_json(const tr__dist *d, const tr__dist *old)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddStringToObject(o, "dist", DIST_NAMES[d->kind]);
    for (int i = 0; i < 5 && PARAMS[d->kind][i]; i++) {
        const char *p = PARAMS[d->kind][i];
        if (d->kind == TR__DIST_DISCRETE) {
            cJSON_AddItemToObject(
                o, p, cJSON_CreateDoubleArray(p[0] == 'v' ? d->values : d->probs, (int)d->n));
        } else {
            cJSON_AddNumberToObject(o, p, param(d, p));
        }
    }
    for (int i = 0; i < 5 && PARAMS[old->kind][i]; i++)
        if (!has_param(d->kind, PARAMS[old->kind][i]))
            cJSON_AddNullToObject(o, PARAMS[old->kind][i]);
    return o;
}

/* A copy of `d` that owns its own discrete values (its probs are shared). */
static bool dist_copy(tr__dist *out, const tr__dist *d)
{
    *out = *d;
    out->values = NULL;
    if (d->kind != TR__DIST_DISCRETE) return true;
    out->values = malloc(d->n * sizeof *out->values);
    if (!out->values) return false;
    memcpy(out->values, d->values, d->n * sizeof *out->values);
    return true;
}

static void set_fixed(tr__dist *d, double v)
{
    free(d->values);
    d->values = NULL;
    d->kind = TR__DIST_FIXED;
    d->value = v;
}

/*
 * The delivered fraction's mean down by b (see sensitivity.h). No value
 * goes below F = min(0, the lowest value the distribution takes): a
 * parameter that would is set to F, and a family whose whole range
 * collapses onto F becomes fixed F. Returns false, with *why, when the mean
 * cannot fall at all.
 */
static bool lower_mean(tr__dist *d, double b, const char **why)
{
    double F = fmin(0.0, dist_lowest(d)), before = dist_mean(d);
    switch (d->kind) {
    case TR__DIST_FIXED:
        d->value = tidy(fmax(d->value - b, F));
        break;
    case TR__DIST_UNIFORM:
    case TR__DIST_TRIANGULAR:
    case TR__DIST_PERT:
        d->min = tidy(fmax(d->min - b, F));
        d->mode = tidy(fmax(d->mode - b, F));
        d->max = tidy(fmax(d->max - b, F));
        if (d->max <= d->min) set_fixed(d, F);
        break;
    case TR__DIST_DISCRETE:
        for (size_t k = 0; k < d->n; k++)
            d->values[k] = tidy(fmax(d->values[k] - b, F));
        break;
    case TR__DIST_NORMAL:
        d->mean = tidy(d->mean - b);
        break;
    case TR__DIST_LOGNORMAL: {
        double m = dist_mean(d);
        if (!(m > b)) {
            *why = "a lognormal's mean cannot fall by the bump and stay above 0";
            return false;
        }
        d->median = tidy(d->median * (m - b) / m);
        break;
    }
    case TR__DIST_BETA: {
        /* Keep the range and the concentration k = alpha + beta: the mean
         * p of the standardised Beta falls, alpha = p k stays at least
         * TR_BETA_SHAPE_MIN and beta = (1 - p) k at most TR_BETA_SHAPE_MAX
         * (the shapes the engine supports). */
        double w = d->max - d->min, p = (d->mean - d->min) / w, v = (d->sd / w) * (d->sd / w);
        double k = p * (1 - p) / v - 1;
        double lo = fmax(TR_BETA_SHAPE_MIN / k, 1 - TR_BETA_SHAPE_MAX / k) * (1 + 1e-9);
        double mean = d->mean - b, q = (mean - d->min) / w;
        if (q < lo) {
            q = lo;
            mean = d->min + q * w;
        }
        if (!(q < p)) {
            *why = "the beta's mean is already as low as its concentration allows";
            return false;
        }
        d->mean = tidy(mean);
        q = (d->mean - d->min) / w;
        d->sd = tidy(w * sqrt(q * (1 - q) / (k + 1)));
        break;
    }
    }
    if (!(dist_mean(d) < before)) {
        *why = "the delivered fraction is already at its floor (0, or its lowest value)";
        return false;
    }
    return true;
}

/* The variable X becomes f X (slippage). */
static bool scale(tr__dist *d, double f, const char **why)
{
    (void)why;
    d->value = tidy(d->value * f);
    d->min = tidy(d->min * f);
    d->mode = tidy(d->mode * f);
    d->max = tidy(d->max * f);
    d->mean = tidy(d->mean * f);
    d->sd = tidy(d->sd * f);
    d->median = tidy(d->median * f);
    for (size_t k = 0; d->kind == TR__DIST_DISCRETE && k < d->n; k++)
        d->values[k] = tidy(d->values[k] * f);
    return true;
}

/* The variable X becomes X + g (cost growth); a lognormal, which cannot
 * shift, keeps its sigma and has its mean raised by g. */
static bool shift(tr__dist *d, double g, const char **why)
{
    (void)why;
    if (d->kind == TR__DIST_LOGNORMAL) {
        double m = dist_mean(d);
        d->median = tidy(d->median * (m + g) / m);
        return true;
    }
    d->value = tidy(d->value + g);
    d->min = tidy(d->min + g);
    d->mode = tidy(d->mode + g);
    d->max = tidy(d->max + g);
    d->mean = tidy(d->mean + g);
    for (size_t k = 0; d->kind == TR__DIST_DISCRETE && k < d->n; k++)
        d->values[k] = tidy(d->values[k] + g);
    return true;
}

/* ---- the plan ------------------------------------------------------------- */

typedef struct bump {
    tr_sensitivity_bump pub;
    char *strs[7]; /* owned: id, trust, scheme, consortium, description, overlay, reason */
    int kind;
} bump;

struct tr_sensitivity_plan {
    bump *run, *skip;
    size_t nrun, nskip, cap_run, cap_skip;
    const tr_config *cfg;
    tr_sensitivity_sizes sizes;
    bool nomem;
};

static void bump_free(bump *b)
{
    for (int k = 0; k < 7; k++)
        free(b->strs[k]);
}

void tr_sensitivity_plan_free(tr_sensitivity_plan *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nrun; i++)
        bump_free(&p->run[i]);
    for (size_t i = 0; i < p->nskip; i++)
        bump_free(&p->skip[i]);
    free(p->run);
    free(p->skip);
    free(p);
}

size_t tr_sensitivity_plan_count(const tr_sensitivity_plan *p)
{
    return p->nrun;
}

const tr_sensitivity_bump *tr_sensitivity_plan_bump(const tr_sensitivity_plan *p, size_t i)
{
    return i < p->nrun ? &p->run[i].pub : NULL;
}

size_t tr_sensitivity_plan_skipped_count(const tr_sensitivity_plan *p)
{
    return p->nskip;
}

const tr_sensitivity_bump *tr_sensitivity_plan_skipped(const tr_sensitivity_plan *p, size_t k)
{
    return k < p->nskip ? &p->skip[k].pub : NULL;
}

static char *dup_or_null(const char *s, bool *nomem)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) *nomem = true;
    return d;
}

/* A bump being made: what it is, and (to run) its overlay or (skipped) why not. */
typedef struct draft {
    int kind;
    const tr__trust *t;
    const tr__scheme *s;
    const tr__consortium *c;
    char desc[640];
    cJSON *value;       /* the new value of the member KIND_KEY names (owned) */
    const char *reason; /* skipped: why */
    char why[320];      /* a reason composed here */
    int capped;
} draft;

/* The overlay holding d->value where the bump's assumption lives. */
static cJSON *overlay_of(draft *d)
{
    static const char *const key[K_N] = {"delivery",   "slippage",    "paper",  "stay",
                                         "compromise", "cost_growth", "reserve"};
    cJSON *root = cJSON_CreateObject(), *leaf = NULL;
    if (!root) return NULL;
    if (d->kind == K_RESERVE) {
        cJSON *list = cJSON_AddArrayToObject(root, "consortia"), *e = cJSON_CreateObject();
        cJSON_AddItemToArray(list, e);
        cJSON_AddStringToObject(e, "id", d->c->id);
        leaf = e;
    } else {
        cJSON *list = cJSON_AddArrayToObject(root, "trusts"), *e = cJSON_CreateObject();
        cJSON_AddItemToArray(list, e);
        cJSON_AddStringToObject(e, "id", d->t->id);
        leaf = e;
        if (d->s) {
            cJSON *sl = cJSON_AddArrayToObject(e, "schemes"), *se = cJSON_CreateObject();
            cJSON_AddItemToArray(sl, se);
            cJSON_AddStringToObject(se, "id", d->s->id);
            leaf = se;
        }
    }
    if (d->kind == K_STAY || d->kind == K_COMPROMISE) {
        cJSON *ev = cJSON_AddObjectToObject(leaf, key[d->kind]);
        cJSON_AddItemToObject(ev, "probability", d->value);
    } else {
        cJSON_AddItemToObject(leaf, key[d->kind], d->value);
    }
    d->value = NULL;
    return root;
}

/* "KIND:TRUST/SCHEME" (or ":TRUST", ":CONSORTIUM"). */
static char *id_of(const draft *d)
{
    const char *a = d->c ? d->c->id : d->t->id, *b = d->s ? d->s->id : NULL;
    size_t n = strlen(KIND_NAMES[d->kind]) + strlen(a) + (b ? strlen(b) : 0) + 3;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s:%s%s%s", KIND_NAMES[d->kind], a, b ? "/" : "", b ? b : "");
    return s;
}

static bool grow(bump **a, size_t n, size_t *cap)
{
    if (n < *cap) return true;
    size_t c = *cap ? 2 * *cap : 16;
    bump *p = realloc(*a, c * sizeof *p);
    if (!p) return false;
    *a = p;
    *cap = c;
    return true;
}

/* Check the bumped config (merge, load; changed at all?) and file the bump
 * with the bumps that run or with the skipped. */
static void file_bump(tr_sensitivity_plan *p, draft *d)
{
    char *overlay = NULL, *merged = NULL;
    if (!d->reason) {
        cJSON *ov = overlay_of(d);
        overlay = ov ? cJSON_PrintUnformatted(ov) : NULL;
        cJSON_Delete(ov);
        if (!overlay) {
            p->nomem = true;
            return;
        }
        tr_error e;
        tr_error_init(&e);
        tr_config *c2 = NULL;
        if (tr_overlay_merge(p->cfg->text, p->cfg->text_len, overlay, strlen(overlay), &merged,
                             &e) == TR_OK)
            tr_config_load_buffer(merged, strlen(merged), "bumped config", &c2, &e);
        if (tr_error_status(&e) == TR_E_NOMEM) {
            p->nomem = true;
        } else if (!c2) {
            const tr_diag *g = e.count ? &e.diags[0] : NULL;
            snprintf(d->why, sizeof d->why, "the bumped config is refused: %s%s%s",
                     g && g->path ? g->path : "", g && g->path ? ": " : "",
                     g ? g->message : "no reason given");
            d->reason = d->why;
        } else if (strcmp(tr_config_sha256(c2), tr_config_sha256(p->cfg)) == 0) {
            d->reason = "the bumped config is the base config";
        }
        tr_config_free(c2);
        tr_error_clear(&e);
        free(merged);
    }
    cJSON_Delete(d->value);
    d->value = NULL;
    bool run = !d->reason;
    bump **arr = run ? &p->run : &p->skip;
    size_t *n = run ? &p->nrun : &p->nskip, *cap = run ? &p->cap_run : &p->cap_skip;
    if (p->nomem || !grow(arr, *n, cap)) {
        p->nomem = true;
        free(overlay);
        return;
    }
    bump *b = &(*arr)[(*n)++];
    memset(b, 0, sizeof *b);
    bool nomem = false;
    b->kind = d->kind;
    b->strs[0] = id_of(d);
    if (!b->strs[0]) nomem = true;
    b->strs[1] = dup_or_null(d->t ? d->t->id : NULL, &nomem);
    b->strs[2] = dup_or_null(d->s ? d->s->id : NULL, &nomem);
    b->strs[3] = dup_or_null(d->c ? d->c->id : NULL, &nomem);
    b->strs[4] = dup_or_null(d->desc, &nomem);
    b->strs[5] = run ? overlay : NULL;
    if (!run) free(overlay);
    b->strs[6] = dup_or_null(d->reason, &nomem);
    p->nomem |= nomem;
    b->pub = (tr_sensitivity_bump){.id = b->strs[0],
                                   .kind = KIND_NAMES[d->kind],
                                   .trust = b->strs[1],
                                   .scheme = b->strs[2],
                                   .consortium = b->strs[3],
                                   .description = b->strs[4],
                                   .overlay = b->strs[5],
                                   .reason = b->strs[6],
                                   .capped = d->capped};
}

/* The start of a description: "delivery of TRUST/SCHEME". */
static int desc_head(draft *d, const char *what)
{
    const char *a = d->c ? d->c->id : d->t->id, *b = d->s ? d->s->id : NULL;
    char ea[200], eb[200];
    tr__text_escape(ea, sizeof ea, a);
    tr__text_escape(eb, sizeof eb, b ? b : "");
    int w = snprintf(d->desc, sizeof d->desc, "%s of %s%s%s", what, ea, b ? "/" : "", eb);
    return w < 0 ? 0 : w >= (int)sizeof d->desc ? (int)sizeof d->desc - 1 : w;
}

/* Why none of a scheme's bumps can change anything, or NULL. */
static const char *scheme_inert(const tr__scheme *s, int horizon)
{
    if (s->paper >= 1) return "the scheme is always on paper (paper 1): nothing it does counts";
    if (s->start_month - 1 >= horizon) return "the scheme starts after the horizon";
    if (s->saving == 0 && s->one_off_cost == 0) return "the scheme saves nothing and costs nothing";
    return NULL;
}

/* How a distribution moves (lower_mean, scale, shift): false, with *why,
 * when it cannot. */
typedef bool (*dist_move)(tr__dist *d, double size, const char **why);

/* A distribution bump: `old` moved by `move`, as d->value, and the
 * description "WHAT of ...: FROM -> TO; mean A -> B UNIT". Returns the
 * change in the mean (0 when it did not move). */
static double dist_bump(tr_sensitivity_plan *p, draft *d, const tr__dist *old, dist_move move,
                        double size, const char *what, const char *unit)
{
    tr__dist nd;
    if (!dist_copy(&nd, old)) {
        p->nomem = true;
        return 0;
    }
    if (!move(&nd, size, &d->reason)) {
        free(nd.values);
        return 0;
    }
    int w = desc_head(d, what);
    char a[200], b[200];
    dist_text(a, sizeof a, old);
    dist_text(b, sizeof b, &nd);
    double moved = dist_mean(&nd) - dist_mean(old);
    snprintf(d->desc + w, sizeof d->desc - (size_t)w, ": %s -> %s; mean %.4g -> %.4g%s", a, b,
             dist_mean(old), dist_mean(&nd), unit);
    d->value = dist_json(&nd, old);
    free(nd.values);
    return moved;
}

static void bump_delivery(tr_sensitivity_plan *p, draft *d)
{
    const tr__scheme *s = d->s;
    double b = p->sizes.delivery;
    char what[64];
    snprintf(what, sizeof what, "delivery (mean -%g)", b);
    desc_head(d, what);
    if (s->saving == 0) {
        d->reason = "the scheme saves nothing (saving 0)";
        return;
    }
    double fell = -dist_bump(p, d, &s->delivery, lower_mean, b, what, "");
    if (!d->reason && !p->nomem && fell < b * (1 - 1e-9)) {
        d->capped = 1;
        size_t w = strlen(d->desc);
        snprintf(d->desc + w, sizeof d->desc - w, " (capped: the mean falls by %.4g only, %s)",
                 fell,
                 s->delivery.kind == TR__DIST_BETA ? "as far as the beta's concentration allows"
                                                   : "no delivered fraction goes below 0");
    }
}

static void bump_slippage(tr_sensitivity_plan *p, draft *d)
{
    char what[64];
    snprintf(what, sizeof what, "slippage (x%g)", p->sizes.slippage);
    desc_head(d, what);
    double lo, hi;
    tr__dist_range(&d->s->slippage, &lo, &hi);
    if (!(hi > 0))
        d->reason = "the scheme has no slippage";
    else
        dist_bump(p, d, &d->s->slippage, scale, p->sizes.slippage, what, " months");
}

static void bump_probability(tr_sensitivity_plan *p, draft *d)
{
    const tr__scheme *s = d->s;
    double q = d->kind == K_PAPER  ? s->paper
               : d->kind == K_STAY ? s->stay_probability
                                   : s->compromise_probability;
    char what[64];
    snprintf(what, sizeof what, "%s probability (+%g)", KIND_NAMES[d->kind], p->sizes.probability);
    int w = desc_head(d, what);
    if (d->kind == K_STAY && !s->has_stay) {
        d->reason = "the scheme has no stay";
        return;
    }
    if (d->kind == K_COMPROMISE && !s->has_compromise) {
        d->reason = "the scheme has no compromise";
        return;
    }
    if (q >= 1) {
        d->reason = "the probability is already 1";
        return;
    }
    double lo, hi;
    if (d->kind == K_STAY) {
        tr__dist_range(&s->stay_delay, &lo, &hi);
        if (!(hi > 0)) {
            d->reason = "the stay's delay is never above 0 months";
            return;
        }
    }
    if (d->kind == K_COMPROMISE) {
        if (s->saving == 0) {
            d->reason = "the scheme saves nothing (saving 0)";
            return;
        }
        if (s->retained.kind == TR__DIST_FIXED && s->retained.value == 1) {
            d->reason = "a compromise retains the whole saving (retained fixed 1)";
            return;
        }
    }
    double to = tidy(fmin(1.0, q + p->sizes.probability));
    d->capped = to < q + p->sizes.probability * (1 - 1e-9);
    snprintf(d->desc + w, sizeof d->desc - (size_t)w, ": %.4g -> %.4g%s", q, to,
             d->capped ? " (capped at 1)" : "");
    d->value = cJSON_CreateNumber(to);
}

static void bump_growth(tr_sensitivity_plan *p, draft *d)
{
    char what[64];
    snprintf(what, sizeof what, "cost growth (+%g a year)", p->sizes.cost_growth);
    desc_head(d, what);
    if (d->t->expenditure == 0)
        d->reason = "the trust has no expenditure to grow";
    else
        dist_bump(p, d, &d->t->cost_growth, shift, p->sizes.cost_growth, what, " a year");
}

static void bump_reserve(tr_sensitivity_plan *p, draft *d, const tr_config *cfg, int ci)
{
    char what[64];
    snprintf(what, sizeof what, "reserve (-%g%%)", 100 * p->sizes.reserve);
    int w = desc_head(d, what);
    bool asked = false;
    for (size_t i = 0; i < cfg->n_trusts && !asked; i++)
        for (size_t k = 0; k < cfg->trusts[i].n_commissioners; k++)
            if (cfg->trusts[i].commissioners[k].consortium == ci &&
                cfg->trusts[i].commissioners[k].share > 0)
                asked = true;
    if (d->c->reserve == 0) {
        d->reason = "the reserve is already 0";
        return;
    }
    if (!asked) {
        d->reason = "no trust's bail-out is asked of this consortium";
        return;
    }
    double to = tidy(d->c->reserve * (1 - p->sizes.reserve));
    snprintf(d->desc + w, sizeof d->desc - (size_t)w, ": %.4g -> %.4g GBP m", d->c->reserve, to);
    d->value = cJSON_CreateNumber(to);
}

static int by_file_index(const void *x, const void *y)
{
    const tr__trust *a = *(const tr__trust *const *)x, *b = *(const tr__trust *const *)y;
    return a->file_index < b->file_index ? -1 : a->file_index > b->file_index;
}

static int scheme_by_file_index(const void *x, const void *y)
{
    const tr__scheme *a = *(const tr__scheme *const *)x, *b = *(const tr__scheme *const *)y;
    return a->file_index < b->file_index ? -1 : a->file_index > b->file_index;
}

/* Two bumps with the same id (a trust "a/b" with scheme "c" and a trust "a"
 * with scheme "b/c"): the later one gets "~2", "~3", ... */
static void unique_ids(tr_sensitivity_plan *p)
{
    size_t n = p->nrun + p->nskip;
    for (size_t i = 1; i < n && !p->nomem; i++) {
        bump *b = i < p->nrun ? &p->run[i] : &p->skip[i - p->nrun];
        for (int copy = 2;; copy++) {
            bool clash = false;
            for (size_t j = 0; j < i && !clash; j++) {
                const bump *o = j < p->nrun ? &p->run[j] : &p->skip[j - p->nrun];
                clash = strcmp(o->pub.id, b->pub.id) == 0;
            }
            if (!clash) break;
            size_t len = strlen(b->strs[0]) + 16;
            char *id = malloc(len);
            if (!id) {
                p->nomem = true;
                break;
            }
            char *base = strdup(b->strs[0]);
            char *tilde = base ? strrchr(base, '~') : NULL;
            if (tilde && copy > 2) *tilde = '\0';
            snprintf(id, len, "%s~%d", base ? base : "", copy);
            free(base);
            free(b->strs[0]);
            b->strs[0] = id;
            b->pub.id = id;
        }
    }
}

tr_status tr_sensitivity_plan_make(const tr_config *cfg, const tr_sensitivity_sizes *sizes,
                                   tr_sensitivity_plan **out, tr_error *err)
{
    *out = NULL;
    tr_sensitivity_plan *p = calloc(1, sizeof *p);
    if (!p) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    p->cfg = cfg;
    if (sizes)
        p->sizes = *sizes;
    else
        tr_sensitivity_sizes_init(&p->sizes);
    if (tr_sensitivity_sizes_check(&p->sizes, err) != TR_OK) {
        free(p);
        return TR_E_INPUT;
    }
    const tr__trust **trusts = malloc(cfg->n_trusts * sizeof *trusts);
    const tr__scheme **schemes = malloc((TR_MAX_SCHEMES_PER_TRUST + 1) * sizeof *schemes);
    if (!trusts || !schemes) p->nomem = true;
    for (size_t i = 0; trusts && i < cfg->n_trusts; i++)
        trusts[i] = &cfg->trusts[i];
    if (trusts) qsort(trusts, cfg->n_trusts, sizeof *trusts, by_file_index);
    for (size_t i = 0; !p->nomem && i < cfg->n_trusts; i++) {
        const tr__trust *t = trusts[i];
        draft d = {.kind = K_GROWTH, .t = t};
        bump_growth(p, &d);
        file_bump(p, &d);
        for (size_t j = 0; j < t->n_schemes; j++)
            schemes[j] = &t->schemes[j];
        qsort(schemes, t->n_schemes, sizeof *schemes, scheme_by_file_index);
        for (size_t j = 0; j < t->n_schemes && !p->nomem; j++) {
            const tr__scheme *s = schemes[j];
            const char *inert = scheme_inert(s, cfg->horizon);
            for (int k = K_DELIVERY; k <= K_COMPROMISE && !p->nomem; k++) {
                d = (draft){.kind = k, .t = t, .s = s};
                if (k == K_DELIVERY)
                    bump_delivery(p, &d);
                else if (k == K_SLIPPAGE)
                    bump_slippage(p, &d);
                else
                    bump_probability(p, &d);
                if (inert) { /* the scheme's reason comes first */
                    cJSON_Delete(d.value);
                    d.value = NULL;
                    d.capped = 0;
                    d.reason = inert;
                }
                file_bump(p, &d);
            }
        }
    }
    for (size_t c = 0; !p->nomem && c < cfg->n_consortia; c++) {
        draft d = {.kind = K_RESERVE, .c = &cfg->consortia[c]};
        bump_reserve(p, &d, cfg, (int)c);
        file_bump(p, &d);
    }
    free(trusts);
    free(schemes);
    unique_ids(p);
    if (p->nomem) {
        tr_sensitivity_plan_free(p);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory making the bumps");
    }
    *out = p;
    return TR_OK;
}

tr_status tr_sensitivity_plan_manifest(const tr_sensitivity_plan *p, const char *base_file,
                                       uint64_t paths, uint64_t seed, size_t first, size_t n,
                                       char **json, tr_error *err)
{
    *json = NULL;
    if (first > p->nrun || n > p->nrun - first)
        return tr_error_add(err, TR_E_INPUT, NULL, NULL, 0, 0,
                            "bumps %zu to %zu asked of a plan of %zu", first, first + n, p->nrun);
    cJSON *root = cJSON_CreateObject();
    char name[300];
    char ename[200];
    tr__text_escape(ename, sizeof ename, tr_config_name(p->cfg));
    snprintf(name, sizeof name, "sensitivity of %s", ename);
    cJSON_AddStringToObject(root, "name", name);
    cJSON_AddStringToObject(root, "base", base_file);
    cJSON_AddNumberToObject(root, "paths", (double)paths);
    tr__json_add(root, "seed", tr__json_u64(seed));
    cJSON *list = cJSON_AddArrayToObject(root, "scenarios");
    cJSON *base = cJSON_CreateObject();
    cJSON_AddItemToArray(list, base);
    cJSON_AddStringToObject(base, "id", "base");
    cJSON_AddStringToObject(base, "name", "the base config");
    bool bad = !root || !base;
    for (size_t i = first; i < first + n && !bad; i++) {
        const bump *b = &p->run[i];
        cJSON *e = cJSON_CreateObject(), *ov = cJSON_Parse(b->pub.overlay);
        char id[32];
        snprintf(id, sizeof id, "b%zu", i + 1);
        bad = !e || !ov;
        cJSON_AddItemToArray(list, e);
        cJSON_AddStringToObject(e, "id", id);
        cJSON_AddStringToObject(e, "name", b->pub.id);
        cJSON_AddStringToObject(e, "notes", b->pub.description);
        if (ov) cJSON_AddItemToObject(e, "overlay", ov);
    }
    char *text = bad ? NULL : cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    *json = text;
    return TR_OK;
}

/* ---- running -------------------------------------------------------------- */

void tr_sensitivity_options_init(tr_sensitivity_options *opt, const tr_config *cfg)
{
    memset(opt, 0, sizeof *opt);
    opt->paths = tr_config_paths(cfg);
    opt->seed = tr_config_seed(cfg);
    tr_sensitivity_sizes_init(&opt->sizes);
}

/* One effect: the paired difference, its se, and the se without pairing. */
typedef struct effect {
    double delta, se, se_unpaired;
} effect;

struct tr_sensitivity {
    const tr_config *cfg;
    tr_sensitivity_plan *plan;
    uint64_t paths, seed;
    size_t nq;      /* quantities: 2 per trust (P(fail), bail-out), then the system's */
    size_t *order;  /* [n_trusts] the trusts in the config's order */
    double *base;   /* [nq] the base's means */
    effect *eff;    /* [nrun * nq] */
    double seconds; /* over every batch */
    int threads;
    uint64_t work;
};

#define Q_SYS(s, k) (2 * (s)->cfg->n_trusts + (size_t)(k))

void tr_sensitivity_free(tr_sensitivity *s)
{
    if (!s) return;
    tr_sensitivity_plan_free(s->plan);
    free(s->order);
    free(s->base);
    free(s->eff);
    free(s);
}

const tr_sensitivity_plan *tr_sensitivity_bumps(const tr_sensitivity *s)
{
    return s->plan;
}

double tr_sensitivity_seconds(const tr_sensitivity *s)
{
    return s->seconds;
}

int tr_sensitivity_threads(const tr_sensitivity *s)
{
    return s->threads;
}

uint64_t tr_sensitivity_work(const tr_sensitivity *s)
{
    return s->work;
}

/* Bumps per batch: as many as their statistics' bound (27 KB a trust and
 * month, runner.c) allows in a quarter of the memory, at most 2 GiB. */
static size_t auto_group(const tr_config *cfg)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    double mem = pages > 0 && size > 0 ? (double)pages * (double)size : 8e9;
    double budget = fmin(0.25 * mem, 2147483648.0);
    double each = 27e3 * (double)cfg->n_trusts * (double)cfg->horizon + 1e6;
    double k = floor(budget / each) - 1;
    return k < 1 ? 1 : k > 64 ? 64 : (size_t)k;
}

typedef struct progress_ctx {
    const tr_sensitivity_options *opt;
    uint64_t before, total, scenarios;
} progress_ctx;

static void group_progress(void *user, uint64_t done, uint64_t total)
{
    progress_ctx *c = user;
    (void)total;
    c->opt->progress(c->opt->progress_user, c->before + done * c->scenarios, c->total);
}

/* The comparisons of bumps first .. first + n - 1 (scenarios 1 .. n) into s. */
static tr_status collect(tr_sensitivity *s, const tr_batch *b, size_t first, size_t n,
                         tr_error *err)
{
    const tr_config *cfg = s->cfg;
    for (size_t k = 1; k <= n; k++) {
        const tr__cmp *c = tr__batch_cmp(b, k);
        if (!c || c->nt != cfg->n_trusts)
            return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                                "internal error: bump %zu's comparison does not match its base",
                                first + k);
        effect *e = &s->eff[(first + k - 1) * s->nq];
        for (size_t m = 0; m < c->nt; m++) {
            const tr__citem *it = &c->trusts[m];
            if (!it->q[0].present || it->si >= cfg->n_trusts ||
                strcmp(it->id, cfg->trusts[it->si].id) != 0)
                return tr_error_add(err, TR_E_INTERNAL, NULL, NULL, 0, 0,
                                    "internal error: trust %s of bump %zu is not the base's",
                                    it->id, first + k);
            for (int q = 0; q < 2; q++) {
                e[2 * it->si + (size_t)q] =
                    (effect){it->q[q].delta, it->q[q].se, it->q[q].se_unpaired};
                s->base[2 * it->si + (size_t)q] = it->q[q].r;
            }
        }
        for (int q = 0; q < TR__CSYS_N; q++) {
            e[Q_SYS(s, q)] = (effect){c->sys[q].delta, c->sys[q].se, c->sys[q].se_unpaired};
            s->base[Q_SYS(s, q)] = c->sys[q].r;
        }
    }
    return TR_OK;
}

/* Run bumps first .. first + n - 1 as one batch with the base. */
static tr_status run_group(tr_sensitivity *s, const char *config_file,
                           const tr_sensitivity_options *opt, size_t first, size_t n,
                           progress_ctx *pc, tr_error *err)
{
    char *json = NULL;
    tr_status st =
        tr_sensitivity_plan_manifest(s->plan, config_file, s->paths, s->seed, first, n, &json, err);
    tr_manifest *m = NULL;
    if (st == TR_OK)
        st = tr_manifest_load_buffer(json, strlen(json), "<sensitivity>", NULL, &m, err);
    free(json);
    if (st == TR_OK && strcmp(tr_config_sha256(tr_manifest_base(m)), tr_config_sha256(s->cfg)) != 0)
        st = tr_error_add(err, TR_E_INPUT, config_file, NULL, 0, 0,
                          "the config changed while the sensitivity ran; run it again");
    tr_batch *b = NULL;
    if (st == TR_OK) {
        tr_batch_options bo;
        tr_batch_options_init(&bo);
        bo.threads = opt->threads;
        if (opt->progress) {
            pc->scenarios = n + 1;
            bo.progress = group_progress;
            bo.progress_user = pc;
        }
        st = tr_batch_run(m, &bo, &b, err);
    }
    if (st == TR_OK) st = collect(s, b, first, n, err);
    if (st == TR_OK) {
        s->seconds += tr_batch_seconds(b);
        if (tr_batch_threads(b) > s->threads) s->threads = tr_batch_threads(b);
        s->work += s->paths * (n + 1);
        pc->before = s->work;
    }
    tr_batch_free(b);
    tr_manifest_free(m);
    return st;
}

/* The batches read the base from config_file: it must still be cfg. */
static tr_status same_file(const tr_config *cfg, const char *config_file, tr_error *err)
{
    tr_config *now = NULL;
    tr_status st = tr_config_load_file(config_file, &now, err);
    if (st == TR_OK && strcmp(tr_config_sha256(now), tr_config_sha256(cfg)) != 0)
        st = tr_error_add(err, TR_E_INPUT, config_file, NULL, 0, 0,
                          "the file no longer holds the config being analysed (it changed "
                          "since it was loaded); run the sensitivity again");
    tr_config_free(now);
    return st;
}

tr_status tr_sensitivity_run(const tr_config *cfg, const char *config_file,
                             const tr_sensitivity_options *opt, tr_sensitivity **out, tr_error *err)
{
    *out = NULL;
    if (opt->paths < 1 || opt->paths > TR_MAX_PATHS)
        return tr_error_add(err, TR_E_INPUT, NULL, "paths", 0, 0, "must be in [1, %llu] (got %llu)",
                            (unsigned long long)TR_MAX_PATHS, (unsigned long long)opt->paths);
    tr_sensitivity *s = calloc(1, sizeof *s);
    if (!s) return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    s->cfg = cfg;
    s->paths = opt->paths;
    s->seed = opt->seed;
    tr_status st = same_file(cfg, config_file, err);
    if (st == TR_OK) st = tr_sensitivity_plan_make(cfg, &opt->sizes, &s->plan, err);
    size_t nb = st == TR_OK ? s->plan->nrun : 0;
    if (st == TR_OK && nb == 0)
        st = tr_error_add(err, TR_E_INPUT, config_file, NULL, 0, 0,
                          "no assumption of this config can be bumped (%zu bumps skipped: see "
                          "their reasons with 'trustrisk sensitivity')",
                          s->plan->nskip);
    s->nq = 2 * cfg->n_trusts + TR__CSYS_N;
    if (st == TR_OK) {
        s->base = calloc(s->nq, sizeof *s->base);
        s->eff = calloc(nb * s->nq, sizeof *s->eff);
        s->order = malloc(cfg->n_trusts * sizeof *s->order);
        for (size_t i = 0; s->order && i < cfg->n_trusts; i++)
            s->order[cfg->trusts[i].file_index] = i;
        if (!s->base || !s->eff || !s->order)
            st = tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                              "out of memory for %zu bumps' effects", nb);
    }
    size_t group = opt->group ? opt->group : auto_group(cfg);
    progress_ctx pc = {opt, 0, 0, 0};
    for (size_t i = 0; i < nb; i += group)
        pc.total += s->paths * ((nb - i < group ? nb - i : group) + 1);
    for (size_t i = 0; i < nb && st == TR_OK; i += group)
        st = run_group(s, config_file, opt, i, nb - i < group ? nb - i : group, &pc, err);
    if (st != TR_OK) {
        tr_sensitivity_free(s);
        return st;
    }
    *out = s;
    return TR_OK;
}

/* ---- ranking -------------------------------------------------------------- */

/* Does bump i change quantity q on some path? */
static bool changes(const effect *e)
{
    return e->delta != 0 || e->se > 0;
}

static bool within_noise(const effect *e)
{
    return !(fabs(e->delta) >= 2 * e->se);
}

/* A bump in a ranking: its index, and the size of its effect. */
typedef struct ranked {
    size_t i;
    double size;
} ranked;

static int by_effect(const void *x, const void *y)
{
    const ranked *a = x, *b = y;
    if (a->size != b->size) return a->size > b->size ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* The bumps that change quantity q, largest |delta| first (the bumps' own
 * order on a tie), into idx (nrun entries, as a ranked[]); returns how many. */
static size_t rank_quantity(const tr_sensitivity *s, size_t q, ranked *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < s->plan->nrun; i++) {
        const effect *e = &s->eff[i * s->nq + q];
        if (changes(e)) idx[n++] = (ranked){i, fabs(e->delta)};
    }
    qsort(idx, n, sizeof *idx, by_effect);
    return n;
}

/* ---- sensitivity.json ----------------------------------------------------- */

static cJSON *bump_json(const tr_sensitivity_bump *b, bool skipped)
{
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "id", cJSON_CreateString(b->id));
    tr__json_add(o, "kind", cJSON_CreateString(b->kind));
    tr__json_add(o, "trust", b->trust ? cJSON_CreateString(b->trust) : cJSON_CreateNull());
    tr__json_add(o, "scheme", b->scheme ? cJSON_CreateString(b->scheme) : cJSON_CreateNull());
    tr__json_add(o, "consortium",
                 b->consortium ? cJSON_CreateString(b->consortium) : cJSON_CreateNull());
    tr__json_add(o, "description", cJSON_CreateString(b->description));
    if (skipped)
        tr__json_add(o, "reason", cJSON_CreateString(b->reason));
    else
        tr__json_add(o, "capped", cJSON_CreateBool(b->capped));
    return o;
}

static cJSON *maybe_num(double x)
{
    return isnan(x) ? cJSON_CreateNull() : tr__json_num(x);
}

/* {"base", "unchanged", "ranking"} of quantity q. */
static cJSON *quantity_json(const tr_sensitivity *s, size_t q, ranked *idx)
{
    size_t n = rank_quantity(s, q, idx);
    cJSON *o = cJSON_CreateObject();
    tr__json_add(o, "base", tr__json_num(s->base[q]));
    tr__json_add(o, "unchanged", cJSON_CreateNumber((double)(s->plan->nrun - n)));
    cJSON *list = tr__json_add(o, "ranking", cJSON_CreateArray());
    for (size_t r = 0; list && r < n; r++) {
        const effect *e = &s->eff[idx[r].i * s->nq + q];
        const tr_sensitivity_bump *b = &s->plan->run[idx[r].i].pub;
        cJSON *x = cJSON_CreateObject();
        tr__json_add(x, "rank", cJSON_CreateNumber((double)(r + 1)));
        tr__json_add(x, "bump", cJSON_CreateString(b->id));
        tr__json_add(x, "description", cJSON_CreateString(b->description));
        tr__json_add(x, "delta", tr__json_num(e->delta));
        tr__json_add(x, "se", maybe_num(e->se));
        cJSON *ci = tr__json_add(x, "ci95", cJSON_CreateArray());
        if (ci) {
            cJSON_AddItemToArray(ci, maybe_num(e->delta - Z95 * e->se));
            cJSON_AddItemToArray(ci, maybe_num(e->delta + Z95 * e->se));
        }
        tr__json_add(x, "se_unpaired", maybe_num(e->se_unpaired));
        tr__json_add(x, "within_noise", cJSON_CreateBool(within_noise(e)));
        cJSON_AddItemToArray(list, x);
    }
    return o;
}

/* Room for a ranking, or NULL with a message. */
static ranked *rank_space(const tr_sensitivity *s, tr_error *err)
{
    ranked *idx = malloc((s->plan->nrun + 1) * sizeof *idx);
    if (!idx) tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0, "out of memory");
    return idx;
}

tr_status tr_sensitivity_json(const tr_sensitivity *s, char **json, tr_error *err)
{
    *json = NULL;
    const tr_config *cfg = s->cfg;
    ranked *idx = rank_space(s, err);
    if (!idx) return TR_E_NOMEM;
    cJSON *root = cJSON_CreateObject();
    cJSON *eng = tr__json_add(root, "engine", cJSON_CreateObject());
    tr__json_add(eng, "name", cJSON_CreateString("trustrisk"));
    tr__json_add(eng, "version", cJSON_CreateString(tr_version()));
    cJSON *c = tr__json_add(root, "config", cJSON_CreateObject());
    tr__json_add(c, "name", cJSON_CreateString(tr_config_name(cfg)));
    tr__json_add(c, "sha256", cJSON_CreateString(tr_config_sha256(cfg)));
    tr__json_add(root, "paths", cJSON_CreateNumber((double)s->paths));
    tr__json_add(root, "seed", tr__json_u64(s->seed));
    tr__json_add(root, "horizon_months", cJSON_CreateNumber(cfg->horizon));
    const tr_sensitivity_sizes *z = &s->plan->sizes;
    cJSON *sz = tr__json_add(root, "sizes", cJSON_CreateObject());
    tr__json_add(sz, "delivery", tr__json_num(z->delivery));
    tr__json_add(sz, "slippage", tr__json_num(z->slippage));
    tr__json_add(sz, "probability", tr__json_num(z->probability));
    tr__json_add(sz, "cost_growth", tr__json_num(z->cost_growth));
    tr__json_add(sz, "reserve", tr__json_num(z->reserve));
    cJSON *bl = tr__json_add(root, "bumps", cJSON_CreateArray());
    for (size_t i = 0; bl && i < s->plan->nrun; i++)
        cJSON_AddItemToArray(bl, bump_json(&s->plan->run[i].pub, false));
    cJSON *sk = tr__json_add(root, "skipped", cJSON_CreateArray());
    for (size_t i = 0; sk && i < s->plan->nskip; i++)
        cJSON_AddItemToArray(sk, bump_json(&s->plan->skip[i].pub, true));
    cJSON *sys = tr__json_add(root, "system", cJSON_CreateObject());
    for (int q = 0; q < TR__CSYS_N; q++)
        tr__json_add(sys, SYS_NAMES[q], quantity_json(s, Q_SYS(s, q), idx));
    cJSON *tl = tr__json_add(root, "trusts", cJSON_CreateArray());
    for (size_t k = 0; tl && k < cfg->n_trusts; k++) {
        size_t i = s->order[k];
        cJSON *t = cJSON_CreateObject();
        tr__json_add(t, "id", cJSON_CreateString(cfg->trusts[i].id));
        tr__json_add(
            t, "name",
            cJSON_CreateString(cfg->trusts[i].name ? cfg->trusts[i].name : cfg->trusts[i].id));
        tr__json_add(t, "p_fail", quantity_json(s, 2 * i, idx));
        tr__json_add(t, "bailout", quantity_json(s, 2 * i + 1, idx));
        cJSON_AddItemToArray(tl, t);
    }
    free(idx);
    return tr__json_doc(root, TR_SENSITIVITY_JSON, json, err);
}

/* ---- sensitivity.csv ------------------------------------------------------ */

static void csv_quantity(FILE *fp, const tr_sensitivity *s, const char *item, const char *id,
                         const char *quantity, size_t q, ranked *idx)
{
    size_t n = rank_quantity(s, q, idx);
    for (size_t r = 0; r < n; r++) {
        const effect *e = &s->eff[idx[r].i * s->nq + q];
        const tr_sensitivity_bump *b = &s->plan->run[idx[r].i].pub;
        fprintf(fp, "%s,", item);
        tr__csv_str(fp, id);
        fprintf(fp, ",%s,", quantity);
        tr__csv_num(fp, s->base[q]);
        fprintf(fp, ",%zu,", r + 1);
        tr__csv_str(fp, b->id);
        fprintf(fp, ",%s,", b->kind);
        tr__csv_str(fp, b->description);
        const double x[5] = {e->delta, e->se, e->delta - Z95 * e->se, e->delta + Z95 * e->se,
                             e->se_unpaired};
        for (int k = 0; k < 5; k++) {
            fputc(',', fp);
            tr__csv_num(fp, x[k]);
        }
        fprintf(fp, ",%s\n", within_noise(e) ? "true" : "false");
    }
}

tr_status tr_sensitivity_csv(const tr_sensitivity *s, FILE *fp, tr_error *err)
{
    const tr_config *cfg = s->cfg;
    ranked *idx = rank_space(s, err);
    if (!idx) return TR_E_NOMEM;
    fputs("item,id,quantity,base,rank,bump,kind,description,delta,se,ci95_lo,ci95_hi,se_unpaired,"
          "within_noise\n",
          fp);
    for (int q = 0; q < TR__CSYS_N; q++)
        csv_quantity(fp, s, "system", "", SYS_NAMES[q], Q_SYS(s, q), idx);
    for (size_t k = 0; k < cfg->n_trusts; k++) {
        size_t i = s->order[k];
        csv_quantity(fp, s, "trust", cfg->trusts[i].id, "p_fail", 2 * i, idx);
        csv_quantity(fp, s, "trust", cfg->trusts[i].id, "bailout", 2 * i + 1, idx);
    }
    free(idx);
    if (ferror(fp))
        return tr_error_add(err, TR_E_IO, TR_SENSITIVITY_CSV, NULL, 0, 0, "writing the CSV failed");
    return TR_OK;
}

/* ---- the printed summary -------------------------------------------------- */

/* Rows shown per quantity. */
#define TOP_ROWS 5

/* x with three decimals (a sign with `sign`), or two significant digits
 * when three decimals would show 0; "n/a" for an undefined figure (the se
 * of a single path). */
static void figure(char *s, size_t n, double x, bool sign)
{
    if (isnan(x))
        snprintf(s, n, "n/a");
    else if (x != 0 && fabs(x) < 0.0005)
        snprintf(s, n, sign ? "%+.2g" : "%.2g", x);
    else
        snprintf(s, n, sign ? "%+.3f" : "%.3f", x);
}

/* `what` (base B UNIT): its top drivers. `pct`: a probability, shown in
 * percentage points. */
static void print_quantity(FILE *fp, const tr_sensitivity *s, const char *what, size_t q,
                           size_t rows, bool pct, ranked *idx)
{
    size_t n = rank_quantity(s, q, idx);
    double k = pct ? 100.0 : 1.0;
    fprintf(fp, "  %s, base %.2f%s: ", what, k * s->base[q], pct ? "%" : "");
    if (n == 0) {
        fprintf(fp, "no bump changes it on any path\n");
        return;
    }
    fprintf(fp, "%zu bump%s change%s it\n", n, n == 1 ? "" : "s", n == 1 ? "s" : "");
    char id[49], d[32], se[32];
    for (size_t r = 0; r < n && r < rows; r++) {
        const effect *e = &s->eff[idx[r].i * s->nq + q];
        tr__text_escape(id, sizeof id, s->plan->run[idx[r].i].pub.id);
        figure(d, sizeof d, k * e->delta, true);
        figure(se, sizeof se, k * e->se, false);
        fprintf(fp, "    %2zu  %-48s %9s%s (se %s)%s\n", r + 1, id, d, pct ? " pts" : "", se,
                within_noise(e) ? "  within noise" : "");
    }
}

/* The skipped bumps, counted by reason. */
static void print_skipped(FILE *fp, const tr_sensitivity_plan *p)
{
    fprintf(fp,
            "  %zu skipped, as they cannot change anything (each with its reason in %s):", p->nskip,
            TR_SENSITIVITY_JSON);
    const char *sep = "";
    for (size_t k = 0; k < p->nskip; k++) {
        const char *why = p->skip[k].pub.reason;
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(p->skip[j].pub.reason, why) == 0;
        if (seen) continue;
        size_t n = 0;
        for (size_t j = k; j < p->nskip; j++)
            n += strcmp(p->skip[j].pub.reason, why) == 0;
        fprintf(fp, "%s\n    %zu: %s", sep, n, why);
        sep = ";";
    }
    fputc('\n', fp);
}

typedef struct risk {
    size_t i;
    double p, bo;
} risk;

static int by_risk(const void *x, const void *y)
{
    const risk *a = x, *b = y;
    if (a->p != b->p) return a->p > b->p ? -1 : 1;
    if (a->bo != b->bo) return a->bo > b->bo ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

void tr_sensitivity_print_summary(const tr_sensitivity *s, size_t max_trusts, FILE *fp)
{
    const tr_config *cfg = s->cfg;
    const tr_sensitivity_sizes *z = &s->plan->sizes;
    ranked *idx = malloc((s->plan->nrun + 1) * sizeof *idx);
    risk *rk = malloc((cfg->n_trusts + 1) * sizeof *rk);
    if (!idx || !rk) {
        free(idx);
        free(rk);
        return;
    }
    char name[200];
    tr__text_escape(name, sizeof name, tr_config_name(cfg));
    fprintf(fp,
            "Sensitivity of %s: %zu bumps, each run against the base on the same %llu path%s "
            "(seed %llu)\n"
            "  sizes: delivery mean -%g, slippage x%g, probabilities +%g, cost growth +%g a "
            "year, reserves -%g%%\n",
            name, s->plan->nrun, (unsigned long long)s->paths, s->paths == 1 ? "" : "s",
            (unsigned long long)s->seed, z->delivery, z->slippage, z->probability, z->cost_growth,
            100 * z->reserve);
    if (s->plan->nskip) print_skipped(fp, s->plan);
    fprintf(fp, "\nSystem: the top drivers (delta = bumped minus base; within noise: |delta| < 2 "
                "se)\n");
    print_quantity(fp, s, "national top-up (GBP m)", Q_SYS(s, TR__CSYS_TOPUP), TOP_ROWS, false,
                   idx);
    print_quantity(fp, s, "trusts failing", Q_SYS(s, TR__CSYS_FAILURES), TOP_ROWS, false, idx);
    for (size_t i = 0; i < cfg->n_trusts; i++)
        rk[i] = (risk){i, s->base[2 * i], s->base[2 * i + 1]};
    qsort(rk, cfg->n_trusts, sizeof *rk, by_risk);
    size_t shown = max_trusts < cfg->n_trusts ? max_trusts : cfg->n_trusts;
    if (shown) fprintf(fp, "\nTrusts most at risk: the top 3 drivers of each\n");
    for (size_t k = 0; k < shown; k++) {
        size_t i = rk[k].i;
        char id[80], what[200];
        tr__text_escape(id, sizeof id, cfg->trusts[i].id);
        snprintf(what, sizeof what, "%s P(fail)", id);
        print_quantity(fp, s, what, 2 * i, 3, true, idx);
        snprintf(what, sizeof what, "%s E[bail-out] (GBP m)", id);
        print_quantity(fp, s, what, 2 * i + 1, 3, false, idx);
    }
    if (shown < cfg->n_trusts)
        fprintf(fp, "  ... and %zu more trust%s in %s\n", cfg->n_trusts - shown,
                cfg->n_trusts - shown == 1 ? "" : "s", TR_SENSITIVITY_CSV);
    free(idx);
    free(rk);
}
