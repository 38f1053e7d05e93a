/* Host-side conversion between f32 rows and ggml's block-quantized weight
 * layouts (LAVIN_Q8_0, LAVIN_Q4_0; see core/tensor.h), bit for bit what
 * ggml's reference quantizers (quantize_row_q8_0_ref, quantize_row_q4_0_ref)
 * write, so the files `lavin convert` makes and the ones ggml tools make hold
 * the same bytes for the same weights. */
#ifndef LAVIN_CORE_QUANT_H
#define LAVIN_CORE_QUANT_H

#include <stdint.h>

#include "core/tensor.h"

/* Quantizes n floats (a multiple of LAVIN_QK) of src into n / LAVIN_QK
 * blocks at dst (unaligned is fine). Returns LAVIN_EINVAL when dt is not a
 * quantized dtype or n is not a whole number of blocks, else 0. */
int lavin_quantize_row(lavin_dtype dt, const float *src, void *dst, int64_t n);

/* Expands n elements (a multiple of LAVIN_QK) of quantized blocks at src
 * into floats; dt must be a quantized dtype (else dst is left as it was). */
void lavin_dequantize_row(lavin_dtype dt, const void *src, float *dst, int64_t n);

#endif
