/* The ST-VAE: encode and decode of images and a clip, random f16 weights. */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "core/stream.h"
#include "stvae/stvae.h"

typedef struct {
    lavin_stvae *vae;
    lavin_tensor in, out;
    int encode;
} vae_args;

static int run(lavin_context *ctx, void *p)
{
    (void)ctx;
    vae_args *a = p;
    return a->encode ? lavin_stvae_encode(a->vae, &a->in, &a->out) : lavin_stvae_decode(a->vae, &a->in, &a->out);
}

static void list(const void *cfg, lavin_manifest_fn fn, void *user)
{
    lavin_stvae_manifest(cfg, fn, user);
}

static int one(lavin_context *ctx, const lavin_bench_opts *o, const char *label, const lavin_stvae_config *cfg,
               int64_t T, int64_t size)
{
    char names[2][128];
    for (int encode = 1; encode >= 0; encode--)
        snprintf(names[encode], sizeof(names[encode]), "stvae %s %s %lldx%lldx%lld", encode ? "encode" : "decode",
                 label, (long long)T, (long long)size, (long long)size);
    if (!lavin_bench_wanted(o, names[0]) && !lavin_bench_wanted(o, names[1]))
        return 0;
    lavin_weights *w = NULL;
    lavin_stvae *vae = NULL;
    int ret = lavin_bench_weights(ctx, list, cfg, &w);
    if (ret >= 0)
        ret = lavin_stvae_create(ctx, cfg, w, &vae);
    for (int encode = 1; encode >= 0 && ret >= 0; encode--) {
        vae_args a = { vae, { 0 }, { 0 }, encode };
        int64_t s = lavin_stvae_scale(vae), C = cfg->latent_channels;
        int64_t Tl = lavin_stvae_encoded_frames(vae, T);
        const char *name = names[encode];
        if (!lavin_bench_wanted(o, name))
            continue;
        if (encode) {
            ret = lavin_bench_tensor(ctx, &a.in, LAVIN_F32, 5, (int64_t[]){ 1, 3, T, size, size });
            if (ret >= 0)
                ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 5, (int64_t[]){ 1, 2 * C, Tl, size / s, size / s });
        } else {
            ret = lavin_bench_tensor(ctx, &a.in, LAVIN_F32, 5, (int64_t[]){ 1, C, Tl, size / s, size / s });
            if (ret >= 0)
                ret = lavin_tensor_alloc(ctx, &a.out, LAVIN_F32, 5,
                                         (int64_t[]){ 1, 3, lavin_stvae_decoded_frames(vae, Tl), size, size });
        }
        /* One untimed call gives the FLOP count the timed ones share. */
        if (ret >= 0)
            ret = run(ctx, &a);
        if (ret >= 0)
            ret = lavin_stream_sync(ctx);
        if (ret >= 0)
            ret = lavin_bench_time(ctx, o, name, run, &a, lavin_stvae_flops(vae), 0);
        if (ret == LAVIN_EDEVMEM) {
            printf("%-44s skipped: %s\n", name, lavin_context_error(ctx));
            ret = 0;
        }
        lavin_stream_sync(ctx);
        lavin_tensor_free(ctx, &a.in);
        lavin_tensor_free(ctx, &a.out);
    }
    lavin_stvae_destroy(&vae);
    if (w)
        lavin_weights_free(ctx, &w);
    return ret;
}

int lavin_bench_stvae(lavin_context *ctx, const lavin_bench_opts *o)
{
    /* lavin-tiny's ST-VAE at its 128x128 frames, then the released one. */
    lavin_stvae_config released, tiny = { { 32, 32, 64, 64 }, 4, 1, 16, 32, 4 };
    lavin_stvae_config_preset(&released);
    if (!o->full)
        return one(ctx, o, "lavin-tiny", &tiny, 1, 128);
    int ret = one(ctx, o, "released", &released, 1, 256);
    if (ret >= 0)
        ret = one(ctx, o, "released", &released, 1, 512);
    if (ret >= 0)
        ret = one(ctx, o, "released", &released, 17, 256);
    return ret;
}
