/* Device memory: large blocks, each one VkBuffer with a device address, cut
 * into suballocations. Shaders reach memory through buffer device addresses,
 * so a tensor is never limited by maxStorageBufferRange. */
#ifndef LAVIN_CORE_MEMORY_H
#define LAVIN_CORE_MEMORY_H

#include "core/context.h"

#define LAVIN_ALLOC_ALIGN 256

typedef struct lavin_alloc {
    struct lavin_block *block;
    VkDeviceSize offset, size;
} lavin_alloc;

int lavin_mem_alloc(lavin_context *ctx, uint64_t size, lavin_alloc *out);
void lavin_mem_free(lavin_context *ctx, lavin_alloc *a);
void lavin_mem_destroy_all(lavin_context *ctx);
/* Gives back blocks that hold no tensor; only safe with no recorded work. */
void lavin_mem_trim(lavin_context *ctx);

VkBuffer lavin_block_buffer(const struct lavin_block *b);
VkDeviceAddress lavin_block_address(const struct lavin_block *b);

/* Host-visible staging buffer of at least size bytes, reused between calls. */
int lavin_staging_reserve(lavin_context *ctx, VkDeviceSize size);
void lavin_staging_destroy(lavin_context *ctx);

int lavin_find_memory_type(const lavin_context *ctx, uint32_t bits, VkMemoryPropertyFlags want,
                           uint32_t *type);

#endif
