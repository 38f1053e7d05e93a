#include "tests/ref/resample.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Keys' cubic convolution kernel, a = -0.5. */
static float keys_cubic(float x)
{
    const float a = -0.5f;
    x = fabsf(x);
    if (x < 1.0f)
        return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
    if (x < 2.0f)
        return ((a * x - 5.0f * a) * x + 8.0f * a) * x - 4.0f * a;
    return 0.0f;
}

/* The taps of one axis: output o reads inputs first[o] .. first[o] + count[o] - 1
 * with weights w[o * stride + j]. The mixed float/double steps are PyTorch's:
 * its scalars are float, its literals double. */
typedef struct {
    int64_t *first, *count;
    float *w;
    size_t stride;
} taps;

static void taps_free(taps *t)
{
    free(t->first);
    free(t->count);
    free(t->w);
}

static int taps_make(taps *t, size_t in, size_t out)
{
    float scale = (float)in / (float)out;
    float support = scale >= 1.0f ? (float)(2.0 * scale) : 2.0f;
    float invscale = scale >= 1.0f ? (float)(1.0 / (double)scale) : 1.0f;
    t->stride = (size_t)ceil(2.0 * support) + 2;
    t->first = calloc(out, sizeof(int64_t));
    t->count = calloc(out, sizeof(int64_t));
    t->w = calloc(out * t->stride, sizeof(float));
    if (!t->first || !t->count || !t->w) {
        taps_free(t);
        return -1;
    }
    for (size_t o = 0; o < out; o++) {
        float center = (float)((double)scale * ((double)o + 0.5));
        int64_t lo = (int64_t)((double)(center - support) + 0.5);
        int64_t hi = (int64_t)((double)(center + support) + 0.5);
        lo = lo < 0 ? 0 : lo;
        hi = hi > (int64_t)in ? (int64_t)in : hi;
        float *w = t->w + o * t->stride, total = 0.0f;
        for (int64_t j = 0; j < hi - lo; j++) {
            float arg = (float)(((double)((float)(j + lo) - center) + 0.5) * (double)invscale);
            w[j] = keys_cubic(arg);
            total += w[j];
        }
        for (int64_t j = 0; j < hi - lo && total != 0.0f; j++)
            w[j] /= total;
        t->first[o] = lo;
        t->count[o] = hi - lo;
    }
    return 0;
}

/* src [outer, in, inner] -> dst [outer, out, inner] along the middle axis. */
static int resample_axis(const float *src, float *dst, size_t outer, size_t in, size_t out, size_t inner)
{
    taps t;
    if (taps_make(&t, in, out) < 0)
        return -1;
    for (size_t a = 0; a < outer; a++)
        for (size_t o = 0; o < out; o++)
            for (size_t c = 0; c < inner; c++) {
                const float *s = src + (a * in + (size_t)t.first[o]) * inner + c;
                const float *w = t.w + o * t.stride;
                float acc = s[0] * w[0];
                for (int64_t j = 1; j < t.count[o]; j++)
                    acc += s[(size_t)j * inner] * w[j];
                dst[(a * out + o) * inner + c] = acc;
            }
    taps_free(&t);
    return 0;
}

int lavin_ref_resize_aa(const float *x, float *out, size_t planes, size_t h, size_t w, size_t oh, size_t ow)
{
    if (h == oh && w == ow) {
        memcpy(out, x, planes * h * w * sizeof(float));
        return 0;
    }
    if (h == oh)
        return resample_axis(x, out, planes * h, w, ow, 1);
    if (w == ow)
        return resample_axis(x, out, planes, h, oh, w);
    float *tmp = malloc(planes * h * ow * sizeof(float));
    int ret = tmp ? resample_axis(x, tmp, planes * h, w, ow, 1) : -1;
    if (ret == 0)
        ret = resample_axis(tmp, out, planes, h, oh, ow);
    free(tmp);
    return ret;
}

void lavin_ref_pixels_round(const float *x, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = nearbyintf(fminf(fmaxf(x[i], 0.0f), 255.0f));
}

void lavin_ref_pixels_to_unit(const float *x, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (x[i] / 255.0f - 0.5f) * 2.0f;
}

void lavin_ref_unit_to_pixels(const float *x, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = truncf(fminf(fmaxf(x[i] / 2.0f + 0.5f, 0.0f), 1.0f) * 255.0f);
}
