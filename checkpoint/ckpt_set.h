/* What a checkpoint parser produces: the tensor list with its names, the
 * metadata strings and any private tensor copies, all owned here so that one
 * free releases everything a half-finished parse allocated. */
#ifndef LAVIN_CHECKPOINT_CKPT_SET_H
#define LAVIN_CHECKPOINT_CKPT_SET_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint/checkpoint.h"

typedef struct lavin_ckpt_set {
    lavin_ckpt_tensor *tensors;
    size_t count, cap;
    char **meta;                 /* key, value, key, value, ... */
    size_t nmeta, meta_cap;      /* in pairs */
    void **owned;                /* tensor copies */
    size_t nowned, owned_cap;
} lavin_ckpt_set;

void lavin_ckpt_set_free(lavin_ckpt_set *s);

/* Appends a tensor, copying name (name_len bytes, no NUL inside). */
int lavin_ckpt_set_add(lavin_ckpt_set *s, const char *name, size_t name_len, lavin_dtype dtype,
                       int ndim, const int64_t *shape, const void *data, uint64_t nbytes);
int lavin_ckpt_set_add_meta(lavin_ckpt_set *s, const char *key, const char *value);
/* A zeroed buffer that lives as long as the set; NULL when out of memory. */
void *lavin_ckpt_set_alloc(lavin_ckpt_set *s, size_t bytes);

/* Pointers to the n tensors sorted by name, after checking that names are
 * unique. The caller frees *index. */
int lavin_ckpt_index(const lavin_ckpt_tensor *tensors, size_t n, const lavin_ckpt_tensor ***index,
                     const char *file, char *err, size_t err_size);

/* Like lavin_dtype_size/name, which live with the device tensors that the
 * fuzz targets do not link. */
size_t lavin_ckpt_dtype_size(lavin_dtype t);
const char *lavin_ckpt_dtype_name(lavin_dtype t);

/* Checkpoint sizes stay far below this, which leaves every product and sum
 * of two such values clear of int64 overflow. */
#define LAVIN_CKPT_MAX_BYTES ((uint64_t)1 << 52)

/* prod(shape) * elsize into *bytes; -1 when a dimension is negative or the
 * product passes LAVIN_CKPT_MAX_BYTES. */
int lavin_ckpt_shape_bytes(int ndim, const int64_t *shape, size_t elsize, uint64_t *bytes);

/* Like lavin_dtype_block and lavin_dtype_block_bytes: elements and bytes
 * per block (1 and the element size for f32, f16, bf16). */
int64_t lavin_ckpt_dtype_block(lavin_dtype t);
size_t lavin_ckpt_dtype_block_bytes(lavin_dtype t);

/* The bytes of a tensor of dtype and shape into *bytes; -1 as
 * lavin_ckpt_shape_bytes, or when a quantized tensor's last dimension (its
 * row) is not a whole number of blocks. */
int lavin_ckpt_tensor_bytes(lavin_dtype t, int ndim, const int64_t *shape, uint64_t *bytes);

/* "[2, 3]" into buf. */
const char *lavin_ckpt_shape_str(int ndim, const int64_t *shape, char *buf, size_t size);

/* s made safe for a one-line message: control bytes become '?', and long
 * names are cut with "...". len may be (size_t)-1 for a NUL-terminated s. */
const char *lavin_ckpt_quote(const char *s, size_t len, char *buf, size_t size);

#endif
