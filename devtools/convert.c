/* lavin convert IN... -o OUT: one validated checkpoint, safetensors or GGUF
 * by OUT's extension, optionally in another dtype, with the model's config
 * in its metadata. To q8_0 or q4_0 (GGUF only) the Linear weights of the
 * J-DiT blocks are quantized (jdit/jdit_quant.h); every other tensor stays
 * 16-bit, and the file records why for each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint/checkpoint.h"
#include "checkpoint/gguf.h"
#include "cli/commands.h"
#include "core/half.h"
#include "core/quant.h"
#include "devtools/devtools.h"
#include "jdit/jdit_config.h"
#include "jdit/jdit_quant.h"
#include "stvae/stvae_config.h"

#define MAX_INPUTS 16
/* lavin.* strings carried from the input's metadata into a GGUF file */
#define MAX_CARRIED 16
#define WHY_SIZE 96

typedef struct out_file {
    const char *path;
    int gguf;
    int dtype;                  /* -1: each tensor's own */
    lavin_ckpt_tensor *ts;
    void **owned;
    char (*why)[WHY_SIZE];
    size_t n;
} out_file;

static int parse_dtype(const char *s, int *dt)
{
    static const char *const names[] = { "f32", "f16", "bf16", "q8_0", "q4_0" };
    static const lavin_dtype dts[] = { LAVIN_F32, LAVIN_F16, LAVIN_BF16, LAVIN_Q8_0, LAVIN_Q4_0 };
    for (size_t i = 0; i < sizeof(dts) / sizeof(dts[0]); i++)
        if (!strcmp(s, names[i])) {
            *dt = dts[i];
            return 0;
        }
    return -1;
}

static int is_gguf(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && !strcmp(path + n - 5, ".gguf");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: lavin convert IN... -o OUT.safetensors|OUT.gguf [--dtype f32|f16|bf16|q8_0|q4_0]\n\n"
               "Writes the tensors of every input (safetensors, GGUF or PyTorch checkpoints) into one file,\n"
               "safetensors or GGUF by OUT's extension, converted to --dtype if given, with the model's config\n"
               "in its metadata when the tensors are a J-DiT or an ST-VAE. q8_0 and q4_0 (GGUF only) quantize\n"
               "the Linear weights of the J-DiT blocks (attention, MLP and adaLN modulation); norms, biases,\n"
               "embeddings, the final layer and weights whose rows are not whole 32-element blocks stay\n"
               "16-bit, and the file says why for each (lavin inspect shows it). The ST-VAE stays in\n"
               "safetensors: GGUF holds at most 4 dimensions and its convolution weights have 5.\n");
}

/* t's data as dtype `to`, row by row, through f32 when either side is
 * quantized; the buffer is the caller's. */
static int recode(const lavin_ckpt_tensor *t, lavin_dtype to, void **out, uint64_t *nbytes)
{
    uint64_t nelem;
    int64_t row = t->ndim ? t->shape[t->ndim - 1] : 1;
    if (lavin_ckpt_tensor_bytes(to, t->ndim, t->shape, nbytes) < 0 ||
        lavin_ckpt_shape_bytes(t->ndim, t->shape, 1, &nelem) < 0)
        return LAVIN_EINVAL;
    uint8_t *dst = malloc((size_t)*nbytes + 1);
    float *f = malloc((size_t)row * sizeof(*f) + 1);
    *out = dst;
    if (!dst || !f) {
        free(f);
        return LAVIN_ENOMEM;
    }
    const uint8_t *src = t->data;
    uint64_t sb = lavin_dtype_row_bytes(t->dtype, row), db = lavin_dtype_row_bytes(to, row);
    int quant = lavin_dtype_is_quantized(t->dtype) || lavin_dtype_is_quantized(to);
    for (uint64_t r = 0; row && r < nelem / (uint64_t)row; r++, src += sb, dst += db) {
        if (!quant) {
            lavin_convert_dtype(src, t->dtype, dst, to, (size_t)row);
            continue;
        }
        if (lavin_dtype_is_quantized(t->dtype))
            lavin_dequantize_row(t->dtype, src, f, row);
        else
            lavin_convert_dtype(src, t->dtype, f, LAVIN_F32, (size_t)row);
        if (lavin_dtype_is_quantized(to))
            lavin_quantize_row(to, f, dst, row);
        else
            lavin_convert_dtype(f, LAVIN_F32, dst, to, (size_t)row);
    }
    free(f);
    return 0;
}

