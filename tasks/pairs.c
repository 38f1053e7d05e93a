#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/error.h"
#include "lavin_config.h"
#include "core/noise.h"
#include "tasks/pairs.h"

static const char *const image_ext[] = { "png", "jpg", "jpeg", "webp", "bmp", NULL };
static const char *const clip_ext[] = { "mp4", "mov", "mkv", "webm", "avi", NULL };

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int lavin_pairs_dir(const char *context, const char *first_root, char *dir, size_t dir_size, char *err, size_t n)
{
    if (is_dir(context) || strchr(context, '/')) {
        if (!is_dir(context))
            return lavin_err_buf(err, n, LAVIN_EIO, "%s: no such context folder", context);
        snprintf(dir, dir_size, "%s", context);
        return 0;
    }
    const char *roots[] = { first_root && *first_root ? first_root : NULL, LAVIN_DATADIR "/contexts",
                            LAVIN_SOURCE_ROOT "/contexts" };
    for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
        if (!roots[i])
            continue;
        snprintf(dir, dir_size, "%s/%s", roots[i], context);
        if (is_dir(dir))
            return 0;
    }
    return lavin_err_buf(err, n, LAVIN_EINVAL,
                         "context '%s' is neither a folder nor a bundled context (see contexts/)",
                         context);
}

/* "NAME_..._ROLE.EXT" -> role 0 input, 1 target, -1 neither; name is the
 * text before the first '_'. */
static int classify(const char *file, const char *const *exts, char *name, size_t name_size)
{
    const char *dot = strrchr(file, '.'), *us = strchr(file, '_');
    if (!dot || !us || us == file || file[0] == '.')
        return -1;
    int known = 0;
    for (int i = 0; exts[i]; i++)
        known |= !strcasecmp(dot + 1, exts[i]);
    if (!known)
        return -1;
    size_t len = (size_t)(dot - file);
    int role = len >= 6 && !strncmp(dot - 6, "_input", 6) ? 0 : len >= 7 && !strncmp(dot - 7, "_target", 7) ? 1 : -1;
    if (role >= 0)
        snprintf(name, name_size, "%.*s", (int)(us - file), file);
    return role;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const lavin_pair *)a)->name, ((const lavin_pair *)b)->name);
}

static char *join(const char *dir, const char *file)
{
    size_t len = strlen(dir) + strlen(file) + 2;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s/%s", dir, file);
    return s;
}

static int add(lavin_pairs *p, const char *name, int role, const char *path, char *err, size_t n)
{
    int i = 0;
    while (i < p->n && strcmp(p->v[i].name, name))
        i++;
    if (i == p->n) {
        lavin_pair *v = realloc(p->v, (size_t)(p->n + 1) * sizeof(*v));
        if (!v)
            return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
        p->v = v;
        p->v[p->n++] = (lavin_pair){ .name = strdup(name) };
        if (!p->v[i].name)
            return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    }
    char **slot = role ? &p->v[i].target : &p->v[i].input;
    if (*slot)
        return lavin_err_buf(err, n, LAVIN_EINVAL, "%s: pair '%s' has two %s files (%s too)", p->dir, name,
                             role ? "target" : "input", path);
    if (!(*slot = join(p->dir, path)))
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    return 0;
}

static int scan(const char *dir, const char *const *exts, lavin_pairs *p, char *err, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return lavin_err_buf(err, n, LAVIN_EIO, "%s: cannot open the context folder", dir);
    int ret = 0;
    char name[256];
    for (struct dirent *e; ret >= 0 && (e = readdir(d));) {
        int role = classify(e->d_name, exts, name, sizeof(name));
        if (role >= 0)
            ret = add(p, name, role, e->d_name, err, n);
    }
    closedir(d);
    return ret;
}

int lavin_pairs_scan(const char *dir, enum lavin_pair_kind kind, lavin_pairs *p, char *err, size_t n)
{
    memset(p, 0, sizeof(*p));
    if (!(p->dir = strdup(dir)))
        return lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    int ret = scan(dir, kind == LAVIN_PAIRS_CLIPS ? clip_ext : image_ext, p, err, n);
    for (int i = 0; ret >= 0 && i < p->n; i++)
        if (!p->v[i].input || !p->v[i].target)
            ret = lavin_err_buf(err, n, LAVIN_EINVAL, "%s: unmatched pair: has no %s file for it",
                                p->v[i].input ? p->v[i].input : p->v[i].target, p->v[i].input ? "target" : "input");
    if (ret >= 0 && !p->n)
        ret = lavin_err_buf(err, n, LAVIN_EINVAL, "%s: no NAME_input/NAME_target %s pairs", dir,
                            kind == LAVIN_PAIRS_CLIPS ? "video" : "image");
    if (ret < 0) {
        lavin_pairs_free(p);
        return ret;
    }
    qsort(p->v, (size_t)p->n, sizeof(*p->v), by_name);
    return 0;
}

void lavin_pairs_free(lavin_pairs *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].input);
        free(p->v[i].target);
    }
    free(p->v);
    free(p->dir);
    memset(p, 0, sizeof(*p));
}

int lavin_pairs_choose(const lavin_pairs *p, int count, uint64_t seed, int *idx)
{
    if (count == 0) {
        for (int i = 0; i < p->n; i++)
            idx[i] = i;
        return p->n;
    }
    for (int k = 0; k < count; k++)
        idx[k] = (int)(lavin_splitmix64(seed + lavin_splitmix64((uint64_t)k ^ 0x70616972u)) % (uint64_t)p->n);
    return count;
}
