/*
 * test_sensitivity.c - one-at-a-time bumps ranked by effect.
 *
 * The bumps themselves: each delivery family's mean falls by exactly the
 * bump (a beta keeping its concentration), or is capped at the floor and
 * says so; slippage scales and cost growth shifts every family's mean
 * exactly; probabilities are capped at 1; bumps that cannot change
 * anything are skipped with their reason. The ranking: on a config built so
 * that one trust's fate hinges on one scheme's delivery, that bump ranks
 * first and a tiny scheme's bumps are within noise; every delta, se and
 * interval is the batch's own number, whatever the grouping; and the
 * command end to end, bad input included.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "trustrisk/trustrisk.h"

#ifndef TR_BINARY
#error "TR_BINARY must name the trustrisk binary"
#endif

/* ---- the bumps ---------------------------------------------------------- */

/* One trust with a scheme per delivery family (and the capped cases), the
 * slippage, stay and compromise families, trusts with each cost-growth
 * family, and consortia with and without something to cut. */
static const char DISTS[] =
    "{'name':'dists','horizon_months':24,"
    "'factors':[{'name':'n','scope':'global'}],"
    "'consortia':[{'id':'c1','reserve':10},{'id':'c0','reserve':0},{'id':'cx','reserve':5}],"
    "'trusts':[{'id':'t','cash':10,'income':120,'expenditure':120,"
    " 'commissioners':[{'consortium':'c1','share':0.5},{'consortium':'c0','share':0.2}],"
    " 'schemes':["
    "  {'id':'fx','saving':1,'start_month':1,'delivery':{'dist':'fixed','value':0.8}},"
    "  {'id':'un','saving':1,'start_month':1,'delivery':{'dist':'uniform','min':0.3,'max':1},"
    "   'slippage':{'dist':'uniform','min':0,'max':9}},"
    "  {'id':'tri','saving':1,'start_month':1,"
    "   'delivery':{'dist':'triangular','min':0.2,'mode':0.7,'max':1},"
    "   'slippage':{'dist':'pert','min':1,'mode':3,'max':6}},"
    "  {'id':'pe','saving':1,'start_month':1,"
    "   'delivery':{'dist':'pert','min':0.4,'mode':0.8,'max':1,'lambda':6}},"
    "  {'id':'be','saving':1,'start_month':1,"
    "   'delivery':{'dist':'beta','mean':0.75,'sd':0.15,'factors':{'n':0.3}}},"
    "  {'id':'bb','saving':1,'start_month':1,"
    "   'delivery':{'dist':'beta','mean':0.6,'sd':0.1,'min':0.2,'max':1.2}},"
    "  {'id':'no','saving':1,'start_month':1,'delivery':{'dist':'normal','mean':0.85,'sd':0.1},"
    "   'slippage':{'dist':'normal','mean':3,'sd':1}},"
    "  {'id':'ln','saving':1,'start_month':1,"
    "   'delivery':{'dist':'lognormal','median':0.7,'sigma':0.3}},"
    "  {'id':'di','saving':1,'start_month':1,"
    "   'delivery':{'dist':'discrete','values':[1,0.8,0.5],'probs':[0.5,0.3,0.2]},"
    "   'slippage':{'dist':'discrete','values':[0,6],'probs':[0.5,0.5]}},"
    "  {'id':'def','saving':1,'start_month':1},"
    "  {'id':'fx0','saving':1,'start_month':1,'delivery':{'dist':'fixed','value':0.05}},"
    "  {'id':'un0','saving':1,'start_month':1,'delivery':{'dist':'uniform','min':0,'max':0.6}},"
    "  {'id':'di0','saving':1,'start_month':1,"
    "   'delivery':{'dist':'discrete','values':[1,0],'probs':[0.5,0.5]}},"
    "  {'id':'tri0','saving':1,'start_month':1,"
    "   'delivery':{'dist':'triangular','min':0,'mode':0.05,'max':0.08}},"
    "  {'id':'be0','saving':1,'start_month':1,'delivery':{'dist':'beta','mean':0.05,'sd':0.02}},"
    "  {'id':'ln0','saving':1,'start_month':1,"
    "   'delivery':{'dist':'lognormal','median':0.05,'sigma':0.5}},"
    "  {'id':'zero','saving':1,'start_month':1,'delivery':{'dist':'fixed','value':0}},"
    "  {'id':'pp','saving':1,'start_month':1,'paper':0.95},"
    "  {'id':'p1','saving':1,'start_month':1,'paper':1,"
    "   'slippage':{'dist':'uniform','min':0,'max':3}},"
    "  {'id':'late','saving':1,'start_month':30},"
    "  {'id':'cl','kind':'closure','saving':6,'start_month':4,'ramp_months':6,"
    "   'slippage':{'dist':'lognormal','median':6,'sigma':0.8},"
    "   'stay':{'probability':0.35,'delay':{'dist':'uniform','min':6,'max':24}},"
    "   'compromise':{'probability':0.95,'retained':{'dist':'uniform','min':0.3,'max':0.8}}},"
    "  {'id':'whole','saving':1,'start_month':1,"
    "   'compromise':{'probability':0.5,'retained':{'dist':'fixed','value':1}}}]},"
    " {'id':'g-fixed','cash':10,'income':100,'expenditure':100,"
    "  'cost_growth':{'dist':'fixed','value':0.02}},"
    " {'id':'g-normal','cash':10,'income':100,'expenditure':100,"
    "  'cost_growth':{'dist':'normal','mean':0.02,'sd':0.01}},"
    " {'id':'g-beta','cash':10,'income':100,'expenditure':100,"
    "  'cost_growth':{'dist':'beta','mean':0.03,'sd':0.01,'max':0.1}},"
    " {'id':'g-lognormal','cash':10,'income':100,'expenditure':100,"
    "  'cost_growth':{'dist':'lognormal','median':0.02,'sigma':0.5}},"
    " {'id':'g-pert','cash':10,'income':100,'expenditure':100,"
    "  'cost_growth':{'dist':'pert','min':0.01,'mode':0.02,'max':0.05}},"
    " {'id':'g-discrete','cash':10,'income':100,'expenditure':100,"
    "  'cost_growth':{'dist':'discrete','values':[0.01,0.04],'probs':[0.25,0.75]}},"
    " {'id':'g-none','cash':10,'income':100,'expenditure':0}]}";

