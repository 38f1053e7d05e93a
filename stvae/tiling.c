/* Tiled ST-VAE: tiles are cut from the input with window copies, run through
 * the untiled encoder or decoder, blended with the previous row's and the
 * left neighbour's (already blended) results, and their kept part is placed
 * into the output at once; only two rows of result tiles are ever held. */
#include <stdlib.h>

#include "core/ops/tile.h"
#include "stvae/tiling.h"

/* One pass of the 2-D tiling over frames [t0, t0 + nt) of src. */
typedef struct {
    lavin_stvae *vae;
    int encode;
    const lavin_tensor *src, *out;
    int64_t t0, nt;
    int64_t skip;  /* leading result frames dropped (the shared chunk boundary) */
    int64_t dst_t; /* where the first kept frame goes in out */
    int64_t tile;  /* input tile (pixels when encoding, latents when decoding); 0 = one tile */
} pass;

static int64_t result_frames(const lavin_stvae *vae, int encode, int64_t n)
{
    return encode ? lavin_stvae_encoded_frames(vae, n) : lavin_stvae_decoded_frames(vae, n);
}

static void free_row(lavin_context *ctx, lavin_tensor *row, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        lavin_tensor_free(ctx, &row[j]);
}

/* Runs one tile at (y, x) of size h x w into *res. */
static int run_tile(const pass *p, int64_t y, int64_t x, int64_t h, int64_t w, lavin_tensor *res)
{
    lavin_context *ctx = lavin_stvae_context(p->vae);
    const lavin_stvae_config *c = lavin_stvae_get_config(p->vae);
    int s = lavin_stvae_scale(p->vae);
    int64_t B = p->src->ne[0], cin = p->src->ne[1];
    int64_t cout = p->encode ? 2 * c->latent_channels : 3;
    int64_t oh = p->encode ? h / s : h * s, ow = p->encode ? w / s : w * s;
    lavin_tensor in = { 0 };
    lavin_window win = { { p->t0, y, x }, { 0, 0, 0 }, { p->nt, h, w } };
    int ret = lavin_tensor_alloc(ctx, &in, LAVIN_F32, 5, (int64_t[]){ B, cin, p->nt, h, w });
    if (ret >= 0)
        ret = lavin_op_window_copy(ctx, p->src, &in, &win);
    if (ret >= 0)
        ret = lavin_tensor_alloc(ctx, res, LAVIN_F32, 5,
                                 (int64_t[]){ B, cout, result_frames(p->vae, p->encode, p->nt), oh, ow });
    if (ret >= 0)
        ret = p->encode ? lavin_stvae_encode(p->vae, &in, res) : lavin_stvae_decode(p->vae, &in, res);
    lavin_tensor_free(ctx, &in);
    return ret;
}

