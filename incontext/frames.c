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

/* Full-resolution rows cross to and from the device in strips of about this
 * many bytes of float32 (three planes), and the resize's intermediate rows
 * (the picture's height at the model's width on the way in, the model's
 * height at the picture's width on the way out) are made a window of about
 * as many bytes at a time. A photo of any size so needs about twice this on
 * the device besides buffers of the model's size, and a strip on the host:
 * a 12000x9000 one as floats whole would take 1.2 GiB of each. */
#define STRIP_BYTES ((int64_t)8 << 20)

/* Rows of `width` floats in three planes that STRIP_BYTES holds, at least 1. */
static int64_t rows_fitting(int64_t width)
{
    int64_t rows = STRIP_BYTES / (3 * width * (int64_t)sizeof(float));
    return rows < 1 ? 1 : rows;
}

/* Output rows o0 .. *o1 - 1 of the height pass from in_len to out_len rows,
 * as many as read a window [*lo, *hi) of at most max_in input rows (at
 * least one output row, at most up to end). */
static void next_group(int64_t in_len, int64_t out_len, int64_t o0, int64_t end, int64_t max_in, int64_t *o1,
                       int64_t *lo, int64_t *hi)
{
    int64_t a, b;
    *o1 = o0 + 1;
    lavin_resize_aa_rows_needed(in_len, out_len, o0, 1, lo, hi);
    while (*o1 < end) {
        lavin_resize_aa_rows_needed(in_len, out_len, o0, *o1 + 1 - o0, &a, &b);
        if (b - a > max_in)
            break;
        (*o1)++;
        *lo = a;
        *hi = b;
    }
}

/* The widest window of the groups next_group() makes from begin to end. */
static int64_t widest_group(int64_t in_len, int64_t out_len, int64_t begin, int64_t end, int64_t max_in)
{
    int64_t widest = 0;
    for (int64_t o0 = begin, o1, lo, hi; o0 < end; o0 = o1) {
        next_group(in_len, out_len, o0, end, max_in, &o1, &lo, &hi);
        widest = hi - lo > widest ? hi - lo : widest;
    }
    return widest;
}

/* Rows y0 .. y0 + n - 1 of the arranged picture as planar floats [3, n, aw]:
 * padding is black. */
static void arrange_rows(const lavin_image *img, const lavin_geometry *g, int y0, int n, float *p)
{
    size_t plane = (size_t)n * (size_t)g->aw;
    int crop = g->fit == LAVIN_FIT_CROP;
    const uint8_t *src = img->data;
    memset(p, 0, 3 * plane * sizeof(float));
    for (int y = 0; y < n; y++) {
        int sy = crop ? y0 + y + g->y : y0 + y - g->y;
        if (sy < 0 || sy >= img->height)
            continue;
        for (int x = 0; x < g->aw; x++) {
            int sx = crop ? x + g->x : x - g->x;
            if (sx < 0 || sx >= img->width)
                continue;
            const uint8_t *s = src + ((size_t)sy * (size_t)img->width + (size_t)sx) * 3;
            for (int c = 0; c < 3; c++)
                p[(size_t)c * plane + (size_t)y * (size_t)g->aw + (size_t)x] = s[c];
        }
    }
}

/* Plane c's rows first .. first + rows - 1 of t [1, 3, 1, R, W], as [rows, W]. */
static int plane_rows(lavin_context *ctx, const lavin_tensor *t, int c, int64_t first, int64_t rows,
                      lavin_tensor *v)
{
    int64_t R = t->ne[3], W = t->ne[4];
    return lavin_tensor_view(ctx, t, ((int64_t)c * R + first) * W, 2, (int64_t[]){ rows, W }, v);
}

/* Rows lo .. hi - 1 of the arranged picture, through strip a strip of
 * `rows` rows at a time, resampled to the width of wide [1, 3, 1, R, W]
 * into its rows 0 .. hi - lo - 1: the width pass, which keeps rows apart. */
