/* Plain-C references for the elementwise ops, written for clarity: the tests
 * compare the shaders against these. Broadcast as in ops/elementwise.h. */
#ifndef LAVIN_TESTS_REF_ELEMENTWISE_H
#define LAVIN_TESTS_REF_ELEMENTWISE_H

#include <stddef.h>

void lavin_ref_add(const float *a, const float *b, float *out, size_t outer, size_t mid, size_t inner);
void lavin_ref_mul(const float *a, const float *b, float *out, size_t outer, size_t mid, size_t inner);
void lavin_ref_scale(const float *a, float s, float *out, size_t n);
void lavin_ref_silu(const float *a, float *out, size_t n);
void lavin_ref_swiglu(const float *a, const float *b, float *out, size_t n);
void lavin_ref_modulate(const float *x, const float *scale, float *out, size_t outer, size_t mid, size_t inner);
void lavin_ref_gated_add(const float *x, const float *gate, const float *y, float *out, size_t outer,
                         size_t mid, size_t inner);

void lavin_ref_axpby(float alpha, const float *a, float beta, const float *b, float *out, size_t n);

void lavin_ref_affine(const float *a, float scale, float offset, float *out, size_t n);
void lavin_ref_reparam(const float *mean, const float *logvar, const float *noise, float *out, size_t n);

#endif
