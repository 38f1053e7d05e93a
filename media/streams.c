#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/av_util.h"
#include "core/error.h"
#include "media/streams.h"

typedef struct side {
    int in_index;
    AVStream *out;
    lavin_audio_recoder *audio; /* audio re-encoded; enc is its encoder */
    AVCodecContext *enc;
    AVCodecContext *sub_dec;    /* text subtitles re-encoded with enc */
} side;

struct lavin_streams {
    char *src;
    const char *dst;
    AVFormatContext *in, *out;
    side *sides;
    int nsides;
    int *map;      /* source stream -> index in sides, or -1 */
    AVPacket *pkt; /* read ahead: the first packet past the last write_until */
    int held, eof;
};

enum { SUBTITLE_MAX = 1 << 16 };

static void side_free(side *s)
{
    if (s->audio)
        lavin_audio_recoder_free(&s->audio);
    else
        avcodec_free_context(&s->enc);
    avcodec_free_context(&s->sub_dec);
}

void lavin_streams_free(lavin_streams **ssp)
{
    if (!ssp || !*ssp)
        return;
    lavin_streams *ss = *ssp;
    for (int i = 0; i < ss->nsides; i++) {
        side_free(&ss->sides[i]);
    }
    free(ss->sides);
    free(ss->map);
    av_packet_free(&ss->pkt);
    avformat_close_input(&ss->in);
    free(ss->src);
    free(ss);
    *ssp = NULL;
}

/* Whether the muxer takes the codec as it is: its codec list, then a header
 * written to memory, which also catches what the list allows only in
 * another flavour of the format (Opus in MOV, FLAC in MP4). */
static int muxer_takes(const AVOutputFormat *of, const AVStream *in)
{
    if (avformat_query_codec(of, in->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1)
        return 0;
    AVFormatContext *t = NULL;
    if (avformat_alloc_output_context2(&t, of, NULL, NULL) < 0)
        return 0;
    AVStream *st = avformat_new_stream(t, NULL);
    int ok = st && avcodec_parameters_copy(st->codecpar, in->codecpar) >= 0 && avio_open_dyn_buf(&t->pb) >= 0;
    if (ok) {
        st->codecpar->codec_tag = 0;
        st->time_base = in->time_base;
        ok = avformat_write_header(t, NULL) >= 0;
        uint8_t *buf = NULL;
        avio_close_dyn_buf(t->pb, &buf);
        av_free(buf);
        t->pb = NULL;
    }
    avformat_free_context(t);
    return ok;
}

/* "#2 audio pcm_s16le (eng)" appended to a list. */
static void name_stream(char *list, size_t size, const AVStream *st, const char *to)
{
    const char *type = av_get_media_type_string(st->codecpar->codec_type);
    const AVDictionaryEntry *lang = av_dict_get(st->metadata, "language", NULL, 0);
    char codec[AV_FOURCC_MAX_STRING_SIZE];
    if (st->codecpar->codec_id != AV_CODEC_ID_NONE || !st->codecpar->codec_tag)
        snprintf(codec, sizeof(codec), "%s", avcodec_get_name(st->codecpar->codec_id));
    else
        av_fourcc_make_string(codec, st->codecpar->codec_tag);
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s#%d %s %s%s%s%s%s%s", used ? ", " : "", st->index, type ? type : "stream",
             codec, to ? " -> " : "", to ? to : "", lang ? " (" : "", lang ? lang->value : "", lang ? ")" : "");
}

static int add_output(lavin_streams *ss, side *s, const AVStream *in, const AVCodecContext *enc)
{
    s->out = avformat_new_stream(ss->out, NULL);
    if (!s->out)
        return AVERROR(ENOMEM);
    int ret = enc ? avcodec_parameters_from_context(s->out->codecpar, enc)
                  : avcodec_parameters_copy(s->out->codecpar, in->codecpar);
    if (ret < 0)
        return ret;
    if (!enc)
        s->out->codecpar->codec_tag = 0; /* the source container's tag may mean nothing here */
    s->out->time_base = enc ? enc->time_base : in->time_base;
    s->out->disposition = in->disposition;
    static const char *const keep[] = { "language", "title" };
    for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
        const AVDictionaryEntry *e = av_dict_get(in->metadata, keep[k], NULL, 0);
        if (e && (ret = av_dict_set(&s->out->metadata, keep[k], e->value, 0)) < 0)
            return ret;
    }
    return 0;
}

/* A text subtitle decoder and the container's text encoder, fed the
 * decoder's ASS header as FFmpeg's own transcoder does. */
