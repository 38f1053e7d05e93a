/* What lavin run, video and predict share: their options, and one open
 * context, model and session of the public API. */
#ifndef LAVIN_CLI_INFER_H
#define LAVIN_CLI_INFER_H

#include <stdio.h>

#include "cli/progress.h"
#include "lavin/lavin.h"
#include "lavin/media.h"

#define CLI_MAX_QUERIES 256

typedef struct infer_opts {
    const char *model_dir, *dit, *vae, *dit_config, *vae_config, *device;
    const char *context, *task, *out, *in;
    const char *queries[CLI_MAX_QUERIES];
    int nqueries;
    uint64_t memory_limit;
    enum lavin_precision precision;
    int quiet, verbose;
    lavin_model_params model;     /* files filled in by infer_open */
    lavin_session_params session; /* context and task filled in by infer_open */
    int frames, only_new;         /* lavin predict */
    int clip_stride;              /* lavin video --clip: 0, the clip stream's default */
} infer_opts;

typedef struct infer_session {
    cli_progress progress;
    lavin_context *ctx;
    lavin_model *model;
    lavin_session *s;
    char cache_dir[4096];
} infer_session;

/* Parses argv[1..] into o (defaults first). Returns the exit status when
 * the command is done: 0 after printing usage for --help, 2 after one line
 * about a bad argument; -1 when it should go on. */
int infer_start(int argc, char **argv, const char *cmd, void (*usage)(FILE *), infer_opts *o);

/* Whether the option takes no value (--help and -h among them): a word
 * after any other option is that option's value. */
int infer_is_flag(const char *a);

/* The context alone: the environment's LAVIN_DEVICE, LAVIN_VALIDATE,
 * LAVIN_PROFILE and LAVIN_CACHE_DIR mapped onto its parameters. Returns an
 * exit status on failure (after one line), -1 to go on. */
int infer_context(const infer_opts *o, const char *cmd, infer_session *s);

/* o->model's files from the options: --model-dir, else $LAVIN_MODEL_DIR,
 * else (none) the bundled lavin-tiny; --dit, --vae and their configs. */
void infer_model_params(infer_opts *o);

/* Checks the session's inputs, then opens the model (--model-dir, else
 * $LAVIN_MODEL_DIR, else lavin-tiny) and the session on the context of
 * infer_context(). Returns an error code; the message is
 * lavin_context_error(s->ctx). */
int infer_open(infer_opts *o, infer_session *s);
/* Closes what is open; prints the profile when LAVIN_PROFILE asked for it. */
void infer_close(infer_session *s);

/* --vae-tile: "auto", "off", "N" or "NxT" (spatial tile N pixels, chunks of
 * T frames); -1 for anything else. */
int infer_parse_tile(const char *v, enum lavin_vae_tiling *mode, int *tile, int *frames);

/* Process exit status for an error code: 2 for bad input, 1 otherwise. */
int infer_exit_code(int err);

/* A command's error line: "lavin CMD: message". */
int infer_fail(const char *cmd, int err, const char *msg);

#endif
