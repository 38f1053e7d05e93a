#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media/av_util.h"
#include "core/error.h"

int lavin_av_code(int averr)
{
    if (averr == AVERROR(ENOMEM))
        return LAVIN_ENOMEM;
    if (averr == AVERROR(EINVAL) || averr == AVERROR_EOF)
        return LAVIN_EFORMAT;
    /* AVERROR(errno) is -errno; FFmpeg's own codes are large tags. */
    return averr < 0 && averr > -4096 ? LAVIN_EIO : LAVIN_EFORMAT;
}

int lavin_av_err(char *err, size_t err_size, int code, const char *path, const char *what, int averr)
{
    char text[AV_ERROR_MAX_STRING_SIZE];
    if (av_strerror(averr, text, sizeof(text)) < 0)
        snprintf(text, sizeof(text), "error %d", averr);
    return lavin_err_buf(err, err_size, code, "%s: %s: %s", path, what, text);
}

int lavin_av_tmpfile(const char *path, char **tmp, char *err, size_t err_size)
{
    *tmp = NULL;
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *name = path + dir_len;
    if (!*name)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: not a file name", path);
    size_t size = strlen(path) + 16;
    char *t = malloc(size);
    if (!t)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    snprintf(t, size, "%.*s.%s.tmp-XXXXXX", (int)dir_len, path, name);
    int fd = mkstemp(t);
    if (fd < 0) {
        int e = errno;
        free(t);
        return lavin_err_buf(err, err_size, LAVIN_EIO, "%s: cannot create a temporary file: %s", path,
                             strerror(e));
    }
    /* mkstemp makes the file private; images and videos are ordinary data. */
    int bad = fchmod(fd, 0644) < 0;
    int e = errno;
    if (close(fd) < 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(t);
        free(t);
        return lavin_err_buf(err, err_size, LAVIN_EIO, "%s: cannot create a temporary file: %s", path,
                             strerror(e));
    }
    *tmp = t;
    return 0;
}

/* Packed 8/16-bit gray, gray+alpha and RGB(A) in any component order, which
 * covers every PNG and BMP layout: converted exactly here so that 16-bit
 * rounding does not depend on swscale's dithering choices. */
static int is_plain_packed(const AVPixFmtDescriptor *d)
{
    if (d->flags & (AV_PIX_FMT_FLAG_PLANAR | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL |
                    AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_BAYER))
        return 0;
    int rgb = (d->flags & AV_PIX_FMT_FLAG_RGB) != 0;
    if (rgb ? d->nb_components < 3 : d->nb_components > 2)
        return 0;
    /* gray without the RGB flag is only the Y/YA family (no chroma) */
    if (!rgb && d->log2_chroma_w + d->log2_chroma_h != 0)
        return 0;
    for (int c = 0; c < d->nb_components; c++)
        if ((d->comp[c].depth != 8 && d->comp[c].depth != 16) || d->comp[c].shift || d->comp[c].plane ||
            d->comp[c].depth != d->comp[0].depth)
            return 0;
    return !strncmp(d->name, "gray", 4) || !strncmp(d->name, "ya", 2) || rgb;
}

static unsigned sample8(const AVPixFmtDescriptor *d, const uint8_t *row, int x, int c)
{
    const uint8_t *p = row + (size_t)x * (size_t)d->comp[c].step + (size_t)d->comp[c].offset;
    if (d->comp[c].depth == 8)
        return p[0];
    unsigned v = (d->flags & AV_PIX_FMT_FLAG_BE) ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
    return (v * 255u + 32767u) / 65535u;
}

static void convert_packed(const AVPixFmtDescriptor *d, const AVFrame *f, lavin_image *dst)
{
    uint8_t *out = dst->data;
    int gray = d->nb_components <= 2;
    for (int y = 0; y < f->height; y++) {
        const uint8_t *row = f->data[0] + (ptrdiff_t)y * f->linesize[0];
        for (int x = 0; x < f->width; x++, out += 3)
            for (int c = 0; c < 3; c++)
                out[c] = (uint8_t)sample8(d, row, x, gray ? 0 : c);
    }
}

static void convert_pal8(const AVFrame *f, lavin_image *dst)
{
    uint8_t *out = dst->data;
    const uint32_t *pal = (const uint32_t *)f->data[1];
    for (int y = 0; y < f->height; y++) {
        const uint8_t *row = f->data[0] + (ptrdiff_t)y * f->linesize[0];
        for (int x = 0; x < f->width; x++, out += 3) {
            uint32_t argb = pal[row[x]];
            out[0] = (uint8_t)(argb >> 16);
            out[1] = (uint8_t)(argb >> 8);
            out[2] = (uint8_t)argb;
        }
    }
}

/* The deprecated full-range "J" formats, as their plain twins + full range. */
static enum AVPixelFormat unj(enum AVPixelFormat fmt, int *full_range)
{
    static const enum AVPixelFormat pairs[][2] = {
        { AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV420P }, { AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV422P },
        { AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV444P }, { AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUV440P },
        { AV_PIX_FMT_YUVJ411P, AV_PIX_FMT_YUV411P },
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (fmt == pairs[i][0]) {
            *full_range = 1;
            return pairs[i][1];
        }
    return fmt;
}

int lavin_av_to_rgb8(struct SwsContext **sws, const AVFrame *f, lavin_image *dst)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get((enum AVPixelFormat)f->format);
    if (!d || f->width <= 0 || f->height <= 0)
        return AVERROR_INVALIDDATA;
    if (f->width == dst->width && f->height == dst->height) {
        if (f->format == AV_PIX_FMT_PAL8) {
            convert_pal8(f, dst);
            return 0;
        }
        if (is_plain_packed(d)) {
            convert_packed(d, f, dst);
            return 0;
        }
    }
    int full = f->color_range == AVCOL_RANGE_JPEG;
    enum AVPixelFormat src = unj((enum AVPixelFormat)f->format, &full);
    *sws = sws_getCachedContext(*sws, f->width, f->height, src, dst->width, dst->height, AV_PIX_FMT_RGB24,
                                SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, NULL, NULL, NULL);
    if (!*sws)
        return AVERROR(ENOSYS);
    if (!(d->flags & AV_PIX_FMT_FLAG_RGB)) {
        /* SWS_CS_* share their numbers with AVColorSpace; unknown -> BT.601 */
        int cs = f->colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : (int)f->colorspace;
        sws_setColorspaceDetails(*sws, sws_getCoefficients(cs), full, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                                 0, 1 << 16, 1 << 16);
    }
    /* swscale's SIMD may write past a packed row's end, so it fills a padded
     * frame and the rows are copied out */
    AVFrame *rgb = av_frame_alloc();
    if (!rgb)
        return AVERROR(ENOMEM);
    rgb->format = AV_PIX_FMT_RGB24;
    rgb->width = dst->width;
    rgb->height = dst->height;
    int r = av_frame_get_buffer(rgb, 0);
    if (r >= 0)
        r = sws_scale(*sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, rgb->data, rgb->linesize);
    if (r == dst->height) {
        size_t row = (size_t)dst->width * 3;
        for (int y = 0; y < dst->height; y++)
            memcpy((uint8_t *)dst->data + (size_t)y * row, rgb->data[0] + (ptrdiff_t)y * rgb->linesize[0], row);
        r = 0;
    } else if (r >= 0) {
        r = AVERROR_BUG;
    }
    av_frame_free(&rgb);
    return r;
}
