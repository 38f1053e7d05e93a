#ifndef LAVIN_CORE_INSTANCE_H
#define LAVIN_CORE_INSTANCE_H

#include <vulkan/vulkan.h>

#include "lavin/context.h"
#include "core/error.h"

int lavin_instance_create(VkInstance *out, int validation, char *err, size_t err_size);
int lavin_enumerate(VkInstance inst, VkPhysicalDevice **out, uint32_t *count, char *err, size_t err_size);
int lavin_device_usable(VkPhysicalDevice pd);
void lavin_device_describe(VkPhysicalDevice pd, int index, lavin_device_info *info);
int lavin_compute_queue_family(VkPhysicalDevice pd, uint32_t *family);

/* want: an index, a name substring, or NULL/"" for the best device by type. */
int lavin_select_device(VkPhysicalDevice *pds, uint32_t n, const char *want, uint32_t *chosen,
                        char *err, size_t err_size);

#endif
