#include "core/ops/norm.h"
#include "core/ops/launch.h"

#include "shaders/groupnorm_apply.spv.h"
#include "shaders/groupnorm_apply_cpu.spv.h"
#include "shaders/groupnorm_merge.spv.h"
#include "shaders/groupnorm_merge_cpu.spv.h"
#include "shaders/groupnorm_stats.spv.h"
#include "shaders/groupnorm_stats_cpu.spv.h"
#include "shaders/norm_rows.spv.h"
#include "shaders/norm_rows_cpu.spv.h"

enum { MODE_LN, MODE_RMS, MODE_MOD, MODE_GATED };

/* Elements per thread in a GroupNorm statistics chunk: enough work per
 * workgroup to hide latency, few enough chunks for the merge to be cheap. */
#define GN_ITEMS 16u

/* The CPU GroupNorm kernels work per invocation: a statistics chunk as
 * large as the GPU kernel's smallest (so the scratch bound holds for both),
 * and spans of a channel long enough that finding the channel is rare. */
#define GN_CHUNK_CPU 2048u
#define GN_SPAN_CPU 1024u
#define GN_WG_CPU 16u

/* The shaders' shared-memory tree reductions need a power-of-two size. */
static uint32_t pow2_wg(const lavin_context *ctx)
{
    uint32_t max = lavin_wg_size(ctx, 256), wg = 1;
    while (wg * 2 <= max)
        wg *= 2;
    return wg;
}

static int check_vec(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *v, int64_t n)
{
    LAVIN_TRY(lavin_check_dtype(ctx, op, name, v, LAVIN_DT_ANY));
    return lavin_check_nelem(ctx, op, name, v, n);
}

typedef struct {
    uint64_t x, w, v, s, out;
    uint32_t rows, d, mid;
    float eps;
} rows_push;

/* Rows per workgroup of the CPU kernel, one per invocation: a few SIMD
 * threads' worth, so that even a short sequence spreads over the cores. */
#define ROWS_CPU 16u

/* Whether every tensor of a row norm can be read 4 elements at a time:
 * rows of a multiple of 4 starting 16-byte aligned (8 for 16-bit data). */
static int rows_vec(const lavin_tensor *const *t, int n, int64_t d)
{
    if (d % 4)
        return 0;
    for (int i = 0; i < n; i++)
        if (t[i] && lavin_addr(t[i]) % (t[i]->dtype == LAVIN_F32 ? 16 : 8))
            return 0;
    return 1;
}

/* w, b: LN weight/bias or RMS weight; v: per-row scale or gate; s: the
 * residual of the gated add. */
