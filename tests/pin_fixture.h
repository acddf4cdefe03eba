/*
 * pin_fixture.h - hand-made paths for the accumulator and results tests
 * (test_pin_accum.c, test_pin_results.c).
 *
 * Instead of simulating, a test writes each path's outputs straight into a
 * workspace (what tr__sim_path would leave there) from the closed formulas
 * below, so every count, sum, quantile and CSV field that follows has an
 * answer the test can work out independently of the engine. The config
 * matters only for its shape: 2 trusts (3 schemes), 2 consortia, 4 months.
 * Trust "a" fails on 2 paths in 5, trust "b" on 1 in 3, both on 2 in 15, in
 * every month of the horizon; bail-outs, cash, shortfalls and consortium
 * figures are spread over many histogram buckets (positive, negative, below
 * and above 1; trust a's cash drifts down, so later paths reach lower
 * buckets), and trust b's cash alternates irregularly between two paths
 * so that the accumulator's repeat cache is exercised. The figures need not
 * obey the model (consortium c1 pays 7 plus a quarter of what it is asked),
 * only be distinct where a mix-up should show.
 */
#ifndef TR_PIN_FIXTURE_H
#define TR_PIN_FIXTURE_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "accum.h"
#include "sim.h"
#include "trustrisk/trustrisk.h"

#define PIN_H 4
#define PIN_NT 2
#define PIN_NS 3
#define PIN_NC 2

static const char pin_config[] =
    "{\"name\":\"pin\",\"horizon_months\":4,"
    "\"consortia\":[{\"id\":\"c1\",\"name\":\"North, \\\"Central\\\"\",\"reserve\":7},"
    "{\"id\":\"c2\",\"reserve\":1000}],"
    "\"trusts\":["
    "{\"id\":\"a\",\"name\":\"St \\\"Mary's\\\", Paddington\",\"cash\":1,\"income\":12,"
    "\"expenditure\":12,\"commissioners\":[{\"consortium\":\"c1\",\"share\":0.5}],"
    "\"schemes\":[{\"id\":\"s1\",\"kind\":\"efficiency\",\"saving\":12,\"start_month\":1},"
    "{\"id\":\"s2\",\"kind\":\"closure\",\"saving\":6,\"start_month\":2,\"ramp_months\":2}]},"
    "{\"id\":\"b\",\"cash\":1,\"income\":12,\"expenditure\":12,"
    "\"commissioners\":[{\"consortium\":\"c2\",\"share\":0.25}],"
    "\"schemes\":[{\"id\":\"s3\",\"saving\":3,\"start_month\":3,\"recurrent\":false}]}]}";

/* What path j is made of. */
typedef struct pin_path {
    int fail[PIN_NT];  /* failure month, 0 if none */
    double bo[PIN_NT]; /* bail-out */
    double cash[PIN_NT][PIN_H];
    double shortfall[PIN_NS];
    double req[PIN_NC], paid[PIN_NC];
    int exhaust[PIN_NC];
} pin_path;

static void pin_make(uint64_t j, pin_path *p)
{
    memset(p, 0, sizeof *p);
    int fa = j % 5 < 2, fb = j % 3 == 0;
    p->fail[0] = fa ? 1 + (int)(j % 4) : 0;
    p->fail[1] = fb ? PIN_H - (int)(j % 4) : 0;
    p->bo[0] = fa ? 2.0 * pow(1.07, (double)j) : 0.0; /* a new bucket every path */
    p->bo[1] = fb ? 3.0 + 0.37 * (double)j : 0.0;
    for (int t = 0; t < PIN_H; t++) {
        p->cash[0][t] = (double)(j % 9) * (t + 1) * 0.731 - 5.5 - 0.05 * (double)j;
        p->cash[1][t] = (j * j) % 5 < 2 ? 1.0 + t : 5.0 - 0.25 * t; /* two paths only */
    }
    p->shortfall[0] = 0.25 * (double)j;
    p->shortfall[1] = -0.5 - 0.01 * (double)(j % 7); /* over-delivery */
    p->shortfall[2] = (double)(j % 2) * 1.75;
    p->req[0] = 0.5 * p->bo[0];
    p->paid[0] = fmin(p->req[0], 7.0 + 0.25 * p->req[0]);
    p->exhaust[0] = p->req[0] > 7.0 ? 1 + (int)(j % PIN_H) : 0;
    p->req[1] = 0.25 * p->bo[1];
    p->paid[1] = p->req[1];
    p->exhaust[1] = 0;
}

