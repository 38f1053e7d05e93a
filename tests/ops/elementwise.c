#include <stdio.h>
#include <stdlib.h>

#include "tests/families.h"
#include "core/ops/elementwise.h"
#include "tests/ref/elementwise.h"
#include "core/transfer.h"

enum { ADD, MUL, SCALE, SILU, SWIGLU, MODULATE, GATED, AXPBY, AFFINE, REPARAM };
static const char *const names[] = { "add", "mul", "scale", "silu", "swiglu", "modulate", "gated_add", "axpby", "affine", "reparam" };

/* x: [outer, mid, inner]; the vector operand is [outer, inner] (broadcast)
 * or, for swiglu and the gated add's y, the full shape. */
static void one_case(lt *t, int op, int64_t outer, int64_t mid, int64_t inner)
{
    lavin_context *ctx = t->ctx;
    size_t n = (size_t)(outer * mid * inner), nv = (size_t)(outer * inner);
    int64_t ne[3] = { outer, mid, inner }, nev[2] = { outer, inner };
    int full_b = op == SWIGLU || op == AXPBY || op == REPARAM;
    float *a = lt_random(t, n, -4, 4), *b = lt_random(t, full_b ? n : nv, -2, 2);
    float *c = lt_random(t, n, -3, 3), *ref = malloc(n * sizeof(float));
    lavin_tensor ta, tb, tc, to;
    char what[128];
    snprintf(what, sizeof(what), "%s [%lld,%lld,%lld]", names[op], (long long)outer, (long long)mid,
             (long long)inner);
    int ret = lt_tensor(t, &ta, LAVIN_F32, 3, ne, a);
    if (ret >= 0)
        ret = full_b ? lt_tensor(t, &tb, LAVIN_F32, 3, ne, b) : lt_tensor(t, &tb, LAVIN_F32, 2, nev, b);
    if (ret >= 0)
        ret = lt_tensor(t, &tc, LAVIN_F32, 3, ne, c);
    if (ret >= 0)
        ret = lt_output(t, &to, 3, ne);
    if (!lt_ok(t, what, ret))
        goto out;
    switch (op) {
    case ADD: ret = lavin_op_add(ctx, &ta, &tb, &to); lavin_ref_add(a, b, ref, outer, mid, inner); break;
    case MUL: ret = lavin_op_mul(ctx, &ta, &tb, &to); lavin_ref_mul(a, b, ref, outer, mid, inner); break;
    case SCALE: ret = lavin_op_scale(ctx, &ta, -0.37f, &to); lavin_ref_scale(a, -0.37f, ref, n); break;
    case SILU: ret = lavin_op_silu(ctx, &ta, &to); lavin_ref_silu(a, ref, n); break;
    case SWIGLU: ret = lavin_op_swiglu(ctx, &ta, &tb, &to); lavin_ref_swiglu(a, b, ref, n); break;
    case MODULATE:
        ret = lavin_op_modulate(ctx, &ta, &tb, &to);
        lavin_ref_modulate(a, b, ref, outer, mid, inner);
        break;
    case AFFINE:
        ret = lavin_op_affine(ctx, &ta, 1.089f, -0.0354f, &to);
        lavin_ref_affine(a, 1.089f, -0.0354f, ref, n);
        break;
    case REPARAM:
        /* b in [-2, 2) times 20 covers both clamps */
        for (size_t i = 0; i < n; i++)
            b[i] *= 20.0f;
        if (lavin_tensor_upload(ctx, &tb, b, n * sizeof(float)) < 0)
            break;
        ret = lavin_op_reparam(ctx, &ta, &tb, &tc, &to);
        lavin_ref_reparam(a, b, c, ref, n);
        break;
    case AXPBY:
        ret = lavin_op_axpby(ctx, 1.7f, &ta, -0.6f, &tb, &to);
        lavin_ref_axpby(1.7f, a, -0.6f, b, ref, n);
        break;
    default:
        ret = lavin_op_gated_add(ctx, &ta, &tb, &tc, &to);
        lavin_ref_gated_add(a, b, c, ref, outer, mid, inner);
        break;
    }
    if (lt_ok(t, what, ret)) {
        lt_compare(t, what, &to, ref, n, LT_TOL_F32);
    }
    lavin_tensor_free(ctx, &ta);
    lavin_tensor_free(ctx, &tb);
    lavin_tensor_free(ctx, &tc);
    lavin_tensor_free(ctx, &to);
out:
    free(a);
    free(b);
    free(c);
    free(ref);
}

static void in_place(lt *t)
{
    int64_t ne[2] = { 3, 129 };
    size_t n = 3 * 129;
    float *a = lt_random(t, n, -5, 5), *ref = malloc(n * sizeof(float));
    lavin_tensor ta;
    lavin_ref_silu(a, ref, n);
    if (lt_ok(t, "silu in place", lt_tensor(t, &ta, LAVIN_F32, 2, ne, a)) &&
        lt_ok(t, "silu in place", lavin_op_silu(t->ctx, &ta, &ta))) {
        float *got = lt_fetch(t, &ta);
        lt_check(t, "silu in place [3,129]", lt_nerr(got, ref, n), LT_TOL_F32);
        free(got);
    }
    lavin_tensor_free(t->ctx, &ta);
    free(a);
    free(ref);
}

