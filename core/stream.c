#include <string.h>

#include "core/memory.h"
#include "core/profile.h"
#include "core/stream.h"

int lavin_stream_init(lavin_context *ctx)
{
    lavin_stream *s = &ctx->stream;
    VkCommandPoolCreateInfo pci = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
        .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
        .queueFamilyIndex = ctx->queue_family,
    };
    LAVIN_VK(ctx, vkCreateCommandPool(ctx->device, &pci, NULL, &s->pool));
    VkCommandBufferAllocateInfo ai = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = s->pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
    };
    LAVIN_VK(ctx, vkAllocateCommandBuffers(ctx->device, &ai, &s->cmd));
    VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
    LAVIN_VK(ctx, vkCreateFence(ctx->device, &fci, NULL, &s->fence));
    return 0;
}

void lavin_stream_destroy(lavin_context *ctx)
{
    lavin_stream *s = &ctx->stream;
    if (s->fence)
        vkDestroyFence(ctx->device, s->fence, NULL);
    if (s->pool)
        vkDestroyCommandPool(ctx->device, s->pool, NULL);
    memset(s, 0, sizeof(*s));
}

static int begin(lavin_context *ctx)
{
    lavin_stream *s = &ctx->stream;
    if (s->recording)
        return 0;
    VkCommandBufferBeginInfo bi = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
        .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
    };
    LAVIN_VK(ctx, vkBeginCommandBuffer(s->cmd, &bi));
    s->recording = 1;
    s->dispatches = 0;
    s->nreads = s->nwrites = 0;
    if (ctx->profile)
        lavin_profile_begin(ctx, s->cmd);
    return 0;
}

static void barrier(lavin_context *ctx, VkPipelineStageFlags src, VkAccessFlags src_access,
                    VkPipelineStageFlags dst, VkAccessFlags dst_access)
{
    VkMemoryBarrier mb = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
        .srcAccessMask = src_access,
        .dstAccessMask = dst_access,
    };
    vkCmdPipelineBarrier(ctx->stream.cmd, src, dst, 0, 1, &mb, 0, NULL, 0, NULL);
    ctx->stream.nreads = ctx->stream.nwrites = 0;
}

static void full_barrier(lavin_context *ctx)
{
    const VkPipelineStageFlags st = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    const VkAccessFlags ac = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                             VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    barrier(ctx, st, ac, st, ac);
}

static lavin_range range_of(const lavin_tensor *t)
{
    VkDeviceSize b = t->mem.offset;
    return (lavin_range){ lavin_block_buffer(t->mem.block), b, b + lavin_tensor_bytes(t) };
}

static int overlaps(const lavin_range *list, int n, lavin_range r)
{
    for (int i = 0; i < n; i++)
        if (list[i].buffer == r.buffer && list[i].begin < r.end && r.begin < list[i].end)
            return 1;
    return 0;
}

