#include "core/ops/layout.h"
#include "core/ops/launch.h"

#include "shaders/concat_seq.spv.h"
#include "shaders/copy_frames.spv.h"
#include "shaders/patchify.spv.h"
#include "shaders/resize_nearest.spv.h"
#include "shaders/time_pool.spv.h"

/* An f32 tensor of ndim dimensions whose element count a uint index holds. */
static int check_tensor(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t, int ndim)
{
    char d[96];
    LAVIN_TRY(lavin_check_dtype(ctx, op, name, t, LAVIN_DT_BIT(LAVIN_F32)));
    if (t->ndim != ndim)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s is %s, expected %d dimensions", op, name,
                         lavin_tensor_describe(t, d, sizeof(d)), ndim);
    if (lavin_tensor_nelem(t) > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s is %s, over 2^32 elements", op, name,
                         lavin_tensor_describe(t, d, sizeof(d)));
    return 0;
}

static int shape_err(lavin_context *ctx, const char *op, const char *what, const lavin_tensor *a,
                     const lavin_tensor *b)
{
    char da[96], db[96];
    return lavin_err(ctx, LAVIN_EINVAL, "%s: %s (%s and %s)", op, what, lavin_tensor_describe(a, da, sizeof(da)),
                     lavin_tensor_describe(b, db, sizeof(db)));
}

/* Records a 1-D launch of one thread per element of n; spec[0] is filled in
 * with the workgroup size. */
static int launch(lavin_context *ctx, const lavin_shader *sh, uint32_t *spec, unsigned nspec, const char *op,
                  const void *push, uint32_t push_size, const lavin_tensor *r0, const lavin_tensor *r1,
                  const lavin_tensor *w0, const lavin_tensor *w1, uint64_t n, double bytes)
{
    if (!n)
        return 0;
    lavin_pipeline *pipe;
    spec[0] = lavin_wg_size(ctx, 256);
    LAVIN_TRY(lavin_pipeline_get(ctx, sh, spec, nspec, &pipe));
    lavin_dispatch d = {
        .op = op, .pipeline = pipe, .push = push, .push_size = push_size,
        .reads = { r0, r1 }, .writes = { w0, w1 }, .flops = 0, .bytes = bytes,
    };
    lavin_groups_1d(ctx, (n + spec[0] - 1) / spec[0], d.groups);
    return lavin_stream_dispatch(ctx, &d);
}

typedef struct {
    uint64_t a, b, x;
    uint32_t n, na, nb;
} concat_push;

static int concat_split(lavin_context *ctx, const char *op, int split, const lavin_tensor *a,
                        const lavin_tensor *b, const lavin_tensor *x)
{
    LAVIN_TRY(check_tensor(ctx, op, "a", a, 3));
    LAVIN_TRY(check_tensor(ctx, op, "b", b, 3));
    LAVIN_TRY(check_tensor(ctx, op, split ? "input" : "output", x, 3));
    if (a->ne[0] != b->ne[0] || a->ne[2] != b->ne[2])
        return shape_err(ctx, op, "a and b differ in batch or width", a, b);
    if (x->ne[0] != a->ne[0] || x->ne[2] != a->ne[2] || x->ne[1] != a->ne[1] + b->ne[1])
        return shape_err(ctx, op, "sequence tensor must be [B, La+Lb, D]", x, a);
    uint64_t n = (uint64_t)lavin_tensor_nelem(x);
    concat_push pc = {
        .a = lavin_addr(a), .b = lavin_addr(b), .x = lavin_addr(x), .n = (uint32_t)n,
        .na = (uint32_t)(a->ne[1] * a->ne[2]), .nb = (uint32_t)(b->ne[1] * b->ne[2]),
    };
    uint32_t spec[2] = { 0, (uint32_t)split };
    const lavin_shader sh = LAVIN_SHADER(concat_seq);
    if (split)
        return launch(ctx, &sh, spec, 2, op, &pc, sizeof(pc), x, NULL, a, b, n, 8.0 * n);
    return launch(ctx, &sh, spec, 2, op, &pc, sizeof(pc), a, b, x, NULL, n, 8.0 * n);
}

int lavin_op_concat_seq(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out)
{
    return concat_split(ctx, "concat_seq", 0, a, b, out);
}

int lavin_op_split_seq(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *a, const lavin_tensor *b)
{
    return concat_split(ctx, "split_seq", 1, a, b, x);
}

typedef struct {
    uint64_t src, dst;
    uint32_t n, C, T, h, w, P;
} patch_push;

/* vid [B, C, T, h*p, w*p] and tok [B, T*h*w, p*p*C]; unpatch says which is
 * the input. */
