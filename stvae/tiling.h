/* Tiled ST-VAE encoding and decoding, as the official AutoencoderKLSTVAE
 * does them with tiling enabled, so that large images and clips fit a
 * device-memory budget. Tiling changes the GroupNorm statistics (each tile
 * normalises over itself), so tiled output is close to, not equal to,
 * untiled output: see bench/README.md for the measured difference. */
#ifndef LAVIN_STVAE_TILING_H
#define LAVIN_STVAE_TILING_H

#include "stvae/stvae.h"

typedef struct lavin_stvae_tiling {
    int tile;   /* spatial tile in pixels, a multiple of 4 x the VAE's scale; 0 = no spatial tiling */
    int tile_t; /* temporal chunk in input frames, 1 + 4k with k >= 1; 0 = no temporal chunking */
} lavin_stvae_tiling;

/* The official tiled_encode / tiled_decode: tiles of t->tile pixels
 * (t->tile / scale latents) start every 3/4 tile; each result is blended
 * linearly into its already blended upper then left neighbour over a
 * quarter of the result tile and cropped to the other three quarters.
 * Temporal chunks of t->tile_t frames ((t->tile_t - 1) / 4 + 1 latent
 * frames) start every chunk - 1 frames, so neighbours share one frame,
 * which all but the first chunk drop. As in the official code, tiling
 * happens only when the input exceeds the tile or the chunk in some
 * dimension; otherwise these are lavin_stvae_encode / _decode. Shapes are
 * checked as those do (the output's frame count is the chunked one, which
 * equals the untiled one for T = 1 + 4k). Device memory: one tile's
 * activations plus two rows of result tiles. lavin_stvae_flops() then
 * counts the last tile only. */
int lavin_stvae_encode_tiled(lavin_stvae *vae, const lavin_tensor *video, const lavin_tensor *moments,
                             const lavin_stvae_tiling *t);
int lavin_stvae_decode_tiled(lavin_stvae *vae, const lavin_tensor *z, const lavin_tensor *video,
                             const lavin_stvae_tiling *t);

/* Estimated peak device memory, in bytes, of one untiled encode (or decode)
 * of a [B, 3, T, H, W] clip: the input and output plus, at the level whose
 * activations are largest, five f32 tensors of that level's widest channel
 * count (a ResNet block holds its input, the norm output, the conv output
 * and the shortcut or upsampled copy, and the decoder's SpatialNorm the
 * resized latent and its two convolutions). Weights are not counted. */
uint64_t lavin_stvae_memory_estimate(const lavin_stvae *vae, int encode, int64_t B, int64_t T, int64_t H,
                                     int64_t W);

/* Picks tiling so that the estimated peak of one encode (or decode) of
 * [B, 3, T, H, W] (H, W in pixels, T in frames; a decode is given the clip
 * it produces) stays under budget_bytes: {0, 0} when the whole clip fits;
 * otherwise, among no chunking and chunks of 17, 9 and 5 frames each with
 * its largest fitting tile, the one with the largest tile volume, whose
 * estimate also counts the whole input and output and two rows of result
 * tiles; the smallest tile (4 x scale, chunks of 5) when nothing fits. */
void lavin_stvae_tiling_auto(const lavin_stvae *vae, int encode, int64_t B, int64_t T, int64_t H, int64_t W,
                             uint64_t budget_bytes, lavin_stvae_tiling *t);

#endif
