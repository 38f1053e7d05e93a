/* lavin batch's events for machines: one JSON object a line, flushed as it
 * is written, so a scheduler or a dashboard can follow a batch as it runs
 * and find what failed. Every line has "event", and "time" (Unix seconds);
 * a job's lines have "job" (its index in the manifest) and, for manifests,
 * "line". A job the batch reaches ends in exactly one of done, skipped or
 * failed; started comes first once its work begins (a job refused before,
 * for its line, options, output or context, is failed alone). */
#ifndef LAVIN_CLI_BATCH_EVENTS_H
#define LAVIN_CLI_BATCH_EVENTS_H

#include <stddef.h>
#include <stdio.h>

#include "cli/batch_manifest.h"
#include "cli/batch_shard.h"
#include "lavin/lavin.h"

typedef struct batch_events {
    FILE *f; /* NULL: no events */
    int own;
    double last_progress; /* monotonic seconds of the last progress line */
} batch_events;

typedef struct batch_counts {
    int jobs;          /* this shard's */
    int done, skipped; /* skipped: its output was there already */
    int bad, retry;    /* failed for its input or options; failed for the device or memory */
} batch_counts;

/* path NULL: none; "-": stdout; else the file, appended to (a restarted
 * batch adds to what its earlier runs wrote). Returns 0, or -1 with one
 * line in err. */
int batch_events_open(batch_events *e, const char *path, char *err, size_t size);
void batch_events_close(batch_events *e);

/* {"event": "batch", "shard", "shards", "jobs" (the manifest's),
 * "shard_jobs", "pid"} */
void batch_events_begin(batch_events *e, const batch_shard *s, int jobs, int shard_jobs);
/* {"event": "started", "in", "out", "kind": "picture" | "video" | "predict"} */
void batch_events_started(batch_events *e, const batch_job *j, const char *kind);
/* Whether a progress line is due: at most one a second, and each stage's
 * last step. */
int batch_events_progress_due(batch_events *e, const lavin_progress *p);
/* {"event": "progress", "stage": "encode" | "sample" | "decode", "step",
 * "steps", "first", "count", "total": the items (frames, clips) of the job
 * this step works on} */
void batch_events_progress(batch_events *e, const batch_job *j, const lavin_progress *p);
/* {"event": "done", "out", "seconds"} */
void batch_events_done(batch_events *e, const batch_job *j, double seconds);
/* {"event": "skipped", "out"}: the output exists and --force was not given. */
void batch_events_skipped(batch_events *e, const batch_job *j);
/* {"event": "failed", "message", "retry": false for bad input, true for a
 * failure another try may not have} */
void batch_events_failed(batch_events *e, const batch_job *j, const char *message, int retry);
/* {"event": "end", "status" (the exit status), "done", "skipped", "bad",
 * "retry", "seconds", "message" when the batch stopped early} */
void batch_events_end(batch_events *e, int status, const batch_counts *c, double seconds, const char *message);

/* Monotonic seconds, for durations. */
double batch_now(void);

#endif
