/* What lavin run, video and predict share: their options, the model files,
 * the example pairs, the task, and one loaded in-context session. */
#ifndef LAVIN_CLI_INFER_H
#define LAVIN_CLI_INFER_H

#include <stdio.h>

#include "incontext/incontext.h"
#include "tasks/pairs.h"
#include "cli/progress.h"
#include "tasks/task.h"

#define LAVIN_MAX_QUERIES 256
#define LAVIN_MAX_PAIRS 64

typedef struct infer_opts {
    const char *model_dir, *dit, *vae, *dit_config, *vae_config, *device;
    const char *context, *task, *out, *in;
    const char *queries[LAVIN_MAX_QUERIES];
    int nqueries;
    int width, height; /* 0: the model's native size */
    int pairs;         /* -1: 4, as the reference; 0: all, once each */
    int steps;
    float cfg;
    uint64_t seed;
    lavin_fit fit;
    int keep_model_size;
    int tile_auto;
    lavin_stvae_tiling tiling;
    int weights_dtype, allow_missing;
    int quiet, verbose;
    int batch;                             /* 0: as many as memory allows */
    int clip, clip_frames;                 /* lavin video --clip */
    int frames, context_frames, only_new;  /* lavin predict */
} infer_opts;

typedef struct infer_session {
    lavin_models models;
    lavin_incontext *ic;
    lavin_progress progress;
    const lavin_task *task;
    lavin_palette palette;
    int width, height;
} infer_session;

/* Parses argv[1..] into o (defaults first). Returns the exit status when
 * the command is done: 0 after printing usage for --help, 2 after one line
 * about a bad argument; -1 when it should go on. */
int infer_start(int argc, char **argv, const char *cmd, void (*usage)(FILE *), infer_opts *o);

/* Reads the example pairs (clips of clip_frames frames when clips, else
 * images; none when o->context is NULL), then loads the models and encodes
 * the pairs. Every input is checked before the models load. */
int infer_open(const infer_opts *o, int clips, infer_session *s, char *err, size_t err_size);
void infer_close(infer_session *s);

/* --vae-tile: "auto", "off", "N" or "NxT" (spatial tile N pixels, chunks of
 * T frames); -1 for anything else. */
int infer_parse_tile(const char *v, int *tile_auto, lavin_stvae_tiling *t);

/* The J-DiT and ST-VAE files: --dit/--vae, else --model-dir, else
 * $LAVIN_MODEL_DIR, else the bundled lavin-tiny. */
int infer_model_files(const infer_opts *o, char *dit, char *vae, size_t size, char *err, size_t err_size);

/* Up to max frames (0: all) of a video, from frame first on. */
int infer_read_clip(const char *path, int first, int max, lavin_clip *clip, char *err, size_t err_size);

/* The size of the next batch of single-frame queries, after one of
 * `last`: as many items as half the free device memory holds at the
 * J-DiT workspace one item took, at most --batch (else 8). */
int infer_batch_size(const infer_session *s, const infer_opts *o, int last);

/* Process exit status for an error code: 2 for bad input, 1 otherwise. */
int infer_exit_code(int err);

/* A command's error line: "lavin CMD: message". */
int infer_fail(const char *cmd, int err, const char *msg);

#endif
