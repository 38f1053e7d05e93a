#include <math.h>

#include "core/ops/resample.h"
#include "core/ops/launch.h"

#include "shaders/pixels.spv.h"
#include "shaders/resize_aa.spv.h"

typedef struct {
    uint64_t src, dst;
    uint32_t n, in_len, count, inner;
    float scale, support, invscale;
    uint32_t first, in_first, in_rows;
} resize_push;

/* One pass: outputs first .. first + count - 1 of a resampling of in_len to out_len, from a
 * source holding inputs in_first .. in_first + in_rows - 1. */
typedef struct resize_axis {
    int64_t in_len, out_len, first, count, in_first, in_rows;
} resize_axis;

/* Along a whole axis. */
static resize_axis whole(int64_t in_len, int64_t out_len)
{
    return (resize_axis){ in_len, out_len, 0, out_len, 0, in_len };
}

/* PyTorch's float arithmetic (float division of the sizes; the others through double), so
 * the shader starts from its values. */
static void axis_scale(int64_t in_len, int64_t out_len, float *scale, float *support, float *invscale)
{
    *scale = (float)in_len / (float)out_len;
    *support = *scale >= 1.0f ? (float)(2.0 * *scale) : 2.0f;
    *invscale = *scale >= 1.0f ? (float)(1.0 / (double)*scale) : 1.0f;
}

typedef struct {
    uint64_t src, dst;
    uint32_t n;
} pixels_push;

/* Planes, rows and columns of an image-like tensor [..., H, W]. */
static void image_dims(const lavin_tensor *t, int64_t *planes, int64_t *h, int64_t *w)
{
    *planes = 1;
    for (int i = 0; i < t->ndim - 2; i++)
        *planes *= t->ne[i];
    *h = t->ne[t->ndim - 2];
    *w = t->ne[t->ndim - 1];
}

int64_t lavin_resize_aa_scratch_elems(const lavin_tensor *x, const lavin_tensor *out)
{
    if (x->ndim < 2 || out->ndim < 2)
        return 0;
    int64_t planes, h, w, oplanes, oh, ow;
    image_dims(x, &planes, &h, &w);
    image_dims(out, &oplanes, &oh, &ow);
    return h != oh && w != ow ? planes * h * ow : 0;
}

/* One pass along one axis: src [outer, a->in_rows, inner] -> dst [outer, a->count, inner]. */
static int pass(lavin_context *ctx, const lavin_tensor *src, const lavin_tensor *dst, int64_t outer, int64_t inner,
                resize_axis a)
{
    float scale, support, invscale;
    axis_scale(a.in_len, a.out_len, &scale, &support, &invscale);
    uint64_t n = (uint64_t)(outer * a.count * inner);
    uint32_t wg = lavin_wg_size(ctx, 256);
    lavin_pipeline *pipe;
    const lavin_shader sh = LAVIN_SHADER(resize_aa);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, (uint32_t[]){ wg }, 1, &pipe));
    resize_push pc = {
        .src = lavin_addr(src), .dst = lavin_addr(dst), .n = (uint32_t)n, .in_len = (uint32_t)a.in_len,
        .count = (uint32_t)a.count, .inner = (uint32_t)inner, .scale = scale, .support = support,
        .invscale = invscale, .first = (uint32_t)a.first, .in_first = (uint32_t)a.in_first,
        .in_rows = (uint32_t)a.in_rows,
    };
    double taps = 2.0 * (double)support + 1.0;
    lavin_dispatch d = {
        .op = "resize_aa", .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { src }, .writes = { dst },
        .flops = (double)n * taps * 12.0, .bytes = (double)n * 4.0 * (taps + 1.0),
    };
    lavin_groups_1d(ctx, (n + wg - 1) / wg, d.groups);
    return lavin_stream_dispatch(ctx, &d);
}

