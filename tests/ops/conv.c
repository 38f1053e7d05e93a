#include <stdio.h>
#include <stdlib.h>

#include "tests/families.h"
#include "core/ops/conv.h"
#include "tests/ref/conv.h"

enum { C3D, C2D, FOLD };
#define NOBIAS (-1)

/* op C3D: causal conv with kernel k; C2D: conv2d with stride; FOLD: the
 * k = 3 causal conv run as fold_time + conv2d stride 1 (T must be 1). */
typedef struct {
    int op, k;                 /* k: kernel (C3D) or stride (C2D) */
    int64_t b, ci, t, h, w, co;
    lavin_dtype wdt;
    int bdt;                   /* a lavin_dtype or NOBIAS */
} conv_case;

static const char *dt_name(int dt)
{
    return dt == NOBIAS ? "none" : lavin_dtype_name((lavin_dtype)dt);
}

static void one_case(lt *t, const conv_case *c)
{
    lavin_context *ctx = t->ctx;
    int64_t kt = c->op == C3D ? c->k : 3, ks = c->op == C3D ? c->k : 3;
    int64_t stride = c->op == C2D ? c->k : 1;
    int64_t ho = stride == 2 ? (c->h - 2) / 2 + 1 : c->h, wo = stride == 2 ? (c->w - 2) / 2 + 1 : c->w;
    int64_t nx[5] = { c->b, c->ci, c->t, c->h, c->w }, no[5] = { c->b, c->co, c->t, ho, wo };
    int64_t nw[5] = { c->co, c->ci, kt, ks, ks }, nw2[5] = { c->co, c->ci, 3, 3 };
    int64_t nb[1] = { c->co };
    size_t nxe = lt_nelem(5, nx), noe = lt_nelem(5, no), nwe = lt_nelem(c->op == C2D ? 4 : 5,
                                                                          c->op == C2D ? nw2 : nw);
    float *x = lt_random(t, nxe, -1, 1), *w = lt_random(t, nwe, -0.5f, 0.5f);
    float *bias = lt_random(t, (size_t)c->co, -1, 1), *ref = malloc(noe * sizeof(float));
    lt_round_to(w, nwe, c->wdt);
    if (c->bdt != NOBIAS)
        lt_round_to(bias, (size_t)c->co, (lavin_dtype)c->bdt);
    const float *rb = c->bdt == NOBIAS ? NULL : bias;
    if (c->op == C2D)
        lavin_ref_conv2d(x, w, rb, ref, c->b, c->ci, c->t, c->h, c->w, c->co, stride);
    else
        lavin_ref_conv3d_causal(x, w, rb, ref, c->b, c->ci, c->t, c->h, c->w, c->co, kt);

    static const char *const ops[] = { "conv3d", "conv2d", "fold+conv2d" };
    char what[160];
    snprintf(what, sizeof(what), "%s %s%d [%lld,%lld,%lld,%lld,%lld]->%lld w %s bias %s", ops[c->op],
             c->op == C2D ? "s" : "k", c->k, (long long)c->b, (long long)c->ci, (long long)c->t, (long long)c->h,
             (long long)c->w, (long long)c->co, lavin_dtype_name(c->wdt), dt_name(c->bdt));

    lavin_tensor tx, tw, tb, to, tw2 = { 0 };
    int ret = lt_tensor(t, &tx, LAVIN_F32, 5, nx, x);
    if (ret >= 0)
        ret = c->op == C2D ? lt_tensor(t, &tw, c->wdt, 4, nw2, w) : lt_tensor(t, &tw, c->wdt, 5, nw, w);
    if (ret >= 0)
        ret = lt_tensor(t, &tb, c->bdt == NOBIAS ? LAVIN_F32 : (lavin_dtype)c->bdt, 1, nb, bias);
    if (ret >= 0)
        ret = lt_output(t, &to, 5, no);
    if (ret >= 0 && c->op == FOLD)
        ret = lt_output(t, &tw2, 4, nw2);
    if (!lt_ok(t, what, ret))
        goto out;
    const lavin_tensor *pb = c->bdt == NOBIAS ? NULL : &tb;
    if (c->op == C3D)
        ret = lavin_op_conv3d_causal(ctx, &tx, &tw, pb, &to);
    else if (c->op == C2D)
        ret = lavin_op_conv2d(ctx, &tx, &tw, pb, (int)stride, &to);
    else if ((ret = lavin_conv3d_fold_time(ctx, &tw, &tw2)) >= 0)
        ret = lavin_op_conv2d(ctx, &tx, &tw2, pb, 1, &to);
    if (lt_ok(t, what, ret)) {
        float *got = lt_fetch(t, &to);
        int sixteen = c->wdt != LAVIN_F32 || (c->bdt != NOBIAS && c->bdt != LAVIN_F32);
        lt_check(t, what, lt_nerr(got, ref, noe), sixteen ? LT_TOL_16 : LT_TOL_F32);
        free(got);
    }
    lavin_tensor_free(ctx, &tx);
    lavin_tensor_free(ctx, &tw);
    lavin_tensor_free(ctx, &tb);
    lavin_tensor_free(ctx, &to);
    if (c->op == FOLD)
        lavin_tensor_free(ctx, &tw2);
out:
    free(x);
    free(w);
    free(bias);
    free(ref);
}

