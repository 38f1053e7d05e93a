/* The work of lavin video and lavin predict on an open session, which
 * lavin batch's video and prediction jobs do too: the frames or clips of a
 * video answered into another, and the frames that follow a video. */
#ifndef LAVIN_CLI_VIDEO_JOBS_H
#define LAVIN_CLI_VIDEO_JOBS_H

#include <stddef.h>

#include "cli/infer.h"

typedef struct video_job {
    lavin_context *ctx;
    lavin_session *s;
    cli_progress *progress;
    const infer_opts *o;    /* in, out (NULL: no video written), clips */
    const char *frames_dir; /* each answer as data too (cli/frames_dir.h); NULL: not */
    lavin_video_info info;  /* the input's, from lavin_video_input_open() */
    lavin_video_output *w;  /* opened at the first answer; the caller finishes or aborts it */
    int64_t written;        /* frames answered and written */
    int sampling_failed;    /* the error is the model's, not a file's: it names the input */
} video_job;

/* Every frame of in answered (in the library's batches) or, with clips,
 * through a clip stream at o->clip_stride, and written in order.
 * Each run ends a step of j->progress; beginning it is the caller's.
 * Returns an error code. */
int video_job_process(video_job *j, lavin_video_input *in);

/* The output's parameters: the input's rate and time base, so that every
 * frame keeps its time, at width x height. */
void video_output_params(const lavin_video_info *info, int width, int height, lavin_video_output_params *p);

typedef struct video_prediction {
    int K, frames;          /* context frames wanted, frames to predict */
    int n;                  /* context frames read: the input's last, oldest first */
    lavin_video_info info;  /* the input's */
    lavin_picture *ring;    /* K */
    lavin_answer *fresh;    /* frames: lavin_session_predict()'s answers */
} video_prediction;

/* The last o->session.context_frames frames of o->in, for predicting
 * o->frames. Returns an error code; a video without frames is
 * LAVIN_EFORMAT with one line in err. video_prediction_free() either way. */
int video_prediction_read(lavin_context *ctx, const infer_opts *o, video_prediction *p, char *err, size_t size);
/* o->out: o->in as it is (unless only_new), then the new frames one
 * average frame apart. */
int video_prediction_write(lavin_context *ctx, const infer_opts *o, const video_prediction *p);
void video_prediction_free(video_prediction *p);

#endif
