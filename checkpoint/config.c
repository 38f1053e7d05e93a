#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/config.h"
#include "core/error.h"

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

int lavin_config_text(const lavin_checkpoint *ck, const char *config_path, char **text, const char **origin,
                      char *err, size_t err_size)
{
    *text = NULL;
    if (config_path) {
        *origin = config_path;
        *text = read_text(config_path);
        return *text ? 0 : lavin_err_buf(err, err_size, LAVIN_EIO, "%s: cannot read the config", config_path);
    }
    const char *path = lavin_checkpoint_path(ck);
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - path) : strlen(path);
    char side[4096];
    if (stem + 6 < sizeof(side)) {
        snprintf(side, sizeof(side), "%.*s.json", (int)stem, path);
        if ((*text = read_text(side))) {
            *origin = "file beside the weights";
            return 0;
        }
    }
    const char *meta = lavin_checkpoint_metadata(ck, "lavin.config");
    if (meta) {
        *origin = !strcmp(lavin_checkpoint_format(ck), "GGUF") ? "GGUF metadata" : "safetensors metadata";
        *text = strdup(meta);
        return *text ? 0 : lavin_err_buf(err, err_size, LAVIN_ENOMEM, "out of host memory");
    }
    *origin = "inferred from shapes";
    return 0;
}

int lavin_config_model(const lavin_checkpoint *ck, const char *want, const char *pretty, char *err,
                       size_t err_size)
{
    const char *kind = lavin_checkpoint_metadata(ck, "lavin.model");
    if (kind && strcmp(kind, want))
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: holds a '%s' model, not %s",
                             lavin_checkpoint_path(ck), kind, pretty);
    return 0;
}

int lavin_config_parse(const char *json, const char *source, lavin_config_key_fn fn, void *cfg,
                       const lavin_logger *log, char *err, size_t err_size)
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
        ret = fn(cfg, item, source, err, err_size);
        if (ret < 0)
            break;
        if (!ret)
            lavin_logf(log, LAVIN_LOG_WARN, "%s: ignoring unknown config key '%s'", source, item->string);
    }
    cJSON_Delete(root);
    return ret < 0 ? ret : 0;
}

int lavin_config_int(const cJSON *item, const char *source, int *out, char *err, size_t err_size)
{
    if (!cJSON_IsNumber(item) || item->valuedouble != (double)(int)item->valuedouble || item->valueint < 1)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: config key '%s' must be a positive integer",
                             source, item->string ? item->string : "?");
    *out = item->valueint;
    return 0;
}
