#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/context.h"
#include "core/instance.h"
#include "core/mma.h"
#include "core/memory.h"
#include "core/pipeline.h"
#include "core/profile.h"
#include "core/stream.h"

void lavin_context_params_default(lavin_context_params *p)
{
    memset(p, 0, sizeof(*p));
    p->log_level = LAVIN_LOG_WARN;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                    VkDebugUtilsMessageTypeFlagsEXT type,
                                                    const VkDebugUtilsMessengerCallbackDataEXT *data,
                                                    void *user)
{
    (void)type;
    lavin_context *ctx = user;
    if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
        ctx->validation_errors++;
        lavin_logf(&ctx->log, LAVIN_LOG_WARN, "validation error: %s", data->pMessage);
    } else if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
        lavin_logf(&ctx->log, LAVIN_LOG_DEBUG, "validation warning: %s", data->pMessage);
    }
    return VK_FALSE;
}

static int create_messenger(lavin_context *ctx)
{
    PFN_vkCreateDebugUtilsMessengerEXT create =
        (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(ctx->instance, "vkCreateDebugUtilsMessengerEXT");
    if (!create)
        return lavin_err(ctx, LAVIN_EUNSUPPORTED, "validation: vkCreateDebugUtilsMessengerEXT is missing");
    VkDebugUtilsMessengerCreateInfoEXT ci = {
        .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
        .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
        .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
        .pfnUserCallback = on_validation,
        .pUserData = ctx,
    };
    LAVIN_VK(ctx, create(ctx->instance, &ci, NULL, &ctx->messenger));
    return 0;
}

/* Turns on every optional feature lavin's shaders may use that the device
 * has; the required ones were checked when the device was chosen. */
static int create_device(lavin_context *ctx)
{
    VkPhysicalDeviceVulkan12Features f12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
    VkPhysicalDeviceVulkan11Features f11 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, .pNext = &f12 };
    VkPhysicalDeviceFeatures2 have = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f11 };
    vkGetPhysicalDeviceFeatures2(ctx->phys, &have);

    VkPhysicalDeviceVulkan12Features e12 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
        .bufferDeviceAddress = VK_TRUE,
        .shaderFloat16 = f12.shaderFloat16,
        .shaderInt8 = f12.shaderInt8,
        .storageBuffer8BitAccess = f12.storageBuffer8BitAccess,
        /* The cooperative-matrix shaders declare the Vulkan memory model
         * (GL_KHR_memory_scope_semantics); lavin_mma_choose() requires it. */
        .vulkanMemoryModel = ctx->mma == LAVIN_MMA_NV || ctx->mma == LAVIN_MMA_KHR,
    };
    VkPhysicalDeviceVulkan11Features e11 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
        .pNext = &e12,
        .storageBuffer16BitAccess = f11.storageBuffer16BitAccess,
    };
    VkPhysicalDeviceFeatures2 want = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
        .pNext = &e11,
        .features.shaderInt64 = have.features.shaderInt64,
    };
    /* Only the cooperative-matrix extension the kernels were chosen for. */
    const char *exts[1];
    uint32_t next = 0;
    VkPhysicalDeviceCooperativeMatrixFeaturesNV coop_nv = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV,
        .pNext = want.pNext,
        .cooperativeMatrix = VK_TRUE,
    };
    if (ctx->mma == LAVIN_MMA_NV) {
        exts[next++] = "VK_NV_cooperative_matrix";
        want.pNext = &coop_nv;
    }
#ifdef VK_KHR_cooperative_matrix
    VkPhysicalDeviceCooperativeMatrixFeaturesKHR coop_khr = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR,
        .pNext = want.pNext,
        .cooperativeMatrix = VK_TRUE,
    };
    if (ctx->mma == LAVIN_MMA_KHR) {
        exts[next++] = "VK_KHR_cooperative_matrix";
        want.pNext = &coop_khr;
    }
#endif
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
        .queueFamilyIndex = ctx->queue_family,
        .queueCount = 1,
        .pQueuePriorities = &prio,
    };
    VkDeviceCreateInfo dci = {
        .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
        .pNext = &want,
        .queueCreateInfoCount = 1,
        .pQueueCreateInfos = &qci,
        .enabledExtensionCount = next,
        .ppEnabledExtensionNames = exts,
    };
    LAVIN_VK(ctx, vkCreateDevice(ctx->phys, &dci, NULL, &ctx->device));
    vkGetDeviceQueue(ctx->device, ctx->queue_family, 0, &ctx->queue);
    return 0;
}

