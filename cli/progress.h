/* Progress on stderr: a bar with step and ETA when stderr is a terminal,
 * nothing otherwise (or with --quiet); --verbose adds one line per stage. */
#ifndef LAVIN_CLI_PROGRESS_H
#define LAVIN_CLI_PROGRESS_H

typedef struct lavin_progress {
    int quiet, verbose, tty;
    const char *label; /* what the bar counts, e.g. "frame 3/40" */
    double start;      /* seconds, of the current sampling run */
} lavin_progress;

void lavin_progress_init(lavin_progress *p, int quiet, int verbose);
/* Starts timing a sampling run; label stays owned by the caller. */
void lavin_progress_begin(lavin_progress *p, const char *label);
/* A stage message, printed with --verbose. */
void lavin_progress_note(lavin_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A lavin_progress_fn for the sampler: user is the lavin_progress. */
void lavin_progress_step(void *user, int step, int steps);
/* Ends the bar line. */
void lavin_progress_done(lavin_progress *p);

#endif
