#include <stdlib.h>
#include <string.h>

#include "core/memory.h"

#define MiB (1024.0 * 1024.0)

typedef struct lavin_span {
    VkDeviceSize offset, size;
} lavin_span;

struct lavin_block {
    struct lavin_block *next;
    VkDeviceMemory memory;
    VkBuffer buffer;
    VkDeviceAddress address;
    VkDeviceSize size, used;
    lavin_span *free;     /* free spans sorted by offset, coalesced */
    unsigned nfree, free_cap;
};

VkBuffer lavin_block_buffer(const struct lavin_block *b) { return b->buffer; }
VkDeviceAddress lavin_block_address(const struct lavin_block *b) { return b->address; }

static VkDeviceSize align_up(VkDeviceSize v, VkDeviceSize a) { return (v + a - 1) / a * a; }

int lavin_find_memory_type(const lavin_context *ctx, uint32_t bits, VkMemoryPropertyFlags want,
                           uint32_t *type)
{
    for (uint32_t i = 0; i < ctx->mem_props.memoryTypeCount; i++)
        if ((bits & (1u << i)) && (ctx->mem_props.memoryTypes[i].propertyFlags & want) == want) {
            *type = i;
            return 0;
        }
    return -1;
}

static int out_of_memory(lavin_context *ctx, uint64_t asked, const char *why)
{
    return lavin_err(ctx, LAVIN_EDEVMEM,
                     "out of device memory: asked for %.1f MiB with %.1f MiB already held; %s %.1f MiB (device heap %.1f MiB)",
                     asked / MiB, ctx->mem_reserved / MiB, why, ctx->mem_limit / MiB,
                     ctx->info.device_local_bytes / MiB);
}

static void block_destroy(lavin_context *ctx, struct lavin_block *b)
{
    vkDestroyBuffer(ctx->device, b->buffer, NULL);
    vkFreeMemory(ctx->device, b->memory, NULL);
    ctx->mem_reserved -= b->size;
    free(b->free);
    free(b);
}

static int block_create(lavin_context *ctx, VkDeviceSize size, struct lavin_block **out)
{
    if (ctx->mem_reserved + size > ctx->mem_limit)
        return out_of_memory(ctx, size, "the limit is");
    struct lavin_block *b = calloc(1, sizeof(*b));
    lavin_span *span = calloc(4, sizeof(*span));
    if (!b || !span) {
        free(b);
        free(span);
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    }
    b->free = span;
    b->free_cap = 4;
    VkBufferCreateInfo bci = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                 VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    VkResult r = vkCreateBuffer(ctx->device, &bci, NULL, &b->buffer);
    if (r != VK_SUCCESS) {
        free(span);
        free(b);
        return lavin_vk_err(ctx, r, "vkCreateBuffer");
    }
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx->device, b->buffer, &req);
    VkMemoryAllocateFlagsInfo flags = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO,
        .flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT,
    };
    VkMemoryAllocateInfo mai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .pNext = &flags,
        .allocationSize = req.size,
        .memoryTypeIndex = ctx->device_local_type,
    };
    r = vkAllocateMemory(ctx->device, &mai, NULL, &b->memory);
    if (r == VK_SUCCESS)
        r = vkBindBufferMemory(ctx->device, b->buffer, b->memory, 0);
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(ctx->device, b->buffer, NULL);
        if (b->memory)
            vkFreeMemory(ctx->device, b->memory, NULL);
        free(span);
        free(b);
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
            return out_of_memory(ctx, size, "the driver refused it; lavin's limit is");
        return lavin_vk_err(ctx, r, "vkAllocateMemory");
    }
    VkBufferDeviceAddressInfo ai = { .sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO, .buffer = b->buffer };
    b->address = vkGetBufferDeviceAddress(ctx->device, &ai);
    b->size = size;
    b->free[0] = (lavin_span){ 0, size };
    b->nfree = 1;
    ctx->mem_reserved += size;
    if (ctx->mem_reserved > ctx->mem_peak)
        ctx->mem_peak = ctx->mem_reserved;
    b->next = ctx->blocks;
    ctx->blocks = b;
    *out = b;
    return 0;
}

static int block_take(struct lavin_block *b, VkDeviceSize size, VkDeviceSize *offset)
{
    for (unsigned i = 0; i < b->nfree; i++) {
        lavin_span *s = &b->free[i];
        if (s->size < size)
            continue;
        *offset = s->offset;
        s->offset += size;
        s->size -= size;
        if (!s->size) {
            memmove(s, s + 1, (b->nfree - i - 1) * sizeof(*s));
            b->nfree--;
        }
        b->used += size;
        return 1;
    }
    return 0;
}

