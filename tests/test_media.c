/* Images and video through FFmpeg; needs no GPU.
 * usage: test_media DATA_DIR [-v] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavformat/avformat.h>

#include "media/image.h"
#include "media/video.h"
#include "tests/scratch.h"

typedef struct mt {
    const char *data_dir;
    char tmp_dir[64];
    scratch_tally tally;
    uint64_t rng;
} mt;

static int check(mt *t, const char *what, int ok)
{
    return scratch_check(&t->tally, what, ok);
}

static uint32_t rnd(mt *t)
{
    return (uint32_t)(scratch_xorshift(&t->rng) >> 16);
}

static const char *tmp_path(mt *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->tmp_dir, name);
    return buf;
}

static const char *data_path(mt *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->data_dir, name);
    return buf;
}

static int write_bytes(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = size && fwrite(data, 1, size, f) != size;
    return fclose(f) || bad ? -1 : 0;
}



/* A failure must come with a message that names the file. */
static void rejects(mt *t, const char *what, int ret, const char *err, const char *path)
{
    char line[1024];
    const char *slash = strrchr(path, '/');
    int ok = ret < 0 && strstr(err, slash ? slash + 1 : path) && !strchr(err, '\n');
    snprintf(line, sizeof(line), "%s: rejected with a message naming the file (ret %d: %s)", what, ret, err);
    check(t, line, ok);
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++)
        se += (double)((int)a[i] - (int)b[i]) * ((int)a[i] - (int)b[i]);
    return se == 0 ? 99.0 : 10.0 * log10(255.0 * 255.0 * (double)n / se);
}

static void test_png(mt *t, int w, int h, int channels, int depth)
{
    char err[512], path[256], what[1024], name[64];
    snprintf(name, sizeof(name), "img_%dx%d_c%d_d%d.png", w, h, channels, depth);
    tmp_path(t, name, path, sizeof(path));
    snprintf(what, sizeof(what), "png %dx%d %s %d-bit", w, h, channels == 1 ? "gray" : "rgb", depth);
    lavin_image src = { 0 }, got = { 0 };
    if (!check(t, what, lavin_image_alloc(&src, w, h, channels, depth, err, sizeof(err)) == 0))
        return;
    size_t n = (size_t)w * (size_t)h * (size_t)channels;
    for (size_t i = 0; i < n; i++) {
        if (depth == 8)
            ((uint8_t *)src.data)[i] = (uint8_t)rnd(t);
        else
            ((uint16_t *)src.data)[i] = (uint16_t)rnd(t);
    }
    int ret = lavin_image_write_png(path, &src, err, sizeof(err));
    if (check(t, what, ret == 0) && check(t, what, lavin_image_read(path, &got, err, sizeof(err)) == 0)) {
        int ok = got.width == w && got.height == h && got.channels == 3 && got.depth == 8;
        /* 16-bit samples read back as round(v * 255 / 65535); gray is replicated */
        for (size_t p = 0; ok && p < (size_t)w * (size_t)h; p++)
            for (int c = 0; c < 3; c++) {
                size_t s = p * (size_t)channels + (size_t)(channels == 1 ? 0 : c);
                unsigned v = depth == 8 ? ((uint8_t *)src.data)[s] : ((uint16_t *)src.data)[s];
                unsigned want = depth == 8 ? v : (v * 255u + 32767u) / 65535u;
                ok = ok && ((uint8_t *)got.data)[p * 3 + (size_t)c] == want;
            }
        check(t, what, ok);
    }
    if (ret)
        printf("     %s\n", err);
    lavin_image_free(&src);
    lavin_image_free(&got);
    lavin_image_free(&got);   /* twice: must be safe */
}

