#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "incontext/frames.h"
#include "core/ops/layout.h"
#include "core/ops/resample.h"
#include "core/transfer.h"

void lavin_geometry_make(int width, int height, int mw, int mh, lavin_fit fit, lavin_geometry *g)
{
    *g = (lavin_geometry){ width, height, width, height, 0, 0, fit };
    /* Compare aspects exactly in integers; a rounded side keeps at least 1 pixel. */
    int64_t lhs = (int64_t)width * mh, rhs = (int64_t)height * mw;
    if (fit == LAVIN_FIT_STRETCH || lhs == rhs)
        return;
    int wider = lhs > rhs;
    if (fit == LAVIN_FIT_PAD) {
        if (wider)
            g->ah = (int)(((int64_t)width * mh + mw / 2) / mw);
        else
            g->aw = (int)(((int64_t)height * mw + mh / 2) / mh);
        g->x = (g->aw - width) / 2;
        g->y = (g->ah - height) / 2;
    } else {
        if (wider)
            g->aw = (int)(((int64_t)height * mw + mh / 2) / mh);
        else
            g->ah = (int)(((int64_t)width * mh + mw / 2) / mw);
        g->aw = g->aw < 1 ? 1 : g->aw;
        g->ah = g->ah < 1 ? 1 : g->ah;
        g->x = (width - g->aw) / 2;
        g->y = (height - g->ah) / 2;
    }
}

/* Planar float copy of the arranged picture: padding is black. */
static float *arrange(const lavin_image *img, const lavin_geometry *g)
{
    size_t plane = (size_t)g->aw * (size_t)g->ah;
    float *p = calloc(3 * plane, sizeof(float));
    if (!p)
        return NULL;
    const uint8_t *src = img->data;
    for (int y = 0; y < g->ah; y++)
        for (int x = 0; x < g->aw; x++) {
            int sx = g->fit == LAVIN_FIT_CROP ? x + g->x : x - g->x;
            int sy = g->fit == LAVIN_FIT_CROP ? y + g->y : y - g->y;
            if (sx < 0 || sy < 0 || sx >= img->width || sy >= img->height)
                continue;
            for (int c = 0; c < 3; c++)
                p[c * plane + (size_t)y * g->aw + x] = src[((size_t)sy * img->width + sx) * 3 + c];
        }
    return p;
}

static int resize(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
{
    lavin_tensor scratch = { 0 };
    int64_t elems = lavin_resize_aa_scratch_elems(x, out);
    int ret = elems ? lavin_tensor_alloc(ctx, &scratch, LAVIN_F32, 1, &elems) : 0;
    if (ret >= 0)
        ret = lavin_op_resize_aa(ctx, x, elems ? &scratch : NULL, out);
    if (ret >= 0)
        ret = lavin_op_pixels_round(ctx, out, out);
    lavin_tensor_free(ctx, &scratch);
    return ret;
}

int lavin_frame_upload(lavin_context *ctx, const lavin_image *img, lavin_fit fit, const lavin_tensor *video,
                       int64_t t)
{
    if (img->channels != 3 || img->depth != 8)
        return lavin_err(ctx, LAVIN_EINVAL, "frame upload: expected an 8-bit RGB picture");
    lavin_geometry g;
    lavin_geometry_make(img->width, img->height, (int)video->ne[4], (int)video->ne[3], fit, &g);
    float *host = arrange(img, &g);
    if (!host)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory for a %dx%d picture", g.aw, g.ah);
    lavin_tensor src = { 0 }, dst = { 0 };
    int ret = lavin_tensor_alloc(ctx, &src, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, g.ah, g.aw });
    if (ret >= 0)
        ret = lavin_tensor_upload(ctx, &src, host, (size_t)lavin_tensor_bytes(&src));
    free(host);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &dst, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, video->ne[3], video->ne[4] });
    if (ret >= 0)
        ret = resize(ctx, &src, &dst);
    if (ret >= 0)
        ret = lavin_op_pixels_to_unit(ctx, &dst, &dst);
    if (ret >= 0)
        ret = lavin_op_copy_frames(ctx, &dst, 0, video, t, 1);
    lavin_tensor_free(ctx, &src);
    lavin_tensor_free(ctx, &dst);
    return ret;
}

static int to_image(lavin_context *ctx, const lavin_tensor *px, const lavin_geometry *g, int full, lavin_image *out)
{
    int aw = (int)px->ne[4], ah = (int)px->ne[3];
    int w = full ? aw : g->fit == LAVIN_FIT_PAD ? g->width : aw;
    int h = full ? ah : g->fit == LAVIN_FIT_PAD ? g->height : ah;
    int ox = full || g->fit != LAVIN_FIT_PAD ? 0 : g->x, oy = full || g->fit != LAVIN_FIT_PAD ? 0 : g->y;
    size_t plane = (size_t)aw * (size_t)ah;
    float *host = malloc(3 * plane * sizeof(float));
    if (!host)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory for a %dx%d picture", aw, ah);
    int ret = lavin_tensor_download(ctx, px, host, 3 * plane * sizeof(float));
    char err[256];
    if (ret >= 0 && (ret = lavin_image_alloc(out, w, h, 3, 8, err, sizeof(err))) < 0)
        lavin_err(ctx, ret, "%s", err);
    for (int y = 0; ret >= 0 && y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++)
                ((uint8_t *)out->data)[((size_t)y * w + x) * 3 + c] =
                    (uint8_t)host[c * plane + (size_t)(y + oy) * aw + x + ox];
    free(host);
    return ret;
}

int lavin_frame_download(lavin_context *ctx, const lavin_tensor *video, int64_t t, const lavin_geometry *g,
                         int keep_model_size, lavin_image *out)
{
    int64_t H = video->ne[3], W = video->ne[4];
    lavin_tensor f = { 0 }, r = { 0 };
    int ret = lavin_tensor_alloc(ctx, &f, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, H, W });
    if (ret >= 0)
        ret = lavin_op_copy_frames(ctx, video, t, &f, 0, 1);
    if (ret >= 0)
        ret = lavin_op_unit_to_pixels(ctx, &f, &f);
    int same = keep_model_size || (g->aw == W && g->ah == H);
    if (ret >= 0 && !same) {
        ret = lavin_tensor_alloc(ctx, &r, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, g->ah, g->aw });
        if (ret >= 0)
            ret = resize(ctx, &f, &r);
    }
    if (ret >= 0)
        ret = to_image(ctx, same ? &f : &r, g, keep_model_size, out);
    lavin_tensor_free(ctx, &f);
    lavin_tensor_free(ctx, &r);
    return ret;
}
