/* The ST-VAE's encoder and decoder as op launches; intermediate tensors are
 * freed as soon as they are consumed (the allocator keeps their memory until
 * the recorded work that uses it has run). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/conv.h"
#include "core/ops/elementwise.h"
#include "core/ops/layout.h"
#include "core/ops/norm.h"
#include "stvae/stvae.h"

#define NORM_EPS 1e-6f
/* SpatialNorm's GroupNorm always has 32 groups, whatever the config says. */
#define SPATIAL_GROUPS 32

struct lavin_stvae {
    lavin_context *ctx;
    lavin_stvae_config cfg;
    const lavin_weights *w;
    int levels;   /* blocks that also compress time */
    double flops; /* of the convolutions launched by the last call */
};

typedef struct {
    lavin_stvae *vae;
    const char *missing;
    char first[256];
} check_state;

static void check_one(void *user, const char *name, int ndim, const int64_t *shape)
{
    check_state *st = user;
    const lavin_tensor *t = lavin_weights_get(st->vae->w, name);
    int ok = t && t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = t->ne[i] == shape[i];
    if (!ok && !st->first[0])
        snprintf(st->first, sizeof(st->first), "%s", name);
}

int lavin_stvae_create(lavin_context *ctx, const lavin_stvae_config *cfg, const lavin_weights *w,
                       lavin_stvae **out)
{
    *out = NULL;
    lavin_stvae *vae = calloc(1, sizeof(*vae));
    if (!vae)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    *vae = (lavin_stvae){ .ctx = ctx, .cfg = *cfg, .w = w };
    for (int r = cfg->temporal_compression_ratio; r > 1; r /= 2)
        vae->levels++;
    check_state st = { vae, NULL, "" };
    lavin_stvae_manifest(cfg, check_one, &st);
    if (st.first[0]) {
        free(vae);
        return lavin_err(ctx, LAVIN_EFORMAT, "ST-VAE weight '%s' is missing or mis-shaped for the config", st.first);
    }
    *out = vae;
    return 0;
}

void lavin_stvae_destroy(lavin_stvae **vae)
{
    free(*vae);
    *vae = NULL;
}

double lavin_stvae_flops(const lavin_stvae *vae)
{
    return vae->flops;
}

int lavin_stvae_latent_channels(const lavin_stvae *vae)
{
    return vae->cfg.latent_channels;
}

int lavin_stvae_scale(const lavin_stvae *vae)
{
    return 1 << (vae->cfg.nblocks - 1);
}

const lavin_stvae_config *lavin_stvae_get_config(const lavin_stvae *vae)
{
    return &vae->cfg;
}

lavin_context *lavin_stvae_context(const lavin_stvae *vae)
{
    return vae->ctx;
}

int64_t lavin_stvae_encoded_frames(const lavin_stvae *vae, int64_t T)
{
    for (int i = 0; i < vae->levels && i + 1 < vae->cfg.nblocks; i++)
        T = T % 2 ? (T + 1) / 2 : T / 2;
    return T;
}

int64_t lavin_stvae_decoded_frames(const lavin_stvae *vae, int64_t T)
{
    for (int i = 0; i < vae->levels && i + 1 < vae->cfg.nblocks; i++)
        T = T > 1 ? 1 + 2 * (T - 1) : 1;
    return T;
}

static const lavin_tensor *weight(lavin_stvae *vae, const char *fmt, ...) LAVIN_PRINTF(2, 3);

static const lavin_tensor *weight(lavin_stvae *vae, const char *fmt, ...)
{
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    return lavin_weights_get(vae->w, name);
}

static int video(lavin_stvae *vae, lavin_tensor *t, int64_t B, int64_t C, int64_t T, int64_t H, int64_t W)
{
    return lavin_tensor_alloc(vae->ctx, t, LAVIN_F32, 5, (int64_t[]){ B, C, T, H, W });
}

/* conv(x) for the causal conv under prefix ("...conv" holds .weight/.bias). */
static int conv3d(lavin_stvae *vae, const char *prefix, const lavin_tensor *x, lavin_tensor *out)
{
    const lavin_tensor *w = weight(vae, "%s.weight", prefix), *b = weight(vae, "%s.bias", prefix);
    LAVIN_TRY(video(vae, out, x->ne[0], w->ne[0], x->ne[2], x->ne[3], x->ne[4]));
    vae->flops += 2.0 * (double)lavin_tensor_nelem(out) * (double)(lavin_tensor_nelem(w) / w->ne[0]);
    return lavin_op_conv3d_causal(vae->ctx, x, w, b, out);
}

