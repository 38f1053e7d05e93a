/* The choice of the matrix-tile layer (enum lavin_mma) for a device. */
#ifndef LAVIN_CORE_MMA_H
#define LAVIN_CORE_MMA_H

#include "core/context.h"

/* The layer the device should run the 16-bit kernels on, given the precision
 * asked for: NONE for LAVIN_PRECISION_F32, and wherever the device lacks
 * f16 arithmetic and storage, 32-wide subgroups, the Vulkan memory model, or a cooperative-matrix
 * extension this build has shaders for that lists 16x16x16 f16 x f16 + f32.
 * Needs ctx->instance, ctx->phys and ctx->info; never EMULATED. */
enum lavin_mma lavin_mma_choose(lavin_context *ctx, enum lavin_precision precision);

/* "NV cooperative matrices", ..., "none": for logs and `lavin devices`. */
const char *lavin_mma_name(enum lavin_mma mma);

#endif
