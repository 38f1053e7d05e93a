#include <stdio.h>

#include "bench/bench.h"
#include "core/ops/matmul.h"

typedef struct {
    lavin_tensor x, w, out;
} mm_args;

static int run(lavin_context *ctx, void *p)
{
    mm_args *a = p;
    return lavin_op_matmul(ctx, &a->x, &a->w, NULL, &a->out);
}

static int bench_one(lavin_context *ctx, const lavin_bench_opts *o, int64_t M, int64_t K, int64_t N, lavin_dtype wdt)
{
    mm_args a = { 0 };
    char name[96];
    int quant = lavin_dtype_is_quantized(wdt);
    snprintf(name, sizeof(name), "matmul %lldx%lldx%lld w:%s%s", (long long)M, (long long)K, (long long)N,
             lavin_dtype_name(wdt), quant ? " (GB/s of w)" : "");
    if (!lavin_bench_wanted(o, name))
        return 0;
    int ret = lavin_bench_tensor(ctx, &a.x, LAVIN_F32, 2, (int64_t[]){ M, K });
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.w, wdt, 2, (int64_t[]){ N, K });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 2, (int64_t[]){ M, N });
    /* Quantized weights are there to cut the bytes read, so their rows
     * count those alone. */
    double wbytes = (double)lavin_dtype_row_bytes(wdt, N * K);
    if (ret >= 0)
        ret = lavin_bench_time(ctx, o, name, run, &a, 2.0 * M * N * K,
                               quant ? wbytes : 4.0 * M * K + wbytes + 4.0 * M * N);
    lavin_tensor_free(ctx, &a.out);
    lavin_tensor_free(ctx, &a.w);
    lavin_tensor_free(ctx, &a.x);
    return ret;
}

/* lavin-tiny's GEMMs (hidden 144, MLP 384, 320 context tokens) and its
 * one-row modulation product, then the released J-DiT's: M tokens (256: one 256x256 frame's worth of
 * a pass, 2560: 4 pairs at 256x256 or one image's context at 512x512, 10240:
 * 4 pairs at 512x512), K x N from the projections and the MLP. */
int lavin_bench_matmul(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const int64_t Ms[] = { 256, 2560, 10240 };
    static const int64_t KN[][2] = { { 2304, 2304 }, { 2304, 576 }, { 2304, 6144 }, { 6144, 2304 } };
    static const lavin_dtype wdt[] = { LAVIN_F16, LAVIN_Q8_0, LAVIN_Q4_0, LAVIN_BF16, LAVIN_F32 };
    int nm = o->full ? 3 : 1, nkn = o->full ? 4 : 2, ndt = o->full ? 5 : 3;
    static const int64_t tiny[][3] = { { 320, 144, 144 }, { 320, 144, 384 }, { 320, 384, 144 }, { 1, 144, 576 } };
    int ret = 0;
    for (size_t i = 0; i < sizeof(tiny) / sizeof(tiny[0]) && ret >= 0; i++)
        ret = bench_one(ctx, o, tiny[i][0], tiny[i][1], tiny[i][2], LAVIN_F16);
    for (int mi = 0; mi < nm && ret >= 0; mi++)
        for (int ki = 0; ki < nkn && ret >= 0; ki++)
            for (int di = 0; di < ndt && ret >= 0; di++)
                ret = bench_one(ctx, o, Ms[mi], KN[ki][0], KN[ki][1], wdt[di]);
    return ret;
}
