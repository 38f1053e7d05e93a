#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "lavin/model.h"
#include "incontext/incontext.h"
#include "stvae/latent.h"
#include "core/noise.h"
#include "core/ops/layout.h"

/* Posterior samples of item k (pairs' inputs and targets in order, then the
 * query) use seed splitmix64(seed ^ POSTERIOR_SALT) + k; the target noise
 * uses the seed itself, as `lavin debug sample` does. */
#define POSTERIOR_SALT 0x706f7374u

struct lavin_incontext {
    lavin_models *m;
    lavin_context *ctx;
    lavin_incontext_params p;
    lavin_tensor pairs; /* [1, C, P, h, w], P latent frames of all pairs; ndim 0 when none */
    int items;          /* clips encoded into pairs */
};

int lavin_incontext_create(lavin_models *m, const lavin_incontext_params *p, lavin_incontext **out)
{
    *out = NULL;
    if (!m->jdit || !m->vae)
        return lavin_err(m->ctx, LAVIN_EINVAL, "in-context inference needs both the J-DiT and the ST-VAE");
    int s = lavin_stvae_scale(m->vae) * lavin_jdit_get_dims(m->jdit)->patch;
    if (p->width <= 0 || p->height <= 0 || p->width % s || p->height % s)
        return lavin_err(m->ctx, LAVIN_EINVAL, "size %dx%d: width and height must be positive multiples of %d",
                         p->width, p->height, s);
    int aw = p->rope_anchor_width, ah = p->rope_anchor_height;
    if (aw <= 0 || ah <= 0 || aw % s || ah % s)
        return lavin_err(m->ctx, LAVIN_EINVAL, "RoPE anchor %dx%d: width and height must be positive multiples of %d",
                         aw, ah, s);
    lavin_incontext *ic = calloc(1, sizeof(*ic));
    if (!ic)
        return lavin_err(m->ctx, LAVIN_ENOMEM, "out of host memory");
    *ic = (lavin_incontext){ .m = m, .ctx = m->ctx, .p = *p };
    *out = ic;
    return 0;
}

void lavin_incontext_destroy(lavin_incontext **ic)
{
    if (!*ic)
        return;
    lavin_tensor_free((*ic)->ctx, &(*ic)->pairs);
    free(*ic);
    *ic = NULL;
}

void lavin_clip_free(lavin_clip *c)
{
    for (int i = 0; i < c->n; i++)
        lavin_image_free(&c->frames[i]);
    free(c->frames);
    c->frames = NULL;
    c->n = 0;
}

static void tiling_for(const lavin_incontext *ic, int encode, int64_t T, lavin_stvae_tiling *t)
{
    if (ic->p.auto_tiling)
        lavin_stvae_tiling_auto(ic->m->vae, encode, 1, T, ic->p.height, ic->p.width, ic->p.budget, t);
    else
        *t = ic->p.tiling;
}

static int latent_shape(const lavin_incontext *ic, int64_t T, int64_t channels, lavin_tensor *t)
{
    int s = lavin_stvae_scale(ic->m->vae);
    return lavin_tensor_alloc(ic->ctx, t, LAVIN_F32, 5, (int64_t[]){ 1, channels, T, ic->p.height / s,
                                                                     ic->p.width / s });
}

static int notify(lavin_incontext *ic, int stage, int step, int steps)
{
    if (ic->p.notify && ic->p.notify(ic->p.user, stage, step, steps))
        return lavin_err(ic->ctx, LAVIN_ECANCELED, "canceled");
    return 0;
}

static int sample_step(void *user, int step, int steps)
{
    lavin_incontext *ic = user;
    return ic->p.notify && ic->p.notify(ic->p.user, LAVIN_STAGE_SAMPLE, step, steps);
}

