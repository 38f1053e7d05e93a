/* Real-world pictures (issue 17): EXIF orientations of JPEG and WebP, the
 * picture's way to and from the device in strips (equal, bit for bit, to
 * the whole-picture resize), and output formats by name. Every input is
 * made here. usage: test_photos [-v] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>

#include "core/ops/resample.h"
#include "core/transfer.h"
#include "incontext/frames.h"
#include "lavin/media.h"
#include "media/image.h"
#include "tests/photo_files.h"
#include "tests/scratch.h"

typedef struct pt {
    char dir[64];
    scratch_tally tally;
    uint64_t rng;
} pt;

static int check(pt *t, const char *what, int ok)
{
    return scratch_check(&t->tally, what, ok);
}

static uint8_t rnd8(pt *t)
{
    return (uint8_t)(scratch_xorshift(&t->rng) >> 24);
}

static const char *path_in(pt *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->dir, name);
    return buf;
}


/* EXIF's table of orientations: the side of the picture as shown along
 * which the stored picture's first row, and its first column, run. */
enum { TOP, BOTTOM, LEFT, RIGHT };
static const int row_side[9] = { 0, TOP, TOP, BOTTOM, BOTTOM, LEFT, RIGHT, RIGHT, LEFT };
static const int col_side[9] = { 0, LEFT, RIGHT, RIGHT, LEFT, TOP, TOP, BOTTOM, BOTTOM };

/* Corners: 0 top left, 1 top right, 2 bottom left, 3 bottom right. */
static int corner_of(int a, int b)
{
    return 2 * (a == BOTTOM || b == BOTTOM) + (a == RIGHT || b == RIGHT);
}

/* Which mark of photo_pattern() a corner of img shows (0 to 2), 3 for the
 * gray background, -1 for neither: from the mean of a block inside the
 * mark, as JPEG blurs edges and colours a little. */
static int corner_mark(const lavin_image *img, int corner)
{
    int side = (img->width < img->height ? img->width : img->height) / 6, b = side / 2, in = side / 4;
    int x0 = corner & 1 ? img->width - in - b : in, y0 = corner & 2 ? img->height - in - b : in;
    double m[3] = { 0, 0, 0 };
    for (int y = y0; y < y0 + b; y++)
        for (int x = x0; x < x0 + b; x++)
            for (int c = 0; c < 3; c++)
                m[c] += ((const uint8_t *)img->data)[((size_t)y * img->width + x) * 3 + c] / (double)(b * b);
    double lo = m[0] < m[1] ? m[0] : m[1], hi = m[0] > m[1] ? m[0] : m[1];
    lo = m[2] < lo ? m[2] : lo;
    hi = m[2] > hi ? m[2] : hi;
    if (hi - lo < 25)
        return 3;
    for (int k = 0; k < 3; k++) {
        double d = 0;
        for (int c = 0; c < 3; c++)
            d += (m[c] - photo_marks[k][c]) * (m[c] - photo_marks[k][c]);
        if (d < 40 * 40)
            return k;
    }
    return -1;
}

/* A stored w x h photo_pattern() read through lavin_image_read: the size
 * and the corner of each mark that orientation o says (1 when o is 0, no
 * tag, or not 1 to 8). */
static void check_upright(pt *t, const char *what, const char *path, int w, int h, int o)
{
    char err[512], line[1024];
    lavin_image img = { 0 };
    int ret = lavin_image_read(path, &img, err, sizeof(err));
    int e = o >= 1 && o <= 8 ? o : 1, swap = e >= 5;
    int want[4] = { 3, 3, 3, 3 }, got[4] = { -1, -1, -1, -1 };
    want[corner_of(row_side[e], col_side[e])] = 0;
    want[corner_of(row_side[e], col_side[e] ^ 1)] = 1;
    want[corner_of(row_side[e] ^ 1, col_side[e])] = 2;
    int ok = ret == 0 && img.width == (swap ? h : w) && img.height == (swap ? w : h);
    for (int c = 0; ok && c < 4; c++)
        got[c] = corner_mark(&img, c);
    ok = ok && !memcmp(got, want, sizeof(got));
    snprintf(line, sizeof(line), "%s: %dx%d, corners %d %d / %d %d (want %dx%d, %d %d / %d %d)%s%s", what,
             img.width, img.height, got[0], got[1], got[2], got[3], swap ? h : w, swap ? w : h, want[0], want[1],
             want[2], want[3], ret ? ": " : "", ret ? err : "");
    check(t, line, ok);
    lavin_image_free(&img);
}

