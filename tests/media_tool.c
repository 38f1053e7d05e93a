/* What the shell tests need to look into pictures and videos without any
 * other tool:
 *   media_tool diff A B MAXDIFF MAXSHARE   same size, every sample within
 *       MAXDIFF and at most MAXSHARE of them differing at all
 *   media_tool probe VIDEO                 "FRAMES WxH NUM/DEN audio|none"
 *   media_tool times VIDEO                 each frame's time in seconds as a
 *       reduced fraction, one a line, as lavin's reader gives them
 *   media_tool streams VIDEO               one line a stream: "TYPE CODEC
 *       LANGUAGE" (und without a tag), the video's "video CODEC WxH PIXFMT"
 *   media_tool make KIND OUT               a test input (tests/video_maker.h):
 *       vfr    MOV, H.264 + PCM audio (eng), time base 1/90000, 20 frames:
 *              10 at 30 per second, then 10 each 0.2 s after the last
 *       phone  MP4 stored 48x32 with a display matrix turning it a quarter
 *              clockwise, AAC audio, 12 frames at 30 per second
 *       langs  MKV, PCM audio in English and French, SubRip subtitles in
 *              German, 12 frames at 24 per second
 *       odd    MP4 33x17 (MPEG-4 Part 2), 6 frames at 25 per second
 *   media_tool size PICTURE                "WxH"
 *   media_tool photo W H ORIENTATION OUT.jpg   a JPEG of photo_pattern() with
 *       that EXIF orientation (0: no EXIF segment) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>

#include "media/image.h"
#include "media/video.h"
#include "tests/photo_files.h"
#include "tests/video_maker.h"

static int diff(const char *a, const char *b, int maxdiff, double maxshare)
{
    char err[512];
    lavin_image x = { 0 }, y = { 0 };
    int ret = lavin_image_read(a, &x, err, sizeof(err));
    if (ret >= 0)
        ret = lavin_image_read(b, &y, err, sizeof(err));
    if (ret < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    size_t n = (size_t)x.width * x.height * 3, differ = 0;
    int worst = 0;
    if (x.width != y.width || x.height != y.height) {
        printf("sizes differ: %dx%d vs %dx%d\n", x.width, x.height, y.width, y.height);
        ret = -1;
    }
    for (size_t i = 0; ret >= 0 && i < n; i++) {
        int d = abs(((uint8_t *)x.data)[i] - ((uint8_t *)y.data)[i]);
        worst = d > worst ? d : worst;
        differ += d > 0;
    }
    if (ret >= 0)
        printf("max difference %d, %zu of %zu samples differ (%.4f%%)\n", worst, differ, n, 100.0 * differ / n);
    lavin_image_free(&x);
    lavin_image_free(&y);
    return ret < 0 || worst > maxdiff || differ > maxshare * n;
}

/* Every frame through lavin's reader; times: print each one's time. */
static int frames(const char *path, int times)
{
    char err[512];
    lavin_video_reader *r = NULL;
    lavin_video_info info;
    lavin_image f = { 0 };
    if (lavin_video_open(path, &r, &info, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int n = 0, ret;
    int64_t pts;
    while ((ret = lavin_video_read(r, &f, &pts, err, sizeof(err))) > 0) {
        n++;
        int num, den;
        av_reduce(&num, &den, pts * info.time_base_num, info.time_base_den, INT64_MAX);
        if (times)
            printf("%d/%d\n", num, den);
    }
    if (!times)
        printf("%d %dx%d %d/%d %s\n", n, info.width, info.height, info.fps_num, info.fps_den,
               info.has_audio ? "audio" : "none");
    lavin_image_free(&f);
    lavin_video_close(&r);
    if (ret < 0)
        fprintf(stderr, "%s\n", err);
    return ret < 0;
}

static int streams(const char *path)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0) {
        fprintf(stderr, "%s: cannot open\n", path);
        avformat_close_input(&fmt);
        return 1;
    }
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *p = fmt->streams[i]->codecpar;
        const AVDictionaryEntry *lang = av_dict_get(fmt->streams[i]->metadata, "language", NULL, 0);
        const char *type = av_get_media_type_string(p->codec_type);
        if (p->codec_type == AVMEDIA_TYPE_VIDEO)
            printf("video %s %dx%d %s\n", avcodec_get_name(p->codec_id), p->width, p->height,
                   av_get_pix_fmt_name((enum AVPixelFormat)p->format));
        else
            printf("%s %s %s\n", type ? type : "unknown", avcodec_get_name(p->codec_id), lang ? lang->value : "und");
    }
    avformat_close_input(&fmt);
    return 0;
}

