/* lavin predict: future frames of a video. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/infer.h"
#include "cli/outputs.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin predict --in IN.mp4 --frames N -o OUT.mp4 [--context-frames K] [--only-new]\n"
            "                     [--context DIR] [options]\n\n"
            "Predicts the N frames that follow IN: its last K frames (1 + 4k, default 9) condition the\n"
            "J-DiT, which denoises the following latent frames; the ST-VAE decodes them as the clip's\n"
            "continuation. OUT holds IN, upright and at its own frame times, with its audio, subtitle and\n"
            "data streams, followed by the new frames one average frame duration apart (--only-new: the\n"
            "new frames alone, from time 0). OUT is .mp4, .mov, .mkv or .webm. DIR may hold example clips\n"
            "NAME_input.mp4 (a clip) and NAME_target.mp4 (its continuation). The other options are those\n"
            "of lavin run.\n");
}

/* The last K frames of the video, in a ring, so memory stays flat over
 * long videos; the library keeps 1 + 4k of them. */
static int read_tail(const infer_opts *o, infer_session *s, lavin_picture *ring, int K, int *n,
                     lavin_video_info *info)
{
    lavin_video_input *r = NULL;
    CLI_TRY(lavin_video_input_open(s->ctx, o->in, &r, info));
    int total = 0, ret;
    while ((ret = lavin_video_input_read(r, &ring[total % K], NULL)) > 0)
        total++;
    lavin_video_input_close(&r);
    if (ret < 0)
        return ret;
    /* Oldest first. */
    lavin_picture tmp[1];
    for (int i = 0; total > K && i < total % K; i++) {
        tmp[0] = ring[0];
        memmove(ring, ring + 1, (size_t)(K - 1) * sizeof(*ring));
        ring[K - 1] = tmp[0];
    }
    *n = total < K ? total : K;
    return 0;
}

static int copy_input(const infer_opts *o, infer_session *s, lavin_video_output *w)
{
    lavin_video_input *r = NULL;
    lavin_video_info info;
    lavin_picture frame = { 0 };
    int64_t pts;
    CLI_TRY(lavin_video_input_open(s->ctx, o->in, &r, &info));
    int ret;
    while ((ret = lavin_video_input_read(r, &frame, &pts)) > 0 &&
           (ret = lavin_video_output_write(w, &frame, pts)) >= 0)
        ;
    lavin_picture_free(&frame);
    lavin_video_input_close(&r);
    return ret;
}

static int write_out(const infer_opts *o, infer_session *s, const lavin_video_info *info, const lavin_answer *fresh,
                     int n)
{
    lavin_video_output *w = NULL;
    lavin_video_output_params p;
    lavin_video_output_params_default(&p);
    p.width = fresh[0].width;
    p.height = fresh[0].height;
    /* the new frames follow at the average rate; without one, the default */
    if (info->fps_num > 0 && info->fps_den > 0) {
        p.fps_num = info->fps_num;
        p.fps_den = info->fps_den;
    }
    p.time_base_num = info->time_base_num;
    p.time_base_den = info->time_base_den;
    p.streams_from = o->only_new ? NULL : o->in;
    int ret = lavin_video_output_open(s->ctx, o->out, &p, &w);
    if (ret >= 0 && !o->only_new)
        ret = copy_input(o, s, w);
    /* one average frame after the last input frame, and so on */
    for (int i = 0; ret >= 0 && i < n; i++)
        ret = lavin_video_output_write(w, &fresh[i].picture, LAVIN_PTS_NEXT);
    if (ret >= 0)
        ret = lavin_video_output_finish(&w);
    lavin_video_output_abort(&w);
    return ret;
}

/* OUT is a container lavin writes, in a folder that exists, and not IN. */
static int check_output(const infer_opts *o, lavin_context *ctx, char *err, size_t n)
{
    int ret = lavin_video_format_check(ctx, o->out);
    if (ret < 0)
        return snprintf(err, n, "%s", lavin_context_error(ctx)), ret;
    cli_files in = { 0 }, out = { 0 };
    ret = cli_files_add(&in, o->in);
    if (ret == 0)
        ret = cli_files_add(&out, o->out);
    if (ret == 0)
        ret = cli_outputs_check(&in, &out, err, n);
    if (ret == 0)
        ret = cli_output_folder_check(o->out, err, n);
    cli_files_free(&in);
    cli_files_free(&out);
    return ret < 0 ? LAVIN_EINVAL : 0;
}

static int predict(infer_opts *o, infer_session *s, char *err, size_t en)
{
    int K = o->session.context_frames, n = 0;
    lavin_video_info info;
    lavin_picture *ring = calloc((size_t)K, sizeof(*ring));
    lavin_answer *fresh = calloc((size_t)o->frames, sizeof(*fresh));
    int ret = ring && fresh ? check_output(o, s->ctx, err, en) : LAVIN_ENOMEM;
    if (ret >= 0)
        ret = read_tail(o, s, ring, K, &n, &info);
    if (ret >= 0 && n == 0)
        ret = (snprintf(err, en, "%s: no video frames", o->in), LAVIN_EFORMAT);
    else if (ret >= 0 && (ret = infer_open(o, s)) >= 0) {
        cli_progress_begin(&s->progress, "predict");
        if ((ret = lavin_session_predict(s->s, ring, n, o->frames, fresh)) < 0)
            snprintf(err, en, "%s: %s", o->in, lavin_context_error(s->ctx));
        cli_progress_done(&s->progress);
        if (ret >= 0)
            ret = write_out(o, s, &info, fresh, o->frames);
    }
    if (ret == LAVIN_ENOMEM && !err[0])
        snprintf(err, en, "out of host memory");
    else if (ret < 0 && !err[0])
        snprintf(err, en, "%s", lavin_context_error(s->ctx));
    for (int i = 0; fresh && i < o->frames; i++)
        lavin_answer_free(&fresh[i]);
    for (int i = 0; ring && i < K; i++)
        lavin_picture_free(&ring[i]);
    free(fresh);
    free(ring);
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
    if ((o.session.context_frames - 1) % 4 || (o.session.keep_model_size && !o.only_new)) {
        fprintf(stderr, "lavin predict: %s\n", (o.session.context_frames - 1) % 4
                ? "--context-frames takes 1 + 4k frames (1, 5, 9, 13, ...)"
                : "--keep-model-size needs --only-new (the input keeps its own size)");
        return LAVIN_EXIT_USAGE;
    }
    o.task = o.task ? o.task : "raw";
    infer_session s;
    if ((status = infer_context(&o, "predict", &s)) >= 0)
        return status;
    char err[1024] = "";
    int ret = predict(&o, &s, err, sizeof(err));
    infer_close(&s);
    if (ret < 0)
        return infer_fail("predict", ret, err);
    if (!o.quiet)
        printf("%s\n", o.out);
    return LAVIN_EXIT_OK;
}
