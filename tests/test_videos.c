/* Real-world videos through lavin's reader and writer; needs no GPU. Every
 * input is made here (tests/video_maker.h): phone rotations and mirrors,
 * variable frame rates and odd time bases, audio, subtitle and timecode
 * streams in several languages, odd sizes; then what lavin writes from them
 * is read back: upright frames, the same timestamps, the streams each
 * container holds, 4:2:0 at even sizes, flat memory over a long video.
 * usage: test_videos [-v] */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "media/video.h"
#include "tests/video_maker.h"
#include "tests/scratch.h"

typedef struct vt {
    char tmp_dir[64];
    int passed, failed, verbose;
} vt;

static int check(vt *t, int ok, const char *fmt, ...)
{
    va_list ap;
    if (ok)
        t->passed++;
    else
        t->failed++;
    if (!ok || t->verbose) {
        printf("%s ", ok ? "ok  " : "FAIL");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    return ok;
}

static const char *tmp_path(vt *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->tmp_dir, name);
    return buf;
}

/* Log lines the writer hands over, by level. */
typedef struct lines {
    int n[4];
    char last[4][1024];
} lines;

static void collect(void *user, enum lavin_log_level level, const char *message)
{
    lines *l = user;
    l->n[level]++;
    snprintf(l->last[level], sizeof(l->last[level]), "%s", message);
}

static int make(vt *t, const char *path, const vm_spec *s)
{
    char err[512] = "";
    return check(t, vm_make(path, s, err, sizeof(err)) == 0, "make %s%s%s", strrchr(path, '/') + 1,
                 err[0] ? ": " : "", err);
}

/* Every frame of src with its time into dst through lavin's writer, with
 * src's other streams; the frames are kept for callers that look at them. */
typedef struct copy_opts {
    const char *encoder;   /* NULL: the container's first */
    int streams;           /* carry src's other streams */
    lines *log;
} copy_opts;

static int copy(vt *t, const char *src, const char *dst, const copy_opts *o)
{
    char err[1024] = "";
    lavin_video_reader *r = NULL;
    lavin_video_writer *w = NULL;
    lavin_video_info in;
    lavin_logger log = { collect, o && o->log ? o->log : NULL, LAVIN_LOG_DEBUG };
    lavin_image f = { 0 };
    int64_t pts;
    int ret = lavin_video_open(src, &r, &in, err, sizeof(err));
    if (ret == 0) {
        lavin_video_output_params p = { .width = in.width, .height = in.height, .fps_num = in.fps_num,
                                        .fps_den = in.fps_den, .time_base_num = in.time_base_num,
                                        .time_base_den = in.time_base_den,
                                        .streams_from = o && o->streams ? src : NULL };
        ret = lavin_video_writer_open_with(dst, &p, o ? o->encoder : NULL, o && o->log ? &log : NULL, &w, err,
                                           sizeof(err));
    }
    while (ret == 0 && (ret = lavin_video_read(r, &f, &pts, err, sizeof(err))) == 1)
        ret = lavin_video_write(w, &f, pts, err, sizeof(err));
    if (ret == 0)
        ret = lavin_video_writer_finish(&w, err, sizeof(err));
    lavin_video_writer_abort(&w);
    lavin_video_close(&r);
    lavin_image_free(&f);
    return check(t, ret == 0, "copy %s -> %s%s%s", strrchr(src, '/') + 1, strrchr(dst, '/') + 1,
                 err[0] ? ": " : "", err);
}

/* Each frame's time in seconds, through lavin's reader. */
static int read_times(const char *path, double *times, int max, lavin_video_info *info)
{
    char err[512];
    lavin_video_reader *r = NULL;
    lavin_image f = { 0 };
    int64_t pts;
    int n = 0, ret = lavin_video_open(path, &r, info, err, sizeof(err));
    while (ret == 0 && n < max && (ret = lavin_video_read(r, &f, &pts, err, sizeof(err))) == 1) {
        times[n++] = (double)pts * info->time_base_num / info->time_base_den;
        ret = 0;
    }
    lavin_video_close(&r);
    lavin_image_free(&f);
    return ret < 0 ? -1 : n;
}

