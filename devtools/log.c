#include <stdio.h>

#include "devtools/devtools.h"

void dev_log_stderr(void *user, enum lavin_log_level level, const char *message)
{
    (void)user;
    if (level != LAVIN_LOG_ERROR)
        fprintf(stderr, "lavin: %s\n", message);
}

void dev_log_list(void *user, enum lavin_log_level level, const char *message)
{
    (void)user;
    (void)level;
    printf("  %s\n", message);
}
