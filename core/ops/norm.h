/* Normalisation ops on f32 activations; weights and biases may be f32, f16
 * or bf16, all arithmetic is f32. Outputs are f32 and may alias the input.
 *
 * Row norms work over the last dimension of x [..., D], any D >= 1. Where an
 * op takes a per-row vector (scale, gate), it is either the shape of x or
 * [outer, D] broadcast over x viewed as [outer, mid, D], as in
 * ops/elementwise.h (a [B, D] modulation over [B, N, D] tokens). */
#ifndef LAVIN_CORE_OPS_NORM_H
#define LAVIN_CORE_OPS_NORM_H

#include "core/tensor.h"

/* (x - mean) / sqrt(var + eps) * weight + bias; weight and bias [D]. */
int lavin_op_layernorm(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight,
                       const lavin_tensor *bias, float eps, const lavin_tensor *out);

/* x / sqrt(mean(x^2) + eps) * weight; weight [D] or NULL for none. */
int lavin_op_rmsnorm(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight, float eps,
                     const lavin_tensor *out);

/* (1 + scale) * RMS(x), RMS without weight. */
int lavin_op_rmsnorm_modulate(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *scale, float eps,
                              const lavin_tensor *out);

/* s + tanh(gate) * RMS(y), RMS without weight; y and out the shape of s. */
int lavin_op_rmsnorm_gated_add(lavin_context *ctx, const lavin_tensor *s, const lavin_tensor *gate,
                               const lavin_tensor *y, float eps, const lavin_tensor *out);

/* GroupNorm of x [B, C, ...] (a video tensor is [B, C, T, H, W]): groups
 * divides C, and each group's statistics run over its C/groups channels and
 * all the trailing dimensions together. Then * weight[c] + bias[c] (each
 * [C] or NULL), then SiLU when silu is non-zero.
 *
 * A group can hold millions of elements, so the statistics take a parallel
 * reduction over many workgroups that keeps partial results in scratch: an
 * f32 tensor of at least lavin_groupnorm_scratch_elems(x, groups) elements,
 * which the caller owns so that launching never waits for the device (a
 * launcher cannot free memory that recorded work still uses without a sync).
 * With scratch NULL the launcher allocates it, submits and waits, and frees
 * it: convenient, but it ends the batch of recorded work. */
int64_t lavin_groupnorm_scratch_elems(const lavin_tensor *x, int groups);

int lavin_op_groupnorm(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight,
                       const lavin_tensor *bias, int groups, float eps, int silu, const lavin_tensor *scratch,
                       const lavin_tensor *out);

/* SpatialNorm: GroupNorm(x) with its own affine as lavin_op_groupnorm
 * (weight, bias [C] or NULL), then * zy + zb, then SiLU when silu; zy and
 * zb f32 of x's shape. Scratch as for lavin_op_groupnorm. */
int lavin_op_groupnorm_spatial(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *weight,
                               const lavin_tensor *bias, const lavin_tensor *zy, const lavin_tensor *zb, int groups,
                               float eps, int silu, const lavin_tensor *scratch, const lavin_tensor *out);

#endif