/* clip -> normalised posterior sample z [1, C, T', h, w] (allocated). */
static int encode_clip(lavin_incontext *ic, const lavin_clip *c, int item, lavin_tensor *z)
{
    lavin_context *ctx = ic->ctx;
    lavin_stvae *vae = ic->m->vae;
    int64_t C = lavin_stvae_latent_channels(vae), T = lavin_stvae_encoded_frames(vae, c->n);
    lavin_tensor video = { 0 }, moments = { 0 };
    lavin_stvae_tiling tiling;
    tiling_for(ic, 1, c->n, &tiling);
    int ret = lavin_tensor_alloc(ctx, &video, LAVIN_F32, 5, (int64_t[]){ 1, 3, c->n, ic->p.height, ic->p.width });
    for (int i = 0; ret >= 0 && i < c->n; i++)
        ret = lavin_frame_upload(ctx, &c->frames[i], ic->p.fit, &video, i);
    if (ret >= 0)
        ret = latent_shape(ic, T, 2 * C, &moments);
    if (ret >= 0)
        ret = lavin_stvae_encode_tiled(vae, &video, &moments, &tiling);
    lavin_tensor_free(ctx, &video);
    if (ret >= 0)
        ret = latent_shape(ic, T, C, z);
    if (ret >= 0)
        ret = lavin_stvae_latent(ctx, &moments, 1, lavin_splitmix64(ic->p.seed ^ POSTERIOR_SALT) + (uint64_t)item, z);
    lavin_tensor_free(ctx, &moments);
    return ret;
}

/* dst <- frames of src appended at *at. */
static int append(lavin_context *ctx, const lavin_tensor *src, const lavin_tensor *dst, int64_t *at)
{
    int ret = lavin_op_copy_frames(ctx, src, 0, dst, *at, src->ne[2]);
    *at += src->ne[2];
    return ret;
}

int lavin_incontext_set_pairs(lavin_incontext *ic, const lavin_clip *inputs, const lavin_clip *targets, int n)
{
    lavin_tensor *z = calloc((size_t)(2 * n > 0 ? 2 * n : 1), sizeof(*z));
    if (!z)
        return lavin_err(ic->ctx, LAVIN_ENOMEM, "out of host memory");
    lavin_tensor_free(ic->ctx, &ic->pairs);
    ic->items = 0;
    int ret = 0;
    int64_t frames = 0, at = 0;
    for (int i = 0; ret >= 0 && i < 2 * n; i++) {
        ret = notify(ic, LAVIN_STAGE_ENCODE, i, 2 * n);
        if (ret >= 0)
            ret = encode_clip(ic, i % 2 ? &targets[i / 2] : &inputs[i / 2], i, &z[i]);
        frames += ret >= 0 ? z[i].ne[2] : 0;
    }
    if (ret >= 0)
        ret = notify(ic, LAVIN_STAGE_ENCODE, 2 * n, 2 * n);
    if (ret >= 0 && n > 0)
        ret = latent_shape(ic, frames, lavin_stvae_latent_channels(ic->m->vae), &ic->pairs);
    for (int i = 0; ret >= 0 && n > 0 && i < 2 * n; i++)
        ret = append(ic->ctx, &z[i], &ic->pairs, &at);
    for (int i = 0; i < 2 * n; i++)
        lavin_tensor_free(ic->ctx, &z[i]);
    free(z);
    ic->items = ret >= 0 ? 2 * n : 0;
    return ret;
}

/* Item b of a batched [B, ...] tensor, as a [1, ...] view. */
static int item(lavin_context *ctx, const lavin_tensor *t, int64_t b, lavin_tensor *view)
{
    int64_t ne[5] = { 1, t->ne[1], t->ne[2], t->ne[3], t->ne[4] };
    return lavin_tensor_view(ctx, t, b * ne[1] * ne[2] * ne[3] * ne[4], 5, ne, view);
}

/* cond item b = [pairs, zq[b]]; x item b <- sample of `frames` latent frames,
 * every item from the same seed's noise. */
