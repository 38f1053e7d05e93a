/* What every op launcher shares: device addresses for push constants, the
 * workgroup size it may use, and the 1-D launch of one thread per element. */
#ifndef LAVIN_CORE_OPS_LAUNCH_H
#define LAVIN_CORE_OPS_LAUNCH_H

#include "core/stream.h"
#include "core/tensor.h"

static inline uint64_t lavin_addr(const lavin_tensor *t)
{
    return (uint64_t)lavin_tensor_address(t);
}

/* The 256-thread workgroups the simple shaders use, capped by the device. */
uint32_t lavin_wg_size(const lavin_context *ctx, uint32_t want);

/* Whether the device runs a 1-D workgroup of `invocations` that declares
 * shared_bytes of shared memory: how the tiled kernels pick a tile config. */
int lavin_wg_fits(const lavin_context *ctx, uint32_t invocations, uint64_t shared_bytes);

/* Shaders read 16-bit and quantized data as aligned 32-bit words: returns
 * the tensor's address rounded down to 4 bytes and sets *off to where its
 * first element starts in that word: 0 for f32, the element (0 or 1) for
 * 16-bit dtypes, the byte (0 or 2) for quantized blocks (shaders/quant.glsl). */
uint64_t lavin_word_addr(const lavin_tensor *t, uint32_t *off);

/* Views a as [outer, mid, inner] and b as [outer, inner] for broadcasting
 * b over a's middle dimension; fails with a message naming op and shapes. */
int lavin_broadcast_shape(lavin_context *ctx, const char *op, const lavin_tensor *a, const lavin_tensor *b,
                          uint32_t *outer, uint32_t *mid, uint32_t *inner);

/* Fails unless t has exactly n elements; names op and tensor. */
int lavin_check_nelem(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t, int64_t n);

#endif
