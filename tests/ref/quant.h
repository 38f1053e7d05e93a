/* Plain-C reference for core/quant.h, written from ggml's block layouts as
 * C structs (so it checks the byte arithmetic of core/quant.c and the
 * shaders) and its reference quantizers' rounding. The structs hold d in
 * host byte order: the tests run on little-endian hosts, as ggml files are. */
#ifndef LAVIN_TESTS_REF_QUANT_H
#define LAVIN_TESTS_REF_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"

typedef struct {
    uint16_t d;       /* f16 bits */
    int8_t qs[32];
} lavin_ref_block_q8_0;

typedef struct {
    uint16_t d;       /* f16 bits */
    uint8_t qs[16];   /* element j < 16: low nibble of qs[j]; j + 16: its high nibble */
} lavin_ref_block_q4_0;

/* n floats (a multiple of 32) into n / 32 blocks of dt (Q8_0 or Q4_0). */
void lavin_ref_quantize(lavin_dtype dt, const float *x, void *blocks, size_t n);
/* n / 32 blocks of dt back to n floats, w = d * q. */
void lavin_ref_dequantize(lavin_dtype dt, const void *blocks, float *x, size_t n);

#endif
