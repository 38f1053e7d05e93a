/* The J-DiT forward pass as a sequence of op launches; the host only
 * orchestrates. Streams: cond tokens then x tokens form the joint sequence. */
#include <math.h>
#include <stdlib.h>

#include "jdit/jdit_internal.h"
#include "core/ops/attention.h"
#include "core/ops/elementwise.h"
#include "core/ops/layout.h"
#include "core/ops/matmul.h"
#include "core/ops/norm.h"
#include "core/ops/rope.h"
#include "core/stream.h"
#include "core/transfer.h"

#define RMS_EPS 1e-6f
#define LN_EPS 1e-5f

/* Exact-shape views of the workspace for one forward. */
typedef struct act {
    int64_t B, L[2], Lj, h, w;
    lavin_tensor tok[2], res[2], a[2], y[2], g[2], u[2];
    lavin_tensor q4, k4, v4, o4;
    lavin_tensor out_tok;
} act;

static int view(lavin_jdit *m, const lavin_tensor *cap, int64_t off, int nd, const int64_t *ne, lavin_tensor *out)
{
    return lavin_tensor_view(m->ctx, cap, off, nd, ne, out);
}

static int make_views(lavin_jdit *m, act *v)
{
    jdit_work *w = &m->work;
    const lavin_jdit_dims *d = &m->d;
    int64_t D = d->hidden, pc = (int64_t)d->patch * d->patch * d->channels, B = v->B;
    for (int s = 0; s < 2; s++) {
        int64_t L = v->L[s];
        LAVIN_TRY(view(m, &w->tok[s], 0, 3, (int64_t[]){ B, L, pc }, &v->tok[s]));
        LAVIN_TRY(view(m, &w->res[s], 0, 3, (int64_t[]){ B, L, D }, &v->res[s]));
        LAVIN_TRY(view(m, &w->a, 0, 3, (int64_t[]){ B, L, D }, &v->a[s]));
        LAVIN_TRY(view(m, &w->y, 0, 3, (int64_t[]){ B, L, D }, &v->y[s]));
        LAVIN_TRY(view(m, &w->g, 0, 3, (int64_t[]){ B, L, d->mlp }, &v->g[s]));
        LAVIN_TRY(view(m, &w->u, 0, 3, (int64_t[]){ B, L, d->mlp }, &v->u[s]));
    }
    LAVIN_TRY(view(m, &w->q, 0, 4, (int64_t[]){ B, v->Lj, d->heads, d->head_dim }, &v->q4));
    LAVIN_TRY(view(m, &w->k, 0, 4, (int64_t[]){ B, v->Lj, d->kv_heads, d->head_dim }, &v->k4));
    LAVIN_TRY(view(m, &w->v, 0, 4, (int64_t[]){ B, v->Lj, d->kv_heads, d->head_dim }, &v->v4));
    LAVIN_TRY(view(m, &w->o, 0, 4, (int64_t[]){ B, v->Lj, d->heads, d->head_dim }, &v->o4));
    LAVIN_TRY(view(m, &w->out_tok, 0, 3, (int64_t[]){ B, v->L[JDIT_X], pc }, &v->out_tok));
    return 0;
}

/* The sinusoidal features of t, computed as the reference does in float32:
 * f_k = exp(-ln(10000) * k / 128), [cos(t f), sin(t f)]. */
static int timestep_features(lavin_jdit *m, const float *t, int64_t B, const lavin_tensor *out)
{
    float *e = malloc((size_t)B * 256 * sizeof(*e));
    if (!e)
        return lavin_err(m->ctx, LAVIN_ENOMEM, "out of host memory");
    const float c = (float)-log(10000.0);
    for (int64_t b = 0; b < B; b++)
        for (int k = 0; k < 128; k++) {
            float f = expf(c * (float)k / 128.0f);
            float arg = t[b] * f;
            e[b * 256 + k] = (float)cos((double)arg);
            e[b * 256 + 128 + k] = (float)sin((double)arg);
        }
    int ret = lavin_tensor_upload(m->ctx, out, e, (size_t)B * 256 * sizeof(*e));
    free(e);
    return ret;
}

