/* lavin run: an in-context task on one or more pictures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "core/error.h"
#include "cli/infer.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin run --context CONTEXT --query IMAGE [--query IMAGE ...] -o OUT.png [options]\n\n"
            "Runs the task the example pairs show on each query picture. CONTEXT is a folder of\n"
            "NAME_input.EXT / NAME_target.EXT pictures or a bundled context: depth, normal,\n"
            "segmentation, edges, colorize. With several queries, OUT is a folder that gets\n"
            "QUERY-NAME.png for each.\n\n"
            "model:   --model-dir DIR       lavin_dit.safetensors + stvae.pt (default: the bundled lavin-tiny)\n"
            "         --dit FILE --vae FILE  the two files anywhere; --dit-config/--vae-config JSON\n"
            "         --weights-dtype f32|f16|bf16, --allow-missing, --device INDEX|NAME\n"
            "sampling: --size WxH (the model's own size by default), --pairs N|all (4), --steps N (20),\n"
            "         --cfg S (1.5), --seed N (0), --batch N (queries sampled together; default: as many\n"
            "         as half the free device memory holds, at most 8)\n"
            "pictures: --fit stretch|pad|crop (stretch, as the reference), --keep-model-size,\n"
            "         --vae-tile auto|off|N[xT], --task NAME (default: from the context's name)\n"
            "output:  --quiet, --verbose\n\ntasks:\n");
    for (const lavin_task *const *t = lavin_task_list(); *t; t++)
        fprintf(f, "  %-13s %s\n", (*t)->name, (*t)->summary);
}

static int out_path(const infer_opts *o, int i, char *path, size_t size)
{
    if (o->nqueries == 1)
        return snprintf(path, size, "%s", o->out) < (int)size ? 0 : -1;
    const char *q = o->queries[i], *base = strrchr(q, '/');
    base = base ? base + 1 : q;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    return snprintf(path, size, "%s/%.*s.png", o->out, len, base) < (int)size ? 0 : -1;
}

static int prepare_out(const infer_opts *o, char *err, size_t n)
{
    struct stat st;
    if (o->nqueries > 1 && mkdir(o->out, 0777) < 0 && (errno != EEXIST || stat(o->out, &st) || !S_ISDIR(st.st_mode)))
        return lavin_err_buf(err, n, LAVIN_EIO, "%s: cannot make the output folder for %d queries: %s", o->out,
                             o->nqueries, strerror(errno));
    return 0;
}

static int write_one(const infer_opts *o, infer_session *s, int i, const lavin_image *img, char *err, size_t n)
{
    char path[4096];
    if (out_path(o, i, path, sizeof(path)) < 0)
        return lavin_err_buf(err, n, LAVIN_EINVAL, "%s: output path too long", o->out);
    LAVIN_TRY(s->task->write(img, &s->palette, path, err, n));
    if (!o->quiet)
        printf("%s\n", path);
    return 0;
}

/* Queries in batches: one alone first, then as many as memory allows. */
static int run_queries(const infer_opts *o, infer_session *s, lavin_image *queries, char *err, size_t n)
{
    char label[64];
    lavin_clip q[LAVIN_SAMPLE_MAX_BATCH], out[LAVIN_SAMPLE_MAX_BATCH];
    int ret = 0;
    for (int i = 0, batch = o->batch ? o->batch : 1, got; ret >= 0 && i < o->nqueries; i += got, batch = infer_batch_size(s, o, got)) {
        got = o->nqueries - i < batch ? o->nqueries - i : batch;
        for (int b = 0; b < got; b++)
            q[b] = (lavin_clip){ &queries[i + b], 1 };
        if (got > 1)
            snprintf(label, sizeof(label), "queries %d-%d of %d", i + 1, i + got, o->nqueries);
        else
            snprintf(label, sizeof(label), "query %d of %d", i + 1, o->nqueries);
        lavin_progress_begin(&s->progress, label);
        ret = lavin_incontext_run(s->ic, q, got, out);
        lavin_progress_done(&s->progress);
        if (ret < 0)
            return lavin_err_buf(err, n, ret, "%s: %s", o->queries[i], lavin_context_error(s->models.ctx));
        for (int b = 0; b < got; b++) {
            if (ret >= 0)
                ret = write_one(o, s, i + b, &out[b].frames[0], err, n);
            lavin_clip_free(&out[b]);
        }
    }
    return ret;
}

int lavin_cmd_run(int argc, char **argv)
{
    infer_opts o;
    int status = infer_start(argc, argv, "run", usage, &o);
    if (status >= 0)
        return status;
    if (!o.context || !o.nqueries || !o.out) {
        fprintf(stderr, "lavin run: --context, --query and -o are required (see --help)\n");
        return LAVIN_EXIT_USAGE;
    }
    char err[1024] = "";
    lavin_image *queries = calloc((size_t)o.nqueries, sizeof(*queries));
    int ret = queries ? 0 : lavin_err_buf(err, sizeof(err), LAVIN_ENOMEM, "out of host memory");
    for (int i = 0; ret >= 0 && i < o.nqueries; i++)
        ret = lavin_image_read(o.queries[i], &queries[i], err, sizeof(err));
    if (ret >= 0)
        ret = prepare_out(&o, err, sizeof(err));
    infer_session s;
    if (ret >= 0 && (ret = infer_open(&o, 0, &s, err, sizeof(err))) >= 0) {
        ret = run_queries(&o, &s, queries, err, sizeof(err));
        infer_close(&s);
    }
    for (int i = 0; queries && i < o.nqueries; i++)
        lavin_image_free(&queries[i]);
    free(queries);
    return ret < 0 ? infer_fail("run", ret, err) : LAVIN_EXIT_OK;
}
