#include <math.h>

#include "tests/ref/rope.h"

/* Rotates one axis part of width d in place by pos times its frequencies,
 * which the model computes in float32 as 1 / base^(float(2j) / d). */
static void rotate(float *x, size_t d, float pos, float base)
{
    for (size_t j = 0; j < d / 2; j++) {
        float freq = 1.0f / powf(base, (float)(2 * j) / (float)d);
        double angle = (double)(pos * freq);
        double c = cos(angle), s = sin(angle);
        double a = x[j], b = x[j + d / 2];
        x[j] = (float)(a * c - b * s);
        x[j + d / 2] = (float)(b * c + a * s);
    }
}

void lavin_ref_rope3d(const float *x, float *out, size_t B, size_t T, size_t Hh, size_t W, size_t nh,
                      size_t hd, float base, float scale_h, float scale_w)
{
    size_t L = T * Hh * W, d = hd / 3;
    for (size_t b = 0; b < B; b++)
        for (size_t n = 0; n < L; n++) {
            /* The h and w positions are fractional when scaled. */
            float pos[3] = { (float)(n / (Hh * W)), (float)((n / W) % Hh) * scale_h, (float)(n % W) * scale_w };
            for (size_t h = 0; h < nh; h++) {
                size_t at = ((b * L + n) * nh + h) * hd;
                for (size_t i = 0; i < hd; i++)
                    out[at + i] = x[at + i];
                for (size_t a = 0; a < 3; a++)
                    rotate(out + at + a * d, d, pos[a], base);
            }
        }
}
