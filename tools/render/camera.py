"""Pinhole cameras that look at a scene from in front of its walls, and
smooth camera paths (orbit + dolly + crane) for clips."""
from dataclasses import dataclass

import numpy as np


@dataclass
class Camera:
    pos: np.ndarray
    target: np.ndarray
    fov_deg: float

    def basis(self):
        """(right, up, forward) unit vectors in world space."""
        f = self.target - self.pos
        f = f / np.linalg.norm(f)
        r = np.cross(f, np.array([0.0, 1.0, 0.0]))
        r = r / np.linalg.norm(r)
        u = np.cross(r, f)
        return r, u, f


def _az_range(scene):
    # Stay on the side away from a side wall so the camera never ends up
    # behind it.
    if scene.side_wall < 0:
        return np.radians(-20.0), np.radians(55.0)
    if scene.side_wall > 0:
        return np.radians(-55.0), np.radians(20.0)
    return np.radians(-50.0), np.radians(50.0)


def _clear(scene, pos, margin=2.5):
    """False when the camera would stand in or right next to an object."""
    for s in scene.surfaces:
        p = s.params
        if s.kind == "plane":
            continue
        foot = float(np.hypot(p["h"][0], p["h"][2])) if s.kind == "box" else p["r"]
        if np.hypot(pos[0] - p["c"][0], pos[2] - p["c"][2]) < foot + margin:
            return False
    return True


def _pose(rng, scene):
    for _ in range(50):
        p = _draw_pose(rng, scene)
        if _clear(scene, _camera(p).pos):
            return p
    return p


def _draw_pose(rng, scene):
    lo, hi = _az_range(scene)
    return {"az": rng.uniform(lo, hi), "dist": rng.uniform(5.5, 8.5),
            "height": rng.uniform(1.0, 3.5),
            "look": scene.centre + np.array([rng.uniform(-0.5, 0.5), rng.uniform(0.3, 0.8),
                                             rng.uniform(-0.5, 0.5)]),
            "fov": rng.uniform(45.0, 62.0)}


def _camera(p):
    look = p["look"]
    pos = np.array([look[0] + p["dist"] * np.sin(p["az"]), p["height"],
                    look[2] + p["dist"] * np.cos(p["az"])])
    return Camera(pos=pos, target=look, fov_deg=float(p["fov"]))


def random_camera(rng, scene):
    return _camera(_pose(rng, scene))


def camera_path(rng, scene, n):
    """n cameras moving smoothly (eased) between two random poses; the orbit
    sweep is kept to at most ~35 degrees so consecutive frames overlap."""
    a, b = _pose(rng, scene), _pose(rng, scene)
    lo, hi = _az_range(scene)
    b["az"] = float(np.clip(a["az"] + np.clip(b["az"] - a["az"], -0.6, 0.6), lo, hi))
    b["fov"] = a["fov"]
    cams = []
    for i in range(n):
        s = i / max(n - 1, 1)
        s = s * s * (3.0 - 2.0 * s)
        p = {k: a[k] + (b[k] - a[k]) * s for k in a}
        cams.append(_camera(p))
    return cams
