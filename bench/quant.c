/* Quantized J-DiT weights (jdit/jdit_quant.h), the figures of
 * bench/README.md's "Quantized weights": per weight type, the released
 * J-DiT's weight bytes and the whole model's device memory at 512x512 with
 * 4 pairs; the velocity's normalised error against f16 weights, with the
 * blocks' adaLN modulation quantized (lavin convert's rule) or kept f16, or
 * with every Linear quantized, on one block of the released width (random
 * weights) and on lavin-tiny (its own weights); and
 * a guided sampler step of the released J-DiT on Q8_0 and Q4_0 weights.
 * Every case's name starts with "quant"; all run with --full only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "checkpoint/checkpoint.h"
#include "core/half.h"
#include "core/noise.h"
#include "core/quant.h"
#include "core/ops/elementwise.h"
#include "core/stream.h"
#include "core/transfer.h"
#include "jdit/jdit.h"
#include "jdit/jdit_config.h"
#include "jdit/jdit_manifest.h"
#include "jdit/jdit_quant.h"
#include "lavin_config.h"
#include "stvae/stvae.h"
#include "stvae/tiling.h"

/* lavin convert's rule (jdit/jdit_quant.h), and two departures from it to
 * measure what it weighs. */
typedef struct variant {
    const char *label;
    lavin_dtype dtype;
    int keep_mod;  /* the blocks' modulation Linears stay f16 */
    int every;     /* the embeddings, timestep MLP and final layer are quantized too */
} variant;

static const variant variants[] = {
    { "f16", LAVIN_F16, 0, 0 },
    { "q8_0", LAVIN_Q8_0, 0, 0 },
    { "q8_0, modulation f16", LAVIN_Q8_0, 1, 0 },
    { "q8_0, every Linear", LAVIN_Q8_0, 0, 1 },
    { "q4_0", LAVIN_Q4_0, 0, 0 },
    { "q4_0, modulation f16", LAVIN_Q4_0, 1, 0 },
    { "q4_0, every Linear", LAVIN_Q4_0, 0, 1 },
};
enum { NVARIANTS = sizeof(variants) / sizeof(variants[0]) };

static lavin_dtype variant_dtype(const variant *v, const char *name, int ndim, const int64_t *shape)
{
    /* prompt_embed and answer_embed are added, not multiplied */
    if (v->every && ndim == 2 && shape[1] % LAVIN_QK == 0 && strcmp(name, "prompt_embed") &&
        strcmp(name, "answer_embed"))
        return v->dtype;
    int mod = v->keep_mod && !strncmp(name, "blocks.", 7) && strstr(name, "_modulation.");
    return lavin_jdit_quant_dtype(mod ? LAVIN_F16 : v->dtype, name, ndim, shape);
}

static int64_t nelem(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    return n;
}

typedef struct {
    const variant *v;
    uint64_t bytes;
} tally;

static void count_jdit(void *user, const char *name, int ndim, const int64_t *shape)
{
    tally *t = user;
    t->bytes += lavin_dtype_row_bytes(variant_dtype(t->v, name, ndim, shape), nelem(ndim, shape));
}

static void count_f16(void *user, const char *name, int ndim, const int64_t *shape)
{
    (void)name;
    *(uint64_t *)user += lavin_dtype_row_bytes(LAVIN_F16, nelem(ndim, shape));
}

static void vae_list(const void *cfg, lavin_manifest_fn fn, void *user)
{
    lavin_stvae_manifest(cfg, fn, user);
}

/* Weights, the J-DiT's workspace for one query with 4 pairs (9 condition
 * frames) at 512x512 (lavin_jdit_workspace_estimate, what --batch sizes
 * batches by), and the ST-VAE's larger untiled estimate of one 512x512
 * frame (lavin_stvae_memory_estimate): the workspace stays allocated while
 * the next query is encoded and the answer decoded. */