static void test_stills(mt *t)
{
    char err[512], path[256], what[1024];
    lavin_image ref = { 0 }, img = { 0 };
    int ok = lavin_image_read(data_path(t, "tiny_ref.png", path, sizeof(path)), &ref, err, sizeof(err)) == 0;
    if (!check(t, "read tiny_ref.png", ok && ref.width == 33 && ref.height == 17)) {
        printf("     %s\n", err);
        return;
    }
    static const struct { const char *name; double min_psnr; } files[] = {
        { "tiny.jpg", 22.0 },
        { "tiny.webp", 45.0 },     /* lossless */
        { "tiny_rgba64.png", 45.0 }, /* ffmpeg widened by v << 8, not v * 257: off by <= 1 */
        { "tiny_pal8.png", 30.0 },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        int r = lavin_image_read(data_path(t, files[i].name, path, sizeof(path)), &img, err, sizeof(err));
        double q = r == 0 && img.width == 33 && img.height == 17 ? psnr(img.data, ref.data, 33 * 17 * 3) : 0;
        snprintf(what, sizeof(what), "read %s: 33x17, PSNR %.1f dB against the PNG (>= %.0f)%s%s", files[i].name,
                 q, files[i].min_psnr, r ? ": " : "", r ? err : "");
        check(t, what, q >= files[i].min_psnr);
        lavin_image_free(&img);
    }
    int r = lavin_image_read(data_path(t, "tiny_ya8.png", path, sizeof(path)), &img, err, sizeof(err));
    int gray = r == 0 && img.width == 33 && img.height == 17;
    for (size_t i = 0; gray && i < 33 * 17 * 3; i += 3) {
        const uint8_t *p = (const uint8_t *)img.data + i;
        gray = p[0] == p[1] && p[1] == p[2];
    }
    check(t, "read tiny_ya8.png: gray + alpha comes back as R = G = B", gray);
    lavin_image_free(&img);
    lavin_image_free(&ref);
}

/* Smooth moving gradients, a different phase per run. */
static void fill_frame(lavin_image *f, int k, int phase)
{
    uint8_t *p = f->data;
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++, p += 3) {
            double u = (double)x / f->width, v = (double)y / f->height, s = (k + phase) * 0.15;
            p[0] = (uint8_t)(128 + 100 * sin(6.0 * u + s));
            p[1] = (uint8_t)(128 + 100 * cos(5.0 * v - s));
            p[2] = (uint8_t)(128 + 90 * sin(3.0 * (u + v) + 2 * s));
        }
}

/* The w x h picture at the top left of img repeated into img's last column
 * and row, as the writer pads odd sizes. */
static void pad_copy(lavin_image *img, int w, int h)
{
    uint8_t *p = img->data;
    size_t W = (size_t)img->width, H = (size_t)img->height;
    /* from the bottom up, so rows move without overwriting their source */
    for (size_t y = H; y-- > 0;) {
        size_t sy = y < (size_t)h ? y : (size_t)h - 1;
        for (size_t x = W; x-- > 0;) {
            size_t sx = x < (size_t)w ? x : (size_t)w - 1;
            memmove(p + (y * W + x) * 3, p + (sy * (size_t)w + sx) * 3, 3);
        }
    }
}

static int write_video(mt *t, const char *path, int w, int h, int fn, int fd, int frames, const char *audio,
                       const char *encoder, char *err, size_t err_size)
{
    lavin_video_writer *vw = NULL;
    lavin_image f = { 0 };
    int phase = (int)(rnd(t) % 50);
    lavin_video_output_params p = { .width = w, .height = h, .fps_num = fn, .fps_den = fd, .streams_from = audio };
    int ret = lavin_video_writer_open_with(path, &p, encoder, NULL, &vw, err, err_size);
    if (ret == 0)
        ret = lavin_image_alloc(&f, w, h, 3, 8, err, err_size);
    for (int k = 0; k < frames && ret == 0; k++) {
        fill_frame(&f, k, phase);
        ret = lavin_video_write(vw, &f, LAVIN_PTS_NEXT, err, err_size);
    }
    if (ret == 0)
        ret = lavin_video_writer_finish(&vw, err, err_size);
    else
        lavin_video_writer_abort(&vw);
    lavin_image_free(&f);
    return ret;
}

