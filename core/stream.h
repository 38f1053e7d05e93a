/* The command stream: ops record dispatches into one command buffer, with a
 * barrier only where a dispatch touches memory an earlier one wrote (or
 * writes memory an earlier one read); lavin_stream_sync() submits and waits. */
#ifndef LAVIN_CORE_STREAM_H
#define LAVIN_CORE_STREAM_H

#include "core/pipeline.h"
#include "core/tensor.h"

#define LAVIN_DISPATCH_MAX_TENSORS 8

typedef struct lavin_dispatch {
    const char *op;                 /* name in the profile table */
    lavin_pipeline *pipeline;
    uint32_t groups[3];
    const void *push;               /* at most LAVIN_PUSH_MAX bytes */
    uint32_t push_size;
    const lavin_tensor *reads[LAVIN_DISPATCH_MAX_TENSORS];   /* NULL-terminated */
    const lavin_tensor *writes[LAVIN_DISPATCH_MAX_TENSORS];  /* NULL-terminated */
    double flops, bytes;            /* for the profile's GFLOP/s and GB/s */
} lavin_dispatch;

int lavin_stream_dispatch(lavin_context *ctx, const lavin_dispatch *d);

/* Submits what was recorded and waits for it; a no-op when nothing is. */
int lavin_stream_sync(lavin_context *ctx);

/* Copies between the staging buffer and bytes [offset, offset+n) of t. */
int lavin_stream_copy(lavin_context *ctx, const lavin_tensor *t, uint64_t offset, uint64_t n, int upload);
int lavin_stream_fill(lavin_context *ctx, const lavin_tensor *t, uint32_t pattern);

int lavin_stream_init(lavin_context *ctx);
void lavin_stream_destroy(lavin_context *ctx);

/* Splits n workgroups into x*y within the device's per-dimension limit. */
void lavin_groups_1d(const lavin_context *ctx, uint64_t n, uint32_t groups[3]);

#endif
