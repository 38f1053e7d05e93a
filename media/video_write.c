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
#include "media/video.h"

struct lavin_video_writer {
    char *path, *tmp;
    AVFormatContext *out;
    AVCodecContext *enc;
    AVStream *vst;
    AVPacket *pkt;
    AVFrame *frame;
    AVFrame *rgb;   /* padded copy of the caller's image: swscale's SIMD reads past row ends */
    struct SwsContext *sws;
    int64_t next_pts;
    /* the audio source, copied at finish */
    char *audio_path;
    AVFormatContext *ain;
    int ain_stream;
    AVStream *ast;
};

static void writer_free(lavin_video_writer **wp, int drop_tmp)
{
    lavin_video_writer *w = *wp;
    sws_freeContext(w->sws);
    av_frame_free(&w->frame);
    av_frame_free(&w->rgb);
    av_packet_free(&w->pkt);
    avcodec_free_context(&w->enc);
    if (w->out) {
        avio_closep(&w->out->pb);
        avformat_free_context(w->out);
    }
    avformat_close_input(&w->ain);
    if (drop_tmp && w->tmp)
        unlink(w->tmp);
    free(w->tmp);
    free(w->path);
    free(w->audio_path);
    free(w);
    *wp = NULL;
}

void lavin_video_writer_abort(lavin_video_writer **w)
{
    if (w && *w)
        writer_free(w, 1);
}

static int open_audio(lavin_video_writer *w, const char *audio_from, char *err, size_t err_size)
{
    w->audio_path = strdup(audio_from);
    if (!w->audio_path)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", audio_from);
    int ret = avformat_open_input(&w->ain, audio_from, NULL, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), audio_from, "cannot open", ret);
    ret = avformat_find_stream_info(w->ain, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, LAVIN_EFORMAT, audio_from, "cannot read stream info", ret);
    w->ain_stream = av_find_best_stream(w->ain, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (w->ain_stream < 0)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: no audio stream", audio_from);
    AVStream *in = w->ain->streams[w->ain_stream];
    w->ast = avformat_new_stream(w->out, NULL);
    if (!w->ast)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", audio_from);
    ret = avcodec_parameters_copy(w->ast->codecpar, in->codecpar);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), audio_from, "cannot copy audio", ret);
    /* the source container's tag may mean nothing in MP4; let the muxer pick */
    w->ast->codecpar->codec_tag = 0;
    w->ast->time_base = in->time_base;
    return 0;
}

/* The SIMD in swscale and the encoders reads the row padding; zeroed, it
 * cannot make results depend on stale memory (and valgrind stays quiet). */
static void zero_frame(AVFrame *f)
{
    for (int i = 0; i < AV_NUM_DATA_POINTERS && f->buf[i]; i++)
        memset(f->buf[i]->data, 0, f->buf[i]->size);
}

static const AVCodec *pick_encoder(const char *name)
{
    if (name)
        return avcodec_find_encoder_by_name(name);
    const AVCodec *c = avcodec_find_encoder_by_name("libx264");
    return c ? c : avcodec_find_encoder_by_name("mpeg4");
}

