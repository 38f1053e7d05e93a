"""Runs an exported lavin-tiny through lavin's PyTorch reference and through
`lavin debug sample` on the same noise and condition (the bundled depth
pairs and the example scene, encoded by the exported ST-VAE): the final
latents must agree to a normalised error below 1e-3.

    /usr/bin/python3 -m tools.train.parity --model-dir models/lavin-tiny [--lavin build/cli/lavin]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.train import latents  # noqa: E402
from tools.train import stvae_image as vae  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import jdit_reference as jref  # noqa: E402
from make_jdit_fixtures import write_safetensors  # noqa: E402
from pipeline_reference import load_rgb, preprocess, read_model, read_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIMIT = 1e-3


def condition(vw, vcfg, size):
    ctx = os.path.join(ROOT, "contexts", "depth")
    paths = [os.path.join(ctx, f"scene0{i}_{k}.png") for i in (1, 2) for k in ("input", "target")]
    paths.append(os.path.join(ROOT, "examples", "scene.png"))
    frames = [vae.encode(vw, vcfg, preprocess(load_rgb(p), size, size)[:, :, 0]).chunk(2, 1)[0] for p in paths]
    return latents.normalise(torch.stack(frames, 2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--lavin", default=os.path.join(ROOT, "build", "cli", "lavin"))
    ap.add_argument("--cfg", type=float, default=1.5)
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    dit = os.path.join(a.model_dir, "lavin_dit.safetensors")
    jw, cfg, vw, vcfg, jmeta = read_model(a.model_dir)
    size = int(jmeta["lavin.size"].split("x")[0])
    cond = condition(vw, vcfg, size)
    noise = torch.randn(cond[:, :, :1].shape, generator=torch.Generator().manual_seed(7))
    ref = jref.sample(jw, cfg, noise, cond, jref.GRID_20, a.cfg)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.safetensors"), os.path.join(tmp, "out.safetensors")
        write_safetensors(src, {"noise": noise, "cond": cond})
        subprocess.run([a.lavin, "debug", "sample", "--model", dit, "--in", src, "--out", dst, "--steps", "20",
                        "--cfg", str(a.cfg)], check=True)
        got = read_safetensors(dst)[0]["latent"]
    err = ((got - ref).norm() / ref.norm()).item()
    print(f"normalised error of the final latent, lavin against the reference: {err:.2e} (limit {LIMIT:g})")
    sys.exit(0 if err < LIMIT else 1)


if __name__ == "__main__":
    main()
