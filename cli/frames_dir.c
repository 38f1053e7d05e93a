#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/frames_dir.h"
#include "cli/outputs.h"

int frames_dir_take(int *argc, char **argv, const char *cmd, const char **dir)
{
    *dir = NULL;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--frames-dir"))
            continue;
        if (i + 1 >= *argc || !argv[i + 1][0]) {
            fprintf(stderr, "lavin %s: --frames-dir needs a folder (see --help)\n", cmd);
            return -1;
        }
        *dir = argv[i + 1];
        memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof(*argv));
        *argc -= 2;
        i--;
    }
    return 0;
}

int frames_dir_check_outputs(const infer_opts *o, const char *dir, lavin_context *ctx, char *err, size_t n)
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
    if (ret == 0 && dir && strlen(dir) > FRAME_PATH_MAX - FRAME_NAME_MAX)
        ret = (snprintf(err, n, "%.64s...: --frames-dir path too long", dir), -1);
    else if (ret == 0 && dir && stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        ret = (snprintf(err, n, "%s: --frames-dir names a file, not a folder", dir), -1);
    else if (ret == 0 && dir && stat(dir, &st) < 0)
        ret = cli_output_folder_check(dir, err, n);
    return ret < 0 ? LAVIN_EINVAL : 0;
}

int frames_dir_make(const char *dir, int *made, char *err, size_t n)
{
    struct stat st;
    if ((*made = mkdir(dir, 0777) == 0) || (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    snprintf(err, n, "%s: cannot make the frames folder: %s", dir, strerror(errno));
    return LAVIN_EIO;
}

static void frame_path(const char *dir, int64_t index, char *path)
{
    snprintf(path, FRAME_PATH_MAX, "%s/%06lld.png", dir, (long long)index);
}

int frames_dir_write(lavin_context *ctx, const char *dir, int64_t index, const lavin_answer *a)
{
    char path[FRAME_PATH_MAX];
    frame_path(dir, index, path);
    return lavin_answer_write(ctx, a, path);
}

void frames_dir_remove(const char *dir, int64_t written, int made)
{
    char path[FRAME_PATH_MAX], preview[FRAME_PATH_MAX];
    for (int64_t i = 0; i < written; i++) {
        frame_path(dir, i, path);
        unlink(path);
        if (lavin_answer_preview_path(path, preview, sizeof(preview)) == 0)
            unlink(preview);
    }
    if (made)
        rmdir(dir);
}
