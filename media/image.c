#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media/av_util.h"
#include "core/error.h"
#include "media/image.h"
#include "media/turn.h"

int lavin_image_alloc(lavin_image *img, int width, int height, int channels, int depth, char *err,
                      size_t err_size)
{
    memset(img, 0, sizeof(*img));
    if (width <= 0 || height <= 0 || width > LAVIN_IMAGE_MAX_SIDE || height > LAVIN_IMAGE_MAX_SIDE)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "image size %dx%d is outside 1..%d", width, height,
                             LAVIN_IMAGE_MAX_SIDE);
    if (channels != 1 && channels != 3)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "image channels %d: expected 1 or 3", channels);
    if (depth != 8 && depth != 16)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "image depth %d: expected 8 or 16", depth);
    size_t n = (size_t)width * (size_t)height * (size_t)channels * (size_t)(depth / 8);
    img->data = calloc(n, 1);
    if (!img->data)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "image %dx%d: out of memory", width, height);
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->depth = depth;
    return 0;
}

void lavin_image_free(lavin_image *img)
{
    if (!img)
        return;
    free(img->data);
    memset(img, 0, sizeof(*img));
}

typedef struct image_reader {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
} image_reader;

static void reader_free(image_reader *r)
{
    sws_freeContext(r->sws);
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    avcodec_free_context(&r->dec);
    avformat_close_input(&r->fmt);
}

/* First frame of the stream; at the end of the input the decoder is drained,
 * since some decoders only emit a frame then. */
static int decode_first(image_reader *r, int stream)
{
    int eof = 0;
    for (;;) {
        int ret = avcodec_receive_frame(r->dec, r->frame);
        if (ret != AVERROR(EAGAIN))
            return ret;
        if (eof)
            return AVERROR_EOF;
        ret = av_read_frame(r->fmt, r->pkt);
        if (ret == AVERROR_EOF) {
            eof = 1;
            ret = avcodec_send_packet(r->dec, NULL);
        } else if (ret >= 0) {
            ret = r->pkt->stream_index == stream ? avcodec_send_packet(r->dec, r->pkt) : 0;
            av_packet_unref(r->pkt);
        }
        if (ret < 0)
            return ret;
    }
}

/* What each EXIF orientation (1 to 8) asks of the stored picture; 6 turns
 * it a quarter clockwise. */
static const lavin_turn orientations[9] = {
    [1] = { 0, 0, 0 }, [2] = { 0, 1, 0 }, [3] = { 0, 1, 1 }, [4] = { 0, 0, 1 },
    [5] = { 1, 0, 0 }, [6] = { 1, 0, 1 }, [7] = { 1, 1, 1 }, [8] = { 1, 1, 0 },
};

/* The EXIF orientation of a decoded picture, 1 (as stored) without a valid
 * one. FFmpeg 5.1's JPEG and WebP decoders put the tag in the frame's
 * metadata (the JPEG one also as a display matrix, which says the same);
 * its PNG decoder does not read eXIf chunks. */
static int exif_orientation(const AVFrame *f)
{
    const AVDictionaryEntry *e = av_dict_get(f->metadata, "Orientation", NULL, 0);
    char *end;
    long v = e ? strtol(e->value, &end, 10) : 1;
    return e && end != e->value && v >= 1 && v <= 8 ? (int)v : 1;
}

/* img turned upright, into a new buffer: the decoder's buffers, larger than
 * this one, are gone by then. */
static int turn_upright(const char *path, int orientation, lavin_image *img, char *err, size_t err_size)
{
    if (orientation == 1)
        return 0;
    const lavin_turn *t = &orientations[orientation];
    int w = t->swap ? img->height : img->width, h = t->swap ? img->width : img->height;
    lavin_image up;
    if (lavin_image_alloc(&up, w, h, 3, 8, err, err_size) < 0)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory for the upright %dx%d picture",
                             path, w, h);
    lavin_turn_apply(t, img, &up);
    lavin_image_free(img);
    *img = up;
    return 0;
}

static int read_into(const char *path, image_reader *r, lavin_image *img, int *orientation, char *err,
                     size_t err_size)
{
    int ret = avformat_open_input(&r->fmt, path, NULL, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot open", ret);
    ret = avformat_find_stream_info(r->fmt, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, LAVIN_EFORMAT, path, "cannot decode", ret);
    const AVCodec *codec = NULL;
    int stream = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream < 0 || !codec)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: no image in the file", path);
    r->dec = avcodec_alloc_context3(codec);
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->dec || !r->pkt || !r->frame)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    ret = avcodec_parameters_to_context(r->dec, r->fmt->streams[stream]->codecpar);
    if (ret >= 0)
        ret = avcodec_open2(r->dec, codec, NULL);
    if (ret >= 0)
        ret = decode_first(r, stream);
    if (ret == AVERROR_EOF)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: cannot decode: no picture in the file", path);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot decode", ret);
    *orientation = exif_orientation(r->frame);
    LAVIN_TRY(lavin_image_alloc(img, r->frame->width, r->frame->height, 3, 8, err, err_size));
    ret = lavin_av_to_rgb8(&r->sws, r->frame, img);
    if (ret < 0)
        return lavin_av_err(err, err_size, LAVIN_EUNSUPPORTED, path, "cannot convert to RGB", ret);
    return 0;
}

