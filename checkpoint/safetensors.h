/* safetensors: an 8-byte little-endian header length, a JSON header mapping
 * each tensor name to {dtype, shape, data_offsets} (plus an optional
 * "__metadata__" object of strings), then the tensor bytes, packed. */
#ifndef LAVIN_CHECKPOINT_SAFETENSORS_H
#define LAVIN_CHECKPOINT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint/ckpt_set.h"

/* The format's own cap on the header. */
#define LAVIN_SAFETENSORS_MAX_HEADER 100000000u

/* Whether data starts like a safetensors file (a length, then '{'). */
int lavin_safetensors_sniff(const uint8_t *data, size_t size);

/* Validates the whole image and appends its tensors, in data order, to out;
 * they point into data. file names the source in messages. */
int lavin_safetensors_parse(const uint8_t *data, size_t size, const char *file, lavin_ckpt_set *out,
                            char *err, size_t err_size);

#endif
