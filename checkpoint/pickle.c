#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_set.h"
#include "core/error.h"
#include "checkpoint/pickle.h"

/* Real state dicts memoize a few objects per tensor; this bounds the memo
 * table a hostile index could make us allocate. */
#define PK_MAX_MEMO (1u << 22)

typedef enum pk_kind {
    PK_NONE, PK_BOOL, PK_INT, PK_FLOAT, PK_STR, PK_TUPLE, PK_LIST, PK_DICT,
    PK_GLOBAL, PK_STORAGE, PK_TENSOR,
} pk_kind;

static const char *const pk_kind_names[] = {
    "None", "bool", "int", "float", "string", "tuple", "list", "dict",
    "global", "storage", "tensor",
};

typedef enum pk_global { G_ORDERED_DICT, G_REBUILD_TENSOR_V2, G_REBUILD_PARAMETER, G_STORAGE } pk_global;

/* Storage types torch can name; only the first three (elsize > 0) are read,
 * the others are known so that the error can name the tensor. */
static const struct {
    const char *name;
    lavin_dtype dtype;
    size_t elsize;
} pk_storages[] = {
    { "FloatStorage", LAVIN_F32, 4 }, { "HalfStorage", LAVIN_F16, 2 }, { "BFloat16Storage", LAVIN_BF16, 2 },
    { "DoubleStorage", LAVIN_F32, 0 }, { "LongStorage", LAVIN_F32, 0 }, { "IntStorage", LAVIN_F32, 0 },
    { "ShortStorage", LAVIN_F32, 0 }, { "CharStorage", LAVIN_F32, 0 }, { "ByteStorage", LAVIN_F32, 0 },
    { "BoolStorage", LAVIN_F32, 0 }, { "ComplexFloatStorage", LAVIN_F32, 0 },
    { "ComplexDoubleStorage", LAVIN_F32, 0 }, { "QInt8Storage", LAVIN_F32, 0 },
    { "QUInt8Storage", LAVIN_F32, 0 }, { "QInt32Storage", LAVIN_F32, 0 },
};

typedef struct pk_obj pk_obj;
struct pk_obj {
    pk_kind kind;
    pk_obj *all_next;                  /* every object, for the final free */
    int64_t i;                         /* BOOL, INT; STORAGE: numel */
    char *s;                           /* STR; STORAGE: key */
    size_t len;
    pk_obj **items;                    /* TUPLE, LIST; DICT: key, value, ... */
    size_t n, cap;
    pk_global global;                  /* GLOBAL */
    int storage;                       /* GLOBAL, STORAGE: index in pk_storages */
    const pk_obj *tensor_storage;      /* TENSOR */
    int64_t offset;
    int ndim;
    int64_t shape[LAVIN_MAX_DIMS], stride[LAVIN_MAX_DIMS];
};

typedef struct pk {
    const uint8_t *d;
    size_t size, pos, op_pos;
    const char *file;
    char *err;
    size_t err_size;
    pk_obj *all;
    pk_obj **stack;
    size_t sp, stack_cap;
    size_t *marks;
    size_t nmarks, marks_cap;
    pk_obj **memo;
    size_t memo_cap, memo_count;
} pk;

static int pk_fail(pk *p, int code, const char *fmt, ...) LAVIN_PRINTF(3, 4);
static int pk_fail(pk *p, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return lavin_err_buf(p->err, p->err_size, code, "%s: data.pkl: %s (opcode at byte %zu)", p->file,
                         msg, p->op_pos);
}

static int pk_oom(pk *p)
{
    return lavin_err_buf(p->err, p->err_size, LAVIN_ENOMEM, "%s: out of memory", p->file);
}

static int pk_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*arr, n * elem);
    if (!q)
        return LAVIN_ENOMEM;
    *arr = q;
    *cap = n;
    return 0;
}

static pk_obj *pk_new(pk *p, pk_kind kind)
{
    pk_obj *o = calloc(1, sizeof(*o));
    if (!o)
        return NULL;
    o->kind = kind;
    o->all_next = p->all;
    p->all = o;
    return o;
}

