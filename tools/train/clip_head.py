"""Starts head 1 of a trained J-DiT's first block as a clip head: the
target's query weights of head 0, the positional head that `align_heads`
starts and training keeps, with their phase on RoPE's time axis moved back
by SHIFT frames.

Why: the J-DiT lays condition and target frames out one after another on
the time axis, so head 0, which makes a picture's target read the query one
frame back, makes every frame of a three-frame clip target read the query
clip's last latent frame (frames 5 to 8 of nine). Clip depth then answers
frame 0 from where the camera is at frame 5 or later. A head that reads
query frame j for target frame j needs a lag of three frames, which plain
training does not find (lavin-tiny's depth clips lost accuracy in exactly
those frames; tools/train/README.md). RoPE scores depend on the lag only,
so rotating head 0's query by -SHIFT * theta_j on the time axis gives a
head whose positional scores are head 0's moved SHIFT frames further back.
Head 0's scores also depend on content, which does not move: on a held-out
clip, with SHIFT 3, target frames 0, 1, 2 gave 46%, 55% and 75% of head
1's attention to query frames 0, 1, 2 (SHIFT 2 landed a frame late).
Head 1 shares head 0's keys (kv_group 2), so only its query changes; what it
held before is lost and training picks up from there. The query norm's gain
becomes the pair's geometric mean, because the rotation mixes the pair.

    /usr/bin/python3 -m tools.train.clip_head --run runs/jdit --shift 3
"""
import argparse
import os
import sys

import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.train import checkpoint  # noqa: E402


def time_rotation(rows, d, shift):
    """rows [..., hd, D] of one head's query weights, time axis first (d
    dims, pairs (j, j + d/2) as jdit_reference.rope_axis): each pair turned
    by -shift * 10000^(-2j/d)."""
    theta = 10000.0 ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = -shift * theta
    c, s = ang.cos().to(rows.dtype)[:, None], ang.sin().to(rows.dtype)[:, None]
    out = rows.clone()
    a, b = rows[..., :d // 2, :], rows[..., d // 2:d, :]
    out[..., :d // 2, :] = c * a - s * b
    out[..., d // 2:d, :] = s * a + c * b
    return out


def graft(state, block, shift):
    """Head 1 of `block`'s target queries := head 0's, moved `shift` frames
    back, in the raw weights and the EMA; its Adam moments restart (first
    moment zero, second head 0's)."""
    cfg = state["config"]
    hd = cfg["hidden_size"] // cfg["num_heads"]
    d = hd // 3
    if cfg["kv_group"] < 2:
        raise ValueError("head 1 must share head 0's keys (kv_group >= 2)")
    q, g = f"blocks.{block}.joint_attn.x_q.weight", f"blocks.{block}.joint_attn.x_qnorm.weight"
    with torch.no_grad():
        for part in ("weights", "ema"):
            w = state[part]
            w[q][hd:2 * hd] = time_rotation(w[q][:hd], d, shift)
            gain = w[g][:hd].clone()
            mean = (gain[:d // 2] * gain[d // 2:d]).sqrt()
            gain[:d // 2], gain[d // 2:d] = mean, mean
            w[g][hd:2 * hd] = gain
    names = list(state["weights"])
    for name in (q, g):
        moments = state["opt"]["state"][names.index(name)]
        moments["exp_avg"][hd:2 * hd] = 0
        moments["exp_avg_sq"][hd:2 * hd] = moments["exp_avg_sq"][:hd]
    return state


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, help="the J-DiT run whose state.pt is grafted in place")
    ap.add_argument("--block", type=int, default=0)
    ap.add_argument("--shift", type=float, default=3.0, help="frames further back than head 0")
    a = ap.parse_args()
    path = os.path.join(a.run, "state.pt")
    checkpoint.save(path, **graft(checkpoint.load(path), a.block, a.shift))
    print(f"{path}: head 1 of block {a.block} is head 0 moved {a.shift:g} frames back")


if __name__ == "__main__":
    main()
