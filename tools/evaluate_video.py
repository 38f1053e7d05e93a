#!/usr/bin/python3
"""Scores a model on held-out flythroughs (tools/render/make_eval_clips.py)
with lavin itself, against targets rendered again from each flythrough's
seed, and prints a Markdown table (or, with --json, the figures):

- depth, per frame (`lavin video`, the depth context) and as clips
  (`lavin video --clip`, the depth-clip context), read from the 16-bit
  depth data `--frames-dir` writes: AbsRel per frame (as
  `lavin eval`: least-squares scale and shift in inverse depth per frame),
  median and mean; and flicker: the answer aligned to the truth's inverse
  depth with ONE scale and shift for the whole flythrough, the mean absolute
  change between consecutive frames minus the truth's own, over the pixels
  valid in both, relative to the truth's mean inverse depth (0: the
  answer changes exactly as much as the scene does; negative: less, which a
  soft or still answer also scores), and the change error: the mean
  absolute difference between the answer's and the truth's change from
  frame to frame, likewise relative (0 for the exact depth, and for any
  answer that differs from it by one scale and shift); next to a flat
  answer (one depth everywhere, `lavin eval --baseline`);
- prediction (`lavin predict` from the first nine frames): PSNR (RGB) and
  SSIM (luma, Gaussian window 11, sigma 1.5, as Wang et al. 2004) of each
  predicted frame against the rendered truth, next to two baselines:
  repeating the last input frame (strong: the camera moves slowly), and a
  flat frame of its mean colour (trivial).

Clips are lavin's default length (the model's: lavin-tiny's five frames)
at lavin's default stride unless --clip-frames and --clip-stride name
others, each length scored as a mode of its own; --modes runs a part. Each
flythrough is sampled --seeds times (lavin's --seed 0 .. N-1) and the
figures pool the draws' frames.

Needs numpy and PIL only, so the tests can run it.

    /usr/bin/python3 tools/evaluate_video.py --clips DIR [--count 12] [--lavin build/cli/lavin]
        [--model-dir models/lavin-tiny] [--pairs 2] [--steps 20] [--clip-frames model[,9...]]
        [--clip-stride S] [--modes frame,clip,predict] [--seeds 3] [--jobs 1] [--json]
"""
import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tools.render import eval_clips, flythrough  # noqa: E402
from tools.render.make_eval_clips import FRAMES, PAST, SIZE  # noqa: E402

PREDICT = (4, 12)


def luma(rgb):
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def valid(z):
    return np.isfinite(z) & (z > 0)


def absrel(pred, z):
    """lavin eval's depth AbsRel (tasks/metrics.c) of one frame, pred the
    answer's normalised inverse depth."""
    m = valid(z)
    p, q = pred[m], 1.0 / z[m]
    s, t = np.polyfit(p, q, 1) if p.std() > 1e-9 else (0.0, q.mean())
    a = np.maximum(s * p + t, 0.1 * q.min())
    return float(np.mean(np.abs(1.0 / a - z[m]) / z[m]))