int lavin_image_read(const char *path, lavin_image *img, char *err, size_t err_size)
{
    memset(img, 0, sizeof(*img));
    if (!path)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "image read: no path");
    image_reader r = { 0 };
    int orientation = 1;
    int ret = read_into(path, &r, img, &orientation, err, err_size);
    reader_free(&r);
    if (ret >= 0)
        ret = turn_upright(path, orientation, img, err, err_size);
    if (ret < 0)
        lavin_image_free(img);
    return ret;
}

/* The formats pictures are written in, by the name's extension: lossless
 * ones that hold every picture lavin writes (gray or RGB, 8 or 16 bits)
 * exactly. FFmpeg's TIFF encoder takes 16-bit samples little-endian, its
 * PNG encoder big-endian; lossy or 8-bit-only formats (JPEG, WebP, BMP)
 * would lose the data, so they are refused. */
typedef struct picture_format {
    const char *ext, *name;
    enum AVCodecID codec;
    enum AVPixelFormat pix[2][2]; /* [RGB][16-bit] */
} picture_format;

static const picture_format formats[] = {
    { ".png", "PNG", AV_CODEC_ID_PNG,
      { { AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY16BE }, { AV_PIX_FMT_RGB24, AV_PIX_FMT_RGB48BE } } },
    { ".tif", "TIFF", AV_CODEC_ID_TIFF,
      { { AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY16LE }, { AV_PIX_FMT_RGB24, AV_PIX_FMT_RGB48LE } } },
    { ".tiff", "TIFF", AV_CODEC_ID_TIFF,
      { { AV_PIX_FMT_GRAY8, AV_PIX_FMT_GRAY16LE }, { AV_PIX_FMT_RGB24, AV_PIX_FMT_RGB48LE } } },
};

/* The format a path's extension names (any case), NULL for none; a name
 * that is only a dot and an extension has none, as in lavin_task_sibling. */
static const picture_format *format_of(const char *path)
{
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path, *dot = strrchr(name, '.');
    for (size_t i = 0; dot && dot != name && i < sizeof(formats) / sizeof(formats[0]); i++)
        if (!strcasecmp(dot, formats[i].ext))
            return &formats[i];
    return NULL;
}

int lavin_image_format_check(const char *path, char *err, size_t err_size)
{
    if (!path)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "picture write: no path");
    if (!format_of(path))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: pictures are written as PNG (.png) or TIFF (.tif, .tiff), lossless at 8 or 16 bits",
                             path);
    return 0;
}

static void no_free(void *opaque, uint8_t *data)
{
    (void)opaque;
    (void)data;
}

/* img as the frame the encoder takes: its own bytes where they are laid out
 * as fmt wants (8-bit samples, or 16-bit ones in the host's byte order), so
 * that a large picture is not copied; else a copy in fmt's byte order. */
static int frame_of(const lavin_image *img, enum AVPixelFormat fmt, AVFrame *f)
{
    f->format = fmt;
    f->width = img->width;
    f->height = img->height;
    size_t row_samples = (size_t)img->width * (size_t)img->channels;
    const uint16_t probe = 1;
    int host_be = *(const uint8_t *)&probe == 0;
    int be = (av_pix_fmt_desc_get(fmt)->flags & AV_PIX_FMT_FLAG_BE) != 0;
    if (img->depth == 8 || be == host_be) {
        size_t row = row_samples * (size_t)(img->depth / 8);
        f->buf[0] = av_buffer_create(img->data, row * (size_t)img->height, no_free, NULL, AV_BUFFER_FLAG_READONLY);
        f->data[0] = img->data;
        f->linesize[0] = (int)row;
        return f->buf[0] ? 0 : AVERROR(ENOMEM);
    }
    int ret = av_frame_get_buffer(f, 0);
    for (int y = 0; ret >= 0 && y < img->height; y++) {
        uint8_t *dst = f->data[0] + (ptrdiff_t)y * f->linesize[0];
        const uint16_t *src = (const uint16_t *)img->data + (size_t)y * row_samples;
        for (size_t i = 0; i < row_samples; i++) {
            dst[2 * i + !be] = (uint8_t)(src[i] >> 8);
            dst[2 * i + be] = (uint8_t)src[i];
        }
    }
    return ret;
}

