#version 450
// Flash attention on the matrix-tile layer (mma.glsl): the op of
// attention.comp, out = softmax(q k^T / sqrt(hd)) v, with q, k, v rounded to
// f16 as they are staged and both products, Q K^T and P V, on 16x16 tiles
// with f32 accumulation. q, out: [B, L, H, hd]; k, v: [B, L, Hkv, hd], f32;
// query head h reads kv head h / (H / Hkv).
//
// A workgroup owns 32 rows per warp, each row a (token, head): ROWS / gh
// tokens times gh query heads that share one kv head, so every K/V block
// staged in shared memory serves all of them. It walks the keys BC at a time:
//   stage K, V       f32 -> f16, keys past L and the head dim's padding to a
//                    multiple of 16 as zeros, so padded products add nothing
//   S = Q K^T        each warp its 32 rows x BC keys, stored as f32
//   online softmax   lane i of a warp owns row i of the warp's rows: it
//                    scales its scores, sets keys past L to "minus
//                    infinity", updates the running max and sum, and writes
//                    P = exp2(s - max) as f16 for the next product
//   O += P V         each warp its rows x the padded head dim, from zero,
//                    stored as f32; the row's lane folds it into the output
//                    row it holds in registers: o = o * exp2(old - new max) + pv
//                    (the layer cannot scale an accumulator's rows, so the
//                    output cannot stay in one across blocks)
// and at the end the lane writes o / sum. Q is staged once, f32 -> f16, with
// zeros past L and in the padding. Only rows of tokens below L are written.
// The L x L score matrix never exists.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require

layout(local_size_x_id = 0) in;               // 32 * warps
layout(constant_id = 1) const uint HD = 64;   // head dim, a multiple of 4
layout(constant_id = 2) const uint BC = 32;   // keys per block, a multiple of 16

const uint ROWS = gl_WorkGroupSize.x;         // one row per invocation
const uint D4 = HD / 4;
const uint HDP = (HD + 15) / 16 * 16;         // head dim padded to whole tiles
// Row strides in elements: multiples of 8 as the layer wants, and an odd
// number of 16-byte chunks for Q, K and V, so the 8 rows of a tile load fall
// in different shared-memory banks.
const uint DS = HDP + 8;                      // Q, K, V rows
const uint PS = BC + 8;                       // P rows
const uint RS = (BC > HDP ? BC : HDP) + 8;    // S and P V rows (f32)

// f16 operands: Q for the whole run, then K, whose space P reuses once S is
// computed, then V.
const uint Q_AT = 0;
const uint KP_AT = ROWS * DS;
const uint KP_SIZE = BC * DS > ROWS * PS ? BC * DS : ROWS * PS;
const uint V_AT = KP_AT + KP_SIZE;
shared float16_t operands[V_AT + BC * DS];
// f32 results: S, then the P V product, one row of stride RS per row.
shared float results[ROWS * RS];
#define MMA_OPERANDS operands
#define MMA_RESULTS results
#include "mma.glsl"

layout(push_constant, std430) uniform Params {
    uvec2 q, k, v, out_;
    uint L, H, Hkv, group;
    uint gh;      // query heads per workgroup, dividing group and ROWS
    float scale;  // log2(e) / sqrt(hd): scores go through exp2
} p;

// A finite "minus infinity": exp2 of it minus anything finite is 0, and
// unlike -inf it cannot produce inf - inf.
const float NEG = -1.0e30;

void store4(uint at, vec4 x)
{
    operands[at] = float16_t(x.x);
    operands[at + 1] = float16_t(x.y);
    operands[at + 2] = float16_t(x.z);
    operands[at + 3] = float16_t(x.w);
}

