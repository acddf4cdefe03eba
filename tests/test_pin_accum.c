/*
 * test_pin_accum.c - the accumulator (engine/accum.c) against hand-made
 * paths (pin_fixture.h): every count, exact sum and histogram it keeps is
 * compared with one worked out directly from the paths, and an accumulator
 * split like two threads' and merged must equal one that saw every path.
 * These pin down mistakes the end-to-end tests can miss because they only
 * shift a figure slightly (a sum of squares, a month, a repeat count).
 */
#include "pin_fixture.h"

#define N 300

typedef struct fixture {
    tr_config *cfg;
    tr__plan plan;
    tr__ws ws;
} fixture;

static void open_fixture(fixture *f)
{
    tr_error err;
    tr_error_init(&err);
    f->cfg = pin_load();
    cr_assert_eq(tr__plan_init(&f->plan, f->cfg, 1, &err), TR_OK);
    cr_assert_eq(tr__ws_init(&f->ws, &f->plan, 0, &err), TR_OK);
    tr_error_clear(&err);
}

static void close_fixture(fixture *f)
{
    tr__ws_free(&f->ws);
    tr__plan_free(&f->plan);
    tr_config_free(f->cfg);
}

static void new_acc(tr__acc *a, const fixture *f)
{
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr__acc_init(a, &f->plan, &err), TR_OK);
    tr_error_clear(&err);
}

/* A histogram with its own pool of pages. */
typedef struct hbox {
    tr__hpool *pool;
    tr__hist h;
} hbox;

static void hopen(hbox *b)
{
    b->pool = tr__hpool_create();
    cr_assert_not_null(b->pool);
    tr__hist_init(&b->h);
}

static void hadd(hbox *b, double x)
{
    cr_assert_eq(tr__hist_add(&b->h, b->pool, x), 0);
}

/* h holds exactly the values that went into ref: the same bucket counts,
 * count, extremes and used range. */
static void same_hist(const tr__hist *h, const tr__hist *ref, const char *what)
{
    cr_expect_eq(h->n, ref->n, "%s: %llu values, want %llu", what, (unsigned long long)h->n,
                 (unsigned long long)ref->n);
    cr_expect_eq(h->min, ref->min, "%s: min", what);
    cr_expect_eq(h->max, ref->max, "%s: max", what);
    cr_expect_eq(h->lo, ref->lo, "%s: lowest bucket used", what);
    cr_expect_eq(h->hi, ref->hi, "%s: highest bucket used", what);
    int same = 1;
    for (size_t i = 0; i < tr__hist_nbuckets(); i++)
        same &= tr__hist_count(h, i) == tr__hist_count(ref, i);
    cr_expect(same, "%s: bucket counts differ", what);
}

/* Exact-sum slot k holds sum (which == TR__S_SUM) or sum of squares of xs. */
static void same_sum(const tr__acc *a, size_t k, const double *xs, size_t n, const char *what)
{
    long double s = 0.0L, q = 0.0L;
    for (size_t j = 0; j < n; j++) {
        s += xs[j];
        q += (long double)xs[j] * xs[j];
    }
    double got = tr__xsum_value(&a->xs[k]), got2 = tr__xsum_value(&a->xs[k + 1]);
    cr_expect(fabsl(got - s) <= 1e-12L * fabsl(s) + 1e-12L, "%s: sum %.17g, want %.17Lg", what, got,
              s);
    cr_expect(fabsl(got2 - q) <= 1e-12L * fabsl(q) + 1e-12L,
              "%s: sum of squares %.17g, want %.17Lg", what, got2, q);
}

