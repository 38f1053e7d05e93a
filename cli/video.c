/* lavin video: an image task on every frame of a video, or (--clip) a clip
 * task on consecutive clips of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/error.h"
#include "cli/infer.h"
#include "media/video.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin video --context CONTEXT --in IN.mp4 -o OUT.mp4 [--clip [--clip-frames N]] [options]\n\n"
            "Runs the task the example pairs show on every frame of IN (the pairs are encoded once; every\n"
            "frame uses the same seed, for steadier output; frames are batched as far as device memory\n"
            "allows, or --batch N) and writes OUT with IN's frame rate and audio.\n"
            "--clip runs it on clips of N frames (1 + 4k, default 9) through the ST-VAE's temporal\n"
            "compression instead; the context then holds NAME_input.mp4 / NAME_target.mp4 clips.\n"
            "The other options are those of lavin run (see lavin run --help).\n");
}

typedef struct {
    const infer_opts *o;
    infer_session *s;
    lavin_video_info info;
    lavin_video_writer *w;
    int written;
} job;

static int emit(job *j, const lavin_image *out, char *err, size_t n)
{
    lavin_image vis = { 0 };
    int ret = j->s->task->frame(out, &j->s->palette, &vis, err, n);
    if (ret >= 0 && !j->w)
        ret = lavin_video_writer_open(j->o->out, vis.width, vis.height, j->info.fps_num, j->info.fps_den,
                                      j->info.has_audio ? j->o->in : NULL, &j->w, err, n);
    if (ret >= 0)
        ret = lavin_video_write(j->w, &vis, err, n);
    lavin_image_free(&vis);
    j->written += ret >= 0;
    return ret;
}

/* Runs n queries as one batch and writes the first `keep` frames of each
 * output. */
static int run_batch(job *j, lavin_clip *q, int n, int keep, char *err, size_t en)
{
    char label[64];
    lavin_clip out[LAVIN_SAMPLE_MAX_BATCH];
    snprintf(label, sizeof(label), n > 1 ? "frames %d-%d" : "frame %d", j->written + 1, j->written + n);
    lavin_progress_begin(&j->s->progress, label);
    int ret = lavin_incontext_run(j->s->ic, q, n, out);
    lavin_progress_done(&j->s->progress);
    if (ret < 0)
        return lavin_err_buf(err, en, ret, "%s: %s", j->o->in, lavin_context_error(j->s->models.ctx));
    for (int b = 0; b < n; b++) {
        for (int i = 0; ret >= 0 && i < keep && i < out[b].n; i++)
            ret = emit(j, &out[b].frames[i], err, en);
        lavin_clip_free(&out[b]);
    }
    return ret;
}

/* Clips of T frames; the last is filled up with copies of its last frame,
 * whose outputs are dropped. */
static int process_clips(job *j, lavin_video_reader *r, char *err, size_t n)
{
    int T = j->o->clip_frames, ret = 0;
    lavin_clip c = { calloc((size_t)T, sizeof(lavin_image)), 0 };
    if (!c.frames)
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    for (;;) {
        int real = 0;
        for (c.n = 0; c.n < T && (ret = lavin_video_read(r, &c.frames[c.n], err, n)) > 0; c.n++)
            real++;
        if (ret < 0 || real == 0)
            break;
        for (; c.n < T; c.n++) {
            const lavin_image *last = &c.frames[real - 1];
            if ((ret = lavin_image_alloc(&c.frames[c.n], last->width, last->height, 3, 8, err, n)) < 0)
                break;
            memcpy(c.frames[c.n].data, last->data, (size_t)last->width * last->height * 3);
        }
        if (ret < 0 || (ret = run_batch(j, &c, 1, real, err, n)) < 0)
            break;
        for (int i = 0; i < T; i++)
            lavin_image_free(&c.frames[i]);
    }
    c.n = T;
    lavin_clip_free(&c);
    return ret;
}

/* Single frames, batched as far as memory allows once one has run. */
static int process_frames(job *j, lavin_video_reader *r, char *err, size_t n)
{
    lavin_image frames[LAVIN_SAMPLE_MAX_BATCH];
    lavin_clip q[LAVIN_SAMPLE_MAX_BATCH];
    memset(frames, 0, sizeof(frames));
    int batch = j->o->batch ? j->o->batch : 1, ret = 0;
    for (;;) {
        int got = 0;
        while (got < batch && (ret = lavin_video_read(r, &frames[got], err, n)) > 0) {
            q[got] = (lavin_clip){ &frames[got], 1 };
            got++;
        }
        if (ret < 0 || got == 0 || (ret = run_batch(j, q, got, 1, err, n)) < 0)
            break;
        batch = infer_batch_size(j->s, j->o, got);
    }
    for (int i = 0; i < LAVIN_SAMPLE_MAX_BATCH; i++)
        lavin_image_free(&frames[i]);
    return ret;
}

static int process(job *j, lavin_video_reader *r, char *err, size_t n)
{
    int ret = j->o->clip ? process_clips(j, r, err, n) : process_frames(j, r, err, n);
    if (ret >= 0 && j->written == 0)
        ret = lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: no video frames", j->o->in);
    return ret;
}

int lavin_cmd_video(int argc, char **argv)
{
    infer_opts o;
    int status = infer_start(argc, argv, "video", usage, &o);
    if (status >= 0)
        return status;
    if (!o.context || !o.in || !o.out) {
        fprintf(stderr, "lavin video: --context, --in and -o are required (see --help)\n");
        return LAVIN_EXIT_USAGE;
    }
    if (o.clip && (o.clip_frames - 1) % 4) {
        fprintf(stderr, "lavin video: --clip-frames %d: a clip has 1 + 4k frames (1, 5, 9, 13, ...)\n", o.clip_frames);
        return LAVIN_EXIT_USAGE;
    }
    char err[1024] = "";
    job j = { .o = &o };
    lavin_video_reader *r = NULL;
    infer_session s;
    int ret = lavin_video_open(o.in, &r, &j.info, err, sizeof(err));
    if (ret >= 0 && (ret = infer_open(&o, o.clip, &s, err, sizeof(err))) >= 0) {
        j.s = &s;
        ret = process(&j, r, err, sizeof(err));
        if (ret >= 0)
            ret = lavin_video_writer_finish(&j.w, err, sizeof(err));
        lavin_video_writer_abort(&j.w);
        infer_close(&s);
    }
    lavin_video_close(&r);
    if (ret < 0)
        return infer_fail("video", ret, err);
    if (!o.quiet)
        printf("%s\n", o.out);
    return LAVIN_EXIT_OK;
}
