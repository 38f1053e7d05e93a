#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/frames_dir.h"
#include "cli/video_jobs.h"

void video_output_params(const lavin_video_info *info, int width, int height, lavin_video_output_params *p)
{
    lavin_video_output_params_default(p);
    p->width = width;
    p->height = height;
    /* A rate the container does not say is only a hint (every frame has its
     * time); predicted frames follow at it, or at the default without one. */
    if (info->fps_num > 0 && info->fps_den > 0) {
        p->fps_num = info->fps_num;
        p->fps_den = info->fps_den;
    }
    p->time_base_num = info->time_base_num;
    p->time_base_den = info->time_base_den;
}

static int emit(video_job *j, const lavin_answer *a, int64_t pts)
{
    int ret = j->frames_dir ? frames_dir_write(j->ctx, j->frames_dir, j->written, a) : 0;
    if (ret >= 0 && j->o->out) {
        lavin_picture vis = { 0 };
        ret = lavin_answer_preview(j->ctx, a, &vis);
        if (ret >= 0 && !j->w) {
            lavin_video_output_params p;
            video_output_params(&j->info, vis.width, vis.height, &p);
            p.streams_from = j->o->in;
            ret = lavin_video_output_open(j->ctx, j->o->out, &p, &j->w);
        }
        if (ret >= 0)
            ret = lavin_video_output_write(j->w, &vis, pts);
        lavin_picture_free(&vis);
    }
    j->written += ret >= 0;
    return ret;
}

/* Writes and frees n answers. */
static int emit_all(video_job *j, lavin_answer *a, const int64_t *pts, int n)
{
    int ret = 0;
    for (int i = 0; i < n; i++) {
        if (ret >= 0)
            ret = emit(j, &a[i], pts[i]);
        lavin_answer_free(&a[i]);
    }
    return ret;
}

/* Clips through the library's clip stream: frames in, answers out as each
 * becomes final. */
static int process_clips(video_job *j, lavin_video_input *in)
{
    lavin_clip_stream *c = NULL;
    lavin_picture frame = { 0 };
    lavin_answer a = { 0 };
    int64_t pts;
    int ret = lavin_clip_stream_open(j->s, j->o->clip_stride, &c), more = 1;
    while (ret >= 0 && more) {
        ret = more = lavin_video_input_read(in, &frame, &pts);
        if (ret >= 0)
            ret = lavin_clip_stream_push(c, more ? &frame : NULL, pts);
        j->sampling_failed = ret < 0 && more >= 0;
        if (ret > 0)
            cli_progress_done(j->progress);
        while (ret >= 0 && (ret = lavin_clip_stream_pull(c, &a, &pts)) > 0) {
            ret = emit(j, &a, pts);
            lavin_answer_free(&a);
        }
    }
    lavin_picture_free(&frame);
    lavin_clip_stream_close(&c);
    return ret;
}

/* Every frame, batched as far as memory allows once one has run, or every
 * clip. */
int video_job_process(video_job *j, lavin_video_input *in)
{
    if (j->o->session.clips)
        return process_clips(j, in);
    int cap = LAVIN_MAX_BATCH, got;
    lavin_picture *f = calloc((size_t)cap, sizeof(*f));
    lavin_answer *a = calloc((size_t)cap, sizeof(*a));
    int64_t *pts = calloc((size_t)cap, sizeof(*pts));
    int ret = f && a && pts ? 0 : LAVIN_ENOMEM;
    while (ret >= 0) {
        int want = lavin_session_batch_size(j->s);
        for (got = 0; got < want && (ret = lavin_video_input_read(in, &f[got], &pts[got])) > 0; got++)
            ;
        if (ret < 0 || got == 0)
            break;
        ret = lavin_session_run(j->s, f, got, a);
        cli_progress_done(j->progress);
        j->sampling_failed = ret < 0;
        if (ret >= 0)
            ret = emit_all(j, a, pts, got);
    }
    for (int i = 0; f && i < cap; i++)
        lavin_picture_free(&f[i]);
    free(f);
    free(a);
    free(pts);
    return ret;
}

/* The last K frames, oldest first, in a ring: memory stays flat over long
 * videos. */
static int read_tail(lavin_context *ctx, const char *path, video_prediction *p)
{
    lavin_video_input *in = NULL;
    int K = p->K, total = 0, ret = lavin_video_input_open(ctx, path, &in, &p->info);
    while (ret >= 0 && (ret = lavin_video_input_read(in, &p->ring[total % K], NULL)) > 0)
        total++;
    lavin_video_input_close(&in);
    for (int i = 0; ret >= 0 && total > K && i < total % K; i++) {
        lavin_picture oldest = p->ring[0];
        memmove(p->ring, p->ring + 1, (size_t)(K - 1) * sizeof(*p->ring));
        p->ring[K - 1] = oldest;
    }
    p->n = total < K ? total : K;
    return ret;
}

int video_prediction_read(lavin_context *ctx, const infer_opts *o, video_prediction *p, char *err, size_t size)
{
    *p = (video_prediction){ .K = o->session.context_frames, .frames = o->frames };
    p->ring = calloc((size_t)p->K, sizeof(*p->ring));
    p->fresh = calloc((size_t)p->frames, sizeof(*p->fresh));
    int ret = p->ring && p->fresh ? read_tail(ctx, o->in, p) : LAVIN_ENOMEM;
    if (ret >= 0 && p->n == 0)
        ret = (snprintf(err, size, "%s: no video frames", o->in), LAVIN_EFORMAT);
    return ret < 0 ? ret : 0;
}

static int copy_input(lavin_context *ctx, const char *path, lavin_video_output *w)
{
    lavin_video_input *in = NULL;
    lavin_video_info info;
    lavin_picture frame = { 0 };
    int64_t pts;
    int ret = lavin_video_input_open(ctx, path, &in, &info);
    while (ret >= 0 && (ret = lavin_video_input_read(in, &frame, &pts)) > 0)
        ret = lavin_video_output_write(w, &frame, pts);
    lavin_picture_free(&frame);
    lavin_video_input_close(&in);
    return ret;
}

int video_prediction_write(lavin_context *ctx, const infer_opts *o, const video_prediction *p)
{
    lavin_video_output *w = NULL;
    lavin_video_output_params params;
    video_output_params(&p->info, p->fresh[0].width, p->fresh[0].height, &params);
    params.streams_from = o->only_new ? NULL : o->in;
    int ret = lavin_video_output_open(ctx, o->out, &params, &w);
    if (ret >= 0 && !o->only_new)
        ret = copy_input(ctx, o->in, w);
    /* One average frame after the last input frame, and so on. */
    for (int i = 0; ret >= 0 && i < p->frames; i++)
        ret = lavin_video_output_write(w, &p->fresh[i].picture, LAVIN_PTS_NEXT);
    if (ret >= 0)
        ret = lavin_video_output_finish(&w);
    lavin_video_output_abort(&w);
    return ret;
}

void video_prediction_free(video_prediction *p)
{
    for (int i = 0; p->fresh && i < p->frames; i++)
        lavin_answer_free(&p->fresh[i]);
    for (int i = 0; p->ring && i < p->K; i++)
        lavin_picture_free(&p->ring[i]);
    free(p->fresh);
    free(p->ring);
    p->fresh = NULL;
    p->ring = NULL;
}
