/* The tiled ST-VAE's data movement on f32 video tensors [B, C, T, H, W]:
 * cutting tiles out of the input and placing cropped result tiles, and the
 * linear seam blend of PyTorch's blend_v / blend_h. */
#ifndef LAVIN_CORE_OPS_TILE_H
#define LAVIN_CORE_OPS_TILE_H

#include "core/tensor.h"

/* A window [t, y, x] origin plus the extent shared by source and target. */
typedef struct lavin_window {
    int64_t src[3], dst[3], size[3];
} lavin_window;

/* dst[b, c, dt+t, dy+y, dx+x] = src[b, c, st+t, sy+y, sx+x] for t, y, x
 * inside w->size; the rest of dst is left alone. src and dst share B and C,
 * are distinct tensors, and both windows must lie inside them. An empty
 * extent records nothing. */
int lavin_op_window_copy(lavin_context *ctx, const lavin_tensor *src, const lavin_tensor *dst,
                         const lavin_window *w);

/* In place on b along axis 3 (H) or 4 (W), extent = min(a_len, b_len,
 * extent) as in the reference: for k < extent,
 *   b[.., k, ..] = a[.., a_len - extent + k, ..] * (1 - k/extent) + b[.., k, ..] * (k/extent)
 * with both weights rounded to f32 and no fused multiply-add. a and b match
 * in every other dimension and are distinct tensors. */
int lavin_op_blend(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, int axis, int64_t extent);

#endif
