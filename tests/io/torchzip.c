/* PyTorch zip checkpoints: fixtures written by torch 1.13 and by
 * tools/reference/make_io_fixtures.py, each compared with a safetensors
 * file holding the same tensors; then hostile archives and pickles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/io/io_test.h"
#include "checkpoint/pickle.h"
#include "checkpoint/torchzip.h"

static int same_tensor(const lavin_ckpt_tensor *a, const lavin_ckpt_tensor *b)
{
    if (strcmp(a->name, b->name) || a->dtype != b->dtype || a->ndim != b->ndim || a->nbytes != b->nbytes)
        return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d])
            return 0;
    return !a->nbytes || !memcmp(a->data, b->data, a->nbytes);
}

static void compare(iot *t, const char *name, const char *twin, size_t expect_count)
{
    char pt[256], st[256], what[160], err[512] = "";
    snprintf(what, sizeof(what), "%s.pt", name);
    iot_data(t, what, pt, sizeof(pt));
    snprintf(what, sizeof(what), "%s.expect.safetensors", twin);
    iot_data(t, what, st, sizeof(st));
    lavin_checkpoint *a = NULL, *b = NULL;
    int ra = lavin_checkpoint_open(pt, &a, err, sizeof(err));
    if (ra < 0)
        printf("     %s\n", err);
    int rb = lavin_checkpoint_open(st, &b, err, sizeof(err));
    if (rb < 0)
        printf("     %s\n", err);
    snprintf(what, sizeof(what), "torch: %s.pt opens", name);
    if (!iot_check(t, what, ra == 0 && rb == 0)) {
        lavin_checkpoint_close(&a);
        lavin_checkpoint_close(&b);
        return;
    }
    size_t n = lavin_checkpoint_count(a);
    int same = n == lavin_checkpoint_count(b) && n == expect_count;
    for (size_t i = 0; same && i < n; i++) {
        same = same_tensor(lavin_checkpoint_tensor(a, i), lavin_checkpoint_tensor(b, i));
        if (!same)
            printf("     tensor %zu '%s' differs\n", i, lavin_checkpoint_tensor(a, i)->name);
    }
    snprintf(what, sizeof(what), "torch: %s.pt matches its safetensors twin (%zu tensors)", name, n);
    iot_check(t, what, same);
    snprintf(what, sizeof(what), "torch: %s.pt find and metadata", name);
    const lavin_ckpt_tensor *first = lavin_checkpoint_tensor(a, 0);
    iot_check(t, what, first && lavin_checkpoint_find(a, first->name) == first &&
                           !lavin_checkpoint_metadata(a, "format"));
    lavin_checkpoint_close(&a);
    lavin_checkpoint_close(&b);
}

static void fixtures(iot *t)
{
    compare(t, "nested", "nested", 7);
    compare(t, "zip64", "nested", 7);
    compare(t, "bare16", "bare16", 7);
    compare(t, "views", "views", 10);
    compare(t, "crafted", "crafted", 1);
    char p[256];
    lavin_checkpoint *ck = NULL;
    char err[256];
    lavin_checkpoint_open(iot_data(t, "views.pt", p, sizeof(p)), &ck, err, sizeof(err));
    const lavin_ckpt_tensor *tr = lavin_checkpoint_find(ck, "transposed");
    float v[2] = { 0, 0 };
    if (tr && tr->nbytes >= 8)
        memcpy(v, tr->data, 8);
    /* base = arange(24).reshape(4, 6) / 8 - 1, so base.t()[0][1] = base[1][0] */
    iot_check(t, "torch: transposed view is copied row-major",
              tr && tr->ndim == 2 && tr->shape[0] == 6 && tr->shape[1] == 4 && v[0] == -1.0f &&
              v[1] == 6.0f / 8 - 1);
    lavin_checkpoint_close(&ck);
}

typedef struct bad_file {
    const char *file;
    int code;
    const char *needle;
} bad_file;

static const bad_file bad_files[] = {
    { "hostile.pt", LAVIN_EUNSUPPORTED, "global 'posix.system' is not allowed" },
    { "int64.pt", LAVIN_EUNSUPPORTED, "tensor 'steps': torch.LongStorage is not supported" },
    { "legacy.pt", LAVIN_EUNSUPPORTED, "legacy" },
    { "bad_badview.pt", LAVIN_EFORMAT, "tensor 'w': view (offset, size, stride) reaches outside its storage" },
    { "bad_badsize.pt", LAVIN_EFORMAT, "holds 20 bytes, not 4 elements of 4" },
    { "bad_norecord.pt", LAVIN_EFORMAT, "storage record 'data/7' is missing" },
    { "bad_dupname.pt", LAVIN_EFORMAT, "duplicate tensor name 'w'" },
    { "bad_sixdim.pt", LAVIN_EUNSUPPORTED, "6 dimensions" },
    { "bad_expanded.pt", LAVIN_EUNSUPPORTED, "overlapping" },
    { "bad_deflated.pt", LAVIN_EUNSUPPORTED, "is compressed (method 8)" },
    { "bad_twotop.pt", LAVIN_EFORMAT, "several top-level data.pkl" },
    { "bad_bigendian.pt", LAVIN_EUNSUPPORTED, "byteorder" },
    { "bad_notdict.pt", LAVIN_EUNSUPPORTED, "holds type list, not a state dict" },
    { "bad_nopickle.pt", LAVIN_EFORMAT, "no <folder>/data.pkl" },
};