static int memory(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const char name[] = "quant memory, released, 512x512, 4 pairs";
    if (!lavin_bench_wanted(o, name))
        return 0;
    lavin_jdit_config cfg;
    lavin_stvae_config vcfg;
    lavin_jdit_dims d;
    char err[256];
    lavin_jdit_config_preset(&cfg);
    lavin_stvae_config_preset(&vcfg);
    if (lavin_jdit_config_dims(&cfg, &d, err, sizeof(err)) < 0)
        return lavin_err(ctx, LAVIN_EINVAL, "%s", err);
    lavin_weights *w = NULL;
    lavin_stvae *vae = NULL;
    int ret = lavin_bench_weights(ctx, vae_list, &vcfg, &w);
    if (ret >= 0)
        ret = lavin_stvae_create(ctx, &vcfg, w, &vae);
    if (ret < 0) {
        lavin_weights_free(ctx, &w);
        return ret;
    }
    int64_t side = 512 / lavin_stvae_scale(vae) / d.patch;
    uint64_t vae_f16 = 0, tok = (uint64_t)(side * side);
    lavin_stvae_manifest(&vcfg, count_f16, &vae_f16);
    uint64_t ws = lavin_jdit_workspace_estimate(&d, 1, 9 * tok, tok);
    uint64_t enc = lavin_stvae_memory_estimate(vae, 1, 1, 1, 512, 512);
    uint64_t dec = lavin_stvae_memory_estimate(vae, 0, 1, 1, 512, 512);
    uint64_t act = ws + (enc > dec ? enc : dec);
    const double MiB = 1048576.0;
    printf("%s: ST-VAE weights %.0f MiB f16 (%.0f MiB f32), J-DiT workspace %.0f MiB, ST-VAE untiled %.0f MiB "
           "encode, %.0f MiB decode\n", name, vae_f16 / MiB, 2 * vae_f16 / MiB, ws / MiB, enc / MiB, dec / MiB);
    printf("  %-24s %14s %14s %22s\n", "J-DiT weights", "J-DiT MiB", "J-DiT GB", "peak MiB (ST-VAE f16)");
    for (int i = 0; i < NVARIANTS; i++) {
        tally t = { &variants[i], 0 };
        lavin_jdit_manifest(&cfg, count_jdit, &t);
        printf("  %-24s %14.0f %14.3f %22.0f\n", variants[i].label, t.bytes / MiB, t.bytes * 1e-9,
               (t.bytes + vae_f16 + act) / MiB);
    }
    fflush(stdout);
    lavin_stvae_destroy(&vae);
    lavin_weights_free(ctx, &w);
    return 0;
}

/* A J-DiT in one variant, every tensor from the checkpoint ck when given,
 * else from the bench's pool (lavin_bench_pool_take), the same for every
 * variant and as lavin_bench_weights makes the f16 model. */

typedef struct {
    lavin_context *ctx;
    lavin_weights *w;
    const variant *v;
    const lavin_checkpoint *ck;
    const uint16_t *pool;
    uint64_t seed;
    int ret;
} build_state;

static void add(void *user, const char *name, int ndim, const int64_t *shape)
{
    build_state *b = user;
    if (b->ret < 0)
        return;
    size_t n = (size_t)nelem(ndim, shape);
    lavin_dtype dt = variant_dtype(b->v, name, ndim, shape);
    int quant = lavin_dtype_is_quantized(dt);
    float *f = malloc(n * sizeof(*f));
    uint16_t *h = b->ck ? NULL : malloc(n * sizeof(*h));
    void *q = quant ? malloc((size_t)lavin_dtype_row_bytes(dt, (int64_t)n)) : NULL;
    if (!f || (!b->ck && !h) || (quant && !q)) {
        free(f);
        free(h);
        free(q);
        b->ret = lavin_err(b->ctx, LAVIN_ENOMEM, "bench: out of host memory");
        return;
    }
    const lavin_ckpt_tensor *ct = b->ck ? lavin_checkpoint_find(b->ck, name) : NULL;
    if (b->ck && (!ct || lavin_dtype_is_quantized(ct->dtype))) {
        b->ret = lavin_err(b->ctx, LAVIN_EFORMAT, "bench: '%s' is missing or already quantized", name);
    } else if (ct) {
        lavin_convert_dtype(ct->data, ct->dtype, f, LAVIN_F32, n);
    } else {
        lavin_bench_pool_take(b->pool, &b->seed, h, n);
        lavin_convert_dtype(h, LAVIN_F16, f, LAVIN_F32, n);
    }
    /* f16 and bf16 from f32 on upload; the blocks as lavin convert writes them */
    if (b->ret >= 0 && quant) {
        lavin_quantize_row(dt, f, q, (int64_t)n);
        b->ret = lavin_weights_add(b->ctx, b->w, name, dt, ndim, shape, q, dt);
    } else if (b->ret >= 0) {
        b->ret = lavin_weights_add(b->ctx, b->w, name, dt, ndim, shape, f, LAVIN_F32);
    }
    free(f);
    free(h);
    free(q);
}