static int widen_rows(lavin_context *ctx, const lavin_image *img, const lavin_geometry *g, const lavin_tensor *strip,
                      float *host, int rows, int lo, int hi, const lavin_tensor *wide)
{
    for (int y0 = lo; y0 < hi; y0 += rows) {
        int n = hi - y0 < rows ? hi - y0 : rows;
        int64_t elems = 3 * (int64_t)n * g->aw;
        lavin_tensor part, in, out;
        arrange_rows(img, g, y0, n, host);
        LAVIN_TRY(lavin_tensor_view(ctx, strip, 0, 5, (int64_t[]){ 1, 3, 1, n, g->aw }, &part));
        LAVIN_TRY(lavin_tensor_upload(ctx, &part, host, (size_t)elems * sizeof(float)));
        for (int c = 0; c < 3; c++) {
            LAVIN_TRY(plane_rows(ctx, &part, c, 0, n, &in));
            LAVIN_TRY(plane_rows(ctx, wide, c, y0 - lo, n, &out));
            LAVIN_TRY(lavin_op_resize_aa(ctx, &in, NULL, &out));
        }
    }
    return 0;
}

/* The height pass into dst [1, 3, 1, H, W] by groups of its rows, each from
 * the window of picture rows it reads, widened into wide first (rows two
 * groups read are widened twice). */
static int resize_in_groups(lavin_context *ctx, const lavin_image *img, const lavin_geometry *g,
                            const lavin_tensor *strip, float *host, int rows, const lavin_tensor *dst)
{
    int64_t H = dst->ne[3], W = dst->ne[4], max_in = rows_fitting(W);
    int64_t win = widest_group(g->ah, H, 0, H, max_in);
    lavin_tensor wide = { 0 }, x, out;
    int ret = lavin_tensor_alloc(ctx, &wide, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, win, W });
    for (int64_t o0 = 0, o1, lo, hi; ret >= 0 && o0 < H; o0 = o1) {
        next_group(g->ah, H, o0, H, max_in, &o1, &lo, &hi);
        ret = widen_rows(ctx, img, g, strip, host, rows, (int)lo, (int)hi, &wide);
        for (int c = 0; ret >= 0 && c < 3; c++) {
            ret = plane_rows(ctx, &wide, c, 0, win, &x);
            if (ret >= 0)
                ret = plane_rows(ctx, dst, c, o0, o1 - o0, &out);
            if (ret >= 0)
                ret = lavin_op_resize_aa_rows(ctx, &x, lo, g->ah, H, o0, &out);
        }
    }
    lavin_tensor_free(ctx, &wide);
    return ret;
}

int lavin_frame_upload(lavin_context *ctx, const lavin_image *img, lavin_fit fit, const lavin_tensor *video,
                       int64_t t)
{
    if (img->channels != 3 || img->depth != 8)
        return lavin_err(ctx, LAVIN_EINVAL, "frame upload: expected an 8-bit RGB picture");
    int64_t H = video->ne[3], W = video->ne[4];
    lavin_geometry g;
    lavin_geometry_make(img->width, img->height, (int)W, (int)H, fit, &g);
    int rows = rows_fitting(g.aw) < g.ah ? (int)rows_fitting(g.aw) : g.ah;
    int64_t strip_elems = 3 * (int64_t)rows * g.aw;
    float *host = malloc((size_t)strip_elems * sizeof(float));
    if (!host)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory for a %dx%d picture", g.aw, g.ah);
    /* As PyTorch: the width pass, then the height pass (skipped, as there,
     * when the height stays). */
    lavin_tensor strip = { 0 }, dst = { 0 };
    int ret = lavin_tensor_alloc(ctx, &dst, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, H, W });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &strip, LAVIN_F32, 1, &strip_elems);
    if (ret >= 0)
        ret = g.ah == H ? widen_rows(ctx, img, &g, &strip, host, rows, 0, g.ah, &dst)
                        : resize_in_groups(ctx, img, &g, &strip, host, rows, &dst);
    free(host);
    if (ret >= 0)
        ret = lavin_op_pixels_round(ctx, &dst, &dst);
    if (ret >= 0)
        ret = lavin_op_pixels_to_unit(ctx, &dst, &dst);
    if (ret >= 0)
        ret = lavin_op_copy_frames(ctx, &dst, 0, video, t, 1);
    lavin_tensor_free(ctx, &strip);
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

/* Output rows y0 .. y1 - 1 of the arranged picture, resampled from rows
 * lo .. of src [1, 3, 1, R, aw] (the height pass) a strip at a time, rounded
 * and copied into out, whose row 0 is arranged row oy and column 0 column ox. */
