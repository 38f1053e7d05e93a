/* The boundary between the ST-VAE and the J-DiT: the posterior latent and
 * its normalisation (docs/computation.md sections 1.3 and 1.7), in this one place. */
#ifndef LAVIN_STVAE_LATENT_H
#define LAVIN_STVAE_LATENT_H

#include <stdint.h>

#include "core/tensor.h"

#define LAVIN_LATENT_SHIFT 0.032470703125f
#define LAVIN_LATENT_SCALE 1.08936170213f

/* moments [B, 2C, T, h, w] (mean then logvar) -> z [B, C, T, h, w] for the
 * J-DiT: z = (latent - shift) * scale, where latent is the posterior mode
 * (the mean) when sample is 0, else the sample mean + exp(0.5 * clamp(logvar,
 * -30, 20)) * n, n elements [0, B*C*T*h*w) of core/noise.h's stream for seed
 * in z's element order. */
int lavin_stvae_latent(lavin_context *ctx, const lavin_tensor *moments, int sample, uint64_t seed,
                       const lavin_tensor *z);

/* The inverse before decoding: latent = z / scale + shift. out may be z. */
int lavin_stvae_denormalize(lavin_context *ctx, const lavin_tensor *z, const lavin_tensor *out);

#endif
