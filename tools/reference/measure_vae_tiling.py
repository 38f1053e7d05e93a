#!/usr/bin/python3
"""Measures how far tiled ST-VAE output is from untiled output on a real
photo (tiling changes the GroupNorm statistics), and the device-memory peak
of each, with the lavin command:

    measure_vae_tiling.py LAVIN PHOTO SIZE TILE [MODEL | --released-random]

The photo is resized to SIZE x SIZE (bicubic) into [-1, 1] and encoded
untiled and with --vae-tile TILE; the untiled mean is then decoded both
ways. Errors are normalised: ||tiled - untiled|| / ||untiled||. MODEL
defaults to the 4-block fixture model (random weights); --released-random
writes random f16 weights of the released config (as the fixture generator
makes them) to a temporary file first."""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
from make_jdit_fixtures import write_safetensors  # noqa: E402
from make_stvae_fixtures import random_weights  # noqa: E402


def load(path, name):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        s, e = head[name]["data_offsets"]
        f.seek(8 + n + s)
        return np.frombuffer(f.read(e - s), dtype=np.float32).reshape(head[name]["shape"])


def run(lavin, cmd, model, src, dst, tile):
    p = subprocess.run([lavin, "debug", cmd, "--model", model, "--in", src, "--out", dst, "--vae-tile", tile],
                       capture_output=True, text=True)
    if p.returncode:
        sys.exit(p.stderr)
    print("  " + p.stderr.strip())


def nerr(a, b):
    return float(np.sqrt(((a.astype(np.float64) - b) ** 2).sum() / (b.astype(np.float64) ** 2).sum()))


def main():
    lavin, photo, size, tile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    model = sys.argv[5] if len(sys.argv) > 5 else os.path.join(here, "../../tests/fixtures/stvae/tiny4.safetensors")
    tmp = tempfile.mkdtemp()
    if model == "--released-random":
        model = os.path.join(tmp, "released.safetensors")
        w = random_weights(os.path.join(here, "../../tests/data/models/stvae_released.manifest"),
                           torch.Generator().manual_seed(20261124))
        write_safetensors(model, w, {"lavin.model": "stvae"}, torch.float16)
    im = Image.open(photo).convert("RGB").resize((size, size), Image.BICUBIC)
    x = torch.from_numpy(np.asarray(im, dtype=np.float32) / 127.5 - 1).permute(2, 0, 1)[None, :, None]
    video = os.path.join(tmp, "video.safetensors")
    write_safetensors(video, {"video": x.contiguous()})
    m = {}
    for t in ("off", tile):
        out = os.path.join(tmp, f"m_{t}.safetensors")
        run(lavin, "vae-encode", model, video, out, t)
        m[t] = load(out, "moments")
    half = m["off"].shape[1] // 2
    print(f"encode {size}x{size}, tile {tile}: mean {nerr(m[tile][:, :half], m['off'][:, :half]):.3g}, "
          f"logvar {nerr(m[tile][:, half:], m['off'][:, half:]):.3g}")
    z = os.path.join(tmp, "z.safetensors")
    write_safetensors(z, {"z": torch.from_numpy(m["off"][:, :half].copy())})
    d = {}
    for t in ("off", tile):
        out = os.path.join(tmp, f"d_{t}.safetensors")
        run(lavin, "vae-decode", model, z, out, t)
        d[t] = load(out, "video")
    print(f"decode to {size}x{size}, tile {tile}: {nerr(d[tile], d['off']):.3g}")


if __name__ == "__main__":
    main()
