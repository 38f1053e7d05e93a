#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/families.h"
#include "core/ops/norm.h"
#include "tests/ref/norm.h"

static const char *const dt_names[] = { "f32", "f16", "bf16" };

static double tol_for(int wdt) { return wdt == LAVIN_F32 ? LT_TOL_F32 : LT_TOL_16; }

/* Random host data rounded to dtype, and the device tensor holding it: a
 * view starting off elements into base, so that odd offsets reach the
 * kernels' unaligned paths. Only base is freed. */
static float *make(lt *t, lavin_tensor *base, lavin_tensor *view, lavin_dtype dt, int ndim, const int64_t *ne,
                   float lo, float hi, int64_t off, int *ret)
{
    size_t n = lt_nelem(ndim, ne);
    float *h = lt_random(t, n, lo, hi);
    lt_round_to(h, n, dt);
    if (*ret < 0)
        return h;
    float *padded = lt_random(t, n + (size_t)off, lo, hi);
    memcpy(padded + off, h, n * sizeof(float));
    int64_t total = (int64_t)n + off;
    *ret = lt_tensor(t, base, dt, 1, &total, padded);
    free(padded);
    if (*ret >= 0)
        *ret = lavin_tensor_view(t->ctx, base, off, ndim, ne, view);
    return h;
}

static void compare(lt *t, const char *what, int ret, const lavin_tensor *out, const float *ref, size_t n,
                    double tol)
{
    if (!lt_ok(t, what, ret))
        return;
    lt_compare(t, what, out, ref, n, tol);
}

enum { LN, RMS, RMS_W, MOD, MOD_FULL, GATED, GATED_INPLACE };

/* x: [outer, mid, d]; per-row vectors [outer, d], or x's shape (_FULL, and
 * the in-place gated add). off: element offset of every operand but the
 * weights. */
static void row_case(lt *t, int kind, int wdt, int64_t outer, int64_t mid, int64_t d, float offset, int64_t off)
{
    lavin_context *ctx = t->ctx;
    int64_t ne[3] = { outer, mid, d }, nv[2] = { outer, d }, nw[1] = { d };
    size_t n = (size_t)(outer * mid * d), rows = (size_t)(outer * mid);
    int full = kind == MOD_FULL || kind == GATED_INPLACE;
    size_t vmid = full ? 1 : (size_t)mid;
    lavin_tensor bx = { 0 }, bw = { 0 }, bb = { 0 }, bv = { 0 }, bs = { 0 }, to = { 0 }, tx, tw, tb, tv, ts;
    int ret = 0;
    float *x = make(t, &bx, &tx, LAVIN_F32, 3, ne, offset - 3, offset + 3, off, &ret);
    /* 16-bit weights must start 4-byte aligned; 2 elements off is not 8. */
    float *w = make(t, &bw, &tw, (lavin_dtype)wdt, 1, nw, -2, 2, off ? 2 : 0, &ret);
    float *b = make(t, &bb, &tb, (lavin_dtype)wdt, 1, nw, -1, 1, off ? 2 : 0, &ret);
    float *v = full ? make(t, &bv, &tv, LAVIN_F32, 3, ne, -3, 3, off, &ret)
                    : make(t, &bv, &tv, LAVIN_F32, 2, nv, -3, 3, off, &ret);
    /* The residual is kept clear of the gated term's range (-1, 1), so that
     * their sum never cancels to where one f32 rounding of the operands is a
     * large relative error (a 1-element case has no other elements to
     * dilute it). */
    float *s = make(t, &bs, &ts, LAVIN_F32, 3, ne, 1, 3, off, &ret);
    float *ref = malloc(n * sizeof(float));
    if (ret >= 0)
        ret = lt_output(t, &to, 3, ne);
    char what[128];
    static const char *const kn[] = { "layernorm", "rmsnorm", "rmsnorm w", "rmsnorm_modulate",
                                      "rmsnorm_modulate full", "rmsnorm_gated_add", "rmsnorm_gated_add in place" };
    snprintf(what, sizeof(what), "%s%s%s [%lld,%lld,%lld]%s%s", kn[kind], kind == LN || kind == RMS_W ? " " : "",
             kind == LN || kind == RMS_W ? dt_names[wdt] : "", (long long)outer, (long long)mid, (long long)d,
             offset != 0 ? " offset" : "", off ? " unaligned" : "");
    if (!lt_ok(t, what, ret))
        goto out;
    const lavin_tensor *dst = &to;
    switch (kind) {
    case LN:
        ret = lavin_op_layernorm(ctx, &tx, &tw, &tb, 1e-5f, &to);
        lavin_ref_layernorm(x, w, b, 1e-5f, ref, rows, (size_t)d);
        break;
    case RMS:
        ret = lavin_op_rmsnorm(ctx, &tx, NULL, 1e-6f, &to);
        lavin_ref_rmsnorm(x, NULL, 1e-6f, ref, rows, (size_t)d);
        break;
    case RMS_W:
        ret = lavin_op_rmsnorm(ctx, &tx, &tw, 1e-6f, &to);
        lavin_ref_rmsnorm(x, w, 1e-6f, ref, rows, (size_t)d);
        break;
    case MOD:
    case MOD_FULL:
        ret = lavin_op_rmsnorm_modulate(ctx, &tx, &tv, 1e-6f, &to);
        lavin_ref_rmsnorm_modulate(x, v, 1e-6f, ref, rows, vmid, (size_t)d);
        break;
    case GATED:
        ret = lavin_op_rmsnorm_gated_add(ctx, &ts, &tv, &tx, 1e-6f, &to);
        lavin_ref_rmsnorm_gated_add(s, v, x, 1e-6f, ref, rows, vmid, (size_t)d);
        break;
    default:
        ret = lavin_op_rmsnorm_gated_add(ctx, &ts, &tv, &tx, 1e-6f, &ts);
        lavin_ref_rmsnorm_gated_add(s, v, x, 1e-6f, ref, rows, vmid, (size_t)d);
        dst = &ts;
        break;
    }
    compare(t, what, ret, dst, ref, n, (kind == LN || kind == RMS_W) ? tol_for(wdt) : LT_TOL_F32);
out:
    lavin_tensor_free(ctx, &to);
    lavin_tensor_free(ctx, &bx);
    lavin_tensor_free(ctx, &bw);
    lavin_tensor_free(ctx, &bb);
    lavin_tensor_free(ctx, &bv);
    lavin_tensor_free(ctx, &bs);
    free(x);
    free(w);
    free(b);
    free(v);
    free(s);
    free(ref);
}

