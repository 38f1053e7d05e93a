#version 450
// Copies frames [t0, t0+nf) of src [planes, Ts, HW] into frames [t1, t1+nf)
// of dst [planes, Td, HW]. One thread per copied element; runs of nf*HW are
// contiguous on both sides.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 src, dst;
    uint n;
    uint run;     // nf * HW
    uint src_plane, dst_plane;  // Ts * HW, Td * HW
    uint src_off, dst_off;      // t0 * HW, t1 * HW
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint plane = i / p.run, r = i - plane * p.run;
    BufF32(p.dst).v[plane * p.dst_plane + p.dst_off + r] = BufF32(p.src).v[plane * p.src_plane + p.src_off + r];
}
