/* lavin run: an in-context task on one or more pictures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/infer.h"
#include "cli/outputs.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin run --context CONTEXT --query IMAGE [--query IMAGE ...] -o OUT.png [options]\n\n"
            "Runs the task the example pairs show on each query picture. CONTEXT is a folder of\n"
            "NAME_input.EXT / NAME_target.EXT pictures or a bundled context: depth, normal,\n"
            "segmentation, edges, colorize. With several queries, OUT is a folder that gets\n"
            "QUERY-NAME.png for each.\n\n"
            "model:   --model-dir DIR       lavin_dit.safetensors (or lavin_dit.gguf, as lavin convert writes it,\n"
            "         quantized or not) + stvae.pt (default: the bundled lavin-tiny)\n"
            "         --dit FILE --vae FILE  the two files anywhere; --dit-config/--vae-config JSON\n"
            "         --weights-dtype f32|f16|bf16 (q8_0 and q4_0 tensors stay as they are), --allow-missing,\n"
            "         --device INDEX|NAME, --memory-limit BYTES[K|M|G] (device memory lavin may use)\n"
            "         --precision auto|f32|f16: matrix products and attention in f16 on cooperative\n"
            "         matrices (tensor cores) or f32; auto (the default) takes f16 where the device has them\n"
            "sampling: --size WxH (the model's own size by default), --pairs N|all (4), --steps N (20),\n"
            "         --cfg S (1.5), --seed N (0), --batch N (queries sampled together; default: as many\n"
            "         as half the free device memory holds, at most 8)\n"
            "         --rope auto|extrapolate|interpolate, --rope-anchor WxH: the J-DiT's positions at\n"
            "         sizes other than the anchor (the model's own size): integer (extrapolate, the\n"
            "         reference's) or scaled to the anchor's range (interpolate); auto (the default)\n"
            "         interpolates where the model file states its size or --rope-anchor is given\n"
            "pictures: --fit stretch|pad|crop (stretch, as the reference), --keep-model-size,\n"
            "         --vae-tile auto|off|N[xT], --task NAME (default: from the context's name)\n"
            "output:  --quiet, --verbose\n\ntasks:\n");
    const char *name, *summary;
    for (int i = 0; lavin_task_info(i, &name, &summary) == 0; i++)
        fprintf(f, "  %-13s %s\n", name, summary);
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

/* Every answer's files against every file the command reads, and the
 * folder they go in, before any work. */
static int check_out(const infer_opts *o, char *err, size_t n)
{
    cli_files in = { 0 }, out = { 0 };
    char path[4096];
    struct stat st;
    int folder = o->nqueries > 1, ret = 0;
    int exists = stat(o->out, &st) == 0 && S_ISDIR(st.st_mode);
    for (int i = 0; i < o->nqueries && ret == 0; i++)
        ret = cli_files_add(&in, o->queries[i]);
    if (ret == 0)
        ret = cli_files_add_model_and_context(&in, o);
    for (int i = 0; i < o->nqueries && ret == 0; i++)
        ret = out_path(o, i, path, sizeof(path)) < 0 ? -1 : cli_files_add_answer(&out, path);
    if (ret < 0)
        snprintf(err, n, "%s: too many files or too long a path", o->out);
    if (ret == 0)
        ret = cli_outputs_check(&in, &out, err, n);
    /* A folder for several answers is made once everything else is known good. */
    if (ret == 0)
        ret = cli_output_folder_check(folder && exists ? out.path[0] : o->out, err, n);
    cli_files_free(&in);
    cli_files_free(&out);
    return ret < 0 ? LAVIN_EINVAL : 0;
}

static int prepare_out(const infer_opts *o, char *err, size_t n)
{
    struct stat st;
    if (o->nqueries > 1 && mkdir(o->out, 0777) < 0 && (errno != EEXIST || stat(o->out, &st) || !S_ISDIR(st.st_mode))) {
        snprintf(err, n, "%s: cannot make the output folder for %d queries: %s", o->out, o->nqueries,
                 strerror(errno));
        return LAVIN_EIO;
    }
    return 0;
}

static int write_one(const infer_opts *o, infer_session *s, int i, const lavin_answer *a, char *err, size_t n)
{
    char path[4096];
    if (out_path(o, i, path, sizeof(path)) < 0)
        return snprintf(err, n, "%s: output path too long", o->out), LAVIN_EINVAL;
    int ret = lavin_answer_write(s->ctx, a, path);
    if (ret < 0)
        return snprintf(err, n, "%s", lavin_context_error(s->ctx)), ret;
    if (!o->quiet)
        printf("%s\n", path);
    return 0;
}

/* Queries in the library's batches: one alone first, then as many as
 * memory allows; each batch's answers are written before the next runs. */
static int run_queries(const infer_opts *o, infer_session *s, lavin_picture *queries, char *err, size_t n)
{
    lavin_answer out[LAVIN_MAX_BATCH];
    int ret = 0;
    cli_progress_begin(&s->progress, "query");
    for (int i = 0, got; ret >= 0 && i < o->nqueries; i += got) {
        int batch = lavin_session_batch_size(s->s);
        got = o->nqueries - i < batch ? o->nqueries - i : batch;
        ret = lavin_session_run(s->s, &queries[i], got, out);
        cli_progress_done(&s->progress);
        /* A huge photo is not held twice while its answer is written. */
        for (int b = 0; b < got; b++)
            lavin_picture_free(&queries[i + b]);
        if (ret < 0)
            return snprintf(err, n, "%s: %s", o->queries[i], lavin_context_error(s->ctx)), ret;
        for (int b = 0; b < got; b++) {
            if (ret >= 0)
                ret = write_one(o, s, i + b, &out[b], err, n);
            lavin_answer_free(&out[b]);
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
    infer_session s;
    if ((status = infer_context(&o, "run", &s)) >= 0)
        return status;
    char err[1024] = "";
    lavin_picture *queries = calloc((size_t)o.nqueries, sizeof(*queries));
    int ret = queries ? check_out(&o, err, sizeof(err)) : (snprintf(err, sizeof(err), "out of host memory"), LAVIN_ENOMEM);
    /* One answer goes where -o says, in the format its name says (several go
     * into a folder as QUERY.png): a name of another format is refused here. */
    if (ret >= 0 && o.nqueries == 1 && (ret = lavin_picture_format_check(s.ctx, o.out)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    for (int i = 0; ret >= 0 && i < o.nqueries; i++)
        if ((ret = lavin_picture_read(s.ctx, o.queries[i], &queries[i])) < 0)
            snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    if (ret >= 0)
        ret = prepare_out(&o, err, sizeof(err));
    if (ret >= 0 && (ret = infer_open(&o, &s)) < 0)
        snprintf(err, sizeof(err), "%s", lavin_context_error(s.ctx));
    if (ret >= 0)
        ret = run_queries(&o, &s, queries, err, sizeof(err));
    for (int i = 0; queries && i < o.nqueries; i++)
        lavin_picture_free(&queries[i]);
    free(queries);
    infer_close(&s);
    return ret < 0 ? infer_fail("run", ret, err) : LAVIN_EXIT_OK;
}