/* Frame times equal, within tolerance seconds. */
static void same_times(vt *t, const char *what, const char *a, const char *b, double tolerance)
{
    double ta[64], tb[64], worst = 0;
    lavin_video_info ia, ib;
    int na = read_times(a, ta, 64, &ia), nb = read_times(b, tb, 64, &ib);
    for (int i = 0; i < na && i < nb; i++)
        worst = fabs(ta[i] - tb[i]) > worst ? fabs(ta[i] - tb[i]) : worst;
    check(t, na > 0 && na == nb && worst <= tolerance, "%s: %d -> %d frames, times differ by %.6f s at most (<= %g)",
          what, na, nb, worst, tolerance);
}

/* "h264,aac:eng,mov_text:ger": the codecs of a file's streams, with languages. */
static void stream_list(const char *path, char *out, size_t size)
{
    AVFormatContext *fmt = NULL;
    out[0] = 0;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0) {
        snprintf(out, size, "(unreadable)");
        avformat_close_input(&fmt);
        return;
    }
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVDictionaryEntry *lang = av_dict_get(fmt->streams[i]->metadata, "language", NULL, 0);
        if (lang && !strcmp(lang->value, "und"))
            lang = NULL; /* what MP4 says for no language */
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s%s%s", i ? "," : "",
                 avcodec_get_name(fmt->streams[i]->codecpar->codec_id), lang ? ":" : "", lang ? lang->value : "");
    }
    avformat_close_input(&fmt);
}

static void has_streams(vt *t, const char *path, const char *want)
{
    char got[512];
    stream_list(path, got, sizeof(got));
    check(t, !strcmp(got, want), "%s holds %s (wanted %s)", strrchr(path, '/') + 1, got, want);
}

/* The colour near (x, y) of the first frame, as lavin reads it. */
static int first_frame(const char *path, lavin_image *f, lavin_video_info *info)
{
    char err[512];
    lavin_video_reader *r = NULL;
    int ret = lavin_video_open(path, &r, info, err, sizeof(err));
    if (ret == 0)
        ret = lavin_video_read(r, f, NULL, err, sizeof(err)) == 1 ? 0 : -1;
    lavin_video_close(&r);
    return ret;
}

static int near(const uint8_t *a, const uint8_t *b, int tolerance)
{
    for (int c = 0; c < 3; c++)
        if (abs(a[c] - b[c]) > tolerance)
            return 0;
    return 1;
}

/* Where the stored pixel (u, v) of a w x h picture shows once turned
 * clockwise by rot degrees and then, with flip, mirrored left to right;
 * worked out here on its own, not from lavin's matrix code. */
static void upright_at(int rot, int flip, int w, int h, int u, int v, int *x, int *y)
{
    int W = rot % 180 ? h : w;
    *x = rot == 0 ? u : rot == 90 ? h - 1 - v : rot == 180 ? w - 1 - u : v;
    *y = rot == 0 ? v : rot == 90 ? u : rot == 180 ? h - 1 - v : w - 1 - u;
    if (flip)
        *x = W - 1 - *x;
}

/* The four quadrants' centres of the stored picture, where the upright
 * frame must show them. */
static int quadrants_upright(const lavin_image *f, int rot, int flip, int w, int h)
{
    int ok = 1;
    for (int q = 0; q < 4; q++) {
        int u = (q & 1 ? 3 : 1) * w / 4, v = (q & 2 ? 3 : 1) * h / 4, x, y;
        uint8_t want[3];
        vm_colour(0, u, v, w, h, want);
        upright_at(rot, flip, w, h, u, v, &x, &y);
        ok = ok && near((const uint8_t *)f->data + ((size_t)y * (size_t)f->width + (size_t)x) * 3, want, 24);
    }
    return ok;
}

