#version 450
// out[M, N] = x[M, K] . w[N, K]^T (+ bias[N]) in f16 on the matrix-tile
// layer (mma.glsl): operands rounded to f16 as they are staged, products
// summed in f32. The operand dtypes are matmul.comp's, and so are the push
// constants but for the last two: the bias dtype and the aligned-run flags
// vary at run time, since every pipeline costs lavapipe seconds of LLVM time
// (the emulated tile product), and a uniform branch costs a GPU nothing.
//
// A workgroup of WARPS warps computes a BM x BN tile of out, walking K in
// steps of BK; the warps form a WARPS_M x (WARPS / WARPS_M) grid, each a
// WM x WN sub-tile of TM x TN 16x16 accumulators. Both operands are staged
// k-contiguous as they lie in memory (x rows, w rows), so x gives the A
// tiles row-major and w the B tiles column-major; a staged row is BK + 8
// halves, which keeps the rows 16-byte aligned and puts the 8 rows that one
// 16-byte-per-row tile load reads in different banks.
//
// Staging is double-buffered with one barrier per k-step: each invocation
// reads its 8-element runs of the next k-step from global memory into
// registers before the warps multiply the current one, and writes them to
// the other buffer after.
//
// A run is 8 consecutive k of one row, read with 16-byte loads when the
// vec flags say that every run of that operand starts 16-byte aligned.
// Otherwise 16-bit runs are read as the 32-bit words they span (4, or 5 when
// the run starts at an odd element) and f32 runs element by element. Every
// element outside the tensor is zero, so any M, N, K and view offset work.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "quant.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 128;
layout(constant_id = 2) const uint BN = 128;
layout(constant_id = 3) const uint BK = 32;
layout(constant_id = 4) const uint WARPS_M = 2;
layout(constant_id = 5) const uint XDT = DT_F32;
layout(constant_id = 6) const uint WDT = DT_F16;

layout(push_constant, std430) uniform Params {
    uvec2 x, w, bias, out_;
    uint M, N, K;
    uint x_off, w_off, b_off;  // element offsets from the word-aligned addresses; bytes for quantized w
    uint tiles_n;
    uint bias_dt;  // DT_NONE: no bias
    uint vec;      // X_VEC | W_VEC
} p;

const uint X_VEC = 1, W_VEC = 2;

layout(buffer_reference, std430, buffer_reference_align = 16) buffer BufUVec4 { uvec4 v[]; };

const uint NT = gl_WorkGroupSize.x;
const uint WARPS = NT / 32;
const uint WARPS_N = WARPS / WARPS_M;
const uint WM = BM / WARPS_M, WN = BN / WARPS_N;
const uint TM = WM / 16, TN = WN / 16;
const uint RS = BK + 8;                 // staged row stride, halves
const uint A_SIZE = BM * RS, STAGE = (BM + BN) * RS;
const uint RUNS_PER_ROW = BK / 8;
const uint A_RUNS = BM * RUNS_PER_ROW, B_RUNS = BN * RUNS_PER_ROW;
const uint A_PER = (A_RUNS + NT - 1) / NT, B_PER = (B_RUNS + NT - 1) / NT;

shared float16_t operands[2 * STAGE];
shared float results[WARPS * 256];  // one 16x16 accumulator per warp
#define MMA_OPERANDS operands
#define MMA_RESULTS results
#include "mma.glsl"

// Loops over accumulators and runs are [[unroll]]: cooperative matrices,
// and the emulation's accumulators on lavapipe, stay in registers only when
// indexed by constants. (Kept as loops, they cost lavapipe more LLVM time
// than the unrolled copies of the emulated product; see matmul_mma.c.)

// The next k-step's runs, held between its global read and shared write.
uvec4 a_runs[A_PER], b_runs[B_PER];

// Halves 2j and 2j+1 of a run kept where they are among the run's first n.
uvec4 keep_first(uvec4 h, uint n)
{
    uvec4 j2 = uvec4(0, 2, 4, 6);
    uvec4 lo = mix(uvec4(0), uvec4(0xffffu), lessThan(j2, uvec4(n)));
    uvec4 hi = mix(uvec4(0), uvec4(0xffff0000u), lessThan(j2 + 1u, uvec4(n)));
    return h & (lo | hi);
}

