/* Opening the two models of LaVin-DiT on one device: both files are checked
 * against their configs' manifests before any device work starts, so a wrong
 * file costs no Vulkan start-up. */
#ifndef LAVIN_PIPELINE_MODELS_H
#define LAVIN_PIPELINE_MODELS_H

#include <stddef.h>

#include "checkpoint/checkpoint.h"
#include "jdit/jdit.h"
#include "stvae/stvae.h"
#include "checkpoint/weights.h"

typedef struct lavin_models_params {
    const char *dit, *vae;               /* paths; either may be NULL to open only the other */
    const char *dit_config, *vae_config; /* --config files, or NULL to look beside/inside the weights */
    const char *device;
    int weights_dtype; /* lavin_dtype to convert to; < 0 keeps the stored dtypes */
    int allow_missing; /* load despite manifest problems (they are still printed) */
    uint64_t memory_limit;
} lavin_models_params;

typedef struct lavin_models {
    lavin_context *ctx;
    lavin_checkpoint *dit_file, *vae_file;
    lavin_weights *dit_w, *vae_w;
    lavin_jdit *jdit;
    lavin_stvae *vae;
} lavin_models;

/* On failure everything opened so far is closed and err holds one line. The
 * error code is LAVIN_EFORMAT/LAVIN_EIO/LAVIN_EINVAL for a bad file, other
 * codes for device trouble. */
int lavin_models_open(const lavin_models_params *p, lavin_models *m, char *err, size_t err_size);
void lavin_models_close(lavin_models *m);

#endif
