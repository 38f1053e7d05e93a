#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jdit_config.h"

void lavin_jdit_config_preset(lavin_jdit_config *cfg)
{
    *cfg = (lavin_jdit_config){ 2304, 22, 32, 4, 16, 2 };
}

static int get_int(const cJSON *item, const char *source, int *out, char *err, size_t n)
{
    if (!cJSON_IsNumber(item) || item->valuedouble != (double)(int)item->valuedouble || item->valueint < 1)
        return lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: config key '%s' must be a positive integer", source,
                             item->string);
    *out = item->valueint;
    return 0;
}

int lavin_jdit_config_parse(const char *json, const char *source, lavin_jdit_config *cfg, char *err,
                            size_t err_size)
{
    cJSON *root = cJSON_Parse(json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: config is not a JSON object", source);
    }
    int ret = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root)
    {
        const char *k = item->string;
        int *dst = !strcmp(k, "hidden_size") ? &cfg->hidden_size
                   : !strcmp(k, "depth")     ? &cfg->depth
                   : !strcmp(k, "num_heads") ? &cfg->num_heads
                   : !strcmp(k, "kv_group")  ? &cfg->kv_group
                   : !strcmp(k, "in_channels") ? &cfg->in_channels
                                               : NULL;
        if (dst) {
            ret = get_int(item, source, dst, err, err_size);
        } else if (!strcmp(k, "patch_size")) {
            /* The reference writes [2, 2]; only square patches exist. */
            if (cJSON_IsArray(item) && cJSON_GetArraySize(item) == 2 &&
                cJSON_IsNumber(cJSON_GetArrayItem(item, 0)) &&
                cJSON_GetArrayItem(item, 0)->valueint == cJSON_GetArrayItem(item, 1)->valueint)
                ret = get_int(cJSON_GetArrayItem(item, 0), source, &cfg->patch_size, err, err_size);
            else if (cJSON_IsNumber(item))
                ret = get_int(item, source, &cfg->patch_size, err, err_size);
            else
                ret = lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                                    "%s: config key 'patch_size' must be [p, p] or an integer", source);
        } else {
            fprintf(stderr, "lavin: %s: ignoring unknown config key '%s'\n", source, k);
        }
        if (ret < 0)
            break;
    }
    cJSON_Delete(root);
    return ret;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    long n;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1 << 20) && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1))) {
        if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = 0;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static int from_file(const char *path, lavin_jdit_config *cfg, char *err, size_t n)
{
    char *text = read_text(path);
    if (!text)
        return lavin_err_buf(err, n, LAVIN_EIO, "%s: cannot read the config", path);
    int ret = lavin_jdit_config_parse(text, path, cfg, err, n);
    free(text);
    return ret;
}

/* What the shapes determine; the head count does not show in any shape, so
 * the released head width of 72 is assumed. */
static int infer(const lavin_checkpoint *ck, lavin_jdit_config *cfg, char *err, size_t n)
{
    const lavin_ckpt_tensor *emb = lavin_checkpoint_find(ck, "x_embedder.0.weight");
    const lavin_ckpt_tensor *k = lavin_checkpoint_find(ck, "blocks.0.joint_attn.x_k.weight");
    if (!emb || emb->ndim != 2 || !k || k->ndim != 2)
        return lavin_err_buf(err, n, LAVIN_EFORMAT,
                             "%s: no config, and no J-DiT tensors (x_embedder.0.weight) to infer one from",
                             lavin_checkpoint_path(ck));
    int depth = 0;
    for (size_t i = 0; i < lavin_checkpoint_count(ck); i++) {
        int b;
        if (sscanf(lavin_checkpoint_tensor(ck, i)->name, "blocks.%d.", &b) == 1 && b + 1 > depth)
            depth = b + 1;
    }
    int hidden = (int)emb->shape[0], in = (int)emb->shape[1];
    cfg->hidden_size = hidden;
    cfg->depth = depth;
    cfg->num_heads = hidden % 72 == 0 ? hidden / 72 : cfg->num_heads;
    int hd = hidden / cfg->num_heads;
    cfg->kv_group = k->shape[0] > 0 && hd > 0 && (cfg->num_heads * hd) % k->shape[0] == 0
                        ? (int)(cfg->num_heads * hd / k->shape[0]) : 1;
    cfg->patch_size = 2;
    cfg->in_channels = in / 4;
    fprintf(stderr, "lavin: %s: config inferred from shapes; num_heads %d assumes head dim %d\n",
            lavin_checkpoint_path(ck), cfg->num_heads, hd);
    return 0;
}

int lavin_jdit_config_find(const lavin_checkpoint *ck, const char *config_path, lavin_jdit_config *cfg,
                           const char **origin, char *err, size_t err_size)
{
    lavin_jdit_config_preset(cfg);
    if (config_path) {
        *origin = "--config";
        return from_file(config_path, cfg, err, err_size);
    }
    const char *path = lavin_checkpoint_path(ck);
    char side[4096];
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    if (stem + 6 < sizeof(side)) {
        snprintf(side, sizeof(side), "%.*s.json", (int)stem, path);
        FILE *f = fopen(side, "rb");
        if (f) {
            fclose(f);
            *origin = "file beside the weights";
            return from_file(side, cfg, err, err_size);
        }
    }
    const char *meta = lavin_checkpoint_metadata(ck, "lavin.config");
    if (meta) {
        *origin = "safetensors metadata";
        return lavin_jdit_config_parse(meta, path, cfg, err, err_size);
    }
    *origin = "inferred from shapes";
    return infer(ck, cfg, err, err_size);
}

int lavin_jdit_config_dims(const lavin_jdit_config *c, lavin_jdit_dims *d, char *err, size_t err_size)
{
    if (lavin_jdit_dims_from_config(c->hidden_size, c->depth, c->num_heads, c->kv_group, c->in_channels,
                                    c->patch_size, d) < 0 || d->head_dim % 6)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "J-DiT config: hidden_size %d, num_heads %d, kv_group %d: num_heads must divide "
                             "hidden_size into heads whose width is a multiple of 6, and kv_group num_heads",
                             c->hidden_size, c->num_heads, c->kv_group);
    return 0;
}
