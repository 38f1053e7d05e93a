/* lavin_clip_stream against a reference computed here from the session's
 * own clips (lavin_session_run_clip() on each clip's frames): the clips a
 * video of N frames gets at a stride, each fitted in scale and shift to the
 * average so far on the frames it shares with it, the fit fading by 1/16 a
 * frame after them, and averaged in with the weights min(j + 1, T - j).
 * The reference works on the answers' values in double, the stream on
 * their 8-bit pictures, so they agree to a few levels of 255. Then the
 * pts, a video shorter than a clip, an empty one, and the refusals. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_test.h"

#define W 40
#define H 24
#define MAX_FRAMES 16

/* Frame i of a moving pattern with noise from a fixed LCG. */
static void make_frames(lavin_picture *f, uint8_t *data, int n)
{
    uint32_t r = 12345;
    for (int i = 0; i < n; i++) {
        uint8_t *d = data + (size_t)i * W * H * 3;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++) {
                    r = r * 1664525u + 1013904223u;
                    int v = ((x + 2 * i) * 5 + y * (3 + c) + (int)(r >> 28)) & 255;
                    d[(y * W + x) * 3 + c] = (uint8_t)(x > W / 3 && x < W / 2 + i ? 255 - v / 3 : v);
                }
        f[i] = (lavin_picture){ W, H, 3, 8, W * 3, d };
    }
}

/* The session's clip-task answers, as the reference sees them. */
typedef struct ref_video {
    double sum[MAX_FRAMES][W * H], weight[MAX_FRAMES];
} ref_video;

/* Adds the clip at start (n frames) to v: fitted on the m frames already
 * covered, added to the frames from `from` on. */
static int ref_clip(lavin_session *s, const lavin_picture *f, ref_video *v, int start, int n, int m,
                    int from)
{
    lavin_answer a[MAX_FRAMES];
    if (lavin_session_run_clip(s, f + start, n, a) < 0)
        return -1;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, cnt = (double)m * W * H;
    for (int j = 0; j < m; j++)
        for (int p = 0; p < W * H; p++) {
            double x = a[j].values[p], y = v->sum[start + j][p] / v->weight[start + j];
            sx += x, sy += y, sxx += x * x, sxy += x * y;
        }
    double mx = m ? sx / cnt : 0, my = m ? sy / cnt : 0, var = m ? sxx / cnt - mx * mx : 0;
    double cov = m ? sxy / cnt - mx * my : 0, sc = var > 1e-12 && cov > 0 ? cov / var : 1.0, sh = my - sc * mx;
    for (int j = 0; j < n; j++) {
        double keep = m == 0 ? 0.0 : j < m ? 1.0 : pow(15.0 / 16.0, j - m + 1), w = j + 1 < n - j ? j + 1 : n - j;
        for (int p = 0; p < W * H && start + j >= from; p++) {
            double x = (1.0 + (sc - 1.0) * keep) * a[j].values[p] + sh * keep;
            v->sum[start + j][p] += w * (x < 0 ? 0 : x > 1 ? 1 : x);
        }
        v->weight[start + j] += start + j >= from ? w : 0;
        lavin_answer_free(&a[j]);
    }
    return 0;
}

/* The reference answers of n frames at stride S (clips of T frames). */
static int reference(lavin_session *s, const lavin_picture *f, int n, int T, int S, ref_video *v)
{
    memset(v, 0, sizeof(*v));
    int start = 0, covered = 0;
    for (; start + T <= n; start += S, covered = start - S + T)
        if (ref_clip(s, f, v, start, T, covered > start ? covered - start : 0, 0) < 0)
            return -1;
    if (covered < n && n < T)
        return ref_clip(s, f, v, 0, n, 0, 0);
    if (covered < n)
        return ref_clip(s, f, v, n - T, T, covered - (n - T), start);
    return 0;
}

/* Pushes n frames and the end through a stream at stride, pulling as it
 * goes; the answers' values into got, their pts checked. */
static int stream(api_test *t, lavin_session *s, const lavin_picture *f, int n, int stride, float (*got)[W * H],
                  int *clips)
{
    lavin_clip_stream *c = NULL;
    int ret = lavin_clip_stream_open(s, stride, &c), pulled = 0, pts_ok = 1;
    *clips = 0;
    for (int i = 0; ret >= 0 && i <= n; i++) {
        ret = lavin_clip_stream_push(c, i < n ? &f[i] : NULL, 1000 + 7 * i);
        *clips += ret > 0;
        lavin_answer a;
        int64_t pts;
        while (ret >= 0 && (ret = lavin_clip_stream_pull(c, &a, &pts)) > 0) {
            pts_ok &= pts == 1000 + 7 * pulled && a.width == W && a.height == H;
            if (pulled < MAX_FRAMES)
                memcpy(got[pulled], a.values, sizeof(got[0]));
            pulled++;
            lavin_answer_free(&a);
        }
    }
    lavin_clip_stream_close(&c);
    check(t, ret >= 0 && pulled == n && pts_ok && !c, "a clip stream answers every frame with its pts",
          "%d frames, stride %d: %d answers (%s)", n, stride, pulled, ret < 0 ? lavin_context_error(t->ctx) : "");
    return ret >= 0 && pulled == n ? 0 : -1;
}

