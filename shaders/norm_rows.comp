#version 450
// Norms over the last dimension: one workgroup per row of D elements, so a
// row of any length is reduced in shared memory and then written by the same
// threads (out may alias any input: each element is read and written by one
// thread, after the whole row's statistics are known).
//   LN:      out = (x - mean) / sqrt(var + eps) * w + b
//   RMS:     out = x / sqrt(mean(x^2) + eps) [* w]
//   MOD:     out = (1 + v[row']) * RMS(x)              (v = scale)
//   GATED:   out = s + tanh(v[row']) * RMS(x)          (v = gate, x = y)
// row' = (row / mid): v is [outer, D] broadcast over rows viewed as
// [outer, mid] (mid = 1 when v has x's shape).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint WDT = 0;     // dtype of w (LN, RMS)
layout(constant_id = 3) const uint BDT = 0;     // dtype of b (LN)
layout(constant_id = 4) const bool HAS_W = false;

#define MODE_LN 0u
#define MODE_RMS 1u
#define MODE_MOD 2u
#define MODE_GATED 3u

layout(push_constant, std430) uniform Params {
    uvec2 x, w, v, s, out_;  // w: weight; v: bias (LN) / scale / gate; s: residual (GATED)
    uint rows, d, mid;
    float eps;
} p;

shared float red[gl_WorkGroupSize.x];

// Sum over the workgroup; the launcher makes the size a power of two.
float wg_sum(float a)
{
    uint t = gl_LocalInvocationID.x;
    red[t] = a;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1u) {
        if (t < h)
            red[t] += red[t + h];
        barrier();
    }
    float r = red[0];
    barrier();
    return r;
}

// GLSL's tanh may divide inf by inf for large |x|; this form cannot.
float tanh_stable(float a)
{
    float e = exp(-2.0 * abs(a));
    return sign(a) * (1.0 - e) / (1.0 + e);
}

void main()
{
    uint row = linear_group();
    if (row >= p.rows)
        return;  // uniform per workgroup, so no barrier is skipped by part of it
    uint t = gl_LocalInvocationID.x, n = gl_WorkGroupSize.x;
    uint base = row * p.d;
    BufF32 x = BufF32(p.x);
    BufF32 o = BufF32(p.out_);
    float inv_d = 1.0 / float(p.d);

    if (MODE == MODE_LN) {
        // Mean first, then squared deviations: no cancellation for rows with
        // a large mean.
        float a = 0.0;
        for (uint i = t; i < p.d; i += n)
            a += x.v[base + i];
        float mean = wg_sum(a) * inv_d;
        a = 0.0;
        for (uint i = t; i < p.d; i += n) {
            float dv = x.v[base + i] - mean;
            a += dv * dv;
        }
        float r = inversesqrt(wg_sum(a) * inv_d + p.eps);
        for (uint i = t; i < p.d; i += n)
            o.v[base + i] = (x.v[base + i] - mean) * r * load_dt(p.w, WDT, i) + load_dt(p.v, BDT, i);
        return;
    }

    float a = 0.0;
    for (uint i = t; i < p.d; i += n) {
        float xv = x.v[base + i];
        a += xv * xv;
    }
    float r = inversesqrt(wg_sum(a) * inv_d + p.eps);
    uint vrow = (row / p.mid) * p.d;
    for (uint i = t; i < p.d; i += n) {
        float y = x.v[base + i] * r;
        if (MODE == MODE_RMS)
            o.v[base + i] = HAS_W ? y * load_dt(p.w, WDT, i) : y;
        else if (MODE == MODE_MOD)
            o.v[base + i] = (1.0 + BufF32(p.v).v[vrow + i]) * y;
        else
            o.v[base + i] = BufF32(p.s).v[base + i] + tanh_stable(BufF32(p.v).v[vrow + i]) * y;
    }
}
