/* lavin eval: one answer (or a trivial baseline) scored against the exact
 * target, with the metrics of tasks/metrics.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "cli/commands.h"
#include "core/error.h"
#include "cli/infer.h"
#include "media/image.h"
#include "tasks/metrics.h"
#include "tasks/pairs.h"
#include "tasks/task.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: lavin eval --task depth|normal|segmentation|edges (--pred PRED.png | --baseline)\n"
               "                  --truth TRUTH [--context DIR] [--radius R]\n\n"
               "Scores the model's RGB answer (lavin run --task raw) against the exact target and prints\n"
               "one line: the metric's name and value.\n"
               "  depth         AbsRel after least-squares scale and shift in inverse depth; TRUTH is a\n"
               "                safetensors file with 'depth' [H, W] f32 (0 or inf: no depth, e.g. sky)\n"
               "  normal        mean angular error in degrees; TRUTH is the encoded normal picture\n"
               "  segmentation  mean IoU; labels by the nearest colour of the palette of DIR's targets\n"
               "                (default: of TRUTH's own colours)\n"
               "  edges         F1 with a tolerance of R pixels (default 2)\n"
               "--baseline scores the trivial answer instead: one flat depth, every normal facing up,\n"
               "the truth's most common class everywhere, no edges.\n");
}

typedef struct {
    const char *task, *pred, *truth, *context;
    int baseline, radius;
} eval_opts;

static int parse(int argc, char **argv, eval_opts *o)
{
    *o = (eval_opts){ .radius = 2 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        const char **dst = !strcmp(a, "--task") ? &o->task : !strcmp(a, "--pred") ? &o->pred
                         : !strcmp(a, "--truth") ? &o->truth : !strcmp(a, "--context") ? &o->context : NULL;
        char *end;
        if (!strcmp(a, "--baseline")) {
            o->baseline = 1;
            continue;
        }
        if (dst && v)
            *dst = v;
        else if (!strcmp(a, "--radius") && v && (o->radius = (int)strtol(v, &end, 10)) >= 0 && o->radius < 64 &&
                 !*end)
            ;
        else {
            fprintf(stderr, "lavin eval: bad or incomplete argument '%s' (see --help)\n", a);
            return -1;
        }
        i++;
    }
    if (!o->task || !o->truth || !o->pred == !o->baseline) {
        fprintf(stderr, "lavin eval: --task, --truth and one of --pred or --baseline are required\n");
        return -1;
    }
    return 0;
}

/* The truth's depth map; its size goes to *w, *h. */
static float *read_depth(const char *path, int *w, int *h, char *err, size_t n)
{
    lavin_checkpoint *ck = NULL;
    if (lavin_checkpoint_open(path, &ck, err, n) < 0)
        return NULL;
    const lavin_ckpt_tensor *t = lavin_checkpoint_find(ck, "depth");
    float *d = NULL;
    if (!t || t->dtype != LAVIN_F32 || t->ndim != 2 || t->shape[0] < 1 || t->shape[1] < 1)
        lavin_err_buf(err, n, LAVIN_EFORMAT, "%s: needs a tensor 'depth' [H, W] f32", path);
    else if (!(d = malloc(t->nbytes)))
        lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    else {
        memcpy(d, t->data, t->nbytes);
        *h = (int)t->shape[0];
        *w = (int)t->shape[1];
    }
    lavin_checkpoint_close(&ck);
    return d;
}

static int palette(const eval_opts *o, const lavin_image *truth, lavin_palette *pal, char *err, size_t n)
{
    if (!o->context)
        return lavin_palette_from_targets(truth, 1, pal, err, n);
    char dir[4096];
    lavin_pairs pairs;
    LAVIN_TRY(lavin_pairs_dir(o->context, getenv("LAVIN_CONTEXTS"), dir, sizeof(dir), err, n));
    LAVIN_TRY(lavin_pairs_scan(dir, LAVIN_PAIRS_IMAGES, &pairs, err, n));
    lavin_image *t = calloc((size_t)pairs.n, sizeof(*t));
    int ret = t ? 0 : lavin_err_buf(err, n, LAVIN_ENOMEM, "out of host memory");
    for (int i = 0; ret >= 0 && i < pairs.n; i++)
        ret = lavin_image_read(pairs.v[i].target, &t[i], err, n);
    if (ret >= 0)
        ret = lavin_palette_from_targets(t, pairs.n, pal, err, n);
    for (int i = 0; t && i < pairs.n; i++)
        lavin_image_free(&t[i]);
    free(t);
    lavin_pairs_free(&pairs);
    return ret;
}

