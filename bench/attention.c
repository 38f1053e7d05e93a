#include <stdio.h>

#include "bench/bench.h"
#include "core/ops/attention.h"

typedef struct {
    lavin_tensor q, k, v, o;
} attn_args;

static int run(lavin_context *ctx, void *p)
{
    attn_args *a = p;
    return lavin_op_attention(ctx, &a->q, &a->k, &a->v, &a->o);
}

/* lavin-tiny's joint attention (2 query heads over 1 kv head of width 72,
 * L = 384 for 2 pairs at 128x128), then the released J-DiT's: 32 query
 * heads over 8 kv heads of width 72; L = 1024 (4 pairs at 256x256 less one
 * frame), 2560, 10240 (4 pairs at 512x512). */
int lavin_bench_attention(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const int64_t shapes[][3] = { { 384, 2, 1 }, { 1024, 32, 8 }, { 2560, 32, 8 }, { 10240, 32, 8 } };
    const int64_t hd = 72;
    int nl = o->full ? 4 : 2, ret = 0;
    for (int i = 0; i < nl && ret >= 0; i++) {
        int64_t L = shapes[i][0], H = shapes[i][1], Hkv = shapes[i][2];
        attn_args a = { 0 };
        char name[96];
        snprintf(name, sizeof(name), "attention L=%lld %lld/%lld heads hd 72", (long long)L, (long long)H,
                 (long long)Hkv);
        if (!lavin_bench_wanted(o, name))
            continue;
        ret = lavin_bench_tensor(ctx, &a.q, LAVIN_F32, 4, (int64_t[]){ 1, L, H, hd });
        if (ret >= 0)
            ret = lavin_bench_tensor(ctx, &a.k, LAVIN_F32, 4, (int64_t[]){ 1, L, Hkv, hd });
        if (ret >= 0)
            ret = lavin_bench_tensor(ctx, &a.v, LAVIN_F32, 4, (int64_t[]){ 1, L, Hkv, hd });
        if (ret >= 0)
            ret = lavin_tensor_alloc(ctx, &a.o, LAVIN_F32, 4, (int64_t[]){ 1, L, H, hd });
        /* QK^T and PV: 2 * 2 * L * L * hd per head; bytes: q, k, v, o once. */
        if (ret >= 0)
            ret = lavin_bench_time(ctx, o, name, run, &a, 4.0 * H * L * L * hd,
                                   4.0 * L * hd * (2 * H + 2 * Hkv));
        lavin_tensor_free(ctx, &a.o);
        lavin_tensor_free(ctx, &a.v);
        lavin_tensor_free(ctx, &a.k);
        lavin_tensor_free(ctx, &a.q);
    }
    return ret;
}
