#version 450
// out[M, N] = x[M, K] . w[N, K]^T (+ bias[N]), the nn.Linear product.
//
// Each workgroup computes a BM x BN tile of out, walking K in steps of BK:
// both operand tiles are staged in shared memory k-major (tile[k][row]) so
// the inner loop reads a row of x values and a row of w values per k, and
// each thread keeps a TM x TN block of f32 accumulators in registers. A
// thread's rows and columns are strided by the thread grid (ty + i*TY,
// tx + j*TX), so neighbouring threads read neighbouring shared words and
// write neighbouring output columns.
//
// 16-bit operands are read as 32-bit words. A row of a 16-bit [R, K] tensor
// starts at element off + row*K, which is odd for odd K or an odd view
// offset; such a row's BK elements span BK/2 + 1 words, so when ODD is set
// the loader reads one extra word per row and keeps only the halves that
// fall inside the tile.
//
// Quantized w (WDT Q8_0 or Q4_0, K % 32 == 0) is expanded to f32 as it is
// staged, 4 elements of one block at a time (quant.glsl); device memory only
// ever holds the blocks.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "quant.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;
layout(constant_id = 6) const uint XDT = DT_F32;
layout(constant_id = 7) const uint WDT = DT_F32;
layout(constant_id = 8) const uint BDT = DT_NONE;
layout(constant_id = 9) const bool X_ODD = false;
layout(constant_id = 10) const bool W_ODD = false;

const uint TX = BN / TN;
const uint TY = BM / TM;
const uint NTHREADS = TX * TY;
const uint XS = BM + 1;  // shared row strides, padded against bank conflicts
const uint WS = BN + 1;
const uint W_BASE = BK * XS;

layout(push_constant, std430) uniform Params {
    uvec2 x, w, bias, out_;
    uint M, N, K;
    uint x_off, w_off, b_off;  // element offsets from the word-aligned addresses; bytes for quantized w
    uint tiles_n;
} p;

shared float tile[BK * (XS + WS)];

// Stages rows [row0, row0 + ROWS) x columns [k0, k0 + BK) of a row-major
// [nrows, K] operand into tile[base + c*stride + r], zero outside the tensor.
void stage(uvec2 addr, uint dt, bool odd, uint off, uint nrows, uint row0, uint k0, uint ROWS,
           uint stride, uint base)
{
    uint tid = gl_LocalInvocationID.x;
    if (is_quant(dt)) {
        // BK and k0 are multiples of 4 and K of QK: a group of 4 columns
        // lies in one block and wholly inside or wholly past K.
        for (uint idx = tid; idx < ROWS * (BK / 4); idx += NTHREADS) {
            uint r = idx / (BK / 4), c = idx % (BK / 4) * 4;
            uint row = row0 + r, k = k0 + c;
            vec4 v = vec4(0.0);
            if (row < nrows && k < p.K) {
                uint b = q_block(dt, off, p.K, row, k);
                v = q_scale(addr, b) * q_values4(addr, dt, b, k % QK);
            }
            for (uint i = 0; i < 4; i++)
                tile[base + (c + i) * stride + r] = v[i];
        }
        return;
    }
    if (dt == DT_F32) {
        for (uint idx = tid; idx < ROWS * BK; idx += NTHREADS) {
            uint r = idx / BK, c = idx % BK;
            uint row = row0 + r, k = k0 + c;
            float v = 0.0;
            if (row < nrows && k < p.K)
                v = BufF32(addr).v[row * p.K + k];
            tile[base + c * stride + r] = v;
        }
        return;
    }
    uint WPR = BK / 2 + (odd ? 1u : 0u);
    for (uint idx = tid; idx < ROWS * WPR; idx += NTHREADS) {
        uint r = idx / WPR, j = idx % WPR;
        uint row = row0 + r;
        uint first = off + row * p.K + k0;  // element index of (row, k0)
        uint word = (first >> 1) + j;
        int c0 = int(2u * word - first);    // column of the word's low half: -1 .. BK
        vec2 v = vec2(0.0);
        bool lo_in = c0 >= 0 && c0 < int(BK), hi_in = c0 + 1 < int(BK);
        if (row < nrows && (lo_in || hi_in)) {
            uint k_lo = k0 + uint(max(c0, 0));  // first column of the pair inside the tile
            if (k_lo < p.K) {
                v = load2_16(addr, dt, word);
                if (k0 + uint(c0 + 1) >= p.K)
                    v.y = 0.0;
            }
        }
        if (lo_in)
            tile[base + uint(c0) * stride + r] = v.x;
        if (hi_in)
            tile[base + uint(c0 + 1) * stride + r] = v.y;
    }
}

void main()
{
    uint g = linear_group();
    uint tn = g % p.tiles_n, tm = g / p.tiles_n;
    uint m0 = tm * BM, n0 = tn * BN;
    if (m0 >= p.M)
        return;  // padding groups of a folded grid: the whole group leaves
    uint tid = gl_LocalInvocationID.x;
    uint tx = tid % TX, ty = tid / TX;

    float acc[TM * TN];
    for (uint i = 0; i < TM * TN; i++)
        acc[i] = 0.0;
    float a[TM], b[TN];

    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        stage(p.x, XDT, X_ODD, p.x_off, p.M, m0, k0, BM, XS, 0);
        stage(p.w, WDT, W_ODD, p.w_off, p.N, n0, k0, BN, WS, W_BASE);
        barrier();
        for (uint k = 0; k < BK; k++) {
            for (uint i = 0; i < TM; i++)
                a[i] = tile[k * XS + ty + i * TY];
            for (uint j = 0; j < TN; j++)
                b[j] = tile[W_BASE + k * WS + tx + j * TX];
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++)
                    acc[i * TN + j] = fma(a[i], b[j], acc[i * TN + j]);
        }
        barrier();
    }

    for (uint j = 0; j < TN; j++) {
        uint col = n0 + tx + j * TX;
        if (col >= p.N)
            continue;
        float bv = BDT == DT_NONE ? 0.0 : load_dt(p.bias, BDT, p.b_off + col);
        for (uint i = 0; i < TM; i++) {
            uint row = m0 + ty + i * TY;
            if (row < p.M)
                BufF32(p.out_).v[row * p.N + col] = acc[i * TN + j] + bv;
        }
    }
}
