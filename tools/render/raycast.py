"""Vectorised ray/surface intersection.

Rays: origins O ([3] shared or [N, 3]) and unit directions D [N, 3]. Every
intersect_* returns the nearest hit distance t > EPS per ray, inf on a miss.
Planes are one-sided (hit only from the side their normal faces), the solids
are convex and rays start outside them, so only entering hits matter.
"""
import numpy as np

EPS = 1e-4


def _dot(a, b):
    return a[..., 0] * b[..., 0] + a[..., 1] * b[..., 1] + a[..., 2] * b[..., 2]


def _yaw(yaw):
    c, s = np.cos(yaw), np.sin(yaw)
    # Columns are the box's local axes in world space.
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]], np.float32)


def intersect_plane(p, O, D):
    n = p["n"].astype(np.float32)
    dn = D @ n
    on = _dot(O, n) if O.ndim > 1 else np.float32(O @ n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.float32(p["d"]) - on) / dn
    ok = (dn < -1e-6) & (t > EPS)
    if "max_y" in p:
        y = (O[..., 1] if O.ndim > 1 else O[1]) + t * D[:, 1]
        ok &= y < p["max_y"]
    return np.where(ok, t, np.inf).astype(np.float32)


def intersect_sphere(p, O, D):
    oc = (O - p["c"]).astype(np.float32)
    b = _dot(D, oc)
    cc = _dot(oc, oc) - np.float32(p["r"] ** 2)
    disc = b * b - cc
    t = -b - np.sqrt(np.maximum(disc, 0.0))
    return np.where((disc > 0) & (t > EPS), t, np.inf).astype(np.float32)


def intersect_box(p, O, D):
    R = _yaw(p["yaw"])
    ol = (O - p["c"]).astype(np.float32) @ R
    dl = D @ R
    h = p["h"].astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.float32(1.0) / dl
        t1 = (-h - ol) * inv
        t2 = (h - ol) * inv
    tn = np.fmax.reduce(np.fmin(t1, t2), axis=-1)
    tf = np.fmin.reduce(np.fmax(t1, t2), axis=-1)
    ok = (tf >= tn) & (tn > EPS)
    return np.where(ok, tn, np.inf).astype(np.float32)


def intersect_cylinder(p, O, D):
    c, r, top = p["c"], p["r"], p["c"][1] + p["hgt"]
    oc = (O - c).astype(np.float32)
    ox, oy, oz = oc[..., 0], oc[..., 1], oc[..., 2]
    dx, dy, dz = D[:, 0], D[:, 1], D[:, 2]
    a = dx * dx + dz * dz
    b = ox * dx + oz * dz
    cc = ox * ox + oz * oz - np.float32(r * r)
    disc = b * b - a * cc
    with np.errstate(divide="ignore", invalid="ignore"):
        ts = (-b - np.sqrt(np.maximum(disc, 0.0))) / a
        ys = oy + ts * dy
        side_ok = (disc > 0) & (ts > EPS) & (ys >= 0) & (ys <= p["hgt"])
        tc = (np.float32(top - c[1]) - oy) / dy
        xc, zc = ox + tc * dx, oz + tc * dz
        cap_ok = (dy < 0) & (tc > EPS) & (xc * xc + zc * zc <= r * r)
    t = np.where(side_ok, ts, np.inf)
    return np.where(cap_ok & (tc < t), tc, t).astype(np.float32)


_INTERSECT = {"plane": intersect_plane, "sphere": intersect_sphere,
              "box": intersect_box, "cylinder": intersect_cylinder}


def trace(surfaces, O, D):
    """Nearest hit per ray: (t [N] float32, index [N] int16 into surfaces, -1 = miss)."""
    t_best = np.full(D.shape[0], np.inf, np.float32)
    idx = np.full(D.shape[0], -1, np.int16)
    for k, s in enumerate(surfaces):
        t = _INTERSECT[s.kind](s.params, O, D)
        closer = t < t_best
        t_best = np.where(closer, t, t_best)
        idx[closer] = k
    return t_best, idx


def occluded(surfaces, O, D):
    """True where a ray hits anything (for shadow rays; the ground is skipped
    because the sun is always above it)."""
    hit = np.zeros(D.shape[0], bool)
    for s in surfaces:
        if s.kind == "plane" and s.params["n"][1] > 0.5:
            continue
        hit |= np.isfinite(_INTERSECT[s.kind](s.params, O, D))
    return hit


def surface_frame(s, P):
    """Normals [M, 3] and texture-space points [M, 3] for hit points P on s."""
    p = s.params
    if s.kind == "plane":
        n = p["n"].astype(np.float32)
        # Drop the coordinate along the normal: it is ~0 +- rounding noise,
        # which would flip floor()-based patterns (checkers) pixel by pixel.
        return np.broadcast_to(n, P.shape), P - np.outer(P @ n, n)
    if s.kind == "sphere":
        q = (P - p["c"]).astype(np.float32)
        return q / np.float32(p["r"]), q
    if s.kind == "box":
        R = _yaw(p["yaw"])
        q = (P - p["c"]).astype(np.float32) @ R
        rel = np.abs(q) / p["h"].astype(np.float32)
        axis = np.argmax(rel, axis=1)
        nl = np.zeros_like(q)
        rows = np.arange(q.shape[0])
        nl[rows, axis] = np.sign(q[rows, axis])
        return nl @ R.T, q
    q = (P - p["c"]).astype(np.float32)
    on_cap = q[:, 1] > p["hgt"] - 1e-3
    radial = q * np.array([1.0, 0.0, 1.0], np.float32)
    radial /= np.maximum(np.linalg.norm(radial, axis=1, keepdims=True), 1e-9)
    n = np.where(on_cap[:, None], np.array([0.0, 1.0, 0.0], np.float32), radial)
    return n.astype(np.float32), q
