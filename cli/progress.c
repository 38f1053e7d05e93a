#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli/progress.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void lavin_progress_init(lavin_progress *p, int quiet, int verbose)
{
    *p = (lavin_progress){ .quiet = quiet, .verbose = verbose && !quiet, .tty = isatty(2) && !quiet,
                           .label = "", .start = now() };
}

void lavin_progress_begin(lavin_progress *p, const char *label)
{
    p->label = label;
    p->start = now();
}

void lavin_progress_note(lavin_progress *p, const char *fmt, ...)
{
    if (!p->verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lavin: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

void lavin_progress_step(void *user, int step, int steps)
{
    lavin_progress *p = user;
    if (!p->tty)
        return;
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    int fill = steps > 0 ? step * WIDTH / steps : WIDTH;
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = 0;
    double per = step > 0 ? (now() - p->start) / step : 0;
    fprintf(stderr, "\r%s%s[%s] step %d/%d  %.1f s/step  ETA %.0f s   ", p->label, p->label[0] ? " " : "", bar,
            step, steps, per, per * (steps - step));
    fflush(stderr);
}

void lavin_progress_done(lavin_progress *p)
{
    if (p->tty)
        fprintf(stderr, "\r%80s\r", "");
}
