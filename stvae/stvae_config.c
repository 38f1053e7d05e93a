#include <stdlib.h>
#include <string.h>

#include "checkpoint/config.h"
#include "core/error.h"
#include "stvae/stvae_config.h"

void lavin_stvae_config_preset(lavin_stvae_config *cfg)
{
    *cfg = (lavin_stvae_config){ { 128, 256, 256, 512 }, 4, 3, 16, 32, 4 };
}

static int parse_blocks(const cJSON *item, const char *source, lavin_stvae_config *cfg, char *err, size_t n)
{
    int count = cJSON_GetArraySize(item);
    if (!cJSON_IsArray(item) || count < 1 || count > LAVIN_STVAE_MAX_BLOCKS)
        return lavin_err_buf(err, n, LAVIN_EFORMAT,
                             "%s: config key 'block_out_channels' must be an array of 1 to %d integers", source,
                             LAVIN_STVAE_MAX_BLOCKS);
    for (int i = 0; i < count; i++) {
        const cJSON *c = cJSON_GetArrayItem(item, i);
        if (!cJSON_IsNumber(c) || c->valueint < 1 || c->valuedouble != (double)c->valueint)
            return lavin_err_buf(err, n, LAVIN_EFORMAT,
                                 "%s: config key 'block_out_channels' must hold positive integers", source);
        cfg->block_out_channels[i] = c->valueint;
    }
    cfg->nblocks = count;
    return 0;
}

static int stvae_key(void *user, const cJSON *item, const char *source, char *err, size_t n)
{
    lavin_stvae_config *cfg = user;
    const char *k = item->string;
    int *dst = !strcmp(k, "layers_per_block") ? &cfg->layers_per_block
               : !strcmp(k, "latent_channels") ? &cfg->latent_channels
               : !strcmp(k, "norm_num_groups") ? &cfg->norm_num_groups
               : !strcmp(k, "temporal_compression_ratio") ? &cfg->temporal_compression_ratio
                                                            : NULL;
    if (dst)
        return lavin_config_int(item, source, dst, err, n) < 0 ? LAVIN_EFORMAT : 1;
    if (!strcmp(k, "block_out_channels"))
        return parse_blocks(item, source, cfg, err, n) < 0 ? LAVIN_EFORMAT : 1;
    return 0;
}

int lavin_stvae_config_parse(const char *json, const char *source, lavin_stvae_config *cfg, const lavin_logger *log,
                           char *err,
                             size_t err_size)
{
    int ret = lavin_config_parse(json, source, stvae_key, cfg, log, err, err_size);
    for (int i = 0; ret >= 0 && i < cfg->nblocks; i++)
        if (cfg->block_out_channels[i] % cfg->norm_num_groups)
            ret = lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                                "%s: block_out_channels %d is not a multiple of norm_num_groups %d", source,
                                cfg->block_out_channels[i], cfg->norm_num_groups);
    return ret;
}

static int64_t dim(const lavin_checkpoint *ck, const char *name, int axis)
{
    const lavin_ckpt_tensor *t = lavin_checkpoint_find(ck, name);
    return t && axis < t->ndim ? t->shape[axis] : 0;
}

/* Channels, depth and latent width show in the shapes; the group count and
 * the temporal compression do not, so they keep the preset's values. */
static int infer(const lavin_checkpoint *ck, lavin_stvae_config *cfg, const lavin_logger *log, char *err, size_t n)
{
    char name[128];
    int nb = 0, layers = 0;
    for (; nb < LAVIN_STVAE_MAX_BLOCKS; nb++) {
        snprintf(name, sizeof(name), "encoder.down_blocks.%d.resnets.0.conv1.conv.weight", nb);
        int64_t c = dim(ck, name, 0);
        if (!c)
            break;
        cfg->block_out_channels[nb] = (int)c;
    }
    for (;; layers++) {
        snprintf(name, sizeof(name), "encoder.down_blocks.0.resnets.%d.conv1.conv.weight", layers);
        if (!dim(ck, name, 0))
            break;
    }
    int64_t latent = dim(ck, "decoder.conv_in.conv.weight", 1);
    if (!nb || !layers || !latent)
        return lavin_err_buf(err, n, LAVIN_EFORMAT,
                             "%s: no config, and no ST-VAE tensors (encoder.down_blocks.0...) to infer one from",
                             lavin_checkpoint_path(ck));
    cfg->nblocks = nb;
    cfg->layers_per_block = layers;
    cfg->latent_channels = (int)latent;
    lavin_logf(log, LAVIN_LOG_WARN, "%s: ST-VAE config inferred from shapes; norm_num_groups %d and temporal "
               "compression %d are assumed", lavin_checkpoint_path(ck), cfg->norm_num_groups,
               cfg->temporal_compression_ratio);
    return 0;
}

int lavin_stvae_config_find(const lavin_checkpoint *ck, const char *config_path, lavin_stvae_config *cfg,
                            const char **origin, const lavin_logger *log, char *err, size_t err_size)
{
    char *text;
    lavin_stvae_config_preset(cfg);
    LAVIN_TRY(lavin_config_model(ck, "stvae", "an ST-VAE", err, err_size));
    LAVIN_TRY(lavin_config_text(ck, config_path, &text, origin, err, err_size));
    if (!text)
        return infer(ck, cfg, log, err, err_size);
    int ret = lavin_stvae_config_parse(text, config_path ? config_path : lavin_checkpoint_path(ck), cfg, log, err,
                                       err_size);
    free(text);
    return ret;
}

