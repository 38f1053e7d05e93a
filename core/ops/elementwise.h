/* Elementwise ops on f32 tensors. Output may alias the first input. Where
 * an op takes a per-row vector (b, scale, gate), it is either the same shape
 * as x or [outer, inner] broadcast over x viewed as [outer, mid, inner], e.g.
 * a [B, D] modulation over [B, N, D] tokens. A broadcast vector may be stored
 * as f32, f16 or bf16 (it is often a weight); everything else is f32. */
#ifndef LAVIN_CORE_OPS_ELEMENTWISE_H
#define LAVIN_CORE_OPS_ELEMENTWISE_H

#include "core/tensor.h"

int lavin_op_add(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out);
int lavin_op_mul(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out);
int lavin_op_scale(lavin_context *ctx, const lavin_tensor *a, float s, const lavin_tensor *out);
int lavin_op_silu(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *out);
/* silu(a) * b, a and b of the same shape. */
int lavin_op_swiglu(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out);
/* x * (1 + scale). */
int lavin_op_modulate(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *scale,
                      const lavin_tensor *out);
/* x + tanh(gate) * y, y the shape of x. */
int lavin_op_gated_add(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *gate,
                       const lavin_tensor *y, const lavin_tensor *out);

/* alpha * a + beta * b, a and b of the same shape: guidance and Euler steps. */
int lavin_op_axpby(lavin_context *ctx, float alpha, const lavin_tensor *a, float beta, const lavin_tensor *b,
                   const lavin_tensor *out);

/* a * scale + offset. */
int lavin_op_affine(lavin_context *ctx, const lavin_tensor *a, float scale, float offset, const lavin_tensor *out);

/* The posterior sample mean + exp(0.5 * clamp(logvar, -30, 20)) * noise,
 * all of one shape. */
int lavin_op_reparam(lavin_context *ctx, const lavin_tensor *mean, const lavin_tensor *logvar,
                     const lavin_tensor *noise, const lavin_tensor *out);

#endif