/* SiLU(t + prompt) and SiLU(t + answer): every modulation Linear's input. */
static int timestep(lavin_jdit *m, const float *t, int64_t B)
{
    jdit_work *w = &m->work;
    lavin_context *ctx = m->ctx;
    lavin_tensor in, h, e, tm[2];
    int64_t D = m->d.hidden;
    LAVIN_TRY(view(m, &w->temb_in, 0, 2, (int64_t[]){ B, 256 }, &in));
    LAVIN_TRY(view(m, &w->temb_h, 0, 2, (int64_t[]){ B, D }, &h));
    LAVIN_TRY(view(m, &w->temb, 0, 2, (int64_t[]){ B, D }, &e));
    LAVIN_TRY(timestep_features(m, t, B, &in));
    LAVIN_TRY(lavin_op_matmul(ctx, &in, m->t0_w, m->t0_b, &h));
    LAVIN_TRY(lavin_op_silu(ctx, &h, &h));
    LAVIN_TRY(lavin_op_matmul(ctx, &h, m->t2_w, m->t2_b, &e));
    const lavin_tensor *type_embed[2] = { m->prompt, m->answer };
    for (int s = 0; s < 2; s++) {
        LAVIN_TRY(view(m, &w->tmod[s], 0, 2, (int64_t[]){ B, D }, &tm[s]));
        LAVIN_TRY(lavin_op_add(ctx, &e, type_embed[s], &tm[s]));
        LAVIN_TRY(lavin_op_silu(ctx, &tm[s], &tm[s]));
    }
    return 0;
}

static int embed(lavin_jdit *m, act *v, int s, const lavin_tensor *latent)
{
    lavin_context *ctx = m->ctx;
    LAVIN_TRY(lavin_op_patchify(ctx, latent, m->d.patch, &v->tok[s]));
    LAVIN_TRY(lavin_op_matmul(ctx, &v->tok[s], m->emb_w[s], m->emb_b[s], &v->res[s]));
    return lavin_op_layernorm(ctx, &v->res[s], m->ln_w[s], m->ln_b[s], LN_EPS, &v->res[s]);
}

/* Row block [off, off + L) of batch item b of a [B, Lj, width] tensor. */
static int rows(lavin_jdit *m, const lavin_tensor *t, int64_t b, int64_t off, int64_t L, lavin_tensor *out)
{
    int64_t Lj = t->ne[1], width = t->ne[2];
    return view(m, t, (b * Lj + off) * width, 2, (int64_t[]){ L, width }, out);
}

static int project_qkv(lavin_jdit *m, act *v, const jdit_stream_w *sw, int s, const lavin_tensor *mod)
{
    lavin_context *ctx = m->ctx;
    jdit_work *w = &m->work;
    int64_t L = v->L[s], off = s == JDIT_COND ? 0 : v->L[JDIT_COND], D = m->d.hidden;
    lavin_tensor q3, k3, v3;
    LAVIN_TRY(lavin_op_rmsnorm_modulate(ctx, &v->res[s], mod, RMS_EPS, &v->a[s]));
    LAVIN_TRY(view(m, &w->q, 0, 3, (int64_t[]){ v->B, v->Lj, v->q4.ne[2] * v->q4.ne[3] }, &q3));
    LAVIN_TRY(view(m, &w->k, 0, 3, (int64_t[]){ v->B, v->Lj, v->k4.ne[2] * v->k4.ne[3] }, &k3));
    LAVIN_TRY(view(m, &w->v, 0, 3, (int64_t[]){ v->B, v->Lj, v->v4.ne[2] * v->v4.ne[3] }, &v3));
    /* Each stream writes its own rows of the joint q, k, v: the concatenation
     * costs nothing. */
    for (int64_t b = 0; b < v->B; b++) {
        lavin_tensor a, q, k, vv;
        LAVIN_TRY(view(m, &v->a[s], b * L * D, 2, (int64_t[]){ L, D }, &a));
        LAVIN_TRY(rows(m, &q3, b, off, L, &q));
        LAVIN_TRY(rows(m, &k3, b, off, L, &k));
        LAVIN_TRY(rows(m, &v3, b, off, L, &vv));
        LAVIN_TRY(lavin_op_matmul(ctx, &a, sw->q, NULL, &q));
        LAVIN_TRY(lavin_op_matmul(ctx, &a, sw->k, NULL, &k));
        LAVIN_TRY(lavin_op_matmul(ctx, &a, sw->v, NULL, &vv));
        LAVIN_TRY(lavin_op_rmsnorm(ctx, &q, sw->qnorm, RMS_EPS, &q));
        LAVIN_TRY(lavin_op_rmsnorm(ctx, &k, sw->knorm, RMS_EPS, &k));
    }
    return 0;
}