uint bf16x2_to_f16x2(uint h)
{
    return packHalf2x16(vec2(uintBitsToFloat(h << 16), uintBitsToFloat(h & 0xffff0000u)));
}

// Elements k .. k+7 of row `row` of a row-major [rows, K] 16-bit tensor, as
// raw halves in pairs; zero past K and for rows past the tensor.
uvec4 fetch16(uvec2 addr, bool vec, uint off, uint rows, uint row, uint k)
{
    if (row >= rows || k >= p.K)
        return uvec4(0);
    uint first = off + row * p.K + k;
    if (vec)
        return BufUVec4(addr).v[first / 8];
    uint n = min(p.K - k, 8u);
    uint w0 = first >> 1, wl = (first + n - 1) >> 1;  // the words holding the run's elements
    uint wd[5];
    for (uint j = 0; j < 5; j++)
        wd[j] = w0 + j <= wl ? BufU32(addr).v[w0 + j] : 0u;
    if ((first & 1u) != 0u)
        for (uint j = 0; j < 4; j++)
            wd[j] = (wd[j] >> 16) | (wd[j + 1] << 16);
    return keep_first(uvec4(wd[0], wd[1], wd[2], wd[3]), n);
}

// The same of an f32 tensor, rounded to f16 pairs.
uvec4 fetch32(uvec2 addr, bool vec, uint rows, uint row, uint k)
{
    if (row >= rows || k >= p.K)
        return uvec4(0);
    uint i = row * p.K + k;
    vec4 lo, hi;
    if (vec) {  // K is a multiple of 4, not always of 8: the run's second half may lie past K
        lo = BufVec4(addr).v[i / 4];
        hi = k + 4 < p.K ? BufVec4(addr).v[i / 4 + 1] : vec4(0.0);
    } else {
        float v[8];
        for (uint j = 0; j < 8; j++)
            v[j] = k + j < p.K ? BufF32(addr).v[i + j] : 0.0;
        lo = vec4(v[0], v[1], v[2], v[3]);
        hi = vec4(v[4], v[5], v[6], v[7]);
    }
    return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
}

// A run of x as f16.
uvec4 fetch_x(uint row, uint k)
{
    bool vec = (p.vec & X_VEC) != 0u;
    return XDT == DT_F32 ? fetch32(p.x, vec, p.M, row, k) : fetch16(p.x, vec, p.x_off, p.M, row, k);
}

// A run of w as f16: the one place weights are read and converted, where
// other weight dtypes would be unpacked.
uvec4 fetch_w(uint row, uint k)
{
    bool vec = (p.vec & W_VEC) != 0u;
    if (is_quant(WDT)) {
        // K is whole blocks, so a run of 8 lies in one block; d * q rounds
        // to f16 as every weight of this kernel does.
        if (row >= p.N || k >= p.K)
            return uvec4(0);
        uint b = q_block(WDT, p.w_off, p.K, row, k);
        float d = q_scale(p.w, b);
        vec4 lo = d * q_values4(p.w, WDT, b, k % QK), hi = d * q_values4(p.w, WDT, b, k % QK + 4u);
        return uvec4(packHalf2x16(lo.xy), packHalf2x16(lo.zw), packHalf2x16(hi.xy), packHalf2x16(hi.zw));
    }
    if (WDT == DT_F32)
        return fetch32(p.w, vec, p.N, row, k);
    uvec4 h = fetch16(p.w, vec, p.w_off, p.N, row, k);
    if (WDT == DT_BF16)
        h = uvec4(bf16x2_to_f16x2(h.x), bf16x2_to_f16x2(h.y), bf16x2_to_f16x2(h.z), bf16x2_to_f16x2(h.w));
    return h;
}

void fetch(uint m0, uint n0, uint k0)
{
    uint tid = gl_LocalInvocationIndex;
    [[unroll]] for (uint i = 0; i < A_PER; i++) {
        uint r = tid + i * NT;
        if (A_RUNS % NT == 0 || r < A_RUNS)
            a_runs[i] = fetch_x(m0 + r / RUNS_PER_ROW, k0 + (r % RUNS_PER_ROW) * 8);
    }
    [[unroll]] for (uint i = 0; i < B_PER; i++) {
        uint r = tid + i * NT;
        if (B_RUNS % NT == 0 || r < B_RUNS)
            b_runs[i] = fetch_w(n0 + r / RUNS_PER_ROW, k0 + (r % RUNS_PER_ROW) * 8);
    }
}

