/* Opening the two models of LaVin-DiT on one device: both files are checked
 * against their configs' manifests before any device work starts, so a wrong
 * file costs no Vulkan start-up. */
#ifndef LAVIN_INCONTEXT_MODELS_H
#define LAVIN_INCONTEXT_MODELS_H

#include <stddef.h>

#include "checkpoint/checkpoint.h"
#include "jdit/jdit.h"
#include "stvae/stvae.h"
#include "checkpoint/weights.h"
#include "core/step.h"

typedef struct lavin_models_params {
    const char *dit, *vae;               /* paths; either may be NULL to open only the other */
    const char *dit_config, *vae_config; /* --config files, or NULL to look beside/inside the weights */
    int weights_dtype; /* lavin_dtype to convert to; < 0 keeps the stored dtypes */
    int allow_missing; /* load despite manifest problems (they are still logged) */
    lavin_step_fn step; /* hears of each tensor loaded; may be NULL */
    void *user;
} lavin_models_params;

typedef struct lavin_models {
    lavin_context *ctx; /* the caller's */
    lavin_checkpoint *dit_file, *vae_file;
    lavin_weights *dit_w, *vae_w;
    lavin_jdit *jdit;
    lavin_stvae *vae;
} lavin_models;

/* Opens and checks the files, then starts ctx's device (if it is not up)
 * and loads them. On failure everything opened so far is closed and ctx
 * holds one line: LAVIN_EFORMAT/LAVIN_EIO/LAVIN_EINVAL for a bad file, other
 * codes for device trouble. */
int lavin_models_open(lavin_context *ctx, const lavin_models_params *p, lavin_models *m);
void lavin_models_close(lavin_models *m);

#endif
