/*
 * lavin: LaVin-DiT inference on Vulkan compute. The core of the public API:
 * versions, errors, logging, devices and the context. lavin/lavin.h includes
 * every public header but lavin/media.h.
 *
 * Objects. A lavin_context holds the log, the last error and (once started)
 * one Vulkan device. Models (lavin/model.h) are opened on a context, and
 * sessions (lavin/session.h) on a model; one model serves any number of
 * sessions. Everything a caller holds is an opaque pointer passed
 * explicitly: the library has no global state, reads no environment
 * variable, never writes to stdout or stderr and changes no process-wide
 * setting (FFmpeg's log level included).
 *
 * Threads. A context, and every model and session made from it, must be
 * used by one thread at a time (they share the device's command stream);
 * the caller locks if several threads take turns. Different contexts are
 * independent and may be used from different threads at once. Callbacks
 * run on the thread that made the call.
 *
 * Errors. Functions that can fail return a negative LAVIN_E* code and leave
 * a one-line message in their context (lavin_context_error()); the same line
 * goes to the log callback at LAVIN_LOG_ERROR.
 *
 * Growth. Parameter structs are filled by their *_default() function first;
 * fields are only ever added at the end, into the room the `reserved` arrays
 * keep, so a program built against 1.x runs on any later 1.y.
 */
#ifndef LAVIN_CONTEXT_H
#define LAVIN_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

/* The library is built with hidden symbols; this marks what it exports. */
#if defined(__GNUC__)
#define LAVIN_API __attribute__((visibility("default")))
#else
#define LAVIN_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The API this header describes. The major number changes when a program
 * must be rebuilt; the minor one when something is added. */
#define LAVIN_API_VERSION_MAJOR 1
#define LAVIN_API_VERSION_MINOR 5
#define LAVIN_API_VERSION ((LAVIN_API_VERSION_MAJOR << 16) | LAVIN_API_VERSION_MINOR)

/* The library's release, e.g. "0.2.0". */
LAVIN_API const char *lavin_version(void);
/* LAVIN_API_VERSION of the library that is loaded. */
LAVIN_API unsigned lavin_api_version(void);

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
    LAVIN_ECANCELED = -10,   /* the progress callback asked to stop */
};

/* Static description of an error code. */
LAVIN_API const char *lavin_strerror(int err);

enum lavin_log_level {
    LAVIN_LOG_ERROR = 0, /* the call failed; the same line as lavin_context_error() */
    LAVIN_LOG_WARN = 1,  /* the call goes on, but the caller should know (a config inferred from shapes) */
    LAVIN_LOG_INFO = 2,  /* stages: files opened, pairs encoded */
    LAVIN_LOG_DEBUG = 3, /* validation-layer warnings and other detail */
};

/* One line, without a trailing newline. */
typedef void (*lavin_log_fn)(void *user, enum lavin_log_level level, const char *message);

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
 * error with a message in err (err_size bytes, always terminated).
 */
LAVIN_API int lavin_list_devices(lavin_device_info *infos, int max, char *err, size_t err_size);

/* Human-readable names of the feature bits, comma separated, into buf. */
LAVIN_API void lavin_features_string(unsigned features, char *buf, size_t size);

/* Arithmetic of the matrix products and attention, the model's bulk. The
 * residual stream and every other op stay f32 in all modes. */
enum lavin_precision {
    /* F16 where the device has cooperative matrices (tensor cores), else F32. */
    LAVIN_PRECISION_AUTO = 0,
    /* f32 operands and accumulation: the mode the parity tests check. */
    LAVIN_PRECISION_F32 = 1,
    /* Operands rounded to f16 as they are staged (weights from their stored
     * 16-bit form, activations from f32), products accumulated in f32 on
     * cooperative matrices. A device without them runs the F32 kernels. */
    LAVIN_PRECISION_F16 = 2,
};

