/* What the GGUF reader shares with its metadata view and the writer: each
 * entry as validated, pointing into the file, and the rules for text. */
#ifndef LAVIN_CHECKPOINT_GGUF_META_H
#define LAVIN_CHECKPOINT_GGUF_META_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint/ckpt_set.h"

typedef struct lavin_gguf_entry {
    const char *key;          /* key_len bytes, not NUL-terminated */
    size_t key_len;
    uint32_t type;            /* enum lavin_gguf_type */
    const uint8_t *value;     /* the value's bytes, already checked to be well formed */
    size_t value_size;
} lavin_gguf_entry;

/* NULL when the n bytes at s are UTF-8 without NUL bytes (and, for a name,
 * without control characters, which would break a one-line message); else
 * what is wrong ("is not valid UTF-8", ...). */
const char *lavin_gguf_text_problem(const uint8_t *s, size_t n, int name);

/* Little-endian unsigned integer of 1, 2, 4 or 8 bytes. */
uint64_t lavin_gguf_le(const uint8_t *p, int bytes);

/* Bytes of a metadata value of a fixed-size type; 0 for strings, arrays and
 * types the format does not define. */
size_t lavin_gguf_value_size(uint32_t type);

/* Whether entry e's key is key. */
int lavin_gguf_key_is(const lavin_gguf_entry *e, const char *key);

/* The entry among kv[0 .. n) whose key is key, or NULL. */
const lavin_gguf_entry *lavin_gguf_find(const lavin_gguf_entry *kv, size_t n, const char *key);

/* Adds the file's metadata to out as text (checkpoint/gguf.h says which
 * keys) and the tensors' why from lavin.kept.names/reasons; the tensors
 * must already be in out. Fails, naming the key, when a key lavin reads
 * has the wrong type or names a tensor the file does not hold. */
int lavin_gguf_meta(const lavin_gguf_entry *kv, size_t n, const char *file, lavin_ckpt_set *out, char *err,
                    size_t err_size);

#endif