static void test_orientations(pt *t)
{
    char err[512], path[256], what[128];
    lavin_image stored = { 0 };
    const int w = 160, h = 96;
    if (!check(t, "pattern", photo_pattern(&stored, w, h) == 0))
        return;
    static const struct { int o, be; } jpegs[] = {
        { 0, 0 }, { 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 }, { 5, 0 }, { 6, 0 }, { 7, 0 }, { 8, 0 },
        { 3, 1 }, { 6, 1 }, { 7, 1 }, { 9, 0 },
    };
    for (size_t i = 0; i < sizeof(jpegs) / sizeof(jpegs[0]); i++) {
        snprintf(what, sizeof(what), "o%d_%s.jpg", jpegs[i].o, jpegs[i].be ? "be" : "le");
        int ret = photo_write_jpeg(path_in(t, what, path, sizeof(path)), &stored, jpegs[i].o, jpegs[i].be, err,
                                   sizeof(err));
        if (check(t, ret ? err : what, ret == 0))
            check_upright(t, what, path, w, h, jpegs[i].o);
    }
    for (int o = 1; o <= 8; o++) {
        snprintf(what, sizeof(what), "o%d.webp", o);
        int ret = photo_write_webp(path_in(t, what, path, sizeof(path)), &stored, o, err, sizeof(err));
        if (ret == 1) {
            printf("     no WebP encoder in this FFmpeg: WebP orientations not checked\n");
            break;
        }
        if (check(t, ret ? err : what, ret == 0))
            check_upright(t, what, path, w, h, o);
    }
    lavin_image_free(&stored);
}

/* The first picture of a file, decoded by FFmpeg alone. */
static AVFrame *decode(const char *path)
{
    AVFormatContext *fmt = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    const AVCodec *codec = NULL;
    int s = -1, ret = -1;
    if (pkt && f && avformat_open_input(&fmt, path, NULL, NULL) >= 0 && avformat_find_stream_info(fmt, NULL) >= 0)
        s = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (s >= 0 && (dec = avcodec_alloc_context3(codec)) &&
        avcodec_parameters_to_context(dec, fmt->streams[s]->codecpar) >= 0 && avcodec_open2(dec, codec, NULL) >= 0)
        while ((ret = avcodec_receive_frame(dec, f)) == AVERROR(EAGAIN)) {
            int r = av_read_frame(fmt, pkt);
            r = r < 0 ? avcodec_send_packet(dec, NULL) : pkt->stream_index == s ? avcodec_send_packet(dec, pkt) : 0;
            av_packet_unref(pkt);
            if (r < 0)
                break;
        }
    if (ret < 0)
        av_frame_free(&f);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    av_packet_free(&pkt);
    return f;
}

/* Sample c of pixel i of a packed 8/16-bit frame. */
static unsigned sample(const AVFrame *f, size_t i, int c)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    int x = (int)(i % (size_t)f->width), y = (int)(i / (size_t)f->width);
    const uint8_t *p = f->data[0] + (ptrdiff_t)y * f->linesize[0] + (size_t)x * (size_t)d->comp[c].step +
                       (size_t)d->comp[c].offset;
    if (d->comp[c].depth == 8)
        return p[0];
    return d->flags & AV_PIX_FMT_FLAG_BE ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static void random_image(pt *t, lavin_image *img, int w, int h, int channels, int depth)
{
    char err[256];
    lavin_image_alloc(img, w, h, channels, depth, err, sizeof(err));
    size_t n = (size_t)w * (size_t)h * (size_t)channels;
    for (size_t i = 0; i < n; i++) {
        if (depth == 8)
            ((uint8_t *)img->data)[i] = rnd8(t);
        else
            ((uint16_t *)img->data)[i] = (uint16_t)(rnd8(t) << 8 | rnd8(t));
    }
}

/* Written by name and decoded back by FFmpeg at full depth: every sample
 * as it was. */
