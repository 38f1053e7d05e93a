#include <math.h>

#include "core/ops/attention.h"
#include "core/ops/launch.h"

#include "shaders/attention.spv.h"
#include "shaders/attention_sg.spv.h"

#define OP "attention"

typedef struct {
    uint64_t q, k, v, out;
    uint32_t L, H, Hkv, group, gh;
    float scale;
} push_t;

/* The kernel's tiling for a head dim on this device; see attention.comp. */
typedef struct {
    int subgroup;
    uint32_t wg, tpr, rpt, bk, gh;
} tiling;

static tiling choose_tiling(const lavin_context *ctx, uint32_t hd, uint32_t group)
{
    tiling t = { .wg = 128, .tpr = 1, .rpt = 1, .bk = 16, .gh = 1 };
    uint32_t d4 = hd / 4, sg = ctx->info.subgroup_size;
    /* On a CPU device (lavapipe) shuffles and shared-memory reads are costly
     * and registers are not scarce: fewer lanes per row (up to 9 vec4s each,
     * beyond which its JIT slows down sharply), more rows per lane; at hd 72
     * that runs twice as fast as the GPU choice. */
    int cpu = ctx->info.type == LAVIN_DEVICE_CPU;
    uint32_t budget = cpu ? 384 : 128;
    /* Lanes of a row reduce their partial scores by shuffles, so a row must
     * fit in the smallest subgroup a device might run (8 covers them all). */
    if ((ctx->info.features & LAVIN_FEAT_SUBGROUP_SHUFFLE) && sg >= 2 && t.wg % sg == 0) {
        uint32_t cap = sg < 8 ? sg : 8;
        if (cpu)
            while (t.tpr * 2 <= cap && (d4 + t.tpr - 1) / t.tpr > 9)
                t.tpr *= 2;
        else
            while (t.tpr * 2 <= cap && (d4 + t.tpr * 2 - 1) / (t.tpr * 2) >= 4)
                t.tpr *= 2;
        t.subgroup = t.tpr > 1;
    }
    while (t.bk > 1 && 2ull * t.bk * hd * 4 > ctx->props.limits.maxComputeSharedMemorySize)
        t.bk /= 2;
    /* Each extra row per lane saves shared-memory reads (every K and V value
     * read feeds all its rows) but costs registers for that row's q slice,
     * accumulator and tile of scores. */
    uint32_t per_row = 8 * ((d4 + t.tpr - 1) / t.tpr) + t.bk;
    while (t.rpt < 4 && 2 * t.rpt * per_row <= budget)
        t.rpt *= 2;
    uint32_t rows = t.wg / t.tpr * t.rpt;
    while (t.gh * 2 <= rows && group % (t.gh * 2) == 0)
        t.gh *= 2;
    return t;
}

static int check_4d(lavin_context *ctx, const char *name, const lavin_tensor *t)
{
    char d[96];
    LAVIN_TRY(lavin_check_dtype(ctx, OP, name, t, LAVIN_DT_BIT(LAVIN_F32)));
    if (t->ndim != 4)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": %s is %s, expected [B, L, heads, hd]", name,
                         lavin_tensor_describe(t, d, sizeof(d)));
    if (lavin_addr(t) % 16)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": %s does not start 16-byte aligned", name);
    if (lavin_tensor_nelem(t) / 4 > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": %s is %s, too large", name, lavin_tensor_describe(t, d, sizeof(d)));
    return 0;
}

int lavin_op_attention(lavin_context *ctx, const lavin_tensor *q, const lavin_tensor *k,
                       const lavin_tensor *v, const lavin_tensor *out)
{
    char dq[96], dk[96], dv[96];
    LAVIN_TRY(check_4d(ctx, "q", q));
    LAVIN_TRY(check_4d(ctx, "k", k));
    LAVIN_TRY(check_4d(ctx, "v", v));
    LAVIN_TRY(check_4d(ctx, "out", out));
    int64_t B = q->ne[0], L = q->ne[1], H = q->ne[2], hd = q->ne[3], Hkv = k->ne[2];
    if (B < 1 || L < 1 || H < 1 || Hkv < 1)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": q %s or k %s is empty", lavin_tensor_describe(q, dq, sizeof(dq)),
                         lavin_tensor_describe(k, dk, sizeof(dk)));
    if (hd < 4 || hd % 4 || hd > 256)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": head dim %lld is not a multiple of 4 up to 256",
                         (long long)hd);
    if (!lavin_same_shape(k, v) || k->ne[0] != B || k->ne[1] != L || k->ne[3] != hd)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": q %s, k %s and v %s disagree on batch, length or head dim",
                         lavin_tensor_describe(q, dq, sizeof(dq)), lavin_tensor_describe(k, dk, sizeof(dk)),
                         lavin_tensor_describe(v, dv, sizeof(dv)));
    if (H % Hkv)
        return lavin_err(ctx, LAVIN_EINVAL, OP ": %lld query heads are not a multiple of %lld kv heads",
                         (long long)H, (long long)Hkv);
    if (!lavin_same_shape(q, out))
        return lavin_err(ctx, LAVIN_EINVAL, OP ": out is %s, expected the shape of q %s",
                         lavin_tensor_describe(out, dv, sizeof(dv)), lavin_tensor_describe(q, dq, sizeof(dq)));

    uint32_t group = (uint32_t)(H / Hkv);
    tiling t = choose_tiling(ctx, (uint32_t)hd, group);
    uint32_t tok = t.wg / t.tpr * t.rpt / t.gh;
    uint32_t groups[3] = { (uint32_t)((L + tok - 1) / tok), (uint32_t)(H / t.gh), (uint32_t)B };
    for (int i = 0; i < 3; i++)
        if (groups[i] > ctx->props.limits.maxComputeWorkGroupCount[i])
            return lavin_err(ctx, LAVIN_EINVAL, OP ": q %s needs %u workgroups along axis %d, over the device's limit",
                             lavin_tensor_describe(q, dq, sizeof(dq)), groups[i], i);

    lavin_pipeline *pipe;
    const uint32_t spec[] = { t.wg, (uint32_t)hd, t.tpr, t.rpt, t.bk };
    const lavin_shader sh = t.subgroup ? LAVIN_SHADER(attention_sg) : LAVIN_SHADER(attention);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, 5, &pipe));
    push_t pc = {
        .q = lavin_addr(q), .k = lavin_addr(k), .v = lavin_addr(v), .out = lavin_addr(out),
        .L = (uint32_t)L, .H = (uint32_t)H, .Hkv = (uint32_t)Hkv, .group = group, .gh = t.gh,
        .scale = (float)(1.4426950408889634 / sqrt((double)hd)),
    };
    double n = (double)B * (double)L;
    lavin_dispatch d = {
        .op = OP, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .groups = { groups[0], groups[1], groups[2] },
        .reads = { q, k, v }, .writes = { out },
        .flops = 4.0 * n * (double)L * (double)H * (double)hd,
        .bytes = 4.0 * n * (double)hd * (double)(2 * H + 2 * Hkv),
    };
    return lavin_stream_dispatch(ctx, &d);
}
