#version 450
// GroupNorm pass 3, one thread per element of x viewed as [B, C, S]:
//   y = (x - mean) * rstd [* w[c]] [+ b[c]]
//   SPATIAL: then y = y * zy + zb   (zy, zb of x's shape)
// then SiLU when asked. out may alias x.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool SPATIAL = false;
layout(constant_id = 2) const bool HAS_W = false;
layout(constant_id = 3) const bool HAS_B = false;
layout(constant_id = 4) const uint WDT = 0;
layout(constant_id = 5) const uint BDT = 0;
layout(constant_id = 6) const bool SILU = false;

layout(push_constant, std430) uniform Params {
    uvec2 x, w, b, zy, zb, stats, out_;
    uint n, s, c, cpg;
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint bc = i / p.s;                       // batch * C + channel
    uint ch = bc % p.c;
    uint g = (bc / p.c) * (p.c / p.cpg) + ch / p.cpg;
    float mean = BufF32(p.stats).v[2u * g], rstd = BufF32(p.stats).v[2u * g + 1u];
    float y = (BufF32(p.x).v[i] - mean) * rstd;
    if (HAS_W)
        y *= load_dt(p.w, WDT, ch);
    if (HAS_B)
        y += load_dt(p.b, BDT, ch);
    if (SPATIAL)
        y = y * BufF32(p.zy).v[i] + BufF32(p.zb).v[i];
    if (SILU)
        y = y / (1.0 + exp(-y));
    BufF32(p.out_).v[i] = y;
}
