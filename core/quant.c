#include <math.h>

#include "core/half.h"
#include "core/quant.h"
#include "lavin/context.h"

/* The scale is stored little-endian whatever the host, as ggml files are. */
static void put_scale(uint8_t *b, float d)
{
    uint16_t h = lavin_f32_to_f16(d);
    b[0] = (uint8_t)(h & 0xffu);
    b[1] = (uint8_t)(h >> 8);
}

static float get_scale(const uint8_t *b)
{
    return lavin_f16_to_f32((uint16_t)(b[0] | (b[1] << 8)));
}

/* Q8_0: the scale maps the largest magnitude to 127 and values round half
 * away from zero. The quotients use the f32 scale, not the stored f16 one,
 * as ggml's reference does. The clamps only tame NaN and inf (casting them
 * to an integer is undefined); finite inputs never reach them. */
static void quantize_q8_0(const float *x, uint8_t *b)
{
    float amax = 0.0f;
    for (int j = 0; j < LAVIN_QK; j++)
        amax = fmaxf(amax, fabsf(x[j]));
    float d = amax / 127.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_scale(b, d);
    for (int j = 0; j < LAVIN_QK; j++) {
        float q = fminf(fmaxf(roundf(x[j] * id), -128.0f), 127.0f);
        b[2 + j] = (uint8_t)(int8_t)q;
    }
}

/* Q4_0: the scale maps the signed value of largest magnitude (the first
 * one on a tie) to -8, so that value is exact and its opposite clips to 7;
 * q = floor(x / d + 8.5) is round half up of x / d, offset by 8. */
static void quantize_q4_0(const float *x, uint8_t *b)
{
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < LAVIN_QK; j++)
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    float d = max / -8.0f;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_scale(b, d);
    for (int j = 0; j < LAVIN_QK / 2; j++) {
        /* x * id + 8.5 lies in [0.5, 16.5] for finite x, so the cast floors */
        int lo = (int)fminf(fmaxf(x[j] * id + 8.5f, 0.0f), 15.0f);
        int hi = (int)fminf(fmaxf(x[j + LAVIN_QK / 2] * id + 8.5f, 0.0f), 15.0f);
        b[2 + j] = (uint8_t)(lo | (hi << 4));
    }
}

int lavin_quantize_row(lavin_dtype dt, const float *src, void *dst, int64_t n)
{
    if (!lavin_dtype_is_quantized(dt) || n < 0 || n % LAVIN_QK)
        return LAVIN_EINVAL;
    size_t bb = lavin_dtype_block_bytes(dt);
    uint8_t *b = dst;
    for (int64_t i = 0; i < n / LAVIN_QK; i++, src += LAVIN_QK, b += bb) {
        if (dt == LAVIN_Q8_0)
            quantize_q8_0(src, b);
        else
            quantize_q4_0(src, b);
    }
    return 0;
}

void lavin_dequantize_row(lavin_dtype dt, const void *src, float *dst, int64_t n)
{
    if (!lavin_dtype_is_quantized(dt))
        return;
    size_t bb = lavin_dtype_block_bytes(dt);
    const uint8_t *b = src;
    for (int64_t i = 0; i < n / LAVIN_QK; i++, b += bb, dst += LAVIN_QK) {
        float d = get_scale(b);
        if (dt == LAVIN_Q8_0) {
            for (int j = 0; j < LAVIN_QK; j++)
                dst[j] = d * (float)(int8_t)b[2 + j];
        } else {
            for (int j = 0; j < LAVIN_QK / 2; j++) {
                dst[j] = d * (float)((b[2 + j] & 0x0f) - 8);
                dst[j + LAVIN_QK / 2] = d * (float)((b[2 + j] >> 4) - 8);
            }
        }
    }
}
