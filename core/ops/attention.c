#include <math.h>

#include "core/ops/attention.h"
#include "core/ops/attention_mma.h"
#include "core/ops/launch.h"

#include "shaders/attention.spv.h"
#include "shaders/attention_cpu.spv.h"
#include "shaders/attention_cpu_sg.spv.h"
#include "shaders/attention_sg.spv.h"

#define OP "attention"

typedef struct {
    uint64_t q, k, v, out;
    uint32_t L, H, Hkv, group;
    float scale;
} push_cpu;

/* The CPU kernel's blocking (attention_cpu.comp): rows per invocation and
 * keys per block. Each K or V element read feeds CPU_RQ rows, and the
 * CPU_RQ * CPU_BK scores stay in registers; on lavapipe at hd 72, 8 x 4
 * runs about 10% faster than 4 x 8 or 8 x 8, and 2 rows 1.5x slower.
 * The kernel is unrolled over rows and the head dim, so wide heads take
 * fewer rows: lavapipe's compile time grows with rows * hd / 4, and past
 * CPU_UNROLL it takes many seconds. */
#define CPU_RQ 8u
#define CPU_BK 4u
#define CPU_UNROLL 160u

/* The GPU kernel's tiling for a head dim on this device; see attention.comp. */
typedef struct {
    int subgroup;
    uint32_t wg, tpr, rpt, bk, gh;
} tiling;

static tiling choose_tiling(const lavin_context *ctx, uint32_t hd, uint32_t group)
{
    tiling t = { .wg = 128, .tpr = 1, .rpt = 1, .bk = 16, .gh = 1 };
    uint32_t d4 = hd / 4, sg = ctx->info.subgroup_size;
    /* Lanes of a row reduce their partial scores by shuffles, so a row must
     * fit in the smallest subgroup a device might run (8 covers them all). */
    if ((ctx->info.features & LAVIN_FEAT_SUBGROUP_SHUFFLE) && sg >= 2 && t.wg % sg == 0) {
        uint32_t cap = sg < 8 ? sg : 8;
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
    while (t.rpt < 4 && 2 * t.rpt * per_row <= 128)
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

    if (ctx->mma != LAVIN_MMA_NONE && lavin_attention_mma_fits(ctx, (uint32_t)hd))
        return lavin_attention_mma(ctx, q, k, v, out);

    uint32_t group = (uint32_t)(H / Hkv);
    double n = (double)B * (double)L;
    lavin_dispatch d = {
        .op = OP, .reads = { q, k, v }, .writes = { out },
        .flops = 4.0 * n * (double)L * (double)H * (double)hd,
        .bytes = 4.0 * n * (double)hd * (double)(2 * H + 2 * Hkv),
    };
    float scale = (float)(1.4426950408889634 / sqrt((double)hd));
    lavin_attention_push pc;
    push_cpu pcc;
    if (ctx->kernels == LAVIN_KERNELS_CPU) {
        /* A workgroup takes wg * rq rows of one kv head, wg one SIMD thread
         * of the device (its subgroup): larger ones run no faster, and
         * smaller ones spread a short sequence over more cores. Where lanes
         * can shuffle, they load a key block together and trade it; else
         * each lane reads every key, which a driver that sees the address is
         * the same in every lane turns into one load (Mesa 24 on), and an
         * older one into a load per lane: the shuffles are as fast as the
         * former on Mesa 25 and several times faster than the latter on
         * Mesa 22. */
        uint32_t sg = ctx->info.subgroup_size;
        int shuffle = (ctx->info.features & LAVIN_FEAT_SUBGROUP_SHUFFLE) && sg >= 4 && sg <= 64;
        uint32_t wg = shuffle ? sg : 8, rq = CPU_RQ;
        while (rq > 1 && rq * (uint32_t)(hd / 4) > CPU_UNROLL)
            rq /= 2;
        uint64_t rows = (uint64_t)L * group, per = wg * rq;
        d.groups[0] = (uint32_t)((rows + per - 1) / per);
        d.groups[1] = (uint32_t)Hkv;
        d.groups[2] = (uint32_t)B;
        const uint32_t spec[] = { wg, (uint32_t)hd, rq, CPU_BK };
        const lavin_shader sh = shuffle ? LAVIN_SHADER(attention_cpu_sg) : LAVIN_SHADER(attention_cpu);
        LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, 4, &d.pipeline));
        pcc = (push_cpu){
            .q = lavin_addr(q), .k = lavin_addr(k), .v = lavin_addr(v), .out = lavin_addr(out),
            .L = (uint32_t)L, .H = (uint32_t)H, .Hkv = (uint32_t)Hkv, .group = group, .scale = scale,
        };
        d.push = &pcc;
        d.push_size = sizeof(pcc);
    } else {
        tiling t = choose_tiling(ctx, (uint32_t)hd, group);
        uint32_t tok = t.wg / t.tpr * t.rpt / t.gh;
        d.groups[0] = (uint32_t)((L + tok - 1) / tok);
        d.groups[1] = (uint32_t)(H / t.gh);
        d.groups[2] = (uint32_t)B;
        const uint32_t spec[] = { t.wg, (uint32_t)hd, t.tpr, t.rpt, t.bk };
        const lavin_shader sh = t.subgroup ? LAVIN_SHADER(attention_sg) : LAVIN_SHADER(attention);
        LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, 5, &d.pipeline));
        pc = (lavin_attention_push){
            .q = lavin_addr(q), .k = lavin_addr(k), .v = lavin_addr(v), .out = lavin_addr(out),
            .L = (uint32_t)L, .H = (uint32_t)H, .Hkv = (uint32_t)Hkv, .group = group, .gh = t.gh, .scale = scale,
        };
        d.push = &pc;
        d.push_size = sizeof(pc);
    }
    for (int i = 0; i < 3; i++)
        if (d.groups[i] > ctx->props.limits.maxComputeWorkGroupCount[i])
            return lavin_err(ctx, LAVIN_EINVAL, OP ": q %s needs %u workgroups along axis %d, over the device's limit",
                             lavin_tensor_describe(q, dq, sizeof(dq)), d.groups[i], i);
    return lavin_stream_dispatch(ctx, &d);
}