/* GroupNorm(x) with the affine under prefix, then * zy + zb when zy is
 * given (SpatialNorm), then SiLU when asked: one fused op. */
static int group_norm(lavin_stvae *vae, const char *prefix, const lavin_tensor *x, const lavin_tensor *zy,
                      const lavin_tensor *zb, int groups, int silu, lavin_tensor *out)
{
    lavin_tensor scratch;
    LAVIN_TRY(lavin_tensor_alloc(vae->ctx, &scratch, LAVIN_F32, 1,
                                 (int64_t[]){ lavin_groupnorm_scratch_elems(x, groups) }));
    const lavin_tensor *w = weight(vae, "%s.weight", prefix), *b = weight(vae, "%s.bias", prefix);
    int ret = video(vae, out, x->ne[0], x->ne[1], x->ne[2], x->ne[3], x->ne[4]);
    if (ret >= 0 && zy)
        ret = lavin_op_groupnorm_spatial(vae->ctx, x, w, b, zy, zb, groups, NORM_EPS, silu, &scratch, out);
    else if (ret >= 0)
        ret = lavin_op_groupnorm(vae->ctx, x, w, b, groups, NORM_EPS, silu, &scratch, out);
    lavin_tensor_free(vae->ctx, &scratch);
    return ret;
}

/* GroupNorm(f) (with its own affine) * conv_y(zq') + conv_b(zq'), zq' the
 * latent resized to f's frames and size; then SiLU when asked. */
static int spatial_norm(lavin_stvae *vae, const char *prefix, const lavin_tensor *f, const lavin_tensor *zq,
                        int silu, lavin_tensor *out)
{
    lavin_context *ctx = vae->ctx;
    lavin_tensor zr = { 0 }, zy = { 0 }, zb = { 0 };
    char name[224];
    int ret = video(vae, &zr, zq->ne[0], zq->ne[1], f->ne[2], f->ne[3], f->ne[4]);
    if (ret >= 0)
        ret = lavin_op_resize_spatialnorm(ctx, zq, &zr);
    snprintf(name, sizeof(name), "%s.conv_y.conv", prefix);
    if (ret >= 0)
        ret = conv3d(vae, name, &zr, &zy);
    snprintf(name, sizeof(name), "%s.conv_b.conv", prefix);
    if (ret >= 0)
        ret = conv3d(vae, name, &zr, &zb);
    snprintf(name, sizeof(name), "%s.norm_layer", prefix);
    if (ret >= 0)
        ret = group_norm(vae, name, f, &zy, &zb, SPATIAL_GROUPS, silu, out);
    lavin_tensor_free(ctx, &zr);
    lavin_tensor_free(ctx, &zy);
    lavin_tensor_free(ctx, &zb);
    return ret;
}

static int norm_silu(lavin_stvae *vae, const char *prefix, const lavin_tensor *x, const lavin_tensor *zq,
                     lavin_tensor *out)
{
    return zq ? spatial_norm(vae, prefix, x, zq, 1, out)
              : group_norm(vae, prefix, x, NULL, NULL, vae->cfg.norm_num_groups, 1, out);
}

/* x <- x (or its 1x1x1 shortcut) + conv2(norm2(conv1(norm1(x)))); zq NULL in
 * the encoder, the latent in the decoder. */
static int resnet(lavin_stvae *vae, const char *prefix, lavin_tensor *x, const lavin_tensor *zq)
{
    lavin_context *ctx = vae->ctx;
    lavin_tensor a = { 0 }, h = { 0 }, sc = { 0 };
    char name[192];
    snprintf(name, sizeof(name), "%s.norm1", prefix);
    int ret = norm_silu(vae, name, x, zq, &a);
    snprintf(name, sizeof(name), "%s.conv1.conv", prefix);
    if (ret >= 0)
        ret = conv3d(vae, name, &a, &h);
    lavin_tensor_free(ctx, &a);
    snprintf(name, sizeof(name), "%s.norm2", prefix);
    if (ret >= 0)
        ret = norm_silu(vae, name, &h, zq, &a);
    lavin_tensor_free(ctx, &h);
    snprintf(name, sizeof(name), "%s.conv2.conv", prefix);
    if (ret >= 0)
        ret = conv3d(vae, name, &a, &h);
    lavin_tensor_free(ctx, &a);
    snprintf(name, sizeof(name), "%s.conv_shortcut", prefix);
    if (ret >= 0 && lavin_weights_get(vae->w, strcat(name, ".weight"))) {
        name[strlen(name) - strlen(".weight")] = 0;
        ret = conv3d(vae, name, x, &sc);
        lavin_tensor_free(ctx, x);
        *x = sc;
    }
    if (ret >= 0)
        ret = lavin_op_add(ctx, x, &h, x);
    lavin_tensor_free(ctx, &h);
    return ret;
}

