#include "core/ops/conv.h"
#include "core/ops/launch.h"

#include "shaders/conv.spv.h"
#include "shaders/conv_fold.spv.h"

typedef struct {
    uint64_t x, w, bias, out;
    uint32_t ci, co, t, h, w_, ho, wo;
} push_t;

/* Workgroup tiles: BM output pixels x BN output channels, each thread TM x TN
 * of them. Every entry keeps WG % BM == 0, WG dividing BK*BM and BK*BN, and
 * TM, TN multiples of 4, which the shader's staging and vec4 loads rely on. */
typedef struct {
    uint32_t bm, bn, bk, tm, tn;
} tile_t;

enum { T_LARGE, T_MID, T_NARROW, T_MID_SMALL, T_NARROW_SMALL, T_END = -1 };
static const tile_t tiles[] = {
    [T_LARGE] = { 128, 128, 16, 8, 8 },      /* 256 threads, wide layers */
    [T_MID] = { 64, 64, 16, 4, 4 },          /* 256 threads */
    [T_NARROW] = { 256, 16, 16, 4, 4 },      /* 256 threads, Co <= 16 (latent, RGB) */
    [T_MID_SMALL] = { 32, 64, 16, 4, 4 },    /* 128 threads: the Vulkan minimum */
    [T_NARROW_SMALL] = { 128, 16, 16, 4, 4 }, /* 128 threads */
};

/* The first tile of the preferred list for this shape that the device takes. */
static const tile_t *pick_tile(const lavin_context *ctx, uint32_t co, uint64_t npix)
{
    static const int narrow[] = { T_NARROW, T_NARROW_SMALL, T_END };
    static const int wide[] = { T_LARGE, T_MID, T_MID_SMALL, T_END };
    static const int mid[] = { T_MID, T_MID_SMALL, T_END };
    const int *pref = co <= 16 ? narrow : co >= 128 && npix >= 4096 ? wide : mid;
    const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
    for (; *pref != T_END; pref++) {
        const tile_t *tl = &tiles[*pref];
        uint32_t wg = (tl->bm / tl->tm) * (tl->bn / tl->tn);
        uint32_t shared = tl->bk * (tl->bm + tl->bn) * 4;
        if (wg <= lim->maxComputeWorkGroupInvocations && wg <= lim->maxComputeWorkGroupSize[0] &&
            shared <= lim->maxComputeSharedMemorySize)
            return tl;
    }
    return &tiles[pref[-1]];
}

static int check_5d(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t)
{
    char d[96];
    if (t->ndim != 5)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s is %s, expected [B, C, T, H, W]", op, name,
                         lavin_tensor_describe(t, d, sizeof(d)));
    if (lavin_tensor_nelem(t) > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s %s has more than 2^32 elements", op, name,
                         lavin_tensor_describe(t, d, sizeof(d)));
    return lavin_check_dtype(ctx, op, name, t, LAVIN_DT_BIT(LAVIN_F32));
}

static int check_out(lavin_context *ctx, const char *op, const lavin_tensor *out, const int64_t *want)
{
    char d[96];
    LAVIN_TRY(check_5d(ctx, op, "output", out));
    for (int i = 0; i < 5; i++)
        if (out->ne[i] != want[i])
            return lavin_err(ctx, LAVIN_EINVAL, "%s: output is %s, expected [%lld, %lld, %lld, %lld, %lld]", op,
                             lavin_tensor_describe(out, d, sizeof(d)), (long long)want[0], (long long)want[1],
                             (long long)want[2], (long long)want[3], (long long)want[4]);
    return 0;
}

/* w must be [Co, x->ne[1], k...] with kdims trailing sizes of k. */
static int check_weight(lavin_context *ctx, const char *op, const lavin_tensor *w, const lavin_tensor *x,
                        int kdims, int64_t k)
{
    char d[96], dx[96];
    int ok = w->ndim == 2 + kdims && w->ne[1] == x->ne[1] && lavin_tensor_nelem(w) <= UINT32_MAX;
    for (int i = 2; ok && i < w->ndim; i++)
        ok = w->ne[i] == k;
    if (!ok)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: weight %s does not fit input %s (kernel %lld, %d-D)", op,
                         lavin_tensor_describe(w, d, sizeof(d)), lavin_tensor_describe(x, dx, sizeof(dx)),
                         (long long)k, kdims);
    return lavin_check_dtype(ctx, op, "weight", w, LAVIN_DT_ANY);
}

static int check_bias(lavin_context *ctx, const char *op, const lavin_tensor *bias, int64_t co)
{
    char d[96];
    if (!bias)
        return 0;
    if (bias->ndim != 1 || bias->ne[0] != co)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: bias is %s, expected [%lld]", op,
                         lavin_tensor_describe(bias, d, sizeof(d)), (long long)co);
    return lavin_check_dtype(ctx, op, "bias", bias, LAVIN_DT_ANY);
}

/* Records the shader for checked shapes: kt/ks the kernel, stride/pad as in
 * conv.comp. */
