#include <stdlib.h>

#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>

#include "media/streams.h"

struct lavin_audio_recoder {
    AVCodecContext *dec, *enc;
    struct SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *in, *out;
    AVPacket *pkt;
    AVRational in_tb;
    int frame_size;   /* samples per encoder frame */
    int started;
    int64_t next_pts; /* the next encoder frame's, in 1 / sample rate */
};

void lavin_audio_recoder_free(lavin_audio_recoder **rp)
{
    if (!rp || !*rp)
        return;
    lavin_audio_recoder *r = *rp;
    avcodec_free_context(&r->dec);
    avcodec_free_context(&r->enc);
    swr_free(&r->swr);
    if (r->fifo)
        av_audio_fifo_free(r->fifo);
    av_frame_free(&r->in);
    av_frame_free(&r->out);
    av_packet_free(&r->pkt);
    free(r);
    *rp = NULL;
}

/* The source's rate when the encoder takes it, else the nearest higher one
 * it takes (Opus: 48 kHz for 44.1 kHz), else its highest. */
static int pick_rate(const AVCodec *c, int want)
{
    const int *r = c->supported_samplerates;
    int above = 0, top = 0;
    for (; r && *r; r++) {
        if (*r == want)
            return want;
        if (*r > want && (!above || *r < above))
            above = *r;
        top = *r > top ? *r : top;
    }
    return above ? above : top ? top : want;
}

/* The source's layout when the encoder takes it, else one of as many
 * channels, else stereo, else the encoder's first. */
static int pick_layout(const AVCodec *c, const AVChannelLayout *src, AVChannelLayout *dst)
{
    AVChannelLayout want;
    if (src->order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_check(src) != 1)
        av_channel_layout_default(&want, src->nb_channels > 0 ? src->nb_channels : 2);
    else if (av_channel_layout_copy(&want, src) < 0)
        return AVERROR(ENOMEM);
    const AVChannelLayout *l = c->ch_layouts, *same = NULL, *stereo = NULL;
    for (; l && l->nb_channels; l++) {
        if (!av_channel_layout_compare(l, &want))
            break;
        same = !same && l->nb_channels == want.nb_channels ? l : same;
        stereo = l->nb_channels == 2 && !stereo ? l : stereo;
    }
    const AVChannelLayout *pick = !c->ch_layouts || (l && l->nb_channels) ? &want
                                  : same ? same : stereo ? stereo : c->ch_layouts;
    int ret = av_channel_layout_copy(dst, pick);
    av_channel_layout_uninit(&want);
    return ret;
}

static int open_encoder(lavin_audio_recoder *r, const AVCodec *c, const AVFormatContext *out)
{
    AVCodecContext *e = r->enc = avcodec_alloc_context3(c);
    if (!e)
        return AVERROR(ENOMEM);
    e->sample_rate = pick_rate(c, r->dec->sample_rate > 0 ? r->dec->sample_rate : 48000);
    e->sample_fmt = c->sample_fmts ? c->sample_fmts[0] : r->dec->sample_fmt;
    int ret = pick_layout(c, &r->dec->ch_layout, &e->ch_layout);
    if (ret < 0)
        return ret;
    e->bit_rate = 64000 * (int64_t)e->ch_layout.nb_channels;
    e->time_base = (AVRational){ 1, e->sample_rate };
    if (out->oformat->flags & AVFMT_GLOBALHEADER)
        e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    ret = avcodec_open2(e, c, NULL);
    if (ret < 0)
        return ret;
    r->frame_size = e->frame_size > 0 ? e->frame_size : 1024;
    r->fifo = av_audio_fifo_alloc(e->sample_fmt, e->ch_layout.nb_channels, r->frame_size);
    return r->fifo ? 0 : AVERROR(ENOMEM);
}

int lavin_audio_recoder_open(const AVStream *in, const char *const *encoders, int nencoders,
                             const AVFormatContext *out, lavin_audio_recoder **rp, AVCodecContext **enc)
{
    *rp = NULL;
    *enc = NULL;
    const AVCodec *dc = avcodec_find_decoder(in->codecpar->codec_id), *ec = NULL;
    for (int i = 0; i < nencoders && !ec; i++)
        ec = encoders[i] ? avcodec_find_encoder_by_name(encoders[i]) : NULL;
    if (!dc)
        return AVERROR_DECODER_NOT_FOUND;
    if (!ec)
        return AVERROR_ENCODER_NOT_FOUND;
    lavin_audio_recoder *r = calloc(1, sizeof(*r));
    if (!r)
        return AVERROR(ENOMEM);
    r->in_tb = in->time_base;
    r->dec = avcodec_alloc_context3(dc);
    r->in = av_frame_alloc();
    r->out = av_frame_alloc();
    r->pkt = av_packet_alloc();
    int ret = r->dec && r->in && r->out && r->pkt ? avcodec_parameters_to_context(r->dec, in->codecpar)
                                                  : AVERROR(ENOMEM);
    if (ret >= 0) {
        r->dec->pkt_timebase = in->time_base;
        ret = avcodec_open2(r->dec, dc, NULL);
    }
    if (ret >= 0)
        ret = open_encoder(r, ec, out);
    if (ret < 0) {
        lavin_audio_recoder_free(&r);
        return ret;
    }
    *rp = r;
    *enc = r->enc;
    return 0;
}

