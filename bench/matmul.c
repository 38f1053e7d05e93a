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

/* The released J-DiT's GEMMs: M tokens (256: one 256x256 frame's worth of
 * a pass, 2560: 4 pairs at 256x256 or one image's context at 512x512, 10240:
 * 4 pairs at 512x512), K x N from the projections and the MLP. */
int lavin_bench_matmul(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const int64_t Ms[] = { 256, 2560, 10240 };
    static const int64_t KN[][2] = { { 2304, 2304 }, { 2304, 576 }, { 2304, 6144 }, { 6144, 2304 } };
    static const lavin_dtype wdt[] = { LAVIN_F16, LAVIN_BF16, LAVIN_F32 };
    int nm = o->full ? 3 : 1, nkn = o->full ? 4 : 2, ndt = o->full ? 3 : 1;
    int ret = 0;
    for (int mi = 0; mi < nm && ret >= 0; mi++)
        for (int ki = 0; ki < nkn && ret >= 0; ki++)
            for (int di = 0; di < ndt && ret >= 0; di++) {
                int64_t M = Ms[mi], K = KN[ki][0], N = KN[ki][1];
                mm_args a = { 0 };
                char name[96];
                snprintf(name, sizeof(name), "matmul %lldx%lldx%lld w:%s", (long long)M, (long long)K,
                         (long long)N, lavin_dtype_name(wdt[di]));
                ret = lavin_bench_tensor(ctx, &a.x, LAVIN_F32, 2, (int64_t[]){ M, K });
                if (ret >= 0)
                    ret = lavin_bench_tensor(ctx, &a.w, wdt[di], 2, (int64_t[]){ N, K });
                if (ret >= 0)
                    ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 2, (int64_t[]){ M, N });
                if (ret >= 0)
                    ret = lavin_bench_time(ctx, o, name, run, &a, 2.0 * M * N * K,
                                           4.0 * M * K + (double)lavin_dtype_size(wdt[di]) * N * K + 4.0 * M * N);
                lavin_tensor_free(ctx, &a.out);
                lavin_tensor_free(ctx, &a.w);
                lavin_tensor_free(ctx, &a.x);
            }
    return ret;
}
