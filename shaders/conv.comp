#version 450
// Convolutions of the ST-VAE as one implicit GEMM per frame, without an
// im2col buffer. x [B, Ci, T, H, W] and out [B, Co, T, Ho, Wo] are f32; the
// weights are [Co, Ci, KT, KS, KS] in any dtype. A workgroup owns BM output
// pixels of one frame times BN output channels; K runs over
// (input channel, distinct input frame, kh, kw).
//
// KT = 3 is the causal conv: output frame t reads frames max(t-2+kt, 0).
// Taps that land on the same frame (all three for t = 0, two for t = 1) are
// summed into one weight while staging, so frame 0 -- the whole of a T = 1
// input -- costs a third of the arithmetic. KT = 1 is a per-frame 2-D conv.
// Zero padding is PAD on the top/left; the bottom/right edge is whatever the
// output size makes reachable (1 for the pad-1 convs, 1 on the right/bottom
// only for the stride-2 downsampler), read as zero by the bounds check.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint BM = 64;      // output pixels per workgroup
layout(constant_id = 2) const uint BN = 64;      // output channels per workgroup
layout(constant_id = 3) const uint BK = 16;      // K slice staged per step
layout(constant_id = 4) const uint TM = 4;       // pixels per thread
layout(constant_id = 5) const uint TN = 4;       // channels per thread
layout(constant_id = 6) const uint KT = 3;
layout(constant_id = 7) const uint KS = 3;
layout(constant_id = 8) const uint STRIDE = 1;
layout(constant_id = 9) const uint PAD = 1;
layout(constant_id = 10) const uint WDT = 0;
layout(constant_id = 11) const uint BDT = 0;
layout(constant_id = 12) const bool HAS_BIAS = false;

// The host guarantees WG % BM == 0, that WG divides BK*BM and BK*BN, and
// that TM and TN are multiples of 4.
const uint WG = gl_WorkGroupSize.x;
const uint KK = KS * KS;
const uint A_PER = BK * BM / WG;
const uint B_PER = BK * BN / WG;
// A thread owns TM/4 groups of 4 adjacent pixels, MSTEP groups apart, and
// likewise TN/4 groups of 4 channels.
const uint MSTEP = BM / TM;
const uint NSTEP = BN / TN;

layout(push_constant, std430) uniform Params {
    uvec2 x, w, bias, out_;
    uint ci, co, t, h, w_, ho, wo;
} p;

// vec4 rows so that the inner loop reads four pixels or channels per load.
shared vec4 As[BK * BM / 4];  // [k][pixel]
shared vec4 Bs[BK * BN / 4];  // [k][channel]

float weight(uint i)
{
    return load_dt(p.w, WDT, i);
}

// The staging state of this invocation: the one pixel and channel column it
// loads (decoded once), and the K slice it holds in registers so that the
// global loads of the next slice overlap the arithmetic on this one.
uint b, t, taps, K, f0, xbase, am, ak, bk, bn, n0;
int ih0, iw0;
bool pix_ok;
float ra[A_PER], rb[B_PER];

// k / taps with taps = nf * KK, nf <= 3: spelt as divisions by constants, which
// compile to multiplies, where a division by a run-time value would not.
uint split_k(uint k, out uint rem)
{
    uint c = taps == KK ? k / KK : taps == 2 * KK ? k / (2 * KK) : k / (3 * KK);
    rem = k - c * taps;
    return c;
}

void load_slice(uint k0)
{
    uint hw = p.h * p.w_;
    for (uint r = 0; r < A_PER; r++) {
        uint k = k0 + ak + r * (WG / BM);
        float v = 0.0;
        if (pix_ok && k < K) {
            uint rem, c = split_k(k, rem);
            uint f = f0 + rem / KK, s = rem % KK;
            int ih = ih0 + int(s / KS), iw = iw0 + int(s % KS);
            if (ih >= 0 && ih < int(p.h) && iw >= 0 && iw < int(p.w_))
                v = BufF32(p.x).v[xbase + (c * p.t + f) * hw + uint(ih) * p.w_ + uint(iw)];
        }
        ra[r] = v;
    }
    uint nf = taps / KK;
    for (uint r = 0; r < B_PER; r++) {
        uint k = k0 + bk, n = n0 + bn + r * (WG / BK);
        float v = 0.0;
        if (n < p.co && k < K) {
            uint rem, c = split_k(k, rem);
            uint j = rem / KK, s = rem % KK;
            uint base = (n * p.ci + c) * KT * KK + s;
            // Input frame j collects taps kt_lo..kt_hi (several only where
            // the causal padding repeated frame 0).
            uint kt_hi = j + KT - nf, kt_lo = j == 0 ? 0 : kt_hi;
            for (uint kt = kt_lo; kt <= kt_hi; kt++)
                v += weight(base + kt * KK);
        }
        rb[r] = v;
    }
}

void main()
{
    uint lid = gl_LocalInvocationID.x;
    b = gl_WorkGroupID.z / p.t;
    t = gl_WorkGroupID.z % p.t;
    uint m0 = gl_WorkGroupID.x * BM;
    n0 = gl_WorkGroupID.y * BN;
    uint npix = p.ho * p.wo;

    uint nf = KT == 1 ? 1 : min(t, KT - 1) + 1;  // distinct input frames
    taps = nf * KK;                              // K per input channel
    K = p.ci * taps;
    f0 = t + 1 - nf;

    am = lid % BM;
    ak = lid / BM;
    uint pix = m0 + am;
    pix_ok = pix < npix;
    ih0 = int((pix / p.wo) * STRIDE) - int(PAD);
    iw0 = int((pix % p.wo) * STRIDE) - int(PAD);
    xbase = b * p.ci * p.t * p.h * p.w_;
    bk = lid % BK;
    bn = lid / BK;

    uint tx = lid % MSTEP, ty = lid / MSTEP;
    float acc[TM][TN];
    for (uint i = 0; i < TM; i++)
        for (uint j = 0; j < TN; j++)
            acc[i][j] = 0.0;

    load_slice(0);
    for (uint k0 = 0; k0 < K; k0 += BK) {
        barrier();
        for (uint r = 0; r < A_PER; r++) {
            uint i = (ak + r * (WG / BM)) * BM + am;
            As[i / 4][i % 4] = ra[r];
        }
        for (uint r = 0; r < B_PER; r++) {
            uint i = bk * BN + bn + r * (WG / BK);
            Bs[i / 4][i % 4] = rb[r];
        }
        barrier();
        if (k0 + BK < K)
            load_slice(k0 + BK);
        for (uint k = 0; k < BK; k++) {
            vec4 a[TM / 4], bv[TN / 4];
            for (uint i = 0; i < TM / 4; i++)
                a[i] = As[k * (BM / 4) + i * MSTEP + tx];
            for (uint j = 0; j < TN / 4; j++)
                bv[j] = Bs[k * (BN / 4) + j * NSTEP + ty];
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++)
                    acc[i][j] = fma(a[i / 4][i % 4], bv[j / 4][j % 4], acc[i][j]);
        }
    }

    for (uint j = 0; j < TN; j++) {
        uint n = n0 + ((j / 4) * NSTEP + ty) * 4 + j % 4;
        if (n >= p.co)
            continue;
        float bias = HAS_BIAS ? load_dt(p.bias, BDT, n) : 0.0;
        uint obase = ((b * p.co + n) * p.t + t) * npix;
        for (uint i = 0; i < TM; i++) {
            uint m = m0 + ((i / 4) * MSTEP + tx) * 4 + i % 4;
            if (m < npix)
                BufF32(p.out_).v[obase + m] = acc[i][j] + bias;
        }
    }
}