static int replace(lavin_stvae *vae, lavin_tensor *x, lavin_tensor *y)
{
    lavin_tensor_free(vae->ctx, x);
    *x = *y;
    return 0;
}

/* Time pooling on compressing levels, then the stride-2 3x3 conv per frame
 * (right and bottom padded). */
static int downsample(lavin_stvae *vae, int block, lavin_tensor *x)
{
    lavin_tensor p = { 0 }, y = { 0 };
    if (block < vae->levels) {
        int64_t T = x->ne[2] % 2 ? (x->ne[2] + 1) / 2 : x->ne[2] / 2;
        LAVIN_TRY(video(vae, &p, x->ne[0], x->ne[1], T, x->ne[3], x->ne[4]));
        LAVIN_TRY(lavin_op_time_pool(vae->ctx, x, &p));
        replace(vae, x, &p);
    }
    const lavin_tensor *w = weight(vae, "encoder.down_blocks.%d.downsamplers.0.conv.weight", block);
    LAVIN_TRY(video(vae, &y, x->ne[0], w->ne[0], x->ne[2], x->ne[3] / 2, x->ne[4] / 2));
    vae->flops += 2.0 * (double)lavin_tensor_nelem(&y) * (double)(lavin_tensor_nelem(w) / w->ne[0]);
    LAVIN_TRY(lavin_op_conv2d(vae->ctx, x, w, weight(vae, "encoder.down_blocks.%d.downsamplers.0.conv.bias", block),
                              2, &y));
    return replace(vae, x, &y);
}

/* Nearest doubling (of time too on compressing levels, all but frame 0),
 * then the 3x3 conv per frame. */
static int upsample(lavin_stvae *vae, int block, lavin_tensor *x)
{
    lavin_tensor u = { 0 }, y = { 0 };
    int compress = block < vae->levels && x->ne[2] > 1;
    int64_t T = compress ? 1 + 2 * (x->ne[2] - 1) : x->ne[2];
    LAVIN_TRY(video(vae, &u, x->ne[0], x->ne[1], T, 2 * x->ne[3], 2 * x->ne[4]));
    LAVIN_TRY(block < vae->levels ? lavin_op_upsample_stvae(vae->ctx, x, &u) : lavin_op_resize_nearest(vae->ctx, x, &u));
    replace(vae, x, &u);
    const lavin_tensor *w = weight(vae, "decoder.up_blocks.%d.upsamplers.0.conv.weight", block);
    LAVIN_TRY(video(vae, &y, x->ne[0], w->ne[0], x->ne[2], x->ne[3], x->ne[4]));
    vae->flops += 2.0 * (double)lavin_tensor_nelem(&y) * (double)(lavin_tensor_nelem(w) / w->ne[0]);
    LAVIN_TRY(lavin_op_conv2d(vae->ctx, x, w, weight(vae, "decoder.up_blocks.%d.upsamplers.0.conv.bias", block), 1,
                              &y));
    return replace(vae, x, &y);
}

static int check_io(lavin_stvae *vae, const char *what, const lavin_tensor *in, int64_t cin,
                    const lavin_tensor *out, int64_t cout, int64_t T, int64_t H, int64_t W)
{
    char di[96], dout[96];
    int ok = in->ndim == 5 && out->ndim == 5 && in->dtype == LAVIN_F32 && out->dtype == LAVIN_F32 &&
             in->ne[1] == cin && out->ne[0] == in->ne[0] && out->ne[1] == cout && out->ne[2] == T &&
             out->ne[3] == H && out->ne[4] == W;
    if (!ok)
        return lavin_err(vae->ctx, LAVIN_EINVAL, "ST-VAE %s: input %s and output %s; expected [B, %lld, ...] "
                         "into [B, %lld, %lld, %lld, %lld] f32", what, lavin_tensor_describe(in, di, sizeof(di)),
                         lavin_tensor_describe(out, dout, sizeof(dout)), (long long)cin, (long long)cout,
                         (long long)T, (long long)H, (long long)W);
    return 0;
}

