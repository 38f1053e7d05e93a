/* Which J-DiT weights a block-quantized model (Q8_0, Q4_0) quantizes, and
 * why the others stay 16-bit: one rule for lavin convert and for the models
 * and figures of tests/test_jdit_quant.c and bench/quant.c. */
#ifndef LAVIN_JDIT_JDIT_QUANT_H
#define LAVIN_JDIT_JDIT_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"

/* NULL when the J-DiT tensor `name` of this shape is quantized: a Linear
 * weight of a block (attention, MLP and adaLN modulation) whose rows are
 * whole 32-element blocks. Otherwise why it stays 16-bit: a static string,
 * or one written into buf. */
const char *lavin_jdit_quant_keep(const char *name, int ndim, const int64_t *shape, char *buf, size_t size);

/* The dtype J-DiT tensor `name` takes in a model converted to dtype: dtype
 * itself for a float dtype or a tensor the rule quantizes, else f16. */
lavin_dtype lavin_jdit_quant_dtype(lavin_dtype dtype, const char *name, int ndim, const int64_t *shape);

#endif
