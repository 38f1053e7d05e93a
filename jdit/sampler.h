/* Flow-matching Euler sampling with classifier-free guidance (docs/computation.md
 * sections 1.4 to 1.6): from noise at t = 0 to data at t = 1. */
#ifndef LAVIN_JDIT_SAMPLER_H
#define LAVIN_JDIT_SAMPLER_H

#include "core/step.h"
#include "jdit/jdit.h"

#define LAVIN_GRID_MAX 1001
#define LAVIN_SAMPLE_MAX_BATCH 64

/* The time grid of n points: the reference's own for 20, 30 and 40,
 * uniform over [0, 1] otherwise. n - 1 model evaluations walk it. */
int lavin_time_grid(int n, float *grid);


typedef struct lavin_sample_params {
    int grid_points;        /* 20 by default */
    float cfg;              /* guidance scale; 1 = no unconditional pass */
    lavin_step_fn progress;
    void *user;
} lavin_sample_params;

/* Allocates out and fills it with the reference's null condition: two
 * frames, zeros then cond's last frame. */
int lavin_jdit_null_condition(lavin_context *ctx, const lavin_tensor *cond, lavin_tensor *out);

/* x starts as noise [B, C, Tx, H, W] and ends as the sample, in place;
 * cond is [B, C, Tc, H, W], batch items independent of each other.
 * cond_null NULL builds the reference's [zeros, last cond frame]. */
int lavin_jdit_sample(lavin_jdit *m, const lavin_tensor *x, const lavin_tensor *cond,
                      const lavin_tensor *cond_null, const lavin_sample_params *p);

#endif
