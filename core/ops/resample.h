/* Image resampling and pixel-value conversions of the LaVin-DiT preprocessing
 * (torchvision resize to the model's size, then scaling to [-1, 1]) and of its
 * output (back to uint8 values). Every tensor is f32. */
#ifndef LAVIN_CORE_OPS_RESAMPLE_H
#define LAVIN_CORE_OPS_RESAMPLE_H

#include "core/tensor.h"

/* Antialiased bicubic resampling as torch interpolate(mode="bicubic", antialias=True,
 * align_corners=False) computes it in float32: x [..., H, W] f32 (ndim 2..5; leading dims are
 * independent planes) -> out [..., h, w] f32 with the same leading dims. Width pass then height
 * pass through a scratch tensor of nelem lavin_resize_aa_scratch_elems(x, out) (f32), as PyTorch.
 * Like PyTorch, a dimension whose size does not change is not resampled; the scratch is needed
 * only when both change (scratch_elems is 0 otherwise and scratch may be NULL). out must not
 * overlap x or scratch. */
int64_t lavin_resize_aa_scratch_elems(const lavin_tensor *x, const lavin_tensor *out);
int lavin_op_resize_aa(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *scratch, const lavin_tensor *out);

/* out = roundEven(clamp(x, 0, 255)): torchvision's return to uint8 values (kept as f32). */
int lavin_op_pixels_round(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);
/* out = (x / 255 - 0.5) * 2 in float32, the reference's scaling of uint8 values to [-1, 1]. */
int lavin_op_pixels_to_unit(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);
/* out = trunc(clamp(x / 2 + 0.5, 0, 1) * 255): the reference's decoder output to uint8 values. */
int lavin_op_unit_to_pixels(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);

#endif
