#version 450
// GroupNorm pass 2: one workgroup per (batch, group) merges the chunks'
// (count, mean, M2) with Chan et al.'s pairwise formula, which stays
// accurate in f32 where sum and sum of squares would cancel, and writes
// (mean, 1/sqrt(var + eps)).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 part, stats;  // stats: [ngroups] pairs (mean, rstd)
    uint m, nchunks, chunk, ngroups;
    float eps;
} p;

shared float sn[gl_WorkGroupSize.x], smean[gl_WorkGroupSize.x], sm2[gl_WorkGroupSize.x];

// (n, mean, m2) += (nb, mb, m2b)
void merge(inout float n, inout float mean, inout float m2, float nb, float mb, float m2b)
{
    if (nb == 0.0)
        return;
    float tot = n + nb;
    float delta = mb - mean;
    float f = nb / tot;
    mean += delta * f;
    m2 += m2b + delta * delta * n * f;
    n = tot;
}

void main()
{
    uint g = linear_group();
    if (g >= p.ngroups)
        return;
    uint t = gl_LocalInvocationID.x;
    float n = 0.0, mean = 0.0, m2 = 0.0;
    for (uint c = t; c < p.nchunks; c += gl_WorkGroupSize.x) {
        uint id = g * p.nchunks + c;
        float cnt = float(min(p.chunk, p.m - c * p.chunk));
        merge(n, mean, m2, cnt, BufF32(p.part).v[2u * id], BufF32(p.part).v[2u * id + 1u]);
    }
    sn[t] = n;
    smean[t] = mean;
    sm2[t] = m2;
    barrier();
    for (uint h = gl_WorkGroupSize.x / 2u; h > 0u; h >>= 1u) {
        if (t < h) {
            merge(n, mean, m2, sn[t + h], smean[t + h], sm2[t + h]);
            sn[t] = n;
            smean[t] = mean;
            sm2[t] = m2;
        }
        barrier();
    }
    if (t == 0u) {
        BufF32(p.stats).v[2u * g] = mean;
        BufF32(p.stats).v[2u * g + 1u] = inversesqrt(m2 / float(p.m) + p.eps);
    }
}
