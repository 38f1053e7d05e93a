#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/outputs.h"
#include "lavin/media.h"

int cli_files_add(cli_files *f, const char *path)
{
    if (f->n == CLI_MAX_FILES)
        return -1;
    f->owned[f->n] = NULL;
    f->path[f->n++] = path;
    return 0;
}

static int add_owned(cli_files *f, char *path)
{
    if (!path || cli_files_add(f, path) < 0) {
        free(path);
        return -1;
    }
    f->owned[f->n - 1] = path;
    return 0;
}

int cli_files_add_folder(cli_files *f, const char *path)
{
    DIR *d = path ? opendir(path) : NULL;
    if (!d)
        return 0;
    int ret = 0;
    for (struct dirent *e; ret == 0 && (e = readdir(d));) {
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        struct stat st;
        if (p)
            snprintf(p, len, "%s/%s", path, e->d_name);
        if (p && (stat(p, &st) < 0 || !S_ISREG(st.st_mode)))
            free(p);
        else
            ret = add_owned(f, p);
    }
    closedir(d);
    return ret;
}

int cli_files_add_answer(cli_files *f, const char *path)
{
    char preview[PATH_MAX];
    if (add_owned(f, strdup(path)) < 0 || lavin_answer_preview_path(path, preview, sizeof(preview)) < 0)
        return -1;
    return add_owned(f, strdup(preview));
}

int cli_files_add_model_and_context(cli_files *f, const infer_opts *o)
{
    const char *files[] = { o->dit, o->vae, o->dit_config, o->vae_config };
    int ret = 0;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && ret == 0; i++)
        ret = files[i] ? cli_files_add(f, files[i]) : 0;
    if (ret == 0)
        ret = cli_files_add_folder(f, o->context);
    if (ret == 0)
        ret = cli_files_add_folder(f, o->model_dir);
    return ret;
}

void cli_files_free(cli_files *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->owned[i]);
    f->n = 0;
}

/* The path with its folder resolved ("dir/../x/./a.png" and a link to the
 * folder name the same file); as given when the folder does not exist yet. */
static void resolve(const char *path, char *out, size_t size)
{
    char dir[PATH_MAX], base[PATH_MAX], real[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    snprintf(base, sizeof(base), "%s", path);
    if (realpath(dirname(dir), real))
        snprintf(out, size, "%s/%s", real, basename(base));
    else
        snprintf(out, size, "%s", path);
}

static int same_file(const char *a, const char *b)
{
    char ra[2 * PATH_MAX], rb[2 * PATH_MAX];
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    resolve(a, ra, sizeof(ra));
    resolve(b, rb, sizeof(rb));
    return !strcmp(ra, rb);
}

int cli_output_folder_check(const char *path, char *err, size_t size)
{
    char dir[PATH_MAX];
    struct stat st;
    snprintf(dir, sizeof(dir), "%s", path);
    const char *d = dirname(dir);
    if (stat(d, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, size, "%s: the folder %s does not exist", path, d);
        return -1;
    }
    if (access(d, W_OK | X_OK) < 0) {
        snprintf(err, size, "%s: cannot write in %s: %s", path, d, strerror(errno));
        return -1;
    }
    return 0;
}

int cli_outputs_check(const cli_files *inputs, const cli_files *outputs, char *err, size_t size)
{
    for (int i = 0; i < outputs->n; i++) {
        const char *o = outputs->path[i];
        for (int k = 0; k < inputs->n; k++)
            if (same_file(o, inputs->path[k])) {
                snprintf(err, size, "%s would overwrite the input %s (choose another output)", o, inputs->path[k]);
                return -1;
            }
        for (int k = 0; k < i; k++)
            if (same_file(o, outputs->path[k])) {
                snprintf(err, size, "two answers would both be written to %s: give the queries different names", o);
                return -1;
            }
    }
    return 0;
}