int lavin_op_resize_aa(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *scratch, const lavin_tensor *out)
{
    const unsigned f32 = LAVIN_DT_BIT(LAVIN_F32);
    char dx[96], dout[96];
    LAVIN_TRY(lavin_check_dtype(ctx, "resize_aa", "input", x, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, "resize_aa", "output", out, f32));
    if (x->ndim < 2 || out->ndim != x->ndim)
        return lavin_err(ctx, LAVIN_EINVAL, "resize_aa: input %s and output %s need one rank of 2 to 5",
                         lavin_tensor_describe(x, dx, sizeof(dx)), lavin_tensor_describe(out, dout, sizeof(dout)));
    for (int i = 0; i < x->ndim - 2; i++)
        if (x->ne[i] != out->ne[i])
            return lavin_err(ctx, LAVIN_EINVAL, "resize_aa: output %s must keep the leading dims of input %s",
                             lavin_tensor_describe(out, dout, sizeof(dout)), lavin_tensor_describe(x, dx, sizeof(dx)));
    int64_t planes, h, w, oplanes, oh, ow;
    image_dims(x, &planes, &h, &w);
    image_dims(out, &oplanes, &oh, &ow);
    if (lavin_tensor_nelem(x) == 0 || lavin_tensor_nelem(out) == 0)
        return lavin_err(ctx, LAVIN_EINVAL, "resize_aa: empty input %s or output %s",
                         lavin_tensor_describe(x, dx, sizeof(dx)), lavin_tensor_describe(out, dout, sizeof(dout)));
    if (lavin_tensor_nelem(x) > UINT32_MAX || lavin_tensor_nelem(out) > UINT32_MAX || planes * h * ow > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "resize_aa: input %s or output %s has 2^32 elements or more",
                         lavin_tensor_describe(x, dx, sizeof(dx)), lavin_tensor_describe(out, dout, sizeof(dout)));
    int64_t need = lavin_resize_aa_scratch_elems(x, out);
    if (need > 0) {
        if (!scratch)
            return lavin_err(ctx, LAVIN_EINVAL, "resize_aa: %s -> %s needs a scratch of %lld elements",
                             lavin_tensor_describe(x, dx, sizeof(dx)), lavin_tensor_describe(out, dout, sizeof(dout)),
                             (long long)need);
        LAVIN_TRY(lavin_check_dtype(ctx, "resize_aa", "scratch", scratch, f32));
        if (lavin_tensor_nelem(scratch) < need)
            return lavin_err(ctx, LAVIN_EINVAL, "resize_aa: scratch %s holds fewer than the %lld elements needed",
                             lavin_tensor_describe(scratch, dx, sizeof(dx)), (long long)need);
        LAVIN_TRY(pass(ctx, x, scratch, planes * h, 1, whole(w, ow)));
        return pass(ctx, scratch, out, planes, ow, whole(h, oh));
    }
    if (h != oh)
        return pass(ctx, x, out, planes, w, whole(h, oh));
    /* Width only, or neither: a same-size pass has weights exactly 0 and 1, so it copies. */
    return pass(ctx, x, out, planes * h, 1, whole(w, ow));
}

void lavin_resize_aa_rows_needed(int64_t in_len, int64_t out_len, int64_t first, int64_t n, int64_t *lo,
                                 int64_t *hi)
{
    float scale, support, invscale;
    axis_scale(in_len, out_len, &scale, &support, &invscale);
    /* The shader's windows of the first and the last row (they move down with the row), one
     * row wider on each side so that no difference in rounding leaves out a row it reads. */
    float c0 = scale * ((float)first + 0.5f), c1 = scale * ((float)(first + n - 1) + 0.5f);
    int64_t a = (int64_t)floorf(c0 - support + 0.5f) - 1, b = (int64_t)floorf(c1 + support + 0.5f) + 1;
    *lo = a < 0 ? 0 : a > in_len ? in_len : a;
    *hi = b < 0 ? 0 : b > in_len ? in_len : b;
}

