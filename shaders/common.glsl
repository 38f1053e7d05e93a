// Shared declarations for every lavin compute shader.
//
// Memory is reached through buffer device addresses passed in push constants
// as uvec2 (low, high words), so no descriptor sets exist and no tensor is
// limited by maxStorageBufferRange. 16-bit data (f16, bf16) is read as 32-bit
// words and unpacked, which needs no 16-bit storage feature: every device that
// runs lavin can run every shader.
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_buffer_reference_uvec2 : require
#extension GL_EXT_scalar_block_layout : require

layout(buffer_reference, std430, buffer_reference_align = 4) buffer BufF32 { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer BufU32 { uint v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) buffer BufVec4 { vec4 v[]; };

#define DT_F32 0u
#define DT_F16 1u
#define DT_BF16 2u
#define DT_Q8_0 3u  // lavin_dtype's ggml blocks (core/tensor.h), read by the matmuls only
#define DT_Q4_0 4u
#define DT_NONE 255u  // an absent operand, e.g. no bias

float bf16_to_f32(uint bits16) { return uintBitsToFloat(bits16 << 16); }

// Element i of a tensor of dtype dt.
float load_dt(uvec2 addr, uint dt, uint i)
{
    if (dt == DT_F32)
        return BufF32(addr).v[i];
    uint w = BufU32(addr).v[i >> 1];
    uint h = (i & 1u) != 0u ? (w >> 16) : (w & 0xffffu);
    return dt == DT_F16 ? unpackHalf2x16(h).x : bf16_to_f32(h);
}

// Elements 2i and 2i+1 of a 16-bit tensor, from one 32-bit word.
vec2 load2_16(uvec2 addr, uint dt, uint i)
{
    uint w = BufU32(addr).v[i];
    if (dt == DT_F16)
        return unpackHalf2x16(w);
    return vec2(bf16_to_f32(w & 0xffffu), bf16_to_f32(w >> 16));
}

// The workgroup's linear index when a 1-D launch was folded into x*y groups.
uint linear_group() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }
