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
# head dim 72 with one kv group, and head dim 36 with four kv groups
HD72 = {"hidden_size": 72, "depth": 1, "num_heads": 1, "kv_group": 1, "in_channels": 16, "patch_size": 2}
G4 = {"hidden_size": 144, "depth": 1, "num_heads": 4, "kv_group": 4, "in_channels": 16, "patch_size": 2}

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def write_safetensors(path, tensors, metadata=None, dtype=torch.float32):
    """The format: u64 header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.contiguous().to(dtype)
        data = (t.view(torch.int16) if dtype != torch.float32 else t).numpy().tobytes()
        header[name] = {"dtype": DTYPES[dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def model(out, name, cfg, gen, dtype=torch.float32):
    """Random weights rounded to the stored dtype: the reference runs in f32
    on exactly the values the file holds."""
    w = {k: v.to(dtype).float() for k, v in ref.random_weights(cfg, gen).items()}
    meta = {"lavin.config": json.dumps(cfg, separators=(",", ":")), "lavin.model": "jdit"}
    write_safetensors(os.path.join(out, name + ".safetensors"), w, meta, dtype)
    return w


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../tests/fixtures/jdit")
    os.makedirs(out, exist_ok=True)
    torch.set_grad_enabled(False)
    gen = torch.Generator().manual_seed(20261124)
    w = model(out, "tiny", TINY, gen)
    w72 = model(out, "tiny_hd72_bf16", HD72, gen, torch.bfloat16)
    wg4 = model(out, "tiny_g4_f16", G4, gen, torch.float16)

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

    # The other configs: square 6x6 latent, one condition frame.
    x3 = torch.randn(1, C, 1, 6, 6, generator=gen)
    cond3 = torch.randn(1, C, 1, 6, 6, generator=gen)
    t3 = torch.tensor([0.81])
    for name, ww, cfg in (("forward_hd72_bf16", w72, HD72), ("forward_g4_f16", wg4, G4)):
        write_safetensors(os.path.join(out, name + ".safetensors"),
                          {"x": x3, "t": t3, "cond": cond3, "v": ref.forward(ww, cfg, x3, t3, cond3)})

    # A whole guided sample over the 20-point grid.
    noise = torch.randn(1, C, 1, H, W, generator=gen)
    cond4 = torch.randn(1, C, 3, H, W, generator=gen)
    latent = ref.sample(w, TINY, noise, cond4, ref.GRID_20, 1.5)
    write_safetensors(os.path.join(out, "sample.safetensors"), {"noise": noise, "cond": cond4, "latent": latent})


if __name__ == "__main__":
    main()
