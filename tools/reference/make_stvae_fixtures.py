#!/usr/bin/python3
"""Writes the ST-VAE test fixtures under tests/fixtures/stvae/ from lavin's
own PyTorch reference (stvae_reference.py): a tiny model with random f16
weights (the config of tests/data/models/stvae_tiny3.manifest), clips to
encode and latents to decode, with the expected float32 outputs.

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


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../tests/fixtures/stvae")
    os.makedirs(out, exist_ok=True)
    torch.set_grad_enabled(False)
    gen = torch.Generator().manual_seed(20261124)
    shapes = manifest_from_official_list(os.path.join(here, "../../tests/data/models/stvae_tiny3.manifest"))
    w = {}
    for name, shape in shapes.items():
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


if __name__ == "__main__":
    main()
