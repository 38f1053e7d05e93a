/* The product every Linear layer uses, with nn.Linear's layouts. */
#ifndef LAVIN_CORE_OPS_MATMUL_H
#define LAVIN_CORE_OPS_MATMUL_H

#include "core/tensor.h"

/* out = x . w^T + bias. x: [..., K] in f32 or f16, taken as M = nelem/K rows;
 * w: [N, K] in f32, f16 or bf16, or Q8_0 / Q4_0 (K % 32 == 0, 2-aligned,
 * expanded as it is read); bias: [N] in f32, f16 or bf16, or NULL; out: f32
 * [..., N] with M rows, not overlapping x, w or bias. Accumulates in f32. */
int lavin_op_matmul(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *w,
                    const lavin_tensor *bias, const lavin_tensor *out);

#endif