static void test_rotation(vt *t)
{
    char path[256], out[256], name[64];
    for (int rot = 0; rot < 360; rot += 90)
        for (int flip = 0; flip < 2; flip++) {
            vm_spec s = { .format = "mp4", .width = 48, .height = 32, .frames = 2, .time_base = { 1, 90000 },
                          .fps = { 30, 1 }, .rotation = rot, .hflip = flip };
            snprintf(name, sizeof(name), "turn%d%s.mp4", rot, flip ? "m" : "");
            if (!make(t, tmp_path(t, name, path, sizeof(path)), &s))
                continue;
            lavin_image f = { 0 };
            lavin_video_info info;
            int ok = first_frame(path, &f, &info) == 0;
            int W = rot % 180 ? 32 : 48, H = rot % 180 ? 48 : 32;
            check(t, ok && info.width == W && info.height == H && info.rotation == rot && info.flipped == flip,
                  "%s: upright %dx%d, rotation %d, flipped %d (wanted %dx%d)", name, info.width, info.height,
                  info.rotation, info.flipped, W, H);
            check(t, ok && f.width == W && quadrants_upright(&f, rot, flip, 48, 32),
                  "%s: each quadrant where the display matrix puts it", name);
            lavin_image_free(&f);
            /* what lavin writes stands upright without a matrix */
            snprintf(name, sizeof(name), "turn%d%s.out.mp4", rot, flip ? "m" : "");
            if (!copy(t, path, tmp_path(t, name, out, sizeof(out)), NULL))
                continue;
            ok = first_frame(out, &f, &info) == 0;
            check(t, ok && info.width == W && info.height == H && !info.rotation && !info.flipped &&
                         quadrants_upright(&f, rot, flip, 48, 32),
                  "%s: %dx%d, rotation %d, flipped %d, quadrants upright", name, info.width, info.height,
                  info.rotation, info.flipped);
            lavin_image_free(&f);
        }
}

/* 10 frames at 30 per second, then 10 each 0.2 s after the last, in 1/90000. */
static void vfr_times(int64_t *pts)
{
    for (int k = 0; k < 20; k++)
        pts[k] = k < 10 ? k * 3000 : 27000 + (k - 9) * 18000;
}

static void test_timing(vt *t)
{
    char src[256], dst[256];
    int64_t vfr[20], jitter[20], late[20];
    vfr_times(vfr);
    for (int k = 0; k < 20; k++) {
        jitter[k] = k * 33 + (k * 7) % 5;  /* milliseconds, uneven */
        late[k] = 45000 + vfr[k];           /* starting at 0.5 s */
    }
    /* the case: H.264 and PCM in a MOV, to MP4 (AAC) */
    vm_spec s = { .format = "mov", .width = 48, .height = 32, .frames = 20, .time_base = { 1, 90000 }, .pts = vfr,
                  .side = { { AVMEDIA_TYPE_AUDIO, "pcm_s16le", "eng" } }, .nside = 1 };
    lines log;
    memset(&log, 0, sizeof(log));
    copy_opts with = { .streams = 1, .log = &log };
    if (make(t, tmp_path(t, "vfr.mov", src, sizeof(src)), &s) &&
        copy(t, src, tmp_path(t, "vfr.mp4", dst, sizeof(dst)), &with)) {
        same_times(t, "VFR 1/90000 MOV -> MP4", src, dst, 0);
        has_streams(t, dst, "h264,aac:eng");
        int64_t na, nb;
        double a = -1, b = -1;
        int read = scratch_audio_stats(src, &na, &a) == 0 && scratch_audio_stats(dst, &nb, &b) == 0;
        check(t, read && fabs(a - b) < 0.05, "audio lasts %.3f s -> %.3f s", a, b);
        check(t, log.n[LAVIN_LOG_WARN] == 0 && log.n[LAVIN_LOG_INFO] == 1 &&
                     strstr(log.last[LAVIN_LOG_INFO], "pcm_s16le -> aac"),
              "one info line names the re-encoded audio: %s", log.last[LAVIN_LOG_INFO]);
        copy(t, src, tmp_path(t, "vfr.mov.mov", dst, sizeof(dst)), &with);
        same_times(t, "VFR 1/90000 MOV -> MOV", src, dst, 0);
        has_streams(t, dst, "h264,pcm_s16le:eng");
        copy(t, src, tmp_path(t, "vfr.mkv", dst, sizeof(dst)), &with);
        same_times(t, "VFR 1/90000 MOV -> MKV (milliseconds)", src, dst, 0.0005);
        copy_opts mpeg4 = { .encoder = "mpeg4", .streams = 1 };
        copy(t, src, tmp_path(t, "vfr_mpeg4.mp4", dst, sizeof(dst)), &mpeg4);
        same_times(t, "VFR 1/90000 through MPEG-4 Part 2", src, dst, 0);
    }
    vm_spec ms = { .format = "mp4", .width = 48, .height = 32, .frames = 20, .time_base = { 1, 1000 }, .pts = jitter };
    if (make(t, tmp_path(t, "jitter.mp4", src, sizeof(src)), &ms) &&
        copy(t, src, tmp_path(t, "jitter.out.mp4", dst, sizeof(dst)), NULL))
        same_times(t, "jittered 1/1000 MP4 -> MP4", src, dst, 0);
    vm_spec ntsc = { .format = "avi", .width = 48, .height = 32, .frames = 12, .time_base = { 1001, 30000 },
                     .fps = { 30000, 1001 } };
    if (make(t, tmp_path(t, "ntsc.avi", src, sizeof(src)), &ntsc)) {
        lavin_video_info info;
        double times[16];
        int n = read_times(src, times, 16, &info);
        check(t, n == 12 && info.time_base_num == 1001 && info.time_base_den == 30000,
              "a 1001/30000 time base is read as it is (%d/%d)", info.time_base_num, info.time_base_den);
        if (copy(t, src, tmp_path(t, "ntsc.mp4", dst, sizeof(dst)), NULL))
            same_times(t, "1001/30000 -> MP4", src, dst, 0);
        if (copy(t, src, tmp_path(t, "ntsc.webm", dst, sizeof(dst)), NULL))
            same_times(t, "1001/30000 -> WebM (milliseconds)", src, dst, 0.0005);
    }
    vm_spec start = { .format = "mov", .width = 48, .height = 32, .frames = 20, .time_base = { 1, 90000 },
                      .pts = late, .side = { { AVMEDIA_TYPE_AUDIO, "pcm_s16le", NULL } }, .nside = 1 };
    if (make(t, tmp_path(t, "late.mov", src, sizeof(src)), &start) &&
        copy(t, src, tmp_path(t, "late.mp4", dst, sizeof(dst)), &with))
        same_times(t, "starting at 0.5 s, with audio", src, dst, 0);
}