static void test_formats(pt *t)
{
    static const char *const names[] = { "a.png", "b.tif", "c.tiff", "d.TIF", "e.Png" };
    char err[512], path[256], what[1024];
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        for (int channels = 1; channels <= 3; channels += 2)
            for (int depth = 8; depth <= 16; depth += 8) {
                lavin_image img = { 0 };
                random_image(t, &img, 37, 19, channels, depth);
                int ret = lavin_image_write(path_in(t, names[k], path, sizeof(path)), &img, err, sizeof(err));
                AVFrame *f = ret == 0 ? decode(path) : NULL;
                const AVPixFmtDescriptor *d = f ? av_pix_fmt_desc_get(f->format) : NULL;
                int ok = d && f->width == 37 && f->height == 19 && d->nb_components == channels &&
                         d->comp[0].depth == depth;
                for (size_t i = 0; ok && i < 37 * 19; i++)
                    for (int c = 0; c < channels; c++) {
                        size_t s = i * (size_t)channels + (size_t)c;
                        unsigned v = depth == 8 ? ((uint8_t *)img.data)[s] : ((uint16_t *)img.data)[s];
                        ok = ok && sample(f, i, c) == v;
                    }
                snprintf(what, sizeof(what), "%s, %s %d-bit: written as %s and read back exactly%s%s", names[k],
                         channels == 1 ? "gray" : "RGB", depth, d ? d->name : "nothing", ret ? ": " : "",
                         ret ? err : "");
                check(t, what, ok);
                av_frame_free(&f);
                lavin_image_free(&img);
            }
    /* lavin reads its TIFF answers back, e.g. for lavin eval */
    lavin_image img = { 0 }, back = { 0 };
    random_image(t, &img, 33, 17, 3, 8);
    int ret = lavin_image_write(path_in(t, "rgb.tiff", path, sizeof(path)), &img, err, sizeof(err));
    if (ret == 0)
        ret = lavin_image_read(path, &back, err, sizeof(err));
    check(t, "an 8-bit RGB TIFF reads back through lavin_image_read",
          ret == 0 && back.width == 33 && back.height == 17 && !memcmp(img.data, back.data, 33 * 17 * 3));
    lavin_image_free(&back);

    static const char *const refused[] = { "x.jpg", "x.jpeg", "x.webp", "x.txt", "x", "x.png.jpg", ".png", "x.",
                                           "dir.png/x" };
    for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
        path_in(t, refused[k], path, sizeof(path));
        int c = lavin_image_format_check(path, err, sizeof(err));
        int w = lavin_image_write(path, &img, err, sizeof(err));
        snprintf(what, sizeof(what), "%s refused: one line naming it and PNG and TIFF (%s)", refused[k], err);
        check(t, what, c == LAVIN_EINVAL && w == LAVIN_EINVAL && strstr(err, path) && strstr(err, "PNG (.png)") &&
                           strstr(err, "TIFF (.tif, .tiff)") && !strchr(err, '\n') && !scratch_exists(path));
    }
    lavin_image_free(&img);
}

/* An answer's files follow its name, the preview in the data's format; a
 * refused name leaves no file at all. */
static void test_answer_files(pt *t, lavin_context *ctx)
{
    char path[256], preview[256], what[512];
    lavin_image rgb = { 0 };
    random_image(t, &rgb, 29, 23, 3, 8);
    lavin_answer a = { .task = "depth", .kind = LAVIN_ANSWER_DEPTH, .width = 29, .height = 23,
                       .picture = { 29, 23, 3, 8, 29 * 3, rgb.data } };
    int ret = lavin_answer_write(ctx, &a, path_in(t, "depth.tif", path, sizeof(path)));
    AVFrame *f = ret == 0 ? decode(path) : NULL, *p = ret == 0 ? decode(path_in(t, "depth.preview.tif", preview,
                                                                                sizeof(preview))) : NULL;
    snprintf(what, sizeof(what), "depth to depth.tif: %s data, %s preview (gray16le, rgb24)%s%s",
             f ? av_get_pix_fmt_name(f->format) : "no", p ? av_get_pix_fmt_name(p->format) : "no",
             ret ? ": " : "", ret ? lavin_context_error(ctx) : "");
    check(t, what, f && p && f->format == AV_PIX_FMT_GRAY16LE && p->format == AV_PIX_FMT_RGB24);
    av_frame_free(&f);
    av_frame_free(&p);
    static const char *const refused[] = { "depth.jpg", "depth.webp", "depth" };
    for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
        path_in(t, refused[k], path, sizeof(path));
        int c = lavin_picture_format_check(ctx, path);
        ret = lavin_answer_write(ctx, &a, path);
        const char *e = lavin_context_error(ctx);
        snprintf(what, sizeof(what), "answer to %s refused, nothing written (%s)", refused[k], e);
        check(t, what, c == LAVIN_EINVAL && ret == LAVIN_EINVAL && strstr(e, path) && !scratch_exists(path));
    }
    check(t, "only the TIFF answer left a preview", scratch_count(t->dir, "preview") == 1);
    check(t, "a PNG name passes the check", lavin_picture_format_check(ctx, "out/x.png") == 0);
    lavin_image_free(&rgb);
}

static float *fetch(lavin_context *ctx, const lavin_tensor *x)
{
    size_t bytes = (size_t)lavin_tensor_bytes(x);
    float *p = malloc(bytes);
    if (p && lavin_tensor_download(ctx, x, p, bytes) < 0) {
        free(p);
        p = NULL;
    }
    return p;
}

