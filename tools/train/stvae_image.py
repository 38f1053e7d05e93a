"""The ST-VAE (tools/reference/stvae_reference.py) on single frames, as 2-D
convolutions: with T = 1 every causal 3x3x3 convolution sees three copies of
the same frame, so it equals a 2-D convolution with the kernel summed over
time. Training runs this, three times cheaper; tests/check_train.py holds it
to the 3-D reference. Also the parameter manifest and the initialisation."""
import math

import torch
import torch.nn.functional as F


def _resnet_names(prefix, cin, cout, latent=None):
    m = {}
    for n, c in (("norm1", cin), ("norm2", cout)):
        if latent is None:
            m[f"{prefix}.{n}.weight"] = (c,)
            m[f"{prefix}.{n}.bias"] = (c,)
        else:
            m[f"{prefix}.{n}.norm_layer.weight"] = (c,)
            m[f"{prefix}.{n}.norm_layer.bias"] = (c,)
            for conv in ("conv_y", "conv_b"):
                m[f"{prefix}.{n}.{conv}.conv.weight"] = (c, latent, 1, 1, 1)
                m[f"{prefix}.{n}.{conv}.conv.bias"] = (c,)
    m[f"{prefix}.conv1.conv.weight"] = (cout, cin, 3, 3, 3)
    m[f"{prefix}.conv1.conv.bias"] = (cout,)
    m[f"{prefix}.conv2.conv.weight"] = (cout, cout, 3, 3, 3)
    m[f"{prefix}.conv2.conv.bias"] = (cout,)
    if cin != cout:
        m[f"{prefix}.conv_shortcut.weight"] = (cout, cin, 1, 1, 1)
        m[f"{prefix}.conv_shortcut.bias"] = (cout,)
    return m


def manifest(cfg):
    """name -> shape, in the released state dict's order."""
    c, L, lat = cfg["block_out_channels"], cfg["layers_per_block"], cfg["latent_channels"]
    m = {"encoder.conv_in.conv.weight": (c[0], 3, 3, 3, 3), "encoder.conv_in.conv.bias": (c[0],)}
    prev = c[0]
    for i, ch in enumerate(c):
        for j in range(L):
            m.update(_resnet_names(f"encoder.down_blocks.{i}.resnets.{j}", prev, ch))
            prev = ch
        if i + 1 < len(c):
            m[f"encoder.down_blocks.{i}.downsamplers.0.conv.weight"] = (ch, ch, 3, 3)
            m[f"encoder.down_blocks.{i}.downsamplers.0.conv.bias"] = (ch,)
    for j in range(2):
        m.update(_resnet_names(f"encoder.mid_block.resnets.{j}", c[-1], c[-1]))
    m["encoder.norm_out.weight"] = (c[-1],)
    m["encoder.norm_out.bias"] = (c[-1],)
    m["encoder.conv_out.conv.weight"] = (2 * lat, c[-1], 3, 3, 3)
    m["encoder.conv_out.conv.bias"] = (2 * lat,)
    m["decoder.conv_in.conv.weight"] = (c[-1], lat, 3, 3, 3)
    m["decoder.conv_in.conv.bias"] = (c[-1],)
    for j in range(2):
        m.update(_resnet_names(f"decoder.mid_block.resnets.{j}", c[-1], c[-1], lat))
    prev = c[-1]
    rev = list(reversed(c))
    for i, ch in enumerate(rev):
        for j in range(L + 1):
            m.update(_resnet_names(f"decoder.up_blocks.{i}.resnets.{j}", prev, ch, lat))
            prev = ch
        if i + 1 < len(rev):
            m[f"decoder.up_blocks.{i}.upsamplers.0.conv.weight"] = (ch, ch, 3, 3)
            m[f"decoder.up_blocks.{i}.upsamplers.0.conv.bias"] = (ch,)
    for name, shape in (("norm_layer.weight", (rev[-1],)), ("norm_layer.bias", (rev[-1],)),
                        ("conv_y.conv.weight", (rev[-1], lat, 1, 1, 1)), ("conv_y.conv.bias", (rev[-1],)),
                        ("conv_b.conv.weight", (rev[-1], lat, 1, 1, 1)), ("conv_b.conv.bias", (rev[-1],))):
        m["decoder.norm_out." + name] = shape
    m["decoder.conv_out.conv.weight"] = (3, rev[-1], 3, 3, 3)
    m["decoder.conv_out.conv.bias"] = (3,)
    return m


