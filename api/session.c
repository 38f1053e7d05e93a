/* lavin_session: the pairs read and encoded once, then queries in batches
 * sized by device memory, clips filled up to their length, and prediction
 * from the tail of a clip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/pairs.h"
#include "core/context.h"
#include "core/error.h"
#include "incontext/incontext.h"
#include "tasks/task.h"

#define DEFAULT_PAIRS 4
#define DEFAULT_BATCH 8

struct lavin_session {
    lavin_model *model;
    lavin_context *ctx;
    lavin_incontext *ic;
    const lavin_task *task;
    lavin_palette palette;
    lavin_session_params p;
    int width, height;
    int last_batch;        /* items in the last batch run, 0 before any */
    lavin_progress now;    /* the call's items, for the callback */
};

void lavin_session_params_default(lavin_session_params *p)
{
    memset(p, 0, sizeof(*p));
    p->pairs = LAVIN_PAIRS_DEFAULT;
    p->steps = 20;
    p->cfg = 1.5f;
    p->context_frames = 9;
}

static int notify(void *user, int stage, int step, int steps)
{
    lavin_session *s = user;
    if (!s->p.progress)
        return 0;
    s->now.stage = (enum lavin_stage)stage;
    s->now.step = step;
    s->now.steps = steps;
    return s->p.progress(s->p.progress_user, &s->now);
}

static int check_params(lavin_context *ctx, const lavin_session_params *p)
{
    if (p->steps < 2 || p->steps > 1000)
        return lavin_err(ctx, LAVIN_EINVAL, "steps %d: the time grid has 2 to 1000 points", p->steps);
    if (p->pairs < -1 || p->pairs > LAVIN_MAX_PAIRS)
        return lavin_err(ctx, LAVIN_EINVAL, "pairs %d: draw 1 to %d, or LAVIN_PAIRS_ALL", p->pairs, LAVIN_MAX_PAIRS);
    if (p->batch < 0 || p->batch > LAVIN_MAX_BATCH)
        return lavin_err(ctx, LAVIN_EINVAL, "batch %d: 0 (automatic) to %d", p->batch, LAVIN_MAX_BATCH);
    if (p->clips && (p->clip_frames < 0 || (p->clip_frames && (p->clip_frames - 1) % 4)))
        return lavin_err(ctx, LAVIN_EINVAL, "--clip-frames %d: a clip has 1 + 4k frames (1, 5, 9, 13, ...)",
                         p->clip_frames);
    if (p->context_frames < 1 || (p->context_frames - 1) % 4)
        return lavin_err(ctx, LAVIN_EINVAL, "--context-frames takes 1 + 4k frames (1, 5, 9, 13, ...)");
    if ((unsigned)p->fit > LAVIN_FIT_CROP || (unsigned)p->vae_tiling > LAVIN_VAE_TILE_FIXED ||
        (p->vae_tiling == LAVIN_VAE_TILE_FIXED && (p->vae_tile <= 0 || p->vae_tile_frames < 0)))
        return lavin_err(ctx, LAVIN_EINVAL, "fit %d, VAE tiling %d (%d x %d frames): out of range", (int)p->fit,
                         (int)p->vae_tiling, p->vae_tile, p->vae_tile_frames);
    if ((unsigned)p->rope > LAVIN_ROPE_INTERPOLATE)
        return lavin_err(ctx, LAVIN_EINVAL, "rope %d: auto (0), extrapolate (1) or interpolate (2)", (int)p->rope);
    if (p->rope_anchor_width < 0 || p->rope_anchor_height < 0 ||
        (p->rope_anchor_width == 0) != (p->rope_anchor_height == 0))
        return lavin_err(ctx, LAVIN_EINVAL, "RoPE anchor %dx%d: both positive, or 0x0 for the model's native size",
                         p->rope_anchor_width, p->rope_anchor_height);
    if (p->npairs < 0 || p->npairs > LAVIN_MAX_PAIRS * 4 || (p->npairs && (!p->pair_inputs || !p->pair_targets)))
        return lavin_err(ctx, LAVIN_EINVAL, "npairs %d: 0 to %d, with both picture lists", p->npairs,
                         LAVIN_MAX_PAIRS * 4);
    return 0;
}