static int make(const char *kind, const char *out)
{
    int64_t vfr[20];
    for (int k = 0; k < 20; k++)
        vfr[k] = k < 10 ? k * 3000 : 27000 + (k - 9) * 18000;
    vm_spec s = { .width = 48, .height = 32, .frames = 12, .time_base = { 1, 90000 }, .fps = { 30, 1 } };
    if (!strcmp(kind, "vfr")) {
        s.format = "mov";
        s.frames = 20;
        s.pts = vfr;
        s.side[s.nside++] = (vm_side){ AVMEDIA_TYPE_AUDIO, "pcm_s16le", "eng" };
    } else if (!strcmp(kind, "phone")) {
        s.format = "mp4";
        s.rotation = 90;
        s.side[s.nside++] = (vm_side){ AVMEDIA_TYPE_AUDIO, "aac", "eng" };
    } else if (!strcmp(kind, "langs")) {
        s.format = "matroska";
        s.time_base = (AVRational){ 1, 1000 };
        s.fps = (AVRational){ 24, 1 };
        s.side[s.nside++] = (vm_side){ AVMEDIA_TYPE_AUDIO, "pcm_s16le", "eng" };
        s.side[s.nside++] = (vm_side){ AVMEDIA_TYPE_AUDIO, "pcm_s16le", "fra" };
        s.side[s.nside++] = (vm_side){ AVMEDIA_TYPE_SUBTITLE, "subrip", "ger" };
    } else if (!strcmp(kind, "odd")) {
        s.format = "mp4";
        s.encoder = "mpeg4"; /* H.264 has no odd 4:2:0 sizes */
        s.width = 33;
        s.height = 17;
        s.frames = 6;
        s.fps = (AVRational){ 25, 1 };
    } else {
        fprintf(stderr, "media_tool make: no kind %s\n", kind);
        return 2;
    }
    char err[512];
    if (vm_make(out, &s, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    return 0;
}

static int size(const char *path)
{
    char err[512];
    lavin_image x = { 0 };
    if (lavin_image_read(path, &x, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("%dx%d\n", x.width, x.height);
    lavin_image_free(&x);
    return 0;
}

static int photo(int width, int height, int orientation, const char *path)
{
    char err[512] = "cannot make the picture";
    lavin_image img = { 0 };
    int ret = photo_pattern(&img, width, height);
    if (ret >= 0)
        ret = photo_write_jpeg(path, &img, orientation, 0, err, sizeof(err));
    lavin_image_free(&img);
    if (ret < 0)
        fprintf(stderr, "%s\n", err);
    return ret < 0;
}

int main(int argc, char **argv)
{
    /* a tool of the tests: FFmpeg's own chatter would only hide its answer */
    av_log_set_level(AV_LOG_QUIET);
    if (argc == 3 && !strcmp(argv[1], "size"))
        return size(argv[2]);
    if (argc == 6 && !strcmp(argv[1], "diff"))
        return diff(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
    if (argc == 3 && (!strcmp(argv[1], "probe") || !strcmp(argv[1], "times")))
        return frames(argv[2], !strcmp(argv[1], "times"));
    if (argc == 3 && !strcmp(argv[1], "streams"))
        return streams(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "make"))
        return make(argv[2], argv[3]);
    if (argc == 6 && !strcmp(argv[1], "photo"))
        return photo(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), argv[5]);
    fprintf(stderr, "usage: media_tool diff A B MAXDIFF MAXSHARE | probe VIDEO | times VIDEO | streams VIDEO |\n"
                    "       make vfr|phone|langs|odd OUT | size PICTURE | photo W H O OUT\n");
    return 2;
}