static void bad_fixtures(iot *t)
{
    char p[256], what[160];
    for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
        snprintf(what, sizeof(what), "torch rejects %s", bad_files[i].file);
        iot_rejects(t, what, iot_data(t, bad_files[i].file, p, sizeof(p)), bad_files[i].code,
                    bad_files[i].needle);
    }
}

/* Offset of the n-th occurrence of the 4-byte little-endian sig. */
static size_t find_sig(const uint8_t *d, size_t size, uint32_t sig, int nth)
{
    for (size_t i = 0; i + 4 <= size; i++)
        if ((d[i] | d[i + 1] << 8 | d[i + 2] << 16 | (uint32_t)d[i + 3] << 24) == sig && nth-- == 0)
            return i;
    return size;
}

/* A copy of nested.pt with one change, written and opened. */
static void mutate(iot *t, const uint8_t *raw, size_t size, const char *what, size_t at,
                   const void *bytes, size_t n, int code, const char *needle)
{
    char path[256];
    uint8_t *m = malloc(size);
    memcpy(m, raw, size);
    if (at + n <= size)
        memcpy(m + at, bytes, n);
    iot_write(iot_tmp(t, "mut.pt", path, sizeof(path)), m, size);
    free(m);
    iot_rejects(t, what, path, code, needle);
}

static void mutations(iot *t)
{
    char path[256], cut[256];
    size_t size;
    uint8_t *raw = iot_read(iot_data(t, "nested.pt", path, sizeof(path)), &size);
    if (!iot_check(t, "torch: read nested.pt", raw != NULL))
        return;
    size_t cd = find_sig(raw, size, 0x02014b50u, 0), eocd = find_sig(raw, size, 0x06054b50u, 0);
    size_t cd1 = find_sig(raw, size, 0x02014b50u, 1);
    size_t local1 = find_sig(raw, size, 0x04034b50u, 1);
    static const uint8_t eight[2] = { 8, 0 }, enc[2] = { 9, 8 }, big[4] = { 0xff, 0xff, 0xff, 0x7f };
    size_t data1 = local1 + 30 + (raw[local1 + 26] | raw[local1 + 27] << 8) +
                   (raw[local1 + 28] | raw[local1 + 29] << 8);
    mutate(t, raw, size, "torch rejects: flipped data byte", data1 + 5, "\xa5\x5a", 2, LAVIN_EFORMAT,
           "'archive_name/data/0': CRC-32 mismatch");
    mutate(t, raw, size, "torch rejects: deflate method", cd + 10, eight, 2, LAVIN_EUNSUPPORTED, "compressed");
    mutate(t, raw, size, "torch rejects: encrypted entry", cd + 8, enc, 2, LAVIN_EUNSUPPORTED, "encrypted");
    mutate(t, raw, size, "torch rejects: directory offset past the end", eocd + 16, big, 4, LAVIN_EFORMAT, "outside the file");
    mutate(t, raw, size, "torch rejects: too many entries", eocd + 10, "\xff\x7f", 2, LAVIN_EFORMAT, "too small for its entry count");
    mutate(t, raw, size, "torch rejects: broken local header", local1, "PK\x01\x01", 4, LAVIN_EFORMAT, "local header is missing");
    mutate(t, raw, size, "torch rejects: local offset past the directory", cd1 + 42, big, 4, LAVIN_EFORMAT, "local header is missing");
    mutate(t, raw, size, "torch rejects: sizes that differ", cd1 + 20, "\x01", 1, LAVIN_EFORMAT, "sizes differ");
    static const uint8_t big2[8] = { 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f };
    mutate(t, raw, size, "torch rejects: entry larger than the archive", cd1 + 20, big2, 8, LAVIN_EFORMAT,
           "runs past the central directory");
    mutate(t, raw, size, "torch rejects: damaged directory entry", cd1, "PK\x09\x09", 4, LAVIN_EFORMAT, "damaged");
    mutate(t, raw, size, "torch rejects: local name differs", local1 + 30, "X", 1, LAVIN_EFORMAT, "does not match");

    iot_tmp(t, "cut.pt", cut, sizeof(cut));
    int all = 1;
    for (size_t n = 1; n < size; n++) {
        iot_write(cut, raw, n);
        lavin_checkpoint *ck = NULL;
        char err[512] = "";
        int r = lavin_checkpoint_open(cut, &ck, err, sizeof(err));
        if (r >= 0 || strncmp(err, cut, strlen(cut)) || strchr(err, '\n')) {
            printf("     cut at %zu: %d %s\n", n, r, err);
            all = 0;
        }
        lavin_checkpoint_close(&ck);
    }
    iot_check(t, "torch rejects every truncation of nested.pt", all);

    /* Without CRC checks, every single-byte change in the directory and
     * pickle must still fail cleanly or give a valid result. */
    lavin_ckpt_set s = { 0 };
    char err[512];
    uint8_t *m = malloc(size);
    int clean = 1;
    for (size_t i = 0; i < size; i += (i < 900 || i > cd) ? 1 : 37) {
        for (int v = 0; v < 256; v += 51) {
            memcpy(m, raw, size);
            m[i] ^= (uint8_t)(v | 1);
            err[0] = 0;
            int r = lavin_torchzip_parse(m, size, "mem.pt", 0, &s, err, sizeof(err));
            if (r < 0 && (strncmp(err, "mem.pt: ", 8) || strchr(err, '\n')))
                clean = 0;
            lavin_ckpt_set_free(&s);
        }
    }
    free(m);
    iot_check(t, "torch: single-byte changes fail with one-line messages", clean);
    free(raw);
}

