#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_set.h"
#include "core/error.h"

/* Doubles *cap until it holds need entries of elem bytes. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return LAVIN_ENOMEM;
        n *= 2;
    }
    void *p = realloc(*arr, n * elem);
    if (!p)
        return LAVIN_ENOMEM;
    *arr = p;
    *cap = n;
    return 0;
}

void lavin_ckpt_set_free(lavin_ckpt_set *s)
{
    for (size_t i = 0; i < s->count; i++)
        free((char *)s->tensors[i].name);
    for (size_t i = 0; i < 2 * s->nmeta; i++)
        free(s->meta[i]);
    for (size_t i = 0; i < s->nowned; i++)
        free(s->owned[i]);
    free(s->tensors);
    free(s->meta);
    free(s->owned);
    memset(s, 0, sizeof(*s));
}

int lavin_ckpt_set_add(lavin_ckpt_set *s, const char *name, size_t name_len, lavin_dtype dtype,
                       int ndim, const int64_t *shape, const void *data, uint64_t nbytes)
{
    if (grow((void **)&s->tensors, &s->cap, s->count + 1, sizeof(*s->tensors)) < 0)
        return LAVIN_ENOMEM;
    char *copy = malloc(name_len + 1);
    if (!copy)
        return LAVIN_ENOMEM;
    memcpy(copy, name, name_len);
    copy[name_len] = 0;
    lavin_ckpt_tensor *t = &s->tensors[s->count++];
    memset(t, 0, sizeof(*t));
    t->name = copy;
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->data = data;
    t->nbytes = nbytes;
    return 0;
}

int lavin_ckpt_set_add_meta(lavin_ckpt_set *s, const char *key, const char *value)
{
    if (grow((void **)&s->meta, &s->meta_cap, 2 * (s->nmeta + 1), sizeof(*s->meta)) < 0)
        return LAVIN_ENOMEM;
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return LAVIN_ENOMEM;
    }
    s->meta[2 * s->nmeta] = k;
    s->meta[2 * s->nmeta + 1] = v;
    s->nmeta++;
    return 0;
}

void *lavin_ckpt_set_alloc(lavin_ckpt_set *s, size_t bytes)
{
    if (grow((void **)&s->owned, &s->owned_cap, s->nowned + 1, sizeof(*s->owned)) < 0)
        return NULL;
    void *p = calloc(1, bytes ? bytes : 1);
    if (p)
        s->owned[s->nowned++] = p;
    return p;
}

static int by_name(const void *a, const void *b)
{
    const lavin_ckpt_tensor *x = *(const lavin_ckpt_tensor *const *)a;
    const lavin_ckpt_tensor *y = *(const lavin_ckpt_tensor *const *)b;
    return strcmp(x->name, y->name);
}

int lavin_ckpt_index(const lavin_ckpt_tensor *tensors, size_t n, const lavin_ckpt_tensor ***index,
                     const char *file, char *err, size_t err_size)
{
    *index = NULL;
    const lavin_ckpt_tensor **idx = malloc((n ? n : 1) * sizeof(*idx));
    if (!idx)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", file);
    for (size_t i = 0; i < n; i++)
        idx[i] = &tensors[i];
    qsort(idx, n, sizeof(*idx), by_name);
    for (size_t i = 1; i < n; i++) {
        if (!strcmp(idx[i - 1]->name, idx[i]->name)) {
            char q[96];
            lavin_ckpt_quote(idx[i]->name, (size_t)-1, q, sizeof(q));
            free(idx);
            return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: duplicate tensor name '%s'", file, q);
        }
    }
    *index = idx;
    return 0;
}

size_t lavin_ckpt_dtype_size(lavin_dtype t)
{
    return t == LAVIN_F32 ? 4 : 2;
}

const char *lavin_ckpt_dtype_name(lavin_dtype t)
{
    switch (t) {
    case LAVIN_F32: return "f32";
    case LAVIN_F16: return "f16";
    case LAVIN_BF16: return "bf16";
    case LAVIN_Q8_0: return "q8_0";
    case LAVIN_Q4_0: return "q4_0";
    }
    return "?";
}

int lavin_ckpt_shape_bytes(int ndim, const int64_t *shape, size_t elsize, uint64_t *bytes)
{
    uint64_t n = elsize;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (uint64_t)shape[i] > LAVIN_CKPT_MAX_BYTES)
            return -1;
        if (shape[i] && n > LAVIN_CKPT_MAX_BYTES / (uint64_t)shape[i])
            return -1;
        n *= (uint64_t)shape[i];
    }
    *bytes = n;
    return 0;
}

int64_t lavin_ckpt_dtype_block(lavin_dtype t)
{
    return t == LAVIN_Q8_0 || t == LAVIN_Q4_0 ? 32 : 1;
}

size_t lavin_ckpt_dtype_block_bytes(lavin_dtype t)
{
    return t == LAVIN_Q8_0 ? 34 : t == LAVIN_Q4_0 ? 18 : lavin_ckpt_dtype_size(t);
}

int lavin_ckpt_tensor_bytes(lavin_dtype t, int ndim, const int64_t *shape, uint64_t *bytes)
{
    int64_t blk = lavin_ckpt_dtype_block(t);
    uint64_t n;
    if (lavin_ckpt_shape_bytes(ndim, shape, 1, &n) < 0 || (blk > 1 && (!ndim || shape[ndim - 1] % blk)))
        return -1;
    n = n / (uint64_t)blk * lavin_ckpt_dtype_block_bytes(t);
    if (n > LAVIN_CKPT_MAX_BYTES)
        return -1;
    *bytes = n;
    return 0;
}

const char *lavin_ckpt_shape_str(int ndim, const int64_t *shape, char *buf, size_t size)
{
    size_t len = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (len < size)
        snprintf(buf + len, size - len, "]");
    return buf;
}

const char *lavin_ckpt_quote(const char *s, size_t len, char *buf, size_t size)
{
    if (!size)
        return buf;
    if (len == (size_t)-1)
        len = strlen(s);
    size_t keep = len;
    if (keep > size - 1) {
        keep = size > 4 ? size - 4 : 0;
    }
    for (size_t i = 0; i < keep; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (keep < len && size > 4) {
        memcpy(buf + keep, "...", 4);
    } else {
        buf[keep] = 0;
    }
    return buf;
}