/* Whether the J-DiT's RoPE positions are interpolated to the anchor
 * (docs/computation.md section 2.5.1). Auto interpolates at sizes other
 * than a known training size, the J-DiT file's "lavin.size" or the caller's
 * anchor: on lavin-tiny that scored better than extrapolation at twice and
 * half its size (README). Without either, the anchor is only the released
 * model's assumed 512x512, and the reference's positions stay. */
static int rope_interpolates(const lavin_session *s, int anchor_width, int anchor_height)
{
    const lavin_session_params *p = &s->p;
    if (p->rope != LAVIN_ROPE_AUTO)
        return p->rope == LAVIN_ROPE_INTERPOLATE;
    int known = p->rope_anchor_width || lavin_checkpoint_metadata(s->model->m.dit_file, "lavin.size");
    return known && (anchor_width != s->width || anchor_height != s->height);
}

static int open_incontext(lavin_session *s)
{
    const lavin_session_params *p = &s->p;
    s->width = p->width ? p->width : s->model->info.width;
    s->height = p->height ? p->height : s->model->info.height;
    int aw = p->rope_anchor_width ? p->rope_anchor_width : s->model->info.width;
    int ah = p->rope_anchor_height ? p->rope_anchor_height : s->model->info.height;
    lavin_incontext_params ip = {
        .width = s->width, .height = s->height, .grid_points = p->steps, .cfg = p->cfg, .seed = p->seed,
        .fit = p->fit, .keep_model_size = p->keep_model_size, .rope_anchor_width = aw, .rope_anchor_height = ah,
        .rope_interpolate = rope_interpolates(s, aw, ah),
        .tiling = { p->vae_tiling == LAVIN_VAE_TILE_FIXED ? p->vae_tile : 0,
                    p->vae_tiling == LAVIN_VAE_TILE_FIXED ? p->vae_tile_frames : 0 },
        .auto_tiling = p->vae_tiling == LAVIN_VAE_TILE_AUTO,
        .budget = lavin_memory_available(s->ctx) / 2, .notify = notify, .user = s,
    };
    return lavin_incontext_create(&s->model->m, &ip, &s->ic);
}

int lavin_session_check(lavin_context *ctx, const lavin_session_params *params)
{
    lavin_session_pairs pairs;
    const lavin_task *task;
    lavin_palette pal;
    lavin_session_params p = *params;
    /* The model's clip length is not known here: a first frame shows that a
     * clip reads, without reading a long one whole. */
    if (!p.clip_frames)
        p.clip_frames = 1;
    int ret = check_params(ctx, &p);
    if (ret >= 0)
        ret = lavin_session_pairs_read(ctx, &p, &pairs);
    if (ret >= 0) {
        ret = lavin_session_pairs_task(ctx, &p, &pairs, &task, &pal);
        lavin_session_pairs_free(&pairs);
    }
    return lavin_api_return(ctx, ret);
}

static int create(lavin_session *s)
{
    lavin_session_pairs pairs;
    LAVIN_TRY(check_params(s->ctx, &s->p));
    LAVIN_TRY(lavin_session_pairs_read(s->ctx, &s->p, &pairs));
    int ret = lavin_session_pairs_task(s->ctx, &s->p, &pairs, &s->task, &s->palette);
    if (ret >= 0)
        ret = open_incontext(s);
    if (ret >= 0) {
        lavin_logf(&s->ctx->log, LAVIN_LOG_INFO, "encoding %d example pair%s from %s", pairs.count,
                   pairs.count == 1 ? "" : "s", pairs.from);
        s->now = (lavin_progress){ .first = 0, .count = pairs.count, .total = pairs.count };
        ret = lavin_incontext_set_pairs(s->ic, pairs.inputs, pairs.targets, pairs.count);
    }
    lavin_session_pairs_free(&pairs);
    return ret;
}

