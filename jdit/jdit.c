#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdit/jdit_internal.h"
#include "core/stream.h"
#include "checkpoint/weights.h"

static int want(lavin_jdit *m, const struct lavin_weights *w, const char *name, int64_t d0, int64_t d1,
                const lavin_tensor **out)
{
    const lavin_tensor *t = lavin_weights_get(w, name);
    char got[96];
    if (!t)
        return lavin_err(m->ctx, LAVIN_EFORMAT, "J-DiT weight '%s' is missing", name);
    int ok = d1 ? t->ndim == 2 && t->ne[0] == d0 && t->ne[1] == d1 : t->ndim == 1 && t->ne[0] == d0;
    if (!ok)
        return lavin_err(m->ctx, LAVIN_EFORMAT, "J-DiT weight '%s' is %s, expected [%lld%s%lld]", name,
                         lavin_tensor_describe(t, got, sizeof(got)), (long long)d0, d1 ? ", " : "",
                         d1 ? (long long)d1 : 0LL);
    *out = t;
    return 0;
}

#define WANT(name, d0, d1, dst)                                 \
    do {                                                        \
        snprintf(key, sizeof(key), "%s", name);                 \
        LAVIN_TRY(want(m, w, key, (d0), (d1), (dst)));          \
    } while (0)

static int stream_weights(lavin_jdit *m, const struct lavin_weights *w, int blk, int s)
{
    const lavin_jdit_dims *d = &m->d;
    const char *sn = s == JDIT_COND ? "cond" : "x";
    int64_t D = d->hidden, qw = (int64_t)d->heads * d->head_dim, kw = (int64_t)d->kv_heads * d->head_dim;
    jdit_stream_w *sw = &m->blocks[blk].s[s];
    char key[128], pre[64];
    snprintf(pre, sizeof(pre), "blocks.%d.", blk);
#define BW(suffix, d0, d1, dst)                                         \
    do {                                                                \
        snprintf(key, sizeof(key), "%s" suffix, pre, sn);               \
        LAVIN_TRY(want(m, w, key, (d0), (d1), (dst)));                  \
    } while (0)
    BW("joint_attn.%s_q.weight", qw, D, &sw->q);
    BW("joint_attn.%s_k.weight", kw, D, &sw->k);
    BW("joint_attn.%s_v.weight", kw, D, &sw->v);
    BW("joint_attn.%s_qnorm.weight", qw, 0, &sw->qnorm);
    BW("joint_attn.%s_knorm.weight", kw, 0, &sw->knorm);
    BW("joint_attn.%s_proj.weight", D, qw, &sw->proj);
    BW("%s_mlp.gate_proj.weight", d->mlp, D, &sw->gate);
    BW("%s_mlp.up_proj.weight", d->mlp, D, &sw->up);
    BW("%s_mlp.down_proj.weight", D, d->mlp, &sw->down);
    BW("%s_modulation.1.weight", 4 * D, D, &sw->mod_all_w);
    BW("%s_modulation.1.bias", 4 * D, 0, &sw->mod_all_b);
#undef BW
    for (int i = 0; i < 4; i++) {
        LAVIN_TRY(lavin_tensor_view(m->ctx, sw->mod_all_w, i * D * D, 2, (int64_t[]){ D, D }, &sw->mod_w[i]));
        LAVIN_TRY(lavin_tensor_view(m->ctx, sw->mod_all_b, i * D, 1, (int64_t[]){ D }, &sw->mod_b[i]));
    }
    return 0;
}

