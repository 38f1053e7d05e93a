#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/profile.h"

#define QUERY_PAIRS 1024
#define MAX_OPS 128

typedef struct op_stat {
    const char *name;
    unsigned calls;
    double ns, flops, bytes;
} op_stat;

struct lavin_profile {
    VkQueryPool pool;
    unsigned used;                  /* timestamp pairs written this submission */
    const char *names[QUERY_PAIRS];
    double flops[QUERY_PAIRS], bytes[QUERY_PAIRS];
    op_stat ops[MAX_OPS];
    unsigned nops;
};

int lavin_profile_init(lavin_context *ctx)
{
    if (!ctx->timestamps_ok)
        return lavin_err(ctx, LAVIN_EUNSUPPORTED, "profiling needs timestamp queries on the compute queue");
    struct lavin_profile *p = calloc(1, sizeof(*p));
    if (!p)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    VkQueryPoolCreateInfo qci = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = 2 * QUERY_PAIRS,
    };
    VkResult r = vkCreateQueryPool(ctx->device, &qci, NULL, &p->pool);
    if (r != VK_SUCCESS) {
        free(p);
        return lavin_vk_err(ctx, r, "vkCreateQueryPool");
    }
    ctx->profile = p;
    return 0;
}

void lavin_profile_destroy(lavin_context *ctx)
{
    if (!ctx->profile)
        return;
    vkDestroyQueryPool(ctx->device, ctx->profile->pool, NULL);
    free(ctx->profile);
    ctx->profile = NULL;
}

void lavin_profile_begin(lavin_context *ctx, VkCommandBuffer cmd)
{
    vkCmdResetQueryPool(cmd, ctx->profile->pool, 0, 2 * QUERY_PAIRS);
    ctx->profile->used = 0;
}

int lavin_profile_full(const lavin_context *ctx)
{
    return ctx->profile->used >= QUERY_PAIRS;
}

void lavin_profile_mark(lavin_context *ctx, VkCommandBuffer cmd, const char *op, double flops,
                        double bytes, int end)
{
    struct lavin_profile *p = ctx->profile;
    unsigned i = p->used;
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, p->pool, 2 * i + (unsigned)end);
    if (!end) {
        p->names[i] = op;
        p->flops[i] = flops;
        p->bytes[i] = bytes;
    } else {
        p->used++;
    }
}

static op_stat *find_op(struct lavin_profile *p, const char *name)
{
    for (unsigned i = 0; i < p->nops; i++)
        if (!strcmp(p->ops[i].name, name))
            return &p->ops[i];
    if (p->nops == MAX_OPS)
        return NULL;
    p->ops[p->nops].name = name;
    return &p->ops[p->nops++];
}

int lavin_profile_collect(lavin_context *ctx)
{
    struct lavin_profile *p = ctx->profile;
    if (!p->used)
        return 0;
    uint64_t *ts = malloc(2 * p->used * sizeof(*ts));
    if (!ts)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    VkResult r = vkGetQueryPoolResults(ctx->device, p->pool, 0, 2 * p->used, 2 * p->used * sizeof(*ts), ts,
                                       sizeof(*ts), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    if (r != VK_SUCCESS) {
        free(ts);
        return lavin_vk_err(ctx, r, "vkGetQueryPoolResults");
    }
    for (unsigned i = 0; i < p->used; i++) {
        op_stat *s = find_op(p, p->names[i]);
        if (!s)
            continue;
        s->calls++;
        s->ns += (double)(ts[2 * i + 1] - ts[2 * i]) * ctx->timestamp_period;
        s->flops += p->flops[i];
        s->bytes += p->bytes[i];
    }
    free(ts);
    p->used = 0;
    return 0;
}

/* snprintf into what is left of buf, counting the whole length. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...) LAVIN_PRINTF(4, 5);
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(*len < size ? buf + *len : NULL, *len < size ? size - *len : 0, fmt, ap);
    va_end(ap);
    *len += n > 0 ? (size_t)n : 0;
}

size_t lavin_profile_report(const lavin_context *ctx, char *buf, size_t size)
{
    const struct lavin_profile *p = ctx->profile;
    if (size)
        buf[0] = 0;
    if (!p)
        return 0;
    double total = 0;
    size_t len = 0;
    for (unsigned i = 0; i < p->nops; i++)
        total += p->ops[i].ns;
    append(buf, size, &len, "%-24s %8s %11s %7s %10s %9s\n", "op", "calls", "ms", "%", "GFLOP/s", "GB/s");
    for (unsigned i = 0; i < p->nops; i++) {
        const op_stat *s = &p->ops[i];
        double sec = s->ns * 1e-9;
        append(buf, size, &len, "%-24s %8u %11.3f %7.1f %10.2f %9.2f\n", s->name, s->calls, s->ns * 1e-6,
               total > 0 ? 100.0 * s->ns / total : 0.0, sec > 0 ? s->flops / sec * 1e-9 : 0.0,
               sec > 0 ? s->bytes / sec * 1e-9 : 0.0);
    }
    append(buf, size, &len, "%-24s %8s %11.3f\n", "total", "", total * 1e-6);
    return len;
}