/* Explicit times, then LAVIN_PTS_NEXT; refused when a time does not move on. */
static void test_next_and_order(vt *t)
{
    char path[256], err[512] = "";
    lavin_video_writer *w = NULL;
    lavin_image f = { 0 };
    lavin_video_output_params p = { .width = 16, .height = 16, .fps_num = 30000, .fps_den = 1001,
                                    .time_base_num = 1, .time_base_den = 90000 };
    int ret = lavin_video_writer_open(tmp_path(t, "next.mp4", path, sizeof(path)), &p, NULL, &w, err, sizeof(err));
    int64_t given[3] = { 9000, 12003, LAVIN_PTS_NEXT };
    if (ret == 0)
        ret = lavin_image_alloc(&f, 16, 16, 3, 8, err, sizeof(err));
    for (int k = 0; k < 3 && ret == 0; k++)
        ret = lavin_video_write(w, &f, given[k], err, sizeof(err));
    int refused = w ? lavin_video_write(w, &f, 12003, err, sizeof(err)) : 0;
    check(t, refused == LAVIN_EINVAL && strstr(err, "next.mp4") && strstr(err, "not after"),
          "a time that does not move on is refused: %s", err);
    if (ret == 0)
        ret = lavin_video_writer_finish(&w, err, sizeof(err));
    lavin_video_writer_abort(&w);
    lavin_image_free(&f);
    double times[4];
    lavin_video_info info;
    int n = ret == 0 ? read_times(path, times, 4, &info) : -1;
    check(t, n == 3 && times[0] == 0.1 && fabs(times[1] - 12003 / 90000.0) < 1e-12 &&
                 fabs(times[2] - (12003 + 3003) / 90000.0) < 1e-12,
          "LAVIN_PTS_NEXT: one average frame (1001/30000 s) after the last%s%s", ret ? ": " : "", ret ? err : "");
}

