#version 450
// Flash attention for CPU devices (lavapipe), bidirectional, f32:
// out = softmax(q k^T / sqrt(hd)) v. q, out: [B, L, H, hd]; k, v:
// [B, L, Hkv, hd]; query head h reads kv head h / (H / Hkv).
//
// A CPU driver runs a workgroup's invocations as the SIMD lanes of one
// thread, so attention.comp's shared-memory tiles are only extra copies and
// its barriers split the shader into pieces. Here a workgroup serves one kv
// head, and its invocations take the rows (token, query head) that read it:
// every lane of a SIMD thread needs the same key and value at the same time,
// so K and V are read straight from memory, each element once per SIMD
// thread and broadcast to its lanes. With LAVIN_SUBGROUP the workgroup is
// one subgroup whose lanes load a key block's K and V together, a vec4 each
// in turn, and trade them by shuffles at indices known when compiling;
// without it every lane reads every element at the same address, which a
// driver that notices loads once. Each invocation holds RQ rows, and the
// keys come in blocks of BK: a score block s[RQ][BK] stays in registers
// while the head dimension streams past, q and the accumulators are touched
// once per block, and every K or V element read feeds RQ rows. The softmax
// is online (running max and sum, rescaling the accumulators when the max
// grows).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#extension GL_EXT_control_flow_attributes : require
#ifdef LAVIN_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint HD = 64;  // head dim, a multiple of 4
layout(constant_id = 2) const uint RQ = 2;   // rows per invocation
layout(constant_id = 3) const uint BK = 8;   // keys per block

const uint D4 = HD / 4;
#ifdef LAVIN_SUBGROUP
// A key block is BK * D4 vec4s of K (and of V), NL per lane.
const uint LANES = gl_WorkGroupSize.x;  // the subgroup size
const uint NL = (BK * D4 + LANES - 1) / LANES;

// Slice i of key c of the block held in regs across the subgroup.
vec4 block_vec4(vec4 regs[NL], uint c, uint i)
{
    uint f = c * D4 + i;
    return subgroupShuffle(regs[f / LANES], f % LANES);
}
#endif

layout(push_constant, std430) uniform Params {
    uvec2 q, k, v, out_;
    uint L, H, Hkv, group;
    float scale;  // log2(e) / sqrt(hd): scores go through exp2
} p;

// A finite "minus infinity": exp2 of it minus anything finite is 0, and
// unlike -inf it cannot produce inf - inf.
const float NEG = -1.0e30;

void main()
{
    uint b = gl_WorkGroupID.z, kvh = gl_WorkGroupID.y;
    // Rows of this kv head, in memory order: token t, then its group heads.
    uint nrows = p.L * p.group;
    uint row0 = gl_WorkGroupID.x * gl_WorkGroupSize.x * RQ + gl_LocalInvocationID.x;

    // vec4 index of each row in q and out, or ~0u past the last row (such
    // rows run on zeros and are not written).
    uint at[RQ];
    vec4 q[RQ][D4];
    vec4 o[RQ][D4];
    float m[RQ], l[RQ];
    [[unroll]] for (uint r = 0; r < RQ; r++) {
        uint row = row0 + r * gl_WorkGroupSize.x;
        uint tok = row / p.group, h = kvh * p.group + row % p.group;
        at[r] = row < nrows ? ((b * p.L + tok) * p.H + h) * D4 : ~0u;
        [[unroll]] for (uint i = 0; i < D4; i++) {
            q[r][i] = at[r] != ~0u ? BufVec4(p.q).v[at[r] + i] * p.scale : vec4(0.0);
            o[r][i] = vec4(0.0);
        }
        m[r] = NEG;
        l[r] = 0.0;
    }

    uint kv_stride = p.Hkv * D4;
    uint kv_base = (b * p.L * p.Hkv + kvh) * D4;
    for (uint k0 = 0; k0 < p.L; k0 += BK) {
        // Keys past the end read the last key again, with weight exactly 0.
#ifdef LAVIN_SUBGROUP
        vec4 kr[NL], vr[NL];
        [[unroll]] for (uint j = 0; j < NL; j++) {
            uint f = min(gl_SubgroupInvocationID + j * LANES, BK * D4 - 1u);
            uint at_f = kv_base + min(k0 + f / D4, p.L - 1u) * kv_stride + f % D4;
            kr[j] = BufVec4(p.k).v[at_f];
            vr[j] = BufVec4(p.v).v[at_f];
        }
#else
        uint kat[BK];
        [[unroll]] for (uint c = 0; c < BK; c++)
            kat[c] = kv_base + min(k0 + c, p.L - 1u) * kv_stride;
#endif

        float s[RQ][BK];
        [[unroll]] for (uint r = 0; r < RQ; r++)
            [[unroll]] for (uint c = 0; c < BK; c++)
                s[r][c] = 0.0;
        [[unroll]] for (uint i = 0; i < D4; i++)
            [[unroll]] for (uint c = 0; c < BK; c++) {
#ifdef LAVIN_SUBGROUP
                vec4 kk = block_vec4(kr, c, i);
#else
                vec4 kk = BufVec4(p.k).v[kat[c] + i];
#endif
                [[unroll]] for (uint r = 0; r < RQ; r++)
                    s[r][c] += dot(q[r][i], kk);
            }

        float alpha[RQ];
        [[unroll]] for (uint r = 0; r < RQ; r++) {
            float mt = m[r];
            [[unroll]] for (uint c = 0; c < BK; c++) {
                s[r][c] = k0 + c < p.L ? s[r][c] : NEG;
                mt = max(mt, s[r][c]);
            }
            alpha[r] = exp2(m[r] - mt);
            m[r] = mt;
            l[r] *= alpha[r];
            [[unroll]] for (uint c = 0; c < BK; c++) {
                s[r][c] = exp2(s[r][c] - mt);
                l[r] += s[r][c];
            }
        }
        [[unroll]] for (uint i = 0; i < D4; i++) {
            [[unroll]] for (uint r = 0; r < RQ; r++)
                o[r][i] *= alpha[r];
            [[unroll]] for (uint c = 0; c < BK; c++) {
#ifdef LAVIN_SUBGROUP
                vec4 vv = block_vec4(vr, c, i);
#else
                vec4 vv = BufVec4(p.v).v[kat[c] + i];
#endif
                [[unroll]] for (uint r = 0; r < RQ; r++)
                    o[r][i] += s[r][c] * vv;
            }
        }
    }

    [[unroll]] for (uint r = 0; r < RQ; r++) {
        if (at[r] == ~0u)
            continue;
        float inv = 1.0 / l[r];
        [[unroll]] for (uint i = 0; i < D4; i++)
            BufVec4(p.out_).v[at[r] + i] = o[r][i] * inv;
    }
}
