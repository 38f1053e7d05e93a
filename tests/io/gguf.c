/* GGUF: writer round trips, the files of an independent writer
 * (tools/reference/make_gguf_fixtures.py), one hostile file per rule, and
 * every truncation of a valid file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/gguf.h"
#include "core/quant.h"
#include "tests/io/io_test.h"

/* A file under construction. */
typedef struct gb {
    uint8_t *p;
    size_t n, cap;
} gb;

static void b_raw(gb *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void b_le(gb *b, uint64_t v, int bytes)
{
    uint8_t le[8];
    for (int i = 0; i < bytes; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    b_raw(b, le, (size_t)bytes);
}

static void b_str(gb *b, const char *s)
{
    b_le(b, strlen(s), 8);
    b_raw(b, s, strlen(s));
}

static void b_zeros(gb *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b_le(b, 0, 1);
}

static void b_pad(gb *b, size_t align)
{
    b_zeros(b, (align - b->n % align) % align);
}

static void b_header(gb *b, uint64_t nt, uint64_t nkv)
{
    b->n = 0;
    b_raw(b, "GGUF", 4);
    b_le(b, 3, 4);
    b_le(b, nt, 8);
    b_le(b, nkv, 8);
}

static void b_kv_u32(gb *b, const char *key, uint32_t v)
{
    b_str(b, key);
    b_le(b, LAVIN_GGUF_UINT32, 4);
    b_le(b, v, 4);
}

static void b_kv_str(gb *b, const char *key, const char *v)
{
    b_str(b, key);
    b_le(b, LAVIN_GGUF_STRING, 4);
    b_str(b, v);
}

/* One tensor info with dims fastest first. */
static void b_info(gb *b, const char *name, uint32_t nd, const uint64_t *ne, uint32_t type, uint64_t offset)
{
    b_str(b, name);
    b_le(b, nd, 4);
    for (uint32_t i = 0; i < nd; i++)
        b_le(b, ne[i], 8);
    b_le(b, type, 4);
    b_le(b, offset, 8);
}

/* The usual ending: tensor "w", F32 [8], and its 32 bytes of data. */
static void b_one_tensor(gb *b)
{
    b_info(b, "w", 1, (uint64_t[]){ 8 }, LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    for (int i = 0; i < 8; i++)
        b_le(b, 0x3f800000u, 4);
}

static void rejects(iot *t, gb *b, const char *what, int code, const char *needle)
{
    char path[256], label[200];
    iot_tmp(t, "m.gguf", path, sizeof(path));
    iot_write(path, b->p, b->n);
    snprintf(label, sizeof(label), "gguf rejects: %s", what);
    iot_rejects(t, label, path, code, needle);
}

static lavin_checkpoint *open_ok(iot *t, const char *what, const char *path)
{
    lavin_checkpoint *ck = NULL;
    char err[512] = "";
    if (!iot_check(t, what, lavin_checkpoint_open(path, &ck, err, sizeof(err)) == 0 && ck))
        printf("     %s\n", err);
    return ck;
}

static int meta_is(const lavin_checkpoint *ck, const char *key, const char *want)
{
    const char *v = lavin_checkpoint_metadata(ck, key);
    if (!v || strcmp(v, want))
        printf("     %s = %s, wanted %s\n", key, v ? v : "(none)", want);
    return v && !strcmp(v, want);
}

static void roundtrip(iot *t)
{
    float a[6] = { 1, -2, 3.5f, 4, 5, 6 }, w[64];
    uint16_t h[4] = { 0x3c00, 0xc000, 0x7bff, 0x0001 }, s[1] = { 0x3f80 };
    uint8_t q8[2 * 34], q4[2 * 18];
    for (int i = 0; i < 64; i++)
        w[i] = sinf((float)i * 0.7f) * (float)(i + 1);
    lavin_quantize_row(LAVIN_Q8_0, w, q8, 64);
    lavin_quantize_row(LAVIN_Q4_0, w, q4, 64);
    lavin_ckpt_tensor in[6] = {
        { .name = "enc.weight", .dtype = LAVIN_F32, .ndim = 2, .shape = { 2, 3 }, .data = a, .nbytes = 24 },
        { .name = "enc.bias", .dtype = LAVIN_F16, .ndim = 1, .shape = { 4 }, .data = h, .nbytes = 8,
          .why = "a bias \xc3\xa9" },
        { .name = "scale", .dtype = LAVIN_BF16, .ndim = 0, .data = s, .nbytes = 2 },
        { .name = "blocks.0.w", .dtype = LAVIN_Q8_0, .ndim = 2, .shape = { 2, 32 }, .data = q8, .nbytes = 68 },
        { .name = "blocks.1.w", .dtype = LAVIN_Q4_0, .ndim = 3, .shape = { 1, 1, 64 }, .data = q4, .nbytes = 36 },
        { .name = "empty", .dtype = LAVIN_F32, .ndim = 2, .shape = { 0, 3 }, .nbytes = 0 },
    };
    uint32_t patch[2] = { 2, 2 }, size[2] = { 128, 96 };
    const char *tags[2] = { "one", "two" };
    lavin_gguf_kv kv[5] = {
        { .key = LAVIN_GGUF_KEY_ARCH, .type = LAVIN_GGUF_STRING, .str = LAVIN_GGUF_ARCH_JDIT },
        { .key = "lavin-dit.hidden_size", .type = LAVIN_GGUF_UINT32, .u32 = 144 },
        { .key = "lavin-dit.patch_size", .type = LAVIN_GGUF_ARRAY, .elem_type = LAVIN_GGUF_UINT32, .u32s = patch,
          .count = 2 },
        { .key = LAVIN_GGUF_KEY_NATIVE_SIZE, .type = LAVIN_GGUF_ARRAY, .elem_type = LAVIN_GGUF_UINT32, .u32s = size,
          .count = 2 },
        { .key = "general.tags", .type = LAVIN_GGUF_ARRAY, .elem_type = LAVIN_GGUF_STRING, .strs = tags, .count = 2 },
    };
    char path[256], err[512] = "";
    iot_tmp(t, "rt.gguf", path, sizeof(path));
    if (!iot_check(t, "gguf: write", lavin_gguf_write(path, in, 6, kv, 5, err, sizeof(err)) == 0))
        printf("     %s\n", err);
    size_t fsize;
    uint8_t *raw = iot_read(path, &fsize);
    iot_check(t, "gguf: magic, version 3, 6 tensors, 9 metadata entries, whole 32-byte blocks",
              raw && fsize % 32 == 0 && !memcmp(raw, "GGUF\3\0\0\0\6\0\0\0\0\0\0\0\x09\0\0\0\0\0\0\0", 24));
    free(raw);
    lavin_checkpoint *ck = open_ok(t, "gguf: open written file", path);
    if (!ck)
        return;
    int same = lavin_checkpoint_count(ck) == 6 && !strcmp(lavin_checkpoint_format(ck), "GGUF");
    for (size_t i = 0; same && i < 6; i++) {
        const lavin_ckpt_tensor *g = lavin_checkpoint_tensor(ck, i);
        same = !strcmp(g->name, in[i].name) && g->dtype == in[i].dtype && g->ndim == in[i].ndim &&
               g->nbytes == in[i].nbytes && (!g->nbytes || !memcmp(g->data, in[i].data, g->nbytes)) &&
               (g->why ? in[i].why && !strcmp(g->why, in[i].why) : !in[i].why) &&
               ((uintptr_t)g->data % 32 == 0 || !g->nbytes);
        for (int d = 0; same && d < g->ndim; d++)
            same = g->shape[d] == in[i].shape[d];
    }
    iot_check(t, "gguf: round trip keeps order, names, shapes, dtypes, bytes, why; data 32-byte aligned", same);
    iot_check(t, "gguf: lavin's keys made from the GGUF ones",
              meta_is(ck, "lavin.model", "jdit") &&
              meta_is(ck, "lavin.config", "{\"hidden_size\":144,\"patch_size\":[2,2]}") &&
              meta_is(ck, "lavin.size", "128x96") && meta_is(ck, "general.architecture", "lavin-dit") &&
              meta_is(ck, "general.alignment", "32") && meta_is(ck, "general.quantization_version", "2") &&
              !lavin_checkpoint_metadata(ck, "general.tags"));
    lavin_checkpoint_close(&ck);

    iot_tmp(t, "none.gguf", path, sizeof(path));
    int r = lavin_gguf_write(path, NULL, 0, NULL, 0, err, sizeof(err));
    ck = r < 0 ? NULL : open_ok(t, "gguf: file without tensors or caller metadata", path);
    iot_check(t, "gguf: which holds nothing", ck && lavin_checkpoint_count(ck) == 0);
    lavin_checkpoint_close(&ck);
}

/* kinds.gguf and align64.gguf, from the Python writer. */
static void independent(iot *t)
{
    char path[256];
    lavin_checkpoint *ck = open_ok(t, "gguf: open kinds.gguf (every metadata type)",
                                   iot_data(t, "kinds.gguf", path, sizeof(path)));
    if (!ck)
        return;
    iot_check(t, "gguf: scalars and strings as text",
              meta_is(ck, "test.u8", "200") && meta_is(ck, "test.i8", "-5") && meta_is(ck, "test.u16", "60000") &&
              meta_is(ck, "test.i16", "-30000") && meta_is(ck, "test.i32", "-2000000000") &&
              meta_is(ck, "test.f32", "0.5") && meta_is(ck, "test.bool", "true") &&
              meta_is(ck, "test.u64", "9223372036854775809") && meta_is(ck, "test.i64", "-4611686018427387904") &&
              meta_is(ck, "test.f64", "-1.25") && meta_is(ck, "general.name", "fixture \xc3\xa9\xe4\xb8\xad") &&
              !lavin_checkpoint_metadata(ck, "test.nested") && meta_is(ck, "lavin.size", "128x96"));
    const lavin_ckpt_tensor *f = lavin_checkpoint_find(ck, "enc.weight"), *b = lavin_checkpoint_find(ck, "enc.bias");
    const lavin_ckpt_tensor *q8 = lavin_checkpoint_find(ck, "blocks.0.mlp.weight");
    const lavin_ckpt_tensor *q4 = lavin_checkpoint_find(ck, "blocks.0.q4.weight");
    float v[64], one;
    int ok = f && f->ndim == 2 && f->shape[0] == 2 && f->shape[1] == 3 && f->dtype == LAVIN_F32;
    for (int i = 0; ok && i < 6; i++) {
        memcpy(&one, (const uint8_t *)f->data + 4 * i, 4);
        ok = one == (float)(i + 1);
    }
    iot_check(t, "gguf: dims [3, 2] fastest first read as [2, 3]", ok);
    iot_check(t, "gguf: why from lavin.kept", b && b->why && !strcmp(b->why, "a bias") && !f->why);
    ok = q8 && q8->dtype == LAVIN_Q8_0 && q8->shape[0] == 2 && q8->shape[1] == 32 && q8->nbytes == 68;
    if (ok)
        lavin_dequantize_row(LAVIN_Q8_0, q8->data, v, 64);
    for (int i = 0; ok && i < 32; i++)
        ok = v[i] == 0.5f * (float)(i - 16) && v[32 + i] == -0.25f * (float)(3 * i - 40);
    iot_check(t, "gguf: Q8_0 blocks as ggml lays them out", ok);
    ok = q4 && q4->dtype == LAVIN_Q4_0 && q4->shape[0] == 1 && q4->shape[1] == 64 && q4->nbytes == 36;
    if (ok)
        lavin_dequantize_row(LAVIN_Q4_0, q4->data, v, 64);
    for (int i = 0; ok && i < 16; i++)
        ok = v[i] == (float)(i - 8) && v[16 + i] == (float)(7 - i) && v[32 + i] == 0 && v[48 + i] == 0;
    iot_check(t, "gguf: Q4_0 blocks as ggml lays them out", ok);
    lavin_checkpoint_close(&ck);

    ck = open_ok(t, "gguf: open align64.gguf (alignment 64, infos out of data order)",
                 iot_data(t, "align64.gguf", path, sizeof(path)));
    iot_check(t, "gguf: tensors in info order, data where the offsets say",
              ck && !strcmp(lavin_checkpoint_tensor(ck, 0)->name, "empty") &&
              (uintptr_t)lavin_checkpoint_find(ck, "enc.bias")->data % 64 == 0 &&
              ((const uint16_t *)lavin_checkpoint_find(ck, "enc.bias")->data)[0] == 0x3c00);
    lavin_checkpoint_close(&ck);
}

static void writer_rejects(iot *t)
{
    float a[32] = { 0 };
    lavin_ckpt_tensor two[2] = {
        { .name = "x", .dtype = LAVIN_F32, .ndim = 1, .shape = { 4 }, .data = a, .nbytes = 16 },
        { .name = "x", .dtype = LAVIN_F32, .ndim = 1, .shape = { 4 }, .data = a, .nbytes = 16 },
    };
    char path[256], err[512];
    iot_tmp(t, "bad.gguf", path, sizeof(path));
    iot_check(t, "gguf write rejects duplicate names",
              lavin_gguf_write(path, two, 2, NULL, 0, err, sizeof(err)) == LAVIN_EFORMAT);
    two[1].name = "y";
    two[1].ndim = 5;
    two[1].shape[1] = two[1].shape[2] = two[1].shape[3] = two[1].shape[4] = 1;
    iot_check(t, "gguf write rejects 5 dimensions",
              lavin_gguf_write(path, two, 2, NULL, 0, err, sizeof(err)) == LAVIN_EINVAL && strstr(err, "at most 4"));
    two[1].ndim = 2;
    two[1].shape[0] = 1;
    two[1].shape[1] = 48;
    two[1].dtype = LAVIN_Q8_0;
    two[1].nbytes = 34;
    iot_check(t, "gguf write rejects a q8_0 row of 48",
              lavin_gguf_write(path, two, 2, NULL, 0, err, sizeof(err)) == LAVIN_EINVAL &&
              strstr(err, "cannot be q8_0"));
    two[1].shape[1] = 32;
    two[1].nbytes = 32;
    iot_check(t, "gguf write rejects nbytes that do not match",
              lavin_gguf_write(path, two, 2, NULL, 0, err, sizeof(err)) == LAVIN_EINVAL && strstr(err, "'y'"));
    two[1].nbytes = 34;
    two[1].name = "a_name_of_sixty_five_bytes_is_one_more_than_the_format_allows_xyz";
    iot_check(t, "gguf write rejects a 65-byte name",
              lavin_gguf_write(path, two, 2, NULL, 0, err, sizeof(err)) == LAVIN_EINVAL);
    two[1].name = "y";
    lavin_gguf_kv kv[2] = { { .key = "general.alignment", .type = LAVIN_GGUF_UINT32, .u32 = 64 },
                            { .key = "a key", .type = LAVIN_GGUF_UINT32 } };
    iot_check(t, "gguf write rejects setting general.alignment",
              lavin_gguf_write(path, two, 2, kv, 1, err, sizeof(err)) == LAVIN_EINVAL);
    iot_check(t, "gguf write rejects a key with a space",
              lavin_gguf_write(path, two, 2, kv + 1, 1, err, sizeof(err)) == LAVIN_EINVAL);
    kv[1] = (lavin_gguf_kv){ .key = "k", .type = LAVIN_GGUF_STRING, .str = "\xff" };
    iot_check(t, "gguf write rejects a string that is not UTF-8",
              lavin_gguf_write(path, two, 2, kv + 1, 1, err, sizeof(err)) == LAVIN_EINVAL);
    char nodir[300];
    iot_tmp(t, "no/such/dir.gguf", nodir, sizeof(nodir));
    iot_check(t, "gguf write into a missing folder fails with EIO",
              lavin_gguf_write(nodir, two, 2, NULL, 0, err, sizeof(err)) == LAVIN_EIO);
    iot_check(t, "failed gguf writes leave no file behind", iot_no_leftovers(t, "bad.gguf"));
}

/* Header, metadata and string rules. */
static void hostile_metadata(iot *t, gb *b)
{
    b_header(b, 0, 0);
    b->p[0] = 'X';
    rejects(t, b, "no magic", LAVIN_EFORMAT, "neither");
    b_header(b, 0, 0);
    b->p[4] = 2;
    rejects(t, b, "version 2", LAVIN_EUNSUPPORTED, "GGUF version 2 is not supported");
    b_header(b, 0, 0);
    b->p[4] = 0;
    b->p[7] = 3;
    rejects(t, b, "big-endian", LAVIN_EUNSUPPORTED, "big-endian");
    b_header(b, 0, 0);
    b->p[4] = 4;
    rejects(t, b, "version 4", LAVIN_EFORMAT, "unknown GGUF version 4");
    b_header(b, (uint64_t)1 << 40, 0);
    rejects(t, b, "2^40 tensors", LAVIN_EFORMAT, "limit");
    b_header(b, 1000, 0);
    b_zeros(b, 100);
    rejects(t, b, "1000 tensors in 124 bytes", LAVIN_EFORMAT, "cannot fit");
    b_header(b, 0, 1);
    b_le(b, 60000, 8);
    b_zeros(b, 8);
    rejects(t, b, "a key length past the end", LAVIN_EFORMAT, "key length 60000 runs past the end");
    b_header(b, 0, 1);
    b_le(b, 70000, 8);
    b_zeros(b, 70010);
    rejects(t, b, "a 70000-byte key", LAVIN_EFORMAT, "longer than the format's 65535");
    b_header(b, 0, 1);
    b_kv_u32(b, "", 1);
    rejects(t, b, "an empty key", LAVIN_EFORMAT, "key is empty");
    b_header(b, 0, 1);
    b_kv_u32(b, "a b", 1);
    rejects(t, b, "a key with a space", LAVIN_EFORMAT, "not printable ASCII");
    b_header(b, 0, 1);
    b_kv_u32(b, "a\nb", 1);
    rejects(t, b, "a key with a newline, one line", LAVIN_EFORMAT, "control character");
    b_header(b, 0, 1);
    b_str(b, "k");
    b_le(b, 13, 4);
    b_zeros(b, 8);
    rejects(t, b, "value type 13", LAVIN_EFORMAT, "metadata 'k': unknown value type 13");
    b_header(b, 0, 1);
    b_str(b, "k");
    b_le(b, LAVIN_GGUF_STRING, 4);
    b_le(b, 1000, 8);
    b_zeros(b, 10);
    rejects(t, b, "a string length past the end", LAVIN_EFORMAT, "string length 1000 runs past the end");
    b_header(b, 0, 1);
    b_kv_str(b, "k", "\xc3\x28");
    rejects(t, b, "a string that is not UTF-8", LAVIN_EFORMAT, "not valid UTF-8");
    b_header(b, 0, 1);
    b_kv_str(b, "k", "\xed\xa0\x80");
    rejects(t, b, "a UTF-8 surrogate", LAVIN_EFORMAT, "not valid UTF-8");
    b_header(b, 0, 1);
    b_str(b, "k");
    b_le(b, LAVIN_GGUF_STRING, 4);
    b_str(b, "a");
    b->p[b->n - 1] = 0;
    rejects(t, b, "a string with a NUL byte", LAVIN_EFORMAT, "NUL");
    b_header(b, 0, 1);
    b_str(b, "k");
    b_le(b, LAVIN_GGUF_BOOL, 4);
    b_le(b, 2, 1);
    rejects(t, b, "bool 2", LAVIN_EFORMAT, "neither 0 nor 1");
    b_header(b, 0, 1);
    b_str(b, "k");
    b_le(b, LAVIN_GGUF_ARRAY, 4);
    b_le(b, LAVIN_GGUF_UINT32, 4);
    b_le(b, (uint64_t)1 << 60, 8);
    b_zeros(b, 64);
    rejects(t, b, "an array of 2^60 uint32", LAVIN_EFORMAT, "cannot fit");
    b_header(b, 0, 1);
    b_str(b, "k");
    b_le(b, LAVIN_GGUF_ARRAY, 4);
    b_le(b, 99, 4);
    b_le(b, 0, 8);
    rejects(t, b, "an array of type 99", LAVIN_EFORMAT, "array of unknown value type 99");
    b_header(b, 0, 1);
    b_str(b, "k");
    b_le(b, LAVIN_GGUF_ARRAY, 4);
    for (int i = 0; i < 5; i++) {
        b_le(b, LAVIN_GGUF_ARRAY, 4);
        b_le(b, 1, 8);
    }
    b_le(b, LAVIN_GGUF_UINT8, 4);
    b_le(b, 0, 8);
    rejects(t, b, "arrays nested 6 deep", LAVIN_EFORMAT, "nested more than 4 deep");
    b_header(b, 0, 2);
    b_kv_u32(b, "k", 1);
    b_kv_u32(b, "k", 2);
    rejects(t, b, "a key twice", LAVIN_EFORMAT, "metadata key 'k' appears twice");
}

static void hostile_alignment(iot *t, gb *b)
{
    static const uint32_t bad[] = { 0, 4, 12, 48 };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        b_header(b, 1, 1);
        b_kv_u32(b, "general.alignment", bad[i]);
        b_one_tensor(b);
        char what[64];
        snprintf(what, sizeof(what), "alignment %u", bad[i]);
        rejects(t, b, what, LAVIN_EFORMAT, "not a power of two of at least 8");
    }
    b_header(b, 1, 1);
    b_kv_u32(b, "general.alignment", 1u << 24);
    b_one_tensor(b);
    rejects(t, b, "alignment 2^24", LAVIN_EFORMAT, "exceeds lavin's limit");
    b_header(b, 1, 1);
    b_kv_str(b, "general.alignment", "32");
    b_one_tensor(b);
    rejects(t, b, "a string alignment", LAVIN_EFORMAT, "not uint32");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 8 }, LAVIN_GGML_F32, 8);
    b_pad(b, 32);
    b_zeros(b, 64);
    rejects(t, b, "an offset off the alignment", LAVIN_EFORMAT, "not a multiple of the alignment 32");
}