static int rows_run(lavin_context *ctx, const char *op, uint32_t mode, const lavin_tensor *x,
                    const lavin_tensor *w, const lavin_tensor *b, const lavin_tensor *v, const lavin_tensor *s,
                    float eps, const lavin_tensor *out)
{
    const unsigned f32 = LAVIN_DT_BIT(LAVIN_F32);
    char dx[96];
    LAVIN_TRY(lavin_check_dtype(ctx, op, "input", x, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, op, "output", out, f32));
    int64_t n = lavin_tensor_nelem(x), d = x->ne[x->ndim - 1];
    if (n > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: input %s is too large", op,
                         lavin_tensor_describe(x, dx, sizeof(dx)));
    if (!(eps >= 0))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: eps %g must be >= 0", op, (double)eps);
    LAVIN_TRY(lavin_check_nelem(ctx, op, "output", out, n));
    if (w)
        LAVIN_TRY(check_vec(ctx, op, "weight", w, d));
    if (b)
        LAVIN_TRY(check_vec(ctx, op, "bias", b, d));
    if (s) {
        LAVIN_TRY(lavin_check_dtype(ctx, op, "s", s, f32));
        LAVIN_TRY(lavin_check_nelem(ctx, op, "s", s, n));
    }
    uint32_t outer = 1, mid = 1, inner = 1;
    if (v) {
        LAVIN_TRY(lavin_check_dtype(ctx, op, mode == MODE_MOD ? "scale" : "gate", v, f32));
        if (!lavin_same_shape(x, v))
            LAVIN_TRY(lavin_broadcast_shape(ctx, op, x, v, &outer, &mid, &inner));
    }
    uint32_t rows = (uint32_t)(n / d);
    if (!rows)
        return 0;
    int cpu = ctx->kernels == LAVIN_KERNELS_CPU;
    const lavin_tensor *all[] = { x, w, b, v, s, out };
    uint32_t wg = cpu ? ROWS_CPU : pow2_wg(ctx);
    uint32_t spec[6] = { wg, mode, w ? w->dtype : 0, b ? b->dtype : 0, w != NULL, rows_vec(all, 6, d) };
    lavin_pipeline *pipe;
    const lavin_shader sh = cpu ? LAVIN_SHADER(norm_rows_cpu) : LAVIN_SHADER(norm_rows);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, cpu ? 6 : 5, &pipe));
    const lavin_tensor *vb = b ? b : v;
    rows_push pc = {
        .x = lavin_addr(x), .w = w ? lavin_addr(w) : 0, .v = vb ? lavin_addr(vb) : 0,
        .s = s ? lavin_addr(s) : 0, .out = lavin_addr(out),
        .rows = rows, .d = (uint32_t)d, .mid = mid, .eps = eps,
    };
    lavin_dispatch dp = {
        .op = op, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { x, w ? w : vb, w ? vb : s, w ? s : NULL }, .writes = { out },
        .flops = 4.0 * (double)n, .bytes = (double)n * 4 * (2 + (s != NULL) + (mode == MODE_LN)),
    };
    lavin_groups_1d(ctx, cpu ? (rows + wg - 1) / wg : rows, dp.groups);
    return lavin_stream_dispatch(ctx, &dp);
}

int lavin_op_layernorm(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight,
                       const lavin_tensor *bias, float eps, const lavin_tensor *out)
{
    if (!weight || !bias)
        return lavin_err(ctx, LAVIN_EINVAL, "layernorm: weight and bias are required");
    return rows_run(ctx, "layernorm", MODE_LN, x, weight, bias, NULL, NULL, eps, out);
}

int lavin_op_rmsnorm(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight, float eps,
                     const lavin_tensor *out)
{
    return rows_run(ctx, "rmsnorm", MODE_RMS, x, weight, NULL, NULL, NULL, eps, out);
}

int lavin_op_rmsnorm_modulate(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *scale, float eps,
                              const lavin_tensor *out)
{
    if (!scale)
        return lavin_err(ctx, LAVIN_EINVAL, "rmsnorm_modulate: scale is required");
    return rows_run(ctx, "rmsnorm_modulate", MODE_MOD, x, NULL, NULL, scale, NULL, eps, out);
}

int lavin_op_rmsnorm_gated_add(lavin_context *ctx, const lavin_tensor *s, const lavin_tensor *gate,
                               const lavin_tensor *y, float eps, const lavin_tensor *out)
{
    if (!gate || !y || !s)
        return lavin_err(ctx, LAVIN_EINVAL, "rmsnorm_gated_add: s, gate and y are required");
    LAVIN_TRY(lavin_check_nelem(ctx, "rmsnorm_gated_add", "y", y, lavin_tensor_nelem(s)));
    return rows_run(ctx, "rmsnorm_gated_add", MODE_GATED, y, NULL, NULL, gate, s, eps, out);
}

/* x viewed as [B, C, S]; groups of cpg channels. */
typedef struct {
    uint32_t b, c, s, groups, m, nchunks, chunk;
} gn_shape;

static gn_shape gn_shape_of(const lavin_tensor *x, int groups, uint32_t chunk)
{
    gn_shape g = { 0 };
    int64_t s = 1;
    for (int i = 2; i < x->ndim; i++)
        s *= x->ne[i];
    g.b = (uint32_t)x->ne[0];
    g.c = (uint32_t)x->ne[1];
    g.s = (uint32_t)s;
    g.groups = (uint32_t)groups;
    g.m = (uint32_t)(g.c / g.groups * s);
    g.chunk = chunk;
    g.nchunks = (g.m + g.chunk - 1) / g.chunk;
    return g;
}

