/* Answers: the task's data decoded from the model's RGB output, and the
 * task's files and video frames made from it. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "lavin/media.h"
#include "core/error.h"
#include "tasks/task.h"

void lavin_answer_free(lavin_answer *a)
{
    if (!a)
        return;
    free(a->values);
    free(a->labels);
    lavin_picture_free(&a->picture);
    memset(a, 0, sizeof(*a));
}

void lavin_api_answers_free(lavin_answer *a, int n)
{
    for (int i = 0; a && i < n; i++)
        lavin_answer_free(&a[i]);
}

int lavin_task_info(int i, const char **name, const char **summary)
{
    const lavin_task *const *list = lavin_task_list();
    for (int k = 0; list[k]; k++)
        if (k == i) {
            *name = list[k]->name;
            *summary = list[k]->summary;
            return 0;
        }
    return LAVIN_EINVAL;
}

/* Depth and edge values: the luma of the RGB output / 255. */
static void luma_values(const uint8_t *rgb, size_t px, float *out)
{
    for (size_t i = 0; i < px; i++)
        out[i] = (float)(lavin_luma601(rgb + 3 * i) / 255.0);
}

static int decode(const lavin_image *rgb, const lavin_palette *pal, lavin_answer *a)
{
    size_t px = (size_t)rgb->width * (size_t)rgb->height;
    const uint8_t *src = rgb->data;
    if (a->kind == LAVIN_ANSWER_LABELS) {
        if (!(a->labels = malloc(px)))
            return LAVIN_ENOMEM;
        for (size_t i = 0; i < px; i++)
            a->labels[i] = (uint8_t)lavin_palette_nearest(pal, src + 3 * i);
        a->palette_size = pal->n;
        memcpy(a->palette, pal->rgb, sizeof(a->palette));
        return 0;
    }
    if (a->kind == LAVIN_ANSWER_RGB)
        return 0;
    a->channels = a->kind == LAVIN_ANSWER_NORMAL ? 3 : 1;
    if (!(a->values = malloc(px * (size_t)a->channels * sizeof(float))))
        return LAVIN_ENOMEM;
    if (a->kind != LAVIN_ANSWER_NORMAL) {
        luma_values(src, px, a->values);
        return 0;
    }
    for (size_t i = 0; i < px; i++) {
        double v[3];
        lavin_normal_unit(src + 3 * i, v);
        for (int c = 0; c < 3; c++)
            a->values[3 * i + c] = (float)v[c];
    }
    return 0;
}

int lavin_api_answer(lavin_context *ctx, const lavin_task *task, const lavin_palette *pal, lavin_image *rgb,
                     lavin_answer *out)
{
    memset(out, 0, sizeof(*out));
    *out = (lavin_answer){ .task = task->name, .kind = task->kind, .width = rgb->width, .height = rgb->height };
    if (out->kind == LAVIN_ANSWER_LABELS && pal->n == 0)
        return lavin_err(ctx, LAVIN_EINVAL, "segmentation: the context's targets have no palette colours "
                         "(each class must be painted in one exact colour)");
    if (decode(rgb, pal, out) < 0) {
        lavin_answer_free(out);
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    }
    lavin_api_picture_out(rgb, &out->picture);
    return 0;
}

/* The task and palette an answer was made with. */
static const lavin_task *answer_task(const lavin_answer *a, lavin_palette *pal)
{
    const lavin_task *t = a->task ? lavin_task_find(a->task) : NULL;
    pal->n = a->palette_size;
    memcpy(pal->rgb, a->palette, sizeof(pal->rgb));
    return t ? t : lavin_task_raw();
}

int lavin_answer_write(lavin_context *ctx, const lavin_answer *a, const char *path)
{
    lavin_palette pal;
    lavin_image rgb;
    const lavin_task *t = answer_task(a, &pal);
    char err[1024];
    /* Checked first, so that no file of the answer is written when the
     * name is refused. */
    int ret = lavin_picture_format_check(ctx, path);
    if (ret >= 0)
        ret = lavin_api_image_view(ctx, &a->picture, &rgb);
    if (ret >= 0)
        ret = lavin_err_onto(ctx, t->write(&rgb, &pal, path, err, sizeof(err)), err);
    return lavin_api_return(ctx, ret);
}

