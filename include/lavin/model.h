/*
 * A LaVin-DiT model: the J-DiT (the diffusion transformer) and the ST-VAE
 * (the video autoencoder) on one context's device.
 */
#ifndef LAVIN_MODEL_H
#define LAVIN_MODEL_H

#include <stdint.h>

#include "lavin/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stages of a long call, for progress callbacks. */
enum lavin_stage {
    LAVIN_STAGE_LOAD = 0,   /* weights to the device: step = tensors loaded */
    LAVIN_STAGE_ENCODE = 1, /* the ST-VAE encodes pictures: step = pictures or clips encoded */
    LAVIN_STAGE_SAMPLE = 2, /* the J-DiT's sampler: step = Euler steps done */
    LAVIN_STAGE_DECODE = 3, /* the ST-VAE decodes answers: step = answers decoded */
};

typedef struct lavin_progress {
    enum lavin_stage stage;
    int step, steps;    /* step of steps done in this stage (0 when it starts) */
    int first, count;   /* the items (queries, frames, clips) this stage works on: first, first + count - 1 */
    int total;          /* items of the whole call */
} lavin_progress;

/* Called when a stage starts and after each of its steps, at least once per
 * sampler step. Returning non-zero cancels the call: it returns
 * LAVIN_ECANCELED within one sampler step and hands back nothing. */
typedef int (*lavin_progress_fn)(void *user, const lavin_progress *progress);

enum lavin_weights_dtype {
    LAVIN_WEIGHTS_STORED = 0, /* as the files hold them */
    LAVIN_WEIGHTS_F32 = 1,
    LAVIN_WEIGHTS_F16 = 2,
    LAVIN_WEIGHTS_BF16 = 3,
};

typedef struct lavin_model_params {
    /* A model folder: lavin_dit.safetensors and stvae.pt (or
     * stvae.safetensors), as released. NULL with dit and vae NULL: the
     * bundled lavin-tiny, installed or in the source tree. */
    const char *dir;
    /* The two files anywhere (both or neither; they win over dir):
     * safetensors or PyTorch zip checkpoints. */
    const char *dit, *vae;
    /* JSON config files; NULL looks for NAME.json beside the weights, then
     * the safetensors metadata key "lavin.config", then infers the config
     * from the tensor shapes (with a LAVIN_LOG_WARN line). */
    const char *dit_config, *vae_config;
    enum lavin_weights_dtype weights_dtype;
    /* Load despite missing, unexpected or mis-shaped tensors (each is
     * logged at LAVIN_LOG_WARN); otherwise that is LAVIN_EFORMAT. */
    int allow_missing;
    lavin_progress_fn progress;
    void *progress_user;
    void *reserved[8];
} lavin_model_params;

typedef struct lavin_model lavin_model;

/* Everything zero: lavin-tiny, weights as stored. */
LAVIN_API void lavin_model_params_default(lavin_model_params *p);

/* Opens both files and checks them against their configs before the device
 * starts, then loads the weights. Errors: LAVIN_EINVAL (no such folder or
 * file), LAVIN_EFORMAT/LAVIN_EIO (a malformed file, a file that does not
 * match its config, two files that do not fit together), device errors. */
LAVIN_API int lavin_model_open(lavin_context *ctx, const lavin_model_params *params, lavin_model **out);
/* Frees the weights; every session of the model must be destroyed first.
 * Does nothing when m or *m is NULL. */
LAVIN_API void lavin_model_close(lavin_model **m);

typedef struct lavin_model_info {
    int width, height;        /* native picture size: the J-DiT file's "lavin.size" metadata, else 512x512 */
    int64_t dit_params, vae_params;
    const char *dit_dtype, *vae_dtype; /* weights as loaded: "f32", "f16", "bf16" or "mixed"; static */
    int latent_channels;
    int hidden_size, depth, num_heads; /* the J-DiT's config */
    int vae_scale;            /* pixels per latent cell: 8 for the released ST-VAE */
    int size_multiple;        /* width and height must be multiples of it: 16 for the released model */
    char dit_path[4096], vae_path[4096];
    /* Added in API 1.4. Frames per clip (1 + 4k) of the model's clip tasks,
     * what clip sessions take unless lavin_session_params.clip_frames says:
     * the J-DiT file's "lavin.clip_frames" metadata (lavin-tiny: 5, the
     * length its clip depth scores best at), else 9. */
    int clip_frames;
    int reserved_int; /* with clip_frames, 8 bytes taken from reserved on 32 and 64 bits */
    void *reserved[8 - 8 / sizeof(void *)];
} lavin_model_info;

LAVIN_API void lavin_model_get_info(const lavin_model *m, lavin_model_info *info);

/* The context the model was opened on. */
LAVIN_API lavin_context *lavin_model_context(const lavin_model *m);

#ifdef __cplusplus
}
#endif

#endif