static char *dists_text;
static tr_config *dists_cfg;
static tr_sensitivity_plan *dists_plan;

static void dists_setup(void)
{
    dists_text = th_json("%s", DISTS);
    dists_cfg = th_load(dists_text);
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_sensitivity_plan_make(dists_cfg, NULL, &dists_plan, &err), TR_OK);
}

static void dists_teardown(void)
{
    tr_sensitivity_plan_free(dists_plan);
    tr_config_free(dists_cfg);
    free(dists_text);
}

/* The bump (run or skipped) with this id, or NULL. */
static const tr_sensitivity_bump *find_bump(const tr_sensitivity_plan *p, const char *id,
                                            int *skipped)
{
    for (size_t i = 0; i < tr_sensitivity_plan_count(p); i++)
        if (strcmp(tr_sensitivity_plan_bump(p, i)->id, id) == 0) {
            if (skipped) *skipped = 0;
            return tr_sensitivity_plan_bump(p, i);
        }
    for (size_t k = 0; k < tr_sensitivity_plan_skipped_count(p); k++)
        if (strcmp(tr_sensitivity_plan_skipped(p, k)->id, id) == 0) {
            if (skipped) *skipped = 1;
            return tr_sensitivity_plan_skipped(p, k);
        }
    return NULL;
}

/* The bump of the dists plan with this id, which ran (or was skipped). */
static const tr_sensitivity_bump *dists_bump(const char *id, int want_skipped)
{
    int skipped = 0;
    const tr_sensitivity_bump *b = find_bump(dists_plan, id, &skipped);
    cr_assert(b != NULL, "no bump %s", id);
    cr_assert_eq(skipped, want_skipped, "%s: %s", id, skipped ? b->reason : b->description);
    cr_assert((b->overlay == NULL) == want_skipped && (b->reason == NULL) == !want_skipped);
    return b;
}

static const tr_sensitivity_bump *ran(const char *id)
{
    return dists_bump(id, 0);
}

static const char *skipped_why(const char *id)
{
    return dists_bump(id, 1)->reason;
}

/* The element of list `key` of `o` whose "id" is `id`. */
static const cJSON *by_id(const cJSON *o, const char *key, const char *id)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, key))
    {
        const cJSON *v = cJSON_GetObjectItem(e, "id");
        if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0) return e;
    }
    cr_assert_fail("no %s \"%s\"", key, id);
    return NULL;
}

/* The base config, or the bumped one, parsed. */
static cJSON *config_with(const tr_sensitivity_bump *b)
{
    if (!b) return cJSON_Parse(dists_text);
    char *merged = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_overlay_merge(dists_text, strlen(dists_text), b->overlay, strlen(b->overlay),
                                  &merged, &err),
                 TR_OK);
    /* the bumped config loads */
    tr_config *c = th_load_as("bumped.json", merged);
    tr_config_free(c);
    cJSON *j = cJSON_Parse(merged);
    free(merged);
    return j;
}

/* A distribution's mean, from its JSON (defaults: delivery fixed 1,
 * slippage and growth fixed 0, pert lambda 4, beta on [0, 1]). */
static double mean_of(const cJSON *d, double dflt)
{
    if (!d) return dflt;
    const char *k = cJSON_GetObjectItem(d, "dist")->valuestring;
#define P(name) (cJSON_GetObjectItem(d, name) ? cJSON_GetObjectItem(d, name)->valuedouble : NAN)
    if (strcmp(k, "fixed") == 0) return P("value");
    if (strcmp(k, "uniform") == 0) return (P("min") + P("max")) / 2;
    if (strcmp(k, "triangular") == 0) return (P("min") + P("mode") + P("max")) / 3;
    if (strcmp(k, "pert") == 0) {
        double l = isnan(P("lambda")) ? 4 : P("lambda");
        return (P("min") + l * P("mode") + P("max")) / (l + 2);
    }
    if (strcmp(k, "beta") == 0 || strcmp(k, "normal") == 0) return P("mean");
    if (strcmp(k, "lognormal") == 0) return P("median") * exp(P("sigma") * P("sigma") / 2);
    if (strcmp(k, "discrete") == 0) {
        const cJSON *v = cJSON_GetObjectItem(d, "values"), *p = cJSON_GetObjectItem(d, "probs");
        double m = 0;
        for (int i = 0; i < cJSON_GetArraySize(v); i++)
            m += cJSON_GetArrayItem(v, i)->valuedouble * cJSON_GetArrayItem(p, i)->valuedouble;
        return m;
    }
#undef P
    cr_assert_fail("unknown dist %s", k);
    return NAN;
}

