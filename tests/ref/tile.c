#include "tests/ref/tile.h"

void lavin_ref_window_copy(const float *src, const size_t src_dims[3], const size_t src_at[3], float *dst,
                           const size_t dst_dims[3], const size_t dst_at[3], const size_t size[3], size_t planes)
{
    for (size_t p = 0; p < planes; p++)
        for (size_t t = 0; t < size[0]; t++)
            for (size_t y = 0; y < size[1]; y++)
                for (size_t x = 0; x < size[2]; x++) {
                    size_t s = ((p * src_dims[0] + src_at[0] + t) * src_dims[1] + src_at[1] + y) * src_dims[2] +
                               src_at[2] + x;
                    size_t d = ((p * dst_dims[0] + dst_at[0] + t) * dst_dims[1] + dst_at[1] + y) * dst_dims[2] +
                               dst_at[2] + x;
                    dst[d] = src[s];
                }
}

void lavin_ref_blend(const float *a, float *b, size_t rows, size_t a_len, size_t b_len, size_t inner,
                     size_t extent)
{
    for (size_t k = 0; k < extent; k++) {
        /* Python computes k / extent in double; PyTorch rounds the scalar to
         * the tensor's float before multiplying. */
        double f = (double)k / (double)extent;
        float wb = (float)f, wa = (float)(1.0 - f);
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < inner; i++) {
                float pa = a[(r * a_len + a_len - extent + k) * inner + i] * wa;
                float pb = b[(r * b_len + k) * inner + i] * wb;
                b[(r * b_len + k) * inner + i] = pa + pb;
            }
    }
}
