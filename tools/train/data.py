"""Training data for lavin-tiny: procedural scenes from tools/render, each
rendered once and turned into the input/target pictures of every task, at
the model's size, through the same bicubic antialiased resize lavin applies
to the bundled 256x256 contexts.

Scenes come from seeds below tools.render.HELD_OUT_START only; the pool is a
pure function of (first seed, count, size), so a run can be rebuilt exactly.

    /usr/bin/python3 -m tools.train.data --out runs/pool.npz --count 1600
"""
import argparse
import multiprocessing
import os
import sys

import numpy as np
import torch
import torchvision.transforms.functional as TF

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.render import is_held_out, random_camera, random_scene, render  # noqa: E402
from tools.render import targets as T  # noqa: E402

RENDER_SIZE = 256
# The pictures kept per scene; a task pairs two of them.
KINDS = ("rgb", "gray", "depth", "normal", "segmentation", "edges")
TASKS = {"depth": ("rgb", "depth"), "normal": ("rgb", "normal"), "segmentation": ("rgb", "segmentation"),
         "edges": ("rgb", "edges"), "colorize": ("gray", "rgb")}
TRAIN_SEED_BASE = 1


def pictures(seed, size):
    """[len(KINDS), size, size, 3] uint8 of the scene of `seed`. Edges are
    found at the model's size, as the evaluation's exact targets are."""
    if is_held_out(seed):
        raise ValueError(f"seed {seed} is held out for evaluation")
    rng = np.random.default_rng(seed)
    scene = random_scene(rng)
    out = render(scene, random_camera(rng, scene), RENDER_SIZE)
    rgb = out["rgb"]
    imgs = {"rgb": rgb, "gray": T.encode_gray(rgb), "depth": T.encode_depth(out["depth"]),
            "normal": T.encode_normal(out["normal"]), "segmentation": T.encode_seg(out["seg"]), "edges": rgb}
    stack = torch.from_numpy(np.stack([imgs[k] for k in KINDS])).permute(0, 3, 1, 2).contiguous()
    if size != RENDER_SIZE:
        stack = TF.resize(stack, [size, size], interpolation=TF.InterpolationMode.BICUBIC, antialias=True)
    stack = stack.permute(0, 2, 3, 1).numpy()
    stack[KINDS.index("edges")] = T.encode_edges(stack[KINDS.index("rgb")])
    return stack


def _job(args):
    return pictures(*args)


def build_pool(first, count, size, workers):
    with multiprocessing.Pool(workers) as p:
        return np.stack(p.map(_job, [(first + i, size) for i in range(count)], chunksize=8))


def load_pool(path):
    with np.load(path) as f:
        return f["pictures"], int(f["first_seed"]), int(f["size"])


def to_unit(u8):
    """uint8 [..., H, W, 3] -> float [..., 3, H, W] in [-1, 1], the reference's v / 255 * 2 - 1."""
    x = torch.from_numpy(np.ascontiguousarray(u8)).float()
    return (x / 255.0 - 0.5).mul(2).movedim(-1, -3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=1600)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--first-seed", type=int, default=TRAIN_SEED_BASE)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    # torch's resize rounds differently with other thread counts, and the
    # pool must be a pure function of its seeds: one thread per worker.
    torch.set_num_threads(1)
    pics = build_pool(a.first_seed, a.count, a.size, a.workers)
    tmp = a.out + ".tmp.npz"
    np.savez(tmp, pictures=pics, first_seed=a.first_seed, size=a.size)
    os.replace(tmp, a.out)
    print(f"{a.out}: {a.count} scenes x {len(KINDS)} pictures at {a.size}x{a.size}")


if __name__ == "__main__":
    main()
