/* safetensors: writer round trips, and one malformed file per rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/io/io_test.h"
#include "checkpoint/safetensors.h"

/* An 8-byte length, header as given, then data_len bytes of data. */
static int write_st(const char *path, const char *header, size_t data_len)
{
    size_t hl = strlen(header);
    uint8_t *buf = calloc(1, 8 + hl + data_len + 1);
    if (!buf)
        return -1;
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, header, hl);
    for (size_t i = 0; i < data_len; i++)
        buf[8 + hl + i] = (uint8_t)i;
    int r = iot_write(path, buf, 8 + hl + data_len);
    free(buf);
    return r;
}

static void roundtrip(iot *t)
{
    float a[6] = { 1, -2, 3.5f, 4, 5, 6 };
    uint16_t b[4] = { 0x3c00, 0xc000, 0x7bff, 0x0001 };
    uint16_t c[1] = { 0x3f80 };
    lavin_ckpt_tensor in[4] = {
        { .name = "enc.weight", .dtype = LAVIN_F32, .ndim = 2, .shape = { 2, 3 }, .data = a, .nbytes = 24 },
        { .name = "enc.bias\"q\\", .dtype = LAVIN_F16, .ndim = 1, .shape = { 4 }, .data = b, .nbytes = 8 },
        { .name = "scale", .dtype = LAVIN_BF16, .ndim = 0, .data = c, .nbytes = 2 },
        { .name = "empty", .dtype = LAVIN_F32, .ndim = 2, .shape = { 0, 3 }, .nbytes = 0 },
    };
    const char *keys[2] = { "format", "note" }, *vals[2] = { "pt", "line1\nline2 \"quoted\"" };
    char path[256], err[512] = "";
    iot_tmp(t, "rt.safetensors", path, sizeof(path));
    int r = lavin_safetensors_write(path, in, 4, keys, vals, 2, err, sizeof(err));
    if (!iot_check(t, "safetensors: write", r == 0))
        printf("     %s\n", err);
    size_t size;
    uint8_t *raw = iot_read(path, &size);
    uint64_t hl = 0;
    for (int i = 7; raw && size >= 8 && i >= 0; i--)
        hl = (hl << 8) | raw[i];
    iot_check(t, "safetensors: header padded to 8 bytes with spaces",
              raw && hl % 8 == 0 && 8 + hl + 34 == size && raw[8 + hl - 1] != '\t' &&
              (raw[8 + hl - 1] == ' ' || raw[8 + hl - 1] == '}'));
    free(raw);

    lavin_checkpoint *ck = NULL;
    r = lavin_checkpoint_open(path, &ck, err, sizeof(err));
    if (!iot_check(t, "safetensors: open written file", r == 0 && ck)) {
        printf("     %s\n", err);
        return;
    }
    int same = lavin_checkpoint_count(ck) == 4 && !strcmp(lavin_checkpoint_path(ck), path);
    for (size_t i = 0; same && i < 4; i++) {
        const lavin_ckpt_tensor *g = lavin_checkpoint_tensor(ck, i);
        same = g && !strcmp(g->name, in[i].name) && g->dtype == in[i].dtype && g->ndim == in[i].ndim &&
               g->nbytes == in[i].nbytes && (!g->nbytes || !memcmp(g->data, in[i].data, g->nbytes));
        for (int d = 0; same && d < g->ndim; d++)
            same = g->shape[d] == in[i].shape[d];
    }
    iot_check(t, "safetensors: round trip keeps order, names, shapes, dtypes and bytes", same);
    iot_check(t, "safetensors: tensor data is 8-byte aligned in the mapping",
              ((uintptr_t)lavin_checkpoint_tensor(ck, 0)->data & 7) == 0);
    iot_check(t, "safetensors: tensor past the end is NULL", !lavin_checkpoint_tensor(ck, 4));
    const lavin_ckpt_tensor *f = lavin_checkpoint_find(ck, "scale");
    iot_check(t, "safetensors: find", f == lavin_checkpoint_tensor(ck, 2) &&
                                          !lavin_checkpoint_find(ck, "missing"));
    const char *m1 = lavin_checkpoint_metadata(ck, "format"), *m2 = lavin_checkpoint_metadata(ck, "note");
    iot_check(t, "safetensors: metadata", m1 && !strcmp(m1, "pt") && m2 && !strcmp(m2, vals[1]) &&
                                              !lavin_checkpoint_metadata(ck, "nope"));
    lavin_checkpoint_close(&ck);
    iot_check(t, "safetensors: close clears the handle", ck == NULL);

    iot_tmp(t, "none.safetensors", path, sizeof(path));
    r = lavin_safetensors_write(path, NULL, 0, NULL, NULL, 0, err, sizeof(err));
    r = r < 0 ? r : lavin_checkpoint_open(path, &ck, err, sizeof(err));
    iot_check(t, "safetensors: file without tensors", r == 0 && lavin_checkpoint_count(ck) == 0);
    lavin_checkpoint_close(&ck);
}

