#version 450
// GroupNorm pass 2 for CPU devices (lavapipe): one invocation per (batch,
// group) combines its chunks' (mean, M2), where groupnorm_merge.comp merges
// them pairwise across a workgroup. A running pairwise merge would round the
// mean once per chunk, at the scale of the mean; here the mean is the first
// chunk's plus the count-weighted average of the others' small differences
// from it, and M2 = sum of (M2_i + n_i (mean_i - mean)^2). It writes (mean,
// 1/sqrt(var + eps)), with a true square root and division where the vector
// inversesqrt of a CPU driver is a few ulp off. A group has at most a few
// thousand chunks, a short loop beside the passes over the data.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 part, stats;  // stats: [ngroups] pairs (mean, rstd)
    uint m, nchunks, chunk, ngroups;
    float eps;
} p;

void main()
{
    uint g = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (g >= p.ngroups)
        return;
    BufF32 part = BufF32(p.part);
    uint first = g * p.nchunks;
    float m0 = part.v[2u * first], shift = 0.0;
    for (uint c = 0; c < p.nchunks; c++) {
        float nb = float(min(p.chunk, p.m - c * p.chunk));
        shift += nb * (part.v[2u * (first + c)] - m0);
    }
    float mean = m0 + shift / float(p.m), m2 = 0.0;
    for (uint c = 0; c < p.nchunks; c++) {
        float nb = float(min(p.chunk, p.m - c * p.chunk));
        float d = part.v[2u * (first + c)] - mean;
        m2 += part.v[2u * (first + c) + 1u] + nb * d * d;
    }
    BufF32(p.stats).v[2u * g] = mean;
    BufF32(p.stats).v[2u * g + 1u] = 1.0 / sqrt(m2 / float(p.m) + p.eps);
}
