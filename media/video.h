/* Video through FFmpeg: frames in as upright RGB 8-bit with their
 * timestamps; out as MP4, MOV, MKV or WebM with the frames' own timestamps,
 * carrying the audio, subtitle and data streams of another file. */
#ifndef LAVIN_MEDIA_VIDEO_H
#define LAVIN_MEDIA_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "lavin/media.h"
#include "media/image.h"

/* lavin_video_info, lavin_video_output_params, LAVIN_PTS_NEXT: lavin/media.h */

typedef struct lavin_video_reader lavin_video_reader;

/* On failure *out is NULL and err names the file (e.g. "clip.mp4: no video stream"). */
int lavin_video_open(const char *path, lavin_video_reader **out, lavin_video_info *info, char *err,
                     size_t err_size);
/* Next frame as upright RGB 8-bit into *frame (the display matrix applied):
 * allocated when frame->data is NULL, else it must be info's size, 3
 * channels, 8-bit. Frames whose size changes mid-stream are scaled to
 * info's size. pts (may be NULL) gets the frame's time in info's time
 * base, strictly increasing. Returns 1 with a frame, 0 at the end of the
 * stream, < 0 on error: corrupt data, or fewer frames than the container
 * announced ("clip.mp4: truncated or corrupt at frame 12"). A video with no
 * decodable frame just returns 0; the caller reports that. */
int lavin_video_read(lavin_video_reader *r, lavin_image *frame, int64_t *pts, char *err, size_t err_size);
void lavin_video_close(lavin_video_reader **r);

/* The container lavin writes for path's extension (.mp4, .mov, .mkv,
 * .webm, any case) and an encoder for it in this FFmpeg; one line naming
 * the file otherwise: LAVIN_EINVAL for another extension, LAVIN_EUNSUPPORTED
 * when no encoder fits (WebM without libvpx). */
int lavin_video_container_check(const char *path, char *err, size_t err_size);

typedef struct lavin_video_writer lavin_video_writer;

/* The container follows path's extension (lavin_video_container_check).
 * Video: H.264 (libx264, crf 18) in MP4, MOV and MKV, else MPEG-4 Part 2
 * (qscale 2); VP9 (libvpx-vp9), else VP8, in WebM; always 4:2:0, an odd
 * width or height padded by repeating the last column or row. The streams of
 * p->streams_from are copied, re-encoded or dropped as lavin/media.h says;
 * log gets one LAVIN_LOG_WARN line naming the dropped ones and one
 * LAVIN_LOG_INFO line naming the re-encoded ones (log may be NULL). Writes
 * to `.NAME.tmp-XXXXXX` in the target folder. */
int lavin_video_writer_open(const char *path, const lavin_video_output_params *p, const lavin_logger *log,
                            lavin_video_writer **out, char *err, size_t err_size);
/* The same with a named video encoder ("libx264", "mpeg4", "libvpx-vp9",
 * "libvpx"); NULL picks as above. Lets tests cover the fallbacks on
 * machines that have the preferred encoders. */
int lavin_video_writer_open_with(const char *path, const lavin_video_output_params *p, const char *encoder,
                                 const lavin_logger *log, lavin_video_writer **out, char *err, size_t err_size);
/* rgb8: width x height, 3 channels, 8-bit. pts in the params' time base,
 * after the previous frame's; LAVIN_PTS_NEXT: one average frame duration
 * after it (the first frame: 0). */
int lavin_video_write(lavin_video_writer *w, const lavin_image *rgb8, int64_t pts, char *err, size_t err_size);
/* Flushes the encoders, writes what is left of the other streams and the
 * trailer, renames; frees *w either way (on failure the temp file is
 * removed). */
int lavin_video_writer_finish(lavin_video_writer **w, char *err, size_t err_size);
/* Drops the temp file; frees *w. For failure paths; safe on NULL. */
void lavin_video_writer_abort(lavin_video_writer **w);

#endif
