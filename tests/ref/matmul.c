#include "tests/ref/matmul.h"

void lavin_ref_matmul(const float *x, const float *w, const float *bias, float *out, size_t M, size_t N,
                      size_t K)
{
    for (size_t m = 0; m < M; m++)
        for (size_t n = 0; n < N; n++) {
            double s = bias ? bias[n] : 0.0;
            for (size_t k = 0; k < K; k++)
                s += (double)x[m * K + k] * w[n * K + k];
            out[m * N + n] = (float)s;
        }
}
