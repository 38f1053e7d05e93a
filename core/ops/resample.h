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

/* The height pass alone, a strip at a time: output rows first .. first + n - 1 of an image of
 * in_len rows resampled along its height to out_len rows, from x [..., r, W] holding input rows
 * in_first .. in_first + r - 1, into out [..., n, W] (same leading dims and width). x must hold
 * every row lavin_resize_aa_rows_needed() names. The strips of a picture together equal
 * lavin_op_resize_aa to [..., out_len, W], bit for bit, so a large picture needs only a strip
 * of its rows on the device at a time. */
int lavin_op_resize_aa_rows(lavin_context *ctx, const lavin_tensor *x, int64_t in_first, int64_t in_len,
                            int64_t out_len, int64_t first, const lavin_tensor *out);
/* The input rows [*lo, *hi) that output rows first .. first + n - 1 of that resampling read
 * (a row more on each side than the arithmetic says, within 0 .. in_len). */
void lavin_resize_aa_rows_needed(int64_t in_len, int64_t out_len, int64_t first, int64_t n, int64_t *lo,
                                 int64_t *hi);

/* out = roundEven(clamp(x, 0, 255)): torchvision's return to uint8 values (kept as f32). */
int lavin_op_pixels_round(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);
/* out = (x / 255 - 0.5) * 2 in float32, the reference's scaling of uint8 values to [-1, 1]. */
int lavin_op_pixels_to_unit(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);
/* out = trunc(clamp(x / 2 + 0.5, 0, 1) * 255): the reference's decoder output to uint8 values. */
int lavin_op_unit_to_pixels(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);

#endif
