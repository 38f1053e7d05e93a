#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "media/av_util.h"
#include "core/error.h"
#include "media/container.h"
#include "media/streams.h"
#include "media/video.h"

enum { QUEUE = 32 };

struct lavin_video_writer {
    char *path, *tmp;
    const lavin_container *container;
    AVFormatContext *out;
    AVCodecContext *enc;
    AVStream *vst;
    AVPacket *pkt;
    AVFrame *frame;
    AVFrame *rgb;   /* the caller's picture, padded to even: swscale's SIMD also reads past row ends */
    struct SwsContext *sws;
    lavin_streams *streams;
    int width, height;      /* the caller's size; the encoder's is rounded up to even */
    AVRational tb;          /* the caller's timestamps */
    int64_t step;           /* one average frame, in tb */
    int64_t last_pts;       /* the previous frame's, in tb; AV_NOPTS_VALUE before the first */
    int64_t frames;
    /* MPEG-4 Part 2 takes time bases up to 1/65535 only, so it counts frames
     * (without B-frames its packets come out in order) and each packet gets
     * its frame's own time from this queue. */
    int counted;
    int64_t queue[QUEUE];
    int qhead, qlen;
};

static void writer_free(lavin_video_writer **wp, int drop_tmp)
{
    lavin_video_writer *w = *wp;
    lavin_streams_free(&w->streams);
    sws_freeContext(w->sws);
    av_frame_free(&w->frame);
    av_frame_free(&w->rgb);
    av_packet_free(&w->pkt);
    avcodec_free_context(&w->enc);
    if (w->out) {
        avio_closep(&w->out->pb);
        avformat_free_context(w->out);
    }
    if (drop_tmp && w->tmp)
        unlink(w->tmp);
    free(w->tmp);
    free(w->path);
    free(w);
    *wp = NULL;
}

void lavin_video_writer_abort(lavin_video_writer **w)
{
    if (w && *w)
        writer_free(w, 1);
}

/* The SIMD in swscale and the encoders reads the row padding; zeroed, it
 * cannot make results depend on stale memory (and valgrind stays quiet). */
static void zero_frame(AVFrame *f)
{
    for (int i = 0; i < AV_NUM_DATA_POINTERS && f->buf[i]; i++)
        memset(f->buf[i]->data, 0, f->buf[i]->size);
}

/* Quality-first settings per encoder; each keeps the frames' own times. */
static void configure(lavin_video_writer *w, AVCodecContext *e, AVRational fps)
{
    const char *name = e->codec->name;
    e->time_base = w->tb;
    if (!strcmp(name, "libx264")) {
        av_opt_set(e->priv_data, "crf", "18", 0);
    } else if (!strcmp(name, "libvpx-vp9")) {
        e->bit_rate = 0; /* constant quality */
        av_opt_set(e->priv_data, "crf", "20", 0);
        av_opt_set(e->priv_data, "deadline", "good", 0);
        av_opt_set(e->priv_data, "cpu-used", "4", 0);
        av_opt_set(e->priv_data, "row-mt", "1", 0);
    } else if (!strcmp(name, "libvpx")) {
        /* VP8's constant quality is capped by a bit rate: a generous one */
        e->bit_rate = 4 * (int64_t)e->width * e->height + 256000;
        av_opt_set(e->priv_data, "crf", "10", 0);
        av_opt_set(e->priv_data, "deadline", "good", 0);
        av_opt_set(e->priv_data, "cpu-used", "4", 0);
    } else {
        w->counted = 1;
        e->max_b_frames = 0;
        av_reduce(&e->time_base.num, &e->time_base.den, fps.den, fps.num, 65535);
        e->flags |= AV_CODEC_FLAG_QSCALE;
        e->global_quality = FF_QP2LAMBDA * 2;
    }
}

