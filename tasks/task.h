/* Tasks: what the model's RGB output means, and the files a user gets from
 * it. The model itself knows no task; the example pairs decide what it does,
 * and a task only decodes the target encoding its bundled context uses
 * (contexts/<task>/README.md states each encoding). */
#ifndef LAVIN_TASKS_TASK_H
#define LAVIN_TASKS_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "lavin/picture.h"
#include "media/image.h"

/* Colours of a label encoding, found in the context's targets. */
typedef struct lavin_palette {
    int n;
    uint8_t rgb[LAVIN_PALETTE_MAX][3];
} lavin_palette;

typedef int (*lavin_task_frame_fn)(const lavin_image *rgb, const lavin_palette *pal, lavin_image *out, char *err,
                                   size_t err_size);

typedef struct lavin_task {
    const char *name;
    const char *summary;
    /* Writes the data decoded from the model's 8-bit RGB output to path (PNG
     * or TIFF, as lavin_image_write() reads the name) and, where the data is
     * not a picture itself, PATH.preview.EXT in the same format. */
    int (*write)(const lavin_image *rgb, const lavin_palette *pal, const char *path, char *err, size_t err_size);
    /* The 8-bit RGB picture a video of the task shows for one output frame;
     * out is allocated by the call. */
    lavin_task_frame_fn frame;
    /* What lavin_answer holds for it (lavin/picture.h). */
    enum lavin_answer_kind kind;
} lavin_task;

/* NULL when name is no task. */
const lavin_task *lavin_task_find(const char *name);
/* The model's output as it is: for contexts of no known task. */
const lavin_task *lavin_task_raw(void);
/* The known tasks, NULL-terminated, for --help. */
const lavin_task *const *lavin_task_list(void);

/* The colours that cover at least 0.2% of the targets' pixels (exact
 * matches; resampled edges blend colours and fall below that), most common
 * first, at most LAVIN_PALETTE_MAX. */
int lavin_palette_from_targets(const lavin_image *targets, int n, lavin_palette *pal, char *err, size_t err_size);

/* Index of the colour of pal nearest to rgb (squared RGB distance; the
 * first of equals). */
int lavin_palette_nearest(const lavin_palette *pal, const uint8_t *rgb);

/* "dir/out.png" -> "dir/out.preview.png" (suffix inserted before the
 * extension, or appended when there is none). */
int lavin_task_sibling(const char *path, const char *suffix, char *out, size_t out_size);

/* Shared by the task files. */
int lavin_task_copy_rgb(const lavin_image *rgb, lavin_image *out, char *err, size_t err_size);
/* An answer of two files: data (freed by the call) at path and what preview
 * makes of rgb at PATH.preview.EXT, both or neither (a full disk or a failed
 * second file leaves nothing). */
int lavin_task_write_pair(lavin_image *data, lavin_task_frame_fn preview, const lavin_image *rgb,
                          const lavin_palette *pal, const char *path, char *err, size_t err_size);
/* Writes what frame makes of rgb to path. */
int lavin_task_write_frame(lavin_task_frame_fn frame, const lavin_image *rgb, const lavin_palette *pal,
                           const char *path, char *err, size_t err_size);
/* An 8-bit RGB picture made pixel by pixel from the 8-bit luma of rgb. */
int lavin_task_map_luma(const lavin_image *rgb, void (*map)(int luma, uint8_t *rgb_out), lavin_image *out,
                        char *err, size_t err_size);
int lavin_task_luma(const lavin_image *rgb, int depth, lavin_image *out, char *err, size_t err_size);
/* BT.601 luma of one 8-bit RGB pixel, in [0, 255]: the weights the depth and
 * edge targets are made with. */
double lavin_luma601(const uint8_t *rgb);
/* The unit normal an 8-bit RGB pixel encodes (RGB / 255 * 2 - 1,
 * renormalised; (0, 0, 1) for a zero vector). */
void lavin_normal_unit(const uint8_t *rgb, double *v);

extern const lavin_task lavin_depth_task, lavin_normal_task, lavin_segmentation_task;

#endif
