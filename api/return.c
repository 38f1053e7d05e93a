#include "api/api.h"
#include "core/context.h"

int lavin_api_return(lavin_context *ctx, int ret)
{
    if (ret < 0)
        lavin_logf(&ctx->log, LAVIN_LOG_ERROR, "%s", ctx->error);
    return ret;
}
