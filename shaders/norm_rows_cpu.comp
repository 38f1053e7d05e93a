#version 450
// Norms over the last dimension for CPU devices (lavapipe): the modes of
// norm_rows.comp, but each invocation owns a whole row and reduces it in
// registers. A CPU driver runs a workgroup's invocations as the SIMD lanes
// of one thread, so the GPU kernel's shared-memory ladder costs a barrier
// (a switch between every slice of the workgroup) per step; here lanes never
// talk, a workgroup is a handful of rows, and the lanes of one SIMD thread
// walk their rows in step, so a weight element they all need is one load.
// Every element is read and written by its row's invocation after the row's
// statistics are known, so out may alias any input. 1 / sqrt rather than
// inversesqrt: a CPU driver's vector inversesqrt is an estimate refined
// once, a few ulp off, which cancellation in the gated add can magnify.
//
// VEC: D % 4 == 0 and every row starts 16-byte aligned (8 for a 16-bit
// weight), so 4 elements are one vector load; otherwise one at a time.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;
layout(constant_id = 2) const uint WDT = 0;     // dtype of w (LN, RMS)
layout(constant_id = 3) const uint BDT = 0;     // dtype of b (LN)
layout(constant_id = 4) const bool HAS_W = false;
layout(constant_id = 5) const bool VEC = false;

#define MODE_LN 0u
#define MODE_RMS 1u
#define MODE_MOD 2u
#define MODE_GATED 3u

layout(buffer_reference, std430, buffer_reference_align = 8) buffer BufUVec2 { uvec2 v[]; };

layout(push_constant, std430) uniform Params {
    uvec2 x, w, v, s, out_;  // w: weight; v: bias (LN) / scale / gate; s: residual (GATED)
    uint rows, d, mid;
    float eps;
} p;

// GLSL's tanh may divide inf by inf for large |x|; this form cannot.
vec4 tanh_stable(vec4 a)
{
    vec4 e = exp(-2.0 * abs(a));
    return sign(a) * (1.0 - e) / (1.0 + e);
}

// Elements [i, i + 4) of an f32 tensor; elements at or past `end` read as 0.
vec4 load4(uvec2 addr, uint i, uint end)
{
    if (VEC)
        return BufVec4(addr).v[i >> 2];
    vec4 r = vec4(0.0);
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (i + c < end)
            r[c] = BufF32(addr).v[i + c];
    return r;
}

// Elements [i, i + 4) of a weight of dtype dt, i < D.
vec4 load4_dt(uvec2 addr, uint dt, uint i)
{
    if (VEC && dt == DT_F32)
        return BufVec4(addr).v[i >> 2];
    if (VEC) {
        uvec2 h = BufUVec2(addr).v[i >> 2];
        if (dt == DT_F16)
            return vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y));
        return vec4(bf16_to_f32(h.x & 0xffffu), bf16_to_f32(h.x >> 16), bf16_to_f32(h.y & 0xffffu),
                    bf16_to_f32(h.y >> 16));
    }
    vec4 r = vec4(0.0);
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (i + c < p.d)
            r[c] = load_dt(addr, dt, i + c);
    return r;
}

void store4(uint i, uint end, vec4 y)
{
    if (VEC) {
        BufVec4(p.out_).v[i >> 2] = y;
        return;
    }
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (i + c < end)
            BufF32(p.out_).v[i + c] = y[c];
}

void main()
{
    uint row = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (row >= p.rows)
        return;
    uint base = row * p.d, end = base + p.d;
    float inv_d = 1.0 / float(p.d);
    // Four partial sums, one per vector lane, shorten the dependency chain;
    // padding past the row's end reads as 0 and adds nothing.
    vec4 acc = vec4(0.0);

    if (MODE == MODE_LN) {
        // A first mean, then the deviations from it: their sum corrects the
        // mean (a long f32 sum of values far from 0 drifts) and their
        // squares give the variance without cancellation.
        for (uint i = 0; i < p.d; i += 4)
            acc += load4(p.x, base + i, end);
        float mean = dot(acc, vec4(1.0)) * inv_d;
        acc = vec4(0.0);
        vec4 acc2 = vec4(0.0);
        for (uint i = 0; i < p.d; i += 4) {
            bvec4 in_row = lessThan(uvec4(i) + uvec4(0, 1, 2, 3), uvec4(p.d));
            vec4 dv = mix(vec4(0.0), load4(p.x, base + i, end) - mean, in_row);
            acc += dv;
            acc2 += dv * dv;
        }
        float c = dot(acc, vec4(1.0)) * inv_d;
        mean += c;
        float r = 1.0 / sqrt(max(dot(acc2, vec4(1.0)) * inv_d - c * c, 0.0) + p.eps);
        for (uint i = 0; i < p.d; i += 4) {
            vec4 y = (load4(p.x, base + i, end) - mean) * r;
            store4(base + i, end, y * load4_dt(p.w, WDT, i) + load4_dt(p.v, BDT, i));
        }
        return;
    }

    for (uint i = 0; i < p.d; i += 4) {
        vec4 xv = load4(p.x, base + i, end);
        acc += xv * xv;
    }
    float r = 1.0 / sqrt(dot(acc, vec4(1.0)) * inv_d + p.eps);
    uint vbase = (row / p.mid) * p.d;
    for (uint i = 0; i < p.d; i += 4) {
        vec4 y = load4(p.x, base + i, end) * r;
        if (MODE == MODE_RMS)
            y = HAS_W ? y * load4_dt(p.w, WDT, i) : y;
        else if (MODE == MODE_MOD)
            y *= 1.0 + load4(p.v, vbase + i, vbase + p.d);
        else
            y = load4(p.s, base + i, end) + tanh_stable(load4(p.v, vbase + i, vbase + p.d)) * y;
        store4(base + i, end, y);
    }
}