static void bad_shapes(lt *t)
{
    lavin_context *ctx = t->ctx;
    static const int64_t nx[5] = { 1, 4, 2, 6, 6 }, nw[5] = { 5, 4, 3, 3, 3 }, nwc[5] = { 5, 3, 3, 3, 3 };
    static const int64_t nwk[5] = { 5, 4, 2, 3, 3 }, nwm[5] = { 5, 4, 1, 3, 3 }, nw2[4] = { 5, 4, 3, 3 };
    static const int64_t no[5] = { 1, 5, 2, 6, 6 }, nobad[5] = { 1, 5, 2, 6, 5 }, no2[5] = { 1, 5, 2, 3, 3 };
    static const int64_t nb[1] = { 6 }, nf[4] = { 5, 4, 3, 2 };
    lavin_tensor x, xh, w, wc, wk, wm, w2, o, obad, o2, b, f;
    lavin_tensor *all[] = { &x, &xh, &w, &wc, &wk, &wm, &w2, &o, &obad, &o2, &b, &f };
    int ok = lavin_tensor_alloc(ctx, &x, LAVIN_F32, 5, nx) >= 0 &&
             lavin_tensor_alloc(ctx, &xh, LAVIN_F16, 5, nx) >= 0 &&
             lavin_tensor_alloc(ctx, &w, LAVIN_BF16, 5, nw) >= 0 &&
             lavin_tensor_alloc(ctx, &wc, LAVIN_F32, 5, nwc) >= 0 &&
             lavin_tensor_alloc(ctx, &wk, LAVIN_F32, 5, nwk) >= 0 &&
             lavin_tensor_alloc(ctx, &wm, LAVIN_F32, 5, nwm) >= 0 &&
             lavin_tensor_alloc(ctx, &w2, LAVIN_F32, 4, nw2) >= 0 &&
             lavin_tensor_alloc(ctx, &o, LAVIN_F32, 5, no) >= 0 &&
             lavin_tensor_alloc(ctx, &obad, LAVIN_F32, 5, nobad) >= 0 &&
             lavin_tensor_alloc(ctx, &o2, LAVIN_F32, 5, no2) >= 0 &&
             lavin_tensor_alloc(ctx, &b, LAVIN_F32, 1, nb) >= 0 &&
             lavin_tensor_alloc(ctx, &f, LAVIN_F32, 4, nf) >= 0;
    if (lt_ok(t, "conv reject setup", ok ? 0 : -1)) {
        lt_rejects(t, "conv3d weight with 3 input channels for 4", lavin_op_conv3d_causal(ctx, &x, &wc, NULL, &o));
        lt_rejects(t, "conv3d kernel [2,3,3]", lavin_op_conv3d_causal(ctx, &x, &wk, NULL, &o));
        lt_rejects(t, "conv3d kernel [1,3,3]", lavin_op_conv3d_causal(ctx, &x, &wm, NULL, &o));
        lt_rejects(t, "conv3d with a 4-D weight", lavin_op_conv3d_causal(ctx, &x, &w2, NULL, &o));
        lt_rejects(t, "conv3d into the wrong output shape", lavin_op_conv3d_causal(ctx, &x, &w, NULL, &obad));
        lt_rejects(t, "conv3d with a bias of 6 for 5 channels", lavin_op_conv3d_causal(ctx, &x, &w, &b, &o));
        lt_rejects(t, "conv3d of an f16 input", lavin_op_conv3d_causal(ctx, &xh, &w, NULL, &o));
        lt_rejects(t, "conv2d stride 3", lavin_op_conv2d(ctx, &x, &w2, NULL, 3, &o));
        lt_rejects(t, "conv2d with a 5-D weight", lavin_op_conv2d(ctx, &x, &w, NULL, 1, &o));
        lt_rejects(t, "conv2d stride 2 into a stride-1 output", lavin_op_conv2d(ctx, &x, &w2, NULL, 2, &o));
        lt_rejects(t, "conv2d stride 1 into a stride-2 output", lavin_op_conv2d(ctx, &x, &w2, NULL, 1, &o2));
        lt_rejects(t, "fold_time into [5,4,3,2]", lavin_conv3d_fold_time(ctx, &w, &f));
        lt_rejects(t, "fold_time of a [5,4,2,3,3] kernel", lavin_conv3d_fold_time(ctx, &wk, &w2));
    }
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        lavin_tensor_free(ctx, all[i]);
}

