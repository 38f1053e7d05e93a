/* Resample family: antialiased bicubic resize against the C reference on
 * random data and against torch/torchvision fixtures (make_resample_fixtures.py),
 * and the pixel-value conversions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "tests/families.h"
#include "core/half.h"
#include "core/ops/resample.h"
#include "tests/ref/resample.h"

#ifndef RESAMPLE_FIXTURES
#define RESAMPLE_FIXTURES "tests/fixtures/resample"
#endif

/* x [lead..., h, w] -> [lead..., oh, ow] on the GPU; out gets the result. */
static int gpu_resize(lt *t, int ndim, const int64_t *ne, const float *x, int64_t oh, int64_t ow, float **out)
{
    lavin_context *ctx = t->ctx;
    int64_t no[LAVIN_MAX_DIMS];
    for (int i = 0; i < ndim; i++)
        no[i] = ne[i];
    no[ndim - 2] = oh;
    no[ndim - 1] = ow;
    lavin_tensor tx = { 0 }, ts = { 0 }, to = { 0 };
    int ret = lt_tensor(t, &tx, LAVIN_F32, ndim, ne, x);
    if (ret >= 0)
        ret = lt_output(t, &to, ndim, no);
    int64_t need = ret >= 0 ? lavin_resize_aa_scratch_elems(&tx, &to) : 0;
    if (ret >= 0 && need > 0)
        ret = lt_output(t, &ts, 1, &need);
    if (ret >= 0)
        ret = lavin_op_resize_aa(ctx, &tx, need > 0 ? &ts : NULL, &to);
    *out = ret >= 0 ? lt_fetch(t, &to) : NULL;
    lavin_tensor_free(ctx, &tx);
    if (need > 0)
        lavin_tensor_free(ctx, &ts);
    lavin_tensor_free(ctx, &to);
    return ret;
}

static void random_case(lt *t, int ndim, const int64_t *ne, int64_t oh, int64_t ow)
{
    size_t planes = 1;
    for (int i = 0; i < ndim - 2; i++)
        planes *= (size_t)ne[i];
    size_t h = (size_t)ne[ndim - 2], w = (size_t)ne[ndim - 1], n = planes * h * w;
    size_t no = planes * (size_t)oh * (size_t)ow;
    float *x = lt_random(t, n, -3, 3), *ref = malloc(no * sizeof(float)), *got = NULL;
    char what[128];
    snprintf(what, sizeof(what), "resize_aa %zux%zu -> %lldx%lld, %zu planes (%dD)", h, w, (long long)oh,
             (long long)ow, planes, ndim);
    if (lt_ok(t, what, lavin_ref_resize_aa(x, ref, planes, h, w, (size_t)oh, (size_t)ow) == 0 ? 0 : LAVIN_ENOMEM) &&
        lt_ok(t, what, gpu_resize(t, ndim, ne, x, oh, ow, &got)))
        lt_check(t, what, lt_nerr(got, ref, no), LT_TOL_F32);
    free(x);
    free(ref);
    free(got);
}

/* The height pass of x [planes, h, w] to oh rows, made strip rows at a time by
 * resize_aa_rows from only the input rows each strip reads: against the C
 * reference, and bit for bit against the whole pass, which the pictures'
 * way in and out rely on. */