typedef struct {
    int64_t ne[5];
    int groups;
} gn_shape;

/* affine: 0 none, 1 weight and bias, 2 weight only; spatial adds zy, zb
 * after the affine. own_scratch: pass a scratch tensor (else NULL). off:
 * element offset of x, zy and zb. */
static void gn_case(lt *t, gn_shape sh, int spatial, int affine, int wdt, int silu, int own_scratch,
                    int in_place, float offset, int64_t off)
{
    lavin_context *ctx = t->ctx;
    const int64_t *ne = sh.ne;
    int64_t nc[1] = { ne[1] };
    size_t n = lt_nelem(5, ne), sp = (size_t)(ne[2] * ne[3] * ne[4]);
    lavin_tensor bx = { 0 }, bw = { 0 }, bb = { 0 }, bzy = { 0 }, bzb = { 0 }, to = { 0 }, tsc = { 0 };
    lavin_tensor tx, tw, tb, tzy, tzb;
    int ret = 0;
    float *x = make(t, &bx, &tx, LAVIN_F32, 5, ne, offset - 2, offset + 2, off, &ret);
    float *w = make(t, &bw, &tw, (lavin_dtype)wdt, 1, nc, -2, 2, 0, &ret);
    float *b = make(t, &bb, &tb, (lavin_dtype)wdt, 1, nc, -1, 1, 0, &ret);
    float *zy = make(t, &bzy, &tzy, LAVIN_F32, 5, ne, -2, 2, off, &ret);
    float *zb = make(t, &bzb, &tzb, LAVIN_F32, 5, ne, -1, 1, off, &ret);
    float *ref = malloc(n * sizeof(float));
    if (ret >= 0 && !in_place)
        ret = lt_output(t, &to, 5, ne);
    if (ret >= 0 && own_scratch) {
        int64_t ns = lavin_groupnorm_scratch_elems(&tx, sh.groups);
        ret = lavin_tensor_alloc(ctx, &tsc, LAVIN_F32, 1, &ns);
    }
    char what[160];
    snprintf(what, sizeof(what), "%s [%lld,%lld,%lld,%lld,%lld] G=%d%s%s%s%s%s%s%s",
             spatial ? "groupnorm_spatial" : "groupnorm", (long long)ne[0], (long long)ne[1], (long long)ne[2],
             (long long)ne[3], (long long)ne[4], sh.groups,
             affine == 1 ? " affine " : affine == 2 ? " weight " : " plain", affine ? dt_names[wdt] : "",
             silu ? " silu" : "", own_scratch ? "" : " auto-scratch", in_place ? " in place" : "",
             offset != 0 ? " offset" : "", off ? " unaligned" : "");
    if (!lt_ok(t, what, ret))
        goto out;
    const lavin_tensor *dst = in_place ? &tx : &to, *sc = own_scratch ? &tsc : NULL;
    const lavin_tensor *dw = affine ? &tw : NULL, *db = affine == 1 ? &tb : NULL;
    const float *hw = affine ? w : NULL, *hb = affine == 1 ? b : NULL;
    lavin_ref_groupnorm(x, hw, hb, spatial ? zy : NULL, spatial ? zb : NULL, (size_t)ne[0], (size_t)ne[1], sp,
                        (size_t)sh.groups, 1e-6f, silu, ref);
    if (spatial)
        ret = lavin_op_groupnorm_spatial(ctx, &tx, dw, db, &tzy, &tzb, sh.groups, 1e-6f, silu, sc, dst);
    else
        ret = lavin_op_groupnorm(ctx, &tx, dw, db, sh.groups, 1e-6f, silu, sc, dst);
    compare(t, what, ret, dst, ref, n, affine ? tol_for(wdt) : LT_TOL_F32);
out:
    lavin_tensor_free(ctx, &to);
    lavin_tensor_free(ctx, &tsc);
    lavin_tensor_free(ctx, &bx);
    lavin_tensor_free(ctx, &bw);
    lavin_tensor_free(ctx, &bb);
    lavin_tensor_free(ctx, &bzy);
    lavin_tensor_free(ctx, &bzb);
    free(x);
    free(w);
    free(b);
    free(zy);
    free(zb);
    free(ref);
}

