/* lavin inspect FILE...: what a checkpoint holds and whether it is a valid
 * J-DiT for its config. Needs no GPU. */
#include <stdio.h>
#include <string.h>

#include "checkpoint.h"
#include "commands.h"
#include "jdit_manifest.h"

static int is_jdit(const lavin_checkpoint *ck)
{
    const char *kind = lavin_checkpoint_metadata(ck, "lavin.model");
    return kind ? !strcmp(kind, "jdit") : lavin_checkpoint_find(ck, "x_embedder.0.weight") != NULL;
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
    uint64_t params = 0, bytes = 0;
    printf("%s: %zu tensors\n", path, n);
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
        printf("  %-60s %-5s %-22s %12llu bytes\n", t->name, lavin_dtype_name(t->dtype), shape,
               (unsigned long long)t->nbytes);
        params += count;
        bytes += t->nbytes;
    }
    printf("parameters: %llu (%.3f B), %.1f MiB\n", (unsigned long long)params, params * 1e-9,
           bytes / 1048576.0);
    int ret = LAVIN_EXIT_OK;
    if (is_jdit(ck)) {
        lavin_jdit_config cfg;
        lavin_manifest_report r;
        const char *origin;
        if (lavin_jdit_config_find(ck, config, &cfg, &origin, err, sizeof(err)) < 0) {
            fprintf(stderr, "lavin inspect: %s\n", err);
            ret = LAVIN_EXIT_USAGE;
        } else {
            printf("J-DiT config (%s): hidden_size %d, depth %d, num_heads %d, kv_group %d, in_channels %d, "
                   "patch_size %d\n", origin, cfg.hidden_size, cfg.depth, cfg.num_heads, cfg.kv_group,
                   cfg.in_channels, cfg.patch_size);
            lavin_jdit_check(&cfg, ck, stdout, &r);
            if (r.missing || r.unexpected || r.misshaped) {
                printf("verdict: invalid J-DiT: %d missing, %d unexpected, %d mis-shaped of %d expected tensors\n",
                       r.missing, r.unexpected, r.misshaped, r.expected);
                ret = LAVIN_EXIT_USAGE;
            } else {
                printf("verdict: valid J-DiT checkpoint (%d tensors)\n", r.expected);
            }
        }
    } else {
        printf("verdict: file is well formed; not a J-DiT (no structural check for it yet)\n");
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
                   "Lists each checkpoint's tensors (dtype, shape, bytes), the parameter count, the config\n"
                   "found or inferred, and whether the file is a valid J-DiT for it. Exit status 2 if not.\n");
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