static const cJSON *scheme_member(const cJSON *cfg, const char *scheme, const char *member)
{
    return cJSON_GetObjectItem(by_id(by_id(cfg, "trusts", "t"), "schemes", scheme), member);
}

/* Mean delivered fraction of scheme s: base and bumped. */
static void delivery_means(const char *s, double *before, double *after, int *capped)
{
    char id[64];
    snprintf(id, sizeof id, "delivery:t/%s", s);
    const tr_sensitivity_bump *b = ran(id);
    cJSON *base = config_with(NULL), *bumped = config_with(b);
    *before = mean_of(scheme_member(base, s, "delivery"), 1.0);
    *after = mean_of(scheme_member(bumped, s, "delivery"), 1.0);
    *capped = b->capped;
    cJSON_Delete(base);
    cJSON_Delete(bumped);
}

TestSuite(bumps, .init = dists_setup, .fini = dists_teardown);

Test(bumps, every_delivery_family_loses_exactly_ten_points_of_mean)
{
    static const char *const fams[] = {"fx", "un", "tri", "pe", "be",
                                       "bb", "no", "ln",  "di", "def"};
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
        double a, b;
        int capped;
        delivery_means(fams[i], &a, &b, &capped);
        cr_expect(fabs((a - b) - 0.1) < 1e-12, "%s: mean %.17g -> %.17g, not 0.1 lower", fams[i], a,
                  b);
        cr_expect_eq(capped, 0, "%s is not capped", fams[i]);
    }
}

Test(bumps, a_beta_keeps_its_range_its_concentration_and_its_loadings)
{
    cJSON *base = config_with(NULL), *bumped = config_with(ran("delivery:t/be"));
    const cJSON *d0 = scheme_member(base, "be", "delivery"),
                *d1 = scheme_member(bumped, "be", "delivery");
    double m0 = cJSON_GetObjectItem(d0, "mean")->valuedouble,
           s0 = cJSON_GetObjectItem(d0, "sd")->valuedouble;
    double m1 = cJSON_GetObjectItem(d1, "mean")->valuedouble,
           s1 = cJSON_GetObjectItem(d1, "sd")->valuedouble;
    /* alpha + beta = m (1 - m) / sd^2 - 1 on [0, 1] */
    double k0 = m0 * (1 - m0) / (s0 * s0) - 1, k1 = m1 * (1 - m1) / (s1 * s1) - 1;
    cr_expect(fabs(k1 - k0) < 1e-6 * k0, "concentration %.10g -> %.10g", k0, k1);
    cr_expect_float_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(d1, "factors"), "n")->valuedouble,
                       0.3, 1e-15, "the loading stays");
    cJSON_Delete(base);
    cJSON_Delete(bumped);
    /* a beta on [0.2, 1.2] keeps that range */
    cJSON *bb_cfg = config_with(ran("delivery:t/bb"));
    const cJSON *d = scheme_member(bb_cfg, "bb", "delivery");
    cr_expect_float_eq(cJSON_GetObjectItem(d, "min")->valuedouble, 0.2, 1e-15);
    cr_expect_float_eq(cJSON_GetObjectItem(d, "max")->valuedouble, 1.2, 1e-15);
    cJSON_Delete(bb_cfg);
}

