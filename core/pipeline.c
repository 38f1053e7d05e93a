#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pipeline.h"

/* Creates every missing folder of path (mkdir -p). */
static int make_dirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static char *cache_file_path(const lavin_context *ctx, const char *dir)
{
    char base[4096];
    if (!dir || !*dir)
        return NULL;
    snprintf(base, sizeof(base), "%s", dir);
    /* The driver's cache UUID in the name: a new driver never reads a stale file. */
    char uuid[2 * VK_UUID_SIZE + 1];
    for (unsigned i = 0; i < VK_UUID_SIZE; i++)
        snprintf(uuid + 2 * i, 3, "%02x", ctx->props.pipelineCacheUUID[i]);
    size_t len = strlen(base) + 64 + sizeof(uuid);
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/pipelines-%04x-%04x-%s.bin", base, ctx->props.vendorID,
                 ctx->props.deviceID, uuid);
    return path;
}

static void *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    void *data = NULL;
    long n;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (64L << 20) && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)n);
        if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *size = (size_t)n;
    }
    fclose(f);
    return data;
}

int lavin_pipelines_init(lavin_context *ctx, const char *cache_dir)
{
    VkPushConstantRange range = {
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
        .offset = 0,
        .size = LAVIN_PUSH_MAX,
    };
    VkPipelineLayoutCreateInfo lci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
        .pushConstantRangeCount = 1,
        .pPushConstantRanges = &range,
    };
    LAVIN_VK(ctx, vkCreatePipelineLayout(ctx->device, &lci, NULL, &ctx->pipeline_layout));

    ctx->cache_path = cache_file_path(ctx, cache_dir);
    size_t size = 0;
    void *data = ctx->cache_path ? read_file(ctx->cache_path, &size) : NULL;
    VkPipelineCacheCreateInfo pci = {
        .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
        .initialDataSize = data ? size : 0,
        .pInitialData = data,
    };
    VkResult r = vkCreatePipelineCache(ctx->device, &pci, NULL, &ctx->pipeline_cache);
    if (r != VK_SUCCESS && data) {
        /* A corrupt or foreign cache file is only a lost speed-up. */
        pci.initialDataSize = 0;
        pci.pInitialData = NULL;
        size = 0;
        r = vkCreatePipelineCache(ctx->device, &pci, NULL, &ctx->pipeline_cache);
    }
    free(data);
    if (r != VK_SUCCESS)
        return lavin_vk_err(ctx, r, "vkCreatePipelineCache");
    ctx->cache_loaded_bytes = data ? size : 0;
    return 0;
}

static void save_cache(lavin_context *ctx)
{
    if (!ctx->cache_path || !ctx->pipeline_cache || !ctx->npipelines)
        return;
    size_t size = 0;
    if (vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, NULL) != VK_SUCCESS || !size)
        return;
    void *data = malloc(size);
    if (!data)
        return;
    if (vkGetPipelineCacheData(ctx->device, ctx->pipeline_cache, &size, data) == VK_SUCCESS) {
        char *dir = strdup(ctx->cache_path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash)
            *slash = 0;
        size_t tlen = strlen(ctx->cache_path) + 32;
        char *tmp = malloc(tlen);
        if (dir && tmp && make_dirs(dir) == 0) {
            /* Write then rename, so that a reader never sees half a file. */
            snprintf(tmp, tlen, "%s.%ld.tmp", ctx->cache_path, (long)getpid());
            FILE *f = fopen(tmp, "wb");
            if (f) {
                int ok = fwrite(data, 1, size, f) == size;
                ok &= fclose(f) == 0;
                if (!ok || rename(tmp, ctx->cache_path) != 0)
                    remove(tmp);
            }
        }
        free(tmp);
        free(dir);
    }
    free(data);
}

