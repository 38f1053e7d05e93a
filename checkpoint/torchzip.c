#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "checkpoint/pickle.h"
#include "checkpoint/torchzip.h"

#define ZIP_LOCAL_SIG 0x04034b50u
#define ZIP_CENTRAL_SIG 0x02014b50u
#define ZIP_EOCD_SIG 0x06054b50u
#define ZIP64_EOCD_SIG 0x06064b50u
#define ZIP64_LOCATOR_SIG 0x07064b50u

typedef struct zip_entry {
    const char *name;
    size_t name_len;
    uint64_t data_off, size;
    uint32_t crc;
    int crc_checked;
} zip_entry;

typedef struct zip {
    const uint8_t *d;
    size_t size;
    const char *file;
    char *err;
    size_t err_size;
    int verify_crc;
    zip_entry *e;        /* sorted by name */
    size_t n;
    uint64_t cd_off;
    uint32_t crc_table[8][256];
} zip;

static uint64_t rd(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int zfail(const zip *z, int code, const char *what)
{
    return lavin_err_buf(z->err, z->err_size, code, "%s: %s", z->file, what);
}

/* CRC-32 eight bytes at a time: table k advances a byte's contribution by
 * k more bytes, so a whole checkpoint checks in a fraction of its read time. */
static void crc_init(zip *z)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        z->crc_table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++)
            z->crc_table[k][i] = (z->crc_table[k - 1][i] >> 8) ^ z->crc_table[0][z->crc_table[k - 1][i] & 0xff];
}

