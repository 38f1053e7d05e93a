#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli/batch_manifest.h"
#include "lavin/media.h"

/* The per-job options: lavin run's, video's and predict's long options
 * that change one job's answer. flag: takes no value. */
static const struct {
    const char *key;
    int flag;
} job_keys[] = {
    { "in", 0 }, { "out", 0 }, { "context", 0 }, { "task", 0 }, { "size", 0 }, { "steps", 0 }, { "seed", 0 },
    { "cfg", 0 }, { "pairs", 0 }, { "fit", 0 }, { "batch", 0 }, { "vae-tile", 0 }, { "clip-frames", 0 },
    { "clip-stride", 0 }, { "frames", 0 }, { "context-frames", 0 }, { "rope", 0 }, { "rope-anchor", 0 }, { "clip", 1 },
    { "keep-model-size", 1 }, { "only-new", 1 },
};

/* Options of the process, not of a job: one model and one device serve every job. */
static const char *const batch_keys[] = { "model-dir", "dit", "vae", "dit-config", "vae-config", "weights-dtype",
                                          "allow-missing", "device", "memory-limit", "precision" };

static const char *const video_exts[] = { "mp4", "mov", "mkv", "webm", "avi", "m4v" };
static const char *const picture_exts[] = { "png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff" };

static int has_ext(const char *path, const char *const *exts, size_t n)
{
    const char *base = strrchr(path, '/'), *dot = strrchr(base ? base + 1 : path, '.');
    for (size_t i = 0; dot && i < n; i++)
        if (!strcasecmp(dot + 1, exts[i]))
            return 1;
    return 0;
}

int batch_is_video(const char *path)
{
    return has_ext(path, video_exts, sizeof(video_exts) / sizeof(video_exts[0]));
}

static batch_job *add_job(batch_manifest *m, int line)
{
    if (m->n == m->cap) {
        int cap = m->cap ? 2 * m->cap : 256;
        batch_job *j = realloc(m->jobs, (size_t)cap * sizeof(*j));
        if (!j)
            return NULL;
        m->jobs = j;
        m->cap = cap;
    }
    batch_job *j = &m->jobs[m->n];
    *j = (batch_job){ .index = m->n, .line = line };
    m->n++;
    return j;
}

static int add_arg(batch_job *j, const char *s)
{
    char **a = realloc(j->args, (size_t)(j->nargs + 1) * sizeof(*a));
    if (!a)
        return -1;
    j->args = a;
    if (!(a[j->nargs] = strdup(s)))
        return -1;
    j->nargs++;
    return 0;
}

/* Records why the job cannot run: 1, or -1 out of memory. */
static int job_error(batch_job *j, const char *fmt, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof(msg), fmt, what);
    free(j->error);
    j->error = strdup(msg);
    return j->error ? 1 : -1;
}

/* One key and its value as command-line arguments. Returns 1 when the key
 * or value is refused (j->error says why), -1 out of memory. */
static int take_key(batch_job *j, const cJSON *item)
{
    char key[64], opt[80], num[64];
    snprintf(key, sizeof(key), "%s", item->string);
    for (char *c = key; *c; c++)
        *c = *c == '_' ? '-' : *c;
    for (size_t i = 0; i < sizeof(batch_keys) / sizeof(batch_keys[0]); i++)
        if (!strcmp(key, batch_keys[i]))
            return job_error(j, "\"%s\" is the whole batch's: give it on the command line", item->string);
    size_t k = 0;
    while (k < sizeof(job_keys) / sizeof(job_keys[0]) && strcmp(key, job_keys[k].key))
        k++;
    if (k == sizeof(job_keys) / sizeof(job_keys[0]))
        return job_error(j, "unknown key \"%s\" (the keys are lavin run's options)", item->string);
    snprintf(opt, sizeof(opt), "--%s", key);
    if (job_keys[k].flag) {
        if (!cJSON_IsBool(item))
            return job_error(j, "\"%s\" takes true or false", item->string);
        return cJSON_IsTrue(item) ? add_arg(j, opt) : 0;
    }
    const char *v = NULL;
    if (cJSON_IsString(item))
        v = item->valuestring;
    else if (cJSON_IsNumber(item)) {
        double x = item->valuedouble;
        /* Whole numbers as integers (seeds past 2^53 go as strings). */
        if (x == floor(x) && fabs(x) < 9007199254740992.0)
            snprintf(num, sizeof(num), "%.0f", x);
        else
            snprintf(num, sizeof(num), "%.17g", x);
        v = num;
    }
    if (!v || !*v)
        return job_error(j, "\"%s\" needs a string or a number", item->string);
    /* The command's parser takes these for options (-h and --help wherever they are). */
    if (!strncmp(v, "--", 2) || !strcmp(v, "-h"))
        return job_error(j, "\"%s\": a value may not start with -- or be -h", item->string);
    if (add_arg(j, opt) < 0 || add_arg(j, v) < 0)
        return -1;
    if (!strcmp(key, "in"))
        j->in = j->args[j->nargs - 1];
    if (!strcmp(key, "out"))
        j->out = j->args[j->nargs - 1];
    return 0;
}

static int parse_line(batch_job *j, const char *text)
{
    cJSON *o = cJSON_Parse(text);
    int ret = 0;
    if (!cJSON_IsObject(o))
        ret = job_error(j, "%s", o ? "not a JSON object" : "not JSON");
    for (const cJSON *item = o ? o->child : NULL; ret == 0 && item && cJSON_IsObject(o); item = item->next)
        ret = take_key(j, item);
    if (ret == 0 && (!j->in || !j->out))
        ret = job_error(j, "%s", !j->in ? "no \"in\"" : "no \"out\"");
    cJSON_Delete(o);
    return ret < 0 ? -1 : 0;
}

