/*
 * Picture and video files, through FFmpeg (no FFmpeg type appears here).
 * Everything written goes to a temporary name in the target folder first and
 * is renamed when complete, so a failure leaves no partial file. The library
 * does not touch FFmpeg's process-wide log level: a program that wants
 * FFmpeg's own warnings silenced sets it (the lavin command does).
 */
#ifndef LAVIN_MEDIA_H
#define LAVIN_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "lavin/context.h"
#include "lavin/picture.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Any still picture FFmpeg decodes (PNG at any depth, with alpha or a
 * palette, JPEG, WebP, BMP, ...) as packed 8-bit RGB; alpha is dropped,
 * 16-bit samples become round(v * 255 / 65535). Errors name the file:
 * LAVIN_EIO (missing, unreadable), LAVIN_EFORMAT (not a picture). */
LAVIN_API int lavin_picture_read(lavin_context *ctx, const char *path, lavin_picture *out);

/* PNG of pic as it is: 1 or 3 channels, 8 or 16 bits. */
LAVIN_API int lavin_picture_write_png(lavin_context *ctx, const char *path, const lavin_picture *pic);

/* The task's files for one answer: depth a 16-bit gray PNG of the values
 * and, beside OUT.png, OUT.preview.png in colour; normal a 16-bit RGB PNG of
 * (n / 2 + 0.5) * 65535; segmentation an 8-bit PNG of labels and a
 * coloured preview; edges an 8-bit gray PNG; others the RGB picture. */
LAVIN_API int lavin_answer_write(lavin_context *ctx, const lavin_answer *a, const char *path);

/* Where lavin_answer_write() puts an answer's preview, when its task has
 * one: ".preview" before path's extension ("out.png" -> "out.preview.png").
 * LAVIN_EINVAL when out_size is too small. */
LAVIN_API int lavin_answer_preview_path(const char *path, char *out, size_t out_size);

/* The 8-bit RGB frame a video of the task shows for one answer (the
 * preview's colours for depth and labels); out is allocated. */
LAVIN_API int lavin_answer_preview(lavin_context *ctx, const lavin_answer *a, lavin_picture *out);

typedef struct lavin_video_info {
    int width, height;
    int fps_num, fps_den; /* average frame rate of the video stream */
    int64_t frames;       /* frame count when the container says, else -1 */
    int has_audio;
} lavin_video_info;

typedef struct lavin_video_input lavin_video_input;

/* The first video stream of a file. Errors name the file ("clip.mp4: no
 * video stream"). */
LAVIN_API int lavin_video_input_open(lavin_context *ctx, const char *path, lavin_video_input **out,
                                     lavin_video_info *info);
/* The next frame as 8-bit RGB at info's size (frames whose size changes
 * mid-stream are scaled to it): 1 with a frame, 0 at the end, < 0 on corrupt
 * or truncated data. frame is allocated when frame->data is NULL, else
 * reused (it must then be a picture this function returned). */
LAVIN_API int lavin_video_input_read(lavin_video_input *in, lavin_picture *frame);
/* Safe on NULL. */
LAVIN_API void lavin_video_input_close(lavin_video_input **in);

typedef struct lavin_video_output lavin_video_output;

/* An MP4: H.264 (libx264, crf 18) where FFmpeg has it, else MPEG-4 Part 2.
 * audio_from: a file whose first audio stream is copied packet for packet
 * into the output, or NULL. */
LAVIN_API int lavin_video_output_open(lavin_context *ctx, const char *path, int width, int height, int fps_num,
                                      int fps_den, const char *audio_from, lavin_video_output **out);
/* frame: width x height, 8-bit RGB, any stride. */
LAVIN_API int lavin_video_output_write(lavin_video_output *out, const lavin_picture *frame);
/* Flushes, copies the audio, finishes the file and renames it into place;
 * frees *out either way. */
LAVIN_API int lavin_video_output_finish(lavin_video_output **out);
/* Drops the unfinished file; frees *out. Safe on NULL. */
LAVIN_API void lavin_video_output_abort(lavin_video_output **out);

#ifdef __cplusplus
}
#endif

#endif
