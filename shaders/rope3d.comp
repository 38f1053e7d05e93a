#version 450
// 3D rotary embedding with a precomputed table, in place allowed.
// x, out: [B, L, nh, hd]; table: [L, hd] holding, for token n and pair p of
// its head vector, (cos, sin) at 2p, 2p + 1. Pair p = a * d/2 + j of axis a
// (t, h, w), d = hd / 3, rotates elements a*d + j and a*d + j + d/2.
// One invocation per pair: it reads both elements before writing them, so
// out may alias x.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 x, table, out_;
    uint npairs, L, nh, hd;
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.npairs)
        return;
    uint half_hd = p.hd / 2, half_d = p.hd / 6;
    uint pair = i % half_hd;
    uint vec = i / half_hd;
    uint tok = (vec / p.nh) % p.L;
    uint a = pair / half_d, j = pair % half_d;
    uint e0 = vec * p.hd + a * 2u * half_d + j;
    uint e1 = e0 + half_d;
    uint ti = tok * p.hd + 2u * pair;
    float c = BufF32(p.table).v[ti], s = BufF32(p.table).v[ti + 1u];
    float x0 = BufF32(p.x).v[e0], x1 = BufF32(p.x).v[e1];
    BufF32(p.out_).v[e0] = x0 * c - x1 * s;
    BufF32(p.out_).v[e1] = x1 * c + x0 * s;
}