static void test_streams(vt *t)
{
    char src[256], dst[256];
    vm_spec s = { .format = "matroska", .width = 48, .height = 32, .frames = 12, .time_base = { 1, 1000 },
                  .fps = { 24, 1 }, .nside = 3,
                  .side = { { AVMEDIA_TYPE_AUDIO, "pcm_s16le", "eng" }, { AVMEDIA_TYPE_AUDIO, "pcm_s16le", "fra" },
                            { AVMEDIA_TYPE_SUBTITLE, "subrip", "ger" } } };
    copy_opts with = { .streams = 1 };
    if (make(t, tmp_path(t, "langs.mkv", src, sizeof(src)), &s)) {
        static const struct { const char *name, *want; } outs[] = {
            { "langs.mp4", "h264,aac:eng,aac:fra,mov_text:ger" },
            { "langs.mov", "h264,pcm_s16le:eng,pcm_s16le:fra,mov_text:ger" },
            { "langs.out.mkv", "h264,pcm_s16le:eng,pcm_s16le:fra,subrip:ger" },
            { "langs.webm", "vp9,opus:eng,opus:fra,webvtt:ger" },
        };
        for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
            if (copy(t, src, tmp_path(t, outs[i].name, dst, sizeof(dst)), &with))
                has_streams(t, dst, outs[i].want);
    }
    /* a camera's timecode track: a data stream MP4 cannot hold */
    vm_spec tc = { .format = "mov", .width = 48, .height = 32, .frames = 6, .time_base = { 1, 90000 },
                   .fps = { 25, 1 }, .timecode = "01:00:00:00", .nside = 1,
                   .side = { { AVMEDIA_TYPE_AUDIO, "aac", "spa" } } };
    lines log;
    memset(&log, 0, sizeof(log));
    copy_opts logged = { .streams = 1, .log = &log };
    if (make(t, tmp_path(t, "timecode.mov", src, sizeof(src)), &tc) &&
        copy(t, src, tmp_path(t, "timecode.mp4", dst, sizeof(dst)), &logged)) {
        has_streams(t, dst, "h264,aac:spa");
        check(t, log.n[LAVIN_LOG_WARN] == 1 && strstr(log.last[LAVIN_LOG_WARN], "timecode.mov") &&
                     strstr(log.last[LAVIN_LOG_WARN], "data tmcd") && !strchr(log.last[LAVIN_LOG_WARN], '\n'),
              "one warning names the dropped stream: %s", log.last[LAVIN_LOG_WARN]);
    }
}