Test(bumps, delivery_is_capped_at_zero_and_says_so)
{
    /* fixed 0.05 -> 0; uniform(0, 0.6) -> (0, 0.5); discrete {1, 0} -> {0.9, 0};
     * triangular(0, 0.05, 0.08) collapses to fixed 0 */
    static const struct {
        const char *s;
        double fall;
    } cases[] = {{"fx0", 0.05}, {"un0", 0.05}, {"di0", 0.05}, {"tri0", 0.13 / 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double a, b;
        int capped;
        delivery_means(cases[i].s, &a, &b, &capped);
        cr_expect(fabs((a - b) - cases[i].fall) < 1e-12, "%s: mean %.17g -> %.17g", cases[i].s, a,
                  b);
        cr_expect_eq(capped, 1, "%s is capped", cases[i].s);
        cr_expect(b >= 0);
        char id[64];
        snprintf(id, sizeof id, "delivery:t/%s", cases[i].s);
        cr_expect(strstr(ran(id)->description, "capped") != NULL, "%s", ran(id)->description);
    }
    /* a beta near 0 falls as far as its shapes allow, and no further */
    double a, b;
    int capped;
    delivery_means("be0", &a, &b, &capped);
    cr_expect_eq(capped, 1);
    cr_expect(b > 0 && b < 0.001, "beta mean 0.05 -> %g", b);
    /* a lognormal whose mean is below the bump, and a delivery already 0: skipped */
    cr_expect(strstr(skipped_why("delivery:t/ln0"), "lognormal") != NULL);
    cr_expect(strstr(skipped_why("delivery:t/zero"), "floor") != NULL);
}

Test(bumps, slippage_scales_every_family_by_the_factor)
{
    static const char *const fams[] = {"un", "tri", "no", "di", "cl"};
    for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
        char id[64];
        snprintf(id, sizeof id, "slippage:t/%s", fams[i]);
        cJSON *base = config_with(NULL), *bumped = config_with(ran(id));
        double a = mean_of(scheme_member(base, fams[i], "slippage"), 0);
        double b = mean_of(scheme_member(bumped, fams[i], "slippage"), 0);
        cr_expect(fabs(b - 1.5 * a) < 1e-12 * b, "%s: mean %.17g -> %.17g", fams[i], a, b);
        cJSON_Delete(base);
        cJSON_Delete(bumped);
    }
    cr_expect(strstr(skipped_why("slippage:t/fx"), "no slippage") != NULL);
}

Test(bumps, cost_growth_rises_one_point_in_every_family)
{
    static const char *const trusts[] = {"t",           "g-fixed", "g-normal",  "g-beta",
                                         "g-lognormal", "g-pert",  "g-discrete"};
    for (size_t i = 0; i < sizeof trusts / sizeof trusts[0]; i++) {
        char id[64];
        snprintf(id, sizeof id, "cost_growth:%s", trusts[i]);
        cJSON *base = config_with(NULL), *bumped = config_with(ran(id));
        double a = mean_of(cJSON_GetObjectItem(by_id(base, "trusts", trusts[i]), "cost_growth"), 0);
        double b =
            mean_of(cJSON_GetObjectItem(by_id(bumped, "trusts", trusts[i]), "cost_growth"), 0);
        cr_expect(fabs((b - a) - 0.01) < 1e-12, "%s: mean %.17g -> %.17g", trusts[i], a, b);
        cJSON_Delete(base);
        cJSON_Delete(bumped);
    }
    cr_expect(strstr(skipped_why("cost_growth:g-none"), "expenditure") != NULL);
}

Test(bumps, probabilities_rise_by_the_bump_capped_at_one)
{
    cJSON *bumped = config_with(ran("paper:t/fx"));
    cr_expect_float_eq(scheme_member(bumped, "fx", "paper")->valuedouble, 0.1, 1e-15);
    cJSON_Delete(bumped);
    bumped = config_with(ran("stay:t/cl"));
    cr_expect_float_eq(
        cJSON_GetObjectItem(scheme_member(bumped, "cl", "stay"), "probability")->valuedouble, 0.45,
        1e-15);
    /* the stay's delay is untouched */
    cr_expect_not_null(cJSON_GetObjectItem(scheme_member(bumped, "cl", "stay"), "delay"));
    cJSON_Delete(bumped);
    const tr_sensitivity_bump *b = ran("compromise:t/cl");
    bumped = config_with(b);
    cr_expect_float_eq(
        cJSON_GetObjectItem(scheme_member(bumped, "cl", "compromise"), "probability")->valuedouble,
        1.0, 1e-15);
    cr_expect_eq(b->capped, 1, "0.95 + 0.1 is capped at 1");
    cJSON_Delete(bumped);
    b = ran("paper:t/pp");
    cr_expect_eq(b->capped, 1);
    cr_expect(strstr(b->description, "capped at 1") != NULL);
}

Test(bumps, reserves_are_cut_and_what_cannot_matter_is_skipped_with_its_reason)
{
    cJSON *bumped = config_with(ran("reserve:c1"));
    cr_expect_float_eq(
        cJSON_GetObjectItem(by_id(bumped, "consortia", "c1"), "reserve")->valuedouble, 5.0, 1e-15);
    cJSON_Delete(bumped);
    cr_expect(strstr(skipped_why("reserve:c0"), "already 0") != NULL);
    cr_expect(strstr(skipped_why("reserve:cx"), "no trust") != NULL);
    /* every bump of a scheme always on paper, or starting after the horizon */
    static const char *const kinds[] = {"delivery", "slippage", "paper"};
    for (size_t k = 0; k < 3; k++) {
        char id[64];
        snprintf(id, sizeof id, "%s:t/p1", kinds[k]);
        cr_expect(strstr(skipped_why(id), "always on paper") != NULL, "%s", id);
    }
    cr_expect(strstr(skipped_why("delivery:t/late"), "after the horizon") != NULL);
    cr_expect(strstr(skipped_why("stay:t/fx"), "no stay") != NULL);
    cr_expect(strstr(skipped_why("compromise:t/fx"), "no compromise") != NULL);
    cr_expect(strstr(skipped_why("compromise:t/whole"), "retain") != NULL);
    /* every bump is either run or skipped, once */
    size_t n =
        tr_sensitivity_plan_count(dists_plan) + tr_sensitivity_plan_skipped_count(dists_plan);
    cr_expect_eq(n, 8 + 22 * 5 + 3, "a bump per trust, five per scheme, one per consortium");
}

