#include "core/ops/matmul.h"
#include "core/ops/launch.h"
#include "core/ops/matmul_mma.h"

#include "shaders/matmul.spv.h"
#include "shaders/matmul_cpu.spv.h"

typedef struct {
    uint64_t x, w, bias, out;
    uint32_t M, N, K;
    uint32_t x_off, w_off, b_off;
    uint32_t tiles_n;
} push_t;

/* The shaders' dtype for "no bias" (DT_NONE in shaders/common.glsl). */
#define DT_NONE 255u

/* Output tile BM x BN, K step BK, TM x TN accumulators per thread. */
typedef struct {
    uint32_t bm, bn, bk, tm, tn;
} tile_cfg;

/* Largest first; the last one fits Vulkan's minimum limits (128
 * invocations, 16 KiB shared memory), so some config always fits. */
static const tile_cfg configs[] = {
    { 128, 128, 16, 8, 8 },  /* big GEMMs: 64 accumulators, 16 flops per shared load */
    { 64, 64, 16, 4, 4 },    /* medium M or N, where 128-wide tiles leave the GPU idle */
    { 16, 32, 32, 2, 2 },    /* M <= 16 (timestep/conditioning GEMVs): many groups over N */
};
enum { CFG_LARGE, CFG_MEDIUM, CFG_SMALL, NCFG };

static uint32_t threads(const tile_cfg *c) { return (c->bm / c->tm) * (c->bn / c->tn); }

static uint32_t shared_bytes(const tile_cfg *c) { return c->bk * (c->bm + 1 + c->bn + 1) * 4; }

static int fits(const lavin_context *ctx, const tile_cfg *c)
{
    return lavin_wg_fits(ctx, threads(c), shared_bytes(c));
}

static const tile_cfg *pick_config(const lavin_context *ctx, uint64_t M, uint64_t N)
{
    int want;
    if (M <= 16)
        want = CFG_SMALL;
    else if (((M + 127) / 128) * ((N + 127) / 128) >= 256)  /* enough 128x128 tiles to fill a big GPU */
        want = CFG_LARGE;
    else
        want = CFG_MEDIUM;
    for (int i = want; i < NCFG; i++)
        if (fits(ctx, &configs[i]))
            return &configs[i];
    return &configs[NCFG - 1];
}

/* Like lavin_check_dtype, but a 16-bit view may start at any element: the
 * shader handles a start in the middle of a word. */
static int check_dtype(lavin_context *ctx, const char *name, const lavin_tensor *t, unsigned allowed)
{
    if (!(allowed & LAVIN_DT_BIT(t->dtype)))
        return lavin_err(ctx, LAVIN_EINVAL, "matmul: %s has unsupported dtype %s", name,
                         lavin_dtype_name(t->dtype));
    return 0;
}

/* Workgroups write out while others still read their inputs, so out may not
 * share memory with them. */
static int overlaps(const lavin_tensor *a, const lavin_tensor *b)
{
    return a && a->mem.block == b->mem.block && a->mem.offset < b->mem.offset + b->mem.size &&
           b->mem.offset < a->mem.offset + a->mem.size;
}

/* The push constants both kernels share: addresses, sizes, offsets. */
static push_t operands(const lavin_tensor *x, const lavin_tensor *w, const lavin_tensor *bias,
                       const lavin_tensor *out, uint32_t M, uint32_t N, uint32_t K)
{
    push_t pc = { .M = M, .N = N, .K = K, .out = lavin_addr(out) };
    pc.x = lavin_word_addr(x, &pc.x_off);
    pc.w = lavin_word_addr(w, &pc.w_off);
    pc.bias = bias ? lavin_word_addr(bias, &pc.b_off) : 0;
    return pc;
}

