/* The J-DiT on Q8_0 and Q4_0 weights (jdit/jdit_quant.h): the forward pass
 * on quantized weights equals it on f32 weights holding the very values the
 * blocks decode to, for one item (each modulation Linear read whole) and
 * for two (read as four row views), with either kernel class; the
 * workspace estimate is what a
 * guided forward allocates; and the released model's weights fit issue
 * 20's budgets: Q8_0 in 3.8 GB, Q4_0 in 2.2 GB. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/weights.h"
#include "core/context.h"
#include "core/half.h"
#include "core/noise.h"
#include "core/quant.h"
#include "core/stream.h"
#include "core/transfer.h"
#include "jdit/jdit.h"
#include "jdit/jdit_config.h"
#include "jdit/jdit_manifest.h"
#include "jdit/jdit_quant.h"

typedef struct {
    lavin_context *ctx;
    int passed, failed;
} suite;

static void report(suite *s, int ok, const char *what, const char *detail)
{
    ok ? s->passed++ : s->failed++;
    printf("  %s %-58s %s\n", ok ? "ok  " : "FAIL", what, detail ? detail : "");
}

typedef struct {
    lavin_dtype dtype;
    uint64_t bytes, quantized;
    const char *mod_dtype, *final_dtype;
} tally;

static void count(void *user, const char *name, int ndim, const int64_t *shape)
{
    tally *t = user;
    lavin_dtype dt = lavin_jdit_quant_dtype(t->dtype, name, ndim, shape);
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    t->bytes += lavin_dtype_row_bytes(dt, n);
    t->quantized += lavin_dtype_is_quantized(dt) ? lavin_dtype_row_bytes(dt, n) : 0;
    if (!strcmp(name, "blocks.21.x_modulation.1.weight"))
        t->mod_dtype = lavin_dtype_name(dt);
    if (!strcmp(name, "final_layer.adaLN_modulation.1.weight"))
        t->final_dtype = lavin_dtype_name(dt);
}

static void released_bytes(suite *s)
{
    static const struct {
        lavin_dtype dtype;
        double budget;  /* bytes; 0: none */
    } cases[] = { { LAVIN_F16, 0 }, { LAVIN_Q8_0, 3.8e9 }, { LAVIN_Q4_0, 2.2e9 } };
    lavin_jdit_config cfg;
    lavin_jdit_config_preset(&cfg);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tally t = { .dtype = cases[i].dtype };
        lavin_jdit_manifest(&cfg, count, &t);
        char what[96], detail[128];
        snprintf(what, sizeof(what), "released J-DiT as %s", lavin_dtype_name(cases[i].dtype));
        snprintf(detail, sizeof(detail), "%.3f GB (%.2f GiB), %.3f GB of it %s", t.bytes * 1e-9,
                 t.bytes / 1073741824.0, t.quantized * 1e-9, lavin_dtype_name(cases[i].dtype));
        int ok = !cases[i].budget || (double)t.bytes <= cases[i].budget;
        if (lavin_dtype_is_quantized(cases[i].dtype))
            ok = ok && !strcmp(t.mod_dtype, lavin_dtype_name(cases[i].dtype)) && !strcmp(t.final_dtype, "f16");
        report(s, ok, what, detail);
    }
}

/* Every tensor of a manifest from one seed: the quantized model, and the
 * f32 one of the values its blocks decode to (kept tensors rounded to f16,
 * as they are stored). */
typedef struct {
    lavin_context *ctx;
    lavin_weights *q, *ref;
    lavin_dtype dtype;
    uint64_t seed;
    int ret;
} build_state;

