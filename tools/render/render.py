"""render(scene, camera, size): the RGB photo (2x2 supersampled) and its exact
per-pixel geometry (depth, camera-space normals, class ids) at pixel centres."""
import numpy as np

from .raycast import occluded, surface_frame, trace
from .textures import albedo

# Sub-pixel offsets of the 2x2 supersampling grid and, per sub-sample, the
# direction the sun is nudged by for soft shadows (a fixed pattern keeps
# renders deterministic).
_SUB = ((-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25))
_JITTER = ((1.0, 0.3), (-0.3, 1.0), (-1.0, -0.3), (0.3, -1.0))


def _size(size):
    return (size, size) if np.isscalar(size) else (int(size[0]), int(size[1]))


def _rays(camera, h, w, dx=0.0, dy=0.0):
    r, u, f = (v.astype(np.float32) for v in camera.basis())
    tan = np.float32(np.tan(np.radians(camera.fov_deg) * 0.5))
    xs = ((np.arange(w, dtype=np.float32) + 0.5 + dx) * 2.0 / w - 1.0) * tan * (w / h)
    ys = (1.0 - (np.arange(h, dtype=np.float32) + 0.5 + dy) * 2.0 / h) * tan
    X, Y = np.meshgrid(xs, ys)
    D = X.reshape(-1, 1) * r + Y.reshape(-1, 1) * u + f
    return D / np.linalg.norm(D, axis=1, keepdims=True)


def _sky(scene, D):
    up = np.clip(D[:, 1], 0.0, 1.0) ** 0.6
    col = scene.sky_horizon[None, :] * (1 - up[:, None]) + scene.sky_zenith[None, :] * up[:, None]
    s = np.clip(D @ scene.sun_dir.astype(np.float32), 0.0, 1.0)
    glow = s ** 400 * 8.0 + s ** 12 * 0.25
    return col + glow[:, None] * scene.sun_colour[None, :] * 0.3


def _sun_dirs(scene):
    L = scene.sun_dir
    a = np.cross(L, [0.0, 1.0, 0.0])
    if np.linalg.norm(a) < 1e-6:
        a = np.array([1.0, 0.0, 0.0])
    a /= np.linalg.norm(a)
    b = np.cross(L, a)
    out = []
    for ja, jb in _JITTER:
        v = L + scene.sun_softness * (ja * a + jb * b)
        out.append(v / np.linalg.norm(v))
    return out


def _shade(scene, origin, D, L):
    """Linear radiance [N, 3] for rays from `origin` along D, sun towards L."""
    t, idx = trace(scene.surfaces, origin, D)
    col = _sky(scene, D)
    hit = idx >= 0
    if not hit.any():
        return col
    Dh, th, ih = D[hit], t[hit], idx[hit]
    P = origin + th[:, None] * Dh
    n = np.empty_like(P)
    alb = np.empty_like(P)
    ks = np.empty(P.shape[0], np.float32)
    sh = np.empty(P.shape[0], np.float32)
    for k in np.unique(ih):
        m = ih == k
        s = scene.surfaces[k]
        n[m], q = surface_frame(s, P[m])
        alb[m] = albedo(s.texture, q)
        ks[m], sh[m] = s.ks, s.shininess
    L = L.astype(np.float32)
    ndl = n @ L
    lit = ndl > 0
    vis = np.zeros(P.shape[0], np.float32)
    if lit.any():
        vis[lit] = ~occluded(scene.surfaces, P[lit] + n[lit] * 1e-3, np.broadcast_to(L, (int(lit.sum()), 3)))
    sun = scene.sun_colour.astype(np.float32)
    hemi = 0.5 + 0.5 * n[:, 1]
    sky_amb = scene.sky_zenith * 0.6 + scene.sky_horizon * 0.4
    amb = (hemi[:, None] * sky_amb[None, :] + (1 - hemi[:, None]) * 0.25 * sky_amb[None, :])
    diffuse = (np.maximum(ndl, 0) * vis)[:, None] * sun[None, :] + scene.ambient * amb
    H = L[None, :] - Dh
    H /= np.linalg.norm(H, axis=1, keepdims=True)
    spec = ks * np.power(np.maximum((n * H).sum(1), 0.0), sh) * vis
    rad = alb * diffuse + spec[:, None] * sun[None, :]
    fog = 1.0 - np.exp(-scene.fog_density * th)
    haze = scene.sky_horizon * 0.9
    col[hit] = rad * (1 - fog[:, None]) + haze[None, :] * fog[:, None]
    return col


def _tonemap(x, exposure):
    x = x * exposure
    # Filmic curve (ACES fit) so highlights roll off instead of clipping flat.
    y = (x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14)
    return np.clip(y, 0.0, 1.0) ** (1.0 / 2.2)


def render(scene, camera, size):
    """Render `scene` seen by `camera` at size (int or (H, W)).

    Returns dict(rgb uint8 [H,W,3], depth float32 [H,W] z distance along the
    view axis (inf for sky), normal float32 [H,W,3] unit camera-space normals
    (x right, y up, z toward the viewer; sky = (0,0,1)), seg uint8 [H,W] ids)."""
    h, w = _size(size)
    origin = camera.pos.astype(np.float32)
    acc = np.zeros((h * w, 3), np.float32)
    for (dx, dy), L in zip(_SUB, _sun_dirs(scene)):
        acc += _shade(scene, origin, _rays(camera, h, w, dx, dy), L)
    rgb = _tonemap(acc * 0.25, scene.exposure)

    r, u, f = (v.astype(np.float32) for v in camera.basis())
    D = _rays(camera, h, w)
    t, idx = trace(scene.surfaces, origin, D)
    hit = idx >= 0
    depth = np.where(hit, t * (D @ f), np.inf).astype(np.float32)
    normal = np.tile(np.array([0.0, 0.0, 1.0], np.float32), (h * w, 1))
    seg = np.zeros(h * w, np.uint8)
    P = origin + t[hit, None] * D[hit]
    ih = idx[hit]
    nw = np.empty_like(P)
    cls = np.empty(P.shape[0], np.uint8)
    for k in np.unique(ih):
        m = ih == k
        nw[m], _ = surface_frame(scene.surfaces[k], P[m])
        cls[m] = scene.surfaces[k].cls
    flip = (nw * D[hit]).sum(1) > 0
    nw[flip] *= -1
    normal[hit] = np.stack([nw @ r, nw @ u, -(nw @ f)], 1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    seg[hit] = cls
    return {"rgb": np.round(rgb * 255).astype(np.uint8).reshape(h, w, 3),
            "depth": depth.reshape(h, w),
            "normal": normal.reshape(h, w, 3).astype(np.float32),
            "seg": seg.reshape(h, w)}
