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
 * palette, JPEG, WebP, BMP, TIFF, ...) as packed 8-bit RGB; alpha is
 * dropped, 16-bit samples become round(v * 255 / 65535). A JPEG or WebP
 * with an EXIF orientation comes upright, as viewers show it (orientation
 * 6: a stored 160x96 picture reads as 96x160, turned a quarter clockwise);
 * this FFmpeg does not read a PNG's eXIf chunk. Errors name the file:
 * LAVIN_EIO (missing, unreadable), LAVIN_EFORMAT (not a picture). */
LAVIN_API int lavin_picture_read(lavin_context *ctx, const char *path, lavin_picture *out);

/* PNG of pic as it is: 1 or 3 channels, 8 or 16 bits, rows packed (stride
 * = width * channels * depth / 8; other strides are LAVIN_EINVAL). */
LAVIN_API int lavin_picture_write_png(lavin_context *ctx, const char *path, const lavin_picture *pic);

/* 0 when path names a format lavin_answer_write() writes: PNG (.png) or
 * TIFF (.tif, .tiff), any case; both hold 8- and 16-bit gray and RGB
 * exactly. Anything else (.jpg, .webp, no extension) is LAVIN_EINVAL, with
 * one line naming the file and the formats: a program checks its output
 * names with it before any model work. Opens nothing. */
LAVIN_API int lavin_picture_format_check(lavin_context *ctx, const char *path);

/* The task's files for one answer, in the format path names (refused, as
 * lavin_picture_format_check() refuses, before anything is written): depth
 * a 16-bit gray picture of the values and, beside OUT.EXT, OUT.preview.EXT
 * in colour; normal 16-bit RGB of (n / 2 + 0.5) * 65535; segmentation
 * 8-bit labels and a coloured preview; edges 8-bit gray; others the RGB
 * picture. */
LAVIN_API int lavin_answer_write(lavin_context *ctx, const lavin_answer *a, const char *path);

/* Where lavin_answer_write() puts an answer's preview, when its task has
 * one: ".preview" before path's extension ("out.png" -> "out.preview.png").
 * LAVIN_EINVAL when out_size is too small. */
LAVIN_API int lavin_answer_preview_path(const char *path, char *out, size_t out_size);

/* The 8-bit RGB frame a video of the task shows for one answer (the
 * preview's colours for depth and labels); out is allocated. */
LAVIN_API int lavin_answer_preview(lavin_context *ctx, const lavin_answer *a, lavin_picture *out);

/* Videos. Reading gives each frame upright (a phone's display matrix, any
 * quarter turn and mirror, is applied) with its own timestamp; writing keeps
 * the timestamps it is given, so variable frame rates, jitter and any time
 * base survive. MKV and WebM store milliseconds, which rounds them there;
 * and where audio is re-encoded for them, FFmpeg 5.1 starts the whole file
 * later by the encoder's priming (6.5 ms for Opus), sound and picture
 * together.
 *
 * Containers and codecs follow the output's extension: .mp4, .mov and .mkv
 * get H.264 (libx264, crf 18) where FFmpeg has it, else MPEG-4 Part 2;
 * .webm gets VP9 (libvpx-vp9), else VP8 (libvpx), and is refused without
 * either; any other name is refused (lavin_video_format_check()).
 *
 * Sizes. Every video is written 4:2:0, which players everywhere decode and
 * which needs an even width and height: an odd width or height is padded by
 * one column on the right or one row at the bottom repeating the edge
 * pixels, so a 33x17 picture makes a 34x18 video.
 *
 * Other streams. Every audio, subtitle and data stream of a source file
 * (lavin_video_output_params.streams_from) is copied as it is when the
 * output's container holds its codec, else re-encoded: audio to AAC in
 * MP4 and MOV, Opus (else Vorbis) in WebM; text subtitles to mov_text in
 * MP4 and MOV, WebVTT in WebM, SubRip in MKV. Streams that can be neither
 * (picture subtitles, most data streams) are dropped and named in one
 * LAVIN_LOG_WARN line on the context; re-encoded ones in one LAVIN_LOG_INFO
 * line. Language and title tags are kept. */

