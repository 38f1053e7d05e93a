#version 450
// dst[b, c, dt+t, dy+y, dx+x] = src[b, c, st+t, sy+y, sx+x] over an extent
// [planes, nt, ny, nx] (planes = B*C). One thread per copied element with x
// fastest, so each run of nx is contiguous on both sides.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 src, dst;
    uint n;
    uint nt, ny, nx;                 // extent
    uint s_t, s_h, s_w;              // src frames, height, width
    uint d_t, d_h, d_w;              // dst frames, height, width
    uint s_off_t, s_off_y, s_off_x;  // window origin in src
    uint d_off_t, d_off_y, d_off_x;  // window origin in dst
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint x = i % p.nx, r = i / p.nx;
    uint y = r % p.ny;
    r /= p.ny;
    uint t = r % p.nt, plane = r / p.nt;
    uint si = ((plane * p.s_t + p.s_off_t + t) * p.s_h + p.s_off_y + y) * p.s_w + p.s_off_x + x;
    uint di = ((plane * p.d_t + p.d_off_t + t) * p.d_h + p.d_off_y + y) * p.d_w + p.d_off_x + x;
    BufF32(p.dst).v[di] = BufF32(p.src).v[si];
}
