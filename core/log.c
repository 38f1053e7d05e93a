#include <stdarg.h>
#include <stdio.h>

#include "core/log.h"

void lavin_logf(const lavin_logger *log, enum lavin_log_level level, const char *fmt, ...)
{
    if (!log || !log->fn || level > log->level)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log->fn(log->user, level, line);
}
