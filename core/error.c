#include <stdio.h>

#include "core/context.h"
#include "core/error.h"

const char *lavin_strerror(int err)
{
    switch (err) {
    case LAVIN_OK: return "success";
    case LAVIN_EINVAL: return "invalid argument";
    case LAVIN_ENOMEM: return "out of host memory";
    case LAVIN_EDEVMEM: return "out of device memory";
    case LAVIN_EVULKAN: return "Vulkan error";
    case LAVIN_EDEVLOST: return "device lost";
    case LAVIN_ENODEV: return "no usable Vulkan device";
    case LAVIN_EIO: return "I/O error";
    case LAVIN_EFORMAT: return "malformed data";
    case LAVIN_EUNSUPPORTED: return "unsupported";
    case LAVIN_ECANCELED: return "canceled";
    default: return "unknown error";
    }
}

int lavin_err_buf(char *buf, size_t size, int code, const char *fmt, ...)
{
    if (buf && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, size, fmt, ap);
        va_end(ap);
    }
    return code;
}

int lavin_err(lavin_context *ctx, int code, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
        va_end(ap);
    }
    return code;
}

int lavin_err_onto(lavin_context *ctx, int ret, const char *err)
{
    return ret < 0 ? lavin_err(ctx, ret, "%s", err) : ret;
}

const char *lavin_context_error(const lavin_context *ctx)
{
    return ctx ? ctx->error : "no context";
}

const char *lavin_vk_result_name(VkResult r)
{
    switch (r) {
#define R(x) case x: return #x;
    R(VK_SUCCESS) R(VK_NOT_READY) R(VK_TIMEOUT) R(VK_EVENT_SET) R(VK_EVENT_RESET)
    R(VK_INCOMPLETE) R(VK_ERROR_OUT_OF_HOST_MEMORY) R(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    R(VK_ERROR_INITIALIZATION_FAILED) R(VK_ERROR_DEVICE_LOST) R(VK_ERROR_MEMORY_MAP_FAILED)
    R(VK_ERROR_LAYER_NOT_PRESENT) R(VK_ERROR_EXTENSION_NOT_PRESENT)
    R(VK_ERROR_FEATURE_NOT_PRESENT) R(VK_ERROR_INCOMPATIBLE_DRIVER)
    R(VK_ERROR_TOO_MANY_OBJECTS) R(VK_ERROR_FORMAT_NOT_SUPPORTED)
    R(VK_ERROR_FRAGMENTED_POOL) R(VK_ERROR_UNKNOWN) R(VK_ERROR_OUT_OF_POOL_MEMORY)
    R(VK_ERROR_INVALID_EXTERNAL_HANDLE) R(VK_ERROR_FRAGMENTATION)
    R(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS) R(VK_PIPELINE_COMPILE_REQUIRED)
#undef R
    default: return "VK_ERROR_(unnamed)";
    }
}

int lavin_vk_code(VkResult r)
{
    switch (r) {
    case VK_SUCCESS: return LAVIN_OK;
    case VK_ERROR_OUT_OF_HOST_MEMORY: return LAVIN_ENOMEM;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return LAVIN_EDEVMEM;
    case VK_ERROR_DEVICE_LOST: return LAVIN_EDEVLOST;
    case VK_ERROR_INCOMPATIBLE_DRIVER: return LAVIN_ENODEV;
    default: return LAVIN_EVULKAN;
    }
}

int lavin_vk_err(lavin_context *ctx, VkResult r, const char *call)
{
    int code = lavin_vk_code(r);
    if (code == LAVIN_EDEVLOST)
        return lavin_err(ctx, code, "device lost during %s (%s): results are invalid",
                         call, lavin_vk_result_name(r));
    return lavin_err(ctx, code, "%s failed: %s", call, lavin_vk_result_name(r));
}