Test(pin_accum, counts_sums_and_histograms_match_the_paths)
{
    fixture f;
    open_fixture(&f);
    tr__acc a;
    new_acc(&a, &f);
    pin_accumulate(&a, &f.ws, &f.plan, 0, N, 7);
    cr_expect_eq(a.n, N);

    /* Counts, by hand. */
    uint64_t fail[PIN_NT] = {0}, by_month[PIN_NT][PIN_H] = {{0}}, tau[PIN_NT] = {0};
    uint64_t ex[PIN_NC] = {0}, ex_month[PIN_NC][PIN_H] = {{0}}, nfail[PIN_NT + 1] = {0};
    static double bo[PIN_NT][N], sf[PIN_NS][N], sf_fail[PIN_NS][N], cons[PIN_NC][3][N], sys[2][N];
    hbox hbo[PIN_NT], hcash[PIN_NT][PIN_H], hcons[PIN_NC][3], hsys[2];
    for (int i = 0; i < PIN_NT; i++) {
        hopen(&hbo[i]);
        for (int t = 0; t < PIN_H; t++)
            hopen(&hcash[i][t]);
    }
    for (int c = 0; c < PIN_NC; c++)
        for (int q = 0; q < 3; q++)
            hopen(&hcons[c][q]);
    hopen(&hsys[0]);
    hopen(&hsys[1]);
    for (uint64_t j = 0; j < N; j++) {
        pin_path p;
        pin_make(j, &p);
        pin_fill(&f.ws, j); /* for the system totals */
        int k = 0;
        for (int i = 0; i < PIN_NT; i++) {
            if (p.fail[i]) {
                fail[i]++;
                by_month[i][p.fail[i] - 1]++;
                tau[i] += (uint64_t)p.fail[i];
                k++;
            }
            bo[i][j] = p.bo[i];
            hadd(&hbo[i], p.bo[i]);
            for (int t = 0; t < PIN_H; t++)
                hadd(&hcash[i][t], p.cash[i][t]);
        }
        nfail[k]++;
        int owner[PIN_NS] = {0, 0, 1};
        for (int s = 0; s < PIN_NS; s++) {
            sf[s][j] = p.shortfall[s];
            sf_fail[s][j] = p.fail[owner[s]] ? p.shortfall[s] : 0.0;
        }
        for (int c = 0; c < PIN_NC; c++) {
            double v[3] = {p.req[c], p.paid[c], p.req[c] - p.paid[c]};
            for (int q = 0; q < 3; q++) {
                cons[c][q][j] = v[q];
                hadd(&hcons[c][q], v[q]);
            }
            if (p.exhaust[c]) {
                ex[c]++;
                ex_month[c][p.exhaust[c] - 1]++;
            }
        }
        sys[0][j] = f.ws.total_bailout;
        sys[1][j] = f.ws.national_topup;
        hadd(&hsys[0], sys[0][j]);
        hadd(&hsys[1], sys[1][j]);
    }
    for (int i = 0; i < PIN_NT; i++) {
        cr_expect_eq(a.fail_count[i], fail[i], "trust %d failures", i);
        cr_expect_eq(a.tau_sum[i], tau[i], "trust %d sum of failure months", i);
        for (int t = 0; t < PIN_H; t++)
            cr_expect_eq(a.fail_by_month[i * PIN_H + t], by_month[i][t],
                         "trust %d failures in month %d", i, t + 1);
    }
    for (int c = 0; c < PIN_NC; c++) {
        cr_expect_eq(a.exhausted[c], ex[c], "consortium %d exhausted", c);
        for (int t = 0; t < PIN_H; t++)
            cr_expect_eq(a.ex_by_month[c * PIN_H + t], ex_month[c][t],
                         "consortium %d exhausted in month %d", c, t + 1);
    }
    cr_expect_gt(ex[0], 10, "the fixture must exhaust c1 on some paths");
    for (int k = 0; k <= PIN_NT; k++)
        cr_expect_eq(a.nfail[k], nfail[k], "paths with %d failing", k);
    cr_expect_gt(nfail[PIN_NT], 0, "the fixture must have paths where every trust fails");

    /* Exact sums and sums of squares; shortfall given failure has no squares. */
    for (int i = 0; i < PIN_NT; i++)
        same_sum(&a, tr__acc_bo(&a, (size_t)i, TR__S_SUM), bo[i], N, "bail-out");
    for (int c = 0; c < PIN_NC; c++)
        for (int q = 0; q < 3; q++)
            same_sum(&a, tr__acc_cons(&a, (size_t)c, q, TR__S_SUM), cons[c][q], N,
                     q == 0   ? "requested"
                     : q == 1 ? "paid"
                              : "top-up");
    same_sum(&a, tr__acc_sys(&a, 0, TR__S_SUM), sys[0], N, "system bail-out");
    same_sum(&a, tr__acc_sys(&a, 1, TR__S_SUM), sys[1], N, "national top-up");
    for (int s = 0; s < PIN_NS; s++) {
        long double all = 0.0L, given = 0.0L;
        for (int j = 0; j < N; j++) {
            all += sf[s][j];
            given += sf_fail[s][j];
        }
        double got = tr__xsum_value(&a.xs[tr__acc_shortfall(&a, (size_t)s, 0)]);
        double got_f = tr__xsum_value(&a.xs[tr__acc_shortfall(&a, (size_t)s, 1)]);
        cr_expect(fabsl(got - all) <= 1e-12L * fabsl(all), "scheme %d shortfall sum", s);
        cr_expect(fabsl(got_f - given) <= 1e-12L * fabsl(given) + 1e-12L,
                  "scheme %d shortfall sum on failing paths %.17g, want %.17Lg", s, got_f, given);
    }

    /* Histograms: exactly the values added, whatever the memo and repeat cache did. */
    char what[64];
    for (int i = 0; i < PIN_NT; i++) {
        snprintf(what, sizeof what, "trust %d bail-out", i);
        same_hist(&a.bo[i], &hbo[i].h, what);
        for (int t = 0; t < PIN_H; t++) {
            snprintf(what, sizeof what, "trust %d cash month %d", i, t + 1);
            same_hist(&a.cash[i * PIN_H + t], &hcash[i][t].h, what);
        }
    }
    const tr__hist *ch[3];
    for (int c = 0; c < PIN_NC; c++) {
        ch[0] = &a.req[c];
        ch[1] = &a.paid[c];
        ch[2] = &a.top[c];
        for (int q = 0; q < 3; q++) {
            snprintf(what, sizeof what, "consortium %d quantity %d", c, q);
            same_hist(ch[q], &hcons[c][q].h, what);
        }
    }
    same_hist(&a.sys_bo, &hsys[0].h, "system bail-out");
    same_hist(&a.sys_top, &hsys[1].h, "national top-up");

    for (int i = 0; i < PIN_NT; i++) {
        tr__hpool_free(hbo[i].pool);
        for (int t = 0; t < PIN_H; t++)
            tr__hpool_free(hcash[i][t].pool);
    }
    for (int c = 0; c < PIN_NC; c++)
        for (int q = 0; q < 3; q++)
            tr__hpool_free(hcons[c][q].pool);
    tr__hpool_free(hsys[0].pool);
    tr__hpool_free(hsys[1].pool);
    tr__acc_free(&a);
    close_fixture(&f);
}

