"""The scene pool as ST-VAE posteriors, and the one rescaling of the latent
space that makes lavin's fixed normalisation ((z - SHIFT) * SCALE, from the
released model) give unit-variance latents for lavin-tiny's VAE.

The rescaling z -> a z is folded into the VAE's weights exactly: the
encoder's mean channels scale by a and its log-variances shift by 2 ln a;
every decoder layer that reads z divides its kernel by a. Zero padding of
a z is still zero, so the decoder's output does not change at all."""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
from pipeline_reference import SCALE, SHIFT  # noqa: E402

from tools.train import data  # noqa: E402
from tools.train import stvae_image as vae  # noqa: E402


@torch.no_grad()
def encode_pool(w, cfg, pics, chunk=48):
    """pics uint8 [N, K, H, W, 3] -> (mean, logvar) float16 [N, K, C, h, w]."""
    n, k = pics.shape[:2]
    flat = pics.reshape(n * k, *pics.shape[2:])
    out = torch.cat([vae.encode(w, cfg, data.to_unit(flat[i:i + chunk])) for i in range(0, n * k, chunk)])
    mean, logvar = out.chunk(2, 1)
    shape = (n, k) + tuple(mean.shape[1:])
    return mean.reshape(shape).half(), logvar.clamp(-30.0, 20.0).reshape(shape).half()


def rescale_factor(mean, logvar):
    """a such that (a z - SHIFT) * SCALE has unit variance over the pool."""
    var = mean.float().var().item() + logvar.float().exp().mean().item()
    return 1.0 / (SCALE * math.sqrt(var))


def fold(w, a):
    """VAE weights whose latent is a times this one's."""
    w = {k: v.clone() for k, v in w.items()}
    lat = w["decoder.conv_in.conv.weight"].shape[1]
    w["encoder.conv_out.conv.weight"][:lat] *= a
    w["encoder.conv_out.conv.bias"][:lat] *= a
    w["encoder.conv_out.conv.bias"][lat:] += 2 * math.log(a)
    for name in w:
        if name.startswith("decoder.") and name.endswith(".weight") and (
                name == "decoder.conv_in.conv.weight" or ".conv_y." in name or ".conv_b." in name):
            w[name] /= a
    return w


def normalise(z):
    return (z - SHIFT) * SCALE


def sample(mean, logvar, gen):
    """A posterior sample, normalised as lavin's pipeline does."""
    mean, logvar = mean.float(), logvar.float()
    return normalise(mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=gen))