int lavin_mem_alloc(lavin_context *ctx, uint64_t size, lavin_alloc *out)
{
    memset(out, 0, sizeof(*out));
    if (!size)
        size = 1;
    if (size > ctx->info.max_allocation_size)
        return lavin_err(ctx, LAVIN_EDEVMEM,
                         "a single buffer of %.1f MiB exceeds the device's maxMemoryAllocationSize (%.1f MiB)",
                         size / MiB, ctx->info.max_allocation_size / MiB);
    VkDeviceSize need = align_up(size, LAVIN_ALLOC_ALIGN);
    VkDeviceSize offset = 0;
    for (struct lavin_block *b = ctx->blocks; b; b = b->next)
        if (block_take(b, need, &offset)) {
            *out = (lavin_alloc){ b, offset, need };
            ctx->mem_in_use += need;
            return 0;
        }
    VkDeviceSize bs = need > ctx->block_size ? need : ctx->block_size;
    if (bs > ctx->info.max_allocation_size)
        bs = need;
    /* Near the limit, a smaller block still serves this request. */
    if (ctx->mem_reserved + bs > ctx->mem_limit && need < bs)
        bs = need;
    struct lavin_block *b = NULL;
    LAVIN_TRY(block_create(ctx, bs, &b));
    block_take(b, need, &offset);
    *out = (lavin_alloc){ b, offset, need };
    ctx->mem_in_use += need;
    return 0;
}

static int span_insert(struct lavin_block *b, lavin_span s)
{
    unsigned i = 0;
    while (i < b->nfree && b->free[i].offset < s.offset)
        i++;
    int merge_prev = i > 0 && b->free[i - 1].offset + b->free[i - 1].size == s.offset;
    int merge_next = i < b->nfree && s.offset + s.size == b->free[i].offset;
    if (merge_prev && merge_next) {
        b->free[i - 1].size += s.size + b->free[i].size;
        memmove(&b->free[i], &b->free[i + 1], (b->nfree - i - 1) * sizeof(s));
        b->nfree--;
    } else if (merge_prev) {
        b->free[i - 1].size += s.size;
    } else if (merge_next) {
        b->free[i].offset = s.offset;
        b->free[i].size += s.size;
    } else {
        if (b->nfree == b->free_cap) {
            lavin_span *n = realloc(b->free, 2 * b->free_cap * sizeof(*n));
            if (!n)
                return -1;
            b->free = n;
            b->free_cap *= 2;
        }
        memmove(&b->free[i + 1], &b->free[i], (b->nfree - i) * sizeof(s));
        b->free[i] = s;
        b->nfree++;
    }
    return 0;
}

void lavin_mem_free(lavin_context *ctx, lavin_alloc *a)
{
    struct lavin_block *b = a->block;
    if (!b)
        return;
    /* If the span list cannot grow, the span is leaked until the block goes,
     * which is safe; failing the free would not be. */
    span_insert(b, (lavin_span){ a->offset, a->size });
    b->used -= a->size;
    ctx->mem_in_use -= a->size;
    memset(a, 0, sizeof(*a));
    /* Recorded but unsubmitted commands may still name this block. */
    if (!ctx->stream.recording)
        lavin_mem_trim(ctx);
}

void lavin_mem_trim(lavin_context *ctx)
{
    struct lavin_block **pp = &ctx->blocks;
    while (*pp) {
        struct lavin_block *b = *pp;
        if (!b->used) {
            *pp = b->next;
            block_destroy(ctx, b);
        } else {
            pp = &b->next;
        }
    }
}

void lavin_mem_destroy_all(lavin_context *ctx)
{
    while (ctx->blocks) {
        struct lavin_block *b = ctx->blocks;
        ctx->blocks = b->next;
        block_destroy(ctx, b);
    }
    ctx->mem_in_use = 0;
}

int lavin_staging_reserve(lavin_context *ctx, VkDeviceSize size)
{
    lavin_staging *s = &ctx->staging;
    if (s->size >= size)
        return 0;
    lavin_staging_destroy(ctx);
    VkBufferCreateInfo bci = {
        .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
        .size = size,
        .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
        .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
    };
    LAVIN_VK(ctx, vkCreateBuffer(ctx->device, &bci, NULL, &s->buffer));
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(ctx->device, s->buffer, &req);
    uint32_t type;
    if (lavin_find_memory_type(ctx, req.memoryTypeBits,
                               VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                               &type) < 0) {
        lavin_staging_destroy(ctx);
        return lavin_err(ctx, LAVIN_EUNSUPPORTED, "device has no host-visible coherent memory for staging");
    }
    VkMemoryAllocateInfo mai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
        .allocationSize = req.size,
        .memoryTypeIndex = type,
    };
    VkResult r = vkAllocateMemory(ctx->device, &mai, NULL, &s->memory);
    if (r == VK_SUCCESS)
        r = vkBindBufferMemory(ctx->device, s->buffer, s->memory, 0);
    if (r == VK_SUCCESS)
        r = vkMapMemory(ctx->device, s->memory, 0, VK_WHOLE_SIZE, 0, &s->map);
    if (r != VK_SUCCESS) {
        lavin_staging_destroy(ctx);
        return lavin_vk_err(ctx, r, "allocating the staging buffer");
    }
    s->size = size;
    return 0;
}

void lavin_staging_destroy(lavin_context *ctx)
{
    lavin_staging *s = &ctx->staging;
    if (s->buffer)
        vkDestroyBuffer(ctx->device, s->buffer, NULL);
    if (s->memory)
        vkFreeMemory(ctx->device, s->memory, NULL);
    memset(s, 0, sizeof(*s));
}
