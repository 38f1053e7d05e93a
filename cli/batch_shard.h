/* Which jobs of a batch this process runs: job i belongs to shard i mod N.
 * Every process reads the whole manifest and takes its own jobs, so shards
 * never overlap and together cover every job, with no coordination beyond
 * the index and the count a scheduler hands each worker. */
#ifndef LAVIN_CLI_BATCH_SHARD_H
#define LAVIN_CLI_BATCH_SHARD_H

#include <stddef.h>

typedef struct batch_shard {
    int index, count;
    const char *from; /* where they came from, for messages: "--shard", "SLURM_ARRAY_TASK_ID", ... */
} batch_shard;

/* The shard from, in this order: arg ("I/N", from --shard); Slurm's
 * SLURM_ARRAY_TASK_ID less SLURM_ARRAY_TASK_MIN, over SLURM_ARRAY_TASK_STEP,
 * of SLURM_ARRAY_TASK_COUNT tasks; Kubernetes' JOB_COMPLETION_INDEX, whose
 * count (the Job's completions) the pod does not see, so shards (--shards)
 * must give it; else 0 of 1. shards, when given, also overrides Slurm's
 * count. Returns 0, or -1 with one line in err. */
int batch_shard_resolve(const char *arg, const char *shards, batch_shard *s, char *err, size_t size);

/* Whether job index i is this shard's. */
int batch_shard_has(const batch_shard *s, int i);

#endif
