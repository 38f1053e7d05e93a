"""Self-check of the renderer and the target encodings (run by hand):

    /usr/bin/python3 tools/render/check.py

Renders a few scenes and asserts: normals unit length and facing the camera,
depth finite and positive exactly where seg is not sky, seg ids valid,
every encoding round-trips within 1/255, palette colours >= 100 apart,
seeds held out as documented, renders deterministic, and timing."""
import os
import sys
import time

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.render import (CLASS_NAMES, camera_path, eval_clips, eval_scenes, is_held_out,  # noqa: E402
                          random_camera, render, scene_from_seed)
from tools.render import targets as T  # noqa: E402


def camera_rays(h, w, fov_deg):
    """Camera-space view rays (x right, y up, looking down -z)."""
    tan = np.tan(np.radians(fov_deg) / 2)
    xs = ((np.arange(w) + 0.5) * 2 / w - 1) * tan * w / h
    ys = (1 - (np.arange(h) + 0.5) * 2 / h) * tan
    X, Y = np.meshgrid(xs, ys)
    return np.stack([X, Y, -np.ones_like(X)], -1)


def check_frame(out, cam):
    rgb, depth, normal, seg = out["rgb"], out["depth"], out["normal"], out["seg"]
    h, w = depth.shape
    assert rgb.shape == (h, w, 3) and rgb.dtype == np.uint8
    assert normal.shape == (h, w, 3) and normal.dtype == np.float32
    assert seg.dtype == np.uint8 and seg.max() < len(CLASS_NAMES)
    sky = seg == 0
    assert np.all(np.isinf(depth[sky])), "sky must have infinite depth"
    assert np.all(np.isfinite(depth[~sky]) & (depth[~sky] > 0)), "non-sky depth must be finite"
    assert np.allclose(np.linalg.norm(normal, axis=-1), 1.0, atol=1e-4), "normals not unit"
    facing = (normal * camera_rays(h, w, cam.fov_deg)).sum(-1)
    assert np.all(facing[~sky] <= 1e-5), "normals must face the camera"
    assert np.all(normal[sky] == np.array([0, 0, 1], np.float32))

    v = T.depth_to_unit(depth)
    assert np.abs(T.decode_depth(T.encode_depth(depth)) - v).max() <= 0.5 / 255 + 1e-6
    enc = T.encode_depth(depth)
    assert np.all(enc[sky] == 0) and enc[..., 0].max() == 255
    assert np.all(enc[..., 0] == enc[..., 1]) and np.all(enc[..., 1] == enc[..., 2])
    back = T.encode_normal(normal).astype(np.float32) / 255 * 2 - 1
    assert np.abs(back - normal).max() <= 1.0 / 255 + 1e-6, "normal round trip"
    assert np.all(T.encode_normal(normal)[sky] == np.array([128, 128, 255]))
    assert np.array_equal(T.decode_seg(T.encode_seg(seg)), seg), "seg round trip"
    gray = T.encode_gray(rgb)
    assert np.abs(gray[..., 0].astype(np.float32) - T.luma(rgb)).max() <= 0.5 + 1e-4
    edges = T.encode_edges(rgb)
    assert set(np.unique(edges)) <= {0, 255} and 0.005 < (edges[..., 0] > 0).mean() < 0.5


def main():
    pal = T.PALETTE.astype(np.float32)
    dist = np.linalg.norm(pal[:, None] - pal[None], axis=-1)
    assert dist[~np.eye(len(pal), dtype=bool)].min() >= 100, "palette colours too close"
    assert len(pal) == len(CLASS_NAMES)
    seeds = eval_scenes()
    assert len(seeds) == 50 == len(set(seeds)) and all(is_held_out(s) for s in seeds)
    clips = eval_clips()
    assert len(clips) == 50 == len(set(clips)) and all(is_held_out(s) for s in clips) and not set(clips) & set(seeds)
    assert not is_held_out(0) and not is_held_out(10**9 - 1) and is_held_out(10**9)

    for seed in (1, 2, 3, 10**9 + 7):
        rng = np.random.default_rng(seed)
        scene = scene_from_seed(seed)
        cam = random_camera(rng, scene)
        check_frame(render(scene, cam, (67, 101)), cam)
    rng = np.random.default_rng(5)
    scene = scene_from_seed(5)
    cams = camera_path(rng, scene, 5)
    for c in cams:
        check_frame(render(scene, c, 64), c)
    moves = [np.linalg.norm(b.pos - a.pos) for a, b in zip(cams, cams[1:])]
    assert max(moves) < 2.0, "camera path jumps"

    a = render(scene_from_seed(11), random_camera(np.random.default_rng(11), scene_from_seed(11)), 96)
    b = render(scene_from_seed(11), random_camera(np.random.default_rng(11), scene_from_seed(11)), 96)
    assert all(np.array_equal(a[k], b[k]) for k in a), "render not deterministic"

    for size, budget in ((128, 0.2), (256, 1.5)):
        times = []
        for seed in range(20, 25):
            rng = np.random.default_rng(seed)
            scene = scene_from_seed(seed)
            cam = random_camera(rng, scene)
            t0 = time.perf_counter()
            render(scene, cam, size)
            times.append(time.perf_counter() - t0)
        med = float(np.median(times))
        print(f"render {size}x{size}: median {med * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
        assert med < budget, f"render {size}x{size} too slow: {med:.3f} s"
    print("tools/render check: OK")


if __name__ == "__main__":
    main()
