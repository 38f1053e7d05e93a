/* ST-VAE configs: the released preset, JSON (as for the J-DiT: --config,
 * NAME.json beside the weights, or metadata "lavin.config"), or inferred
 * from tensor shapes; and the tensors a config expects. */
#ifndef LAVIN_STVAE_STVAE_CONFIG_H
#define LAVIN_STVAE_STVAE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "checkpoint/checkpoint.h"
#include "core/log.h"
#include "checkpoint/manifest.h"

#define LAVIN_STVAE_MAX_BLOCKS 8

typedef struct lavin_stvae_config {
    int block_out_channels[LAVIN_STVAE_MAX_BLOCKS];
    int nblocks;
    int layers_per_block, latent_channels, norm_num_groups, temporal_compression_ratio;
} lavin_stvae_config;

/* block_out_channels (128, 256, 256, 512), 3 layers per block, 16 latent
 * channels, 32 groups, temporal compression 4. */
void lavin_stvae_config_preset(lavin_stvae_config *cfg);

int lavin_stvae_config_parse(const char *json, const char *source, lavin_stvae_config *cfg,
                            const lavin_logger *log, char *err, size_t err_size);

int lavin_stvae_config_find(const lavin_checkpoint *ck, const char *config_path, lavin_stvae_config *cfg,
                            const char **origin, const lavin_logger *log, char *err, size_t err_size);

/* Writes cfg as the JSON the parser reads. */
void lavin_stvae_config_json(const lavin_stvae_config *cfg, char *buf, size_t size);

void lavin_stvae_manifest(const lavin_stvae_config *cfg, lavin_manifest_fn fn, void *user);

int lavin_stvae_check(const lavin_stvae_config *cfg, const lavin_checkpoint *ck, const lavin_logger *log,
                      lavin_manifest_report *r);

#endif
