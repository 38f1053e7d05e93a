#include <math.h>
#include <stdlib.h>

#include "core/ops/launch.h"
#include "core/ops/rope.h"

#include "shaders/rope3d.spv.h"
#include "core/transfer.h"

static int check_grid(lavin_context *ctx, int T, int Hh, int W, int hd, float scale_h, float scale_w)
{
    if (T < 1 || Hh < 1 || W < 1 || (int64_t)T * Hh * W > INT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: grid %d x %d x %d is empty or too large", T, Hh, W);
    if (hd < 6 || hd % 6)
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: head dim %d is not a positive multiple of 6", hd);
    if (!(scale_h > 0) || !(scale_w > 0) || !isfinite(scale_h) || !isfinite(scale_w))
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: position scales %g, %g are not positive finite numbers",
                         (double)scale_h, (double)scale_w);
    return 0;
}

/* (cos, sin) of pair p = a * d/2 + j at 2p, 2p + 1 of each token's row. */
static int table_host(lavin_context *ctx, int T, int Hh, int W, int hd, float base, float scale_h, float scale_w,
                      float *cs)
{
    LAVIN_TRY(check_grid(ctx, T, Hh, W, hd, scale_h, scale_w));
    int d = hd / 3, half = d / 2;
    const float scale[3] = { 1.0f, scale_h, scale_w };
    for (int n = 0; n < T * Hh * W; n++) {
        const int pos[3] = { n / (Hh * W), n / W % Hh, n % W };
        for (int a = 0; a < 3; a++) {
            /* A float32 product, as torch.arange(n).float() * scale; times
             * 1 it is the integer position itself, so plain RoPE keeps its
             * bits. */
            float at_pos = (float)pos[a] * scale[a];
            for (int j = 0; j < half; j++) {
                /* The reference: 1 / base ** (float32(2j) / d), each step
                 * rounded to float32 (pow correctly rounded from double). */
                float e = (float)(2 * j) / (float)d;
                float inv = 1.0f / (float)pow((double)base, (double)e);
                float angle = at_pos * inv;
                float *at = cs + (size_t)n * hd + 2 * (a * half + j);
                at[0] = (float)cos((double)angle);
                at[1] = (float)sin((double)angle);
            }
        }
    }
    return 0;
}

int lavin_rope3d_table(lavin_context *ctx, int T, int Hh, int W, int hd, float base, float scale_h, float scale_w,
                       lavin_tensor *table)
{
    LAVIN_TRY(check_grid(ctx, T, Hh, W, hd, scale_h, scale_w));
    int64_t L = (int64_t)T * Hh * W;
    size_t n = (size_t)L * (size_t)hd;
    float *cs = malloc(n * sizeof(float));
    if (!cs)
        return lavin_err(ctx, LAVIN_ENOMEM, "rope3d: no host memory for a %lld x %d table", (long long)L, hd);
    int ret = table_host(ctx, T, Hh, W, hd, base, scale_h, scale_w, cs);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, table, LAVIN_F32, 2, (int64_t[]){ L, hd });
    if (ret >= 0) {
        ret = lavin_tensor_upload(ctx, table, cs, n * sizeof(float));
        if (ret < 0)
            lavin_tensor_free(ctx, table);
    }
    free(cs);
    return ret;
}

typedef struct {
    uint64_t x, table, out;
    uint32_t npairs, L, nh, hd;
} push_t;

int lavin_op_rope3d(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *table, const lavin_tensor *out)
{
    char dx[96], dt[96];
    const unsigned f32 = LAVIN_DT_BIT(LAVIN_F32);
    LAVIN_TRY(lavin_check_dtype(ctx, "rope3d", "x", x, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, "rope3d", "table", table, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, "rope3d", "out", out, f32));
    if (x->ndim != 4)
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: x is %s, expected [B, L, heads, hd]",
                         lavin_tensor_describe(x, dx, sizeof(dx)));
    int64_t L = x->ne[1], hd = x->ne[3];
    if (hd < 6 || hd % 6)
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: head dim %lld is not a positive multiple of 6", (long long)hd);
    if (table->ndim != 2 || table->ne[0] != L || table->ne[1] != hd)
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: table is %s, expected [%lld, %lld] for x %s",
                         lavin_tensor_describe(table, dt, sizeof(dt)), (long long)L, (long long)hd,
                         lavin_tensor_describe(x, dx, sizeof(dx)));
    if (!lavin_same_shape(x, out))
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: out is %s, expected the shape of x %s",
                         lavin_tensor_describe(out, dt, sizeof(dt)), lavin_tensor_describe(x, dx, sizeof(dx)));
    int64_t n = lavin_tensor_nelem(x);
    if (n > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "rope3d: x %s is too large", lavin_tensor_describe(x, dx, sizeof(dx)));

    uint32_t wg = lavin_wg_size(ctx, 256);
    lavin_pipeline *pipe;
    const lavin_shader sh = LAVIN_SHADER(rope3d);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, (uint32_t[]){ wg }, 1, &pipe));
    push_t pc = {
        .x = lavin_addr(x), .table = lavin_addr(table), .out = lavin_addr(out),
        .npairs = (uint32_t)(n / 2), .L = (uint32_t)L, .nh = (uint32_t)x->ne[2], .hd = (uint32_t)hd,
    };
    lavin_dispatch d = {
        .op = "rope3d", .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { x, table }, .writes = { out },
        .flops = 3.0 * (double)n, .bytes = 4.0 * (double)(2 * n + lavin_tensor_nelem(table)),
    };
    lavin_groups_1d(ctx, ((uint64_t)n / 2 + wg - 1) / wg, d.groups);
    return lavin_stream_dispatch(ctx, &d);
}
