/* Compute pipelines built once from embedded SPIR-V and specialization
 * constants, kept for the life of the context and cached on disk. */
#ifndef LAVIN_CORE_PIPELINE_H
#define LAVIN_CORE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/context.h"

#define LAVIN_MAX_SPEC 16

typedef struct lavin_shader {
    const char *name;
    const uint32_t *code;
    size_t size;  /* bytes */
} lavin_shader;

/* The shader compiled from shaders/NAME.comp (include "NAME.spv.h" first). */
#define LAVIN_SHADER(n) ((lavin_shader){ #n, lavin_spv_##n, sizeof(lavin_spv_##n) })

typedef struct lavin_pipeline {
    const uint32_t *code;
    uint32_t spec[LAVIN_MAX_SPEC];
    unsigned nspec;
    const char *name;
    VkShaderModule module;
    VkPipeline pipeline;
} lavin_pipeline;

/* Specialization constant i gets constant_id i. */
int lavin_pipeline_get(lavin_context *ctx, const lavin_shader *sh, const uint32_t *spec,
                       unsigned nspec, lavin_pipeline **out);

int lavin_pipelines_init(lavin_context *ctx, const char *cache_dir);
void lavin_pipelines_destroy(lavin_context *ctx);

/* Bytes of pipeline cache data read from disk when the context was created. */
size_t lavin_pipeline_cache_loaded(const lavin_context *ctx);
const char *lavin_pipeline_cache_path(const lavin_context *ctx);

#endif
