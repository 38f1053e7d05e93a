/* The f16 matmul on the matrix-tile layer: which tile config and which of the
 * layer's three builds (emulated, NV or KHR cooperative matrices) a product
 * gets, its specialization constants and its launch. */
#include "core/ops/matmul_mma.h"
#include "core/ops/launch.h"
#include "core/mma.h"
#include "lavin_config.h"

#include "shaders/matmul_mma.spv.h"
#if LAVIN_HAVE_GLSL_NV_COOPMAT
#include "shaders/matmul_mma_nv.spv.h"
#endif
#if LAVIN_HAVE_GLSL_KHR_COOPMAT
#include "shaders/matmul_mma_khr.spv.h"
#endif

/* matmul.comp's push constants, then what matmul_mma.comp takes at run time
 * rather than as specialization constants (see its header). */
typedef struct {
    uint64_t x, w, bias, out;
    uint32_t M, N, K;
    uint32_t x_off, w_off, b_off;
    uint32_t tiles_n;
    uint32_t bias_dt;
    uint32_t vec;
} push_t;

enum { X_VEC = 1, W_VEC = 2 };

/* The shaders' dtype for "no bias" (DT_NONE in shaders/common.glsl). */
#define DT_NONE 255u

enum { WARP = 32, TILE = 16 };

/* Output tile BM x BN, K step BK, warps as warps_m rows of a warp grid. */
typedef struct {
    uint32_t bm, bn, bk, warps, warps_m;
} mma_cfg;

/* Largest first, each with a K step of 32: 64-byte runs of a row per
 * load, two 16-deep products per barrier.
 *   128 x 128, 8 warps of 64 x 32 (8 tile products per 6 fragment loads):
 *     48 KiB of shared memory, NVIDIA's limit.
 *   128 x 64, 4 warps of 64 x 32: 34 KiB; twice the workgroups where
 *     128 x 128 tiles leave a big GPU idle (N = 576 at M = 2560).
 *   64 x 32, 4 warps of 32 x 16: 19 KiB, for lavapipe. Its LLVM time per
 *     pipeline grows faster than the copies of the emulated tile product
 *     that unrolling makes: 2 copies a k-step 0.9 s, 4 copies 1.9 s, the 8
 *     of 32 x 32 warp tiles 4.5 s. */
static const mma_cfg configs[] = {
    { 128, 128, 32, 8, 2 },
    { 128, 64, 32, 4, 2 },
    { 64, 32, 32, 4, 2 },
};
enum { NCFG = sizeof(configs) / sizeof(configs[0]) };

/* Double-buffered f16 operand tiles with rows padded by 8 halves, and one
 * 16x16 f32 accumulator per warp (shaders/matmul_mma.comp). */
static uint32_t shared_bytes(const mma_cfg *c)
{
    return 2 * (c->bm + c->bn) * (c->bk + 8) * 2 + c->warps * TILE * TILE * 4;
}

static int fits(const lavin_context *ctx, const mma_cfg *c)
{
    return lavin_wg_fits(ctx, c->warps * WARP, shared_bytes(c));
}

static uint64_t tiles(const mma_cfg *c, uint64_t M, uint64_t N)
{
    return ((M + c->bm - 1) / c->bm) * ((N + c->bn - 1) / c->bn);
}

/* The largest config that fits the device and still makes 256 workgroups,
 * two per multiprocessor of a big GPU; failing that, the one with the most
 * workgroups that fits. NULL when none fits. */
static const mma_cfg *pick_config(const lavin_context *ctx, uint64_t M, uint64_t N)
{
    const mma_cfg *best = NULL;
    for (int i = 0; i < NCFG; i++) {
        if (!fits(ctx, &configs[i]))
            continue;
        if (tiles(&configs[i], M, N) >= 256)
            return &configs[i];
        best = &configs[i];
    }
    return best;
}

/* Whether every 8-element run of a row (k a multiple of 8) starts on a
 * 16-byte boundary, so that the shader reads it with 16-byte loads. */
static uint32_t vec_runs(const lavin_tensor *t, uint32_t K)
{
    return !lavin_dtype_is_quantized(t->dtype) && lavin_addr(t) % 16 == 0 &&
           (K * lavin_dtype_size(t->dtype)) % 16 == 0;
}

/* The build of matmul_mma.comp for ctx->mma; 0 when this build has none. */
static int shader_for(const lavin_context *ctx, lavin_shader *sh)
{
    switch (ctx->mma) {
    case LAVIN_MMA_EMULATED:
        *sh = LAVIN_SHADER(matmul_mma);
        return 1;
#if LAVIN_HAVE_GLSL_NV_COOPMAT
    case LAVIN_MMA_NV:
        *sh = LAVIN_SHADER(matmul_mma_nv);
        return 1;
#endif
#if LAVIN_HAVE_GLSL_KHR_COOPMAT
    case LAVIN_MMA_KHR:
        *sh = LAVIN_SHADER(matmul_mma_khr);
        return 1;
#endif
    default:
        return 0;
    }
}

int lavin_matmul_mma_suits(const lavin_context *ctx, int64_t M)
{
    lavin_shader sh;
    return shader_for(ctx, &sh) && (ctx->info.features & LAVIN_FEAT_FP16_ARITH) && M > 16 &&
           pick_config(ctx, (uint64_t)M, 1) != NULL; /* NULL only when no config fits */
}

int lavin_matmul_mma(lavin_context *ctx, lavin_dispatch *d, const lavin_tensor *x, const lavin_tensor *w,
                     const lavin_tensor *bias, const lavin_tensor *out, uint32_t M, uint32_t N, uint32_t K)
{
    lavin_shader sh;
    const mma_cfg *c = pick_config(ctx, M, N);
    if (!lavin_matmul_mma_suits(ctx, M) || !c || !shader_for(ctx, &sh))
        return lavin_err(ctx, LAVIN_EINVAL, "matmul: %u rows with a %s weight do not run on %s", M,
                         lavin_dtype_name(w->dtype), lavin_mma_name(ctx->mma));
    push_t pc = { .M = M, .N = N, .K = K, .out = lavin_addr(out) };
    pc.x = lavin_word_addr(x, &pc.x_off);
    pc.w = lavin_word_addr(w, &pc.w_off);
    pc.bias = bias ? lavin_word_addr(bias, &pc.b_off) : 0;
    pc.tiles_n = (N + c->bn - 1) / c->bn;
    pc.bias_dt = bias ? (uint32_t)bias->dtype : DT_NONE;
    pc.vec = (vec_runs(x, K) ? X_VEC : 0) | (vec_runs(w, K) ? W_VEC : 0);
    uint32_t spec[] = {
        c->warps * WARP, c->bm, c->bn, c->bk, c->warps_m, (uint32_t)x->dtype, (uint32_t)w->dtype,
    };
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, sizeof(spec) / sizeof(spec[0]), &d->pipeline));
    d->push = &pc;
    d->push_size = sizeof(pc);
    lavin_groups_1d(ctx, tiles(c, M, N), d->groups);
    return lavin_stream_dispatch(ctx, d);
}
