/* The caller's log callback, and a level filter, as one value that code
 * without a context (config readers, manifest checks) can be handed. */
#ifndef LAVIN_CORE_LOG_H
#define LAVIN_CORE_LOG_H

#include "lavin/context.h"

#if defined(__GNUC__)
#define LAVIN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LAVIN_PRINTF(a, b)
#endif

typedef struct lavin_logger {
    lavin_log_fn fn;
    void *user;
    enum lavin_log_level level;
} lavin_logger;

/* Formats one line and hands it to the callback when level passes the
 * filter; safe with log NULL or without a callback. */
void lavin_logf(const lavin_logger *log, enum lavin_log_level level, const char *fmt, ...) LAVIN_PRINTF(3, 4);

#endif
