#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "checkpoint/safetensors.h"

typedef struct st_entry {
    const char *name;
    lavin_dtype dtype;
    int ndim;
    int64_t shape[LAVIN_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

typedef struct st_parse {
    const char *file;
    char *err;
    size_t err_size;
} st_parse;

static const struct {
    const char *name;
    int supported;
    lavin_dtype dtype;
} st_dtypes[] = {
    { "F32", 1, LAVIN_F32 }, { "F16", 1, LAVIN_F16 }, { "BF16", 1, LAVIN_BF16 },
    { "F64", 0, LAVIN_F32 }, { "I64", 0, LAVIN_F32 }, { "I32", 0, LAVIN_F32 },
    { "I16", 0, LAVIN_F32 }, { "I8", 0, LAVIN_F32 }, { "U64", 0, LAVIN_F32 },
    { "U32", 0, LAVIN_F32 }, { "U16", 0, LAVIN_F32 }, { "U8", 0, LAVIN_F32 },
    { "BOOL", 0, LAVIN_F32 }, { "F8_E4M3", 0, LAVIN_F32 }, { "F8_E5M2", 0, LAVIN_F32 },
    { "C64", 0, LAVIN_F32 },
};

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int lavin_safetensors_sniff(const uint8_t *data, size_t size)
{
    return size >= 9 && data[8] == '{';
}

/* JSON numbers are doubles; only exact non-negative integers up to 2^53 are
 * taken, which covers every offset and dimension a real file can hold. */
static int json_uint(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    if (!(d >= 0) || d > 9007199254740992.0 || d != floor(d))
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static int entry_err(const st_parse *p, int code, const char *name, const char *what)
{
    char q[96];
    return lavin_err_buf(p->err, p->err_size, code, "%s: tensor '%s': %s", p->file,
                         lavin_ckpt_quote(name, (size_t)-1, q, sizeof(q)), what);
}

static int parse_dtype(const st_parse *p, const char *name, const cJSON *v, st_entry *e)
{
    if (!cJSON_IsString(v))
        return entry_err(p, LAVIN_EFORMAT, name, "dtype is not a string");
    for (size_t i = 0; i < sizeof(st_dtypes) / sizeof(st_dtypes[0]); i++) {
        if (strcmp(v->valuestring, st_dtypes[i].name))
            continue;
        if (!st_dtypes[i].supported) {
            char msg[128];
            snprintf(msg, sizeof(msg), "dtype %s is not supported (only F32, F16 and BF16)",
                     st_dtypes[i].name);
            return entry_err(p, LAVIN_EUNSUPPORTED, name, msg);
        }
        e->dtype = st_dtypes[i].dtype;
        return 0;
    }
    char q[48], msg[96];
    snprintf(msg, sizeof(msg), "unknown dtype '%s'",
             lavin_ckpt_quote(v->valuestring, (size_t)-1, q, sizeof(q)));
    return entry_err(p, LAVIN_EFORMAT, name, msg);
}

static int parse_shape(const st_parse *p, const char *name, const cJSON *v, st_entry *e)
{
    if (!cJSON_IsArray(v))
        return entry_err(p, LAVIN_EFORMAT, name, "shape is not an array");
    int n = cJSON_GetArraySize(v);
    if (n > LAVIN_MAX_DIMS) {
        char msg[80];
        snprintf(msg, sizeof(msg), "shape has %d dimensions, more than the %d supported", n,
                 LAVIN_MAX_DIMS);
        return entry_err(p, LAVIN_EUNSUPPORTED, name, msg);
    }
    int i = 0;
    for (const cJSON *d = v->child; d; d = d->next, i++) {
        uint64_t x;
        if (json_uint(d, &x) < 0)
            return entry_err(p, LAVIN_EFORMAT, name, "shape holds something other than a non-negative integer");
        e->shape[i] = (int64_t)x;
    }
    e->ndim = n;
    return 0;
}

static int parse_offsets(const st_parse *p, const char *name, const cJSON *v, st_entry *e,
                         uint64_t data_size)
{
    uint64_t o[2];
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2 || json_uint(v->child, &o[0]) < 0 ||
        json_uint(v->child->next, &o[1]) < 0)
        return entry_err(p, LAVIN_EFORMAT, name, "data_offsets is not a pair of non-negative integers");
    char msg[160];
    if (o[0] > o[1]) {
        snprintf(msg, sizeof(msg), "data_offsets [%llu, %llu] end before they begin",
                 (unsigned long long)o[0], (unsigned long long)o[1]);
        return entry_err(p, LAVIN_EFORMAT, name, msg);
    }
    if (o[1] > data_size) {
        snprintf(msg, sizeof(msg), "data_offsets [%llu, %llu] run past the %llu-byte data section",
                 (unsigned long long)o[0], (unsigned long long)o[1], (unsigned long long)data_size);
        return entry_err(p, LAVIN_EFORMAT, name, msg);
    }
    e->begin = o[0];
    e->end = o[1];
    return 0;
}

static int parse_entry(const st_parse *p, const cJSON *item, st_entry *e, uint64_t data_size)
{
    const char *name = item->string;
    if (!*name)
        return lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT, "%s: a tensor has an empty name", p->file);
    if (!cJSON_IsObject(item))
        return entry_err(p, LAVIN_EFORMAT, name, "entry is not an object");
    const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL;
    for (const cJSON *f = item->child; f; f = f->next) {
        const cJSON **slot = !strcmp(f->string, "dtype") ? &dtype
                           : !strcmp(f->string, "shape") ? &shape
                           : !strcmp(f->string, "data_offsets") ? &offsets : NULL;
        char q[48], msg[96];
        if (!slot) {
            snprintf(msg, sizeof(msg), "unexpected field '%s'",
                     lavin_ckpt_quote(f->string, (size_t)-1, q, sizeof(q)));
            return entry_err(p, LAVIN_EFORMAT, name, msg);
        }
        if (*slot) {
            snprintf(msg, sizeof(msg), "field '%s' appears twice", f->string);
            return entry_err(p, LAVIN_EFORMAT, name, msg);
        }
        *slot = f;
    }
    if (!dtype || !shape || !offsets)
        return entry_err(p, LAVIN_EFORMAT, name, !dtype ? "missing dtype" : !shape ? "missing shape"
                                                                        : "missing data_offsets");
    e->name = name;
    LAVIN_TRY(parse_dtype(p, name, dtype, e));
    LAVIN_TRY(parse_shape(p, name, shape, e));
    LAVIN_TRY(parse_offsets(p, name, offsets, e, data_size));
    size_t el = lavin_ckpt_dtype_size(e->dtype);
    uint64_t bytes;
    char sh[128], msg[256];
    lavin_ckpt_shape_str(e->ndim, e->shape, sh, sizeof(sh));
    if (lavin_ckpt_shape_bytes(e->ndim, e->shape, el, &bytes) < 0) {
        snprintf(msg, sizeof(msg), "shape %s is too large", sh);
        return entry_err(p, LAVIN_EFORMAT, name, msg);
    }
    if (bytes != e->end - e->begin) {
        snprintf(msg, sizeof(msg), "data_offsets [%llu, %llu] do not match shape %s %s (%llu bytes)",
                 (unsigned long long)e->begin, (unsigned long long)e->end, sh,
                 lavin_ckpt_dtype_name(e->dtype), (unsigned long long)bytes);
        return entry_err(p, LAVIN_EFORMAT, name, msg);
    }
    return 0;
}

static int parse_metadata(const st_parse *p, const cJSON *meta, lavin_ckpt_set *out)
{
    if (!cJSON_IsObject(meta))
        return lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT, "%s: __metadata__ is not an object",
                             p->file);
    for (const cJSON *m = meta->child; m; m = m->next) {
        char q[96];
        if (!cJSON_IsString(m))
            return lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT,
                                 "%s: __metadata__ value for '%s' is not a string", p->file,
                                 lavin_ckpt_quote(m->string, (size_t)-1, q, sizeof(q)));
        if (lavin_ckpt_set_add_meta(out, m->string, m->valuestring) < 0)
            return lavin_err_buf(p->err, p->err_size, LAVIN_ENOMEM, "%s: out of memory", p->file);
    }
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const st_entry *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The format packs tensors back to back: sorted by offset, each must start
 * where the previous ended and the last must end the file. */
