#version 450
// Flash attention, bidirectional, f32: out = softmax(q k^T / sqrt(hd)) v.
// q, out: [B, L, H, hd]; k, v: [B, L, Hkv, hd]; query head h reads kv head
// h / (H / Hkv).
//
// A workgroup owns ROWS (token, head) rows: ROWS / gh consecutive tokens times
// gh query heads that share one kv head, so every K/V tile staged in shared
// memory serves all of them. A row is handled by TPR lanes of one subgroup,
// each holding a strided slice of the head dimension of q and of the output
// accumulator in registers; a lane handles RPT rows so that each value read
// from shared memory feeds RPT rows. The L x L score matrix never exists:
// scores live one BK-key tile at a time and the softmax is online (running
// max and sum, rescaling the accumulator when the max grows).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#ifdef LAVIN_SUBGROUP
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint HD = 64;   // head dim, a multiple of 4
layout(constant_id = 2) const uint TPR = 1;   // lanes per row, a power of two
layout(constant_id = 3) const uint RPT = 1;   // rows per lane
layout(constant_id = 4) const uint BK = 16;   // keys per tile

const uint D4 = HD / 4;
const uint NV = (D4 + TPR - 1) / TPR;         // vec4s of a row per lane
const uint SLOTS = gl_WorkGroupSize.x / TPR;  // rows handled at once
const uint ROWS = SLOTS * RPT;

layout(push_constant, std430) uniform Params {
    uvec2 q, k, v, out_;
    uint L, H, Hkv, group;
    uint gh;      // query heads per workgroup, dividing group and ROWS
    float scale;  // log2(e) / sqrt(hd): scores go through exp2
} p;

shared vec4 ks[BK * D4];
shared vec4 vs[BK * D4];

// A finite "minus infinity": exp2 of it minus anything finite is 0, and
// unlike -inf it cannot produce inf - inf.
const float NEG = -1.0e30;

void main()
{
#ifdef LAVIN_SUBGROUP
    // Rows map onto subgroups explicitly, so the shuffles below stay within
    // a row whatever order the device packs invocations into subgroups.
    uint lane = gl_SubgroupInvocationID % TPR;
    uint slot = gl_SubgroupID * (gl_SubgroupSize / TPR) + gl_SubgroupInvocationID / TPR;
#else
    uint lane = 0;
    uint slot = gl_LocalInvocationID.x;
#endif
    uint b = gl_WorkGroupID.z;
    uint head0 = gl_WorkGroupID.y * p.gh;
    uint kvh = head0 / p.group;
    uint tok0 = gl_WorkGroupID.x * (ROWS / p.gh);

    // vec4 index of each of this lane's rows in q and out, or ~0u when the
    // row lies past the last token (such lanes still join every barrier and
    // shuffle, on zero data).
    uint row_at[RPT];
    vec4 q[RPT][NV];
    vec4 o[RPT][NV];
    float m[RPT], l[RPT];
    for (uint r = 0; r < RPT; r++) {
        uint row = slot + r * SLOTS;
        uint tok = tok0 + row / p.gh;
        uint h = head0 + row % p.gh;
        row_at[r] = tok < p.L ? ((b * p.L + tok) * p.H + h) * D4 : ~0u;
        for (uint i = 0; i < NV; i++) {
            uint d = lane + i * TPR;
            q[r][i] = row_at[r] != ~0u && d < D4 ? BufVec4(p.q).v[row_at[r] + d] * p.scale : vec4(0.0);
            o[r][i] = vec4(0.0);
        }
        m[r] = NEG;
        l[r] = 0.0;
    }

    uint kv_stride = p.Hkv * D4;
    uint kv_base = (b * p.L * p.Hkv + kvh) * D4;
    for (uint k0 = 0; k0 < p.L; k0 += BK) {
        barrier();
        for (uint i = gl_LocalInvocationID.x; i < BK * D4; i += gl_WorkGroupSize.x) {
            uint key = k0 + i / D4;
            uint at = kv_base + key * kv_stride + i % D4;
            // Keys past the end read as zero: their weight is exactly 0, and
            // 0 * (garbage that might be NaN) would not be.
            ks[i] = key < p.L ? BufVec4(p.k).v[at] : vec4(0.0);
            vs[i] = key < p.L ? BufVec4(p.v).v[at] : vec4(0.0);
        }
        barrier();

        float s[RPT][BK];
        for (uint c = 0; c < BK; c++) {
            float part[RPT];
            for (uint r = 0; r < RPT; r++)
                part[r] = 0.0;
            for (uint i = 0; i < NV; i++) {
                uint d = lane + i * TPR;
                if (d < D4) {
                    vec4 kk = ks[c * D4 + d];
                    for (uint r = 0; r < RPT; r++)
                        part[r] += dot(q[r][i], kk);
                }
            }
#ifdef LAVIN_SUBGROUP
            for (uint off = TPR / 2; off > 0; off /= 2)
                for (uint r = 0; r < RPT; r++)
                    part[r] += subgroupShuffleXor(part[r], off);
#endif
            bool valid = k0 + c < p.L;
            for (uint r = 0; r < RPT; r++)
                s[r][c] = valid ? part[r] : NEG;
        }

        for (uint r = 0; r < RPT; r++) {
            float mt = m[r];
            for (uint c = 0; c < BK; c++)
                mt = max(mt, s[r][c]);
            float alpha = exp2(m[r] - mt);
            m[r] = mt;
            l[r] *= alpha;
            for (uint i = 0; i < NV; i++)
                o[r][i] *= alpha;
            for (uint c = 0; c < BK; c++) {
                s[r][c] = exp2(s[r][c] - mt);
                l[r] += s[r][c];
            }
        }
        for (uint c = 0; c < BK; c++)
            for (uint i = 0; i < NV; i++) {
                uint d = lane + i * TPR;
                if (d < D4) {
                    vec4 vv = vs[c * D4 + d];
                    for (uint r = 0; r < RPT; r++)
                        o[r][i] += s[r][c] * vv;
                }
            }
    }

    for (uint r = 0; r < RPT; r++) {
        if (row_at[r] == ~0u)
            continue;
        float inv = 1.0 / l[r];
        for (uint i = 0; i < NV; i++) {
            uint d = lane + i * TPR;
            if (d < D4)
                BufVec4(p.out_).v[row_at[r] + d] = o[r][i] * inv;
        }
    }
}
