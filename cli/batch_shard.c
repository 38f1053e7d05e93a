#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch_shard.h"

/* A whole decimal number in [lo, hi]; -1 for anything else. */
static long parse_count(const char *v, long lo, long hi)
{
    char *end;
    long x = v && *v ? strtol(v, &end, 10) : -1;
    return v && *v && !*end && x >= lo && x <= hi ? x : -1;
}

enum { MAX_SHARDS = 1 << 20 };

static int from_slurm(const char *id, const char *shards, batch_shard *s, char *err, size_t size)
{
    const char *min = getenv("SLURM_ARRAY_TASK_MIN"), *step = getenv("SLURM_ARRAY_TASK_STEP");
    long i = parse_count(id, 0, 1L << 30), lo = min ? parse_count(min, 0, 1L << 30) : 0;
    long by = step ? parse_count(step, 1, 1L << 30) : 1;
    long n = parse_count(shards ? shards : getenv("SLURM_ARRAY_TASK_COUNT"), 1, MAX_SHARDS);
    s->from = "SLURM_ARRAY_TASK_ID";
    if (i < 0 || lo < 0 || by < 0 || n < 0) {
        snprintf(err, size, "SLURM_ARRAY_TASK_ID=%s with SLURM_ARRAY_TASK_MIN, _STEP and _COUNT (or --shards) "
                 "does not give a shard: set --shard I/N", id);
        return -1;
    }
    /* Shards are the array's tasks in order, whatever its first index and step. */
    if (i < lo || (i - lo) % by || (i - lo) / by >= n) {
        snprintf(err, size, "SLURM_ARRAY_TASK_ID=%ld is not one of %ld evenly spaced tasks from %ld by %ld: "
                 "use --array=0-%ld, or set --shard I/N", i, n, lo, by, n - 1);
        return -1;
    }
    s->index = (int)((i - lo) / by);
    s->count = (int)n;
    return 0;
}

int batch_shard_resolve(const char *arg, const char *shards, batch_shard *s, char *err, size_t size)
{
    *s = (batch_shard){ .index = 0, .count = 1, .from = "" };
    long n = shards ? parse_count(shards, 1, MAX_SHARDS) : 0;
    if (n < 0) {
        snprintf(err, size, "--shards %s: a count from 1 to %d", shards, MAX_SHARDS);
        return -1;
    }
    if (arg) {
        char *end;
        long i = strtol(arg, &end, 10);
        long c = *end == '/' ? parse_count(end + 1, 1, MAX_SHARDS) : -1;
        if (end == arg || i < 0 || c < 0 || i >= c || (n && n != c)) {
            snprintf(err, size, "--shard %s: give I/N with 0 <= I < N%s", arg,
                     n && n != c ? ", and N equal to --shards" : "");
            return -1;
        }
        *s = (batch_shard){ .index = (int)i, .count = (int)c, .from = "--shard" };
        return 0;
    }
    const char *slurm = getenv("SLURM_ARRAY_TASK_ID"), *k8s = getenv("JOB_COMPLETION_INDEX");
    if (slurm && *slurm)
        return from_slurm(slurm, shards, s, err, size);
    if (k8s && *k8s) {
        long i = parse_count(k8s, 0, MAX_SHARDS - 1);
        if (!n || i < 0 || i >= n) {
            snprintf(err, size, "JOB_COMPLETION_INDEX=%s: %s", k8s,
                     !n ? "give the Job's completions with --shards N" : "not below --shards");
            return -1;
        }
        *s = (batch_shard){ .index = (int)i, .count = (int)n, .from = "JOB_COMPLETION_INDEX" };
        return 0;
    }
    if (n) {
        snprintf(err, size, "--shards %s without an index: give --shard I/N, or run under a Slurm job array "
                 "or a Kubernetes Indexed Job", shards);
        return -1;
    }
    return 0;
}

int batch_shard_has(const batch_shard *s, int i)
{
    return i % s->count == s->index;
}
