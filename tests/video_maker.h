/* Synthetic input videos for the video tests, written with FFmpeg directly
 * rather than with lavin's own writer, so that what the tests read was not
 * made by the code under test: any container FFmpeg muxes, any time base
 * and frame timestamps, a display matrix (a phone's rotation), audio,
 * subtitle and timecode streams with languages. No ffmpeg program needed. */
#ifndef LAVIN_TESTS_VIDEO_MAKER_H
#define LAVIN_TESTS_VIDEO_MAKER_H

#include <stddef.h>
#include <stdint.h>

#include <libavutil/avutil.h>
#include <libavutil/rational.h>

#define VM_MAX_SIDE 4

typedef struct vm_side {
    enum AVMediaType type; /* AVMEDIA_TYPE_AUDIO or AVMEDIA_TYPE_SUBTITLE */
    const char *encoder;   /* "pcm_s16le", "aac", "libopus", "mov_text", "subrip", "webvtt", ... */
    const char *language;  /* the stream's "language" tag, or NULL */
} vm_side;

typedef struct vm_spec {
    const char *format;   /* muxer: "mov", "mp4", "matroska", "nut", ... */
    const char *encoder;  /* video encoder; NULL: libx264, else mpeg4 */
    int width, height, frames;
    AVRational time_base; /* the video stream's (the muxer may refine it) */
    const int64_t *pts;   /* frames timestamps in time_base; NULL: k / fps */
    AVRational fps;       /* the rate when pts is NULL */
    int rotation, hflip;  /* display matrix: turn clockwise by rotation degrees, then mirror */
    const char *timecode; /* a MOV timecode track ("00:00:00:00"), a data stream; or NULL */
    vm_side side[VM_MAX_SIDE];
    int nside;
} vm_spec;

/* Writes path. Returns 0, or -1 with a line in err. */
int vm_make(const char *path, const vm_spec *spec, char *err, size_t err_size);

/* Frame k's colour at (x, y) of a w x h picture as stored (before any
 * rotation): red on the left half, green on the top half, blue counting
 * frames (40 + 23k mod 184), so any turn or mirror and the frame order show. */
void vm_colour(int k, int x, int y, int w, int h, uint8_t rgb[3]);

#endif
