/* lavin debug jdit|sample: the J-DiT on tensors from a safetensors file, for
 * checking lavin against the reference. A stable interface: see README.md,
 * "Verification". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "cli/commands.h"
#include "devtools/devtools.h"
#include "cli/infer.h"
#include "incontext/models.h"
#include "core/noise.h"
#include "stvae/stvae.h"
#include "jdit/sampler.h"
#include "core/stream.h"
#include "stvae/tiling.h"
#include "checkpoint/weights.h"
#include "core/transfer.h"

typedef struct {
    const char *model, *config, *in, *out, *device;
    int steps, allow_missing, weights_dtype, have_seed;
    uint64_t seed;
    float cfg;
    int have_cfg;
    enum lavin_vae_tiling tile_mode;
    int tile, tile_frames;
} opts;

typedef struct {
    lavin_models m;
    lavin_context *ctx;
    lavin_checkpoint *in;
} session;

static void usage(FILE *f, const char *what)
{
    if (!strncmp(what, "vae", 3))
        fprintf(f, "usage: lavin debug vae-encode|vae-decode --model VAE [--config CONFIG.json] --in IN.safetensors\n"
                   "                        --out OUT.safetensors [--device D] [--allow-missing]\n"
                   "       [--weights-dtype f32|f16|bf16] [--vae-tile N[xT]|auto|off]\n\n"
                   "vae-encode: IN holds video [B,3,T,H,W] (f32); OUT gets moments [B,32,T',H/8,W/8], mean then\n"
                   "logvar, before sampling or normalisation. vae-decode: IN holds z [B,16,T',h,w]; OUT gets\n"
                   "video [B,3,T,8h,8w], the raw decoder output before clamping. VAE is stvae.pt or safetensors.\n"
                   "--vae-tile: spatial tiles of N pixels (a multiple of 4 x the VAE's scale: 32 for the\n"
                   "released one) and, with xT, chunks of T = 1 + 4k frames, as the reference's tiled_encode\n"
                   "and tiled_decode; auto (the default) tiles only when the estimated peak would pass half\n"
                   "of the device memory lavin may still use; off never tiles.\n");
    else if (!strcmp(what, "sample"))
        fprintf(f, "usage: lavin debug sample --model WEIGHTS [--config CONFIG.json] --in IN.safetensors\n"
                   "                          --out OUT.safetensors [--steps N] [--cfg S] [--seed N] [--device D]\n"
                   "                          [--allow-missing]\n"
                   "       [--weights-dtype f32|f16|bf16]\n\n"
                   "IN holds noise [1,16,Tx,H,W] and cond [1,16,Tc,H,W] (f32); OUT gets latent, the sample\n"
                   "after an N-point time grid (default 20) with guidance S (default 1.5). Without noise in\n"
                   "IN, --seed N makes one frame of it with lavin's documented generator (core/noise.h).\n");
    else
        fprintf(f, "usage: lavin debug jdit --model WEIGHTS [--config CONFIG.json] --in IN.safetensors\n"
                   "                        --out OUT.safetensors [--cfg S] [--device D] [--allow-missing]\n"
                   "       [--weights-dtype f32|f16|bf16]\n\n"
                   "IN holds x [B,16,Tx,H,W], t [B] and cond [B,16,Tc,H,W] (f32); OUT gets v. With --cfg,\n"
                   "IN may hold cond_null (else zeros + the last cond frame) and v is the guided velocity.\n");
}

/* N[xT], auto or off; the VAE checks N and T against its scale. */
static int parse(int argc, char **argv, opts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **dst = !strcmp(a, "--model") ? &o->model : !strcmp(a, "--config") ? &o->config
                         : !strcmp(a, "--in") ? &o->in : !strcmp(a, "--out") ? &o->out
                         : !strcmp(a, "--device") ? &o->device : NULL;
        char *end;
        if (!strcmp(a, "--allow-missing")) {
            o->allow_missing = 1;
            continue;
        }
        if (dst && v) {
            *dst = v;
        } else if (!strcmp(a, "--steps") && v && (o->steps = (int)strtol(v, &end, 10)) >= 2 && !*end) {
        } else if (!strcmp(a, "--weights-dtype") && v &&
                   (o->weights_dtype = !strcmp(v, "f32") ? LAVIN_F32 : !strcmp(v, "f16") ? LAVIN_F16
                                     : !strcmp(v, "bf16") ? LAVIN_BF16 : -2) != -2) {
        } else if (!strcmp(a, "--seed") && v && (o->seed = strtoull(v, &end, 10), !*end && *v != '-')) {
            o->have_seed = 1;
        } else if (!strcmp(a, "--cfg") && v && (o->cfg = strtof(v, &end), !*end)) {
            o->have_cfg = 1;
        } else if (!strcmp(a, "--vae-tile") && v && infer_parse_tile(v, &o->tile_mode, &o->tile, &o->tile_frames) == 0) {
        } else {
            fprintf(stderr, "lavin debug: bad or incomplete argument '%s'\n", a);
            return -1;
        }
        i++;
    }
    if (!o->model || !o->in || !o->out) {
        fprintf(stderr, "lavin debug: --model, --in and --out are required\n");
        return -1;
    }
    return 0;
}

