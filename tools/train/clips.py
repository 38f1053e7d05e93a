"""Training clips for lavin-tiny: moving-camera flythroughs from tools/render
(`camera_path`, the motion of examples/flythrough.mp4 and the depth-clip
contexts), rendered at the model's size. Per clip: RGB frames and the
depth-clip encoding (one inverse-depth range for the whole clip, as
contexts/depth-clip/README.md says) and the z depth itself, to encode the
depth of a shorter window over its own range.

Seeds start at CLIP_SEED_BASE, below tools.render.HELD_OUT_START and away
from the picture pool's; the pool is a pure function of (first seed, count,
frames, size).

    /usr/bin/python3 -m tools.train.clips --out runs/clips.npz --count 400
"""
import argparse
import multiprocessing
import os
import sys

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.render import flythrough, is_held_out  # noqa: E402

CLIP_SEED_BASE = 100_000
# 1 + 4 * 5: nine frames of the past (what `lavin predict` reads by default)
# and twelve to predict, or a nine-frame clip (what `lavin video --clip` reads)
# anywhere in it.
FRAMES = 21
KINDS = ("rgb", "depth")


def _job(args):
    seed, frames, size = args
    if is_held_out(seed):
        raise ValueError(f"seed {seed} is held out for evaluation")
    f = flythrough(seed, frames, size)
    return np.stack([f[k] for k in KINDS]), f["z"].astype(np.float16)


def load(path):
    """(uint8 [N, len(KINDS), F, H, W, 3], z depth float16 [N, F, H, W])."""
    with np.load(path) as f:
        return f["clips"], f["z"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--frames", type=int, default=FRAMES)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--first-seed", type=int, default=CLIP_SEED_BASE)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    jobs = [(a.first_seed + i, a.frames, a.size) for i in range(a.count)]
    with multiprocessing.Pool(a.workers) as p:
        out = p.map(_job, jobs, chunksize=4)
    tmp = a.out + ".tmp.npz"
    np.savez(tmp, clips=np.stack([o[0] for o in out]), z=np.stack([o[1] for o in out]), first_seed=a.first_seed,
             frames=a.frames, size=a.size)
    os.replace(tmp, a.out)
    print(f"{a.out}: {a.count} flythroughs x {a.frames} frames at {a.size}x{a.size}")


if __name__ == "__main__":
    main()
