#include "stvae/latent.h"
#include "core/noise.h"
#include "core/ops/elementwise.h"

int lavin_stvae_latent(lavin_context *ctx, const lavin_tensor *moments, int sample, uint64_t seed,
                       const lavin_tensor *z)
{
    char dm[96], dz[96];
    int ok = moments->ndim == 5 && z->ndim == 5 && moments->ne[1] == 2 * z->ne[1] && moments->ne[0] == z->ne[0];
    for (int i = 2; ok && i < 5; i++)
        ok = moments->ne[i] == z->ne[i];
    if (!ok)
        return lavin_err(ctx, LAVIN_EINVAL, "latent: moments %s do not give a latent %s",
                         lavin_tensor_describe(moments, dm, sizeof(dm)), lavin_tensor_describe(z, dz, sizeof(dz)));
    int64_t B = z->ne[0], per = lavin_tensor_nelem(z) / B;
    lavin_tensor noise = { 0 };
    int ret = 0;
    if (sample) {
        ret = lavin_tensor_alloc(ctx, &noise, LAVIN_F32, 5, z->ne);
        if (ret >= 0)
            ret = lavin_gaussian_tensor(ctx, seed, &noise);
    }
    /* Per batch item, the mean and the logvar are each one contiguous half. */
    for (int64_t b = 0; b < B && ret >= 0; b++) {
        lavin_tensor mean, logvar, zb, nb;
        ret = lavin_tensor_view(ctx, moments, 2 * b * per, 1, &per, &mean);
        if (ret >= 0)
            ret = lavin_tensor_view(ctx, moments, (2 * b + 1) * per, 1, &per, &logvar);
        if (ret >= 0)
            ret = lavin_tensor_view(ctx, z, b * per, 1, &per, &zb);
        if (ret >= 0 && sample) {
            ret = lavin_tensor_view(ctx, &noise, b * per, 1, &per, &nb);
            if (ret >= 0)
                ret = lavin_op_reparam(ctx, &mean, &logvar, &nb, &zb);
            if (ret >= 0)
                ret = lavin_op_affine(ctx, &zb, LAVIN_LATENT_SCALE, -LAVIN_LATENT_SHIFT * LAVIN_LATENT_SCALE, &zb);
        } else if (ret >= 0) {
            ret = lavin_op_affine(ctx, &mean, LAVIN_LATENT_SCALE, -LAVIN_LATENT_SHIFT * LAVIN_LATENT_SCALE, &zb);
        }
    }
    lavin_tensor_free(ctx, &noise);
    return ret;
}

int lavin_stvae_denormalize(lavin_context *ctx, const lavin_tensor *z, const lavin_tensor *out)
{
    return lavin_op_affine(ctx, z, 1.0f / LAVIN_LATENT_SCALE, LAVIN_LATENT_SHIFT, out);
}