int lavin_op_resize_aa_rows(lavin_context *ctx, const lavin_tensor *x, int64_t in_first, int64_t in_len,
                            int64_t out_len, int64_t first, const lavin_tensor *out)
{
    const unsigned f32 = LAVIN_DT_BIT(LAVIN_F32);
    char dx[96], dout[96];
    LAVIN_TRY(lavin_check_dtype(ctx, "resize_aa_rows", "input", x, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, "resize_aa_rows", "output", out, f32));
    int same = x->ndim >= 2 && out->ndim == x->ndim && x->ne[x->ndim - 1] == out->ne[x->ndim - 1];
    for (int i = 0; same && i < x->ndim - 2; i++)
        same = x->ne[i] == out->ne[i];
    if (!same)
        return lavin_err(ctx, LAVIN_EINVAL, "resize_aa_rows: output %s must keep all but the height of input %s",
                         lavin_tensor_describe(out, dout, sizeof(dout)), lavin_tensor_describe(x, dx, sizeof(dx)));
    int64_t planes, rows, w, oplanes, count, ow, lo = 0, hi = 0;
    image_dims(x, &planes, &rows, &w);
    image_dims(out, &oplanes, &count, &ow);
    if (lavin_tensor_nelem(x) == 0 || count == 0 || first < 0 || out_len <= 0 || first + count > out_len ||
        in_len <= 0 || in_len > UINT32_MAX || out_len > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "resize_aa_rows: rows %lld to %lld of %lld from %lld rows",
                         (long long)first, (long long)(first + count), (long long)out_len, (long long)in_len);
    lavin_resize_aa_rows_needed(in_len, out_len, first, count, &lo, &hi);
    if (in_first < 0 || lo < in_first || hi > in_first + rows)
        return lavin_err(ctx, LAVIN_EINVAL, "resize_aa_rows: rows %lld to %lld of %lld read rows %lld to %lld, "
                         "but input %s holds rows %lld to %lld", (long long)first, (long long)(first + count),
                         (long long)out_len, (long long)lo, (long long)hi, lavin_tensor_describe(x, dx, sizeof(dx)),
                         (long long)in_first, (long long)(in_first + rows));
    if (lavin_tensor_nelem(x) > UINT32_MAX || lavin_tensor_nelem(out) > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "resize_aa_rows: input %s or output %s has 2^32 elements or more",
                         lavin_tensor_describe(x, dx, sizeof(dx)), lavin_tensor_describe(out, dout, sizeof(dout)));
    return pass(ctx, x, out, planes, w, (resize_axis){ in_len, out_len, first, count, in_first, rows });
}

enum { OP_ROUND, OP_TO_UNIT, OP_TO_PIXELS };
static const char *const pixel_op_names[] = { "pixels_round", "pixels_to_unit", "unit_to_pixels" };

static int pixels(lavin_context *ctx, uint32_t op, const lavin_tensor *x, const lavin_tensor *out)
{
    const char *name = pixel_op_names[op];
    const unsigned f32 = LAVIN_DT_BIT(LAVIN_F32);
    LAVIN_TRY(lavin_check_dtype(ctx, name, "input", x, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, name, "output", out, f32));
    int64_t n = lavin_tensor_nelem(x);
    LAVIN_TRY(lavin_check_nelem(ctx, name, "output", out, n));
    if (n > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %lld elements, more than 2^32 - 1", name, (long long)n);
    uint32_t wg = lavin_wg_size(ctx, 256);
    lavin_pipeline *pipe;
    const lavin_shader sh = LAVIN_SHADER(pixels);
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, (uint32_t[]){ wg, op }, 2, &pipe));
    pixels_push pc = { .src = lavin_addr(x), .dst = lavin_addr(out), .n = (uint32_t)n };
    lavin_dispatch d = {
        .op = name, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { x }, .writes = { out }, .flops = 3.0 * (double)n, .bytes = 8.0 * (double)n,
    };
    lavin_groups_1d(ctx, ((uint64_t)n + wg - 1) / wg, d.groups);
    return lavin_stream_dispatch(ctx, &d);
}

int lavin_op_pixels_round(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
{
    return pixels(ctx, OP_ROUND, x, out);
}

int lavin_op_pixels_to_unit(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
{
    return pixels(ctx, OP_TO_UNIT, x, out);
}

int lavin_op_unit_to_pixels(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
{
    return pixels(ctx, OP_TO_PIXELS, x, out);
}
