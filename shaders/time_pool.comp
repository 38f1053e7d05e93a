#version 450
// ST-VAE time downsampling of [planes, T, HW]: odd T keeps frame 0 and
// averages the pairs (1,2), (3,4), ...; even T averages (0,1), (2,3), ....
// The average is (a + b) * 0.5, bit-identical to avg_pool1d's sum / 2.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 src, dst;
    uint n;
    uint T, To, HW;
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint s = i % p.HW;
    uint q = i / p.HW;
    uint to = q % p.To;
    uint plane = q / p.To;
    uint base = plane * p.T * p.HW + s;
    bool odd = (p.T & 1u) != 0u;
    float r;
    if (odd && to == 0u) {
        r = BufF32(p.src).v[base];
    } else {
        uint t0 = odd ? 2u * to - 1u : 2u * to;
        precise float sum = BufF32(p.src).v[base + t0 * p.HW] + BufF32(p.src).v[base + (t0 + 1u) * p.HW];
        r = sum * 0.5;
    }
    BufF32(p.dst).v[i] = r;
}
