#include <signal.h>
#include <string.h>

#include "cli/signals.h"

/* The command's one piece of process-wide state: a signal handler can reach
 * nothing else. */
static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
    caught = sig;
}

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cli_interrupted(void)
{
    return caught;
}

void cli_signals_reraise(void)
{
    int sig = caught;
    if (!sig)
        return;
    signal(sig, SIG_DFL);
    raise(sig);
}