static int encode(const char *path, const picture_format *fmt, const lavin_image *img, AVPacket *pkt, char *err,
                  size_t err_size)
{
    const AVCodec *codec = avcodec_find_encoder(fmt->codec);
    if (!codec)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: this FFmpeg has no %s encoder", path, fmt->name);
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    AVFrame *f = av_frame_alloc();
    AVDictionary *opts = NULL;
    int ret = enc && f ? 0 : AVERROR(ENOMEM);
    /* Deflate, as PNG: the TIFF encoder's default, PackBits, barely
     * compresses smooth 16-bit data. */
    if (ret >= 0 && fmt->codec == AV_CODEC_ID_TIFF)
        ret = av_dict_set(&opts, "compression_algo", "deflate", 0);
    if (ret >= 0) {
        enc->width = img->width;
        enc->height = img->height;
        enc->time_base = (AVRational){ 1, 1 };
        enc->pix_fmt = fmt->pix[img->channels == 3][img->depth == 16];
        ret = avcodec_open2(enc, codec, &opts);
    }
    if (ret >= 0)
        ret = frame_of(img, enc->pix_fmt, f);
    if (ret >= 0)
        ret = avcodec_send_frame(enc, f);
    if (ret >= 0)
        ret = avcodec_receive_packet(enc, pkt);
    av_dict_free(&opts);
    av_frame_free(&f);
    avcodec_free_context(&enc);
    char what[32];
    snprintf(what, sizeof(what), "cannot encode %s", fmt->name);
    return ret < 0 ? lavin_av_err(err, err_size, lavin_av_code(ret), path, what, ret) : 0;
}

static int write_all(const char *tmp, const AVPacket *pkt)
{
    FILE *fp = fopen(tmp, "wb");
    if (!fp)
        return -1;
    int bad = fwrite(pkt->data, 1, (size_t)pkt->size, fp) != (size_t)pkt->size;
    int e = errno;
    if (fclose(fp) && !bad) {
        bad = 1;
        e = errno;
    }
    errno = e;
    return bad ? -1 : 0;
}

/* Encodes img as fmt into a temporary file beside path, left there for the
 * caller to rename: *tmp names it. */
static int stage_as(const char *path, const picture_format *fmt, const lavin_image *img, char **tmp, char *err,
                    size_t err_size)
{
    *tmp = NULL;
    if (!path || !img || !img->data)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "picture write: no path or no image");
    if (img->width <= 0 || img->height <= 0 || img->width > LAVIN_IMAGE_MAX_SIDE ||
        img->height > LAVIN_IMAGE_MAX_SIDE || (img->channels != 1 && img->channels != 3) ||
        (img->depth != 8 && img->depth != 16))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: image %dx%d, %d channels, %d-bit is not writable",
                             path, img->width, img->height, img->channels, img->depth);
    AVPacket *pkt = av_packet_alloc();
    if (!pkt)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    int r = encode(path, fmt, img, pkt, err, err_size);
    if (r >= 0)
        r = lavin_av_tmpfile(path, tmp, err, err_size);
    if (r >= 0 && write_all(*tmp, pkt) < 0) {
        r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: write failed: %s", path, strerror(errno));
        unlink(*tmp);
    }
    if (r < 0) {
        free(*tmp);
        *tmp = NULL;
    }
    av_packet_free(&pkt);
    return r;
}

int lavin_image_commit(char **tmp, const char *path, char *err, size_t err_size)
{
    int r = 0;
    if (*tmp && rename(*tmp, path) < 0) {
        r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: write failed: %s", path, strerror(errno));
        unlink(*tmp);
    }
    free(*tmp);
    *tmp = NULL;
    return r;
}

void lavin_image_discard(char **tmp)
{
    if (*tmp)
        unlink(*tmp);
    free(*tmp);
    *tmp = NULL;
}

int lavin_image_stage(const char *path, const lavin_image *img, char **tmp, char *err, size_t err_size)
{
    *tmp = NULL;
    LAVIN_TRY(lavin_image_format_check(path, err, err_size));
    return stage_as(path, format_of(path), img, tmp, err, err_size);
}

int lavin_image_write_png(const char *path, const lavin_image *img, char *err, size_t err_size)
{
    char *tmp;
    LAVIN_TRY(stage_as(path, &formats[0], img, &tmp, err, err_size));
    return lavin_image_commit(&tmp, path, err, err_size);
}

int lavin_image_write(const char *path, const lavin_image *img, char *err, size_t err_size)
{
    char *tmp;
    LAVIN_TRY(lavin_image_stage(path, img, &tmp, err, err_size));
    return lavin_image_commit(&tmp, path, err, err_size);
}
