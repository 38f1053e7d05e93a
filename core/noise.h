/* Gaussian noise from a counter-based generator, so that a seed names the
 * same noise on every device and any slice can be made on its own.
 *
 * Element i of the stream for seed s:
 *   k = i / 2,  x = splitmix64(s + splitmix64(k)),
 *   u1 = ((x >> 40) + 0.5) / 2^24,  u2 = ((x >> 16) & 0xffffff) / 2^24,
 *   r = sqrt(-2 ln u1),  element = r cos(2 pi u2) for even i, r sin(2 pi u2)
 *   for odd i (Box-Muller in double precision, rounded to float),
 * where splitmix64(z) = z += 0x9e3779b97f4a7c15; z = (z ^ z >> 30) *
 * 0xbf58476d1ce4e5b9; z = (z ^ z >> 27) * 0x94d049bb133111eb; z ^ z >> 31. */
#ifndef LAVIN_CORE_NOISE_H
#define LAVIN_CORE_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "core/tensor.h"

/* The mixing function above; also used to derive seeds and random choices. */
uint64_t lavin_splitmix64(uint64_t z);

/* Elements [offset, offset + n) of the stream for seed. */
void lavin_gaussian(uint64_t seed, uint64_t offset, float *out, size_t n);

/* Fills an f32 tensor with elements [0, nelem) of the stream for seed. */
int lavin_gaussian_tensor(lavin_context *ctx, uint64_t seed, const lavin_tensor *t);

#endif
