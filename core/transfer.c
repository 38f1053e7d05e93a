#include <string.h>

#include "core/context.h"
#include "core/memory.h"
#include "core/stream.h"
#include "core/transfer.h"

static int transfer(lavin_context *ctx, const lavin_tensor *t, void *host, size_t bytes, int up)
{
    if (bytes != lavin_tensor_bytes(t))
        return lavin_err(ctx, LAVIN_EINVAL, "%s of %zu bytes into a tensor of %llu bytes",
                         up ? "upload" : "download", bytes, (unsigned long long)lavin_tensor_bytes(t));
    LAVIN_TRY(lavin_stream_sync(ctx));
    const VkDeviceSize chunk_max = 64u << 20;
    LAVIN_TRY(lavin_staging_reserve(ctx, bytes < chunk_max ? bytes : chunk_max));
    for (size_t done = 0; done < bytes;) {
        size_t n = bytes - done < ctx->staging.size ? bytes - done : (size_t)ctx->staging.size;
        if (up)
            memcpy(ctx->staging.map, (const char *)host + done, n);
        LAVIN_TRY(lavin_stream_copy(ctx, t, done, n, up));
        LAVIN_TRY(lavin_stream_sync(ctx));
        if (!up)
            memcpy((char *)host + done, ctx->staging.map, n);
        done += n;
    }
    return 0;
}

int lavin_tensor_upload(lavin_context *ctx, const lavin_tensor *t, const void *data, size_t bytes)
{
    return transfer(ctx, t, (void *)data, bytes, 1);
}

int lavin_tensor_download(lavin_context *ctx, const lavin_tensor *t, void *data, size_t bytes)
{
    return transfer(ctx, t, data, bytes, 0);
}

int lavin_tensor_fill(lavin_context *ctx, const lavin_tensor *t, uint32_t pattern)
{
    uint64_t bytes = lavin_tensor_bytes(t);
    if ((t->mem.offset & 3) || (bytes & 3))
        return lavin_err(ctx, LAVIN_EINVAL, "fill needs a tensor aligned to and sized in 4-byte words");
    return lavin_stream_fill(ctx, t, pattern);
}
