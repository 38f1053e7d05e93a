#include "core/ops/elementwise.h"
#include "core/ops/launch.h"

#include "shaders/elementwise.spv.h"

enum { OP_ADD, OP_MUL, OP_SCALE, OP_SILU, OP_SWIGLU, OP_MODULATE, OP_GATED_ADD, OP_AXPBY, OP_AFFINE, OP_REPARAM };

static const char *const op_names[] = {
    "add", "mul", "scale", "silu", "swiglu", "modulate", "gated_add", "axpby", "affine", "reparam",
};

typedef struct {
    uint64_t a, b, c, out;
    uint32_t n, inner, mid;
    float s, s2;
} push_t;

/* b: broadcast vector or NULL; c: full-size third operand or NULL. */
static int run(lavin_context *ctx, uint32_t op, const lavin_tensor *a, const lavin_tensor *b, int b_full,
               const lavin_tensor *c, float s, float s2, const lavin_tensor *out)
{
    const char *name = op_names[op];
    const unsigned f32 = LAVIN_DT_BIT(LAVIN_F32);
    LAVIN_TRY(lavin_check_dtype(ctx, name, "input", a, f32));
    LAVIN_TRY(lavin_check_dtype(ctx, name, "output", out, f32));
    int64_t n = lavin_tensor_nelem(a);
    LAVIN_TRY(lavin_check_nelem(ctx, name, "output", out, n));
    uint32_t outer = 1, mid = 1, inner = 1;
    if (b) {
        LAVIN_TRY(lavin_check_dtype(ctx, name, "second input", b, b_full ? f32 : LAVIN_DT_ANY));
        if (b_full)
            LAVIN_TRY(lavin_check_nelem(ctx, name, "second input", b, n));
        else
            LAVIN_TRY(lavin_broadcast_shape(ctx, name, a, b, &outer, &mid, &inner));
    }
    if (c) {
        LAVIN_TRY(lavin_check_dtype(ctx, name, "third input", c, f32));
        LAVIN_TRY(lavin_check_nelem(ctx, name, "third input", c, n));
    }
    if (b_full)
        inner = (uint32_t)n;
    if (n == 0)
        return 0;
    /* A CPU device pays for every invocation it starts: there each takes a
     * span of elements, in workgroups small enough to spread a short
     * tensor over every core. */
    int cpu = ctx->kernels == LAVIN_KERNELS_CPU;
    uint32_t wg = lavin_wg_size(ctx, cpu ? 64 : 256), elems = cpu ? 32 : 1;
    lavin_pipeline *pipe;
    const lavin_shader sh = LAVIN_SHADER(elementwise);
    uint32_t spec[] = { wg, op, b ? (uint32_t)b->dtype : 0u, mid > 1 || outer > 1, elems };
    LAVIN_TRY(lavin_pipeline_get(ctx, &sh, spec, 5, &pipe));
    push_t pc = {
        .a = lavin_addr(a), .b = b ? lavin_addr(b) : 0, .c = c ? lavin_addr(c) : 0, .out = lavin_addr(out),
        .n = (uint32_t)n, .inner = inner, .mid = mid, .s = s, .s2 = s2,
    };
    lavin_dispatch d = {
        .op = name, .pipeline = pipe, .push = &pc, .push_size = sizeof(pc),
        .reads = { a, b ? b : c, b ? c : NULL }, .writes = { out },
        .flops = (double)n, .bytes = (double)n * 4 * (2 + (b != NULL) + (c != NULL)),
    };
    lavin_groups_1d(ctx, ((uint64_t)n + wg * elems - 1) / (wg * elems), d.groups);
    return lavin_stream_dispatch(ctx, &d);
}

int lavin_op_add(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out)
{
    return run(ctx, OP_ADD, a, b, 0, NULL, 0, 0, out);
}

int lavin_op_mul(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out)
{
    return run(ctx, OP_MUL, a, b, 0, NULL, 0, 0, out);
}

int lavin_op_scale(lavin_context *ctx, const lavin_tensor *a, float s, const lavin_tensor *out)
{
    return run(ctx, OP_SCALE, a, NULL, 0, NULL, s, 0, out);
}

int lavin_op_silu(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *out)
{
    return run(ctx, OP_SILU, a, NULL, 0, NULL, 0, 0, out);
}

int lavin_op_swiglu(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out)
{
    return run(ctx, OP_SWIGLU, a, b, 1, NULL, 0, 0, out);
}

int lavin_op_modulate(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *scale,
                      const lavin_tensor *out)
{
    return run(ctx, OP_MODULATE, x, scale, 0, NULL, 0, 0, out);
}

int lavin_op_gated_add(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *gate,
                       const lavin_tensor *y, const lavin_tensor *out)
{
    return run(ctx, OP_GATED_ADD, x, gate, 0, y, 0, 0, out);
}

int lavin_op_axpby(lavin_context *ctx, float alpha, const lavin_tensor *a, float beta, const lavin_tensor *b,
                   const lavin_tensor *out)
{
    return run(ctx, OP_AXPBY, a, b, 1, NULL, alpha, beta, out);
}

int lavin_op_affine(lavin_context *ctx, const lavin_tensor *a, float scale, float offset, const lavin_tensor *out)
{
    return run(ctx, OP_AFFINE, a, NULL, 0, NULL, scale, offset, out);
}

int lavin_op_reparam(lavin_context *ctx, const lavin_tensor *mean, const lavin_tensor *logvar,
                     const lavin_tensor *noise, const lavin_tensor *out)
{
    return run(ctx, OP_REPARAM, mean, logvar, 1, noise, 0, 0, out);
}
