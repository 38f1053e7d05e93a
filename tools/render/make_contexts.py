"""Writes lavin's bundled in-context example pairs and examples, all from
fixed held-out seeds, so re-running reproduces them byte for byte (the MP4s
too, given the same ffmpeg/x264 build):

    /usr/bin/python3 tools/render/make_contexts.py [--out REPO_ROOT]

contexts/<task>/sceneNN_{input,target}.png for depth, normal, segmentation,
edges, colorize; contexts/depth-clip/clipNN_{input,target}.mp4; examples/
scene.png, flythrough.mp4 and truth/scene_<task>.png.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.render import (CLIP_SEED_BASE, CONTEXT_SEED_BASE, EXAMPLE_FLYTHROUGH_SEED,  # noqa: E402
                          EXAMPLE_SCENE_SEED, flythrough, random_camera, random_scene, render)
from tools.render import targets as T  # noqa: E402

TASKS = ("depth", "normal", "segmentation", "edges", "colorize")
PAIRS = 6
SIZE = 256
CLIPS = 4
CLIP_FRAMES = 9
CLIP_SIZE = 128
FLY_FRAMES = 17
FPS = 8
CRF = 12

ENCODING = {
    "depth": """The target is gray (R = G = B) normalised inverse depth over the image's own
range of depths: with d the z distance along the camera's view axis and dmin,
dmax the smallest and largest finite d in the image,

    v = (1/d - 1/dmax) / (1/dmin - 1/dmax),  value = round(255 * v)

so the nearest surface is 255, the farthest 0, and the sky (d = infinity) is 0.
Decode: v = value / 255 (relative inverse depth; the absolute scale is not encoded).""",
    "normal": """The target is the surface normal n (unit length) in camera space: x to the
right, y up, z toward the viewer, encoded per channel as

    (R, G, B) = round((n * 0.5 + 0.5) * 255)

A surface facing the camera is (128, 128, 255); the sky is (128, 128, 255).
Decode: n = normalize(value / 255 * 2 - 1).""",
    "segmentation": """The target paints each pixel with its class colour (PALETTE in
tools/render/targets.py); decode by nearest colour:

| id | class    | RGB             |
|----|----------|-----------------|
{rows}

Colours are pairwise at least 100 apart in RGB.""",
    "edges": """The target is white (255, 255, 255) on edge pixels and black elsewhere, from a
Canny detector on the input's BT.601 luma (Y = 0.299 R + 0.587 G + 0.114 B,
0..255): gaussian blur (sigma {sigma}), Sobel gradients, non-max suppression
along the gradient (4 directions), hysteresis with thresholds low = {low},
high = {high} on the Sobel magnitude (weak pixels kept when 8-connected to a
strong one). tools/render/targets.py `canny` is the reference.""",
    "colorize": """The input is the colour image's BT.601 luma as gray RGB:
Y = round(0.299 R + 0.587 G + 0.114 B), (R, G, B) = (Y, Y, Y).
The target is the colour image itself.""",
}


def write_png(path, arr):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".png")
    os.close(fd)
    Image.fromarray(arr).save(tmp, compress_level=9)
    os.replace(tmp, path)


def write_mp4(path, frames):
    d = os.path.dirname(path)
    with tempfile.TemporaryDirectory(dir=d) as tmpdir:
        for i, f in enumerate(frames):
            Image.fromarray(f).save(os.path.join(tmpdir, f"f{i:03d}.png"))
        tmp = os.path.join(tmpdir, "out.mp4")
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-framerate", str(FPS),
                        "-i", os.path.join(tmpdir, "f%03d.png"), "-c:v", "libx264",
                        "-crf", str(CRF), "-pix_fmt", "yuv420p", "-threads", "1",
                        "-fflags", "+bitexact", "-flags:v", "+bitexact",
                        "-map_metadata", "-1", tmp], check=True)
        os.replace(tmp, path)


def scene_and_camera(seed):
    rng = np.random.default_rng(seed)
    scene = random_scene(rng)
    return scene, random_camera(rng, scene), rng


def pair(task, out):
    rgb = out["rgb"]
    if task == "depth":
        return rgb, T.encode_depth(out["depth"])
    if task == "normal":
        return rgb, T.encode_normal(out["normal"])
    if task == "segmentation":
        return rgb, T.encode_seg(out["seg"])
    if task == "edges":
        return rgb, T.encode_edges(rgb)
    return T.encode_gray(rgb), rgb


def task_readme(task, seeds):
    text = ENCODING[task]
    if task == "segmentation":
        from tools.render import CLASS_NAMES
        rows = "\n".join(f"| {i}  | {n:<8} | {tuple(int(c) for c in T.PALETTE[i])!s:<15} |"
                         for i, n in enumerate(CLASS_NAMES))
        text = text.format(rows=rows)
    elif task == "edges":
        text = text.format(sigma=T.CANNY_SIGMA, low=T.CANNY_LOW, high=T.CANNY_HIGH)
    seed_list = ", ".join(f"{n}: {s}" for n, s in seeds)
    return f"""# {task} in-context examples

