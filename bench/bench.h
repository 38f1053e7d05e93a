#ifndef LAVIN_BENCH_BENCH_H
#define LAVIN_BENCH_BENCH_H

#include "checkpoint/manifest.h"
#include "core/tensor.h"
#include "checkpoint/weights.h"
#include "jdit/jdit.h"

typedef struct lavin_bench_opts {
    int full;            /* all shapes, or only the smallest of each op */
    int reps;            /* 0: as many as fit in `seconds` (1..1000) */
    double seconds;
    const char *filter;  /* run only cases whose name contains one of its '|'-separated parts */
    /* FLOP/s are printed in this unit (1e9 or 1e12), one for the whole run,
     * so that columns compare: GFLOP/s on CPU devices, TFLOP/s on GPUs. */
    double flop_unit;
} lavin_bench_opts;

typedef int (*lavin_bench_fn)(lavin_context *ctx, void *arg);
typedef int (*lavin_bench_suite_fn)(lavin_context *ctx, const lavin_bench_opts *o);

/* A tensor of small, non-zero values (so no op meets a denormal or inf). */
int lavin_bench_tensor(lavin_context *ctx, lavin_tensor *t, lavin_dtype dtype, int ndim, const int64_t *ne);

/* Whether o->filter lets the case called name run. */
int lavin_bench_wanted(const lavin_bench_opts *o, const char *name);

/* Runs fn once to warm up, then times it and prints one row. */
int lavin_bench_time(lavin_context *ctx, const lavin_bench_opts *o, const char *name, lavin_bench_fn fn,
                     void *arg, double flops, double bytes);

/* A pool of f16 N(0, 0.02^2) values (NULL when out of memory; free() it),
 * and n of them from a start drawn from *seed, which advances: how random
 * weights are made quickly and the same for every caller. */
uint16_t *lavin_bench_pool_new(void);
void lavin_bench_pool_take(const uint16_t *pool, uint64_t *seed, uint16_t *dst, size_t n);

/* A model of random weights (N(0, 0.02^2), f16) for every tensor the
 * manifest lists, from the pool. */
int lavin_bench_weights(lavin_context *ctx, lavin_manifest_list list, const void *cfg, lavin_weights **out);

/* Times one guided sampler step (a conditional and a null pass, 4 pairs,
 * size x size pictures) of a J-DiT of dims d on *w, which it frees. */
int lavin_bench_sampler_step(lavin_context *ctx, const lavin_bench_opts *o, const char *name,
                             const lavin_jdit_dims *d, lavin_weights **w, int size);

int lavin_bench_elementwise(lavin_context *ctx, const lavin_bench_opts *o);
int lavin_bench_matmul(lavin_context *ctx, const lavin_bench_opts *o);
int lavin_bench_attention(lavin_context *ctx, const lavin_bench_opts *o);
int lavin_bench_conv(lavin_context *ctx, const lavin_bench_opts *o);
int lavin_bench_sampler(lavin_context *ctx, const lavin_bench_opts *o);
int lavin_bench_stvae(lavin_context *ctx, const lavin_bench_opts *o);
int lavin_bench_norm(lavin_context *ctx, const lavin_bench_opts *o);
int lavin_bench_quant(lavin_context *ctx, const lavin_bench_opts *o);

extern const lavin_bench_suite_fn lavin_bench_suite[];
extern const size_t lavin_bench_suite_count;

int lavin_cmd_bench(int argc, char **argv);

#endif
