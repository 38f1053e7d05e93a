#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"
#include "cli/signals.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_init(cli_progress *p, int quiet, int verbose)
{
    *p = (cli_progress){ .quiet = quiet, .verbose = verbose && !quiet, .tty = isatty(2) && !quiet, .what = "",
                         .start = now() };
}

void cli_progress_begin(cli_progress *p, const char *what)
{
    p->what = what;
}

static void label(cli_progress *p, const lavin_progress *pr)
{
    if (pr->total <= 1)
        snprintf(p->label, sizeof(p->label), "%s", p->what);
    else if (pr->count > 1)
        snprintf(p->label, sizeof(p->label), "%ss %d-%d of %d", p->what, pr->first + 1, pr->first + pr->count,
                 pr->total);
    else
        snprintf(p->label, sizeof(p->label), "%s %d of %d", p->what, pr->first + 1, pr->total);
}

int cli_progress_step(void *user, const lavin_progress *pr)
{
    cli_progress *p = user;
    /* A signal cancels whatever the library is doing, at its next step. */
    if (cli_interrupted())
        return 1;
    if (!p->tty || pr->stage != LAVIN_STAGE_SAMPLE)
        return 0;
    if (pr->step == 0) {
        p->start = now();
        label(p, pr);
    }
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    int fill = pr->steps > 0 ? pr->step * WIDTH / pr->steps : WIDTH;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = 0;
    double per = pr->step > 0 ? (now() - p->start) / pr->step : 0;
    fprintf(stderr, "\r%s%s[%s] step %d/%d  %.1f s/step  ETA %.0f s   ", p->label, p->label[0] ? " " : "", bar,
            pr->step, pr->steps, per, per * (pr->steps - pr->step));
    fflush(stderr);
    p->bar = 1;
    return 0;
}

void cli_progress_done(cli_progress *p)
{
    if (p->bar)
        fprintf(stderr, "\r%80s\r", "");
    p->bar = 0;
}

void cli_log(void *user, enum lavin_log_level level, const char *message)
{
    cli_progress *p = user;
    if (level == LAVIN_LOG_ERROR || (level >= LAVIN_LOG_INFO && !p->verbose))
        return;
    cli_progress_done(p);
    fprintf(stderr, "lavin: %s\n", message);
}
