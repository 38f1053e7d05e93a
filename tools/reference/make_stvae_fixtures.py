#!/usr/bin/python3
"""Writes the ST-VAE test fixtures under tests/fixtures/stvae/ from lavin's
own PyTorch reference (stvae_reference.py): a tiny model with random f16
weights (the config of tests/data/models/stvae_tiny3.manifest), clips to
encode and latents to decode, with the expected float32 outputs; and a
4-block model (stvae_tiny4.manifest, whose last level only compresses
space, as the released one's does) with untiled and tiled cases.

    /usr/bin/python3 tools/reference/make_stvae_fixtures.py [OUTDIR]
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stvae_reference as ref  # noqa: E402
from make_jdit_fixtures import write_safetensors  # noqa: E402

TINY = {"block_out_channels": [32, 32, 64], "layers_per_block": 2, "latent_channels": 8, "norm_num_groups": 8,
        "temporal_compression_ratio": 4}
TINY4 = {"block_out_channels": [32, 32, 64, 64], "layers_per_block": 1, "latent_channels": 16, "norm_num_groups": 8,
         "temporal_compression_ratio": 4}
# Tiled cases: spatial tile 32 (latent 4) and chunks of 5 frames (latent 2).
TILE, TILE_T = 32, 5


def manifest_from_official_list(path):
    """Names and shapes as tools/reference/manifest.py wrote them."""
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, shape = line.split()
            out[name] = [int(s) for s in shape.split(",")]
    return out


def random_weights(manifest, gen):
    """Unit-scale activations whatever the fan-in; norms near identity;
    rounded through f16, the fixtures' storage."""
    w = {}
    for name, shape in manifest_from_official_list(manifest).items():
        fan_in = 1
        for d in shape[1:]:
            fan_in *= d
        t = torch.randn(shape, generator=gen)
        if name.endswith("norm_layer.weight") or (len(shape) == 1 and "norm" in name and name.endswith(".weight")):
            t = 1.0 + 0.2 * t
        elif len(shape) > 1:
            t = t / fan_in ** 0.5
        else:
            t = 0.1 * t
        w[name] = t.half().float()
    return w


def write_tiny4(here, out):
    """Its own generator, so that the older fixtures stay as they were."""
    gen = torch.Generator().manual_seed(20261125)
    w = random_weights(os.path.join(here, "../../tests/data/models/stvae_tiny4.manifest"), gen)
    meta = {"lavin.config": json.dumps(TINY4, separators=(",", ":")), "lavin.model": "stvae"}
    write_safetensors(os.path.join(out, "tiny4.safetensors"), w, meta, torch.float16)
    x = torch.rand(1, 3, 5, 16, 24, generator=gen) * 2 - 1
    write_safetensors(os.path.join(out, "tiny4_encode_t5.safetensors"),
                      {"video": x, "moments": ref.encode(w, TINY4, x)})
    z = torch.randn(1, 16, 2, 2, 3, generator=gen)
    write_safetensors(os.path.join(out, "tiny4_decode_t2.safetensors"), {"z": z, "video": ref.decode(w, TINY4, z)})
    x = torch.rand(1, 3, 9, 48, 40, generator=gen) * 2 - 1
    write_safetensors(os.path.join(out, "tiny4_tiled_encode.safetensors"),
                      {"video": x, "moments": ref.tiled_encode(w, TINY4, x, TILE, TILE_T)})
    z = torch.randn(1, 16, 3, 6, 5, generator=gen)
    write_safetensors(os.path.join(out, "tiny4_tiled_decode.safetensors"),
                      {"z": z, "video": ref.tiled_decode(w, TINY4, z, TILE, TILE_T)})


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../tests/fixtures/stvae")
    os.makedirs(out, exist_ok=True)
    torch.set_grad_enabled(False)
    gen = torch.Generator().manual_seed(20261124)
    w = random_weights(os.path.join(here, "../../tests/data/models/stvae_tiny3.manifest"), gen)
    meta = {"lavin.config": json.dumps(TINY, separators=(",", ":")), "lavin.model": "stvae"}
    write_safetensors(os.path.join(out, "tiny.safetensors"), w, meta, torch.float16)
    cases = {}
    for T, H, W in ((1, 16, 24), (5, 16, 16), (2, 16, 16)):
        x = torch.rand(1, 3, T, H, W, generator=gen) * 2 - 1
        cases[f"encode_t{T}"] = {"video": x, "moments": ref.encode(w, TINY, x)}
    for T in (1, 3):
        z = torch.randn(1, 8, T, 4, 6, generator=gen)
        cases[f"decode_t{T}"] = {"z": z, "video": ref.decode(w, TINY, z)}
    for name, tensors in cases.items():
        write_safetensors(os.path.join(out, name + ".safetensors"), tensors)
    write_tiny4(here, out)


if __name__ == "__main__":
    main()
