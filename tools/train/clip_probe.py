"""Clip depth of a J-DiT state through the PyTorch reference alone (no
lavin, no export), on held-out flythroughs (frames 0 to 8) with the bundled
depth-clip pairs 1 and 2:

- the velocity error (MSE) of the EMA weights at fixed t, on the exact
  path x_t = t x1 + (1 - t) x0: the sampler's 20-point grid spends half its
  steps below t = 0.05, which a logit-normal t rarely trains;
- the AbsRel (per frame, as tools/evaluate_video.py) of answers sampled on
  that grid with guidance 1.5, median over all frames and per flythrough.

With --predict CLIPS it probes prediction instead: the velocity error of the
next latent frame after frames 0 to 8 (T_x = 1), on the first --count
flythroughs of the training pool CLIPS and on --count held-out ones, beside
the error of copying the last past latent frame. A held-out error well above
the training error means the model learnt its training pasts by heart.

    /usr/bin/python3 -m tools.train.clip_probe runs/jdit/state.pt [--count 6] [--predict runs/clips.npz]
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools import evaluate_video as ev  # noqa: E402
from tools.render import depth_window, eval_clips, flythrough  # noqa: E402
from tools import train  # noqa: E402
from tools.train import checkpoint, clip_tasks, clips  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import jdit_reference as jref  # noqa: E402
import stvae_reference as vref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMES = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9)


@torch.no_grad()
def velocity_errors(w, cfg, cond, x1):
    """'t: MSE' of the velocity at each of TIMES, one fixed noise draw."""
    errors = []
    for t in TIMES:
        x0 = torch.randn(x1.shape, generator=torch.Generator().manual_seed(1))
        v = jref.forward(w, cfg, t * x1 + (1 - t) * x0, torch.full((len(x1),), t), cond, jref.attention_bhld)
        errors.append(f"{t:g}: {(v - (x1 - x0)).pow(2).mean().item():.4f}")
    return ", ".join(errors)


def probe_predict(w, cfg, encode, pool, count):
    """Prints the velocity errors of `predict` (T_x = 1 after frames 0 to 8)
    on training and held-out flythroughs."""
    win = clip_tasks.WINDOW
    rgb = {"training": clips.load(pool)[0][:count, 0],
           "held-out": [flythrough(seed, clips.FRAMES, ev.SIZE)["rgb"] for seed in eval_clips(count)]}
    for name, frames in rgb.items():
        cond = torch.stack([encode(f[:win]) for f in frames])
        past = cond.shape[2]
        x1 = torch.stack([encode(f)[:, past:past + 1] for f in frames])
        copy = (cond[:, :, -1:] - x1).pow(2).mean().item()
        print(f"{name} ({len(frames)}): velocity error by t: {velocity_errors(w, cfg, cond, x1)}; "
              f"copying the last past frame {copy:.4f}")


def read_video(path, frames):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-frames:v", str(frames), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(frames, ev.SIZE, ev.SIZE, 3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("state")
    ap.add_argument("--count", type=int, default=6, help="held-out flythroughs")
    ap.add_argument("--predict", metavar="CLIPS", help="probe prediction, against this training pool")
    a = ap.parse_args()
    train.use_cpus()
    st = checkpoint.load(a.state)
    w, cfg, vae = st["ema"], st["config"], st["vae"]

    def encode(u8):
        return clip_tasks._encode(vae["weights"], vae["config"], u8)[0].float()

    print(f"{a.state}: step {st['step']}")
    if a.predict:
        probe_predict(w, cfg, encode, a.predict, a.count)
        return
    win = clip_tasks.WINDOW
    folder = os.path.join(ROOT, "contexts", "depth-clip")
    pairs = [encode(read_video(os.path.join(folder, f"clip{k:02d}_{s}.mp4"), win))
             for k in (1, 2) for s in ("input", "target")]
    flys = [flythrough(seed, ev.FRAMES, ev.SIZE) for seed in eval_clips(a.count)]
    cond = torch.stack([torch.cat(pairs + [encode(f["rgb"][:win])], 1) for f in flys])
    x1 = torch.stack([encode(depth_window(f["z"][:win])) for f in flys])
    print(f"velocity error by t: {velocity_errors(w, cfg, cond, x1)}")
    with torch.no_grad():
        scores = []
        for i, f in enumerate(flys):
            noise = torch.randn(x1[i:i + 1].shape, generator=torch.Generator().manual_seed(i))
            z = jref.sample(w, cfg, noise, cond[i:i + 1], jref.GRID_20, 1.5)
            gray = ((vref.decode(vae["weights"], vae["config"], z)[0].clamp(-1, 1) + 1) / 2).mean(0).double().numpy()
            scores.append([ev.absrel(gray[k], f["z"][k]) for k in range(win)])
    per = ", ".join(f"{np.median(s):.3f}" for s in scores)
    print(f"clip AbsRel median {np.median(scores):.4f}; per flythrough {per}")


if __name__ == "__main__":
    main()
