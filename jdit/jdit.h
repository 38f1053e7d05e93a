/* The Joint Diffusion Transformer (docs/computation.md section 2): velocity v(x, t, cond)
 * for target latents x [B, C, Tx, H, W] and condition latents
 * cond [B, C, Tc, H, W], all f32 device tensors; t one value per batch item. */
#ifndef LAVIN_JDIT_JDIT_H
#define LAVIN_JDIT_JDIT_H

#include "core/tensor.h"

typedef struct lavin_jdit lavin_jdit;
struct lavin_weights;

typedef struct lavin_jdit_dims {
    int hidden, depth, heads, kv_heads, head_dim, mlp, channels, patch;
} lavin_jdit_dims;

/* Derives the dims of a config the way the reference does: head dim
 * hidden / heads, kv heads heads / kv_group, MLP width
 * floor(4 * hidden * 2 / 3 / 64) * 64. */
int lavin_jdit_dims_from_config(int hidden, int depth, int heads, int kv_group, int channels, int patch,
                                lavin_jdit_dims *d);

/* Resolves every weight the forward pass needs from w (kept, not copied);
 * fails naming the first missing or mis-shaped one. */
int lavin_jdit_create(lavin_context *ctx, const lavin_jdit_dims *dims, const struct lavin_weights *w,
                      lavin_jdit **out);
void lavin_jdit_destroy(lavin_jdit **m);

const lavin_jdit_dims *lavin_jdit_get_dims(const lavin_jdit *m);

/* RoPE positions at grids the model was not trained at (docs/computation.md
 * section 2.5.1). With an anchor of anchor_h x anchor_w tokens, a grid of
 * h x w tokens takes row positions i * anchor_h / h and column positions
 * j * anchor_w / w (AS2DRoPE's interpolation); 0 x 0, the default, keeps
 * the integer positions at every grid (extrapolation: the reference). Time
 * positions are never scaled. Holds for every forward until changed. */
int lavin_jdit_set_rope_anchor(lavin_jdit *m, int anchor_h, int anchor_w);

lavin_context *lavin_jdit_context(const lavin_jdit *m);

/* Records the forward pass; v must be x's shape. t has B entries. */
int lavin_jdit_forward(lavin_jdit *m, const lavin_tensor *x, const float *t, const lavin_tensor *cond,
                       const lavin_tensor *v);

/* Classifier-free guidance: v = v_null + scale * (v_cond - v_null), where
 * v_null comes from cond_null (its own frame count). */
int lavin_jdit_forward_cfg(lavin_jdit *m, const lavin_tensor *x, const float *t, const lavin_tensor *cond,
                           const lavin_tensor *cond_null, float scale, const lavin_tensor *v);

/* Device memory held by the activation workspace, in bytes. */
uint64_t lavin_jdit_workspace_bytes(const lavin_jdit *m);

/* The workspace a guided forward of B items over Lc condition and Lx
 * target tokens allocates, in bytes (what lavin_jdit_workspace_bytes then
 * reports), without a model or a device. */
uint64_t lavin_jdit_workspace_estimate(const lavin_jdit_dims *d, int64_t B, int64_t Lc, int64_t Lx);

#endif
