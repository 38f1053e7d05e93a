/* Runtime unit tests: device selection, memory limits and allocation failure,
 * views, transfers, barriers between dependent dispatches, the pipeline
 * cache and the profiler. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/context.h"
#include "core/half.h"
#include "core/noise.h"
#include "core/ops/elementwise.h"
#include "core/pipeline.h"
#include "core/profile.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "core/transfer.h"

typedef struct {
    int passed, failed;
} tally;

static void check(tally *t, int ok, const char *what, const char *detail)
{
    if (ok)
        t->passed++;
    else
        t->failed++;
    printf("  %s %-58s %s\n", ok ? "ok  " : "FAIL", what, detail ? detail : "");
}

static lavin_context *open_ctx(const lavin_context_params *p)
{
    lavin_context_params d;
    lavin_context_params_default(&d);
    if (!p)
        p = &d;
    lavin_context_params q = *p;
    q.validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    lavin_context *ctx;
    char err[512];
    if (lavin_context_open(&ctx, &q, err, sizeof(err)) < 0) {
        fprintf(stderr, "test_runtime: %s\n", err);
        return NULL;
    }
    return ctx;
}

static void device_selection(tally *t)
{
    lavin_device_info infos[8];
    char err[512];
    int n = lavin_list_devices(infos, 8, err, sizeof(err));
    check(t, n >= 1, "at least one device is listed", n < 0 ? err : NULL);
    if (n < 1)
        return;
    lavin_context_params p;
    lavin_context_params_default(&p);
    lavin_context *ctx;
    p.device = "0";
    int ret = lavin_context_open(&ctx, &p, err, sizeof(err));
    check(t, ret == 0 && lavin_context_device(ctx)->index == 0, "device by index", ret ? err : NULL);
    lavin_context_destroy(&ctx);
    p.device = infos[0].name + strlen(infos[0].name) / 2;
    ret = lavin_context_open(&ctx, &p, err, sizeof(err));
    check(t, ret == 0, "device by name substring", ret ? err : p.device);
    lavin_context_destroy(&ctx);
    p.device = "99";
    ret = lavin_context_open(&ctx, &p, err, sizeof(err));
    check(t, ret == LAVIN_ENODEV && !ctx && strstr(err, "99"), "unknown index is refused", err);
    p.device = "no such device anywhere";
    ret = lavin_context_open(&ctx, &p, err, sizeof(err));
    check(t, ret == LAVIN_ENODEV && strstr(err, "no such device"), "unknown name is refused", err);
    /* The library reads no environment: LAVIN_DEVICE is the command line's. */
    p.device = NULL;
    setenv("LAVIN_DEVICE", "77", 1);
    ret = lavin_context_open(&ctx, &p, err, sizeof(err));
    check(t, ret == 0 && ctx, "LAVIN_DEVICE is not read by the library", err);
    lavin_context_destroy(&ctx);
    unsetenv("LAVIN_DEVICE");
}

static void memory_limits(tally *t)
{
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.memory_limit = 8u << 20;
    lavin_context *ctx = open_ctx(&p);
    if (!ctx) {
        check(t, 0, "context with an 8 MiB limit", NULL);
        return;
    }
    lavin_tensor a, b, c;
    int ret = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 2, (int64_t[]){ 1024, 1024 });
    check(t, ret == 0, "4 MiB fits under an 8 MiB limit", ret ? lavin_context_error(ctx) : NULL);
    ret = lavin_tensor_alloc(ctx, &b, LAVIN_F32, 2, (int64_t[]){ 1024, 1536 });
    check(t, ret == LAVIN_EDEVMEM && strstr(lavin_context_error(ctx), "asked for 6.0 MiB"),
          "6 MiB more is refused with the sizes named", lavin_context_error(ctx));
    ret = lavin_tensor_alloc(ctx, &c, LAVIN_F32, 2, (int64_t[]){ 512, 1024 });
    check(t, ret == 0, "2 MiB more still fits", ret ? lavin_context_error(ctx) : NULL);
    lavin_tensor_free(ctx, &a);
    lavin_tensor_free(ctx, &c);
    check(t, lavin_memory_in_use(ctx) == 0, "freeing everything returns the blocks", NULL);
    check(t, lavin_memory_peak(ctx) >= (6u << 20), "peak is recorded", NULL);
    ret = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 1, (int64_t[]){ (int64_t)1 << 36 });
    check(t, ret == LAVIN_EDEVMEM, "a tensor over maxMemoryAllocationSize is refused", lavin_context_error(ctx));
    ret = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 2, (int64_t[]){ 0, 3 });
    check(t, ret == LAVIN_EINVAL, "a zero dimension is refused", lavin_context_error(ctx));
    ret = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 6, (int64_t[]){ 1, 1, 1, 1, 1, 1 });
    check(t, ret == LAVIN_EINVAL, "rank 6 is refused", lavin_context_error(ctx));
    lavin_context_destroy(&ctx);
}