/* Write path j's outputs into ws, as tr__sim_path would. */
static void pin_fill(tr__ws *ws, uint64_t j)
{
    pin_path p;
    pin_make(j, &p);
    ws->n_failed = 0;
    ws->total_bailout = 0.0;
    ws->national_topup = 0.0;
    for (int i = 0; i < PIN_NT; i++) {
        ws->fail_month[i] = p.fail[i];
        ws->bailout[i] = p.bo[i];
        for (int t = 0; t < PIN_H; t++)
            ws->cash[i * PIN_H + t] = p.cash[i][t];
        ws->n_failed += p.fail[i] != 0;
        ws->total_bailout += p.bo[i];
    }
    for (int s = 0; s < PIN_NS; s++)
        ws->shortfall[s] = p.shortfall[s];
    ws->national_topup = 0.5 * p.bo[0] + 0.75 * p.bo[1];
    for (int c = 0; c < PIN_NC; c++) {
        ws->requested[c] = p.req[c];
        ws->paid[c] = p.paid[c];
        ws->exhaust_month[c] = p.exhaust[c];
        ws->national_topup += p.req[c] - p.paid[c];
    }
}

static tr_config *pin_load(void)
{
    tr_error err;
    tr_error_init(&err);
    tr_config *cfg = NULL;
    tr_status st = tr_config_load_buffer(pin_config, strlen(pin_config), "pin.json", &cfg, &err);
    if (st != TR_OK) tr_error_print(&err, stderr);
    cr_assert_eq(st, TR_OK, "the fixture config must load");
    tr_error_clear(&err);
    cr_assert_eq(cfg->n_trusts, PIN_NT);
    cr_assert_eq(cfg->n_schemes_total, PIN_NS);
    cr_assert_eq(cfg->n_consortia, PIN_NC);
    return cfg;
}

/* The path held in ws as lane 0 of a one-path chunk. */
static void pin_chunk(tr__chunk_out *ch, const tr__ws *ws, const tr__plan *plan, uint64_t j)
{
    const size_t C = TR__CHUNK, H = (size_t)plan->horizon;
    ch->first = j;
    ch->n = 1;
    ch->w[0] = 1.0;
    for (size_t i = 0; i < plan->n_trusts; i++) {
        ch->fail[i * C] = (uint8_t)ws->fail_month[i];
        ch->bo[i * C] = ws->bailout[i];
        memcpy(ch->cash + i * C * H, ws->cash + i * H, H * sizeof *ch->cash);
        ch->cref[i * C] = 0;
        ch->nrows[i] = 1;
    }
    for (size_t s = 0; s < plan->n_schemes; s++)
        ch->sf[s * C] = ws->shortfall[s];
    for (size_t c = 0; c < plan->n_consortia; c++) {
        ch->req[c * C] = ws->requested[c];
        ch->paid[c * C] = ws->paid[c];
        ch->exh[c * C] = (uint8_t)ws->exhaust_month[c];
    }
    ch->nfail[0] = (uint32_t)ws->n_failed;
    ch->sys_bo[0] = ws->total_bailout;
    ch->sys_top[0] = ws->national_topup;
}

/* Add paths [from, to) into acc, one path a chunk, closing a block every
 * `block` paths and at the end, then flush the repeat cache. */
static void pin_accumulate(tr__acc *acc, tr__ws *ws, const tr__plan *plan, uint64_t from,
                           uint64_t to, uint64_t block)
{
    tr_error err;
    tr_error_init(&err);
    tr__chunk_out ch;
    tr__acc_local local;
    cr_assert_eq(tr__chunk_init(&ch, plan, &err), TR_OK);
    cr_assert_eq(tr__acc_local_init(&local, plan, &err), TR_OK);
    for (uint64_t j = from; j < to; j++) {
        pin_fill(ws, j);
        pin_chunk(&ch, ws, plan, j);
        tr__acc_add_chunk(acc, &local, &ch, plan);
        if ((j - from + 1) % block == 0) tr__acc_end_block(acc, &local);
    }
    tr__acc_end_block(acc, &local);
    tr__acc_local_flush(acc, &local);
    tr__acc_local_free(&local);
    tr__chunk_free(&ch);
    tr_error_clear(&err);
}

#endif /* TR_PIN_FIXTURE_H */