static void track(lavin_context *ctx, const lavin_dispatch *d)
{
    lavin_stream *s = &ctx->stream;
    int need = 0, nr = 0, nw = 0;
    for (int i = 0; i < LAVIN_DISPATCH_MAX_TENSORS && d->reads[i]; i++, nr++)
        need |= overlaps(s->writes, s->nwrites, range_of(d->reads[i]));
    for (int i = 0; i < LAVIN_DISPATCH_MAX_TENSORS && d->writes[i]; i++, nw++) {
        lavin_range r = range_of(d->writes[i]);
        need |= overlaps(s->writes, s->nwrites, r) || overlaps(s->reads, s->nreads, r);
    }
    if (s->nreads + nr > LAVIN_MAX_HAZARDS || s->nwrites + nw > LAVIN_MAX_HAZARDS)
        need = 1;
    if (need)
        barrier(ctx, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    for (int i = 0; i < nr; i++)
        s->reads[s->nreads++] = range_of(d->reads[i]);
    for (int i = 0; i < nw; i++)
        s->writes[s->nwrites++] = range_of(d->writes[i]);
}

void lavin_groups_1d(const lavin_context *ctx, uint64_t n, uint32_t groups[3])
{
    uint64_t maxx = ctx->props.limits.maxComputeWorkGroupCount[0];
    if (!n)
        n = 1;
    uint64_t y = (n + maxx - 1) / maxx;
    groups[0] = (uint32_t)(y > 1 ? (n + y - 1) / y : n);
    groups[1] = (uint32_t)y;
    groups[2] = 1;
}

int lavin_stream_dispatch(lavin_context *ctx, const lavin_dispatch *d)
{
    const VkPhysicalDeviceLimits *lim = &ctx->props.limits;
    for (int i = 0; i < 3; i++)
        if (!d->groups[i] || d->groups[i] > lim->maxComputeWorkGroupCount[i])
            return lavin_err(ctx, LAVIN_EINVAL, "%s: workgroup count %u in dimension %d is outside 1..%u",
                             d->op, d->groups[i], i, lim->maxComputeWorkGroupCount[i]);
    if (d->push_size > LAVIN_PUSH_MAX)
        return lavin_err(ctx, LAVIN_EINVAL, "%s: %u bytes of push constants", d->op, d->push_size);
    if (ctx->profile && lavin_profile_full(ctx))
        LAVIN_TRY(lavin_stream_sync(ctx));
    LAVIN_TRY(begin(ctx));
    track(ctx, d);
    VkCommandBuffer cmd = ctx->stream.cmd;
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d->pipeline->pipeline);
    if (d->push_size)
        vkCmdPushConstants(cmd, ctx->pipeline_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, d->push_size, d->push);
    if (ctx->profile)
        lavin_profile_mark(ctx, cmd, d->op, d->flops, d->bytes, 0);
    vkCmdDispatch(cmd, d->groups[0], d->groups[1], d->groups[2]);
    if (ctx->profile)
        lavin_profile_mark(ctx, cmd, d->op, d->flops, d->bytes, 1);
    ctx->stream.dispatches++;
    return 0;
}

int lavin_stream_copy(lavin_context *ctx, const lavin_tensor *t, uint64_t offset, uint64_t n, int upload)
{
    LAVIN_TRY(begin(ctx));
    full_barrier(ctx);
    VkBufferCopy region = {
        .srcOffset = upload ? 0 : t->mem.offset + offset,
        .dstOffset = upload ? t->mem.offset + offset : 0,
        .size = n,
    };
    VkBuffer dev = lavin_block_buffer(t->mem.block);
    vkCmdCopyBuffer(ctx->stream.cmd, upload ? ctx->staging.buffer : dev, upload ? dev : ctx->staging.buffer,
                    1, &region);
    full_barrier(ctx);
    return 0;
}

int lavin_stream_fill(lavin_context *ctx, const lavin_tensor *t, uint32_t pattern)
{
    LAVIN_TRY(begin(ctx));
    full_barrier(ctx);
    vkCmdFillBuffer(ctx->stream.cmd, lavin_block_buffer(t->mem.block), t->mem.offset, lavin_tensor_bytes(t),
                    pattern);
    full_barrier(ctx);
    return 0;
}

int lavin_stream_sync(lavin_context *ctx)
{
    lavin_stream *s = &ctx->stream;
    if (!s->recording)
        return 0;
    /* Make every write visible to the host and to the next submission. */
    barrier(ctx, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
            VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
            VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
    s->recording = 0;
    LAVIN_VK(ctx, vkEndCommandBuffer(s->cmd));
    VkSubmitInfo si = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &s->cmd,
    };
    LAVIN_VK(ctx, vkQueueSubmit(ctx->queue, 1, &si, s->fence));
    LAVIN_VK(ctx, vkWaitForFences(ctx->device, 1, &s->fence, VK_TRUE, UINT64_MAX));
    LAVIN_VK(ctx, vkResetFences(ctx->device, 1, &s->fence));
    LAVIN_VK(ctx, vkResetCommandBuffer(s->cmd, 0));
    lavin_mem_trim(ctx);
    if (ctx->profile)
        LAVIN_TRY(lavin_profile_collect(ctx));
    return 0;
}
