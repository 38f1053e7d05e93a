/* A batch's jobs: read from a JSON-lines manifest, or made from a glob or a
 * folder of inputs. A job's options are lavin run's long options without
 * their dashes ({"in": "a.mp4", "out": "a.depth.mp4", "steps": 10}), kept
 * as the arguments the command line would have, so one parser and one set
 * of checks serve the command line and the manifest. */
#ifndef LAVIN_CLI_BATCH_MANIFEST_H
#define LAVIN_CLI_BATCH_MANIFEST_H

#include <stddef.h>

typedef struct batch_job {
    int index;    /* position among the jobs, from 0: what shards split */
    int line;     /* the manifest's line, from 1; 0 for jobs made from --in */
    char **args;  /* "--in", "a.mp4", "--steps", "10", "--clip", ...: flags stand alone */
    int nargs;
    const char *in, *out; /* among args; NULL when missing */
    char *error;  /* why the job cannot run (a bad line, an output another job has); NULL when none */
} batch_job;

typedef struct batch_manifest {
    batch_job *jobs;
    int n, cap;
} batch_manifest;

/* Reads path ("-": stdin), one job per non-blank line. A line that is not
 * a JSON object of known keys becomes a job with an error, so the rest go
 * on and indices stay those of the file. Returns 0, or -1 with one line in
 * err when the file cannot be read. */
int batch_manifest_read(const char *path, batch_manifest *m, char *err, size_t size);

/* Jobs for the regular files a glob pattern matches, or for the pictures
 * and videos of a folder, in name order: OUT_DIR/NAME.png for a picture,
 * OUT_DIR/NAME.mp4 for a video (or when predict is set). Returns 0, or -1
 * with one line in err when nothing matches. */
int batch_manifest_from_inputs(const char *pattern, const char *out_dir, int predict, batch_manifest *m, char *err,
                               size_t size);

/* Marks every job whose output (or its preview beside it) another job
 * before it writes too, so each file is written once whichever shards run. */
int batch_manifest_check_outputs(batch_manifest *m);

void batch_manifest_free(batch_manifest *m);

/* Whether a file name's extension is a video container lavin reads. */
int batch_is_video(const char *path);

#endif
