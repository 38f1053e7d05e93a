#version 450
// The tiled VAE's linear seam blend, in place on b along one axis (H: inner
// = W; W: inner = 1): for k < extent,
//   b[.., k, ..] = a[.., a_len - extent + k, ..] * (1 - k/extent) + b[.., k, ..] * (k/extent)
// a and b share every other dimension. PyTorch rounds its double weights to
// float before the products; (extent - k)/extent in float is the rounded
// 1 - k/extent. The sum is kept from fusing into an fma so that it rounds as
// PyTorch's does.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 a, b;
    uint n;          // rows * extent * inner: elements written
    uint extent;
    uint inner;      // elements after the blended axis (W for H, 1 for W)
    uint a_len, b_len;
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint in_i = i % p.inner, r = i / p.inner;
    uint k = r % p.extent, row = r / p.extent;
    uint ai = (row * p.a_len + p.a_len - p.extent + k) * p.inner + in_i;
    uint bi = (row * p.b_len + k) * p.inner + in_i;
    float wb = float(k) / float(p.extent);
    float wa = float(p.extent - k) / float(p.extent);
    precise float pa = BufF32(p.a).v[ai] * wa;
    precise float pb = BufF32(p.b).v[bi] * wb;
    precise float sum = pa + pb;
    BufF32(p.b).v[bi] = sum;
}
