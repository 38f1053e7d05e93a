/* The ST-VAE against fixtures from lavin's own PyTorch reference
 * (tools/reference/make_stvae_fixtures.py), which matches the official
 * module exactly (tools/reference/check_official_vae.py): normalised error
 * below 1e-4 for encoding T = 1, 2, 5 (one non-square) and decoding T' = 1, 3,
 * and, with a 4-block model, untiled and tiled encoding and decoding (the
 * tiled reference matches the official tiled_encode/_decode bit for bit). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "stvae/latent.h"
#include "core/noise.h"
#include "stvae/stvae.h"
#include "stvae/tiling.h"
#include "core/transfer.h"
#include "tests/harness.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures/stvae"
#endif

typedef struct {
    lavin_context *ctx;
    lavin_stvae *vae;
    char fixtures[256];
    int passed, failed;
} suite;

static void report(suite *s, int ok, const char *what, const char *detail)
{
    ok ? s->passed++ : s->failed++;
    printf("  %s %-44s %s\n", ok ? "ok  " : "FAIL", what, detail ? detail : "");
}

static double nerr(const float *got, const float *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)got[i] - ref[i];
        num += isfinite(got[i]) ? d * d : INFINITY;
        den += (double)ref[i] * ref[i];
    }
    return sqrt(num / den);
}

/* Runs the fixture's input through the VAE, tiled when tl is given, and
 * checks the result; with untiled, also runs it untiled and prints how far
 * that is from the tiled result. */
static void tiled_case(suite *s, const char *file, const char *in_name, const char *out_name, int encode,
                       const lavin_stvae_tiling *tl, int untiled)
{
    char path[512], err[512], detail[96];
    lavin_checkpoint *ck;
    snprintf(path, sizeof(path), "%s/%s", s->fixtures, file);
    if (lavin_checkpoint_open(path, &ck, err, sizeof(err)) < 0) {
        report(s, 0, file, err);
        return;
    }
    const lavin_ckpt_tensor *in = lavin_checkpoint_find(ck, in_name), *want = lavin_checkpoint_find(ck, out_name);
    lavin_tensor x = { 0 }, y = { 0 };
    int ret = in && want ? 0 : LAVIN_EFORMAT;
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &x, LAVIN_F32, 5, in->shape);
    if (ret >= 0)
        ret = lavin_tensor_upload(s->ctx, &x, in->data, in->nbytes);
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &y, LAVIN_F32, 5, want->shape);
    if (ret >= 0)
        ret = lavin_tensor_fill(s->ctx, &y, 0x7fc00000u);
    if (ret >= 0 && tl)
        ret = encode ? lavin_stvae_encode_tiled(s->vae, &x, &y, tl) : lavin_stvae_decode_tiled(s->vae, &x, &y, tl);
    else if (ret >= 0)
        ret = encode ? lavin_stvae_encode(s->vae, &x, &y) : lavin_stvae_decode(s->vae, &x, &y);
    size_t n = want ? want->nbytes / 4 : 0;
    float *got = malloc(n * 4 + 4), *ref = malloc(n * 4 + 4), *plain = malloc(n * 4 + 4);
    if (ret >= 0)
        ret = lavin_tensor_download(s->ctx, &y, got, n * 4);
    if (ret < 0) {
        report(s, 0, file, lavin_context_error(s->ctx));
    } else {
        memcpy(ref, want->data, n * 4);
        double e = nerr(got, ref, n);
        snprintf(detail, sizeof(detail), "err %.3g (tol 1e-04)", e);
        report(s, e <= 1e-4, file, detail);
    }
    if (ret >= 0 && untiled) {
        ret = encode ? lavin_stvae_encode(s->vae, &x, &y) : lavin_stvae_decode(s->vae, &x, &y);
        if (ret >= 0)
            ret = lavin_tensor_download(s->ctx, &y, plain, n * 4);
        snprintf(detail, sizeof(detail), "untiled vs tiled %.3g", ret >= 0 ? nerr(got, plain, n) : -1.0);
        report(s, ret >= 0, encode ? "untiled encode of the tiled case" : "untiled decode of the tiled case",
               ret >= 0 ? detail : lavin_context_error(s->ctx));
    }
    free(got);
    free(ref);
    free(plain);
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &y);
    lavin_checkpoint_close(&ck);
}

