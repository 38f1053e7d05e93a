/* Bidirectional multi-head attention with grouped kv heads, f32:
 * out = softmax(q k^T / sqrt(hd)) v per (batch, query head), never forming
 * the L x L score matrix. */
#ifndef LAVIN_CORE_OPS_ATTENTION_H
#define LAVIN_CORE_OPS_ATTENTION_H

#include "core/tensor.h"

/* q, out: [B, L, H, hd]; k, v: [B, L, Hkv, hd], all f32, H % Hkv == 0;
 * query head h reads kv head h / (H / Hkv). hd is a multiple of 4 up to 256.
 * Tensors must start 16-byte aligned; out must not alias q, k or v. */
int lavin_op_attention(lavin_context *ctx, const lavin_tensor *q, const lavin_tensor *k,
                       const lavin_tensor *v, const lavin_tensor *out);

#endif