static void suballocation(tally *t, lavin_context *ctx)
{
    enum { N = 40 };
    lavin_tensor ts[N];
    int ok = 1;
    for (int i = 0; i < N && ok; i++)
        ok = lavin_tensor_alloc(ctx, &ts[i], LAVIN_F32, 1, (int64_t[]){ 1000 + 37 * i }) == 0;
    uint64_t held = lavin_memory_in_use(ctx);
    for (int i = 0; i < N; i += 2)
        lavin_tensor_free(ctx, &ts[i]);
    for (int i = 0; i < N && ok; i += 2)
        ok = lavin_tensor_alloc(ctx, &ts[i], LAVIN_F32, 1, (int64_t[]){ 900 }) == 0;
    check(t, ok && lavin_memory_in_use(ctx) == held, "freed spans are reused inside one block", NULL);
    /* every tensor keeps its own bytes: write a distinct value to each */
    for (int i = 0; i < N && ok; i++) {
        size_t n = (size_t)ts[i].ne[0];
        float *v = malloc(n * sizeof(float));
        for (size_t j = 0; j < n; j++)
            v[j] = (float)i;
        ok = lavin_tensor_upload(ctx, &ts[i], v, n * 4) == 0;
        free(v);
    }
    for (int i = 0; i < N && ok; i++) {
        size_t n = (size_t)ts[i].ne[0];
        float *v = malloc(n * sizeof(float));
        ok = lavin_tensor_download(ctx, &ts[i], v, n * 4) == 0 && v[0] == (float)i && v[n - 1] == (float)i;
        free(v);
    }
    check(t, ok, "suballocations do not overlap", NULL);
    for (int i = 0; i < N; i++)
        lavin_tensor_free(ctx, &ts[i]);
    check(t, lavin_memory_in_use(ctx) == 0, "all blocks released", NULL);
}

static void views_and_transfers(tally *t, lavin_context *ctx)
{
    lavin_tensor a, v;
    float host[60], back[12];
    for (int i = 0; i < 60; i++)
        host[i] = (float)i + 0.5f;
    int ok = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 3, (int64_t[]){ 3, 4, 5 }) == 0 &&
             lavin_tensor_upload(ctx, &a, host, sizeof(host)) == 0;
    check(t, ok, "upload", ok ? NULL : lavin_context_error(ctx));
    ok = lavin_tensor_view(ctx, &a, 20, 2, (int64_t[]){ 3, 4 }, &v) == 0 &&
         lavin_tensor_download(ctx, &v, back, sizeof(back)) == 0 && back[0] == 20.5f && back[11] == 31.5f;
    check(t, ok, "a view reads its parent's elements at an offset", NULL);
    int ret = lavin_tensor_view(ctx, &a, 50, 2, (int64_t[]){ 3, 4 }, &v);
    check(t, ret == LAVIN_EINVAL, "a view past the end is refused", lavin_context_error(ctx));
    ret = lavin_tensor_upload(ctx, &a, host, 10);
    check(t, ret == LAVIN_EINVAL, "an upload of the wrong size is refused", lavin_context_error(ctx));
    ret = lavin_tensor_reshape(ctx, &a, 2, (int64_t[]){ 7, 9 }, &v);
    check(t, ret == LAVIN_EINVAL, "a reshape that changes the count is refused", lavin_context_error(ctx));
    lavin_tensor_free(ctx, &a);

    /* A large transfer goes through the staging buffer in several chunks. */
    size_t n = (size_t)20 << 20;
    float *big = malloc(n * 4), *big_back = malloc(n * 4);
    for (size_t i = 0; i < n; i++)
        big[i] = (float)(i % 1000003);
    ok = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 1, (int64_t[]){ (int64_t)n }) == 0 &&
         lavin_tensor_upload(ctx, &a, big, n * 4) == 0 && lavin_tensor_download(ctx, &a, big_back, n * 4) == 0 &&
         !memcmp(big, big_back, n * 4);
    check(t, ok, "80 MiB round trip through staging", ok ? NULL : lavin_context_error(ctx));
    lavin_tensor_free(ctx, &a);
    free(big);
    free(big_back);
}

