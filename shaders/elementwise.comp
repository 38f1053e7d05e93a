#version 450
// Elementwise ops on f32 tensors. b may be broadcast: out and a are viewed as
// [outer, mid, inner] and b as [outer, inner] (mid = 1 when shapes match).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
// The broadcast operand b of add, mul, modulate and gated_add may be a
// stored weight (e.g. an embedding) in any dtype.
layout(constant_id = 2) const uint BDT = DT_F32;

#define OP_ADD 0u
#define OP_MUL 1u
#define OP_SCALE 2u
#define OP_SILU 3u
#define OP_SWIGLU 4u
#define OP_MODULATE 5u
#define OP_GATED_ADD 6u
#define OP_AXPBY 7u
#define OP_AFFINE 8u
#define OP_REPARAM 9u

layout(push_constant, std430) uniform Params {
    uvec2 a, b, c, out_;
    uint n, inner, mid;
    float s, s2;
} p;

float silu(float x) { return x / (1.0 + exp(-x)); }

// GLSL's tanh may divide inf by inf for large |x|; this form cannot.
float tanh_stable(float x)
{
    float e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
}

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    float x = BufF32(p.a).v[i];
    uint bi = (i / (p.mid * p.inner)) * p.inner + i % p.inner;
    float r;
    if (OP == OP_ADD)
        r = x + load_dt(p.b, BDT, bi);
    else if (OP == OP_MUL)
        r = x * load_dt(p.b, BDT, bi);
    else if (OP == OP_SCALE)
        r = x * p.s;
    else if (OP == OP_SILU)
        r = silu(x);
    else if (OP == OP_SWIGLU)
        r = silu(x) * BufF32(p.b).v[i];
    else if (OP == OP_MODULATE)
        r = x * (1.0 + load_dt(p.b, BDT, bi));
    else if (OP == OP_GATED_ADD)
        r = x + tanh_stable(load_dt(p.b, BDT, bi)) * BufF32(p.c).v[i];
    else if (OP == OP_AXPBY)
        r = p.s * x + p.s2 * BufF32(p.b).v[i];
    else if (OP == OP_AFFINE)
        r = p.s * x + p.s2;
    else
        r = x + exp(0.5 * clamp(BufF32(p.b).v[i], -30.0, 20.0)) * BufF32(p.c).v[i];
    BufF32(p.out_).v[i] = r;
}
