/* lavin's view of GGUF metadata: the text that lavin_checkpoint_metadata
 * returns, and each tensor's why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "checkpoint/gguf.h"
#include "checkpoint/gguf_meta.h"
#include "core/error.h"

typedef struct meta {
    const lavin_gguf_entry *kv;
    size_t n;
    const char *file;
    lavin_ckpt_set *out;
    char *err;
    size_t err_size;
} meta;

static const lavin_gguf_entry *find(const meta *m, const char *key)
{
    return lavin_gguf_find(m->kv, m->n, key);
}

static int bad(const meta *m, const char *key, const char *what)
{
    return lavin_err_buf(m->err, m->err_size, LAVIN_EFORMAT, "%s: metadata '%s': %s", m->file, key, what);
}

static int oom(const meta *m)
{
    return lavin_err_buf(m->err, m->err_size, LAVIN_ENOMEM, "%s: out of memory", m->file);
}

/* An array's element type and count, and where its elements start. */
static const uint8_t *array_head(const lavin_gguf_entry *e, uint32_t *type, uint64_t *count)
{
    *type = (uint32_t)lavin_gguf_le(e->value, 4);
    *count = lavin_gguf_le(e->value + 4, 8);
    return e->value + 12;
}

static double number(uint32_t type, const uint8_t *p)
{
    switch (type) {
    case LAVIN_GGUF_INT8: return (int8_t)p[0];
    case LAVIN_GGUF_INT16: return (int16_t)lavin_gguf_le(p, 2);
    case LAVIN_GGUF_INT32: return (int32_t)lavin_gguf_le(p, 4);
    case LAVIN_GGUF_INT64: return (double)(int64_t)lavin_gguf_le(p, 8);
    case LAVIN_GGUF_FLOAT32: {
        uint32_t u = (uint32_t)lavin_gguf_le(p, 4);
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    case LAVIN_GGUF_FLOAT64: {
        uint64_t u = lavin_gguf_le(p, 8);
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    }
    return (double)lavin_gguf_le(p, type == LAVIN_GGUF_UINT64 ? 8 : type == LAVIN_GGUF_UINT32 ? 4
                                     : type == LAVIN_GGUF_UINT16 ? 2 : 1);
}

/* One value at *p as JSON, moving *p past it; the reader has checked its
 * bytes, so only memory can fail. */
static cJSON *json_value(uint32_t type, const uint8_t **p)
{
    if (type == LAVIN_GGUF_STRING) {
        size_t len = (size_t)lavin_gguf_le(*p, 8);
        char *s = malloc(len + 1);
        if (!s)
            return NULL;
        memcpy(s, *p + 8, len);
        s[len] = 0;
        *p += 8 + len;
        cJSON *j = cJSON_CreateString(s);
        free(s);
        return j;
    }
    if (type == LAVIN_GGUF_ARRAY) {
        uint32_t et = (uint32_t)lavin_gguf_le(*p, 4);
        uint64_t count = lavin_gguf_le(*p + 4, 8);
        *p += 12;
        cJSON *a = cJSON_CreateArray();
        for (uint64_t i = 0; a && i < count; i++) {
            cJSON *v = json_value(et, p);
            if (!v || !cJSON_AddItemToArray(a, v)) {
                cJSON_Delete(v);
                cJSON_Delete(a);
                a = NULL;
            }
        }
        return a;
    }
    cJSON *j = type == LAVIN_GGUF_BOOL ? cJSON_CreateBool(**p) : cJSON_CreateNumber(number(type, *p));
    *p += lavin_gguf_value_size(type);
    return j;
}

/* lavin.config: every "ARCH.NAME" entry, NAME without further dots, as a
 * JSON object, which is what a config file beside the weights holds. */
static int config(const meta *m, const char *arch)
{
    size_t alen = strlen(arch);
    cJSON *obj = cJSON_CreateObject();
    int r = obj ? 0 : oom(m);
    for (size_t i = 0; i < m->n && r >= 0; i++) {
        const lavin_gguf_entry *e = &m->kv[i];
        if (e->key_len <= alen + 1 || memcmp(e->key, arch, alen) || e->key[alen] != '.' ||
            memchr(e->key + alen + 1, '.', e->key_len - alen - 1))
            continue;
        char *name = malloc(e->key_len - alen);
        const uint8_t *p = e->value;
        cJSON *v = name ? json_value(e->type, &p) : NULL;
        if (name) {
            memcpy(name, e->key + alen + 1, e->key_len - alen - 1);
            name[e->key_len - alen - 1] = 0;
        }
        if (!v || !cJSON_AddItemToObject(obj, name, v)) {
            cJSON_Delete(v);
            r = oom(m);
        }
        free(name);
    }
    char *text = r >= 0 ? cJSON_PrintUnformatted(obj) : NULL;
    if (r >= 0 && (!text || lavin_ckpt_set_add_meta(m->out, "lavin.config", text) < 0))
        r = oom(m);
    cJSON_free(text);
    cJSON_Delete(obj);
    return r;
}

static int architecture(const meta *m)
{
    const lavin_gguf_entry *e = find(m, LAVIN_GGUF_KEY_ARCH);
    if (!e)
        return 0;
    if (e->type != LAVIN_GGUF_STRING)
        return bad(m, LAVIN_GGUF_KEY_ARCH, "not a string");
    size_t len = (size_t)lavin_gguf_le(e->value, 8);
    const char *s = (const char *)e->value + 8;
    if (len != strlen(LAVIN_GGUF_ARCH_JDIT) || memcmp(s, LAVIN_GGUF_ARCH_JDIT, len))
        return 0;
    if (lavin_ckpt_set_add_meta(m->out, "lavin.model", "jdit") < 0)
        return oom(m);
    return config(m, LAVIN_GGUF_ARCH_JDIT);
}

static int native_size(const meta *m)
{
    const lavin_gguf_entry *e = find(m, LAVIN_GGUF_KEY_NATIVE_SIZE);
    if (!e)
        return 0;
    uint32_t et = 0;
    uint64_t count = 0;
    const uint8_t *p = e->type == LAVIN_GGUF_ARRAY ? array_head(e, &et, &count) : NULL;
    if (!p || et != LAVIN_GGUF_UINT32 || count != 2 || !lavin_gguf_le(p, 4) || !lavin_gguf_le(p + 4, 4))
        return bad(m, LAVIN_GGUF_KEY_NATIVE_SIZE, "not two positive uint32, width and height");
    char text[32];
    snprintf(text, sizeof(text), "%ux%u", (unsigned)lavin_gguf_le(p, 4), (unsigned)lavin_gguf_le(p + 4, 4));
    return lavin_ckpt_set_add_meta(m->out, "lavin.size", text) < 0 ? oom(m) : 0;
}

static int find_cmp(const void *key, const void *elem)
{
    return strcmp(key, (*(const lavin_ckpt_tensor *const *)elem)->name);
}

/* lavin.kept.names[i] was kept out of the quantized type because of
 * lavin.kept.reasons[i]. */
static int kept(const meta *m, const lavin_ckpt_tensor **idx)
{
    const lavin_gguf_entry *en = find(m, LAVIN_GGUF_KEY_KEPT_NAMES), *er = find(m, LAVIN_GGUF_KEY_KEPT_REASONS);
    if (!en && !er)
        return 0;
    uint32_t tn = 0, tr = 0;
    uint64_t cn = 0, cr = 0;
    const uint8_t *pn = en && en->type == LAVIN_GGUF_ARRAY ? array_head(en, &tn, &cn) : NULL;
    const uint8_t *pr = er && er->type == LAVIN_GGUF_ARRAY ? array_head(er, &tr, &cr) : NULL;
    if (!pn || !pr || tn != LAVIN_GGUF_STRING || tr != LAVIN_GGUF_STRING || cn != cr)
        return bad(m, LAVIN_GGUF_KEY_KEPT_NAMES, "not an array of strings with lavin.kept.reasons of the same length");
    for (uint64_t i = 0; i < cn; i++) {
        size_t ln = (size_t)lavin_gguf_le(pn, 8), lr = (size_t)lavin_gguf_le(pr, 8);
        char *name = malloc(ln + 1), *why = lavin_ckpt_set_alloc(m->out, lr + 1);
        if (!name || !why) {
            free(name);
            return oom(m);
        }
        memcpy(name, pn + 8, ln);
        name[ln] = 0;
        memcpy(why, pr + 8, lr);
        pn += 8 + ln;
        pr += 8 + lr;
        const lavin_ckpt_tensor *const *hit =
            m->out->count ? bsearch(name, idx, m->out->count, sizeof(*idx), find_cmp) : NULL;
        char q[96], msg[160];
        snprintf(msg, sizeof(msg), "%s tensor '%s'", hit ? "names twice the" : "names no",
                 lavin_ckpt_quote(name, ln, q, sizeof(q)));
        free(name);
        if (!hit || (*hit)->why)
            return bad(m, LAVIN_GGUF_KEY_KEPT_NAMES, msg);
        ((lavin_ckpt_tensor *)*hit)->why = why;
    }
    return 0;
}

/* Strings as they are, numbers and booleans printed; the keys lavin made
 * above win (the reader has refused repeated keys, so only those can
 * clash). */
static int verbatim(const meta *m)
{
    size_t made = m->out->nmeta;
    for (size_t i = 0; i < m->n; i++) {
        const lavin_gguf_entry *e = &m->kv[i];
        if (e->type == LAVIN_GGUF_ARRAY)
            continue;
        int seen = 0;
        for (size_t k = 0; k < made && !seen; k++)
            seen = lavin_gguf_key_is(e, m->out->meta[2 * k]);
        if (seen)
            continue;
        char num[40];
        size_t len = e->type == LAVIN_GGUF_STRING ? (size_t)lavin_gguf_le(e->value, 8) : 0;
        char *key = malloc(e->key_len + 1), *text = malloc(len + 1);
        int r = key && text ? 0 : LAVIN_ENOMEM;
        if (r >= 0) {
            memcpy(key, e->key, e->key_len);
            key[e->key_len] = 0;
            memcpy(text, e->value + 8 * (e->type == LAVIN_GGUF_STRING), len);
            text[len] = 0;
        }
        if (e->type == LAVIN_GGUF_BOOL)
            snprintf(num, sizeof(num), "%s", e->value[0] ? "true" : "false");
        else if (e->type == LAVIN_GGUF_UINT64)
            snprintf(num, sizeof(num), "%llu", (unsigned long long)lavin_gguf_le(e->value, 8));
        else if (e->type == LAVIN_GGUF_INT64)
            snprintf(num, sizeof(num), "%lld", (long long)(int64_t)lavin_gguf_le(e->value, 8));
        else if (e->type == LAVIN_GGUF_FLOAT32 || e->type == LAVIN_GGUF_FLOAT64)
            snprintf(num, sizeof(num), "%.*g", e->type == LAVIN_GGUF_FLOAT64 ? 17 : 9, number(e->type, e->value));
        else
            snprintf(num, sizeof(num), "%lld", (long long)number(e->type, e->value));
        if (r >= 0)
            r = lavin_ckpt_set_add_meta(m->out, key, e->type == LAVIN_GGUF_STRING ? text : num);
        free(key);
        free(text);
        if (r < 0)
            return oom(m);
    }
    return 0;
}

int lavin_gguf_meta(const lavin_gguf_entry *kv, size_t n, const char *file, lavin_ckpt_set *out, char *err,
                    size_t err_size)
{
    meta m = { kv, n, file, out, err, err_size };
    const lavin_ckpt_tensor **idx;
    LAVIN_TRY(architecture(&m));
    LAVIN_TRY(native_size(&m));
    LAVIN_TRY(lavin_ckpt_index(out->tensors, out->count, &idx, file, err, err_size));
    int r = kept(&m, idx);
    free(idx);
    return r < 0 ? r : verbatim(&m);
}