static int gn_valid(const lavin_tensor *x, int groups)
{
    return x->ndim >= 2 && groups > 0 && x->ne[1] % groups == 0 && lavin_tensor_nelem(x) <= UINT32_MAX;
}

/* The scratch size depends on the chunk size: the CPU kernel's, or on a GPU
 * the workgroup size the device allows times GN_ITEMS; 256 (the largest
 * used) gives the fewest chunks, so the smallest workgroup Vulkan
 * guarantees (128) bounds it from above. */
int64_t lavin_groupnorm_scratch_elems(const lavin_tensor *x, int groups)
{
    if (!gn_valid(x, groups))
        return 0;
    uint32_t chunk = 128 * GN_ITEMS < GN_CHUNK_CPU ? 128 * GN_ITEMS : GN_CHUNK_CPU;
    gn_shape g = gn_shape_of(x, groups, chunk);
    return 2 * (int64_t)g.b * g.groups * ((int64_t)g.nchunks + 1);
}

typedef struct {
    uint64_t x, part;
    uint32_t m, nchunks, total;
} stats_push;

typedef struct {
    uint64_t part, stats;
    uint32_t m, nchunks, chunk, ngroups;
    float eps;
} merge_push;

/* One GroupNorm: w, b the affine ([C] or NULL); zy, zb the SpatialNorm
 * modulation (x's shape) or NULL. */
typedef struct {
    const char *op;
    const lavin_tensor *x, *w, *b, *zy, *zb, *out;
    int groups, silu;
    float eps;
} gn_args;

typedef struct {
    uint64_t x, w, b, zy, zb, stats, out;
    uint32_t n, s, c, cpg;
} apply_push;

typedef struct {
    uint64_t x, w, b, zy, zb, stats, out;
    uint32_t rows, s, c, cpg, spans;
} apply_cpu_push;

static uint64_t addr_or_0(const lavin_tensor *t)
{
    return t ? lavin_addr(t) : 0;
}

/* Pass 3: one thread per element on a GPU; on a CPU device spans of one
 * channel per invocation, 4 elements at a time where every row of S starts
 * 16-byte aligned. */
static int gn_apply(lavin_context *ctx, const gn_args *a, const lavin_tensor *stats, gn_shape g, int cpu,
                    uint32_t wg)
{
    const lavin_tensor *x = a->x, *w = a->w, *b = a->b, *out = a->out;
    double n = (double)lavin_tensor_nelem(x);
    int spatial = a->zy != NULL;
    lavin_dispatch d = {
        .op = a->op, .reads = { x, stats, w, b, a->zy, a->zb }, .writes = { out },
        .flops = (4.0 + 2 * spatial + 4 * (a->silu != 0)) * n, .bytes = n * 4 * (2 + 2 * spatial),
    };
    /* NULL-terminated: drop the absent affine tensors. */
    int nr = 2;
    for (int i = 2; i < 6; i++)
        if (d.reads[i])
            d.reads[nr++] = d.reads[i];
    for (int i = nr; i < 6; i++)
        d.reads[i] = NULL;
    uint32_t spec[9] = {
        wg, spatial, w != NULL, b != NULL, w ? w->dtype : 0, b ? b->dtype : 0, a->silu != 0, GN_SPAN_CPU, 0,
    };
    apply_push ap = {
        .x = lavin_addr(x), .w = addr_or_0(w), .b = addr_or_0(b), .zy = addr_or_0(a->zy), .zb = addr_or_0(a->zb),
        .stats = lavin_addr(stats), .out = lavin_addr(out), .n = (uint32_t)n, .s = g.s, .c = g.c,
        .cpg = g.c / g.groups,
    };
    if (!cpu) {
        const lavin_shader sh = LAVIN_SHADER(groupnorm_apply);
        LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, 7, &d.pipeline));
        d.push = &ap;
        d.push_size = sizeof(ap);
        lavin_groups_1d(ctx, ((uint64_t)n + wg - 1) / wg, d.groups);
        return lavin_stream_dispatch(ctx, &d);
    }
    spec[8] = g.s % 4 == 0 && lavin_addr(x) % 16 == 0 && lavin_addr(out) % 16 == 0 &&
              addr_or_0(a->zy) % 16 == 0 && addr_or_0(a->zb) % 16 == 0;
    const lavin_shader sh = LAVIN_SHADER(groupnorm_apply_cpu);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, 9, &d.pipeline));
    uint32_t spans = (g.s + GN_SPAN_CPU - 1) / GN_SPAN_CPU;
    apply_cpu_push cp = {
        .x = ap.x, .w = ap.w, .b = ap.b, .zy = ap.zy, .zb = ap.zb, .stats = ap.stats, .out = ap.out,
        .rows = g.b * g.c, .s = g.s, .c = g.c, .cpg = ap.cpg, .spans = spans,
    };
    d.push = &cp;
    d.push_size = sizeof(cp);
    lavin_groups_1d(ctx, ((uint64_t)cp.rows * spans + wg - 1) / wg, d.groups);
    return lavin_stream_dispatch(ctx, &d);
}