void lavin_stvae_config_json(const lavin_stvae_config *cfg, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "{\"block_out_channels\":[");
    for (int i = 0; i < cfg->nblocks && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? "," : "", cfg->block_out_channels[i]);
    if (len < size)
        snprintf(buf + len, size - len,
                 "],\"layers_per_block\":%d,\"latent_channels\":%d,\"norm_num_groups\":%d,"
                 "\"temporal_compression_ratio\":%d}", cfg->layers_per_block, cfg->latent_channels,
                 cfg->norm_num_groups, cfg->temporal_compression_ratio);
}

typedef struct {
    lavin_manifest_fn fn;
    void *user;
    int latent;
} emitter;

static void emit(const emitter *e, const char *name, int ndim, int64_t a, int64_t b)
{
    int64_t shape[5] = { a, b, 3, 3, 3 };
    if (ndim == 3) {  /* a 1x1x1 Conv3d */
        shape[2] = shape[3] = shape[4] = 1;
        ndim = 5;
    }
    e->fn(e->user, name, ndim, shape);
}

/* A 3-D convolution (or 2-D with ndim 4) and its bias, under prefix. */
static void conv(const emitter *e, const char *prefix, int ndim, int64_t out, int64_t in)
{
    char name[224];
    snprintf(name, sizeof(name), "%s.weight", prefix);
    emit(e, name, ndim, out, in);
    snprintf(name, sizeof(name), "%s.bias", prefix);
    emit(e, name, 1, out, 0);
}

/* GroupNorm (encoder) or SpatialNorm (decoder) over c channels. */
static void norm(const emitter *e, const char *prefix, int spatial, int64_t c)
{
    char name[192];
    snprintf(name, sizeof(name), spatial ? "%s.norm_layer" : "%s", prefix);
    conv(e, name, 1, c, 0);
    if (!spatial)
        return;
    snprintf(name, sizeof(name), "%s.conv_y.conv", prefix);
    conv(e, name, 3, c, e->latent);
    snprintf(name, sizeof(name), "%s.conv_b.conv", prefix);
    conv(e, name, 3, c, e->latent);
}

static void resnet(const emitter *e, const char *prefix, int spatial, int64_t in, int64_t out)
{
    char name[160];
    snprintf(name, sizeof(name), "%s.norm1", prefix);
    norm(e, name, spatial, in);
    snprintf(name, sizeof(name), "%s.norm2", prefix);
    norm(e, name, spatial, out);
    snprintf(name, sizeof(name), "%s.conv1.conv", prefix);
    conv(e, name, 5, out, in);
    snprintf(name, sizeof(name), "%s.conv2.conv", prefix);
    conv(e, name, 5, out, out);
    if (in != out) {
        snprintf(name, sizeof(name), "%s.conv_shortcut", prefix);
        conv(e, name, 3, out, in);
    }
}

void lavin_stvae_manifest(const lavin_stvae_config *cfg, lavin_manifest_fn fn, void *user)
{
    const emitter e = { fn, user, cfg->latent_channels };
    const int *c = cfg->block_out_channels, nb = cfg->nblocks, L = cfg->layers_per_block;
    int64_t last = c[nb - 1];
    char name[128];
    conv(&e, "encoder.conv_in.conv", 5, c[0], 3);
    for (int i = 0; i < nb; i++) {
        int64_t in = i ? c[i - 1] : c[0];
        for (int j = 0; j < L; j++) {
            snprintf(name, sizeof(name), "encoder.down_blocks.%d.resnets.%d", i, j);
            resnet(&e, name, 0, j ? c[i] : in, c[i]);
        }
        if (i + 1 < nb) {
            snprintf(name, sizeof(name), "encoder.down_blocks.%d.downsamplers.0.conv", i);
            conv(&e, name, 4, c[i], c[i]);
        }
    }
    for (int j = 0; j < 2; j++) {
        snprintf(name, sizeof(name), "encoder.mid_block.resnets.%d", j);
        resnet(&e, name, 0, last, last);
    }
    norm(&e, "encoder.norm_out", 0, last);
    conv(&e, "encoder.conv_out.conv", 5, 2 * cfg->latent_channels, last);

    conv(&e, "decoder.conv_in.conv", 5, last, cfg->latent_channels);
    for (int j = 0; j < 2; j++) {
        snprintf(name, sizeof(name), "decoder.mid_block.resnets.%d", j);
        resnet(&e, name, 1, last, last);
    }
    for (int i = 0; i < nb; i++) {
        int64_t out = c[nb - 1 - i], in = i ? c[nb - i] : last;
        for (int j = 0; j < L + 1; j++) {
            snprintf(name, sizeof(name), "decoder.up_blocks.%d.resnets.%d", i, j);
            resnet(&e, name, 1, j ? out : in, out);
        }
        if (i + 1 < nb) {
            snprintf(name, sizeof(name), "decoder.up_blocks.%d.upsamplers.0.conv", i);
            conv(&e, name, 4, out, out);
        }
    }
    norm(&e, "decoder.norm_out", 1, c[0]);
    conv(&e, "decoder.conv_out.conv", 5, 3, c[0]);
}

static void list(const void *cfg, lavin_manifest_fn fn, void *user)
{
    lavin_stvae_manifest(cfg, fn, user);
}

int lavin_stvae_check(const lavin_stvae_config *cfg, const lavin_checkpoint *ck, const lavin_logger *log,
                      lavin_manifest_report *r)
{
    return lavin_manifest_check(list, cfg, ck, log, r);
}
