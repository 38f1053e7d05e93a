#!/usr/bin/python3
"""Writes held-out flythroughs for judging lavin-tiny on video
(tools/evaluate_video.py): for flythrough i (seed EVAL_CLIP_SEED_BASE + i,
never trained on), DIR/flyNN.mp4 (all FRAMES frames, what `lavin video`
reads) and DIR/flyNN_past.mp4 (the first PAST frames, what `lavin predict`
continues). The exact targets are not stored: tools/evaluate_video.py
renders them again from the seed (the renderer is a pure function of it).

    /usr/bin/python3 tools/render/make_eval_clips.py OUTDIR [--count 12]
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from tools.render import eval_clips, flythrough  # noqa: E402
from tools.render.make_contexts import write_mp4  # noqa: E402

FRAMES = 21  # 1 + 4 x 5: nine frames of the past and twelve to predict
PAST = 9
SIZE = 128


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=12)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for i, seed in enumerate(eval_clips(a.count)):
        rgb = flythrough(seed, FRAMES, SIZE)["rgb"]
        write_mp4(os.path.join(a.out, f"fly{i:02d}.mp4"), list(rgb))
        write_mp4(os.path.join(a.out, f"fly{i:02d}_past.mp4"), list(rgb[:PAST]))
    print(f"{a.count} flythroughs of {FRAMES} frames at {SIZE}x{SIZE} in {a.out}")


if __name__ == "__main__":
    main()
