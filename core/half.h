/* Host conversions between f32 and the 16-bit storage types, round to
 * nearest even, as PyTorch and the GPU's own conversions do. */
#ifndef LAVIN_CORE_HALF_H
#define LAVIN_CORE_HALF_H

#include <stddef.h>
#include <stdint.h>

uint16_t lavin_f32_to_f16(float f);
float lavin_f16_to_f32(uint16_t h);
uint16_t lavin_f32_to_bf16(float f);
float lavin_bf16_to_f32(uint16_t h);

/* Converts n elements between storage dtypes (lavin_dtype values) on the
 * host; src need not be aligned. */
void lavin_convert_dtype(const void *src, int src_dtype, void *dst, int dst_dtype, size_t n);

#endif
