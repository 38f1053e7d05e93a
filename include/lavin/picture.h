/*
 * Pictures in memory, and answers: what a task's output means as data.
 */
#ifndef LAVIN_PICTURE_H
#define LAVIN_PICTURE_H

#include <stddef.h>
#include <stdint.h>

#include "lavin/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A picture in host memory: rows of width pixels, top row first, each
 * pixel `channels` interleaved samples (1 gray, 3 RGB, 4 RGBA; alpha is
 * ignored on input) of `depth` bits (8: uint8_t, 16: uint16_t in host byte
 * order), rows `stride` bytes apart (>= width * channels * depth / 8).
 * Pictures the library returns are packed (stride = the row's bytes) and
 * owned by the caller: free them with lavin_picture_free(). */
typedef struct lavin_picture {
    int width, height;
    int channels;
    int depth;
    ptrdiff_t stride;
    void *data;
} lavin_picture;

/* Frees data and zeroes the struct; safe on a zeroed one. Only for
 * pictures the library allocated. */
LAVIN_API void lavin_picture_free(lavin_picture *pic);

/* What an answer holds, by task. */
enum lavin_answer_kind {
    LAVIN_ANSWER_RGB = 0,    /* no data beyond the picture: raw, colorize and unknown tasks */
    LAVIN_ANSWER_DEPTH = 1,  /* values: 1 channel, normalised inverse depth in [0, 1], near = 1 */
    LAVIN_ANSWER_NORMAL = 2, /* values: 3 channels, unit camera-space normals (x right, y up, z to the viewer) */
    LAVIN_ANSWER_LABELS = 3, /* labels: palette indices; palette: the context's class colours */
    LAVIN_ANSWER_EDGES = 4,  /* values: 1 channel, edge strength in [0, 1], 1 = edge */
};

#define LAVIN_PALETTE_MAX 64

/* One output frame of a task. The decoding follows the encodings of the
 * bundled contexts (contexts/<task>/README.md): depth and edges are the BT.601
 * luma of the model's RGB output / 255; normals are RGB / 255 * 2 - 1,
 * renormalised (a zero vector becomes (0, 0, 1)); labels are the nearest
 * palette colour (squared RGB distance, first of equals). */
typedef struct lavin_answer {
    const char *task;            /* the task's name ("depth", "raw", ...); static */
    enum lavin_answer_kind kind;
    int width, height;
    /* DEPTH, NORMAL, EDGES: width * height * channels floats, rows packed. */
    int channels;
    float *values;
    /* LABELS: width * height indices into palette, rows packed. */
    uint8_t *labels;
    int palette_size;
    uint8_t palette[LAVIN_PALETTE_MAX][3];
    /* The model's output as 8-bit RGB at width x height, as every task has it. */
    lavin_picture picture;
} lavin_answer;

/* Frees what the answer holds and zeroes it; safe on a zeroed one. */
LAVIN_API void lavin_answer_free(lavin_answer *a);

/* Puts the answers of one clip on the scale of the clip before it, where
 * they are relative: depth answers are normalised over their own clip (as
 * the depth-clip contexts' targets are), so clips run one after another
 * meet with a jump unless they share frames and are aligned on them. The
 * least-squares scale s > 0 and shift t with s * a[i] + t ~ ref[i] over the
 * pixels of the m shared frames (a[0..m) and ref[0..m) show the same
 * frames; a fit without a positive scale shifts only) is applied in full to
 * the shared answers and eased linearly to none over the others, a[n - 1]
 * keeping its own scale: pictures and values, clamped to [0, 1]. So clips
 * meet without a jump, and over a long video the scale neither drifts nor
 * saturates as it would if every clip took on the first one's. Answers of
 * other kinds are absolute and stay as they are. For callers who cut a
 * video into clips themselves; lavin_clip_stream (lavin/session.h) answers
 * a whole video in overlapping clips. Returns 0, or LAVIN_EINVAL when
 * 0 <= m <= n does not hold or the answers differ in kind or size. */
LAVIN_API int lavin_answers_align(lavin_context *ctx, lavin_answer *a, int n, const lavin_answer *ref, int m);

/* The tasks the library decodes, for listings: name and a one-line summary
 * of the files lavin_answer_write() makes. Returns 0 and fills the two for
 * i in [0, count), LAVIN_EINVAL past the end. */
LAVIN_API int lavin_task_info(int i, const char **name, const char **summary);

#ifdef __cplusplus
}
#endif

#endif