static int attention_out(lavin_jdit *m, act *v, const jdit_stream_w *sw, int s, const lavin_tensor *gate)
{
    lavin_context *ctx = m->ctx;
    int64_t L = v->L[s], off = s == JDIT_COND ? 0 : v->L[JDIT_COND], D = m->d.hidden;
    lavin_tensor o3;
    LAVIN_TRY(view(m, &m->work.o, 0, 3, (int64_t[]){ v->B, v->Lj, v->o4.ne[2] * v->o4.ne[3] }, &o3));
    for (int64_t b = 0; b < v->B; b++) {
        lavin_tensor o, y;
        LAVIN_TRY(rows(m, &o3, b, off, L, &o));
        LAVIN_TRY(view(m, &v->y[s], b * L * D, 2, (int64_t[]){ L, D }, &y));
        LAVIN_TRY(lavin_op_matmul(ctx, &o, sw->proj, NULL, &y));
    }
    return lavin_op_rmsnorm_gated_add(ctx, &v->res[s], gate, &v->y[s], RMS_EPS, &v->res[s]);
}

static int mlp(lavin_jdit *m, act *v, const jdit_stream_w *sw, int s, const lavin_tensor *scale,
               const lavin_tensor *gate)
{
    lavin_context *ctx = m->ctx;
    LAVIN_TRY(lavin_op_rmsnorm_modulate(ctx, &v->res[s], scale, RMS_EPS, &v->a[s]));
    LAVIN_TRY(lavin_op_matmul(ctx, &v->a[s], sw->gate, NULL, &v->g[s]));
    LAVIN_TRY(lavin_op_matmul(ctx, &v->a[s], sw->up, NULL, &v->u[s]));
    LAVIN_TRY(lavin_op_swiglu(ctx, &v->g[s], &v->u[s], &v->g[s]));
    LAVIN_TRY(lavin_op_matmul(ctx, &v->g[s], sw->down, NULL, &v->y[s]));
    return lavin_op_rmsnorm_gated_add(ctx, &v->res[s], gate, &v->y[s], RMS_EPS, &v->res[s]);
}

/* A stream's four modulation chunks into mod, [4, B, D]: for one item that
 * is the [1, 4D] product of the whole Linear, one GEMM where a batch needs
 * four. */
static int modulation(lavin_jdit *m, const lavin_tensor *tm, const jdit_stream_w *sw, const lavin_tensor *mod)
{
    int64_t B = tm->ne[0], D = m->d.hidden;
    lavin_tensor out;
    if (B == 1) {
        LAVIN_TRY(view(m, mod, 0, 2, (int64_t[]){ 1, 4 * D }, &out));
        return lavin_op_matmul(m->ctx, tm, sw->mod_all_w, sw->mod_all_b, &out);
    }
    for (int i = 0; i < 4; i++) {
        LAVIN_TRY(view(m, mod, i * B * D, 2, (int64_t[]){ B, D }, &out));
        LAVIN_TRY(lavin_op_matmul(m->ctx, tm, &sw->mod_w[i], &sw->mod_b[i], &out));
    }
    return 0;
}

