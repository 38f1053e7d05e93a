/* Plain-C references for ops/tile.h, from the PyTorch slicing they mirror. */
#ifndef LAVIN_TESTS_REF_TILE_H
#define LAVIN_TESTS_REF_TILE_H

#include <stddef.h>

/* src [planes, st, sh, sw], dst [planes, dt, dh, dw]; origins and extent as
 * {t, y, x}. */
void lavin_ref_window_copy(const float *src, const size_t src_dims[3], const size_t src_at[3], float *dst,
                           const size_t dst_dims[3], const size_t dst_at[3], const size_t size[3], size_t planes);

/* b [rows, b_len, inner] blended in place with a [rows, a_len, inner];
 * extent already clamped to both lengths. */
void lavin_ref_blend(const float *a, float *b, size_t rows, size_t a_len, size_t b_len, size_t inner,
                     size_t extent);

#endif
