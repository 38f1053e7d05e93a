#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/gguf.h"
#include "checkpoint/gguf_meta.h"
#include "core/error.h"

typedef struct gguf_info {
    const char *name;
    size_t name_len;
    uint32_t type;
    lavin_dtype dtype;
    int ndim;
    int64_t shape[LAVIN_MAX_DIMS];   /* lavin's order: the row length last */
    uint64_t offset, nbytes;
} gguf_info;

typedef struct gg {
    const uint8_t *d;
    size_t size, pos;
    const char *file;
    char *err;
    size_t err_size;
    char where[128];                 /* the part being read, for messages */
} gg;

/* ggml's type names by id, for messages about the types lavin does not
 * read; NULL where ggml removed a type. */
static const char *const ggml_names[] = {
    "F32", "F16", "Q4_0", "Q4_1", NULL, NULL, "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K", "Q4_K",
    "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ2_S",
    "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16", NULL, NULL, NULL, "TQ1_0", "TQ2_0",
    NULL, NULL, NULL, "MXFP4",
};


uint32_t lavin_gguf_ggml_type(lavin_dtype t)
{
    switch (t) {
    case LAVIN_F32: return LAVIN_GGML_F32;
    case LAVIN_F16: return LAVIN_GGML_F16;
    case LAVIN_BF16: return LAVIN_GGML_BF16;
    case LAVIN_Q8_0: return LAVIN_GGML_Q8_0;
    case LAVIN_Q4_0: return LAVIN_GGML_Q4_0;
    }
    return UINT32_MAX;
}

int lavin_gguf_lavin_dtype(uint32_t ggml_type)
{
    switch (ggml_type) {
    case LAVIN_GGML_F32: return LAVIN_F32;
    case LAVIN_GGML_F16: return LAVIN_F16;
    case LAVIN_GGML_BF16: return LAVIN_BF16;
    case LAVIN_GGML_Q8_0: return LAVIN_Q8_0;
    case LAVIN_GGML_Q4_0: return LAVIN_Q4_0;
    }
    return -1;
}

size_t lavin_gguf_value_size(uint32_t type)
{
    static const uint8_t size[] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    return type < sizeof(size) ? size[type] : 0;
}

int lavin_gguf_key_is(const lavin_gguf_entry *e, const char *key)
{
    return e->key_len == strlen(key) && !memcmp(e->key, key, e->key_len);
}

const lavin_gguf_entry *lavin_gguf_find(const lavin_gguf_entry *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (lavin_gguf_key_is(&kv[i], key))
            return &kv[i];
    return NULL;
}

uint64_t lavin_gguf_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

int lavin_gguf_sniff(const uint8_t *data, size_t size)
{
    return size >= 4 && !memcmp(data, "GGUF", 4);
}

static int fail(gg *g, int code, const char *fmt, ...) LAVIN_PRINTF(3, 4);
static int fail(gg *g, int code, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (g->where[0])
        return lavin_err_buf(g->err, g->err_size, code, "%s: %s: %s", g->file, g->where, msg);
    return lavin_err_buf(g->err, g->err_size, code, "%s: %s", g->file, msg);
}

static int need(gg *g, uint64_t n)
{
    if (n > g->size - g->pos)
        return fail(g, LAVIN_EFORMAT, "truncated: %llu bytes needed at byte %zu, the file ends at %zu",
                    (unsigned long long)n, g->pos, g->size);
    return 0;
}

static int rd(gg *g, int bytes, uint64_t *v)
{
    LAVIN_TRY(need(g, (uint64_t)bytes));
    *v = lavin_gguf_le(g->d + g->pos, bytes);
    g->pos += (size_t)bytes;
    return 0;
}

static int rd32(gg *g, uint32_t *v)
{
    uint64_t x;
    LAVIN_TRY(rd(g, 4, &x));
    *v = (uint32_t)x;
    return 0;
}

