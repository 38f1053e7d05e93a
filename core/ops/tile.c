#include "core/ops/tile.h"
#include "core/ops/launch.h"

#include "shaders/blend.spv.h"
#include "shaders/window_copy.spv.h"

static int check_video(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t)
{
    char d[96];
    LAVIN_TRY(lavin_check_dtype(ctx, op, name, t, LAVIN_DT_BIT(LAVIN_F32)));
    if (t->ndim != 5)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s is %s, expected [B, C, T, H, W]", op, name,
                         lavin_tensor_describe(t, d, sizeof(d)));
    if (lavin_tensor_nelem(t) > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s is %s, over 2^32 elements", op, name,
                         lavin_tensor_describe(t, d, sizeof(d)));
    return 0;
}

static int same_memory(const lavin_tensor *a, const lavin_tensor *b)
{
    return a->mem.block == b->mem.block && a->mem.offset == b->mem.offset;
}

static int shape_err(lavin_context *ctx, const char *op, const char *what, const lavin_tensor *a,
                     const lavin_tensor *b)
{
    char da[96], db[96];
    return lavin_err(ctx, LAVIN_EINVAL, "%s: %s (%s and %s)", op, what, lavin_tensor_describe(a, da, sizeof(da)),
                     lavin_tensor_describe(b, db, sizeof(db)));
}

static int launch(lavin_context *ctx, const lavin_shader *sh, const char *op, const void *push, uint32_t push_size,
                  const lavin_tensor *r0, const lavin_tensor *r1, const lavin_tensor *w0, uint64_t n, double bytes)
{
    if (!n)
        return 0;
    lavin_pipeline *pipe;
    uint32_t spec[1] = { lavin_wg_size(ctx, 256) };
    LAVIN_TRY(lavin_pipeline_get(ctx, sh, spec, 1, &pipe));
    lavin_dispatch d = {
        .op = op, .pipeline = pipe, .push = push, .push_size = push_size,
        .reads = { r0, r1 }, .writes = { w0 }, .flops = 0, .bytes = bytes,
    };
    lavin_groups_1d(ctx, (n + spec[0] - 1) / spec[0], d.groups);
    return lavin_stream_dispatch(ctx, &d);
}

typedef struct {
    uint64_t src, dst;
    uint32_t n, nt, ny, nx, s_t, s_h, s_w, d_t, d_h, d_w, s_off[3], d_off[3];
} window_push;

int lavin_op_window_copy(lavin_context *ctx, const lavin_tensor *src, const lavin_tensor *dst,
                         const lavin_window *w)
{
    const char *op = "window_copy";
    LAVIN_TRY(check_video(ctx, op, "src", src));
    LAVIN_TRY(check_video(ctx, op, "dst", dst));
    if (src->ne[0] != dst->ne[0] || src->ne[1] != dst->ne[1])
        return shape_err(ctx, op, "src and dst differ in B or C", src, dst);
    if (same_memory(src, dst))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: src and dst are the same tensor", op);
    for (int i = 0; i < 3; i++) {
        int64_t n = w->size[i], s = w->src[i], d = w->dst[i];
        if (n < 0 || s < 0 || d < 0 || s + n > src->ne[2 + i] || d + n > dst->ne[2 + i])
            return lavin_err(ctx, LAVIN_EINVAL, "%s: axis %d window [%lld, +%lld) -> [%lld, +%lld) outside %lld -> %lld",
                             op, 2 + i, (long long)s, (long long)n, (long long)d, (long long)n,
                             (long long)src->ne[2 + i], (long long)dst->ne[2 + i]);
    }
    uint64_t total = (uint64_t)(src->ne[0] * src->ne[1]) * (uint64_t)(w->size[0] * w->size[1] * w->size[2]);
    window_push pc = {
        .src = lavin_addr(src), .dst = lavin_addr(dst), .n = (uint32_t)total,
        .nt = (uint32_t)w->size[0], .ny = (uint32_t)w->size[1], .nx = (uint32_t)w->size[2],
        .s_t = (uint32_t)src->ne[2], .s_h = (uint32_t)src->ne[3], .s_w = (uint32_t)src->ne[4],
        .d_t = (uint32_t)dst->ne[2], .d_h = (uint32_t)dst->ne[3], .d_w = (uint32_t)dst->ne[4],
    };
    for (int i = 0; i < 3; i++) {
        pc.s_off[i] = (uint32_t)w->src[i];
        pc.d_off[i] = (uint32_t)w->dst[i];
    }
    const lavin_shader sh = LAVIN_SHADER(window_copy);
    return launch(ctx, &sh, op, &pc, sizeof(pc), src, NULL, dst, total, 8.0 * total);
}

typedef struct {
    uint64_t a, b;
    uint32_t n, extent, inner, a_len, b_len;
} blend_push;

int lavin_op_blend(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, int axis, int64_t extent)
{
    const char *op = "blend";
    LAVIN_TRY(check_video(ctx, op, "a", a));
    LAVIN_TRY(check_video(ctx, op, "b", b));
    if (axis != 3 && axis != 4)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: axis %d, expected 3 (H) or 4 (W)", op, axis);
    if (extent < 0)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: negative extent %lld", op, (long long)extent);
    for (int i = 0; i < 5; i++)
        if (i != axis && a->ne[i] != b->ne[i])
            return shape_err(ctx, op, "a and b differ outside the blended axis", a, b);
    if (same_memory(a, b))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: a and b are the same tensor", op);
    if (a->ne[axis] < extent)
        extent = a->ne[axis];
    if (b->ne[axis] < extent)
        extent = b->ne[axis];
    int64_t inner = axis == 3 ? b->ne[4] : 1;
    int64_t rows = lavin_tensor_nelem(b) / (b->ne[axis] * inner);
    uint64_t total = (uint64_t)(rows * extent * inner);
    blend_push pc = {
        .a = lavin_addr(a), .b = lavin_addr(b), .n = (uint32_t)total, .extent = (uint32_t)extent,
        .inner = (uint32_t)inner, .a_len = (uint32_t)a->ne[axis], .b_len = (uint32_t)b->ne[axis],
    };
    const lavin_shader sh = LAVIN_SHADER(blend);
    return launch(ctx, &sh, op, &pc, sizeof(pc), a, b, b, total, 12.0 * total);
}