void lt_family_conv(lt *t)
{
    const lavin_dtype F32 = LAVIN_F32, F16 = LAVIN_F16, BF16 = LAVIN_BF16;
    const conv_case cases[] = {
        { C3D, 3, 1, 3, 1, 8, 8, 4, F32, F32 },
        { C3D, 3, 1, 3, 1, 8, 8, 4, BF16, NOBIAS },
        { C3D, 3, 1, 5, 3, 7, 9, 6, F32, NOBIAS },
        { C3D, 3, 1, 5, 3, 7, 9, 6, F16, F16 },
        { C3D, 1, 1, 5, 3, 7, 9, 6, F32, F32 },
        { C3D, 1, 1, 5, 3, 7, 9, 6, BF16, NOBIAS },
        { C3D, 3, 2, 4, 5, 6, 10, 5, BF16, BF16 },
        { C3D, 3, 2, 4, 5, 6, 10, 5, F32, F16 },
        { C3D, 3, 1, 16, 2, 5, 5, 33, F32, F32 },
        { C3D, 3, 1, 16, 2, 5, 5, 33, F16, NOBIAS },
        { C3D, 1, 1, 16, 2, 5, 5, 33, F16, BF16 },
        { C3D, 3, 1, 17, 2, 9, 11, 70, F32, F32 },     /* two channel tiles */
        { C3D, 3, 1, 7, 1, 20, 21, 13, F32, F32 },     /* several pixel tiles, narrow Co */
        { C3D, 1, 2, 7, 2, 13, 17, 19, F32, NOBIAS },
        { C3D, 3, 1, 3, 2, 64, 65, 129, F32, F32 },    /* the large tile */
        { C3D, 1, 1, 3, 3, 64, 67, 130, BF16, F32 },   /* the large tile, k = 1 */
        { C2D, 1, 1, 5, 2, 8, 8, 6, F32, F32 },
        { C2D, 1, 2, 3, 3, 7, 9, 4, BF16, BF16 },
        { C2D, 1, 1, 17, 1, 10, 12, 40, F16, NOBIAS },
        { C2D, 2, 1, 4, 2, 8, 8, 5, F16, F32 },
        { C2D, 2, 1, 3, 1, 7, 9, 4, F32, F32 },
        { C2D, 2, 2, 6, 3, 10, 6, 7, BF16, NOBIAS },
        { C2D, 2, 1, 9, 1, 16, 16, 33, F32, F32 },
        { C2D, 2, 1, 3, 1, 2, 2, 3, F32, F32 },
        { C2D, 2, 1, 2, 1, 3, 5, 3, F32, NOBIAS },
        /* For the CPU variant: one input or output channel, every class of
         * frame (0, 1, later; batches of several later ones), channel
         * blocks of 8 and 16 with remainders, frames smaller than a block
         * (1x1, 3x2, width 5 < 8 columns), strides over prime sizes. */
        { C3D, 3, 1, 1, 3, 5, 7, 1, F16, F32 },
        { C3D, 3, 2, 3, 5, 6, 9, 11, F16, F32 },
        { C3D, 3, 1, 2, 2, 1, 1, 5, F32, F32 },
        { C3D, 1, 1, 1, 4, 3, 11, 16, F32, F16 },
        { C3D, 1, 1, 13, 2, 9, 5, 37, BF16, NOBIAS },
        { C2D, 1, 1, 2, 1, 3, 2, 9, F16, F32 },
        { C2D, 2, 1, 1, 1, 5, 6, 17, BF16, NOBIAS },
        { C2D, 2, 1, 31, 1, 19, 23, 29, F32, F32 },
        { FOLD, 3, 1, 6, 1, 9, 7, 5, F32, F32 },
        { FOLD, 3, 1, 6, 1, 9, 7, 5, F16, NOBIAS },
        { FOLD, 3, 1, 19, 1, 12, 10, 36, BF16, BF16 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        one_case(t, &cases[i]);
    bad_shapes(t);
}