/* The arranged picture whole, as planar floats [3, ah, aw]. */
static float *arranged(const lavin_image *img, const lavin_geometry *g)
{
    size_t plane = (size_t)g->aw * (size_t)g->ah;
    float *p = calloc(3 * plane, sizeof(float));
    int crop = g->fit == LAVIN_FIT_CROP;
    for (int y = 0; p && y < g->ah; y++)
        for (int x = 0; x < g->aw; x++) {
            int sx = crop ? x + g->x : x - g->x, sy = crop ? y + g->y : y - g->y;
            if (sx < 0 || sy < 0 || sx >= img->width || sy >= img->height)
                continue;
            const uint8_t *s = (const uint8_t *)img->data + ((size_t)sy * img->width + sx) * 3;
            for (int c = 0; c < 3; c++)
                p[c * plane + (size_t)y * g->aw + x] = s[c];
        }
    return p;
}

/* x resized whole by one lavin_op_resize_aa (the way in and out before
 * strips), then rounded to 8-bit values. */
static int resize_whole(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *out)
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

/* lavin_frame_upload against the whole picture resized at once. */
static int64_t upload_differences(lavin_context *ctx, const lavin_image *img, lavin_fit fit, int mw, int mh)
{
    lavin_geometry g;
    lavin_geometry_make(img->width, img->height, mw, mh, fit, &g);
    lavin_tensor video = { 0 }, src = { 0 }, dst = { 0 };
    float *host = arranged(img, &g), *got = NULL, *want = NULL;
    int ret = host ? lavin_tensor_alloc(ctx, &video, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, mh, mw }) : LAVIN_ENOMEM;
    if (ret >= 0)
        ret = lavin_frame_upload(ctx, img, fit, &video, 0);
    if (ret >= 0 && !(got = fetch(ctx, &video)))
        ret = LAVIN_ENOMEM;
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &src, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, g.ah, g.aw });
    if (ret >= 0)
        ret = lavin_tensor_upload(ctx, &src, host, (size_t)lavin_tensor_bytes(&src));
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &dst, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, mh, mw });
    if (ret >= 0)
        ret = resize_whole(ctx, &src, &dst);
    if (ret >= 0)
        ret = lavin_op_pixels_to_unit(ctx, &dst, &dst);
    if (ret >= 0 && !(want = fetch(ctx, &dst)))
        ret = LAVIN_ENOMEM;
    int64_t diff = 0;
    for (size_t i = 0; ret >= 0 && i < (size_t)(3 * mw * mh); i++)
        diff += got[i] != want[i];
    if (ret < 0)
        printf("     %s\n", lavin_context_error(ctx));
    lavin_tensor_free(ctx, &video);
    lavin_tensor_free(ctx, &src);
    lavin_tensor_free(ctx, &dst);
    free(host);
    free(got);
    free(want);
    return ret < 0 ? -1 : diff;
}

/* lavin_frame_download of a random decoder output against the frame
 * resized back at once and cut to the picture. */
static int64_t download_differences(pt *t, lavin_context *ctx, int w, int h, lavin_fit fit, int mw, int mh)
{
    lavin_geometry g;
    lavin_geometry_make(w, h, mw, mh, fit, &g);
    size_t n = (size_t)(3 * mw * mh);
    float *v = malloc(n * sizeof(float)), *want = NULL;
    for (size_t i = 0; v && i < n; i++)
        v[i] = (float)rnd8(t) / 110.0f - 1.16f;
    lavin_tensor video = { 0 }, f = { 0 }, r = { 0 };
    lavin_image got = { 0 };
    int ret = v ? lavin_tensor_alloc(ctx, &video, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, mh, mw }) : LAVIN_ENOMEM;
    if (ret >= 0)
        ret = lavin_tensor_upload(ctx, &video, v, n * sizeof(float));
    if (ret >= 0)
        ret = lavin_frame_download(ctx, &video, 0, &g, 0, &got);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &f, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, mh, mw });
    if (ret >= 0)
        ret = lavin_op_unit_to_pixels(ctx, &video, &f);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &r, LAVIN_F32, 5, (int64_t[]){ 1, 3, 1, g.ah, g.aw });
    if (ret >= 0)
        ret = resize_whole(ctx, &f, &r);
    if (ret >= 0 && !(want = fetch(ctx, &r)))
        ret = LAVIN_ENOMEM;
    int pad = fit == LAVIN_FIT_PAD, ow = pad ? w : g.aw, oh = pad ? h : g.ah;
    int64_t diff = ret >= 0 && (got.width != ow || got.height != oh) ? -2 : 0;
    size_t plane = (size_t)g.aw * (size_t)g.ah;
    for (int y = 0; ret >= 0 && !diff && y < oh; y++)
        for (int x = 0; x < ow; x++)
            for (int c = 0; c < 3; c++) {
                size_t s = c * plane + (size_t)(y + (pad ? g.y : 0)) * g.aw + (size_t)(x + (pad ? g.x : 0));
                diff += ((uint8_t *)got.data)[((size_t)y * ow + x) * 3 + c] != (uint8_t)want[s];
            }
    if (ret < 0)
        printf("     %s\n", lavin_context_error(ctx));
    lavin_tensor_free(ctx, &video);
    lavin_tensor_free(ctx, &f);
    lavin_tensor_free(ctx, &r);
    lavin_image_free(&got);
    free(v);
    free(want);
    return ret < 0 ? -1 : diff;
}