typedef struct lavin_video_info {
    int width, height;    /* upright: after the display matrix */
    int fps_num, fps_den; /* average frame rate of the video stream; 0/1 when unknown */
    int64_t frames;       /* frame count when the container says, else -1 */
    int has_audio;
    int time_base_num, time_base_den; /* the frames' timestamps count time_base_num/time_base_den seconds */
    int rotation;         /* the stored picture is turned clockwise by 0, 90, 180 or 270 degrees, */
    int flipped;          /* then mirrored left to right (1), to stand upright */
} lavin_video_info;

typedef struct lavin_video_input lavin_video_input;

/* The first video stream of a file. Errors name the file ("clip.mp4: no
 * video stream"). */
LAVIN_API int lavin_video_input_open(lavin_context *ctx, const char *path, lavin_video_input **out,
                                     lavin_video_info *info);
/* The next frame as upright 8-bit RGB at info's size (frames whose size
 * changes mid-stream are scaled to it): 1 with a frame, 0 at the end, < 0 on
 * corrupt or truncated data. frame is allocated when frame->data is NULL,
 * else reused (it must then be a picture this function returned). pts (may
 * be NULL) gets the frame's presentation time in info's time base, as the
 * file has it (the first frame's is not always 0), strictly increasing: a
 * frame without a timestamp gets the previous one's plus one average frame
 * duration, a repeated or earlier one the previous one's plus one unit. */
LAVIN_API int lavin_video_input_read(lavin_video_input *in, lavin_picture *frame, int64_t *pts);
/* Safe on NULL. */
LAVIN_API void lavin_video_input_close(lavin_video_input **in);

/* Whether lavin writes a video named path, in the words above: 0, or
 * LAVIN_EINVAL for a name without .mp4, .mov, .mkv or .webm, or
 * LAVIN_EUNSUPPORTED for WebM without libvpx, with one line naming the file
 * on the context. Opens nothing: for programs that refuse before any work. */
LAVIN_API int lavin_video_format_check(lavin_context *ctx, const char *path);

typedef struct lavin_video_output_params {
    int width, height;    /* the frames' size, 1..16384 */
    int fps_num, fps_den; /* average frame rate: the container's rate and LAVIN_PTS_NEXT's step */
    /* The unit of the timestamps lavin_video_output_write() takes, in
     * seconds (any positive num/den); 0/0: fps_den/fps_num, frames counted. */
    int time_base_num, time_base_den;
    /* A file whose audio, subtitle and data streams go into the output, in
     * step with the frames (their timestamps are the file's, so a reader's
     * pts keep them in sync); NULL for none. */
    const char *streams_from;
    void *reserved[8];
} lavin_video_output_params;

/* Everything zero but 30 frames per second. */
LAVIN_API void lavin_video_output_params_default(lavin_video_output_params *p);

typedef struct lavin_video_output lavin_video_output;

/* A video file in the container path's extension names (above). Errors
 * name the file: LAVIN_EINVAL (bad params or name), LAVIN_EUNSUPPORTED,
 * LAVIN_EIO, LAVIN_EFORMAT (streams_from unreadable). */
LAVIN_API int lavin_video_output_open(lavin_context *ctx, const char *path, const lavin_video_output_params *p,
                                      lavin_video_output **out);

/* pts: "one average frame duration after the previous frame" (the first
 * frame: 0). */
#define LAVIN_PTS_NEXT INT64_MIN

/* frame: width x height, 8-bit RGB, any stride. pts: its presentation time
 * in the params' time base, after the previous frame's (else LAVIN_EINVAL),
 * or LAVIN_PTS_NEXT. */
LAVIN_API int lavin_video_output_write(lavin_video_output *out, const lavin_picture *frame, int64_t pts);
/* Flushes, writes the rest of the other streams, finishes the file and
 * renames it into place; frees *out either way. LAVIN_EINVAL, with no
 * message, for NULL. */
LAVIN_API int lavin_video_output_finish(lavin_video_output **out);
/* Drops the unfinished file; frees *out. Safe on NULL. */
LAVIN_API void lavin_video_output_abort(lavin_video_output **out);

#ifdef __cplusplus
}
#endif

#endif