static uint32_t crc32_of(const zip *z, const uint8_t *p, uint64_t n)
{
    const uint32_t(*t)[256] = z->crc_table;
    uint32_t c = 0xffffffffu;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = c ^ (uint32_t)rd(p, 4), hi = (uint32_t)rd(p + 4, 4);
        c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
            t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    }
    for (; n; n--, p++)
        c = t[0][(c ^ *p) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* The end record sits last, followed only by its comment. */
static int find_eocd(const zip *z, size_t *pos)
{
    if (z->size < 22)
        return zfail(z, LAVIN_EFORMAT, "too short for a zip archive");
    size_t lo = z->size - 22 > 65535 ? z->size - 22 - 65535 : 0;
    for (size_t i = z->size - 22 + 1; i-- > lo;) {
        if (rd(z->d + i, 4) == ZIP_EOCD_SIG && rd(z->d + i + 20, 2) == z->size - i - 22) {
            *pos = i;
            return 0;
        }
    }
    return zfail(z, LAVIN_EFORMAT, "no zip end-of-directory record (truncated file?)");
}

/* Where the central directory lies and how many entries it has, from the
 * end record or, when that is saturated, its zip64 counterpart. */
static int find_directory(const zip *z, uint64_t *cd_off, uint64_t *cd_size, uint64_t *count)
{
    size_t pos = 0;
    LAVIN_TRY(find_eocd(z, &pos));
    const uint8_t *e = z->d + pos;
    if (rd(e + 4, 2) || rd(e + 6, 2))
        return zfail(z, LAVIN_EUNSUPPORTED, "multi-disk zip archives are not supported");
    *count = rd(e + 10, 2);
    *cd_size = rd(e + 12, 4);
    *cd_off = rd(e + 16, 4);
    uint64_t limit = pos;
    if (*count == 0xffff || *cd_size == 0xffffffffu || *cd_off == 0xffffffffu) {
        if (pos < 20 || rd(z->d + pos - 20, 4) != ZIP64_LOCATOR_SIG)
            return zfail(z, LAVIN_EFORMAT, "zip64 end-of-directory locator is missing");
        uint64_t off = rd(z->d + pos - 20 + 8, 8);
        if (off > pos - 20 || pos - 20 - off < 56 || rd(z->d + off, 4) != ZIP64_EOCD_SIG)
            return zfail(z, LAVIN_EFORMAT, "zip64 end-of-directory record is missing or misplaced");
        const uint8_t *r = z->d + off;
        if (rd(r + 16, 4) || rd(r + 20, 4))
            return zfail(z, LAVIN_EUNSUPPORTED, "multi-disk zip archives are not supported");
        *count = rd(r + 32, 8);
        *cd_size = rd(r + 40, 8);
        *cd_off = rd(r + 48, 8);
        limit = off;
    }
    if (*cd_off > limit || *cd_size > limit - *cd_off)
        return zfail(z, LAVIN_EFORMAT, "zip central directory lies outside the file");
    if (*count > *cd_size / 46)
        return zfail(z, LAVIN_EFORMAT, "zip central directory is too small for its entry count");
    return 0;
}

static int entry_fail(const zip *z, const zip_entry *e, int code, const char *what)
{
    char q[96];
    return lavin_err_buf(z->err, z->err_size, code, "%s: zip entry '%s': %s", z->file,
                         lavin_ckpt_quote(e->name, e->name_len, q, sizeof(q)), what);
}

/* Sizes and offset that are saturated in the directory live, in this order,
 * in the zip64 extra field. */
static int zip64_extra(const zip *z, const zip_entry *e, const uint8_t *x, size_t xlen,
                       uint64_t *vals[3], int nvals)
{
    for (size_t p = 0; p + 4 <= xlen;) {
        size_t id = (size_t)rd(x + p, 2), len = (size_t)rd(x + p + 2, 2);
        if (len > xlen - p - 4)
            break;
        if (id == 1) {
            if (len < 8 * (size_t)nvals)
                return entry_fail(z, e, LAVIN_EFORMAT, "zip64 extra field is too short");
            for (int i = 0; i < nvals; i++)
                *vals[i] = rd(x + p + 4 + 8 * i, 8);
            return 0;
        }
        p += 4 + len;
    }
    return entry_fail(z, e, LAVIN_EFORMAT, "zip64 extra field is missing");
}

static int read_entry(zip *z, const uint8_t *c, size_t room, zip_entry *e, size_t *used)
{
    if (room < 46 || rd(c, 4) != ZIP_CENTRAL_SIG)
        return zfail(z, LAVIN_EFORMAT, "zip central directory entry is damaged");
    size_t nlen = (size_t)rd(c + 28, 2), xlen = (size_t)rd(c + 30, 2), clen = (size_t)rd(c + 32, 2);
    if (46 + nlen + xlen + clen > room)
        return zfail(z, LAVIN_EFORMAT, "zip central directory entry runs past the directory");
    e->name = (const char *)c + 46;
    e->name_len = nlen;
    *used = 46 + nlen + xlen + clen;
    unsigned flags = (unsigned)rd(c + 8, 2), method = (unsigned)rd(c + 10, 2);
    if (flags & 1)
        return entry_fail(z, e, LAVIN_EUNSUPPORTED, "is encrypted");
    if (method) {
        char msg[96];
        snprintf(msg, sizeof(msg), "is compressed (method %u); only stored entries are read", method);
        return entry_fail(z, e, LAVIN_EUNSUPPORTED, msg);
    }
    e->crc = (uint32_t)rd(c + 16, 4);
    uint64_t csize = rd(c + 20, 4), usize = rd(c + 24, 4), off = rd(c + 42, 4);
    uint64_t *vals[3];
    int nv = 0;
    if (usize == 0xffffffffu)
        vals[nv++] = &usize;
    if (csize == 0xffffffffu)
        vals[nv++] = &csize;
    if (off == 0xffffffffu)
        vals[nv++] = &off;
    if (nv)
        LAVIN_TRY(zip64_extra(z, e, c + 46 + nlen, xlen, vals, nv));
    if (csize != usize)
        return entry_fail(z, e, LAVIN_EFORMAT, "stored entry sizes differ");
    /* The local header repeats the name; its extra field (torch pads it to
     * align the data to 64 bytes) sets where the data starts. */
    if (off > z->cd_off || z->cd_off - off < 30 || rd(z->d + off, 4) != ZIP_LOCAL_SIG)
        return entry_fail(z, e, LAVIN_EFORMAT, "local header is missing");
    const uint8_t *l = z->d + off;
    uint64_t lname = rd(l + 26, 2), lx = rd(l + 28, 2);
    if (lname != nlen || 30 + lname + lx > z->cd_off - off || memcmp(l + 30, e->name, nlen))
        return entry_fail(z, e, LAVIN_EFORMAT, "local header does not match the directory");
    e->data_off = off + 30 + lname + lx;
    if (usize > z->cd_off - e->data_off)
        return entry_fail(z, e, LAVIN_EFORMAT, "data runs past the central directory");
    e->size = usize;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    const zip_entry *x = a, *y = b;
    int c = memcmp(x->name, y->name, x->name_len < y->name_len ? x->name_len : y->name_len);
    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static int read_directory(zip *z)
{
    uint64_t cd_size = 0, count = 0;
    LAVIN_TRY(find_directory(z, &z->cd_off, &cd_size, &count));
    z->e = calloc(count ? (size_t)count : 1, sizeof(*z->e));
    if (!z->e)
        return zfail(z, LAVIN_ENOMEM, "out of memory");
    uint64_t at = z->cd_off, end = z->cd_off + cd_size;
    for (z->n = 0; z->n < count; z->n++) {
        size_t used = 0;
        LAVIN_TRY(read_entry(z, z->d + at, (size_t)(end - at), &z->e[z->n], &used));
        at += used;
    }
    qsort(z->e, z->n, sizeof(*z->e), by_name);
    for (size_t i = 1; i < z->n; i++)
        if (!by_name(&z->e[i - 1], &z->e[i]))
            return entry_fail(z, &z->e[i], LAVIN_EFORMAT, "appears twice");
    return 0;
}

static zip_entry *zip_find(const zip *z, const char *name, size_t len)
{
    zip_entry key = { .name = name, .name_len = len };
    return bsearch(&key, z->e, z->n, sizeof(*z->e), by_name);
}

static int zip_data(zip *z, zip_entry *e, const uint8_t **data)
{
    if (z->verify_crc && !e->crc_checked) {
        if (crc32_of(z, z->d + e->data_off, e->size) != e->crc)
            return entry_fail(z, e, LAVIN_EFORMAT, "CRC-32 mismatch (corrupt file)");
        e->crc_checked = 1;
    }
    *data = z->d + e->data_off;
    return 0;
}

/* The one "<top>/data.pkl": torch names the top folder after the file it
 * saved to, so it cannot be guessed from the name we were given. */
static int find_top(const zip *z, const char **top, size_t *top_len)
{
    static const char tail[] = "/data.pkl";
    const size_t tl = sizeof(tail) - 1;
    size_t found = 0;
    for (size_t i = 0; i < z->n; i++) {
        const zip_entry *e = &z->e[i];
        if (e->name_len <= tl || memcmp(e->name + e->name_len - tl, tail, tl) ||
            memchr(e->name, '/', e->name_len - tl))
            continue;
        *top = e->name;
        *top_len = e->name_len - tl;
        found++;
    }
    if (found != 1)
        return zfail(z, LAVIN_EFORMAT, found ? "zip holds several top-level data.pkl records"
                                             : "zip has no <folder>/data.pkl: not a torch.save checkpoint");
    return 0;
}

/* "<top>/<rest>", looked up; NULL when absent. */
static zip_entry *find_record(zip *z, const char *top, size_t top_len, const char *rest)
{
    size_t rl = strlen(rest);
    char *name = malloc(top_len + 1 + rl);
    if (!name)
        return NULL;
    memcpy(name, top, top_len);
    name[top_len] = '/';
    memcpy(name + top_len + 1, rest, rl);
    zip_entry *e = zip_find(z, name, top_len + 1 + rl);
    free(name);
    return e;
}

static int check_byteorder(zip *z, const char *top, size_t top_len)
{
    zip_entry *e = find_record(z, top, top_len, "byteorder");
    const uint8_t *d = NULL;
    if (!e)
        return 0;   /* torch before 2.1 wrote none, and only little-endian */
    LAVIN_TRY(zip_data(z, e, &d));
    if (e->size != 6 || memcmp(d, "little", 6))
        return zfail(z, LAVIN_EUNSUPPORTED, "byteorder is not 'little'");
    return 0;
}

static int tensor_fail(const zip *z, const lavin_pkl_tensor *t, int code, const char *what)
{
    char q[96];
    return lavin_err_buf(z->err, z->err_size, code, "%s: tensor '%s': %s", z->file,
                         lavin_ckpt_quote(t->name, (size_t)-1, q, sizeof(q)), what);
}

/* Index one past the last element the view reads, or -1 when it would
 * leave the storage. */
static int64_t view_extent(const lavin_pkl_tensor *t)
{
    uint64_t last = (uint64_t)t->offset;
    for (int d = 0; d < t->ndim; d++) {
        if (!t->shape[d])
            return t->offset <= t->storage_numel ? t->offset : -1;
        uint64_t span = (uint64_t)t->shape[d] - 1;
        if (span && (uint64_t)t->stride[d] > LAVIN_CKPT_MAX_BYTES / span)
            return -1;
        last += span * (uint64_t)t->stride[d];
    }
    return last < (uint64_t)t->storage_numel ? (int64_t)last + 1 : -1;
}

static int is_contiguous(const lavin_pkl_tensor *t)
{
    int64_t expect = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != expect)
            return 0;
        expect *= t->shape[d];
    }
    return 1;
}

