#include "tests/ref/conv.h"

/* Input value at frame f, row i, column j of channel c of batch n, or 0
 * outside the frame: the zero padding. */
static double at(const float *x, size_t ci, size_t t, size_t h, size_t wd, size_t n, size_t c, size_t f,
                 long i, long j)
{
    if (i < 0 || j < 0 || i >= (long)h || j >= (long)wd)
        return 0.0;
    return x[(((n * ci + c) * t + f) * h + (size_t)i) * wd + (size_t)j];
}

void lavin_ref_conv3d_causal(const float *x, const float *w, const float *bias, float *out, size_t b, size_t ci,
                             size_t t, size_t h, size_t wd, size_t co, size_t k)
{
    long pad = (long)k / 2;
    for (size_t n = 0; n < b; n++)
        for (size_t o = 0; o < co; o++)
            for (size_t f = 0; f < t; f++)
                for (size_t i = 0; i < h; i++)
                    for (size_t j = 0; j < wd; j++) {
                        double s = bias ? bias[o] : 0.0;
                        for (size_t c = 0; c < ci; c++)
                            for (size_t kt = 0; kt < k; kt++) {
                                /* frame f + kt - (k-1) of the input padded in
                                 * front with k-1 copies of frame 0 */
                                long src = (long)(f + kt) - (long)(k - 1);
                                size_t fs = src < 0 ? 0 : (size_t)src;
                                for (size_t kh = 0; kh < k; kh++)
                                    for (size_t kw = 0; kw < k; kw++)
                                        s += (double)w[(((o * ci + c) * k + kt) * k + kh) * k + kw] *
                                             at(x, ci, t, h, wd, n, c, fs, (long)(i + kh) - pad,
                                                (long)(j + kw) - pad);
                            }
                        out[(((n * co + o) * t + f) * h + i) * wd + j] = (float)s;
                    }
}

void lavin_ref_conv2d(const float *x, const float *w, const float *bias, float *out, size_t b, size_t ci,
                      size_t t, size_t h, size_t wd, size_t co, size_t stride)
{
    /* stride 2 is F.pad(x, (0, 1, 0, 1)) then an unpadded conv */
    long pad = stride == 1 ? 1 : 0;
    size_t ph = stride == 1 ? h + 2 : h + 1, pw = stride == 1 ? wd + 2 : wd + 1;
    size_t ho = (ph - 3) / stride + 1, wo = (pw - 3) / stride + 1;
    for (size_t n = 0; n < b; n++)
        for (size_t o = 0; o < co; o++)
            for (size_t f = 0; f < t; f++)
                for (size_t i = 0; i < ho; i++)
                    for (size_t j = 0; j < wo; j++) {
                        double s = bias ? bias[o] : 0.0;
                        for (size_t c = 0; c < ci; c++)
                            for (size_t kh = 0; kh < 3; kh++)
                                for (size_t kw = 0; kw < 3; kw++)
                                    s += (double)w[((o * ci + c) * 3 + kh) * 3 + kw] *
                                         at(x, ci, t, h, wd, n, c, f, (long)(i * stride + kh) - pad,
                                            (long)(j * stride + kw) - pad);
                        out[(((n * co + o) * t + f) * ho + i) * wo + j] = (float)s;
                    }
}