static void rows_case(lt *t, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t strip)
{
    int64_t ne[3] = { planes, h, w };
    size_t n = (size_t)(planes * h * w), nout = (size_t)(planes * oh * w);
    float *x = lt_random(t, n, -3, 3), *ref = malloc(nout * sizeof(float)), *whole = NULL;
    float *rows = calloc(nout, sizeof(float)), *part = malloc(n * sizeof(float));
    char what[128];
    snprintf(what, sizeof(what), "resize_aa_rows %lldx%lld -> %lld rows, %lld planes, strips of %lld", (long long)h,
             (long long)w, (long long)oh, (long long)planes, (long long)strip);
    int ret = lavin_ref_resize_aa(x, ref, (size_t)planes, (size_t)h, (size_t)w, (size_t)oh, (size_t)w) == 0 && rows &&
                      part ? gpu_resize(t, 3, ne, x, oh, w, &whole) : LAVIN_ENOMEM;
    for (int64_t first = 0; ret >= 0 && first < oh; first += strip) {
        int64_t lo, hi, count = first + strip < oh ? strip : oh - first;
        lavin_resize_aa_rows_needed(h, oh, first, count, &lo, &hi);
        for (int64_t p = 0; p < planes; p++)
            memcpy(part + (size_t)(p * (hi - lo) * w), x + (size_t)((p * h + lo) * w),
                   (size_t)((hi - lo) * w) * sizeof(float));
        lavin_tensor tx = { 0 }, to = { 0 };
        ret = lt_tensor(t, &tx, LAVIN_F32, 3, (int64_t[]){ planes, hi - lo, w }, part);
        if (ret >= 0)
            ret = lt_output(t, &to, 3, (int64_t[]){ planes, count, w });
        if (ret >= 0)
            ret = lavin_op_resize_aa_rows(t->ctx, &tx, lo, h, oh, first, &to);
        float *got = ret >= 0 ? lt_fetch(t, &to) : NULL;
        for (int64_t p = 0; got && p < planes; p++)
            memcpy(rows + (size_t)((p * oh + first) * w), got + (size_t)(p * count * w),
                   (size_t)(count * w) * sizeof(float));
        ret = ret >= 0 && !got ? LAVIN_ENOMEM : ret;
        free(got);
        lavin_tensor_free(t->ctx, &tx);
        lavin_tensor_free(t->ctx, &to);
    }
    if (lt_ok(t, what, ret)) {
        lt_check(t, what, lt_nerr(rows, ref, nout), LT_TOL_F32);
        size_t diff = 0;
        for (size_t i = 0; i < nout; i++)
            diff += rows[i] != whole[i];
        snprintf(what, sizeof(what), "resize_aa_rows %lld -> %lld rows: %zu values not bit-equal to one pass",
                 (long long)h, (long long)oh, diff);
        lt_check(t, what, (double)diff, 0.0);
    }
    free(x);
    free(ref);
    free(whole);
    free(rows);
    free(part);
}

/* A fixture tensor as f32 on the host (F16 files hold uint8 values). */
static float *fixture(lt *t, const char *name, const char *suffix, const char *key, const lavin_ckpt_tensor **info,
                      lavin_checkpoint **ck)
{
    char dir[512], path[1024], err[512];
    snprintf(path, sizeof(path), "%s/%s%s.safetensors", lt_fixtures(dir, sizeof(dir), RESAMPLE_FIXTURES, "resample"),
             name, suffix);
    if (lavin_checkpoint_open(path, ck, err, sizeof(err)) < 0) {
        lt_ok(t, err, LAVIN_EIO);
        return NULL;
    }
    const lavin_ckpt_tensor *ct = lavin_checkpoint_find(*ck, key);
    if (!ct || (ct->dtype != LAVIN_F32 && ct->dtype != LAVIN_F16) || ct->ndim != 3) {
        lt_ok(t, path, LAVIN_EFORMAT);
        return NULL;
    }
    size_t n = lt_nelem(ct->ndim, ct->shape);
    float *p = malloc(n * sizeof(float));
    lavin_convert_dtype(ct->data, ct->dtype, p, LAVIN_F32, n);
    *info = ct;
    return p;
}

/* GPU resize of the fixture image vs torch's float output, then the round to
 * uint8 values vs torchvision's: counts the values that differ. */
