#include <stdio.h>

#include "bench/bench.h"
#include "core/ops/conv.h"

/* op C3D: causal conv with kernel k (3 or 1); C2D: 3x3 conv2d with stride k. */
enum { C3D, C2D };

typedef struct {
    int op, k;
    int64_t ci, co, t, h, w;
} conv_shape;

typedef struct {
    const conv_shape *s;
    lavin_tensor x, w, b, out;
} conv_args;

static int run(lavin_context *ctx, void *p)
{
    conv_args *a = p;
    if (a->s->op == C3D)
        return lavin_op_conv3d_causal(ctx, &a->x, &a->w, &a->b, &a->out);
    return lavin_op_conv2d(ctx, &a->x, &a->w, &a->b, a->s->k, &a->out);
}

static int bench_one(lavin_context *ctx, const lavin_bench_opts *o, const conv_shape *s)
{
    int64_t stride = s->op == C2D ? s->k : 1, kt = s->op == C3D ? s->k : 1, ks = s->op == C3D ? s->k : 3;
    int64_t ho = stride == 2 ? (s->h - 2) / 2 + 1 : s->h, wo = stride == 2 ? (s->w - 2) / 2 + 1 : s->w;
    conv_args a = { .s = s };
    char name[96];
    snprintf(name, sizeof(name), "%s %c%d %lld->%lldch T%lld %lldx%lld w:f16", s->op == C3D ? "conv3d" : "conv2d",
             s->op == C3D ? 'k' : 's', s->k, (long long)s->ci, (long long)s->co, (long long)s->t, (long long)s->h,
             (long long)s->w);
    if (!lavin_bench_wanted(o, name))
        return 0;
    int ret = lavin_bench_tensor(ctx, &a.x, LAVIN_F32, 5, (int64_t[]){ 1, s->ci, s->t, s->h, s->w });
    if (ret >= 0)
        ret = s->op == C3D ? lavin_bench_tensor(ctx, &a.w, LAVIN_F16, 5, (int64_t[]){ s->co, s->ci, kt, ks, ks })
                           : lavin_bench_tensor(ctx, &a.w, LAVIN_F16, 4, (int64_t[]){ s->co, s->ci, 3, 3 });
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.b, LAVIN_F32, 1, (int64_t[]){ s->co });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 5, (int64_t[]){ 1, s->co, s->t, ho, wo });
    /* Work done: frame 0 of the causal conv folds its three taps into one,
     * frame 1 two. */
    double frames = kt == 1 ? (double)s->t : s->t == 1 ? 1.0 : 1.0 + 2.0 + 3.0 * (double)(s->t - 2);
    double macs = frames * (double)(s->ci * s->co * ks * ks * ho * wo);
    if (ret >= 0)
        ret = lavin_bench_time(ctx, o, name, run, &a, 2.0 * macs,
                               4.0 * (double)(s->t * (s->ci * s->h * s->w + s->co * ho * wo)) +
                                   2.0 * (double)(s->co * s->ci * kt * ks * ks));
    lavin_tensor_free(ctx, &a.out);
    lavin_tensor_free(ctx, &a.b);
    lavin_tensor_free(ctx, &a.w);
    lavin_tensor_free(ctx, &a.x);
    return ret;
}

/* lavin-tiny's ST-VAE convolutions (32/32/64/64 channels, 128x128 frames,
 * 16 latent channels), then the released ST-VAE's 3x3x3 causal ones: each
 * level of a 512x512 image (T = 1) and a 17-frame clip's first level at
 * 256x256 after time pooling. */
int lavin_bench_conv(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const conv_shape tiny[] = {
        { C3D, 3, 32, 32, 1, 128, 128 }, { C3D, 3, 32, 32, 1, 64, 64 }, { C3D, 3, 64, 64, 1, 32, 32 },
        { C3D, 3, 64, 64, 1, 16, 16 },   { C3D, 3, 3, 32, 1, 128, 128 }, { C3D, 3, 32, 3, 1, 128, 128 },
        { C3D, 1, 16, 32, 1, 128, 128 }, { C3D, 1, 16, 64, 1, 16, 16 },  { C2D, 2, 32, 32, 1, 128, 128 },
        { C2D, 2, 64, 64, 1, 32, 32 },   { C2D, 1, 32, 32, 1, 128, 128 },
    };
    static const conv_shape released[] = {
        { C3D, 3, 128, 128, 1, 128, 128 }, { C3D, 3, 128, 128, 1, 512, 512 }, { C3D, 3, 256, 256, 1, 256, 256 },
        { C3D, 3, 512, 512, 1, 64, 64 },   { C3D, 3, 128, 128, 5, 128, 128 },
    };
    int nr = o->full ? 5 : 1, ret = 0;
    for (size_t i = 0; i < sizeof(tiny) / sizeof(tiny[0]) && ret >= 0; i++)
        ret = bench_one(ctx, o, &tiny[i]);
    for (int i = 0; i < nr && ret >= 0; i++)
        ret = bench_one(ctx, o, &released[i]);
    return ret;
}
