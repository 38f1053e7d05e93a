#include "api/api.h"
#include "core/context.h"
#include "lavin_config.h"

const char *lavin_version(void)
{
    return LAVIN_VERSION;
}

unsigned lavin_api_version(void)
{
    return LAVIN_API_VERSION;
}

int lavin_api_return(lavin_context *ctx, int ret)
{
    if (ret < 0)
        lavin_logf(&ctx->log, LAVIN_LOG_ERROR, "%s", ctx->error);
    return ret;
}

int lavin_api_onto(lavin_context *ctx, int ret, const char *err)
{
    return ret < 0 ? lavin_err(ctx, ret, "%s", err) : ret;
}
