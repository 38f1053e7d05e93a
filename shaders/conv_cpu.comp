#version 450
// The convolutions of conv.comp for CPU devices (lavapipe), same layouts and
// padding: x [B, Ci, T, H, W] and out [B, Co, T, Ho, Wo] f32, weights
// [Co, Ci, KT, KS, KS] in any dtype.
//
// A CPU driver runs a workgroup's invocations as the SIMD lanes of one
// thread, and lavapipe (Mesa 25) makes every load in a loop a gather, one
// element per lane, even where all lanes read the same address. Gathers,
// not arithmetic, bound a naive kernel. So each invocation keeps a block of
// CB output channels x PY rows x PX columns of output pixels in registers,
// and per input channel it
//   - gathers the block's CB x KS x KS weights once, each lane a different
//     one, and passes them round the subgroup with shuffles: one gather
//     brings SG weights, and each weight feeds PY x PX multiply-adds;
//   - gathers each input row under the block once, each value feeding up to
//     CB x KS x KS multiply-adds.
// Only unrolled loops index acc, wv and xs, so they become plain values: an
// index left to a loop would keep an array in memory, and lavapipe masks
// every store to it inside the channel loop.
//
// One dispatch covers output frames with the same number NF of distinct
// input frames: with KT = 3 frame 0 reads frame 0 three times (NF = 1),
// frame 1 reads frames 0, 0, 1 (NF = 2), later frames three frames (NF = 3).
// Taps that land on the same input frame are summed as the weights are read,
// so frame 0 -- the whole of a T = 1 input -- costs a third of the
// arithmetic. KT = 1 is a per-frame 2-D conv. Zero padding is PAD on the
// top/left; the bottom/right edge is whatever the output size reaches.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint CB = 8;  // output channels per invocation
layout(constant_id = 2) const uint PY = 4;  // output rows per invocation
layout(constant_id = 3) const uint PX = 4;  // output columns per invocation
layout(constant_id = 4) const uint KT = 3;
layout(constant_id = 5) const uint KS = 3;
layout(constant_id = 6) const uint STRIDE = 1;
layout(constant_id = 7) const uint PAD = 1;
layout(constant_id = 8) const uint NF = 1;
layout(constant_id = 9) const uint WDT = 0;
layout(constant_id = 10) const uint BDT = 0;
layout(constant_id = 11) const bool HAS_BIAS = false;
layout(constant_id = 12) const uint SG = 8;  // lanes sharing weights, at most a subgroup

const uint KK = KS * KS;
const uint RSPAN = (PY - 1) * STRIDE + KS;  // input rows the block reads
const uint SPAN = (PX - 1) * STRIDE + KS;   // input columns the block reads
const uint NW = CB * KK;                    // weights per input channel and frame

layout(push_constant, std430) uniform Params {
    uvec2 x, w, bias, out_;
    uint ci, co, t, h, w_, ho, wo;
    uint t0, nt;  // the output frames t0 .. t0 + nt - 1 of every batch
    uint runs;    // blocks of PX columns per output row
} p;

// Weight wi, a tap of input frame f0 + j: the frame takes tap j + KT - NF,
// and frame f0 also the taps before it.
float folded(uint wi, uint j)
{
    float v = load_dt(p.w, WDT, wi);
    if (j == 0 && KT - NF >= 1)
        v += load_dt(p.w, WDT, wi - KK);
    if (j == 0 && KT - NF >= 2)
        v += load_dt(p.w, WDT, wi - 2 * KK);
    return v;
}

