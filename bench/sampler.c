/* The sampler: one guided Euler step (a conditional and a null J-DiT pass)
 * for configs from tiny up to the released 3.4B shape, random f16 weights,
 * 4 example pairs (9 condition frames) at 256x256 and 512x512. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "jdit/jdit_manifest.h"
#include "core/noise.h"
#include "core/ops/elementwise.h"
#include "core/stream.h"
#include "checkpoint/weights.h"

typedef struct {
    lavin_jdit *m;
    lavin_tensor x, cond, cond_null, v;
} step_args;

static int step(lavin_context *ctx, void *p)
{
    step_args *a = p;
    float t = 0.5f;
    LAVIN_TRY(lavin_jdit_forward_cfg(a->m, &a->x, &t, &a->cond, &a->cond_null, 1.5f, &a->v));
    return lavin_op_axpby(ctx, 1.0f, &a->x, 0.05f, &a->v, &a->x);
}

/* FLOPs of one pass over Lc condition and Lx target tokens. */
static void jdit_list(const void *cfg, lavin_manifest_fn fn, void *user)
{
    lavin_jdit_manifest(cfg, fn, user);
}

static double pass_flops(const lavin_jdit_dims *d, double Lc, double Lx)
{
    double D = d->hidden, qw = (double)d->heads * d->head_dim, kw = (double)d->kv_heads * d->head_dim;
    double pc = (double)d->patch * d->patch * d->channels, Lj = Lc + Lx;
    double per_token = 2 * D * (2 * qw + 2 * kw) + 2 * 3 * D * d->mlp;
    double block = Lj * per_token + 4.0 * d->heads * Lj * Lj * d->head_dim;
    return d->depth * block - Lc * 2 * 3 * D * d->mlp + 2 * Lj * pc * D + 2 * Lx * D * pc;
}

static int one(lavin_context *ctx, const lavin_bench_opts *o, const char *label, const lavin_jdit_config *cfg,
               int size)
{
    lavin_jdit_dims d;
    char err[256], name[128];
    if (lavin_jdit_config_dims(cfg, &d, err, sizeof(err)) < 0)
        return lavin_err(ctx, LAVIN_EINVAL, "%s", err);
    snprintf(name, sizeof(name), "sampler step %s %dx%d, 4 pairs", label, size, size);
    if (!lavin_bench_wanted(o, name))
        return 0;
    lavin_weights *w = NULL;
    int ret = lavin_bench_weights(ctx, jdit_list, cfg, &w);
    return ret < 0 ? ret : lavin_bench_sampler_step(ctx, o, name, &d, &w, size);
}

int lavin_bench_sampler_step(lavin_context *ctx, const lavin_bench_opts *o, const char *name,
                             const lavin_jdit_dims *d, lavin_weights **w, int size)
{
    step_args a = { 0 };
    int64_t h = size / 8;
    int ret = lavin_jdit_create(ctx, d, *w, &a.m);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.x, LAVIN_F32, 5, (int64_t[]){ 1, 16, 1, h, h });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.v, LAVIN_F32, 5, (int64_t[]){ 1, 16, 1, h, h });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.cond, LAVIN_F32, 5, (int64_t[]){ 1, 16, 9, h, h });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &a.cond_null, LAVIN_F32, 5, (int64_t[]){ 1, 16, 2, h, h });
    if (ret >= 0)
        ret = lavin_gaussian_tensor(ctx, 1, &a.x);
    if (ret >= 0)
        ret = lavin_gaussian_tensor(ctx, 2, &a.cond);
    if (ret >= 0)
        ret = lavin_gaussian_tensor(ctx, 3, &a.cond_null);
    double tok = (double)(h / 2) * (double)(h / 2);
    double flops = pass_flops(d, 9 * tok, tok) + pass_flops(d, 2 * tok, tok);
    if (ret >= 0)
        ret = lavin_bench_time(ctx, o, name, step, &a, flops, (double)lavin_weights_bytes(*w) * 2);
    if (ret == LAVIN_EDEVMEM) {
        printf("%-44s skipped: %s\n", name, lavin_context_error(ctx));
        ret = 0;
    }
    lavin_stream_sync(ctx);
    lavin_tensor_free(ctx, &a.x);
    lavin_tensor_free(ctx, &a.v);
    lavin_tensor_free(ctx, &a.cond);
    lavin_tensor_free(ctx, &a.cond_null);
    lavin_jdit_destroy(&a.m);
    lavin_weights_free(ctx, w);
    return ret;
}

int lavin_bench_sampler(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const struct {
        const char *label;
        lavin_jdit_config cfg;
    } configs[] = {
        { "tiny (72/2)", { 72, 2, 2, 2, 16, 2 } },
        { "small (288/4)", { 288, 4, 4, 4, 16, 2 } },
        { "1152/8", { 1152, 8, 16, 4, 16, 2 } },
        /* one block of the released model: its every shape, in minutes on a CPU */
        { "released width (2304/1)", { 2304, 1, 32, 4, 16, 2 } },
        { "released 3.4B (2304/22)", { 2304, 22, 32, 4, 16, 2 } },
    };
    int nc = o->full ? 5 : 1, ret = 0;
    for (int i = 0; i < nc && ret >= 0; i++)
        for (int size = 256; size <= (o->full ? 512 : 256) && ret >= 0; size *= 2)
            ret = one(ctx, o, configs[i].label, &configs[i].cfg, size);
    return ret;
}