static int open_subtitles(side *s, const AVStream *in, const lavin_container *c, const AVFormatContext *out)
{
    const AVCodecDescriptor *d = avcodec_descriptor_get(in->codecpar->codec_id);
    const AVCodec *dc = avcodec_find_decoder(in->codecpar->codec_id);
    const AVCodec *ec = avcodec_find_encoder_by_name(c->text);
    if (!d || !(d->props & AV_CODEC_PROP_TEXT_SUB) || !dc)
        return AVERROR_DECODER_NOT_FOUND;
    if (!ec)
        return AVERROR_ENCODER_NOT_FOUND;
    s->sub_dec = avcodec_alloc_context3(dc);
    s->enc = avcodec_alloc_context3(ec);
    if (!s->sub_dec || !s->enc)
        return AVERROR(ENOMEM);
    int ret = avcodec_parameters_to_context(s->sub_dec, in->codecpar);
    if (ret >= 0) {
        s->sub_dec->pkt_timebase = in->time_base;
        ret = avcodec_open2(s->sub_dec, dc, NULL);
    }
    if (ret < 0)
        return ret;
    if (!s->sub_dec->subtitle_header)
        return AVERROR_DECODER_NOT_FOUND;
    s->enc->subtitle_header = av_mallocz((size_t)s->sub_dec->subtitle_header_size + 1);
    if (!s->enc->subtitle_header)
        return AVERROR(ENOMEM);
    memcpy(s->enc->subtitle_header, s->sub_dec->subtitle_header, (size_t)s->sub_dec->subtitle_header_size);
    s->enc->subtitle_header_size = s->sub_dec->subtitle_header_size;
    s->enc->time_base = (AVRational){ 1, 1000 };
    if (out->oformat->flags & AVFMT_GLOBALHEADER)
        s->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    return avcodec_open2(s->enc, ec, NULL);
}

/* Copies, re-encodes or drops (naming it in `dropped`) one source stream. */
static int plan(lavin_streams *ss, const lavin_container *c, int i, char *dropped, char *recoded, size_t size)
{
    const AVStream *in = ss->in->streams[i];
    enum AVMediaType type = in->codecpar->codec_type;
    side *s = &ss->sides[ss->nsides];
    memset(s, 0, sizeof(*s));
    s->in_index = i;
    int ret = AVERROR_ENCODER_NOT_FOUND;
    if ((type == AVMEDIA_TYPE_AUDIO || type == AVMEDIA_TYPE_SUBTITLE || type == AVMEDIA_TYPE_DATA) &&
        muxer_takes(ss->out->oformat, in))
        ret = add_output(ss, s, in, NULL);
    else if (type == AVMEDIA_TYPE_AUDIO && (ret = lavin_audio_recoder_open(in, c->audio, 2, ss->out, &s->audio,
                                                                          &s->enc)) >= 0)
        ret = add_output(ss, s, in, s->enc);
    else if (type == AVMEDIA_TYPE_SUBTITLE && (ret = open_subtitles(s, in, c, ss->out)) >= 0)
        ret = add_output(ss, s, in, s->enc);
    if (ret < 0) {
        side_free(s);
        if (ret != AVERROR_ENCODER_NOT_FOUND && ret != AVERROR_DECODER_NOT_FOUND)
            return ret;
        name_stream(dropped, size, in, NULL);
        return 0;
    }
    if (s->enc)
        name_stream(recoded, size, in, s->enc->codec->name);
    ss->map[i] = ss->nsides++;
    return 0;
}

static int open_source(lavin_streams *ss, const lavin_container *c, const lavin_logger *log, char *err,
                       size_t err_size)
{
    const char *src = ss->src;
    int ret = avformat_open_input(&ss->in, src, NULL, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), src, "cannot open", ret);
    ret = avformat_find_stream_info(ss->in, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, LAVIN_EFORMAT, src, "cannot read stream info", ret);
    unsigned n = ss->in->nb_streams;
    ss->sides = calloc(n ? n : 1, sizeof(*ss->sides));
    ss->map = malloc((n ? n : 1) * sizeof(*ss->map));
    ss->pkt = av_packet_alloc();
    if (!ss->sides || !ss->map || !ss->pkt)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", src);
    /* the picture itself is the one lavin writes anew */
    int video = av_find_best_stream(ss->in, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    char dropped[1024] = "", recoded[1024] = "";
    for (unsigned i = 0; i < n; i++) {
        ss->map[i] = -1;
        if ((int)i == video)
            continue;
        ret = plan(ss, c, (int)i, dropped, recoded, sizeof(dropped));
        if (ret < 0)
            return lavin_av_err(err, err_size, lavin_av_code(ret), ss->dst, "cannot set up a stream", ret);
    }
    if (dropped[0])
        lavin_logf(log, LAVIN_LOG_WARN, "%s: streams dropped, %s cannot hold them: %s", src, c->name, dropped);
    if (recoded[0])
        lavin_logf(log, LAVIN_LOG_INFO, "%s: streams re-encoded for %s: %s", src, c->name, recoded);
    return 0;
}

int lavin_streams_open(const char *src, AVFormatContext *out, const char *out_path, const lavin_container *c,
                       const lavin_logger *log, lavin_streams **ssp, char *err, size_t err_size)
{
    *ssp = NULL;
    lavin_streams *ss = calloc(1, sizeof(*ss));
    if (ss)
        ss->src = strdup(src);
    if (!ss || !ss->src) {
        free(ss);
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", src);
    }
    ss->dst = out_path;
    ss->out = out;
    int ret = open_source(ss, c, log, err, err_size);
    if (ret < 0) {
        lavin_streams_free(&ss);
        return ret;
    }
    *ssp = ss;
    return 0;
}