static int resolve(lavin_jdit *m, const struct lavin_weights *w)
{
    const lavin_jdit_dims *d = &m->d;
    int64_t D = d->hidden, pc = (int64_t)d->patch * d->patch * d->channels;
    char key[128];
    static const char *const emb[2] = { "cond_embedder", "x_embedder" };
    for (int s = 0; s < 2; s++) {
        snprintf(key, sizeof(key), "%s.0.weight", emb[s]);
        LAVIN_TRY(want(m, w, key, D, pc, &m->emb_w[s]));
        snprintf(key, sizeof(key), "%s.0.bias", emb[s]);
        LAVIN_TRY(want(m, w, key, D, 0, &m->emb_b[s]));
        snprintf(key, sizeof(key), "%s.1.weight", emb[s]);
        LAVIN_TRY(want(m, w, key, D, 0, &m->ln_w[s]));
        snprintf(key, sizeof(key), "%s.1.bias", emb[s]);
        LAVIN_TRY(want(m, w, key, D, 0, &m->ln_b[s]));
    }
    WANT("prompt_embed", 1, D, &m->prompt);
    WANT("answer_embed", 1, D, &m->answer);
    WANT("t_embedder.mlp.0.weight", D, 256, &m->t0_w);
    WANT("t_embedder.mlp.0.bias", D, 0, &m->t0_b);
    WANT("t_embedder.mlp.2.weight", D, D, &m->t2_w);
    WANT("t_embedder.mlp.2.bias", D, 0, &m->t2_b);
    WANT("final_layer.linear.weight", pc, D, &m->final_w);
    WANT("final_layer.linear.bias", pc, 0, &m->final_b);
    WANT("final_layer.adaLN_modulation.1.weight", D, D, &m->ada_w);
    WANT("final_layer.adaLN_modulation.1.bias", D, 0, &m->ada_b);
    for (int b = 0; b < d->depth; b++)
        for (int s = 0; s < 2; s++)
            LAVIN_TRY(stream_weights(m, w, b, s));
    return 0;
}

int lavin_jdit_dims_from_config(int hidden, int depth, int heads, int kv_group, int channels, int patch,
                                lavin_jdit_dims *d)
{
    if (hidden < 1 || heads < 1 || kv_group < 1 || heads % kv_group || hidden % heads)
        return LAVIN_EINVAL;
    *d = (lavin_jdit_dims){
        .hidden = hidden, .depth = depth, .heads = heads, .kv_heads = heads / kv_group,
        .head_dim = hidden / heads, .mlp = (int)((4.0 * hidden * 2 / 3) / 64) * 64,
        .channels = channels, .patch = patch,
    };
    return 0;
}

int lavin_jdit_create(lavin_context *ctx, const lavin_jdit_dims *dims, const struct lavin_weights *w,
                      lavin_jdit **out)
{
    *out = NULL;
    const lavin_jdit_dims *d = dims;
    if (d->hidden < 1 || d->depth < 1 || d->heads < 1 || d->kv_heads < 1 || d->heads % d->kv_heads ||
        d->head_dim * d->heads != d->hidden || d->head_dim % 6 || d->patch < 1 || d->channels < 1 || d->mlp < 1)
        return lavin_err(ctx, LAVIN_EINVAL,
                         "J-DiT config: hidden %d, heads %d, kv heads %d, head dim %d: heads must divide hidden, "
                         "kv heads divide heads, and the head dim be a multiple of 6",
                         d->hidden, d->heads, d->kv_heads, d->head_dim);
    lavin_jdit *m = calloc(1, sizeof(*m));
    if (!m)
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    m->ctx = ctx;
    m->d = *dims;
    m->blocks = calloc((size_t)d->depth, sizeof(*m->blocks));
    if (!m->blocks) {
        free(m);
        return lavin_err(ctx, LAVIN_ENOMEM, "out of host memory");
    }
    int ret = resolve(m, w);
    if (ret < 0) {
        lavin_jdit_destroy(&m);
        return ret;
    }
    *out = m;
    return 0;
}

void lavin_jdit_destroy(lavin_jdit **pm)
{
    lavin_jdit *m = *pm;
    if (!m)
        return;
    lavin_jdit_work_free(m);
    free(m->blocks);
    free(m);
    *pm = NULL;
}

const lavin_jdit_dims *lavin_jdit_get_dims(const lavin_jdit *m)
{
    return &m->d;
}

int lavin_jdit_set_rope_anchor(lavin_jdit *m, int anchor_h, int anchor_w)
{
    if (anchor_h < 0 || anchor_w < 0 || (anchor_h == 0) != (anchor_w == 0))
        return lavin_err(m->ctx, LAVIN_EINVAL, "J-DiT: RoPE anchor %d x %d tokens: both positive, or both 0",
                         anchor_h, anchor_w);
    m->rope_anchor[0] = anchor_h;
    m->rope_anchor[1] = anchor_w;
    return 0;
}

lavin_context *lavin_jdit_context(const lavin_jdit *m)
{
    return m->ctx;
}

uint64_t lavin_jdit_workspace_bytes(const lavin_jdit *m)
{
    return m->work.bytes;
}

