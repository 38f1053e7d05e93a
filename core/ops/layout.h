/* Data movement on f32 tensors: sequence concat/split for joint attention,
 * patchify for the DiT, and the ST-VAE's nearest resizes, time pooling and
 * frame copies. Video tensors are [B, C, T, H, W]. Outputs must not alias
 * inputs. All results are exact copies (the time pool's average is exact up
 * to the one rounding of a + b, as in PyTorch). */
#ifndef LAVIN_CORE_OPS_LAYOUT_H
#define LAVIN_CORE_OPS_LAYOUT_H

#include "core/tensor.h"

/* a [B, La, D], b [B, Lb, D] -> out [B, La+Lb, D], a's rows first per batch. */
int lavin_op_concat_seq(lavin_context *ctx, const lavin_tensor *a, const lavin_tensor *b, const lavin_tensor *out);
/* The inverse: x [B, La+Lb, D] -> a [B, La, D], b [B, Lb, D]. */
int lavin_op_split_seq(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *a, const lavin_tensor *b);

/* x [B, C, T, h*p, w*p] -> out [B, T*h*w, p*p*C]: token (t, hh, ww) in that
 * order, feature (ph, pw, c) with c fastest. */
int lavin_op_patchify(lavin_context *ctx, const lavin_tensor *x, int p, const lavin_tensor *out);
/* The exact inverse: x [B, T*h*w, p*p*C] -> out [B, C, T, h*p, w*p]; the
 * output's shape gives C, T, h, w. */
int lavin_op_unpatchify(lavin_context *ctx, const lavin_tensor *x, int p, const lavin_tensor *out);

/* x [B, C, T, H, W] -> out [B, C, T', H', W'] nearest, per axis PyTorch's
 * legacy rule evaluated in float32 exactly as PyTorch does:
 * src = min(floor(float(dst) * (float(in) / float(out))), in - 1).
 * This differs from the integer floor(dst * in / out) for some sizes, e.g.
 * in 2 -> out 82, dst 41 gives 0 here, 1 in integers. */
int lavin_op_resize_nearest(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);

/* STVAEUpsample3D's interpolation (compress_time): T > 1 -> frame 0 doubled
 * in H and W only, frames 1.. doubled in T, H and W (T' = 1 + 2(T-1));
 * T == 1 -> H and W only. out [B, C, T', 2H, 2W]. */
int lavin_op_upsample_stvae(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);

/* STVAESpatialNorm3D's zq resize to f's (T, H, W) given by out: when T is odd
 * and > 1, zq's frame 0 -> frame 0 and zq's frames 1.. -> frames 1..T-1 (zq
 * needs at least 2 frames then); otherwise one resize of the whole of zq. */
int lavin_op_resize_spatialnorm(lavin_context *ctx, const lavin_tensor *zq, const lavin_tensor *out);

/* STVAEDownsample3D's time pooling: x [B, C, T, H, W] -> odd T:
 * [f0, avg(f1,f2), avg(f3,f4), ...] ((T+1)/2 frames); even T:
 * [avg(f0,f1), avg(f2,f3), ...] (T/2 frames); avg(a, b) = (a + b) / 2. */
int lavin_op_time_pool(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out);

/* Frames [t0, t0+n) of src [B, C, T, H, W] into frames [t1, t1+n) of dst
 * [B, C, T2, H, W]; other frames of dst are left alone. n == 0 records
 * nothing. src and dst may be the same tensor when the ranges do not overlap. */
int lavin_op_copy_frames(lavin_context *ctx, const lavin_tensor *src, int64_t t0, const lavin_tensor *dst,
                         int64_t t1, int64_t n);

#endif