/* A chain where each dispatch reads the previous one's output, recorded in
 * one command buffer: wrong barriers show up as stale values. */
static void dependent_dispatches(tally *t, lavin_context *ctx)
{
    enum { N = 1 << 16, STEPS = 24 };
    float *x = malloc(N * sizeof(float)), *got = malloc(N * sizeof(float));
    for (int i = 0; i < N; i++)
        x[i] = (float)(i % 17) - 8.0f;
    lavin_tensor a, b;
    int ok = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 1, (int64_t[]){ N }) == 0 &&
             lavin_tensor_alloc(ctx, &b, LAVIN_F32, 1, (int64_t[]){ N }) == 0 &&
             lavin_tensor_upload(ctx, &a, x, N * 4) == 0;
    for (int s = 0; s < STEPS && ok; s++) {
        ok = lavin_op_add(ctx, &a, &a, &b) == 0 && lavin_op_scale(ctx, &b, 0.75f, &a) == 0;
    }
    ok = ok && lavin_tensor_download(ctx, &a, got, N * 4) == 0;
    int exact = ok;
    for (int i = 0; i < N && exact; i++) {
        float e = x[i];
        for (int s = 0; s < STEPS; s++)
            e = (e + e) * 0.75f;
        exact = got[i] == e;
    }
    check(t, exact, "48 dependent dispatches in one submission", ok ? NULL : lavin_context_error(ctx));
    lavin_tensor_free(ctx, &a);
    lavin_tensor_free(ctx, &b);
    free(x);
    free(got);
}

/* Freeing a tensor that recorded work still uses must not pull its memory
 * from under the command buffer. */
static void free_while_recording(tally *t, lavin_context *ctx)
{
    lavin_tensor a, b;
    float v[256], back[256];
    for (int i = 0; i < 256; i++)
        v[i] = (float)i;
    int ok = lavin_tensor_alloc(ctx, &a, LAVIN_F32, 1, (int64_t[]){ 256 }) == 0 &&
             lavin_tensor_alloc(ctx, &b, LAVIN_F32, 1, (int64_t[]){ 256 }) == 0 &&
             lavin_tensor_upload(ctx, &a, v, sizeof(v)) == 0 && lavin_op_scale(ctx, &a, 2.0f, &b) == 0;
    lavin_tensor_free(ctx, &a);
    ok = ok && lavin_tensor_download(ctx, &b, back, sizeof(back)) == 0 && back[255] == 510.0f;
    lavin_tensor_free(ctx, &b);
    check(t, ok && lavin_memory_in_use(ctx) == 0, "freeing a tensor before its work is submitted", NULL);
}

static void pipeline_cache(tally *t)
{
    char dir[] = "/tmp/lavin-cache-XXXXXX";
    if (!mkdtemp(dir)) {
        check(t, 0, "temporary cache folder", NULL);
        return;
    }
    char sub[600];
    snprintf(sub, sizeof(sub), "%s/nested/dir", dir);
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.cache_dir = sub;
    lavin_context *ctx = open_ctx(&p);
    lavin_tensor a;
    int ok = ctx && lavin_pipeline_cache_loaded(ctx) == 0 &&
             lavin_tensor_alloc(ctx, &a, LAVIN_F32, 1, (int64_t[]){ 5 }) == 0 &&
             lavin_op_silu(ctx, &a, &a) == 0 && lavin_stream_sync(ctx) == 0;
    check(t, ok, "a fresh cache folder starts empty", NULL);
    char path[1024] = "";
    if (ctx) {
        snprintf(path, sizeof(path), "%s", lavin_pipeline_cache_path(ctx));
        lavin_tensor_free(ctx, &a);
        lavin_context_destroy(&ctx);
    }
    check(t, access(path, R_OK) == 0, "the cache is saved on destroy", path);
    ctx = open_ctx(&p);
    check(t, ctx && lavin_pipeline_cache_loaded(ctx) > 0, "the next context reads it back", NULL);
    lavin_context_destroy(&ctx);
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs("garbage that is not a pipeline cache", f);
        fclose(f);
    }
    ctx = open_ctx(&p);
    check(t, ctx != NULL, "a corrupt cache file is ignored", NULL);
    lavin_context_destroy(&ctx);
    remove(path);
    char cmd[700];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    check(t, system(cmd) == 0, "cleanup", NULL);
}