/* Sends a frame to the encoder (NULL: the end) and emits what comes out. */
static int encode(lavin_audio_recoder *r, const AVFrame *f, int (*emit)(void *, AVPacket *), void *user)
{
    int ret = avcodec_send_frame(r->enc, f);
    while (ret >= 0) {
        ret = avcodec_receive_packet(r->enc, r->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret >= 0)
            ret = emit(user, r->pkt);
        av_packet_unref(r->pkt);
    }
    return ret;
}

/* Encoder frames out of the FIFO: whole ones, and with `last` the rest
 * (padded with silence for encoders that take only whole frames). */
static int drain_fifo(lavin_audio_recoder *r, int last, int (*emit)(void *, AVPacket *), void *user)
{
    AVCodecContext *e = r->enc;
    int small = (e->codec->capabilities & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE)) != 0;
    int ret = 0;
    while (ret >= 0 && (av_audio_fifo_size(r->fifo) >= r->frame_size || (last && av_audio_fifo_size(r->fifo) > 0))) {
        int n = av_audio_fifo_size(r->fifo) < r->frame_size ? av_audio_fifo_size(r->fifo) : r->frame_size;
        AVFrame *f = r->out;
        f->nb_samples = small ? n : r->frame_size;
        f->format = e->sample_fmt;
        f->sample_rate = e->sample_rate;
        ret = av_channel_layout_copy(&f->ch_layout, &e->ch_layout);
        if (ret >= 0)
            ret = av_frame_get_buffer(f, 0);
        if (ret >= 0 && f->nb_samples > n)
            ret = av_samples_set_silence(f->extended_data, n, f->nb_samples - n, e->ch_layout.nb_channels,
                                         e->sample_fmt);
        if (ret >= 0 && av_audio_fifo_read(r->fifo, (void **)f->extended_data, n) != n)
            ret = AVERROR_BUG;
        f->pts = r->next_pts;
        r->next_pts += f->nb_samples;
        if (ret >= 0)
            ret = encode(r, f, emit, user);
        av_frame_unref(f);
    }
    return ret;
}

/* A decoded frame (NULL: what the resampler still holds) into the FIFO at
 * the encoder's format, rate and layout. */
static int resample(lavin_audio_recoder *r, const AVFrame *f)
{
    AVCodecContext *e = r->enc;
    if (!r->swr && f) {
        /* a layout of unknown order (PCM in MOV) is taken as the usual one */
        AVChannelLayout in;
        int ret = 0;
        if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
            av_channel_layout_default(&in, f->ch_layout.nb_channels);
        else
            ret = av_channel_layout_copy(&in, &f->ch_layout);
        if (ret >= 0)
            ret = swr_alloc_set_opts2(&r->swr, &e->ch_layout, e->sample_fmt, e->sample_rate, &in,
                                      (enum AVSampleFormat)f->format, f->sample_rate, 0, NULL);
        av_channel_layout_uninit(&in);
        if (ret >= 0)
            ret = swr_init(r->swr);
        if (ret < 0)
            return ret;
    }
    if (!r->swr)
        return 0;
    int max = swr_get_out_samples(r->swr, f ? f->nb_samples : 0);
    if (max <= 0)
        return max;
    uint8_t **buf = NULL;
    int ret = av_samples_alloc_array_and_samples(&buf, NULL, e->ch_layout.nb_channels, max, e->sample_fmt, 0);
    if (ret >= 0)
        ret = swr_convert(r->swr, buf, max, f ? (const uint8_t **)f->extended_data : NULL, f ? f->nb_samples : 0);
    if (ret > 0 && av_audio_fifo_write(r->fifo, (void **)buf, ret) != ret)
        ret = AVERROR(ENOMEM);
    if (buf)
        av_freep(&buf[0]);
    av_freep(&buf);
    return ret < 0 ? ret : 0;
}

int lavin_audio_recoder_send(lavin_audio_recoder *r, const AVPacket *pkt, int (*emit)(void *, AVPacket *),
                             void *user)
{
    int ret = avcodec_send_packet(r->dec, pkt);
    /* a damaged packet costs its own samples, not the whole video */
    if (ret == AVERROR_INVALIDDATA)
        return 0;
    while (ret >= 0) {
        ret = avcodec_receive_frame(r->dec, r->in);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            break;
        if (ret == AVERROR_INVALIDDATA) {
            ret = 0;
            continue;
        }
        if (ret < 0)
            return ret;
        if (!r->started) {
            /* the encoder's clock starts where the source's audio starts */
            int64_t t = r->in->best_effort_timestamp;
            r->next_pts = t == AV_NOPTS_VALUE ? 0 : av_rescale_q(t, r->in_tb, r->enc->time_base);
            r->started = 1;
        }
        ret = resample(r, r->in);
        av_frame_unref(r->in);
        if (ret >= 0)
            ret = drain_fifo(r, 0, emit, user);
    }
    if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF)
        return ret;
    if (pkt)
        return 0;
    ret = resample(r, NULL);
    if (ret >= 0)
        ret = drain_fifo(r, 1, emit, user);
    return ret >= 0 ? encode(r, NULL, emit, user) : ret;
}