/* The shared-memory tiled kernel (matmul.comp). */
static int launch_gpu(lavin_context *ctx, lavin_dispatch *d, const lavin_tensor *x, const lavin_tensor *w,
                      const lavin_tensor *bias, const lavin_tensor *out, uint32_t M, uint32_t N, uint32_t K)
{
    const tile_cfg *c = pick_config(ctx, M, N);
    push_t pc = operands(x, w, bias, out, M, N, K);
    pc.tiles_n = (N + c->bn - 1) / c->bn;
    uint64_t tiles_m = ((uint64_t)M + c->bm - 1) / c->bm;
    /* a 16-bit row starts at an odd element when the view offset or K is odd */
    uint32_t x_odd = x->dtype != LAVIN_F32 && ((pc.x_off | K) & 1);
    uint32_t w_odd = (w->dtype == LAVIN_F16 || w->dtype == LAVIN_BF16) && ((pc.w_off | K) & 1);
    uint32_t spec[] = {
        threads(c), c->bm, c->bn, c->bk, c->tm, c->tn,
        (uint32_t)x->dtype, (uint32_t)w->dtype, bias ? (uint32_t)bias->dtype : DT_NONE, x_odd, w_odd,
    };
    const lavin_shader sh = LAVIN_SHADER(matmul);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, sizeof(spec) / sizeof(spec[0]), &d->pipeline));
    d->push = &pc;
    d->push_size = sizeof(pc);
    lavin_groups_1d(ctx, tiles_m * pc.tiles_n, d->groups);
    return lavin_stream_dispatch(ctx, d);
}

/* Rows of the weight load as vectors of 4 when K is a multiple of 4 and every
 * row starts on a 4-element boundary; quantized rows have their own reads. */
static uint32_t vec4_rows(const lavin_tensor *t, uint32_t K)
{
    return !lavin_dtype_is_quantized(t->dtype) && K % 4 == 0 &&
           lavin_addr(t) % (4 * lavin_dtype_size(t->dtype)) == 0;
}

/* The register-blocked kernel (matmul_cpu.comp): one subgroup per workgroup,
 * each invocation a TM x TN block, no shared memory. */
static int launch_cpu(lavin_context *ctx, lavin_dispatch *d, const lavin_tensor *x, const lavin_tensor *w,
                      const lavin_tensor *bias, const lavin_tensor *out, uint32_t M, uint32_t N, uint32_t K)
{
    /* 16 x 4 accumulators is the most that stay in registers; fewer rows
     * (the next power of two) for the few-row products. */
    uint32_t tm = 1, tn = 4, lanes = ctx->info.subgroup_size;
    while (tm < 16 && tm < M)
        tm *= 2;
    push_t pc = operands(x, w, bias, out, M, N, K);
    pc.tiles_n = (N + tn * lanes - 1) / (tn * lanes);
    uint64_t blocks = ((uint64_t)M + tm - 1) / tm * pc.tiles_n;
    uint32_t spec[] = {
        lanes, tm, tn, (uint32_t)x->dtype, (uint32_t)w->dtype, bias ? (uint32_t)bias->dtype : DT_NONE,
        vec4_rows(w, K),
    };
    const lavin_shader sh = LAVIN_SHADER(matmul_cpu);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, sizeof(spec) / sizeof(spec[0]), &d->pipeline));
    d->push = &pc;
    d->push_size = sizeof(pc);
    lavin_groups_1d(ctx, blocks, d->groups);
    return lavin_stream_dispatch(ctx, d);
}

