#include "api/api.h"
#include "lavin_config.h"

const char *lavin_version(void)
{
    return LAVIN_VERSION;
}

unsigned lavin_api_version(void)
{
    return LAVIN_API_VERSION;
}