static int open_video(lavin_video_writer *w, const AVCodec *codec, AVRational fps, char *err, size_t err_size)
{
    const char *path = w->path;
    w->vst = avformat_new_stream(w->out, NULL);
    w->enc = avcodec_alloc_context3(codec);
    w->pkt = av_packet_alloc();
    w->frame = av_frame_alloc();
    w->rgb = av_frame_alloc();
    if (!w->vst || !w->enc || !w->pkt || !w->frame || !w->rgb)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    AVCodecContext *e = w->enc;
    /* 4:2:0 halves the chroma, so it needs even sizes (lavin/media.h) */
    e->width = w->width + (w->width & 1);
    e->height = w->height + (w->height & 1);
    e->pix_fmt = AV_PIX_FMT_YUV420P;
    e->framerate = fps;
    /* what swscale's RGB -> YUV default writes: BT.601, limited range */
    e->colorspace = AVCOL_SPC_SMPTE170M;
    e->color_primaries = AVCOL_PRI_SMPTE170M;
    e->color_trc = AVCOL_TRC_SMPTE170M;
    e->color_range = AVCOL_RANGE_MPEG;
    if (w->out->oformat->flags & AVFMT_GLOBALHEADER)
        e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    configure(w, e, fps);
    int ret = avcodec_open2(e, codec, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot open the video encoder", ret);
    ret = avcodec_parameters_from_context(w->vst->codecpar, e);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot set up the video stream", ret);
    w->vst->time_base = w->tb;
    w->vst->avg_frame_rate = fps;
    w->frame->format = e->pix_fmt;
    w->rgb->format = AV_PIX_FMT_RGB24;
    w->frame->width = w->rgb->width = e->width;
    w->frame->height = w->rgb->height = e->height;
    ret = av_frame_get_buffer(w->frame, 0);
    if (ret >= 0)
        ret = av_frame_get_buffer(w->rgb, 0);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot allocate a frame", ret);
    zero_frame(w->frame);
    zero_frame(w->rgb);
    w->sws = sws_getContext(e->width, e->height, AV_PIX_FMT_RGB24, e->width, e->height, e->pix_fmt,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
    if (!w->sws)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: no RGB to %s conversion", path,
                             av_get_pix_fmt_name(e->pix_fmt));
    return 0;
}

static int writer_setup(lavin_video_writer *w, const lavin_video_output_params *p, const char *encoder,
                        const lavin_logger *log, char *err, size_t err_size)
{
    const AVCodec *codec;
    LAVIN_TRY(lavin_container_for(w->path, encoder, &w->container, &codec, err, err_size));
    LAVIN_TRY(lavin_av_tmpfile(w->path, &w->tmp, err, err_size));
    /* the temp name has no extension, so the container is named */
    int ret = avformat_alloc_output_context2(&w->out, NULL, w->container->muxer, w->tmp);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot set up the output", ret);
    LAVIN_TRY(open_video(w, codec, (AVRational){ p->fps_num, p->fps_den }, err, err_size));
    if (p->streams_from)
        LAVIN_TRY(lavin_streams_open(p->streams_from, w->out, w->path, w->container, log, &w->streams, err,
                                     err_size));
    ret = avio_open(&w->out->pb, w->tmp, AVIO_FLAG_WRITE);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot write", ret);
    ret = avformat_write_header(w->out, NULL);
    if (ret < 0) {
        char what[64];
        snprintf(what, sizeof(what), "cannot write the %s header", w->container->name);
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, what, ret);
    }
    return 0;
}

static int check_params(const char *path, const lavin_video_output_params *p, char *err, size_t err_size)
{
    if (!path || !p)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video write: no path or no parameters");
    if (p->width <= 0 || p->height <= 0 || p->width > 16384 || p->height > 16384)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: video size %dx%d is outside 1..16384", path,
                             p->width, p->height);
    if (p->fps_num <= 0 || p->fps_den <= 0)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: frame rate %d/%d: expected two positive integers",
                             path, p->fps_num, p->fps_den);
    int none = !p->time_base_num && !p->time_base_den;
    if (!none && (p->time_base_num <= 0 || p->time_base_den <= 0))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: time base %d/%d: expected two positive integers, or 0/0", path, p->time_base_num,
                             p->time_base_den);
    return 0;
}

int lavin_video_writer_open_with(const char *path, const lavin_video_output_params *p, const char *encoder,
                                 const lavin_logger *log, lavin_video_writer **out, char *err, size_t err_size)
{
    *out = NULL;
    LAVIN_TRY(check_params(path, p, err, err_size));
    lavin_video_writer *w = calloc(1, sizeof(*w));
    if (w)
        w->path = strdup(path);
    if (!w || !w->path) {
        free(w);
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    }
    AVRational fps = { p->fps_num, p->fps_den };
    w->width = p->width;
    w->height = p->height;
    w->tb = p->time_base_den ? (AVRational){ p->time_base_num, p->time_base_den } : av_inv_q(fps);
    w->step = av_rescale_q(1, av_inv_q(fps), w->tb);
    w->step = w->step > 0 ? w->step : 1;
    w->last_pts = AV_NOPTS_VALUE;
    int ret = writer_setup(w, p, encoder, log, err, err_size);
    if (ret < 0) {
        writer_free(&w, 1);
        return ret;
    }
    *out = w;
    return 0;
}

int lavin_video_writer_open(const char *path, const lavin_video_output_params *p, const lavin_logger *log,
                            lavin_video_writer **out, char *err, size_t err_size)
{
    return lavin_video_writer_open_with(path, p, NULL, log, out, err, err_size);
}

/* Sends a frame (NULL: end of stream) and muxes every packet that comes out,
 * then the other streams up to it. */
