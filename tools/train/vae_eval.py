"""The ST-VAE on held-out flythroughs (tools.render.eval_clips, never trained
on): PSNR of each frame reconstructed as part of a clip (one sequence of 1 +
4k frames through the causal temporal compression) and on its own (T = 1),
for the RGB frames and their depth-clip targets; and the ceiling of
`lavin predict` with this ST-VAE: the frames after the first PAST decoded
the way lavin decodes a prediction (the past encoded on its own, followed
by the exact latent frames of the whole flythrough encoded as one
sequence), next to repeating the last past frame. Posterior means, float32,
the 3-D reference (tools/reference/stvae_reference.py).

    /usr/bin/python3 -m tools.train.vae_eval --vae STATE.pt|models/lavin-tiny [--count 6] [--frames 9]
        [--future 12]
"""
import argparse
import os
import sys

import numpy as np
import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.render import depth_window, eval_clips, flythrough  # noqa: E402
from tools.render.make_eval_clips import PAST  # noqa: E402
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


def encode(w, cfg, u8):
    """uint8 [T, H, W, 3] -> the posterior mean [1, C, T', h, w]."""
    return vref.encode(w, cfg, data.to_unit(u8).movedim(0, 1)[None]).chunk(2, 1)[0]


def decode(w, cfg, mean):
    """The decoded frames as uint8 [T, H, W, 3], the way lavin quantises its output."""
    y = vref.decode(w, cfg, mean)[0].movedim(0, 1).movedim(1, -1)
    return (y / 2 + 0.5).clamp(0, 1).mul(255).to(torch.uint8).numpy()


def roundtrip(w, cfg, u8):
    return decode(w, cfg, encode(w, cfg, u8))


def continuation(w, cfg, u8):
    """The frames after the first PAST as lavin predict decodes a perfect
    prediction of them."""
    past = encode(w, cfg, u8[:PAST])
    return decode(w, cfg, torch.cat([past, encode(w, cfg, u8)[:, :, past.shape[2]:]], 2))[PAST:]


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2, axis=(1, 2, 3))
    return 10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vae", required=True)
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--frames", type=int, default=9, help="frames per clip, 1 + 4k")
    ap.add_argument("--future", type=int, default=12, help="frames after the past to predict, 4k (0: none)")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    w, cfg = load(a.vae)
    res = {k: [] for k in ("rgb clip", "rgb frame", "depth clip", "depth frame", "predicted", "repeat last")}
    for seed in eval_clips(a.count):
        f = flythrough(seed, a.frames, 128)
        for kind, u8 in (("rgb", f["rgb"]), ("depth", depth_window(f["z"]))):
            res[f"{kind} clip"].append(psnr(roundtrip(w, cfg, u8), u8))
            res[f"{kind} frame"].append(psnr(np.concatenate([roundtrip(w, cfg, u8[i:i + 1]) for i in range(len(u8))]), u8))
        if a.future:
            u8 = flythrough(seed, PAST + a.future, 128)["rgb"]
            res["predicted"].append(psnr(continuation(w, cfg, u8), u8[PAST:]))
            res["repeat last"].append(psnr(np.repeat(u8[PAST - 1:PAST], a.future, 0), u8[PAST:]))
    if a.future:
        print(f"frames {PAST} to {PAST + a.future - 1}: perfect latents decoded as lavin predict does, "
              "against repeating the last past frame")
    for k, v in res.items():
        if v:
            v = np.stack(v)
            print(f"{k:12s} PSNR {v.mean():6.2f} dB, first 4 {v[:, :4].mean():6.2f} dB; per frame "
                  + " ".join(f"{x:.1f}" for x in v.mean(0)))


if __name__ == "__main__":
    main()