static int open_session(const opts *o, int vae, session *s, char *err, size_t n)
{
    LAVIN_TRY(lavin_checkpoint_open(o->in, &s->in, err, n));
    lavin_models_params p = { .dit = vae ? NULL : o->model, .vae = vae ? o->model : NULL,
                              .dit_config = vae ? NULL : o->config, .vae_config = vae ? o->config : NULL,
                              .weights_dtype = o->weights_dtype, .allow_missing = o->allow_missing };
    lavin_context_params cp;
    lavin_context_params_default(&cp);
    cp.device = o->device ? o->device : getenv("LAVIN_DEVICE");
    cp.validation = getenv("LAVIN_VALIDATE") && strcmp(getenv("LAVIN_VALIDATE"), "0");
    cp.log = dev_log_stderr;
    if (lavin_context_create(&s->ctx, &cp) < 0)
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    int ret = lavin_models_open(s->ctx, &p, &s->m);
    if (ret < 0)
        snprintf(err, n, "%s", lavin_context_error(s->ctx));
    return ret;
}

static void close_session(session *s)
{
    lavin_models_close(&s->m);
    lavin_context_destroy(&s->ctx);
    lavin_checkpoint_close(&s->in);
}

/* An f32 input tensor of IN, on the device. */
static int input(session *s, const char *path, const char *name, int ndim, lavin_tensor *t, char *err, size_t n)
{
    const lavin_ckpt_tensor *ct = lavin_checkpoint_find(s->in, name);
    if (!ct)
        return lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: has no tensor '%s'", path, name);
    if (ct->dtype != LAVIN_F32 || ct->ndim != ndim)
        return lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: tensor '%s' must be %d-D f32", path, name, ndim);
    int ret = lavin_tensor_alloc(s->ctx, t, LAVIN_F32, ndim, ct->shape);
    if (ret >= 0)
        ret = lavin_tensor_upload(s->ctx, t, ct->data, ct->nbytes);
    if (ret < 0)
        snprintf(err, n, "%s", lavin_context_error(s->ctx));
    return ret;
}

static int output(session *s, const char *path, const char *name, const lavin_tensor *t, char *err, size_t n)
{
    uint64_t bytes = lavin_tensor_bytes(t);
    void *host = malloc(bytes);
    if (!host)
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    int ret = lavin_tensor_download(s->ctx, t, host, bytes);
    if (ret < 0) {
        snprintf(err, n, "%s", lavin_context_error(s->ctx));
    } else {
        lavin_ckpt_tensor ct = { .name = name, .dtype = LAVIN_F32, .ndim = t->ndim, .data = host, .nbytes = bytes };
        memcpy(ct.shape, t->ne, sizeof(ct.shape));
        ret = lavin_safetensors_write(path, &ct, 1, NULL, NULL, 0, err, n);
    }
    free(host);
    return ret;
}

static int run_jdit(const opts *o, session *s, char *err, size_t n)
{
    lavin_tensor x = { 0 }, cond = { 0 }, cond_null = { 0 }, v = { 0 };
    const lavin_ckpt_tensor *t = lavin_checkpoint_find(s->in, "t");
    int ret = input(s, o->in, "x", 5, &x, err, n);
    if (ret >= 0)
        ret = input(s, o->in, "cond", 5, &cond, err, n);
    if (ret >= 0 && (!t || t->dtype != LAVIN_F32 || t->ndim != 1 || t->shape[0] != x.ne[0]))
        ret = lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: t must be f32 [B] with B = %lld", o->in, (long long)x.ne[0]);
    float *tv = ret >= 0 ? malloc(t->nbytes) : NULL;
    if (tv)
        memcpy(tv, t->data, t->nbytes);
    if (ret >= 0 && o->have_cfg) {
        if (lavin_checkpoint_find(s->in, "cond_null"))
            ret = input(s, o->in, "cond_null", 5, &cond_null, err, n);
        else if ((ret = lavin_jdit_null_condition(s->ctx, &cond, &cond_null)) < 0)
            snprintf(err, n, "%s", lavin_context_error(s->ctx));
    }
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &v, LAVIN_F32, 5, x.ne);
    if (ret >= 0) {
        ret = o->have_cfg ? lavin_jdit_forward_cfg(s->m.jdit, &x, tv, &cond, &cond_null, o->cfg, &v)
                          : lavin_jdit_forward(s->m.jdit, &x, tv, &cond, &v);
        if (ret < 0)
            snprintf(err, n, "%s", lavin_context_error(s->ctx));
    }
    if (ret >= 0)
        ret = output(s, o->out, "v", &v, err, n);
    free(tv);
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &cond);
    lavin_tensor_free(s->ctx, &cond_null);
    lavin_tensor_free(s->ctx, &v);
    return ret;
}

