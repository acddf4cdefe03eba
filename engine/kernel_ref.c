/*
 * kernel_ref.c - the chunk kernel's plain twin (see kernel.h): lane by lane
 * on the reference simulator, and the chunk buffers both kernels fill.
 *
 * Each lane is one call of tr__sim_path, whose outputs are copied into the
 * lane. A trust's month-end cash path is compared with the rows the chunk
 * already holds for it, most recent first, and shares a row when it is the
 * same bytes; only the last two rows are compared, which catches the common
 * case (a trust flipping between two outcomes) at a bounded cost.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

double tr__kernel_bytes(const tr__plan *plan)
{
    double C = TR__CHUNK, nt = (double)plan->n_trusts, ns = (double)plan->n_schemes;
    double nc = (double)plan->n_consortia, H = (double)plan->horizon;
    double chunk = nt * C * (H * 8 + 11) + ns * C * 8 + nc * C * 17 + C * 28;
    double ref = nt * H * 16 + nt * 40 + ns * sizeof(tr__scheme_draw) + nc * H * 8;
    double fast = nc * H * C * 8 + H * C * 8 * 6 + (double)plan->nz * C * 8 + 2 * nt * H * 16 +
                  3 * ns * 2 * 8 + 64 * C * 8;
    return chunk + ref + fast;
}

tr_status tr__chunk_init(tr__chunk_out *out, const tr__plan *plan, tr_error *err)
{
    memset(out, 0, sizeof *out);
    size_t C = TR__CHUNK, nt = plan->n_trusts, ns = plan->n_schemes, nc = plan->n_consortia;
    size_t H = (size_t)plan->horizon;
    out->w = calloc(C, sizeof *out->w);
    out->fail = calloc(nt * C, sizeof *out->fail);
    out->bo = calloc(nt * C, sizeof *out->bo);
    out->sf = calloc(ns * C + 1, sizeof *out->sf);
    out->req = calloc(nc * C + 1, sizeof *out->req);
    out->paid = calloc(nc * C + 1, sizeof *out->paid);
    out->exh = calloc(nc * C + 1, sizeof *out->exh);
    out->nfail = calloc(C, sizeof *out->nfail);
    out->sys_bo = calloc(C, sizeof *out->sys_bo);
    out->sys_top = calloc(C, sizeof *out->sys_top);
    out->cref = calloc(nt * C, sizeof *out->cref);
    out->nrows = calloc(nt, sizeof *out->nrows);
    out->cash = calloc(nt * C * H, sizeof *out->cash);
    if (!out->w || !out->fail || !out->bo || !out->sf || !out->req || !out->paid || !out->exh ||
        !out->nfail || !out->sys_bo || !out->sys_top || !out->cref || !out->nrows || !out->cash) {
        tr__chunk_free(out);
        return tr_error_add(err, TR_E_NOMEM, NULL, NULL, 0, 0,
                            "out of memory allocating a thread's chunk of paths");
    }
    return TR_OK;
}

void tr__chunk_free(tr__chunk_out *out)
{
    if (!out) return;
    free(out->w);
    free(out->fail);
    free(out->bo);
    free(out->sf);
    free(out->req);
    free(out->paid);
    free(out->exh);
    free(out->nfail);
    free(out->sys_bo);
    free(out->sys_top);
    free(out->cref);
    free(out->nrows);
    free(out->cash);
    memset(out, 0, sizeof *out);
}

void tr__chunk_store_cash(tr__chunk_out *out, size_t i, size_t k, const double *cash, size_t H)
{
    const size_t C = TR__CHUNK;
    double *rows = out->cash + i * C * H;
    size_t r = out->nrows[i];
    for (size_t back = 0; back < 2 && back < r; back++) {
        size_t j = r - 1 - back;
        if (memcmp(rows + j * H, cash, H * sizeof *cash) == 0) {
            out->cref[i * C + k] = (uint16_t)j;
            return;
        }
    }
    memcpy(rows + r * H, cash, H * sizeof *cash);
    out->cref[i * C + k] = (uint16_t)r;
    out->nrows[i] = (uint16_t)(r + 1);
}

void tr__kernel_chunk_ref(tr__kws *kw, uint64_t seed, uint64_t first, size_t n, tr__chunk_out *out)
{
    const tr__plan *pl = kw->plan;
    const size_t C = TR__CHUNK, H = (size_t)pl->horizon;
    tr__ws *ws = &kw->ws;
    out->first = first;
    out->n = n;
    memset(out->nrows, 0, pl->n_trusts * sizeof *out->nrows);
    for (size_t k = 0; k < n; k++) {
        tr__sim_path(ws, seed, first + k);
        out->w[k] = ws->weight;
        for (size_t i = 0; i < pl->n_trusts; i++) {
            out->fail[i * C + k] = (uint8_t)ws->fail_month[i];
            out->bo[i * C + k] = ws->bailout[i];
            /* The previous lane's row when the simulator reused that path's months. */
            if (ws->memo.reused[i] && k > 0)
                out->cref[i * C + k] = out->cref[i * C + k - 1];
            else
                tr__chunk_store_cash(out, i, k, ws->cash + i * H, H);
        }
        for (size_t s = 0; s < pl->n_schemes; s++)
            out->sf[s * C + k] = ws->shortfall[s];
        for (size_t c = 0; c < pl->n_consortia; c++) {
            out->req[c * C + k] = ws->requested[c];
            out->paid[c * C + k] = ws->paid[c];
            out->exh[c * C + k] = (uint8_t)ws->exhaust_month[c];
        }
        out->nfail[k] = (uint32_t)ws->n_failed;
        out->sys_bo[k] = ws->total_bailout;
        out->sys_top[k] = ws->national_topup;
    }
}

void tr__kernel_chunk(tr__kws *kw, uint64_t seed, uint64_t first, size_t n, tr__chunk_out *out)
{
    if (kw->reference)
        tr__kernel_chunk_ref(kw, seed, first, n, out);
    else
        tr__kernel_chunk_fast(kw, seed, first, n, out);
}