static void rejects(lt *t)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor x, w5, h, v, x5, c6, sc;
    int64_t nx[2] = { 3, 8 }, nw5[1] = { 5 }, nv[2] = { 2, 8 }, nx5[5] = { 1, 6, 2, 3, 4 }, nc6[1] = { 6 },
            nsc[1] = { 1 };
    int ok = lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &x, LAVIN_F32, 2, nx));
    ok = ok && lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &w5, LAVIN_F32, 1, nw5));
    ok = ok && lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &h, LAVIN_F16, 2, nx));
    ok = ok && lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &v, LAVIN_F32, 2, nv));
    ok = ok && lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &x5, LAVIN_F32, 5, nx5));
    ok = ok && lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &c6, LAVIN_F32, 1, nc6));
    ok = ok && lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &sc, LAVIN_F32, 1, nsc));
    if (!ok)
        return;
    lt_rejects(t, "layernorm with a [5] weight over D=8", lavin_op_layernorm(ctx, &x, &w5, &w5, 1e-5f, &x));
    lt_rejects(t, "layernorm without bias", lavin_op_layernorm(ctx, &x, &w5, NULL, 1e-5f, &x));
    lt_rejects(t, "rmsnorm of an f16 input", lavin_op_rmsnorm(ctx, &h, NULL, 1e-6f, &x));
    lt_rejects(t, "rmsnorm into an f16 output", lavin_op_rmsnorm(ctx, &x, NULL, 1e-6f, &h));
    lt_rejects(t, "rmsnorm with negative eps", lavin_op_rmsnorm(ctx, &x, NULL, -1.0f, &x));
    lt_rejects(t, "rmsnorm_modulate with a [2,8] scale over [3,8]", lavin_op_rmsnorm_modulate(ctx, &x, &v, 1e-6f, &x));
    lt_rejects(t, "rmsnorm_gated_add with y of another size", lavin_op_rmsnorm_gated_add(ctx, &x, &x, &v, 1e-6f, &x));
    lt_rejects(t, "rmsnorm_gated_add with an f16 gate", lavin_op_rmsnorm_gated_add(ctx, &x, &h, &x, 1e-6f, &x));
    lt_rejects(t, "groupnorm with C=6, G=4", lavin_op_groupnorm(ctx, &x5, NULL, NULL, 4, 1e-6f, 0, NULL, &x5));
    lt_rejects(t, "groupnorm with G=0", lavin_op_groupnorm(ctx, &x5, NULL, NULL, 0, 1e-6f, 0, NULL, &x5));
    lt_rejects(t, "groupnorm with a [5] weight for C=6",
               lavin_op_groupnorm(ctx, &x5, &w5, NULL, 3, 1e-6f, 0, NULL, &x5));
    lt_rejects(t, "groupnorm with a 1-element scratch", lavin_op_groupnorm(ctx, &x5, &c6, &c6, 3, 1e-6f, 1, &sc, &x5));
    lt_rejects(t, "groupnorm into a [3,8] output", lavin_op_groupnorm(ctx, &x5, NULL, NULL, 3, 1e-6f, 0, NULL, &x));
    lt_rejects(t, "groupnorm_spatial with a [6] zy",
               lavin_op_groupnorm_spatial(ctx, &x5, NULL, NULL, &c6, &x5, 3, 1e-6f, 0, NULL, &x5));
    lt_rejects(t, "groupnorm_spatial without zb",
               lavin_op_groupnorm_spatial(ctx, &x5, NULL, NULL, &x5, NULL, 3, 1e-6f, 0, NULL, &x5));
    lt_rejects(t, "groupnorm_spatial with a [5] weight for C=6",
               lavin_op_groupnorm_spatial(ctx, &x5, &w5, NULL, &x5, &x5, 3, 1e-6f, 0, NULL, &x5));
    lavin_tensor_free(ctx, &x);
    lavin_tensor_free(ctx, &w5);
    lavin_tensor_free(ctx, &h);
    lavin_tensor_free(ctx, &v);
    lavin_tensor_free(ctx, &x5);
    lavin_tensor_free(ctx, &c6);
    lavin_tensor_free(ctx, &sc);
}