static int open_video(lavin_video_writer *w, int width, int height, AVRational fps, const char *encoder,
                      char *err, size_t err_size)
{
    const char *path = w->path;
    const AVCodec *codec = pick_encoder(encoder);
    if (!codec)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: this FFmpeg has no %s encoder", path,
                             encoder ? encoder : "libx264 or mpeg4");
    int x264 = !strcmp(codec->name, "libx264");
    if (!x264 && strcmp(codec->name, "mpeg4"))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: encoder %s: expected libx264 or mpeg4", path,
                             codec->name);
    w->vst = avformat_new_stream(w->out, NULL);
    w->enc = avcodec_alloc_context3(codec);
    w->pkt = av_packet_alloc();
    w->frame = av_frame_alloc();
    w->rgb = av_frame_alloc();
    if (!w->vst || !w->enc || !w->pkt || !w->frame || !w->rgb)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    AVCodecContext *e = w->enc;
    e->width = width;
    e->height = height;
    e->time_base = av_inv_q(fps);
    e->framerate = fps;
    /* 4:2:0 cannot hold odd sizes; x264's 4:4:4 keeps them exact */
    e->pix_fmt = x264 && ((width | height) & 1) ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P;
    /* what swscale's RGB -> YUV default writes: BT.601, limited range */
    e->colorspace = AVCOL_SPC_SMPTE170M;
    e->color_primaries = AVCOL_PRI_SMPTE170M;
    e->color_trc = AVCOL_TRC_SMPTE170M;
    e->color_range = AVCOL_RANGE_MPEG;
    if (w->out->oformat->flags & AVFMT_GLOBALHEADER)
        e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (x264) {
        av_opt_set(e->priv_data, "crf", "18", 0);
    } else {
        e->flags |= AV_CODEC_FLAG_QSCALE;
        e->global_quality = FF_QP2LAMBDA * 2;
    }
    int ret = avcodec_open2(e, codec, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot open the video encoder", ret);
    ret = avcodec_parameters_from_context(w->vst->codecpar, e);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot set up the video stream", ret);
    w->vst->time_base = e->time_base;
    w->vst->avg_frame_rate = fps;
    w->frame->format = e->pix_fmt;
    w->frame->width = width;
    w->frame->height = height;
    w->rgb->format = AV_PIX_FMT_RGB24;
    w->rgb->width = width;
    w->rgb->height = height;
    ret = av_frame_get_buffer(w->frame, 0);
    if (ret >= 0)
        ret = av_frame_get_buffer(w->rgb, 0);
    zero_frame(w->frame);
    zero_frame(w->rgb);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot allocate a frame", ret);
    w->sws = sws_getContext(width, height, AV_PIX_FMT_RGB24, width, height, e->pix_fmt,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
    if (!w->sws)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: no RGB to %s conversion", path,
                             av_get_pix_fmt_name(e->pix_fmt));
    return 0;
}

static int writer_setup(lavin_video_writer *w, int width, int height, AVRational fps, const char *audio_from,
                        const char *encoder, char *err, size_t err_size)
{
    LAVIN_TRY(lavin_av_tmpfile(w->path, &w->tmp, err, err_size));
    /* the temp name has no extension, so the container is named */
    int ret = avformat_alloc_output_context2(&w->out, NULL, "mp4", w->tmp);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot set up MP4 output", ret);
    LAVIN_TRY(open_video(w, width, height, fps, encoder, err, err_size));
    if (audio_from)
        LAVIN_TRY(open_audio(w, audio_from, err, err_size));
    ret = avio_open(&w->out->pb, w->tmp, AVIO_FLAG_WRITE);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot write", ret);
    ret = avformat_write_header(w->out, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path,
                            audio_from ? "cannot write the MP4 header (is the audio codec allowed in MP4?)"
                                       : "cannot write the MP4 header",
                            ret);
    return 0;
}

int lavin_video_writer_open_with(const char *path, int width, int height, int fps_num, int fps_den,
                                 const char *audio_from, const char *encoder, lavin_video_writer **out,
                                 char *err, size_t err_size)
{
    *out = NULL;
    if (!path)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video write: no path");
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: video size %dx%d is outside 1..16384", path,
                             width, height);
    if (fps_num <= 0 || fps_den <= 0 || fps_num > 65535 || fps_den > 65535)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: frame rate %d/%d: expected two integers in 1..65535",
                             path, fps_num, fps_den);
    lavin_video_writer *w = calloc(1, sizeof(*w));
    if (w)
        w->path = strdup(path);
    if (!w || !w->path) {
        free(w);
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    }
    int ret = writer_setup(w, width, height, (AVRational){ fps_num, fps_den }, audio_from, encoder, err, err_size);
    if (ret < 0) {
        writer_free(&w, 1);
        return ret;
    }
    *out = w;
    return 0;
}