static void add_pair(void *user, const char *name, int ndim, const int64_t *shape)
{
    build_state *b = user;
    if (b->ret < 0)
        return;
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    float *v = malloc((size_t)n * sizeof(*v));
    void *blocks = malloc((size_t)n * 2);  /* the larger of f16 and either block layout */
    if (!v || !blocks) {
        free(v);
        free(blocks);
        b->ret = lavin_err(b->ctx, LAVIN_ENOMEM, "out of host memory");
        return;
    }
    lavin_gaussian(b->seed++, 0, v, (size_t)n);
    for (int64_t i = 0; i < n; i++)
        v[i] *= 0.1f;
    lavin_dtype dt = lavin_jdit_quant_dtype(b->dtype, name, ndim, shape);
    if (lavin_dtype_is_quantized(dt))
        lavin_quantize_row(dt, v, blocks, n);
    else
        lavin_convert_dtype(v, LAVIN_F32, blocks, dt, (size_t)n);
    b->ret = lavin_weights_add(b->ctx, b->q, name, dt, ndim, shape, blocks, dt);
    if (lavin_dtype_is_quantized(dt))
        lavin_dequantize_row(dt, blocks, v, n);
    else
        lavin_convert_dtype(blocks, dt, v, LAVIN_F32, (size_t)n);
    if (b->ret >= 0)
        b->ret = lavin_weights_add(b->ctx, b->ref, name, LAVIN_F32, ndim, shape, v, LAVIN_F32);
    free(v);
    free(blocks);
}

static double rel_err(suite *s, const lavin_tensor *a, const lavin_tensor *b)
{
    size_t n = (size_t)lavin_tensor_nelem(a);
    float *x = malloc(n * 4), *y = malloc(n * 4);
    double num = NAN, den = 0;
    if (x && y && lavin_tensor_download(s->ctx, a, x, n * 4) >= 0 && lavin_tensor_download(s->ctx, b, y, n * 4) >= 0) {
        num = 0;
        for (size_t i = 0; i < n; i++) {
            num += isfinite(x[i]) ? ((double)x[i] - y[i]) * ((double)x[i] - y[i]) : INFINITY;
            den += (double)y[i] * y[i];
        }
    }
    free(x);
    free(y);
    return sqrt(num / den);
}

/* v on quantized weights against v on their decoded values, for B items
 * (B > 1 reads each modulation Linear through its four row views). */