static int build(lavin_context *ctx, const lavin_jdit_config *cfg, const variant *v, const lavin_checkpoint *ck,
                 const uint16_t *pool, lavin_weights **out)
{
    build_state b = { ctx, NULL, v, ck, pool, 1, 0 };
    LAVIN_TRY(lavin_weights_new(ctx, &b.w));
    lavin_jdit_manifest(cfg, add, &b);
    if (b.ret < 0) {
        lavin_weights_free(ctx, &b.w);
        return b.ret;
    }
    *out = b.w;
    return 0;
}

/* v(x, 0.5, cond) of one item, Tc condition frames of h x h latents, on
 * every variant; errors against the first (f16). */
static int velocity_errors(lavin_context *ctx, const lavin_bench_opts *o, const char *label,
                           const lavin_jdit_config *cfg, const lavin_checkpoint *ck, int64_t Tc, int64_t h)
{
    char name[128], err[256];
    snprintf(name, sizeof(name), "quant velocity error, %s", label);
    if (!lavin_bench_wanted(o, name))
        return 0;
    lavin_jdit_dims d;
    if (lavin_jdit_config_dims(cfg, &d, err, sizeof(err)) < 0)
        return lavin_err(ctx, LAVIN_EINVAL, "%s", err);
    uint16_t *pool = lavin_bench_pool_new();
    size_t n = (size_t)(16 * h * h);
    float *ref = malloc(n * sizeof(*ref)), *got = malloc(n * sizeof(*got));
    lavin_tensor x = { 0 }, cond = { 0 }, v = { 0 };
    int ret = pool && ref && got ? 0 : lavin_err(ctx, LAVIN_ENOMEM, "bench: out of host memory");
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &x, LAVIN_F32, 5, (int64_t[]){ 1, 16, 1, h, h });
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &v, LAVIN_F32, 5, x.ne);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, &cond, LAVIN_F32, 5, (int64_t[]){ 1, 16, Tc, h, h });
    if (ret >= 0)
        ret = lavin_gaussian_tensor(ctx, 1, &x);
    if (ret >= 0)
        ret = lavin_gaussian_tensor(ctx, 2, &cond);
    int64_t tok = (h / d.patch) * (h / d.patch);
    printf("%s: %lld condition and %lld target tokens\n", name, (long long)(Tc * tok), (long long)tok);
    for (int i = 0; i < NVARIANTS && ret >= 0; i++) {
        lavin_weights *w = NULL;
        lavin_jdit *m = NULL;
        float t = 0.5f;
        ret = build(ctx, cfg, &variants[i], ck, pool, &w);
        if (ret >= 0)
            ret = lavin_jdit_create(ctx, &d, w, &m);
        if (ret >= 0)
            ret = lavin_jdit_forward(m, &x, &t, &cond, &v);
        if (ret >= 0)
            ret = lavin_tensor_download(ctx, &v, i ? got : ref, n * sizeof(*got));
        if (ret >= 0 && i) {
            double num = 0, den = 0;
            for (size_t k = 0; k < n; k++) {
                num += ((double)got[k] - ref[k]) * ((double)got[k] - ref[k]);
                den += (double)ref[k] * ref[k];
            }
            printf("  %-24s %10.2e   weights %.1f MiB\n", variants[i].label, sqrt(num / den),
                   lavin_weights_bytes(w) / 1048576.0);
        } else if (ret >= 0) {
            printf("  %-24s %10s   weights %.1f MiB\n", variants[i].label, "(ref)", lavin_weights_bytes(w) / 1048576.0);
        }
        fflush(stdout);
        lavin_jdit_destroy(&m);
        lavin_weights_free(ctx, &w);
    }
    lavin_stream_sync(ctx);
    lavin_tensor_free(ctx, &x);
    lavin_tensor_free(ctx, &v);
    lavin_tensor_free(ctx, &cond);
    free(pool);
    free(ref);
    free(got);
    return ret;
}