void lt_family_norm(lt *t)
{
    /* rows x D = 1x1, 3x7, 5x257, 2x1000, 4x2304 as [outer, mid, D]; then
     * rows off the CPU kernel's 16 per workgroup at lavin-tiny's widths. */
    static const int64_t rs[][3] = {
        { 1, 1, 1 }, { 1, 3, 7 }, { 5, 1, 257 }, { 2, 1, 1000 }, { 2, 2, 2304 }, { 3, 37, 144 }, { 1, 17, 72 },
    };
    for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
        for (int dt = LAVIN_F32; dt <= LAVIN_BF16; dt++) {
            row_case(t, LN, dt, rs[i][0], rs[i][1], rs[i][2], 0, 0);
            row_case(t, RMS_W, dt, rs[i][0], rs[i][1], rs[i][2], 0, 0);
        }
        for (int k = RMS; k <= GATED_INPLACE; k++)
            if (k != RMS_W)
                row_case(t, k, LAVIN_F32, rs[i][0], rs[i][1], rs[i][2], 0, 0);
    }
    row_case(t, LN, LAVIN_F32, 3, 1, 2304, 100, 0);
    row_case(t, RMS, LAVIN_F32, 4, 1, 576, 0, 0);
    /* Rows of a multiple of 4 that do not start 16-byte aligned. */
    for (int k = LN; k <= GATED_INPLACE; k++)
        row_case(t, k, LAVIN_F16, 2, 9, 144, 0, 1);
    row_case(t, LN, LAVIN_F32, 1, 5, 72, 0, 2);

    static const gn_shape gs[] = {
        { { 1, 4, 1, 1, 1 }, 2 }, { { 2, 6, 3, 5, 7 }, 3 }, { { 1, 64, 5, 9, 11 }, 32 },
        { { 1, 32, 1, 33, 65 }, 32 },
    };
    for (size_t i = 0; i < sizeof(gs) / sizeof(gs[0]); i++) {
        gn_case(t, gs[i], 0, 1, LAVIN_F32, 1, 1, 0, 0, 0);
        gn_case(t, gs[i], 0, 0, LAVIN_F32, 0, 1, 0, 0, 0);
        gn_case(t, gs[i], 1, 0, LAVIN_F32, (int)(i & 1), 1, 0, 0, 0);
    }
    gn_case(t, gs[1], 0, 1, LAVIN_F16, 0, 1, 0, 0, 0);
    gn_case(t, gs[2], 0, 1, LAVIN_BF16, 1, 1, 0, 0, 0);
    gn_case(t, gs[3], 0, 2, LAVIN_F32, 1, 0, 0, 0, 0);
    gn_case(t, gs[1], 0, 1, LAVIN_F32, 1, 0, 1, 0, 0);
    /* Groups of several statistics chunks, the last one nearly empty. */
    gn_case(t, (gn_shape){ { 1, 2, 1, 1, 4097 }, 1 }, 0, 1, LAVIN_F32, 0, 1, 0, 0, 0);
    gn_case(t, (gn_shape){ { 2, 8, 3, 40, 50 }, 2 }, 0, 1, LAVIN_F32, 1, 1, 0, 20, 0);
    gn_case(t, (gn_shape){ { 1, 4, 5, 64, 64 }, 1 }, 1, 0, LAVIN_F32, 1, 1, 0, 100, 0);
    /* The ST-VAE's: SpatialNorm with its own f16 affine, then SiLU, in place
     * too; and spatial sizes of a multiple of 4 that start unaligned. */
    gn_case(t, (gn_shape){ { 1, 64, 1, 16, 16 }, 32 }, 1, 1, LAVIN_F16, 1, 1, 0, 0, 0);
    gn_case(t, (gn_shape){ { 1, 64, 2, 12, 20 }, 32 }, 1, 1, LAVIN_F16, 1, 0, 1, 0, 0);
    gn_case(t, (gn_shape){ { 2, 8, 1, 8, 12 }, 4 }, 0, 1, LAVIN_F32, 1, 1, 0, 0, 1);
    gn_case(t, (gn_shape){ { 1, 6, 2, 4, 8 }, 3 }, 1, 2, LAVIN_F32, 0, 1, 0, 0, 3);
    rejects(t);
}