const char *lavin_gguf_text_problem(const uint8_t *s, size_t n, int name)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = s[i];
        if (c < 0x80) {
            if (!c)
                return "holds a NUL byte";
            if (name && (c < 0x20 || c == 0x7f))
                return "holds a control character";
            i++;
            continue;
        }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (!len || len > n - i)
            return "is not valid UTF-8";
        uint32_t cp = c & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return "is not valid UTF-8";
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return "is not valid UTF-8";
        i += len;
    }
    return NULL;
}

/* A length-prefixed string of at most max bytes (0: any). */
static int rd_str(gg *g, const char *what, uint64_t max, int name, const char **s, size_t *len)
{
    uint64_t n;
    LAVIN_TRY(rd(g, 8, &n));
    if (max && n > max)
        return fail(g, LAVIN_EFORMAT, "%s of %llu bytes is longer than the format's %llu", what,
                    (unsigned long long)n, (unsigned long long)max);
    if (n > g->size - g->pos)
        return fail(g, LAVIN_EFORMAT, "%s length %llu runs past the end of the file (%zu bytes left)", what,
                    (unsigned long long)n, g->size - g->pos);
    const char *why = lavin_gguf_text_problem(g->d + g->pos, (size_t)n, name);
    if (why)
        return fail(g, LAVIN_EFORMAT, "%s %s", what, why);
    *s = (const char *)g->d + g->pos;
    *len = (size_t)n;
    g->pos += (size_t)n;
    return 0;
}

/* Walks one value of type, checking every length against the bytes left
 * before trusting it. */
