#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

#include "media/av_util.h"
#include "core/error.h"
#include "media/image.h"

/* Keeps every size computation well inside int and size_t. */
#define LAVIN_IMAGE_MAX_SIDE 65536

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

static int read_into(const char *path, image_reader *r, lavin_image *img, char *err, size_t err_size)
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
    int ret = read_into(path, &r, img, err, err_size);
    reader_free(&r);
    if (ret < 0)
        lavin_image_free(img);
    return ret;
}

static void fill_frame(const lavin_image *img, AVFrame *f)
{
    size_t row_samples = (size_t)img->width * (size_t)img->channels;
    for (int y = 0; y < img->height; y++) {
        uint8_t *dst = f->data[0] + (ptrdiff_t)y * f->linesize[0];
        if (img->depth == 8) {
            memcpy(dst, (const uint8_t *)img->data + (size_t)y * row_samples, row_samples);
            continue;
        }
        /* PNG stores 16-bit samples big-endian; the image holds host order. */
        const uint16_t *src = (const uint16_t *)img->data + (size_t)y * row_samples;
        for (size_t i = 0; i < row_samples; i++) {
            dst[2 * i] = (uint8_t)(src[i] >> 8);
            dst[2 * i + 1] = (uint8_t)src[i];
        }
    }
}

static int encode_png(const char *path, const lavin_image *img, AVPacket *pkt, char *err, size_t err_size)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
    if (!codec)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: this FFmpeg has no PNG encoder", path);
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    AVFrame *f = av_frame_alloc();
    int ret = enc && f ? 0 : AVERROR(ENOMEM);
    if (ret >= 0) {
        enc->width = img->width;
        enc->height = img->height;
        enc->time_base = (AVRational){ 1, 1 };
        enc->pix_fmt = img->channels == 1 ? (img->depth == 8 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_GRAY16BE)
                                          : (img->depth == 8 ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_RGB48BE);
        ret = avcodec_open2(enc, codec, NULL);
    }
    if (ret >= 0) {
        f->format = enc->pix_fmt;
        f->width = img->width;
        f->height = img->height;
        ret = av_frame_get_buffer(f, 0);
    }
    if (ret >= 0) {
        fill_frame(img, f);
        ret = avcodec_send_frame(enc, f);
    }
    if (ret >= 0)
        ret = avcodec_receive_packet(enc, pkt);
    av_frame_free(&f);
    avcodec_free_context(&enc);
    return ret < 0 ? lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot encode PNG", ret) : 0;
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

int lavin_image_write_png(const char *path, const lavin_image *img, char *err, size_t err_size)
{
    if (!path || !img || !img->data)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "PNG write: no path or no image");
    if (img->width <= 0 || img->height <= 0 || img->width > LAVIN_IMAGE_MAX_SIDE ||
        img->height > LAVIN_IMAGE_MAX_SIDE || (img->channels != 1 && img->channels != 3) ||
        (img->depth != 8 && img->depth != 16))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: image %dx%d, %d channels, %d-bit is not writable",
                             path, img->width, img->height, img->channels, img->depth);
    AVPacket *pkt = av_packet_alloc();
    if (!pkt)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    int r = encode_png(path, img, pkt, err, err_size);
    char *tmp = NULL;
    if (r >= 0)
        r = lavin_av_tmpfile(path, &tmp, err, err_size);
    if (r >= 0 && (write_all(tmp, pkt) < 0 || rename(tmp, path) < 0)) {
        int e = errno;
        unlink(tmp);
        r = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: write failed: %s", path, strerror(e));
    }
    free(tmp);
    av_packet_free(&pkt);
    return r;
}