/* The trivial answer for the task, the truth's size. */
static int baseline(const char *task, const lavin_image *truth, int w, int h, lavin_image *out, char *err,
                    size_t n)
{
    uint8_t c[3] = { 128, 128, 128 };
    if (!strcmp(task, "normal"))
        c[1] = 255;
    else if (!strcmp(task, "edges"))
        c[0] = c[1] = c[2] = 0;
    else if (!strcmp(task, "segmentation")) {
        lavin_palette pal;
        LAVIN_TRY(lavin_palette_from_targets(truth, 1, &pal, err, n));
        if (pal.n)
            memcpy(c, pal.rgb[0], 3);
    }
    LAVIN_TRY(lavin_image_alloc(out, w, h, 3, 8, err, n));
    for (size_t i = 0; i < (size_t)w * h; i++)
        memcpy((uint8_t *)out->data + 3 * i, c, 3);
    return 0;
}

static int score(const eval_opts *o, double *value, const char **name, char *err, size_t n)
{
    int depth = !strcmp(o->task, "depth"), w = 0, h = 0, ret = 0;
    if (!depth && strcmp(o->task, "normal") && strcmp(o->task, "segmentation") && strcmp(o->task, "edges"))
        return lavin_err_buf(err, n, LAVIN_EINVAL, "--task %s: no metric for it", o->task);
    lavin_image truth = { 0 }, pred = { 0 };
    lavin_palette pal = { 0 };
    float *d = NULL;
    if (depth)
        ret = (d = read_depth(o->truth, &w, &h, err, n)) ? 0 : LAVIN_EFORMAT;
    else if ((ret = lavin_image_read(o->truth, &truth, err, n)) >= 0) {
        w = truth.width;
        h = truth.height;
    }
    if (ret >= 0)
        ret = o->baseline ? baseline(o->task, &truth, w, h, &pred, err, n) : lavin_image_read(o->pred, &pred, err, n);
    if (ret >= 0 && (pred.width != w || pred.height != h))
        ret = lavin_err_buf(err, n, LAVIN_EINVAL, "%s is %dx%d but the truth %s is %dx%d", o->pred, pred.width,
                            pred.height, o->truth, w, h);
    int seg = !strcmp(o->task, "segmentation"), normal = !strcmp(o->task, "normal");
    if (ret >= 0 && seg && (ret = palette(o, &truth, &pal, err, n)) >= 0 && !pal.n)
        ret = lavin_err_buf(err, n, LAVIN_EINVAL, "%s: no palette colours (each class in one exact colour)",
                            o->context ? o->context : o->truth);
    if (ret >= 0) {
        *name = depth ? "absrel" : normal ? "degrees" : seg ? "miou" : "f1";
        *value = depth ? lavin_metric_depth_absrel(&pred, d) : normal ? lavin_metric_normal_degrees(&pred, &truth)
               : seg ? lavin_metric_miou(&pred, &truth, &pal) : lavin_metric_edge_f1(&pred, &truth, o->radius);
    }
    free(d);
    lavin_image_free(&truth);
    lavin_image_free(&pred);
    return ret;
}

int lavin_cmd_eval(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return LAVIN_EXIT_OK;
        }
    eval_opts o;
    if (parse(argc, argv, &o) < 0)
        return LAVIN_EXIT_USAGE;
    char err[1024] = "";
    double value = NAN;
    const char *name = "";
    int ret = score(&o, &value, &name, err, sizeof(err));
    if (ret < 0)
        return infer_fail("eval", ret, err);
    printf("%s %.6f\n", name, value);
    return LAVIN_EXIT_OK;
}
