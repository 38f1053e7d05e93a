/* Moving tensor contents between host memory and the device, through the
 * staging buffer and the command stream. Kept apart from core/tensor.c so
 * that tensors (which the stream tracks) do not depend on the stream. */
#ifndef LAVIN_CORE_TRANSFER_H
#define LAVIN_CORE_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"

/* Synchronous copies between host memory and the tensor, in its own dtype.
 * They first submit and wait for any recorded work. */
int lavin_tensor_upload(lavin_context *ctx, const lavin_tensor *t, const void *data, size_t bytes);
int lavin_tensor_download(lavin_context *ctx, const lavin_tensor *t, void *data, size_t bytes);

/* Records a fill of every 32-bit word of the tensor with pattern. */
int lavin_tensor_fill(lavin_context *ctx, const lavin_tensor *t, uint32_t pattern);

#endif
