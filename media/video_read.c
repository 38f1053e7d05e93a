#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

#include "media/av_util.h"
#include "core/error.h"
#include "media/turn.h"
#include "media/video.h"

struct lavin_video_reader {
    char *path;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    int stream;
    int flushing;   /* the demuxer is done; draining the decoder */
    int done;
    int64_t decoded;
    int64_t last_pts, step; /* the previous frame's pts; one average frame in the time base */
    lavin_turn turn;
    lavin_image stored; /* the frame as stored, before it is turned upright */
    lavin_video_info info;
};

void lavin_video_close(lavin_video_reader **rp)
{
    if (!rp || !*rp)
        return;
    lavin_video_reader *r = *rp;
    sws_freeContext(r->sws);
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    avcodec_free_context(&r->dec);
    avformat_close_input(&r->fmt);
    lavin_image_free(&r->stored);
    free(r->path);
    free(r);
    *rp = NULL;
}

static int valid_rate(AVRational q)
{
    return q.num > 0 && q.den > 0;
}

/* The stream's display matrix (FFmpeg moved it into the codec parameters
 * in 6.1 and dropped the stream's own side data in 7.0), or NULL. */
static const int32_t *display_matrix(const AVStream *st)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
    const AVPacketSideData *sd = av_packet_side_data_get(st->codecpar->coded_side_data,
                                                         st->codecpar->nb_coded_side_data,
                                                         AV_PKT_DATA_DISPLAYMATRIX);
    return sd && sd->size >= 9 * sizeof(int32_t) ? (const int32_t *)sd->data : NULL;
#else
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return m && size >= 9 * sizeof(int32_t) ? (const int32_t *)m : NULL;
#endif
}

static int sign16(int32_t v)
{
    /* 16.16 fixed point; a scaled matrix (non-square display) keeps its signs */
    return v > 1 << 15 ? 1 : v < -(1 << 15) ? -1 : 0;
}

/* The matrix maps a stored point (p, q) to (a p + c q, b p + d q) on
 * screen (libavutil/display.h; a = m[0], b = m[1], c = m[3], d = m[4]).
 * Quarter turns and mirrors only: anything else is shown as stored. */
static void read_turn(const int32_t *m, lavin_turn *t, lavin_video_info *in)
{
    int a = m ? sign16(m[0]) : 1, b = m ? sign16(m[1]) : 0, c = m ? sign16(m[3]) : 0, d = m ? sign16(m[4]) : 1;
    int straight = a && d && !b && !c, sideways = b && c && !a && !d;
    if (!straight && !sideways)
        a = d = 1, b = c = 0, straight = 1;
    t->swap = sideways;
    t->flip_u = straight ? a < 0 : b < 0;
    t->flip_v = straight ? d < 0 : c < 0;
    /* As a turn then a mirror: undo the mirror of the screen's x, then the
     * four turns are (1, 0, 0, 1), (0, 1, -1, 0), (-1, 0, 0, -1), (0, -1, 1, 0). */
    in->flipped = a * d - b * c < 0;
    if (in->flipped)
        a = -a, c = -c;
    in->rotation = a > 0 ? 0 : a < 0 ? 180 : b > 0 ? 90 : 270;
}

static int open_streams(lavin_video_reader *r, char *err, size_t err_size)
{
    const char *path = r->path;
    int ret = avformat_open_input(&r->fmt, path, NULL, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot open", ret);
    ret = avformat_find_stream_info(r->fmt, NULL);
    if (ret < 0)
        return lavin_av_err(err, err_size, LAVIN_EFORMAT, path, "cannot read stream info", ret);
    const AVCodec *codec = NULL;
    r->stream = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (r->stream == AVERROR_DECODER_NOT_FOUND)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s: no decoder for its video stream", path);
    if (r->stream < 0 || !codec)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: no video stream", path);
    AVStream *st = r->fmt->streams[r->stream];
    r->dec = avcodec_alloc_context3(codec);
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->dec || !r->pkt || !r->frame)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    ret = avcodec_parameters_to_context(r->dec, st->codecpar);
    if (ret >= 0) {
        r->dec->thread_count = 0;   /* FFmpeg picks from the core count */
        r->dec->pkt_timebase = st->time_base;
        ret = avcodec_open2(r->dec, codec, NULL);
    }
    if (ret < 0)
        return lavin_av_err(err, err_size, lavin_av_code(ret), path, "cannot open the video decoder", ret);
    if (st->codecpar->width <= 0 || st->codecpar->height <= 0)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: video stream has no frame size", path);

    lavin_video_info *in = &r->info;
    read_turn(display_matrix(st), &r->turn, in);
    in->width = r->turn.swap ? st->codecpar->height : st->codecpar->width;
    in->height = r->turn.swap ? st->codecpar->width : st->codecpar->height;
    AVRational fps = valid_rate(st->avg_frame_rate) ? st->avg_frame_rate
                     : valid_rate(st->r_frame_rate) ? st->r_frame_rate
                                                    : (AVRational){ 0, 1 };
    in->fps_num = fps.num;
    in->fps_den = fps.den;
    in->time_base_num = st->time_base.num;
    in->time_base_den = st->time_base.den;
    in->frames = st->nb_frames > 0 ? st->nb_frames : -1;
    in->has_audio = av_find_best_stream(r->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) >= 0;
    r->step = fps.num ? av_rescale_q(1, av_inv_q(fps), st->time_base) : 1;
    r->step = r->step > 0 ? r->step : 1;
    r->last_pts = AV_NOPTS_VALUE;
    if (lavin_turn_any(&r->turn))
        return lavin_image_alloc(&r->stored, st->codecpar->width, st->codecpar->height, 3, 8, err, err_size);
    return 0;
}

