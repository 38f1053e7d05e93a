#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "tasks/task.h"

int lavin_task_sibling(const char *path, const char *suffix, char *out, size_t size)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || dot == path || dot[-1] == '/')
        dot = path + strlen(path);
    int len = snprintf(out, size, "%.*s%s%s", (int)(dot - path), path, suffix, dot);
    return len < 0 || (size_t)len >= size ? LAVIN_EINVAL : 0;
}

int lavin_task_copy_rgb(const lavin_image *rgb, lavin_image *out, char *err, size_t n)
{
    LAVIN_TRY(lavin_image_alloc(out, rgb->width, rgb->height, 3, 8, err, n));
    memcpy(out->data, rgb->data, (size_t)rgb->width * (size_t)rgb->height * 3);
    return 0;
}

double lavin_luma601(const uint8_t *p)
{
    return 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

int lavin_task_luma(const lavin_image *rgb, int depth, lavin_image *out, char *err, size_t n)
{
    LAVIN_TRY(lavin_image_alloc(out, rgb->width, rgb->height, 1, depth, err, n));
    const uint8_t *s = rgb->data;
    size_t count = (size_t)rgb->width * (size_t)rgb->height;
    for (size_t i = 0; i < count; i++) {
        double y = lavin_luma601(s + 3 * i);
        if (depth == 16)
            ((uint16_t *)out->data)[i] = (uint16_t)(y * 257.0 + 0.5);
        else
            ((uint8_t *)out->data)[i] = (uint8_t)(y + 0.5);
    }
    return 0;
}

int lavin_task_write_frame(lavin_task_frame_fn frame, const lavin_image *rgb, const lavin_palette *pal,
                           const char *path, char *err, size_t n)
{
    lavin_image img = { 0 };
    int ret = frame(rgb, pal, &img, err, n);
    if (ret >= 0)
        ret = lavin_image_write(path, &img, err, n);
    lavin_image_free(&img);
    return ret;
}

int lavin_task_write_pair(lavin_image *data, lavin_task_frame_fn preview, const lavin_image *rgb,
                          const lavin_palette *pal, const char *path, char *err, size_t n)
{
    char side[4096], *tmp = NULL, *tmp_side = NULL;
    lavin_image vis = { 0 };
    int ret = lavin_task_sibling(path, ".preview", side, sizeof(side)) < 0
                  ? lavin_err_buf(err, n, LAVIN_EINVAL, "%s: path too long", path)
                  : lavin_image_stage(path, data, &tmp, err, n);
    /* The data is on disk (under its temporary name) before the preview is made. */
    lavin_image_free(data);
    if (ret >= 0)
        ret = preview(rgb, pal, &vis, err, n);
    if (ret >= 0)
        ret = lavin_image_stage(side, &vis, &tmp_side, err, n);
    lavin_image_free(&vis);
    if (ret >= 0 && (ret = lavin_image_commit(&tmp, path, err, n)) >= 0 &&
        (ret = lavin_image_commit(&tmp_side, side, err, n)) < 0)
        unlink(path);
    lavin_image_discard(&tmp);
    lavin_image_discard(&tmp_side);
    return ret;
}

static int raw_frame(const lavin_image *rgb, const lavin_palette *pal, lavin_image *out, char *err, size_t n)
{
    (void)pal;
    return lavin_task_copy_rgb(rgb, out, err, n);
}

static int raw_write(const lavin_image *rgb, const lavin_palette *pal, const char *path, char *err, size_t n)
{
    return lavin_task_write_frame(raw_frame, rgb, pal, path, err, n);
}

int lavin_task_map_luma(const lavin_image *rgb, void (*map)(int luma, uint8_t *rgb_out), lavin_image *out,
                        char *err, size_t n)
{
    LAVIN_TRY(lavin_image_alloc(out, rgb->width, rgb->height, 3, 8, err, n));
    /* The 8-bit luma of lavin_task_luma(), pixel by pixel: no gray copy of
     * a large picture. */
    const uint8_t *s = rgb->data;
    for (size_t i = 0; i < (size_t)rgb->width * (size_t)rgb->height; i++)
        map((int)(lavin_luma601(s + 3 * i) + 0.5), (uint8_t *)out->data + 3 * i);
    return 0;
}

static void gray(int v, uint8_t *out)
{
    memset(out, v, 3);
}

static int edges_frame(const lavin_image *rgb, const lavin_palette *pal, lavin_image *out, char *err, size_t n)
{
    (void)pal;
    return lavin_task_map_luma(rgb, gray, out, err, n);
}

static int edges_write(const lavin_image *rgb, const lavin_palette *pal, const char *path, char *err, size_t n)
{
    (void)pal;
    lavin_image y = { 0 };
    int ret = lavin_task_luma(rgb, 8, &y, err, n);
    if (ret >= 0)
        ret = lavin_image_write(path, &y, err, n);
    lavin_image_free(&y);
    return ret;
}

static const lavin_task raw = { "raw", "the model's RGB output as it is", raw_write, raw_frame, LAVIN_ANSWER_RGB };
static const lavin_task edges = { "edges", "edge map: 8-bit grayscale, white edges on black", edges_write,
                                  edges_frame, LAVIN_ANSWER_EDGES };
static const lavin_task colorize = { "colorize", "colour for a grayscale picture: RGB", raw_write, raw_frame,
                                     LAVIN_ANSWER_RGB };

const lavin_task *lavin_task_raw(void)
{
    return &raw;
}

static const lavin_task *const list[] = {
    &lavin_depth_task, &lavin_normal_task, &lavin_segmentation_task, &edges, &colorize, NULL,
};

const lavin_task *const *lavin_task_list(void)
{
    return list;
}

const lavin_task *lavin_task_find(const char *name)
{
    for (const lavin_task *const *t = lavin_task_list(); *t; t++)
        if (!strcmp((*t)->name, name))
            return *t;
    return !strcmp(name, "raw") ? &raw : NULL;
}
