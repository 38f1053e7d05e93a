/* GGUF, version 3 (ggml's docs/gguf.md): a header ("GGUF", the version, the
 * tensor and metadata counts), typed key/value metadata, one info per tensor
 * (name, dimensions fastest first, ggml type, offset into the data section),
 * then the data section, each tensor at a multiple of general.alignment (32
 * unless the file says otherwise). lavin reads and writes the tensor types it
 * computes with: F32, F16, BF16, Q8_0 and Q4_0.
 *
 * Dimensions: GGUF lists ne[0], the row length, first; lavin and PyTorch
 * list it last. A PyTorch Linear weight [N, K] is GGUF [K, N], and ggml's
 * 32-element quantization blocks run along K.
 *
 * Metadata appears through lavin_checkpoint_metadata as text: strings as
 * they are, numbers and booleans printed; arrays only through the keys lavin
 * makes of them. A file whose general.architecture is "lavin-dit" also gets
 * lavin.model ("jdit"), lavin.config (a JSON object of every
 * "lavin-dit.NAME" entry) and lavin.size ("WxH" from lavin.native_size), so
 * that it stands alone where a safetensors file needs its metadata strings. */
#ifndef LAVIN_CHECKPOINT_GGUF_H
#define LAVIN_CHECKPOINT_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint/ckpt_set.h"

#define LAVIN_GGUF_VERSION 3
/* The format's default, and what lavin writes. */
#define LAVIN_GGUF_ALIGNMENT 32
/* ggml's quantization layouts of Q8_0 and Q4_0 since May 2023. */
#define LAVIN_GGUF_QUANTIZATION_VERSION 2
/* The format's limits on a tensor's rank and name, and on a key. */
#define LAVIN_GGUF_MAX_DIMS 4
#define LAVIN_GGUF_MAX_NAME 64
#define LAVIN_GGUF_MAX_KEY 65535
/* lavin's own caps, far above any model's, so that a header cannot make the
 * reader allocate or recurse without bound. */
#define LAVIN_GGUF_MAX_TENSORS (1u << 20)
#define LAVIN_GGUF_MAX_KV (1u << 20)
#define LAVIN_GGUF_MAX_NESTING 4
#define LAVIN_GGUF_MAX_ALIGNMENT (1u << 20)

/* Metadata value types. */
enum lavin_gguf_type {
    LAVIN_GGUF_UINT8 = 0,
    LAVIN_GGUF_INT8 = 1,
    LAVIN_GGUF_UINT16 = 2,
    LAVIN_GGUF_INT16 = 3,
    LAVIN_GGUF_UINT32 = 4,
    LAVIN_GGUF_INT32 = 5,
    LAVIN_GGUF_FLOAT32 = 6,
    LAVIN_GGUF_BOOL = 7,
    LAVIN_GGUF_STRING = 8,
    LAVIN_GGUF_ARRAY = 9,
    LAVIN_GGUF_UINT64 = 10,
    LAVIN_GGUF_INT64 = 11,
    LAVIN_GGUF_FLOAT64 = 12,
};

/* The ggml tensor types lavin knows (ggml_type ids). */
enum lavin_ggml_type {
    LAVIN_GGML_F32 = 0,
    LAVIN_GGML_F16 = 1,
    LAVIN_GGML_Q4_0 = 2,
    LAVIN_GGML_Q8_0 = 8,
    LAVIN_GGML_BF16 = 30,
};

/* The keys lavin writes besides the architecture's own. */
#define LAVIN_GGUF_ARCH_JDIT "lavin-dit"
#define LAVIN_GGUF_KEY_ARCH "general.architecture"
#define LAVIN_GGUF_KEY_ALIGNMENT "general.alignment"
#define LAVIN_GGUF_KEY_QVERSION "general.quantization_version"
#define LAVIN_GGUF_KEY_NATIVE_SIZE "lavin.native_size"      /* uint32[2]: width, height */
#define LAVIN_GGUF_KEY_CLIP_FRAMES "lavin.clip_frames"      /* uint32: the model's clip length */
#define LAVIN_GGUF_KEY_KEPT_NAMES "lavin.kept.names"        /* string[]: tensors left unquantized */
#define LAVIN_GGUF_KEY_KEPT_REASONS "lavin.kept.reasons"    /* string[]: why, one per name */

/* Whether data starts with the GGUF magic. */
int lavin_gguf_sniff(const uint8_t *data, size_t size);

/* Validates the whole image and appends its tensors, in tensor-info order,
 * to out; they point into data. file names the source in messages. */
int lavin_gguf_parse(const uint8_t *data, size_t size, const char *file, lavin_ckpt_set *out, char *err,
                     size_t err_size);

/* The ggml type of a lavin dtype, and back (-1 for a type lavin does not
 * compute with). */
uint32_t lavin_gguf_ggml_type(lavin_dtype t);
int lavin_gguf_lavin_dtype(uint32_t ggml_type);

/* One metadata entry to write: a uint32, a string, or a flat array of
 * either (type ARRAY, elem_type UINT32 or STRING, count entries). */
typedef struct lavin_gguf_kv {
    const char *key;
    enum lavin_gguf_type type, elem_type;
    uint32_t u32;
    const char *str;
    const uint32_t *u32s;
    const char *const *strs;
    uint64_t count;
} lavin_gguf_kv;

/* Writes a GGUF v3 file: kv in order (general.architecture first, by
 * custom), then general.quantization_version (2), general.alignment (32)
 * and lavin.kept.names/reasons from the tensors' why; every tensor padded
 * to 32 bytes. The file appears whole or not at all (a temporary file
 * renamed at the end). */
int lavin_gguf_write(const char *path, const lavin_ckpt_tensor *tensors, size_t n, const lavin_gguf_kv *kv,
                     size_t nkv, char *err, size_t err_size);

#endif