static void test_video_roundtrip(mt *t, int w, int h, int fn, int fd, const char *encoder)
{
    char err[512], path[256], what[1024], name[96];
    const int frames = 13;
    snprintf(name, sizeof(name), "v_%dx%d_%d_%d_%s.mp4", w, h, fn, fd, encoder ? encoder : "auto");
    tmp_path(t, name, path, sizeof(path));
    uint64_t rng_before = t->rng;
    int ret = write_video(t, path, w, h, fn, fd, frames, NULL, encoder, err, sizeof(err));
    snprintf(what, sizeof(what), "write %s%s%s", name, ret ? ": " : "", ret ? err : "");
    if (!check(t, what, ret == 0))
        return;
    uint64_t rng_after = t->rng;
    t->rng = rng_before;
    int phase = (int)(rnd(t) % 50);
    t->rng = rng_after;

    lavin_video_reader *r = NULL;
    lavin_video_info info;
    /* 4:2:0 needs even sizes: odd ones gain a column or row */
    int ew = w + (w & 1), eh = h + (h & 1);
    ret = lavin_video_open(path, &r, &info, err, sizeof(err));
    snprintf(what, sizeof(what), "open %s: %dx%d %d/%d fps %lld frames, audio %d%s%s", name, info.width,
             info.height, info.fps_num, info.fps_den, (long long)info.frames, info.has_audio, ret ? ": " : "",
             ret ? err : "");
    if (!check(t, what, ret == 0 && info.width == ew && info.height == eh && info.fps_num == fn &&
                            info.fps_den == fd && info.frames == frames && !info.has_audio)) {
        lavin_video_close(&r);
        return;
    }
    lavin_image got = { 0 }, want = { 0 };
    lavin_image_alloc(&want, ew, eh, 3, 8, err, sizeof(err));
    lavin_image_alloc(&got, ew, eh, 3, 8, err, sizeof(err));
    int n = 0;
    double worst = 99;
    while ((ret = lavin_video_read(r, &got, NULL, err, sizeof(err))) == 1) {
        /* the padding repeats the last column and row */
        want.width = w;
        want.height = h;
        fill_frame(&want, n++, phase);
        want.width = ew;
        want.height = eh;
        pad_copy(&want, w, h);
        double q = psnr(got.data, want.data, (size_t)ew * (size_t)eh * 3);
        worst = q < worst ? q : worst;
    }
    snprintf(what, sizeof(what), "read %s: %d frames, worst PSNR %.1f dB (> 30)%s%s", name, n, worst,
             ret ? ": " : "", ret ? err : "");
    check(t, what, ret == 0 && n == frames && worst > 30);
    check(t, "read after the end returns 0 again", lavin_video_read(r, &got, NULL, err, sizeof(err)) == 0);
    lavin_image small = { 0 };
    lavin_image_alloc(&small, ew + 1, eh, 3, 8, err, sizeof(err));
    lavin_video_close(&r);
    /* a frame buffer of the wrong size is refused, not overrun */
    if (lavin_video_open(path, &r, &info, err, sizeof(err)) == 0)
        rejects(t, "read into a wrong-size frame", lavin_video_read(r, &small, NULL, err, sizeof(err)), err, path);
    lavin_video_close(&r);
    lavin_video_close(&r);   /* twice: must be safe */
    lavin_image_free(&small);
    lavin_image_free(&got);
    lavin_image_free(&want);
}