/* A broadcast vector stored as f16 or bf16, as embeddings are. */
static void vector_dtypes(lt *t)
{
    int64_t ne[3] = { 2, 9, 77 }, nev[2] = { 2, 77 };
    size_t n = 2 * 9 * 77, nv = 2 * 77;
    for (int dt = LAVIN_F16; dt <= LAVIN_BF16; dt++)
        for (int op = ADD; op <= GATED; op += GATED - ADD) {
            float *a = lt_random(t, n, -3, 3), *b = lt_random(t, nv, -2, 2), *c = lt_random(t, n, -1, 1);
            float *ref = malloc(n * sizeof(float));
            lt_round_to(b, nv, (lavin_dtype)dt);
            lavin_tensor ta, tb, tc, to;
            char what[96];
            snprintf(what, sizeof(what), "%s with a %s vector", names[op], lavin_dtype_name((lavin_dtype)dt));
            int ret = lt_tensor(t, &ta, LAVIN_F32, 3, ne, a);
            if (ret >= 0)
                ret = lt_tensor(t, &tb, (lavin_dtype)dt, 2, nev, b);
            if (ret >= 0)
                ret = lt_tensor(t, &tc, LAVIN_F32, 3, ne, c);
            if (ret >= 0)
                ret = lt_output(t, &to, 3, ne);
            if (ret >= 0 && op == ADD) {
                ret = lavin_op_add(t->ctx, &ta, &tb, &to);
                lavin_ref_add(a, b, ref, 2, 9, 77);
            } else if (ret >= 0) {
                ret = lavin_op_gated_add(t->ctx, &ta, &tb, &tc, &to);
                lavin_ref_gated_add(a, b, c, ref, 2, 9, 77);
            }
            if (lt_ok(t, what, ret)) {
                lt_compare(t, what, &to, ref, n, LT_TOL_F32);
            }
            lavin_tensor_free(t->ctx, &ta);
            lavin_tensor_free(t->ctx, &tb);
            lavin_tensor_free(t->ctx, &tc);
            lavin_tensor_free(t->ctx, &to);
            free(a);
            free(b);
            free(c);
            free(ref);
        }
}

/* Two operands of one 5-D shape: no broadcast at all. */
static void same_shape(lt *t)
{
    int64_t ne[5] = { 2, 3, 5, 4, 7 };
    size_t n = 2 * 3 * 5 * 4 * 7;
    float *a = lt_random(t, n, -3, 3), *b = lt_random(t, n, -2, 2), *ref = malloc(n * sizeof(float));
    lavin_tensor ta, tb, to;
    lavin_ref_mul(a, b, ref, 1, 1, n);
    int ret = lt_tensor(t, &ta, LAVIN_F32, 5, ne, a);
    if (ret >= 0)
        ret = lt_tensor(t, &tb, LAVIN_F32, 5, ne, b);
    if (ret >= 0)
        ret = lt_output(t, &to, 5, ne);
    if (lt_ok(t, "mul of two [2,3,5,4,7]", ret) &&
        lt_ok(t, "mul of two [2,3,5,4,7]", lavin_op_mul(t->ctx, &ta, &tb, &to)))
        lt_compare(t, "mul of two [2,3,5,4,7]", &to, ref, n, LT_TOL_F32);
    lavin_tensor_free(t->ctx, &ta);
    lavin_tensor_free(t->ctx, &tb);
    lavin_tensor_free(t->ctx, &to);
    free(a);
    free(b);
    free(ref);
}

static void bad_shapes(lt *t)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor x, v, o, h;
    int64_t nx[3] = { 2, 5, 8 }, nv[2] = { 3, 8 }, no[1] = { 79 };
    if (!lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &x, LAVIN_F32, 3, nx)))
        return;
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &v, LAVIN_F32, 2, nv));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o, LAVIN_F32, 1, no));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &h, LAVIN_F16, 3, nx));
    lt_rejects(t, "modulate with a [3,8] scale over [2,5,8]", lavin_op_modulate(ctx, &x, &v, &x));
    lt_rejects(t, "add into an output of the wrong size", lavin_op_add(ctx, &x, &x, &o));
    lt_rejects(t, "silu of an f16 tensor", lavin_op_silu(ctx, &h, &x));
    lt_rejects(t, "swiglu with an f16 second operand", lavin_op_swiglu(ctx, &x, &h, &x));
    lavin_tensor_free(ctx, &x);
    lavin_tensor_free(ctx, &v);
    lavin_tensor_free(ctx, &o);
    lavin_tensor_free(ctx, &h);
}

void lt_family_elementwise(lt *t)
{
    static const int64_t shapes[][3] = {
        { 1, 1, 1 }, { 1, 7, 13 }, { 2, 257, 72 }, { 3, 1000, 5 }, { 1, 1, 65537 }, { 4, 33, 2304 },
    };
    for (int op = ADD; op <= REPARAM; op++)
        for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
            one_case(t, op, shapes[s][0], shapes[s][1], shapes[s][2]);
    in_place(t);
    vector_dtypes(t);
    same_shape(t);
    bad_shapes(t);
}