static int check_packing(const st_parse *p, const st_entry *e, size_t n, uint64_t data_size)
{
    uint64_t cursor = 0;
    for (size_t i = 0; i < n; i++) {
        char q[96], q2[96];
        if (e[i].begin < cursor)
            return lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT,
                                 "%s: tensor '%s': data_offsets [%llu, %llu] overlap tensor '%s' [%llu, %llu]",
                                 p->file, lavin_ckpt_quote(e[i].name, (size_t)-1, q, sizeof(q)),
                                 (unsigned long long)e[i].begin, (unsigned long long)e[i].end,
                                 lavin_ckpt_quote(e[i - 1].name, (size_t)-1, q2, sizeof(q2)),
                                 (unsigned long long)e[i - 1].begin, (unsigned long long)e[i - 1].end);
        if (e[i].begin > cursor)
            return lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT,
                                 "%s: tensor '%s': data_offsets [%llu, %llu] leave a hole of %llu bytes before it",
                                 p->file, lavin_ckpt_quote(e[i].name, (size_t)-1, q, sizeof(q)),
                                 (unsigned long long)e[i].begin, (unsigned long long)e[i].end,
                                 (unsigned long long)(e[i].begin - cursor));
        cursor = e[i].end;
    }
    if (cursor != data_size)
        return lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT,
                             "%s: %llu bytes after the last tensor belong to no tensor", p->file,
                             (unsigned long long)(data_size - cursor));
    return 0;
}

