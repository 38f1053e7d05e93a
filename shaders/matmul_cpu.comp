#version 450
// out[M, N] = x[M, K] . w[N, K]^T (+ bias[N]), the nn.Linear product, for
// CPU devices (lavapipe).
//
// A CPU driver runs a workgroup's invocations as the SIMD lanes of one
// thread, so the GPU kernel's shared-memory staging is only extra copies and
// its barriers split the shader into pieces. Here a workgroup is one
// subgroup and each invocation owns a TM x TN block of out in registers. It
// reads its w rows straight from memory, 4 elements of K at a time; the x
// values every lane needs are loaded once across the lanes and traded by
// shuffles. The caches do what shared memory does on a GPU.
//
// W_VEC: w's rows start 16-byte (f32) or 8-byte (16-bit) aligned and
// K % 4 == 0, so 4 elements of a row are one vector load; otherwise they are
// read one by one (any view offset, any K). x is read one element a lane.
//
// Quantized w (WDT Q8_0 or Q4_0, K % 32 == 0) is expanded 4 elements at a
// time as it is read (quant.glsl); a block's scale is read with its first 4
// elements and kept for the other 28.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "common.glsl"
#include "quant.glsl"
#extension GL_EXT_control_flow_attributes : require

layout(local_size_x_id = 0) in;
const uint LANES = gl_WorkGroupSize.x;
layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint TN = 4;
layout(constant_id = 3) const uint XDT = DT_F32;
layout(constant_id = 4) const uint WDT = DT_F32;
layout(constant_id = 5) const uint BDT = DT_NONE;
layout(constant_id = 6) const bool W_VEC = false;

layout(buffer_reference, std430, buffer_reference_align = 8) buffer BufUVec2 { uvec2 v[]; };

layout(push_constant, std430) uniform Params {
    uvec2 x, w, bias, out_;
    uint M, N, K;
    uint x_off, w_off, b_off;  // element offsets from the addresses; bytes for quantized w
    uint blocks_n;             // column blocks of TN * LANES
} p;

// Elements [k, k + 4) of row r of a [rows, K] operand of dtype dt; elements
// at or past K read as 0.
vec4 load4(uvec2 addr, uint dt, bool vec, uint off, uint r, uint k)
{
    uint i = off + r * p.K + k;
    if (k >= p.K)
        return vec4(0.0);
    if (vec) {
        if (dt == DT_F32)
            return BufVec4(addr).v[i >> 2];
        uvec2 h = BufUVec2(addr).v[i >> 2];
        if (dt == DT_F16)
            return vec4(unpackHalf2x16(h.x), unpackHalf2x16(h.y));
        return vec4(bf16_to_f32(h.x & 0xffffu), bf16_to_f32(h.x >> 16), bf16_to_f32(h.y & 0xffffu),
                    bf16_to_f32(h.y >> 16));
    }
    vec4 v = vec4(0.0);
    [[unroll]] for (uint c = 0; c < 4; c++)
        if (k + c < p.K)
            v[c] = load_dt(addr, dt, i + c);
    return v;
}

// load4 for quantized w. Every K step visits a block's first 4 elements
// before the rest (k advances by 4 from 0), which is when d, the scale the
// caller keeps per row, is read.
vec4 load4_q(uint r, uint k, inout float d)
{
    if (k >= p.K)
        return vec4(0.0);
    uint b = q_block(WDT, p.w_off, p.K, r, k);
    if (k % QK == 0u)
        d = q_scale(p.w, b);
    return d * q_values4(p.w, WDT, b, k % QK);
}

void main()
{
    // The workgroup is one subgroup and picks TM rows; lane l takes columns
    // n0 + l + j * LANES, so the lanes' stores are contiguous.
    uint g = linear_group();
    uint bn = g % p.blocks_n, bm = g / p.blocks_n;
    uint lane = gl_SubgroupInvocationID;
    uint m0 = bm * TM, n0 = bn * (TN * LANES) + lane;
    if (m0 >= p.M)
        return;
    // Rows and columns past the edge repeat the last one: the loads stay
    // inside the tensors and the extra results are not stored.
    uint rows[TM], cols[TN];
    [[unroll]] for (uint i = 0; i < TM; i++)
        rows[i] = min(m0 + i, p.M - 1);
    [[unroll]] for (uint j = 0; j < TN; j++)
        cols[j] = min(n0 + j * LANES, p.N - 1);

    float acc[TM * TN];
    [[unroll]] for (uint i = 0; i < TM * TN; i++)
        acc[i] = 0.0;
    float xs[TM], ds[TN];
    [[unroll]] for (uint j = 0; j < TN; j++)
        ds[j] = 0.0;
    for (uint k0 = 0; k0 < p.K; k0 += LANES) {
        // Every lane needs the same x values: each loads one and they trade
        // them through the subgroup, LANES loads where there were LANES^2.
        [[unroll]] for (uint i = 0; i < TM; i++)
            xs[i] = k0 + lane < p.K ? load_dt(p.x, XDT, p.x_off + rows[i] * p.K + k0 + lane) : 0.0;
        [[unroll]] for (uint k = 0; k < LANES; k += 4) {
            vec4 b[TN];
            [[unroll]] for (uint j = 0; j < TN; j++)
                b[j] = is_quant(WDT) ? load4_q(cols[j], k0 + k, ds[j])
                                     : load4(p.w, WDT, W_VEC, p.w_off, cols[j], k0 + k);
            [[unroll]] for (uint i = 0; i < TM; i++) {
                vec4 a = vec4(subgroupShuffle(xs[i], k), subgroupShuffle(xs[i], k + 1),
                              subgroupShuffle(xs[i], k + 2), subgroupShuffle(xs[i], k + 3));
                [[unroll]] for (uint j = 0; j < TN; j++) {
                    float s = acc[i * TN + j];
                    s = fma(a.x, b[j].x, s);
                    s = fma(a.y, b[j].y, s);
                    s = fma(a.z, b[j].z, s);
                    acc[i * TN + j] = fma(a.w, b[j].w, s);
                }
            }
        }
    }

    [[unroll]] for (uint j = 0; j < TN; j++) {
        // no break: it would keep the loop, and acc with it, out of registers
        uint col = n0 + j * LANES;
        float bv = BDT == DT_NONE ? 0.0 : load_dt(p.bias, BDT, p.b_off + cols[j]);
        [[unroll]] for (uint i = 0; i < TM; i++) {
            uint row = m0 + i;
            if (row < p.M && col < p.N)
                BufF32(p.out_).v[row * p.N + col] = acc[i * TN + j] + bv;
        }
    }
}
