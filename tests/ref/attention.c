#include <math.h>
#include <stdlib.h>

#include "tests/ref/attention.h"

void lavin_ref_attention(const float *q, const float *k, const float *v, float *out, size_t B, size_t L,
                         size_t H, size_t Hkv, size_t hd)
{
    double *w = malloc(L * sizeof(double));
    if (!w)
        abort();
    double scale = 1.0 / sqrt((double)hd);
    for (size_t b = 0; b < B; b++)
        for (size_t h = 0; h < H; h++) {
            size_t g = h / (H / Hkv);
            for (size_t i = 0; i < L; i++) {
                const float *qi = q + ((b * L + i) * H + h) * hd;
                double max = -INFINITY, sum = 0;
                for (size_t j = 0; j < L; j++) {
                    const float *kj = k + ((b * L + j) * Hkv + g) * hd;
                    double s = 0;
                    for (size_t d = 0; d < hd; d++)
                        s += (double)qi[d] * kj[d];
                    w[j] = s * scale;
                    if (w[j] > max)
                        max = w[j];
                }
                for (size_t j = 0; j < L; j++) {
                    w[j] = exp(w[j] - max);
                    sum += w[j];
                }
                float *oi = out + ((b * L + i) * H + h) * hd;
                for (size_t d = 0; d < hd; d++) {
                    double acc = 0;
                    for (size_t j = 0; j < L; j++)
                        acc += w[j] * v[((b * L + j) * Hkv + g) * hd + d];
                    oi[d] = (float)(acc / sum);
                }
            }
        }
    free(w);
}
