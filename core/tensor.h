/* Device tensors: row-major, up to 5-D, stored as f32, f16, bf16, or in
 * ggml's Q8_0 / Q4_0 blocks of 32 elements along the last dimension (weights
 * that only the matmul reads). A view shares the memory of its parent at an
 * element offset, without a copy. */
#ifndef LAVIN_CORE_TENSOR_H
#define LAVIN_CORE_TENSOR_H

#include <stdint.h>

#include "core/memory.h"

#define LAVIN_MAX_DIMS 5

typedef enum lavin_dtype {
    LAVIN_F32 = 0,
    LAVIN_F16 = 1,
    LAVIN_BF16 = 2,
    LAVIN_Q8_0 = 3,  /* blocks { f16 d; int8 qs[32]; }: w = d * qs[i] */
    LAVIN_Q4_0 = 4,  /* blocks { f16 d; uint8 qs[16]; }: element i < 16 is the low nibble of
                      * qs[i], i + 16 its high nibble; w = d * (nibble - 8) */
} lavin_dtype;

/* Elements per block of the quantized dtypes; the last dimension of a
 * quantized tensor is a whole number of blocks. */
#define LAVIN_QK 32

typedef struct lavin_tensor {
    lavin_dtype dtype;
    int ndim;
    int64_t ne[LAVIN_MAX_DIMS];  /* ne[ndim-1] is the fastest dimension */
    lavin_alloc mem;             /* block and byte range this tensor spans */
    int owner;                   /* 0 for views */
} lavin_tensor;

/* Bytes per element of f32, f16 and bf16; 0 for the block dtypes, whose
 * elements have no size of their own: size those with lavin_dtype_row_bytes. */
size_t lavin_dtype_size(lavin_dtype t);
/* Elements per block: 1, or LAVIN_QK for Q8_0 and Q4_0. */
int64_t lavin_dtype_block(lavin_dtype t);
/* Bytes per block: 4, 2, 2, 34, 18. */
size_t lavin_dtype_block_bytes(lavin_dtype t);
int lavin_dtype_is_quantized(lavin_dtype t);
/* Bytes of n consecutive elements; n must be a multiple of the block. */
uint64_t lavin_dtype_row_bytes(lavin_dtype t, int64_t n);
const char *lavin_dtype_name(lavin_dtype t);

int64_t lavin_tensor_nelem(const lavin_tensor *t);
uint64_t lavin_tensor_bytes(const lavin_tensor *t);
VkDeviceAddress lavin_tensor_address(const lavin_tensor *t);

/* "[2, 3, 4] f16" into buf. */
const char *lavin_tensor_describe(const lavin_tensor *t, char *buf, size_t size);

int lavin_tensor_alloc(lavin_context *ctx, lavin_tensor *t, lavin_dtype dtype, int ndim,
                       const int64_t *ne);
void lavin_tensor_free(lavin_context *ctx, lavin_tensor *t);

/* A view of ndim/ne starting elem_offset elements into src; it must fit. For
 * a quantized src, elem_offset and the view's last dimension are whole
 * blocks. */
int lavin_tensor_view(lavin_context *ctx, const lavin_tensor *src, int64_t elem_offset, int ndim,
                      const int64_t *ne, lavin_tensor *view);

/* Same data, new shape with the same element count. */
int lavin_tensor_reshape(lavin_context *ctx, const lavin_tensor *src, int ndim, const int64_t *ne,
                         lavin_tensor *view);


/* Shape helpers for launchers: one line naming the op and what is wrong. */
int lavin_check_dtype(lavin_context *ctx, const char *op, const char *name, const lavin_tensor *t,
                      unsigned allowed_mask);
int lavin_same_shape(const lavin_tensor *a, const lavin_tensor *b);

#define LAVIN_DT_BIT(t) (1u << (t))
/* The float dtypes every op reads; the quantized ones are named explicitly
 * by the ops that take them (matmul's weight). */
#define LAVIN_DT_ANY (LAVIN_DT_BIT(LAVIN_F32) | LAVIN_DT_BIT(LAVIN_F16) | LAVIN_DT_BIT(LAVIN_BF16))
#define LAVIN_DT_QUANT (LAVIN_DT_BIT(LAVIN_Q8_0) | LAVIN_DT_BIT(LAVIN_Q4_0))

#endif
