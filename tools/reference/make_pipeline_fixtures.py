#!/usr/bin/python3
"""Writes tests/fixtures/pipeline/: a small context folder of procedural
pictures, an odd-sized query, and what lavin's whole in-context pipeline must
make of them with the tiny J-DiT (tests/fixtures/jdit/tiny) and the 4-block
ST-VAE (tests/fixtures/stvae/tiny4) at 32x32, seed 7, 2 pairs, 20 points,
guidance 1.5: expected_model.png (model size) and expected.png (resized back
to the query's size).

    /usr/bin/python3 tools/reference/make_pipeline_fixtures.py
"""
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jdit_reference as jref  # noqa: E402
import pipeline_reference as pref  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
SEED, SIZE, PAIRS, CFG = 7, (32, 32), 2, 1.5


def picture(rng, h, w):
    """Smooth colour fields with a disc: content a resampler must treat with care."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.zeros((h, w, 3))
    for c in range(3):
        fx, fy, ph = rng.uniform(0.02, 0.2), rng.uniform(0.02, 0.2), rng.uniform(0, 6.3)
        img[..., c] = 127.5 + 100 * np.sin(fx * x + fy * y + ph)
    cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, rng.uniform(0.15, 0.3) * min(h, w)
    img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(0, 255, 3)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def main():
    out = os.path.join(ROOT, "tests/fixtures/pipeline")
    ctx = os.path.join(out, "context")
    os.makedirs(ctx, exist_ok=True)
    torch.set_grad_enabled(False)
    rng = np.random.default_rng(20261124)
    names = ["alpha", "beta", "gamma"]
    files = []
    for name in names:
        a = picture(rng, 48, 40)
        b = 255 - a[..., ::-1]
        Image.fromarray(a).save(os.path.join(ctx, f"{name}_input.png"))
        Image.fromarray(np.ascontiguousarray(b)).save(os.path.join(ctx, f"{name}_target.png"))
        files.append((pref.load_rgb(os.path.join(ctx, f"{name}_input.png")),
                      pref.load_rgb(os.path.join(ctx, f"{name}_target.png"))))
    Image.fromarray(picture(rng, 37, 45)).save(os.path.join(out, "query.png"))
    query = pref.load_rgb(os.path.join(out, "query.png"))

    jw, _ = pref.read_safetensors(os.path.join(ROOT, "tests/fixtures/jdit/tiny.safetensors"))
    with open(os.path.join(ROOT, "tests/fixtures/jdit/tiny.json")) as f:
        jcfg = json.load(f)
    jcfg["patch_size"] = jcfg["patch_size"][0] if isinstance(jcfg["patch_size"], list) else jcfg["patch_size"]
    vw, vmeta = pref.read_safetensors(os.path.join(ROOT, "tests/fixtures/stvae/tiny4.safetensors"))
    vcfg = json.loads(vmeta["lavin.config"])

    chosen = [files[i] for i in pref.choose_pairs(len(files), PAIRS, SEED)]
    model, back = pref.run(jw, jcfg, vw, vcfg, chosen, query, SIZE, SEED, jref.GRID_20, CFG)
    Image.fromarray(model.permute(1, 2, 0).numpy()).save(os.path.join(out, "expected_model.png"))
    Image.fromarray(back.permute(1, 2, 0).numpy()).save(os.path.join(out, "expected.png"))
    print("pairs", pref.choose_pairs(len(files), PAIRS, SEED))


if __name__ == "__main__":
    main()