static int pick_memory(lavin_context *ctx)
{
    vkGetPhysicalDeviceMemoryProperties(ctx->phys, &ctx->mem_props);
    /* Probe with a real buffer: only its memoryTypeBits tell which types can
     * back the storage buffers lavin creates. */
    VkBufferCreateInfo bci = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = 4096,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT,
    };
    VkBuffer buf;
    LAVIN_VK(ctx, vkCreateBuffer(ctx->device, &bci, NULL, &buf));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx->device, buf, &req);
    vkDestroyBuffer(ctx->device, buf, NULL);
    if (lavin_find_memory_type(ctx, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT,
                               &ctx->device_local_type) < 0 &&
        lavin_find_memory_type(ctx, req.memoryTypeBits, 0, &ctx->device_local_type) < 0)
        return lavin_err(ctx, LAVIN_EUNSUPPORTED, "no memory type can hold storage buffers");
    uint32_t heap = ctx->mem_props.memoryTypes[ctx->device_local_type].heapIndex;
    uint64_t heap_size = ctx->mem_props.memoryHeaps[heap].size;
    if (!ctx->mem_limit || ctx->mem_limit > heap_size)
        ctx->mem_limit = heap_size;
    ctx->block_size = 256u << 20;
    if (ctx->block_size > ctx->info.max_allocation_size)
        ctx->block_size = ctx->info.max_allocation_size;
    return 0;
}

static int setup(lavin_context *ctx, const lavin_context_params *p, char *err, size_t err_size)
{
    LAVIN_TRY(lavin_instance_create(&ctx->instance, p->validation, err, err_size));
    if (p->validation && create_messenger(ctx) < 0)
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED, "%s", ctx->error);

    VkPhysicalDevice *pds;
    uint32_t n, chosen;
    LAVIN_TRY(lavin_enumerate(ctx->instance, &pds, &n, err, err_size));
    int ret = lavin_select_device(pds, n, p->device, &chosen, err, err_size);
    if (ret == 0) {
        ctx->phys = pds[chosen];
        lavin_device_describe(ctx->phys, (int)chosen, &ctx->info);
        ctx->kernels = ctx->info.type == LAVIN_DEVICE_CPU ? LAVIN_KERNELS_CPU : LAVIN_KERNELS_GPU;
        ctx->mma = lavin_mma_choose(ctx, p->precision);
    }
    free(pds);
    if (ret < 0)
        return ret;
    vkGetPhysicalDeviceProperties(ctx->phys, &ctx->props);
    lavin_compute_queue_family(ctx->phys, &ctx->queue_family);
    ctx->timestamp_period = ctx->props.limits.timestampPeriod;
    {
        uint32_t nq = 0;
        vkGetPhysicalDeviceQueueFamilyProperties(ctx->phys, &nq, NULL);
        VkQueueFamilyProperties qp[64];
        nq = nq > 64 ? 64 : nq;
        vkGetPhysicalDeviceQueueFamilyProperties(ctx->phys, &nq, qp);
        ctx->timestamps_ok = qp[ctx->queue_family].timestampValidBits > 0 && ctx->timestamp_period > 0;
    }
    ctx->mem_limit = p->memory_limit;

    if (create_device(ctx) < 0 || pick_memory(ctx) < 0 || lavin_pipelines_init(ctx, p->cache_dir) < 0 ||
        lavin_stream_init(ctx) < 0 ||
        (p->profile && lavin_profile_init(ctx) < 0))
        return lavin_err_buf(err, err_size, LAVIN_ENODEV, "%s: %s", ctx->info.name, ctx->error);
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int lavin_context_create(lavin_context **out, const lavin_context_params *params)
{
    *out = NULL;
    if (!params || params->precision < LAVIN_PRECISION_AUTO || params->precision > LAVIN_PRECISION_F16)
        return LAVIN_EINVAL;
    lavin_context *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return LAVIN_ENOMEM;
    ctx->params = *params;
    ctx->log = (lavin_logger){ params->log, params->log_user, params->log_level };
    /* The strings are the caller's; the context may outlive them. */
    ctx->params.device = ctx->device_name = dup_or_null(params->device);
    ctx->params.cache_dir = ctx->cache_dir = dup_or_null(params->cache_dir);
    ctx->params.contexts_dir = ctx->contexts_dir = dup_or_null(params->contexts_dir);
    if ((params->device && !ctx->device_name) || (params->cache_dir && !ctx->cache_dir) ||
        (params->contexts_dir && !ctx->contexts_dir)) {
        lavin_context_destroy(&ctx);
        return LAVIN_ENOMEM;
    }
    *out = ctx;
    return 0;
}

