#include <stdio.h>
#include <string.h>

#include "core/tensor.h"

size_t lavin_dtype_size(lavin_dtype t)
{
    return lavin_dtype_is_quantized(t) ? 0 : lavin_dtype_block_bytes(t);
}

int64_t lavin_dtype_block(lavin_dtype t)
{
    return lavin_dtype_is_quantized(t) ? LAVIN_QK : 1;
}

size_t lavin_dtype_block_bytes(lavin_dtype t)
{
    switch (t) {
    case LAVIN_F32: return 4;
    case LAVIN_F16: return 2;
    case LAVIN_BF16: return 2;
    case LAVIN_Q8_0: return 2 + LAVIN_QK;
    case LAVIN_Q4_0: return 2 + LAVIN_QK / 2;
    }
    return 0;
}

int lavin_dtype_is_quantized(lavin_dtype t)
{
    return t == LAVIN_Q8_0 || t == LAVIN_Q4_0;
}

uint64_t lavin_dtype_row_bytes(lavin_dtype t, int64_t n)
{
    return (uint64_t)(n / lavin_dtype_block(t)) * lavin_dtype_block_bytes(t);
}

const char *lavin_dtype_name(lavin_dtype t)
{
    switch (t) {
    case LAVIN_F32: return "f32";
    case LAVIN_F16: return "f16";
    case LAVIN_BF16: return "bf16";
    case LAVIN_Q8_0: return "q8_0";
    case LAVIN_Q4_0: return "q4_0";
    }
    return "?";
}

int64_t lavin_tensor_nelem(const lavin_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->ne[i];
    return n;
}

uint64_t lavin_tensor_bytes(const lavin_tensor *t)
{
    return lavin_dtype_row_bytes(t->dtype, lavin_tensor_nelem(t));
}

VkDeviceAddress lavin_tensor_address(const lavin_tensor *t)
{
    return lavin_block_address(t->mem.block) + t->mem.offset;
}

const char *lavin_tensor_describe(const lavin_tensor *t, char *buf, size_t size)
{
    size_t len = 0;
    len += (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < t->ndim && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%lld", i ? ", " : "", (long long)t->ne[i]);
    if (len < size)
        snprintf(buf + len, size - len, "] %s", lavin_dtype_name(t->dtype));
    return buf;
}

static int check_shape(lavin_context *ctx, lavin_dtype dtype, int ndim, const int64_t *ne, int64_t *count)
{
    if (!lavin_dtype_block_bytes(dtype))
        return lavin_err(ctx, LAVIN_EINVAL, "tensor dtype %d is not a lavin dtype", (int)dtype);
    if (ndim < 1 || ndim > LAVIN_MAX_DIMS)
        return lavin_err(ctx, LAVIN_EINVAL, "tensor rank %d is outside 1..%d", ndim, LAVIN_MAX_DIMS);
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (ne[i] < 1 || ne[i] > ((int64_t)1 << 40) || n > ((int64_t)1 << 40) / ne[i])
            return lavin_err(ctx, LAVIN_EINVAL, "tensor dimension %d has invalid size %lld", i,
                             (long long)ne[i]);
        n *= ne[i];
    }
    /* a block never straddles two rows, so every row has its own scales */
    if (ne[ndim - 1] % lavin_dtype_block(dtype))
        return lavin_err(ctx, LAVIN_EINVAL, "%s tensor's last dimension %lld is not a multiple of %lld",
                         lavin_dtype_name(dtype), (long long)ne[ndim - 1],
                         (long long)lavin_dtype_block(dtype));
    *count = n;
    return 0;
}

int lavin_tensor_alloc(lavin_context *ctx, lavin_tensor *t, lavin_dtype dtype, int ndim,
                       const int64_t *ne)
{
    int64_t n = 0;
    memset(t, 0, sizeof(*t));
    LAVIN_TRY(check_shape(ctx, dtype, ndim, ne, &n));
    LAVIN_TRY(lavin_mem_alloc(ctx, lavin_dtype_row_bytes(dtype, n), &t->mem));
    t->dtype = dtype;
    t->ndim = ndim;
    memcpy(t->ne, ne, (size_t)ndim * sizeof(*ne));
    t->owner = 1;
    return 0;
}

void lavin_tensor_free(lavin_context *ctx, lavin_tensor *t)
{
    if (t->owner)
        lavin_mem_free(ctx, &t->mem);
    memset(t, 0, sizeof(*t));
}

int lavin_tensor_view(lavin_context *ctx, const lavin_tensor *src, int64_t elem_offset, int ndim,
                      const int64_t *ne, lavin_tensor *view)
{
    int64_t n = 0;
    LAVIN_TRY(check_shape(ctx, src->dtype, ndim, ne, &n));
    int64_t total = lavin_tensor_nelem(src);
    if (elem_offset < 0 || elem_offset > total || n > total - elem_offset)
        return lavin_err(ctx, LAVIN_EINVAL, "view of %lld elements at offset %lld overruns a tensor of %lld",
                         (long long)n, (long long)elem_offset, (long long)total);
    if (elem_offset % lavin_dtype_block(src->dtype))
        return lavin_err(ctx, LAVIN_EINVAL, "view at offset %lld splits a %s block", (long long)elem_offset,
                         lavin_dtype_name(src->dtype));
    lavin_tensor v = *src;
    v.owner = 0;
    v.ndim = ndim;
    memset(v.ne, 0, sizeof(v.ne));
    memcpy(v.ne, ne, (size_t)ndim * sizeof(*ne));
    v.mem.offset = src->mem.offset + lavin_dtype_row_bytes(src->dtype, elem_offset);
    v.mem.size = lavin_dtype_row_bytes(src->dtype, n);
    *view = v;
    return 0;
}

int lavin_tensor_reshape(lavin_context *ctx, const lavin_tensor *src, int ndim, const int64_t *ne,
                         lavin_tensor *view)
{
    int64_t n = 0;
    LAVIN_TRY(check_shape(ctx, src->dtype, ndim, ne, &n));
    if (n != lavin_tensor_nelem(src))
        return lavin_err(ctx, LAVIN_EINVAL, "reshape to %lld elements from %lld", (long long)n,
                         (long long)lavin_tensor_nelem(src));
    return lavin_tensor_view(ctx, src, 0, ndim, ne, view);
}

int lavin_check_dtype(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t,
                      unsigned allowed_mask)
{
    if (!(allowed_mask & LAVIN_DT_BIT(t->dtype)))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s has unsupported dtype %s", op, name,
                         lavin_dtype_name(t->dtype));
    /* 16-bit data is read as 32-bit words, which needs word alignment. */
    if (t->mem.offset & 3)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %s starts at a byte offset that is not 4-aligned", op, name);
    return 0;
}

int lavin_same_shape(const lavin_tensor *a, const lavin_tensor *b)
{
    if (a->ndim != b->ndim)
        return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->ne[i] != b->ne[i])
            return 0;
    return 1;
}
