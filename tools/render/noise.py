"""Lattice value noise and fractal sums of it, vectorised over point arrays.

Integer hashing (not a permutation table) keeps the noise a pure function of
(point, seed), so any subset of points can be evaluated in any order and the
result never depends on how a render was split into batches.
"""
import numpy as np

_PX = np.uint32(0x8DA6B343)
_PY = np.uint32(0xD8163841)
_PZ = np.uint32(0xCB1AB31F)
_M1 = np.uint32(0x2C1B3C6D)
_M2 = np.uint32(0x297A2D39)


def hash3(ix, iy, iz, seed):
    """Integer lattice coordinates -> float32 in [0, 1)."""
    h = (ix.astype(np.uint32) * _PX) ^ (iy.astype(np.uint32) * _PY)
    h ^= iz.astype(np.uint32) * _PZ
    h ^= np.uint32(seed & 0xFFFFFFFF)
    h ^= h >> np.uint32(15)
    h *= _M1
    h ^= h >> np.uint32(12)
    h *= _M2
    h ^= h >> np.uint32(15)
    return (h >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / 16777216.0)


def value_noise(p, seed):
    """Smooth noise in [0, 1] at points p [N, 3]."""
    f = np.floor(p)
    i = f.astype(np.int64)
    u = (p - f).astype(np.float32)
    u = u * u * (3.0 - 2.0 * u)
    x0, y0, z0 = i[:, 0], i[:, 1], i[:, 2]
    x1, y1, z1 = x0 + 1, y0 + 1, z0 + 1
    ux, uy, uz = u[:, 0], u[:, 1], u[:, 2]

    def lerp(a, b, t):
        return a + (b - a) * t

    c00 = lerp(hash3(x0, y0, z0, seed), hash3(x1, y0, z0, seed), ux)
    c10 = lerp(hash3(x0, y1, z0, seed), hash3(x1, y1, z0, seed), ux)
    c01 = lerp(hash3(x0, y0, z1, seed), hash3(x1, y0, z1, seed), ux)
    c11 = lerp(hash3(x0, y1, z1, seed), hash3(x1, y1, z1, seed), ux)
    return lerp(lerp(c00, c10, uy), lerp(c01, c11, uy), uz)


def fbm(p, seed, octaves=4, gain=0.5):
    """Fractal sum of value noise, normalised back to [0, 1]."""
    total = np.zeros(p.shape[0], np.float32)
    amp, norm = 1.0, 0.0
    q = p.astype(np.float32)
    for o in range(octaves):
        total += np.float32(amp) * value_noise(q, seed + 977 * o)
        norm += amp
        amp *= gain
        # An irrational-ish offset per octave hides the shared lattice origin.
        q = q * np.float32(2.03) + np.float32(17.17)
    return total / np.float32(norm)