def temporal(preds, zs):
    """(flicker, change error) of the clip-aligned answer (see the top)."""
    m = np.stack([valid(z) for z in zs])
    q = np.where(m, 1.0 / np.where(m, np.stack(zs), 1.0), 0.0)
    p = np.stack(preds)
    s, t = np.polyfit(p[m], q[m], 1) if p[m].std() > 1e-9 else (0.0, q[m].mean())
    a = s * p + t
    both = m[1:] & m[:-1]
    da, dq = (a[1:] - a[:-1])[both], (q[1:] - q[:-1])[both]
    return float((np.abs(da).mean() - np.abs(dq).mean()) / q[m].mean()), float(np.abs(da - dq).mean() / q[m].mean())


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def _gauss_filter(x, sigma=1.5, size=11):
    g = np.exp(-0.5 * ((np.arange(size) - size // 2) / sigma) ** 2)
    g /= g.sum()
    x = np.apply_along_axis(lambda r: np.convolve(r, g, "valid"), 0, x)
    return np.apply_along_axis(lambda r: np.convolve(r, g, "valid"), 1, x)


def ssim(a, b):
    x, y = luma(a), luma(b)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = _gauss_filter(x), _gauss_filter(y)
    sxx = _gauss_filter(x * x) - mx * mx
    syy = _gauss_filter(y * y) - my * my
    sxy = _gauss_filter(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s.mean())


def frames(folder):
    names = sorted(f for f in os.listdir(folder) if f.endswith(".png"))
    return [np.asarray(Image.open(os.path.join(folder, f)).convert("RGB")) for f in names]


def depth_frames(folder):
    """The depth answers of `--task depth`: 16-bit gray, previews left out."""
    names = sorted(f for f in os.listdir(folder) if f.endswith(".png") and not f.endswith(".preview.png"))
    return [np.asarray(Image.open(os.path.join(folder, f))).astype(np.float64) / 65535.0 for f in names]


def run(exe, args):
    subprocess.run([exe] + args + ["--quiet"], check=True)


@functools.lru_cache(maxsize=None)
def rendered(seed):
    """The exact flythrough, rendered once for all of its noise draws."""
    return flythrough(seed, FRAMES, SIZE)


def score(opts, i, seed, work, sample_seed=0):
    """The figures of flythrough i, sampled with lavin's --seed sample_seed."""
    truth = rendered(seed)
    fly = os.path.join(opts.clips, f"fly{i:02d}.mp4")
    past = os.path.join(opts.clips, f"fly{i:02d}_past.mp4")
    common = ["--model-dir", opts.model_dir, "--pairs", str(opts.pairs), "--steps", str(opts.steps),
              "--seed", str(sample_seed)]
    out = {"flythrough": i, "seed": sample_seed}
    work = os.path.join(work, f"{i}-{sample_seed}")
    os.makedirs(work)
    modes = [("frame", ["--context", "depth"])] if "frame" in opts.modes else []
    modes += [(clip_mode(t), ["--context", "depth-clip", "--clip"] + (["--clip-frames", str(t)] if t else []) +
               (["--clip-stride", str(opts.clip_stride)] if opts.clip_stride else []))
              for t in opts.clip_frames if "clip" in opts.modes]
    for mode, extra in modes:
        d = os.path.join(work, mode)
        run(opts.lavin, ["video", "--in", fly, "--frames-dir", d, "--task", "depth"] + extra + common)
        got = depth_frames(d)
        if len(got) != FRAMES:
            raise SystemExit(f"{fly}: lavin video --frames-dir wrote {len(got)} frames, not {FRAMES}")
        out[mode] = {"absrel": [absrel(p, z) for p, z in zip(got, truth["z"])]}
        out[mode]["flicker"], out[mode]["change_error"] = temporal(got, list(truth["z"]))
    flat = [np.zeros(truth["z"][0].shape)] * FRAMES
    out["flat"] = {"absrel": [absrel(p, z) for p, z in zip(flat, truth["z"])]}
    out["flat"]["flicker"], out["flat"]["change_error"] = temporal(flat, list(truth["z"]))
    last = truth["rgb"][PAST - 1]
    flat = np.broadcast_to(np.round(last.reshape(-1, 3).mean(0)).astype(np.uint8), last.shape)
    for n in PREDICT if "predict" in opts.modes else ():
        d = os.path.join(work, f"predict{n}")
        run(opts.lavin, ["predict", "--in", past, "--frames", str(n), "--frames-dir", d] + common)
        got = frames(d)
        if len(got) != n:
            raise SystemExit(f"{past}: lavin predict --frames-dir wrote {len(got)} frames, not {n}")
        want = truth["rgb"][PAST:PAST + n]
        out[f"predict{n}"] = {"psnr": [psnr(p, t) for p, t in zip(got, want)],
                              "ssim": [ssim(p, t) for p, t in zip(got, want)],
                              "repeat_psnr": [psnr(last, t) for t in want],
                              "repeat_ssim": [ssim(last, t) for t in want],
                              "flat_psnr": [psnr(flat, t) for t in want],
                              "flat_ssim": [ssim(flat, t) for t in want]}
    return out


def clip_mode(frames):
    """The figures' key of clips of that many frames: "clip" for lavin's
    default length (None: the model's)."""
    return f"clip{frames}" if frames else "clip"


def summary(per):
    """Figures over all flythroughs and seeds, their frames pooled: depth
    per mode; prediction per length, over its frames and over the first
    four."""
    s = {}
    for mode in [k for k in per[0] if isinstance(per[0][k], dict) and "absrel" in per[0][k]]:
        a = np.concatenate([p[mode]["absrel"] for p in per])
        s[mode] = {"absrel_median": float(np.median(a)), "absrel_mean": float(a.mean()),
                   "flicker": float(np.mean([p[mode]["flicker"] for p in per])),
                   "change_error": float(np.mean([p[mode]["change_error"] for p in per]))}
    for n in [n for n in PREDICT if f"predict{n}" in per[0]]:
        k = f"predict{n}"
        s[k] = {}
        for m in ("psnr", "ssim", "repeat_psnr", "repeat_ssim", "flat_psnr", "flat_ssim"):
            v = np.array([p[k][m] for p in per])
            s[k][m] = float(v.mean())
            s[k][m + "_first4"] = float(v[:, :4].mean())
            s[k][m + "_per_frame"] = [round(float(x), 4) for x in v.mean(0)]
    return s


def table(s, count, seeds=1):
    sampled = f", {seeds} seeds each" if seeds > 1 else ""
    lines = [f"Depth on {count} held-out flythroughs ({FRAMES} frames, {SIZE}x{SIZE}{sampled}):", "",
             "| mode | AbsRel median | AbsRel mean | flicker | change error |", "| --- | --- | --- | --- | --- |"]
    clips = [(k, f"clips of {k[4:]} frames (`--clip --clip-frames {k[4:]}`)" if k[4:]
              else "clips (`lavin video --clip`, the model's length)") for k in s if k.startswith("clip")]
    for k, what in [("frame", "per frame (`lavin video`)")] + clips + [("flat", "flat (one depth)")]:
        if k not in s:
            continue
        d = s[k]
        lines.append(f"| {what} | {d['absrel_median']:.3f} | {d['absrel_mean']:.3f} | {d['flicker']:.4f} | "
                     f"{d['change_error']:.4f} |")
    if f"predict{PREDICT[0]}" not in s:
        return "\n".join(lines)
    lines += ["", f"Prediction from the first {PAST} frames:", "",
             "| frames | PSNR first 4 | PSNR all | SSIM first 4 | SSIM all |", "| --- | --- | --- | --- | --- |"]
    for n in PREDICT:
        p = s[f"predict{n}"]
        lines.append(f"| {n}, lavin predict | {p['psnr_first4']:.2f} | {p['psnr']:.2f} | "
                     f"{p['ssim_first4']:.3f} | {p['ssim']:.3f} |")
        for k, what in (("repeat", "repeat the last frame"), ("flat", "its mean colour")):
            lines.append(f"| {n}, {what} | {p[k + '_psnr_first4']:.2f} | {p[k + '_psnr']:.2f} | "
                         f"{p[k + '_ssim_first4']:.3f} | {p[k + '_ssim']:.3f} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", required=True, help="make_eval_clips' folder")
    ap.add_argument("--count", type=int, default=12)
    ap.add_argument("--lavin", default=os.path.join(ROOT, "build", "cli", "lavin"))
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "models", "lavin-tiny"))
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--clip-frames", default="model",
                    help="lavin video --clip-frames, or several, comma-separated, each scored as its own mode; "
                         "model: lavin's default, the model's length")
    ap.add_argument("--clip-stride", type=int, default=0,
                    help="lavin video --clip-stride; 0: lavin's default (half a clip)")
    ap.add_argument("--modes", default="frame,clip,predict",
                    help="what to run, comma-separated: frame (per-frame depth), clip (clip depth), predict")
    ap.add_argument("--seeds", type=int, default=3,
                    help="sample each flythrough with lavin's --seed 0 .. N-1: one draw of the noise moves a "
                         "flythrough's AbsRel by as much as the gap between two releases")
    ap.add_argument("--jobs", type=int, default=1, help="lavin runs at a time")
    ap.add_argument("--json", action="store_true", help="print the figures, and each flythrough's, as JSON")
    opts = ap.parse_args()
    if opts.seeds < 1 or opts.jobs < 1 or opts.clip_stride < 0:
        ap.error("--seeds and --jobs take a count of at least 1, --clip-stride one of at least 0")
    opts.modes = opts.modes.split(",")
    if not opts.modes or not set(opts.modes) <= {"frame", "clip", "predict"}:
        ap.error(f"--modes {','.join(opts.modes)}: a comma-separated list of frame, clip and predict")
    try:
        opts.clip_frames = [None if t == "model" else int(t) for t in opts.clip_frames.split(",")]
    except ValueError:
        ap.error(f"--clip-frames {opts.clip_frames}: not a comma-separated list of frame counts")
    runs = [(i, seed, k) for i, seed in enumerate(eval_clips(opts.count)) for k in range(opts.seeds)]
    with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(opts.jobs) as pool:
        per = list(pool.map(lambda r: score(opts, r[0], r[1], work, r[2]), runs))
    s = summary(per)
    print(json.dumps({"summary": s, "flythroughs": per}) if opts.json else table(s, opts.count, opts.seeds))


if __name__ == "__main__":
    main()