static void hostile_tensors(iot *t, gb *b)
{
    b_header(b, 1, 0);
    b_one_tensor(b);
    b->p[24 + 8] = '\n';
    rejects(t, b, "a name with a newline, one line", LAVIN_EFORMAT, "control character");
    b_header(b, 1, 0);
    b_info(b, "a_name_of_sixty_five_bytes_is_one_more_than_the_format_allows_xyz", 1, (uint64_t[]){ 8 },
           LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    b_zeros(b, 32);
    rejects(t, b, "a 65-byte name", LAVIN_EFORMAT, "longer than the format's 64");
    b_header(b, 1, 0);
    b_info(b, "", 1, (uint64_t[]){ 8 }, LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    b_zeros(b, 32);
    rejects(t, b, "an empty name", LAVIN_EFORMAT, "name is empty");
    b_header(b, 1, 0);
    b_info(b, "w", 5, (uint64_t[]){ 1, 1, 1, 1, 8 }, LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    b_zeros(b, 32);
    rejects(t, b, "5 dimensions", LAVIN_EFORMAT, "5 dimensions, more than the format's 4");
    b_header(b, 1, 0);
    b_info(b, "w", 2, (uint64_t[]){ (uint64_t)1 << 60, 1 }, LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    rejects(t, b, "a dimension of 2^60", LAVIN_EFORMAT, "too large");
    b_header(b, 1, 0);
    b_info(b, "w", 3, (uint64_t[]){ (uint64_t)1 << 30, (uint64_t)1 << 20, 16 }, LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    rejects(t, b, "a shape of 2^54 elements", LAVIN_EFORMAT, "too large");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 8 }, 77, 0);
    b_pad(b, 32);
    b_zeros(b, 32);
    rejects(t, b, "tensor type 77", LAVIN_EFORMAT, "tensor 'w': unknown tensor type 77");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 256 }, 12, 0);
    b_pad(b, 32);
    b_zeros(b, 160);
    rejects(t, b, "a Q4_K tensor", LAVIN_EUNSUPPORTED, "type Q4_K (12) is not supported");
    b_header(b, 1, 1);
    b_kv_u32(b, "general.quantization_version", 2);
    b_info(b, "w", 2, (uint64_t[]){ 48, 2 }, LAVIN_GGML_Q8_0, 0);
    b_pad(b, 32);
    b_zeros(b, 128);
    rejects(t, b, "a Q8_0 row of 48", LAVIN_EFORMAT, "a row of 48 is not a whole number of 32-element q8_0 blocks");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 32 }, LAVIN_GGML_Q8_0, 0);
    b_pad(b, 32);
    b_zeros(b, 64);
    rejects(t, b, "Q8_0 without general.quantization_version", LAVIN_EFORMAT, "no general.quantization_version");
    b_header(b, 1, 1);
    b_kv_u32(b, "general.quantization_version", 1);
    b_info(b, "w", 1, (uint64_t[]){ 32 }, LAVIN_GGML_Q4_0, 0);
    b_pad(b, 32);
    b_zeros(b, 32);
    rejects(t, b, "Q4_0 of quantization version 1", LAVIN_EUNSUPPORTED, "quantization version 1");
    b_header(b, 2, 0);
    b_info(b, "w", 1, (uint64_t[]){ 8 }, LAVIN_GGML_F32, 32);
    b_one_tensor(b);
    b_zeros(b, 32);
    rejects(t, b, "a name twice", LAVIN_EFORMAT, "duplicate tensor name 'w'");
}

