#include "core/ops/conv.h"
#include "core/ops/launch.h"

#include "shaders/conv.spv.h"
#include "shaders/conv_cpu.spv.h"
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
    for (; *pref != T_END; pref++) {
        const tile_t *tl = &tiles[*pref];
        if (lavin_wg_fits(ctx, (tl->bm / tl->tm) * (tl->bn / tl->tn), (uint64_t)tl->bk * (tl->bm + tl->bn) * 4))
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

/* Multiply-adds of the frames t0 .. t0 + nt - 1 of a conv with kernel kt x
 * ks x ks: frames 0 and 1 of the causal conv fold their repeated taps. */
static double conv_macs(uint32_t b, uint32_t ci, uint32_t co, uint64_t npix, uint32_t kt, uint32_t ks,
                        uint32_t t0, uint32_t nt)
{
    double taps = 0;
    for (uint32_t f = t0; f < t0 + nt; f++)
        taps += kt == 1 ? 1 : (f < kt - 1 ? f : kt - 1) + 1;
    return (double)b * taps * ci * ks * ks * co * (double)npix;
}

/* Records conv.comp for checked shapes: kt/ks the kernel, stride/pad as in
 * the shader. */
static int dispatch_gpu(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *w,
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
    double macs = conv_macs(b, ci, co, npix, kt, ks, 0, t);
    lavin_dispatch d = {
        .op = op, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { x, w, bias }, .writes = { out },
        .flops = 2 * macs,
        .bytes = (double)lavin_tensor_bytes(x) + (double)lavin_tensor_bytes(w) + (double)lavin_tensor_bytes(out),
        .groups = { (uint32_t)((npix + tl->bm - 1) / tl->bm), (co + tl->bn - 1) / tl->bn, b * t },
    };
    return lavin_stream_dispatch(ctx, &d);
}

typedef struct {
    uint64_t x, w, bias, out;
    uint32_t ci, co, t, h, w_, ho, wo;
    uint32_t t0, nt, runs;
} cpu_push_t;

/* conv_cpu.comp's work per invocation: cb output channels x py rows x px
 * columns of output pixels, and sg lanes sharing weight loads. */
typedef struct {
    uint32_t cb, py, px, sg, wg;
} cpu_block_t;

/* Whether the device can run conv_cpu.comp, and its block for this conv.
 * Weights go round subgroups of at most 8 lanes, no more than the smallest
 * subgroup a device might run. A 3x3 stride-1 block of 8 channels x 4 x 4
 * pixels gathers 6 x 6 input values a channel for 1152 multiply-adds; a
 * 1x1 kernel shares no input between neighbours and stride 2 little, so
 * these take 16 channels x 8 pixels of one row, for fewer gathers a product
 * (lavapipe, Mesa 25.0). */
static int cpu_block(const lavin_context *ctx, uint32_t ks, uint32_t stride, uint32_t co, uint32_t ho,
                     uint32_t wo, cpu_block_t *bl)
{
    uint32_t sgsize = ctx->info.subgroup_size;
    if (!(ctx->info.features & LAVIN_FEAT_SUBGROUP_SHUFFLE) || sgsize < 2 ||
        sgsize > ctx->props.limits.maxComputeWorkGroupSize[0])
        return 0;
    *bl = ks == 3 && stride == 1 ? (cpu_block_t){ 8, 4, 4, 0, 0 } : (cpu_block_t){ 16, 1, 8, 0, 0 };
    bl->cb = bl->cb < co ? bl->cb : co;
    bl->sg = sgsize < 8 ? sgsize : 8;
    /* One subgroup a workgroup: one SIMD thread of lavapipe. */
    bl->wg = sgsize;
    uint64_t groups = ((uint64_t)((ho + bl->py - 1) / bl->py) * ((wo + bl->px - 1) / bl->px) + bl->wg - 1) / bl->wg;
    return groups <= ctx->props.limits.maxComputeWorkGroupCount[1];
}

/* Records conv_cpu.comp for the output frames t0 .. t0 + nt - 1, which all
 * read nf distinct input frames. */
static int dispatch_cpu_frames(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *w,
                               const lavin_tensor *bias, const lavin_tensor *out, const cpu_block_t *bl,
                               const uint32_t k[4], uint32_t t0, uint32_t nt, uint32_t nf)
{
    uint32_t b = (uint32_t)x->ne[0], ci = (uint32_t)x->ne[1], t = (uint32_t)x->ne[2];
    uint32_t co = (uint32_t)out->ne[1], ho = (uint32_t)out->ne[3], wo = (uint32_t)out->ne[4];
    uint32_t runs = (wo + bl->px - 1) / bl->px, rows = (ho + bl->py - 1) / bl->py;
    uint32_t spec[] = {
        bl->wg, bl->cb, bl->py, bl->px, k[0], k[1], k[2], k[3], nf,
        w->dtype, bias ? bias->dtype : LAVIN_F32, bias != NULL, bl->sg,
    };
    lavin_pipeline *pipe;
    const lavin_shader sh = LAVIN_SHADER(conv_cpu);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, sizeof(spec) / sizeof(spec[0]), &pipe));
    cpu_push_t pc = {
        .x = lavin_addr(x), .w = lavin_addr(w), .bias = bias ? lavin_addr(bias) : 0, .out = lavin_addr(out),
        .ci = ci, .co = co, .t = t, .h = (uint32_t)x->ne[3], .w_ = (uint32_t)x->ne[4], .ho = ho, .wo = wo,
        .t0 = t0, .nt = nt, .runs = runs,
    };
    double macs = conv_macs(b, ci, co, (uint64_t)ho * wo, k[0], k[1], t0, nt);
    double frames = (double)nt / t;
    lavin_dispatch d = {
        .op = op, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { x, w, bias }, .writes = { out },
        .flops = 2 * macs,
        .bytes = frames * ((double)lavin_tensor_bytes(x) + (double)lavin_tensor_bytes(out)) +
                 (double)lavin_tensor_bytes(w),
        .groups = { (co + bl->cb - 1) / bl->cb, (uint32_t)(((uint64_t)rows * runs + bl->wg - 1) / bl->wg), b * nt },
    };
    return lavin_stream_dispatch(ctx, &d);
}

