/* Convolutions of the ST-VAE on f32 activations [B, C, T, H, W]. Weights and
 * bias may be f32, f16 or bf16; bias is [Co] or NULL; accumulation is f32. */
#ifndef LAVIN_CORE_OPS_CONV_H
#define LAVIN_CORE_OPS_CONV_H

#include "core/tensor.h"

/* Causal Conv3d, stride 1. w is [Co, Ci, k, k, k] with k = 3 or 1. For k = 3
 * time is front-padded with two copies of the first frame (output frame t
 * reads frames max(t-2,0), max(t-1,0), t) and H, W are zero-padded by 1.
 * out is [B, Co, T, H, W]. Frames 0 and 1 fold their repeated taps, so a
 * T = 1 input already costs a 2-D conv. */
int lavin_op_conv3d_causal(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *w,
                           const lavin_tensor *bias, const lavin_tensor *out);

/* 3x3 Conv2d on every frame; w is [Co, Ci, 3, 3]. stride 1: zero pad 1 on
 * every side, out [B, Co, T, H, W]. stride 2 (the downsampler): zero pad 1 on
 * the right and bottom only, out [B, Co, T, (H-2)/2+1, (W-2)/2+1], H, W >= 2. */
int lavin_op_conv2d(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *w,
                    const lavin_tensor *bias, int stride, const lavin_tensor *out);

/* w2d[co, ci, kh, kw] = sum over kt of w[co, ci, kt, kh, kw], as f32. For a
 * T = 1 input, lavin_op_conv2d(x, w2d, bias, 1) equals the causal k = 3 conv
 * and reads a third of the weights; callers keep w2d with the model. */
int lavin_conv3d_fold_time(lavin_context *ctx, const lavin_tensor *w, const lavin_tensor *w2d);

#endif
