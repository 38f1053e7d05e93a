/* A session's example pairs: read from a context folder (or a bundled
 * context) or taken from the caller's pictures, and the task they imply. */
#ifndef LAVIN_API_PAIRS_H
#define LAVIN_API_PAIRS_H

#include "incontext/incontext.h"
#include "lavin/session.h"
#include "tasks/task.h"

typedef struct lavin_session_pairs {
    lavin_clip *inputs, *targets; /* count each */
    int count;
    char from[4096];              /* the folder, or "(memory)" / "(none)" */
} lavin_session_pairs;

/* Every pair drawn is read (and so checked) here, before any device work. */
int lavin_session_pairs_read(lavin_context *ctx, const lavin_session_params *p, lavin_session_pairs *out);

/* The task: p->task, else the context folder's name without "-clip",
 * else raw; for segmentation also the palette of the pairs' targets. */
int lavin_session_pairs_task(lavin_context *ctx, const lavin_session_params *p, const lavin_session_pairs *pairs,
                             const lavin_task **task, lavin_palette *pal);

void lavin_session_pairs_free(lavin_session_pairs *pairs);

#endif
