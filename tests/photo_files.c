#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "tests/photo_files.h"

const unsigned char photo_marks[3][3] = { { 230, 30, 30 }, { 30, 200, 40 }, { 40, 50, 230 } };

int photo_pattern(lavin_image *img, int width, int height)
{
    char err[256];
    if (lavin_image_alloc(img, width, height, 3, 8, err, sizeof(err)) < 0)
        return -1;
    int side = (width < height ? width : height) / 6;
    side = side < 1 ? 1 : side;
    unsigned char *p = img->data;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++, p += 3) {
            int left = x < side, right = x >= width - side, top = y < side, bottom = y >= height - side;
            int mark = top && left ? 0 : top && right ? 1 : bottom && left ? 2 : -1;
            /* Gray from 60 to 180 along the diagonal: never near a mark's colour. */
            unsigned char g = (unsigned char)(60 + 120 * ((double)x / width + (double)y / height) / 2);
            for (int c = 0; c < 3; c++)
                p[c] = mark >= 0 ? photo_marks[mark][c] : g;
        }
    return 0;
}

static void put16(unsigned char *p, unsigned v, int be)
{
    p[be ? 0 : 1] = (unsigned char)(v >> 8);
    p[be ? 1 : 0] = (unsigned char)v;
}

static void put32(unsigned char *p, unsigned long v, int be)
{
    put16(p + (be ? 0 : 2), (unsigned)(v >> 16), be);
    put16(p + (be ? 2 : 0), (unsigned)(v & 0xffff), be);
}

size_t photo_exif_tiff(unsigned char *out, int orientation, int be)
{
    memcpy(out, be ? "MM\0*" : "II*\0", 4);
    put32(out + 4, 8, be);        /* IFD0 right after the header */
    put16(out + 8, 1, be);        /* one entry: */
    put16(out + 10, 0x0112, be);  /* orientation, */
    put16(out + 12, 3, be);       /* SHORT, */
    put32(out + 14, 1, be);       /* one value, */
    put16(out + 18, (unsigned)orientation, be);
    put16(out + 20, 0, be);       /* padding the value field to 4 bytes */
    put32(out + 22, 0, be);       /* no IFD1 */
    return 26;
}

/* One picture through an encoder; *pkt gets the file's bytes. */
static int encode(const char *path, const char *encoder, AVFrame *f, AVDictionary **opts, int qscale, AVPacket *pkt,
                  char *err, size_t n)
{
    const AVCodec *codec = avcodec_find_encoder_by_name(encoder);
    AVCodecContext *enc = codec ? avcodec_alloc_context3(codec) : NULL;
    int ret = enc ? 0 : -1;
    if (enc) {
        enc->width = f->width;
        enc->height = f->height;
        enc->pix_fmt = f->format;
        enc->color_range = f->color_range;
        enc->time_base = (AVRational){ 1, 1 };
        if (qscale) {
            enc->flags |= AV_CODEC_FLAG_QSCALE;
            enc->global_quality = f->quality = qscale * FF_QP2LAMBDA;
        }
        ret = avcodec_open2(enc, codec, opts);
    }
    if (ret >= 0)
        ret = avcodec_send_frame(enc, f);
    if (ret >= 0)
        ret = avcodec_receive_packet(enc, pkt);
    avcodec_free_context(&enc);
    if (ret < 0)
        snprintf(err, n, "%s: cannot encode with %s (%d)", path, encoder, ret);
    return ret < 0 ? -1 : 0;
}

static int write_parts(const char *path, const unsigned char *const *parts, const size_t *sizes, int count, char *err,
                       size_t n)
{
    FILE *fp = fopen(path, "wb");
    int bad = !fp;
    for (int i = 0; !bad && i < count; i++)
        bad = sizes[i] && fwrite(parts[i], 1, sizes[i], fp) != sizes[i];
    if (fp && fclose(fp))
        bad = 1;
    if (bad)
        snprintf(err, n, "%s: cannot write", path);
    return bad ? -1 : 0;
}

/* Full-range BT.601, as JPEG (JFIF) defines it; chroma averaged over 2x2. */
static void fill_yuv420(const lavin_image *rgb, AVFrame *f)
{
    const unsigned char *s = rgb->data;
    for (int y = 0; y < rgb->height; y++)
        for (int x = 0; x < rgb->width; x++) {
            const unsigned char *p = s + ((size_t)y * rgb->width + x) * 3;
            f->data[0][(ptrdiff_t)y * f->linesize[0] + x] =
                (unsigned char)(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] + 0.5);
        }
    for (int y = 0; y < (rgb->height + 1) / 2; y++)
        for (int x = 0; x < (rgb->width + 1) / 2; x++) {
            double cb = 0, cr = 0;
            int k = 0;
            for (int dy = 0; dy < 2 && 2 * y + dy < rgb->height; dy++)
                for (int dx = 0; dx < 2 && 2 * x + dx < rgb->width; dx++, k++) {
                    const unsigned char *p = s + ((size_t)(2 * y + dy) * rgb->width + 2 * x + dx) * 3;
                    cb += 128 - 0.168736 * p[0] - 0.331264 * p[1] + 0.5 * p[2];
                    cr += 128 + 0.5 * p[0] - 0.418688 * p[1] - 0.081312 * p[2];
                }
            f->data[1][(ptrdiff_t)y * f->linesize[1] + x] = (unsigned char)(cb / k + 0.5);
            f->data[2][(ptrdiff_t)y * f->linesize[2] + x] = (unsigned char)(cr / k + 0.5);
        }
}