Test(bumps, a_bumped_config_the_loader_refuses_is_skipped_with_the_loaders_words)
{
    /* a pert as concentrated as the engine allows: clipped at 0, its mode
     * moves to its minimum and its shape beta would pass 1e5 */
    char *text = th_json("{'name':'edge','horizon_months':12,'trusts':[{'id':'x','cash':1,"
                         "'income':10,'expenditure':10,'schemes':[{'id':'s','saving':1,"
                         "'start_month':1,'delivery':{'dist':'pert','min':0.05,'mode':0.1,"
                         "'max':1,'lambda':100000}}]}]}");
    tr_config *cfg = th_load(text);
    tr_sensitivity_plan *p = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_sensitivity_plan_make(cfg, NULL, &p, &err), TR_OK);
    int skipped = 0;
    const tr_sensitivity_bump *b = find_bump(p, "delivery:x/s", &skipped);
    cr_assert(b && skipped);
    cr_expect(strstr(b->reason, "refused") && strstr(b->reason, "lambda"), "%s", b->reason);
    cr_expect(find_bump(p, "paper:x/s", &skipped) && !skipped, "the other bumps run");
    tr_sensitivity_plan_free(p);
    tr_config_free(cfg);
    free(text);
}

Test(bumps, sizes_are_overridable_and_checked)
{
    tr_sensitivity_sizes z;
    tr_sensitivity_sizes_init(&z);
    cr_expect(z.delivery == 0.1 && z.slippage == 1.5 && z.probability == 0.1 &&
              z.cost_growth == 0.01 && z.reserve == 0.5);
    z.delivery = 0.2;
    tr_sensitivity_plan *p = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_sensitivity_plan_make(dists_cfg, &z, &p, &err), TR_OK);
    tr_sensitivity_plan *saved = dists_plan;
    dists_plan = p;
    double a, b;
    int capped;
    delivery_means("no", &a, &b, &capped);
    cr_expect(fabs((a - b) - 0.2) < 1e-12);
    dists_plan = saved;
    tr_sensitivity_plan_free(p);
    z.delivery = 0;
    z.slippage = 0.5;
    z.reserve = 1.5;
    cr_expect_eq(tr_sensitivity_plan_make(dists_cfg, &z, &p, &err), TR_E_INPUT);
    cr_expect_eq(err.count, 3, "one message per size out of range");
    cr_expect_str_eq(err.diags[0].path, "delivery");
    tr_error_clear(&err);
}

/* ---- the ranking -------------------------------------------------------- */

/* "fragile" fails when its big scheme delivers less than 62.5 % of plan
 * (mean 65 %, sd 5 %: a third of the paths): its delivery is the driver by
 * construction. Its tiny scheme saves GBP 12k a year. "steady" never fails. */
static const char DRIVER[] =
    "{'name':'driver','horizon_months':12,'paths':4000,'seed':3,"
    "'consortia':[{'id':'c','reserve':5}],"
    "'trusts':[{'id':'fragile','cash':5,'income':120,'expenditure':140,'cash_noise':0.3,"
    " 'commissioners':[{'consortium':'c','share':1}],"
    " 'schemes':[{'id':'big','saving':24,'start_month':1,"
    "   'delivery':{'dist':'beta','mean':0.65,'sd':0.05}},"
    "  {'id':'tiny','saving':0.012,'start_month':1,"
    "   'delivery':{'dist':'uniform','min':0.5,'max':1},'paper':0.2}]},"
    " {'id':'steady','cash':50,'income':100,'expenditure':100}]}";

static char driver_dir[256], driver_file[300];

static void driver_setup(void)
{
    th_tmpdir(driver_dir, sizeof driver_dir, "sens");
    snprintf(driver_file, sizeof driver_file, "%s/driver.json", driver_dir);
    char *text = th_json("%s", DRIVER);
    th_write(driver_file, text);
    free(text);
}

static void driver_teardown(void)
{
    th_remove_tree(driver_dir);
}

static tr_config *load_file(const char *file)
{
    tr_config *cfg = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_config_load_file(file, &cfg, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    return cfg;
}

/* sensitivity.json of the driver config, parsed, grouped `group` bumps a batch. */
static cJSON *sensitivity(size_t group, int threads, char **text)
{
    tr_config *cfg = load_file(driver_file);
    tr_sensitivity_options opt;
    tr_sensitivity_options_init(&opt, cfg);
    opt.group = group;
    opt.threads = threads;
    tr_sensitivity *s = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_sensitivity_run(cfg, driver_file, &opt, &s, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    char *json = NULL;
    cr_assert_eq(tr_sensitivity_json(s, &json, &err), TR_OK);
    cJSON *j = cJSON_Parse(json);
    cr_assert_not_null(j);
    if (text)
        *text = json;
    else
        free(json);
    tr_sensitivity_free(s);
    tr_config_free(cfg);
    return j;
}

static const cJSON *trust_q(const cJSON *j, const char *trust, const char *q)
{
    return cJSON_GetObjectItem(by_id(j, "trusts", trust), q);
}

/* The ranking entry of `bump` for quantity q, or NULL (it changes nothing). */
static const cJSON *entry(const cJSON *q, const char *bump)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(q, "ranking")) if (strcmp(th_str(e, "bump"), bump) ==
                                                                 0) return e;
    return NULL;
}