static void gather(uint8_t *dst, const uint8_t *src, const lavin_pkl_tensor *t, uint64_t count)
{
    int64_t idx[LAVIN_MAX_DIMS] = { 0 };
    int64_t off = 0;
    for (uint64_t k = 0; k < count; k++) {
        memcpy(dst + k * t->elsize, src + (uint64_t)off * t->elsize, t->elsize);
        for (int d = t->ndim - 1; d >= 0; d--) {
            off += t->stride[d];
            if (++idx[d] < t->shape[d])
                break;
            off -= t->stride[d] * t->shape[d];
            idx[d] = 0;
        }
    }
}

/* Points t into its storage record, or copies it when the stored view is
 * not contiguous. *copied counts the bytes copied so far: a hostile file
 * could otherwise ask for many views of one storage. */
static int add_tensor(zip *z, const char *top, size_t top_len, const lavin_pkl_tensor *t,
                      lavin_ckpt_set *out, uint64_t *copied)
{
    char rest[300], msg[400];
    if (strlen(t->key) > 256)
        return tensor_fail(z, t, LAVIN_EFORMAT, "storage key is too long");
    snprintf(rest, sizeof(rest), "data/%s", t->key);
    zip_entry *e = find_record(z, top, top_len, rest);
    char q[96];
    lavin_ckpt_quote(rest, (size_t)-1, q, sizeof(q));
    if (!e) {
        snprintf(msg, sizeof(msg), "storage record '%s' is missing", q);
        return tensor_fail(z, t, LAVIN_EFORMAT, msg);
    }
    uint64_t storage_bytes = (uint64_t)t->storage_numel * t->elsize, nbytes;
    if (e->size != storage_bytes) {
        snprintf(msg, sizeof(msg), "storage record '%s' holds %llu bytes, not %lld elements of %zu",
                 q, (unsigned long long)e->size, (long long)t->storage_numel, t->elsize);
        return tensor_fail(z, t, LAVIN_EFORMAT, msg);
    }
    if (lavin_ckpt_shape_bytes(t->ndim, t->shape, t->elsize, &nbytes) < 0)
        return tensor_fail(z, t, LAVIN_EFORMAT, "shape is too large");
    if (view_extent(t) < 0)
        return tensor_fail(z, t, LAVIN_EFORMAT, "view (offset, size, stride) reaches outside its storage");
    const uint8_t *base = NULL;
    LAVIN_TRY(zip_data(z, e, &base));
    const void *data = base + (uint64_t)t->offset * t->elsize;
    if (nbytes && !is_contiguous(t)) {
        if (nbytes > storage_bytes)
            return tensor_fail(z, t, LAVIN_EUNSUPPORTED,
                               "overlapping (expanded) view; save it with .contiguous()");
        *copied += nbytes;
        if (*copied > z->size)
            return tensor_fail(z, t, LAVIN_EUNSUPPORTED,
                               "copies of non-contiguous views would exceed the file size");
        uint8_t *copy = lavin_ckpt_set_alloc(out, (size_t)nbytes);
        if (!copy)
            return zfail(z, LAVIN_ENOMEM, "out of memory");
        gather(copy, data, t, nbytes / t->elsize);
        data = copy;
    }
    if (lavin_ckpt_set_add(out, t->name, strlen(t->name), t->dtype, t->ndim, t->shape, data, nbytes) < 0)
        return zfail(z, LAVIN_ENOMEM, "out of memory");
    return 0;
}

