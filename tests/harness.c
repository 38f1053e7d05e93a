#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/half.h"
#include "tests/harness.h"
#include "core/transfer.h"

const char *lt_fixtures(char *buf, size_t size, const char *built_in, const char *sub)
{
    const char *root = getenv("LAVIN_TEST_FIXTURES");
    if (root && *root)
        snprintf(buf, size, "%s/%s", root, sub);
    else
        snprintf(buf, size, "%s", built_in);
    return buf;
}

static uint64_t next(lt *t)
{
    /* splitmix64: a tiny generator with good enough statistics for tests */
    uint64_t z = (t->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

float lt_uniform(lt *t, float lo, float hi)
{
    for (;;) {
        float u = (float)((next(t) >> 40) * (1.0 / 16777216.0));
        float v = lo + (hi - lo) * u;
        if (v != 0.0f)
            return v;
    }
}

float *lt_random(lt *t, size_t n, float lo, float hi)
{
    float *p = malloc((n ? n : 1) * sizeof(*p));
    if (!p) {
        fprintf(stderr, "out of host memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = lt_uniform(t, lo, hi);
    return p;
}

size_t lt_nelem(int ndim, const int64_t *ne)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= (size_t)ne[i];
    return n;
}

void lt_round_to(float *data, size_t n, lavin_dtype dtype)
{
    for (size_t i = 0; i < n; i++) {
        if (dtype == LAVIN_F16)
            data[i] = lavin_f16_to_f32(lavin_f32_to_f16(data[i]));
        else if (dtype == LAVIN_BF16)
            data[i] = lavin_bf16_to_f32(lavin_f32_to_bf16(data[i]));
    }
}

int lt_tensor(lt *t, lavin_tensor *out, lavin_dtype dtype, int ndim, const int64_t *ne, const float *data)
{
    int ret = lavin_tensor_alloc(t->ctx, out, dtype, ndim, ne);
    if (ret < 0)
        return ret;
    size_t n = lt_nelem(ndim, ne);
    if (dtype == LAVIN_F32)
        return lavin_tensor_upload(t->ctx, out, data, n * 4);
    uint16_t *h = malloc(n * 2);
    if (!h)
        return LAVIN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        h[i] = dtype == LAVIN_F16 ? lavin_f32_to_f16(data[i]) : lavin_f32_to_bf16(data[i]);
    ret = lavin_tensor_upload(t->ctx, out, h, n * 2);
    free(h);
    return ret;
}

int lt_output(lt *t, lavin_tensor *out, int ndim, const int64_t *ne)
{
    int ret = lavin_tensor_alloc(t->ctx, out, LAVIN_F32, ndim, ne);
    if (ret < 0)
        return ret;
    return lavin_tensor_fill(t->ctx, out, 0x7fc00000u);
}

float *lt_fetch(lt *t, const lavin_tensor *x)
{
    size_t n = (size_t)lavin_tensor_nelem(x);
    float *p = malloc(n * sizeof(*p));
    if (!p)
        return NULL;
    if (x->dtype != LAVIN_F32 || lavin_tensor_download(t->ctx, x, p, n * 4) < 0) {
        fprintf(stderr, "    download failed: %s\n", lavin_context_error(t->ctx));
        free(p);
        return NULL;
    }
    return p;
}

double lt_nerr(const float *got, const float *ref, size_t n)
{
    if (!got)
        return NAN;
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i]))
            return NAN;
        double d = (double)got[i] - ref[i];
        num += d * d;
        den += (double)ref[i] * ref[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

int lt_check(lt *t, const char *what, double err, double tol)
{
    int ok = err <= tol;  /* false for NaN */
    t->fam_cases++;
    if (ok) {
        t->passed++;
    } else {
        t->failed++;
        t->fam_failed++;
    }
    if (!(err <= t->fam_max_err))
        t->fam_max_err = err;
    if (!ok || t->verbose)
        printf("  %s %-60s err %.3g (tol %.1g)\n", ok ? "ok  " : "FAIL", what, err, tol);
    return ok;
}

int lt_ok(lt *t, const char *what, int ret)
{
    if (ret >= 0)
        return 1;
    printf("  FAIL %-60s %s\n", what, lavin_context_error(t->ctx));
    t->failed++;
    t->fam_failed++;
    t->fam_cases++;
    return 0;
}

int lt_rejects(lt *t, const char *what, int ret)
{
    const char *msg = lavin_context_error(t->ctx);
    int ok = ret < 0 && msg[0];
    t->fam_cases++;
    if (ok) {
        t->passed++;
    } else {
        t->failed++;
        t->fam_failed++;
    }
    if (!ok || t->verbose)
        printf("  %s %-60s %s\n", ok ? "ok  " : "FAIL", what, ok ? msg : "was accepted");
    return ok;
}

void lt_family_begin(lt *t, const char *name)
{
    t->family = name;
    t->fam_cases = t->fam_failed = 0;
    t->fam_max_err = 0;
}

void lt_family_end(lt *t)
{
    printf("%-28s %4d cases  max err %-9.3g %s\n", t->family, t->fam_cases, t->fam_max_err,
           t->fam_failed ? "FAIL" : "ok");
    fflush(stdout);
}

int lt_enabled(const lt *t, const char *family)
{
    return !t->filter || strstr(family, t->filter);
}

int lt_compare(lt *t, const char *what, const lavin_tensor *out, const float *ref, size_t n, double tol)
{
    float *got = lt_fetch(t, out);
    int ok = lt_check(t, what, lt_nerr(got, ref, n), tol);
    free(got);
    return ok;
}
