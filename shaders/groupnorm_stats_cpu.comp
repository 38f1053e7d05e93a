#version 450
// GroupNorm pass 1 for CPU devices (lavapipe): as groupnorm_stats.comp, the
// M contiguous elements of each (batch, group) are cut into chunks reduced
// to (mean, M2), mean first and then deviations from it so that nothing
// cancels in f32; but each invocation reduces a whole chunk on its own, in
// registers, re-reading it from cache for the second pass: a CPU driver runs
// a workgroup's invocations as SIMD lanes, and a workgroup-wide reduction
// would cost a barrier per step. groupnorm_merge_cpu combines the chunks.
//
// VEC: M % 4 == 0 and x starts 16-byte aligned, so every chunk starts on a
// vec4.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint CHUNK = 2048;  // elements per invocation, a multiple of 4
layout(constant_id = 2) const bool VEC = false;

layout(push_constant, std430) uniform Params {
    uvec2 x, part;           // part: [ngroups, nchunks] pairs (mean, M2)
    uint m, nchunks, total;  // total = ngroups * nchunks
} p;

// Elements [i, i + 4) of x, those at or past `end` read as 0.
vec4 load4(uint i, uint end)
{
    if (VEC)
        return BufVec4(p.x).v[i >> 2];
    vec4 r = vec4(0.0);
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (i + c < end)
            r[c] = BufF32(p.x).v[i + c];
    return r;
}

void main()
{
    uint id = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (id >= p.total)
        return;
    uint g = id / p.nchunks, c = id % p.nchunks;
    uint begin = c * CHUNK;
    uint cnt = min(CHUNK, p.m - begin);
    uint base = g * p.m + begin, end = base + cnt;
    vec4 acc = vec4(0.0);
    for (uint i = base; i < end; i += 4)
        acc += load4(i, end);
    float mean = dot(acc, vec4(1.0)) / float(cnt);
    // The deviations from that mean: their sum corrects it (a long f32 sum
    // of values far from 0 drifts), their squares give M2 around it, and
    // M2 around the corrected mean is that less cnt * correction^2.
    acc = vec4(0.0);
    vec4 acc2 = vec4(0.0);
    for (uint i = base; i < end; i += 4) {
        bvec4 inside = lessThan(uvec4(i) + uvec4(0, 1, 2, 3), uvec4(end));
        vec4 dv = mix(vec4(0.0), load4(i, end) - mean, inside);
        acc += dv;
        acc2 += dv * dv;
    }
    float corr = dot(acc, vec4(1.0)) / float(cnt);
    mean += corr;
    float m2 = max(dot(acc2, vec4(1.0)) - float(cnt) * corr * corr, 0.0);
    BufF32(p.part).v[2u * id] = mean;
    BufF32(p.part).v[2u * id + 1u] = m2;
}
