/* lavin bench ops (and lavin-bench ops): times the ops at the shapes of the
 * released 3.4B J-DiT and ST-VAE, and prints ms per call, GFLOP/s or
 * TFLOP/s, and GB/s. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "core/context.h"
#include "core/half.h"
#include "core/mma.h"
#include "core/noise.h"
#include "core/ops/elementwise.h"
#include "core/stream.h"
#include "core/transfer.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Fills a tensor with small non-zero values without a host copy of its
 * full size: one row uploaded, then replicated on the host in chunks. */
int lavin_bench_tensor(lavin_context *ctx, lavin_tensor *t, lavin_dtype dtype, int ndim, const int64_t *ne)
{
    LAVIN_TRY(lavin_tensor_alloc(ctx, t, dtype, ndim, ne));
    uint64_t bytes = lavin_tensor_bytes(t);
    uint8_t *host = malloc(bytes);
    if (!host)
        return lavin_err(ctx, LAVIN_ENOMEM, "bench: out of host memory for %llu bytes",
                         (unsigned long long)bytes);
    uint32_t state = 12345;
    for (uint64_t i = 0; i + 1 < bytes; i += 2) {
        state = state * 1664525u + 1013904223u;
        /* 0x3c00..0x3fff: f16 in [1, 2); as bf16 or the high half of an f32
         * word the value is similarly tame, so no op overflows. */
        uint16_t v = (uint16_t)(0x3c00 | ((state >> 16) & 0x3ff));
        if (dtype != LAVIN_F16)
            v = (uint16_t)(0x3f00 | ((state >> 16) & 0x7f));
        memcpy(host + i, &v, 2);
    }
    int ret = lavin_tensor_upload(ctx, t, host, bytes);
    free(host);
    return ret;
}

int lavin_bench_wanted(const lavin_bench_opts *o, const char *name)
{
    if (!o->filter)
        return 1;
    for (const char *part = o->filter;; part++) {
        size_t len = strcspn(part, "|");
        if (memmem(name, strlen(name), part, len))
            return 1;
        part += len;
        if (!*part)
            return 0;
    }
}

enum { MAX_REPS = 1000 };

int lavin_bench_time(lavin_context *ctx, const lavin_bench_opts *o, const char *name, lavin_bench_fn fn,
                     void *arg, double flops, double bytes)
{
    if (!lavin_bench_wanted(o, name))
        return 0;
    lavin_memory_reset_peak(ctx);
    /* The first call also builds the pipelines. */
    LAVIN_TRY(fn(ctx, arg));
    LAVIN_TRY(lavin_stream_sync(ctx));
    int reps = 0;
    double t0 = now();
    if (o->reps > 0) {
        for (; reps < o->reps; reps++)
            LAVIN_TRY(fn(ctx, arg));
        LAVIN_TRY(lavin_stream_sync(ctx));
    } else {
        /* Batches of 1, 2, 4, ... calls until `seconds` have passed: a GPU
         * reaches its clocks, and each submission's latency is spread over
         * many calls. */
        for (int n = 1; now() - t0 < o->seconds && reps < MAX_REPS; n *= 2) {
            for (int i = 0; i < n && reps < MAX_REPS; i++, reps++)
                LAVIN_TRY(fn(ctx, arg));
            LAVIN_TRY(lavin_stream_sync(ctx));
        }
    }
    double sec = (now() - t0) / reps;
    printf("%-44s %10.3f %10.*f %9.1f %5d %9.0f\n", name, sec * 1e3, o->flop_unit > 1e9 ? 2 : 1,
           flops / sec / o->flop_unit, bytes / sec * 1e-9, reps, lavin_memory_peak(ctx) / 1048576.0);
    fflush(stdout);
    return 0;
}

/* Every tensor copies its values from one pool of f16 Gaussians, from a
 * random start: a Gaussian apiece took minutes for the released model's 3.4B
 * weights, the copies take seconds. The pool's length is no power of two,
 * so rows of different tensors do not repeat in step. */
enum { POOL = (1 << 20) + 7 };

uint16_t *lavin_bench_pool_new(void)
{
    float *g = malloc(POOL * sizeof(*g));
    uint16_t *pool = malloc(POOL * sizeof(*pool));
    if (g && pool) {
        /* Scaled so activations stay finite through any depth. */
        lavin_gaussian(1, 0, g, POOL);
        for (size_t i = 0; i < POOL; i++)
            pool[i] = lavin_f32_to_f16(0.02f * g[i]);
    } else {
        free(pool);
        pool = NULL;
    }
    free(g);
    return pool;
}

void lavin_bench_pool_take(const uint16_t *pool, uint64_t *seed, uint16_t *dst, size_t n)
{
    size_t at = (size_t)(lavin_splitmix64((*seed)++) % POOL);
    for (size_t i = 0; i < n; at = 0) {
        size_t k = n - i < POOL - at ? n - i : POOL - at;
        memcpy(dst + i, pool + at, k * sizeof(*dst));
        i += k;
    }
}

typedef struct {
    lavin_context *ctx;
    lavin_weights *w;
    const uint16_t *pool;
    uint64_t seed;
    int ret;
} build_state;

static void add_random(void *user, const char *name, int ndim, const int64_t *shape)
{
    build_state *b = user;
    if (b->ret < 0)
        return;
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)shape[i];
    uint16_t *v = malloc(n * sizeof(*v));
    if (!v) {
        b->ret = lavin_err(b->ctx, LAVIN_ENOMEM, "bench: out of host memory");
        return;
    }
    lavin_bench_pool_take(b->pool, &b->seed, v, n);
    b->ret = lavin_weights_add(b->ctx, b->w, name, LAVIN_F16, ndim, shape, v, LAVIN_F16);
    free(v);
}

