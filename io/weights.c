#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "weights.h"

typedef struct entry {
    char *name;
    lavin_tensor t;
} entry;

struct lavin_weights {
    entry *e;
    size_t n;
    uint64_t bytes;
};

/* Converts and uploads in the target dtype. The upload takes the whole
 * tensor, so the converted copy is one tensor's size at most. */
static int upload(lavin_context *ctx, const lavin_ckpt_tensor *ct, const lavin_tensor *t)
{
    if (ct->dtype == t->dtype)
        return lavin_tensor_upload(ctx, t, ct->data, ct->nbytes);
    size_t n = (size_t)lavin_tensor_nelem(t), so = lavin_dtype_size(t->dtype);
    uint8_t *buf = malloc(n * so);
    if (!buf)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory converting '%s'", ct->name);
    lavin_convert_dtype(ct->data, ct->dtype, buf, t->dtype, n);
    int ret = lavin_tensor_upload(ctx, t, buf, n * so);
    free(buf);
    return ret;
}

int lavin_weights_load(lavin_context *ctx, const lavin_checkpoint *ck, int dtype, lavin_weights **out)
{
    *out = NULL;
    if (dtype > LAVIN_BF16)
        return lavin_err(ctx, LAVIN_EINVAL, "weights: unknown dtype %d", dtype);
    lavin_weights *w = calloc(1, sizeof(*w));
    size_t n = lavin_checkpoint_count(ck);
    if (!w || !(w->e = calloc(n ? n : 1, sizeof(*w->e)))) {
        free(w);
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    }
    int ret = 0;
    for (size_t i = 0; i < n && ret >= 0; i++) {
        const lavin_ckpt_tensor *ct = lavin_checkpoint_tensor(ck, i);
        int64_t one = 1;
        lavin_dtype dt = dtype < 0 ? ct->dtype : (lavin_dtype)dtype;
        entry *e = &w->e[w->n];
        e->name = strdup(ct->name);
        if (!e->name) {
            ret = lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
            break;
        }
        ret = lavin_tensor_alloc(ctx, &e->t, dt, ct->ndim ? ct->ndim : 1, ct->ndim ? ct->shape : &one);
        w->n++;
        if (ret >= 0)
            ret = upload(ctx, ct, &e->t);
        if (ret >= 0)
            w->bytes += lavin_tensor_bytes(&e->t);
        else {
            char why[512];
            snprintf(why, sizeof(why), "%s", lavin_context_error(ctx));
            ret = lavin_err(ctx, ret, "%s: tensor '%s': %s", lavin_checkpoint_path(ck), ct->name, why);
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
