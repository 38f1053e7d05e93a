#include <math.h>

#include "core/ops/attention_mma.h"
#include "core/ops/launch.h"
#include "lavin_config.h"

#include "shaders/attention_mma.spv.h"
#if LAVIN_HAVE_GLSL_NV_COOPMAT
#include "shaders/attention_mma_nv.spv.h"
#endif
#if LAVIN_HAVE_GLSL_KHR_COOPMAT
#include "shaders/attention_mma_khr.spv.h"
#endif

#define OP "attention"

/* A workgroup's tiles: warps of 32 rows each, keys per block. */
typedef struct {
    uint32_t warps, bc;
} tiling;

/* Preferred first. More rows per workgroup read each K/V block (f32, from
 * L2) for more queries; more keys per block take fewer barriers per key.
 * The last ones fit lavapipe's 32 KiB at head dim 72. */
static const tiling tilings[] = {
    { 4, 64 }, { 4, 32 }, { 2, 64 }, { 2, 32 }, { 1, 64 }, { 1, 32 }, { 1, 16 },
};

/* The shader's shared arrays (attention_mma.comp): Q, K or P, and V in f16,
 * then S or the P V product in f32, rows padded as it pads them. */
static uint64_t shared_bytes(const tiling *t, uint32_t hd)
{
    uint64_t rows = 32ull * t->warps, hdp = (hd + 15) / 16 * 16, ds = hdp + 8, ps = t->bc + 8;
    uint64_t rs = (t->bc > hdp ? t->bc : hdp) + 8;
    uint64_t kp = t->bc * ds > rows * ps ? t->bc * ds : rows * ps;
    return 2 * (rows * ds + kp + t->bc * ds) + 4 * rows * rs;
}

static const tiling *choose_tiling(const lavin_context *ctx, uint32_t hd)
{
    for (size_t i = 0; i < sizeof(tilings) / sizeof(tilings[0]); i++)
        if (lavin_wg_fits(ctx, 32 * tilings[i].warps, shared_bytes(&tilings[i], hd)))
            return &tilings[i];
    return NULL;
}

/* The variant of the kernel for the context's layer, or 0 where this build
 * has none. */
static int shader_for(const lavin_context *ctx, lavin_shader *sh)
{
    switch (ctx->mma) {
    case LAVIN_MMA_EMULATED: *sh = LAVIN_SHADER(attention_mma); return 1;
#if LAVIN_HAVE_GLSL_NV_COOPMAT
    case LAVIN_MMA_NV: *sh = LAVIN_SHADER(attention_mma_nv); return 1;
#endif
#if LAVIN_HAVE_GLSL_KHR_COOPMAT
    case LAVIN_MMA_KHR: *sh = LAVIN_SHADER(attention_mma_khr); return 1;
#endif
    default: return 0;
    }
}

int lavin_attention_mma_fits(const lavin_context *ctx, uint32_t hd)
{
    lavin_shader sh;
    return shader_for(ctx, &sh) && choose_tiling(ctx, hd) != NULL;
}

int lavin_attention_mma(lavin_context *ctx, const lavin_tensor *q, const lavin_tensor *k, const lavin_tensor *v,
                        const lavin_tensor *out)
{
    char dq[96];
    uint32_t B = (uint32_t)q->ne[0], L = (uint32_t)q->ne[1], H = (uint32_t)q->ne[2], hd = (uint32_t)q->ne[3];
    uint32_t Hkv = (uint32_t)k->ne[2], group = H / Hkv;
    lavin_shader sh;
    const tiling *t = choose_tiling(ctx, hd);
    if (!shader_for(ctx, &sh) || !t)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": no matrix-tile kernel for head dim %u on this device", hd);
    /* Query heads of one kv head share a workgroup, as many as divide both
     * the group and the workgroup's rows. */
    uint32_t rows = 32 * t->warps, gh = 1;
    while (gh * 2 <= rows && group % (gh * 2) == 0)
        gh *= 2;
    uint32_t tok = rows / gh;
    double n = (double)B * (double)L;
    lavin_dispatch d = {
        .op = OP, .reads = { q, k, v }, .writes = { out },
        .groups = { (L + tok - 1) / tok, H / gh, B },
        .flops = 4.0 * n * (double)L * (double)H * (double)hd,
        .bytes = 4.0 * n * (double)hd * (double)(2 * H + 2 * Hkv),
    };
    for (int i = 0; i < 3; i++)
        if (d.groups[i] > ctx->props.limits.maxComputeWorkGroupCount[i])
            return lavin_err(ctx, LAVIN_EINVAL, OP ": q %s needs %u workgroups along axis %d, over the device's limit",
                             lavin_tensor_describe(q, dq, sizeof(dq)), d.groups[i], i);
    const uint32_t spec[] = { rows, hd, t->bc };
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, 3, &d.pipeline));
    lavin_attention_push pc = {
        .q = lavin_addr(q), .k = lavin_addr(k), .v = lavin_addr(v), .out = lavin_addr(out),
        .L = L, .H = H, .Hkv = Hkv, .group = group, .gh = gh,
        .scale = (float)(1.4426950408889634 / sqrt((double)hd)),
    };
    d.push = &pc;
    d.push_size = sizeof(pc);
    return lavin_stream_dispatch(ctx, &d);
}
