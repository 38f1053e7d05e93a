/* The command line's side of the library's callbacks: a progress bar with
 * step and ETA on stderr when it is a terminal (nothing with --quiet), and
 * the library's log lines (warnings always, stages with --verbose). */
#ifndef LAVIN_CLI_PROGRESS_H
#define LAVIN_CLI_PROGRESS_H

#include "lavin/lavin.h"

typedef struct cli_progress {
    int quiet, verbose, tty;
    const char *what;  /* what the items are: "query", "frame", "clip" */
    char label[96];    /* e.g. "frames 5-8 of 40" */
    double start;      /* seconds, of the current sampling run */
    int bar;           /* a bar is on the line */
} cli_progress;

void cli_progress_init(cli_progress *p, int quiet, int verbose);
/* Names the items of the next calls ("query", "frame"); stays the caller's. */
void cli_progress_begin(cli_progress *p, const char *what);
/* A lavin_progress_fn: user is the cli_progress; draws the sampler's steps
 * and cancels once a signal asked to stop (cli/signals.h). */
int cli_progress_step(void *user, const lavin_progress *p);
/* Ends the bar line. */
void cli_progress_done(cli_progress *p);
/* A lavin_log_fn: user is the cli_progress. Errors are left to the command,
 * which prints the failed call's message once. */
void cli_log(void *user, enum lavin_log_level level, const char *message);

#endif