static void writer_rejects(iot *t)
{
    float a[4] = { 0 };
    lavin_ckpt_tensor two[2] = {
        { .name = "x", .dtype = LAVIN_F32, .ndim = 1, .shape = { 4 }, .data = a, .nbytes = 16 },
        { .name = "x", .dtype = LAVIN_F32, .ndim = 1, .shape = { 4 }, .data = a, .nbytes = 16 },
    };
    char path[256], err[512];
    iot_tmp(t, "bad.safetensors", path, sizeof(path));
    iot_check(t, "write rejects duplicate names",
              lavin_safetensors_write(path, two, 2, NULL, NULL, 0, err, sizeof(err)) == LAVIN_EFORMAT);
    two[1].name = "y";
    two[1].nbytes = 12;
    iot_check(t, "write rejects nbytes that do not match the shape",
              lavin_safetensors_write(path, two, 2, NULL, NULL, 0, err, sizeof(err)) == LAVIN_EINVAL &&
              strstr(err, "'y'"));
    two[1].nbytes = 16;
    two[1].ndim = LAVIN_MAX_DIMS + 1;
    iot_check(t, "write rejects a bad rank",
              lavin_safetensors_write(path, two, 2, NULL, NULL, 0, err, sizeof(err)) == LAVIN_EINVAL);
    two[1].ndim = 1;
    two[1].name = "__metadata__";
    iot_check(t, "write rejects the name __metadata__",
              lavin_safetensors_write(path, two, 2, NULL, NULL, 0, err, sizeof(err)) == LAVIN_EINVAL);
    two[1].name = "y";
    const char *k[2] = { "a", "a" }, *v[2] = { "1", "2" };
    iot_check(t, "write rejects repeated metadata keys",
              lavin_safetensors_write(path, two, 2, k, v, 2, err, sizeof(err)) == LAVIN_EINVAL);
    char nodir[300];
    iot_tmp(t, "no/such/dir.safetensors", nodir, sizeof(nodir));
    iot_check(t, "write into a missing folder fails with EIO",
              lavin_safetensors_write(nodir, two, 2, NULL, NULL, 0, err, sizeof(err)) == LAVIN_EIO);
    iot_check(t, "failed writes leave no file behind", iot_no_leftovers(t, "bad.safetensors"));
}

typedef struct st_case {
    const char *what;
    const char *header;
    size_t data_len;
    int code;
    const char *needle;
} st_case;

