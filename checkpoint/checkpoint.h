/* Read-only access to checkpoint files: safetensors, GGUF and PyTorch zip
 * (torch.save) state dicts. The file is mapped, every structure is validated
 * before use, and tensors point into the mapping (or into a private copy when
 * the stored view was not contiguous). Nothing in a file is ever executed. */
#ifndef LAVIN_CHECKPOINT_CHECKPOINT_H
#define LAVIN_CHECKPOINT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "lavin/context.h"
#include "core/tensor.h"

typedef struct lavin_ckpt_tensor {
    const char *name;
    lavin_dtype dtype;            /* storage dtype: f32/f16/bf16, or q8_0/q4_0 in GGUF files */
    int ndim;                     /* 0..LAVIN_MAX_DIMS; 0 = scalar */
    int64_t shape[LAVIN_MAX_DIMS];
    /* Contiguous little-endian bytes, valid until close. Files from other
     * writers need not align it, so read it with memcpy. */
    const void *data;
    uint64_t nbytes;
    /* Why a converter kept this tensor out of the file's quantized type, as
     * GGUF files written by lavin record it; NULL otherwise. */
    const char *why;
} lavin_ckpt_tensor;

typedef struct lavin_checkpoint lavin_checkpoint;   /* opaque */

/* Detects safetensors, GGUF or PyTorch zip by content, validates
 * everything. On failure *out is NULL and err holds one line naming the
 * file. */
int lavin_checkpoint_open(const char *path, lavin_checkpoint **out, char *err, size_t err_size);
void lavin_checkpoint_close(lavin_checkpoint **ck);
size_t lavin_checkpoint_count(const lavin_checkpoint *ck);
/* File order: data order for safetensors, tensor-info order for GGUF,
 * state-dict order for torch files; NULL when i is out of range. */
const lavin_ckpt_tensor *lavin_checkpoint_tensor(const lavin_checkpoint *ck, size_t i);
const lavin_ckpt_tensor *lavin_checkpoint_find(const lavin_checkpoint *ck, const char *name);
/* safetensors __metadata__ value for key, or NULL (always NULL for torch
 * files). GGUF metadata appears as text (checkpoint/gguf.h says how), with
 * lavin's keys (lavin.model, lavin.config, lavin.size) made from the GGUF
 * ones. */
const char *lavin_checkpoint_metadata(const lavin_checkpoint *ck, const char *key);
/* The i-th metadata key (file order, after the keys a GGUF reader makes);
 * NULL when i is out of range. */
const char *lavin_checkpoint_metadata_key(const lavin_checkpoint *ck, size_t i);
const char *lavin_checkpoint_path(const lavin_checkpoint *ck);
/* "safetensors", "GGUF" or "PyTorch". */
const char *lavin_checkpoint_format(const lavin_checkpoint *ck);

/* Writes a valid safetensors file (tensors in the given order, 8-byte aligned
 * header padding with spaces as the format does, metadata key/value string
 * pairs may be NULL/0), via a temp file renamed at the end so no partial file
 * is ever left. */
int lavin_safetensors_write(const char *path, const lavin_ckpt_tensor *tensors, size_t n,
                            const char *const *meta_keys, const char *const *meta_values, size_t nmeta,
                            char *err, size_t err_size);

#endif
