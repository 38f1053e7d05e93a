/* Plain-C references for the resample ops (ops/resample.h), following
 * PyTorch's antialiased bicubic arithmetic step by step. */
#ifndef LAVIN_TESTS_REF_RESAMPLE_H
#define LAVIN_TESTS_REF_RESAMPLE_H

#include <stddef.h>

/* x [planes, h, w] -> out [planes, oh, ow]. Returns -1 when out of memory. */
int lavin_ref_resize_aa(const float *x, float *out, size_t planes, size_t h, size_t w, size_t oh, size_t ow);

void lavin_ref_pixels_round(const float *x, float *out, size_t n);
void lavin_ref_pixels_to_unit(const float *x, float *out, size_t n);
void lavin_ref_unit_to_pixels(const float *x, float *out, size_t n);

#endif