static void one_case(suite *s, const char *file, const char *in_name, const char *out_name, int encode)
{
    tiled_case(s, file, in_name, out_name, encode, NULL, 0);
}

/* The 4-block model (whose last level compresses only space, as the
 * released one's does): untiled, tiled against the tiled reference, tiling
 * that does not apply, bad tilings, and the automatic choice. */
static void tiny4_cases(suite *s)
{
    char path[512], err[512], detail[128];
    lavin_checkpoint *ck = NULL;
    lavin_weights *w = NULL;
    lavin_stvae_config cfg;
    const char *origin;
    lavin_stvae *main_vae = s->vae;
    snprintf(path, sizeof(path), "%s/tiny4.safetensors", s->fixtures);
    int ret = lavin_checkpoint_open(path, &ck, err, sizeof(err));
    if (ret >= 0)
        ret = lavin_stvae_config_find(ck, NULL, &cfg, &origin, NULL, err, sizeof(err));
    if (ret >= 0 && (ret = lavin_weights_load(s->ctx, ck, -1, NULL, NULL, &w)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s->ctx));
    if (ret >= 0 && (ret = lavin_stvae_create(s->ctx, &cfg, w, &s->vae)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s->ctx));
    if (ret < 0) {
        report(s, 0, "load the 4-block ST-VAE", err);
    } else {
        lavin_stvae_tiling tl = { 32, 5 }, big = { 64, 9 }, bad = { 40, 5 }, bad_t = { 32, 7 };
        one_case(s, "tiny4_encode_t5.safetensors", "video", "moments", 1);
        one_case(s, "tiny4_decode_t2.safetensors", "z", "video", 0);
        tiled_case(s, "tiny4_tiled_encode.safetensors", "video", "moments", 1, &tl, 1);
        tiled_case(s, "tiny4_tiled_decode.safetensors", "z", "video", 0, &tl, 1);
        /* Tiles larger than the input: the untiled result, exactly the fixture. */
        tiled_case(s, "tiny4_encode_t5.safetensors", "video", "moments", 1, &big, 0);
        lavin_tensor x = { 0 }, y = { 0 };
        ret = lavin_tensor_alloc(s->ctx, &x, LAVIN_F32, 5, (int64_t[]){ 1, 3, 9, 48, 40 });
        if (ret >= 0)
            ret = lavin_tensor_alloc(s->ctx, &y, LAVIN_F32, 5, (int64_t[]){ 1, 32, 3, 6, 5 });
        int r1 = ret < 0 ? ret : lavin_stvae_encode_tiled(s->vae, &x, &y, &bad);
        report(s, r1 == LAVIN_EINVAL && strstr(lavin_context_error(s->ctx), "tile 40"),
               "a tile that is no multiple of 32 is refused", lavin_context_error(s->ctx));
        r1 = ret < 0 ? ret : lavin_stvae_encode_tiled(s->vae, &x, &y, &bad_t);
        report(s, r1 == LAVIN_EINVAL && strstr(lavin_context_error(s->ctx), "chunk 7"),
               "a chunk of 7 frames is refused", lavin_context_error(s->ctx));
        lavin_tensor_free(s->ctx, &x);
        lavin_tensor_free(s->ctx, &y);
        lavin_stvae_tiling a;
        uint64_t full = lavin_stvae_memory_estimate(s->vae, 1, 1, 17, 512, 512);
        lavin_stvae_tiling_auto(s->vae, 1, 1, 17, 512, 512, full, &a);
        report(s, a.tile == 0 && a.tile_t == 0, "auto: no tiling within the estimate", NULL);
        lavin_stvae_tiling_auto(s->vae, 0, 1, 17, 512, 512, full / 8, &a);
        snprintf(detail, sizeof(detail), "tile %d, chunk %d for 1/8 of %.0f MiB", a.tile, a.tile_t,
                 (double)full / 1048576.0);
        report(s, a.tile > 0 && a.tile % 32 == 0 && a.tile < 512, "auto: tiles under a small budget", detail);
        lavin_stvae_destroy(&s->vae);
    }
    s->vae = main_vae;
    if (w)
        lavin_weights_free(s->ctx, &w);
    lavin_checkpoint_close(&ck);
}