static int value(gg *g, uint32_t type, int depth)
{
    if (type > LAVIN_GGUF_FLOAT64)
        return fail(g, LAVIN_EFORMAT, "unknown value type %u", type);
    if (type == LAVIN_GGUF_STRING) {
        const char *s;
        size_t n;
        return rd_str(g, "string", 0, 0, &s, &n);
    }
    if (type != LAVIN_GGUF_ARRAY) {
        LAVIN_TRY(need(g, lavin_gguf_value_size(type)));
        if (type == LAVIN_GGUF_BOOL && g->d[g->pos] > 1)
            return fail(g, LAVIN_EFORMAT, "bool value %u is neither 0 nor 1", g->d[g->pos]);
        g->pos += lavin_gguf_value_size(type);
        return 0;
    }
    if (depth >= LAVIN_GGUF_MAX_NESTING)
        return fail(g, LAVIN_EFORMAT, "arrays nested more than %d deep", LAVIN_GGUF_MAX_NESTING);
    uint32_t et;
    uint64_t count;
    LAVIN_TRY(rd32(g, &et));
    LAVIN_TRY(rd(g, 8, &count));
    if (et > LAVIN_GGUF_FLOAT64)
        return fail(g, LAVIN_EFORMAT, "array of unknown value type %u", et);
    /* The least each element takes: its bytes, a string's length, an
     * array's type and count. */
    uint64_t least = et == LAVIN_GGUF_STRING ? 8 : et == LAVIN_GGUF_ARRAY ? 12 : lavin_gguf_value_size(et);
    if (count > (g->size - g->pos) / least)
        return fail(g, LAVIN_EFORMAT, "array of %llu values cannot fit in the %zu bytes left",
                    (unsigned long long)count, g->size - g->pos);
    if (lavin_gguf_value_size(et)) {
        for (uint64_t i = 0; et == LAVIN_GGUF_BOOL && i < count; i++)
            if (g->d[g->pos + i] > 1)
                return fail(g, LAVIN_EFORMAT, "bool value %u is neither 0 nor 1", g->d[g->pos + i]);
        g->pos += (size_t)(count * lavin_gguf_value_size(et));
        return 0;
    }
    for (uint64_t i = 0; i < count; i++)
        LAVIN_TRY(value(g, et, depth + 1));
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    const lavin_gguf_entry *x = *(const lavin_gguf_entry *const *)a, *y = *(const lavin_gguf_entry *const *)b;
    int c = memcmp(x->key, y->key, x->key_len < y->key_len ? x->key_len : y->key_len);
    return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

static int unique_keys(gg *g, const lavin_gguf_entry *kv, size_t n)
{
    const lavin_gguf_entry **idx = malloc((n ? n : 1) * sizeof(*idx));
    if (!idx)
        return fail(g, LAVIN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        idx[i] = &kv[i];
    qsort(idx, n, sizeof(*idx), key_cmp);
    int r = 0;
    for (size_t i = 1; i < n && r >= 0; i++)
        if (!key_cmp(&idx[i - 1], &idx[i])) {
            char q[96];
            r = fail(g, LAVIN_EFORMAT, "metadata key '%s' appears twice",
                     lavin_ckpt_quote(idx[i]->key, idx[i]->key_len, q, sizeof(q)));
        }
    free(idx);
    return r;
}

static int read_kv(gg *g, uint64_t i, lavin_gguf_entry *e)
{
    snprintf(g->where, sizeof(g->where), "metadata entry %llu", (unsigned long long)i);
    LAVIN_TRY(rd_str(g, "key", LAVIN_GGUF_MAX_KEY, 1, &e->key, &e->key_len));
    char q[96];
    lavin_ckpt_quote(e->key, e->key_len, q, sizeof(q));
    if (!e->key_len)
        return fail(g, LAVIN_EFORMAT, "key is empty");
    for (size_t k = 0; k < e->key_len; k++)
        if (e->key[k] <= ' ' || e->key[k] > '~')
            return fail(g, LAVIN_EFORMAT, "key '%s' is not printable ASCII without spaces", q);
    snprintf(g->where, sizeof(g->where), "metadata '%s'", q);
    LAVIN_TRY(rd32(g, &e->type));
    size_t start = g->pos;
    LAVIN_TRY(value(g, e->type, 0));
    e->value = g->d + start;
    e->value_size = g->pos - start;
    return 0;
}

/* general.alignment: a uint32 power of two, a multiple of 8 as the format
 * asks; 32 when absent. */
static int alignment(gg *g, const lavin_gguf_entry *kv, size_t n, uint32_t *align)
{
    const lavin_gguf_entry *e = lavin_gguf_find(kv, n, LAVIN_GGUF_KEY_ALIGNMENT);
    *align = LAVIN_GGUF_ALIGNMENT;
    if (!e)
        return 0;
    snprintf(g->where, sizeof(g->where), "metadata '%s'", LAVIN_GGUF_KEY_ALIGNMENT);
    if (e->type != LAVIN_GGUF_UINT32)
        return fail(g, LAVIN_EFORMAT, "value type %u is not uint32 (4)", e->type);
    *align = (uint32_t)lavin_gguf_le(e->value, 4);
    if (*align < 8 || (*align & (*align - 1)))
        return fail(g, LAVIN_EFORMAT, "alignment %u is not a power of two of at least 8", *align);
    if (*align > LAVIN_GGUF_MAX_ALIGNMENT)
        return fail(g, LAVIN_EFORMAT, "alignment %u exceeds lavin's limit of %u", *align,
                    LAVIN_GGUF_MAX_ALIGNMENT);
    return 0;
}

static int tensor_type(gg *g, gguf_info *t)
{
    int dt = lavin_gguf_lavin_dtype(t->type);
    if (dt >= 0) {
        t->dtype = (lavin_dtype)dt;
        return 0;
    }
    const char *name = t->type < sizeof(ggml_names) / sizeof(ggml_names[0]) ? ggml_names[t->type] : NULL;
    if (!name)
        return fail(g, LAVIN_EFORMAT, "unknown tensor type %u", t->type);
    return fail(g, LAVIN_EUNSUPPORTED, "type %s (%u) is not supported (only F32, F16, BF16, Q8_0 and Q4_0)", name,
                t->type);
}

static int read_info(gg *g, uint64_t i, uint32_t align, gguf_info *t)
{
    snprintf(g->where, sizeof(g->where), "tensor info %llu", (unsigned long long)i);
    LAVIN_TRY(rd_str(g, "name", LAVIN_GGUF_MAX_NAME, 1, &t->name, &t->name_len));
    char q[96];
    if (!t->name_len)
        return fail(g, LAVIN_EFORMAT, "name is empty");
    snprintf(g->where, sizeof(g->where), "tensor '%s'", lavin_ckpt_quote(t->name, t->name_len, q, sizeof(q)));
    uint32_t nd;
    LAVIN_TRY(rd32(g, &nd));
    if (nd > LAVIN_GGUF_MAX_DIMS)
        return fail(g, LAVIN_EFORMAT, "%u dimensions, more than the format's %d", nd, LAVIN_GGUF_MAX_DIMS);
    t->ndim = (int)nd;
    for (int k = 0; k < t->ndim; k++) {
        uint64_t ne;
        LAVIN_TRY(rd(g, 8, &ne));
        if (ne > LAVIN_CKPT_MAX_BYTES)
            return fail(g, LAVIN_EFORMAT, "dimension %llu is too large", (unsigned long long)ne);
        t->shape[t->ndim - 1 - k] = (int64_t)ne;
    }
    LAVIN_TRY(rd32(g, &t->type));
    LAVIN_TRY(tensor_type(g, t));
    LAVIN_TRY(rd(g, 8, &t->offset));
    char sh[128];
    lavin_ckpt_shape_str(t->ndim, t->shape, sh, sizeof(sh));
    if (lavin_ckpt_tensor_bytes(t->dtype, t->ndim, t->shape, &t->nbytes) < 0) {
        int64_t blk = lavin_ckpt_dtype_block(t->dtype);
        if (blk > 1 && (!t->ndim || t->shape[t->ndim - 1] % blk))
            return fail(g, LAVIN_EFORMAT, "shape %s: a row of %lld is not a whole number of %lld-element %s blocks",
                        sh, t->ndim ? (long long)t->shape[t->ndim - 1] : 1LL, (long long)blk,
                        lavin_ckpt_dtype_name(t->dtype));
        return fail(g, LAVIN_EFORMAT, "shape %s is too large", sh);
    }
    if (t->offset % align)
        return fail(g, LAVIN_EFORMAT, "offset %llu is not a multiple of the alignment %u",
                    (unsigned long long)t->offset, align);
    return 0;
}

static uint64_t align_up(uint64_t x, uint32_t a)
{
    return x + (a - x % a) % a;
}

/* The format pads with zero bytes; anything else there belongs to no
 * tensor. */
static int zero_padding(gg *g, uint64_t from, uint64_t to, const char *what)
{
    for (uint64_t p = from; p < to; p++)
        if (g->d[p])
            return fail(g, LAVIN_EFORMAT, "non-zero byte at %llu in the padding %s", (unsigned long long)p, what);
    return 0;
}

static int by_offset(const void *a, const void *b)
{
    const gguf_info *x = *(const gguf_info *const *)a, *y = *(const gguf_info *const *)b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->nbytes != y->nbytes)
        return x->nbytes < y->nbytes ? -1 : 1;
    return 0;
}

/* Sorted by offset, each tensor starts at the aligned end of the one
 * before and the data section ends at the aligned end of the last: no
 * overlap, no hole, nothing outside the data section. */
static int check_layout(gg *g, gguf_info *t, size_t n, uint64_t data, uint32_t align)
{
    uint64_t size = g->size - data, end = 0;
    gguf_info **idx = malloc((n ? n : 1) * sizeof(*idx));
    if (!idx)
        return fail(g, LAVIN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        idx[i] = &t[i];
    qsort(idx, n, sizeof(*idx), by_offset);
    int r = 0;
    for (size_t i = 0; i < n && r >= 0; i++) {
        const gguf_info *e = idx[i];
        char q[96], q2[96];
        snprintf(g->where, sizeof(g->where), "tensor '%s'", lavin_ckpt_quote(e->name, e->name_len, q, sizeof(q)));
        if (e->offset > size || e->nbytes > size - e->offset)
            r = fail(g, LAVIN_EFORMAT, "data [%llu, %llu) runs past the %llu-byte data section",
                     (unsigned long long)e->offset, (unsigned long long)(e->offset + e->nbytes),
                     (unsigned long long)size);
        else if (e->offset < end)
            r = fail(g, LAVIN_EFORMAT, "data [%llu, %llu) overlaps tensor '%s' [%llu, %llu)",
                     (unsigned long long)e->offset, (unsigned long long)(e->offset + e->nbytes),
                     lavin_ckpt_quote(idx[i - 1]->name, idx[i - 1]->name_len, q2, sizeof(q2)),
                     (unsigned long long)idx[i - 1]->offset, (unsigned long long)end);
        else if (e->offset > align_up(end, align))
            r = fail(g, LAVIN_EFORMAT, "data at %llu leaves a hole of %llu bytes before it",
                     (unsigned long long)e->offset, (unsigned long long)(e->offset - align_up(end, align)));
        else
            r = zero_padding(g, data + end, data + e->offset, "before it");
        if (r >= 0)
            end = e->offset + e->nbytes;
    }
    free(idx);
    g->where[0] = 0;
    /* Writers pad the last tensor too (ggml reads the data section as
     * whole padded tensors), so anything shorter is a truncated file. */
    if (r >= 0 && size < align_up(end, align))
        r = fail(g, LAVIN_EFORMAT, "truncated: the data section ends at %llu, inside the padding of the last tensor "
                 "(to %llu)", (unsigned long long)size, (unsigned long long)align_up(end, align));
    if (r >= 0 && size > align_up(end, align))
        r = fail(g, LAVIN_EFORMAT, "%llu bytes after the last tensor belong to no tensor",
                 (unsigned long long)(size - align_up(end, align)));
    if (r >= 0)
        r = zero_padding(g, data + end, g->size, "after the last tensor");
    return r;
}

static int header(gg *g, uint64_t *nt, uint64_t *nkv)
{
    uint32_t version;
    snprintf(g->where, sizeof(g->where), "header");
    if (!lavin_gguf_sniff(g->d, g->size))
        return fail(g, LAVIN_EFORMAT, "no GGUF magic");
    g->pos = 4;
    LAVIN_TRY(rd32(g, &version));
    if (version == 0x03000000u)
        return fail(g, LAVIN_EUNSUPPORTED, "big-endian GGUF is not supported");
    if (version == 1 || version == 2)
        return fail(g, LAVIN_EUNSUPPORTED, "GGUF version %u is not supported (only 3)", version);
    if (version != LAVIN_GGUF_VERSION)
        return fail(g, LAVIN_EFORMAT, "unknown GGUF version %u", version);
    LAVIN_TRY(rd(g, 8, nt));
    LAVIN_TRY(rd(g, 8, nkv));
    /* The least a tensor info and a metadata entry take: lengths, a
     * one-byte name or key, types, an offset or a one-byte value. */
    size_t left = g->size - g->pos;
    if (*nt > LAVIN_GGUF_MAX_TENSORS || *nkv > LAVIN_GGUF_MAX_KV)
        return fail(g, LAVIN_EFORMAT, "%llu tensors and %llu metadata entries exceed lavin's limit of %u each",
                    (unsigned long long)*nt, (unsigned long long)*nkv, LAVIN_GGUF_MAX_TENSORS);
    if (*nt * 25 + *nkv * 14 > left)
        return fail(g, LAVIN_EFORMAT, "%llu tensors and %llu metadata entries cannot fit in the %zu bytes left",
                    (unsigned long long)*nt, (unsigned long long)*nkv, left);
    return 0;
}

static int quantization(gg *g, const lavin_gguf_entry *kv, size_t nkv, const gguf_info *t, size_t nt)
{
    const lavin_gguf_entry *e = lavin_gguf_find(kv, nkv, LAVIN_GGUF_KEY_QVERSION);
    snprintf(g->where, sizeof(g->where), "metadata '%s'", LAVIN_GGUF_KEY_QVERSION);
    if (e && e->type != LAVIN_GGUF_UINT32)
        return fail(g, LAVIN_EFORMAT, "value type %u is not uint32 (4)", e->type);
    uint32_t v = e ? (uint32_t)lavin_gguf_le(e->value, 4) : 0;
    for (size_t i = 0; i < nt; i++) {
        if (lavin_ckpt_dtype_block(t[i].dtype) == 1 || v == LAVIN_GGUF_QUANTIZATION_VERSION)
            continue;
        char q[96];
        snprintf(g->where, sizeof(g->where), "tensor '%s'", lavin_ckpt_quote(t[i].name, t[i].name_len, q, sizeof(q)));
        if (!e)
            return fail(g, LAVIN_EFORMAT, "%s, but the file has no %s", lavin_ckpt_dtype_name(t[i].dtype),
                        LAVIN_GGUF_KEY_QVERSION);
        return fail(g, LAVIN_EUNSUPPORTED, "%s blocks of quantization version %u (lavin reads version %d)",
                    lavin_ckpt_dtype_name(t[i].dtype), v, LAVIN_GGUF_QUANTIZATION_VERSION);
    }
    g->where[0] = 0;
    return 0;
}

static int parse(gg *g, lavin_gguf_entry *kv, uint64_t nkv, gguf_info *t, uint64_t nt, lavin_ckpt_set *out)
{
    for (uint64_t i = 0; i < nkv; i++)
        LAVIN_TRY(read_kv(g, i, &kv[i]));
    g->where[0] = 0;
    LAVIN_TRY(unique_keys(g, kv, (size_t)nkv));
    uint32_t align;
    LAVIN_TRY(alignment(g, kv, (size_t)nkv, &align));
    for (uint64_t i = 0; i < nt; i++)
        LAVIN_TRY(read_info(g, i, align, &t[i]));
    snprintf(g->where, sizeof(g->where), "data section");
    uint64_t data = align_up(g->pos, align);
    if (data > g->size) {
        /* A file without tensors may end before the padding. */
        if (nt)
            return fail(g, LAVIN_EFORMAT, "the file ends at %zu, before the data section starts at %llu", g->size,
                        (unsigned long long)data);
        data = g->size;
    }
    LAVIN_TRY(zero_padding(g, g->pos, data, "before the data section"));
    LAVIN_TRY(check_layout(g, t, (size_t)nt, data, align));
    LAVIN_TRY(quantization(g, kv, (size_t)nkv, t, (size_t)nt));
    for (uint64_t i = 0; i < nt; i++)
        if (lavin_ckpt_set_add(out, t[i].name, t[i].name_len, t[i].dtype, t[i].ndim, t[i].shape,
                               g->d + data + t[i].offset, t[i].nbytes) < 0)
            return fail(g, LAVIN_ENOMEM, "out of memory");
    const lavin_ckpt_tensor **idx;
    LAVIN_TRY(lavin_ckpt_index(out->tensors, out->count, &idx, g->file, g->err, g->err_size));
    free(idx);
    return lavin_gguf_meta(kv, (size_t)nkv, g->file, out, g->err, g->err_size);
}

int lavin_gguf_parse(const uint8_t *data, size_t size, const char *file, lavin_ckpt_set *out, char *err,
                     size_t err_size)
{
    gg g = { .d = data, .size = size, .file = file, .err = err, .err_size = err_size };
    uint64_t nt = 0, nkv = 0;
    LAVIN_TRY(header(&g, &nt, &nkv));
    lavin_gguf_entry *kv = calloc((size_t)nkv + 1, sizeof(*kv));
    gguf_info *t = calloc((size_t)nt + 1, sizeof(*t));
    int r = kv && t ? parse(&g, kv, nkv, t, nt, out) : fail(&g, LAVIN_ENOMEM, "out of memory");
    free(kv);
    free(t);
    return r;
}
