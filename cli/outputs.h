/* What the command writes must not be what it reads: checked before any
 * model work, so a mistyped -o costs nothing and never destroys an input. */
#ifndef LAVIN_CLI_OUTPUTS_H
#define LAVIN_CLI_OUTPUTS_H

#include <stddef.h>

#include "cli/infer.h"

#define CLI_MAX_FILES 1024

typedef struct cli_files {
    const char *path[CLI_MAX_FILES];
    char *owned[CLI_MAX_FILES]; /* paths this list made (folder entries, previews) */
    int n;
} cli_files;

/* Adds a path (kept as given, not copied); -1 when the list is full. */
int cli_files_add(cli_files *f, const char *path);
/* Adds every regular file of a folder (a context or model folder); nothing
 * when path is not a folder. */
int cli_files_add_folder(cli_files *f, const char *path);
/* Adds copies of path and of the preview a task may write beside it
 * (OUT.preview.png). */
int cli_files_add_answer(cli_files *f, const char *path);
/* Adds what a job reads besides its query: the model's files (--dit,
 * --vae, their configs and the --model-dir folder's) and the context
 * folder's pairs. */
int cli_files_add_model_and_context(cli_files *f, const infer_opts *o);
void cli_files_free(cli_files *f);

/* No output is an input (the same path once resolved, or the same file by
 * device and inode) and no two outputs are one file. Returns 0, or -1 with
 * one line in err naming the files. */
int cli_outputs_check(const cli_files *inputs, const cli_files *outputs, char *err, size_t size);

/* The folder path's file goes in exists and is writable; -1 with one line
 * in err otherwise. */
int cli_output_folder_check(const char *path, char *err, size_t size);

#endif
