#version 450
// Nearest-neighbour resize of [planes, Ti, Hi, Wi] to [planes, To, Ho, Wo]
// with PyTorch's legacy rule src = min(floor(float(dst) * scale), in - 1),
// scale = float(in) / float(out) computed on the host (GLSL division is not
// correctly rounded; the product is). With SPLIT_FIRST, frame 0 maps to frame
// 0 and frames 1.. are resized among themselves, scale_t covering those.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(push_constant, std430) uniform Params {
    uvec2 src, dst;
    uint n;
    uint Ti, Hi, Wi, To, Ho, Wo;
    float st, sh, sw;
    uint split_first;
} p;

uint nearest(uint dst, uint len_in, float scale)
{
    precise float s = float(dst) * scale;
    return min(uint(floor(s)), len_in - 1u);
}

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint xo = i % p.Wo;
    uint q = i / p.Wo;
    uint yo = q % p.Ho;
    q /= p.Ho;
    uint to = q % p.To;
    uint plane = q / p.To;
    uint ti;
    if (p.split_first != 0u)
        ti = to == 0u ? 0u : 1u + nearest(to - 1u, p.Ti - 1u, p.st);
    else
        ti = nearest(to, p.Ti, p.st);
    uint yi = nearest(yo, p.Hi, p.sh), xi = nearest(xo, p.Wi, p.sw);
    BufF32(p.dst).v[i] = BufF32(p.src).v[((plane * p.Ti + ti) * p.Hi + yi) * p.Wi + xi];
}
