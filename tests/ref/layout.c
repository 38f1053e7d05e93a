#include <math.h>
#include <string.h>

#include "tests/ref/layout.h"

void lavin_ref_concat_seq(const float *a, const float *b, float *x, size_t B, size_t La, size_t Lb, size_t D)
{
    for (size_t i = 0; i < B; i++) {
        memcpy(x + i * (La + Lb) * D, a + i * La * D, La * D * sizeof(float));
        memcpy(x + (i * (La + Lb) + La) * D, b + i * Lb * D, Lb * D * sizeof(float));
    }
}

void lavin_ref_split_seq(const float *x, float *a, float *b, size_t B, size_t La, size_t Lb, size_t D)
{
    for (size_t i = 0; i < B; i++) {
        memcpy(a + i * La * D, x + i * (La + Lb) * D, La * D * sizeof(float));
        memcpy(b + i * Lb * D, x + (i * (La + Lb) + La) * D, Lb * D * sizeof(float));
    }
}

/* The rearrange "B C T (h ph) (w pw) -> B (T h w) (ph pw C)" as nested loops
 * over the token side; unpatch copies in the other direction. */
static void patch_loops(const float *src, float *dst, int unpatch, size_t B, size_t C, size_t T, size_t h,
                        size_t w, size_t p)
{
    size_t H = h * p, W = w * p;
    size_t k = 0;  /* token-side index, in order */
    for (size_t b = 0; b < B; b++)
        for (size_t t = 0; t < T; t++)
            for (size_t y = 0; y < h; y++)
                for (size_t x = 0; x < w; x++)
                    for (size_t py = 0; py < p; py++)
                        for (size_t px = 0; px < p; px++)
                            for (size_t c = 0; c < C; c++, k++) {
                                size_t v = (((b * C + c) * T + t) * H + y * p + py) * W + x * p + px;
                                if (unpatch)
                                    dst[v] = src[k];
                                else
                                    dst[k] = src[v];
                            }
}

void lavin_ref_patchify(const float *vid, float *tok, size_t B, size_t C, size_t T, size_t h, size_t w, size_t p)
{
    patch_loops(vid, tok, 0, B, C, T, h, w, p);
}

void lavin_ref_unpatchify(const float *tok, float *vid, size_t B, size_t C, size_t T, size_t h, size_t w,
                          size_t p)
{
    patch_loops(tok, vid, 1, B, C, T, h, w, p);
}

size_t lavin_ref_nearest_index(size_t dst, size_t in, size_t out)
{
    /* ATen: scale = (float)in / out; src = min((int64_t)floorf(dst * scale), in - 1). The volatile keeps
     * the product a rounded float whatever the compiler's evaluation method. */
    float scale = (float)in / (float)out;
    volatile float prod = (float)dst * scale;
    size_t src = (size_t)floorf(prod);
    return src < in - 1 ? src : in - 1;
}

/* Resize of frames [ti0, ti0+ti) to [to0, to0+to) of every plane. */
static void resize_part(const float *x, float *out, size_t planes, size_t tin, size_t hi, size_t wi, size_t tout,
                        size_t ho, size_t wo, size_t ti0, size_t ti, size_t to0, size_t to)
{
    for (size_t pl = 0; pl < planes; pl++)
        for (size_t t = 0; t < to; t++)
            for (size_t y = 0; y < ho; y++)
                for (size_t x_ = 0; x_ < wo; x_++) {
                    size_t st = ti0 + lavin_ref_nearest_index(t, ti, to);
                    size_t sy = lavin_ref_nearest_index(y, hi, ho), sx = lavin_ref_nearest_index(x_, wi, wo);
                    out[((pl * tout + to0 + t) * ho + y) * wo + x_] = x[((pl * tin + st) * hi + sy) * wi + sx];
                }
}

void lavin_ref_resize_nearest(const float *x, float *out, size_t planes, size_t ti, size_t hi, size_t wi,
                              size_t to, size_t ho, size_t wo)
{
    resize_part(x, out, planes, ti, hi, wi, to, ho, wo, 0, ti, 0, to);
}

void lavin_ref_upsample_stvae(const float *x, float *out, size_t planes, size_t t, size_t h, size_t w)
{
    if (t == 1) {
        resize_part(x, out, planes, 1, h, w, 1, 2 * h, 2 * w, 0, 1, 0, 1);
        return;
    }
    size_t to = 1 + 2 * (t - 1);
    resize_part(x, out, planes, t, h, w, to, 2 * h, 2 * w, 0, 1, 0, 1);
    resize_part(x, out, planes, t, h, w, to, 2 * h, 2 * w, 1, t - 1, 1, to - 1);
}

void lavin_ref_resize_spatialnorm(const float *zq, float *out, size_t planes, size_t tz, size_t hz, size_t wz,
                                  size_t t, size_t h, size_t w)
{
    if (t > 1 && t % 2 == 1) {
        resize_part(zq, out, planes, tz, hz, wz, t, h, w, 0, 1, 0, 1);
        resize_part(zq, out, planes, tz, hz, wz, t, h, w, 1, tz - 1, 1, t - 1);
    } else {
        resize_part(zq, out, planes, tz, hz, wz, t, h, w, 0, tz, 0, t);
    }
}

void lavin_ref_time_pool(const float *x, float *out, size_t planes, size_t t, size_t hw)
{
    size_t to = (t + 1) / 2;
    for (size_t pl = 0; pl < planes; pl++)
        for (size_t k = 0; k < to; k++)
            for (size_t s = 0; s < hw; s++) {
                const float *f = x + pl * t * hw + s;
                float *o = out + (pl * to + k) * hw + s;
                if (t % 2 == 1 && k == 0) {
                    *o = f[0];
                } else {
                    size_t a = t % 2 == 1 ? 2 * k - 1 : 2 * k;
                    /* avg_pool1d: a float sum of the window, then / 2 */
                    float sum = 0.0f;
                    sum += f[a * hw];
                    sum += f[(a + 1) * hw];
                    *o = sum / 2.0f;
                }
            }
}

void lavin_ref_copy_frames(const float *src, size_t ts, size_t t0, float *dst, size_t td, size_t t1, size_t n,
                           size_t planes, size_t hw)
{
    for (size_t pl = 0; pl < planes; pl++)
        memcpy(dst + (pl * td + t1) * hw, src + (pl * ts + t0) * hw, n * hw * sizeof(float));
}