int lavin_session_create(lavin_model *m, const lavin_session_params *params, lavin_session **out)
{
    *out = NULL;
    lavin_session *s = calloc(1, sizeof(*s));
    if (!s)
        return lavin_api_return(m->ctx, lavin_err(m->ctx, LAVIN_ENOMEM, "out of host memory"));
    s->model = m;
    s->ctx = m->ctx;
    if (params)
        s->p = *params;
    else
        lavin_session_params_default(&s->p);
    if (!s->p.clip_frames)
        s->p.clip_frames = m->info.clip_frames;
    int ret = create(s);
    /* The caller's strings and pictures are not kept past the call. */
    s->p.context = s->p.task = NULL;
    s->p.pair_inputs = s->p.pair_targets = NULL;
    s->p.npairs = 0;
    if (ret < 0) {
        lavin_session_destroy(&s);
        return lavin_api_return(m->ctx, ret);
    }
    *out = s;
    return 0;
}

void lavin_session_destroy(lavin_session **s)
{
    if (!s || !*s)
        return;
    lavin_incontext_destroy(&(*s)->ic);
    free(*s);
    *s = NULL;
}

const char *lavin_session_task(const lavin_session *s)
{
    return s->task->name;
}

void lavin_session_size(const lavin_session *s, int *width, int *height)
{
    *width = s->width;
    *height = s->height;
}

int lavin_session_clip_frames(const lavin_session *s)
{
    return s->p.clip_frames;
}

lavin_context *lavin_api_session_context(const lavin_session *s, int *clips)
{
    *clips = s->p.clips;
    return s->ctx;
}

int lavin_session_batch_size(const lavin_session *s)
{
    if (s->p.batch)
        return s->p.batch;
    if (!s->last_batch)
        return 1;
    uint64_t per = lavin_incontext_workspace(s->ic) / (uint64_t)s->last_batch;
    uint64_t more = per ? lavin_memory_available(s->ctx) / 2 / per : 0;
    uint64_t b = (uint64_t)s->last_batch + more;
    return b < DEFAULT_BATCH ? (int)b : DEFAULT_BATCH;
}

/* n query clips of one frame count -> answers[n][frames kept]. */
static int run_batch(lavin_session *s, lavin_clip *q, int n, int keep, lavin_answer *out)
{
    lavin_clip res[LAVIN_MAX_BATCH];
    int ret = lavin_incontext_run(s->ic, q, n, res);
    for (int b = 0; b < n; b++) {
        for (int i = 0; ret >= 0 && i < keep; i++)
            ret = lavin_api_answer(s->ctx, s->task, &s->palette, &res[b].frames[i], &out[b * keep + i]);
        if (ret >= 0 || res[b].frames)
            lavin_clip_free(&res[b]);
    }
    if (ret >= 0)
        s->last_batch = n;
    return ret;
}

static int run(lavin_session *s, const lavin_picture *queries, int n, lavin_answer *out)
{
    if (n < 1 || !queries || !out)
        return lavin_err(s->ctx, LAVIN_EINVAL, "run: %d queries (expected at least 1)", n);
    if (s->p.clips)
        return lavin_err(s->ctx, LAVIN_EINVAL, "a clip session answers clips (lavin_session_run_clip)");
    lavin_image img[LAVIN_MAX_BATCH];
    lavin_clip q[LAVIN_MAX_BATCH];
    int view[LAVIN_MAX_BATCH];
    memset(img, 0, sizeof(img));
    int ret = 0;
    for (int i = 0, got; ret >= 0 && i < n; i += got) {
        int batch = lavin_session_batch_size(s);
        got = n - i < batch ? n - i : batch;
        for (int b = 0; b < got; b++)
            view[b] = 0;
        for (int b = 0; ret >= 0 && b < got; b++) {
            ret = lavin_api_image_use(s->ctx, &queries[i + b], "query", &img[b], &view[b]);
            q[b] = (lavin_clip){ &img[b], 1 };
        }
        s->now = (lavin_progress){ .first = i, .count = got, .total = n };
        if (ret >= 0)
            ret = run_batch(s, q, got, 1, &out[i]);
        for (int b = 0; b < got; b++)
            if (!view[b])
                lavin_image_free(&img[b]);
    }
    return ret;
}

