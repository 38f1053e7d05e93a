#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/context.h"
#include "tests/families.h"
#include "core/ops/attention.h"
#include "core/ops/attention_mma.h"
#include "core/ops/rope.h"
#include "tests/ref/attention.h"
#include "tests/ref/rope.h"

/* The matrix-tile kernel rounds q, k and v to f16, which the reference then
 * sees too (the test rounds them), and the weights P to f16 for the P V
 * product. Each weight then carries a relative error below 2^-11, of
 * standard deviation at most 2^-11 / sqrt(3) (an error common to all weights
 * cancels, as the sum of the rounded weights normalises them). An output
 * o = sum_j w_j v_j takes sum_j w_j e_j (v_j - o), a random walk over the
 * weights whose norm is near that of o itself for v independent of the
 * weights: about 2.8e-4 relative (the cases below measure 0.7 to 1.6e-4).
 * The tolerance is 3.5 times that; in these cases, a kernel that skips its
 * last key block, the rescale, or the mask of keys past L errs by 1.4e-2 or
 * more. */
#define TOL_P_F16 1e-3

/* Scores q.k / sqrt(hd) with q in [-4, 4] and k in [-1, 1] have a standard
 * deviation near 1.3: the softmax is far from flat yet not one-hot. */
static void attention_case(lt *t, int64_t B, int64_t L, int64_t H, int64_t Hkv, int64_t hd, const char *variant)
{
    lavin_context *ctx = t->ctx;
    int64_t nq[4] = { B, L, H, hd }, nk[4] = { B, L, Hkv, hd };
    size_t n = lt_nelem(4, nq), m = lt_nelem(4, nk);
    float *q = lt_random(t, n, -4, 4), *k = lt_random(t, m, -1, 1), *v = lt_random(t, m, -1, 1);
    int f16 = ctx->mma != LAVIN_MMA_NONE && lavin_attention_mma_fits(ctx, (uint32_t)hd);
    if (f16) {
        lt_round_to(q, n, LAVIN_F16);
        lt_round_to(k, m, LAVIN_F16);
        lt_round_to(v, m, LAVIN_F16);
    }
    float *ref = malloc(n * sizeof(float));
    lavin_tensor tq, tk, tv, to;
    char what[128];
    snprintf(what, sizeof(what), "attention%s B=%lld L=%lld H=%lld Hkv=%lld hd=%lld", variant, (long long)B,
             (long long)L, (long long)H, (long long)Hkv, (long long)hd);
    int ret = lt_tensor(t, &tq, LAVIN_F32, 4, nq, q);
    if (ret >= 0)
        ret = lt_tensor(t, &tk, LAVIN_F32, 4, nk, k);
    if (ret >= 0)
        ret = lt_tensor(t, &tv, LAVIN_F32, 4, nk, v);
    if (ret >= 0)
        ret = lt_output(t, &to, 4, nq);
    if (lt_ok(t, what, ret) && lt_ok(t, what, lavin_op_attention(ctx, &tq, &tk, &tv, &to))) {
        lavin_ref_attention(q, k, v, ref, (size_t)B, (size_t)L, (size_t)H, (size_t)Hkv, (size_t)hd);
        lt_compare(t, what, &to, ref, n, f16 ? TOL_P_F16 : LT_TOL_F32);
    }
    lavin_tensor_free(ctx, &tq);
    lavin_tensor_free(ctx, &tk);
    lavin_tensor_free(ctx, &tv);
    lavin_tensor_free(ctx, &to);
    free(q);
    free(k);
    free(v);
    free(ref);
}

