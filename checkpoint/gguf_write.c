#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/file_write.h"
#include "checkpoint/gguf.h"
#include "checkpoint/gguf_meta.h"
#include "core/error.h"

/* The header (metadata and tensor infos) is built in memory; only the
 * tensor data streams from the inputs. */
typedef struct buf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} buf;

typedef struct gguf_file {
    buf head;
    const lavin_ckpt_tensor *tensors;
    size_t n;
} gguf_file;

static void put(buf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void put_le(buf *b, uint64_t v, int bytes)
{
    uint8_t le[8];
    for (int i = 0; i < bytes; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    put(b, le, (size_t)bytes);
}

static void put_str(buf *b, const char *s)
{
    size_t len = strlen(s);
    put_le(b, len, 8);
    put(b, s, len);
}

static void put_kv(buf *b, const lavin_gguf_kv *kv)
{
    put_str(b, kv->key);
    put_le(b, kv->type, 4);
    if (kv->type == LAVIN_GGUF_UINT32) {
        put_le(b, kv->u32, 4);
    } else if (kv->type == LAVIN_GGUF_STRING) {
        put_str(b, kv->str);
    } else {
        put_le(b, kv->elem_type, 4);
        put_le(b, kv->count, 8);
        for (uint64_t i = 0; i < kv->count; i++) {
            if (kv->elem_type == LAVIN_GGUF_UINT32)
                put_le(b, kv->u32s[i], 4);
            else
                put_str(b, kv->strs[i]);
        }
    }
}

static uint64_t padding(uint64_t x)
{
    return (LAVIN_GGUF_ALIGNMENT - x % LAVIN_GGUF_ALIGNMENT) % LAVIN_GGUF_ALIGNMENT;
}

static int text_ok(const char *s, int name)
{
    return s && !lavin_gguf_text_problem((const uint8_t *)s, strlen(s), name);
}

static int check_tensor(const char *path, const lavin_ckpt_tensor *t, char *err, size_t err_size)
{
    char q[96], sh[128];
    if (!t->name || !*t->name || strlen(t->name) > LAVIN_GGUF_MAX_NAME || !text_ok(t->name, 1))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: tensor name '%s' is not 1 to %d bytes of UTF-8 without control characters", path,
                             t->name ? lavin_ckpt_quote(t->name, (size_t)-1, q, sizeof(q)) : "(null)",
                             LAVIN_GGUF_MAX_NAME);
    lavin_ckpt_quote(t->name, (size_t)-1, q, sizeof(q));
    if (lavin_gguf_ggml_type(t->dtype) == UINT32_MAX)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s': invalid dtype %d", path, q, (int)t->dtype);
    if (t->ndim < 0 || t->ndim > LAVIN_GGUF_MAX_DIMS)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: tensor '%s' has %d dimensions; GGUF holds at most %d", path, q, t->ndim,
                             LAVIN_GGUF_MAX_DIMS);
    lavin_ckpt_shape_str(t->ndim, t->shape, sh, sizeof(sh));
    uint64_t bytes;
    if (lavin_ckpt_tensor_bytes(t->dtype, t->ndim, t->shape, &bytes) < 0)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s': shape %s cannot be %s", path, q, sh,
                             lavin_ckpt_dtype_name(t->dtype));
    if (bytes != t->nbytes)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: tensor '%s': nbytes %llu does not match shape %s %s (%llu bytes)", path, q,
                             (unsigned long long)t->nbytes, sh, lavin_ckpt_dtype_name(t->dtype),
                             (unsigned long long)bytes);
    if (bytes && !t->data)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s' has no data", path, q);
    if (t->why && !text_ok(t->why, 0))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s': its why is not UTF-8", path, q);
    return 0;
}

/* The writer sets these itself. */
static int reserved(const char *key)
{
    return !strcmp(key, LAVIN_GGUF_KEY_ALIGNMENT) || !strcmp(key, LAVIN_GGUF_KEY_QVERSION) ||
           !strcmp(key, LAVIN_GGUF_KEY_KEPT_NAMES) || !strcmp(key, LAVIN_GGUF_KEY_KEPT_REASONS);
}

static int check_kv(const char *path, const lavin_gguf_kv *kv, size_t nkv, char *err, size_t err_size)
{
    for (size_t i = 0; i < nkv; i++) {
        const lavin_gguf_kv *e = &kv[i];
        char q[96];
        int ok = e->key && *e->key && strlen(e->key) <= LAVIN_GGUF_MAX_KEY;
        for (const char *c = e->key; ok && *c; c++)
            ok = *c > ' ' && *c <= '~';
        lavin_ckpt_quote(e->key ? e->key : "(null)", (size_t)-1, q, sizeof(q));
        if (!ok || reserved(e->key))
            return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: metadata key '%s' is not allowed", path, q);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(kv[j].key, e->key))
                return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: metadata key '%s' repeats", path, q);
        if (e->type == LAVIN_GGUF_UINT32 || (e->type == LAVIN_GGUF_STRING && text_ok(e->str, 0)))
            continue;
        ok = e->type == LAVIN_GGUF_ARRAY && (e->elem_type == LAVIN_GGUF_UINT32 ? e->u32s || !e->count
                                             : e->elem_type == LAVIN_GGUF_STRING && (e->strs || !e->count));
        for (uint64_t k = 0; ok && e->elem_type == LAVIN_GGUF_STRING && k < e->count; k++)
            ok = text_ok(e->strs[k], 0);
        if (!ok)
            return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                                 "%s: metadata '%s' is not a uint32, a UTF-8 string or an array of either", path, q);
    }
    return 0;
}

