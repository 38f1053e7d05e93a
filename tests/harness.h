/* Op-test harness: random non-zero inputs, outputs poisoned with NaN before
 * each run so an unwritten element fails, comparison with the plain-C
 * reference by normalised error ||gpu - ref|| / ||ref||. */
#ifndef LAVIN_TESTS_HARNESS_H
#define LAVIN_TESTS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "lavin/context.h"
#include "core/tensor.h"

/* Tolerances the issue fixes: f32 paths, and paths through 16-bit storage. */
#define LT_TOL_F32 1e-5
#define LT_TOL_16 2e-3

typedef struct lt {
    lavin_context *ctx;
    uint64_t rng;
    const char *filter;     /* run only families whose name contains this */
    int verbose;
    int passed, failed;
    /* per-family summary */
    const char *family;
    int fam_cases, fam_failed;
    double fam_max_err;
} lt;

/* Uniform in [lo, hi), never exactly zero. */
/* The fixture folder sub of tests/fixtures into buf: under
 * $LAVIN_TEST_FIXTURES when it is set (the tests/fixtures folder of another
 * checkout, for a build carried to another machine: tools/gpu_check.sh),
 * else built_in, the path this build was made with. Returns buf. */
const char *lt_fixtures(char *buf, size_t size, const char *built_in, const char *sub);

float lt_uniform(lt *t, float lo, float hi);
float *lt_random(lt *t, size_t n, float lo, float hi);
size_t lt_nelem(int ndim, const int64_t *ne);

/* Rounds host data to what dtype can hold, so the reference sees the very
 * values the GPU reads. */
void lt_round_to(float *data, size_t n, lavin_dtype dtype);

/* Allocates a tensor and uploads data (f32 on the host) converted to dtype. */
int lt_tensor(lt *t, lavin_tensor *out, lavin_dtype dtype, int ndim, const int64_t *ne, const float *data);
/* Allocates an f32 output tensor and fills it with NaN. */
int lt_output(lt *t, lavin_tensor *out, int ndim, const int64_t *ne);
/* Submits pending work and downloads an f32 tensor into a new array. */
float *lt_fetch(lt *t, const lavin_tensor *x);

double lt_nerr(const float *got, const float *ref, size_t n);

/* Downloads out and records its normalised error against ref. */
int lt_compare(lt *t, const char *what, const lavin_tensor *out, const float *ref, size_t n, double tol);

/* Records one case; err NaN or above tol fails. Returns 1 when it passed. */
int lt_check(lt *t, const char *what, double err, double tol);
/* A launcher call that should have worked; a failure is a failed case. */
int lt_ok(lt *t, const char *what, int ret);
/* A call that must be rejected with a message (bad shape, dtype, ...). */
int lt_rejects(lt *t, const char *what, int ret);

void lt_family_begin(lt *t, const char *name);
void lt_family_end(lt *t);
int lt_enabled(const lt *t, const char *family);

#endif
