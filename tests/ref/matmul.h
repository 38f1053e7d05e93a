/* Plain-C reference for ops/matmul.h, accumulating in double. */
#ifndef LAVIN_TESTS_REF_MATMUL_H
#define LAVIN_TESTS_REF_MATMUL_H

#include <stddef.h>

/* out[m][n] = sum_k x[m][k] * w[n][k] + bias[n]; bias may be NULL. */
void lavin_ref_matmul(const float *x, const float *w, const float *bias, float *out, size_t M, size_t N,
                      size_t K);

#endif