int lavin_op_matmul(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *w,
                    const lavin_tensor *bias, const lavin_tensor *out)
{
    static const char op[] = "matmul";
    char dx[96], dw[96], dd[96];
    LAVIN_TRY(check_dtype(ctx, "input", x, LAVIN_DT_BIT(LAVIN_F32) | LAVIN_DT_BIT(LAVIN_F16)));
    LAVIN_TRY(check_dtype(ctx, "weight", w, LAVIN_DT_ANY | LAVIN_DT_QUANT));
    LAVIN_TRY(check_dtype(ctx, "output", out, LAVIN_DT_BIT(LAVIN_F32)));
    int64_t K = x->ne[x->ndim - 1];
    if (w->ndim != 2 || w->ne[1] != K)
        return lavin_err(ctx, LAVIN_EINVAL, "matmul: weight %s is not [N, %lld] for input %s",
                         lavin_tensor_describe(w, dw, sizeof(dw)), (long long)K,
                         lavin_tensor_describe(x, dx, sizeof(dx)));
    int64_t N = w->ne[0], M = lavin_tensor_nelem(x) / K;
    if (out->ne[out->ndim - 1] != N || lavin_tensor_nelem(out) != M * N)
        return lavin_err(ctx, LAVIN_EINVAL, "matmul: output %s is not [..., %lld] with %lld rows",
                         lavin_tensor_describe(out, dd, sizeof(dd)), (long long)N, (long long)M);
    if (bias) {
        LAVIN_TRY(check_dtype(ctx, "bias", bias, LAVIN_DT_ANY));
        if (bias->ndim != 1 || bias->ne[0] != N)
            return lavin_err(ctx, LAVIN_EINVAL, "matmul: bias %s is not [%lld]",
                             lavin_tensor_describe(bias, dd, sizeof(dd)), (long long)N);
    }
    /* Quantized blocks (34 or 18 bytes) are read as words from even byte
     * addresses, and are indexed by byte in the shader. */
    if (lavin_dtype_is_quantized(w->dtype)) {
        if (K % LAVIN_QK || lavin_addr(w) % 2)
            return lavin_err(ctx, LAVIN_EINVAL, "matmul: %s weight needs K %% %d == 0 and a 2-aligned address",
                             lavin_tensor_describe(w, dw, sizeof(dw)), LAVIN_QK);
        if (lavin_tensor_bytes(w) >= UINT32_MAX - 8)
            return lavin_err(ctx, LAVIN_EINVAL, "matmul: weight %s spans more than 4 GiB",
                             lavin_tensor_describe(w, dw, sizeof(dw)));
    }
    if (overlaps(x, out) || overlaps(w, out) || overlaps(bias, out))
        return lavin_err(ctx, LAVIN_EINVAL, "matmul: output %s overlaps an input",
                         lavin_tensor_describe(out, dd, sizeof(dd)));
    /* 32-bit element indices in the shader, plus the one-element word offset */
    if (M * K >= UINT32_MAX || N * K >= UINT32_MAX || M * N >= UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "matmul: %lld x %lld x %lld needs 32-bit indices past 2^32",
                         (long long)M, (long long)N, (long long)K);

    lavin_dispatch d = {
        .op = op, .reads = { x, w, bias }, .writes = { out },
        .flops = 2.0 * (double)M * (double)N * (double)K,
        .bytes = (double)(lavin_tensor_bytes(x) + lavin_tensor_bytes(w) + lavin_tensor_bytes(out) +
                          (bias ? lavin_tensor_bytes(bias) : 0)),
    };
    /* Precision f16: tensor cores, except for the few-row products (see
     * lavin_matmul_mma_suits). */
    if (lavin_matmul_mma_suits(ctx, M))
        return lavin_matmul_mma(ctx, &d, x, w, bias, out, (uint32_t)M, (uint32_t)N, (uint32_t)K);
    /* The CPU kernel trades x values through subgroup shuffles, 4 lanes at a
     * time. */
    if (ctx->kernels == LAVIN_KERNELS_CPU && (ctx->info.features & LAVIN_FEAT_SUBGROUP_SHUFFLE) &&
        ctx->info.subgroup_size % 4 == 0 && ctx->info.subgroup_size <= lavin_wg_size(ctx, 1024))
        return launch_cpu(ctx, &d, x, w, bias, out, (uint32_t)M, (uint32_t)N, (uint32_t)K);
    return launch_gpu(ctx, &d, x, w, bias, out, (uint32_t)M, (uint32_t)N, (uint32_t)K);
}