/* Two accumulators over [0, cut) and [cut, N), merged, equal one over [0, N)
 * (blocks of the same paths, so the exact sums agree to the last limb). */
static void check_split(uint64_t cut)
{
    fixture f;
    open_fixture(&f);
    tr__acc all, lo, hi;
    new_acc(&all, &f);
    new_acc(&lo, &f);
    new_acc(&hi, &f);
    pin_accumulate(&all, &f.ws, &f.plan, 0, N, cut);
    pin_accumulate(&lo, &f.ws, &f.plan, 0, cut, cut);
    pin_accumulate(&hi, &f.ws, &f.plan, cut, N, cut);
    tr_error err;
    tr_error_init(&err);
    cr_assert_eq(tr__acc_merge(&lo, &hi, &err), TR_OK);
    size_t H = PIN_H;
    cr_expect_eq(lo.n, all.n);
    cr_expect_eq(memcmp(lo.fail_count, all.fail_count, PIN_NT * sizeof(uint64_t)), 0);
    cr_expect_eq(memcmp(lo.fail_by_month, all.fail_by_month, PIN_NT * H * sizeof(uint64_t)), 0);
    cr_expect_eq(memcmp(lo.tau_sum, all.tau_sum, PIN_NT * sizeof(uint64_t)), 0);
    cr_expect_eq(memcmp(lo.exhausted, all.exhausted, PIN_NC * sizeof(uint64_t)), 0);
    cr_expect_eq(memcmp(lo.ex_by_month, all.ex_by_month, PIN_NC * H * sizeof(uint64_t)), 0);
    for (int k = 0; k <= PIN_NT; k++)
        cr_expect_eq(lo.nfail[k], all.nfail[k], "cut %llu: paths with %d failing",
                     (unsigned long long)cut, k);
    for (size_t i = 0; i < PIN_NT; i++) {
        same_hist(&lo.bo[i], &all.bo[i], "merged bail-out");
        for (size_t t = 0; t < H; t++)
            same_hist(&lo.cash[i * H + t], &all.cash[i * H + t], "merged cash");
    }
    for (size_t c = 0; c < PIN_NC; c++) {
        same_hist(&lo.req[c], &all.req[c], "merged requests");
        same_hist(&lo.paid[c], &all.paid[c], "merged payments");
        same_hist(&lo.top[c], &all.top[c], "merged top-ups");
    }
    same_hist(&lo.sys_bo, &all.sys_bo, "merged system bail-out");
    same_hist(&lo.sys_top, &all.sys_top, "merged national top-up");
    for (size_t m = 0; m < all.nsums; m++) {
        cr_expect_eq(memcmp(lo.xs[m].limb, all.xs[m].limb, sizeof all.xs[m].limb), 0,
                     "cut %llu: exact sum %zu differs", (unsigned long long)cut, m);
        cr_expect_eq(tr__xsum_value(&lo.xs[m]), tr__xsum_value(&all.xs[m]));
    }
    tr__acc_free(&all);
    tr__acc_free(&lo);
    tr__acc_free(&hi);
    close_fixture(&f);
}

Test(pin_accum, merging_a_split_equals_one_accumulator)
{
    /* the second half starts with higher bail-outs and new cash buckets, and
     * (at 90) with a path where both trusts fail */
    check_split(90);
    check_split(150);
}