/* The dtype tensor k goes out in, and why when a quantized dtype passes it
 * by: kept tensors stay 16-bit (bf16 if they were, else f16). */
static lavin_dtype target(out_file *o, size_t k)
{
    lavin_ckpt_tensor *t = &o->ts[k];
    if (o->dtype < 0)
        return t->dtype;
    if (!lavin_dtype_is_quantized((lavin_dtype)o->dtype))
        return (lavin_dtype)o->dtype;
    const char *why = lavin_jdit_quant_keep(t->name, t->ndim, t->shape, o->why[k], WHY_SIZE);
    if (!why)
        return (lavin_dtype)o->dtype;
    if (why != o->why[k])
        snprintf(o->why[k], WHY_SIZE, "%s", why);
    t->why = o->why[k];
    return t->dtype == LAVIN_BF16 ? LAVIN_BF16 : LAVIN_F16;
}

static int gather(lavin_checkpoint **in, int nin, out_file *o, char *err, size_t n)
{
    size_t k = 0;
    for (int i = 0; i < nin; i++)
        for (size_t j = 0; j < lavin_checkpoint_count(in[i]); j++, k++) {
            const lavin_ckpt_tensor *t = lavin_checkpoint_tensor(in[i], j);
            for (size_t q = 0; q < k; q++)
                if (!strcmp(o->ts[q].name, t->name))
                    return lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: tensor '%s' is also in an earlier input",
                                         lavin_checkpoint_path(in[i]), t->name);
            o->ts[k] = *t;
            /* Without --dtype nothing changes type, so the reasons hold. */
            if (o->dtype >= 0)
                o->ts[k].why = NULL;
            lavin_dtype to = target(o, k);
            if (!o->gguf && lavin_dtype_is_quantized(to))
                return lavin_err_buf(err, n, LAVIN_EINVAL,
                                     "%s: tensor '%s' is %s, which safetensors cannot hold: give --dtype f16, bf16 "
                                     "or f32, or write a .gguf", lavin_checkpoint_path(in[i]), t->name,
                                     lavin_dtype_name(to));
            if (to == t->dtype)
                continue;
            int r = recode(t, to, &o->owned[k], &o->ts[k].nbytes);
            if (r < 0)
                return lavin_err_buf(err, n, r, "%s: tensor '%s': cannot convert %s to %s",
                                     lavin_checkpoint_path(in[i]), t->name, lavin_dtype_name(t->dtype),
                                     lavin_dtype_name(to));
            o->ts[k].data = o->owned[k];
            o->ts[k].dtype = to;
        }
    return 0;
}

/* Whether an input's metadata key goes to the output as it is: lavin's
 * keys (the native size, the clip length, the training budget, ...) but
 * the config and the kind, which are written anew. */
static int carried(const char *key)
{
    return !strncmp(key, "lavin.", 6) && strcmp(key, "lavin.config") && strcmp(key, "lavin.model");
}

/* GGUF metadata of a J-DiT: the architecture, its config under the
 * architecture's name, the native size, the clip length (an integer where
 * safetensors holds text), and the input's other lavin.* strings (such as
 * lavin.training). */