/* The cos/sin table of the joint grid; the last two grids are kept, since
 * sampling alternates between the conditional and the null pass. With a
 * RoPE anchor the h and w positions are scaled by anchor / grid, the
 * quotient rounded to float32 as torch.arange(h) * (anchor / h) does. */
static int rope_table(lavin_jdit *m, int T, int h, int w, const lavin_tensor **out)
{
    jdit_work *wk = &m->work;
    const int *an = m->rope_anchor;
    float sh = an[0] ? (float)((double)an[0] / h) : 1.0f, sw = an[1] ? (float)((double)an[1] / w) : 1.0f;
    for (int i = 0; i < 2; i++)
        if (wk->rope[i].mem.block && wk->rope_key[i][0] == T && wk->rope_key[i][1] == h && wk->rope_key[i][2] == w &&
            wk->rope_scale[i][0] == sh && wk->rope_scale[i][1] == sw) {
            *out = &wk->rope[i];
            return 0;
        }
    int i = wk->rope_next;
    wk->rope_next ^= 1;
    LAVIN_TRY(lavin_stream_sync(m->ctx));
    lavin_tensor_free(m->ctx, &wk->rope[i]);
    LAVIN_TRY(lavin_rope3d_table(m->ctx, T, h, w, m->d.head_dim, 10000.0f, sh, sw, &wk->rope[i]));
    wk->rope_key[i][0] = T;
    wk->rope_key[i][1] = h;
    wk->rope_key[i][2] = w;
    wk->rope_scale[i][0] = sh;
    wk->rope_scale[i][1] = sw;
    *out = &wk->rope[i];
    return 0;
}

static int check_inputs(lavin_jdit *m, const lavin_tensor *x, const lavin_tensor *cond, const lavin_tensor *v)
{
    const lavin_jdit_dims *d = &m->d;
    char dx[96], dc[96], dv[96];
    int ok = x->ndim == 5 && cond->ndim == 5 && x->dtype == LAVIN_F32 && cond->dtype == LAVIN_F32 &&
             x->ne[0] == cond->ne[0] && x->ne[1] == d->channels && cond->ne[1] == d->channels &&
             x->ne[3] == cond->ne[3] && x->ne[4] == cond->ne[4] && x->ne[3] % d->patch == 0 &&
             x->ne[4] % d->patch == 0 && lavin_same_shape(x, v) && v->dtype == LAVIN_F32;
    if (!ok)
        return lavin_err(m->ctx, LAVIN_EINVAL,
                         "J-DiT: x %s, cond %s, v %s: need f32 [B, %d, T, H, W] with equal B, H, W, "
                         "H and W multiples of %d, and v the shape of x",
                         lavin_tensor_describe(x, dx, sizeof(dx)), lavin_tensor_describe(cond, dc, sizeof(dc)),
                         lavin_tensor_describe(v, dv, sizeof(dv)), d->channels, d->patch);
    return 0;
}

