/* Opening an inference session: pairs, task and models, in the order that
 * reports bad input before any model is loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "cli/infer.h"

#define DEFAULT_PAIRS 4
#define DEFAULT_SIZE 512
#define DEFAULT_BATCH 8

/* The task a context implies: --task, else the context's (folder) name,
 * without a "-clip" suffix; "raw" when that names no task. */
static const lavin_task *find_task(const infer_opts *o, const char *dir, char *err, size_t n)
{
    if (o->task) {
        const lavin_task *t = lavin_task_find(o->task);
        if (!t)
            lavin_err_buf(err, n, LAVIN_EINVAL, "--task %s: no such task (see lavin run --help)", o->task);
        return t;
    }
    char name[256] = "";
    if (dir) {
        size_t len = strlen(dir);
        while (len > 1 && dir[len - 1] == '/')
            len--;
        const char *start = dir + len;
        while (start > dir && start[-1] != '/')
            start--;
        snprintf(name, sizeof(name), "%.*s", (int)(dir + len - start), start);
        char *suffix = strstr(name, "-clip");
        if (suffix && !suffix[5])
            *suffix = 0;
    }
    const lavin_task *t = lavin_task_find(name);
    return t ? t : lavin_task_raw();
}

static int read_item(const char *path, int clips, int max_frames, lavin_clip *c, char *err, size_t n)
{
    if (clips)
        return infer_read_clip(path, 0, max_frames, c, err, n);
    memset(c, 0, sizeof(*c));
    if (!(c->frames = calloc(1, sizeof(*c->frames))))
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    c->n = 1;
    return lavin_image_read(path, &c->frames[0], err, n);
}

static void free_items(lavin_clip *in, lavin_clip *tg, int count)
{
    for (int i = 0; i < count; i++) {
        lavin_clip_free(&in[i]);
        lavin_clip_free(&tg[i]);
    }
}

static int read_pairs(const infer_opts *o, int clips, const lavin_pairs *pairs, const int *idx, int count,
                      lavin_clip *in, lavin_clip *tg, char *err, size_t n)
{
    for (int i = 0; i < count; i++) {
        const lavin_pair *p = &pairs->v[idx[i]];
        LAVIN_TRY(read_item(p->input, clips, o->clip_frames, &in[i], err, n));
        LAVIN_TRY(read_item(p->target, clips, o->clip_frames, &tg[i], err, n));
        /* A clip pair keeps the frames both files have. */
        while (tg[i].n > in[i].n)
            lavin_image_free(&tg[i].frames[--tg[i].n]);
        while (in[i].n > tg[i].n)
            lavin_image_free(&in[i].frames[--in[i].n]);
    }
    return 0;
}

static int palette(const lavin_clip *tg, int count, lavin_palette *pal, char *err, size_t n)
{
    int frames = 0;
    for (int i = 0; i < count; i++)
        frames += tg[i].n;
    lavin_image *all = malloc((size_t)(frames ? frames : 1) * sizeof(*all));
    if (!all)
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    frames = 0;
    for (int i = 0; i < count; i++)
        for (int k = 0; k < tg[i].n; k++)
            all[frames++] = tg[i].frames[k];
    int ret = lavin_palette_from_targets(all, frames, pal, err, n);
    free(all);
    return ret;
}

/* --size, else the size the J-DiT file names in metadata "lavin.size"
 * (WxH), else the reference's 512x512. */
static void model_size(const infer_opts *o, const lavin_models *m, int *w, int *h)
{
    const char *meta = lavin_checkpoint_metadata(m->dit_file, "lavin.size");
    *w = *h = DEFAULT_SIZE;
    if (o->width) {
        *w = o->width;
        *h = o->height;
    } else if (meta && sscanf(meta, "%dx%d", w, h) != 2) {
        *w = *h = DEFAULT_SIZE;
    }
}