static size_t jdit_kv(const lavin_checkpoint *in, const lavin_jdit_config *c, lavin_gguf_kv *kv, uint32_t *patch,
                      uint32_t *size)
{
    size_t n = 0;
    kv[n++] = (lavin_gguf_kv){ .key = LAVIN_GGUF_KEY_ARCH, .type = LAVIN_GGUF_STRING, .str = LAVIN_GGUF_ARCH_JDIT };
    const struct { const char *key; int v; } ints[] = {
        { LAVIN_GGUF_ARCH_JDIT ".hidden_size", c->hidden_size }, { LAVIN_GGUF_ARCH_JDIT ".depth", c->depth },
        { LAVIN_GGUF_ARCH_JDIT ".num_heads", c->num_heads }, { LAVIN_GGUF_ARCH_JDIT ".kv_group", c->kv_group },
        { LAVIN_GGUF_ARCH_JDIT ".in_channels", c->in_channels },
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        kv[n++] = (lavin_gguf_kv){ .key = ints[i].key, .type = LAVIN_GGUF_UINT32, .u32 = (uint32_t)ints[i].v };
    patch[0] = patch[1] = (uint32_t)c->patch_size;
    kv[n++] = (lavin_gguf_kv){ .key = LAVIN_GGUF_ARCH_JDIT ".patch_size", .type = LAVIN_GGUF_ARRAY,
                               .elem_type = LAVIN_GGUF_UINT32, .u32s = patch, .count = 2 };
    const char *s = lavin_checkpoint_metadata(in, "lavin.size");
    if (s && sscanf(s, "%ux%u", &size[0], &size[1]) == 2 && size[0] && size[1])
        kv[n++] = (lavin_gguf_kv){ .key = LAVIN_GGUF_KEY_NATIVE_SIZE, .type = LAVIN_GGUF_ARRAY,
                                   .elem_type = LAVIN_GGUF_UINT32, .u32s = size, .count = 2 };
    unsigned frames;
    s = lavin_checkpoint_metadata(in, LAVIN_GGUF_KEY_CLIP_FRAMES);
    int typed = s && sscanf(s, "%u", &frames) == 1;
    if (typed)
        kv[n++] = (lavin_gguf_kv){ .key = LAVIN_GGUF_KEY_CLIP_FRAMES, .type = LAVIN_GGUF_UINT32, .u32 = frames };
    const char *key;
    for (size_t i = 0; (key = lavin_checkpoint_metadata_key(in, i)) && n < 8 + MAX_CARRIED; i++)
        if (carried(key) && strcmp(key, "lavin.size") && !(typed && !strcmp(key, LAVIN_GGUF_KEY_CLIP_FRAMES)))
            kv[n++] = (lavin_gguf_kv){ .key = key, .type = LAVIN_GGUF_STRING,
                                       .str = lavin_checkpoint_metadata(in, key) };
    return n;
}

static int write_out(lavin_checkpoint **in, int nin, out_file *o, char *err, size_t n)
{
    const char *keys[2 + MAX_CARRIED] = { "lavin.config", "lavin.model" }, *values[2 + MAX_CARRIED], *key;
    size_t nmeta = 0, nkv = 0;
    char json[256];
    lavin_jdit_config cfg;
    lavin_stvae_config vcfg;
    lavin_gguf_kv kv[8 + MAX_CARRIED];
    uint32_t patch[2], size[2];
    const char *origin;
    const lavin_logger warn = { dev_log_stderr, NULL, LAVIN_LOG_WARN };
    if (nin == 1 && lavin_checkpoint_find(in[0], "x_embedder.0.weight") &&
        lavin_jdit_config_find(in[0], NULL, &cfg, &origin, &warn, err, n) >= 0) {
        snprintf(json, sizeof(json),
                 "{\"hidden_size\":%d,\"depth\":%d,\"num_heads\":%d,\"kv_group\":%d,\"in_channels\":%d,"
                 "\"patch_size\":[%d,%d]}", cfg.hidden_size, cfg.depth, cfg.num_heads, cfg.kv_group,
                 cfg.in_channels, cfg.patch_size, cfg.patch_size);
        values[1] = "jdit";
        nmeta = 2;
        nkv = jdit_kv(in[0], &cfg, kv, patch, size);
    } else if (nin == 1 && lavin_checkpoint_find(in[0], "encoder.conv_in.conv.weight") &&
               lavin_stvae_config_find(in[0], NULL, &vcfg, &origin, &warn, err, n) >= 0) {
        if (o->gguf)
            return lavin_err_buf(err, n, LAVIN_EINVAL, "%s: the ST-VAE stays in safetensors: GGUF holds at most %d "
                                 "dimensions and its convolution weights have 5", o->path, LAVIN_GGUF_MAX_DIMS);
        lavin_stvae_config_json(&vcfg, json, sizeof(json));
        values[1] = "stvae";
        nmeta = 2;
    }
    values[0] = json;
    for (size_t i = 0; nmeta && (key = lavin_checkpoint_metadata_key(in[0], i)) && nmeta < 2 + MAX_CARRIED; i++)
        if (carried(key)) {
            keys[nmeta] = key;
            values[nmeta++] = lavin_checkpoint_metadata(in[0], key);
        }
    if (o->gguf)
        return lavin_gguf_write(o->path, o->ts, o->n, kv, nkv, err, n);
    return lavin_safetensors_write(o->path, o->ts, o->n, keys, values, nmeta, err, n);
}

static int convert(lavin_checkpoint **in, int nin, out_file *o, char *err, size_t n)
{
    for (int i = 0; i < nin; i++)
        o->n += lavin_checkpoint_count(in[i]);
    size_t cap = o->n ? o->n : 1;
    o->ts = calloc(cap, sizeof(*o->ts));
    o->owned = calloc(cap, sizeof(*o->owned));
    o->why = calloc(cap, sizeof(*o->why));
    int ret = o->ts && o->owned && o->why ? 0 : lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    if (ret >= 0)
        ret = gather(in, nin, o, err, n);
    if (ret >= 0)
        ret = write_out(in, nin, o, err, n);
    for (size_t i = 0; o->owned && i < o->n; i++)
        free(o->owned[i]);
    free(o->owned);
    free(o->why);
    free(o->ts);
    return ret;
}

static int same_file(const char *a, const char *b)
{
    struct stat x, y;
    return !stat(a, &x) && !stat(b, &y) && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

int lavin_cmd_convert(int argc, char **argv)
{
    const char *inputs[MAX_INPUTS];
    out_file o = { .dtype = -1 };
    int nin = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return LAVIN_EXIT_OK;
        } else if (!strcmp(a, "-o") && v) {
            o.path = v;
            i++;
        } else if (!strcmp(a, "--dtype") && v && parse_dtype(v, &o.dtype) == 0) {
            i++;
        } else if (a[0] != '-' && nin < MAX_INPUTS) {
            inputs[nin++] = a;
        } else {
            fprintf(stderr, "lavin convert: bad argument '%s'\n", a);
            usage(stderr);
            return LAVIN_EXIT_USAGE;
        }
    }
    if (!o.path || !nin) {
        usage(stderr);
        return LAVIN_EXIT_USAGE;
    }
    o.gguf = is_gguf(o.path);
    if (!o.gguf && o.dtype >= 0 && lavin_dtype_is_quantized((lavin_dtype)o.dtype)) {
        fprintf(stderr, "lavin convert: %s: --dtype %s needs a .gguf output\n", o.path,
                lavin_dtype_name((lavin_dtype)o.dtype));
        return LAVIN_EXIT_USAGE;
    }
    for (int i = 0; i < nin; i++)
        if (same_file(inputs[i], o.path)) {
            fprintf(stderr, "lavin convert: %s is also an input; write the output elsewhere\n", o.path);
            return LAVIN_EXIT_USAGE;
        }
    lavin_checkpoint *in[MAX_INPUTS] = { 0 };
    char err[1024];
    int ret = 0;
    for (int i = 0; i < nin && ret >= 0; i++)
        ret = lavin_checkpoint_open(inputs[i], &in[i], err, sizeof(err));
    if (ret >= 0)
        ret = convert(in, nin, &o, err, sizeof(err));
    for (int i = 0; i < nin; i++)
        lavin_checkpoint_close(&in[i]);
    if (ret < 0) {
        fprintf(stderr, "lavin convert: %s\n", err);
        return ret == LAVIN_ENOMEM ? LAVIN_EXIT_FAIL : LAVIN_EXIT_USAGE;
    }
    return LAVIN_EXIT_OK;
}
