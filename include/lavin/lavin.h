/*
 * lavin: LaVin-DiT inference on Vulkan compute.
 *
 * Everything a caller holds is an opaque context passed explicitly; there is
 * no global state. Functions that can fail return a negative LAVIN_E* code and
 * leave a one-line message in the context (lavin_context_error()), or, before
 * a context exists, in the caller's buffer.
 */
#ifndef LAVIN_H
#define LAVIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum lavin_error {
    LAVIN_OK = 0,
    LAVIN_EINVAL = -1,       /* bad argument, shape or value */
    LAVIN_ENOMEM = -2,       /* host memory exhausted */
    LAVIN_EDEVMEM = -3,      /* device memory exhausted or over the limit */
    LAVIN_EVULKAN = -4,      /* a Vulkan call failed */
    LAVIN_EDEVLOST = -5,     /* the device was lost */
    LAVIN_ENODEV = -6,       /* no usable Vulkan device */
    LAVIN_EIO = -7,          /* file could not be read or written */
    LAVIN_EFORMAT = -8,      /* malformed file or data */
    LAVIN_EUNSUPPORTED = -9, /* valid, but not supported here */
};

/* Static description of an error code. */
const char *lavin_strerror(int err);

enum lavin_device_type {
    LAVIN_DEVICE_DISCRETE = 0,
    LAVIN_DEVICE_INTEGRATED = 1,
    LAVIN_DEVICE_VIRTUAL = 2,
    LAVIN_DEVICE_CPU = 3,
    LAVIN_DEVICE_OTHER = 4,
};

enum lavin_feature {
    LAVIN_FEAT_FP16_STORAGE = 1 << 0,
    LAVIN_FEAT_FP16_ARITH = 1 << 1,
    LAVIN_FEAT_INT8_STORAGE = 1 << 2,
    LAVIN_FEAT_INT8_ARITH = 1 << 3,
    LAVIN_FEAT_SUBGROUP_ARITH = 1 << 4,
    LAVIN_FEAT_NV_COOPMAT = 1 << 5,
    LAVIN_FEAT_KHR_COOPMAT = 1 << 6,
    LAVIN_FEAT_SUBGROUP_SIZE_CONTROL = 1 << 7,
    LAVIN_FEAT_SUBGROUP_SHUFFLE = 1 << 8,
};

typedef struct lavin_device_info {
    int index;
    char name[256];
    enum lavin_device_type type;
    uint32_t api_version;
    uint32_t vendor_id, device_id;
    uint64_t device_local_bytes; /* largest device-local heap */
    uint32_t subgroup_size;
    uint32_t max_shared_memory;
    uint64_t max_storage_buffer_range;
    uint64_t max_allocation_size;
    unsigned features;           /* enum lavin_feature bits */
} lavin_device_info;

/*
 * Lists the Vulkan devices with compute queues. Writes at most max entries and
 * returns the number of devices found (which may exceed max), or a negative
 * error with a message in err.
 */
int lavin_list_devices(lavin_device_info *infos, int max, char *err, size_t err_size);

/* Human-readable names of the feature bits, comma separated, into buf. */
void lavin_features_string(unsigned features, char *buf, size_t size);

typedef struct lavin_context_params {
    /* Device index or name substring; NULL reads LAVIN_DEVICE, and if that is
     * unset the best device is taken (discrete, integrated, virtual, CPU). */
    const char *device;
    /* Enable the Khronos validation layer; every validation error is counted
     * (lavin_validation_errors()) and printed. Also enabled by LAVIN_VALIDATE=1. */
    int validation;
    /* Collect GPU timestamps per op; also enabled by LAVIN_PROFILE=1. */
    int profile;
    /* Cap on device memory lavin allocates, in bytes; 0 = the device's heap. */
    uint64_t memory_limit;
    /* Folder for the pipeline cache; NULL = $LAVIN_CACHE_DIR, then
     * $XDG_CACHE_HOME/lavin, then $HOME/.cache/lavin. "" disables it. */
    const char *cache_dir;
} lavin_context_params;

typedef struct lavin_context lavin_context;

void lavin_context_params_default(lavin_context_params *p);

/* Creates a context on the selected device. On failure *out is NULL and err
 * holds the reason. */
int lavin_context_create(lavin_context **out, const lavin_context_params *p,
                         char *err, size_t err_size);

/* Waits for pending work, saves the pipeline cache and frees everything. */
void lavin_context_destroy(lavin_context **ctx);

/* The message of the last error on this context ("" if none). */
const char *lavin_context_error(const lavin_context *ctx);

const lavin_device_info *lavin_context_device(const lavin_context *ctx);

/* Number of validation-layer errors seen so far (0 without validation). */
unsigned lavin_validation_errors(const lavin_context *ctx);

/* Device memory lavin currently holds, and its high-water mark, in bytes. */
uint64_t lavin_memory_in_use(const lavin_context *ctx);
uint64_t lavin_memory_peak(const lavin_context *ctx);
/* Starts a new high-water mark from what is held now. */
void lavin_memory_reset_peak(lavin_context *ctx);
/* What lavin may still allocate: the memory limit (or the device-local
 * heap) less what it holds. */
uint64_t lavin_memory_available(const lavin_context *ctx);

#ifdef __cplusplus
}
#endif

#endif
