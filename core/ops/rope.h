/* 3D rotary position embedding of LaVin-DiT's joint attention
 * (docs/computation.md section 2.5): each head vector of width hd is cut into three parts of
 * d = hd / 3 for the t, h and w axes; in a part, pair (j, j + d/2) rotates by
 * pos * base^(-2j/d), pos the token's coordinate on that axis, token n at
 * (t, h, w) = unravel(n, (T, Hh, W)), the h and w coordinates times a scale
 * (section 2.5.1: 1 is the reference; anchor / size interpolates). */
#ifndef LAVIN_CORE_OPS_ROPE_H
#define LAVIN_CORE_OPS_ROPE_H

#include "core/tensor.h"

/* Allocates table as an f32 [L, hd] tensor (L = T * Hh * W) holding the
 * (cos, sin) of every token and rotated pair, with the reference's float32
 * arithmetic for frequencies and angles and cos, sin rounded from double.
 * The h and w positions are float32 products pos * scale_h, pos * scale_w
 * (positive and finite; 1, 1 gives the integer positions exactly), the t
 * positions are never scaled. hd must be a positive multiple of 6. Build it
 * once per grid, scales and head dim; free it with lavin_tensor_free(). */
int lavin_rope3d_table(lavin_context *ctx, int T, int Hh, int W, int hd, float base, float scale_h, float scale_w,
                       lavin_tensor *table);

/* x, out: f32 [B, L, nh, hd], out may be x; table from lavin_rope3d_table()
 * for the same L and hd. */
int lavin_op_rope3d(lavin_context *ctx, const lavin_tensor *x, const lavin_tensor *table, const lavin_tensor *out);

#endif