int lavin_video_writer_open(const char *path, int width, int height, int fps_num, int fps_den,
                            const char *audio_from, lavin_video_writer **out, char *err, size_t err_size)
{
    return lavin_video_writer_open_with(path, width, height, fps_num, fps_den, audio_from, NULL, out, err,
                                        err_size);
}

/* Sends a frame (NULL: end of stream) and muxes every packet that comes out. */
static int encode(lavin_video_writer *w, const AVFrame *f, char *err, size_t err_size)
{
    int ret = avcodec_send_frame(w->enc, f);
    while (ret >= 0) {
        ret = avcodec_receive_packet(w->enc, w->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            break;
        av_packet_rescale_ts(w->pkt, w->enc->time_base, w->vst->time_base);
        w->pkt->stream_index = w->vst->index;
        ret = av_interleaved_write_frame(w->out, w->pkt);
    }
    return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot encode video", ret);
}

int lavin_video_write(lavin_video_writer *w, const lavin_image *rgb8, char *err, size_t err_size)
{
    if (!w || !rgb8 || !rgb8->data)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video write: no writer or no image");
    if (rgb8->width != w->enc->width || rgb8->height != w->enc->height || rgb8->channels != 3 ||
        rgb8->depth != 8)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: frame is %dx%d, %d channels, %d-bit; the video takes %dx%d RGB 8-bit", w->path,
                             rgb8->width, rgb8->height, rgb8->channels, rgb8->depth, w->enc->width,
                             w->enc->height);
    /* the encoder may still hold a reference to the previous frame's buffers */
    int fresh = !av_frame_is_writable(w->frame);
    int ret = av_frame_make_writable(w->frame);
    if (ret >= 0 && fresh)
        zero_frame(w->frame);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot allocate a frame", ret);
    size_t row = (size_t)rgb8->width * 3;
    for (int y = 0; y < rgb8->height; y++)
        memcpy(w->rgb->data[0] + (ptrdiff_t)y * w->rgb->linesize[0], (const uint8_t *)rgb8->data + (size_t)y * row,
               row);
    if (sws_scale(w->sws, (const uint8_t *const *)w->rgb->data, w->rgb->linesize, 0, rgb8->height,
                  w->frame->data, w->frame->linesize) != rgb8->height)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: RGB to YUV conversion failed", w->path);
    w->frame->pts = w->next_pts++;
    if (w->enc->flags & AV_CODEC_FLAG_QSCALE)
        w->frame->quality = w->enc->global_quality;
    return encode(w, w->frame, err, err_size);
}

static int copy_audio(lavin_video_writer *w, char *err, size_t err_size)
{
    AVStream *in = w->ain->streams[w->ain_stream];
    for (;;) {
        int ret = av_read_frame(w->ain, w->pkt);
        if (ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return lavin_av_err(err, err_size, lavin_av_code(ret), w->audio_path, "cannot read audio", ret);
        if (w->pkt->stream_index != w->ain_stream) {
            av_packet_unref(w->pkt);
            continue;
        }
        av_packet_rescale_ts(w->pkt, in->time_base, w->ast->time_base);
        w->pkt->stream_index = w->ast->index;
        w->pkt->pos = -1;
        ret = av_interleaved_write_frame(w->out, w->pkt);
        if (ret < 0)
            return lavin_av_err(err, err_size, lavin_av_code(ret), w->path, "cannot write audio", ret);
    }
}

int lavin_video_writer_finish(lavin_video_writer **wp, char *err, size_t err_size)
{
    if (!wp || !*wp)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video finish: no writer");
    lavin_video_writer *w = *wp;
    int ret = encode(w, NULL, err, err_size);
    if (ret >= 0 && w->ain)
        ret = copy_audio(w, err, err_size);
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
