/* Plain-C references for the normalisation ops (ops/norm.h), accumulating
 * in double. Row norms: x is [rows, d]; a per-row vector v (scale, gate) is
 * [rows / mid, d], row r using v's row r / mid. */
#ifndef LAVIN_TESTS_REF_NORM_H
#define LAVIN_TESTS_REF_NORM_H

#include <stddef.h>

void lavin_ref_layernorm(const float *x, const float *w, const float *b, float eps, float *out, size_t rows,
                         size_t d);
/* w may be NULL. */
void lavin_ref_rmsnorm(const float *x, const float *w, float eps, float *out, size_t rows, size_t d);
void lavin_ref_rmsnorm_modulate(const float *x, const float *scale, float eps, float *out, size_t rows,
                                size_t mid, size_t d);
void lavin_ref_rmsnorm_gated_add(const float *s, const float *gate, const float *y, float eps, float *out,
                                 size_t rows, size_t mid, size_t d);

/* x [batch, c, sp]; w, b [c] or NULL; zy, zb [batch, c, sp] or NULL (when
 * given, the affine result is then * zy + zb elementwise). */
void lavin_ref_groupnorm(const float *x, const float *w, const float *b, const float *zy, const float *zb,
                         size_t batch, size_t c, size_t sp, size_t groups, float eps, int silu, float *out);

#endif