static int run_pass(const pass *p)
{
    lavin_context *ctx = lavin_stvae_context(p->vae);
    int s = lavin_stvae_scale(p->vae);
    int64_t H = p->src->ne[3], W = p->src->ne[4];
    int64_t out_tile = p->encode ? p->tile / s : p->tile * s;
    /* A quarter of a tile overlaps its neighbour; tiles are multiples of 4
     * latents, so these are the official int() roundings, exactly. */
    int64_t step = p->tile ? p->tile * 3 / 4 : (H > W ? H : W);
    int64_t extent = out_tile / 4, keep = p->tile ? out_tile - extent : INT64_MAX;
    int64_t in_tile = p->tile ? p->tile : (H > W ? H : W);
    int64_t ncols = (W + step - 1) / step;
    lavin_tensor *prev = calloc((size_t)ncols, sizeof(*prev)), *cur = calloc((size_t)ncols, sizeof(*cur));
    int ret = prev && cur ? 0 : lavin_err(ctx, LAVIN_ENOMEM, "ST-VAE tiling: out of host memory");
    int64_t oy = 0;
    for (int64_t i = 0, y = 0; y < H && ret >= 0; i++, y += step) {
        int64_t h = H - y < in_tile ? H - y : in_tile, kept_h = 0;
        for (int64_t j = 0, x = 0, ox = 0; x < W && ret >= 0; j++, x += step) {
            int64_t w = W - x < in_tile ? W - x : in_tile;
            ret = run_tile(p, y, x, h, w, &cur[j]);
            if (ret >= 0 && i > 0)
                ret = lavin_op_blend(ctx, &prev[j], &cur[j], 3, extent);
            if (ret >= 0 && j > 0)
                ret = lavin_op_blend(ctx, &cur[j - 1], &cur[j], 4, extent);
            if (ret < 0)
                break;
            int64_t rh = cur[j].ne[3] < keep ? cur[j].ne[3] : keep, rw = cur[j].ne[4] < keep ? cur[j].ne[4] : keep;
            lavin_window put = { { p->skip, 0, 0 }, { p->dst_t, oy, ox }, { cur[j].ne[2] - p->skip, rh, rw } };
            ret = lavin_op_window_copy(ctx, &cur[j], p->out, &put);
            ox += rw;
            kept_h = rh;
        }
        oy += kept_h;
        free_row(ctx, prev, ncols);
        for (int64_t j = 0; j < ncols; j++) {
            prev[j] = cur[j];
            cur[j] = (lavin_tensor){ 0 };
        }
    }
    if (prev)
        free_row(ctx, prev, ncols);
    if (cur)
        free_row(ctx, cur, ncols);
    free(prev);
    free(cur);
    return ret;
}

/* The official chunking of n frames into chunks of `chunk` (0: one) that
 * start every chunk - 1 frames; a short tail is its own chunk. Fills
 * starts/ends (room for n + 1) and returns the count. */
static int64_t time_chunks(int64_t n, int64_t chunk, int64_t *starts, int64_t *ends)
{
    int64_t k = 0;
    if (!chunk || n <= chunk - 1) {
        starts[0] = 0;
        ends[0] = n;
        return 1;
    }
    for (int64_t s = 0; s + chunk - 1 < n; s += chunk - 1, k++) {
        starts[k] = s;
        ends[k] = s + chunk;
    }
    if (ends[k - 1] > n) {
        ends[k - 1] = n;
    } else if (ends[k - 1] < n) {
        starts[k] = ends[k - 1] - 1;
        ends[k++] = n;
    }
    return k;
}

static int check_tiling(lavin_stvae *vae, const lavin_stvae_tiling *t)
{
    int q = 4 * lavin_stvae_scale(vae);
    if (t->tile < 0 || t->tile % q)
        return lavin_err(lavin_stvae_context(vae), LAVIN_EINVAL,
                         "ST-VAE tiling: tile %d must be 0 or a positive multiple of %d", t->tile, q);
    if (t->tile_t && (t->tile_t < 5 || (t->tile_t - 1) % 4))
        return lavin_err(lavin_stvae_context(vae), LAVIN_EINVAL,
                         "ST-VAE tiling: temporal chunk %d must be 0 or 1 + 4k frames with k >= 1", t->tile_t);
    return 0;
}

