#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/infer.h"
#include "cli/signals.h"

static int parse_size(const char *v, int *w, int *h)
{
    char *end;
    long a = strtol(v, &end, 10), b = a;
    if (*end == 'x')
        b = strtol(end + 1, &end, 10);
    if (*end || a <= 0 || b <= 0 || a > 16384 || b > 16384)
        return -1;
    *w = (int)a;
    *h = (int)b;
    return 0;
}

static int parse_int(const char *v, int lo, int hi, int *out)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi)
        return -1;
    *out = (int)x;
    return 0;
}

int infer_parse_tile(const char *v, enum lavin_vae_tiling *mode, int *tile, int *frames)
{
    *mode = !strcmp(v, "auto") ? LAVIN_VAE_TILE_AUTO : !strcmp(v, "off") ? LAVIN_VAE_TILE_OFF : LAVIN_VAE_TILE_FIXED;
    *tile = *frames = 0;
    if (*mode != LAVIN_VAE_TILE_FIXED)
        return 0;
    char *end;
    long s = strtol(v, &end, 10), t = 0;
    if (*end == 'x')
        t = strtol(end + 1, &end, 10);
    if (*end || s <= 0 || s > 1 << 20 || t < 0 || t > 1 << 20 || (end[-1] == 'x'))
        return -1;
    *tile = (int)s;
    *frames = (int)t;
    return 0;
}

static int parse_bytes(const char *v, uint64_t *out)
{
    char *end;
    double x = strtod(v, &end);
    double unit = !strcmp(end, "") || !strcmp(end, "B") ? 1 : !strcmp(end, "K") || !strcmp(end, "KiB") ? 1024.0
                : !strcmp(end, "M") || !strcmp(end, "MiB") ? 1048576.0
                : !strcmp(end, "G") || !strcmp(end, "GiB") ? 1073741824.0 : -1;
    if (end == v || unit < 0 || !(x > 0) || x * unit > 1e18)
        return -1;
    *out = (uint64_t)(x * unit);
    return 0;
}

static int parse_value(const char *a, const char *v, infer_opts *o)
{
    char *end;
    lavin_session_params *p = &o->session;
    if (!strcmp(a, "--query")) {
        if (o->nqueries == CLI_MAX_QUERIES)
            return -1;
        o->queries[o->nqueries++] = v;
        return 0;
    }
    const char **str = !strcmp(a, "--model-dir") ? &o->model_dir : !strcmp(a, "--dit") ? &o->dit
                     : !strcmp(a, "--vae") ? &o->vae : !strcmp(a, "--dit-config") ? &o->dit_config
                     : !strcmp(a, "--vae-config") ? &o->vae_config : !strcmp(a, "--device") ? &o->device
                     : !strcmp(a, "--context") ? &o->context : !strcmp(a, "--task") ? &o->task
                     : !strcmp(a, "-o") || !strcmp(a, "--out") ? &o->out : !strcmp(a, "--in") ? &o->in : NULL;
    if (str) {
        *str = v;
        return 0;
    }
    if (!strcmp(a, "--size"))
        return parse_size(v, &p->width, &p->height);
    if (!strcmp(a, "--rope-anchor"))
        return parse_size(v, &p->rope_anchor_width, &p->rope_anchor_height);
    if (!strcmp(a, "--rope"))
        return (p->rope = !strcmp(v, "auto") ? LAVIN_ROPE_AUTO : !strcmp(v, "extrapolate") ? LAVIN_ROPE_EXTRAPOLATE
                        : !strcmp(v, "interpolate") ? LAVIN_ROPE_INTERPOLATE : (enum lavin_rope)-1)
                   == (enum lavin_rope)-1 ? -1 : 0;
    if (!strcmp(a, "--pairs"))
        return !strcmp(v, "all") ? (p->pairs = LAVIN_PAIRS_ALL) : parse_int(v, 1, LAVIN_MAX_PAIRS, &p->pairs);
    if (!strcmp(a, "--steps"))
        return parse_int(v, 2, 1000, &p->steps);
    if (!strcmp(a, "--batch"))
        return parse_int(v, 1, LAVIN_MAX_BATCH, &p->batch);
    if (!strcmp(a, "--frames"))
        return parse_int(v, 1, 100000, &o->frames);
    if (!strcmp(a, "--context-frames"))
        return parse_int(v, 1, 1000, &p->context_frames);
    if (!strcmp(a, "--clip-frames"))
        return parse_int(v, 1, 1000, &p->clip_frames);
    if (!strcmp(a, "--clip-stride"))
        return parse_int(v, 1, 1000, &o->clip_stride);
    if (!strcmp(a, "--cfg"))
        return p->cfg = strtof(v, &end), *end || !*v ? -1 : 0;
    if (!strcmp(a, "--seed"))
        return p->seed = strtoull(v, &end, 10), *end || !*v || *v == '-' ? -1 : 0;
    if (!strcmp(a, "--vae-tile"))
        return infer_parse_tile(v, &p->vae_tiling, &p->vae_tile, &p->vae_tile_frames);
    if (!strcmp(a, "--memory-limit"))
        return parse_bytes(v, &o->memory_limit);
    if (!strcmp(a, "--precision"))
        return (o->precision = !strcmp(v, "auto") ? LAVIN_PRECISION_AUTO : !strcmp(v, "f32") ? LAVIN_PRECISION_F32
                             : !strcmp(v, "f16") ? LAVIN_PRECISION_F16 : (enum lavin_precision)-1)
                   == (enum lavin_precision)-1 ? -1 : 0;
    if (!strcmp(a, "--fit"))
        return (p->fit = !strcmp(v, "stretch") ? LAVIN_FIT_STRETCH : !strcmp(v, "pad") ? LAVIN_FIT_PAD
                       : !strcmp(v, "crop") ? LAVIN_FIT_CROP : (enum lavin_fit)-1) == (enum lavin_fit)-1 ? -1 : 0;
    if (!strcmp(a, "--weights-dtype"))
        return (o->model.weights_dtype = !strcmp(v, "f32") ? LAVIN_WEIGHTS_F32 : !strcmp(v, "f16") ? LAVIN_WEIGHTS_F16
                                       : !strcmp(v, "bf16") ? LAVIN_WEIGHTS_BF16 : (enum lavin_weights_dtype)-1)
                   == (enum lavin_weights_dtype)-1 ? -1 : 0;
    return -1;
}

