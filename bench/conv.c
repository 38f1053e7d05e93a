#include <stdio.h>

#include "bench/bench.h"
#include "core/ops/conv.h"

typedef struct {
    lavin_tensor x, w, b, out;
} conv_args;

static int run(lavin_context *ctx, void *p)
{
    conv_args *a = p;
    return lavin_op_conv3d_causal(ctx, &a->x, &a->w, &a->b, &a->out);
}

/* The ST-VAE's 3x3x3 causal convolutions: each level of a 512x512 image
 * (T = 1) and a 17-frame clip's first level at 256x256 after time pooling. */
int lavin_bench_conv(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const int64_t shapes[][4] = {  /* C, T, H, W */
        { 128, 1, 128, 128 }, { 128, 1, 512, 512 }, { 256, 1, 256, 256 }, { 512, 1, 64, 64 }, { 128, 5, 128, 128 },
    };
    int n = o->full ? 5 : 1, ret = 0;
    for (int i = 0; i < n && ret >= 0; i++) {
        int64_t C = shapes[i][0], T = shapes[i][1], H = shapes[i][2], W = shapes[i][3];
        conv_args a = { 0 };
        char name[96];
        snprintf(name, sizeof(name), "conv3d k3 %lldch T%lld %lldx%lld w:f16", (long long)C, (long long)T,
                 (long long)H, (long long)W);
        ret = lavin_bench_tensor(ctx, &a.x, LAVIN_F32, 5, (int64_t[]){ 1, C, T, H, W });
        if (ret >= 0)
            ret = lavin_bench_tensor(ctx, &a.w, LAVIN_F16, 5, (int64_t[]){ C, C, 3, 3, 3 });
        if (ret >= 0)
            ret = lavin_bench_tensor(ctx, &a.b, LAVIN_F32, 1, (int64_t[]){ C });
        if (ret >= 0)
            ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 5, (int64_t[]){ 1, C, T, H, W });
        /* Work done: frame 0 folds its three taps into one, frame 1 two. */
        double taps = T == 1 ? 9.0 : (9.0 + 18.0 + 27.0 * (double)(T - 2)) / (double)T;
        if (ret >= 0)
            ret = lavin_bench_time(ctx, o, name, run, &a, 2.0 * C * C * taps * T * H * W,
                                   8.0 * C * T * H * W + 2.0 * C * C * 27);
        lavin_tensor_free(ctx, &a.out);
        lavin_tensor_free(ctx, &a.b);
        lavin_tensor_free(ctx, &a.w);
        lavin_tensor_free(ctx, &a.x);
    }
    return ret;
}
