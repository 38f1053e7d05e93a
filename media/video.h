/* Video through FFmpeg: frames in as RGB 8-bit, out as MP4 (H.264 when the
 * installed FFmpeg has libx264, else MPEG-4 Part 2), optionally carrying the
 * audio of another file unchanged. */
#ifndef LAVIN_MEDIA_VIDEO_H
#define LAVIN_MEDIA_VIDEO_H

#include <stddef.h>
#include <stdint.h>

#include "lavin/media.h"
#include "media/image.h"

/* lavin_video_info: lavin/media.h */

typedef struct lavin_video_reader lavin_video_reader;

/* On failure *out is NULL and err names the file (e.g. "clip.mp4: no video stream"). */
int lavin_video_open(const char *path, lavin_video_reader **out, lavin_video_info *info, char *err,
                     size_t err_size);
/* Next frame as RGB 8-bit into *frame: allocated when frame->data is NULL,
 * else it must be info's size, 3 channels, 8-bit. Frames whose size changes
 * mid-stream are scaled to info's size. Returns 1 with a frame, 0 at the end
 * of the stream, < 0 on error: corrupt data, or fewer frames than the
 * container announced ("clip.mp4: truncated or corrupt at frame 12"). A video
 * with no decodable frame just returns 0; the caller reports that. */
int lavin_video_read(lavin_video_reader *r, lavin_image *frame, char *err, size_t err_size);
void lavin_video_close(lavin_video_reader **r);

typedef struct lavin_video_writer lavin_video_writer;

/* MP4. libx264 at crf 18: yuv420p when width and height are even, yuv444p
 * (High 4:4:4 profile, fewer players) when either is odd, so odd sizes keep
 * their exact size instead of being padded. Without libx264: the mpeg4
 * encoder, yuv420p, qscale 2. audio_from: a media file whose first audio
 * stream is copied packet by packet, whole, into the output; or NULL.
 * Writes to `.NAME.tmp-XXXXXX` in the target folder. */
int lavin_video_writer_open(const char *path, int width, int height, int fps_num, int fps_den,
                            const char *audio_from, lavin_video_writer **out, char *err, size_t err_size);
/* The same with a named encoder ("libx264" or "mpeg4"); NULL picks as above.
 * Lets tests cover the fallback on machines that have libx264. */
int lavin_video_writer_open_with(const char *path, int width, int height, int fps_num, int fps_den,
                                 const char *audio_from, const char *encoder, lavin_video_writer **out,
                                 char *err, size_t err_size);
/* rgb8: width x height, 3 channels, 8-bit. */
int lavin_video_write(lavin_video_writer *w, const lavin_image *rgb8, char *err, size_t err_size);
/* Flushes the encoder, copies the audio, writes the trailer, renames; frees
 * *w either way (on failure the temp file is removed). */
int lavin_video_writer_finish(lavin_video_writer **w, char *err, size_t err_size);
/* Drops the temp file; frees *w. For failure paths; safe on NULL. */
void lavin_video_writer_abort(lavin_video_writer **w);

#endif