static int run_sample(const opts *o, session *s, char *err, size_t n)
{
    lavin_tensor x = { 0 }, cond = { 0 };
    int ret = input(s, o->in, "cond", 5, &cond, err, n);
    if (ret >= 0 && !lavin_checkpoint_find(s->in, "noise") && o->have_seed) {
        /* One target frame of the condition's size, from core/noise.h. */
        ret = lavin_tensor_alloc(s->ctx, &x, LAVIN_F32, 5, (int64_t[]){ 1, cond.ne[1], 1, cond.ne[3], cond.ne[4] });
        if (ret >= 0)
            ret = lavin_gaussian_tensor(s->ctx, o->seed, &x);
        if (ret < 0)
            snprintf(err, n, "%s", lavin_context_error(s->ctx));
    } else if (ret >= 0) {
        ret = input(s, o->in, "noise", 5, &x, err, n);
    }
    lavin_sample_params p = { .grid_points = o->steps ? o->steps : 20, .cfg = o->have_cfg ? o->cfg : 1.5f };
    if (ret >= 0 && (ret = lavin_jdit_sample(s->m.jdit, &x, &cond, NULL, &p)) < 0)
        snprintf(err, n, "%s", lavin_context_error(s->ctx));
    if (ret >= 0)
        ret = output(s, o->out, "latent", &x, err, n);
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &cond);
    return ret;
}

static int run_vae(const opts *o, session *s, int encode, char *err, size_t n)
{
    lavin_tensor x = { 0 }, y = { 0 };
    int ret = input(s, o->in, encode ? "video" : "z", 5, &x, err, n);
    int64_t f = lavin_stvae_scale(s->m.vae), ne[5];
    if (ret >= 0) {
        memcpy(ne, x.ne, sizeof(ne));
        ne[1] = encode ? 2 * (int64_t)lavin_stvae_latent_channels(s->m.vae) : 3;
        ne[2] = encode ? lavin_stvae_encoded_frames(s->m.vae, x.ne[2]) : lavin_stvae_decoded_frames(s->m.vae, x.ne[2]);
        ne[3] = encode ? x.ne[3] / f : x.ne[3] * f;
        ne[4] = encode ? x.ne[4] / f : x.ne[4] * f;
        lavin_stvae_tiling t = { o->tile_mode == LAVIN_VAE_TILE_FIXED ? o->tile : 0,
                                 o->tile_mode == LAVIN_VAE_TILE_FIXED ? o->tile_frames : 0 };
        if (o->tile_mode == LAVIN_VAE_TILE_AUTO) {
            const int64_t *v = encode ? x.ne : ne;
            lavin_stvae_tiling_auto(s->m.vae, encode, v[0], v[2], v[3], v[4], lavin_memory_available(s->ctx) / 2,
                                    &t);
        }
        ret = lavin_tensor_alloc(s->ctx, &y, LAVIN_F32, 5, ne);
        lavin_memory_reset_peak(s->ctx);
        uint64_t before = lavin_memory_peak(s->ctx); /* what the device has handed lavin so far */
        if (ret >= 0)
            ret = encode ? lavin_stvae_encode_tiled(s->m.vae, &x, &y, &t) : lavin_stvae_decode_tiled(s->m.vae, &x, &y, &t);
        if (ret >= 0)
            ret = lavin_stream_sync(s->ctx);
        /* For measuring tiling against its budget; stdout stays clean. */
        if (ret >= 0)
            fprintf(stderr, "lavin debug %s: tile %d, chunk %d; device memory %.0f MiB allocated before, peak %.0f MiB\n",
                    encode ? "vae-encode" : "vae-decode", t.tile, t.tile_t, (double)before / 1048576.0,
                    (double)lavin_memory_peak(s->ctx) / 1048576.0);
        if (ret < 0)
            snprintf(err, n, "%s", lavin_context_error(s->ctx));
    }
    if (ret >= 0)
        ret = output(s, o->out, encode ? "moments" : "video", &y, err, n);
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &y);
    return ret;
}

int lavin_cmd_debug(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    int is_jdit = !strcmp(what, "jdit"), is_sample = !strcmp(what, "sample");
    int is_enc = !strcmp(what, "vae-encode"), is_dec = !strcmp(what, "vae-decode"), is_vae = is_enc || is_dec;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout, what);
            return LAVIN_EXIT_OK;
        }
    opts o = { .weights_dtype = -1, .tile_mode = LAVIN_VAE_TILE_AUTO };
    if ((!is_jdit && !is_sample && !is_vae) || parse(argc, argv, &o) < 0) {
        if (!is_jdit && !is_sample && !is_vae)
            fprintf(stderr, "lavin debug: unknown subcommand '%s' (jdit, sample, vae-encode, vae-decode)\n", what);
        usage(stderr, what);
        return LAVIN_EXIT_USAGE;
    }
    session s = { 0 };
    char err[1024] = "";
    int ret = open_session(&o, is_vae, &s, err, sizeof(err));
    if (ret >= 0)
        ret = is_vae    ? run_vae(&o, &s, is_enc, err, sizeof(err))
              : is_jdit ? run_jdit(&o, &s, err, sizeof(err))
                        : run_sample(&o, &s, err, sizeof(err));
    close_session(&s);
    if (ret < 0) {
        fprintf(stderr, "lavin debug %s: %s\n", what, err);
        return infer_exit_code(ret);
    }
    return LAVIN_EXIT_OK;
}