void put_run(uint at, uvec4 h)
{
    f16vec2 v0 = unpackFloat2x16(h.x), v1 = unpackFloat2x16(h.y);
    f16vec2 v2 = unpackFloat2x16(h.z), v3 = unpackFloat2x16(h.w);
    operands[at] = v0.x;
    operands[at + 1] = v0.y;
    operands[at + 2] = v1.x;
    operands[at + 3] = v1.y;
    operands[at + 4] = v2.x;
    operands[at + 5] = v2.y;
    operands[at + 6] = v3.x;
    operands[at + 7] = v3.y;
}

void put(uint stage)
{
    uint tid = gl_LocalInvocationIndex, base = stage * STAGE;
    [[unroll]] for (uint i = 0; i < A_PER; i++) {
        uint r = tid + i * NT;
        if (A_RUNS % NT == 0 || r < A_RUNS)
            put_run(base + (r / RUNS_PER_ROW) * RS + (r % RUNS_PER_ROW) * 8, a_runs[i]);
    }
    [[unroll]] for (uint i = 0; i < B_PER; i++) {
        uint r = tid + i * NT;
        if (B_RUNS % NT == 0 || r < B_RUNS)
            put_run(base + A_SIZE + (r / RUNS_PER_ROW) * RS + (r % RUNS_PER_ROW) * 8, b_runs[i]);
    }
}

void main()
{
    uint g = linear_group();
    uint tn = g % p.tiles_n, tm = g / p.tiles_n;
    uint m0 = tm * BM, n0 = tn * BN;
    if (m0 >= p.M)
        return;  // padding groups of a folded grid: the whole group leaves
    uint warp = mma_warp(), wm = warp % WARPS_M, wn = warp / WARPS_M;

    mma_acc acc[TM * TN];
    [[unroll]] for (uint i = 0; i < TM * TN; i++)
        mma_zero(acc[i]);
    mma_a a[TM];
    mma_b b[TN];

    uint steps = (p.K + BK - 1) / BK;
    fetch(m0, n0, 0);
    put(0);
    barrier();
    for (uint s = 0; s < steps; s++) {
        uint stage = s & 1u;
        bool more = s + 1 < steps;
        if (more)
            fetch(m0, n0, (s + 1) * BK);
        uint a0 = stage * STAGE + wm * WM * RS, b0 = stage * STAGE + A_SIZE + wn * WN * RS;
        [[unroll]] for (uint kk = 0; kk < BK; kk += 16) {
            [[unroll]] for (uint i = 0; i < TM; i++)
                MMA_LOAD_A(a[i], a0 + i * 16 * RS + kk, RS);
            [[unroll]] for (uint j = 0; j < TN; j++)
                MMA_LOAD_B_COL(b[j], b0 + j * 16 * RS + kk, RS);
            [[unroll]] for (uint i = 0; i < TM; i++)
                [[unroll]] for (uint j = 0; j < TN; j++)
                    MMA_FMA(acc[i * TN + j], a[i], b[j]);
        }
        // The other buffer was last read in step s - 1, before the barrier
        // that ended it, so it can be written while others still read this one.
        if (more) {
            put(stage ^ 1u);
            barrier();
        }
    }

    // Each accumulator goes through the warp's 16x16 slice of results, so
    // that bias and bounds apply per element.
    uint lane = mma_lane(), slice = warp * 256;
    [[unroll]] for (uint i = 0; i < TM; i++)
        [[unroll]] for (uint j = 0; j < TN; j++) {
            MMA_STORE(acc[i * TN + j], slice, 16);
            barrier();
            uint row0 = m0 + wm * WM + i * 16, col0 = n0 + wn * WN + j * 16;
            for (uint e = lane; e < 256; e += 32) {
                uint row = row0 + e / 16, col = col0 + e % 16;
                if (row < p.M && col < p.N) {
                    float bv = p.bias_dt == DT_NONE ? 0.0 : load_dt(p.bias, p.bias_dt, p.b_off + col);
                    BufF32(p.out_).v[row * p.N + col] = results[slice + e] + bv;
                }
            }
            barrier();
        }
}
