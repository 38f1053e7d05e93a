#include <math.h>

#include "tests/ref/elementwise.h"

static float silu(float x) { return x / (1.0f + expf(-x)); }

#define FOR_BROADCAST(body)                                      \
    for (size_t o = 0; o < outer; o++)                           \
        for (size_t m = 0; m < mid; m++)                         \
            for (size_t k = 0; k < inner; k++) {                 \
                size_t i = (o * mid + m) * inner + k;            \
                size_t j = o * inner + k;                        \
                body;                                            \
            }

void lavin_ref_add(const float *a, const float *b, float *out, size_t outer, size_t mid, size_t inner)
{
    FOR_BROADCAST(out[i] = a[i] + b[j])
}

void lavin_ref_mul(const float *a, const float *b, float *out, size_t outer, size_t mid, size_t inner)
{
    FOR_BROADCAST(out[i] = a[i] * b[j])
}

void lavin_ref_modulate(const float *x, const float *scale, float *out, size_t outer, size_t mid, size_t inner)
{
    FOR_BROADCAST(out[i] = x[i] * (1.0f + scale[j]))
}

void lavin_ref_gated_add(const float *x, const float *gate, const float *y, float *out, size_t outer,
                         size_t mid, size_t inner)
{
    FOR_BROADCAST(out[i] = x[i] + tanhf(gate[j]) * y[i])
}

void lavin_ref_scale(const float *a, float s, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] * s;
}

void lavin_ref_silu(const float *a, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = silu(a[i]);
}

void lavin_ref_swiglu(const float *a, const float *b, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = silu(a[i]) * b[i];
}

void lavin_ref_axpby(float alpha, const float *a, float beta, const float *b, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = alpha * a[i] + beta * b[i];
}

void lavin_ref_affine(const float *a, float scale, float offset, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] * scale + offset;
}

void lavin_ref_reparam(const float *mean, const float *logvar, const float *noise, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float lv = logvar[i] < -30.0f ? -30.0f : logvar[i] > 20.0f ? 20.0f : logvar[i];
        out[i] = mean[i] + expf(0.5f * lv) * noise[i];
    }
}
