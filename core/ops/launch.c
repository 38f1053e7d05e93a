#include "core/ops/launch.h"

uint32_t lavin_wg_size(const lavin_context *ctx, uint32_t want)
{
    uint32_t max = ctx->props.limits.maxComputeWorkGroupInvocations;
    if (max > ctx->props.limits.maxComputeWorkGroupSize[0])
        max = ctx->props.limits.maxComputeWorkGroupSize[0];
    return want < max ? want : max;
}

int lavin_wg_fits(const lavin_context *ctx, uint32_t invocations, uint64_t shared_bytes)
{
    const VkPhysicalDeviceLimits *l = &ctx->props.limits;
    return invocations <= l->maxComputeWorkGroupInvocations && invocations <= l->maxComputeWorkGroupSize[0] &&
           shared_bytes <= l->maxComputeSharedMemorySize;
}

int lavin_broadcast_shape(lavin_context *ctx, const char *op, const lavin_tensor *a, const lavin_tensor *b,
                          uint32_t *outer, uint32_t *mid, uint32_t *inner)
{
    char da[96], db[96];
    int64_t na = lavin_tensor_nelem(a), nb = lavin_tensor_nelem(b);
    if (lavin_same_shape(a, b) && na <= UINT32_MAX) {
        *outer = *mid = 1;
        *inner = (uint32_t)na;
        return 0;
    }
    int64_t in = b->ne[b->ndim - 1];
    int64_t out = nb / in;
    int ok = in == a->ne[a->ndim - 1] && na % nb == 0 && (out == 1 || a->ne[0] == out);
    if (!ok || na > UINT32_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: cannot broadcast %s over %s", op,
                         lavin_tensor_describe(b, db, sizeof(db)), lavin_tensor_describe(a, da, sizeof(da)));
    *outer = (uint32_t)out;
    *inner = (uint32_t)in;
    *mid = (uint32_t)(na / nb);
    return 0;
}

int lavin_check_nelem(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t, int64_t n)
{
    char d[96];
    if (lavin_tensor_nelem(t) != n)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s is %s, expected %lld elements", op, name,
                         lavin_tensor_describe(t, d, sizeof(d)), (long long)n);
    return 0;
}

uint64_t lavin_word_addr(const lavin_tensor *t, uint32_t *off)
{
    uint64_t a = lavin_addr(t);
    uint32_t bytes = (uint32_t)(a & 3);
    *off = t->dtype == LAVIN_F32 ? 0 : lavin_dtype_is_quantized(t->dtype) ? bytes : bytes / 2;
    return a & ~(uint64_t)3;
}
