#version 450
// The pixel-value conversions around the model, on f32 tensors holding
// uint8 values: torchvision's return to uint8 after resampling, the
// reference's scaling to [-1, 1], and the decoder output back to pixels.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = 0;

#define OP_ROUND 0u
#define OP_TO_UNIT 1u
#define OP_TO_PIXELS 2u

layout(push_constant, std430) uniform Params {
    uvec2 src, dst;
    uint n;
} p;

void main()
{
    uint i = linear_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    if (i >= p.n)
        return;
    float x = BufF32(p.src).v[i];
    precise float r;
    if (OP == OP_ROUND)
        r = roundEven(clamp(x, 0.0, 255.0));
    else if (OP == OP_TO_UNIT)
        r = (x / 255.0 - 0.5) * 2.0;
    else
        r = trunc(clamp(x * 0.5 + 0.5, 0.0, 1.0) * 255.0);
    BufF32(p.dst).v[i] = r;
}
