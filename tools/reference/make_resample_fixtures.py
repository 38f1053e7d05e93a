#!/usr/bin/python3
"""Writes tests/fixtures/resample/*.safetensors: uint8-valued images, what
torch's antialiased bicubic interpolate makes of them in float32 ("float"),
and torchvision's resize of the same uint8 image ("uint8"). Values that are
uint8 are stored as F16, which holds every one of them exactly.

    /usr/bin/python3 tools/reference/make_resample_fixtures.py [OUTDIR]
"""
import os
import sys

import torch
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_jdit_fixtures import write_safetensors  # noqa: E402

# name, channels, (H, W) in, (h, w) out: down, up, mixed, identity, to one pixel
CASES = [
    ("down_37x53_16x16", 3, (37, 53), (16, 16)),
    ("up_64x48_128x96", 3, (64, 48), (128, 96)),
    ("mixed_300x200_512x512", 1, (300, 200), (512, 512)),
    ("width_only_41x90_41x29", 2, (41, 90), (41, 29)),
    ("height_only_33x20_70x20", 2, (33, 20), (70, 20)),
    ("same_96x128", 3, (96, 128), (96, 128)),
    ("point_5x7_1x1", 3, (5, 7), (1, 1)),
]


def image(gen, c, h, w):
    """Channel 0 a smooth gradient, channel 1 noise, channel 2 noise over a
    gradient: both the easy and the hard case for rounding."""
    ys = torch.linspace(0, 1, h).view(h, 1)
    xs = torch.linspace(0, 1, w).view(1, w)
    grad = (255 * (0.6 * ys + 0.4 * xs)).round()
    noise = torch.randint(0, 256, (h, w), generator=gen).float()
    planes = [grad, noise, (0.5 * grad + 0.5 * noise).round()]
    return torch.stack([planes[i % 3] if c > 1 else (planes[1] + planes[0]) / 2 for i in range(c)]).round()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../tests/fixtures/resample")
    os.makedirs(out, exist_ok=True)
    gen = torch.Generator().manual_seed(20261124)
    for name, c, (h, w), size in CASES:
        x = image(gen, c, h, w)
        fl = torch.nn.functional.interpolate(x[None], size=size, mode="bicubic", align_corners=False,
                                             antialias=True)[0]
        u8 = TF.resize(x.to(torch.uint8), list(size), InterpolationMode.BICUBIC, antialias=True)
        write_safetensors(os.path.join(out, name + ".safetensors"), {"x": x.half()}, None, torch.float16)
        write_safetensors(os.path.join(out, name + ".float.safetensors"), {"float": fl})
        write_safetensors(os.path.join(out, name + ".uint8.safetensors"), {"uint8": u8.half()}, None, torch.float16)


if __name__ == "__main__":
    main()