TestSuite(ranking, .init = driver_setup, .fini = driver_teardown);

Test(ranking, the_driver_by_construction_ranks_first_and_a_tiny_scheme_is_within_noise,
     .timeout = 120)
{
    cJSON *j = sensitivity(0, 0, NULL);
    const cJSON *pf = trust_q(j, "fragile", "p_fail");
    double base = th_num(pf, "base");
    cr_expect(base > 0.2 && base < 0.45, "base P(fail) %g: about a third by construction", base);
    cr_assert_str_eq(th_str(pf, "ranking/0/bump"), "delivery:fragile/big");
    cr_expect(!cJSON_IsTrue(th_at(pf, "ranking/0/within_noise")));
    /* P(d < 0.625) with d about N(0.55, 0.05) rather than N(0.65, 0.05) */
    cr_expect(th_num(pf, "ranking/0/delta") > 0.45, "delta %g", th_num(pf, "ranking/0/delta"));
    /* the tiny scheme tips a path or two: ranked, but within noise */
    static const char *const tiny[] = {"delivery:fragile/tiny", "paper:fragile/tiny"};
    int ranked = 0;
    for (int k = 0; k < 2; k++) {
        const cJSON *e = entry(pf, tiny[k]);
        ranked += e != NULL;
        cr_expect(e == NULL || cJSON_IsTrue(cJSON_GetObjectItem(e, "within_noise")),
                  "%s is within noise for P(fail)", tiny[k]);
    }
    cr_expect(ranked > 0, "with seed 3, the tiny scheme changes fragile's fate on some path");
    /* the same driver for the bail-out and the system's failures */
    cr_expect_str_eq(th_str(trust_q(j, "fragile", "bailout"), "ranking/0/bump"),
                     "delivery:fragile/big");
    cr_expect_str_eq(th_str(j, "system/failures/ranking/0/bump"), "delivery:fragile/big");
    /* nothing moves steady, which never fails */
    const cJSON *sp = trust_q(j, "steady", "p_fail");
    cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(sp, "ranking")), 0);
    cr_expect_eq(th_num(sp, "unchanged"), cJSON_GetArraySize(cJSON_GetObjectItem(j, "bumps")));
    /* the flag is |delta| < 2 se, everywhere; ranks are by |delta| */
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(j, "trusts"))
    {
        static const char *const qs[] = {"p_fail", "bailout"};
        for (int k = 0; k < 2; k++) {
            const cJSON *e;
            double last = INFINITY;
            cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(t, qs[k]), "ranking"))
            {
                double d = th_num(e, "delta"), se = th_num(e, "se");
                cr_expect_eq(cJSON_IsTrue(cJSON_GetObjectItem(e, "within_noise")),
                             !(fabs(d) >= 2 * se));
                cr_expect(fabs(d) <= last);
                last = fabs(d);
            }
        }
    }
    cJSON_Delete(j);
}

/* The comparison entry of scenario `sid` in comparison.json. */
static const cJSON *comparison_of(const cJSON *cmp, const char *sid)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(cmp, "comparisons")) if (strcmp(th_str(c, "scenario"),
                                                                              sid) == 0) return c;
    cr_assert_fail("no comparison of %s", sid);
    return NULL;
}

/* Quantity q of the sensitivity equals the batch's numbers for every bump. */
static void same_numbers(const cJSON *q, const cJSON *cmp, const cJSON *bumps, const char *path)
{
    for (int i = 0; i < cJSON_GetArraySize(bumps); i++) {
        const char *id = th_str(cJSON_GetArrayItem(bumps, i), "id");
        char sid[32];
        snprintf(sid, sizeof sid, "b%d", i + 1);
        const cJSON *c = th_at(comparison_of(cmp, sid), path);
        cr_assert_not_null(c, "%s of %s", path, sid);
        const cJSON *e = entry(q, id);
        if (e == NULL) {
            cr_expect(th_num(c, "delta") == 0 && th_num(c, "se") == 0,
                      "%s changes %s, yet it is not ranked", id, path);
            continue;
        }
        static const char *const keys[] = {"delta", "se", "ci95/0", "ci95/1", "se_unpaired"};
        for (int k = 0; k < 5; k++)
            cr_expect(th_num(e, keys[k]) == th_num(c, keys[k]), "%s %s %s: %.17g vs %.17g", id,
                      path, keys[k], th_num(e, keys[k]), th_num(c, keys[k]));
    }
}

