/* Plain-C reference for the 3D rotary embedding (ops/rope.h), computing its
 * angles itself. */
#ifndef LAVIN_TESTS_REF_ROPE_H
#define LAVIN_TESTS_REF_ROPE_H

#include <stddef.h>

/* x, out: [B, T*Hh*W, nh, hd], hd a multiple of 6; out may be x. The h and
 * w positions are multiplied by scale_h and scale_w (1: the integer
 * positions). */
void lavin_ref_rope3d(const float *x, float *out, size_t B, size_t T, size_t Hh, size_t W, size_t nh,
                      size_t hd, float base, float scale_h, float scale_w);

#endif