static void hostile_layout(iot *t, gb *b)
{
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 16 }, LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    b_zeros(b, 32);
    rejects(t, b, "a tensor past the data", LAVIN_EFORMAT, "[0, 64) runs past the 32-byte data section");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 8 }, LAVIN_GGML_F32, (uint64_t)1 << 63);
    b_pad(b, 32);
    b_zeros(b, 32);
    rejects(t, b, "an offset of 2^63", LAVIN_EFORMAT, "runs past");
    b_header(b, 2, 0);
    b_info(b, "a", 1, (uint64_t[]){ 16 }, LAVIN_GGML_F32, 0);
    b_info(b, "b", 1, (uint64_t[]){ 16 }, LAVIN_GGML_F32, 32);
    b_pad(b, 32);
    b_zeros(b, 96);
    rejects(t, b, "overlapping tensors", LAVIN_EFORMAT, "tensor 'b': data [32, 96) overlaps tensor 'a' [0, 64)");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 8 }, LAVIN_GGML_F32, 64);
    b_pad(b, 32);
    b_zeros(b, 96);
    rejects(t, b, "a hole before a tensor", LAVIN_EFORMAT, "leaves a hole of 64 bytes");
    b_header(b, 1, 0);
    b_one_tensor(b);
    b_zeros(b, 32);
    rejects(t, b, "bytes after the last tensor", LAVIN_EFORMAT, "32 bytes after the last tensor");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 7 }, LAVIN_GGML_F32, 0);
    b_pad(b, 32);
    b_zeros(b, 28);
    rejects(t, b, "no padding after the last tensor", LAVIN_EFORMAT, "inside the padding of the last tensor");
    b_zeros(b, 4);
    b->p[b->n - 1] = 1;
    rejects(t, b, "non-zero padding", LAVIN_EFORMAT, "non-zero byte");
    b_header(b, 1, 0);
    b_info(b, "w", 1, (uint64_t[]){ 8 }, LAVIN_GGML_F32, 0);
    rejects(t, b, "tensors but no data section", LAVIN_EFORMAT, "before the data section");
}