static int sample(lavin_incontext *ic, const lavin_tensor *zq, int n, int64_t frames, lavin_tensor *x)
{
    lavin_context *ctx = ic->ctx;
    lavin_tensor cond = { 0 }, cv, xv;
    int64_t P = ic->items ? ic->pairs.ne[2] : 0, C = zq[0].ne[1];
    int s = lavin_stvae_scale(ic->m->vae);
    int64_t h = ic->p.height / s, w = ic->p.width / s;
    int ret = lavin_tensor_alloc(ctx, &cond, LAVIN_F32, 5, (int64_t[]){ n, C, P + zq[0].ne[2], h, w });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, x, LAVIN_F32, 5, (int64_t[]){ n, C, frames, h, w });
    for (int b = 0; ret >= 0 && b < n; b++) {
        int64_t at = 0;
        ret = item(ctx, &cond, b, &cv);
        if (ret >= 0 && P)
            ret = append(ctx, &ic->pairs, &cv, &at);
        if (ret >= 0)
            ret = append(ctx, &zq[b], &cv, &at);
        if (ret >= 0)
            ret = item(ctx, x, b, &xv);
        if (ret >= 0)
            ret = lavin_gaussian_tensor(ctx, ic->p.seed, &xv);
    }
    lavin_sample_params sp = { ic->p.grid_points, ic->p.cfg, sample_step, ic };
    if (ret >= 0)
        ret = notify(ic, LAVIN_STAGE_SAMPLE, 0, ic->p.grid_points - 1);
    /* Sessions share the model's J-DiT, so each sets its anchor for its own
     * sampling. */
    int px = ic->p.rope_interpolate ? s * lavin_jdit_get_dims(ic->m->jdit)->patch : 0; /* pixels a token spans */
    if (ret >= 0)
        ret = lavin_jdit_set_rope_anchor(ic->m->jdit, px ? ic->p.rope_anchor_height / px : 0,
                                         px ? ic->p.rope_anchor_width / px : 0);
    if (ret >= 0)
        ret = lavin_jdit_sample(ic->m->jdit, x, &cond, NULL, &sp);
    lavin_tensor_free(ctx, &cond);
    return ret;
}

/* z (normalised) -> decoded video [1, 3, T, H, W] (allocated). */
static int decode(lavin_incontext *ic, const lavin_tensor *z, lavin_tensor *video)
{
    lavin_stvae *vae = ic->m->vae;
    int64_t T = lavin_stvae_decoded_frames(vae, z->ne[2]);
    lavin_stvae_tiling tiling;
    tiling_for(ic, 0, T, &tiling);
    LAVIN_TRY(lavin_stvae_denormalize(ic->ctx, z, z));
    LAVIN_TRY(lavin_tensor_alloc(ic->ctx, video, LAVIN_F32, 5, (int64_t[]){ 1, 3, T, ic->p.height, ic->p.width }));
    return lavin_stvae_decode_tiled(vae, z, video, &tiling);
}

static int collect(lavin_incontext *ic, const lavin_tensor *video, int64_t first, int n, const lavin_image *like,
                   lavin_clip *out)
{
    out->frames = calloc((size_t)n, sizeof(*out->frames));
    if (!out->frames)
        return lavin_err(ic->ctx, LAVIN_ENOMEM, "out of host memory");
    lavin_geometry g;
    lavin_geometry_make(like->width, like->height, ic->p.width, ic->p.height, ic->p.fit, &g);
    for (out->n = 0; out->n < n; out->n++)
        LAVIN_TRY(lavin_frame_download(ic->ctx, video, first + out->n, &g, ic->p.keep_model_size,
                                       &out->frames[out->n]));
    return 0;
}

static int check_clip(lavin_incontext *ic, const lavin_clip *c, const char *what)
{
    if (c->n < 1)
        return lavin_err(ic->ctx, LAVIN_EINVAL, "%s has no frames", what);
    return 0;
}