int lavin_video_open(const char *path, lavin_video_reader **out, lavin_video_info *info, char *err,
                     size_t err_size)
{
    *out = NULL;
    if (!path)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video open: no path");
    lavin_video_reader *r = calloc(1, sizeof(*r));
    if (r)
        r->path = strdup(path);
    if (!r || !r->path) {
        free(r);
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    }
    int ret = open_streams(r, err, err_size);
    if (ret < 0) {
        lavin_video_close(&r);
        return ret;
    }
    if (info)
        *info = r->info;
    *out = r;
    return 0;
}

static int corrupt(lavin_video_reader *r, int averr, char *err, size_t err_size)
{
    r->done = 1;
    char what[64];
    snprintf(what, sizeof(what), "truncated or corrupt at frame %lld", (long long)r->decoded);
    return lavin_av_err(err, err_size, LAVIN_EFORMAT, r->path, what, averr);
}

static int check_frame(lavin_video_reader *r, lavin_image *frame, char *err, size_t err_size)
{
    if (!frame->data)
        return lavin_image_alloc(frame, r->info.width, r->info.height, 3, 8, err, err_size);
    if (frame->width != r->info.width || frame->height != r->info.height || frame->channels != 3 ||
        frame->depth != 8)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: frame buffer is %dx%d, %d channels, %d-bit; the video needs %dx%d RGB 8-bit",
                             r->path, frame->width, frame->height, frame->channels, frame->depth,
                             r->info.width, r->info.height);
    return 0;
}

/* Feeds the decoder one packet of the video stream, or the end of input. */
static int feed(lavin_video_reader *r)
{
    int ret = av_read_frame(r->fmt, r->pkt);
    if (ret == AVERROR_EOF) {
        r->flushing = 1;
        return avcodec_send_packet(r->dec, NULL);
    }
    if (ret < 0)
        return ret;
    if (r->pkt->stream_index == r->stream)
        ret = avcodec_send_packet(r->dec, r->pkt);
    av_packet_unref(r->pkt);
    return ret;
}

/* The frame's time, kept strictly increasing (lavin/media.h). */
static int64_t frame_pts(lavin_video_reader *r)
{
    int64_t pts = r->frame->best_effort_timestamp, last = r->last_pts;
    if (pts == AV_NOPTS_VALUE)
        pts = last == AV_NOPTS_VALUE ? 0 : last + r->step;
    else if (last != AV_NOPTS_VALUE && pts <= last)
        pts = last + 1;
    return r->last_pts = pts;
}

int lavin_video_read(lavin_video_reader *r, lavin_image *frame, int64_t *pts, char *err, size_t err_size)
{
    if (!r || !frame)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "video read: no reader or no frame");
    if (r->done)
        return 0;
    for (;;) {
        int ret = avcodec_receive_frame(r->dec, r->frame);
        if (ret >= 0)
            break;
        if (ret == AVERROR_EOF) {
            r->done = 1;
            /* mp4 and friends index every sample; fewer decoded frames means
             * the data ran out before the index did */
            if (r->info.frames > 0 && r->decoded < r->info.frames)
                return lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                                     "%s: truncated or corrupt at frame %lld (%lld announced)", r->path,
                                     (long long)r->decoded, (long long)r->info.frames);
            return 0;
        }
        if (ret != AVERROR(EAGAIN))
            return corrupt(r, ret, err, err_size);
        ret = feed(r);
        if (ret < 0 && ret != AVERROR(EAGAIN))
            return corrupt(r, ret, err, err_size);
    }
    int ret = check_frame(r, frame, err, err_size);
    if (ret >= 0) {
        ret = lavin_av_to_rgb8(&r->sws, r->frame, r->stored.data ? &r->stored : frame);
        if (ret < 0)
            ret = lavin_av_err(err, err_size, LAVIN_EUNSUPPORTED, r->path, "cannot convert a frame to RGB", ret);
        else if (r->stored.data)
            lavin_turn_apply(&r->turn, &r->stored, frame);
    }
    int64_t t = frame_pts(r);
    av_frame_unref(r->frame);
    if (ret < 0)
        return ret;
    if (pts)
        *pts = t;
    r->decoded++;
    return 1;
}
