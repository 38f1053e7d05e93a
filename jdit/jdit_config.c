#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/config.h"
#include "core/error.h"
#include "jdit/jdit_config.h"

void lavin_jdit_config_preset(lavin_jdit_config *cfg)
{
    *cfg = (lavin_jdit_config){ 2304, 22, 32, 4, 16, 2 };
}

static int jdit_key(void *user, const cJSON *item, const char *source, char *err, size_t n)
{
    lavin_jdit_config *cfg = user;
    const char *k = item->string;
    int *dst = !strcmp(k, "hidden_size") ? &cfg->hidden_size
               : !strcmp(k, "depth")     ? &cfg->depth
               : !strcmp(k, "num_heads") ? &cfg->num_heads
               : !strcmp(k, "kv_group")  ? &cfg->kv_group
               : !strcmp(k, "in_channels") ? &cfg->in_channels
                                           : NULL;
    if (dst)
        return lavin_config_int(item, source, dst, err, n) < 0 ? LAVIN_EFORMAT : 1;
    if (strcmp(k, "patch_size"))
        return 0;
    /* The reference writes [2, 2]; only square patches exist. */
    const cJSON *p0 = cJSON_GetArrayItem(item, 0), *p1 = cJSON_GetArrayItem(item, 1);
    if (cJSON_IsArray(item) && cJSON_GetArraySize(item) == 2 && cJSON_IsNumber(p0) && cJSON_IsNumber(p1) &&
        p0->valueint == p1->valueint)
        item = p0;
    else if (!cJSON_IsNumber(item))
        return lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: config key 'patch_size' must be [p, p] or an integer", source);
    return lavin_config_int(item, source, &cfg->patch_size, err, n) < 0 ? LAVIN_EFORMAT : 1;
}

int lavin_jdit_config_parse(const char *json, const char *source, lavin_jdit_config *cfg, const lavin_logger *log,
                           char *err,
                            size_t err_size)
{
    return lavin_config_parse(json, source, jdit_key, cfg, log, err, err_size);
}

/* What the shapes determine; the head count does not show in any shape, so
 * the released head width of 72 is assumed. */
static int infer(const lavin_checkpoint *ck, lavin_jdit_config *cfg, const lavin_logger *log, char *err, size_t n)
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
    lavin_logf(log, LAVIN_LOG_WARN, "%s: config inferred from shapes; num_heads %d assumes head dim %d",
               lavin_checkpoint_path(ck), cfg->num_heads, hd);
    return 0;
}

int lavin_jdit_config_find(const lavin_checkpoint *ck, const char *config_path, lavin_jdit_config *cfg,
                           const char **origin, const lavin_logger *log, char *err, size_t err_size)
{
    char *text;
    lavin_jdit_config_preset(cfg);
    LAVIN_TRY(lavin_config_model(ck, "jdit", "a J-DiT", err, err_size));
    LAVIN_TRY(lavin_config_text(ck, config_path, &text, origin, err, err_size));
    if (!text)
        return infer(ck, cfg, log, err, err_size);
    int ret = lavin_jdit_config_parse(text, config_path ? config_path : lavin_checkpoint_path(ck), cfg, log, err,
                                      err_size);
    free(text);
    return ret;
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
