#!/usr/bin/python3
"""lavin's own float32 PyTorch reference of the ST-VAE (docs/computation.md section 3),
written from the specification with the released checkpoint's parameter
names, for the C tests' fixtures. The tests never need torch."""
import math

import torch
import torch.nn.functional as F


def causal_conv(w, prefix, x):
    """Time front-padded with copies of the first frame, H and W zero-padded."""
    weight, bias = w[prefix + ".weight"], w[prefix + ".bias"]
    k = weight.shape[2]
    if k > 1:
        x = torch.cat([x[:, :, :1]] * (k - 1) + [x], 2)
        x = F.pad(x, (k // 2, k // 2, k // 2, k // 2))
    return F.conv3d(x, weight, bias)


def per_frame(x, fn):
    B, C, T, H, W = x.shape
    y = fn(x.permute(0, 2, 1, 3, 4).reshape(B * T, C, H, W))
    return y.reshape(B, T, *y.shape[1:]).permute(0, 2, 1, 3, 4)


def group_norm(w, prefix, x, groups):
    return F.group_norm(x, groups, w[prefix + ".weight"], w[prefix + ".bias"], 1e-6)


def nearest(x, size):
    return F.interpolate(x, size=size, mode="nearest")


def spatial_norm(w, prefix, f, zq):
    T = f.shape[2]
    if T > 1 and T % 2 == 1:
        zq = torch.cat([nearest(zq[:, :, :1], (1,) + tuple(f.shape[3:])),
                        nearest(zq[:, :, 1:], (T - 1,) + tuple(f.shape[3:]))], 2)
    else:
        zq = nearest(zq, tuple(f.shape[2:]))
    n = group_norm(w, prefix + ".norm_layer", f, 32)
    return n * causal_conv(w, prefix + ".conv_y.conv", zq) + causal_conv(w, prefix + ".conv_b.conv", zq)


def resnet(w, prefix, x, groups, zq=None):
    def norm(name, h):
        if zq is None:
            return group_norm(w, prefix + "." + name, h, groups)
        return spatial_norm(w, prefix + "." + name, h, zq)
    h = causal_conv(w, prefix + ".conv1.conv", F.silu(norm("norm1", x)))
    h = causal_conv(w, prefix + ".conv2.conv", F.silu(norm("norm2", h)))
    if prefix + ".conv_shortcut.weight" in w:
        x = F.conv3d(x, w[prefix + ".conv_shortcut.weight"], w[prefix + ".conv_shortcut.bias"])
    return x + h


def downsample(w, prefix, x, compress):
    if compress:
        T = x.shape[2]
        if T % 2:
            rest = x[:, :, 1:]
            pooled = [(rest[:, :, 2 * i] + rest[:, :, 2 * i + 1]) / 2 for i in range((T - 1) // 2)]
            x = torch.stack([x[:, :, 0]] + pooled, 2)
        else:
            x = torch.stack([(x[:, :, 2 * i] + x[:, :, 2 * i + 1]) / 2 for i in range(T // 2)], 2)
    x = F.pad(x, (0, 1, 0, 1))
    return per_frame(x, lambda f: F.conv2d(f, w[prefix + ".weight"], w[prefix + ".bias"], stride=2))


def upsample(w, prefix, x, compress):
    T = x.shape[2]
    if compress and T > 1:
        first = F.interpolate(x[:, :, 0], scale_factor=2.0)[:, :, None]
        rest = F.interpolate(x[:, :, 1:], scale_factor=2.0)
        x = torch.cat([first, rest], 2)
    else:
        x = per_frame(x, lambda f: F.interpolate(f, scale_factor=2.0))
    return per_frame(x, lambda f: F.conv2d(f, w[prefix + ".weight"], w[prefix + ".bias"], padding=1))


def encode(w, cfg, x):
    """Moments [B, 2 * latent, T', H/8, W/8]: mean then logvar."""
    c, L, G = cfg["block_out_channels"], cfg["layers_per_block"], cfg["norm_num_groups"]
    levels = int(math.log2(cfg["temporal_compression_ratio"]))
    h = causal_conv(w, "encoder.conv_in.conv", x)
    for i in range(len(c)):
        for j in range(L):
            h = resnet(w, f"encoder.down_blocks.{i}.resnets.{j}", h, G)
        if i + 1 < len(c):
            h = downsample(w, f"encoder.down_blocks.{i}.downsamplers.0.conv", h, i < levels)
    for j in range(2):
        h = resnet(w, f"encoder.mid_block.resnets.{j}", h, G)
    h = F.silu(group_norm(w, "encoder.norm_out", h, G))
    return causal_conv(w, "encoder.conv_out.conv", h)


def decode(w, cfg, z):
    c, L = cfg["block_out_channels"], cfg["layers_per_block"]
    levels = int(math.log2(cfg["temporal_compression_ratio"]))
    h = causal_conv(w, "decoder.conv_in.conv", z)
    for j in range(2):
        h = resnet(w, f"decoder.mid_block.resnets.{j}", h, 32, z)
    for i in range(len(c)):
        for j in range(L + 1):
            h = resnet(w, f"decoder.up_blocks.{i}.resnets.{j}", h, 32, z)
        if i + 1 < len(c):
            h = upsample(w, f"decoder.up_blocks.{i}.upsamplers.0.conv", h, i < levels)
    h = F.silu(spatial_norm(w, "decoder.norm_out", h, z))
    return causal_conv(w, "decoder.conv_out.conv", h)


# Tiled encoding and decoding, as the official AutoencoderKLSTVAE does them
# with tiling enabled: overlapping spatial tiles (a quarter of the tile
# overlaps) blended linearly into their upper and left neighbours, and
# temporal chunks that share one boundary frame.

def time_chunks(t, chunk):
    """[start, end) chunks of chunk frames starting every chunk - 1 frames;
    a short tail gets its own chunk."""
    if not chunk:
        return [(0, t)]
    starts = list(range(0, t, chunk - 1))
    if len(starts) == 1:
        return [(0, t)]
    spans = [[starts[i], starts[i + 1] + 1] for i in range(len(starts) - 1)]
    if spans[-1][1] > t:
        spans[-1][1] = t
    elif spans[-1][1] < t:
        spans.append([starts[-1], t])
    return [tuple(s) for s in spans]


def blend(a, b, axis, extent):
    """b's first extent rows along axis fade in from a's last extent rows;
    in place on b. The weights are Python floats, which PyTorch rounds to
    float32 before multiplying."""
    extent = min(a.shape[axis], b.shape[axis], extent)
    for k in range(extent):
        src = a.narrow(axis, a.shape[axis] - extent + k, 1)
        dst = b.narrow(axis, k, 1)
        dst.copy_(src * (1 - k / extent) + dst * (k / extent))
    return b


def tiled_2d(fn, x, tile_in, tile_out):
    """Runs fn on tile_in-sized tiles of x starting every 3/4 tile_in, blends
    each result into its already blended upper and left neighbours over a
    quarter of tile_out and keeps the first tile_out - extent rows/columns."""
    step = int(tile_in * (1 - 0.25))
    extent = int(tile_out * 0.25)
    keep = tile_out - extent
    H, W = x.shape[3], x.shape[4]
    grid = [[fn(x[:, :, :, i:i + tile_in, j:j + tile_in]) for j in range(0, W, step)] for i in range(0, H, step)]
    out_rows = []
    for i, row in enumerate(grid):
        for j, t in enumerate(row):
            if i > 0:
                blend(grid[i - 1][j], t, 3, extent)
            if j > 0:
                blend(row[j - 1], t, 4, extent)
        out_rows.append(torch.cat([t[:, :, :, :keep, :keep] for t in row], 4))
    return torch.cat(out_rows, 3)


def scale_of(cfg):
    return 2 ** (len(cfg["block_out_channels"]) - 1)


def tiled_encode(w, cfg, x, tile, tile_t):
    """encode() with spatial tiles of tile pixels (0: none) and temporal
    chunks of tile_t frames (0: none), only when x exceeds one of them."""
    T, H, W = x.shape[2:]
    if not ((tile and (H > tile or W > tile)) or (tile_t and T > tile_t)):
        return encode(w, cfg, x)
    lat = tile // scale_of(cfg)
    parts = []
    for k, (s, e) in enumerate(time_chunks(T, tile_t)):
        chunk = x[:, :, s:e]
        m = tiled_2d(lambda v: encode(w, cfg, v), chunk, tile, lat) if tile else encode(w, cfg, chunk)
        parts.append(m if k == 0 else m[:, :, 1:])
    return torch.cat(parts, 2)


def tiled_decode(w, cfg, z, tile, tile_t):
    """decode() with latent tiles of tile / scale and latent chunks of
    (tile_t - 1) / 4 + 1 frames, under the same rule as tiled_encode()."""
    T, H, W = z.shape[2:]
    lat = tile // scale_of(cfg)
    lat_t = (tile_t - 1) // 4 + 1 if tile_t else 0
    if not ((lat and (H > lat or W > lat)) or (lat_t and T > lat_t)):
        return decode(w, cfg, z)
    parts = []
    for k, (s, e) in enumerate(time_chunks(T, lat_t)):
        chunk = z[:, :, s:e]
        v = tiled_2d(lambda q: decode(w, cfg, q), chunk, lat, tile) if lat else decode(w, cfg, chunk)
        parts.append(v if k == 0 else v[:, :, 1:])
    return torch.cat(parts, 2)