static int gn_record(lavin_context *ctx, const gn_args *a, const lavin_tensor *scratch)
{
    int cpu = ctx->kernels == LAVIN_KERNELS_CPU;
    uint32_t wg = cpu ? GN_WG_CPU : pow2_wg(ctx);
    gn_shape g = gn_shape_of(a->x, a->groups, cpu ? GN_CHUNK_CPU : wg * GN_ITEMS);
    uint32_t ngroups = g.b * g.groups, total = ngroups * g.nchunks;
    uint64_t part_elems = 2ull * total;
    int64_t ne_part = (int64_t)part_elems, ne_stats = 2 * (int64_t)ngroups;
    lavin_tensor part, stats;
    LAVIN_TRY(lavin_tensor_view(ctx, scratch, 0, 1, &ne_part, &part));
    LAVIN_TRY(lavin_tensor_view(ctx, scratch, ne_part, 1, &ne_stats, &stats));
    double n = (double)lavin_tensor_nelem(a->x);

    /* The CPU kernels give each invocation a chunk or a group where the GPU
     * kernels give a workgroup. */
    lavin_pipeline *pipe;
    int vec = g.m % 4 == 0 && lavin_addr(a->x) % 16 == 0;
    const lavin_shader sh_stats = cpu ? LAVIN_SHADER(groupnorm_stats_cpu) : LAVIN_SHADER(groupnorm_stats);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh_stats, (uint32_t[]){ wg, cpu ? GN_CHUNK_CPU : GN_ITEMS, vec }, cpu ? 3 : 2,
                                 &pipe));
    stats_push sp = { lavin_addr(a->x), lavin_addr(&part), g.m, g.nchunks, total };
    lavin_dispatch d1 = {
        .op = a->op, .pipeline = pipe, .push = &sp, .push_size = sizeof(sp),
        .reads = { a->x }, .writes = { &part }, .flops = 4 * n, .bytes = 4 * n,
    };
    lavin_groups_1d(ctx, cpu ? (total + wg - 1) / wg : total, d1.groups);
    LAVIN_TRY(lavin_stream_dispatch(ctx, &d1));

    const lavin_shader sh_merge = cpu ? LAVIN_SHADER(groupnorm_merge_cpu) : LAVIN_SHADER(groupnorm_merge);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh_merge, (uint32_t[]){ wg }, 1, &pipe));
    merge_push mp = { lavin_addr(&part), lavin_addr(&stats), g.m, g.nchunks, g.chunk, ngroups, a->eps };
    lavin_dispatch d2 = {
        .op = a->op, .pipeline = pipe, .push = &mp, .push_size = sizeof(mp),
        .reads = { &part }, .writes = { &stats }, .flops = 8.0 * total, .bytes = 8.0 * total,
    };
    lavin_groups_1d(ctx, cpu ? (ngroups + wg - 1) / wg : ngroups, d2.groups);
    LAVIN_TRY(lavin_stream_dispatch(ctx, &d2));
    return gn_apply(ctx, a, &stats, g, cpu, wg);
}