int lavin_stvae_encode(lavin_stvae *vae, const lavin_tensor *v, const lavin_tensor *moments)
{
    const lavin_stvae_config *c = &vae->cfg;
    int s = lavin_stvae_scale(vae);
    if (v->ndim == 5 && (v->ne[3] % s || v->ne[4] % s))
        return lavin_err(vae->ctx, LAVIN_EINVAL, "ST-VAE encode: height and width must be multiples of %d", s);
    LAVIN_TRY(check_io(vae, "encode", v, 3, moments, 2 * c->latent_channels, lavin_stvae_encoded_frames(vae, v->ne[2]),
                       v->ne[3] / s, v->ne[4] / s));
    lavin_tensor x = { 0 }, y = { 0 };
    char name[96];
    vae->flops = 0;
    int ret = conv3d(vae, "encoder.conv_in.conv", v, &x);
    for (int i = 0; i < c->nblocks && ret >= 0; i++) {
        for (int j = 0; j < c->layers_per_block && ret >= 0; j++) {
            snprintf(name, sizeof(name), "encoder.down_blocks.%d.resnets.%d", i, j);
            ret = resnet(vae, name, &x, NULL);
        }
        if (ret >= 0 && i + 1 < c->nblocks)
            ret = downsample(vae, i, &x);
    }
    for (int j = 0; j < 2 && ret >= 0; j++) {
        snprintf(name, sizeof(name), "encoder.mid_block.resnets.%d", j);
        ret = resnet(vae, name, &x, NULL);
    }
    if (ret >= 0)
        ret = group_norm(vae, "encoder.norm_out", &x, NULL, NULL, c->norm_num_groups, 1, &y);
    if (ret >= 0)
        vae->flops += 2.0 * (double)lavin_tensor_nelem(moments) * (double)y.ne[1] * 27;
    if (ret >= 0)
        ret = lavin_op_conv3d_causal(vae->ctx, &y, weight(vae, "encoder.conv_out.conv.weight"),
                                     weight(vae, "encoder.conv_out.conv.bias"), moments);
    lavin_tensor_free(vae->ctx, &x);
    lavin_tensor_free(vae->ctx, &y);
    return ret;
}

int lavin_stvae_decode(lavin_stvae *vae, const lavin_tensor *z, const lavin_tensor *out)
{
    const lavin_stvae_config *c = &vae->cfg;
    int s = lavin_stvae_scale(vae);
    LAVIN_TRY(check_io(vae, "decode", z, c->latent_channels, out, 3, lavin_stvae_decoded_frames(vae, z->ne[2]),
                       z->ne[3] * s, z->ne[4] * s));
    lavin_tensor x = { 0 }, y = { 0 };
    char name[96];
    vae->flops = 0;
    int ret = conv3d(vae, "decoder.conv_in.conv", z, &x);
    for (int j = 0; j < 2 && ret >= 0; j++) {
        snprintf(name, sizeof(name), "decoder.mid_block.resnets.%d", j);
        ret = resnet(vae, name, &x, z);
    }
    for (int i = 0; i < c->nblocks && ret >= 0; i++) {
        for (int j = 0; j < c->layers_per_block + 1 && ret >= 0; j++) {
            snprintf(name, sizeof(name), "decoder.up_blocks.%d.resnets.%d", i, j);
            ret = resnet(vae, name, &x, z);
        }
        if (ret >= 0 && i + 1 < c->nblocks)
            ret = upsample(vae, i, &x);
    }
    if (ret >= 0)
        ret = spatial_norm(vae, "decoder.norm_out", &x, z, 1, &y);
    if (ret >= 0)
        vae->flops += 2.0 * (double)lavin_tensor_nelem(out) * (double)y.ne[1] * 27;
    if (ret >= 0)
        ret = lavin_op_conv3d_causal(vae->ctx, &y, weight(vae, "decoder.conv_out.conv.weight"),
                                     weight(vae, "decoder.conv_out.conv.bias"), out);
    lavin_tensor_free(vae->ctx, &x);
    lavin_tensor_free(vae->ctx, &y);
    return ret;
}
