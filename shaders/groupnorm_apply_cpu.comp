#version 450
// GroupNorm pass 3 for CPU devices (lavapipe), the arithmetic of
// groupnorm_apply.comp over x viewed as [B*C, S]: each invocation takes a
// span of SPAN elements of one channel, so its channel, statistics and
// affine are found once (integer division is not vectorised on a CPU, and
// per element it would cost more than the normalisation) and the span is
// read 4 elements at a time. out may alias x.
//
// VEC: S % 4 == 0 and x, out (and zy, zb) start 16-byte aligned.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool SPATIAL = false;
layout(constant_id = 2) const bool HAS_W = false;
layout(constant_id = 3) const bool HAS_B = false;
layout(constant_id = 4) const uint WDT = 0;
layout(constant_id = 5) const uint BDT = 0;
layout(constant_id = 6) const bool SILU = false;
layout(constant_id = 7) const uint SPAN = 1024;  // a multiple of 4
layout(constant_id = 8) const bool VEC = false;

layout(push_constant, std430) uniform Params {
    uvec2 x, w, b, zy, zb, stats, out_;
    uint rows, s, c, cpg, spans;  // rows = B * C; spans per row
} p;

// Elements [i, i + 4) of an f32 tensor; those at or past `end` read as 0.
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

void main()
{
    uint id = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint bc = id / p.spans;  // batch * C + channel
    if (bc >= p.rows)
        return;
    uint ch = bc % p.c;
    uint g = (bc / p.c) * (p.c / p.cpg) + ch / p.cpg;
    float mean = BufF32(p.stats).v[2u * g], rstd = BufF32(p.stats).v[2u * g + 1u];
    // The affine folds into one multiply-add per element.
    float a = rstd, bias = 0.0;
    if (HAS_W)
        a *= load_dt(p.w, WDT, ch);
    if (HAS_B)
        bias = load_dt(p.b, BDT, ch);
    uint begin = bc * p.s + (id % p.spans) * SPAN;
    uint end = min(begin + SPAN, (bc + 1u) * p.s);
    for (uint i = begin; i < end; i += 4) {
        vec4 y = (load4(p.x, i, end) - mean) * a + bias;
        if (SPATIAL)
            y = y * load4(p.zy, i, end) + load4(p.zb, i, end);
        if (SILU)
            y = y / (1.0 + exp(-y));
        if (VEC) {
            BufVec4(p.out_).v[i >> 2] = y;
        } else {
            [[unroll]] for (uint c = 0; c < 4; c++)
                if (i + c < end)
                    BufF32(p.out_).v[i + c] = y[c];
        }
    }
}
