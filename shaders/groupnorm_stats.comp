#version 450
// GroupNorm pass 1: the elements of one (batch, group) are contiguous (the
// group's channels, each with all of T*H*W), M of them. They are cut into
// chunks of WG*ITEMS; each workgroup reduces one chunk to its (mean, M2) in
// two passes over registers, mean first, so nothing cancels in f32 however
// large the group. groupnorm_merge combines the chunks (Chan et al.).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint ITEMS = 16;

layout(push_constant, std430) uniform Params {
    uvec2 x, part;   // part: [ngroups, nchunks] pairs (mean, M2)
    uint m, nchunks, total;  // total = ngroups * nchunks
} p;

shared float red[gl_WorkGroupSize.x];

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

void main()
{
    uint id = linear_group();
    if (id >= p.total)
        return;
    uint g = id / p.nchunks, c = id % p.nchunks;
    uint chunk = gl_WorkGroupSize.x * ITEMS;
    uint begin = c * chunk;
    uint cnt = min(chunk, p.m - begin);
    uint base = g * p.m + begin;
    uint t = gl_LocalInvocationID.x;
    float v[ITEMS];
    float a = 0.0;
    for (uint j = 0u; j < ITEMS; j++) {
        uint k = j * gl_WorkGroupSize.x + t;  // consecutive threads, consecutive addresses
        v[j] = k < cnt ? BufF32(p.x).v[base + k] : 0.0;
        a += v[j];
    }
    float mean = wg_sum(a) / float(cnt);
    a = 0.0;
    for (uint j = 0u; j < ITEMS; j++) {
        uint k = j * gl_WorkGroupSize.x + t;
        float dv = v[j] - mean;
        a += k < cnt ? dv * dv : 0.0;
    }
    float m2 = wg_sum(a);
    if (t == 0u) {
        BufF32(p.part).v[2u * id] = mean;
        BufF32(p.part).v[2u * id + 1u] = m2;
    }
}
