#include <stdio.h>
#include <stdlib.h>

#include "tests/families.h"
#include "core/ops/tile.h"
#include "tests/ref/tile.h"

/* Window copies are exact. The blend's weights may differ from the
 * reference's by an ulp where the device divides inexactly. */
#define EXACT 0.0

static void fill_case(lt *t, lavin_tensor *x, const int64_t *ne, float **host)
{
    size_t n = lt_nelem(5, ne);
    *host = lt_random(t, n, -2, 2);
    if (!lt_ok(t, "upload", lt_tensor(t, x, LAVIN_F32, 5, ne, *host)))
        x->ne[0] = 0;
}

static void window_case(lt *t, const int64_t sne[5], const int64_t dne[5], lavin_window w)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor src = { 0 }, dst = { 0 };
    float *s = NULL, *d = NULL;
    char what[200];
    snprintf(what, sizeof(what), "window_copy [%lld,%lld,%lld,%lld,%lld] at %lld,%lld,%lld -> [.., %lld,%lld,%lld] "
             "at %lld,%lld,%lld size %lld,%lld,%lld", (long long)sne[0], (long long)sne[1], (long long)sne[2],
             (long long)sne[3], (long long)sne[4], (long long)w.src[0], (long long)w.src[1], (long long)w.src[2],
             (long long)dne[2], (long long)dne[3], (long long)dne[4], (long long)w.dst[0], (long long)w.dst[1],
             (long long)w.dst[2], (long long)w.size[0], (long long)w.size[1], (long long)w.size[2]);
    fill_case(t, &src, sne, &s);
    fill_case(t, &dst, dne, &d); /* untouched parts of dst must survive */
    if (src.ne[0] && dst.ne[0] && lt_ok(t, what, lavin_op_window_copy(ctx, &src, &dst, &w))) {
        size_t sd[3] = { (size_t)sne[2], (size_t)sne[3], (size_t)sne[4] };
        size_t dd[3] = { (size_t)dne[2], (size_t)dne[3], (size_t)dne[4] };
        size_t sa[3], da[3], sz[3];
        for (int i = 0; i < 3; i++) {
            sa[i] = (size_t)w.src[i];
            da[i] = (size_t)w.dst[i];
            sz[i] = (size_t)w.size[i];
        }
        lavin_ref_window_copy(s, sd, sa, d, dd, da, sz, (size_t)(sne[0] * sne[1]));
        lt_compare(t, what, &dst, d, lt_nelem(5, dne), EXACT);
    }
    lavin_tensor_free(ctx, &src);
    lavin_tensor_free(ctx, &dst);
    free(s);
    free(d);
}

static void blend_case(lt *t, const int64_t ane[5], const int64_t bne[5], int axis, int64_t extent)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor a = { 0 }, b = { 0 };
    float *ha = NULL, *hb = NULL;
    char what[160];
    snprintf(what, sizeof(what), "blend axis %d a [%lld,%lld,%lld,%lld,%lld] b len %lld extent %lld", axis,
             (long long)ane[0], (long long)ane[1], (long long)ane[2], (long long)ane[3], (long long)ane[4],
             (long long)bne[axis], (long long)extent);
    fill_case(t, &a, ane, &ha);
    fill_case(t, &b, bne, &hb);
    if (a.ne[0] && b.ne[0] && lt_ok(t, what, lavin_op_blend(ctx, &a, &b, axis, extent))) {
        int64_t e = extent < ane[axis] ? extent : ane[axis];
        e = e < bne[axis] ? e : bne[axis];
        size_t inner = axis == 3 ? (size_t)bne[4] : 1;
        size_t rows = lt_nelem(5, bne) / ((size_t)bne[axis] * inner);
        lavin_ref_blend(ha, hb, rows, (size_t)ane[axis], (size_t)bne[axis], inner, (size_t)e);
        lt_compare(t, what, &b, hb, lt_nelem(5, bne), LT_TOL_F32);
    }
    lavin_tensor_free(ctx, &a);
    lavin_tensor_free(ctx, &b);
    free(ha);
    free(hb);
}

