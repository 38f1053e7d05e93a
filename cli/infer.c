#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "core/error.h"
#include "cli/infer.h"
#include "lavin_config.h"
#include "media/video.h"

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

int infer_parse_tile(const char *v, int *tile_auto, lavin_stvae_tiling *t)
{
    *tile_auto = !strcmp(v, "auto");
    *t = (lavin_stvae_tiling){ 0, 0 };
    if (*tile_auto || !strcmp(v, "off"))
        return 0;
    char *end;
    long s = strtol(v, &end, 10), frames = 0;
    if (*end == 'x')
        frames = strtol(end + 1, &end, 10);
    if (*end || s <= 0 || s > 1 << 20 || frames < 0 || frames > 1 << 20 || (end[-1] == 'x'))
        return -1;
    *t = (lavin_stvae_tiling){ (int)s, (int)frames };
    return 0;
}

static int parse_value(const char *a, const char *v, infer_opts *o)
{
    char *end;
    if (!strcmp(a, "--query")) {
        if (o->nqueries == LAVIN_MAX_QUERIES)
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
        return parse_size(v, &o->width, &o->height);
    if (!strcmp(a, "--pairs"))
        return !strcmp(v, "all") ? (o->pairs = 0) : parse_int(v, 1, LAVIN_MAX_PAIRS, &o->pairs);
    if (!strcmp(a, "--steps"))
        return parse_int(v, 2, 1000, &o->steps);
    if (!strcmp(a, "--batch"))
        return parse_int(v, 1, LAVIN_SAMPLE_MAX_BATCH, &o->batch);
    if (!strcmp(a, "--frames"))
        return parse_int(v, 1, 100000, &o->frames);
    if (!strcmp(a, "--context-frames"))
        return parse_int(v, 1, 1000, &o->context_frames);
    if (!strcmp(a, "--clip-frames"))
        return parse_int(v, 1, 1000, &o->clip_frames);
    if (!strcmp(a, "--cfg"))
        return o->cfg = strtof(v, &end), *end || !*v ? -1 : 0;
    if (!strcmp(a, "--seed"))
        return o->seed = strtoull(v, &end, 10), *end || !*v || *v == '-' ? -1 : 0;
    if (!strcmp(a, "--vae-tile"))
        return infer_parse_tile(v, &o->tile_auto, &o->tiling);
    if (!strcmp(a, "--fit"))
        return (o->fit = !strcmp(v, "stretch") ? LAVIN_FIT_STRETCH : !strcmp(v, "pad") ? LAVIN_FIT_PAD
                       : !strcmp(v, "crop") ? LAVIN_FIT_CROP : (lavin_fit)-1) == (lavin_fit)-1 ? -1 : 0;
    if (!strcmp(a, "--weights-dtype"))
        return (o->weights_dtype = !strcmp(v, "f32") ? LAVIN_F32 : !strcmp(v, "f16") ? LAVIN_F16
                                 : !strcmp(v, "bf16") ? LAVIN_BF16 : -2) == -2 ? -1 : 0;
    return -1;
}

static int parse(int argc, char **argv, const char *cmd, infer_opts *o)
{
    *o = (infer_opts){ .pairs = -1, .steps = 20, .cfg = 1.5f, .tile_auto = 1, .weights_dtype = -1,
                       .clip_frames = 9, .context_frames = 9 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int *flag = !strcmp(a, "--keep-model-size") ? &o->keep_model_size : !strcmp(a, "--quiet") ? &o->quiet
                  : !strcmp(a, "--verbose") ? &o->verbose : !strcmp(a, "--clip") ? &o->clip
                  : !strcmp(a, "--only-new") ? &o->only_new : !strcmp(a, "--allow-missing") ? &o->allow_missing
                  : NULL;
        if (flag) {
            *flag = 1;
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
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
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
    fprintf(stderr, "lavin %s: %s\n", cmd, msg);
    return infer_exit_code(err);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The released layout: DIR/lavin_dit.safetensors and DIR/stvae.pt (or
 * stvae.safetensors, as lavin convert writes it). */
int infer_model_files(const infer_opts *o, char *dit, char *vae, size_t size, char *err, size_t n)
{
    if (o->dit || o->vae) {
        if (!o->dit || !o->vae)
            return lavin_err_buf(err, n, LAVIN_EINVAL, "--dit and --vae go together (or use --model-dir)");
        snprintf(dit, size, "%s", o->dit);
        snprintf(vae, size, "%s", o->vae);
        return 0;
    }
    char dir[4096];
    const char *env = getenv("LAVIN_MODEL_DIR");
    if (o->model_dir)
        snprintf(dir, sizeof(dir), "%s", o->model_dir);
    else if (env && *env)
        snprintf(dir, sizeof(dir), "%s", env);
    else {
        snprintf(dir, sizeof(dir), "%s/models/lavin-tiny", LAVIN_DATADIR);
        if (!exists(strcat(strcpy(dit, dir), "/lavin_dit.safetensors")))
            snprintf(dir, sizeof(dir), "%s/models/lavin-tiny", LAVIN_SOURCE_ROOT);
    }
    snprintf(dit, size, "%s/lavin_dit.safetensors", dir);
    if (!exists(dit))
        return lavin_err_buf(err, n, LAVIN_EINVAL, "%s: no lavin_dit.safetensors (a model folder holds "
                             "lavin_dit.safetensors and stvae.pt; or give --dit FILE --vae FILE)", dir);
    snprintf(vae, size, "%s/stvae.pt", dir);
    if (!exists(vae))
        snprintf(vae, size, "%s/stvae.safetensors", dir);
    if (!exists(vae))
        return lavin_err_buf(err, n, LAVIN_EINVAL, "%s: no stvae.pt or stvae.safetensors beside the J-DiT", dir);
    return 0;
}

int infer_read_clip(const char *path, int first, int max, lavin_clip *clip, char *err, size_t n)
{
    lavin_video_reader *r = NULL;
    lavin_video_info info;
    memset(clip, 0, sizeof(*clip));
    LAVIN_TRY(lavin_video_open(path, &r, &info, err, n));
    lavin_image frame = { 0 };
    int ret = 0, index = 0, cap = 0;
    while ((max == 0 || clip->n < max) && (ret = lavin_video_read(r, &frame, err, n)) > 0) {
        if (index++ < first)
            continue;
        if (clip->n == cap) {
            cap = cap ? 2 * cap : 16;
            lavin_image *f = realloc(clip->frames, (size_t)cap * sizeof(*f));
            if (!f) {
                ret = lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
                break;
            }
            clip->frames = f;
        }
        clip->frames[clip->n++] = frame;
        memset(&frame, 0, sizeof(frame));
    }
    lavin_image_free(&frame);
    lavin_video_close(&r);
    if (ret >= 0 && clip->n == 0)
        ret = lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: no video frames%s", path, first ? " after the start" : "");
    if (ret < 0)
        lavin_clip_free(clip);
    return ret < 0 ? ret : 0;
}