def init_weights(cfg, gen):
    """PyTorch's default convolution init (uniform in +-1/sqrt(fan_in));
    norms at identity; each residual branch's last convolution at zero so
    that every block starts as the identity; the spatial norms' modulation
    at scale 1, shift 0."""
    w = {}
    for name, shape in manifest(cfg).items():
        if len(shape) == 1:
            one = name.endswith("norm1.weight") or name.endswith("norm2.weight") or \
                name.endswith("norm_layer.weight") or name.endswith("norm_out.weight") or \
                name.endswith("conv_y.conv.bias")
            t = torch.ones(shape) if one else torch.zeros(shape)
        elif "conv_y" in name or "conv_b" in name or ".conv2.conv." in name:
            t = torch.zeros(shape)
        else:
            bound = 1.0 / math.sqrt(math.prod(shape[1:]))
            t = (torch.rand(shape, generator=gen) * 2 - 1) * bound
        w[name] = t
    return w


def _conv(w, prefix, x):
    """A causal 3-D convolution of a single frame; 1x1x1 and 3x3x3 kernels."""
    k = w[prefix + ".weight"]
    if k.shape[2] == 1:
        return F.conv2d(x, k[:, :, 0], w[prefix + ".bias"])
    return F.conv2d(x, k.sum(2), w[prefix + ".bias"], padding=k.shape[3] // 2)


def _gn(w, prefix, x, groups):
    return F.group_norm(x, groups, w[prefix + ".weight"], w[prefix + ".bias"], 1e-6)


def _spatial_norm(w, prefix, f, z):
    zq = F.interpolate(z, size=f.shape[2:], mode="nearest")
    n = _gn(w, prefix + ".norm_layer", f, 32)
    return n * _conv(w, prefix + ".conv_y.conv", zq) + _conv(w, prefix + ".conv_b.conv", zq)


def _resnet(w, prefix, x, groups, z=None):
    def norm(name, h):
        return _gn(w, f"{prefix}.{name}", h, groups) if z is None else _spatial_norm(w, f"{prefix}.{name}", h, z)
    h = _conv(w, prefix + ".conv1.conv", F.silu(norm("norm1", x)))
    h = _conv(w, prefix + ".conv2.conv", F.silu(norm("norm2", h)))
    if prefix + ".conv_shortcut.weight" in w:
        x = _conv(w, prefix + ".conv_shortcut", x)
    return x + h


def encode(w, cfg, x):
    """x [B, 3, H, W] in [-1, 1] -> moments [B, 2 * latent, H/s, W/s]."""
    c, L, G = cfg["block_out_channels"], cfg["layers_per_block"], cfg["norm_num_groups"]
    h = _conv(w, "encoder.conv_in.conv", x)
    for i in range(len(c)):
        for j in range(L):
            h = _resnet(w, f"encoder.down_blocks.{i}.resnets.{j}", h, G)
        if i + 1 < len(c):
            p = f"encoder.down_blocks.{i}.downsamplers.0.conv"
            h = F.conv2d(F.pad(h, (0, 1, 0, 1)), w[p + ".weight"], w[p + ".bias"], stride=2)
    for j in range(2):
        h = _resnet(w, f"encoder.mid_block.resnets.{j}", h, G)
    return _conv(w, "encoder.conv_out.conv", F.silu(_gn(w, "encoder.norm_out", h, G)))


def decode(w, cfg, z):
    """z [B, latent, h, w] -> pictures [B, 3, h*s, w*s]."""
    c, L = cfg["block_out_channels"], cfg["layers_per_block"]
    h = _conv(w, "decoder.conv_in.conv", z)
    for j in range(2):
        h = _resnet(w, f"decoder.mid_block.resnets.{j}", h, 32, z)
    for i in range(len(c)):
        for j in range(L + 1):
            h = _resnet(w, f"decoder.up_blocks.{i}.resnets.{j}", h, 32, z)
        if i + 1 < len(c):
            p = f"decoder.up_blocks.{i}.upsamplers.0.conv"
            h = F.conv2d(F.interpolate(h, scale_factor=2.0), w[p + ".weight"], w[p + ".bias"], padding=1)
    return _conv(w, "decoder.conv_out.conv", F.silu(_spatial_norm(w, "decoder.norm_out", h, z)))
