/* What the developer commands share with each other. */
#ifndef LAVIN_DEVTOOLS_DEVTOOLS_H
#define LAVIN_DEVTOOLS_DEVTOOLS_H

#include "core/log.h"

/* A lavin_log_fn for warnings of the internal readers: "lavin: MESSAGE"
 * on stderr. user is unused. */
void dev_log_stderr(void *user, enum lavin_log_level level, const char *message);

/* A lavin_log_fn that lists each message, indented, on stdout (what
 * inspect reports). user is unused. */
void dev_log_list(void *user, enum lavin_log_level level, const char *message);

#endif