/* Full-resolution rows cross in strips of 8 MiB of floats (116 rows of
 * 6000), and the fits place them in a taller or shorter arranged picture;
 * the small pictures take the paths where one side keeps its size. The
 * resize's middle rows go in windows of as many bytes: 3000 rows to a model
 * 900x40 go in 6 groups, 300 model rows widened to 6000 come out in 3, and
 * 12000x260 padded to 12000x300 for a 6000x150 model goes in 3 and comes
 * out in 3. */
static void test_frames(pt *t, lavin_context *ctx)
{
    static const struct {
        int w, h, mw, mh;
        lavin_fit fit;
    } cases[] = {
        { 6000, 500, 32, 32, LAVIN_FIT_STRETCH }, { 6000, 1100, 40, 8, LAVIN_FIT_PAD },
        { 6000, 600, 40, 2, LAVIN_FIT_CROP },     { 6000, 32, 32, 32, LAVIN_FIT_STRETCH },
        { 32, 1000, 32, 32, LAVIN_FIT_STRETCH },  { 45, 37, 32, 32, LAVIN_FIT_STRETCH },
        { 45, 37, 48, 16, LAVIN_FIT_PAD },        { 1000, 3000, 900, 40, LAVIN_FIT_STRETCH },
        { 6000, 1000, 32, 300, LAVIN_FIT_STRETCH }, { 12000, 260, 6000, 150, LAVIN_FIT_PAD },
    };
    static const char *const fits[] = { "stretch", "pad", "crop" };
    char what[256];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lavin_image img = { 0 };
        random_image(t, &img, cases[i].w, cases[i].h, 3, 8);
        int64_t up = upload_differences(ctx, &img, cases[i].fit, cases[i].mw, cases[i].mh);
        int64_t down = download_differences(t, ctx, cases[i].w, cases[i].h, cases[i].fit, cases[i].mw, cases[i].mh);
        snprintf(what, sizeof(what), "%dx%d %s, model %dx%d: %lld values in, %lld samples out differ from the "
                 "whole-picture resize", cases[i].w, cases[i].h, fits[cases[i].fit], cases[i].mw, cases[i].mh,
                 (long long)up, (long long)down);
        check(t, what, up == 0 && down == 0);
        lavin_image_free(&img);
    }
}

int main(int argc, char **argv)
{
    pt t = { .tally.verbose = argc > 1 && !strcmp(argv[1], "-v"), .rng = 0x2545f4914f6cdd1dull };
    snprintf(t.dir, sizeof(t.dir), "/tmp/lavin_photos_XXXXXX");
    if (!mkdtemp(t.dir)) {
        perror("mkdtemp");
        return 1;
    }
    /* FFmpeg's JPEG decoder warns "EOI missing" on its own encoder's files,
     * which it decodes whole; only its errors are worth seeing here. */
    av_log_set_level(AV_LOG_ERROR);
    test_orientations(&t);
    test_formats(&t);
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    lavin_context *ctx = NULL;
    int ret = lavin_context_create(&ctx, &p);
    if (ret >= 0)
        ret = lavin_context_start(ctx);
    if (check(&t, ret < 0 && ctx ? lavin_context_error(ctx) : "device", ret >= 0)) {
        test_answer_files(&t, ctx);
        test_frames(&t, ctx);
        check(&t, "no validation errors", lavin_validation_errors(ctx) == 0);
    }
    lavin_context_destroy(&ctx);
    scratch_remove(t.dir);
    printf("photos: %d passed, %d failed\n", t.tally.passed, t.tally.failed);
    return t.tally.failed ? 1 : 0;
}