Test(ranking, every_number_is_the_batchs_and_the_grouping_changes_no_byte, .timeout = 180)
{
    char *one = NULL, *grouped = NULL;
    cJSON *j = sensitivity(0, 1, &one);
    cJSON *g = sensitivity(2, 2, &grouped);
    cr_expect_str_eq(one, grouped, "groups of two bumps, two threads: the same bytes");
    free(grouped);
    cJSON_Delete(g);
    /* the manifest of every bump, run as a batch */
    tr_config *cfg = load_file(driver_file);
    tr_sensitivity_plan *p = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr_sensitivity_plan_make(cfg, NULL, &p, &err), TR_OK);
    char *mj = NULL;
    cr_assert_eq(tr_sensitivity_plan_manifest(p, driver_file, 4000, 3, 0,
                                              tr_sensitivity_plan_count(p), &mj, &err),
                 TR_OK);
    tr_manifest *m = NULL;
    cr_assert_eq(tr_manifest_load_buffer(mj, strlen(mj), "m", NULL, &m, &err), TR_OK, "%s",
                 err.count ? err.diags[0].message : "");
    tr_batch_options bo;
    tr_batch_options_init(&bo);
    tr_batch *b = NULL;
    cr_assert_eq(tr_batch_run(m, &bo, &b, &err), TR_OK);
    char *cj = NULL;
    cr_assert_eq(tr_batch_comparison_json(b, &cj, &err), TR_OK);
    cJSON *cmp = cJSON_Parse(cj);
    const cJSON *bumps = cJSON_GetObjectItem(j, "bumps");
    cr_assert_eq(cJSON_GetArraySize(bumps), (int)tr_sensitivity_plan_count(p));
    static const char *const trusts[] = {"fragile", "steady"};
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 2; k++) {
            const char *q = k ? "bailout" : "p_fail";
            const cJSON *cmp0 = comparison_of(cmp, "b1");
            int ti = 0;
            const cJSON *it;
            cJSON_ArrayForEach(it, cJSON_GetObjectItem(cmp0, "trusts"))
            {
                if (strcmp(th_str(it, "id"), trusts[t]) == 0) break;
                ti++;
            }
            char path[64];
            snprintf(path, sizeof path, "trusts/%d/%s", ti, q);
            same_numbers(trust_q(j, trusts[t], q), cmp, bumps, path);
        }
    static const char *const sys[] = {"failures", "bailout", "national_topup"};
    for (int k = 0; k < 3; k++) {
        char path[64];
        snprintf(path, sizeof path, "system/%s", sys[k]);
        same_numbers(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "system"), sys[k]), cmp, bumps,
                     path);
    }
    cJSON_Delete(cmp);
    free(cj);
    tr_batch_free(b);
    tr_manifest_free(m);
    free(mj);
    tr_sensitivity_plan_free(p);
    tr_config_free(cfg);
    cJSON_Delete(j);
    free(one);
}

Test(ranking, a_config_that_changes_meanwhile_is_refused, .timeout = 60)
{
    tr_config *cfg = load_file(driver_file);
    char *other =
        th_json("{'name':'other','trusts':[{'id':'x','cash':1,'income':1,'expenditure':1}]}");
    th_write(driver_file, other);
    free(other);
    tr_sensitivity_options opt;
    tr_sensitivity_options_init(&opt, cfg);
    opt.paths = 100;
    tr_sensitivity *s = NULL;
    tr_error err;
    tr_error_init(&err);
    cr_expect_eq(tr_sensitivity_run(cfg, driver_file, &opt, &s, &err), TR_E_INPUT);
    cr_expect_null(s);
    tr_error_clear(&err);
    tr_config_free(cfg);
}

Test(ranking, the_page_has_a_tornado_for_the_system_and_each_trust_at_risk, .timeout = 120)
{
    char *text = NULL;
    cJSON *j = sensitivity(0, 0, &text);
    cJSON_Delete(j);
    char *html = NULL;
    tr_error err;
    tr_error_init(&err);
    /* without a chart drawer: the tables, and a note */
    cr_assert_eq(tr_sensitivity_html(text, strlen(text), NULL, NULL, NULL, &html, &err), TR_OK);
    cr_expect(strstr(html, "id=\"sens-topup\"") && strstr(html, "id=\"sens-trust-1-pfail\""));
    cr_expect(strstr(html, "gnuplot is not installed") != NULL);
    cr_expect(strstr(html, "steady") == NULL, "steady never fails: no section of its own");
    free(html);
    /* not a sensitivity.json */
    cr_expect_eq(tr_sensitivity_html("{\"paths\": 1}", 12, "x.json", NULL, NULL, &html, &err),
                 TR_E_INPUT);
    cr_expect_eq(tr_sensitivity_html("{", 1, "x.json", NULL, NULL, &html, &err), TR_E_INPUT);
    cr_expect_null(html);
    tr_error_clear(&err);
    free(text);
}

/* ---- the command -------------------------------------------------------- */

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

