/* lavin batch's video and prediction jobs, on a session the runner keeps:
 * the work of lavin video and lavin predict to a video file (--frames-dir is
 * those commands' own), each output written whole or not at all. */
#include <stdio.h>

#include "cli/batch_video.h"
#include "cli/video_jobs.h"

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
        ret = video_job_process(&v, in);
    if (ret >= 0 && v.written == 0)
        ret = (snprintf(err, size, "%s: no video frames", o->in), LAVIN_EFORMAT);
    if (ret >= 0)
        ret = lavin_video_output_finish(&v.w);
    lavin_video_output_abort(&v.w);
    lavin_video_input_close(&in);
    return ret < 0 ? fail_with(ctx, ret, err, size) : 0;
}

int batch_predict_run(lavin_context *ctx, lavin_session *s, cli_progress *progress, const infer_opts *o, char *err,
                      size_t size)
{
    video_prediction p;
    int ret = video_prediction_read(ctx, o, &p, err, size);
    if (ret >= 0) {
        ret = lavin_session_predict(s, p.ring, p.n, p.frames, p.fresh);
        cli_progress_done(progress);
    }
    if (ret >= 0)
        ret = video_prediction_write(ctx, o, &p);
    video_prediction_free(&p);
    return ret < 0 ? fail_with(ctx, ret, err, size) : 0;
}