static void attention_rejects(lt *t)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor q, k, kshort, k3, qh, q70, k70, o;
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &q, LAVIN_F32, 4, (int64_t[]){ 1, 5, 4, 8 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &k, LAVIN_F32, 4, (int64_t[]){ 1, 5, 2, 8 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &kshort, LAVIN_F32, 4, (int64_t[]){ 1, 4, 2, 8 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &k3, LAVIN_F32, 4, (int64_t[]){ 1, 5, 3, 8 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &qh, LAVIN_F16, 4, (int64_t[]){ 1, 5, 4, 8 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &q70, LAVIN_F32, 4, (int64_t[]){ 1, 5, 4, 70 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &k70, LAVIN_F32, 4, (int64_t[]){ 1, 5, 2, 70 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o, LAVIN_F32, 4, (int64_t[]){ 1, 5, 2, 8 }));
    lt_rejects(t, "attention with 4 heads over 3 kv heads", lavin_op_attention(ctx, &q, &k3, &k3, &q));
    lt_rejects(t, "attention with kv shorter than q", lavin_op_attention(ctx, &q, &kshort, &kshort, &q));
    lt_rejects(t, "attention with k and v of different shapes", lavin_op_attention(ctx, &q, &k, &k3, &q));
    lt_rejects(t, "attention of f16 q", lavin_op_attention(ctx, &qh, &k, &k, &q));
    lt_rejects(t, "attention with head dim 70", lavin_op_attention(ctx, &q70, &k70, &k70, &q70));
    lt_rejects(t, "attention into an output of the wrong shape", lavin_op_attention(ctx, &q, &k, &k, &o));
    lavin_tensor_free(ctx, &q);
    lavin_tensor_free(ctx, &k);
    lavin_tensor_free(ctx, &kshort);
    lavin_tensor_free(ctx, &k3);
    lavin_tensor_free(ctx, &qh);
    lavin_tensor_free(ctx, &q70);
    lavin_tensor_free(ctx, &k70);
    lavin_tensor_free(ctx, &o);
}

/* scale_h, scale_w other than 1: the fractional positions of a grid
 * interpolated to an anchor (docs/computation.md section 2.5.1). */
static void rope_case(lt *t, int64_t B, int T, int Hh, int W, int64_t nh, int hd, int in_place, float scale_h,
                      float scale_w)
{
    lavin_context *ctx = t->ctx;
    int64_t L = (int64_t)T * Hh * W, ne[4] = { B, L, nh, hd };
    size_t n = lt_nelem(4, ne);
    float *x = lt_random(t, n, -2, 2), *ref = malloc(n * sizeof(float));
    lavin_tensor tx, tab, to;
    char what[160];
    snprintf(what, sizeof(what), "rope3d%s B=%lld grid=%dx%dx%d nh=%lld hd=%d positions h*%g w*%g",
             in_place ? " in place" : "", (long long)B, T, Hh, W, (long long)nh, hd, (double)scale_h,
             (double)scale_w);
    int ret = lt_tensor(t, &tx, LAVIN_F32, 4, ne, x);
    if (ret >= 0)
        ret = lavin_rope3d_table(ctx, T, Hh, W, hd, 10000.0f, scale_h, scale_w, &tab);
    if (ret >= 0 && !in_place)
        ret = lt_output(t, &to, 4, ne);
    const lavin_tensor *out = in_place ? &tx : &to;
    if (lt_ok(t, what, ret) && lt_ok(t, what, lavin_op_rope3d(ctx, &tx, &tab, out))) {
        lavin_ref_rope3d(x, ref, (size_t)B, (size_t)T, (size_t)Hh, (size_t)W, (size_t)nh, (size_t)hd, 10000.0f,
                         scale_h, scale_w);
        lt_compare(t, what, out, ref, n, LT_TOL_F32);
    }
    lavin_tensor_free(ctx, &tx);
    lavin_tensor_free(ctx, &tab);
    if (!in_place)
        lavin_tensor_free(ctx, &to);
    free(x);
    free(ref);
}

static void rope_rejects(lt *t)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor x, x8, xh, o, tab, tab6, tab8;
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &x, LAVIN_F32, 4, (int64_t[]){ 1, 6, 2, 12 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &x8, LAVIN_F32, 4, (int64_t[]){ 1, 6, 2, 8 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &xh, LAVIN_F16, 4, (int64_t[]){ 1, 6, 2, 12 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o, LAVIN_F32, 4, (int64_t[]){ 1, 6, 1, 12 }));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &tab8, LAVIN_F32, 2, (int64_t[]){ 6, 8 }));
    lt_ok(t, "rope3d table", lavin_rope3d_table(ctx, 1, 2, 2, 12, 10000.0f, 1.0f, 1.0f, &tab));
    lt_ok(t, "rope3d table", lavin_rope3d_table(ctx, 1, 2, 3, 12, 10000.0f, 1.0f, 1.0f, &tab6));
    lt_rejects(t, "rope3d table with head dim 8", lavin_rope3d_table(ctx, 1, 2, 3, 8, 10000.0f, 1.0f, 1.0f, &tab8));
    lavin_tensor none;
    lt_rejects(t, "rope3d table with h positions times 0",
               lavin_rope3d_table(ctx, 1, 2, 3, 12, 10000.0f, 0.0f, 1.0f, &none));
    lt_rejects(t, "rope3d table with w positions times -0.5",
               lavin_rope3d_table(ctx, 1, 2, 3, 12, 10000.0f, 1.0f, -0.5f, &none));
    lt_rejects(t, "rope3d table with w positions times NaN",
               lavin_rope3d_table(ctx, 1, 2, 3, 12, 10000.0f, 1.0f, NAN, &none));
    lt_rejects(t, "rope3d table with h positions times infinity",
               lavin_rope3d_table(ctx, 1, 2, 3, 12, 10000.0f, INFINITY, 1.0f, &none));
    lt_rejects(t, "rope3d with head dim 8", lavin_op_rope3d(ctx, &x8, &tab8, &x8));
    lt_rejects(t, "rope3d with a table for 4 tokens over 6", lavin_op_rope3d(ctx, &x, &tab, &x));
    lt_rejects(t, "rope3d of f16 x", lavin_op_rope3d(ctx, &xh, &tab6, &x));
    lt_rejects(t, "rope3d into an output of the wrong shape", lavin_op_rope3d(ctx, &x, &tab6, &o));
    lavin_tensor_free(ctx, &x);
    lavin_tensor_free(ctx, &x8);
    lavin_tensor_free(ctx, &xh);
    lavin_tensor_free(ctx, &o);
    lavin_tensor_free(ctx, &tab);
    lavin_tensor_free(ctx, &tab6);
    lavin_tensor_free(ctx, &tab8);
}

void lt_family_attention(lt *t)
{
    /* Lengths and row counts off every block and workgroup size (the CPU
     * kernel takes rows of a kv head 64 at a time, keys 4 at a time; the
     * matrix-tile kernel 32 rows per warp and keys 16 to 64 at a time),
     * grouped heads, batches, and head dims from 4 to 256 (the CPU kernel
     * holds fewer rows per invocation for wide heads; the matrix-tile kernel
     * pads the head dim to a multiple of 16 in its tiles). */
    static const int64_t shapes[][5] = {
        { 1, 1, 1, 1, 64 },  { 1, 7, 4, 2, 72 },  { 2, 257, 4, 1, 72 }, { 1, 1000, 2, 2, 128 },
        { 1, 33, 8, 2, 64 }, { 1, 19, 6, 2, 20 }, { 1, 40, 2, 1, 256 }, { 2, 9, 3, 3, 4 },
        { 1, 385, 2, 1, 72 }, { 3, 50, 6, 3, 72 }, { 1, 66, 3, 1, 12 },
        { 1, 1, 4, 1, 72 },  { 2, 2, 4, 2, 64 },  { 1, 17, 8, 2, 72 }, { 2, 31, 4, 1, 12 },
        { 1, 67, 2, 1, 4 },  { 2, 129, 8, 2, 72 }, { 1, 129, 2, 2, 64 }, { 1, 31, 3, 3, 72 },
    };
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
        attention_case(t, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], shapes[s][4], "");
    /* The kernels for devices without subgroup shuffles, selected by
     * disguising this one (small head dims on GPU kernels, as lavapipe takes
     * seconds to compile that one at 72). */
    lavin_device_info info = t->ctx->info;
    t->ctx->info.features &= ~(unsigned)LAVIN_FEAT_SUBGROUP_SHUFFLE;
    attention_case(t, 1, 7, 4, 2, 12, " (no shuffle)");
    attention_case(t, 1, 130, 8, 2, 24, " (no shuffle)");
    if (t->ctx->kernels == LAVIN_KERNELS_CPU) {
        attention_case(t, 2, 257, 4, 1, 72, " (no shuffle)");
        attention_case(t, 1, 40, 2, 1, 256, " (no shuffle)");
    }
    t->ctx->info = info;
    attention_rejects(t);

    static const int grids[][3] = { { 1, 1, 1 }, { 3, 2, 5 }, { 9, 4, 4 } };
    static const int hds[] = { 72, 12, 6 };
    for (size_t g = 0; g < 3; g++)
        for (size_t h = 0; h < 3; h++)
            rope_case(t, g == 1 ? 2 : 1, grids[g][0], grids[g][1], grids[g][2], 3, hds[h], (int)((g + h) % 2),
                      1.0f, 1.0f);
    rope_case(t, 1, 9, 32, 32, 8, 72, 1, 1.0f, 1.0f);
    /* Interpolated: a 7 x 5 grid at an anchor of 4 (positions i * 4/7 and
     * j * 4/5), a grid smaller than its anchor (scales above 1), and
     * lavin-tiny's joint grid at 256x256 against its 128x128 anchor. */
    rope_case(t, 2, 3, 7, 5, 3, 12, 0, 4.0f / 7.0f, 4.0f / 5.0f);
    rope_case(t, 1, 2, 3, 2, 2, 6, 1, 8.0f / 3.0f, 4.0f);
    rope_case(t, 1, 6, 16, 16, 4, 36, 1, 0.5f, 0.5f);
    rope_case(t, 1, 4, 11, 24, 2, 72, 0, 8.0f / 11.0f, 8.0f / 24.0f);
    rope_rejects(t);
}