/* The posterior latent, normalised, against the same arithmetic on the host
 * from the fixture's moments: the mode, a seeded sample, and back. */
static void latent_case(suite *s)
{
    char path[512], err[512], detail[96];
    lavin_checkpoint *ck;
    snprintf(path, sizeof(path), "%s/encode_t5.safetensors", s->fixtures);
    if (lavin_checkpoint_open(path, &ck, err, sizeof(err)) < 0) {
        report(s, 0, "latent", err);
        return;
    }
    const lavin_ckpt_tensor *m = lavin_checkpoint_find(ck, "moments");
    int64_t ne[5] = { m->shape[0], m->shape[1] / 2, m->shape[2], m->shape[3], m->shape[4] };
    size_t n = (size_t)(ne[0] * ne[1] * ne[2] * ne[3] * ne[4]), per = n / (size_t)ne[0];
    float *host = malloc(2 * n * 4), *noise = malloc(n * 4), *want = malloc(n * 4), *got = malloc(n * 4);
    memcpy(host, m->data, 2 * n * 4);
    lavin_gaussian(9, 0, noise, n);
    lavin_tensor tm = { 0 }, tz = { 0 };
    int ret = lavin_tensor_alloc(s->ctx, &tm, LAVIN_F32, 5, m->shape);
    if (ret >= 0)
        ret = lavin_tensor_upload(s->ctx, &tm, host, 2 * n * 4);
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &tz, LAVIN_F32, 5, ne);
    for (int sample = 0; sample < 2 && ret >= 0; sample++) {
        for (size_t i = 0; i < n; i++) {
            size_t b = i / per, j = i % per;
            float mean = host[2 * b * per + j], lv = host[(2 * b + 1) * per + j];
            lv = lv < -30.0f ? -30.0f : lv > 20.0f ? 20.0f : lv;
            float lat = sample ? mean + expf(0.5f * lv) * noise[i] : mean;
            want[i] = (lat - LAVIN_LATENT_SHIFT) * LAVIN_LATENT_SCALE;
        }
        ret = lavin_stvae_latent(s->ctx, &tm, sample, 9, &tz);
        if (ret >= 0)
            ret = lavin_tensor_download(s->ctx, &tz, got, n * 4);
        double num = 0, den = 0;
        for (size_t i = 0; ret >= 0 && i < n; i++) {
            num += ((double)got[i] - want[i]) * ((double)got[i] - want[i]);
            den += (double)want[i] * want[i];
        }
        snprintf(detail, sizeof(detail), "err %.3g (tol 1e-06)", sqrt(num / den));
        report(s, ret >= 0 && sqrt(num / den) <= 1e-6, sample ? "seeded posterior sample, normalised" :
               "posterior mode, normalised", ret >= 0 ? detail : lavin_context_error(s->ctx));
    }
    if (ret >= 0)
        ret = lavin_stvae_latent(s->ctx, &tm, 0, 0, &tz);
    if (ret >= 0)
        ret = lavin_stvae_denormalize(s->ctx, &tz, &tz);
    if (ret >= 0)
        ret = lavin_tensor_download(s->ctx, &tz, got, n * 4);
    double worst = 0;
    for (size_t i = 0; ret >= 0 && i < n; i++) {
        double d = fabs((double)got[i] - host[2 * (i / per) * per + i % per]);
        worst = d > worst ? d : worst;
    }
    report(s, ret >= 0 && worst < 1e-6, "denormalising gives the mean back", NULL);
    ret = lavin_stvae_latent(s->ctx, &tz, 0, 0, &tm);
    report(s, ret == LAVIN_EINVAL, "a latent that does not halve the moments is refused", lavin_context_error(s->ctx));
    lavin_tensor_free(s->ctx, &tm);
    lavin_tensor_free(s->ctx, &tz);
    free(host);
    free(noise);
    free(want);
    free(got);
    lavin_checkpoint_close(&ck);
}