static int parse_header(const st_parse *p, const cJSON *root, const uint8_t *base, uint64_t data_size,
                        lavin_ckpt_set *out)
{
    int n = cJSON_GetArraySize(root);
    st_entry *entries = calloc((size_t)n + 1, sizeof(*entries));
    if (!entries)
        return lavin_err_buf(p->err, p->err_size, LAVIN_ENOMEM, "%s: out of memory", p->file);
    size_t count = 0;
    int have_meta = 0, r = 0;
    for (const cJSON *item = root->child; item && r >= 0; item = item->next) {
        if (!strcmp(item->string, "__metadata__")) {
            if (have_meta++)
                r = lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT, "%s: __metadata__ appears twice",
                                  p->file);
            else
                r = parse_metadata(p, item, out);
            continue;
        }
        r = parse_entry(p, item, &entries[count++], data_size);
    }
    if (r >= 0) {
        qsort(entries, count, sizeof(*entries), by_offset);
        r = check_packing(p, entries, count, data_size);
    }
    for (size_t i = 0; i < count && r >= 0; i++) {
        const st_entry *e = &entries[i];
        if (lavin_ckpt_set_add(out, e->name, strlen(e->name), e->dtype, e->ndim, e->shape,
                               base + e->begin, e->end - e->begin) < 0)
            r = lavin_err_buf(p->err, p->err_size, LAVIN_ENOMEM, "%s: out of memory", p->file);
    }
    free(entries);
    return r;
}

int lavin_safetensors_parse(const uint8_t *data, size_t size, const char *file, lavin_ckpt_set *out,
                            char *err, size_t err_size)
{
    st_parse p = { file, err, err_size };
    if (size < 8)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                             "%s: %zu bytes is too short for a safetensors header", file, size);
    uint64_t hlen = le64(data);
    if (hlen > LAVIN_SAFETENSORS_MAX_HEADER)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                             "%s: header length %llu exceeds the format's limit of %u bytes", file,
                             (unsigned long long)hlen, LAVIN_SAFETENSORS_MAX_HEADER);
    if (hlen > size - 8)
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                             "%s: header length %llu runs past the end of the %zu-byte file", file,
                             (unsigned long long)hlen, size);
    const char *hdr = (const char *)data + 8;
    if (hlen < 2 || hdr[0] != '{')
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: header is not a JSON object", file);
    /* A NUL-terminated copy keeps the JSON parser inside the buffer whatever
     * it does at the end of the header. */
    char *copy = malloc((size_t)hlen + 1);
    if (!copy)
        return lavin_err_buf(err, err_size, LAVIN_ENOMEM, "%s: out of memory", file);
    memcpy(copy, hdr, (size_t)hlen);
    copy[hlen] = 0;
    hdr = copy;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0);
    if (!root) {
        size_t at = end && end >= hdr && end <= hdr + hlen ? (size_t)(end - hdr) : 0;
        free(copy);
        return lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                             "%s: header is not valid JSON (near byte %zu of %llu)", file, at,
                             (unsigned long long)hlen);
    }
    int r = 0;
    for (const char *c = end; c < hdr + hlen && r >= 0; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
            r = lavin_err_buf(err, err_size, LAVIN_EFORMAT,
                              "%s: header has bytes after its JSON object (at byte %zu)", file,
                              (size_t)(c - hdr));
    if (r >= 0 && !cJSON_IsObject(root))
        r = lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: header is not a JSON object", file);
    if (r >= 0)
        r = parse_header(&p, root, data + 8 + hlen, size - 8 - hlen, out);
    cJSON_Delete(root);
    free(copy);
    if (r >= 0) {
        const lavin_ckpt_tensor **idx;
        r = lavin_ckpt_index(out->tensors, out->count, &idx, file, err, err_size);
        if (r >= 0)
            free(idx);
    }
    return r;
}