static void fixture_case(lt *t, const char *name)
{
    lavin_checkpoint *cx = NULL, *cf = NULL, *cu = NULL;
    const lavin_ckpt_tensor *ix = NULL, *iff = NULL, *iu = NULL;
    float *x = fixture(t, name, "", "x", &ix, &cx);
    float *want_f = x ? fixture(t, name, ".float", "float", &iff, &cf) : NULL;
    float *want_u = want_f ? fixture(t, name, ".uint8", "uint8", &iu, &cu) : NULL;
    float *got = NULL, *rounded = NULL;
    char what[160];
    if (!want_u)
        goto out;
    size_t no = lt_nelem(3, iff->shape);
    snprintf(what, sizeof(what), "resize_aa vs torch %s", name);
    if (!lt_ok(t, what, gpu_resize(t, 3, ix->shape, x, iff->shape[1], iff->shape[2], &got)))
        goto out;
    lt_check(t, what, lt_nerr(got, want_f, no), LT_TOL_F32);
    lavin_tensor tg, tr;
    snprintf(what, sizeof(what), "pixels_round vs torchvision %s", name);
    if (lt_ok(t, what, lt_tensor(t, &tg, LAVIN_F32, 3, iff->shape, got))) {
        if (lt_ok(t, what, lt_output(t, &tr, 3, iff->shape))) {
            if (lt_ok(t, what, lavin_op_pixels_round(t->ctx, &tg, &tr)))
                rounded = lt_fetch(t, &tr);
            lavin_tensor_free(t->ctx, &tr);
        }
        lavin_tensor_free(t->ctx, &tg);
    }
    if (rounded) {
        size_t off = 0, far = 0;
        for (size_t i = 0; i < no; i++) {
            float d = fabsf(rounded[i] - want_u[i]);
            off += d != 0.0f;
            far += !(d <= 1.0f);
        }
        /* Off by one only where torch's float lands within an ulp of a .5 tie. */
        snprintf(what, sizeof(what), "uint8 vs torchvision %s: %zu of %zu off by 1", name, off, no);
        lt_check(t, what, far ? INFINITY : (double)off / (double)no, 1e-4);
    }
out:
    free(x);
    free(want_f);
    free(want_u);
    free(got);
    free(rounded);
    lavin_checkpoint_close(&cx);
    lavin_checkpoint_close(&cf);
    lavin_checkpoint_close(&cu);
}

static void pixel_ops(lt *t)
{
    int64_t ne[3] = { 3, 17, 131 };
    size_t n = 3 * 17 * 131;
    float *x = lt_random(t, n, -20, 280), *u = lt_random(t, n, -1.3f, 1.3f);
    float *ref = malloc(n * sizeof(float));
    /* integer values and exact ties, as pixels and resampled pixels hold */
    for (size_t i = 0; i < n; i += 3)
        x[i] = roundf(x[i]);
    for (size_t i = 1; i < n; i += 7)
        x[i] = floorf(x[i]) + 0.5f;
    for (int op = 0; op < 3; op++) {
        static const char *const names[] = { "pixels_round", "pixels_to_unit", "unit_to_pixels" };
        const float *in = op == 2 ? u : x;
        lavin_tensor ti, to;
        if (!lt_ok(t, names[op], lt_tensor(t, &ti, LAVIN_F32, 3, ne, in)))
            break;
        int ret = lt_output(t, &to, 3, ne);
        if (ret >= 0 && op == 0) {
            ret = lavin_op_pixels_round(t->ctx, &ti, &to);
            lavin_ref_pixels_round(in, ref, n);
        } else if (ret >= 0 && op == 1) {
            ret = lavin_op_pixels_to_unit(t->ctx, &ti, &to);
            lavin_ref_pixels_to_unit(in, ref, n);
        } else if (ret >= 0) {
            ret = lavin_op_unit_to_pixels(t->ctx, &ti, &to);
            lavin_ref_unit_to_pixels(in, ref, n);
        }
        if (lt_ok(t, names[op], ret)) {
            float *got = lt_fetch(t, &to);
            size_t diff = 0;
            for (size_t i = 0; i < n; i++)
                diff += got[i] != ref[i];
            char what[96];
            snprintf(what, sizeof(what), "%s [3,17,131]: %zu values not bit-equal", names[op], diff);
            /* integer outputs must match exactly; the scaling only to rounding */
            lt_check(t, what, op == 1 ? lt_nerr(got, ref, n) : (double)diff, op == 1 ? 1e-6 : 0.0);
            free(got);
        }
        lavin_tensor_free(t->ctx, &ti);
        lavin_tensor_free(t->ctx, &to);
    }
    free(x);
    free(u);
    free(ref);
}

