/* Clip streams: a video of any length answered in overlapping clips, each
 * put on the scale of the answers so far and averaged into them
 * (overlap-add), so that no frame changes much where one clip gives way to
 * the next (include/lavin/session.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/error.h"

/* The fit on the shared frames fades by this much per frame after them: a
 * time constant of 16 frames, long against the clips' few frames, so the
 * answers keep the scale of the ones before (a faster fade moves the scale
 * of every frame, which reads as flicker), yet over a long video follow
 * the clips' own normalisation rather than drift from it. */
#define FADE (1.0 / 16.0)

/* Frame f lives in slot f % T: a clip needs T frames, and every answer
 * outside the next clip's frames has been pulled before a frame is pushed. */
typedef struct slot {
    lavin_picture frame;
    int64_t pts;
    float *sum;    /* the clips' weighted RGB samples (LABELS: the heaviest clip's), width * height * 3 */
    double weight; /* their weights' sum (LABELS: the heaviest) */
} slot;

struct lavin_clip_stream {
    lavin_session *s;
    lavin_context *ctx;
    int T, stride;
    /* Frames pushed, the first frame of the next clip, the end of the last
     * clip's frames, the frames whose answers are final, frames pulled. */
    int64_t pushed, next, covered, final, pulled;
    int ended, failed;
    lavin_answer like; /* task, kind, size and palette of the answers; no data */
    slot *slots;
};

int lavin_clip_stream_open(lavin_session *s, int stride, lavin_clip_stream **out)
{
    int clips, T = lavin_session_clip_frames(s), most = T > 1 ? T - 1 : 1;
    lavin_context *ctx = lavin_api_session_context(s, &clips);
    *out = NULL;
    if (!clips)
        return lavin_api_return(ctx, lavin_err(ctx, LAVIN_EINVAL, "clip stream: a picture session answers "
                                                                  "pictures (lavin_session_run)"));
    if (stride < 0 || stride > most)
        return lavin_api_return(ctx, lavin_err(ctx, LAVIN_EINVAL, "clip stride %d: 1 to %d for clips of %d frames",
                                               stride, most, T));
    lavin_clip_stream *c = calloc(1, sizeof(*c));
    if (c)
        c->slots = calloc((size_t)T, sizeof(*c->slots));
    if (!c || !c->slots) {
        free(c);
        return lavin_api_return(ctx, lavin_err(ctx, LAVIN_ENOMEM, "out of host memory"));
    }
    c->s = s;
    c->ctx = ctx;
    c->T = T;
    c->stride = stride ? stride : (T - 1) / 2 ? (T - 1) / 2 : 1;
    *out = c;
    return 0;
}

void lavin_clip_stream_close(lavin_clip_stream **c)
{
    if (!c || !*c)
        return;
    for (int i = 0; i < (*c)->T; i++) {
        lavin_picture_free(&(*c)->slots[i].frame);
        free((*c)->slots[i].sum);
    }
    free((*c)->slots);
    free(*c);
    *c = NULL;
}

static slot *at(lavin_clip_stream *c, int64_t f)
{
    return &c->slots[f % c->T];
}

/* Frame f's answer as the stream has it now: the average of its clips. */
static int current(lavin_clip_stream *c, int64_t f, lavin_answer *out)
{
    const slot *sl = at(c, f);
    lavin_image rgb = { 0 };
    char err[256];
    size_t n = (size_t)c->like.width * (size_t)c->like.height * 3;
    LAVIN_TRY(lavin_err_onto(c->ctx, lavin_image_alloc(&rgb, c->like.width, c->like.height, 3, 8, err,
                                                       sizeof(err)), err));
    uint8_t *d = rgb.data;
    for (size_t i = 0; i < n; i++) {
        double v = sl->sum[i] / sl->weight;
        d[i] = (uint8_t)(v <= 0.0 ? 0 : v >= 255.0 ? 255 : (int)(v + 0.5));
    }
    int ret = lavin_api_answer_like(c->ctx, &c->like, &rgb, out);
    lavin_image_free(&rgb);
    return ret;
}

