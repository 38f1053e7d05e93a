// The matrix-tile layer under the 16-bit matmul and attention kernels: one
// warp of MMA_LANES invocations multiplies 16x16 f16 tiles held in shared
// memory and accumulates 16x16 f32 tiles, D = A . B + C, as tensor cores do.
// Three implementations of one interface, chosen at build time:
//   LAVIN_MMA_NV   GL_NV_cooperative_matrix  (Debian 12's glslang)
//   LAVIN_MMA_KHR  GL_KHR_cooperative_matrix (glslang 13 and later)
//   (neither)      an emulation in plain GLSL over the same shared memory,
//                  which lavapipe runs, so the op tests check every kernel's
//                  tiling, staging, edges and softmax on any device.
// A kernel stays the same across the three; only this layer differs.
//
// Before including, a kernel enables GL_EXT_shader_explicit_arithmetic_types_float16
// and declares:
//   shared float16_t MMA_OPERANDS[]  the A and B tiles, f16
//   shared float     MMA_RESULTS[]   where accumulators are stored, f32
// (as macros naming its arrays). Offsets and strides count elements of those
// arrays; both are multiples of 8, as cooperative-matrix loads and stores
// want 16-byte aligned rows.
//
// The interface:
//   mma_acc, mma_a, mma_b         accumulator, A operand, B operand
//   mma_zero(c)                   c = 0
//   MMA_LOAD_A(a, off, stride)    A(m, k) = MMA_OPERANDS[off + m*stride + k]
//   MMA_LOAD_B_ROW(b, off, stride) B(k, n) = MMA_OPERANDS[off + k*stride + n]
//   MMA_LOAD_B_COL(b, off, stride) B(k, n) = MMA_OPERANDS[off + n*stride + k]
//   MMA_FMA(c, a, b)              c += a . b, products and sums in f32
//   MMA_STORE(c, off, stride)     MMA_RESULTS[off + m*stride + n] = c(m, n)
//   mma_warp(), mma_lane()        this invocation's warp and lane in it
// Every call is made by all MMA_LANES lanes of a warp together. An operand is
// valid until the shared memory it was loaded from is written again. Results
// stored by one lane are read by another only after a barrier(), which all
// the workgroup's invocations reach (the emulation's warps may span several
// hardware subgroups, so a subgroup barrier is not enough).

#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require

const uint MMA_LANES = 32;
const uint MMA_TILE = 16;

uint mma_warp() { return gl_LocalInvocationIndex / MMA_LANES; }
uint mma_lane() { return gl_LocalInvocationIndex % MMA_LANES; }

#if defined(LAVIN_MMA_NV)

#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require

#define mma_acc fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define mma_a fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define mma_b fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define mma_zero(c) (c) = mma_acc(0.0)
#define MMA_LOAD_A(a, off, stride) coopMatLoadNV(a, MMA_OPERANDS, off, stride, false)
#define MMA_LOAD_B_ROW(b, off, stride) coopMatLoadNV(b, MMA_OPERANDS, off, stride, false)
#define MMA_LOAD_B_COL(b, off, stride) coopMatLoadNV(b, MMA_OPERANDS, off, stride, true)
#define MMA_FMA(c, a, b) (c) = coopMatMulAddNV(a, b, c)
#define MMA_STORE(c, off, stride) coopMatStoreNV(c, MMA_RESULTS, off, stride, false)

#elif defined(LAVIN_MMA_KHR)

#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require

#define mma_acc coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>
#define mma_a coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA>
#define mma_b coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseB>
#define mma_zero(c) (c) = mma_acc(0.0)
#define MMA_LOAD_A(a, off, stride) coopMatLoad(a, MMA_OPERANDS, off, stride, gl_CooperativeMatrixLayoutRowMajor)
#define MMA_LOAD_B_ROW(b, off, stride) coopMatLoad(b, MMA_OPERANDS, off, stride, gl_CooperativeMatrixLayoutRowMajor)
#define MMA_LOAD_B_COL(b, off, stride) coopMatLoad(b, MMA_OPERANDS, off, stride, gl_CooperativeMatrixLayoutColumnMajor)
#define MMA_FMA(c, a, b) (c) = coopMatMulAdd(a, b, c)
#define MMA_STORE(c, off, stride) coopMatStore(c, MMA_RESULTS, off, stride, gl_CooperativeMatrixLayoutRowMajor)

#else

// An operand is where its tile lies in MMA_OPERANDS: element (r, c) is at
// off + r*rs + c*cs. Each lane owns the accumulator elements lane + 32*i of
// the row-major 16x16 tile.
struct mma_frag {
    uint off, rs, cs;
};
const uint MMA_PER_LANE = MMA_TILE * MMA_TILE / MMA_LANES;
struct mma_acc {
    float v[MMA_PER_LANE];
};
#define mma_a mma_frag
#define mma_b mma_frag

void mma_zero(out mma_acc c)
{
    for (uint i = 0; i < MMA_PER_LANE; i++)
        c.v[i] = 0.0;
}

#define MMA_LOAD_A(a, off, stride) (a) = mma_frag(off, stride, 1u)
#define MMA_LOAD_B_ROW(b, off, stride) (b) = mma_frag(off, stride, 1u)
#define MMA_LOAD_B_COL(b, off, stride) (b) = mma_frag(off, 1u, stride)

// f16 x f16 products are exact in f32, so this sums the same products as a
// tensor core; only the order of the f32 additions may differ.
void mma_fma_emulated(inout mma_acc c, mma_frag a, mma_frag b)
{
    uint lane = mma_lane();
    for (uint i = 0; i < MMA_PER_LANE; i++) {
        uint e = lane + MMA_LANES * i, m = e / MMA_TILE, n = e % MMA_TILE;
        float s = c.v[i];
        for (uint k = 0; k < MMA_TILE; k++)
            s = fma(float(MMA_OPERANDS[a.off + m * a.rs + k * a.cs]),
                    float(MMA_OPERANDS[b.off + k * b.rs + n * b.cs]), s);
        c.v[i] = s;
    }
}
#define MMA_FMA(c, a, b) mma_fma_emulated(c, a, b)

void mma_store_emulated(mma_acc c, uint off, uint stride)
{
    uint lane = mma_lane();
    for (uint i = 0; i < MMA_PER_LANE; i++) {
        uint e = lane + MMA_LANES * i;
        MMA_RESULTS[off + (e / MMA_TILE) * stride + e % MMA_TILE] = c.v[i];
    }
}
#define MMA_STORE(c, off, stride) mma_store_emulated(c, off, stride)

#endif
