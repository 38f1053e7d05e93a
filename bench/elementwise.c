#include <stdio.h>

#include "bench/bench.h"
#include "core/ops/elementwise.h"

typedef struct {
    lavin_tensor a, b, gate, out;
} ew_args;

static int run_swiglu(lavin_context *ctx, void *p)
{
    ew_args *a = p;
    return lavin_op_swiglu(ctx, &a->a, &a->b, &a->out);
}

static int run_gated(lavin_context *ctx, void *p)
{
    ew_args *a = p;
    return lavin_op_gated_add(ctx, &a->a, &a->gate, &a->b, &a->out);
}

/* The J-DiT's elementwise work per block at 4 pairs of 512x512: 10240
 * tokens; swiglu over the MLP width, the gated residual over the hidden. */
int lavin_bench_elementwise(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const int64_t tokens_all[] = { 1024, 10240 };
    int ret = 0;
    int nsizes = o->full ? 2 : 1;
    for (int s = 0; s < nsizes && ret >= 0; s++) {
        int64_t L = tokens_all[s];
        ew_args a = { 0 };
        char name[96];
        snprintf(name, sizeof(name), "swiglu %lldx6144", (long long)L);
        if (lavin_bench_wanted(o, name)) {
            ret = lavin_bench_tensor(ctx, &a.a, LAVIN_F32, 2, (int64_t[]){ L, 6144 });
            if (ret >= 0)
                ret = lavin_bench_tensor(ctx, &a.b, LAVIN_F32, 2, (int64_t[]){ L, 6144 });
            if (ret >= 0)
                ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 2, (int64_t[]){ L, 6144 });
            if (ret >= 0)
                ret = lavin_bench_time(ctx, o, name, run_swiglu, &a, 4.0 * L * 6144, 12.0 * L * 6144);
        }
        lavin_tensor_free(ctx, &a.out);
        lavin_tensor_free(ctx, &a.b);
        lavin_tensor_free(ctx, &a.a);
        if (ret < 0)
            break;
        snprintf(name, sizeof(name), "gated_add %lldx2304", (long long)L);
        if (lavin_bench_wanted(o, name)) {
            ret = lavin_bench_tensor(ctx, &a.a, LAVIN_F32, 3, (int64_t[]){ 1, L, 2304 });
            if (ret >= 0)
                ret = lavin_bench_tensor(ctx, &a.b, LAVIN_F32, 3, (int64_t[]){ 1, L, 2304 });
            if (ret >= 0)
                ret = lavin_bench_tensor(ctx, &a.gate, LAVIN_F32, 2, (int64_t[]){ 1, 2304 });
            if (ret >= 0)
                ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 3, (int64_t[]){ 1, L, 2304 });
            if (ret >= 0)
                ret = lavin_bench_time(ctx, o, name, run_gated, &a, 3.0 * L * 2304, 12.0 * L * 2304);
        }
        lavin_tensor_free(ctx, &a.out);
        lavin_tensor_free(ctx, &a.gate);
        lavin_tensor_free(ctx, &a.b);
        lavin_tensor_free(ctx, &a.a);
    }
    return ret;
}
