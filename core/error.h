#ifndef LAVIN_CORE_ERROR_H
#define LAVIN_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <vulkan/vulkan.h>

#include "core/log.h"
#include "lavin/context.h"


/* Records a formatted one-line message in ctx and returns code. The public
 * functions log the final message once, when they return it (api/). */
int lavin_err(lavin_context *ctx, int code, const char *fmt, ...) LAVIN_PRINTF(3, 4);

/* A failure that code without a context left in a buffer (err), moved onto
 * ctx; ret >= 0 passes unchanged. */
int lavin_err_onto(lavin_context *ctx, int ret, const char *err);

/* The same into a plain buffer, for code that runs before a context exists. */
int lavin_err_buf(char *buf, size_t size, int code, const char *fmt, ...) LAVIN_PRINTF(4, 5);

const char *lavin_vk_result_name(VkResult r);

/* Maps a failed VkResult to a lavin code (device lost, out of memory, ...). */
int lavin_vk_code(VkResult r);

/* Records "call: VK_ERROR_..." and returns the mapped code. */
int lavin_vk_err(lavin_context *ctx, VkResult r, const char *call);

/* Every Vulkan call goes through this: the error names the call and result. */
#define LAVIN_VK(ctx, call)                                   \
    do {                                                      \
        VkResult lavin_vk_r_ = (call);                        \
        if (lavin_vk_r_ != VK_SUCCESS)                        \
            return lavin_vk_err((ctx), lavin_vk_r_, #call);   \
    } while (0)

#define LAVIN_TRY(expr)              \
    do {                             \
        int lavin_try_r_ = (expr);   \
        if (lavin_try_r_ < 0)        \
            return lavin_try_r_;     \
    } while (0)

#endif
