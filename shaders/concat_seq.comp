#version 450
// Concatenation of a [B, La, D] and b [B, Lb, D] along the sequence axis into
// x [B, La+Lb, D], or (SPLIT) the inverse. One thread per element of x, so
// the side touching x is fully coalesced and each of a, b is read or written
// in contiguous runs of La*D and Lb*D.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool SPLIT = false;

layout(push_constant, std430) uniform Params {
    uvec2 a, b, x;
    uint n, na, nb;  // elements of x; La*D and Lb*D, one batch's worth
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint row = p.na + p.nb;
    uint bi = i / row, r = i - bi * row;
    bool in_a = r < p.na;
    uint j = in_a ? bi * p.na + r : bi * p.nb + (r - p.na);
    if (SPLIT) {
        float v = BufF32(p.x).v[i];
        if (in_a)
            BufF32(p.a).v[j] = v;
        else
            BufF32(p.b).v[j] = v;
    } else {
        BufF32(p.x).v[i] = in_a ? BufF32(p.a).v[j] : BufF32(p.b).v[j];
    }
}
