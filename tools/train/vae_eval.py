"""The ST-VAE on held-out flythroughs (tools.render.eval_clips, never trained
on): PSNR of each frame reconstructed as part of a clip (one sequence of 1 +
4k frames through the causal temporal compression) and on its own (T = 1),
for the RGB frames and their depth-clip targets. Posterior means, float32,
the 3-D reference (tools/reference/stvae_reference.py).

    /usr/bin/python3 -m tools.train.vae_eval --vae STATE.pt|models/lavin-tiny [--count 6] [--frames 9]
"""
import argparse
import os
import sys

import numpy as np
import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.render import depth_window, eval_clips, flythrough  # noqa: E402
from tools.train import data  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import pipeline_reference as pref  # noqa: E402
import stvae_reference as vref  # noqa: E402


def load(path):
    """(weights, config) of a train_vae_clips or train_jdit state, or a model folder."""
    if os.path.isdir(path):
        _, _, w, cfg, _ = pref.read_model(path)
        return w, cfg
    st = torch.load(path)
    st = st if "delta" in st or "vae" not in st else st["vae"]  # a clip stage, a VAE run, or a J-DiT run
    return st["weights"], st["config"]


def roundtrip(w, cfg, u8):
    """uint8 [T, H, W, 3] -> the reconstruction as uint8, the way lavin
    quantises its output."""
    x = data.to_unit(u8).movedim(0, 1)[None]
    mean = vref.encode(w, cfg, x).chunk(2, 1)[0]
    y = vref.decode(w, cfg, mean)[0].movedim(0, 1).movedim(1, -1)
    return (y / 2 + 0.5).clamp(0, 1).mul(255).to(torch.uint8).numpy()


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2, axis=(1, 2, 3))
    return 10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vae", required=True)
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--frames", type=int, default=9, help="frames per clip, 1 + 4k")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    w, cfg = load(a.vae)
    res = {k: [] for k in ("rgb clip", "rgb frame", "depth clip", "depth frame")}
    for seed in eval_clips(a.count):
        f = flythrough(seed, a.frames, 128)
        for kind, u8 in (("rgb", f["rgb"]), ("depth", depth_window(f["z"]))):
            res[f"{kind} clip"].append(psnr(roundtrip(w, cfg, u8), u8))
            res[f"{kind} frame"].append(psnr(np.concatenate([roundtrip(w, cfg, u8[i:i + 1]) for i in range(len(u8))]), u8))
    for k, v in res.items():
        v = np.stack(v)
        print(f"{k:12s} PSNR {v.mean():6.2f} dB  per frame " + " ".join(f"{x:.1f}" for x in v.mean(0)))


if __name__ == "__main__":
    main()
