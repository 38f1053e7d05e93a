/* The J-DiT's resolved weights and activation workspace, shared by the
 * files of jdit/. */
#ifndef LAVIN_JDIT_JDIT_INTERNAL_H
#define LAVIN_JDIT_JDIT_INTERNAL_H

#include <stddef.h>

#include "jdit/jdit.h"

enum { JDIT_COND = 0, JDIT_X = 1 };

/* One stream's weights in one block. The modulation Linear ([4D, D], its
 * four chunks scale_attn, gate_attn, scale_mlp, gate_mlp) is kept whole for
 * one GEMM when a single item is sampled, and as views of its chunks for a
 * batch, whose chunks are not contiguous in a [B, 4D] product. */
typedef struct jdit_stream_w {
    const lavin_tensor *q, *k, *v, *qnorm, *knorm, *proj, *gate, *up, *down;
    const lavin_tensor *mod_all_w, *mod_all_b;
    lavin_tensor mod_w[4], mod_b[4];
} jdit_stream_w;

typedef struct jdit_block_w {
    jdit_stream_w s[2];
} jdit_block_w;

/* Activation buffers with room for (B, Lc, Lx) up to the largest shape seen,
 * so the conditional and the shorter unconditional pass share them; each
 * forward takes views of the exact shapes. The union lets the workspace be
 * freed as one array. */
#define JDIT_WORK_TENSORS 24
typedef struct jdit_work {
    int64_t B, Lc, Lx;         /* capacity */
    int rope_key[2][3];        /* the joint grids (T, h, w) of rope[] */
    float rope_scale[2][2];    /* and their h, w position scales */
    int rope_next;
    union {
        struct {
            lavin_tensor tok[2];      /* patchified input, [B, L, p*p*C] */
            lavin_tensor res[2];      /* residual streams, [B, L, D] */
            lavin_tensor temb_in;     /* sinusoidal timestep features, [B, 256] */
            lavin_tensor temb_h, temb;
            lavin_tensor tmod[2];     /* SiLU(t + prompt/answer embedding), [B, D] */
            lavin_tensor mod[2];      /* per-stream modulation chunks, [4, B, D] */
            lavin_tensor a;           /* normed + modulated stream, [B, Lmax, D] */
            lavin_tensor q, k, v, o;  /* joint sequence, [B, Lj, H*hd] / [B, Lj, Hkv*hd] */
            lavin_tensor y;           /* projection or MLP output, [B, Lmax, D] */
            lavin_tensor g, u;        /* MLP hidden, [B, Lmax, I] */
            lavin_tensor out_tok;     /* final layer output, [B, Lx, p*p*C] */
            lavin_tensor fscale;      /* final modulation, [B, D] */
            lavin_tensor rope[2];     /* cos/sin tables of the last two joint grids */
            lavin_tensor v_null;      /* the unconditional velocity for guidance */
        };
        lavin_tensor all[JDIT_WORK_TENSORS];
    };
    uint64_t bytes;
} jdit_work;

_Static_assert(offsetof(jdit_work, v_null) + sizeof(lavin_tensor) ==
                   offsetof(jdit_work, all) + sizeof(((jdit_work *)0)->all),
               "jdit_work.all must cover every named tensor");

struct lavin_jdit {
    lavin_context *ctx;
    lavin_jdit_dims d;
    const lavin_tensor *emb_w[2], *emb_b[2], *ln_w[2], *ln_b[2];
    const lavin_tensor *prompt, *answer;
    const lavin_tensor *t0_w, *t0_b, *t2_w, *t2_b;
    const lavin_tensor *final_w, *final_b, *ada_w, *ada_b;
    jdit_block_w *blocks;
    int rope_anchor[2];        /* h, w in tokens; 0: integer RoPE positions */
    jdit_work work;
};

int lavin_jdit_work_prepare(lavin_jdit *m, int64_t B, int64_t Lc, int64_t Lx);
void lavin_jdit_work_free(lavin_jdit *m);

#endif