static void test_containers(vt *t)
{
    char err[512], path[256];
    static const char *good[] = { "a.mp4", "b.MOV", "dir.x/c.mkv", "d.webm" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        check(t, lavin_video_container_check(good[i], err, sizeof(err)) == 0, "%s is written", good[i]);
    static const char *bad[] = { "clip.avi", "clip", "dir.mp4/clip", "clip.mp4.part", "clip.gif" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int ret = lavin_video_container_check(bad[i], err, sizeof(err));
        check(t, ret == LAVIN_EINVAL && strstr(err, bad[i]) && strstr(err, ".mp4, .mov, .mkv or .webm"),
              "%s is refused in one line: %s", bad[i], err);
    }
    lavin_video_writer *w = NULL;
    lavin_video_output_params p = { .width = 16, .height = 16, .fps_num = 25, .fps_den = 1 };
    int ret = lavin_video_writer_open(tmp_path(t, "x.avi", path, sizeof(path)), &p, NULL, &w, err, sizeof(err));
    check(t, ret == LAVIN_EINVAL && !w && access(path, F_OK) != 0, "the writer refuses x.avi before any file: %s", err);
    /* the fallbacks, where this FFmpeg has the preferred encoders too */
    static const struct { const char *name, *encoder, *codec; } forced[] = {
        { "fallback.mkv", "mpeg4", "mpeg4" },
        { "fallback.webm", "libvpx", "vp8" },
    };
    vm_spec s = { .format = "mp4", .width = 48, .height = 32, .frames = 4, .time_base = { 1, 90000 },
                  .fps = { 25, 1 } };
    char src[256];
    if (!make(t, tmp_path(t, "plain.mp4", src, sizeof(src)), &s))
        return;
    for (size_t i = 0; i < sizeof(forced) / sizeof(forced[0]); i++) {
        copy_opts o = { .encoder = forced[i].encoder };
        if (!avcodec_find_encoder_by_name(forced[i].encoder) ||
            !copy(t, src, tmp_path(t, forced[i].name, path, sizeof(path)), &o))
            continue;
        has_streams(t, path, forced[i].codec);
        same_times(t, forced[i].name, src, path, 0.0005);
    }
}

/* 4:2:0 at an even size, the added column and row repeating the edge. */
static void test_odd_sizes(vt *t)
{
    static const char *encoders[] = { "libx264", "mpeg4", "libvpx-vp9" };
    static const char *names[] = { "odd.mp4", "odd.mkv", "odd.webm" };
    char src[256], path[256];
    vm_spec s = { .format = "mp4", .encoder = "mpeg4", .width = 33, .height = 17, .frames = 3,
                  .time_base = { 1, 90000 }, .fps = { 25, 1 } };
    if (!make(t, tmp_path(t, "odd_in.mp4", src, sizeof(src)), &s))
        return;
    for (int i = 0; i < 3; i++) {
        copy_opts o = { .encoder = encoders[i] };
        if (!avcodec_find_encoder_by_name(encoders[i]) || !copy(t, src, tmp_path(t, names[i], path, sizeof(path)), &o))
            continue;
        AVFormatContext *fmt = NULL;
        int pix = -1, w = 0, h = 0;
        if (avformat_open_input(&fmt, path, NULL, NULL) >= 0 && avformat_find_stream_info(fmt, NULL) >= 0) {
            pix = fmt->streams[0]->codecpar->format;
            w = fmt->streams[0]->codecpar->width;
            h = fmt->streams[0]->codecpar->height;
        }
        avformat_close_input(&fmt);
        check(t, pix == AV_PIX_FMT_YUV420P && w == 34 && h == 18, "%s (%s): 33x17 written %dx%d, 4:2:0 (%d)",
              names[i], encoders[i], w, h, pix);
        lavin_image f = { 0 };
        lavin_video_info info;
        int ok = first_frame(path, &f, &info) == 0 && f.width == 34 && f.height == 18;
        const uint8_t *p = f.data;
        for (int y = 0; ok && y < 18; y += 4)
            ok = near(p + ((size_t)y * 34 + 33) * 3, p + ((size_t)y * 34 + 32) * 3, 16);
        for (int x = 0; ok && x < 34; x += 4)
            ok = near(p + ((size_t)17 * 34 + (size_t)x) * 3, p + ((size_t)16 * 34 + (size_t)x) * 3, 16);
        check(t, ok, "%s: the added column and row repeat the edge", names[i]);
        lavin_image_free(&f);
    }
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A minute of video with PCM audio to MP4 (AAC): what lavin holds must not
 * grow with the length. The audio alone is 10 MiB as PCM. */
static void test_flat_memory(vt *t)
{
    char src[256], dst[256], err[1024] = "";
    vm_spec s = { .format = "mov", .width = 64, .height = 48, .frames = 1800, .time_base = { 1, 30 },
                  .fps = { 30, 1 }, .nside = 1, .side = { { AVMEDIA_TYPE_AUDIO, "pcm_s16le", NULL } } };
    if (!make(t, tmp_path(t, "long.mov", src, sizeof(src)), &s))
        return;
    lavin_video_reader *r = NULL;
    lavin_video_writer *w = NULL;
    lavin_video_info in;
    lavin_image f = { 0 };
    int64_t pts;
    long early = 0;
    int n = 0, ret = lavin_video_open(src, &r, &in, err, sizeof(err));
    if (ret == 0) {
        lavin_video_output_params p = { .width = in.width, .height = in.height, .fps_num = in.fps_num,
                                        .fps_den = in.fps_den, .time_base_num = in.time_base_num,
                                        .time_base_den = in.time_base_den, .streams_from = src };
        ret = lavin_video_writer_open(tmp_path(t, "long.mp4", dst, sizeof(dst)), &p, NULL, &w, err, sizeof(err));
    }
    while (ret == 0 && (ret = lavin_video_read(r, &f, &pts, err, sizeof(err))) == 1) {
        ret = lavin_video_write(w, &f, pts, err, sizeof(err));
        if (++n == 300)
            early = peak_kib();
    }
    if (ret == 0)
        ret = lavin_video_writer_finish(&w, err, sizeof(err));
    long late = peak_kib();
    lavin_video_writer_abort(&w);
    lavin_video_close(&r);
    lavin_image_free(&f);
    check(t, ret == 0 && n == 1800 && late - early < 6 * 1024,
          "a minute of video: peak memory %ld KiB after 10 s, %ld KiB after 60 s%s%s", early, late, ret ? ": " : "",
          err);
}


int main(int argc, char **argv)
{
    vt t = { .verbose = argc > 1 && !strcmp(argv[1], "-v") };
    /* a test program: FFmpeg's own chatter would bury the results */
    av_log_set_level(AV_LOG_QUIET);
    snprintf(t.tmp_dir, sizeof(t.tmp_dir), "/tmp/lavin_videos_XXXXXX");
    if (!mkdtemp(t.tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_rotation(&t);
    test_timing(&t);
    test_next_and_order(&t);
    test_streams(&t);
    test_containers(&t);
    test_odd_sizes(&t);
    test_flat_memory(&t);
    check(&t, scratch_count(t.tmp_dir, ".tmp-") == 0, "no temp files left behind");
    scratch_remove(t.tmp_dir);
    printf("videos: %d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
