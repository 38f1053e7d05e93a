/* The J-DiT forward pass and sampler against fixtures from lavin's own
 * PyTorch reference (tools/reference/make_jdit_fixtures.py): velocities to
 * 1e-4 and a full 20-point guided sample to 1e-3 in normalised error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/checkpoint.h"
#include "jdit/jdit.h"
#include "jdit/jdit_config.h"
#include "jdit/sampler.h"
#include "core/stream.h"
#include "checkpoint/weights.h"
#include "tests/harness.h"
#include "core/transfer.h"

#ifndef FIXTURES
#define FIXTURES "tests/fixtures/jdit"
#endif

typedef struct {
    lavin_context *ctx;
    char fixtures[256];
    int passed, failed;
} suite;

static void report(suite *s, int ok, const char *what, const char *detail)
{
    ok ? s->passed++ : s->failed++;
    printf("  %s %-52s %s\n", ok ? "ok  " : "FAIL", what, detail ? detail : "");
}

typedef struct {
    lavin_checkpoint *ck;
    lavin_weights *w;
    lavin_jdit *m;
} model;

static int open_model(suite *s, const char *file, int dtype, model *out)
{
    char path[512], err[512];
    memset(out, 0, sizeof(*out));
    snprintf(path, sizeof(path), "%s/%s", s->fixtures, file);
    if (lavin_checkpoint_open(path, &out->ck, err, sizeof(err)) < 0) {
        report(s, 0, file, err);
        return -1;
    }
    lavin_jdit_config cfg;
    lavin_jdit_dims d;
    const char *origin;
    if (lavin_jdit_config_find(out->ck, NULL, &cfg, &origin, NULL, err, sizeof(err)) < 0 ||
        lavin_jdit_config_dims(&cfg, &d, err, sizeof(err)) < 0) {
        report(s, 0, file, err);
        return -1;
    }
    int ret = lavin_weights_load(s->ctx, out->ck, dtype, NULL, NULL, &out->w);
    if (ret >= 0)
        ret = lavin_weights_load(s->ctx, out->ck, -1, NULL, NULL, &out->w);
    if (ret >= 0)
        ret = lavin_jdit_create(s->ctx, &d, out->w, &out->m);
    if (ret < 0)
        report(s, 0, file, lavin_context_error(s->ctx));
    return ret;
}

static void close_model(suite *s, model *m)
{
    lavin_jdit_destroy(&m->m);
    lavin_weights_free(s->ctx, &m->w);
    lavin_checkpoint_close(&m->ck);
}

/* A named f32 fixture tensor on the device. */
static int fixture(suite *s, const lavin_checkpoint *ck, const char *name, lavin_tensor *t)
{
    const lavin_ckpt_tensor *ct = lavin_checkpoint_find(ck, name);
    if (!ct || ct->dtype != LAVIN_F32)
        return lavin_err(s->ctx, LAVIN_EFORMAT, "fixture tensor '%s' is missing", name);
    LAVIN_TRY(lavin_tensor_alloc(s->ctx, t, LAVIN_F32, ct->ndim, ct->shape));
    return lavin_tensor_upload(s->ctx, t, ct->data, ct->nbytes);
}

static double compare(suite *s, const lavin_tensor *t, const lavin_ckpt_tensor *ref)
{
    size_t n = (size_t)lavin_tensor_nelem(t);
    if (!ref || ref->nbytes != n * 4)
        return NAN;
    float *got = malloc(n * 4), *want = malloc(n * 4);
    double num = 0, den = 0;
    if (lavin_tensor_download(s->ctx, t, got, n * 4) < 0) {
        num = NAN;
    } else {
        memcpy(want, ref->data, n * 4);
        for (size_t i = 0; i < n; i++) {
            double dlt = (double)got[i] - want[i];
            num += isfinite(got[i]) ? dlt * dlt : INFINITY;
            den += (double)want[i] * want[i];
        }
    }
    free(got);
    free(want);
    return sqrt(num / den);
}