typedef struct emit_to {
    lavin_streams *ss;
    side *s;
} emit_to;

static int emit(void *user, AVPacket *pkt)
{
    emit_to *t = user;
    av_packet_rescale_ts(pkt, t->s->enc->time_base, t->s->out->time_base);
    pkt->stream_index = t->s->out->index;
    return av_interleaved_write_frame(t->ss->out, pkt);
}

/* One decoded subtitle re-encoded, timed as FFmpeg's own transcoder does:
 * the start folded into pts, the duration from the display times. */
static int recode_subtitle(lavin_streams *ss, side *s, const AVPacket *pkt)
{
    AVSubtitle sub;
    int got = 0, ret = avcodec_decode_subtitle2(s->sub_dec, &sub, &got, (AVPacket *)pkt);
    if (ret < 0 || !got)
        return ret == AVERROR_INVALIDDATA ? 0 : ret < 0 ? ret : 0;
    const AVRational ms = { 1, 1000 };
    if (sub.pts == AV_NOPTS_VALUE)
        sub.pts = av_rescale_q(pkt->pts, ss->in->streams[s->in_index]->time_base, AV_TIME_BASE_Q);
    sub.pts += av_rescale_q(sub.start_display_time, ms, AV_TIME_BASE_Q);
    sub.end_display_time -= sub.start_display_time;
    sub.start_display_time = 0;
    uint8_t *buf = av_malloc(SUBTITLE_MAX);
    int n = buf ? avcodec_encode_subtitle(s->enc, buf, SUBTITLE_MAX, &sub) : AVERROR(ENOMEM);
    AVPacket *out = n > 0 ? av_packet_alloc() : NULL;
    ret = n <= 0 ? n : !out ? AVERROR(ENOMEM) : av_new_packet(out, n);
    if (out && ret >= 0) {
        memcpy(out->data, buf, (size_t)n);
        out->pts = out->dts = av_rescale_q(sub.pts, AV_TIME_BASE_Q, s->out->time_base);
        out->duration = av_rescale_q(sub.end_display_time, ms, s->out->time_base);
        out->stream_index = s->out->index;
        ret = av_interleaved_write_frame(ss->out, out);
    }
    av_packet_free(&out);
    av_free(buf);
    avsubtitle_free(&sub);
    return ret;
}

static int write_packet(lavin_streams *ss, AVPacket *pkt)
{
    side *s = &ss->sides[ss->map[pkt->stream_index]];
    if (s->audio) {
        emit_to t = { ss, s };
        return lavin_audio_recoder_send(s->audio, pkt, emit, &t);
    }
    if (s->sub_dec)
        return recode_subtitle(ss, s, pkt);
    av_packet_rescale_ts(pkt, ss->in->streams[pkt->stream_index]->time_base, s->out->time_base);
    pkt->stream_index = s->out->index;
    pkt->pos = -1;
    return av_interleaved_write_frame(ss->out, pkt);
}

static int write_through(lavin_streams *ss, int all, int64_t until, AVRational tb, char *err, size_t err_size)
{
    for (;;) {
        if (!ss->held) {
            if (ss->eof)
                return 0;
            int ret = av_read_frame(ss->in, ss->pkt);
            if (ret == AVERROR_EOF) {
                ss->eof = 1;
                return 0;
            }
            if (ret < 0)
                return lavin_av_err(err, err_size, lavin_av_code(ret), ss->src, "cannot read", ret);
            if (ss->map[ss->pkt->stream_index] < 0) {
                av_packet_unref(ss->pkt);
                continue;
            }
            ss->held = 1;
        }
        AVPacket *p = ss->pkt;
        int64_t t = p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
        if (!all && t != AV_NOPTS_VALUE &&
            av_compare_ts(t, ss->in->streams[p->stream_index]->time_base, until, tb) > 0)
            return 0;
        int ret = write_packet(ss, p);
        av_packet_unref(p);
        ss->held = 0;
        if (ret < 0)
            return lavin_av_err(err, err_size, lavin_av_code(ret), ss->dst, "cannot write a stream", ret);
    }
}

int lavin_streams_write_until(lavin_streams *ss, int64_t until, AVRational tb, char *err, size_t err_size)
{
    return write_through(ss, 0, until, tb, err, err_size);
}

int lavin_streams_finish(lavin_streams *ss, char *err, size_t err_size)
{
    LAVIN_TRY(write_through(ss, 1, 0, (AVRational){ 1, 1 }, err, err_size));
    for (int i = 0; i < ss->nsides; i++) {
        emit_to t = { ss, &ss->sides[i] };
        int ret = ss->sides[i].audio ? lavin_audio_recoder_send(ss->sides[i].audio, NULL, emit, &t) : 0;
        if (ret < 0)
            return lavin_av_err(err, err_size, lavin_av_code(ret), ss->dst, "cannot finish a stream", ret);
    }
    return 0;
}
