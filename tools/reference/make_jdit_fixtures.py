#!/usr/bin/python3
"""Writes the J-DiT test fixtures under tests/fixtures/jdit/ from lavin's own
PyTorch reference (jdit_reference.py): a tiny model with random weights, and
inputs with the expected velocities and samples, all float32 safetensors.

    /usr/bin/python3 tools/reference/make_jdit_fixtures.py [OUTDIR]
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jdit_reference as ref  # noqa: E402

TINY = {"hidden_size": 72, "depth": 2, "num_heads": 2, "kv_group": 2, "in_channels": 16, "patch_size": 2}


def write_safetensors(path, tensors, metadata=None):
    """The format: u64 header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../tests/fixtures/jdit")
    os.makedirs(out, exist_ok=True)
    torch.set_grad_enabled(False)
    gen = torch.Generator().manual_seed(20261124)
    w = ref.random_weights(TINY, gen)
    config = json.dumps(TINY, separators=(",", ":"))
    write_safetensors(os.path.join(out, "tiny.safetensors"), w, {"lavin.config": config, "lavin.model": "jdit"})

    # One forward: batch 2, three condition frames, one target frame, a
    # non-square 4x6 latent (2x3 tokens per frame).
    B, C, Tc, Tx, H, W = 2, 16, 3, 1, 4, 6
    x = torch.randn(B, C, Tx, H, W, generator=gen)
    cond = torch.randn(B, C, Tc, H, W, generator=gen)
    t = torch.tensor([0.0111, 0.4936])
    v = ref.forward(w, TINY, x, t, cond)
    cond_null = ref.null_condition(cond)
    v_cfg = ref.guided(w, TINY, x, t, cond, cond_null, 1.5)
    write_safetensors(os.path.join(out, "forward.safetensors"),
                      {"x": x, "t": t, "cond": cond, "v": v, "cond_null": cond_null, "v_cfg": v_cfg})

    # Two target frames (video-style), batch 1.
    x2 = torch.randn(1, C, 2, H, W, generator=gen)
    cond2 = torch.randn(1, C, 5, H, W, generator=gen)
    t2 = torch.tensor([0.25])
    write_safetensors(os.path.join(out, "forward_tx2.safetensors"),
                      {"x": x2, "t": t2, "cond": cond2, "v": ref.forward(w, TINY, x2, t2, cond2)})

    # A whole guided sample over the 20-point grid.
    noise = torch.randn(1, C, 1, H, W, generator=gen)
    cond3 = torch.randn(1, C, 3, H, W, generator=gen)
    latent = ref.sample(w, TINY, noise, cond3, ref.GRID_20, 1.5)
    write_safetensors(os.path.join(out, "sample.safetensors"), {"noise": noise, "cond": cond3, "latent": latent})


if __name__ == "__main__":
    main()