int lavin_session_run(lavin_session *s, const lavin_picture *queries, int n, lavin_answer *out)
{
    if (out && n > 0)
        memset(out, 0, (size_t)n * sizeof(*out));
    int ret = run(s, queries, n, out);
    if (ret < 0 && out && n > 0)
        lavin_api_answers_free(out, n);
    return lavin_api_return(s->ctx, ret);
}

/* frames[0..n) as a clip of T frames, the last one repeated to fill it. */
static int fill_clip(lavin_session *s, const lavin_picture *frames, int n, int T, lavin_image *img)
{
    for (int i = 0; i < T; i++)
        LAVIN_TRY(lavin_api_image_in(s->ctx, &frames[i < n ? i : n - 1], "clip frame", &img[i]));
    return 0;
}

int lavin_session_run_clip(lavin_session *s, const lavin_picture *frames, int n, lavin_answer *out)
{
    int T = s->p.clip_frames, ret = 0;
    if (out && n > 0)
        memset(out, 0, (size_t)n * sizeof(*out));
    if (!s->p.clips)
        ret = lavin_err(s->ctx, LAVIN_EINVAL, "a picture session answers pictures (lavin_session_run)");
    else if (n < 1 || n > T || !frames || !out)
        ret = lavin_err(s->ctx, LAVIN_EINVAL, "a clip holds 1 to %d frames (got %d)", T, n);
    lavin_image *img = ret >= 0 ? calloc((size_t)T, sizeof(*img)) : NULL;
    if (ret >= 0 && !img)
        ret = lavin_err(s->ctx, LAVIN_ENOMEM, "out of host memory");
    if (ret >= 0)
        ret = fill_clip(s, frames, n, T, img);
    lavin_clip c = { img, T };
    s->now = (lavin_progress){ .first = 0, .count = 1, .total = 1 };
    if (ret >= 0)
        ret = run_batch(s, &c, 1, n, out);
    for (int i = 0; img && i < T; i++)
        lavin_image_free(&img[i]);
    free(img);
    if (ret < 0 && out && n > 0)
        lavin_api_answers_free(out, n);
    return lavin_api_return(s->ctx, ret);
}

static int predict(lavin_session *s, const lavin_picture *past, int n, int frames, lavin_answer *out)
{
    if (n < 1 || !past || !out)
        return lavin_err(s->ctx, LAVIN_EINVAL, "predict: no past frames");
    if (frames < 1)
        return lavin_err(s->ctx, LAVIN_EINVAL, "frames to predict must be at least 1 (got %d)", frames);
    /* The last K frames, fewer (1 + 4k) when the past is shorter. */
    int keep = n < s->p.context_frames ? n : s->p.context_frames;
    keep -= (keep - 1) % 4;
    lavin_image *img = calloc((size_t)keep, sizeof(*img));
    if (!img)
        return lavin_err(s->ctx, LAVIN_ENOMEM, "out of host memory");
    int ret = 0;
    for (int i = 0; ret >= 0 && i < keep; i++)
        ret = lavin_api_image_in(s->ctx, &past[n - keep + i], "past frame", &img[i]);
    lavin_clip c = { img, keep }, res = { 0 };
    s->now = (lavin_progress){ .first = 0, .count = frames, .total = frames };
    if (ret >= 0)
        ret = lavin_incontext_predict(s->ic, &c, frames, &res);
    for (int i = 0; ret >= 0 && i < res.n; i++)
        ret = lavin_api_answer(s->ctx, s->task, &s->palette, &res.frames[i], &out[i]);
    lavin_clip_free(&res);
    lavin_clip_free(&c);
    return ret;
}

int lavin_session_predict(lavin_session *s, const lavin_picture *past, int n, int frames, lavin_answer *out)
{
    if (out && frames > 0)
        memset(out, 0, (size_t)frames * sizeof(*out));
    int ret = predict(s, past, n, frames, out);
    if (ret < 0 && out && frames > 0)
        lavin_api_answers_free(out, frames);
    return lavin_api_return(s->ctx, ret);
}
