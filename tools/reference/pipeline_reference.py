#!/usr/bin/python3
"""lavin's in-context pipeline (docs/computation.md section 1) in PyTorch, for the
end-to-end fixture: the reference's preprocessing (torchvision bicubic
antialiased resize of uint8 pictures, v / 255 * 2 - 1), posterior samples and
target noise from lavin's documented generator (core/noise.h) so that both
sides draw the same numbers, the J-DiT sampler and the ST-VAE decode, and
the reference's truncation to uint8."""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jdit_reference as jref  # noqa: E402
import stvae_reference as vref  # noqa: E402

M64 = (1 << 64) - 1
SHIFT, SCALE = 0.032470703125, 1.08936170213
POSTERIOR_SALT = 0x706F7374
PAIR_SALT = 0x70616972


def splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def gaussian(seed, n):
    """Elements [0, n) of core/noise.h's stream, written from its comment."""
    out = np.empty(n, dtype=np.float32)
    for k in range((n + 1) // 2):
        x = splitmix64((seed + splitmix64(k)) & M64)
        u1 = ((x >> 40) + 0.5) / 2.0**24
        u2 = ((x >> 16) & 0xFFFFFF) / 2.0**24
        r = math.sqrt(-2.0 * math.log(u1))
        out[2 * k] = r * math.cos(2 * math.pi * u2)
        if 2 * k + 1 < n:
            out[2 * k + 1] = r * math.sin(2 * math.pi * u2)
    return torch.from_numpy(out)


def choose_pairs(n_pairs, count, seed):
    return [splitmix64((seed + splitmix64(k ^ PAIR_SALT)) & M64) % n_pairs for k in range(count)]


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        raw = data[a:b]
        if h["dtype"] == "F32":
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.float32).copy())
        elif h["dtype"] == "F16":
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.float16).astype(np.float32))
        else:
            u = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            t = torch.from_numpy(u.view(np.float32).copy())
        out[name] = t.reshape(h["shape"])
    return out, meta


def read_model(folder):
    """A lavin model folder (lavin_dit.safetensors, stvae.safetensors):
    (jdit weights, jdit config, vae weights, vae config, jdit metadata), the
    J-DiT config in the reference's form (an int patch size)."""
    jw, jmeta = read_safetensors(os.path.join(folder, "lavin_dit.safetensors"))
    vw, vmeta = read_safetensors(os.path.join(folder, "stvae.safetensors"))
    jcfg, vcfg = json.loads(jmeta["lavin.config"]), json.loads(vmeta["lavin.config"])
    jcfg["patch_size"] = jcfg["patch_size"][0]
    return jw, jcfg, vw, vcfg, jmeta


def load_rgb(path):
    return torch.from_numpy(np.array(Image.open(path).convert("RGB"))).permute(2, 0, 1).contiguous()


def resize_u8(img, h, w):
    return TF.resize(img, [h, w], interpolation=TF.InterpolationMode.BICUBIC, antialias=True)


def preprocess(img, h, w):
    return ((resize_u8(img, h, w) / 255.0 - 0.5) * 2).unsqueeze(0).unsqueeze(2)


def encode(vw, vcfg, x, seed, encode_fn=vref.encode):
    moments = encode_fn(vw, vcfg, x)
    C = moments.shape[1] // 2
    mean, logvar = moments[:, :C], moments[:, C:]
    std = torch.exp(0.5 * torch.clamp(logvar, -30.0, 20.0))
    latent = mean + std * gaussian(seed, mean.numel()).reshape(mean.shape)
    return (latent - SHIFT) * SCALE


def run(jw, jcfg, vw, vcfg, pairs, query, size, seed, steps_grid, cfg_scale):
    """pairs: list of (input uint8 CHW, target uint8 CHW); query uint8 CHW.
    Returns the output uint8 CHW at the model's size and at the query's."""
    img = run_batch(jw, jcfg, vw, vcfg, pairs, [query], size, seed, steps_grid, cfg_scale)[0]
    return img, resize_u8(img, query.shape[1], query.shape[2])


def run_batch(jw, jcfg, vw, vcfg, pairs, queries, size, seed, steps_grid, cfg_scale, vae=(vref.encode, vref.decode)):
    """run() for several queries at once, as `lavin run` batches them: the
    pairs are encoded once and every query takes the posterior seed and the
    target noise a single query would, so item b equals run() of queries[b].
    Returns the outputs at the model's size. vae may replace the ST-VAE's
    (encode, decode) with equivalents, e.g. faster ones for single frames."""
    encode_fn, decode_fn = vae
    H, W = size
    post = splitmix64(seed ^ POSTERIOR_SALT)

    def latent(img, k):
        return encode(vw, vcfg, preprocess(img, H, W), k, encode_fn)

    frames = []
    for i, (a, b) in enumerate(pairs):
        frames += [latent(a, post + 2 * i), latent(b, post + 2 * i + 1)]
    ctx = torch.cat(frames, 2)
    q = torch.cat([latent(img, post + 2 * len(pairs)) for img in queries])
    cond = torch.cat([ctx.expand(len(queries), *ctx.shape[1:]), q], 2)
    noise = gaussian(seed, q.numel() // len(queries)).reshape(q.shape[1:]).expand_as(q).contiguous()
    x = jref.sample(jw, jcfg, noise, cond, steps_grid, cfg_scale)
    dec = decode_fn(vw, vcfg, x / SCALE + SHIFT)
    return (torch.clamp(dec / 2 + 0.5, 0, 1) * 255.0).to(torch.uint8)[:, :, 0]