static int narrow_rows(lavin_context *ctx, const lavin_tensor *src, int64_t lo, int64_t H, const lavin_geometry *g,
                       const lavin_tensor *strip, float *host, int rows, int64_t y0, int64_t y1, int ox, int oy,
                       lavin_image *out)
{
    for (int64_t s = y0; s < y1; s += rows) {
        int n = y1 - s < rows ? (int)(y1 - s) : rows;
        size_t plane = (size_t)n * (size_t)g->aw;
        lavin_tensor part;
        LAVIN_TRY(lavin_tensor_view(ctx, strip, 0, 5, (int64_t[]){ 1, 3, 1, n, g->aw }, &part));
        LAVIN_TRY(lavin_op_resize_aa_rows(ctx, src, lo, H, g->ah, s, &part));
        LAVIN_TRY(lavin_op_pixels_round(ctx, &part, &part));
        LAVIN_TRY(lavin_tensor_download(ctx, &part, host, 3 * plane * sizeof(float)));
        uint8_t *dst = (uint8_t *)out->data + (size_t)(s - oy) * (size_t)out->width * 3;
        for (int y = 0; y < n; y++)
            for (int x = 0; x < out->width; x++, dst += 3)
                for (int c = 0; c < 3; c++)
                    dst[c] = (uint8_t)host[(size_t)c * plane + (size_t)y * (size_t)g->aw + (size_t)(x + ox)];
    }
    return 0;
}

/* The model-size frame px [1, 3, 1, H, W] of 8-bit values resized to the
 * arranged picture straight into out: the rows and columns of the picture
 * (pad), or all of them. The width pass goes by groups of output rows, each
 * widening the window of px rows it reads; the height pass by strips. */
static int resize_back(lavin_context *ctx, const lavin_tensor *px, const lavin_geometry *g, lavin_image *out)
{
    int64_t H = px->ne[3], W = px->ne[4];
    int pad = g->fit == LAVIN_FIT_PAD;
    int w = pad ? g->width : g->aw, h = pad ? g->height : g->ah, ox = pad ? g->x : 0, oy = pad ? g->y : 0;
    int rows = rows_fitting(g->aw) < h ? (int)rows_fitting(g->aw) : h;
    int64_t strip_elems = 3 * (int64_t)rows * g->aw, max_in = rows_fitting(g->aw);
    int64_t win = g->aw != W ? widest_group(H, g->ah, oy, oy + h, max_in) : 0;
    char err[256];
    int ret = lavin_image_alloc(out, w, h, 3, 8, err, sizeof(err));
    if (ret < 0)
        return lavin_err(ctx, ret, "%s", err);
    float *host = malloc((size_t)strip_elems * sizeof(float));
    if (!host)
        ret = lavin_err(ctx, LAVIN_ENOMEM, "out of host memory for a %dx%d picture", w, h);
    lavin_tensor wide = { 0 }, strip = { 0 }, in, o;
    if (ret >= 0 && win)
        ret = lavin_tensor_alloc(ctx, &wide, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, win, g->aw });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &strip, LAVIN_F32, 1, &strip_elems);
    for (int64_t o0 = oy, o1 = oy + h, lo = 0, hi; ret >= 0 && o0 < oy + h; o0 = o1) {
        if (win)
            next_group(H, g->ah, o0, oy + h, max_in, &o1, &lo, &hi);
        for (int c = 0; win && ret >= 0 && c < 3; c++) {
            ret = plane_rows(ctx, px, c, lo, hi - lo, &in);
            if (ret >= 0)
                ret = plane_rows(ctx, &wide, c, 0, hi - lo, &o);
            if (ret >= 0)
                ret = lavin_op_resize_aa(ctx, &in, NULL, &o);
        }
        if (ret >= 0)
            ret = narrow_rows(ctx, win ? &wide : px, lo, H, g, &strip, host, rows, o0, o1, ox, oy, out);
    }
    free(host);
    lavin_tensor_free(ctx, &wide);
    lavin_tensor_free(ctx, &strip);
    if (ret < 0)
        lavin_image_free(out);
    return ret;
}

int lavin_frame_download(lavin_context *ctx, const lavin_tensor *video, int64_t t, const lavin_geometry *g,
                         int keep_model_size, lavin_image *out)
{
    int64_t H = video->ne[3], W = video->ne[4];
    lavin_tensor f = { 0 };
    int ret = lavin_tensor_alloc(ctx, &f, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, H, W });
    if (ret >= 0)
        ret = lavin_op_copy_frames(ctx, video, t, &f, 0, 1);
    if (ret >= 0)
        ret = lavin_op_unit_to_pixels(ctx, &f, &f);
    if (ret >= 0)
        ret = keep_model_size || (g->aw == W && g->ah == H) ? to_image(ctx, &f, g, keep_model_size, out)
                                                            : resize_back(ctx, &f, g, out);
    lavin_tensor_free(ctx, &f);
    return ret;
}
