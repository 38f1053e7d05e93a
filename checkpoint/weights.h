/* A checkpoint's tensors on the device, found by name. Loading streams one
 * tensor at a time through the staging buffer, so host memory stays at the
 * mapped file plus a small constant. */
#ifndef LAVIN_CHECKPOINT_WEIGHTS_H
#define LAVIN_CHECKPOINT_WEIGHTS_H

#include "checkpoint/checkpoint.h"
#include "core/step.h"
#include "core/tensor.h"

typedef struct lavin_weights lavin_weights;

/* dtype < 0 keeps each tensor's stored dtype; otherwise every tensor but
 * the quantized ones is converted to that float lavin_dtype on the host, in
 * bounded chunks. step (may
 * be NULL) hears of each tensor loaded and may stop the load. */
int lavin_weights_load(lavin_context *ctx, const lavin_checkpoint *ck, int dtype, lavin_step_fn step, void *user,
                       lavin_weights **out);
/* An empty store, and one tensor added from host data of dtype src_dtype
 * (converted to dtype); for models made in memory, such as benchmarks'. */
int lavin_weights_new(lavin_context *ctx, lavin_weights **out);
int lavin_weights_add(lavin_context *ctx, lavin_weights *w, const char *name, lavin_dtype dtype, int ndim,
                      const int64_t *shape, const void *data, lavin_dtype src_dtype);

const lavin_tensor *lavin_weights_get(const lavin_weights *w, const char *name);
size_t lavin_weights_count(const lavin_weights *w);
const char *lavin_weights_name(const lavin_weights *w, size_t i);
uint64_t lavin_weights_bytes(const lavin_weights *w);
void lavin_weights_free(lavin_context *ctx, lavin_weights **w);

#endif
