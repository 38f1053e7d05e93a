/* Attention on the matrix-tile layer (shaders/attention_mma.comp): the op of
 * lavin_op_attention with q, k and v rounded to f16 as they are staged, both
 * products on 16x16 tiles with f32 accumulation and the softmax in f32. */
#ifndef LAVIN_CORE_OPS_ATTENTION_MMA_H
#define LAVIN_CORE_OPS_ATTENTION_MMA_H

#include "core/tensor.h"

/* The push constants of attention.comp and attention_mma.comp: addresses,
 * sizes, the kv group, the query heads a workgroup takes, and the softmax
 * scale log2(e)/sqrt(hd). */
typedef struct {
    uint64_t q, k, v, out;
    uint32_t L, H, Hkv, group, gh;
    float scale;
} lavin_attention_push;

/* Whether the kernel serves head dim hd (a multiple of 4) on this context:
 * this build has its variant for ctx->mma, and its tiles for hd fit the
 * device's shared memory. */
int lavin_attention_mma_fits(const lavin_context *ctx, uint32_t hd);

/* q, k, v and out as lavin_op_attention has checked them; only where
 * lavin_attention_mma_fits() said yes. */
int lavin_attention_mma(lavin_context *ctx, const lavin_tensor *q, const lavin_tensor *k, const lavin_tensor *v,
                        const lavin_tensor *out);

#endif