static int tiled(lavin_stvae *vae, int encode, const lavin_tensor *in, const lavin_tensor *out,
                 const lavin_stvae_tiling *t)
{
    lavin_context *ctx = lavin_stvae_context(vae);
    const lavin_stvae_config *c = lavin_stvae_get_config(vae);
    int s = lavin_stvae_scale(vae);
    LAVIN_TRY(check_tiling(vae, t));
    int64_t tile = encode ? t->tile : t->tile / s;
    int64_t chunk = t->tile_t ? (encode ? t->tile_t : (t->tile_t - 1) / 4 + 1) : 0;
    int64_t cin = encode ? 3 : c->latent_channels;
    if (in->ndim != 5 || in->dtype != LAVIN_F32 || in->ne[1] != cin)
        return encode ? lavin_stvae_encode(vae, in, out) : lavin_stvae_decode(vae, in, out);
    int64_t T = in->ne[2], H = in->ne[3], W = in->ne[4];
    if (!((tile && (H > tile || W > tile)) || (chunk && T > chunk)))
        return encode ? lavin_stvae_encode(vae, in, out) : lavin_stvae_decode(vae, in, out);
    if (encode && (H % s || W % s))
        return lavin_err(ctx, LAVIN_EINVAL, "ST-VAE encode: height and width must be multiples of %d", s);
    int64_t *starts = malloc((size_t)(T + 1) * 2 * sizeof(int64_t));
    if (!starts)
        return lavin_err(ctx, LAVIN_ENOMEM, "ST-VAE tiling: out of host memory");
    int64_t *ends = starts + T + 1;
    int64_t n = time_chunks(T, chunk, starts, ends), frames = 0;
    for (int64_t k = 0; k < n; k++)
        frames += result_frames(vae, encode, ends[k] - starts[k]) - (k > 0);
    int64_t cout = encode ? 2 * c->latent_channels : 3, oh = encode ? H / s : H * s, ow = encode ? W / s : W * s;
    int ret = 0;
    if (out->ndim != 5 || out->dtype != LAVIN_F32 || out->ne[0] != in->ne[0] || out->ne[1] != cout ||
        out->ne[2] != frames || out->ne[3] != oh || out->ne[4] != ow)
        ret = lavin_err(ctx, LAVIN_EINVAL, "ST-VAE tiled %s: output must be [%lld, %lld, %lld, %lld, %lld] f32",
                        encode ? "encode" : "decode", (long long)in->ne[0], (long long)cout, (long long)frames,
                        (long long)oh, (long long)ow);
    for (int64_t k = 0, dst_t = 0; k < n && ret >= 0; k++) {
        pass p = { vae, encode, in, out, starts[k], ends[k] - starts[k], k > 0, dst_t, tile };
        ret = run_pass(&p);
        dst_t += result_frames(vae, encode, p.nt) - p.skip;
    }
    free(starts);
    return ret;
}

int lavin_stvae_encode_tiled(lavin_stvae *vae, const lavin_tensor *video, const lavin_tensor *moments,
                             const lavin_stvae_tiling *t)
{
    return tiled(vae, 1, video, moments, t);
}

int lavin_stvae_decode_tiled(lavin_stvae *vae, const lavin_tensor *z, const lavin_tensor *video,
                             const lavin_stvae_tiling *t)
{
    return tiled(vae, 0, z, video, t);
}

/* Bytes of five f32 tensors of the widest channel count at each level's
 * frames and size (plus the decoder's three latent-width SpatialNorm
 * tensors), the largest over levels. T, H, W are the latent's when decoding. */
static uint64_t activations(const lavin_stvae *vae, int encode, int64_t B, int64_t T, int64_t H, int64_t W)
{
    const lavin_stvae_config *c = lavin_stvae_get_config(vae);
    int n = c->nblocks, levels = 0;
    for (int r = c->temporal_compression_ratio; r > 1; r /= 2)
        levels++;
    double worst = 0;
    for (int i = 0; i < n; i++) {
        int ch = encode ? c->block_out_channels[i] : c->block_out_channels[n - 1 - i];
        int before = i == 0 ? (encode ? ch : c->block_out_channels[n - 1]) :
                     (encode ? c->block_out_channels[i - 1] : c->block_out_channels[n - i]);
        int wide = ch > before ? ch : before;
        double per = 5.0 * wide + (encode ? 0 : 3.0 * c->latent_channels);
        double bytes = 4.0 * (double)B * (double)T * (double)H * (double)W * per;
        worst = bytes > worst ? bytes : worst;
        if (i + 1 < n) {
            if (encode) {
                T = i < levels ? (T + 1) / 2 : T;
                H /= 2;
                W /= 2;
            } else {
                T = i < levels && T > 1 ? 1 + 2 * (T - 1) : T;
                H *= 2;
                W *= 2;
            }
        }
    }
    return (uint64_t)worst;
}

