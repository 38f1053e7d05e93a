#version 450
// One pass of antialiased bicubic resampling along one axis, as PyTorch's
// _upsample_bicubic2d_aa computes it: from an input of in_len along the axis
// to the out_len the host's scale was derived from, outputs first .. first +
// count - 1, src [outer, in_rows, inner] holding inputs in_first .. in_first
// + in_rows - 1 (every one those outputs read) -> dst [outer, count, inner].
// A large picture is so resampled a strip at a time. The width pass has
// inner = 1, the height pass inner = width, so neighbouring invocations
// read neighbouring memory there.
// Each invocation derives its own window and weights: they depend only on
// the sizes, and recomputing them costs less than a table in memory would.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 src, dst;
    uint n, in_len, count, inner;
    // in float exactly as PyTorch derives them on the host
    float scale, support, invscale;
    uint first, in_first, in_rows;
} p;

// max(trunc(v + 0.5), 0) with v + 0.5 taken exactly, as PyTorch adds the
// 0.5 in double: a float sum could round across an integer.
int bound(float v)
{
    float f = floor(v);
    return max(int(f) + (v - f >= 0.5 ? 1 : 0), 0);
}

// Keys' cubic with a = -0.5, PyTorch's aa_filter for bicubic.
float cubic(float x)
{
    const float a = -0.5;
    x = abs(x);
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0)
        return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
    return 0.0;
}

float weight(int k, float center) { return cubic((float(k) - center + 0.5) * p.invscale); }

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint x = i % p.inner, r = i / p.inner;
    uint o = r % p.count + p.first, outer = r / p.count;
    float center = p.scale * (float(o) + 0.5);
    int lo = bound(center - p.support);
    int hi = min(bound(center + p.support), int(p.in_len));
    precise float total = 0.0;
    for (int k = lo; k < hi; k++)
        total += weight(k, center);
    float norm = total != 0.0 ? total : 1.0;
    uint base = (outer * p.in_rows + uint(lo) - p.in_first) * p.inner + x;
    // Summed in window order from the first tap, as PyTorch sums.
    precise float acc = 0.0;
    for (int k = lo; k < hi; k++) {
        float w = weight(k, center) / norm;
        float t = BufF32(p.src).v[base + uint(k - lo) * p.inner];
        acc = k == lo ? t * w : acc + t * w;
    }
    BufF32(p.dst).v[i] = acc;
}
