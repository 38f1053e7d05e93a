#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "checkpoint/ckpt_set.h"
#include "checkpoint/file_write.h"
#include "core/error.h"
#include "checkpoint/safetensors.h"

static const char *st_dtype_name(lavin_dtype t)
{
    return t == LAVIN_F32 ? "F32" : t == LAVIN_F16 ? "F16" : "BF16";
}

static int check_tensor(const char *path, const lavin_ckpt_tensor *t, char *err, size_t err_size)
{
    char q[96];
    if (!t->name || !*t->name || !strcmp(t->name, "__metadata__"))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor name '%s' is not allowed", path,
                             t->name ? lavin_ckpt_quote(t->name, (size_t)-1, q, sizeof(q)) : "(null)");
    lavin_ckpt_quote(t->name, (size_t)-1, q, sizeof(q));
    if (t->dtype != LAVIN_F32 && t->dtype != LAVIN_F16 && t->dtype != LAVIN_BF16)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s': invalid dtype %d", path, q,
                             (int)t->dtype);
    if (t->ndim < 0 || t->ndim > LAVIN_MAX_DIMS)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s': rank %d is outside 0..%d",
                             path, q, t->ndim, LAVIN_MAX_DIMS);
    uint64_t bytes;
    char sh[128];
    lavin_ckpt_shape_str(t->ndim, t->shape, sh, sizeof(sh));
    if (lavin_ckpt_shape_bytes(t->ndim, t->shape, lavin_ckpt_dtype_size(t->dtype), &bytes) < 0)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s': invalid shape %s", path, q, sh);
    if (bytes != t->nbytes)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL,
                             "%s: tensor '%s': nbytes %llu does not match shape %s %s (%llu bytes)",
                             path, q, (unsigned long long)t->nbytes, sh,
                             lavin_ckpt_dtype_name(t->dtype), (unsigned long long)bytes);
    if (bytes && !t->data)
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensor '%s' has no data", path, q);
    return 0;
}

/* Integers go in as raw JSON so that large offsets never turn into
 * floating-point notation. */
static int add_uint_array(cJSON *obj, const char *key, const uint64_t *v, int n)
{
    char buf[24 * (LAVIN_MAX_DIMS + 1) + 4];
    size_t len = (size_t)snprintf(buf, sizeof(buf), "[");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%llu", i ? "," : "",
                                (unsigned long long)v[i]);
    snprintf(buf + len, sizeof(buf) - len, "]");
    return cJSON_AddRawToObject(obj, key, buf) ? 0 : LAVIN_ENOMEM;
}

static int build_header(const lavin_ckpt_tensor *tensors, size_t n, const char *const *meta_keys,
                        const char *const *meta_values, size_t nmeta, char **out)
{
    cJSON *root = cJSON_CreateObject();
    int r = root ? 0 : LAVIN_ENOMEM;
    if (r >= 0 && nmeta) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        r = meta ? 0 : LAVIN_ENOMEM;
        for (size_t i = 0; i < nmeta && r >= 0; i++)
            if (!cJSON_AddStringToObject(meta, meta_keys[i], meta_values[i]))
                r = LAVIN_ENOMEM;
    }
    uint64_t offset = 0;
    for (size_t i = 0; i < n && r >= 0; i++) {
        const lavin_ckpt_tensor *t = &tensors[i];
        cJSON *e = cJSON_AddObjectToObject(root, t->name);
        uint64_t shape[LAVIN_MAX_DIMS], range[2] = { offset, offset + t->nbytes };
        for (int d = 0; d < t->ndim; d++)
            shape[d] = (uint64_t)t->shape[d];
        if (!e || !cJSON_AddStringToObject(e, "dtype", st_dtype_name(t->dtype)) ||
            add_uint_array(e, "shape", shape, t->ndim) < 0 || add_uint_array(e, "data_offsets", range, 2) < 0)
            r = LAVIN_ENOMEM;
        offset += t->nbytes;
    }
    *out = r >= 0 ? cJSON_PrintUnformatted(root) : NULL;
    if (r >= 0 && !*out)
        r = LAVIN_ENOMEM;
    cJSON_Delete(root);
    return r;
}

static int check_inputs(const char *path, const lavin_ckpt_tensor *tensors, size_t n,
                        const char *const *meta_keys, const char *const *meta_values, size_t nmeta,
                        char *err, size_t err_size)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        LAVIN_TRY(check_tensor(path, &tensors[i], err, err_size));
        total += tensors[i].nbytes;
        if (total > LAVIN_CKPT_MAX_BYTES)
            return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: tensors are too large", path);
    }
    for (size_t i = 0; i < nmeta; i++) {
        if (!meta_keys || !meta_values || !meta_keys[i] || !meta_values[i])
            return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: metadata entry %zu is NULL", path, i);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(meta_keys[i], meta_keys[j])) {
                char q[96];
                return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: metadata key '%s' repeats", path,
                                     lavin_ckpt_quote(meta_keys[i], (size_t)-1, q, sizeof(q)));
            }
    }
    const lavin_ckpt_tensor **idx;
    LAVIN_TRY(lavin_ckpt_index(tensors, n, &idx, path, err, err_size));
    free(idx);
    return 0;
}

typedef struct st_file {
    const char *header;
    const lavin_ckpt_tensor *tensors;
    size_t n;
} st_file;

static int fill(FILE *f, void *user)
{
    const st_file *s = user;
    size_t len = strlen(s->header);
    size_t pad = (8 - len % 8) % 8;
    uint64_t hlen = len + pad;
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(hlen >> (8 * i));
    static const char spaces[8] = "        ";
    if (lavin_file_put(f, le, 8) < 0 || lavin_file_put(f, s->header, len) < 0 || lavin_file_put(f, spaces, pad) < 0)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        if (lavin_file_put(f, s->tensors[i].data, (size_t)s->tensors[i].nbytes) < 0)
            return -1;
    return 0;
}

int lavin_safetensors_write(const char *path, const lavin_ckpt_tensor *tensors, size_t n,
                            const char *const *meta_keys, const char *const *meta_values, size_t nmeta,
                            char *err, size_t err_size)
{
    if (!path || (n && !tensors))
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "safetensors write: no path or no tensors");
    LAVIN_TRY(check_inputs(path, tensors, n, meta_keys, meta_values, nmeta, err, err_size));
    char *header = NULL;
    if (build_header(tensors, n, meta_keys, meta_values, nmeta, &header) < 0)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", path);
    if (strlen(header) > LAVIN_SAFETENSORS_MAX_HEADER - 8) {
        free(header);
        return lavin_err_buf(err, err_size, LAVIN_EINVAL, "%s: header exceeds the format's limit", path);
    }
    st_file file = { header, tensors, n };
    int r = lavin_file_write(path, fill, &file, err, err_size);
    free(header);
    return r;
}