/* lavin.kept.names and lavin.kept.reasons from the tensors' why. */
static int kept(const lavin_ckpt_tensor *t, size_t n, const char ***names, const char ***reasons, uint64_t *count)
{
    *count = 0;
    *names = malloc((n ? n : 1) * sizeof(**names));
    *reasons = malloc((n ? n : 1) * sizeof(**reasons));
    if (!*names || !*reasons)
        return LAVIN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (t[i].why) {
            (*names)[*count] = t[i].name;
            (*reasons)[(*count)++] = t[i].why;
        }
    return 0;
}

static void build(buf *b, const lavin_ckpt_tensor *t, size_t n, const lavin_gguf_kv *kv, size_t nkv,
                  const char **names, const char **reasons, uint64_t nkept)
{
    const lavin_gguf_kv own[4] = {
        { .key = LAVIN_GGUF_KEY_QVERSION, .type = LAVIN_GGUF_UINT32, .u32 = LAVIN_GGUF_QUANTIZATION_VERSION },
        { .key = LAVIN_GGUF_KEY_ALIGNMENT, .type = LAVIN_GGUF_UINT32, .u32 = LAVIN_GGUF_ALIGNMENT },
        { .key = LAVIN_GGUF_KEY_KEPT_NAMES, .type = LAVIN_GGUF_ARRAY, .elem_type = LAVIN_GGUF_STRING,
          .strs = names, .count = nkept },
        { .key = LAVIN_GGUF_KEY_KEPT_REASONS, .type = LAVIN_GGUF_ARRAY, .elem_type = LAVIN_GGUF_STRING,
          .strs = reasons, .count = nkept },
    };
    size_t nown = nkept ? 4 : 2;
    put(b, "GGUF", 4);
    put_le(b, LAVIN_GGUF_VERSION, 4);
    put_le(b, n, 8);
    put_le(b, nkv + nown, 8);
    for (size_t i = 0; i < nkv; i++)
        put_kv(b, &kv[i]);
    for (size_t i = 0; i < nown; i++)
        put_kv(b, &own[i]);
    uint64_t offset = 0;
    for (size_t i = 0; i < n; i++) {
        put_str(b, t[i].name);
        put_le(b, (uint64_t)t[i].ndim, 4);
        for (int k = t[i].ndim - 1; k >= 0; k--)
            put_le(b, (uint64_t)t[i].shape[k], 8);
        put_le(b, lavin_gguf_ggml_type(t[i].dtype), 4);
        put_le(b, offset, 8);
        offset += t[i].nbytes + padding(t[i].nbytes);
    }
}

static int fill(FILE *f, void *user)
{
    const gguf_file *g = user;
    static const uint8_t zeros[LAVIN_GGUF_ALIGNMENT];
    if (lavin_file_put(f, g->head.p, g->head.n) < 0 || lavin_file_put(f, zeros, (size_t)padding(g->head.n)) < 0)
        return -1;
    for (size_t i = 0; i < g->n; i++)
        if (lavin_file_put(f, g->tensors[i].data, (size_t)g->tensors[i].nbytes) < 0 ||
            lavin_file_put(f, zeros, (size_t)padding(g->tensors[i].nbytes)) < 0)
            return -1;
    return 0;
}

int lavin_gguf_write(const char *path, const lavin_ckpt_tensor *tensors, size_t n, const lavin_gguf_kv *kv,
                     size_t nkv, char *err, size_t err_size)
{
    if (!path || (n && !tensors) || (nkv && !kv))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "GGUF write: no path, tensors or metadata");
    if (n > LAVIN_GGUF_MAX_TENSORS || nkv > LAVIN_GGUF_MAX_KV - 4)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: too many tensors or metadata entries", path);
    for (size_t i = 0; i < n; i++)
        LAVIN_TRY(check_tensor(path, &tensors[i], err, err_size));
    LAVIN_TRY(check_kv(path, kv, nkv, err, err_size));
    const lavin_ckpt_tensor **idx;
    LAVIN_TRY(lavin_ckpt_index(tensors, n, &idx, path, err, err_size));
    free(idx);
    const char **names, **reasons;
    uint64_t nkept;
    gguf_file g = { .tensors = tensors, .n = n };
    int r = kept(tensors, n, &names, &reasons, &nkept);
    if (r >= 0)
        build(&g.head, tensors, n, kv, nkv, names, reasons, nkept);
    if (r < 0 || g.head.oom)
        r = lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    else
        r = lavin_file_write(path, fill, &g, err, err_size);
    free(names);
    free(reasons);
    free(g.head.p);
    return r;
}
