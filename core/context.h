/* Internal view of a lavin_context: the Vulkan objects and the state of the
 * allocator, pipeline cache, command stream and profiler hanging off it. */
#ifndef LAVIN_CORE_CONTEXT_H
#define LAVIN_CORE_CONTEXT_H

#include <vulkan/vulkan.h>

#include "lavin/context.h"
#include "core/error.h"

struct lavin_block;
struct lavin_pipeline;
struct lavin_profile;

typedef struct lavin_range {
    VkBuffer buffer;
    VkDeviceSize begin, end;
} lavin_range;

#define LAVIN_MAX_HAZARDS 64

/* Which variant of each kernel family suits the device, chosen when it
 * starts from what it reports. GPUs want workgroups that share tiles through
 * shared memory; a CPU device (lavapipe) runs a workgroup's invocations as
 * SIMD lanes of one thread, where barriers are costly and shared memory is
 * only more memory, so it gets register-blocked kernels without either. The
 * op tests switch this to run every variant on whatever device they have. */
enum lavin_kernels {
    LAVIN_KERNELS_GPU,
    LAVIN_KERNELS_CPU,
};

/* The matrix-tile layer (shaders/mma.glsl) under the f16 matmul and
 * attention kernels, or NONE for the f32 kernels. Chosen when the device
 * starts (core/mma.c) from the precision asked for and the cooperative-matrix
 * shapes the device reports. EMULATED is the same layer in plain GLSL: no
 * device gets it by default; the op tests switch to it so that the kernels'
 * tiling, staging, edges and softmax run on any device. */
enum lavin_mma {
    LAVIN_MMA_NONE,
    LAVIN_MMA_EMULATED,
    LAVIN_MMA_NV,  /* VK_NV_cooperative_matrix, GL_NV_cooperative_matrix */
    LAVIN_MMA_KHR, /* VK_KHR_cooperative_matrix, GL_KHR_cooperative_matrix */
};

/* The open command buffer that ops record into, and what it has touched since
 * the last barrier, so that a barrier is issued only where a dispatch depends
 * on an earlier one. */
typedef struct lavin_stream {
    VkCommandPool pool;
    VkCommandBuffer cmd;
    VkFence fence;
    int recording;
    unsigned dispatches;
    lavin_range reads[LAVIN_MAX_HAZARDS], writes[LAVIN_MAX_HAZARDS];
    int nreads, nwrites;
} lavin_stream;

typedef struct lavin_staging {
    VkBuffer buffer;
    VkDeviceMemory memory;
    void *map;
    VkDeviceSize size;
} lavin_staging;

struct lavin_context {
    lavin_context_params params; /* its strings point at the copies below */
    char *device_name, *cache_dir, *contexts_dir;
    lavin_logger log;
    char start_error[512];       /* why lavin_context_start() failed, once it has */
    int start_code;

    VkInstance instance;
    VkDebugUtilsMessengerEXT messenger;
    VkPhysicalDevice phys;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family;
    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties mem_props;
    lavin_device_info info;
    enum lavin_kernels kernels;
    enum lavin_mma mma;
    uint32_t device_local_type;  /* memory type index for tensors */
    uint32_t host_type;          /* host-visible, coherent, for staging */
    float timestamp_period;
    int timestamps_ok;

    unsigned validation_errors;
    char error[512];

    /* allocator */
    struct lavin_block *blocks;
    uint64_t mem_limit, mem_in_use, mem_peak, mem_reserved;
    uint64_t block_size;

    /* pipelines */
    VkPipelineCache pipeline_cache;
    VkPipelineLayout pipeline_layout;
    char *cache_path;
    size_t cache_loaded_bytes;
    struct lavin_pipeline **pipelines;
    unsigned npipelines, pipelines_cap;

    lavin_stream stream;
    lavin_staging staging;
    struct lavin_profile *profile;
};

/* lavin_context_create() and lavin_context_start() in one, for the tests,
 * benchmarks and developer commands: on failure *out is NULL and err holds
 * the reason. params NULL takes the defaults. */
int lavin_context_open(lavin_context **out, const lavin_context_params *params, char *err, size_t err_size);

/* Largest push-constant block any lavin shader uses (the Vulkan minimum). */
#define LAVIN_PUSH_MAX 128

#endif
