/* lavin predict: future frames of a video. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/error.h"
#include "cli/infer.h"
#include "media/video.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin predict --in IN.mp4 --frames N -o OUT.mp4 [--context-frames K] [--only-new]\n"
            "                     [--context DIR] [options]\n\n"
            "Predicts the N frames that follow IN: its last K frames (1 + 4k, default 9) condition the\n"
            "J-DiT, which denoises the following latent frames; the ST-VAE decodes them as the clip's\n"
            "continuation. OUT holds IN followed by the new frames (only the new ones with --only-new),\n"
            "at IN's frame rate, with IN's audio. DIR may hold example clips NAME_input.mp4 (a clip) and\n"
            "NAME_target.mp4 (its continuation). The other options are those of lavin run.\n");
}

/* The last K frames of the video (fewer, 1 + 4k, when it is shorter). */
static int read_tail(const infer_opts *o, lavin_clip *tail, lavin_video_info *info, char *err, size_t n)
{
    lavin_video_reader *r = NULL;
    LAVIN_TRY(lavin_video_open(o->in, &r, info, err, n));
    int K = o->context_frames, total = 0, ret;
    lavin_image *ring = calloc((size_t)K, sizeof(*ring));
    if (!ring) {
        lavin_video_close(&r);
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    }
    while ((ret = lavin_video_read(r, &ring[total % K], err, n)) > 0)
        total++;
    lavin_video_close(&r);
    if (ret >= 0 && total == 0)
        ret = lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: no video frames", o->in);
    int keep = total < K ? total : K;
    keep -= (keep - 1) % 4;
    tail->frames = ret >= 0 ? calloc((size_t)keep, sizeof(lavin_image)) : NULL;
    if (ret >= 0 && !tail->frames)
        ret = lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    for (int i = 0; ret >= 0 && i < keep; i++) {
        int slot = (total - keep + i) % K;
        tail->frames[i] = ring[slot];
        memset(&ring[slot], 0, sizeof(ring[slot]));
    }
    tail->n = ret >= 0 ? keep : 0;
    for (int i = 0; i < K; i++)
        lavin_image_free(&ring[i]);
    free(ring);
    return ret < 0 ? ret : 0;
}

static int copy_input(const infer_opts *o, lavin_video_writer *w, char *err, size_t n)
{
    lavin_video_reader *r = NULL;
    lavin_video_info info;
    lavin_image frame = { 0 };
    LAVIN_TRY(lavin_video_open(o->in, &r, &info, err, n));
    int ret;
    while ((ret = lavin_video_read(r, &frame, err, n)) > 0 && (ret = lavin_video_write(w, &frame, err, n)) >= 0)
        ;
    lavin_image_free(&frame);
    lavin_video_close(&r);
    return ret;
}

static int write_out(const infer_opts *o, const lavin_video_info *info, const lavin_clip *fresh, char *err, size_t n)
{
    lavin_video_writer *w = NULL;
    const lavin_image *f0 = &fresh->frames[0];
    int ret = lavin_video_writer_open(o->out, f0->width, f0->height, info->fps_num, info->fps_den,
                                      !o->only_new && info->has_audio ? o->in : NULL, &w, err, n);
    if (ret >= 0 && !o->only_new)
        ret = copy_input(o, w, err, n);
    for (int i = 0; ret >= 0 && i < fresh->n; i++)
        ret = lavin_video_write(w, &fresh->frames[i], err, n);
    if (ret >= 0)
        ret = lavin_video_writer_finish(&w, err, n);
    lavin_video_writer_abort(&w);
    return ret;
}

int lavin_cmd_predict(int argc, char **argv)
{
    infer_opts o;
    int status = infer_start(argc, argv, "predict", usage, &o);
    if (status >= 0)
        return status;
    if (!o.in || !o.out || !o.frames) {
        fprintf(stderr, "lavin predict: --in, --frames and -o are required (see --help)\n");
        return LAVIN_EXIT_USAGE;
    }
    if ((o.context_frames - 1) % 4 || (o.keep_model_size && !o.only_new)) {
        fprintf(stderr, "lavin predict: %s\n", (o.context_frames - 1) % 4
                ? "--context-frames takes 1 + 4k frames (1, 5, 9, 13, ...)"
                : "--keep-model-size needs --only-new (the input keeps its own size)");
        return LAVIN_EXIT_USAGE;
    }
    char err[1024] = "";
    lavin_clip tail = { 0 }, fresh = { 0 };
    lavin_video_info info;
    infer_session s;
    o.task = o.task ? o.task : "raw";
    int ret = read_tail(&o, &tail, &info, err, sizeof(err));
    if (ret >= 0 && (ret = infer_open(&o, 1, &s, err, sizeof(err))) >= 0) {
        lavin_progress_begin(&s.progress, "predict");
        ret = lavin_incontext_predict(s.ic, &tail, o.frames, &fresh);
        lavin_progress_done(&s.progress);
        if (ret < 0)
            snprintf(err, sizeof(err), "%s: %s", o.in, lavin_context_error(s.models.ctx));
        infer_close(&s);
    }
    if (ret >= 0)
        ret = write_out(&o, &info, &fresh, err, sizeof(err));
    lavin_clip_free(&tail);
    lavin_clip_free(&fresh);
    if (ret < 0)
        return infer_fail("predict", ret, err);
    if (!o.quiet)
        printf("%s\n", o.out);
    return LAVIN_EXIT_OK;
}