void main()
{
    const uint HP4 = HDP / 4;
    uint b = gl_WorkGroupID.z;
    uint head0 = gl_WorkGroupID.y * p.gh;
    uint kvh = head0 / p.group;
    uint tok0 = gl_WorkGroupID.x * (ROWS / p.gh);
    uint warp_row = mma_warp() * MMA_LANES;
    uint row = gl_LocalInvocationIndex;       // = warp_row + mma_lane()

    for (uint i = gl_LocalInvocationIndex; i < ROWS * HP4; i += ROWS) {
        uint r = i / HP4, c4 = i % HP4;
        uint tok = tok0 + r / p.gh, h = head0 + r % p.gh;
        vec4 x = vec4(0.0);
        if (tok < p.L && c4 < D4)
            x = BufVec4(p.q).v[((b * p.L + tok) * p.H + h) * D4 + c4];
        store4(Q_AT + r * DS + c4 * 4, x);
    }

    vec4 o[D4];
    for (uint i = 0; i < D4; i++)
        o[i] = vec4(0.0);
    float m = NEG, l = 0.0;

    uint kv_stride = p.Hkv * D4;
    uint kv_base = (b * p.L * p.Hkv + kvh) * D4;
    for (uint k0 = 0; k0 < p.L; k0 += BC) {
        // The previous block's last barrier (or none, for the first) leaves
        // K/P and V free: every warp is past its P V product.
        for (uint i = gl_LocalInvocationIndex; i < BC * HP4; i += ROWS) {
            uint key = i / HP4, c4 = i % HP4;
            // Keys past the end read as zero: their weight is exactly 0, and
            // 0 * (garbage that might be NaN) would not be.
            vec4 kx = vec4(0.0), vx = vec4(0.0);
            if (k0 + key < p.L && c4 < D4) {
                uint at = kv_base + (k0 + key) * kv_stride + c4;
                kx = BufVec4(p.k).v[at];
                vx = BufVec4(p.v).v[at];
            }
            store4(KP_AT + key * DS + c4 * 4, kx);
            store4(V_AT + key * DS + c4 * 4, vx);
        }
        barrier();

        // One 16x16 tile at a time, the warp's two row tiles in turn, so
        // that consecutive tiles share their K fragment. Two accumulators
        // live at once would save fragment loads, but make the emulation
        // take lavapipe 8 times longer to compile (25 s of CPU a pipeline).
        for (uint t = 0; t < 2 * BC / 16; t++) {
            uint r0 = warp_row + (t % 2) * 16, kt = t / 2;
            mma_acc acc;
            mma_zero(acc);
            for (uint dt = 0; dt < HDP / 16; dt++) {
                mma_a qa;
                mma_b kb;
                MMA_LOAD_A(qa, Q_AT + r0 * DS + dt * 16, DS);
                MMA_LOAD_B_COL(kb, KP_AT + kt * 16 * DS + dt * 16, DS);
                MMA_FMA(acc, qa, kb);
            }
            MMA_STORE(acc, r0 * RS + kt * 16, RS);
        }
        barrier();

        // P replaces K, which every warp has finished reading.
        float s[BC];
        float mt = m;
        for (uint c = 0; c < BC; c++) {
            s[c] = k0 + c < p.L ? results[row * RS + c] * p.scale : NEG;
            mt = max(mt, s[c]);
        }
        float alpha = exp2(m - mt);
        m = mt;
        // The sum takes the weights as rounded for the product, so the
        // output is an exact weighted mean of V's rows.
        float sum = 0.0;
        for (uint c = 0; c < BC; c++) {
            float16_t w = float16_t(exp2(s[c] - mt));
            operands[KP_AT + row * PS + c] = w;
            sum += float(w);
        }
        l = l * alpha + sum;
        barrier();

        for (uint t = 0; t < 2 * HDP / 16; t++) {
            uint r0 = warp_row + (t % 2) * 16, dt = t / 2;
            mma_acc acc;
            mma_zero(acc);
            for (uint kt = 0; kt < BC / 16; kt++) {
                mma_a pa;
                mma_b vb;
                MMA_LOAD_A(pa, KP_AT + r0 * PS + kt * 16, PS);
                MMA_LOAD_B_ROW(vb, V_AT + kt * 16 * DS + dt * 16, DS);
                MMA_FMA(acc, pa, vb);
            }
            MMA_STORE(acc, r0 * RS + dt * 16, RS);
        }
        barrier();

        // The next block's S is stored only after its staging barrier, by
        // which time every lane has read this product.
        for (uint i = 0; i < D4; i++) {
            uint at = row * RS + i * 4;
            o[i] = o[i] * alpha + vec4(results[at], results[at + 1], results[at + 2], results[at + 3]);
        }
    }

    uint tok = tok0 + row / p.gh;
    if (tok < p.L) {
        uint at = ((b * p.L + tok) * p.H + head0 + row % p.gh) * D4;
        float inv = 1.0 / l;
        for (uint i = 0; i < D4; i++)
            BufVec4(p.out_).v[at + i] = o[i] * inv;
    }
}