static int dispatch(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *w,
                    const lavin_tensor *bias, const lavin_tensor *out, uint32_t kt, uint32_t ks, uint32_t stride,
                    uint32_t pad)
{
    uint32_t b = (uint32_t)x->ne[0], ci = (uint32_t)x->ne[1], t = (uint32_t)x->ne[2];
    uint32_t co = (uint32_t)out->ne[1], ho = (uint32_t)out->ne[3], wo = (uint32_t)out->ne[4];
    uint64_t npix = (uint64_t)ho * wo;
    const tile_t *tl = pick_tile(ctx, co, npix);
    uint32_t wg = (tl->bm / tl->tm) * (tl->bn / tl->tn);
    uint32_t spec[] = {
        wg, tl->bm, tl->bn, tl->bk, tl->tm, tl->tn, kt, ks, stride, pad,
        w->dtype, bias ? bias->dtype : LAVIN_F32, bias != NULL,
    };
    lavin_pipeline *pipe;
    const lavin_shader sh = LAVIN_SHADER(conv);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, sizeof(spec) / sizeof(spec[0]), &pipe));
    push_t pc = {
        .x = lavin_addr(x), .w = lavin_addr(w), .bias = bias ? lavin_addr(bias) : 0, .out = lavin_addr(out),
        .ci = ci, .co = co, .t = t, .h = (uint32_t)x->ne[3], .w_ = (uint32_t)x->ne[4], .ho = ho, .wo = wo,
    };
    /* Work actually done: frames 0 and 1 of the causal conv fold their taps. */
    double taps = 0;
    for (uint32_t f = 0; f < t; f++)
        taps += kt == 1 ? 1 : (f < kt - 1 ? f : kt - 1) + 1;
    double macs = (double)b * taps * ci * ks * ks * co * (double)npix;
    lavin_dispatch d = {
        .op = op, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { x, w, bias }, .writes = { out },
        .flops = 2 * macs,
        .bytes = (double)lavin_tensor_bytes(x) + (double)lavin_tensor_bytes(w) + (double)lavin_tensor_bytes(out),
        .groups = { (uint32_t)((npix + tl->bm - 1) / tl->bm), (co + tl->bn - 1) / tl->bn, b * t },
    };
    return lavin_stream_dispatch(ctx, &d);
}

int lavin_op_conv3d_causal(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *w,
                           const lavin_tensor *bias, const lavin_tensor *out)
{
    const char *op = "conv3d_causal";
    LAVIN_TRY(check_5d(ctx, op, "input", x));
    int64_t k = w->ndim == 5 ? w->ne[2] : 0;
    if (k != 1)
        k = 3;
    LAVIN_TRY(check_weight(ctx, op, w, x, 3, k));
    int64_t co = w->ne[0];
    LAVIN_TRY(check_bias(ctx, op, bias, co));
    LAVIN_TRY(check_out(ctx, op, out, (int64_t[]){ x->ne[0], co, x->ne[2], x->ne[3], x->ne[4] }));
    return dispatch(ctx, op, x, w, bias, out, (uint32_t)k, (uint32_t)k, 1, k == 3);
}

int lavin_op_conv2d(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *w, const lavin_tensor *bias,
                    int stride, const lavin_tensor *out)
{
    const char *op = "conv2d";
    char d[96];
    if (stride != 1 && stride != 2)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: stride %d, expected 1 or 2", op, stride);
    LAVIN_TRY(check_5d(ctx, op, "input", x));
    LAVIN_TRY(check_weight(ctx, op, w, x, 2, 3));
    int64_t co = w->ne[0], h = x->ne[3], wd = x->ne[4];
    LAVIN_TRY(check_bias(ctx, op, bias, co));
    if (stride == 2) {
        if (h < 2 || wd < 2)
            return lavin_err(ctx, LAVIN_EINVAL, "%s: input %s is too small for the stride-2 3x3 conv", op,
                             lavin_tensor_describe(x, d, sizeof(d)));
        h = (h - 2) / 2 + 1;
        wd = (wd - 2) / 2 + 1;
    }
    LAVIN_TRY(check_out(ctx, op, out, (int64_t[]){ x->ne[0], co, x->ne[2], h, wd }));
    return dispatch(ctx, op, x, w, bias, out, 1, 3, (uint32_t)stride, stride == 1);
}

typedef struct {
    uint64_t w, out;
    uint32_t n;
} fold_push_t;

int lavin_conv3d_fold_time(lavin_context *ctx, const lavin_tensor *w, const lavin_tensor *w2d)
{
    const char *op = "conv3d_fold_time";
    char d[96], d2[96];
    int ok = w->ndim == 5 && w->ne[2] == 3 && w->ne[3] == 3 && w->ne[4] == 3 && w2d->ndim == 4 &&
             w2d->ne[0] == w->ne[0] && w2d->ne[1] == w->ne[1] && w2d->ne[2] == 3 && w2d->ne[3] == 3 &&
             lavin_tensor_nelem(w) <= UINT32_MAX;
    if (!ok)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: cannot fold %s into %s, expected [Co, Ci, 3, 3, 3] -> [Co, Ci, 3, 3]",
                         op, lavin_tensor_describe(w, d, sizeof(d)), lavin_tensor_describe(w2d, d2, sizeof(d2)));
    LAVIN_TRY(lavin_check_dtype(ctx, op, "weight", w, LAVIN_DT_ANY));
    LAVIN_TRY(lavin_check_dtype(ctx, op, "output", w2d, LAVIN_DT_BIT(LAVIN_F32)));
    uint32_t n = (uint32_t)lavin_tensor_nelem(w2d);
    uint32_t wg = lavin_wg_size(ctx, 256);
    lavin_pipeline *pipe;
    const lavin_shader sh = LAVIN_SHADER(conv_fold);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, (uint32_t[]){ wg, w->dtype }, 2, &pipe));
    fold_push_t pc = { .w = lavin_addr(w), .out = lavin_addr(w2d), .n = n };
    lavin_dispatch dp = {
        .op = op, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { w }, .writes = { w2d },
        .flops = 2.0 * n, .bytes = (double)lavin_tensor_bytes(w) + (double)lavin_tensor_bytes(w2d),
    };
    lavin_groups_1d(ctx, ((uint64_t)n + wg - 1) / wg, dp.groups);
    return lavin_stream_dispatch(ctx, &dp);
}