static void against_reference(api_test *t, lavin_session *s, const lavin_picture *f, int n, int stride, int S,
                              int want_clips)
{
    ref_video *v = malloc(sizeof(*v));
    float(*got)[W * H] = malloc(MAX_FRAMES * sizeof(*got));
    int clips;
    if (v && got && stream(t, s, f, n, stride, got, &clips) == 0 && reference(s, f, n, 5, S, v) == 0) {
        double worst = 0, mean = 0;
        for (int i = 0; i < n; i++)
            for (int p = 0; p < W * H; p++) {
                double e = fabs(got[i][p] - v->sum[i][p] / v->weight[i]);
                worst = e > worst ? e : worst;
                mean += e / ((double)n * W * H);
            }
        /* Two roundings to 8 bits (the fit, the average) part them. */
        check(t, clips == want_clips && worst < 2.5 / 255 && mean < 0.5 / 255,
              "a clip stream averages its aligned clips as the reference does",
              "%d frames at stride %d: %d clips, values off by %.4f at most, %.5f in the mean", n, S, clips, worst,
              mean);
    }
    free(v);
    free(got);
}

/* A video shorter than a clip is that clip, exactly. */
static void short_video(api_test *t, lavin_session *s, const lavin_picture *f)
{
    float(*got)[W * H] = malloc(MAX_FRAMES * sizeof(*got));
    lavin_answer a[3];
    int clips, same = 1;
    if (got && stream(t, s, f, 3, 0, got, &clips) == 0 && lavin_session_run_clip(s, f, 3, a) == 0) {
        for (int i = 0; i < 3; i++) {
            same &= !memcmp(got[i], a[i].values, sizeof(got[0]));
            lavin_answer_free(&a[i]);
        }
        check(t, clips == 1 && same, "three frames are one clip, its answers as they are", "%d clips", clips);
        check(t, stream(t, s, f, 0, 0, got, &clips) == 0 && clips == 0, "an empty video has no clip and no answer",
              NULL);
    }
    free(got);
}

static void refusals(api_test *t, lavin_session *s, const lavin_picture *f)
{
    lavin_clip_stream *c = NULL;
    int ret = lavin_clip_stream_open(s, 5, &c);
    check(t, ret == LAVIN_EINVAL && !c && strstr(lavin_context_error(t->ctx), "clip stride 5: 1 to 4"),
          "stride 5 is refused for five-frame clips", "%s", lavin_context_error(t->ctx));
    ret = lavin_clip_stream_open(s, -1, &c);
    check(t, ret == LAVIN_EINVAL && !c, "a negative stride is refused", NULL);
    if (lavin_clip_stream_open(s, 4, &c) < 0)
        return;
    for (int i = 0; i < 5; i++)
        lavin_clip_stream_push(c, &f[i], i);
    ret = lavin_clip_stream_push(c, &f[5], 5);
    check(t, ret == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "pull the 4 answers ready first"),
          "a push with answers waiting is refused", "%s", lavin_context_error(t->ctx));
    lavin_answer a;
    while (lavin_clip_stream_pull(c, &a, NULL) > 0)
        lavin_answer_free(&a);
    lavin_picture small = f[5];
    small.width = W - 2;
    ret = lavin_clip_stream_push(c, &small, 5);
    check(t, ret == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "frame 5 is 38x24, the frames before it 40x24"),
          "a frame of another size is refused", "%s", lavin_context_error(t->ctx));
    ret = lavin_clip_stream_push(c, &f[5], 5);
    check(t, ret == 0, "the stream goes on after it", "%s", ret < 0 ? lavin_context_error(t->ctx) : "");
    ret = lavin_clip_stream_push(c, NULL, 0);
    int n = 0;
    while (lavin_clip_stream_pull(c, &a, NULL) > 0)
        n += (lavin_answer_free(&a), 1);
    check(t, ret == 1 && n == 2, "the end runs the last clip and frees the last answers", "%d, %d", ret, n);
    ret = lavin_clip_stream_push(c, &f[6], 6);
    check(t, ret == LAVIN_EINVAL && strstr(lavin_context_error(t->ctx), "ended"), "a push after the end is refused",
          "%s", lavin_context_error(t->ctx));
    lavin_clip_stream_close(&c);

    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.pairs = 1;
    sp.steps = 2;
    lavin_session *pictures = NULL;
    if (lavin_session_create(t->model, &sp, &pictures) < 0)
        return;
    ret = lavin_clip_stream_open(pictures, 0, &c);
    check(t, ret == LAVIN_EINVAL && !c && strstr(lavin_context_error(t->ctx), "picture session"),
          "a picture session has no clip stream", "%s", lavin_context_error(t->ctx));
    lavin_session_destroy(&pictures);
}

void test_clip_stream(api_test *t)
{
    printf("clip stream:\n");
    uint8_t *data = malloc(MAX_FRAMES * W * H * 3);
    lavin_picture f[MAX_FRAMES];
    if (!data)
        return;
    make_frames(f, data, MAX_FRAMES);
    lavin_session_params sp;
    lavin_session_params_default(&sp);
    sp.context = "depth-clip";
    sp.clips = 1;
    sp.pairs = 1;
    sp.steps = 2;
    sp.width = sp.height = 32;
    lavin_session *s = NULL;
    int ret = lavin_session_create(t->model, &sp, &s);
    check(t, ret == 0, "a depth-clip session", "%s", ret ? lavin_context_error(t->ctx) : "");
    /* 12 frames at stride 2 (the default): clips at 0, 2, 4, 6 and the last
     * five frames; 11 at stride 4: 0, 4 and the last five; 13 at stride 1:
     * nine clips, the last ending on the last frame. */
    if (ret == 0) {
        against_reference(t, s, f, 12, 0, 2, 5);
        against_reference(t, s, f, 11, 4, 4, 3);
        against_reference(t, s, f, 13, 1, 1, 9);
        short_video(t, s, f);
        refusals(t, s, f);
    }
    lavin_session_destroy(&s);
    free(data);
}
