/* Plain-C references for the convolutions of ops/conv.h, with the padding
 * spelled out as the ST-VAE's PyTorch code applies it. Activations
 * [B, C, T, H, W], weights already rounded to what the device reads. */
#ifndef LAVIN_TESTS_REF_CONV_H
#define LAVIN_TESTS_REF_CONV_H

#include <stddef.h>

/* Causal Conv3d; w [Co, Ci, k, k, k], k = 1 or 3; bias [Co] or NULL. */
void lavin_ref_conv3d_causal(const float *x, const float *w, const float *bias, float *out, size_t b, size_t ci,
                             size_t t, size_t h, size_t wd, size_t co, size_t k);

/* Per-frame 3x3 Conv2d; stride 1 pads 1 all round, stride 2 pads the right
 * and bottom by 1 only. */
void lavin_ref_conv2d(const float *x, const float *w, const float *bias, float *out, size_t b, size_t ci,
                      size_t t, size_t h, size_t wd, size_t co, size_t stride);

#endif
