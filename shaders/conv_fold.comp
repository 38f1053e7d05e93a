#version 450
// Sums a causal Conv3d kernel [Co, Ci, 3, 3, 3] over its time taps into an
// f32 [Co, Ci, 3, 3] kernel: for a single frame the causal padding feeds the
// same frame to all three taps, so the 3-D conv is this 2-D one.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint WDT = 0;

layout(push_constant, std430) uniform Params {
    uvec2 w, out_;
    uint n;  // Co * Ci * 9
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint base = (i / 9u) * 27u + i % 9u;
    BufF32(p.out_).v[i] = load_dt(p.w, WDT, base) + load_dt(p.w, WDT, base + 9u) + load_dt(p.w, WDT, base + 18u);
}
