/* lavin video: an image task on every frame of a video, or (--clip) a clip
 * task on overlapping clips of it. */
#include <stdio.h>

#include "cli/commands.h"
#include "cli/frames_dir.h"
#include "cli/infer.h"
#include "cli/video_jobs.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin video --context CONTEXT --in IN.mp4 [-o OUT.mp4] [--frames-dir DIR]\n"
            "                   [--clip [--clip-frames N] [--clip-stride S]] [options]\n\n"
            "Runs the task the example pairs show on every frame of IN (the pairs are encoded once; every\n"
            "frame uses the same seed, for steadier output; frames are batched as far as device memory\n"
            "allows, or --batch N) and writes OUT with IN's frames turned upright, each at its own time,\n"
            "and IN's audio, subtitle and data streams (re-encoded where OUT's container needs it).\n"
            "OUT is .mp4, .mov or .mkv (H.264) or .webm (VP9); an odd width or height gains a row or\n"
            "column. --frames-dir DIR writes each frame's answer as data instead of, or with, the video:\n"
            "DIR/000000.png, DIR/000001.png, ... (frame index from 0), as lavin run writes them (16-bit\n"
            "depth and normals). -o or --frames-dir is required.\n"
            "--clip runs it on clips of N frames through the ST-VAE's temporal compression instead\n"
            "(1 + 4k; by default the model's: 5 for lavin-tiny, 9 for the released model); the context\n"
            "then holds NAME_input.mp4 / NAME_target.mp4 clips.\n"
            "A clip starts every S frames (1 to N - 1; by default (N - 1) / 2, so most frames are in two\n"
            "or three clips; N - 1 shares one frame, the fastest) and the last on the video's last N frames;\n"
            "each takes the scale of the answers before it on the frames they share (depth) and a frame's\n"
            "answer is the weighted average of the clips over it, so answers change smoothly where one\n"
            "clip gives way to the next.\n"
            "The other options are those of lavin run (see lavin run --help).\n");
}

/* Every frame or clip under a progress line named for them; an error gets
 * its line in err. */
static int process(video_job *j, lavin_video_input *r, char *err, size_t n)
{
    cli_progress_begin(j->progress, j->o->session.clips ? "clip" : "frame");
    int ret = video_job_process(j, r);
    if (ret == LAVIN_ENOMEM)
        snprintf(err, n, "out of host memory");
    else if (ret < 0)
        snprintf(err, n, "%s%s%s", j->sampling_failed ? j->o->in : "", j->sampling_failed ? ": " : "",
                 lavin_context_error(j->ctx));
    else if (j->written == 0)
        ret = (snprintf(err, n, "%s: no video frames", j->o->in), LAVIN_EFORMAT);
    return ret;
}

int lavin_cmd_video(int argc, char **argv)
{
    infer_opts o;
    const char *frames_dir;
    if (frames_dir_take(&argc, argv, "video", &frames_dir) < 0)
        return LAVIN_EXIT_USAGE;
    int status = infer_start(argc, argv, "video", usage, &o);
    if (status >= 0)
        return status;
    if (!o.context || !o.in || (!o.out && !frames_dir)) {
        fprintf(stderr, "lavin video: --context, --in and -o or --frames-dir are required (see --help)\n");
        return LAVIN_EXIT_USAGE;
    }
    if (o.clip_stride && !o.session.clips) {
        fprintf(stderr, "lavin video: --clip-stride %d: only clips (--clip) have a stride\n", o.clip_stride);
        return LAVIN_EXIT_USAGE;
    }
    if (o.session.clips && o.session.clip_frames && (o.session.clip_frames - 1) % 4) {
        fprintf(stderr, "lavin video: --clip-frames %d: a clip has 1 + 4k frames (1, 5, 9, 13, ...)\n",
                o.session.clip_frames);
        return LAVIN_EXIT_USAGE;
    }
    infer_session s;
    if ((status = infer_context(&o, "video", &s)) >= 0)
        return status;
    char err[1024] = "";
    video_job j = { .ctx = s.ctx, .progress = &s.progress, .o = &o, .frames_dir = frames_dir };
    lavin_video_input *r = NULL;
    int ret = frames_dir_check_outputs(&o, frames_dir, s.ctx, err, sizeof(err));
    if (ret >= 0)
        ret = lavin_video_input_open(s.ctx, o.in, &r, &j.info);
    if (ret >= 0)
        ret = infer_open(&o, &s);
    j.s = s.s;
    if (ret < 0 && !err[0])
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    int made = 0;
    if (ret >= 0 && frames_dir)
        ret = frames_dir_make(frames_dir, &made, err, sizeof(err));
    if (ret >= 0)
        ret = process(&j, r, err, sizeof(err));
    if (ret >= 0 && j.w && (ret = lavin_video_output_finish(&j.w)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    lavin_video_output_abort(&j.w);
    lavin_video_input_close(&r);
    infer_close(&s);
    if (ret < 0 && frames_dir)
        frames_dir_remove(frames_dir, j.written, made);
    if (ret < 0)
        return infer_fail("video", ret, err);
    if (!o.quiet && o.out)
        printf("%s\n", o.out);
    if (!o.quiet && frames_dir)
        printf("%s\n", frames_dir);
    return LAVIN_EXIT_OK;
}