static int pk_push(pk *p, pk_obj *o)
{
    if (!o || pk_grow((void **)&p->stack, &p->stack_cap, p->sp + 1, sizeof(*p->stack)) < 0)
        return pk_oom(p);
    p->stack[p->sp++] = o;
    return 0;
}

static size_t pk_fence(const pk *p)
{
    return p->nmarks ? p->marks[p->nmarks - 1] : 0;
}

static int pk_pop(pk *p, pk_obj **o)
{
    if (p->sp <= pk_fence(p))
        return pk_fail(p, LAVIN_EFORMAT, "stack underflow");
    *o = p->stack[--p->sp];
    return 0;
}

/* The objects above the last mark, which is removed. */
static int pk_pop_mark(pk *p, size_t *start)
{
    if (!p->nmarks)
        return pk_fail(p, LAVIN_EFORMAT, "no MARK to pop to");
    *start = p->marks[--p->nmarks];
    return 0;
}

static int pk_append(pk *p, pk_obj *c, pk_obj *o)
{
    if (pk_grow((void **)&c->items, &c->cap, c->n + 1, sizeof(*c->items)) < 0)
        return pk_oom(p);
    c->items[c->n++] = o;
    return 0;
}

static int pk_read(pk *p, size_t n, const uint8_t **out)
{
    if (n > p->size - p->pos)
        return pk_fail(p, LAVIN_EFORMAT, "truncated: needs %zu more bytes", n);
    *out = p->d + p->pos;
    p->pos += n;
    return 0;
}

