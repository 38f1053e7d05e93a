#include <string.h>

#include "core/half.h"
#include "core/tensor.h"

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

uint16_t lavin_f32_to_bf16(float f)
{
    uint32_t u = bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40);  /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

float lavin_bf16_to_f32(uint16_t h)
{
    return from_bits((uint32_t)h << 16);
}

uint16_t lavin_f32_to_f16(float f)
{
    uint32_t u = bits(f);
    uint32_t sign = (u >> 16) & 0x8000u;
    uint32_t a = u & 0x7fffffffu;
    if (a >= 0x7f800000u)  /* inf or NaN */
        return (uint16_t)(sign | 0x7c00u | (a > 0x7f800000u ? 0x200u : 0));
    if (a >= 0x477ff000u)  /* rounds to at least 65520: overflow */
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) {  /* subnormal half or zero */
        if (a < 0x33000000u)
            return (uint16_t)sign;
        uint32_t m = (a & 0x7fffffu) | 0x800000u;
        int shift = 113 - (int)(a >> 23) + 13;
        uint32_t r = m >> shift;
        uint32_t rem = m & ((1u << shift) - 1);
        uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1u)))
            r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ((a >> 13) - (112u << 10));
    uint32_t rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u)))
        r++;
    return (uint16_t)(sign | r);
}

float lavin_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) {
        if (!m)
            return from_bits(sign);
        float v = (float)m * (1.0f / 16777216.0f);  /* m * 2^-24 */
        return sign ? -v : v;
    }
    if (e == 31)
        return from_bits(sign | 0x7f800000u | (m << 13));
    return from_bits(sign | ((e + 112u) << 23) | (m << 13));
}

static float load(const uint8_t *p, int dt)
{
    if (dt == LAVIN_F32) {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    uint16_t h;
    memcpy(&h, p, 2);
    return dt == LAVIN_F16 ? lavin_f16_to_f32(h) : lavin_bf16_to_f32(h);
}

static void store(float f, uint8_t *p, int dt)
{
    if (dt == LAVIN_F32) {
        memcpy(p, &f, 4);
        return;
    }
    uint16_t h = dt == LAVIN_F16 ? lavin_f32_to_f16(f) : lavin_f32_to_bf16(f);
    memcpy(p, &h, 2);
}

void lavin_convert_dtype(const void *src, int src_dtype, void *dst, int dst_dtype, size_t n)
{
    size_t si = src_dtype == LAVIN_F32 ? 4 : 2, so = dst_dtype == LAVIN_F32 ? 4 : 2;
    for (size_t i = 0; i < n; i++)
        store(load((const uint8_t *)src + i * si, src_dtype), (uint8_t *)dst + i * so, dst_dtype);
}
