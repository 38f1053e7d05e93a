/* FFmpeg plumbing shared by the image and video readers and writers. */
#ifndef LAVIN_MEDIA_AV_UTIL_H
#define LAVIN_MEDIA_AV_UTIL_H

#include <stddef.h>

#include <libavutil/frame.h>

#include "media/image.h"

struct SwsContext;

/* FFmpeg logs through process-wide state only (the demuxers have no
 * per-context level), which a library must leave to its program: lavin
 * reports every failure through its own error and never sets FFmpeg's log
 * level (the lavin command does, for itself). */

/* Writes "PATH: WHAT: <FFmpeg's text for averr>" and returns code. */
int lavin_av_err(char *err, size_t err_size, int code, const char *path, const char *what, int averr);

/* LAVIN_EIO for errors of the file system, LAVIN_EFORMAT for the rest. */
int lavin_av_code(int averr);

/* Creates an empty file `.NAME.tmp-XXXXXX` in path's folder, so the final
 * rename never crosses file systems; *tmp is malloc'd. */
int lavin_av_tmpfile(const char *path, char **tmp, char *err, size_t err_size);

/* Converts a decoded frame into dst (allocated, RGB 8-bit), scaling when the
 * sizes differ. *sws is a cache the caller frees with sws_freeContext.
 * Returns 0 or an AVERROR. */
int lavin_av_to_rgb8(struct SwsContext **sws, const AVFrame *f, lavin_image *dst);

#endif