void lavin_pipelines_destroy(lavin_context *ctx)
{
    save_cache(ctx);
    for (unsigned i = 0; i < ctx->npipelines; i++) {
        vkDestroyPipeline(ctx->device, ctx->pipelines[i]->pipeline, NULL);
        vkDestroyShaderModule(ctx->device, ctx->pipelines[i]->module, NULL);
        free(ctx->pipelines[i]);
    }
    free(ctx->pipelines);
    ctx->pipelines = NULL;
    ctx->npipelines = ctx->pipelines_cap = 0;
    if (ctx->pipeline_cache)
        vkDestroyPipelineCache(ctx->device, ctx->pipeline_cache, NULL);
    if (ctx->pipeline_layout)
        vkDestroyPipelineLayout(ctx->device, ctx->pipeline_layout, NULL);
    ctx->pipeline_cache = VK_NULL_HANDLE;
    ctx->pipeline_layout = VK_NULL_HANDLE;
    free(ctx->cache_path);
    ctx->cache_path = NULL;
}

static int build(lavin_context *ctx, lavin_pipeline *p, const lavin_shader *sh)
{
    VkShaderModuleCreateInfo mci = {
        .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
        .codeSize = sh->size,
        .pCode = sh->code,
    };
    LAVIN_VK(ctx, vkCreateShaderModule(ctx->device, &mci, NULL, &p->module));
    VkSpecializationMapEntry entries[LAVIN_MAX_SPEC];
    for (unsigned i = 0; i < p->nspec; i++)
        entries[i] = (VkSpecializationMapEntry){ i, i * 4, 4 };
    VkSpecializationInfo si = {
        .mapEntryCount = p->nspec,
        .pMapEntries = entries,
        .dataSize = p->nspec * 4,
        .pData = p->spec,
    };
    VkComputePipelineCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {
            .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
            .stage = VK_SHADER_STAGE_COMPUTE_BIT,
            .module = p->module,
            .pName = "main",
            .pSpecializationInfo = p->nspec ? &si : NULL,
        },
        .layout = ctx->pipeline_layout,
    };
    VkResult r = vkCreateComputePipelines(ctx->device, ctx->pipeline_cache, 1, &ci, NULL, &p->pipeline);
    if (r != VK_SUCCESS) {
        vkDestroyShaderModule(ctx->device, p->module, NULL);
        return lavin_err(ctx, lavin_vk_code(r), "building pipeline %s failed: %s", sh->name,
                         lavin_vk_result_name(r));
    }
    return 0;
}

int lavin_pipeline_get(lavin_context *ctx, const lavin_shader *sh, const uint32_t *spec,
                       unsigned nspec, lavin_pipeline **out)
{
    if (nspec > LAVIN_MAX_SPEC)
        return lavin_err(ctx, LAVIN_EINVAL, "pipeline %s: %u specialization constants (max %d)", sh->name,
                         nspec, LAVIN_MAX_SPEC);
    for (unsigned i = 0; i < ctx->npipelines; i++) {
        lavin_pipeline *p = ctx->pipelines[i];
        if (p->code == sh->code && p->nspec == nspec && !memcmp(p->spec, spec, nspec * sizeof(*spec))) {
            *out = p;
            return 0;
        }
    }
    if (ctx->npipelines == ctx->pipelines_cap) {
        unsigned cap = ctx->pipelines_cap ? 2 * ctx->pipelines_cap : 32;
        lavin_pipeline **n = realloc(ctx->pipelines, cap * sizeof(*n));
        if (!n)
            return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
        ctx->pipelines = n;
        ctx->pipelines_cap = cap;
    }
    lavin_pipeline *p = calloc(1, sizeof(*p));
    if (!p)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    p->code = sh->code;
    p->name = sh->name;
    p->nspec = nspec;
    if (nspec)
        memcpy(p->spec, spec, nspec * sizeof(*spec));
    int ret = build(ctx, p, sh);
    if (ret < 0) {
        free(p);
        return ret;
    }
    ctx->pipelines[ctx->npipelines++] = p;
    *out = p;
    return 0;
}

size_t lavin_pipeline_cache_loaded(const lavin_context *ctx) { return ctx->cache_loaded_bytes; }
const char *lavin_pipeline_cache_path(const lavin_context *ctx) { return ctx->cache_path; }