void main()
{
    // Workgroups along x take the channel blocks of one stretch of pixels,
    // so the input rows they share are still in the cache.
    uint g = gl_WorkGroupID.y * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    // Invocations past the last row block redo it and store nothing: every
    // lane of a subgroup takes part in passing the weights round.
    uint rows = (p.ho + PY - 1) / PY;
    bool live = g / p.runs < rows;
    uint oh0 = min(g / p.runs, rows - 1) * PY, ow0 = (g % p.runs) * PX;
    uint b = gl_WorkGroupID.z / p.nt, t = p.t0 + gl_WorkGroupID.z % p.nt;
    uint co0 = gl_WorkGroupID.x * CB;
    uint hw = p.h * p.w_;

    // Rows and columns outside the frame are read clamped, then zeroed:
    // every load stays inside x and none needs a branch.
    int ih0 = int(oh0 * STRIDE) - int(PAD), iw0 = int(ow0 * STRIDE) - int(PAD);
    uint roff[RSPAN], coff[SPAN];
    bool rok[RSPAN], cok[SPAN];
    [[unroll]] for (uint r = 0; r < RSPAN; r++) {
        int ih = ih0 + int(r);
        rok[r] = ih >= 0 && ih < int(p.h);
        roff[r] = uint(clamp(ih, 0, int(p.h) - 1)) * p.w_;
    }
    [[unroll]] for (uint i = 0; i < SPAN; i++) {
        int iw = iw0 + int(i);
        cok[i] = iw >= 0 && iw < int(p.w_);
        coff[i] = uint(clamp(iw, 0, int(p.w_) - 1));
    }

    // Lane `lane` gathers weights n = q * SG + lane of the block; channels
    // past Co repeat the last one, and their sums are not stored.
    uint lane = gl_SubgroupInvocationID % SG;
    uint wrow[(NW + SG - 1) / SG];
    [[unroll]] for (uint q = 0; q < (NW + SG - 1) / SG; q++) {
        uint n = min(q * SG + lane, NW - 1);
        wrow[q] = min(co0 + n / KK, p.co - 1) * p.ci * KT * KK + n % KK;
    }

    float acc[CB * PY * PX];
    [[unroll]] for (uint i = 0; i < CB * PY * PX; i++)
        acc[i] = 0.0;

    uint f0 = t + 1 - NF;
    uint xc = (b * p.ci * p.t + f0) * hw;
    for (uint c = 0; c < p.ci; c++, xc += p.t * hw) {
        [[unroll]] for (uint j = 0; j < NF; j++) {
            // wv[o * KK + s]: tap s of channel co0 + o for this channel and
            // input frame.
            float wv[NW];
            [[unroll]] for (uint q = 0; q < (NW + SG - 1) / SG; q++) {
                float v = folded(wrow[q] + (c * KT + j + KT - NF) * KK, j);
                [[unroll]] for (uint k = 0; k < SG; k++)
                    if (q * SG + k < NW)
                        wv[q * SG + k] = subgroupShuffle(v, k);
            }
            [[unroll]] for (uint r = 0; r < RSPAN; r++) {
                float xs[SPAN];
                [[unroll]] for (uint i = 0; i < SPAN; i++) {
                    float v = BufF32(p.x).v[xc + j * hw + roff[r] + coff[i]];
                    xs[i] = rok[r] && cok[i] ? v : 0.0;
                }
                // Input row r is tap kh of output row py. No break or
                // continue here: they would keep the loop from unrolling.
                [[unroll]] for (uint py = 0; py < PY; py++) {
                    int kh = int(r) - int(py * STRIDE);
                    if (kh >= 0 && kh < int(KS)) {
                        [[unroll]] for (uint o = 0; o < CB; o++)
                            [[unroll]] for (uint kw = 0; kw < KS; kw++)
                                [[unroll]] for (uint px = 0; px < PX; px++) {
                                    uint a = (o * PY + py) * PX + px;
                                    acc[a] = fma(wv[o * KK + uint(kh) * KS + kw], xs[px * STRIDE + kw], acc[a]);
                                }
                    }
                }
            }
        }
    }

    uint npix = p.ho * p.wo;
    [[unroll]] for (uint o = 0; o < CB; o++) {
        uint n = co0 + o;
        float bias = HAS_BIAS ? load_dt(p.bias, BDT, min(n, p.co - 1)) : 0.0;
        uint obase = ((b * p.co + n) * p.t + t) * npix;
        [[unroll]] for (uint py = 0; py < PY; py++)
            [[unroll]] for (uint px = 0; px < PX; px++)
                if (live && n < p.co && oh0 + py < p.ho && ow0 + px < p.wo)
                    BufF32(p.out_).v[obase + (oh0 + py) * p.wo + ow0 + px] = acc[(o * PY + py) * PX + px] + bias;
    }
}
