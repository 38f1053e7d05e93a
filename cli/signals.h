/* Ctrl-C, SIGTERM and SIGHUP stop the command cleanly: the handler only
 * notes the signal; the library's progress callback then cancels the call
 * in progress (LAVIN_ECANCELED), every unfinished file is removed on the
 * usual failure path, and main re-raises the signal so the caller sees it.
 * A second signal of the same kind ends the process at once. */
#ifndef LAVIN_CLI_SIGNALS_H
#define LAVIN_CLI_SIGNALS_H

void cli_signals_install(void);

/* The signal that asked to stop, or 0. */
int cli_interrupted(void);

/* After cleanup: ends the process by the signal that stopped it, if any. */
void cli_signals_reraise(void);

#endif
