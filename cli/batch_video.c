/* lavin batch's video and prediction jobs, on a session the runner keeps:
 * the work of lavin video (to a video file; --frames-dir is that command's
 * own) and of lavin predict, each output written whole or not at all. */
#include <stdlib.h>
#include <string.h>

#include "cli/batch_video.h"

typedef struct video_job {
    lavin_context *ctx;
    lavin_session *s;
    cli_progress *progress;
    const infer_opts *o;
    lavin_video_info info;
    lavin_video_output *w;
    int64_t written;
} video_job;

/* The output takes the input's rate and time base, so every frame keeps its time. */
static void output_params(const lavin_video_info *info, const lavin_picture *first, lavin_video_output_params *p)
{
    lavin_video_output_params_default(p);
    p->width = first->width;
    p->height = first->height;
    if (info->fps_num > 0 && info->fps_den > 0) {
        p->fps_num = info->fps_num;
        p->fps_den = info->fps_den;
    }
    p->time_base_num = info->time_base_num;
    p->time_base_den = info->time_base_den;
}

/* Writes and frees n answers, as the frames their task shows. */
static int emit(video_job *v, lavin_answer *a, const int64_t *pts, int n)
{
    int ret = 0;
    for (int i = 0; i < n; i++) {
        lavin_picture vis = { 0 };
        if (ret >= 0)
            ret = lavin_answer_preview(v->ctx, &a[i], &vis);
        if (ret >= 0 && !v->w) {
            lavin_video_output_params p;
            output_params(&v->info, &vis, &p);
            p.streams_from = v->o->in;
            ret = lavin_video_output_open(v->ctx, v->o->out, &p, &v->w);
        }
        if (ret >= 0)
            ret = lavin_video_output_write(v->w, &vis, pts[i]);
        v->written += ret >= 0;
        lavin_picture_free(&vis);
        lavin_answer_free(&a[i]);
    }
    return ret;
}

/* Clips of clip_frames frames (the library fills up the last one), or single
 * frames in the library's batches. */
static int process(video_job *v, lavin_video_input *in)
{
    int clips = v->o->session.clips, cap = clips ? v->o->session.clip_frames : LAVIN_MAX_BATCH, got;
    lavin_picture *f = calloc((size_t)cap, sizeof(*f));
    lavin_answer *a = calloc((size_t)cap, sizeof(*a));
    int64_t *pts = calloc((size_t)cap, sizeof(*pts));
    int ret = f && a && pts ? 0 : LAVIN_ENOMEM;
    while (ret >= 0) {
        int want = clips ? cap : lavin_session_batch_size(v->s);
        for (got = 0; got < want && (ret = lavin_video_input_read(in, &f[got], &pts[got])) > 0; got++)
            ;
        if (ret < 0 || got == 0)
            break;
        ret = clips ? lavin_session_run_clip(v->s, f, got, a) : lavin_session_run(v->s, f, got, a);
        cli_progress_done(v->progress);
        if (ret >= 0)
            ret = emit(v, a, pts, got);
    }
    for (int i = 0; f && i < cap; i++)
        lavin_picture_free(&f[i]);
    free(f);
    free(a);
    free(pts);
    return ret;
}

static int fail_with(lavin_context *ctx, int ret, char *err, size_t size)
{
    if (ret == LAVIN_ENOMEM)
        snprintf(err, size, "out of host memory");
    else if (!err[0])
        snprintf(err, size, "%s", lavin_context_error(ctx));
    return ret;
}

int batch_video_run(lavin_context *ctx, lavin_session *s, cli_progress *progress, const infer_opts *o, char *err,
                    size_t size)
{
    video_job v = { .ctx = ctx, .s = s, .progress = progress, .o = o };
    lavin_video_input *in = NULL;
    int ret = lavin_video_input_open(ctx, o->in, &in, &v.info);
    if (ret >= 0)
        ret = process(&v, in);
    if (ret >= 0 && v.written == 0)
        ret = (snprintf(err, size, "%s: no video frames", o->in), LAVIN_EFORMAT);
    if (ret >= 0)
        ret = lavin_video_output_finish(&v.w);
    lavin_video_output_abort(&v.w);
    lavin_video_input_close(&in);
    return ret < 0 ? fail_with(ctx, ret, err, size) : 0;
}

/* The last K frames, oldest first, in a ring: memory stays flat over long videos. */
static int read_tail(lavin_context *ctx, const char *path, lavin_picture *ring, int K, int *n, lavin_video_info *info)
{
    lavin_video_input *in = NULL;
    int total = 0, ret = lavin_video_input_open(ctx, path, &in, info);
    while (ret >= 0 && (ret = lavin_video_input_read(in, &ring[total % K], NULL)) > 0)
        total++;
    lavin_video_input_close(&in);
    for (int i = 0; ret >= 0 && total > K && i < total % K; i++) {
        lavin_picture oldest = ring[0];
        memmove(ring, ring + 1, (size_t)(K - 1) * sizeof(*ring));
        ring[K - 1] = oldest;
    }
    *n = total < K ? total : K;
    return ret;
}

/* The input as it is (unless only-new), then the new frames one average frame apart. */
static int write_prediction(lavin_context *ctx, const infer_opts *o, const lavin_video_info *info,
                            const lavin_answer *fresh)
{
    lavin_video_output *w = NULL;
    lavin_video_output_params p;
    output_params(info, &fresh[0].picture, &p);
    p.streams_from = o->only_new ? NULL : o->in;
    int ret = lavin_video_output_open(ctx, o->out, &p, &w);
    if (ret >= 0 && !o->only_new) {
        lavin_video_input *in = NULL;
        lavin_video_info same;
        lavin_picture frame = { 0 };
        int64_t pts;
        ret = lavin_video_input_open(ctx, o->in, &in, &same);
        while (ret >= 0 && (ret = lavin_video_input_read(in, &frame, &pts)) > 0)
            ret = lavin_video_output_write(w, &frame, pts);
        lavin_picture_free(&frame);
        lavin_video_input_close(&in);
    }
    for (int i = 0; ret >= 0 && i < o->frames; i++)
        ret = lavin_video_output_write(w, &fresh[i].picture, LAVIN_PTS_NEXT);
    if (ret >= 0)
        ret = lavin_video_output_finish(&w);
    lavin_video_output_abort(&w);
    return ret;
}

int batch_predict_run(lavin_context *ctx, lavin_session *s, cli_progress *progress, const infer_opts *o, char *err,
                      size_t size)
{
    int K = o->session.context_frames, n = 0;
    lavin_video_info info;
    lavin_picture *ring = calloc((size_t)K, sizeof(*ring));
    lavin_answer *fresh = calloc((size_t)o->frames, sizeof(*fresh));
    int ret = ring && fresh ? read_tail(ctx, o->in, ring, K, &n, &info) : LAVIN_ENOMEM;
    if (ret >= 0 && n == 0)
        ret = (snprintf(err, size, "%s: no video frames", o->in), LAVIN_EFORMAT);
    if (ret >= 0) {
        ret = lavin_session_predict(s, ring, n, o->frames, fresh);
        cli_progress_done(progress);
    }
    if (ret >= 0)
        ret = write_prediction(ctx, o, &info, fresh);
    for (int i = 0; fresh && i < o->frames; i++)
        lavin_answer_free(&fresh[i]);
    for (int i = 0; ring && i < K; i++)
        lavin_picture_free(&ring[i]);
    free(fresh);
    free(ring);
    return ret < 0 ? fail_with(ctx, ret, err, size) : 0;
}
