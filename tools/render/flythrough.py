"""Moving-camera flythroughs: one scene, `camera_path` cameras, and the
depth-clip encoding (one inverse-depth range for the whole clip, as
contexts/depth-clip/README.md says), for the bundled clips, training and
evaluation alike."""
import numpy as np

from .camera import camera_path
from .render import render
from .scene import random_scene
from . import targets as T


def flythrough(seed, frames, size):
    """{'rgb', 'depth'} uint8 [frames, size, size, 3] and the float z depth
    'z' [frames, size, size] (inf for the sky) of the flythrough of `seed`."""
    rng = np.random.default_rng(seed)
    scene = random_scene(rng)
    outs = [render(scene, c, size) for c in camera_path(rng, scene, frames)]
    dmin, dmax = T.depth_range([o["depth"] for o in outs])
    return {"rgb": np.stack([o["rgb"] for o in outs]),
            "depth": np.stack([T.encode_depth(o["depth"], dmin, dmax) for o in outs]),
            "z": np.stack([o["depth"] for o in outs]).astype(np.float32)}


def depth_window(z):
    """The depth-clip encoding of z [F, H, W] (any float type) over its own range."""
    z = [d.astype(np.float32) for d in z]
    dmin, dmax = T.depth_range(z)
    return np.stack([T.encode_depth(d, dmin, dmax) for d in z])