static int forward_pair(suite *s, lavin_jdit *mq, lavin_jdit *mref, int64_t B, int guided, double *err)
{
    lavin_tensor x = { 0 }, cond = { 0 }, null = { 0 }, vq = { 0 }, vref = { 0 };
    float t[2] = { 0.3f, 0.7f };
    int ret = lavin_tensor_alloc(s->ctx, &x, LAVIN_F32, 5, (int64_t[]){ B, 16, 1, 8, 8 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &cond, LAVIN_F32, 5, (int64_t[]){ B, 16, 3, 8, 8 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &null, LAVIN_F32, 5, (int64_t[]){ B, 16, 2, 8, 8 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &vq, LAVIN_F32, 5, x.ne);
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &vref, LAVIN_F32, 5, x.ne);
    if (ret >= 0)
        ret = lavin_gaussian_tensor(s->ctx, 11, &x);
    if (ret >= 0)
        ret = lavin_gaussian_tensor(s->ctx, 12, &cond);
    if (ret >= 0)
        ret = lavin_gaussian_tensor(s->ctx, 13, &null);
    if (ret >= 0)
        ret = guided ? lavin_jdit_forward_cfg(mq, &x, t, &cond, &null, 1.5f, &vq)
                     : lavin_jdit_forward(mq, &x, t, &cond, &vq);
    if (ret >= 0)
        ret = guided ? lavin_jdit_forward_cfg(mref, &x, t, &cond, &null, 1.5f, &vref)
                     : lavin_jdit_forward(mref, &x, t, &cond, &vref);
    if (ret >= 0)
        ret = lavin_stream_sync(s->ctx);
    if (ret >= 0)
        *err = rel_err(s, &vq, &vref);
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &cond);
    lavin_tensor_free(s->ctx, &null);
    lavin_tensor_free(s->ctx, &vq);
    lavin_tensor_free(s->ctx, &vref);
    return ret;
}

/* A J-DiT whose every block weight has whole-block rows (hidden 96, MLP
 * 256), so the modulation is quantized too. */
static void forward_case(suite *s, lavin_dtype dtype)
{
    const lavin_jdit_config cfg = { 96, 2, 2, 1, 16, 2 };
    lavin_jdit_dims d;
    char err[256], what[96], detail[96];
    build_state b = { .ctx = s->ctx, .dtype = dtype, .seed = 1 };
    lavin_jdit *mq = NULL, *mref = NULL;
    int ret = lavin_jdit_config_dims(&cfg, &d, err, sizeof(err));
    if (ret >= 0)
        ret = lavin_weights_new(s->ctx, &b.q);
    if (ret >= 0)
        ret = lavin_weights_new(s->ctx, &b.ref);
    if (ret >= 0) {
        lavin_jdit_manifest(&cfg, add_pair, &b);
        ret = b.ret;
    }
    if (ret >= 0)
        ret = lavin_jdit_create(s->ctx, &d, b.q, &mq);
    if (ret >= 0)
        ret = lavin_jdit_create(s->ctx, &d, b.ref, &mref);
    const lavin_tensor *mod = b.q ? lavin_weights_get(b.q, "blocks.1.cond_modulation.1.weight") : NULL;
    snprintf(what, sizeof(what), "%s: the modulation is %s", lavin_dtype_name(dtype), lavin_dtype_name(dtype));
    report(s, ret >= 0 && mod && mod->dtype == dtype, what, ret < 0 ? lavin_context_error(s->ctx) : NULL);
    for (int c = 0; c < 3 && ret >= 0; c++) {
        int64_t B = c ? 2 : 1;
        double e = NAN;
        ret = forward_pair(s, mq, mref, B, c == 2, &e);
        snprintf(what, sizeof(what), "%s: v against its decoded weights, B=%lld%s", lavin_dtype_name(dtype),
                 (long long)B, c == 2 ? ", guided" : "");
        snprintf(detail, sizeof(detail), "err %.2g (tol 1e-5)", e);
        report(s, ret >= 0 && e <= 1e-5, what, ret < 0 ? lavin_context_error(s->ctx) : detail);
    }
    if (ret >= 0) {
        /* the guided pass reserved the larger of its two condition lengths */
        uint64_t want = lavin_jdit_workspace_estimate(&d, 2, 3 * 16, 16), got = lavin_jdit_workspace_bytes(mq);
        snprintf(detail, sizeof(detail), "%llu bytes, allocated %llu", (unsigned long long)want,
                 (unsigned long long)got);
        snprintf(what, sizeof(what), "%s: workspace estimate", lavin_dtype_name(dtype));
        report(s, want == got, what, detail);
    }
    lavin_jdit_destroy(&mq);
    lavin_jdit_destroy(&mref);
    lavin_weights_free(s->ctx, &b.q);
    lavin_weights_free(s->ctx, &b.ref);
}

int main(void)
{
    suite s = { 0 };
    printf("jdit_quant:\n");
    released_bytes(&s);
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    /* f32 arithmetic on both sides, so only the weights' storage differs */
    p.precision = LAVIN_PRECISION_F32;
    char err[512];
    if (lavin_context_open(&s.ctx, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "test_jdit_quant: %s\n", err);
        return 1;
    }
    /* Both kernel classes read the blocks, whatever the device. */
    enum lavin_kernels own = s.ctx->kernels;
    for (int k = 0; k < 2; k++) {
        s.ctx->kernels = k ? (own == LAVIN_KERNELS_CPU ? LAVIN_KERNELS_GPU : LAVIN_KERNELS_CPU) : own;
        printf(" %s kernels:\n", s.ctx->kernels == LAVIN_KERNELS_CPU ? "CPU" : "GPU");
        forward_case(&s, LAVIN_Q8_0);
        forward_case(&s, LAVIN_Q4_0);
    }
    s.ctx->kernels = own;
    report(&s, lavin_validation_errors(s.ctx) == 0, "no validation errors", NULL);
    lavin_context_destroy(&s.ctx);
    printf("%d passed, %d failed\n", s.passed, s.failed);
    return s.failed ? 1 : 0;
}