static int encode(lavin_video_writer *w, const AVFrame *f, char *err, size_t err_size)
{
    int ret = avcodec_send_frame(w->enc, f);
    while (ret >= 0) {
        ret = avcodec_receive_packet(w->enc, w->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            break;
        if (w->counted) {
            if (!w->qlen)
                return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: the encoder gave an unexpected packet",
                                     w->path);
            w->pkt->pts = w->pkt->dts = w->queue[w->qhead];
            w->qhead = (w->qhead + 1) % QUEUE;
            w->qlen--;
            w->pkt->duration = 0; /* counted in frames, not in tb */
        }
        /* the container's last frame lasts an average frame */
        if (w->pkt->duration <= 0)
            w->pkt->duration = w->step;
        av_packet_rescale_ts(w->pkt, w->tb, w->vst->time_base);
        w->pkt->stream_index = w->vst->index;
        int64_t dts = w->pkt->dts;
        ret = av_interleaved_write_frame(w->out, w->pkt);
        if (ret >= 0 && w->streams && dts != AV_NOPTS_VALUE)
            LAVIN_TRY(lavin_streams_write_until(w->streams, dts, w->vst->time_base, err, err_size));
    }
    return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot encode video", ret);
}

/* The caller's rows into the padded RGB frame, the last column and row
 * repeated into the padding. */
static void fill_rgb(lavin_video_writer *w, const lavin_image *rgb8)
{
    AVFrame *f = w->rgb;
    size_t row = (size_t)rgb8->width * 3;
    for (int y = 0; y < rgb8->height; y++) {
        uint8_t *d = f->data[0] + (ptrdiff_t)y * f->linesize[0];
        memcpy(d, (const uint8_t *)rgb8->data + (size_t)y * row, row);
        if (f->width > rgb8->width)
            memcpy(d + row, d + row - 3, 3);
    }
    if (f->height > rgb8->height)
        memcpy(f->data[0] + (ptrdiff_t)rgb8->height * f->linesize[0],
               f->data[0] + (ptrdiff_t)(rgb8->height - 1) * f->linesize[0], (size_t)f->width * 3);
}

int lavin_video_write(lavin_video_writer *w, const lavin_image *rgb8, int64_t pts, char *err, size_t err_size)
{
    if (!w || !rgb8 || !rgb8->data)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video write: no writer or no image");
    if (rgb8->width != w->width || rgb8->height != w->height || rgb8->channels != 3 || rgb8->depth != 8)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: frame is %dx%d, %d channels, %d-bit; the video takes %dx%d RGB 8-bit", w->path,
                             rgb8->width, rgb8->height, rgb8->channels, rgb8->depth, w->width, w->height);
    if (pts == LAVIN_PTS_NEXT)
        pts = w->last_pts == AV_NOPTS_VALUE ? 0 : w->last_pts + w->step;
    else if (w->last_pts != AV_NOPTS_VALUE && pts <= w->last_pts)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: frame %lld: timestamp %lld is not after the previous one (%lld)", w->path,
                             (long long)w->frames, (long long)pts, (long long)w->last_pts);
    if (w->counted && w->qlen == QUEUE)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: the encoder holds too many frames", w->path);
    /* the encoder may still hold a reference to the previous frame's buffers */
    int fresh = !av_frame_is_writable(w->frame);
    int ret = av_frame_make_writable(w->frame);
    if (ret >= 0 && fresh)
        zero_frame(w->frame);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot allocate a frame", ret);
    fill_rgb(w, rgb8);
    if (sws_scale(w->sws, (const uint8_t *const *)w->rgb->data, w->rgb->linesize, 0, w->rgb->height,
                  w->frame->data, w->frame->linesize) != w->rgb->height)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: RGB to YUV conversion failed", w->path);
    if (w->counted) {
        w->queue[(w->qhead + w->qlen++) % QUEUE] = pts;
        w->frame->pts = w->frames;
        w->frame->quality = w->enc->global_quality;
    } else {
        w->frame->pts = pts;
    }
    w->last_pts = pts;
    w->frames++;
    return encode(w, w->frame, err, err_size);
}

int lavin_video_writer_finish(lavin_video_writer **wp, char *err, size_t err_size)
{
    if (!wp || !*wp)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video finish: no writer");
    lavin_video_writer *w = *wp;
    int ret = encode(w, NULL, err, err_size);
    if (ret >= 0 && w->streams)
        ret = lavin_streams_finish(w->streams, err, err_size);
    if (ret >= 0) {
        int e = av_write_trailer(w->out);
        if (e >= 0)
            e = avio_closep(&w->out->pb);
        if (e < 0)
            ret = lavin_av_err(err, err_size, lavin_av_code(e), w->path, "cannot finish the file", e);
    }
    if (ret >= 0 && rename(w->tmp, w->path) < 0)
        ret = lavin_err_buf(err, err_size, LAVIN_EIO, "%s: cannot rename the finished file into place: %s",
                            w->path, strerror(errno));
    writer_free(wp, ret < 0);
    return ret;
}