/* lavin's own keys, checked when present. */
static void hostile_lavin_keys(iot *t, gb *b)
{
    b_header(b, 1, 1);
    b_kv_u32(b, "general.architecture", 7);
    b_one_tensor(b);
    rejects(t, b, "a uint32 architecture", LAVIN_EFORMAT, "'general.architecture': not a string");
    b_header(b, 1, 1);
    b_str(b, LAVIN_GGUF_KEY_NATIVE_SIZE);
    b_le(b, LAVIN_GGUF_ARRAY, 4);
    b_le(b, LAVIN_GGUF_UINT32, 4);
    b_le(b, 2, 8);
    b_le(b, 128, 4);
    b_le(b, 0, 4);
    b_one_tensor(b);
    rejects(t, b, "a native size of 128x0", LAVIN_EFORMAT, "not two positive uint32");
    for (int mismatch = 0; mismatch < 2; mismatch++) {
        b_header(b, 1, 2);
        b_str(b, LAVIN_GGUF_KEY_KEPT_NAMES);
        b_le(b, LAVIN_GGUF_ARRAY, 4);
        b_le(b, LAVIN_GGUF_STRING, 4);
        b_le(b, 1, 8);
        b_str(b, mismatch ? "w" : "nope");
        b_str(b, LAVIN_GGUF_KEY_KEPT_REASONS);
        b_le(b, LAVIN_GGUF_ARRAY, 4);
        b_le(b, LAVIN_GGUF_STRING, 4);
        b_le(b, 1 + (uint64_t)mismatch, 8);
        b_str(b, "r");
        if (mismatch)
            b_str(b, "s");
        b_one_tensor(b);
        rejects(t, b, mismatch ? "lavin.kept arrays of two lengths" : "lavin.kept naming no tensor", LAVIN_EFORMAT,
                mismatch ? "same length" : "names no tensor 'nope'");
    }
}

void iot_gguf(iot *t)
{
    roundtrip(t);
    independent(t);
    writer_rejects(t);
    gb b = { 0 };
    hostile_metadata(t, &b);
    hostile_alignment(t, &b);
    hostile_tensors(t, &b);
    hostile_layout(t, &b);
    hostile_lavin_keys(t, &b);
    free(b.p);
    char path[256];
    /* every prefix of a valid file is rejected cleanly */
    iot_check(t, "gguf rejects every truncation of kinds.gguf",
              iot_rejects_truncations(t, iot_data(t, "kinds.gguf", path, sizeof(path)), "cut.gguf"));
    iot_check(t, "gguf rejects every truncation of a written file",
              iot_rejects_truncations(t, iot_tmp(t, "rt.gguf", path, sizeof(path)), "cut.gguf"));
}
