#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/pairs.h"
#include "core/context.h"
#include "core/error.h"
#include "media/video.h"
#include "tasks/pairs.h"

/* Up to max frames (0: all) of a video from its start. */
static int read_clip(const char *path, int max, lavin_clip *clip, char *err, size_t n)
{
    lavin_video_reader *r = NULL;
    lavin_video_info info;
    memset(clip, 0, sizeof(*clip));
    LAVIN_TRY(lavin_video_open(path, &r, &info, err, n));
    lavin_image frame = { 0 };
    int ret = 0, cap = 0;
    while ((max == 0 || clip->n < max) && (ret = lavin_video_read(r, &frame, NULL, err, n)) > 0) {
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
        ret = lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: no video frames", path);
    if (ret < 0)
        lavin_clip_free(clip);
    return ret < 0 ? ret : 0;
}

static int read_item(const char *path, int clips, int max_frames, lavin_clip *c, char *err, size_t n)
{
    if (clips)
        return read_clip(path, max_frames, c, err, n);
    memset(c, 0, sizeof(*c));
    if (!(c->frames = calloc(1, sizeof(*c->frames))))
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    c->n = 1;
    return lavin_image_read(path, &c->frames[0], err, n);
}

static int alloc_pairs(int count, lavin_session_pairs *out, char *err, size_t n)
{
    out->inputs = calloc((size_t)(count ? count : 1), sizeof(lavin_clip));
    out->targets = calloc((size_t)(count ? count : 1), sizeof(lavin_clip));
    if (!out->inputs || !out->targets)
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    return 0;
}

static int read_files(lavin_context *ctx, const lavin_session_params *p, lavin_session_pairs *out)
{
    char err[1024];
    lavin_pairs pairs = { 0 };
    int idx[LAVIN_MAX_PAIRS * 4];
    int ret = lavin_pairs_dir(p->context, ctx->contexts_dir, out->from, sizeof(out->from), err, sizeof(err));
    if (ret >= 0)
        ret = lavin_pairs_scan(out->from, p->clips ? LAVIN_PAIRS_CLIPS : LAVIN_PAIRS_IMAGES, &pairs, err,
                               sizeof(err));
    if (ret >= 0 && p->pairs == LAVIN_PAIRS_ALL && pairs.n > (int)(sizeof(idx) / sizeof(idx[0])))
        ret = lavin_err_buf(err, sizeof(err), LAVIN_EINVAL, "%s: %d pairs; --pairs all takes at most %d", out->from,
                            pairs.n, (int)(sizeof(idx) / sizeof(idx[0])));
    if (ret >= 0) {
        out->count = lavin_pairs_choose(&pairs, p->pairs < 0 ? 4 : p->pairs, p->seed, idx);
        ret = alloc_pairs(out->count, out, err, sizeof(err));
    }
    for (int i = 0; ret >= 0 && i < out->count; i++) {
        const lavin_pair *pr = &pairs.v[idx[i]];
        lavin_clip *in = &out->inputs[i], *tg = &out->targets[i];
        ret = read_item(pr->input, p->clips, p->clip_frames, in, err, sizeof(err));
        if (ret >= 0)
            ret = read_item(pr->target, p->clips, p->clip_frames, tg, err, sizeof(err));
        /* A clip pair keeps the frames both files have. */
        while (ret >= 0 && tg->n > in->n)
            lavin_image_free(&tg->frames[--tg->n]);
        while (ret >= 0 && in->n > tg->n)
            lavin_image_free(&in->frames[--in->n]);
    }
    lavin_pairs_free(&pairs);
    return lavin_err_onto(ctx, ret, err);
}

static int take_pictures(lavin_context *ctx, const lavin_session_params *p, lavin_session_pairs *out)
{
    if (p->clips)
        return lavin_err(ctx, LAVIN_EINVAL, "pairs in memory are pictures; a clip session reads clip files");
    out->count = p->npairs;
    snprintf(out->from, sizeof(out->from), "(memory)");
    char err[64];
    LAVIN_TRY(lavin_err_onto(ctx, alloc_pairs(p->npairs, out, err, sizeof(err)), err));
    for (int i = 0; i < p->npairs; i++) {
        lavin_clip *c[2] = { &out->inputs[i], &out->targets[i] };
        const lavin_picture *pic[2] = { &p->pair_inputs[i], &p->pair_targets[i] };
        for (int k = 0; k < 2; k++) {
            if (!(c[k]->frames = calloc(1, sizeof(lavin_image))))
                return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
            c[k]->n = 1;
            char what[64];
            snprintf(what, sizeof(what), "pair %d %s", i, k ? "target" : "input");
            LAVIN_TRY(lavin_api_image_in(ctx, pic[k], what, &c[k]->frames[0]));
        }
    }
    return 0;
}

int lavin_session_pairs_read(lavin_context *ctx, const lavin_session_params *p, lavin_session_pairs *out)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->from, sizeof(out->from), "(none)");
    int ret = p->context ? read_files(ctx, p, out) : p->npairs ? take_pictures(ctx, p, out) : 0;
    if (ret < 0)
        lavin_session_pairs_free(out);
    return ret;
}

static const lavin_task *find_task(lavin_context *ctx, const lavin_session_params *p, const char *dir)
{
    if (p->task) {
        const lavin_task *t = lavin_task_find(p->task);
        if (!t)
            lavin_err(ctx, LAVIN_EINVAL, "--task %s: no such task (see lavin run --help)", p->task);
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

int lavin_session_pairs_task(lavin_context *ctx, const lavin_session_params *p, const lavin_session_pairs *pairs,
                             const lavin_task **task, lavin_palette *pal)
{
    memset(pal, 0, sizeof(*pal));
    if (!(*task = find_task(ctx, p, p->context ? pairs->from : NULL)))
        return LAVIN_EINVAL;
    if ((*task)->kind != LAVIN_ANSWER_LABELS)
        return 0;
    int frames = 0;
    for (int i = 0; i < pairs->count; i++)
        frames += pairs->targets[i].n;
    lavin_image *all = malloc((size_t)(frames ? frames : 1) * sizeof(*all));
    if (!all)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    frames = 0;
    for (int i = 0; i < pairs->count; i++)
        for (int k = 0; k < pairs->targets[i].n; k++)
            all[frames++] = pairs->targets[i].frames[k];
    char err[512];
    int ret = lavin_palette_from_targets(all, frames, pal, err, sizeof(err));
    free(all);
    return lavin_err_onto(ctx, ret, err);
}

void lavin_session_pairs_free(lavin_session_pairs *pairs)
{
    for (int i = 0; i < pairs->count; i++) {
        if (pairs->inputs)
            lavin_clip_free(&pairs->inputs[i]);
        if (pairs->targets)
            lavin_clip_free(&pairs->targets[i]);
    }
    free(pairs->inputs);
    free(pairs->targets);
    memset(pairs, 0, sizeof(*pairs));
}