static int patch(lavin_context *ctx, const char *op, int unpatch, const lavin_tensor *vid, const lavin_tensor *tok,
                 int p)
{
    const char *vname = unpatch ? "output" : "input", *tname = unpatch ? "input" : "output";
    char d[96];
    LAVIN_TRY(check_tensor(ctx, op, vname, vid, 5));
    LAVIN_TRY(check_tensor(ctx, op, tname, tok, 3));
    if (p < 1)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: patch size %d must be at least 1", op, p);
    const int64_t *v = vid->ne;
    if (v[3] % p || v[4] % p)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: video %s has H or W not divisible by patch size %d", op,
                         lavin_tensor_describe(vid, d, sizeof(d)), p);
    int64_t h = v[3] / p, w = v[4] / p;
    if (tok->ne[0] != v[0] || tok->ne[1] != v[2] * h * w || tok->ne[2] != (int64_t)p * p * v[1])
        return shape_err(ctx, op, "tokens must be [B, T*(H/p)*(W/p), p*p*C] of the video", tok, vid);
    uint64_t n = (uint64_t)lavin_tensor_nelem(vid);
    patch_push pc = {
        .src = lavin_addr(unpatch ? tok : vid), .dst = lavin_addr(unpatch ? vid : tok), .n = (uint32_t)n,
        .C = (uint32_t)v[1], .T = (uint32_t)v[2], .h = (uint32_t)h, .w = (uint32_t)w, .P = (uint32_t)p,
    };
    uint32_t spec[2] = { 0, (uint32_t)unpatch };
    const lavin_shader sh = LAVIN_SHADER(patchify);
    const lavin_tensor *in = unpatch ? tok : vid, *out = unpatch ? vid : tok;
    return launch(ctx, &sh, spec, 2, op, &pc, sizeof(pc), in, NULL, out, NULL, n, 8.0 * n);
}

int lavin_op_patchify(lavin_context *ctx, const lavin_tensor *x, int p, const lavin_tensor *out)
{
    return patch(ctx, "patchify", 0, x, out, p);
}

int lavin_op_unpatchify(lavin_context *ctx, const lavin_tensor *x, int p, const lavin_tensor *out)
{
    return patch(ctx, "unpatchify", 1, out, x, p);
}

typedef struct {
    uint64_t src, dst;
    uint32_t n, Ti, Hi, Wi, To, Ho, Wo;
    float st, sh, sw;
    uint32_t split_first;
} resize_push;

/* Both 5-D f32 with the same B and C. */
static int check_video_pair(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *out)
{
    LAVIN_TRY(check_tensor(ctx, op, "input", x, 5));
    LAVIN_TRY(check_tensor(ctx, op, "output", out, 5));
    if (x->ne[0] != out->ne[0] || x->ne[1] != out->ne[1])
        return shape_err(ctx, op, "batch or channels differ", x, out);
    return 0;
}

/* The scale PyTorch's nearest rule multiplies by: float division, as there. */
static float nearest_scale(int64_t in, int64_t out)
{
    return out > 0 ? (float)in / (float)out : 0.0f;
}

/* split_first: frame 0 to frame 0, frames 1.. resized among themselves. */
static int resize(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *out,
                  int split_first)
{
    const int64_t *i = x->ne, *o = out->ne;
    int64_t tin = split_first ? i[2] - 1 : i[2], tout = split_first ? o[2] - 1 : o[2];
    uint64_t n = (uint64_t)lavin_tensor_nelem(out);
    resize_push pc = {
        .src = lavin_addr(x), .dst = lavin_addr(out), .n = (uint32_t)n,
        .Ti = (uint32_t)i[2], .Hi = (uint32_t)i[3], .Wi = (uint32_t)i[4],
        .To = (uint32_t)o[2], .Ho = (uint32_t)o[3], .Wo = (uint32_t)o[4],
        .st = nearest_scale(tin, tout), .sh = nearest_scale(i[3], o[3]), .sw = nearest_scale(i[4], o[4]),
        .split_first = (uint32_t)split_first,
    };
    uint32_t spec[1] = { 0 };
    const lavin_shader sh = LAVIN_SHADER(resize_nearest);
    return launch(ctx, &sh, spec, 1, op, &pc, sizeof(pc), x, NULL, out, NULL, n, 8.0 * n);
}

static int check_nonempty(lavin_context *ctx, const char *op, const lavin_tensor *x, const lavin_tensor *out)
{
    if (!lavin_tensor_nelem(x) || !lavin_tensor_nelem(out))
        return shape_err(ctx, op, "empty tensor", x, out);
    return 0;
}