int lavin_jdit_forward(lavin_jdit *m, const lavin_tensor *x, const float *t, const lavin_tensor *cond,
                       const lavin_tensor *vout)
{
    LAVIN_TRY(check_inputs(m, x, cond, vout));
    lavin_context *ctx = m->ctx;
    const lavin_jdit_dims *d = &m->d;
    act v = { .B = x->ne[0], .h = x->ne[3] / d->patch, .w = x->ne[4] / d->patch };
    int64_t Tc = cond->ne[2], Tx = x->ne[2];
    v.L[JDIT_COND] = Tc * v.h * v.w;
    v.L[JDIT_X] = Tx * v.h * v.w;
    v.Lj = v.L[0] + v.L[1];
    const lavin_tensor *rope;
    LAVIN_TRY(lavin_jdit_work_prepare(m, v.B, v.L[JDIT_COND], v.L[JDIT_X]));
    LAVIN_TRY(rope_table(m, (int)(Tc + Tx), (int)v.h, (int)v.w, &rope));
    LAVIN_TRY(make_views(m, &v));
    LAVIN_TRY(timestep(m, t, v.B));
    LAVIN_TRY(embed(m, &v, JDIT_COND, cond));
    LAVIN_TRY(embed(m, &v, JDIT_X, x));

    jdit_work *w = &m->work;
    lavin_tensor tm[2], mod[2][4];
    for (int s = 0; s < 2; s++) {
        LAVIN_TRY(view(m, &w->tmod[s], 0, 2, (int64_t[]){ v.B, d->hidden }, &tm[s]));
        for (int i = 0; i < 4; i++)
            LAVIN_TRY(view(m, &w->mod[s], i * v.B * d->hidden, 2, (int64_t[]){ v.B, d->hidden }, &mod[s][i]));
    }
    for (int blk = 0; blk < d->depth; blk++) {
        const jdit_block_w *bw = &m->blocks[blk];
        int last = blk == d->depth - 1;
        for (int s = 0; s < 2; s++)
            LAVIN_TRY(modulation(m, &tm[s], &bw->s[s], &w->mod[s]));
        for (int s = 0; s < 2; s++)
            LAVIN_TRY(project_qkv(m, &v, &bw->s[s], s, &mod[s][0]));
        LAVIN_TRY(lavin_op_rope3d(ctx, &v.q4, rope, &v.q4));
        LAVIN_TRY(lavin_op_rope3d(ctx, &v.k4, rope, &v.k4));
        LAVIN_TRY(lavin_op_attention(ctx, &v.q4, &v.k4, &v.v4, &v.o4));
        for (int s = 0; s < 2; s++)
            LAVIN_TRY(attention_out(m, &v, &bw->s[s], s, &mod[s][1]));
        /* The cond stream's last MLP never reaches the output. */
        for (int s = last ? JDIT_X : JDIT_COND; s < 2; s++)
            LAVIN_TRY(mlp(m, &v, &bw->s[s], s, &mod[s][2], &mod[s][3]));
    }
    lavin_tensor fscale;
    LAVIN_TRY(view(m, &w->fscale, 0, 2, (int64_t[]){ v.B, d->hidden }, &fscale));
    LAVIN_TRY(lavin_op_matmul(ctx, &tm[JDIT_X], m->ada_w, m->ada_b, &fscale));
    LAVIN_TRY(lavin_op_rmsnorm_modulate(ctx, &v.res[JDIT_X], &fscale, RMS_EPS, &v.a[JDIT_X]));
    LAVIN_TRY(lavin_op_matmul(ctx, &v.a[JDIT_X], m->final_w, m->final_b, &v.out_tok));
    return lavin_op_unpatchify(ctx, &v.out_tok, d->patch, vout);
}

int lavin_jdit_forward_cfg(lavin_jdit *m, const lavin_tensor *x, const float *t, const lavin_tensor *cond,
                           const lavin_tensor *cond_null, float scale, const lavin_tensor *vout)
{
    LAVIN_TRY(check_inputs(m, x, cond_null, vout));
    int64_t Lx = x->ne[2] * (x->ne[3] / m->d.patch) * (x->ne[4] / m->d.patch);
    int64_t Lc = (cond->ne[2] > cond_null->ne[2] ? cond->ne[2] : cond_null->ne[2]) * (x->ne[3] / m->d.patch) *
                 (x->ne[4] / m->d.patch);
    /* Reserve for the larger pass first, so v_null survives the second. */
    LAVIN_TRY(lavin_jdit_work_prepare(m, x->ne[0], Lc, Lx));
    lavin_tensor v_null;
    LAVIN_TRY(view(m, &m->work.v_null, 0, 5, x->ne, &v_null));
    LAVIN_TRY(lavin_jdit_forward(m, x, t, cond_null, &v_null));
    LAVIN_TRY(lavin_jdit_forward(m, x, t, cond, vout));
    /* v_null + s (v_cond - v_null) = s v_cond + (1 - s) v_null */
    return lavin_op_axpby(m->ctx, scale, vout, 1.0f - scale, &v_null, vout);
}
