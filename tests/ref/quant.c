#include <math.h>

#include "core/half.h"
#include "tests/ref/quant.h"

_Static_assert(sizeof(lavin_ref_block_q8_0) == 34, "Q8_0 blocks are 34 bytes, unpadded");
_Static_assert(sizeof(lavin_ref_block_q4_0) == 18, "Q4_0 blocks are 18 bytes, unpadded");

/* Q8_0: d = max|x| / 127 and q = x / d rounded half away from zero, the
 * division done as a product with the f32 reciprocal of the f32 d. */
static void q8_0(const float *x, lavin_ref_block_q8_0 *b)
{
    float amax = 0.0f;
    for (int j = 0; j < 32; j++)
        if (fabsf(x[j]) > amax)
            amax = fabsf(x[j]);
    float d = amax / 127.0f, inv = 0.0f;
    if (d != 0.0f)
        inv = 1.0f / d;
    b->d = lavin_f32_to_f16(d);
    for (int j = 0; j < 32; j++)
        b->qs[j] = (int8_t)roundf(x[j] * inv);
}

/* Q4_0: d = m / -8 for m the first element of largest magnitude (+0 in a
 * block of zeros, so d is -0), and q = floor(x / d + 8.5) (the same
 * reciprocal product), at most 15. */
static void q4_0(const float *x, lavin_ref_block_q4_0 *b)
{
    float amax = 0.0f, m = 0.0f;
    for (int j = 0; j < 32; j++)
        if (fabsf(x[j]) > amax) {
            amax = fabsf(x[j]);
            m = x[j];
        }
    float d = m / -8.0f, inv = 0.0f;
    if (d != 0.0f)
        inv = 1.0f / d;
    b->d = lavin_f32_to_f16(d);
    int q[32];
    for (int j = 0; j < 32; j++) {
        q[j] = (int)floorf(x[j] * inv + 8.5f);
        if (q[j] > 15)
            q[j] = 15;
    }
    for (int j = 0; j < 16; j++)
        b->qs[j] = (uint8_t)(q[j] | (q[j + 16] << 4));
}

void lavin_ref_quantize(lavin_dtype dt, const float *x, void *blocks, size_t n)
{
    for (size_t i = 0; i < n / 32; i++) {
        if (dt == LAVIN_Q8_0)
            q8_0(x + 32 * i, (lavin_ref_block_q8_0 *)blocks + i);
        else
            q4_0(x + 32 * i, (lavin_ref_block_q4_0 *)blocks + i);
    }
}

void lavin_ref_dequantize(lavin_dtype dt, const void *blocks, float *x, size_t n)
{
    for (size_t i = 0; i < n / 32; i++, x += 32) {
        if (dt == LAVIN_Q8_0) {
            const lavin_ref_block_q8_0 *b = (const lavin_ref_block_q8_0 *)blocks + i;
            float d = lavin_f16_to_f32(b->d);
            for (int j = 0; j < 32; j++)
                x[j] = d * (float)b->qs[j];
        } else {
            const lavin_ref_block_q4_0 *b = (const lavin_ref_block_q4_0 *)blocks + i;
            float d = lavin_f16_to_f32(b->d);
            for (int j = 0; j < 16; j++) {
                x[j] = d * (float)((int)(b->qs[j] & 15) - 8);
                x[j + 16] = d * (float)((int)(b->qs[j] >> 4) - 8);
            }
        }
    }
}