static int gn_run(lavin_context *ctx, const gn_args *a, const lavin_tensor *scratch)
{
    const unsigned f32 = LAVIN_DT_BIT(LAVIN_F32);
    const char *op = a->op;
    const lavin_tensor *x = a->x;
    char dx[96];
    LAVIN_TRY(lavin_check_dtype(ctx, op, "input", x, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, op, "output", a->out, f32));
    if (!gn_valid(x, a->groups))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: cannot take %d groups of %s (want [B, C, ...], C %% groups == 0)",
                         op, a->groups, lavin_tensor_describe(x, dx, sizeof(dx)));
    if (!(a->eps >= 0))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: eps %g must be >= 0", op, (double)a->eps);
    int64_t n = lavin_tensor_nelem(x);
    LAVIN_TRY(lavin_check_nelem(ctx, op, "output", a->out, n));
    if (a->w)
        LAVIN_TRY(check_vec(ctx, op, "weight", a->w, x->ne[1]));
    if (a->b)
        LAVIN_TRY(check_vec(ctx, op, "bias", a->b, x->ne[1]));
    if (a->zy) {
        LAVIN_TRY(lavin_check_dtype(ctx, op, "zy", a->zy, f32));
        LAVIN_TRY(lavin_check_nelem(ctx, op, "zy", a->zy, n));
        LAVIN_TRY(lavin_check_dtype(ctx, op, "zb", a->zb, f32));
        LAVIN_TRY(lavin_check_nelem(ctx, op, "zb", a->zb, n));
    }
    int64_t need = lavin_groupnorm_scratch_elems(x, a->groups);
    if (scratch) {
        char ds[96];
        LAVIN_TRY(lavin_check_dtype(ctx, op, "scratch", scratch, f32));
        if (lavin_tensor_nelem(scratch) < need)
            return lavin_err(ctx, LAVIN_EINVAL, "%s: scratch %s is smaller than the %lld elements needed", op,
                             lavin_tensor_describe(scratch, ds, sizeof(ds)), (long long)need);
        if (!n)
            return 0;
        return gn_record(ctx, a, scratch);
    }
    if (!n)
        return 0;
    lavin_tensor tmp;
    LAVIN_TRY(lavin_tensor_alloc(ctx, &tmp, LAVIN_F32, 1, &need));
    int r = gn_record(ctx, a, &tmp);
    if (r >= 0)
        r = lavin_stream_sync(ctx);
    /* After a failure recorded work may still use tmp; leaking it is safe. */
    if (r >= 0)
        lavin_tensor_free(ctx, &tmp);
    return r;
}

int lavin_op_groupnorm(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight,
                       const lavin_tensor *bias, int groups, float eps, int silu, const lavin_tensor *scratch,
                       const lavin_tensor *out)
{
    gn_args a = { "groupnorm", x, weight, bias, NULL, NULL, out, groups, silu, eps };
    return gn_run(ctx, &a, scratch);
}

int lavin_op_groupnorm_spatial(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight,
                               const lavin_tensor *bias, const lavin_tensor *zy, const lavin_tensor *zb, int groups,
                               float eps, int silu, const lavin_tensor *scratch, const lavin_tensor *out)
{
    if (!zy || !zb)
        return lavin_err(ctx, LAVIN_EINVAL, "groupnorm_spatial: zy and zb are required");
    gn_args a = { "groupnorm_spatial", x, weight, bias, zy, zb, out, groups, silu, eps };
    return gn_run(ctx, &a, scratch);
}