static int tiny_errors(lavin_context *ctx, const lavin_bench_opts *o)
{
    static const char path[] = LAVIN_SOURCE_ROOT "/models/lavin-tiny/lavin_dit.safetensors";
    if (!lavin_bench_wanted(o, "quant velocity error, lavin-tiny"))
        return 0;
    lavin_checkpoint *ck = NULL;
    lavin_jdit_config cfg;
    const char *origin;
    char err[512];
    if (lavin_checkpoint_open(path, &ck, err, sizeof(err)) < 0 ||
        lavin_jdit_config_find(ck, NULL, &cfg, &origin, NULL, err, sizeof(err)) < 0) {
        printf("%-44s skipped: %s\n", "quant velocity error, lavin-tiny", err);
        lavin_checkpoint_close(&ck);
        return 0;
    }
    /* its 128x128 size, 2 pairs and the query */
    int ret = velocity_errors(ctx, o, "lavin-tiny (its weights), 128x128, 2 pairs", &cfg, ck, 5, 16);
    lavin_checkpoint_close(&ck);
    return ret;
}

/* bench/sampler.c's step (a conditional and a null pass, 4 pairs) on
 * quantized random weights. */
static int sampler_step(lavin_context *ctx, const lavin_bench_opts *o, const variant *var, int size)
{
    lavin_jdit_config cfg;
    lavin_jdit_dims d;
    char name[128], err[256];
    lavin_jdit_config_preset(&cfg);
    snprintf(name, sizeof(name), "quant sampler step released %s %dx%d", var->label, size, size);
    if (!lavin_bench_wanted(o, name))
        return 0;
    if (lavin_jdit_config_dims(&cfg, &d, err, sizeof(err)) < 0)
        return lavin_err(ctx, LAVIN_EINVAL, "%s", err);
    uint16_t *pool = lavin_bench_pool_new();
    if (!pool)
        return lavin_err(ctx, LAVIN_ENOMEM, "bench: out of host memory");
    lavin_weights *w = NULL;
    int ret = build(ctx, &cfg, var, NULL, pool, &w);
    free(pool);
    return ret < 0 ? ret : lavin_bench_sampler_step(ctx, o, name, &d, &w, size);
}

int lavin_bench_quant(lavin_context *ctx, const lavin_bench_opts *o)
{
    if (!o->full)
        return 0;
    /* one block of the released width: its every shape, quickly on a CPU */
    const lavin_jdit_config block = { 2304, 1, 32, 4, 16, 2 };
    int ret = memory(ctx, o);
    if (ret >= 0)
        ret = velocity_errors(ctx, o, "released width (2304/1), random weights", &block, NULL, 5, 16);
    if (ret >= 0)
        ret = tiny_errors(ctx, o);
    /* the sampler on lavin convert's q8_0 and q4_0 */
    for (int i = 0; i < NVARIANTS && ret >= 0; i++) {
        const variant *v = &variants[i];
        if (!lavin_dtype_is_quantized(v->dtype) || v->keep_mod || v->every)
            continue;
        for (int size = 256; size <= 512 && ret >= 0; size *= 2)
            ret = sampler_step(ctx, o, v, size);
    }
    return ret;
}