static int blank(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return !*s;
}

int batch_manifest_read(const char *path, batch_manifest *m, char *err, size_t size)
{
    memset(m, 0, sizeof(*m));
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, size, "%s: cannot read the manifest", path);
        return -1;
    }
    char *text = NULL;
    size_t cap = 0;
    int line = 0, ret = 0;
    while (ret == 0 && getline(&text, &cap, f) >= 0) {
        line++;
        if (blank(text))
            continue;
        batch_job *j = add_job(m, line);
        ret = j ? parse_line(j, text) : -1;
        if (ret < 0)
            snprintf(err, size, "out of host memory");
    }
    if (ret == 0 && ferror(f)) {
        snprintf(err, size, "%s: cannot read the manifest", path);
        ret = -1;
    }
    free(text);
    if (!is_stdin)
        fclose(f);
    return ret;
}

/* OUT_DIR/NAME.EXT for an input, NAME its file name without its extension. */
static int add_input(batch_manifest *m, const char *in, const char *out_dir, int predict)
{
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    char out[PATH_MAX];
    if (snprintf(out, sizeof(out), "%s/%.*s.%s", out_dir, len, base, predict || batch_is_video(in) ? "mp4" : "png")
        >= (int)sizeof(out))
        return -1;
    /* A name that starts with a dash would read as an option. */
    char safe[PATH_MAX];
    if (snprintf(safe, sizeof(safe), "%s%s", in[0] == '-' ? "./" : "", in) >= (int)sizeof(safe))
        return -1;
    batch_job *j = add_job(m, 0);
    if (!j || add_arg(j, "--in") < 0 || add_arg(j, safe) < 0 || add_arg(j, "--out") < 0 || add_arg(j, out) < 0)
        return -1;
    j->in = j->args[1];
    j->out = j->args[3];
    return 0;
}

static int from_folder(const char *dir, const char *out_dir, int predict, batch_manifest *m)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), ret = n < 0 ? -1 : 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        struct stat st;
        int fits = snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) < (int)sizeof(path);
        if (ret == 0 && fits && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            (batch_is_video(path) || has_ext(path, picture_exts, sizeof(picture_exts) / sizeof(picture_exts[0]))))
            ret = add_input(m, path, out_dir, predict);
        free(names[i]);
    }
    free(names);
    return ret;
}

int batch_manifest_from_inputs(const char *pattern, const char *out_dir, int predict, batch_manifest *m, char *err,
                               size_t size)
{
    memset(m, 0, sizeof(*m));
    struct stat st;
    int ret = 0;
    if (stat(pattern, &st) == 0 && S_ISDIR(st.st_mode))
        ret = from_folder(pattern, out_dir, predict, m);
    else {
        glob_t g;
        int r = glob(pattern, 0, NULL, &g);
        for (size_t i = 0; r == 0 && ret == 0 && i < g.gl_pathc; i++)
            if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode))
                ret = add_input(m, g.gl_pathv[i], out_dir, predict);
        if (r == 0)
            globfree(&g);
    }
    if (ret < 0)
        snprintf(err, size, "%s: cannot list the inputs (out of memory, or a path too long)", pattern);
    else if (m->n == 0)
        snprintf(err, size, "%s: no pictures or videos there", pattern);
    return ret < 0 || m->n == 0 ? -1 : 0;
}

typedef struct {
    char *name;
    int job;
} out_name;

static int by_name(const void *a, const void *b)
{
    const out_name *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->job - y->job;
}

int batch_manifest_check_outputs(batch_manifest *m)
{
    out_name *names = calloc((size_t)m->n * 2 + 1, sizeof(*names));
    int n = 0, ret = names ? 0 : -1;
    for (int i = 0; ret == 0 && i < m->n; i++) {
        const char *out = m->jobs[i].out;
        char preview[PATH_MAX];
        if (m->jobs[i].error)
            continue;
        names[n++] = (out_name){ strdup(out), i };
        ret = names[n - 1].name ? 0 : -1;
        /* A picture's answer may have a preview beside it: another job's output must not be it. */
        if (ret == 0 && !batch_is_video(out) && lavin_answer_preview_path(out, preview, sizeof(preview)) == 0) {
            names[n++] = (out_name){ strdup(preview), i };
            ret = names[n - 1].name ? 0 : -1;
        }
    }
    if (ret == 0)
        qsort(names, (size_t)n, sizeof(*names), by_name);
    /* Sorted by name, then job: the first of each name keeps it. */
    for (int i = 1, first = 0; ret == 0 && i < n; i++) {
        if (strcmp(names[first].name, names[i].name)) {
            first = i;
            continue;
        }
        batch_job *j = &m->jobs[names[i].job];
        char msg[32];
        snprintf(msg, sizeof(msg), "%d", names[first].job);
        if (names[i].job != names[first].job && !j->error)
            ret = job_error(j, "writes the same file as job %s (give each job its own out)", msg) < 0 ? -1 : 0;
    }
    for (int i = 0; i < n; i++)
        free(names[i].name);
    free(names);
    return ret;
}

void batch_manifest_free(batch_manifest *m)
{
    for (int i = 0; i < m->n; i++) {
        for (int a = 0; a < m->jobs[i].nargs; a++)
            free(m->jobs[i].args[a]);
        free(m->jobs[i].args);
        free(m->jobs[i].error);
    }
    free(m->jobs);
    memset(m, 0, sizeof(*m));
}