Test(ranking, the_command_writes_its_folder_and_refuses_bad_input, .timeout = 180)
{
    char *out = th_fmt("%s/out", driver_dir);
    const char *args[] = {"sensitivity", driver_file, "--out",           out,   "--paths", "1000",
                          "--report",    "--quiet",   "--bump-delivery", "0.2", NULL};
    th_cli r = th_run_cli(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "delivery:fragile/big") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "sensitivity written to") != NULL);
    th_cli_free(&r);
    char *file = th_fmt("%s/sensitivity.json", out);
    char *text = th_read_ok(file);
    cJSON *j = cJSON_Parse(text);
    cr_expect_eq(th_num(j, "sizes/delivery"), 0.2);
    cr_expect_eq(th_num(j, "paths"), 1000);
    cr_expect_str_eq(th_str(trust_q(j, "fragile", "p_fail"), "ranking/0/bump"),
                     "delivery:fragile/big");
    cJSON_Delete(j);
    free(text);
    free(file);
    file = th_fmt("%s/sensitivity.csv", out);
    text = th_read_ok(file);
    cr_expect(strncmp(text, "item,id,quantity,base,rank,bump,", 32) == 0);
    free(text);
    free(file);
    file = th_fmt("%s/sensitivity.html", out);
    text = th_read_ok(file);
    cr_expect(strstr(text, "Which assumption drives the risk") != NULL);
    if (th_sh("command -v gnuplot >/dev/null 2>&1") == 0)
        cr_expect(strstr(text, "<svg") != NULL, "gnuplot is installed: the tornadoes are drawn");
    free(text);
    free(file);
    cr_expect_eq(th_count_entries(out), 3);

    /* again into the same folder: replaced */
    const char *again[] = {"sensitivity", driver_file, "--out",   out,
                           "--paths",     "200",       "--quiet", NULL};
    r = th_run_cli(again);
    cr_expect_eq(r.status, 0, "%s", r.err);
    th_cli_free(&r);
    cr_expect_eq(th_count_entries(out), 2, "no report this time");

    /* bad input: exit 2, nothing written */
    char *fresh = th_fmt("%s/fresh", driver_dir), *bad = th_fmt("%s/bad.json", driver_dir);
    th_write(bad, "{\"name\": \"bad\", \"trusts\": [{\"id\": \"x\", \"cash\": \"lots\"}]}");
    const char *bad_cfg[] = {"sensitivity", bad, "--out", fresh, NULL};
    r = th_run_cli(bad_cfg);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "trusts[0].cash") != NULL, "the config's own message: %s", r.err);
    th_cli_free(&r);
    const char *bad_size[] = {"sensitivity", driver_file, "--out", fresh, "--bump-prob", "2", NULL};
    r = th_run_cli(bad_size);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--bump-prob") != NULL, "%s", r.err);
    th_cli_free(&r);
    const char *not_number[] = {"sensitivity", driver_file, "--out", fresh,
                                "--bump-slip", "x",         NULL};
    r = th_run_cli(not_number);
    cr_expect_eq(r.status, 2);
    th_cli_free(&r);
    const char *no_out[] = {"sensitivity", driver_file, NULL};
    r = th_run_cli(no_out);
    cr_expect_eq(r.status, 2);
    cr_expect(strstr(r.err, "--out") != NULL);
    th_cli_free(&r);
    const char *resume[] = {"sensitivity", driver_file, "--out", fresh, "--resume", NULL};
    r = th_run_cli(resume);
    cr_expect_eq(r.status, 2);
    th_cli_free(&r);
    /* run's options a sensitivity cannot honour are refused, not ignored */
    const char *ignored[][2] = {{"--xlsx", NULL}, {"--target-se", "0.01"}, {"--target-rel", "0.1"}};
    for (size_t k = 0; k < 3; k++) {
        const char *opt[] = {"sensitivity", driver_file,   "--out", fresh,
                             ignored[k][0], ignored[k][1], NULL};
        r = th_run_cli(opt);
        cr_expect_eq(r.status, 2, "%s", ignored[k][0]);
        cr_expect(strstr(r.err, ignored[k][0]) != NULL, "%s", r.err);
        th_cli_free(&r);
    }
    cr_expect(!exists(fresh), "nothing written for bad input");
    /* a folder holding someone else's file is left alone */
    char *mine = th_fmt("%s/notes.txt", out);
    th_write(mine, "mine");
    const char *theirs[] = {"sensitivity", driver_file, "--out", out, "--paths", "100", NULL};
    r = th_run_cli(theirs);
    cr_expect_eq(r.status, 2);
    th_cli_free(&r);
    cr_expect(exists(mine));
    free(mine);
    free(fresh);
    free(bad);
    free(out);
}

Test(ranking, a_single_path_prints_no_nan, .timeout = 120)
{
    char *out = th_fmt("%s/one", driver_dir);
    const char *args[] = {"sensitivity", driver_file, "--out",    out,
                          "--paths",     "1",         "--report", NULL};
    th_cli r = th_run_cli(args);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "on the same 1 path (seed") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "(se n/a)") != NULL, "a single path's se is undefined: %s", r.out);
    cr_expect(strstr(r.out, "nan") == NULL && strstr(r.out, "NaN") == NULL, "%s", r.out);
    th_cli_free(&r);
    /* the page: an undefined interval is a dash with null data, never "nan" */
    char *file = th_fmt("%s/sensitivity.html", out);
    char *html = th_read_ok(file);
    cr_expect(strstr(html, "data-lo=\"null\"") != NULL);
    cr_expect(strstr(html, "\"nan\"") == NULL && strstr(html, ">nan") == NULL,
              "no nan in the page");
    free(html);
    free(file);
    free(out);
}
