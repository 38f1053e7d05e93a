"""lavin's procedural scene renderer (numpy only): random scenes, cameras,
and the encodings of the in-context targets (see README.md).

Seeds: a scene is a pure function of its seed (scene_from_seed). Seeds at or
above HELD_OUT_START are reserved for the bundled contexts, the examples and
evaluation; training must draw seeds below it (check with is_held_out).
"""
from .camera import Camera, camera_path, random_camera
from .flythrough import depth_window, flythrough
from .render import render
from .scene import CLASS_NAMES, Scene, random_scene, scene_from_seed

HELD_OUT_START = 10**9
HELD_OUT_SEEDS = range(HELD_OUT_START, 2**63)

# Fixed seeds, all held out. Contexts: base + 1000 * task index + pair index.
CONTEXT_SEED_BASE = HELD_OUT_START
CLIP_SEED_BASE = HELD_OUT_START + 50_000
EXAMPLE_SCENE_SEED = HELD_OUT_START + 90_001
EXAMPLE_FLYTHROUGH_SEED = HELD_OUT_START + 90_002
EVAL_SEED_BASE = HELD_OUT_START + 100_000
EVAL_SCENE_COUNT = 50
EVAL_CLIP_SEED_BASE = HELD_OUT_START + 110_000
EVAL_CLIP_COUNT = 50


def is_held_out(seed):
    """True for seeds reserved for contexts/examples/evaluation."""
    return int(seed) in HELD_OUT_SEEDS


def eval_scenes(n=EVAL_SCENE_COUNT):
    """The first n (at most 50) fixed evaluation scene seeds."""
    if not 0 <= n <= EVAL_SCENE_COUNT:
        raise ValueError(f"eval_scenes: n={n} outside 0..{EVAL_SCENE_COUNT}")
    return [EVAL_SEED_BASE + i for i in range(n)]


def eval_clips(n=EVAL_CLIP_COUNT):
    """The first n (at most 50) fixed evaluation flythrough seeds."""
    if not 0 <= n <= EVAL_CLIP_COUNT:
        raise ValueError(f"eval_clips: n={n} outside 0..{EVAL_CLIP_COUNT}")
    return [EVAL_CLIP_SEED_BASE + i for i in range(n)]


__all__ = ["Camera", "Scene", "CLASS_NAMES", "camera_path", "random_camera", "random_scene",
           "render", "flythrough", "depth_window", "scene_from_seed", "HELD_OUT_START", "HELD_OUT_SEEDS", "is_held_out",
           "eval_scenes", "eval_clips", "CONTEXT_SEED_BASE", "CLIP_SEED_BASE", "EXAMPLE_SCENE_SEED",
           "EXAMPLE_FLYTHROUGH_SEED", "EVAL_SEED_BASE", "EVAL_CLIP_SEED_BASE"]