typedef struct pkl_case {
    const char *what;
    const char *bytes;
    size_t len;
    int code;
    const char *needle;
} pkl_case;

#define PK(what, lit, code, needle) { what, lit, sizeof(lit) - 1, code, needle }

static const pkl_case pkl_cases[] = {
    PK("unknown global", "\x80\x02" "cos\nsystem\n.", LAVIN_EUNSUPPORTED, "global 'os.system' is not allowed"),
    PK("builtins eval via STACK_GLOBAL", "\x80\x04\x8c\x08" "builtins\x8c\x04" "eval\x93.", LAVIN_EUNSUPPORTED, "'builtins.eval'"),
    PK("storage type called", "\x80\x02" "ctorch\nFloatStorage\n)R.", LAVIN_EUNSUPPORTED, "calling torch.FloatStorage"),
    PK("INST opcode", "\x80\x02(ios\nsystem\n.", LAVIN_EUNSUPPORTED, "opcode 'i'"),
    PK("EMPTY_SET opcode", "\x80\x04\x8f.", LAVIN_EUNSUPPORTED, "opcode 0x8f"),
    PK("no STOP", "\x80\x02}", LAVIN_EFORMAT, "without STOP"),
    PK("stack underflow", "\x80\x02s.", LAVIN_EFORMAT, "underflow"),
    PK("pop through a mark", "\x80\x02}(0.", LAVIN_EFORMAT, "underflow"),
    PK("missing memo", "\x80\x02h\x05.", LAVIN_EFORMAT, "memo entry 5"),
    PK("huge memo index", "\x80\x02}r\xff\xff\xff\xff.", LAVIN_EFORMAT, "too large"),
    PK("truncated string", "\x80\x02X\xff\x00\x00\x00" "ab", LAVIN_EFORMAT, "runs past the end"),
    PK("oversized LONG1", "\x80\x02\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09.", LAVIN_EUNSUPPORTED, "9 bytes"),
    PK("non-tensor value", "\x80\x02}X\x01\x00\x00\x00" "aK\x01s.", LAVIN_EUNSUPPORTED, "entry 'a' has type int, not tensor"),
    PK("non-string key", "\x80\x02}K\x01K\x01s.", LAVIN_EFORMAT, "key has type int"),
    PK("BUILD on a list", "\x80\x02]}b.", LAVIN_EUNSUPPORTED, "BUILD of type list"),
    PK("setitem on a list", "\x80\x02]K\x01K\x02s.", LAVIN_EFORMAT, "setting items on a value of type list"),
    PK("bad persistent id", "\x80\x02K\x01Q.", LAVIN_EFORMAT, "persistent id"),
    PK("protocol 6", "\x80\x06}.", LAVIN_EUNSUPPORTED, "protocol 6"),
};

static void pickles(iot *t)
{
    char what[160], err[512];
    for (size_t i = 0; i < sizeof(pkl_cases) / sizeof(pkl_cases[0]); i++) {
        const pkl_case *c = &pkl_cases[i];
        lavin_pkl_tensor *out = NULL;
        size_t n = 0;
        err[0] = 0;
        int r = lavin_pickle_state_dict((const uint8_t *)c->bytes, c->len, "x.pt", &out, &n, err, sizeof(err));
        int ok = r == c->code && !out && !strncmp(err, "x.pt: ", 6) && strstr(err, c->needle) &&
                 !strchr(err, '\n');
        snprintf(what, sizeof(what), "pickle rejects: %s", c->what);
        if (!ok || t->tally.verbose)
            printf("     %s -> %d: %s\n", c->what, r, err);
        iot_check(t, what, ok);
        lavin_pickle_free(out, n);
    }
    lavin_pkl_tensor *out = NULL;
    size_t n = 9;
    static const char empty[] = "\x80\x02}q\x00.";
    int r = lavin_pickle_state_dict((const uint8_t *)empty, sizeof(empty) - 1, "x.pt", &out, &n, err, sizeof(err));
    iot_check(t, "pickle: empty dict is an empty state dict", r == 0 && n == 0);
    lavin_pickle_free(out, n);
}

void iot_torchzip(iot *t)
{
    fixtures(t);
    bad_fixtures(t);
    mutations(t);
    pickles(t);
}
