/* Plain-C references for the data-movement ops (ops/layout.h), written
 * straight from docs/computation.md and the PyTorch semantics they name. */
#ifndef LAVIN_TESTS_REF_LAYOUT_H
#define LAVIN_TESTS_REF_LAYOUT_H

#include <stddef.h>

/* a [B, La, D], b [B, Lb, D] <-> x [B, La+Lb, D]. */
void lavin_ref_concat_seq(const float *a, const float *b, float *x, size_t B, size_t La, size_t Lb, size_t D);
void lavin_ref_split_seq(const float *x, float *a, float *b, size_t B, size_t La, size_t Lb, size_t D);

/* vid [B, C, T, h*p, w*p] <-> tok [B, T*h*w, p*p*C]. */
void lavin_ref_patchify(const float *vid, float *tok, size_t B, size_t C, size_t T, size_t h, size_t w, size_t p);
void lavin_ref_unpatchify(const float *tok, float *vid, size_t B, size_t C, size_t T, size_t h, size_t w,
                          size_t p);

/* PyTorch's legacy nearest source index, in float32 as PyTorch computes it. */
size_t lavin_ref_nearest_index(size_t dst, size_t in, size_t out);

/* [planes, ti, hi, wi] -> [planes, to, ho, wo] nearest. */
void lavin_ref_resize_nearest(const float *x, float *out, size_t planes, size_t ti, size_t hi, size_t wi,
                              size_t to, size_t ho, size_t wo);
/* STVAEUpsample3D's interpolation; out has T > 1 ? 2T-1 : 1 frames. */
void lavin_ref_upsample_stvae(const float *x, float *out, size_t planes, size_t t, size_t h, size_t w);
/* STVAESpatialNorm3D's resize of zq [planes, tz, hz, wz] to [planes, t, h, w]. */
void lavin_ref_resize_spatialnorm(const float *zq, float *out, size_t planes, size_t tz, size_t hz, size_t wz,
                                  size_t t, size_t h, size_t w);
/* STVAEDownsample3D's time pooling of [planes, t, hw] to (t+1)/2 frames. */
void lavin_ref_time_pool(const float *x, float *out, size_t planes, size_t t, size_t hw);
/* Frames [t0, t0+n) of src [planes, ts, hw] into [t1, t1+n) of dst [planes, td, hw]. */
void lavin_ref_copy_frames(const float *src, size_t ts, size_t t0, float *dst, size_t td, size_t t1, size_t n,
                           size_t planes, size_t hw);

#endif