{len(seeds)} pairs `NAME_input.png` / `NAME_target.png` ({SIZE}x{SIZE} RGB PNG); a pair
is the files sharing the text before the first `_`.

## Target encoding

{text}

## Make your own

Any image pair encoded as above works as an example. These were rendered by
lavin's procedural renderer (tools/render) with `scene_from_seed`-style seeds
(`numpy.random.default_rng(seed)` -> `random_scene`, then `random_camera`):
{seed_list}.
Regenerate with `/usr/bin/python3 tools/render/make_contexts.py`.
"""


def make_task(root, ti, task):
    d = os.path.join(root, "contexts", task)
    os.makedirs(d, exist_ok=True)
    seeds = []
    for k in range(PAIRS):
        seed = CONTEXT_SEED_BASE + 1000 * ti + k
        name = f"scene{k + 1:02d}"
        scene, cam, _ = scene_and_camera(seed)
        inp, tgt = pair(task, render(scene, cam, SIZE))
        write_png(os.path.join(d, f"{name}_input.png"), inp)
        write_png(os.path.join(d, f"{name}_target.png"), tgt)
        seeds.append((name, seed))
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(task_readme(task, seeds))


def render_clip(seed, frames, size):
    f = flythrough(seed, frames, size)
    return list(f["rgb"]), list(f["depth"])


def make_depth_clip(root):
    d = os.path.join(root, "contexts", "depth-clip")
    os.makedirs(d, exist_ok=True)
    seeds = []
    for k in range(CLIPS):
        seed = CLIP_SEED_BASE + k
        name = f"clip{k + 1:02d}"
        rgb, depth = render_clip(seed, CLIP_FRAMES, CLIP_SIZE)
        write_mp4(os.path.join(d, f"{name}_input.mp4"), rgb)
        write_mp4(os.path.join(d, f"{name}_target.mp4"), depth)
        seeds.append(f"{name}: {seed}")
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(f"""# depth-clip in-context examples

{CLIPS} clip pairs `NAME_input.mp4` / `NAME_target.mp4`: {CLIP_FRAMES} frames,
{CLIP_SIZE}x{CLIP_SIZE}, {FPS} fps, H.264 (yuv420p, crf {CRF}), a camera moving
smoothly (orbit + dolly) through one scene. A pair is the files sharing the
text before the first `_`.

## Target encoding

Each target frame is the `depth` encoding (see ../depth/README.md): gray
normalised inverse depth v = (1/d - 1/dmax) / (1/dmin - 1/dmax), value
round(255 v), sky 0 -- but with ONE dmin, dmax for the whole clip (the
smallest and largest finite depth over all its frames), so a surface keeps
its brightness from frame to frame. H.264 compression perturbs values by a
few levels.

## Make your own

Rendered by tools/render (`numpy.random.default_rng(seed)` -> `random_scene`,
then `camera_path(rng, scene, {CLIP_FRAMES})`) with seeds {", ".join(seeds)}.
Regenerate with `/usr/bin/python3 tools/render/make_contexts.py`.
""")


def make_examples(root):
    d = os.path.join(root, "examples")
    os.makedirs(os.path.join(d, "truth"), exist_ok=True)
    scene, cam, _ = scene_and_camera(EXAMPLE_SCENE_SEED)
    out = render(scene, cam, SIZE)
    write_png(os.path.join(d, "scene.png"), out["rgb"])
    for task in ("depth", "normal", "segmentation", "edges"):
        write_png(os.path.join(d, "truth", f"scene_{task}.png"), pair(task, out)[1])
    rgb, _ = render_clip(EXAMPLE_FLYTHROUGH_SEED, FLY_FRAMES, SIZE)
    write_mp4(os.path.join(d, "flythrough.mp4"), rgb)
    with open(os.path.join(d, "README.md"), "w") as f:
        f.write(f"""# Examples

Held-out inputs (their seeds are used by no context and no training run):

- `scene.png`: {SIZE}x{SIZE} scene, seed {EXAMPLE_SCENE_SEED}; `truth/scene_<task>.png`
  are its exact targets (depth, normal, segmentation, edges) in the encodings
  of contexts/<task>/README.md, for checking lavin's output.
- `flythrough.mp4`: {FLY_FRAMES} frames, {SIZE}x{SIZE}, {FPS} fps, a camera moving
  through the scene of seed {EXAMPLE_FLYTHROUGH_SEED}.

Regenerate with `/usr/bin/python3 tools/render/make_contexts.py`.
""")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--out", default=default_root, help="repository root to write into")
    args = ap.parse_args()
    for ti, task in enumerate(TASKS):
        make_task(args.out, ti, task)
        print(f"contexts/{task}: {PAIRS} pairs")
    make_depth_clip(args.out)
    print(f"contexts/depth-clip: {CLIPS} clips")
    make_examples(args.out)
    print("examples: scene.png, flythrough.mp4, truth/")


if __name__ == "__main__":
    main()
