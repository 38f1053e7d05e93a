#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/families.h"
#include "core/ops/matmul.h"
#include "core/ops/matmul_mma.h"
#include "tests/ref/matmul.h"

static const char *const dt_names[] = { "f32", "f16", "bf16" };

/* Uploads data (rounded to dtype in place) as a view starting off elements
 * into a larger tensor, so odd offsets reach the shader's unaligned paths. */
static int operand(lt *t, lavin_tensor *base, lavin_tensor *view, lavin_dtype dt, int ndim, const int64_t *ne,
                   float *data, int64_t off)
{
    size_t n = lt_nelem(ndim, ne);
    lt_round_to(data, n, dt);
    float *padded = lt_random(t, n + (size_t)off + 1, -9, 9);
    memcpy(padded + off, data, n * sizeof(float));
    int64_t total = (int64_t)n + off + 1;
    int ret = lt_tensor(t, base, dt, 1, &total, padded);
    free(padded);
    if (ret < 0)
        return ret;
    return lavin_tensor_view(t->ctx, base, off, ndim, ne, view);
}

/* A copy of data rounded to f16, as the matrix-tile kernel stages it. */
static float *to_f16(const float *data, size_t n)
{
    float *r = malloc(n * sizeof(float));
    memcpy(r, data, n * sizeof(float));
    lt_round_to(r, n, LAVIN_F16);
    return r;
}

typedef struct {
    int64_t M, N, K;
    lavin_dtype xdt, wdt;
    int bdt;          /* -1: no bias */
    int64_t off;      /* view offset of x, w and bias */
    int x3d;          /* x as [2, M/2, K] */
} mm_case;

static void run_case(lt *t, const mm_case *c)
{
    lavin_context *ctx = t->ctx;
    size_t M = (size_t)c->M, N = (size_t)c->N, K = (size_t)c->K;
    float *x = lt_random(t, M * K, -2, 2), *w = lt_random(t, N * K, -1, 1), *b = lt_random(t, N, -1, 1);
    float *ref = malloc(M * N * sizeof(float));
    char what[160];
    snprintf(what, sizeof(what), "M %zu N %zu K %zu x %s w %s bias %s off %lld%s", M, N, K, dt_names[c->xdt],
             dt_names[c->wdt], c->bdt < 0 ? "none" : dt_names[c->bdt], (long long)c->off,
             c->x3d ? " 3-D" : "");
    int64_t nx2[2] = { c->M, c->K }, nx3[3] = { 2, c->M / 2, c->K }, nw[2] = { c->N, c->K }, nb[1] = { c->N };
    int64_t no2[2] = { c->M, c->N }, no3[3] = { 2, c->M / 2, c->N };
    lavin_tensor xb = { 0 }, xv, wb = { 0 }, wv, bb = { 0 }, bv, to = { 0 };
    int ret = operand(t, &xb, &xv, c->xdt, c->x3d ? 3 : 2, c->x3d ? nx3 : nx2, x, c->off);
    if (ret >= 0)
        ret = operand(t, &wb, &wv, c->wdt, 2, nw, w, c->off);
    if (ret >= 0 && c->bdt >= 0)
        ret = operand(t, &bb, &bv, (lavin_dtype)c->bdt, 1, nb, b, c->off);
    if (ret >= 0)
        ret = c->x3d ? lt_output(t, &to, 3, no3) : lt_output(t, &to, 2, no2);
    if (ret >= 0)
        ret = lavin_op_matmul(ctx, &xv, &wv, c->bdt >= 0 ? &bv : NULL, &to);
    if (lt_ok(t, what, ret) && lavin_matmul_mma_suits(ctx, c->M)) {
        /* The f16 products are exact in f32, so against a reference on the
         * f16 operands only the f32 sums' rounding is left, and the f32
         * tolerance holds: a lost k-step or column fails it by far. */
        float *xh = to_f16(x, M * K), *wh = to_f16(w, N * K);
        lavin_ref_matmul(xh, wh, c->bdt >= 0 ? b : NULL, ref, M, N, K);
        lt_compare(t, what, &to, ref, M * N, LT_TOL_F32);
        free(xh);
        free(wh);
    } else if (ret >= 0) {
        lavin_ref_matmul(x, w, c->bdt >= 0 ? b : NULL, ref, M, N, K);
        int wide = c->xdt == LAVIN_F32 && c->wdt == LAVIN_F32 && c->bdt <= LAVIN_F32;
        lt_compare(t, what, &to, ref, M * N, wide ? LT_TOL_F32 : LT_TOL_16);
    }
    lavin_tensor_free(ctx, &xb);
    lavin_tensor_free(ctx, &wb);
    lavin_tensor_free(ctx, &bb);
    lavin_tensor_free(ctx, &to);
    free(x);
    free(w);
    free(b);
    free(ref);
}

