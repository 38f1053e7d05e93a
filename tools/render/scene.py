"""Random scenes: a textured ground, optional back and side walls, 2-6 solid
objects resting on the ground, a sun, a sky gradient and haze.

World frame: y up, the ground is the plane y = 0, objects live around the
origin, the back wall (when present) faces +z and the camera stays in front
of it (see camera.py).
"""
from dataclasses import dataclass, field

import numpy as np

from .textures import (GROUND_KINDS, OBJECT_KINDS, WALL_KINDS, make_texture,
                       random_colour, srgb_to_linear)

# Segmentation class ids; targets.PALETTE holds their colours.
SKY, GROUND, WALL, SPHERE, BOX, CYLINDER = range(6)
CLASS_NAMES = ("sky", "ground", "wall", "sphere", "box", "cylinder")


@dataclass
class Surface:
    """One traceable thing. kind: plane | sphere | box | cylinder.

    plane: normal n, offset d (points with n.p = d), optional max_y.
    sphere: centre c, radius r. box: centre c, half extents h, yaw angle.
    cylinder: centre c (base at c[1]), radius r, height hgt."""
    kind: str
    cls: int
    texture: dict
    params: dict
    ks: float = 0.05
    shininess: float = 16.0


@dataclass
class Scene:
    surfaces: list
    sun_dir: np.ndarray
    sun_colour: np.ndarray
    sun_softness: float
    sky_zenith: np.ndarray
    sky_horizon: np.ndarray
    ambient: float
    fog_density: float
    exposure: float
    centre: np.ndarray
    side_wall: int = 0          # -1 wall at -x, +1 wall at +x, 0 none
    back_wall_z: float = field(default=-np.inf)


def _sky(rng):
    mood = rng.integers(3)
    if mood == 0:    # clear
        zen = (0.18, 0.38, 0.78)
        hor = (0.7, 0.8, 0.92)
    elif mood == 1:  # hazy / overcast
        zen = (0.45, 0.52, 0.62)
        hor = (0.78, 0.8, 0.82)
    else:            # low warm sun
        zen = (0.25, 0.35, 0.65)
        hor = (0.95, 0.78, 0.6)
    j = rng.uniform(-0.05, 0.05, 3)
    return (srgb_to_linear(np.clip(np.array(zen) + j, 0, 1)),
            srgb_to_linear(np.clip(np.array(hor) + j, 0, 1)), mood)


def _material(rng):
    if rng.uniform() < 0.5:
        return float(rng.uniform(0.02, 0.15)), float(rng.uniform(4, 16))
    return float(rng.uniform(0.25, 0.7)), float(rng.uniform(30, 120))


def _objects(rng, n, back_z, side):
    placed = []
    surfaces = []
    for _ in range(200):
        if len(surfaces) == n:
            break
        kind = ("sphere", "box", "cylinder")[rng.integers(3)]
        size = rng.uniform(0.35, 1.0)
        x, z = rng.uniform(-2.8, 2.8), rng.uniform(-2.8, 2.2)
        foot = size * (1.45 if kind == "box" else 1.0)
        if z - foot < back_z + 0.2:
            continue
        if side and abs(side * 4.5 - x) < foot + 0.2:
            continue
        if any(np.hypot(x - px, z - pz) < foot + pr + 0.15 for px, pz, pr in placed):
            continue
        placed.append((x, z, foot))
        tex = make_texture(rng, OBJECT_KINDS[rng.integers(len(OBJECT_KINDS))])
        ks, sh = _material(rng)
        if kind == "sphere":
            s = Surface("sphere", SPHERE, tex, {"c": np.array([x, size, z]), "r": size}, ks, sh)
        elif kind == "box":
            h = np.array([size * rng.uniform(0.6, 1.0), size * rng.uniform(0.4, 1.3),
                          size * rng.uniform(0.6, 1.0)])
            yaw = 0.0 if rng.uniform() < 0.3 else rng.uniform(0, np.pi / 2)
            s = Surface("box", BOX, tex, {"c": np.array([x, h[1], z]), "h": h, "yaw": yaw},
                        ks, sh)
        else:
            s = Surface("cylinder", CYLINDER, tex,
                        {"c": np.array([x, 0.0, z]), "r": size * rng.uniform(0.5, 1.0),
                         "hgt": size * rng.uniform(0.8, 2.8)}, ks, sh)
        surfaces.append(s)
    return surfaces


def random_scene(rng):
    """A random Scene drawn from numpy Generator `rng` (deterministic per seed)."""
    zen, hor, mood = _sky(rng)
    ground = Surface("plane", GROUND,
                     make_texture(rng, GROUND_KINDS[rng.integers(len(GROUND_KINDS))], (0, 2)),
                     {"n": np.array([0.0, 1.0, 0.0]), "d": 0.0}, *(_material(rng)))
    surfaces = [ground]
    back_z, side = -np.inf, 0
    if rng.uniform() < 0.6:
        back_z = -rng.uniform(3.8, 5.5)
        surfaces.append(Surface("plane", WALL,
                                make_texture(rng, WALL_KINDS[rng.integers(len(WALL_KINDS))],
                                             (0, 1)),
                                {"n": np.array([0.0, 0.0, 1.0]), "d": back_z,
                                 "max_y": rng.uniform(2.0, 4.5)}, 0.03, 8.0))
        if rng.uniform() < 0.4:
            side = int(rng.choice([-1, 1]))
            surfaces.append(Surface("plane", WALL,
                                    make_texture(rng, WALL_KINDS[rng.integers(len(WALL_KINDS))],
                                                 (2, 1)),
                                    {"n": np.array([-side, 0.0, 0.0]), "d": -side * 4.5,
                                     "max_y": surfaces[-1].params["max_y"]}, 0.03, 8.0))
    objs = _objects(rng, int(rng.integers(2, 7)), back_z, side)
    surfaces += objs
    elev = rng.uniform(0.35, 1.1) if mood != 2 else rng.uniform(0.25, 0.5)
    az = rng.uniform(-np.pi, np.pi)
    sun = np.array([np.cos(elev) * np.sin(az), np.sin(elev), np.cos(elev) * np.cos(az)])
    warm = np.array([1.0, 0.92, 0.8]) if mood == 2 else np.array([1.0, 0.97, 0.92])
    soft = 0.0 if rng.uniform() < 0.4 else rng.uniform(0.02, 0.07)
    centre = np.mean([s.params["c"] for s in objs], axis=0) if objs else np.zeros(3)
    return Scene(surfaces=surfaces, sun_dir=sun / np.linalg.norm(sun),
                 sun_colour=warm * rng.uniform(2.6, 3.4) * (0.6 if mood == 1 else 1.0),
                 sun_softness=soft, sky_zenith=zen, sky_horizon=hor,
                 ambient=rng.uniform(0.35, 0.6) * (1.5 if mood == 1 else 1.0),
                 fog_density=rng.uniform(0.004, 0.03), exposure=rng.uniform(0.9, 1.2),
                 centre=np.array([centre[0], 0.0, centre[2]]), side_wall=side,
                 back_wall_z=back_z)


def scene_from_seed(seed):
    """The scene a seed names; the same seed always gives the same scene."""
    return random_scene(np.random.default_rng(seed))


__all__ = ["Scene", "Surface", "random_scene", "scene_from_seed", "CLASS_NAMES",
           "SKY", "GROUND", "WALL", "SPHERE", "BOX", "CYLINDER", "random_colour"]
