"""Procedural surface textures: a texture is a small dict of parameters and
`albedo(tex, p)` turns surface points into linear-light albedo.

Points are in the surface's own frame (object centre at the origin, planes in
world coordinates), so a texture moves with its object.
"""
import numpy as np

from .noise import fbm, hash3, value_noise

OBJECT_KINDS = ("noise", "stripes", "checker", "marble", "solid", "wood")
GROUND_KINDS = ("checker", "tiles", "wood", "noise")
WALL_KINDS = ("tiles", "noise", "stripes", "solid")


def srgb_to_linear(c):
    return np.power(np.asarray(c, np.float32), np.float32(2.2))


def _hsv(h, s, v):
    i = int(h * 6.0) % 6
    f = h * 6.0 - int(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]


def random_colour(rng, s=(0.3, 0.85), v=(0.35, 0.95)):
    return _hsv(rng.uniform(), rng.uniform(*s), rng.uniform(*v))


def _pair(rng, contrast):
    """Two related colours: a base and a lighter or darker variant."""
    a = np.array(random_colour(rng))
    b = np.clip(a * rng.uniform(1.0 - contrast, 1.0 + contrast * 0.5)
                + rng.uniform(-0.1, 0.1, 3), 0.02, 1.0)
    return a, b


def make_texture(rng, kind, plane_axes=(0, 2)):
    """Random parameters for one texture of `kind`.

    plane_axes names the two in-plane coordinates for textures that only make
    sense on a plane (tiles, wood planks)."""
    tex = {"kind": kind, "seed": int(rng.integers(1, 2**31)),
           "axes": tuple(plane_axes)}
    if kind == "checker":
        if rng.uniform() < 0.5:
            a, b = np.array([0.9, 0.88, 0.82]), np.array([0.12, 0.12, 0.14])
        else:
            a, b = _pair(rng, 0.8)
        tex.update(a=a, b=b, scale=rng.uniform(0.7, 2.0))
    elif kind == "tiles":
        a = np.array(random_colour(rng, s=(0.1, 0.6), v=(0.4, 0.9)))
        tex.update(a=a, grout=np.array([0.25, 0.24, 0.22]) * rng.uniform(0.6, 1.6),
                   scale=rng.uniform(0.8, 2.2), brick=bool(rng.uniform() < 0.5),
                   vary=rng.uniform(0.1, 0.35))
    elif kind == "wood":
        base = np.array(_hsv(rng.uniform(0.05, 0.1), rng.uniform(0.45, 0.75),
                             rng.uniform(0.45, 0.8)))
        tex.update(a=base, b=base * rng.uniform(0.45, 0.7),
                   scale=rng.uniform(2.0, 5.0), plank=rng.uniform(0.25, 0.5))
    elif kind == "noise":
        a, b = _pair(rng, 0.7)
        tex.update(a=a, b=b, scale=rng.uniform(0.8, 4.0))
    elif kind == "stripes":
        a, b = _pair(rng, 0.9)
        d = rng.normal(size=3)
        tex.update(a=a, b=b, dir=d / np.linalg.norm(d), scale=rng.uniform(4.0, 12.0))
    elif kind == "marble":
        a = np.array(random_colour(rng, s=(0.0, 0.15), v=(0.8, 0.97)))
        b = np.array(random_colour(rng, s=(0.2, 0.6), v=(0.15, 0.5)))
        d = rng.normal(size=3)
        tex.update(a=a, b=b, dir=d / np.linalg.norm(d), scale=rng.uniform(2.0, 5.0))
    elif kind == "solid":
        tex.update(a=np.array(random_colour(rng)))
    else:
        raise ValueError(f"textures: unknown texture kind {kind!r}")
    for key in ("a", "b", "grout"):
        if key in tex:
            tex[key] = srgb_to_linear(tex[key])
    return tex


def _mix(a, b, t):
    t = t[:, None]
    return a[None, :] * (1.0 - t) + b[None, :] * t


