/* lavin predict: future frames of a video. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/infer.h"
#include "cli/outputs.h"
#include "cli/video_jobs.h"

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
    video_prediction p = { 0 };
    int ret = check_output(o, s->ctx, err, en);
    if (ret >= 0)
        ret = video_prediction_read(s->ctx, o, &p, err, en);
    /* The model loads once the input is known good. */
    if (ret >= 0 && (ret = infer_open(o, s)) >= 0) {
        cli_progress_begin(&s->progress, "predict");
        if ((ret = lavin_session_predict(s->s, p.ring, p.n, p.frames, p.fresh)) < 0)
            snprintf(err, en, "%s: %s", o->in, lavin_context_error(s->ctx));
        cli_progress_done(&s->progress);
        if (ret >= 0)
            ret = video_prediction_write(s->ctx, o, &p);
    }
    if (ret == LAVIN_ENOMEM && !err[0])
        snprintf(err, en, "out of host memory");
    else if (ret < 0 && !err[0])
        snprintf(err, en, "%s", lavin_context_error(s->ctx));
    video_prediction_free(&p);
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