/* The options that take no value, and the field each sets. */
static const struct {
    const char *name;
    size_t offset;
} flags[] = {
    { "--keep-model-size", offsetof(infer_opts, session.keep_model_size) },
    { "--quiet", offsetof(infer_opts, quiet) },
    { "--verbose", offsetof(infer_opts, verbose) },
    { "--clip", offsetof(infer_opts, session.clips) },
    { "--only-new", offsetof(infer_opts, only_new) },
    { "--allow-missing", offsetof(infer_opts, model.allow_missing) },
};

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static int flag_index(const char *a)
{
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (!strcmp(a, flags[i].name))
            return (int)i;
    return -1;
}

int infer_is_flag(const char *a)
{
    return is_help(a) || flag_index(a) >= 0;
}

static int parse(int argc, char **argv, const char *cmd, infer_opts *o)
{
    memset(o, 0, sizeof(*o));
    lavin_model_params_default(&o->model);
    lavin_session_params_default(&o->session);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int flag = flag_index(a);
        if (flag >= 0) {
            *(int *)((char *)o + flags[flag].offset) = 1;
            continue;
        }
        if (a[0] != '-') {
            fprintf(stderr, "lavin %s: unexpected argument '%s' (see --help)\n", cmd, a);
            return -1;
        }
        if (i + 1 >= argc || parse_value(a, argv[i + 1], o) < 0) {
            fprintf(stderr, "lavin %s: bad or incomplete option '%s'%s%s (see --help)\n", cmd, a,
                    i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
            return -1;
        }
        i++;
    }
    return 0;
}

int infer_start(int argc, char **argv, const char *cmd, void (*usage)(FILE *), infer_opts *o)
{
    for (int i = 1; i < argc; i++)
        if (is_help(argv[i])) {
            usage(stdout);
            return LAVIN_EXIT_OK;
        }
    return parse(argc, argv, cmd, o) < 0 ? LAVIN_EXIT_USAGE : -1;
}

int infer_exit_code(int err)
{
    return err == LAVIN_EINVAL || err == LAVIN_EFORMAT || err == LAVIN_EIO ? LAVIN_EXIT_USAGE : LAVIN_EXIT_FAIL;
}

int infer_fail(const char *cmd, int err, const char *msg)
{
    if (err == LAVIN_ECANCELED && cli_interrupted()) {
        fprintf(stderr, "lavin %s: interrupted; nothing unfinished was left behind\n", cmd);
        return LAVIN_EXIT_FAIL;
    }
    fprintf(stderr, "lavin %s: %s\n", cmd, msg);
    return infer_exit_code(err);
}
