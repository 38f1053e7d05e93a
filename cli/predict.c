/* lavin predict: future frames of a video. */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/frames_dir.h"
#include "cli/infer.h"
#include "cli/video_jobs.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin predict --in IN.mp4 --frames N [-o OUT.mp4] [--frames-dir DIR]\n"
            "                     [--context-frames K] [--only-new] [--context DIR] [options]\n\n"
            "Predicts the N frames that follow IN: its last K frames (1 + 4k, default 9) condition the\n"
            "J-DiT, which denoises the following latent frames; the ST-VAE decodes them as the clip's\n"
            "continuation. OUT holds IN, upright and at its own frame times, with its audio, subtitle and\n"
            "data streams, followed by the new frames one average frame duration apart (--only-new: the\n"
            "new frames alone, from time 0). OUT is .mp4, .mov, .mkv or .webm. --frames-dir DIR writes\n"
            "the new frames as pictures instead of, or with, the video: DIR/000000.png, DIR/000001.png,\n"
            "... (from the first new frame), as lavin run writes them. -o or --frames-dir is required.\n"
            "--context DIR may hold example clips NAME_input.mp4 (a clip) and NAME_target.mp4 (its\n"
            "continuation). The other options are those of lavin run.\n");
}

static int predict(infer_opts *o, const char *frames_dir, infer_session *s, char *err, size_t en)
{
    video_prediction p = { 0 };
    int made = 0, written = 0;
    int ret = frames_dir_check_outputs(o, frames_dir, s->ctx, err, en);
    if (ret >= 0)
        ret = video_prediction_read(s->ctx, o, &p, err, en);
    /* The model loads once the input is known good. */
    if (ret >= 0 && (ret = infer_open(o, s)) >= 0) {
        cli_progress_begin(&s->progress, "predict");
        if ((ret = lavin_session_predict(s->s, p.ring, p.n, p.frames, p.fresh)) < 0)
            snprintf(err, en, "%s: %s", o->in, lavin_context_error(s->ctx));
        cli_progress_done(&s->progress);
    }
    /* The frames before the video, so that a video that fails takes them
     * back with it. */
    if (ret >= 0 && frames_dir)
        ret = frames_dir_make(frames_dir, &made, err, en);
    for (int i = 0; ret >= 0 && frames_dir && i < p.frames; i++)
        written += (ret = frames_dir_write(s->ctx, frames_dir, i, &p.fresh[i])) >= 0;
    if (ret >= 0 && o->out)
        ret = video_prediction_write(s->ctx, o, &p);
    if (ret < 0 && frames_dir)
        frames_dir_remove(frames_dir, written, made);
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
    const char *frames_dir;
    if (frames_dir_take(&argc, argv, "predict", &frames_dir) < 0)
        return LAVIN_EXIT_USAGE;
    int status = infer_start(argc, argv, "predict", usage, &o);
    if (status >= 0)
        return status;
    if (!o.in || (!o.out && !frames_dir) || !o.frames) {
        fprintf(stderr, "lavin predict: --in, --frames and -o or --frames-dir are required (see --help)\n");
        return LAVIN_EXIT_USAGE;
    }
    /* Only a video that holds IN needs the new frames at IN's size. */
    if ((o.session.context_frames - 1) % 4 || (o.session.keep_model_size && o.out && !o.only_new)) {
        fprintf(stderr, "lavin predict: %s\n", (o.session.context_frames - 1) % 4
                ? "--context-frames takes 1 + 4k frames (1, 5, 9, 13, ...)"
                : "--keep-model-size with -o needs --only-new (the input keeps its own size)");
        return LAVIN_EXIT_USAGE;
    }
    o.task = o.task ? o.task : "raw";
    infer_session s;
    if ((status = infer_context(&o, "predict", &s)) >= 0)
        return status;
    char err[1024] = "";
    int ret = predict(&o, frames_dir, &s, err, sizeof(err));
    infer_close(&s);
    if (ret < 0)
        return infer_fail("predict", ret, err);
    if (!o.quiet && o.out)
        printf("%s\n", o.out);
    if (!o.quiet && frames_dir)
        printf("%s\n", frames_dir);
    return LAVIN_EXIT_OK;
}
