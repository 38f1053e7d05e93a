/* How long loops (the sampler's steps, tensors loaded) report progress to
 * the layer above, which turns it into the caller's lavin_progress_fn. */
#ifndef LAVIN_CORE_STEP_H
#define LAVIN_CORE_STEP_H

/* Called after each unit with the units done (1-based) and the total;
 * non-zero stops the loop, which returns LAVIN_ECANCELED. */
typedef int (*lavin_step_fn)(void *user, int step, int steps);

#endif
