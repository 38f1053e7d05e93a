/* J-DiT configs: the released preset, JSON (beside the weights as NAME.json,
 * given with --config, or in safetensors metadata under "lavin.config"), or
 * inferred from the tensor shapes. */
#ifndef LAVIN_JDIT_JDIT_CONFIG_H
#define LAVIN_JDIT_JDIT_CONFIG_H

#include <stddef.h>

#include "checkpoint/checkpoint.h"
#include "core/log.h"
#include "jdit/jdit.h"

typedef struct lavin_jdit_config {
    int hidden_size, depth, num_heads, kv_group, in_channels, patch_size;
} lavin_jdit_config;

/* LaVin-DiT 3.4B: 2304 hidden, 22 blocks, 32 heads, kv group 4, 16 latent
 * channels, patch 2. */
void lavin_jdit_config_preset(lavin_jdit_config *cfg);

/* Reads the keys present in json over cfg; unknown keys are warned about on
 * stderr; a key of the wrong type is an error naming it. */
int lavin_jdit_config_parse(const char *json, const char *source, lavin_jdit_config *cfg,
                            const lavin_logger *log, char *err, size_t err_size);

/* The config of a checkpoint: config_path if given, else NAME.json beside
 * the weights, else metadata "lavin.config", else inferred from shapes.
 * *origin says which (a static string). */
int lavin_jdit_config_find(const lavin_checkpoint *ck, const char *config_path, lavin_jdit_config *cfg,
                           const char **origin, const lavin_logger *log, char *err, size_t err_size);

int lavin_jdit_config_dims(const lavin_jdit_config *cfg, lavin_jdit_dims *d, char *err, size_t err_size);

#endif
