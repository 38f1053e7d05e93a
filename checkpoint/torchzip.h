/* PyTorch zip checkpoints (torch.save since 1.6): a zip of stored entries
 * under one top folder, named after the file it was saved as, holding
 * data.pkl (the pickled object) and data/<key> (one record per storage). */
#ifndef LAVIN_CHECKPOINT_TORCHZIP_H
#define LAVIN_CHECKPOINT_TORCHZIP_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint/ckpt_set.h"

/* Validates the archive and the pickle, and appends the state dict's
 * tensors, in pickle order, to out. verify_crc 0 skips the record
 * checksums, which only a fuzzer wants. */
int lavin_torchzip_parse(const uint8_t *data, size_t size, const char *file, int verify_crc,
                         lavin_ckpt_set *out, char *err, size_t err_size);

#endif
