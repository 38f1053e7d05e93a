/* lavin video: an image task on every frame of a video, or (--clip) a clip
 * task on consecutive clips of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/infer.h"

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
    lavin_video_output *w;
    int written;
    int sampling_failed; /* the error is the model's, not a file's: it names the input */
} job;

static int emit(job *j, const lavin_answer *a)
{
    lavin_picture vis = { 0 };
    lavin_context *ctx = j->s->ctx;
    int ret = lavin_answer_preview(ctx, a, &vis);
    if (ret >= 0 && !j->w)
        ret = lavin_video_output_open(ctx, j->o->out, vis.width, vis.height, j->info.fps_num, j->info.fps_den,
                                      j->info.has_audio ? j->o->in : NULL, &j->w);
    if (ret >= 0)
        ret = lavin_video_output_write(j->w, &vis);
    lavin_picture_free(&vis);
    j->written += ret >= 0;
    return ret;
}

/* Writes and frees n answers. */
static int emit_all(job *j, lavin_answer *a, int n)
{
    int ret = 0;
    for (int i = 0; i < n; i++) {
        if (ret >= 0)
            ret = emit(j, &a[i]);
        lavin_answer_free(&a[i]);
    }
    return ret;
}

/* Clips of T frames; the library fills up the last one. */
static int process_clips(job *j, lavin_video_input *r)
{
    int T = j->o->session.clip_frames, ret = 0, got;
    lavin_picture *c = calloc((size_t)T, sizeof(*c));
    lavin_answer *out = calloc((size_t)T, sizeof(*out));
    if (!c || !out)
        ret = LAVIN_ENOMEM;
    cli_progress_begin(&j->s->progress, "clip");
    while (ret >= 0) {
        for (got = 0; got < T && (ret = lavin_video_input_read(r, &c[got])) > 0; got++)
            ;
        if (ret < 0 || got == 0)
            break;
        ret = lavin_session_run_clip(j->s->s, c, got, out);
        cli_progress_done(&j->s->progress);
        j->sampling_failed = ret < 0;
        if (ret >= 0)
            ret = emit_all(j, out, got);
    }
    for (int i = 0; c && i < T; i++)
        lavin_picture_free(&c[i]);
    free(c);
    free(out);
    return ret;
}

/* Single frames, batched as far as memory allows once one has run. */
static int process_frames(job *j, lavin_video_input *r)
{
    lavin_picture frames[LAVIN_MAX_BATCH];
    lavin_answer out[LAVIN_MAX_BATCH];
    memset(frames, 0, sizeof(frames));
    int ret = 0;
    cli_progress_begin(&j->s->progress, "frame");
    for (;;) {
        int got = 0, batch = lavin_session_batch_size(j->s->s);
        while (got < batch && (ret = lavin_video_input_read(r, &frames[got])) > 0)
            got++;
        if (ret < 0 || got == 0)
            break;
        ret = lavin_session_run(j->s->s, frames, got, out);
        cli_progress_done(&j->s->progress);
        j->sampling_failed = ret < 0;
        if (ret < 0 || (ret = emit_all(j, out, got)) < 0)
            break;
    }
    for (int i = 0; i < LAVIN_MAX_BATCH; i++)
        lavin_picture_free(&frames[i]);
    return ret;
}

static int process(job *j, lavin_video_input *r, char *err, size_t n)
{
    int ret = j->o->session.clips ? process_clips(j, r) : process_frames(j, r);
    if (ret == LAVIN_ENOMEM)
        snprintf(err, n, "out of host memory");
    else if (ret < 0)
        snprintf(err, n, "%s%s%s", j->sampling_failed ? j->o->in : "", j->sampling_failed ? ": " : "",
                 lavin_context_error(j->s->ctx));
    else if (j->written == 0)
        ret = (snprintf(err, n, "%s: no video frames", j->o->in), LAVIN_EFORMAT);
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
    if (o.session.clips && (o.session.clip_frames - 1) % 4) {
        fprintf(stderr, "lavin video: --clip-frames %d: a clip has 1 + 4k frames (1, 5, 9, 13, ...)\n",
                o.session.clip_frames);
        return LAVIN_EXIT_USAGE;
    }
    infer_session s;
    if ((status = infer_context(&o, "video", &s)) >= 0)
        return status;
    char err[1024] = "";
    job j = { .o = &o, .s = &s };
    lavin_video_input *r = NULL;
    int ret = lavin_video_input_open(s.ctx, o.in, &r, &j.info);
    if (ret >= 0)
        ret = infer_open(&o, &s);
    if (ret < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    if (ret >= 0)
        ret = process(&j, r, err, sizeof(err));
    if (ret >= 0 && (ret = lavin_video_output_finish(&j.w)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    lavin_video_output_abort(&j.w);
    lavin_video_input_close(&r);
    infer_close(&s);
    if (ret < 0)
        return infer_fail("video", ret, err);
    if (!o.quiet)
        printf("%s\n", o.out);
    return LAVIN_EXIT_OK;
}
