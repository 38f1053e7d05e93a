/* Which matrix-tile layer the 16-bit kernels get on this device: the
 * cooperative-matrix extension whose shaders this build has and whose
 * properties list the one shape the kernels are written for, 16x16x16 with
 * f16 A and B and f32 C and D at subgroup scope (ggml's Vulkan backend asks
 * the same of a device before it takes its coopmat path). */
#include "core/mma.h"
#include "lavin_config.h"

/* The kernels' warps are 32 invocations (shaders/mma.glsl), so a device is
 * taken only where a subgroup is exactly that. */
enum { MMA_LANES = 32, MMA_SIZE = 16 };

static int nv_has_shape(lavin_context *ctx)
{
#if LAVIN_HAVE_GLSL_NV_COOPMAT
    PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV get =
        (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV)vkGetInstanceProcAddr(
            ctx->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
    uint32_t n = 0;
    if (!get || get(ctx->phys, &n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkCooperativeMatrixPropertiesNV props[64];
    for (uint32_t i = 0; i < 64; i++)
        props[i] = (VkCooperativeMatrixPropertiesNV){ .sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV };
    n = n > 64 ? 64 : n;
    if (get(ctx->phys, &n, props) < 0)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        const VkCooperativeMatrixPropertiesNV *p = &props[i];
        if (p->MSize == MMA_SIZE && p->NSize == MMA_SIZE && p->KSize == MMA_SIZE &&
            p->AType == VK_COMPONENT_TYPE_FLOAT16_NV && p->BType == VK_COMPONENT_TYPE_FLOAT16_NV &&
            p->CType == VK_COMPONENT_TYPE_FLOAT32_NV && p->DType == VK_COMPONENT_TYPE_FLOAT32_NV &&
            p->scope == VK_SCOPE_SUBGROUP_NV)
            return 1;
    }
#else
    (void)ctx;
#endif
    return 0;
}

static int khr_has_shape(lavin_context *ctx)
{
#if LAVIN_HAVE_GLSL_KHR_COOPMAT && defined(VK_KHR_cooperative_matrix)
    PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR get =
        (PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)vkGetInstanceProcAddr(
            ctx->instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR");
    uint32_t n = 0;
    if (!get || get(ctx->phys, &n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkCooperativeMatrixPropertiesKHR props[64];
    for (uint32_t i = 0; i < 64; i++)
        props[i] = (VkCooperativeMatrixPropertiesKHR){ .sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR };
    n = n > 64 ? 64 : n;
    if (get(ctx->phys, &n, props) < 0)
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        const VkCooperativeMatrixPropertiesKHR *p = &props[i];
        if (p->MSize == MMA_SIZE && p->NSize == MMA_SIZE && p->KSize == MMA_SIZE &&
            p->AType == VK_COMPONENT_TYPE_FLOAT16_KHR && p->BType == VK_COMPONENT_TYPE_FLOAT16_KHR &&
            p->CType == VK_COMPONENT_TYPE_FLOAT32_KHR && p->ResultType == VK_COMPONENT_TYPE_FLOAT32_KHR &&
            p->scope == VK_SCOPE_SUBGROUP_KHR)
            return 1;
    }
#else
    (void)ctx;
#endif
    return 0;
}

/* The cooperative-matrix shaders declare the Vulkan memory model. */
static int has_memory_model(lavin_context *ctx)
{
    VkPhysicalDeviceVulkan12Features f12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
    VkPhysicalDeviceFeatures2 f = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f12 };
    vkGetPhysicalDeviceFeatures2(ctx->phys, &f);
    return f12.vulkanMemoryModel;
}

enum lavin_mma lavin_mma_choose(lavin_context *ctx, enum lavin_precision precision)
{
    const unsigned need = LAVIN_FEAT_FP16_ARITH | LAVIN_FEAT_FP16_STORAGE;
    if (precision == LAVIN_PRECISION_F32 || (ctx->info.features & need) != need ||
        ctx->info.subgroup_size != MMA_LANES || !has_memory_model(ctx))
        return LAVIN_MMA_NONE;
    /* KHR first: it is what drivers keep improving; NV is what Debian 12's
     * glslang can compile. */
    if ((ctx->info.features & LAVIN_FEAT_KHR_COOPMAT) && khr_has_shape(ctx))
        return LAVIN_MMA_KHR;
    if ((ctx->info.features & LAVIN_FEAT_NV_COOPMAT) && nv_has_shape(ctx))
        return LAVIN_MMA_NV;
    return LAVIN_MMA_NONE;
}

const char *lavin_mma_name(enum lavin_mma mma)
{
    switch (mma) {
    case LAVIN_MMA_EMULATED: return "emulated tiles";
    case LAVIN_MMA_NV: return "NV cooperative matrices";
    case LAVIN_MMA_KHR: return "KHR cooperative matrices";
    default: return "none";
    }
}