static int parse_archive(zip *z, lavin_ckpt_set *out)
{
    const char *top = NULL;
    size_t top_len = 0;
    LAVIN_TRY(read_directory(z));
    LAVIN_TRY(find_top(z, &top, &top_len));
    LAVIN_TRY(check_byteorder(z, top, top_len));
    zip_entry *pkl = find_record(z, top, top_len, "data.pkl");
    const uint8_t *pd = NULL;
    if (!pkl)
        return zfail(z, LAVIN_ENOMEM, "out of memory");
    LAVIN_TRY(zip_data(z, pkl, &pd));
    lavin_pkl_tensor *t = NULL;
    size_t n = 0;
    LAVIN_TRY(lavin_pickle_state_dict(pd, (size_t)pkl->size, z->file, &t, &n, z->err, z->err_size));
    int r = 0;
    uint64_t copied = 0;
    for (size_t i = 0; i < n && r >= 0; i++)
        r = add_tensor(z, top, top_len, &t[i], out, &copied);
    lavin_pickle_free(t, n);
    if (r >= 0) {
        const lavin_ckpt_tensor **idx;
        r = lavin_ckpt_index(out->tensors, out->count, &idx, z->file, z->err, z->err_size);
        if (r >= 0)
            free(idx);
    }
    return r;
}

int lavin_torchzip_parse(const uint8_t *data, size_t size, const char *file, int verify_crc,
                         lavin_ckpt_set *out, char *err, size_t err_size)
{
    zip z = { .d = data, .size = size, .file = file, .err = err, .err_size = err_size,
              .verify_crc = verify_crc };
    crc_init(&z);
    int r = parse_archive(&z, out);
    free(z.e);
    return r;
}
