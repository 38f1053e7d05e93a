/* The ST-VAE (docs/computation.md section 3): a causal 3-D convolutional video VAE with
 * 8x spatial and, per its config, 4x temporal compression. */
#ifndef LAVIN_STVAE_STVAE_H
#define LAVIN_STVAE_STVAE_H

#include "stvae/stvae_config.h"
#include "core/tensor.h"
#include "checkpoint/weights.h"

typedef struct lavin_stvae lavin_stvae;

/* Checks that w holds every tensor of cfg with its shape (w is kept, not
 * copied); fails naming the first that is missing or mis-shaped. */
int lavin_stvae_create(lavin_context *ctx, const lavin_stvae_config *cfg, const lavin_weights *w,
                       lavin_stvae **out);
void lavin_stvae_destroy(lavin_stvae **vae);

/* Frames after encoding T frames, and after decoding T' latent frames. */
int64_t lavin_stvae_encoded_frames(const lavin_stvae *vae, int64_t T);
int64_t lavin_stvae_decoded_frames(const lavin_stvae *vae, int64_t T);
int lavin_stvae_latent_channels(const lavin_stvae *vae);
/* Multiply-adds x 2 of every convolution the last encode or decode launched,
 * counting all taps (27 for a 3x3x3 kernel). */
double lavin_stvae_flops(const lavin_stvae *vae);
/* Spatial compression: 2^(number of blocks - 1). */
int lavin_stvae_scale(const lavin_stvae *vae);
const lavin_stvae_config *lavin_stvae_get_config(const lavin_stvae *vae);
lavin_context *lavin_stvae_context(const lavin_stvae *vae);

/* video [B, 3, T, H, W] f32 in [-1, 1] -> moments [B, 2 * latent, T', H/s,
 * W/s]: mean then logvar, before sampling or normalisation. */
int lavin_stvae_encode(lavin_stvae *vae, const lavin_tensor *video, const lavin_tensor *moments);

/* z [B, latent, T', h, w] -> video [B, 3, T, s*h, s*w], the raw decoder
 * output before clamping. */
int lavin_stvae_decode(lavin_stvae *vae, const lavin_tensor *z, const lavin_tensor *video);

#endif
