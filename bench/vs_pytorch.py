#!/usr/bin/python3
"""One answer of the README's main command, timed against the same answer
from lavin's PyTorch reference on the same machine.

usage: bench/vs_pytorch.py [--runs N] [--lavin build/cli/lavin] [--model-dir models/lavin-tiny]
                           [--profile]

Runs `lavin run --context depth --pairs 2 --query examples/scene.png` and the
reference pipeline (tools/reference/pipeline_reference.py, with the ST-VAE's
single-frame form that tools/evaluate.py's --engine torch uses) in turn, each
as a fresh process so that start-up counts on both sides, and prints the
median wall and CPU seconds of each and the median of the paired ratios
lavin / PyTorch: pairing keeps the ratio honest on a shared, drifting
machine. --profile adds lavin's per-op table (LAVIN_PROFILE=1) of one more
run. The two engines' decoded pictures are compared at the end.

PyTorch is Debian's python3-torch; install libopenblas0-pthread first, as a
PyTorch user has it: with Debian's reference BLAS it is about 3x slower.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERY = os.path.join(ROOT, "examples", "scene.png")

# The reference's side, run as `python3 -c` in a fresh process.
TORCH_ANSWER = r"""
import os, sys, types
root, model_dir, out = sys.argv[1:4]
sys.path.insert(0, root)
from tools import evaluate
opts = types.SimpleNamespace(model_dir=model_dir, pairs=2, size=128)
evaluate.answer_torch(opts, "depth", [os.path.join(root, "examples", "scene.png")], out)
"""


def timed(cmd, env=None):
    """Wall and CPU (user + system) seconds of one process and its children."""
    # stderr to a file, not a pipe: a pipe read only after the wait would
    # block a child that writes more than the pipe holds.
    with tempfile.TemporaryFile() as log:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        log.seek(0)
        err = log.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"vs_pytorch: {' '.join(cmd[:3])} failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime


def difference(a, b):
    """Largest difference of two 8-bit pictures, and how many values differ."""
    from PIL import Image
    import numpy as np
    x = np.asarray(Image.open(a).convert("RGB"), dtype=np.int64)
    y = np.asarray(Image.open(b).convert("RGB"), dtype=np.int64)
    d = abs(x - y)
    return int(d.max()), int((d > 0).sum()), d.size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--lavin", default=os.path.join(ROOT, "build", "cli", "lavin"))
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "models", "lavin-tiny"))
    ap.add_argument("--profile", action="store_true")
    o = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lavin_vs_pytorch.")
    ours = os.path.join(tmp, "lavin.png")
    theirs = os.path.join(tmp, "torch")
    lavin = [o.lavin, "run", "--context", "depth", "--pairs", "2", "--quiet", "--model-dir", o.model_dir,
             "--query", QUERY, "-o", ours]
    torch = [sys.executable, "-c", TORCH_ANSWER, ROOT, o.model_dir, theirs]
    rows = {"lavin": [], "pytorch": []}
    timed(lavin)  # warm-up: the pipeline cache and the page cache
    timed(torch)
    for _ in range(o.runs):
        rows["lavin"].append(timed(lavin))
        rows["pytorch"].append(timed(torch))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
    wall_ratio = statistics.median(a[0] / b[0] for a, b in zip(rows["lavin"], rows["pytorch"]))
    cpu_ratio = statistics.median(a[1] / b[1] for a, b in zip(rows["lavin"], rows["pytorch"]))
    print(f"{o.runs} alternating runs each, medians; {os.cpu_count()} CPUs")
    print(f"{'engine':<10} {'wall s':>8} {'cpu s':>8}")
    for k in rows:
        print(f"{k:<10} {med[k][0]:8.2f} {med[k][1]:8.2f}")
    print(f"lavin / pytorch: wall {wall_ratio:.2f}, cpu {cpu_ratio:.2f}")
    # The reference hands back the decoded picture; --task colorize makes
    # lavin write that picture instead of the depth read from it.
    picture = os.path.join(tmp, "picture.png")
    timed(lavin[:-1] + [picture, "--task", "colorize", "--keep-model-size"])
    worst, n, size = difference(picture, os.path.join(theirs, "scene.png"))
    print(f"the decoded pictures differ by at most {worst} of 255 on {n} of {size} values")
    if o.profile:
        env = dict(os.environ, LAVIN_PROFILE="1")
        out = subprocess.run(lavin[:-1] + [os.path.join(tmp, "profiled.png")], env=env, capture_output=True,
                             text=True, check=True)
        print(out.stderr, end="")


if __name__ == "__main__":
    main()