static void profiler(tally *t)
{
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.profile = 1;
    lavin_context *ctx = open_ctx(&p);
    lavin_tensor a;
    int ok = ctx && lavin_tensor_alloc(ctx, &a, LAVIN_F32, 1, (int64_t[]){ 4096 }) == 0;
    for (int i = 0; i < 1100 && ok; i++)  /* more than one query pool's worth */
        ok = lavin_op_silu(ctx, &a, &a) == 0;
    ok = ok && lavin_stream_sync(ctx) == 0;
    char buf[4096] = "";
    size_t len = ok ? lavin_profile_report(ctx, buf, sizeof(buf)) : 0;
    check(t, ok && len == strlen(buf) && strstr(buf, "silu") && strstr(buf, "1100"), "profile counts every dispatch", NULL);
    if (ctx) {
        lavin_tensor_free(ctx, &a);
        lavin_context_destroy(&ctx);
    }
}

static void half_conversions(tally *t)
{
    static const struct {
        float f;
        uint16_t h, b;
    } cases[] = {
        { 1.0f, 0x3c00, 0x3f80 }, { -2.5f, 0xc100, 0xc020 }, { 65504.0f, 0x7bff, 0x4780 },
        { 1e6f, 0x7c00, 0x4974 }, { 5.9604645e-08f, 0x0001, 0x3380 }, { 0.0f, 0x0000, 0x0000 },
        { 1.0009765625f, 0x3c01, 0x3f80 }, { 3.14159265f, 0x4248, 0x4049 },
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok &= lavin_f32_to_f16(cases[i].f) == cases[i].h;
        ok &= lavin_f32_to_bf16(cases[i].f) == cases[i].b;
    }
    for (uint32_t h = 0; h < 0x7c00 && ok; h++)  /* every finite positive half round trips */
        ok = lavin_f32_to_f16(lavin_f16_to_f32((uint16_t)h)) == h;
    check(t, ok, "f16 and bf16 conversions round to nearest even", NULL);
}

/* The documented stream (core/noise.h): values computed independently from
 * the written algorithm in Python, slices agree, statistics are normal. */
static void gaussian_noise(tally *t)
{
    static const uint64_t at[] = { 0, 1, 2, 7, 1000001 };
    static const float want[] = { -0.010378839448094368f, 0.11383243650197983f, -1.036594271659851f,
                                  0.27427688241004944f, 0.4369884133338928f };
    int ok = 1;
    for (int i = 0; i < 5; i++) {
        float v;
        lavin_gaussian(42, at[i], &v, 1);
        ok &= v == want[i];
    }
    check(t, ok, "noise matches the documented algorithm", NULL);
    enum { N = 1 << 20 };
    float *a = malloc(N * sizeof(float)), b[100];
    lavin_gaussian(7, 0, a, N);
    lavin_gaussian(7, 5001, b, 100);
    double mean = 0, var = 0;
    for (int i = 0; i < N; i++)
        mean += a[i];
    mean /= N;
    for (int i = 0; i < N; i++)
        var += (a[i] - mean) * (a[i] - mean);
    var /= N;
    check(t, !memcmp(a + 5001, b, sizeof(b)), "a slice equals the same part of the whole stream", NULL);
    char detail[64];
    snprintf(detail, sizeof(detail), "mean %.4f, variance %.4f", mean, var);
    check(t, fabs(mean) < 0.005 && fabs(var - 1) < 0.01, "a million values are standard normal", detail);
    lavin_gaussian(8, 0, b, 100);
    check(t, memcmp(a, b, sizeof(b)) != 0, "another seed gives other noise", NULL);
    free(a);
}

int main(void)
{
    tally t = { 0, 0 };
    printf("runtime:\n");
    half_conversions(&t);
    gaussian_noise(&t);
    device_selection(&t);
    memory_limits(&t);
    lavin_context *ctx = open_ctx(NULL);
    if (ctx) {
        suballocation(&t, ctx);
        views_and_transfers(&t, ctx);
        dependent_dispatches(&t, ctx);
        free_while_recording(&t, ctx);
        unsigned verr = lavin_validation_errors(ctx);
        check(&t, verr == 0, "no validation errors", NULL);
        lavin_context_destroy(&ctx);
    } else {
        check(&t, 0, "default context", NULL);
    }
    pipeline_cache(&t);
    profiler(&t);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
