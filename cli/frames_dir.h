/* --frames-dir DIR of lavin video and lavin predict: each answer written as
 * data, DIR/000000.png, DIR/000001.png, ... (index from 0), as lavin run
 * writes answers; instead of, or with, the -o video. The folder is checked
 * with -o before any work, made when missing, and taken back with its
 * frames when the command fails. */
#ifndef LAVIN_CLI_FRAMES_DIR_H
#define LAVIN_CLI_FRAMES_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "cli/infer.h"

/* DIR/NNNNNN.png and its preview's name fit when DIR is shorter by this much */
enum { FRAME_PATH_MAX = 4096, FRAME_NAME_MAX = 64 };

/* Takes --frames-dir DIR out of argv (NULL in dir without one) before the
 * options lavin run shares are parsed. -1 after one line naming cmd when
 * the folder is missing. */
int frames_dir_take(int *argc, char **argv, const char *cmd, const char **dir);

/* What the command will write, checked before any work: o->out (may be
 * NULL) a container lavin writes, in a folder that exists, and not o->in;
 * dir (may be NULL) a folder that exists or can be made. Returns an error
 * code with one line in err. */
int frames_dir_check_outputs(const infer_opts *o, const char *dir, lavin_context *ctx, char *err, size_t n);

/* Makes dir when missing; made says whether this run made it. Returns an
 * error code with one line in err. */
int frames_dir_make(const char *dir, int *made, char *err, size_t n);

/* Answer number index as DIR/NNNNNN.png (and its preview, for tasks that
 * have one). Returns an error code; the message is the context's. */
int frames_dir_write(lavin_context *ctx, const char *dir, int64_t index, const lavin_answer *a);

/* A failed or interrupted run takes back the frames it wrote, and the
 * folder when it made it: the files of one run appear together or not at
 * all. */
void frames_dir_remove(const char *dir, int64_t written, int made);

#endif