def _smooth(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def albedo(tex, p):
    """Linear albedo [N, 3] at points p [N, 3]."""
    p = p.astype(np.float32)
    kind, seed = tex["kind"], tex["seed"]
    if kind == "checker":
        q = np.floor(p * np.float32(tex["scale"])).astype(np.int64)
        c = ((q[:, 0] + q[:, 1] + q[:, 2]) & 1).astype(np.float32)
        grime = 0.85 + 0.3 * fbm(p * 3.0, seed, 3)
        return _mix(tex["a"], tex["b"], c) * grime[:, None]
    if kind == "tiles":
        u, v = p[:, tex["axes"][0]] * tex["scale"], p[:, tex["axes"][1]] * tex["scale"]
        row = np.floor(v)
        if tex["brick"]:
            u = u * 0.5 + 0.5 * (row.astype(np.int64) & 1)
        col = np.floor(u)
        fu, fv = u - col, v - row
        edge = np.minimum(np.minimum(fu, 1 - fu) * (2.0 if tex["brick"] else 1.0),
                          np.minimum(fv, 1 - fv))
        grout = 1.0 - _smooth(0.02, 0.045, edge)
        ci, ri = col.astype(np.int64), row.astype(np.int64)
        h = hash3(ci, ri, ci * 0, seed)
        shade = 1.0 + tex["vary"] * (h - 0.5) * 2.0
        shade = shade * (0.9 + 0.2 * value_noise(p * 6.0, seed + 1))
        tile = tex["a"][None, :] * shade[:, None]
        return tile * (1 - grout[:, None]) + tex["grout"][None, :] * grout[:, None]
    if kind == "wood":
        a0, a1 = tex["axes"]
        w = tex["plank"]
        across = p[:, a1] / w
        plank = np.floor(across)
        pi = plank.astype(np.int64)
        along = p[:, a0] + hash3(pi, pi * 0, pi * 0, seed) * 7.0
        rings = (across - plank) * 1.5 + hash3(pi, pi * 0 + 1, pi * 0, seed) * 4.0
        warp = fbm(np.stack([along * 0.4, rings, p[:, a1] * 0], 1), seed + 2, 3)
        r = np.sin((rings + warp * 2.5) * tex["scale"] * 3.0) * 0.5 + 0.5
        grain = value_noise(np.stack([along * 1.5, across * 40.0, rings], 1), seed + 3)
        t = np.clip(r ** 3 * 0.8 + grain * 0.3, 0.0, 1.0)
        col = _mix(tex["a"], tex["b"], t)
        f = across - plank
        gap = 1.0 - 0.7 * (1.0 - _smooth(0.0, 0.03, np.minimum(f, 1 - f)))
        return col * gap[:, None]
    if kind == "noise":
        n = fbm(p * np.float32(tex["scale"]), seed, 4)
        return _mix(tex["a"], tex["b"], _smooth(0.3, 0.7, n))
    if kind == "stripes":
        s = np.sin((p @ tex["dir"].astype(np.float32)) * tex["scale"]) * 0.5 + 0.5
        wob = 0.9 + 0.2 * value_noise(p * 4.0, seed)
        return _mix(tex["a"], tex["b"], _smooth(0.35, 0.65, s)) * wob[:, None]
    if kind == "marble":
        n = fbm(p * np.float32(tex["scale"]), seed, 4)
        s = np.sin((p @ tex["dir"].astype(np.float32)) * 4.0 + n * 9.0)
        vein = np.power(1.0 - np.abs(s), 6.0)
        return _mix(tex["a"], tex["b"], np.clip(vein, 0, 1) * 0.9)
    if kind == "solid":
        n = 0.93 + 0.14 * value_noise(p * 3.0, seed)
        return tex["a"][None, :] * n[:, None]
    raise ValueError(f"textures: unknown texture kind {kind!r}")