static void check_err(suite *s, const char *what, double err, double tol)
{
    char detail[64];
    snprintf(detail, sizeof(detail), "err %.3g (tol %.0e)", err, tol);
    report(s, err <= tol, what, detail);
}

/* v(x, t, cond), and the guided velocity when the fixture has v_cfg. */
static void forward_case(suite *s, const char *model_file, int dtype, const char *io_file)
{
    model m;
    lavin_checkpoint *io = NULL;
    char path[512], err[512], what[128];
    if (open_model(s, model_file, dtype, &m) < 0)
        return;
    snprintf(path, sizeof(path), "%s/%s", s->fixtures, io_file);
    if (lavin_checkpoint_open(path, &io, err, sizeof(err)) < 0) {
        report(s, 0, io_file, err);
        close_model(s, &m);
        return;
    }
    lavin_tensor x = { 0 }, cond = { 0 }, v = { 0 }, cond_null = { 0 };
    const lavin_ckpt_tensor *t = lavin_checkpoint_find(io, "t");
    float tv[8];
    int ret = t && t->nbytes <= sizeof(tv) ? 0 : LAVIN_EFORMAT;
    if (ret >= 0) {
        memcpy(tv, t->data, t->nbytes);
        ret = fixture(s, io, "x", &x);
    }
    if (ret >= 0)
        ret = fixture(s, io, "cond", &cond);
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &v, LAVIN_F32, 5, x.ne);
    if (ret >= 0)
        ret = lavin_tensor_fill(s->ctx, &v, 0x7fc00000u);
    if (ret >= 0)
        ret = lavin_jdit_forward(m.m, &x, tv, &cond, &v);
    snprintf(what, sizeof(what), "%s velocity%s", io_file, dtype >= 0 ? " (weights converted)" : "");
    if (ret < 0)
        report(s, 0, what, lavin_context_error(s->ctx));
    else
        check_err(s, what, compare(s, &v, lavin_checkpoint_find(io, "v")), 1e-4);
    if (ret >= 0 && lavin_checkpoint_find(io, "v_cfg")) {
        ret = fixture(s, io, "cond_null", &cond_null);
        if (ret >= 0)
            ret = lavin_jdit_forward_cfg(m.m, &x, tv, &cond, &cond_null, 1.5f, &v);
        snprintf(what, sizeof(what), "%s guided velocity", io_file);
        if (ret < 0)
            report(s, 0, what, lavin_context_error(s->ctx));
        else
            check_err(s, what, compare(s, &v, lavin_checkpoint_find(io, "v_cfg")), 1e-4);
    }
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &cond);
    lavin_tensor_free(s->ctx, &cond_null);
    lavin_tensor_free(s->ctx, &v);
    lavin_checkpoint_close(&io);
    close_model(s, &m);
}

static void sample_case(suite *s, const char *what, double tol)
{
    model m;
    lavin_checkpoint *io = NULL;
    char path[512], err[512];
    if (open_model(s, "tiny.safetensors", -1, &m) < 0)
        return;
    snprintf(path, sizeof(path), "%s/sample.safetensors", s->fixtures);
    if (lavin_checkpoint_open(path, &io, err, sizeof(err)) < 0) {
        report(s, 0, "sample.safetensors", err);
        close_model(s, &m);
        return;
    }
    lavin_tensor x = { 0 }, cond = { 0 };
    int ret = fixture(s, io, "noise", &x);
    if (ret >= 0)
        ret = fixture(s, io, "cond", &cond);
    lavin_sample_params p = { .grid_points = 20, .cfg = 1.5f };
    if (ret >= 0)
        ret = lavin_jdit_sample(m.m, &x, &cond, NULL, &p);
    if (ret < 0)
        report(s, 0, what, lavin_context_error(s->ctx));
    else
        check_err(s, what, compare(s, &x, lavin_checkpoint_find(io, "latent")), tol);
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &cond);
    lavin_checkpoint_close(&io);
    close_model(s, &m);
}