void lavin_jdit_work_free(lavin_jdit *m)
{
    jdit_work *w = &m->work;
    lavin_stream_sync(m->ctx);
    for (size_t i = 0; i < JDIT_WORK_TENSORS; i++)
        lavin_tensor_free(m->ctx, &w->all[i]);
    memset(w, 0, sizeof(*w));
}

/* Called for each workspace tensor, [a, b] or [a, b, c] f32. */
typedef int (*work_fn)(void *user, lavin_tensor *t, int64_t a, int64_t b, int64_t c);

/* The workspace for capacity (B, Lc, Lx), one fn call per tensor of w (the
 * RoPE tables apart: rope_table makes those as they are needed). */
static int work_tensors(const lavin_jdit_dims *d, jdit_work *w, int64_t B, int64_t Lc, int64_t Lx, work_fn fn,
                        void *user)
{
    int64_t D = d->hidden, pc = (int64_t)d->patch * d->patch * d->channels;
    int64_t qw = (int64_t)d->heads * d->head_dim, kw = (int64_t)d->kv_heads * d->head_dim;
    int64_t Lmax = Lc > Lx ? Lc : Lx, Lj = Lc + Lx;
    int ret = 0;
#define A(t, a, b, c) \
    if (ret >= 0)     \
    ret = fn(user, t, a, b, c)
    A(&w->tok[JDIT_COND], B, Lc, pc);
    A(&w->tok[JDIT_X], B, Lx, pc);
    A(&w->res[JDIT_COND], B, Lc, D);
    A(&w->res[JDIT_X], B, Lx, D);
    A(&w->temb_in, B, 256, 0);
    A(&w->temb_h, B, D, 0);
    A(&w->temb, B, D, 0);
    A(&w->tmod[0], B, D, 0);
    A(&w->tmod[1], B, D, 0);
    A(&w->mod[0], 4 * B, D, 0);
    A(&w->mod[1], 4 * B, D, 0);
    A(&w->a, B, Lmax, D);
    A(&w->q, B, Lj, qw);
    A(&w->k, B, Lj, kw);
    A(&w->v, B, Lj, kw);
    A(&w->o, B, Lj, qw);
    A(&w->y, B, Lmax, D);
    A(&w->g, B, Lmax, d->mlp);
    A(&w->u, B, Lmax, d->mlp);
    A(&w->out_tok, B, Lx, pc);
    A(&w->fscale, B, D, 0);
    A(&w->v_null, B, Lx, pc);
#undef A
    return ret;
}

static int alloc(void *user, lavin_tensor *t, int64_t a, int64_t b, int64_t c)
{
    lavin_jdit *m = user;
    int64_t ne[3] = { a, b, c };
    int nd = c ? 3 : 2;
    LAVIN_TRY(lavin_tensor_alloc(m->ctx, t, LAVIN_F32, nd, ne));
    m->work.bytes += lavin_tensor_bytes(t);
    return 0;
}

static int count(void *user, lavin_tensor *t, int64_t a, int64_t b, int64_t c)
{
    (void)t;
    *(uint64_t *)user += lavin_dtype_row_bytes(LAVIN_F32, a * b * (c ? c : 1));
    return 0;
}

uint64_t lavin_jdit_workspace_estimate(const lavin_jdit_dims *d, int64_t B, int64_t Lc, int64_t Lx)
{
    jdit_work scratch;
    uint64_t bytes = 0;
    work_tensors(d, &scratch, B, Lc, Lx, count, &bytes);
    return bytes;
}

int lavin_jdit_work_prepare(lavin_jdit *m, int64_t B, int64_t Lc, int64_t Lx)
{
    jdit_work *w = &m->work;
    if (B <= w->B && Lc <= w->Lc && Lx <= w->Lx)
        return 0;
    B = B > w->B ? B : w->B;
    Lc = Lc > w->Lc ? Lc : w->Lc;
    Lx = Lx > w->Lx ? Lx : w->Lx;
    lavin_jdit_work_free(m);
    int ret = work_tensors(&m->d, w, B, Lc, Lx, alloc, m);
    if (ret < 0) {
        lavin_jdit_work_free(m);
        return ret;
    }
    w->B = B;
    w->Lc = Lc;
    w->Lx = Lx;
    return 0;
}
