/* lavin video: an image task on every frame of a video, or (--clip) a clip
 * task on consecutive clips of it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/infer.h"
#include "cli/outputs.h"
#include "cli/video_jobs.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin video --context CONTEXT --in IN.mp4 [-o OUT.mp4] [--frames-dir DIR]\n"
            "                   [--clip [--clip-frames N]] [options]\n\n"
            "Runs the task the example pairs show on every frame of IN (the pairs are encoded once; every\n"
            "frame uses the same seed, for steadier output; frames are batched as far as device memory\n"
            "allows, or --batch N) and writes OUT with IN's frames turned upright, each at its own time,\n"
            "and IN's audio, subtitle and data streams (re-encoded where OUT's container needs it).\n"
            "OUT is .mp4, .mov or .mkv (H.264) or .webm (VP9); an odd width or height gains a row or\n"
            "column. --frames-dir DIR writes each frame's answer as data instead of, or with, the video:\n"
            "DIR/000000.png, DIR/000001.png, ... (frame index from 0), as lavin run writes them (16-bit\n"
            "depth and normals). -o or --frames-dir is required.\n"
            "--clip runs it on clips of N frames (1 + 4k, default 9) through the ST-VAE's temporal\n"
            "compression instead; the context then holds NAME_input.mp4 / NAME_target.mp4 clips.\n"
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

/* --frames-dir DIR is this command's own: taken out of argv before the
 * options lavin run shares are parsed. */
static int take_frames_dir(int *argc, char **argv, const char **dir)
{
    *dir = NULL;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--frames-dir"))
            continue;
        if (i + 1 >= *argc || !argv[i + 1][0]) {
            fprintf(stderr, "lavin video: --frames-dir needs a folder (see --help)\n");
            return -1;
        }
        *dir = argv[i + 1];
        memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof(*argv));
        *argc -= 2;
        i--;
    }
    return 0;
}

/* What the command will write, checked before any work: a container lavin
 * writes and a folder for it, not the input; a frames folder that exists or
 * can be made. */
static int check_outputs(const infer_opts *o, const char *frames_dir, lavin_context *ctx, char *err, size_t n)
{
    int ret = o->out ? lavin_video_format_check(ctx, o->out) : 0;
    if (ret < 0)
        return snprintf(err, n, "%s", lavin_context_error(ctx)), ret;
    cli_files in = { 0 }, out = { 0 };
    ret = cli_files_add(&in, o->in);
    if (ret == 0 && o->out)
        ret = cli_files_add(&out, o->out);
    if (ret == 0)
        ret = cli_outputs_check(&in, &out, err, n);
    if (ret == 0 && o->out)
        ret = cli_output_folder_check(o->out, err, n);
    cli_files_free(&in);
    cli_files_free(&out);
    struct stat st;
    if (ret == 0 && frames_dir && strlen(frames_dir) > FRAME_PATH_MAX - FRAME_NAME_MAX)
        ret = (snprintf(err, n, "%.64s...: --frames-dir path too long", frames_dir), -1);
    else if (ret == 0 && frames_dir && stat(frames_dir, &st) == 0 && !S_ISDIR(st.st_mode))
        ret = (snprintf(err, n, "%s: --frames-dir names a file, not a folder", frames_dir), -1);
    else if (ret == 0 && frames_dir && stat(frames_dir, &st) < 0)
        ret = cli_output_folder_check(frames_dir, err, n);
    return ret < 0 ? LAVIN_EINVAL : 0;
}

static int make_frames_dir(const char *dir, int *made, char *err, size_t n)
{
    struct stat st;
    if ((*made = mkdir(dir, 0777) == 0) || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    snprintf(err, n, "%s: cannot make the frames folder: %s", dir, strerror(errno));
    return LAVIN_EIO;
}

/* A failed or interrupted run takes back the frames it wrote: the files of
 * one run appear together or not at all. */
static void remove_frames(const video_job *j, int made)
{
    char path[FRAME_PATH_MAX], preview[FRAME_PATH_MAX];
    for (int i = 0; i < j->written; i++) {
        snprintf(path, sizeof(path), "%s/%06d.png", j->frames_dir, i);
        unlink(path);
        if (lavin_answer_preview_path(path, preview, sizeof(preview)) == 0)
            unlink(preview);
    }
    if (made)
        rmdir(j->frames_dir);
}

int lavin_cmd_video(int argc, char **argv)
{
    infer_opts o;
    const char *frames_dir;
    if (take_frames_dir(&argc, argv, &frames_dir) < 0)
        return LAVIN_EXIT_USAGE;
    int status = infer_start(argc, argv, "video", usage, &o);
    if (status >= 0)
        return status;
    if (!o.context || !o.in || (!o.out && !frames_dir)) {
        fprintf(stderr, "lavin video: --context, --in and -o or --frames-dir are required (see --help)\n");
        return LAVIN_EXIT_USAGE;
    }
    if (o.session.clips && (o.session.clip_frames - 1) % 4) {
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
    int ret = check_outputs(&o, frames_dir, s.ctx, err, sizeof(err));
    if (ret >= 0)
        ret = lavin_video_input_open(s.ctx, o.in, &r, &j.info);
    if (ret >= 0)
        ret = infer_open(&o, &s);
    j.s = s.s;
    if (ret < 0 && !err[0])
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    int made = 0;
    if (ret >= 0 && frames_dir)
        ret = make_frames_dir(frames_dir, &made, err, sizeof(err));
    if (ret >= 0)
        ret = process(&j, r, err, sizeof(err));
    if (ret >= 0 && j.w && (ret = lavin_video_output_finish(&j.w)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    lavin_video_output_abort(&j.w);
    lavin_video_input_close(&r);
    infer_close(&s);
    if (ret < 0 && frames_dir)
        remove_frames(&j, made);
    if (ret < 0)
        return infer_fail("video", ret, err);
    if (!o.quiet && o.out)
        printf("%s\n", o.out);
    if (!o.quiet && frames_dir)
        printf("%s\n", frames_dir);
    return LAVIN_EXIT_OK;
}
