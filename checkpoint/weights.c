#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/half.h"
#include "checkpoint/weights.h"
#include "core/transfer.h"

typedef struct entry {
    char *name;
    lavin_tensor t;
} entry;

struct lavin_weights {
    entry *e;
    size_t n, cap;
    uint64_t bytes;
};

int lavin_weights_new(lavin_context *ctx, lavin_weights **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
}

/* Uploads data converted to the tensor's dtype; the converted copy is one
 * tensor's size at most. Quantized blocks go up as they are. */
static int upload(lavin_context *ctx, const lavin_tensor *t, const void *data, lavin_dtype src)
{
    size_t n = (size_t)lavin_tensor_nelem(t), so = lavin_dtype_size(t->dtype);
    if (src == t->dtype)
        return lavin_tensor_upload(ctx, t, data, (size_t)lavin_tensor_bytes(t));
    if (lavin_dtype_is_quantized(src) || lavin_dtype_is_quantized(t->dtype))
        return lavin_err(ctx, LAVIN_EINVAL, "weights: cannot convert %s to %s on load", lavin_dtype_name(src),
                         lavin_dtype_name(t->dtype));
    uint8_t *buf = malloc(n * so);
    if (!buf)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory converting %zu values", n);
    lavin_convert_dtype(data, src, buf, t->dtype, n);
    int ret = lavin_tensor_upload(ctx, t, buf, n * so);
    free(buf);
    return ret;
}

int lavin_weights_add(lavin_context *ctx, lavin_weights *w, const char *name, lavin_dtype dtype, int ndim,
                      const int64_t *shape, const void *data, lavin_dtype src_dtype)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        entry *e = realloc(w->e, cap * sizeof(*e));
        if (!e)
            return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
        w->e = e;
        w->cap = cap;
    }
    entry *e = &w->e[w->n];
    int64_t one = 1;
    memset(e, 0, sizeof(*e));
    if (!(e->name = strdup(name)))
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    int ret = lavin_tensor_alloc(ctx, &e->t, dtype, ndim ? ndim : 1, ndim ? shape : &one);
    if (ret >= 0)
        ret = upload(ctx, &e->t, data, src_dtype);
    if (ret < 0) {
        lavin_tensor_free(ctx, &e->t);
        free(e->name);
        return ret;
    }
    w->bytes += lavin_tensor_bytes(&e->t);
    w->n++;
    return 0;
}

int lavin_weights_load(lavin_context *ctx, const lavin_checkpoint *ck, int dtype, lavin_step_fn step, void *user,
                       lavin_weights **out)
{
    *out = NULL;
    if (dtype > LAVIN_BF16)
        return lavin_err(ctx, LAVIN_EINVAL, "weights: unknown dtype %d", dtype);
    lavin_weights *w;
    LAVIN_TRY(lavin_weights_new(ctx, &w));
    int ret = 0;
    for (size_t i = 0; i < lavin_checkpoint_count(ck) && ret >= 0; i++) {
        const lavin_ckpt_tensor *ct = lavin_checkpoint_tensor(ck, i);
        /* A quantized tensor keeps its blocks: expanding them would cost
         * memory without giving back the precision they dropped. */
        lavin_dtype to = dtype < 0 || lavin_dtype_is_quantized(ct->dtype) ? ct->dtype : (lavin_dtype)dtype;
        ret = lavin_weights_add(ctx, w, ct->name, to, ct->ndim, ct->shape, ct->data, ct->dtype);
        if (ret < 0) {
            char why[512];
            snprintf(why, sizeof(why), "%s", lavin_context_error(ctx));
            ret = lavin_err(ctx, ret, "%s: tensor '%s': %s", lavin_checkpoint_path(ck), ct->name, why);
        } else if (step && step(user, (int)i + 1, (int)lavin_checkpoint_count(ck))) {
            ret = lavin_err(ctx, LAVIN_ECANCELED, "canceled");
        }
    }
    if (ret < 0) {
        lavin_weights_free(ctx, &w);
        return ret;
    }
    *out = w;
    return 0;
}

const lavin_tensor *lavin_weights_get(const lavin_weights *w, const char *name)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->e[i].name, name))
            return &w->e[i].t;
    return NULL;
}

size_t lavin_weights_count(const lavin_weights *w) { return w->n; }
const char *lavin_weights_name(const lavin_weights *w, size_t i) { return i < w->n ? w->e[i].name : NULL; }
uint64_t lavin_weights_bytes(const lavin_weights *w) { return w->bytes; }

void lavin_weights_free(lavin_context *ctx, lavin_weights **pw)
{
    lavin_weights *w = *pw;
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        lavin_tensor_free(ctx, &w->e[i].t);
        free(w->e[i].name);
    }
    free(w->e);
    free(w);
    *pw = NULL;
}
