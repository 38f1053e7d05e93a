/* lavin batch's runner: one context and one model for the whole batch,
 * one session (the pairs encoded once) for each set of session options
 * the jobs use, and consecutive pictures of one session answered together
 * in the library's batches. Each job ends done, skipped or failed; a bad
 * job does not stop the others. */
#ifndef LAVIN_CLI_BATCH_RUNNER_H
#define LAVIN_CLI_BATCH_RUNNER_H

#include "cli/batch_events.h"
#include "cli/batch_manifest.h"
#include "cli/infer.h"

/* Exit statuses beyond the other commands' 0 (every job done or already
 * there) and 2 (bad usage: nothing ran; or the model cannot be read). */
#define BATCH_EXIT_BAD_INPUT 3 /* some jobs failed for their input or options: another try fails again */
#define BATCH_EXIT_RETRY 4     /* some jobs failed for the device or memory: another try may not */

/* Sessions kept at once: their encoded pairs stay on the device. */
#define BATCH_SESSIONS 4

typedef struct batch_cached {
    lavin_session *s; /* NULL for a free slot */
    /* What made it: the options without their pointers, and the names those held. */
    lavin_session_params params;
    char *context, *task;
    unsigned long used;
} batch_cached;

typedef struct batch_pending {
    const batch_job *job;
    lavin_picture picture;
    double start;
    int position; /* among the shard's jobs, from 1 */
} batch_pending;

typedef struct batch_runner {
    infer_opts base;       /* the command line's options: the model, the device, every job's defaults */
    char **base_args;      /* the command line's job options, which each job's own follow */
    int nbase;
    int force;
    infer_session is;      /* the context, the model once a job needs it, and the progress line */
    batch_events *events;
    batch_counts counts;
    int position;          /* jobs of this shard reached so far, for the progress line */
    double first_start;    /* when the first job's work began: the pace of the batch */
    batch_cached sessions[BATCH_SESSIONS];
    unsigned long uses;
    /* Pictures waiting to be answered together, all of one session. */
    batch_pending pending[LAVIN_MAX_BATCH];
    int npending;
    batch_cached *pending_session;
    const batch_job *current; /* a video's job, for its progress lines; NULL for pictures */
    char label[160];
    /* Set when nothing more can run here (the model cannot load, the
     * device is gone, a signal): the exit status and why. */
    int stop_status;
    char stop_message[1024];
} batch_runner;

/* base_args (argv[1..nbase]) hold the job options of the command line and
 * stay the caller's; base is their parse. Returns an exit status after one
 * line when the context cannot be made, else -1. */
int batch_runner_open(batch_runner *r, const infer_opts *base, char **base_args, int nbase, int force,
                      batch_events *events);
/* Runs a job, or keeps a picture to answer with the next ones. */
void batch_runner_job(batch_runner *r, const batch_job *j);
/* Answers the pictures kept. */
void batch_runner_flush(batch_runner *r);
/* Whether the batch must stop: r->stop_status then says how it ends (a
 * signal that asked to stop is recorded here). */
int batch_runner_stopped(batch_runner *r);
void batch_runner_close(batch_runner *r);

#endif
