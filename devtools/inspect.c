/* lavin inspect FILE...: what a checkpoint (safetensors, GGUF or PyTorch)
 * holds and whether it is a valid J-DiT or ST-VAE for its config. Needs no
 * GPU. */
#include <stdio.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "cli/commands.h"
#include "devtools/devtools.h"
#include "jdit/jdit_manifest.h"
#include "stvae/stvae_config.h"

/* The model a checkpoint holds: its metadata says, or a telltale tensor. */
static const char *model_kind(const lavin_checkpoint *ck)
{
    const char *kind = lavin_checkpoint_metadata(ck, "lavin.model");
    if (kind)
        return kind;
    if (lavin_checkpoint_find(ck, "x_embedder.0.weight"))
        return "jdit";
    return lavin_checkpoint_find(ck, "encoder.conv_in.conv.weight") ? "stvae" : "";
}

/* The lavin.* metadata (the native size, the clip length, the training
 * budget, ...), one key a line; the config has a line of its own. */
static void print_metadata(const lavin_checkpoint *ck)
{
    const char *key;
    for (size_t i = 0; (key = lavin_checkpoint_metadata_key(ck, i)); i++)
        if (!strncmp(key, "lavin.", 6) && strcmp(key, "lavin.config"))
            printf("metadata: %s %s\n", key, lavin_checkpoint_metadata(ck, key));
}

static int verdict(const char *model, const lavin_manifest_report *r)
{
    if (r->missing || r->unexpected || r->misshaped) {
        printf("verdict: invalid %s: %d missing, %d unexpected, %d mis-shaped of %d expected tensors\n", model,
               r->missing, r->unexpected, r->misshaped, r->expected);
        return LAVIN_EXIT_USAGE;
    }
    printf("verdict: valid %s checkpoint (%d tensors)\n", model, r->expected);
    return LAVIN_EXIT_OK;
}

static int inspect(const char *path, const char *config)
{
    lavin_checkpoint *ck;
    char err[1024];
    if (lavin_checkpoint_open(path, &ck, err, sizeof(err)) < 0) {
        fprintf(stderr, "lavin inspect: %s\n", err);
        return LAVIN_EXIT_USAGE;
    }
    size_t n = lavin_checkpoint_count(ck);
    uint64_t params = 0, bytes = 0, type_bytes[LAVIN_Q4_0 + 1] = { 0 };
    size_t type_count[LAVIN_Q4_0 + 1] = { 0 };
    printf("%s: %s, %zu tensors\n", path, lavin_checkpoint_format(ck), n);
    for (size_t i = 0; i < n; i++) {
        const lavin_ckpt_tensor *t = lavin_checkpoint_tensor(ck, i);
        char shape[128];
        size_t len = (size_t)snprintf(shape, sizeof(shape), "[");
        uint64_t count = 1;
        for (int d = 0; d < t->ndim; d++) {
            len += (size_t)snprintf(shape + len, sizeof(shape) - len, "%s%lld", d ? ", " : "", (long long)t->shape[d]);
            count *= (uint64_t)t->shape[d];
        }
        snprintf(shape + len, sizeof(shape) - len, "]");
        printf("  %-60s %-5s %-22s %12llu bytes", t->name, lavin_dtype_name(t->dtype), shape,
               (unsigned long long)t->nbytes);
        if (t->why)
            printf("  (not quantized: %s)", t->why);
        printf("\n");
        params += count;
        bytes += t->nbytes;
        if ((unsigned)t->dtype <= LAVIN_Q4_0) {
            type_bytes[t->dtype] += t->nbytes;
            type_count[t->dtype]++;
        }
    }
    printf("parameters: %llu (%.3f B), %.1f MiB\n", (unsigned long long)params, params * 1e-9,
           bytes / 1048576.0);
    printf("bytes by type:");
    for (int d = 0; d <= LAVIN_Q4_0; d++)
        if (type_count[d])
            printf(" %s %llu (%zu tensors)", lavin_dtype_name((lavin_dtype)d), (unsigned long long)type_bytes[d],
                   type_count[d]);
    printf("\n");
    print_metadata(ck);
    int ret = LAVIN_EXIT_OK;
    const char *kind = model_kind(ck), *origin;
    lavin_manifest_report r;
    const lavin_logger warn = { dev_log_stderr, NULL, LAVIN_LOG_WARN }, list = { dev_log_list, NULL, LAVIN_LOG_WARN };
    if (!strcmp(kind, "jdit")) {
        lavin_jdit_config cfg;
        if (lavin_jdit_config_find(ck, config, &cfg, &origin, &warn, err, sizeof(err)) < 0) {
            fprintf(stderr, "lavin inspect: %s\n", err);
            ret = LAVIN_EXIT_USAGE;
        } else {
            printf("J-DiT config (%s): hidden_size %d, depth %d, num_heads %d, kv_group %d, in_channels %d, "
                   "patch_size %d\n", origin, cfg.hidden_size, cfg.depth, cfg.num_heads, cfg.kv_group,
                   cfg.in_channels, cfg.patch_size);
            lavin_jdit_check(&cfg, ck, &list, &r);
            ret = verdict("J-DiT", &r);
        }
    } else if (!strcmp(kind, "stvae")) {
        lavin_stvae_config cfg;
        char json[256];
        if (lavin_stvae_config_find(ck, config, &cfg, &origin, &warn, err, sizeof(err)) < 0) {
            fprintf(stderr, "lavin inspect: %s\n", err);
            ret = LAVIN_EXIT_USAGE;
        } else {
            lavin_stvae_config_json(&cfg, json, sizeof(json));
            printf("ST-VAE config (%s): %s\n", origin, json);
            lavin_stvae_check(&cfg, ck, &list, &r);
            ret = verdict("ST-VAE", &r);
        }
    } else {
        printf("verdict: file is well formed; neither a J-DiT nor an ST-VAE\n");
    }
    lavin_checkpoint_close(&ck);
    return ret;
}

int lavin_cmd_inspect(int argc, char **argv)
{
    const char *config = NULL;
    int files = 0, ret = LAVIN_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: lavin inspect [--config CONFIG.json] FILE...\n\n"
                   "Lists each checkpoint's tensors (dtype, shape, bytes, and why a tensor of a quantized\n"
                   "GGUF file is not quantized), the bytes per dtype, the parameter count, lavin's metadata\n"
                   "(lavin.size, lavin.clip_frames, ...), the config found or inferred, and whether the file\n"
                   "is a valid J-DiT or ST-VAE for it. Exit status 2 if not.\n");
            return LAVIN_EXIT_OK;
        }
        if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            config = argv[++i];
            continue;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "lavin inspect: unknown option '%s'\n", argv[i]);
            return LAVIN_EXIT_USAGE;
        }
        int r = inspect(argv[i], config);
        if (r > ret)
            ret = r;
        files++;
    }
    if (!files) {
        fprintf(stderr, "usage: lavin inspect [--config CONFIG.json] FILE...\n");
        return LAVIN_EXIT_USAGE;
    }
    return ret;
}