/* Adds a clip's answer for frame f with weight w. */
static int add(lavin_clip_stream *c, int64_t f, const lavin_answer *a, double w)
{
    slot *sl = at(c, f);
    size_t n = (size_t)a->width * (size_t)a->height * 3;
    const uint8_t *rgb = a->picture.data;
    if (!sl->sum && !(sl->sum = malloc(n * sizeof(*sl->sum))))
        return lavin_err(c->ctx, LAVIN_ENOMEM, "out of host memory");
    int first = sl->weight == 0.0;
    if (a->kind == LAVIN_ANSWER_LABELS) {
        /* Classes do not average: the clip that sees the frame nearest its
         * middle names them. */
        if (!first && w < sl->weight)
            return 0;
        for (size_t i = 0; i < n; i++)
            sl->sum[i] = rgb[i];
        sl->weight = w;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        sl->sum[i] = (float)(first ? w * rgb[i] : sl->sum[i] + w * rgb[i]);
    sl->weight += w;
    return 0;
}

/* Samples the clip of frames [start, start + n), puts it on the scale of
 * the answers it shares frames with, and adds it to those not yet pulled.
 * Returns 1 (a clip ran) or an error. */
static int run_clip(lavin_clip_stream *c, int64_t start, int n)
{
    int m = c->covered > start ? (int)(c->covered - start) : 0, ret = 0;
    lavin_picture *frames = calloc((size_t)n, sizeof(*frames));
    lavin_answer *a = calloc((size_t)n, sizeof(*a)), *ref = calloc((size_t)(m ? m : 1), sizeof(*ref));
    if (!frames || !a || !ref)
        ret = lavin_err(c->ctx, LAVIN_ENOMEM, "out of host memory");
    for (int j = 0; ret >= 0 && j < n; j++)
        frames[j] = at(c, start + j)->frame;
    if (ret >= 0)
        ret = lavin_session_run_clip(c->s, frames, n, a);
    if (ret >= 0 && !c->covered) {
        c->like = a[0];
        c->like.values = NULL;
        c->like.labels = NULL;
        c->like.picture = (lavin_picture){ 0 };
    }
    for (int j = 0; ret >= 0 && j < m; j++)
        ret = current(c, start + j, &ref[j]);
    if (ret >= 0)
        ret = lavin_api_answers_align(c->ctx, a, n, ref, m, FADE);
    for (int j = 0; ret >= 0 && j < n; j++)
        if (start + j >= c->pulled)
            ret = add(c, start + j, &a[j], j + 1 < n - j ? j + 1 : n - j);
    if (ret >= 0)
        c->covered = start + n;
    ret = ret < 0 ? ret : 1;
    lavin_api_answers_free(a, n);
    lavin_api_answers_free(ref, m);
    free(frames);
    free(a);
    free(ref);
    return ret;
}

/* The video's end: its last T frames are its last clip, unless the clips
 * so far reach them; a video shorter than T is one clip. */
static int end(lavin_clip_stream *c)
{
    int ret = 0;
    c->ended = 1;
    if (c->covered < c->pushed)
        ret = c->pushed < c->T ? run_clip(c, 0, (int)c->pushed) : run_clip(c, c->pushed - c->T, c->T);
    c->failed = ret < 0;
    c->final = ret < 0 ? c->pulled : c->pushed;
    return ret;
}

static int push(lavin_clip_stream *c, const lavin_picture *frame, int64_t pts)
{
    if (c->failed)
        return lavin_err(c->ctx, LAVIN_EINVAL, "clip stream: an earlier call failed");
    if (c->ended)
        return lavin_err(c->ctx, LAVIN_EINVAL, "clip stream: the video has ended");
    if (c->pulled < c->final)
        return lavin_err(c->ctx, LAVIN_EINVAL, "clip stream: pull the %lld answers ready first",
                         (long long)(c->final - c->pulled));
    if (!frame)
        return end(c);
    /* Every slot holds a frame of the video's size once one is pushed. */
    const lavin_picture *seen = &at(c, 0)->frame;
    if (c->pushed && (frame->width != seen->width || frame->height != seen->height))
        return lavin_err(c->ctx, LAVIN_EINVAL, "clip stream: frame %lld is %dx%d, the frames before it %dx%d",
                         (long long)c->pushed, frame->width, frame->height, seen->width, seen->height);
    slot *sl = at(c, c->pushed);
    lavin_image img = { 0 };
    LAVIN_TRY(lavin_api_image_in(c->ctx, frame, "clip frame", &img));
    lavin_picture_free(&sl->frame);
    lavin_api_picture_out(&img, &sl->frame);
    sl->pts = pts;
    sl->weight = 0.0;
    c->pushed++;
    if (c->pushed - c->next < c->T)
        return 0;
    int ret = run_clip(c, c->next, c->T);
    c->failed = ret < 0;
    if (ret < 0)
        return ret;
    c->next += c->stride;
    c->final = c->next;
    return 1;
}

int lavin_clip_stream_push(lavin_clip_stream *c, const lavin_picture *frame, int64_t pts)
{
    return lavin_api_return(c->ctx, push(c, frame, pts));
}

int lavin_clip_stream_pull(lavin_clip_stream *c, lavin_answer *out, int64_t *pts)
{
    memset(out, 0, sizeof(*out));
    if (c->pulled >= c->final)
        return 0;
    int ret = current(c, c->pulled, out);
    if (ret < 0)
        return lavin_api_return(c->ctx, ret);
    if (pts)
        *pts = at(c, c->pulled)->pts;
    c->pulled++;
    return 1;
}