static void rejects(suite *s)
{
    lavin_tensor x = { 0 }, y = { 0 };
    int ret = lavin_tensor_alloc(s->ctx, &x, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, 10, 16 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &y, LAVIN_F32, 5, (int64_t[]){ 1, 16, 1, 3, 4 });
    ret = ret < 0 ? ret : lavin_stvae_encode(s->vae, &x, &y);
    report(s, ret == LAVIN_EINVAL && strstr(lavin_context_error(s->ctx), "ST-VAE encode"),
           "a size that does not divide is refused", lavin_context_error(s->ctx));
    ret = lavin_stvae_decode(s->vae, &x, &y);
    report(s, ret == LAVIN_EINVAL && strstr(lavin_context_error(s->ctx), "ST-VAE decode"),
           "RGB given to the decoder is refused", lavin_context_error(s->ctx));
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &y);
}

int main(void)
{
    suite s = { 0 };
    lt_fixtures(s.fixtures, sizeof(s.fixtures), FIXTURES, "stvae");
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    p.precision = LAVIN_PRECISION_F32; /* the fixtures are f32 parity */
    char err[512];
    if (lavin_context_open(&s.ctx, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "test_stvae: %s\n", err);
        return 1;
    }
    printf("stvae:\n");
    lavin_checkpoint *ck = NULL;
    lavin_weights *w = NULL;
    lavin_stvae_config cfg;
    const char *origin;
    char path[512];
    snprintf(path, sizeof(path), "%s/tiny.safetensors", s.fixtures);
    int ret = lavin_checkpoint_open(path, &ck, err, sizeof(err));
    if (ret >= 0)
        ret = lavin_stvae_config_find(ck, NULL, &cfg, &origin, NULL, err, sizeof(err));
    if (ret >= 0 && (ret = lavin_weights_load(s.ctx, ck, -1, NULL, NULL, &w)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    if (ret >= 0 && (ret = lavin_stvae_create(s.ctx, &cfg, w, &s.vae)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    if (ret < 0) {
        report(&s, 0, "load the tiny ST-VAE", err);
    } else {
        one_case(&s, "encode_t1.safetensors", "video", "moments", 1);
        one_case(&s, "encode_t2.safetensors", "video", "moments", 1);
        one_case(&s, "encode_t5.safetensors", "video", "moments", 1);
        one_case(&s, "decode_t1.safetensors", "z", "video", 0);
        one_case(&s, "decode_t3.safetensors", "z", "video", 0);
        latent_case(&s);
        rejects(&s);
        tiny4_cases(&s);
        cfg.layers_per_block = 3;
        lavin_stvae *other = NULL;
        ret = lavin_stvae_create(s.ctx, &cfg, w, &other);
        report(&s, ret == LAVIN_EFORMAT && strstr(lavin_context_error(s.ctx), "resnets.2"),
               "weights of a deeper config are named missing", lavin_context_error(s.ctx));
    }
    unsigned verr = lavin_validation_errors(s.ctx);
    report(&s, verr == 0, "no validation errors", NULL);
    lavin_stvae_destroy(&s.vae);
    if (w)
        lavin_weights_free(s.ctx, &w);
    lavin_checkpoint_close(&ck);
    lavin_context_destroy(&s.ctx);
    printf("%d passed, %d failed\n", s.passed, s.failed);
    return s.failed ? 1 : 0;
}