static void test_audio_copy(mt *t)
{
    char err[512], src[256], path[256], what[1024];
    data_path(t, "av.mp4", src, sizeof(src));
    tmp_path(t, "with_audio.mp4", path, sizeof(path));
    int ret = write_video(t, path, 64, 48, 10, 1, 10, src, NULL, err, sizeof(err));
    snprintf(what, sizeof(what), "write with audio_from av.mp4%s%s", ret ? ": " : "", ret ? err : "");
    if (!check(t, what, ret == 0))
        return;
    lavin_video_reader *r = NULL;
    lavin_video_info info = { 0 };
    ret = lavin_video_open(path, &r, &info, err, sizeof(err));
    check(t, "the copy has audio", ret == 0 && info.has_audio && info.frames == 10);
    lavin_video_close(&r);
    int64_t n_src = 0, n_out = 0;
    double d_src = 0, d_out = 0;
    int ok = scratch_audio_stats(src, &n_src, &d_src) == 0 && scratch_audio_stats(path, &n_out, &d_out) == 0;
    snprintf(what, sizeof(what), "audio packets %lld -> %lld, duration %.4f -> %.4f s", (long long)n_src,
             (long long)n_out, d_src, d_out);
    check(t, what, ok && n_src > 0 && n_src == n_out && fabs(d_src - d_out) < 1e-3);

    lavin_video_writer *w = NULL;
    tmp_path(t, "no_such_source.mp4", src, sizeof(src));
    lavin_video_output_params p = { .width = 64, .height = 48, .fps_num = 10, .fps_den = 1, .streams_from = src };
    rejects(t, "streams_from a missing file", lavin_video_writer_open(path, &p, NULL, &w, err, sizeof(err)), err,
            src);
    check(t, "failed open returns no writer", w == NULL);
}

static void bad_video(mt *t, const char *what, const char *path)
{
    char err[512] = "", line[256];
    lavin_video_reader *r = NULL;
    lavin_image f = { 0 };
    int ret = lavin_video_open(path, &r, NULL, err, sizeof(err));
    int frames = 0;
    while (ret == 0 && (ret = lavin_video_read(r, &f, NULL, err, sizeof(err))) == 1) {
        frames++;
        ret = 0;
    }
    snprintf(line, sizeof(line), "video %s (after %d frames)", what, frames);
    rejects(t, line, ret, err, path);
    lavin_video_close(&r);
    lavin_image_free(&f);
}

static void bad_image(mt *t, const char *what, const char *path)
{
    char err[512] = "", line[256];
    lavin_image img = { 0 };
    snprintf(line, sizeof(line), "image %s", what);
    int ret = lavin_image_read(path, &img, err, sizeof(err));
    rejects(t, line, ret, err, path);
    check(t, "failed read leaves the image empty", img.data == NULL);
    lavin_image_free(&img);
}

static void test_bad_input(mt *t)
{
    char path[256], good[256];
    tmp_path(t, "missing.mp4", path, sizeof(path));
    bad_video(t, "missing file", path);
    bad_image(t, "missing file", path);

    tmp_path(t, "empty.png", path, sizeof(path));
    write_bytes(path, "", 0);
    bad_video(t, "empty file", path);
    bad_image(t, "empty file", path);

    uint8_t junk[3000];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)rnd(t);
    tmp_path(t, "garbage.mp4", path, sizeof(path));
    write_bytes(path, junk, sizeof(junk));
    bad_video(t, "garbage bytes", path);
    bad_image(t, "garbage bytes", path);

    tmp_path(t, "text.png", path, sizeof(path));
    const char *text = "this is not a picture\n";
    write_bytes(path, text, strlen(text));
    bad_image(t, "text named .png", path);
    bad_video(t, "text named .png", path);

    data_path(t, "audio_only.m4a", path, sizeof(path));
    bad_video(t, "audio only", path);
    bad_image(t, "audio only", path);

    /* the first half of a valid file: moov is at the end, then the other way
     * round (faststart-like) cut inside the media data */
    char err[512];
    tmp_path(t, "whole.mp4", good, sizeof(good));
    if (!check(t, "write whole.mp4", write_video(t, good, 48, 32, 12, 1, 13, NULL, NULL, err, sizeof(err)) == 0))
        return;
    FILE *f = fopen(good, "rb");
    static uint8_t buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f)
        fclose(f);
    tmp_path(t, "half.mp4", path, sizeof(path));
    write_bytes(path, buf, n / 2);
    bad_video(t, "truncated to half", path);
    bad_image(t, "truncated to half", path);

    /* index first: the cut is only found when the frames run out */
    f = fopen(data_path(t, "faststart.mp4", good, sizeof(good)), "rb");
    n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f)
        fclose(f);
    lavin_video_reader *r = NULL;
    lavin_image img = { 0 };
    int frames = 0, ret = lavin_video_open(good, &r, NULL, err, sizeof(err));
    while (ret == 0 && (ret = lavin_video_read(r, &img, NULL, err, sizeof(err))) == 1) {
        frames++;
        ret = 0;
    }
    lavin_video_close(&r);
    lavin_image_free(&img);
    char what[1024];
    snprintf(what, sizeof(what), "faststart.mp4 reads whole: %d frames (10)%s%s", frames, ret ? ": " : "",
             ret ? err : "");
    check(t, what, ret == 0 && frames == 10);
    tmp_path(t, "cut.mp4", path, sizeof(path));
    write_bytes(path, buf, n - 120);
    bad_video(t, "faststart without its last 120 bytes", path);
}

