#version 450
// Elementwise ops on f32 tensors. b may be broadcast: out and a are viewed as
// [outer, mid, inner] and b as [outer, inner] (mid = 1 when shapes match).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;
// The broadcast operand b of add, mul, modulate and gated_add may be a
// stored weight (e.g. an embedding) in any dtype.
layout(constant_id = 2) const uint BDT = DT_F32;
// b is broadcast over the middle dimension: only then does an element need
// the divisions that find its b (integer division is slow everywhere, and a
// CPU device cannot vectorise it).
layout(constant_id = 3) const bool BCAST = false;
// Elements per invocation: CPU devices pay for every invocation they start.
layout(constant_id = 4) const uint ELEMS = 1;

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

// One element of the output.
void element(uint idx)
{
    // Past the end, an invocation reads the last element and stores nothing:
    // loads outside any branch are what a CPU device vectorises best.
    uint i = min(idx, p.n - 1);
    float x = BufF32(p.a).v[i];
    uint bi = BCAST ? (i / (p.mid * p.inner)) * p.inner + i % p.inner : i;
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
    if (idx < p.n)
        BufF32(p.out_).v[i] = r;
}

void main()
{
    // ELEMS elements an invocation, a workgroup's width apart so that the
    // lanes of one step stay contiguous.
    uint base = linear_group() * gl_WorkGroupSize.x * ELEMS + gl_LocalInvocationID.x;
    [[unroll]] for (uint e = 0; e < ELEMS; e++)
        element(base + e * gl_WorkGroupSize.x);
}
