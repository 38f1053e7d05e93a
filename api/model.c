/* lavin_model: the two files found, checked, loaded; what callers may ask
 * of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "checkpoint/checkpoint.h"
#include "core/context.h"
#include "core/error.h"
#include "lavin_config.h"

#define DEFAULT_SIZE 512
/* For files without the key: lavin's length before models named theirs
 * (API 1.4), three latent frames. */
#define DEFAULT_CLIP_FRAMES 9

void lavin_model_params_default(lavin_model_params *p)
{
    memset(p, 0, sizeof(*p));
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The released layout: DIR/lavin_dit.safetensors and DIR/stvae.pt (or
 * stvae.safetensors, as lavin convert writes it). DIR/lavin_dit.gguf, which
 * only lavin convert puts there, goes before the safetensors: a folder
 * holding both was given the GGUF to be used. Without a folder, the bundled
 * lavin-tiny: installed, else in the source tree. The messages name the
 * command line's options, which the command passes on as they are. */
static int model_files(lavin_context *ctx, const lavin_model_params *p, char *dit, char *vae, size_t size)
{
    if (p->dit || p->vae) {
        if (!p->dit || !p->vae)
            return lavin_err(ctx, LAVIN_EINVAL, "--dit and --vae go together (or use --model-dir)");
        snprintf(dit, size, "%s", p->dit);
        snprintf(vae, size, "%s", p->vae);
        return 0;
    }
    char dir[4000]; /* leaves room for the file names in dit and vae */
    if (p->dir) {
        snprintf(dir, sizeof(dir), "%s", p->dir);
    } else {
        snprintf(dir, sizeof(dir), "%s/models/lavin-tiny", LAVIN_DATADIR);
        snprintf(dit, size, "%s/lavin_dit.safetensors", dir);
        if (!exists(dit))
            snprintf(dir, sizeof(dir), "%s/models/lavin-tiny", LAVIN_SOURCE_ROOT);
    }
    snprintf(dit, size, "%s/lavin_dit.safetensors", dir);
    int have_st = exists(dit);
    snprintf(dit, size, "%s/lavin_dit.gguf", dir);
    if (exists(dit) && have_st)
        lavin_logf(&ctx->log, LAVIN_LOG_WARN, "%s: lavin_dit.gguf and lavin_dit.safetensors both there; using the GGUF",
                   dir);
    else if (!exists(dit))
        snprintf(dit, size, "%s/lavin_dit.safetensors", dir);
    if (!exists(dit))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: no lavin_dit.safetensors or lavin_dit.gguf (a model folder holds "
                         "lavin_dit.safetensors, or lavin_dit.gguf, and stvae.pt; or give --dit FILE --vae FILE)", dir);
    snprintf(vae, size, "%s/stvae.pt", dir);
    if (!exists(vae))
        snprintf(vae, size, "%s/stvae.safetensors", dir);
    if (!exists(vae))
        return lavin_err(ctx, LAVIN_EINVAL, "%s: no stvae.pt or stvae.safetensors beside the J-DiT", dir);
    return 0;
}

static void count(const lavin_weights *w, int64_t *params, const char **dtype)
{
    *params = 0;
    *dtype = "f32";
    for (size_t i = 0; i < lavin_weights_count(w); i++) {
        const lavin_tensor *t = lavin_weights_get(w, lavin_weights_name(w, i));
        *params += lavin_tensor_nelem(t);
        const char *name = lavin_dtype_name(t->dtype);
        *dtype = i == 0 || !strcmp(*dtype, name) ? name : "mixed";
    }
}

/* The J-DiT file's "lavin.clip_frames", when it is 1 + 4k frames. */
static int clip_frames(const lavin_model *model)
{
    const char *text = lavin_checkpoint_metadata(model->m.dit_file, "lavin.clip_frames");
    int frames, end = 0;
    if (!text)
        return DEFAULT_CLIP_FRAMES;
    if (sscanf(text, "%d%n", &frames, &end) == 1 && !text[end] && frames >= 1 && frames <= 1000 &&
        (frames - 1) % 4 == 0)
        return frames;
    lavin_logf(&model->ctx->log, LAVIN_LOG_WARN, "%s: lavin.clip_frames \"%.32s\" is not 1 + 4k frames; using %d",
               model->info.dit_path, text, DEFAULT_CLIP_FRAMES);
    return DEFAULT_CLIP_FRAMES;
}

static void describe(lavin_model *model)
{
    lavin_model_info *info = &model->info;
    const lavin_jdit_dims *d = lavin_jdit_get_dims(model->m.jdit);
    const char *size = lavin_checkpoint_metadata(model->m.dit_file, "lavin.size");
    info->width = info->height = DEFAULT_SIZE;
    if (!size || sscanf(size, "%dx%d", &info->width, &info->height) != 2 || info->width <= 0 || info->height <= 0)
        info->width = info->height = DEFAULT_SIZE;
    count(model->m.dit_w, &info->dit_params, &info->dit_dtype);
    count(model->m.vae_w, &info->vae_params, &info->vae_dtype);
    info->latent_channels = d->channels;
    info->hidden_size = d->hidden;
    info->depth = d->depth;
    info->num_heads = d->heads;
    info->vae_scale = lavin_stvae_scale(model->m.vae);
    info->size_multiple = info->vae_scale * d->patch;
    info->clip_frames = clip_frames(model);
}

typedef struct {
    lavin_model_params p;
    int part; /* 0 the J-DiT's tensors, 1 the ST-VAE's */
    int last;
} load_progress;

static int on_tensor(void *user, int step, int steps)
{
    load_progress *l = user;
    if (step < l->last)
        l->part++;
    l->last = step;
    lavin_progress pr = { LAVIN_STAGE_LOAD, step, steps, l->part, 1, 2 };
    /* Each file's load starts at step 0, as every stage does. */
    if (step == 1) {
        pr.step = 0;
        if (l->p.progress(l->p.progress_user, &pr))
            return 1;
        pr.step = 1;
    }
    return l->p.progress(l->p.progress_user, &pr);
}

static int open_model(lavin_context *ctx, const lavin_model_params *p, lavin_model *model)
{
    static const int dtypes[] = { -1, LAVIN_F32, LAVIN_F16, LAVIN_BF16 };
    if ((unsigned)p->weights_dtype > LAVIN_WEIGHTS_BF16)
        return lavin_err(ctx, LAVIN_EINVAL, "weights dtype %d: expected one of enum lavin_weights_dtype",
                         (int)p->weights_dtype);
    LAVIN_TRY(model_files(ctx, p, model->info.dit_path, model->info.vae_path, sizeof(model->info.dit_path)));
    lavin_logf(&ctx->log, LAVIN_LOG_INFO, "loading %s and %s", model->info.dit_path, model->info.vae_path);
    load_progress lp = { *p, 0, 0 };
    lavin_models_params mp = { .dit = model->info.dit_path, .vae = model->info.vae_path,
                               .dit_config = p->dit_config, .vae_config = p->vae_config,
                               .weights_dtype = dtypes[p->weights_dtype], .allow_missing = p->allow_missing,
                               .step = p->progress ? on_tensor : NULL, .user = &lp };
    LAVIN_TRY(lavin_models_open(ctx, &mp, &model->m));
    describe(model);
    return 0;
}

int lavin_model_open(lavin_context *ctx, const lavin_model_params *params, lavin_model **out)
{
    *out = NULL;
    lavin_model_params defaults;
    if (!params) {
        lavin_model_params_default(&defaults);
        params = &defaults;
    }
    lavin_model *model = calloc(1, sizeof(*model));
    if (!model)
        return lavin_api_return(ctx, lavin_err(ctx, LAVIN_ENOMEM, "out of host memory"));
    model->ctx = ctx;
    int ret = open_model(ctx, params, model);
    if (ret < 0) {
        free(model);
        return lavin_api_return(ctx, ret);
    }
    *out = model;
    return 0;
}

void lavin_model_close(lavin_model **m)
{
    if (!m || !*m)
        return;
    lavin_models_close(&(*m)->m);
    free(*m);
    *m = NULL;
}

void lavin_model_get_info(const lavin_model *m, lavin_model_info *info)
{
    *info = m->info;
}

lavin_context *lavin_model_context(const lavin_model *m)
{
    return m->ctx;
}