int lavin_context_start(lavin_context *ctx)
{
    if (ctx->device)
        return 0;
    /* A half-made device is of no use: later calls get the first reason. */
    if (ctx->start_error[0])
        return lavin_err(ctx, ctx->start_code, "%s", ctx->start_error);
    char err[512] = "";
    int ret = setup(ctx, &ctx->params, err, sizeof(err));
    if (ret < 0) {
        snprintf(ctx->start_error, sizeof(ctx->start_error), "%s", err[0] ? err : lavin_strerror(ret));
        ctx->start_code = ret;
        return lavin_err(ctx, ret, "%s", ctx->start_error);
    }
    lavin_logf(&ctx->log, LAVIN_LOG_INFO, "device: %s; matrix products and attention in %s (%s)", ctx->info.name,
               ctx->mma == LAVIN_MMA_NONE ? "f32" : "f16", lavin_mma_name(ctx->mma));
    if (ctx->params.precision == LAVIN_PRECISION_F16 && ctx->mma == LAVIN_MMA_NONE)
        lavin_logf(&ctx->log, LAVIN_LOG_WARN,
                   "%s: precision f16 needs cooperative matrices (16x16x16 f16, 32-wide subgroups); running f32",
                   ctx->info.name);
    return 0;
}

int lavin_context_open(lavin_context **out, const lavin_context_params *params, char *err, size_t err_size)
{
    lavin_context_params defaults;
    if (!params) {
        lavin_context_params_default(&defaults);
        params = &defaults;
    }
    int ret = lavin_context_create(out, params);
    if (ret < 0)
        return lavin_err_buf(err, err_size, ret, "out of host memory");
    if ((ret = lavin_context_start(*out)) < 0) {
        lavin_err_buf(err, err_size, ret, "%s", (*out)->error);
        lavin_context_destroy(out);
    }
    return ret;
}

void lavin_context_destroy(lavin_context **pctx)
{
    lavin_context *ctx = pctx ? *pctx : NULL;
    if (!ctx)
        return;
    if (ctx->device) {
        lavin_stream_sync(ctx);
        vkDeviceWaitIdle(ctx->device);
        lavin_profile_destroy(ctx);
        lavin_stream_destroy(ctx);
        lavin_pipelines_destroy(ctx);
        lavin_staging_destroy(ctx);
        lavin_mem_destroy_all(ctx);
        vkDestroyDevice(ctx->device, NULL);
    }
    if (ctx->messenger) {
        PFN_vkDestroyDebugUtilsMessengerEXT destroy = (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
            ctx->instance, "vkDestroyDebugUtilsMessengerEXT");
        if (destroy)
            destroy(ctx->instance, ctx->messenger, NULL);
    }
    if (ctx->instance)
        vkDestroyInstance(ctx->instance, NULL);
    free(ctx->device_name);
    free(ctx->cache_dir);
    free(ctx->contexts_dir);
    free(ctx);
    *pctx = NULL;
}

const lavin_device_info *lavin_context_device(const lavin_context *ctx) { return ctx->device ? &ctx->info : NULL; }

enum lavin_precision lavin_context_precision(const lavin_context *ctx)
{
    if (!ctx->device)
        return LAVIN_PRECISION_AUTO;
    return ctx->mma == LAVIN_MMA_NONE ? LAVIN_PRECISION_F32 : LAVIN_PRECISION_F16;
}
unsigned lavin_validation_errors(const lavin_context *ctx) { return ctx->validation_errors; }
uint64_t lavin_memory_in_use(const lavin_context *ctx) { return ctx->mem_reserved; }
uint64_t lavin_memory_peak(const lavin_context *ctx) { return ctx->mem_peak; }
void lavin_memory_reset_peak(lavin_context *ctx) { ctx->mem_peak = ctx->mem_reserved; }

uint64_t lavin_memory_available(const lavin_context *ctx)
{
    uint64_t limit = ctx->mem_limit ? ctx->mem_limit : ctx->info.device_local_bytes;
    return limit > ctx->mem_reserved ? limit - ctx->mem_reserved : 0;
}
