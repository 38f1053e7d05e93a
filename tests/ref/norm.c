#include <math.h>

#include "tests/ref/norm.h"

static double rms_factor(const float *x, size_t d, float eps)
{
    double ss = 0;
    for (size_t i = 0; i < d; i++)
        ss += (double)x[i] * x[i];
    return 1.0 / sqrt(ss / (double)d + eps);
}

void lavin_ref_layernorm(const float *x, const float *w, const float *b, float eps, float *out, size_t rows,
                         size_t d)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * d;
        double mean = 0, var = 0;
        for (size_t i = 0; i < d; i++)
            mean += xr[i];
        mean /= (double)d;
        for (size_t i = 0; i < d; i++)
            var += (xr[i] - mean) * (xr[i] - mean);
        double k = 1.0 / sqrt(var / (double)d + eps);
        for (size_t i = 0; i < d; i++)
            out[r * d + i] = (float)((xr[i] - mean) * k * w[i] + b[i]);
    }
}

void lavin_ref_rmsnorm(const float *x, const float *w, float eps, float *out, size_t rows, size_t d)
{
    for (size_t r = 0; r < rows; r++) {
        double k = rms_factor(x + r * d, d, eps);
        for (size_t i = 0; i < d; i++)
            out[r * d + i] = (float)(x[r * d + i] * k * (w ? w[i] : 1.0));
    }
}

void lavin_ref_rmsnorm_modulate(const float *x, const float *scale, float eps, float *out, size_t rows,
                                size_t mid, size_t d)
{
    for (size_t r = 0; r < rows; r++) {
        double k = rms_factor(x + r * d, d, eps);
        const float *sc = scale + (r / mid) * d;
        for (size_t i = 0; i < d; i++)
            out[r * d + i] = (float)((1.0 + sc[i]) * x[r * d + i] * k);
    }
}

void lavin_ref_rmsnorm_gated_add(const float *s, const float *gate, const float *y, float eps, float *out,
                                 size_t rows, size_t mid, size_t d)
{
    for (size_t r = 0; r < rows; r++) {
        double k = rms_factor(y + r * d, d, eps);
        const float *g = gate + (r / mid) * d;
        for (size_t i = 0; i < d; i++)
            out[r * d + i] = (float)(s[r * d + i] + tanh((double)g[i]) * y[r * d + i] * k);
    }
}

void lavin_ref_groupnorm(const float *x, const float *w, const float *b, const float *zy, const float *zb,
                         size_t batch, size_t c, size_t sp, size_t groups, float eps, int silu, float *out)
{
    size_t cpg = c / groups, m = cpg * sp;
    for (size_t g = 0; g < batch * groups; g++) {
        /* A group's channels are contiguous, so the group is one run of m. */
        const float *xg = x + g * m;
        double mean = 0, var = 0;
        for (size_t i = 0; i < m; i++)
            mean += xg[i];
        mean /= (double)m;
        for (size_t i = 0; i < m; i++)
            var += (xg[i] - mean) * (xg[i] - mean);
        double k = 1.0 / sqrt(var / (double)m + eps);
        for (size_t i = 0; i < m; i++) {
            size_t at = g * m + i, ch = (g % groups) * cpg + i / sp;
            double y = (xg[i] - mean) * k;
            if (w)
                y *= w[ch];
            if (b)
                y += b[ch];
            if (zy)
                y = y * zy[at] + zb[at];
            if (silu)
                y = y / (1.0 + exp(-y));
            out[at] = (float)y;
        }
    }
}
