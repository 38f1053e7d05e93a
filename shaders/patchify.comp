#version 450
// Patchify video [B, C, T, h*P, w*P] into tokens [B, T*h*w, P*P*C] (token
// order t, h, w; features (ph, pw, c), c fastest), or (UNPATCH) the inverse.
// One thread per output element: the writes are coalesced, the reads gather
// with stride T*H*W (patchify) or P*P*C (unpatchify), which caches absorb
// because neighbouring threads share patches.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const bool UNPATCH = false;

layout(push_constant, std430) uniform Params {
    uvec2 src, dst;
    uint n;           // elements
    uint C, T, h, w;  // latent channels, frames, patches along H and W
    uint P;
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    uint H = p.h * p.P, W = p.w * p.P;
    uint b, c, t, y, x;
    if (UNPATCH) {
        // i indexes the video [B, C, T, H, W]
        x = i % W;
        uint q = i / W;
        y = q % H;
        q /= H;
        t = q % p.T;
        q /= p.T;
        c = q % p.C;
        b = q / p.C;
    } else {
        // i indexes the tokens [B, T, h, w, P, P, C]
        c = i % p.C;
        uint q = i / p.C;
        uint pw = q % p.P;
        q /= p.P;
        uint ph = q % p.P;
        q /= p.P;
        uint ww = q % p.w;
        q /= p.w;
        uint hh = q % p.h;
        q /= p.h;
        t = q % p.T;
        b = q / p.T;
        y = hh * p.P + ph;
        x = ww * p.P + pw;
    }
    uint vid = (((b * p.C + c) * p.T + t) * H + y) * W + x;
    uint tok = (((((b * p.T + t) * p.h + y / p.P) * p.w + x / p.P) * p.P + y % p.P) * p.P + x % p.P) * p.C + c;
    if (UNPATCH)
        BufF32(p.dst).v[i] = BufF32(p.src).v[tok];
    else
        BufF32(p.dst).v[i] = BufF32(p.src).v[vid];
}