static void bad_input(suite *s)
{
    model m;
    if (open_model(s, "tiny.safetensors", -1, &m) < 0)
        return;
    lavin_tensor x = { 0 }, cond = { 0 };
    int ret = lavin_tensor_alloc(s->ctx, &x, LAVIN_F32, 5, (int64_t[]){ 1, 16, 1, 4, 6 });
    if (ret >= 0)
        ret = lavin_tensor_alloc(s->ctx, &cond, LAVIN_F32, 5, (int64_t[]){ 1, 16, 2, 4, 8 });
    float t = 0.5f;
    ret = ret < 0 ? ret : lavin_jdit_forward(m.m, &x, &t, &cond, &x);
    report(s, ret == LAVIN_EINVAL && strstr(lavin_context_error(s->ctx), "J-DiT"),
           "condition of another latent size is refused", lavin_context_error(s->ctx));
    lavin_jdit_dims d = *lavin_jdit_get_dims(m.m);
    lavin_jdit *other = NULL;
    d.depth = 3;
    ret = lavin_jdit_create(s->ctx, &d, m.w, &other);
    report(s, ret == LAVIN_EFORMAT && strstr(lavin_context_error(s->ctx), "blocks.2."),
           "a missing block's weights are named", lavin_context_error(s->ctx));
    d.depth = 2;
    d.hidden = 96;
    d.head_dim = 48;
    ret = lavin_jdit_create(s->ctx, &d, m.w, &other);
    report(s, ret == LAVIN_EFORMAT && strstr(lavin_context_error(s->ctx), "expected"),
           "mis-shaped weights are named with both shapes", lavin_context_error(s->ctx));
    lavin_tensor_free(s->ctx, &x);
    lavin_tensor_free(s->ctx, &cond);
    close_model(s, &m);
}

int main(void)
{
    suite s = { 0 };
    lt_fixtures(s.fixtures, sizeof(s.fixtures), FIXTURES, "jdit");
    lavin_context_params p;
    lavin_context_params_default(&p);
    p.validation = !getenv("LAVIN_TEST_NO_VALIDATION");
    char err[512];
    if (lavin_context_open(&s.ctx, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "test_jdit: %s\n", err);
        return 1;
    }
    /* The parity cases run f32; the device's matrix tiles (or their
     * emulation) are kept for the f16 sample. */
    enum lavin_mma tiles = s.ctx->mma != LAVIN_MMA_NONE ? s.ctx->mma : LAVIN_MMA_EMULATED;
    s.ctx->mma = LAVIN_MMA_NONE;
    printf("jdit:\n");
    forward_case(&s, "tiny.safetensors", -1, "forward.safetensors");
    forward_case(&s, "tiny.safetensors", -1, "forward_tx2.safetensors");
    forward_case(&s, "tiny_hd72_bf16.safetensors", -1, "forward_hd72_bf16.safetensors");
    forward_case(&s, "tiny_g4_f16.safetensors", -1, "forward_g4_f16.safetensors");
    /* f16 -> f32 on load is exact, so the same fixture must match. */
    forward_case(&s, "tiny_g4_f16.safetensors", LAVIN_F32, "forward_g4_f16.safetensors");
    sample_case(&s, "20-point guided sample", 1e-3);
    /* The bound for f16 operands: 1e-2 of the latent's norm. */
    s.ctx->mma = tiles;
    sample_case(&s, tiles == LAVIN_MMA_EMULATED ? "20-point guided sample, f16 (emulated tiles)"
                                                : "20-point guided sample, f16 (cooperative matrices)", 1e-2);
    s.ctx->mma = LAVIN_MMA_NONE;
    bad_input(&s);
    unsigned verr = lavin_validation_errors(s.ctx);
    report(&s, verr == 0, "no validation errors", NULL);
    lavin_context_destroy(&s.ctx);
    printf("%d passed, %d failed\n", s.passed, s.failed);
    return s.failed ? 1 : 0;
}
