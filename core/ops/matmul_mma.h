/* The f16 matmul on the matrix-tile layer (shaders/matmul_mma.comp), which
 * lavin_op_matmul runs when the context's precision is f16. */
#ifndef LAVIN_CORE_OPS_MATMUL_MMA_H
#define LAVIN_CORE_OPS_MATMUL_MMA_H

#include "core/stream.h"

/* Whether lavin_op_matmul takes an M-row product to the matrix-tile layer:
 * ctx->mma names a layer this build compiled the kernel for, the device has
 * f16 arithmetic and room for a tile config, and M is above 16. Weights of
 * any dtype: Q8_0 and Q4_0 blocks are dequantized to f16 as they are staged.
 * Up to 16 rows (the timestep and modulation GEMVs) stay on the f32 kernel,
 * exact to f32: such a product is bound by reading the weight, which either
 * kernel reads once, so tensor cores would not shorten it, and its rows
 * would fill at most a quarter of the smallest (64-row) tile. */
int lavin_matmul_mma_suits(const lavin_context *ctx, int64_t M);

/* Records d (op name, tensors, flops and bytes filled in) as out = x . w^T +
 * bias on the matrix-tile layer, for operands lavin_op_matmul has checked
 * and lavin_matmul_mma_suits accepted; M x N x K as lavin_op_matmul computed
 * them. */
int lavin_matmul_mma(lavin_context *ctx, lavin_dispatch *d, const lavin_tensor *x, const lavin_tensor *w,
                     const lavin_tensor *bias, const lavin_tensor *out, uint32_t M, uint32_t N, uint32_t K);

#endif
