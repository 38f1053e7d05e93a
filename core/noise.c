#include <math.h>
#include <stdlib.h>

#include "core/noise.h"
#include "core/transfer.h"

uint64_t lavin_splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void lavin_gaussian(uint64_t seed, uint64_t offset, float *out, size_t n)
{
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t j = 0; j < n; j++) {
        uint64_t i = offset + j;
        uint64_t x = lavin_splitmix64(seed + lavin_splitmix64(i / 2));
        double u1 = ((double)(x >> 40) + 0.5) / 16777216.0;
        double u2 = (double)((x >> 16) & 0xffffff) / 16777216.0;
        double r = sqrt(-2.0 * log(u1));
        out[j] = (float)(i % 2 ? r * sin(two_pi * u2) : r * cos(two_pi * u2));
    }
}

int lavin_gaussian_tensor(lavin_context *ctx, uint64_t seed, const lavin_tensor *t)
{
    if (t->dtype != LAVIN_F32)
        return lavin_err(ctx, LAVIN_EINVAL, "noise: the tensor must be f32");
    size_t n = (size_t)lavin_tensor_nelem(t);
    float *host = malloc(n * sizeof(*host));
    if (!host)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory for %zu noise values", n);
    lavin_gaussian(seed, 0, host, n);
    int ret = lavin_tensor_upload(ctx, t, host, n * sizeof(*host));
    free(host);
    return ret;
}