int lavin_op_resize_nearest(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
{
    const char *op = "resize_nearest";
    LAVIN_TRY(check_video_pair(ctx, op, x, out));
    LAVIN_TRY(check_nonempty(ctx, op, x, out));
    return resize(ctx, op, x, out, 0);
}

int lavin_op_upsample_stvae(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
{
    const char *op = "upsample_stvae";
    LAVIN_TRY(check_video_pair(ctx, op, x, out));
    LAVIN_TRY(check_nonempty(ctx, op, x, out));
    const int64_t *i = x->ne, *o = out->ne;
    int64_t t = i[2] > 1 ? 1 + 2 * (i[2] - 1) : 1;
    if (o[2] != t || o[3] != 2 * i[3] || o[4] != 2 * i[4])
        return shape_err(ctx, op, "output must be [B, C, T > 1 ? 2T-1 : 1, 2H, 2W]", out, x);
    return resize(ctx, op, x, out, i[2] > 1);
}

int lavin_op_resize_spatialnorm(lavin_context *ctx, const lavin_tensor *zq, const lavin_tensor *out)
{
    const char *op = "resize_spatialnorm";
    LAVIN_TRY(check_video_pair(ctx, op, zq, out));
    LAVIN_TRY(check_nonempty(ctx, op, zq, out));
    int split = out->ne[2] > 1 && out->ne[2] % 2 == 1;
    if (split && zq->ne[2] < 2)
        return shape_err(ctx, op, "an odd T > 1 output needs zq with at least 2 frames", zq, out);
    return resize(ctx, op, zq, out, split);
}

typedef struct {
    uint64_t src, dst;
    uint32_t n, T, To, HW;
} pool_push;

int lavin_op_time_pool(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
{
    const char *op = "time_pool";
    LAVIN_TRY(check_video_pair(ctx, op, x, out));
    LAVIN_TRY(check_nonempty(ctx, op, x, out));
    const int64_t *i = x->ne, *o = out->ne;
    if (o[2] != (i[2] + 1) / 2 || o[3] != i[3] || o[4] != i[4])
        return shape_err(ctx, op, "output must be [B, C, (T+1)/2, H, W]", out, x);
    uint64_t n = (uint64_t)lavin_tensor_nelem(out);
    pool_push pc = {
        .src = lavin_addr(x), .dst = lavin_addr(out), .n = (uint32_t)n,
        .T = (uint32_t)i[2], .To = (uint32_t)o[2], .HW = (uint32_t)(i[3] * i[4]),
    };
    uint32_t spec[1] = { 0 };
    const lavin_shader sh = LAVIN_SHADER(time_pool);
    return launch(ctx, &sh, spec, 1, op, &pc, sizeof(pc), x, NULL, out, NULL, n, 4.0 * n + 4.0 * lavin_tensor_nelem(x));
}

typedef struct {
    uint64_t src, dst;
    uint32_t n, run, src_plane, dst_plane, src_off, dst_off;
} copy_push;

int lavin_op_copy_frames(lavin_context *ctx, const lavin_tensor *src, int64_t t0, const lavin_tensor *dst,
                         int64_t t1, int64_t n)
{
    const char *op = "copy_frames";
    LAVIN_TRY(check_tensor(ctx, op, "src", src, 5));
    LAVIN_TRY(check_tensor(ctx, op, "dst", dst, 5));
    const int64_t *s = src->ne, *d = dst->ne;
    if (s[0] != d[0] || s[1] != d[1] || s[3] != d[3] || s[4] != d[4])
        return shape_err(ctx, op, "src and dst differ in B, C, H or W", src, dst);
    if (n < 0 || t0 < 0 || t1 < 0 || t0 + n > s[2] || t1 + n > d[2])
        return lavin_err(ctx, LAVIN_EINVAL, "%s: frames [%lld, +%lld) -> [%lld, +%lld) out of range of T %lld -> %lld",
                         op, (long long)t0, (long long)n, (long long)t1, (long long)n, (long long)s[2],
                         (long long)d[2]);
    int same = src->mem.block == dst->mem.block && src->mem.offset == dst->mem.offset && s[2] == d[2];
    if (same && t0 < t1 + n && t1 < t0 + n && n > 0)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: frames [%lld, +%lld) and [%lld, +%lld) of one tensor overlap", op,
                         (long long)t0, (long long)n, (long long)t1, (long long)n);
    uint64_t hw = (uint64_t)(s[3] * s[4]);
    uint64_t total = (uint64_t)(s[0] * s[1]) * (uint64_t)n * hw;
    copy_push pc = {
        .src = lavin_addr(src), .dst = lavin_addr(dst), .n = (uint32_t)total, .run = (uint32_t)(n * hw),
        .src_plane = (uint32_t)(s[2] * hw), .dst_plane = (uint32_t)(d[2] * hw),
        .src_off = (uint32_t)(t0 * hw), .dst_off = (uint32_t)(t1 * hw),
    };
    uint32_t spec[1] = { 0 };
    const lavin_shader sh = LAVIN_SHADER(copy_frames);
    return launch(ctx, &sh, spec, 1, op, &pc, sizeof(pc), src, NULL, dst, NULL, total, 8.0 * total);
}