typedef struct lavin_context_params {
    /* Device index or name substring (lavin_list_devices()); NULL takes the
     * best one: discrete, integrated, virtual, then CPU. */
    const char *device;
    /* Enable the Khronos validation layer; its errors are counted
     * (lavin_validation_errors()) and logged at LAVIN_LOG_WARN. */
    int validation;
    /* Collect GPU timestamps per op (lavin_profile_report()). */
    int profile;
    /* Cap on device memory lavin allocates, in bytes; 0 = the device's heap. */
    uint64_t memory_limit;
    /* Folder for the pipeline cache, made if missing; NULL or "" keeps no
     * cache on disk. */
    const char *cache_dir;
    /* Messages at or below log_level go to log (NULL: dropped). */
    lavin_log_fn log;
    void *log_user;
    enum lavin_log_level log_level;
    /* Folder searched first for bundled contexts by name (then the installed
     * data folder, then the source tree the library was built from); NULL
     * for none. */
    const char *contexts_dir;
    /* Added in API 1.2. */
    enum lavin_precision precision;
    int reserved_int; /* with precision, 8 bytes taken from reserved on 32 and 64 bits */
    void *reserved[8 - 8 / sizeof(void *)];
} lavin_context_params;

typedef struct lavin_context lavin_context;

/* Defaults: every field zero but log_level = LAVIN_LOG_WARN. */
LAVIN_API void lavin_context_params_default(lavin_context_params *p);

/* Makes a context. The device is brought up by lavin_context_start() or by
 * the first model opened on it, so a context is cheap and its only failure
 * is LAVIN_ENOMEM (then *out is NULL) or LAVIN_EINVAL for params == NULL. */
LAVIN_API int lavin_context_create(lavin_context **out, const lavin_context_params *params);

/* Brings up the device now; does nothing if it is up. Errors: LAVIN_ENODEV
 * (no device, or none matches params->device), LAVIN_EVULKAN,
 * LAVIN_EUNSUPPORTED (validation layer missing). */
LAVIN_API int lavin_context_start(lavin_context *ctx);

/* Waits for pending work, saves the pipeline cache and frees everything;
 * *ctx becomes NULL. Every model and session of the context must be closed
 * first. Does nothing when ctx or *ctx is NULL. */
LAVIN_API void lavin_context_destroy(lavin_context **ctx);

/* The message of the last error on this context ("" if none). */
LAVIN_API const char *lavin_context_error(const lavin_context *ctx);

/* The device, or NULL before lavin_context_start(). */
LAVIN_API const lavin_device_info *lavin_context_device(const lavin_context *ctx);

/* The precision the started context's matrix products and attention run in:
 * LAVIN_PRECISION_F32 or LAVIN_PRECISION_F16, never AUTO (params.precision
 * resolved against the device); LAVIN_PRECISION_AUTO before the start. */
LAVIN_API enum lavin_precision lavin_context_precision(const lavin_context *ctx);

/* Number of validation-layer errors seen so far (0 without validation). */
LAVIN_API unsigned lavin_validation_errors(const lavin_context *ctx);

/* Device memory lavin currently holds, and its high-water mark, in bytes. */
LAVIN_API uint64_t lavin_memory_in_use(const lavin_context *ctx);
LAVIN_API uint64_t lavin_memory_peak(const lavin_context *ctx);
/* Starts a new high-water mark from what is held now. */
LAVIN_API void lavin_memory_reset_peak(lavin_context *ctx);
/* What lavin may still allocate: the memory limit (or the device-local
 * heap) less what it holds. */
LAVIN_API uint64_t lavin_memory_available(const lavin_context *ctx);

/* With params.profile: a table of the ops run so far (one row per op:
 * calls, total ms, share, GFLOP/s, GB/s), written into buf like snprintf;
 * returns the length of the whole table. 0 without profiling. */
LAVIN_API size_t lavin_profile_report(const lavin_context *ctx, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