int lavin_answer_preview_path(const char *path, char *out, size_t out_size)
{
    return lavin_task_sibling(path, ".preview", out, out_size);
}

int lavin_answer_preview(lavin_context *ctx, const lavin_answer *a, lavin_picture *out)
{
    lavin_palette pal;
    lavin_image rgb, vis = { 0 };
    const lavin_task *t = answer_task(a, &pal);
    char err[1024];
    memset(out, 0, sizeof(*out));
    int ret = lavin_api_image_view(ctx, &a->picture, &rgb);
    if (ret >= 0)
        ret = lavin_err_onto(ctx, t->frame(&rgb, &pal, &vis, err, sizeof(err)), err);
    if (ret >= 0)
        lavin_api_picture_out(&vis, out);
    return lavin_api_return(ctx, ret);
}

static int same_shape(const lavin_answer *a, const lavin_answer *b)
{
    return a->kind == b->kind && a->width == b->width && a->height == b->height && a->channels == b->channels &&
           (a->kind != LAVIN_ANSWER_DEPTH || (a->values && b->values && a->picture.data && b->picture.data));
}

/* s * v + t on the picture's every sample (luma is linear in RGB, its
 * weights summing to 1), the values decoded again from it. */
static void affine(lavin_answer *a, double s, double t)
{
    uint8_t *rgb = a->picture.data;
    size_t px = (size_t)a->width * (size_t)a->height;
    for (size_t i = 0; i < 3 * px; i++) {
        double v = s * rgb[i] + 255.0 * t;
        rgb[i] = (uint8_t)(v <= 0.0 ? 0 : v >= 255.0 ? 255 : (int)(v + 0.5));
    }
    luma_values(rgb, px, a->values);
}

int lavin_api_answers_align(lavin_context *ctx, lavin_answer *a, int n, const lavin_answer *ref, int m, double fade)
{
    if (n < 0 || m < 0 || m > n || (n && !a) || (m && !ref))
        return lavin_err(ctx, LAVIN_EINVAL, "align answers: %d shared of %d answers", m, n);
    for (int i = 0; i < n; i++)
        if (!same_shape(&a[0], &a[i]) || (i < m && !same_shape(&a[0], &ref[i])))
            return lavin_err(ctx, LAVIN_EINVAL, "align answers: answer %d differs in kind or size", i);
    if (m == 0 || a[0].kind != LAVIN_ANSWER_DEPTH)
        return 0;
    size_t px = (size_t)a[0].width * (size_t)a[0].height;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, count = (double)px * m;
    for (int i = 0; i < m; i++)
        for (size_t p = 0; p < px; p++) {
            double x = a[i].values[p], y = ref[i].values[p];
            sx += x, sy += y, sxx += x * x, sxy += x * y;
        }
    double mx = sx / count, my = sy / count, var = sxx / count - mx * mx, cov = sxy / count - mx * my;
    double s = var > 1e-12 && cov > 0 ? cov / var : 1.0, t = my - s * mx, keep = 1.0;
    for (int i = 0; i < n; i++) {
        if (i >= m)
            keep = fade > 0 ? keep * (1.0 - fade) : (double)(n - 1 - i) / (n - m);
        affine(&a[i], 1.0 + (s - 1.0) * keep, t * keep);
    }
    return 0;
}

int lavin_answers_align(lavin_context *ctx, lavin_answer *a, int n, const lavin_answer *ref, int m)
{
    return lavin_api_return(ctx, lavin_api_answers_align(ctx, a, n, ref, m, 0.0));
}

int lavin_api_answer_like(lavin_context *ctx, const lavin_answer *like, lavin_image *rgb, lavin_answer *out)
{
    lavin_palette pal;
    const lavin_task *t = answer_task(like, &pal);
    return lavin_api_answer(ctx, t, &pal, rgb, out);
}
