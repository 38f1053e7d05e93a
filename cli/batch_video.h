/* lavin batch's video and prediction jobs, on a session the runner keeps. */
#ifndef LAVIN_CLI_BATCH_VIDEO_H
#define LAVIN_CLI_BATCH_VIDEO_H

#include <stddef.h>

#include "cli/infer.h"

/* A video job: every frame, or every clip, answered and written to o->out
 * (as lavin video does, without --frames-dir). Returns an error code, with
 * one line in err. */
int batch_video_run(lavin_context *ctx, lavin_session *s, cli_progress *progress, const infer_opts *o, char *err,
                    size_t size);

/* A prediction job: o->frames frames after o->in, written to o->out (as
 * lavin predict does). */
int batch_predict_run(lavin_context *ctx, lavin_session *s, cli_progress *progress, const infer_opts *o, char *err,
                      size_t size);

#endif