int lavin_incontext_run(lavin_incontext *ic, const lavin_clip *queries, int n, lavin_clip *out)
{
    memset(out, 0, (size_t)(n > 0 ? n : 0) * sizeof(*out));
    if (n < 1 || n > LAVIN_SAMPLE_MAX_BATCH)
        return lavin_err(ic->ctx, LAVIN_EINVAL, "a batch holds 1 to %d queries (got %d)", LAVIN_SAMPLE_MAX_BATCH, n);
    for (int b = 0; b < n; b++) {
        LAVIN_TRY(check_clip(ic, &queries[b], "the query"));
        if (queries[b].n != queries[0].n)
            return lavin_err(ic->ctx, LAVIN_EINVAL, "the queries of a batch must have the same frame count");
    }
    lavin_tensor zq[LAVIN_SAMPLE_MAX_BATCH], x = { 0 }, xv, video = { 0 };
    memset(zq, 0, sizeof(zq));
    int ret = 0;
    for (int b = 0; ret >= 0 && b < n; b++) {
        ret = notify(ic, LAVIN_STAGE_ENCODE, b, n);
        if (ret >= 0)
            ret = encode_clip(ic, &queries[b], ic->items, &zq[b]);
    }
    if (ret >= 0)
        ret = sample(ic, zq, n, zq[0].ne[2], &x);
    for (int b = 0; b < n; b++)
        lavin_tensor_free(ic->ctx, &zq[b]);
    for (int b = 0; ret >= 0 && b < n; b++) {
        ret = notify(ic, LAVIN_STAGE_DECODE, b, n);
        if (ret >= 0)
            ret = item(ic->ctx, &x, b, &xv);
        if (ret >= 0)
            ret = decode(ic, &xv, &video);
        int frames = ret >= 0 && video.ne[2] < queries[b].n ? (int)video.ne[2] : queries[b].n;
        if (ret >= 0)
            ret = collect(ic, &video, 0, frames, &queries[b].frames[0], &out[b]);
        lavin_tensor_free(ic->ctx, &video);
    }
    lavin_tensor_free(ic->ctx, &x);
    if (ret >= 0)
        ret = notify(ic, LAVIN_STAGE_DECODE, n, n);
    for (int b = 0; ret < 0 && b < n; b++)
        lavin_clip_free(&out[b]);
    return ret;
}

int lavin_incontext_predict(lavin_incontext *ic, const lavin_clip *past, int frames, lavin_clip *out)
{
    memset(out, 0, sizeof(*out));
    LAVIN_TRY(check_clip(ic, past, "the input clip"));
    if (frames < 1)
        return lavin_err(ic->ctx, LAVIN_EINVAL, "frames to predict must be at least 1 (got %d)", frames);
    lavin_tensor zp = { 0 }, x = { 0 }, all = { 0 }, video = { 0 };
    int64_t at = 0;
    int ret = notify(ic, LAVIN_STAGE_ENCODE, 0, 1);
    if (ret >= 0)
        ret = encode_clip(ic, past, ic->items, &zp);
    int64_t Tx = 1;
    while (ret >= 0 && lavin_stvae_decoded_frames(ic->m->vae, zp.ne[2] + Tx) -
                           lavin_stvae_decoded_frames(ic->m->vae, zp.ne[2]) < frames)
        Tx++;
    if (ret >= 0)
        ret = sample(ic, &zp, 1, Tx, &x);
    if (ret >= 0)
        ret = latent_shape(ic, zp.ne[2] + x.ne[2], zp.ne[1], &all);
    if (ret >= 0)
        ret = append(ic->ctx, &zp, &all, &at);
    if (ret >= 0)
        ret = append(ic->ctx, &x, &all, &at);
    lavin_tensor_free(ic->ctx, &x);
    if (ret >= 0)
        ret = notify(ic, LAVIN_STAGE_DECODE, 0, 1);
    if (ret >= 0)
        ret = decode(ic, &all, &video);
    lavin_tensor_free(ic->ctx, &all);
    /* The clip's own latents decode to 1 + 4 (T' - 1) frames; the new ones follow. */
    if (ret >= 0)
        ret = collect(ic, &video, lavin_stvae_decoded_frames(ic->m->vae, zp.ne[2]), frames,
                      &past->frames[past->n - 1], out);
    lavin_tensor_free(ic->ctx, &zp);
    lavin_tensor_free(ic->ctx, &video);
    if (ret < 0)
        lavin_clip_free(out);
    return ret;
}

uint64_t lavin_incontext_workspace(const lavin_incontext *ic)
{
    return lavin_jdit_workspace_bytes(ic->m->jdit);
}
