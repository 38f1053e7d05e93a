// ggml's block-quantized weights (core/tensor.h), read in place: a [rows, K]
// tensor is rows * K/32 blocks in row-major order, Q8_0 blocks of 34 bytes
// { f16 d; int8 qs[32]; } and Q4_0 blocks of 18 bytes { f16 d; uint8 qs[16]; }
// with element j < 16 in the low nibble of qs[j] and j + 16 in its high one.
//
// Blocks of 34 and 18 bytes start on 2-byte, not always 4-byte, boundaries.
// Like the 16-bit dtypes they are read through 32-bit words: byte indices
// count from the word-aligned address the launcher passes, and off (0 or 2)
// is where the tensor's first block starts in its word. Every block then
// starts at an even byte, so its scale is one half of one word, and any 4
// bytes of it from an even byte are one word or the halves of two.
#ifndef LAVIN_QUANT_GLSL
#define LAVIN_QUANT_GLSL

const uint QK = 32;  // elements per block

bool is_quant(uint dt) { return dt == DT_Q8_0 || dt == DT_Q4_0; }

uint q_block_bytes(uint dt) { return dt == DT_Q8_0 ? 34u : 18u; }

// Byte index of the block that holds element k of row r.
uint q_block(uint dt, uint off, uint K, uint r, uint k)
{
    return off + (r * (K / QK) + k / QK) * q_block_bytes(dt);
}

// The scale d of the block at byte b.
float q_scale(uvec2 addr, uint b)
{
    uint w = BufU32(addr).v[b >> 2];
    return unpackHalf2x16((b & 2u) != 0u ? w >> 16 : w).x;
}

// Bytes [a, a + 4) for an even a, little-endian. Both words lie inside the
// block (the same word when a is 4-aligned), so nothing past the tensor is read.
uint q_bytes4(uvec2 addr, uint a)
{
    uint lo = BufU32(addr).v[a >> 2], hi = BufU32(addr).v[(a + 3u) >> 2];
    return (a & 2u) != 0u ? (lo >> 16) | (hi << 16) : lo;
}

// Elements [j, j + 4) of the block at byte b (j % 4 == 0) before scaling:
// the q of w = d * q, exact in f32.
vec4 q_values4(uvec2 addr, uint dt, uint b, uint j)
{
    if (dt == DT_Q8_0) {
        int v = int(q_bytes4(addr, b + 2u + j));
        return vec4(bitfieldExtract(v, 0, 8), bitfieldExtract(v, 8, 8), bitfieldExtract(v, 16, 8),
                    bitfieldExtract(v, 24, 8));
    }
    // elements 16..31 are the high nibbles of the bytes that hold 0..15
    uint v = q_bytes4(addr, b + 2u + (j & 15u)) >> ((j & 16u) >> 2);
    return vec4(uvec4(v, v >> 8, v >> 16, v >> 24) & 0xfu) - 8.0;
}

#endif