int photo_write_jpeg(const char *path, const lavin_image *rgb, int orientation, int big_endian, char *err,
                     size_t err_size)
{
    AVFrame *f = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int ret = f && pkt ? 0 : -1;
    if (ret >= 0) {
        f->format = AV_PIX_FMT_YUVJ420P;
        f->color_range = AVCOL_RANGE_JPEG;
        f->width = rgb->width;
        f->height = rgb->height;
        ret = av_frame_get_buffer(f, 0) < 0 ? -1 : 0;
    }
    if (ret >= 0) {
        fill_yuv420(rgb, f);
        ret = encode(path, "mjpeg", f, NULL, 2, pkt, err, err_size);
    }
    /* APP1: marker, length (counting itself), "Exif\0\0", the TIFF body. */
    unsigned char app1[64] = { 0xff, 0xe1 };
    size_t tiff = photo_exif_tiff(app1 + 10, orientation, big_endian);
    put16(app1 + 2, (unsigned)(2 + 6 + tiff), 1);
    memcpy(app1 + 4, "Exif\0\0", 6);
    if (ret >= 0) {
        const unsigned char *parts[] = { pkt->data, app1, pkt->data + 2 };
        size_t sizes[] = { 2, orientation > 0 ? 10 + tiff : 0, (size_t)pkt->size - 2 };
        ret = write_parts(path, parts, sizes, 3, err, err_size);
    }
    av_packet_free(&pkt);
    av_frame_free(&f);
    return ret;
}

int photo_write_webp(const char *path, const lavin_image *rgb, int orientation, char *err, size_t err_size)
{
    if (!avcodec_find_encoder_by_name("libwebp"))
        return 1;
    AVFrame *f = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    AVDictionary *opts = NULL;
    int ret = f && pkt && av_dict_set(&opts, "lossless", "1", 0) >= 0 ? 0 : -1;
    if (ret >= 0) {
        f->format = AV_PIX_FMT_BGRA;
        f->width = rgb->width;
        f->height = rgb->height;
        ret = av_frame_get_buffer(f, 0) < 0 ? -1 : 0;
    }
    for (int y = 0; ret >= 0 && y < rgb->height; y++)
        for (int x = 0; x < rgb->width; x++) {
            const unsigned char *s = (const unsigned char *)rgb->data + ((size_t)y * rgb->width + x) * 3;
            unsigned char *d = f->data[0] + (ptrdiff_t)y * f->linesize[0] + 4 * x;
            d[0] = s[2];
            d[1] = s[1];
            d[2] = s[0];
            d[3] = 255;
        }
    if (ret >= 0)
        ret = encode(path, "libwebp", f, &opts, 0, pkt, err, err_size);
    /* The encoder's simple layout is RIFF, size, WEBP, one VP8L chunk; the
     * extended one puts VP8X first, whose flags announce the EXIF chunk. */
    if (ret >= 0 && (pkt->size < 20 || memcmp(pkt->data + 12, "VP8L", 4))) {
        snprintf(err, err_size, "%s: the WebP encoder did not write one VP8L chunk", path);
        ret = -1;
    }
    unsigned char head[12 + 18] = "RIFF....WEBPVP8X", exif[8 + 32] = "EXIF";
    size_t tiff = photo_exif_tiff(exif + 8, orientation, 0);
    put32(exif + 4, (unsigned long)tiff, 0);
    put32(head + 16, 10, 0);
    head[20] = 0x08;
    for (int i = 0; i < 3; i++) {
        head[24 + i] = (unsigned char)((rgb->width - 1) >> (8 * i));
        head[27 + i] = (unsigned char)((rgb->height - 1) >> (8 * i));
    }
    if (ret >= 0) {
        size_t image = (size_t)pkt->size - 12;
        put32(head + 4, (unsigned long)(4 + 18 + image + 8 + tiff), 0);
        const unsigned char *parts[] = { head, pkt->data + 12, exif };
        size_t sizes[] = { sizeof(head), image, 8 + tiff };
        ret = write_parts(path, parts, sizes, 3, err, err_size);
    }
    av_dict_free(&opts);
    av_packet_free(&pkt);
    av_frame_free(&f);
    return ret;
}