static int open_models(const infer_opts *o, infer_session *s, char *err, size_t n)
{
    char dit[4096], vae[4096];
    LAVIN_TRY(infer_model_files(o, dit, vae, sizeof(dit), err, n));
    lavin_models_params mp = { .dit = dit, .vae = vae, .dit_config = o->dit_config, .vae_config = o->vae_config,
                               .device = o->device, .weights_dtype = o->weights_dtype,
                               .allow_missing = o->allow_missing };
    lavin_progress_note(&s->progress, "loading %s and %s", dit, vae);
    LAVIN_TRY(lavin_models_open(&mp, &s->models, err, n));
    model_size(o, &s->models, &s->width, &s->height);
    lavin_incontext_params p = {
        .width = s->width, .height = s->height, .grid_points = o->steps, .cfg = o->cfg, .seed = o->seed,
        .fit = o->fit, .keep_model_size = o->keep_model_size, .tiling = o->tiling, .auto_tiling = o->tile_auto,
        .budget = lavin_memory_available(s->models.ctx) / 2, .progress = lavin_progress_step, .user = &s->progress,
    };
    int ret = lavin_incontext_create(&s->models, &p, &s->ic);
    if (ret < 0)
        snprintf(err, n, "%s", lavin_context_error(s->models.ctx));
    return ret;
}

int infer_open(const infer_opts *o, int clips, infer_session *s, char *err, size_t n)
{
    memset(s, 0, sizeof(*s));
    lavin_progress_init(&s->progress, o->quiet, o->verbose);
    char dir[4096];
    lavin_pairs pairs = { 0 };
    int idx[LAVIN_MAX_PAIRS * 4], count = 0, ret = 0;
    lavin_clip in[LAVIN_MAX_PAIRS * 4], tg[LAVIN_MAX_PAIRS * 4];
    memset(in, 0, sizeof(in));
    memset(tg, 0, sizeof(tg));
    if (o->context) {
        ret = lavin_pairs_dir(o->context, dir, sizeof(dir), err, n);
        if (ret >= 0)
            ret = lavin_pairs_scan(dir, clips ? LAVIN_PAIRS_CLIPS : LAVIN_PAIRS_IMAGES, &pairs, err, n);
        if (ret >= 0 && o->pairs == 0 && pairs.n > (int)(sizeof(idx) / sizeof(idx[0])))
            ret = lavin_err_buf(err, n, LAVIN_EINVAL, "%s: %d pairs; --pairs all takes at most %d", dir, pairs.n,
                                (int)(sizeof(idx) / sizeof(idx[0])));
        if (ret >= 0) {
            count = lavin_pairs_choose(&pairs, o->pairs < 0 ? DEFAULT_PAIRS : o->pairs, o->seed, idx);
            ret = read_pairs(o, clips, &pairs, idx, count, in, tg, err, n);
        }
    }
    if (ret >= 0 && !(s->task = find_task(o, o->context ? dir : NULL, err, n)))
        ret = LAVIN_EINVAL;
    if (ret >= 0 && s->task == &lavin_segmentation_task)
        ret = palette(tg, count, &s->palette, err, n);
    if (ret >= 0)
        ret = open_models(o, s, err, n);
    if (ret >= 0) {
        lavin_progress_note(&s->progress, "encoding %d example pair%s from %s", count, count == 1 ? "" : "s",
                            o->context ? dir : "(none)");
        if ((ret = lavin_incontext_set_pairs(s->ic, in, tg, count)) < 0)
            snprintf(err, n, "%s", lavin_context_error(s->models.ctx));
    }
    free_items(in, tg, count);
    lavin_pairs_free(&pairs);
    if (ret < 0)
        infer_close(s);
    return ret;
}

void infer_close(infer_session *s)
{
    lavin_incontext_destroy(&s->ic);
    lavin_models_close(&s->models);
}

int infer_batch_size(const infer_session *s, const infer_opts *o, int last)
{
    if (o->batch)
        return o->batch;
    uint64_t per = lavin_incontext_workspace(s->ic) / (uint64_t)(last > 0 ? last : 1);
    uint64_t more = per ? lavin_memory_available(s->models.ctx) / 2 / per : 0;
    uint64_t b = (uint64_t)last + more;
    return b < DEFAULT_BATCH ? (int)b : DEFAULT_BATCH;
}
