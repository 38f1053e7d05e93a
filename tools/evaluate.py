#!/usr/bin/python3
"""Scores a model on held-out procedural scenes with lavin itself: for each
task (depth, normal, segmentation, edges), `lavin run` answers every scene
with the task's bundled context, `lavin eval` scores the answers, the
trivial baseline and the answers given with another task's context (which
shows that the context decides the task). Prints a Markdown table.

    /usr/bin/python3 tools/evaluate.py --model-dir models/lavin-tiny [--count 50]
        [--size 128] [--render-size N] [--rope auto|extrapolate|interpolate] [--no-other]
        [--pairs 2] [--steps 20] [--lavin build/cli/lavin] [--engine lavin|torch]

--render-size renders the scenes at another size than the model's --size:
lavin resizes each query to --size and its answer back, and the answers are
scored at the rendered size (how a model fares at sizes it was not trained
at, with the RoPE mode of --rope; docs/computation.md section 2.5.1).
--no-other skips the answers given with another task's context.

--engine torch answers with lavin's PyTorch reference of the pipeline
(tools/reference/pipeline_reference.py, batched, with the same pairs, seeds
and noise; tools/train/parity.py checks lavin against it), which is much
faster than lavapipe on a CPU; scoring is `lavin eval` either way.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from tools.render.make_eval import main as make_eval  # noqa: E402

TASKS = ["depth", "normal", "segmentation", "edges"]
# The context each task is also answered with, to show the context decides.
OTHER = {"depth": "normal", "normal": "depth", "segmentation": "edges", "edges": "segmentation"}
LOWER_IS_BETTER = {"depth": True, "normal": True, "segmentation": False, "edges": False}


def lavin(args, exe):
    return subprocess.run([exe] + args, check=True, capture_output=True, text=True).stdout


def answer(exe, opts, context, queries, out):
    os.makedirs(out, exist_ok=True)
    args = ["run", "--model-dir", opts.model_dir, "--context", context, "--task", "raw", "--pairs", str(opts.pairs),
            "--steps", str(opts.steps), "--size", f"{opts.size}x{opts.size}", "--seed", "0", "--quiet", "-o", out]
    if opts.rope:
        args += ["--rope", opts.rope]
    for q in queries:
        args += ["--query", q]
    lavin(args, exe)


def answer_torch(opts, context, queries, out):
    """The answers `lavin run --pairs P --seed 0` gives to queries at the
    model's size, from the PyTorch reference."""
    import torch
    from PIL import Image
    sys.path.insert(0, os.path.join(ROOT, "tools", "reference"))
    import jdit_reference as jref
    import pipeline_reference as pref
    from tools.train import stvae_image

    torch.set_grad_enabled(False)
    jw, jcfg, vw, vcfg, _ = pref.read_model(opts.model_dir)
    folder = os.path.join(ROOT, "contexts", context)
    names = sorted(f[:-len("_input.png")] for f in os.listdir(folder) if f.endswith("_input.png"))
    chosen = [names[i] for i in pref.choose_pairs(len(names), opts.pairs, 0)]
    pairs = [tuple(pref.load_rgb(os.path.join(folder, f"{n}_{k}.png")) for k in ("input", "target")) for n in chosen]
    vae = (lambda w, c, x: stvae_image.encode(w, c, x[:, :, 0])[:, :, None],
           lambda w, c, z: stvae_image.decode(w, c, z[:, :, 0])[:, :, None])
    os.makedirs(out, exist_ok=True)
    for i in range(0, len(queries), 10):
        part = queries[i:i + 10]
        imgs = pref.run_batch(jw, jcfg, vw, vcfg, pairs, [pref.load_rgb(q) for q in part], (opts.size, opts.size),
                              0, jref.GRID_20, 1.5, vae)
        for q, img in zip(part, imgs):
            Image.fromarray(img.permute(1, 2, 0).numpy()).save(os.path.join(out, os.path.basename(q)))


def score(exe, task, truth, pred=None):
    args = ["eval", "--task", task, "--truth", truth]
    args += ["--pred", pred] if pred else ["--baseline"]
    if task == "segmentation":
        args += ["--context", "segmentation"]
    return float(lavin(args, exe).split()[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--lavin", default=os.path.join(ROOT, "build/cli/lavin"))
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--render-size", type=int, help="the scenes' size (default: --size)")
    ap.add_argument("--rope", choices=("auto", "extrapolate", "interpolate"), help="lavin run's --rope")
    ap.add_argument("--no-other", action="store_true", help="skip the answers with another task's context")
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--engine", choices=("lavin", "torch"), default="lavin")
    opts = ap.parse_args()
    if opts.engine == "torch" and opts.steps != 20:
        ap.error("--engine torch runs the reference's 20-point grid only")
    if opts.engine == "torch" and (opts.rope == "interpolate" or opts.render_size not in (None, opts.size)):
        ap.error("--engine torch answers at the scenes' size with the reference's RoPE positions only")
    render_size = opts.render_size or opts.size
    run = answer if opts.engine == "lavin" else lambda exe, o, c, q, out: answer_torch(o, c, q, out)
    with tempfile.TemporaryDirectory() as tmp:
        scenes = os.path.join(tmp, "scenes")
        sys.argv = ["make_eval", scenes, "--count", str(opts.count), "--size", str(render_size)]
        make_eval()
        names = [f"eval{i:02d}" for i in range(opts.count)]
        queries = [os.path.join(scenes, n + ".png") for n in names]
        rows = []
        for task in TASKS:
            own, other = os.path.join(tmp, task, "own"), os.path.join(tmp, task, "other")
            run(opts.lavin, opts, task, queries, own)
            truth = [os.path.join(scenes, f"{n}_{task}" + (".safetensors" if task == "depth" else ".png"))
                     for n in names]
            model = [score(opts.lavin, task, t, os.path.join(own, n + ".png")) for t, n in zip(truth, names)]
            base = [score(opts.lavin, task, t) for t in truth]
            rows.append((task, model, base))
            if not opts.no_other:
                run(opts.lavin, opts, OTHER[task], queries, other)
                rows[-1] += ([score(opts.lavin, task, t, os.path.join(other, n + ".png"))
                              for t, n in zip(truth, names)],)
    metric = {"depth": "AbsRel", "normal": "mean angle (deg)", "segmentation": "mIoU", "edges": "F1 (2 px)"}
    at = f"{render_size}x{render_size}" + (f", answered at {opts.size}x{opts.size}" if render_size != opts.size else "")
    rope = f", --rope {opts.rope}" if opts.rope else ""
    print(f"{opts.count} held-out scenes at {at}{rope}, {opts.pairs} pairs, {opts.steps} points\n")
    # The median beside the mean because AbsRel is unbounded: one scene whose far
    # ground is fitted past the horizon can outweigh all the others.
    other_column = "" if opts.no_other else " with another task's context (median) |"
    print(f"| task | metric | lavin (median) | trivial baseline (median) |{other_column}")
    print("| --- | --- | ---: | ---: |" + ("" if opts.no_other else " ---: |"))
    for task, *scores in rows:
        arrow = "lower is better" if LOWER_IS_BETTER[task] else "higher is better"
        cells = " | ".join(f"{statistics.mean(x):.3f} ({statistics.median(x):.3f})" for x in scores)
        print(f"| {task} | {metric[task]} ({arrow}) | {cells} |")


if __name__ == "__main__":
    main()
