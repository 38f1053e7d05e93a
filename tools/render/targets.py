"""Target encodings of the in-context tasks: THE contract with lavin's C
post-processing, which decodes exactly these. Every image is uint8 RGB.

depth:        gray (R=G=B) normalised inverse depth over the image's (or a
              clip's) own range: v = (1/d - 1/dmax) / (1/dmin - 1/dmax),
              value round(255 v); near = bright; sky (d = inf) = 0.
normal:       round((n * 0.5 + 0.5) * 255), n unit, camera space (x right,
              y up, z toward the viewer); sky = (128, 128, 255).
segmentation: PALETTE[class id] (0 sky, 1 ground, 2 wall, 3 sphere, 4 box,
              5 cylinder); colours pairwise >= 100 apart in RGB.
edges:        255 on edges, 0 elsewhere (R=G=B), canny() on the RGB's luma.
colorize:     input = round(luma) as gray RGB (BT.601), target = the RGB.
"""
import numpy as np

PALETTE = np.array([
    (0, 128, 255),    # 0 sky
    (128, 64, 0),     # 1 ground
    (200, 200, 200),  # 2 wall
    (255, 0, 0),      # 3 sphere
    (0, 255, 0),      # 4 box
    (255, 0, 255),    # 5 cylinder
], np.uint8)

# Canny parameters (luma in 0..255; Sobel magnitude of the blurred luma).
CANNY_SIGMA = 1.2
CANNY_LOW = 20.0
CANNY_HIGH = 50.0


def _gray3(v):
    return np.repeat(v[..., None], 3, axis=-1)


def depth_range(depths):
    """(dmin, dmax) over the finite values of one depth map or a sequence of
    them (one range for a whole clip keeps its encoding temporally stable)."""
    vals = [d[np.isfinite(d)] for d in (depths if isinstance(depths, (list, tuple))
                                        else [depths])]
    vals = np.concatenate([v.ravel() for v in vals])
    if vals.size == 0:
        return 1.0, 1.0
    return float(vals.min()), float(vals.max())


def depth_to_unit(depth, dmin=None, dmax=None):
    """Normalised inverse depth v in [0, 1] (sky 0) as float32."""
    if dmin is None or dmax is None:
        dmin, dmax = depth_range(depth)
    finite = np.isfinite(depth)
    inv = np.where(finite, 1.0 / np.where(finite, depth, 1.0), 0.0)
    span = 1.0 / dmin - 1.0 / dmax
    if span <= 0:
        v = np.where(finite, 1.0, 0.0)
    else:
        v = np.where(finite, (inv - 1.0 / dmax) / span, 0.0)
    return np.clip(v, 0.0, 1.0).astype(np.float32)


def encode_depth(depth, dmin=None, dmax=None):
    return _gray3(np.round(depth_to_unit(depth, dmin, dmax) * 255).astype(np.uint8))


def decode_depth(img):
    """Normalised inverse depth v in [0, 1] from an encoded depth image."""
    return img[..., 0].astype(np.float32) / 255.0


def encode_normal(normal):
    return np.round((np.clip(normal, -1, 1) * 0.5 + 0.5) * 255).astype(np.uint8)


def decode_normal(img):
    n = img.astype(np.float32) / 255.0 * 2.0 - 1.0
    return n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)


def encode_seg(seg):
    return PALETTE[seg]


def decode_seg(img):
    """Class ids by nearest palette colour."""
    d = ((img[..., None, :].astype(np.int32) - PALETTE.astype(np.int32)) ** 2).sum(-1)
    return np.argmin(d, axis=-1).astype(np.uint8)


def luma(rgb):
    """BT.601 luma in 0..255 (float32)."""
    rgb = rgb.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def encode_gray(rgb):
    return _gray3(np.round(luma(rgb)).astype(np.uint8))


def _blur(img, sigma):
    r = int(np.ceil(3 * sigma))
    x = np.arange(-r, r + 1, dtype=np.float32)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    k /= k.sum()
    p = np.pad(img, r, mode="reflect")
    h, w = img.shape
    tmp = sum(k[i] * p[:, i:i + w] for i in range(2 * r + 1))
    return sum(k[i] * tmp[i:i + h, :] for i in range(2 * r + 1))


def canny(gray, sigma=CANNY_SIGMA, low=CANNY_LOW, high=CANNY_HIGH):
    """Boolean edge map: gaussian blur, Sobel, non-max suppression along the
    gradient (4 directions), hysteresis (weak pixels kept when 8-connected
    to a strong one)."""
    g = _blur(gray.astype(np.float32), sigma)
    p = np.pad(g, 1, mode="edge")
    h, w = g.shape

    def s(dy, dx):
        return p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]

    gx = (s(-1, 1) + 2 * s(0, 1) + s(1, 1)) - (s(-1, -1) + 2 * s(0, -1) + s(1, -1))
    gy = (s(1, -1) + 2 * s(1, 0) + s(1, 1)) - (s(-1, -1) + 2 * s(-1, 0) + s(-1, 1))
    mag = np.hypot(gx, gy)
    ang = (np.degrees(np.arctan2(gy, gx)) + 180.0) % 180.0
    m = np.pad(mag, 1, mode="constant")

    def n(dy, dx):
        return m[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]

    d0 = (ang < 22.5) | (ang >= 157.5)
    d45 = (ang >= 22.5) & (ang < 67.5)
    d90 = (ang >= 67.5) & (ang < 112.5)
    d135 = (ang >= 112.5) & (ang < 157.5)
    # Rows grow downward while gy points up-image-positive for +row, so the
    # 45-degree gradient runs to (+1 row, +1 col).
    keep = ((d0 & (mag >= n(0, -1)) & (mag >= n(0, 1)))
            | (d90 & (mag >= n(-1, 0)) & (mag >= n(1, 0)))
            | (d45 & (mag >= n(-1, -1)) & (mag >= n(1, 1)))
            | (d135 & (mag >= n(-1, 1)) & (mag >= n(1, -1))))
    nms = np.where(keep, mag, 0.0)
    strong = nms >= high
    weak = nms >= low
    edges = strong.copy()
    while True:
        e = np.pad(edges, 1)
        grown = np.zeros_like(edges)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                grown |= e[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]
        grown &= weak
        if (grown == edges).all():
            return edges
        edges = grown


def encode_edges(rgb):
    return _gray3(np.where(canny(luma(rgb)), 255, 0).astype(np.uint8))
