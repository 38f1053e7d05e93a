/* Vulkan instance creation and the physical-device survey: which devices can
 * run lavin, what they offer, and which one a context should take. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instance.h"

static const char validation_layer[] = "VK_LAYER_KHRONOS_validation";

static int has_layer(const char *name)
{
    uint32_t n = 0;
    if (vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkLayerProperties *props = calloc(n, sizeof(*props));
    if (!props)
        return 0;
    int found = 0;
    if (vkEnumerateInstanceLayerProperties(&n, props) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++)
            found = !strcmp(props[i].layerName, name);
    free(props);
    return found;
}

int lavin_instance_create(VkInstance *out, int validation, char *err, size_t err_size)
{
    uint32_t api = 0;
    if (vkEnumerateInstanceVersion(&api) != VK_SUCCESS || api < VK_API_VERSION_1_2)
        return lavin_err_buf(err, err_size, LAVIN_ENODEV,
                             "the Vulkan loader is missing or older than 1.2 (install libvulkan1 and a driver, e.g. mesa-vulkan-drivers)");
    if (validation && !has_layer(validation_layer))
        return lavin_err_buf(err, err_size, LAVIN_EUNSUPPORTED,
                             "validation requested but %s is not installed (Debian: vulkan-validationlayers)",
                             validation_layer);
    const char *layers[] = { validation_layer };
    const char *exts[] = { VK_EXT_DEBUG_UTILS_EXTENSION_NAME };
    VkApplicationInfo app = {
        .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
        .pApplicationName = "lavin",
        .pEngineName = "lavin",
        .apiVersion = VK_API_VERSION_1_2,
    };
    VkInstanceCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
        .pApplicationInfo = &app,
        .enabledLayerCount = validation ? 1 : 0,
        .ppEnabledLayerNames = layers,
        .enabledExtensionCount = validation ? 1 : 0,
        .ppEnabledExtensionNames = exts,
    };
    VkResult r = vkCreateInstance(&ci, NULL, out);
    if (r != VK_SUCCESS)
        return lavin_err_buf(err, err_size, lavin_vk_code(r) == LAVIN_EVULKAN ? LAVIN_ENODEV : lavin_vk_code(r),
                             "vkCreateInstance failed: %s", lavin_vk_result_name(r));
    return 0;
}

static int has_extension(VkPhysicalDevice pd, const char *name)
{
    uint32_t n = 0;
    if (vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || !n)
        return 0;
    VkExtensionProperties *props = calloc(n, sizeof(*props));
    if (!props)
        return 0;
    int found = 0;
    if (vkEnumerateDeviceExtensionProperties(pd, NULL, &n, props) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++)
            found = !strcmp(props[i].extensionName, name);
    free(props);
    return found;
}

int lavin_compute_queue_family(VkPhysicalDevice pd, uint32_t *family)
{
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
    if (!n || n > 64)
        return -1;
    VkQueueFamilyProperties props[64];
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, props);
    /* A compute queue without graphics is usually the async compute engine;
     * either works, but prefer the dedicated one. */
    int best = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!(props[i].queueFlags & VK_QUEUE_COMPUTE_BIT))
            continue;
        if (best < 0 || !(props[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
            best = (int)i;
    }
    if (best < 0)
        return -1;
    *family = (uint32_t)best;
    return 0;
}

static enum lavin_device_type map_type(VkPhysicalDeviceType t)
{
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return LAVIN_DEVICE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return LAVIN_DEVICE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return LAVIN_DEVICE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return LAVIN_DEVICE_CPU;
    default: return LAVIN_DEVICE_OTHER;
    }
}

int lavin_device_usable(VkPhysicalDevice pd)
{
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(pd, &p);
    if (p.apiVersion < VK_API_VERSION_1_2)
        return 0;
    VkPhysicalDeviceVulkan12Features f12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
    VkPhysicalDeviceFeatures2 f = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f12 };
    vkGetPhysicalDeviceFeatures2(pd, &f);
    uint32_t family;
    return f12.bufferDeviceAddress && lavin_compute_queue_family(pd, &family) == 0;
}