static void bad_inputs(lt *t)
{
    lavin_context *ctx = t->ctx;
    lavin_tensor x, o, o2, h, s, v;
    int64_t nx[3] = { 3, 10, 12 }, no[3] = { 3, 5, 6 }, no2[3] = { 2, 5, 6 }, nv[1] = { 12 }, ns[1] = { 3 * 10 * 6 - 1 };
    int ret = lavin_tensor_alloc(ctx, &x, LAVIN_F32, 3, nx);
    if (!lt_ok(t, "alloc", ret))
        return;
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o, LAVIN_F32, 3, no));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &o2, LAVIN_F32, 3, no2));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &h, LAVIN_F16, 3, nx));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &s, LAVIN_F32, 1, ns));
    lt_ok(t, "alloc", lavin_tensor_alloc(ctx, &v, LAVIN_F32, 1, nv));
    lt_rejects(t, "resize_aa without the scratch it needs", lavin_op_resize_aa(ctx, &x, NULL, &o));
    lt_rejects(t, "resize_aa with a scratch one element short", lavin_op_resize_aa(ctx, &x, &s, &o));
    lt_rejects(t, "resize_aa changing the plane count", lavin_op_resize_aa(ctx, &x, &x, &o2));
    lt_rejects(t, "resize_aa of a 1-D tensor", lavin_op_resize_aa(ctx, &v, NULL, &v));
    lt_rejects(t, "resize_aa from an f16 tensor", lavin_op_resize_aa(ctx, &h, &x, &o));
    lt_rejects(t, "resize_aa_rows changing the width", lavin_op_resize_aa_rows(ctx, &x, 0, 10, 5, 0, &o));
    lt_rejects(t, "resize_aa_rows past the last row", lavin_op_resize_aa_rows(ctx, &o, 0, 5, 7, 4, &o));
    lt_rejects(t, "resize_aa_rows from rows the input lacks", lavin_op_resize_aa_rows(ctx, &o, 3, 40, 20, 0, &o));
    lt_rejects(t, "pixels_round into a smaller output", lavin_op_pixels_round(ctx, &x, &o));
    lt_rejects(t, "pixels_to_unit of an f16 tensor", lavin_op_pixels_to_unit(ctx, &h, &x));
    lavin_tensor_free(ctx, &x);
    lavin_tensor_free(ctx, &o);
    lavin_tensor_free(ctx, &o2);
    lavin_tensor_free(ctx, &h);
    lavin_tensor_free(ctx, &s);
    lavin_tensor_free(ctx, &v);
}

void lt_family_resample(lt *t)
{
    static const struct {
        int ndim;
        int64_t ne[5], oh, ow;
    } cases[] = {
        { 2, { 1, 1 }, 1, 1 },          { 2, { 1, 1 }, 7, 3 },         { 3, { 3, 37, 53 }, 16, 16 },
        { 3, { 3, 64, 48 }, 128, 96 },  { 3, { 2, 257, 7 }, 13, 100 }, { 4, { 2, 3, 31, 29 }, 31, 5 },
        { 2, { 1000, 3 }, 7, 3 },       { 5, { 1, 2, 1, 9, 11 }, 9, 11 }, { 3, { 3, 5, 7 }, 1, 1 },
        { 3, { 1, 300, 200 }, 512, 512 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        random_case(t, cases[i].ndim, cases[i].ne, cases[i].oh, cases[i].ow);
    rows_case(t, 3, 32, 45, 377, 50);   /* up, the last strip short */
    rows_case(t, 3, 301, 7, 16, 3);     /* down, wide windows across strips */
    rows_case(t, 1, 9, 5, 9, 4);        /* same height: a copy */
    static const char *const fixtures[] = {
        "down_37x53_16x16", "up_64x48_128x96", "mixed_300x200_512x512", "width_only_41x90_41x29",
        "height_only_33x20_70x20", "same_96x128", "point_5x7_1x1",
    };
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
        fixture_case(t, fixtures[i]);
    pixel_ops(t);
    bad_inputs(t);
}