static const st_case st_cases[] = {
    { "invalid JSON", "{\"a\": {\"dtype\": ", 0, LAVIN_EFORMAT, "not valid JSON" },
    { "bytes after the JSON object", "{}x", 0, LAVIN_EFORMAT, "after its JSON" },
    { "entry not an object", "{\"a\": 3}", 0, LAVIN_EFORMAT, "'a': entry is not an object" },
    { "dtype not a string", "{\"a\":{\"dtype\":1,\"shape\":[],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "dtype is not a string" },
    { "unknown dtype", "{\"a\":{\"dtype\":\"F33\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "unknown dtype 'F33'" },
    { "unsupported dtype names tensor and dtype", "{\"w.b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, LAVIN_EUNSUPPORTED, "tensor 'w.b': dtype I64 is not supported" },
    { "missing dtype", "{\"a\":{\"shape\":[],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "missing dtype" },
    { "missing shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "missing shape" },
    { "missing data_offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}", 4, LAVIN_EFORMAT, "missing data_offsets" },
    { "unexpected field", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":1}}", 4, LAVIN_EFORMAT, "unexpected field 'x'" },
    { "repeated field", "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "appears twice" },
    { "shape not an array", "{\"a\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "shape is not an array" },
    { "negative dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "non-negative integer" },
    { "fractional dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "non-negative integer" },
    { "string dimension", "{\"a\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "non-negative integer" },
    { "too many dimensions", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4, LAVIN_EUNSUPPORTED, "6 dimensions" },
    { "shape product overflows", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "too large" },
    { "data_offsets not a pair", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0]}}", 4, LAVIN_EFORMAT, "pair" },
    { "data_offsets not integers", "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,\"4\"]}}", 4, LAVIN_EFORMAT, "pair" },
    { "data_offsets reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4, LAVIN_EFORMAT, "end before they begin" },
    { "data_offsets past the data", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, LAVIN_EFORMAT, "run past the 4-byte data section" },
    { "size mismatch", "{\"x.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12, LAVIN_EFORMAT,
      "tensor 'x.weight': data_offsets [0, 12] do not match shape [2, 2] f32 (16 bytes)" },
    { "overlapping tensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, LAVIN_EFORMAT, "overlap tensor 'a'" },
    { "hole between tensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12, LAVIN_EFORMAT, "hole of 4 bytes" },
    { "hole at the start", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, LAVIN_EFORMAT, "hole" },
    { "bytes after the last tensor", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, LAVIN_EFORMAT, "4 bytes after the last tensor" },
    { "duplicate names", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, LAVIN_EFORMAT, "duplicate tensor name 'a'" },
    { "empty name", "{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, LAVIN_EFORMAT, "empty name" },
    { "__metadata__ not an object", "{\"__metadata__\":[1]}", 0, LAVIN_EFORMAT, "__metadata__ is not an object" },
    { "__metadata__ value not a string", "{\"__metadata__\":{\"k\":1}}", 0, LAVIN_EFORMAT, "value for 'k' is not a string" },
    { "__metadata__ twice", "{\"__metadata__\":{},\"__metadata__\":{}}", 0, LAVIN_EFORMAT, "__metadata__ appears twice" },
    { "control characters in names stay on one line", "{\"a\\nb\":3}", 0, LAVIN_EFORMAT, "'a?b'" },
};

static void malformed(iot *t)
{
    char path[256], what[160];
    iot_tmp(t, "m.safetensors", path, sizeof(path));
    for (size_t i = 0; i < sizeof(st_cases) / sizeof(st_cases[0]); i++) {
        const st_case *c = &st_cases[i];
        write_st(path, c->header, c->data_len);
        snprintf(what, sizeof(what), "safetensors rejects: %s", c->what);
        iot_rejects(t, what, path, c->code, c->needle);
    }

    static const uint8_t too_long[16] = { 0x01, 0xe1, 0xf5, 0x05, 0, 0, 0, 0, '{', '}' };
    iot_write(path, too_long, sizeof(too_long));
    iot_rejects(t, "safetensors rejects: header over 100 MB", path, LAVIN_EFORMAT, "limit of 100000000");
    static const uint8_t past_end[12] = { 0x40, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ' };
    iot_write(path, past_end, sizeof(past_end));
    iot_rejects(t, "safetensors rejects: header past the end", path, LAVIN_EFORMAT, "runs past the end");
    static const uint8_t huge[12] = { 0, 0, 0, 0, 0, 0, 0, 0x80, '{', '}', ' ', ' ' };
    iot_write(path, huge, sizeof(huge));
    iot_rejects(t, "safetensors rejects: 2^63 header length", path, LAVIN_EFORMAT, "exceeds");

    lavin_ckpt_set s = { 0 };
    char err[256];
    static const uint8_t arr[12] = { 2, 0, 0, 0, 0, 0, 0, 0, '[', ']' };
    iot_check(t, "safetensors parser rejects a non-object header",
              lavin_safetensors_parse(arr, 10, "mem", &s, err, sizeof(err)) == LAVIN_EFORMAT);
    iot_check(t, "safetensors parser rejects 7 bytes",
              lavin_safetensors_parse(arr, 7, "mem", &s, err, sizeof(err)) == LAVIN_EFORMAT &&
              strstr(err, "too short"));
    lavin_ckpt_set_free(&s);

    iot_tmp(t, "empty.safetensors", path, sizeof(path));
    iot_write(path, "", 0);
    iot_rejects(t, "empty file", path, LAVIN_EFORMAT, "empty");
    iot_tmp(t, "missing.safetensors", path, sizeof(path));
    iot_rejects(t, "missing file", path, LAVIN_EIO, "No such file");
    iot_rejects(t, "a folder", t->tmp_dir, LAVIN_EIO, "not a regular file");
}

void iot_safetensors(iot *t)
{
    roundtrip(t);
    writer_rejects(t);
    malformed(t);
    char path[256];
    iot_check(t, "safetensors rejects every truncation of a valid file",
              iot_rejects_truncations(t, iot_tmp(t, "rt.safetensors", path, sizeof(path)), "cut.safetensors"));
}