static uint64_t pk_le(const uint8_t *b, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static int pk_simple(pk *p, pk_kind kind, int64_t v)
{
    pk_obj *o = pk_new(p, kind);
    if (o)
        o->i = v;
    return pk_push(p, o);
}

/* LONG1/LONG4: little-endian two's complement; a state dict never needs
 * more than 64 bits. */
static int pk_long(pk *p, size_t n)
{
    const uint8_t *b = NULL;
    if (n > 8)
        return pk_fail(p, LAVIN_EUNSUPPORTED, "integer of %zu bytes is too large", n);
    LAVIN_TRY(pk_read(p, n, &b));
    uint64_t v = n ? pk_le(b, (int)n) : 0;
    if (n && n < 8 && (b[n - 1] & 0x80))
        v |= ~(uint64_t)0 << (8 * n);
    return pk_simple(p, PK_INT, (int64_t)v);
}

/* Floats only occur as values a state dict does not need; skip the bits. */
static int pk_float(pk *p)
{
    const uint8_t *b = NULL;
    LAVIN_TRY(pk_read(p, 8, &b));
    return pk_simple(p, PK_FLOAT, 0);
}

static int pk_string(pk *p, size_t len_bytes)
{
    const uint8_t *b = NULL, *s = NULL;
    LAVIN_TRY(pk_read(p, len_bytes, &b));
    uint64_t n = pk_le(b, (int)len_bytes);
    if (n > p->size - p->pos)
        return pk_fail(p, LAVIN_EFORMAT, "string of %llu bytes runs past the end", (unsigned long long)n);
    LAVIN_TRY(pk_read(p, (size_t)n, &s));
    pk_obj *o = pk_new(p, PK_STR);
    if (!o || !(o->s = malloc((size_t)n + 1)))
        return pk_oom(p);
    memcpy(o->s, s, (size_t)n);
    o->s[n] = 0;
    o->len = (size_t)n;
    return pk_push(p, o);
}

static int pk_global_obj(pk *p, const char *mod, size_t mod_len, const char *name, size_t name_len)
{
    pk_obj *o = pk_new(p, PK_GLOBAL);
    if (!o)
        return pk_oom(p);
#define IS(str, len, lit) ((len) == sizeof(lit) - 1 && !memcmp((str), (lit), (len)))
    if (IS(mod, mod_len, "collections") && IS(name, name_len, "OrderedDict"))
        o->global = G_ORDERED_DICT;
    else if (IS(mod, mod_len, "torch._utils") && IS(name, name_len, "_rebuild_tensor_v2"))
        o->global = G_REBUILD_TENSOR_V2;
    else if (IS(mod, mod_len, "torch._utils") && IS(name, name_len, "_rebuild_parameter"))
        o->global = G_REBUILD_PARAMETER;
    else {
        o->storage = -1;
        for (size_t i = 0; IS(mod, mod_len, "torch") && i < sizeof(pk_storages) / sizeof(pk_storages[0]); i++)
            if (name_len == strlen(pk_storages[i].name) && !memcmp(name, pk_storages[i].name, name_len))
                o->storage = (int)i;
        if (o->storage < 0) {
            char qm[64], qn[64];
            return pk_fail(p, LAVIN_EUNSUPPORTED, "global '%s.%s' is not allowed in a state dict",
                           lavin_ckpt_quote(mod, mod_len, qm, sizeof(qm)),
                           lavin_ckpt_quote(name, name_len, qn, sizeof(qn)));
        }
        o->global = G_STORAGE;
    }
#undef IS
    return pk_push(p, o);
}

/* GLOBAL: "module\nname\n". */
static int pk_global_line(pk *p)
{
    const char *line[2];
    size_t len[2];
    for (int k = 0; k < 2; k++) {
        const uint8_t *start = p->d + p->pos;
        const uint8_t *nl = memchr(start, '\n', p->size - p->pos);
        if (!nl)
            return pk_fail(p, LAVIN_EFORMAT, "GLOBAL without a newline");
        line[k] = (const char *)start;
        len[k] = (size_t)(nl - start);
        p->pos += len[k] + 1;
    }
    return pk_global_obj(p, line[0], len[0], line[1], len[1]);
}

static int pk_stack_global(pk *p)
{
    pk_obj *mod = NULL, *name = NULL;
    LAVIN_TRY(pk_pop(p, &name));
    LAVIN_TRY(pk_pop(p, &mod));
    if (mod->kind != PK_STR || name->kind != PK_STR)
        return pk_fail(p, LAVIN_EFORMAT, "STACK_GLOBAL needs two strings");
    return pk_global_obj(p, mod->s, mod->len, name->s, name->len);
}

static int pk_memo_put(pk *p, uint64_t idx)
{
    if (!p->sp)
        return pk_fail(p, LAVIN_EFORMAT, "memoizing an empty stack");
    if (idx >= PK_MAX_MEMO)
        return pk_fail(p, LAVIN_EFORMAT, "memo index %llu is too large", (unsigned long long)idx);
    size_t old = p->memo_cap;
    if (pk_grow((void **)&p->memo, &p->memo_cap, (size_t)idx + 1, sizeof(*p->memo)) < 0)
        return pk_oom(p);
    memset(p->memo + old, 0, (p->memo_cap - old) * sizeof(*p->memo));
    p->memo_count += !p->memo[idx];
    p->memo[idx] = p->stack[p->sp - 1];
    return 0;
}

static int pk_memo_get(pk *p, uint64_t idx)
{
    if (idx >= p->memo_cap || !p->memo[idx])
        return pk_fail(p, LAVIN_EFORMAT, "memo entry %llu was never stored", (unsigned long long)idx);
    return pk_push(p, p->memo[idx]);
}

/* Builds a tuple of the stack above start (the mark) and removes them. */
static int pk_tuple_from(pk *p, size_t start)
{
    pk_obj *t = pk_new(p, PK_TUPLE);
    if (!t)
        return pk_oom(p);
    for (size_t i = start; i < p->sp; i++)
        LAVIN_TRY(pk_append(p, t, p->stack[i]));
    p->sp = start;
    return pk_push(p, t);
}

static int pk_tuple_n(pk *p, size_t n)
{
    if (p->sp < pk_fence(p) + n)
        return pk_fail(p, LAVIN_EFORMAT, "stack underflow");
    return pk_tuple_from(p, p->sp - n);
}

static int pk_appends(pk *p, size_t start)
{
    if (start == 0)
        return pk_fail(p, LAVIN_EFORMAT, "APPENDS without a list");
    pk_obj *list = p->stack[start - 1];
    if (list->kind != PK_LIST)
        return pk_fail(p, LAVIN_EFORMAT, "appending to a value of type %s", pk_kind_names[list->kind]);
    for (size_t i = start; i < p->sp; i++)
        LAVIN_TRY(pk_append(p, list, p->stack[i]));
    p->sp = start;
    return 0;
}

static int pk_setitems(pk *p, size_t start)
{
    if (start == 0 || (p->sp - start) % 2)
        return pk_fail(p, LAVIN_EFORMAT, "SETITEMS without a dict or with an odd item count");
    pk_obj *dict = p->stack[start - 1];
    if (dict->kind != PK_DICT)
        return pk_fail(p, LAVIN_EFORMAT, "setting items on a value of type %s", pk_kind_names[dict->kind]);
    for (size_t i = start; i < p->sp; i++)
        LAVIN_TRY(pk_append(p, dict, p->stack[i]));
    p->sp = start;
    return 0;
}

/* The tuple (size or stride) of non-negative ints into v. */
static int pk_dims(pk *p, const pk_obj *t, int64_t *v, int *n, const char *what)
{
    if (t->kind != PK_TUPLE)
        return pk_fail(p, LAVIN_EFORMAT, "tensor %s has type %s, not tuple", what, pk_kind_names[t->kind]);
    if (t->n > LAVIN_MAX_DIMS)
        return pk_fail(p, LAVIN_EUNSUPPORTED, "tensor with %zu dimensions (at most %d)", t->n, LAVIN_MAX_DIMS);
    for (size_t i = 0; i < t->n; i++) {
        if (t->items[i]->kind != PK_INT || t->items[i]->i < 0 ||
            (uint64_t)t->items[i]->i > LAVIN_CKPT_MAX_BYTES)
            return pk_fail(p, LAVIN_EFORMAT, "tensor %s holds an invalid value", what);
        v[i] = t->items[i]->i;
    }
    *n = (int)t->n;
    return 0;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 * backward_hooks[, metadata]) */
static int pk_rebuild_tensor(pk *p, const pk_obj *args)
{
    if (args->n != 6 && args->n != 7)
        return pk_fail(p, LAVIN_EFORMAT, "_rebuild_tensor_v2 with %zu arguments", args->n);
    const pk_obj *st = args->items[0], *off = args->items[1];
    if (st->kind != PK_STORAGE)
        return pk_fail(p, LAVIN_EFORMAT, "tensor storage has type %s", pk_kind_names[st->kind]);
    if (off->kind != PK_INT || off->i < 0 || (uint64_t)off->i > LAVIN_CKPT_MAX_BYTES)
        return pk_fail(p, LAVIN_EFORMAT, "tensor storage offset is invalid");
    pk_obj *t = pk_new(p, PK_TENSOR);
    if (!t)
        return pk_oom(p);
    int nstride;
    LAVIN_TRY(pk_dims(p, args->items[2], t->shape, &t->ndim, "size"));
    LAVIN_TRY(pk_dims(p, args->items[3], t->stride, &nstride, "stride"));
    if (nstride != t->ndim)
        return pk_fail(p, LAVIN_EFORMAT, "tensor has %d sizes but %d strides", t->ndim, nstride);
    t->tensor_storage = st;
    t->offset = off->i;
    return pk_push(p, t);
}

static int pk_reduce(pk *p)
{
    pk_obj *args = NULL, *fn = NULL;
    LAVIN_TRY(pk_pop(p, &args));
    LAVIN_TRY(pk_pop(p, &fn));
    if (fn->kind != PK_GLOBAL || args->kind != PK_TUPLE)
        return pk_fail(p, LAVIN_EFORMAT, "REDUCE of type %s with arguments of type %s", pk_kind_names[fn->kind],
                       pk_kind_names[args->kind]);
    switch (fn->global) {
    case G_ORDERED_DICT:
        if (args->n)
            return pk_fail(p, LAVIN_EUNSUPPORTED, "OrderedDict built from arguments");
        return pk_push(p, pk_new(p, PK_DICT));
    case G_REBUILD_TENSOR_V2:
        return pk_rebuild_tensor(p, args);
    case G_REBUILD_PARAMETER:
        /* (data, requires_grad, backward_hooks): the parameter is its data. */
        if (args->n != 3 || args->items[0]->kind != PK_TENSOR)
            return pk_fail(p, LAVIN_EFORMAT, "_rebuild_parameter without a tensor");
        return pk_push(p, args->items[0]);
    case G_STORAGE:
        break;
    }
    return pk_fail(p, LAVIN_EUNSUPPORTED, "calling torch.%s", pk_storages[fn->storage].name);
}

/* BINPERSID: ('storage', storage type, key, location, numel). */
static int pk_persid(pk *p)
{
    pk_obj *pid = NULL;
    LAVIN_TRY(pk_pop(p, &pid));
    pk_obj **it = pid->items;
    if (pid->kind != PK_TUPLE || pid->n != 5 || it[0]->kind != PK_STR || strcmp(it[0]->s, "storage") ||
        it[1]->kind != PK_GLOBAL || it[1]->global != G_STORAGE || it[2]->kind != PK_STR ||
        it[3]->kind != PK_STR || it[4]->kind != PK_INT || it[4]->i < 0 ||
        (uint64_t)it[4]->i > LAVIN_CKPT_MAX_BYTES)
        return pk_fail(p, LAVIN_EFORMAT, "persistent id is not a torch storage reference");
    pk_obj *s = pk_new(p, PK_STORAGE);
    if (!s)
        return pk_oom(p);
    s->storage = it[1]->storage;
    s->s = it[2]->s;     /* shared with the key string, which outlives it */
    s->len = it[2]->len;
    s->i = it[4]->i;
    return pk_push(p, s);
}

/* BUILD sets attributes; torch only sets _metadata on state dicts, which
 * carries module versions that nothing here needs. */
static int pk_build(pk *p)
{
    pk_obj *state = NULL;
    LAVIN_TRY(pk_pop(p, &state));
    if (p->sp <= pk_fence(p))
        return pk_fail(p, LAVIN_EFORMAT, "stack underflow");
    const pk_obj *target = p->stack[p->sp - 1];
    if (target->kind != PK_DICT || state->kind != PK_DICT)
        return pk_fail(p, LAVIN_EUNSUPPORTED, "BUILD of type %s with state of type %s", pk_kind_names[target->kind],
                       pk_kind_names[state->kind]);
    return 0;
}

/* One opcode; *done is set by STOP. */
static int pk_step(pk *p, int *done)
{
    const uint8_t *b = NULL;
    size_t start = 0;
    pk_obj *o = NULL;
    p->op_pos = p->pos;
    uint8_t op = p->d[p->pos++];
    switch (op) {
    case 0x80: /* PROTO */
        LAVIN_TRY(pk_read(p, 1, &b));
        if (b[0] > 5)
            return pk_fail(p, LAVIN_EUNSUPPORTED, "pickle protocol %d", b[0]);
        return 0;
    case 0x95: /* FRAME: framing is a hint for buffered readers */
        return pk_read(p, 8, &b);
    case '.': *done = 1; return 0;
    case '(':
        if (pk_grow((void **)&p->marks, &p->marks_cap, p->nmarks + 1, sizeof(*p->marks)) < 0)
            return pk_oom(p);
        p->marks[p->nmarks++] = p->sp;
        return 0;
    case '0': return pk_pop(p, &o);
    case '1': LAVIN_TRY(pk_pop_mark(p, &start)); p->sp = start; return 0;
    case '2':
        if (p->sp <= pk_fence(p))
            return pk_fail(p, LAVIN_EFORMAT, "stack underflow");
        return pk_push(p, p->stack[p->sp - 1]);
    case 'N': return pk_simple(p, PK_NONE, 0);
    case 0x88: return pk_simple(p, PK_BOOL, 1);
    case 0x89: return pk_simple(p, PK_BOOL, 0);
    case 'J': LAVIN_TRY(pk_read(p, 4, &b)); return pk_simple(p, PK_INT, (int32_t)(uint32_t)pk_le(b, 4));
    case 'K': LAVIN_TRY(pk_read(p, 1, &b)); return pk_simple(p, PK_INT, b[0]);
    case 'M': LAVIN_TRY(pk_read(p, 2, &b)); return pk_simple(p, PK_INT, (int64_t)pk_le(b, 2));
    case 0x8a: LAVIN_TRY(pk_read(p, 1, &b)); return pk_long(p, b[0]);
    case 0x8b: LAVIN_TRY(pk_read(p, 4, &b)); return pk_long(p, (size_t)pk_le(b, 4));
    case 'G': return pk_float(p);
    case 0x8c: return pk_string(p, 1);
    case 'X': return pk_string(p, 4);
    case 0x8d: return pk_string(p, 8);
    case ')': return pk_simple(p, PK_TUPLE, 0);
    case 't': LAVIN_TRY(pk_pop_mark(p, &start)); return pk_tuple_from(p, start);
    case 0x85: return pk_tuple_n(p, 1);
    case 0x86: return pk_tuple_n(p, 2);
    case 0x87: return pk_tuple_n(p, 3);
    case ']': return pk_simple(p, PK_LIST, 0);
    case 'l':
        LAVIN_TRY(pk_pop_mark(p, &start));
        LAVIN_TRY(pk_tuple_from(p, start));
        p->stack[p->sp - 1]->kind = PK_LIST;
        return 0;
    case 'a':
        if (p->sp < pk_fence(p) + 2)
            return pk_fail(p, LAVIN_EFORMAT, "stack underflow");
        return pk_appends(p, p->sp - 1);
    case 'e': LAVIN_TRY(pk_pop_mark(p, &start)); return pk_appends(p, start);
    case '}': return pk_simple(p, PK_DICT, 0);
    case 'd':
        LAVIN_TRY(pk_pop_mark(p, &start));
        if ((p->sp - start) % 2)
            return pk_fail(p, LAVIN_EFORMAT, "DICT with an odd item count");
        LAVIN_TRY(pk_tuple_from(p, start));
        p->stack[p->sp - 1]->kind = PK_DICT;
        return 0;
    case 's':
        if (p->sp < pk_fence(p) + 3)
            return pk_fail(p, LAVIN_EFORMAT, "stack underflow");
        return pk_setitems(p, p->sp - 2);
    case 'u': LAVIN_TRY(pk_pop_mark(p, &start)); return pk_setitems(p, start);
    case 'q': LAVIN_TRY(pk_read(p, 1, &b)); return pk_memo_put(p, b[0]);
    case 'r': LAVIN_TRY(pk_read(p, 4, &b)); return pk_memo_put(p, pk_le(b, 4));
    case 0x94: return pk_memo_put(p, p->memo_count);
    case 'h': LAVIN_TRY(pk_read(p, 1, &b)); return pk_memo_get(p, b[0]);
    case 'j': LAVIN_TRY(pk_read(p, 4, &b)); return pk_memo_get(p, pk_le(b, 4));
    case 'c': return pk_global_line(p);
    case 0x93: return pk_stack_global(p);
    case 'R': return pk_reduce(p);
    case 'b': return pk_build(p);
    case 'Q': return pk_persid(p);
    default:
        break;
    }
    if (op >= 0x20 && op < 0x7f)
        return pk_fail(p, LAVIN_EUNSUPPORTED, "opcode '%c' is not supported", op);
    return pk_fail(p, LAVIN_EUNSUPPORTED, "opcode 0x%02x is not supported", op);
}

static const pk_obj *pk_dict_get(const pk_obj *dict, const char *key)
{
    for (size_t i = 0; i + 1 < dict->n; i += 2)
        if (dict->items[i]->kind == PK_STR && !strcmp(dict->items[i]->s, key))
            return dict->items[i + 1];
    return NULL;
}

static int pk_entry(pk *p, const pk_obj *key, const pk_obj *val, lavin_pkl_tensor *t)
{
    char q[96];
    if (key->kind != PK_STR || memchr(key->s, 0, key->len) || !key->len)
        return lavin_err_buf(p->err, p->err_size, LAVIN_EFORMAT,
                             "%s: state dict key has type %s, not non-empty string", p->file,
                             key->kind == PK_STR ? "string (empty or with a NUL byte)" : pk_kind_names[key->kind]);
    lavin_ckpt_quote(key->s, key->len, q, sizeof(q));
    if (val->kind != PK_TENSOR)
        return lavin_err_buf(p->err, p->err_size, LAVIN_EUNSUPPORTED,
                             "%s: state dict entry '%s' has type %s, not tensor", p->file, q,
                             pk_kind_names[val->kind]);
    const pk_obj *st = val->tensor_storage;
    if (!pk_storages[st->storage].elsize)
        return lavin_err_buf(p->err, p->err_size, LAVIN_EUNSUPPORTED,
                             "%s: tensor '%s': torch.%s is not supported (only float, half and bfloat16)",
                             p->file, q, pk_storages[st->storage].name);
    t->name = strdup(key->s);
    t->key = malloc(st->len + 1);
    if (!t->name || !t->key)
        return pk_oom(p);
    memcpy(t->key, st->s, st->len + 1);
    t->dtype = pk_storages[st->storage].dtype;
    t->elsize = pk_storages[st->storage].elsize;
    t->storage_numel = st->i;
    t->offset = val->offset;
    t->ndim = val->ndim;
    memcpy(t->shape, val->shape, sizeof(t->shape));
    memcpy(t->stride, val->stride, sizeof(t->stride));
    return 0;
}

static int pk_extract(pk *p, const pk_obj *root, lavin_pkl_tensor **out, size_t *count)
{
    if (root->kind != PK_DICT)
        return lavin_err_buf(p->err, p->err_size, LAVIN_EUNSUPPORTED,
                             "%s: data.pkl holds type %s, not a state dict", p->file, pk_kind_names[root->kind]);
    const pk_obj *sd = pk_dict_get(root, "state_dict");
    if (!sd || sd->kind != PK_DICT)
        sd = root;
    size_t n = sd->n / 2;
    lavin_pkl_tensor *t = calloc(n ? n : 1, sizeof(*t));
    if (!t)
        return pk_oom(p);
    *out = t;
    for (size_t i = 0; i < n; i++) {
        *count = i + 1;
        LAVIN_TRY(pk_entry(p, sd->items[2 * i], sd->items[2 * i + 1], &t[i]));
    }
    return 0;
}

void lavin_pickle_free(lavin_pkl_tensor *t, size_t count)
{
    for (size_t i = 0; t && i < count; i++) {
        free(t[i].name);
        free(t[i].key);
    }
    free(t);
}

int lavin_pickle_state_dict(const uint8_t *data, size_t size, const char *file,
                            lavin_pkl_tensor **out, size_t *count, char *err, size_t err_size)
{
    pk p = { .d = data, .size = size, .file = file, .err = err, .err_size = err_size };
    *out = NULL;
    *count = 0;
    int done = 0, r = 0;
    while (r >= 0 && !done && p.pos < p.size)
        r = pk_step(&p, &done);
    if (r >= 0 && !done)
        r = lavin_err_buf(err, err_size, LAVIN_EFORMAT, "%s: data.pkl ends without STOP", file);
    pk_obj *root = NULL;
    if (r >= 0) {
        p.op_pos = p.pos;
        r = pk_pop(&p, &root);
    }
    if (r >= 0)
        r = pk_extract(&p, root, out, count);
    if (r < 0) {
        lavin_pickle_free(*out, *count);
        *out = NULL;
        *count = 0;
    }
    for (pk_obj *o = p.all, *next; o; o = next) {
        next = o->all_next;
        if (o->kind == PK_STR)
            free(o->s);
        free(o->items);
        free(o);
    }
    free(p.stack);
    free(p.marks);
    free(p.memo);
    return r;
}