static void rejects(lt *t)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor v = { 0 }, u = { 0 }, c = { 0 }, h = { 0 };
    int ret = lavin_tensor_alloc(ctx, &v, LAVIN_F32, 5, (int64_t[]){ 1, 3, 2, 5, 4 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &u, LAVIN_F32, 5, (int64_t[]){ 1, 3, 2, 7, 4 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &c, LAVIN_F32, 5, (int64_t[]){ 1, 2, 2, 5, 4 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &h, LAVIN_F16, 5, (int64_t[]){ 1, 3, 2, 5, 4 });
    if (lt_ok(t, "alloc", ret)) {
        lavin_window ok = { { 0, 0, 0 }, { 0, 0, 0 }, { 2, 5, 4 } };
        lavin_window past = { { 0, 1, 0 }, { 0, 0, 0 }, { 2, 5, 4 } };
        lavin_window neg = { { 0, 0, 0 }, { 0, 0, -1 }, { 1, 1, 1 } };
        lt_rejects(t, "window_copy past src's H", lavin_op_window_copy(ctx, &v, &u, &past));
        lt_rejects(t, "window_copy at a negative origin", lavin_op_window_copy(ctx, &v, &u, &neg));
        lt_rejects(t, "window_copy across channel counts", lavin_op_window_copy(ctx, &v, &c, &ok));
        lt_rejects(t, "window_copy onto itself", lavin_op_window_copy(ctx, &v, &v, &ok));
        lt_rejects(t, "window_copy of f16", lavin_op_window_copy(ctx, &h, &u, &ok));
        lt_rejects(t, "blend across channel counts", lavin_op_blend(ctx, &v, &c, 3, 1));
        lt_rejects(t, "blend along W with H 5 vs 7", lavin_op_blend(ctx, &v, &u, 4, 1));
        lt_rejects(t, "blend along T", lavin_op_blend(ctx, &v, &u, 2, 1));
        lt_rejects(t, "blend with a negative extent", lavin_op_blend(ctx, &v, &u, 3, -1));
        lt_rejects(t, "blend of a tensor with itself", lavin_op_blend(ctx, &v, &v, 3, 1));
    }
    lavin_tensor_free(ctx, &v);
    lavin_tensor_free(ctx, &u);
    lavin_tensor_free(ctx, &c);
    lavin_tensor_free(ctx, &h);
}

void lt_family_tile(lt *t)
{
    window_case(t, (int64_t[]){ 1, 1, 1, 1, 1 }, (int64_t[]){ 1, 1, 1, 1, 1 },
                (lavin_window){ { 0, 0, 0 }, { 0, 0, 0 }, { 1, 1, 1 } });
    window_case(t, (int64_t[]){ 2, 3, 9, 13, 11 }, (int64_t[]){ 2, 3, 5, 7, 7 },
                (lavin_window){ { 4, 6, 3 }, { 0, 0, 0 }, { 5, 7, 7 } });
    window_case(t, (int64_t[]){ 1, 5, 3, 7, 5 }, (int64_t[]){ 1, 5, 9, 17, 23 },
                (lavin_window){ { 1, 1, 2 }, { 7, 9, 17 }, { 2, 6, 3 } });
    window_case(t, (int64_t[]){ 1, 2, 1, 257, 3 }, (int64_t[]){ 1, 2, 2, 300, 3 },
                (lavin_window){ { 0, 0, 0 }, { 1, 43, 0 }, { 1, 257, 3 } });
    window_case(t, (int64_t[]){ 1, 2, 2, 4, 4 }, (int64_t[]){ 1, 2, 2, 4, 4 },
                (lavin_window){ { 0, 1, 1 }, { 0, 2, 2 }, { 2, 0, 2 } });
    blend_case(t, (int64_t[]){ 1, 3, 2, 8, 7 }, (int64_t[]){ 1, 3, 2, 5, 7 }, 3, 3);
    blend_case(t, (int64_t[]){ 2, 1, 3, 5, 11 }, (int64_t[]){ 2, 1, 3, 5, 13 }, 4, 7);
    blend_case(t, (int64_t[]){ 1, 4, 1, 6, 3 }, (int64_t[]){ 1, 4, 1, 2, 3 }, 3, 5);  /* b shorter */
    blend_case(t, (int64_t[]){ 1, 2, 5, 9, 1 }, (int64_t[]){ 1, 2, 5, 9, 17 }, 4, 4); /* a shorter */
    blend_case(t, (int64_t[]){ 1, 1, 1, 1, 1 }, (int64_t[]){ 1, 1, 1, 1, 1 }, 4, 1);
    blend_case(t, (int64_t[]){ 1, 16, 3, 37, 29 }, (int64_t[]){ 1, 16, 3, 37, 31 }, 4, 0);
    blend_case(t, (int64_t[]){ 1, 16, 3, 37, 29 }, (int64_t[]){ 1, 16, 3, 41, 29 }, 3, 32);
    rejects(t);
}
