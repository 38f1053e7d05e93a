#!/usr/bin/python3
"""Writes an evaluation set of held-out scenes (tools/render eval_scenes):
for scene i, DIR/evalNN.png (the query) and its exact targets
DIR/evalNN_depth.safetensors (z depth 'depth' [H, W] f32, 0 for the sky),
evalNN_normal.png, evalNN_segmentation.png and evalNN_edges.png, in the
encodings of contexts/<task>/README.md. `lavin eval` scores answers
against them.

    /usr/bin/python3 tools/render/make_eval.py OUTDIR [--count 50] [--size 128]
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from tools.render import eval_scenes, render  # noqa: E402
from tools.render.make_contexts import pair, scene_and_camera, write_png  # noqa: E402


def write_depth(path, depth):
    """safetensors with one f32 tensor, written as the format says."""
    d = np.where(np.isfinite(depth), depth, 0).astype("<f4")
    header = json.dumps({"depth": {"dtype": "F32", "shape": list(d.shape),
                                   "data_offsets": [0, d.nbytes]}}, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + d.tobytes())
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--size", type=int, default=128)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for i, seed in enumerate(eval_scenes(args.count)):
        scene, cam, _ = scene_and_camera(seed)
        out = render(scene, cam, args.size)
        name = os.path.join(args.out, f"eval{i:02d}")
        write_png(name + ".png", out["rgb"])
        write_depth(name + "_depth.safetensors", out["depth"])
        for task in ("normal", "segmentation", "edges"):
            write_png(f"{name}_{task}.png", pair(task, out)[1])
    print(f"{args.count} scenes at {args.size}x{args.size} in {args.out}")


if __name__ == "__main__":
    main()