static void test_writer_failures(mt *t)
{
    char err[512], path[256];
    lavin_video_writer *w = NULL;
    tmp_path(t, "no_such_dir/out.mp4", path, sizeof(path));
    lavin_video_output_params p = { .width = 16, .height = 16, .fps_num = 10, .fps_den = 1 };
    rejects(t, "writer into a missing folder", lavin_video_writer_open(path, &p, NULL, &w, err, sizeof(err)), err,
            path);
    check(t, "nothing written there", w == NULL && !scratch_exists(path));

    lavin_image img = { 0 };
    lavin_image_alloc(&img, 5, 3, 3, 8, err, sizeof(err));
    rejects(t, "PNG into a missing folder", lavin_image_write_png(path, &img, err, sizeof(err)), err, path);

    tmp_path(t, "aborted.mp4", path, sizeof(path));
    int ret = lavin_video_writer_open(path, &p, NULL, &w, err, sizeof(err));
    lavin_image f = { 0 };
    lavin_image_alloc(&f, 16, 16, 3, 8, err, sizeof(err));
    for (int k = 0; k < 3 && ret == 0; k++)
        ret = lavin_video_write(w, &f, LAVIN_PTS_NEXT, err, sizeof(err));
    rejects(t, "a frame of the wrong size", w ? lavin_video_write(w, &img, LAVIN_PTS_NEXT, err, sizeof(err)) : -1,
            err, path);
    lavin_video_writer_abort(&w);
    lavin_video_writer_abort(&w);   /* twice: must be safe */
    check(t, "abort leaves no file", ret == 0 && !scratch_exists(path) && scratch_count(t->tmp_dir, ".tmp-") == 0);
    lavin_image_free(&f);
    lavin_image_free(&img);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA_DIR [-v]\n", argv[0]);
        return 2;
    }
    mt t = { .data_dir = argv[1], .tally.verbose = argc > 2 && !strcmp(argv[2], "-v"), .rng = 0x9e3779b97f4a7c15ull };
    snprintf(t.tmp_dir, sizeof(t.tmp_dir), "/tmp/lavin_media_XXXXXX");
    if (!mkdtemp(t.tmp_dir)) {
        perror("mkdtemp");
        return 1;
    }
    static const int sizes[][2] = { { 1, 1 }, { 7, 5 }, { 33, 17 } };
    for (size_t s = 0; s < 3; s++)
        for (int c = 1; c <= 3; c += 2)
            for (int d = 8; d <= 16; d += 8)
                test_png(&t, sizes[s][0], sizes[s][1], c, d);
    test_stills(&t);
    test_video_roundtrip(&t, 48, 32, 12, 1, NULL);
    test_video_roundtrip(&t, 48, 32, 24000, 1001, NULL);
    test_video_roundtrip(&t, 33, 17, 12, 1, NULL);
    test_video_roundtrip(&t, 1, 1, 12, 1, NULL);
    test_video_roundtrip(&t, 48, 32, 24000, 1001, "mpeg4");
    test_video_roundtrip(&t, 33, 17, 25, 1, "mpeg4");
    test_audio_copy(&t);
    test_bad_input(&t);
    test_writer_failures(&t);
    check(&t, "no temp files left behind", scratch_count(t.tmp_dir, ".tmp-") == 0);
    scratch_remove(t.tmp_dir);
    printf("media: %d passed, %d failed\n", t.tally.passed, t.tally.failed);
    return t.tally.failed ? 1 : 0;
}