void lavin_device_describe(VkPhysicalDevice pd, int index, lavin_device_info *info)
{
    VkPhysicalDeviceSubgroupProperties sg = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES };
    VkPhysicalDeviceMaintenance3Properties m3 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES, .pNext = &sg };
    VkPhysicalDeviceProperties2 p2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &m3 };
    vkGetPhysicalDeviceProperties2(pd, &p2);
    VkPhysicalDeviceVulkan12Features f12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES };
    VkPhysicalDeviceVulkan11Features f11 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, .pNext = &f12 };
    VkPhysicalDeviceFeatures2 f2 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &f11 };
    vkGetPhysicalDeviceFeatures2(pd, &f2);
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(pd, &mp);

    memset(info, 0, sizeof(*info));
    const VkPhysicalDeviceProperties *p = &p2.properties;
    info->index = index;
    snprintf(info->name, sizeof(info->name), "%s", p->deviceName);
    info->type = map_type(p->deviceType);
    info->api_version = p->apiVersion;
    info->vendor_id = p->vendorID;
    info->device_id = p->deviceID;
    for (uint32_t i = 0; i < mp.memoryHeapCount; i++)
        if ((mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) &&
            mp.memoryHeaps[i].size > info->device_local_bytes)
            info->device_local_bytes = mp.memoryHeaps[i].size;
    info->subgroup_size = sg.subgroupSize;
    info->max_shared_memory = p->limits.maxComputeSharedMemorySize;
    info->max_storage_buffer_range = p->limits.maxStorageBufferRange;
    info->max_allocation_size = m3.maxMemoryAllocationSize;
    if (f11.storageBuffer16BitAccess)
        info->features |= LAVIN_FEAT_FP16_STORAGE;
    if (f12.shaderFloat16)
        info->features |= LAVIN_FEAT_FP16_ARITH;
    if (f12.storageBuffer8BitAccess)
        info->features |= LAVIN_FEAT_INT8_STORAGE;
    if (f12.shaderInt8)
        info->features |= LAVIN_FEAT_INT8_ARITH;
    if ((sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
        (sg.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT))
        info->features |= LAVIN_FEAT_SUBGROUP_ARITH;
    if ((sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
        (sg.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT))
        info->features |= LAVIN_FEAT_SUBGROUP_SHUFFLE;
    if (has_extension(pd, "VK_NV_cooperative_matrix"))
        info->features |= LAVIN_FEAT_NV_COOPMAT;
    if (has_extension(pd, "VK_KHR_cooperative_matrix"))
        info->features |= LAVIN_FEAT_KHR_COOPMAT;
    if (p->apiVersion >= VK_API_VERSION_1_3 || has_extension(pd, "VK_EXT_subgroup_size_control"))
        info->features |= LAVIN_FEAT_SUBGROUP_SIZE_CONTROL;
}

void lavin_features_string(unsigned features, char *buf, size_t size)
{
    static const char *names[] = {
        "fp16-storage", "fp16-arith", "int8-storage", "int8-arith",
        "subgroup-arith", "nv-coopmat", "khr-coopmat", "subgroup-size-control",
        "subgroup-shuffle",
    };
    size_t len = 0;
    if (size)
        buf[0] = 0;
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(features & (1u << i)) || len >= size)
            continue;
        int w = snprintf(buf + len, size - len, "%s%s", len ? "," : "", names[i]);
        if (w > 0)
            len += (size_t)w;
    }
}

int lavin_enumerate(VkInstance inst, VkPhysicalDevice **out, uint32_t *count, char *err, size_t err_size)
{
    uint32_t n = 0;
    VkResult r = vkEnumeratePhysicalDevices(inst, &n, NULL);
    if (r != VK_SUCCESS)
        return lavin_err_buf(err, err_size, LAVIN_ENODEV, "vkEnumeratePhysicalDevices failed: %s",
                             lavin_vk_result_name(r));
    if (!n)
        return lavin_err_buf(err, err_size, LAVIN_ENODEV,
                             "no Vulkan device found (install a driver; for the CPU: mesa-vulkan-drivers)");
    VkPhysicalDevice *pds = calloc(n, sizeof(*pds));
    if (!pds)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "out of host memory");
    r = vkEnumeratePhysicalDevices(inst, &n, pds);
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
        free(pds);
        return lavin_err_buf(err, err_size, LAVIN_ENODEV, "vkEnumeratePhysicalDevices failed: %s",
                             lavin_vk_result_name(r));
    }
    *out = pds;
    *count = n;
    return 0;
}

int lavin_list_devices(lavin_device_info *infos, int max, char *err, size_t err_size)
{
    VkInstance inst;
    LAVIN_TRY(lavin_instance_create(&inst, 0, err, err_size));
    VkPhysicalDevice *pds;
    uint32_t n;
    int ret = lavin_enumerate(inst, &pds, &n, err, err_size);
    if (ret < 0) {
        vkDestroyInstance(inst, NULL);
        return ret;
    }
    for (uint32_t i = 0; i < n; i++)
        if ((int)i < max)
            lavin_device_describe(pds[i], (int)i, &infos[i]);
    free(pds);
    vkDestroyInstance(inst, NULL);
    return (int)n;
}

int lavin_select_device(VkPhysicalDevice *pds, uint32_t n, const char *want, uint32_t *chosen,
                        char *err, size_t err_size)
{
    if (want && *want) {
        char *end;
        long idx = strtol(want, &end, 10);
        if (*end == 0) {
            if (idx < 0 || idx >= (long)n)
                return lavin_err_buf(err, err_size, LAVIN_ENODEV,
                                     "device %ld does not exist (%u devices; see 'lavin devices')", idx, n);
            if (!lavin_device_usable(pds[idx]))
                return lavin_err_buf(err, err_size, LAVIN_ENODEV,
                                     "device %ld lacks Vulkan 1.2, buffer device address or a compute queue", idx);
            *chosen = (uint32_t)idx;
            return 0;
        }
        for (uint32_t i = 0; i < n; i++) {
            VkPhysicalDeviceProperties p;
            vkGetPhysicalDeviceProperties(pds[i], &p);
            if (strstr(p.deviceName, want) && lavin_device_usable(pds[i])) {
                *chosen = i;
                return 0;
            }
        }
        return lavin_err_buf(err, err_size, LAVIN_ENODEV,
                             "no usable device matches '%s' (see 'lavin devices')", want);
    }
    int best = -1, best_rank = 99;
    for (uint32_t i = 0; i < n; i++) {
        if (!lavin_device_usable(pds[i]))
            continue;
        VkPhysicalDeviceProperties p;
        vkGetPhysicalDeviceProperties(pds[i], &p);
        int rank = (int)map_type(p.deviceType);
        if (rank < best_rank) {
            best_rank = rank;
            best = (int)i;
        }
    }
    if (best < 0)
        return lavin_err_buf(err, err_size, LAVIN_ENODEV,
                             "no Vulkan device offers Vulkan 1.2 with buffer device address and a compute queue");
    *chosen = (uint32_t)best;
    return 0;
}
