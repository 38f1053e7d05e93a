/* lavin convert IN... -o OUT.safetensors: one validated safetensors file,
 * optionally in another dtype, with the config in its metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "cli/commands.h"
#include "devtools/devtools.h"
#include "core/half.h"
#include "jdit/jdit_config.h"
#include "stvae/stvae_config.h"

#define MAX_INPUTS 16

static int parse_dtype(const char *s, int *dt)
{
    *dt = !strcmp(s, "f32") ? LAVIN_F32 : !strcmp(s, "f16") ? LAVIN_F16 : !strcmp(s, "bf16") ? LAVIN_BF16 : -2;
    return *dt == -2 ? -1 : 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: lavin convert IN... -o OUT.safetensors [--dtype f32|f16|bf16]\n\n"
               "Writes the tensors of every input (safetensors or PyTorch checkpoints) into one\n"
               "safetensors file, converted to --dtype if given, with the model's config in its metadata\n"
               "(key lavin.config) when the tensors are a J-DiT or an ST-VAE.\n");
}

static int convert(lavin_checkpoint **in, int nin, const char *out, int dtype, char *err, size_t n)
{
    size_t total = 0;
    for (int i = 0; i < nin; i++)
        total += lavin_checkpoint_count(in[i]);
    lavin_ckpt_tensor *ts = calloc(total ? total : 1, sizeof(*ts));
    void **owned = calloc(total ? total : 1, sizeof(*owned));
    int ret = ts && owned ? 0 : lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    size_t k = 0;
    for (int i = 0; i < nin && ret >= 0; i++)
        for (size_t j = 0; j < lavin_checkpoint_count(in[i]) && ret >= 0; j++, k++) {
            const lavin_ckpt_tensor *t = lavin_checkpoint_tensor(in[i], j);
            for (size_t q = 0; q < k; q++)
                if (!strcmp(ts[q].name, t->name))
                    ret = lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: tensor '%s' is also in an earlier input",
                                        lavin_checkpoint_path(in[i]), t->name);
            ts[k] = *t;
            if (ret < 0 || dtype < 0 || (int)t->dtype == dtype)
                continue;
            uint64_t count = t->nbytes / lavin_dtype_size(t->dtype);
            uint8_t *buf = malloc(count * lavin_dtype_size((lavin_dtype)dtype) + 1);
            if (!buf) {
                ret = lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory converting '%s'", t->name);
                break;
            }
            lavin_convert_dtype(t->data, t->dtype, buf, dtype, count);
            owned[k] = buf;
            ts[k].data = buf;
            ts[k].dtype = (lavin_dtype)dtype;
            ts[k].nbytes = count * lavin_dtype_size((lavin_dtype)dtype);
        }
    const char *keys[2] = { "lavin.config", "lavin.model" }, *values[2];
    size_t nmeta = 0;
    char json[256];
    lavin_jdit_config cfg;
    lavin_stvae_config vcfg;
    const char *origin;
    const lavin_logger warn = { dev_log_stderr, NULL, LAVIN_LOG_WARN };
    if (ret >= 0 && nin == 1 && lavin_checkpoint_find(in[0], "x_embedder.0.weight") &&
        lavin_jdit_config_find(in[0], NULL, &cfg, &origin, &warn, err, n) >= 0) {
        snprintf(json, sizeof(json),
                 "{\"hidden_size\":%d,\"depth\":%d,\"num_heads\":%d,\"kv_group\":%d,\"in_channels\":%d,"
                 "\"patch_size\":[%d,%d]}", cfg.hidden_size, cfg.depth, cfg.num_heads, cfg.kv_group,
                 cfg.in_channels, cfg.patch_size, cfg.patch_size);
        values[1] = "jdit";
        nmeta = 2;
    } else if (ret >= 0 && nin == 1 && lavin_checkpoint_find(in[0], "encoder.conv_in.conv.weight") &&
               lavin_stvae_config_find(in[0], NULL, &vcfg, &origin, &warn, err, n) >= 0) {
        lavin_stvae_config_json(&vcfg, json, sizeof(json));
        values[1] = "stvae";
        nmeta = 2;
    }
    values[0] = json;
    if (ret >= 0)
        ret = lavin_safetensors_write(out, ts, total, keys, values, nmeta, err, n);
    for (size_t i = 0; owned && i < total; i++)
        free(owned[i]);
    free(owned);
    free(ts);
    return ret;
}

int lavin_cmd_convert(int argc, char **argv)
{
    const char *out = NULL, *inputs[MAX_INPUTS];
    int nin = 0, dtype = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return LAVIN_EXIT_OK;
        } else if (!strcmp(a, "-o") && v) {
            out = v;
            i++;
        } else if (!strcmp(a, "--dtype") && v && parse_dtype(v, &dtype) == 0) {
            i++;
        } else if (a[0] != '-' && nin < MAX_INPUTS) {
            inputs[nin++] = a;
        } else {
            fprintf(stderr, "lavin convert: bad argument '%s'\n", a);
            usage(stderr);
            return LAVIN_EXIT_USAGE;
        }
    }
    if (!out || !nin) {
        usage(stderr);
        return LAVIN_EXIT_USAGE;
    }
    lavin_checkpoint *in[MAX_INPUTS] = { 0 };
    char err[1024];
    int ret = 0;
    for (int i = 0; i < nin && ret >= 0; i++)
        ret = lavin_checkpoint_open(inputs[i], &in[i], err, sizeof(err));
    if (ret >= 0)
        ret = convert(in, nin, out, dtype, err, sizeof(err));
    for (int i = 0; i < nin; i++)
        lavin_checkpoint_close(&in[i]);
    if (ret < 0) {
        fprintf(stderr, "lavin convert: %s\n", err);
        return ret == LAVIN_ENOMEM ? LAVIN_EXIT_FAIL : LAVIN_EXIT_USAGE;
    }
    return LAVIN_EXIT_OK;
}
