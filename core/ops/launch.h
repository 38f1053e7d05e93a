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

/* Views a as [outer, mid, inner] and b as [outer, inner] for broadcasting
 * b over a's middle dimension; fails with a message naming op and shapes. */
int lavin_broadcast_shape(lavin_context *ctx, const char *op, const lavin_tensor *a, const lavin_tensor *b,
                          uint32_t *outer, uint32_t *mid, uint32_t *inner);

/* Fails unless t has exactly n elements; names op and tensor. */
int lavin_check_nelem(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t, int64_t n);

#endif