static void rejects(lt *t)
{
    lavin_context *ctx = t->ctx;
    int64_t nx[2] = { 4, 8 }, nw[2] = { 6, 8 }, nw7[2] = { 6, 7 }, nw3[3] = { 1, 6, 8 }, no[2] = { 4, 6 };
    int64_t no5[2] = { 4, 5 }, no3[2] = { 3, 6 }, nb5[1] = { 5 };
    lavin_tensor x, xbf, w, w7, w3, o, o5, o3, oh, b5;
    int ok = lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &x, LAVIN_F32, 2, nx)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &xbf, LAVIN_BF16, 2, nx)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &w, LAVIN_F16, 2, nw)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &w7, LAVIN_F16, 2, nw7)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &w3, LAVIN_F16, 3, nw3)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o, LAVIN_F32, 2, no)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o5, LAVIN_F32, 2, no5)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o3, LAVIN_F32, 2, no3)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &oh, LAVIN_F16, 2, no)) &&
             lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &b5, LAVIN_F32, 1, nb5));
    if (!ok)
        return;
    lt_rejects(t, "matmul with K 8 against a [6,7] weight", lavin_op_matmul(ctx, &x, &w7, NULL, &o));
    lt_rejects(t, "matmul with a 3-D weight", lavin_op_matmul(ctx, &x, &w3, NULL, &o));
    lt_rejects(t, "matmul into [4,5] instead of [4,6]", lavin_op_matmul(ctx, &x, &w, NULL, &o5));
    lt_rejects(t, "matmul into [3,6] for 4 rows", lavin_op_matmul(ctx, &x, &w, NULL, &o3));
    lt_rejects(t, "matmul with a [5] bias for N 6", lavin_op_matmul(ctx, &x, &w, &b5, &o));
    lt_rejects(t, "matmul of a bf16 input", lavin_op_matmul(ctx, &xbf, &w, NULL, &o));
    lt_rejects(t, "matmul into an f16 output", lavin_op_matmul(ctx, &x, &w, NULL, &oh));
    int64_t nsq[2] = { 4, 4 }, nw4[2] = { 4, 4 };
    lavin_tensor sq, w4;
    if (lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &sq, LAVIN_F32, 2, nsq)) &&
        lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &w4, LAVIN_F32, 2, nw4))) {
        lt_rejects(t, "matmul in place", lavin_op_matmul(ctx, &sq, &w4, NULL, &sq));
        lavin_tensor_free(ctx, &sq);
        lavin_tensor_free(ctx, &w4);
    }
    lavin_tensor *all[] = { &x, &xbf, &w, &w7, &w3, &o, &o5, &o3, &oh, &b5 };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        lavin_tensor_free(ctx, all[i]);
}

void lt_family_matmul(lt *t)
{
    /* M, N, K: every tile config, edges of every tile, K below and not a
     * multiple of BK, odd K for the word-packed 16-bit rows; from 17 rows on
     * the f16 kernel's 16x16 tiles too, whose 8-element runs are single
     * loads when K is a multiple of 8 (64, 512) */
    static const int64_t shapes[][3] = {
        { 1, 1, 1 }, { 1, 129, 255 }, { 7, 5, 3 }, { 7, 72, 17 }, { 16, 129, 100 }, { 64, 72, 100 },
        { 64, 1, 255 }, { 257, 5, 17 }, { 257, 129, 100 }, { 257, 72, 1 }, { 2050, 2047, 17 },
        { 17, 33, 130 }, { 33, 130, 17 }, { 130, 17, 33 }, { 131, 67, 97 }, { 96, 64, 64 }, { 65, 70, 512 },
    };
    const size_t nshapes = sizeof(shapes) / sizeof(shapes[0]);
    int i = 0;
    for (size_t s = 0; s < nshapes; s++)
        for (int xdt = LAVIN_F32; xdt <= LAVIN_F16; xdt++)
            for (int wdt = LAVIN_F32; wdt <= LAVIN_BF16; wdt++, i++) {
                mm_case c = {
                    .M = shapes[s][0], .N = shapes[s][1], .K = shapes[s][2],
                    .xdt = (lavin_dtype)xdt, .wdt = (lavin_dtype)wdt, .bdt = i % 4 - 1,
                };
                run_case(t, &c);
            }
    /* views at odd and even offsets, and an x with two leading dimensions */
    static const mm_case views[] = {
        { 7, 129, 17, LAVIN_F16, LAVIN_BF16, LAVIN_F16, 1, 0 },
        { 64, 5, 100, LAVIN_F16, LAVIN_F16, LAVIN_BF16, 3, 0 },
        { 257, 72, 255, LAVIN_F32, LAVIN_F16, LAVIN_F32, 5, 0 },
        { 1, 72, 3, LAVIN_F16, LAVIN_F32, LAVIN_BF16, 1, 0 },
        { 64, 129, 17, LAVIN_F32, LAVIN_F32, LAVIN_F32, 2, 1 },
        { 10, 72, 255, LAVIN_F16, LAVIN_BF16, -1, 1, 1 },
        /* the f16 kernel: an odd offset with K a multiple of 8, 16-byte
         * aligned views (single loads), and a product whose 128x64 tiles
         * are the first to number 256 */
        { 33, 130, 64, LAVIN_F16, LAVIN_F16, LAVIN_F32, 1, 0 },
        { 130, 33, 96, LAVIN_F32, LAVIN_BF16, LAVIN_F16, 4, 0 },
        { 18, 40, 64, LAVIN_F16, LAVIN_F16, -1, 8, 1 },
        { 1030, 2047, 40, LAVIN_F16, LAVIN_F16, LAVIN_F32, 0, 0 },
        /* 65537 column tiles: more groups than one grid dimension may hold */
        { 1, 65537 * 32, 3, LAVIN_F32, LAVIN_F16, LAVIN_F32, 0, 0 },
    };
    for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++)
        run_case(t, &views[v]);
    rejects(t);
}
