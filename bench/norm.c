#include <stdio.h>

#include "bench/bench.h"
#include "core/ops/norm.h"

/* s: the output, and the residual of the gated add; v: the per-row vector,
 * or SpatialNorm's zy with zb. */
typedef struct {
    lavin_tensor x, w, b, v, zb, s, scratch;
    int kind, groups;
} norm_args;

enum { LN, RMS, MOD, GATED, GN, GN_SPATIAL };

static int run(lavin_context *ctx, void *p)
{
    norm_args *a = p;
    switch (a->kind) {
    case LN:
        return lavin_op_layernorm(ctx, &a->x, &a->w, &a->b, 1e-6f, &a->s);
    case RMS:
        return lavin_op_rmsnorm(ctx, &a->x, &a->w, 1e-6f, &a->s);
    case MOD:
        return lavin_op_rmsnorm_modulate(ctx, &a->x, &a->v, 1e-6f, &a->s);
    case GATED:
        /* In place, as the J-DiT's residual stream is updated. */
        return lavin_op_rmsnorm_gated_add(ctx, &a->s, &a->v, &a->x, 1e-6f, &a->s);
    case GN:
        return lavin_op_groupnorm(ctx, &a->x, &a->w, &a->b, a->groups, 1e-6f, 1, &a->scratch, &a->s);
    default:
        return lavin_op_groupnorm_spatial(ctx, &a->x, &a->w, &a->b, &a->v, &a->zb, a->groups, 1e-6f, 1, &a->scratch,
                                          &a->s);
    }
}

static void release(lavin_context *ctx, norm_args *a)
{
    lavin_tensor_free(ctx, &a->x);
    lavin_tensor_free(ctx, &a->w);
    lavin_tensor_free(ctx, &a->b);
    lavin_tensor_free(ctx, &a->v);
    lavin_tensor_free(ctx, &a->zb);
    lavin_tensor_free(ctx, &a->s);
    lavin_tensor_free(ctx, &a->scratch);
}

/* One row-norm case over x [1, L, D]: weights f16 [D] as stored, per-row
 * vectors [1, D] (a modulation broadcast over the tokens). */
static int row_case(lavin_context *ctx, const lavin_bench_opts *o, int kind, int64_t L, int64_t D)
{
    static const char *const names[] = { "layernorm", "rmsnorm", "rmsnorm_modulate", "rmsnorm_gated_add" };
    norm_args a = { .kind = kind };
    char name[96];
    snprintf(name, sizeof(name), "%s %lldx%lld", names[kind], (long long)L, (long long)D);
    if (!lavin_bench_wanted(o, name))
        return 0;
    int ret = lavin_bench_tensor(ctx, &a.x, LAVIN_F32, 3, (int64_t[]){ 1, L, D });
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.s, LAVIN_F32, 3, (int64_t[]){ 1, L, D });
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.w, LAVIN_F16, 1, (int64_t[]){ D });
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.b, LAVIN_F16, 1, (int64_t[]){ D });
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.v, LAVIN_F32, 2, (int64_t[]){ 1, D });
    /* Read x (and s), write out; the per-row vectors stay in cache. */
    double n = (double)L * (double)D;
    if (ret >= 0)
        ret = lavin_bench_time(ctx, o, name, run, &a, 4.0 * n, 4.0 * n * (2 + (kind == GATED)));
    release(ctx, &a);
    return ret;
}

static int gn_case(lavin_context *ctx, const lavin_bench_opts *o, int spatial, const int64_t ne[5], int groups)
{
    norm_args a = { .kind = spatial ? GN_SPATIAL : GN, .groups = groups };
    char name[96];
    snprintf(name, sizeof(name), "%s silu [%lld,%lld,%lld,%lld,%lld]", spatial ? "groupnorm_spatial" : "groupnorm",
             (long long)ne[0], (long long)ne[1], (long long)ne[2], (long long)ne[3], (long long)ne[4]);
    if (!lavin_bench_wanted(o, name))
        return 0;
    int64_t nc = ne[1];
    int ret = lavin_bench_tensor(ctx, &a.x, LAVIN_F32, 5, ne);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.s, LAVIN_F32, 5, ne);
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.w, LAVIN_F16, 1, &nc);
    if (ret >= 0)
        ret = lavin_bench_tensor(ctx, &a.b, LAVIN_F16, 1, &nc);
    if (ret >= 0 && spatial)
        ret = lavin_bench_tensor(ctx, &a.v, LAVIN_F32, 5, ne);
    if (ret >= 0 && spatial)
        ret = lavin_bench_tensor(ctx, &a.zb, LAVIN_F32, 5, ne);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.scratch, LAVIN_F32, 1,
                                 (int64_t[]){ lavin_groupnorm_scratch_elems(&a.x, groups) });
    /* x read twice (statistics, then apply), out written once. */
    double n = (double)ne[0] * (double)ne[1] * (double)ne[2] * (double)ne[3] * (double)ne[4];
    if (ret >= 0)
        ret = lavin_bench_time(ctx, o, name, run, &a, 8.0 * n, 4.0 * n * (3 + 2 * spatial));
    release(ctx, &a);
    return ret;
}

/* Row norms at lavin-tiny's J-DiT (hidden 144 and kv width 72 over a joint
 * sequence of 384 tokens) and the released one's (hidden 2304; 1024 tokens,
 * 10240 with --full); GroupNorm at the ST-VAE's shapes for 128x128 clips
 * (and 256x256 with --full). */
int lavin_bench_norm(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const int64_t rows[][2] = { { 384, 144 }, { 384, 72 }, { 1024, 2304 }, { 10240, 2304 } };
    static const int64_t gs[][5] = {
        { 1, 32, 5, 128, 128 }, { 1, 64, 2, 32, 32 }, { 1, 128, 9, 256, 256 },
    };
    int nr = o->full ? 4 : 3, ng = o->full ? 3 : 2, ret = 0;
    for (int i = 0; i < nr && ret >= 0; i++)
        for (int k = LN; k <= GATED && ret >= 0; k++)
            if (rows[i][1] != 72 || k == RMS)
                ret = row_case(ctx, o, k, rows[i][0], rows[i][1]);
    for (int i = 0; i < ng && ret >= 0; i++) {
        ret = gn_case(ctx, o, 0, gs[i], 32);
        if (ret >= 0 && i == 1)
            ret = gn_case(ctx, o, 1, gs[i], 32);
    }
    return ret;
}