static uint64_t video_bytes(int64_t B, int64_t C, int64_t T, int64_t H, int64_t W)
{
    return 4u * (uint64_t)(B * C * T * H * W);
}

/* Input, output and activations of one untiled run on a [B, 3, T, H, W]
 * clip (or the latent of one). */
static uint64_t estimate(const lavin_stvae *vae, int encode, int64_t B, int64_t T, int64_t H, int64_t W)
{
    int s = lavin_stvae_scale(vae);
    int64_t L = lavin_stvae_latent_channels(vae), Tl = lavin_stvae_encoded_frames(vae, T);
    uint64_t io = video_bytes(B, 3, T, H, W) + video_bytes(B, encode ? 2 * L : L, Tl, H / s, W / s);
    return io + (encode ? activations(vae, 1, B, T, H, W) : activations(vae, 0, B, Tl, H / s, W / s));
}

uint64_t lavin_stvae_memory_estimate(const lavin_stvae *vae, int encode, int64_t B, int64_t T, int64_t H,
                                     int64_t W)
{
    return estimate(vae, encode, B, T, H, W);
}

/* The whole input and output, one tile's run, and two rows of result tiles. */
static uint64_t tiled_estimate(const lavin_stvae *vae, int encode, int64_t B, int64_t T, int64_t H, int64_t W,
                               int64_t tile, int64_t tile_t)
{
    int s = lavin_stvae_scale(vae);
    int64_t L = lavin_stvae_latent_channels(vae);
    int64_t th = H < tile ? H : tile, tw = W < tile ? W : tile, tt = tile_t && T > tile_t ? tile_t : T;
    int64_t cols = (W + tile * 3 / 4 - 1) / (tile * 3 / 4), Tl = lavin_stvae_encoded_frames(vae, tt);
    uint64_t io = video_bytes(B, 3, T, H, W) + video_bytes(B, encode ? 2 * L : L, lavin_stvae_encoded_frames(vae, T),
                                                           H / s, W / s);
    uint64_t result = encode ? video_bytes(B, 2 * L, Tl, th / s, tw / s) : video_bytes(B, 3, tt, th, tw);
    return io + estimate(vae, encode, B, tt, th, tw) + 2 * (uint64_t)cols * result;
}

void lavin_stvae_tiling_auto(const lavin_stvae *vae, int encode, int64_t B, int64_t T, int64_t H, int64_t W,
                             uint64_t budget_bytes, lavin_stvae_tiling *t)
{
    static const int chunks[] = { 0, 17, 9, 5 };
    int q = 4 * lavin_stvae_scale(vae);
    int64_t side = H > W ? H : W;
    *t = (lavin_stvae_tiling){ 0, 0 };
    if (estimate(vae, encode, B, T, H, W) <= budget_bytes)
        return;
    /* The fewest tiles: the largest tile area times chunk length that fits. */
    double best = -1;
    for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
        int64_t tt = chunks[k] && T > chunks[k] ? chunks[k] : T;
        if (chunks[k] && T <= chunks[k])
            continue;
        for (int64_t tile = (side + q - 1) / q * q; tile >= q; tile -= q) {
            if (tiled_estimate(vae, encode, B, T, H, W, tile, chunks[k]) > budget_bytes)
                continue;
            double th = (double)(H < tile ? H : tile), tw = (double)(W < tile ? W : tile);
            double volume = th * tw * (double)tt;
            if (volume > best) {
                best = volume;
                *t = (lavin_stvae_tiling){ (int)tile, chunks[k] };
            }
            break;
        }
    }
    if (best < 0)
        *t = (lavin_stvae_tiling){ q, T > 5 ? 5 : 0 };
}
