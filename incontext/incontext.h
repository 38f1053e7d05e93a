/* In-context inference (docs/computation.md section 1): example pairs and a query are
 * encoded by the ST-VAE into the condition in1, tg1, ..., inN, tgN, query;
 * the J-DiT samples the target; the ST-VAE decodes it. An image is a clip of
 * one frame, so the same code runs image tasks, clip tasks (1 + 4k frames per
 * item, several latent frames per target) and future-frame prediction. */
#ifndef LAVIN_INCONTEXT_INCONTEXT_H
#define LAVIN_INCONTEXT_INCONTEXT_H

#include "incontext/frames.h"
#include "incontext/models.h"
#include "jdit/sampler.h"
#include "stvae/tiling.h"

typedef struct lavin_clip {
    lavin_image *frames;
    int n;
} lavin_clip;

typedef struct lavin_incontext_params {
    int width, height;     /* the model's input size, multiples of 16 */
    int grid_points;       /* time grid of the sampler; n - 1 steps */
    float cfg;             /* guidance scale */
    uint64_t seed;         /* noise and posterior samples derive from it */
    lavin_fit fit;
    int keep_model_size;   /* outputs at width x height instead of the input's size */
    /* The size the model was trained at (multiples as width's); with
     * rope_interpolate, the RoPE h and w positions are scaled to it
     * (lavin_jdit_set_rope_anchor()), else they are the integers. */
    int rope_anchor_width, rope_anchor_height;
    int rope_interpolate;
    lavin_stvae_tiling tiling;
    int auto_tiling;       /* pick tiling per clip for budget bytes of device memory */
    uint64_t budget;
    /* Hears of each step of each stage (enum lavin_stage); non-zero cancels
     * with LAVIN_ECANCELED. May be NULL. */
    int (*notify)(void *user, int stage, int step, int steps);
    void *user;
} lavin_incontext_params;

typedef struct lavin_incontext lavin_incontext;

int lavin_incontext_create(lavin_models *m, const lavin_incontext_params *p, lavin_incontext **out);
void lavin_incontext_destroy(lavin_incontext **ic);

/* Encodes n example pairs (each input and target clip of the same frame
 * count) into the condition. Pairs keep their order. */
int lavin_incontext_set_pairs(lavin_incontext *ic, const lavin_clip *inputs, const lavin_clip *targets, int n);

/* The targets of n queries of one frame count, sampled as one batch (every
 * item from the same noise, so a query's result does not depend on its
 * batch): out[i] gets as many frames as queries[i], each at the query
 * frame's size (or the model's). */
int lavin_incontext_run(lavin_incontext *ic, const lavin_clip *queries, int n, lavin_clip *out);

/* The J-DiT's activation workspace, in bytes, for the largest batch run so
 * far: what a caller sizes its next batch by. */
uint64_t lavin_incontext_workspace(const lavin_incontext *ic);

/* Future frames: the clip conditions the J-DiT (after the pairs, if any),
 * which samples as many latent frames as `frames` needs (4 new frames each
 * with the released ST-VAE), decoded as the continuation of the clip's own latents; out gets the first `frames` new
 * frames. */
int lavin_incontext_predict(lavin_incontext *ic, const lavin_clip *past, int frames, lavin_clip *out);

void lavin_clip_free(lavin_clip *c);

#endif