/* conv_cpu.comp takes the number of distinct input frames as a constant:
 * one dispatch for frame 0, one for frame 1 and one for the rest. */
static int dispatch_cpu(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *w,
                        const lavin_tensor *bias, const lavin_tensor *out, const cpu_block_t *bl,
                        uint32_t kt, uint32_t ks, uint32_t stride, uint32_t pad)
{
    uint32_t t = (uint32_t)x->ne[2];
    const uint32_t k[4] = { kt, ks, stride, pad };
    if (kt == 1)
        return dispatch_cpu_frames(ctx, op, x, w, bias, out, bl, k, 0, t, 1);
    for (uint32_t f = 0; f < t && f < kt - 1; f++)
        LAVIN_TRY(dispatch_cpu_frames(ctx, op, x, w, bias, out, bl, k, f, 1, f + 1));
    if (t < kt)
        return 0;
    return dispatch_cpu_frames(ctx, op, x, w, bias, out, bl, k, kt - 1, t - (kt - 1), kt);
}

/* The CPU variant where the device class asks for it and can run it (see
 * cpu_block), else conv.comp. */
static int dispatch(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *w,
                    const lavin_tensor *bias, const lavin_tensor *out, uint32_t kt, uint32_t ks, uint32_t stride,
                    uint32_t pad)
{
    cpu_block_t bl;
    if (ctx->kernels == LAVIN_KERNELS_CPU &&
        cpu_block(ctx, ks, stride, (uint32_t)out->ne[1], (uint32_t)out->ne[3], (uint32_t)out->ne[4], &bl))
        return dispatch_cpu(ctx, op, x, w, bias, out, &bl, kt, ks, stride, pad);
    return dispatch_gpu(ctx, op, x, w, bias, out, kt, ks, stride, pad);
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