int lavin_bench_weights(lavin_context *ctx, lavin_manifest_list list, const void *cfg, lavin_weights **out)
{
    uint16_t *pool = lavin_bench_pool_new();
    if (!pool)
        return lavin_err(ctx, LAVIN_ENOMEM, "bench: out of host memory");
    build_state b = { ctx, NULL, pool, 1, 0 };
    int ret = lavin_weights_new(ctx, &b.w);
    if (ret >= 0) {
        list(cfg, add_random, &b);
        ret = b.ret;
    }
    free(pool);
    if (ret < 0) {
        lavin_weights_free(ctx, &b.w);
        return ret;
    }
    *out = b.w;
    return 0;
}

/* "f32", "f16" or "auto" into *out; 0 for anything else. */
static int parse_precision(const char *v, enum lavin_precision *out)
{
    static const char *const names[] = { "auto", "f32", "f16" }; /* enum lavin_precision's order */
    for (int i = 0; i < 3; i++)
        if (!strcmp(v, names[i]))
            return *out = (enum lavin_precision)i, 1;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lavin bench ops [--device D] [--kernels gpu|cpu] [--precision f32|f16|auto] [--full | --quick]\n"
            "                       [--filter TEXT[|TEXT...]] [--reps N] [--seconds S]\n"
            "       lavin-bench ops ... (the same, in a program that needs only Vulkan and cJSON)\n\n"
            "Times the ops at the released model's shapes: ms per call, FLOP/s (GFLOP/s on a CPU device,\n"
            "TFLOP/s on others), GB/s, and the device memory lavin held at its peak (256 MiB blocks). On a CPU\n"
            "device (lavapipe) only the smallest shape of each op runs unless --full is given. --kernels times\n"
            "the kernel variants made for the other class of device (GPU: shared-memory tiles; CPU: register\n"
            "blocks) instead of the device's own. --precision sets the matrix products' and attention's\n"
            "arithmetic (f16 needs cooperative matrices; auto: f16 where the device has them). --filter runs\n"
            "the cases whose name contains any of the texts.\n");
}

int lavin_cmd_bench(int argc, char **argv)
{
    lavin_bench_opts o = { .seconds = 0.5 };
    int full = -1;
    const char *device = NULL, *kernels = NULL;
    enum lavin_precision precision = LAVIN_PRECISION_AUTO;
    if (argc < 2 || strcmp(argv[1], "ops")) {
        usage(argc > 1 && !strcmp(argv[1], "--help") ? stdout : stderr);
        return argc > 1 && !strcmp(argv[1], "--help") ? 0 : 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--full")) {
            full = 1;
        } else if (!strcmp(a, "--quick")) {
            full = 0;
        } else if (!strcmp(a, "--device") && v) {
            device = v;
            i++;
        } else if (!strcmp(a, "--kernels") && v && (!strcmp(v, "gpu") || !strcmp(v, "cpu"))) {
            kernels = v;
            i++;
        } else if (!strcmp(a, "--precision") && v && parse_precision(v, &precision)) {
            i++;
        } else if (!strcmp(a, "--filter") && v) {
            o.filter = v;
            i++;
        } else if (!strcmp(a, "--reps") && v && atoi(v) > 0) {
            o.reps = atoi(v);
            i++;
        } else if (!strcmp(a, "--seconds") && v && atof(v) > 0) {
            o.seconds = atof(v);
            i++;
        } else {
            fprintf(stderr, "lavin bench: bad argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.device = device;
    p.precision = precision;
    lavin_context *ctx;
    char err[512];
    if (lavin_context_open(&ctx, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "lavin bench: %s\n", err);
        return 1;
    }
    const lavin_device_info *dev = lavin_context_device(ctx);
    if (kernels)
        ctx->kernels = !strcmp(kernels, "cpu") ? LAVIN_KERNELS_CPU : LAVIN_KERNELS_GPU;
    o.full = full >= 0 ? full : dev->type != LAVIN_DEVICE_CPU;
    o.flop_unit = dev->type == LAVIN_DEVICE_CPU ? 1e9 : 1e12;
    int f16 = lavin_context_precision(ctx) == LAVIN_PRECISION_F16;
    printf("device: %s (%s shapes, %s kernels, precision %s%s%s)\n", dev->name, o.full ? "all" : "smallest",
           ctx->kernels == LAVIN_KERNELS_CPU ? "cpu" : "gpu", f16 ? "f16 on " : "f32",
           f16 ? lavin_mma_name(ctx->mma) : "",
           !f16 && precision == LAVIN_PRECISION_F16 ? " (f16 asked for: no cooperative matrices)" : "");
    printf("%-44s %10s %10s %9s %5s %9s\n", "case", "ms", o.flop_unit > 1e9 ? "TFLOP/s" : "GFLOP/s", "GB/s", "reps",
           "peak MiB");
    int ret = 0;
    for (size_t i = 0; i < lavin_bench_suite_count && ret >= 0; i++)
        ret = lavin_bench_suite[i](ctx, &o);
    if (ret < 0)
        fprintf(stderr, "lavin bench: %s\n", lavin_context_error(ctx));
    lavin_context_destroy(&ctx);
    return ret < 0 ? 1 : 0;
}
