"""The ST-VAE's second stage, as the paper's (images, then videos): lavin-tiny's
image-trained ST-VAE learns clips (1 + 4k frames through the causal temporal
compression) without changing what it does to a single picture.

With T = 1 every causal 3x3x3 convolution sees its frame three times, so a
picture's path depends on each kernel only through its sum over time, and
on nothing else that time touches (the temporal pooling and nearest
upsampling have no weights). This stage trains only the part of each 3x3x3
kernel that sums to zero over time: K = K0 + D - mean_t(D). Every picture
encodes and decodes exactly as before (to float rounding), so the J-DiT's
image latents, and the image tasks' scores, stay where they are; a static
clip encodes to the picture's latent in every frame. Loss as the first
stage (L1 + MSE + 0.5 L1 on image gradients + a small KL) on flythrough
windows of RGB and depth-clip frames.

    /usr/bin/python3 -m tools.train.train_vae_clips --clips runs/clips.npz \
        --from tools/train/state/jdit.pt --run runs/vae-clips --minutes 20 [--resume]
"""
import argparse
import os
import sys

import numpy as np
import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools import train  # noqa: E402
from tools.train import checkpoint, clips, data  # noqa: E402
from tools.train.train_vae import add_run_args, fit, losses  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import stvae_reference as vref  # noqa: E402


def temporal(name, shape):
    """True for the kernels this stage trains: the causal 3x3x3 ones."""
    return name.endswith(".conv.weight") and len(shape) == 5 and shape[2] == 3


def compose(base, delta):
    """The weights: base, with each trained kernel's zero-time-sum part added."""
    w = dict(base)
    for k, d in delta.items():
        w[k] = base[k] + d - d.mean(2, keepdim=True)
    return w


def batch(pool, gen, size, frames, crop):
    """Windows of `frames` frames, RGB or depth, at random places and crops."""
    n, k, f = pool.shape[:3]
    items = []
    for _ in range(size):
        c, kind = torch.randint(0, n, (), generator=gen).item(), torch.randint(0, k, (), generator=gen).item()
        start = torch.randint(0, f - frames + 1, (), generator=gen).item()
        oy, ox = torch.randint(0, pool.shape[3] - crop + 1, (2,), generator=gen).tolist()
        items.append(pool[c, kind, start:start + frames, oy:oy + crop, ox:ox + crop])
    return data.to_unit(np.stack(items)).movedim(1, 2)


def add_stage_args(ap, crop, lr, seed):
    """The options of the ST-VAE stages that start from a J-DiT run's VAE."""
    ap.add_argument("--clips", required=True, help="the flythrough pool of tools.train.clips")
    ap.add_argument("--from", dest="source", help="a J-DiT state.pt whose folded ST-VAE to start from (a new run)")
    ap.add_argument("--frames", type=int, default=5, help="frames per flythrough window, 1 + 4k")
    add_run_args(ap, batch=4, crop=crop, lr=lr, seed=seed)


def start_stage(ap):
    """(the options, RUN/state.pt, the flythrough pool) of such a stage."""
    a = ap.parse_args()
    if not a.resume and not a.source:
        ap.error("a new run needs --from")
    train.use_cpus()
    os.makedirs(a.run, exist_ok=True)
    return a, os.path.join(a.run, "state.pt"), clips.load(a.clips)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_stage_args(ap, crop=48, lr=3e-4, seed=20261130)
    a, ckpt, pool = start_stage(ap)
    gen = torch.Generator()
    if a.resume:
        st = checkpoint.load(ckpt)
        vae, gen_state, step, spent = st["vae"], st["gen"], st["step"], st["seconds"]
        delta = {k: v.requires_grad_() for k, v in st["delta"].items()}
        gen.set_state(gen_state)
    else:
        vae = torch.load(a.source)["vae"]
        gen.manual_seed(a.seed)
        torch.manual_seed(a.seed)
        delta = {k: torch.zeros_like(v).requires_grad_() for k, v in vae["weights"].items() if temporal(k, v.shape)}
        step, spent = 0, 0.0
    base, cfg = vae["weights"], vae["config"]
    opt = torch.optim.AdamW(list(delta.values()), lr=a.lr, betas=(0.9, 0.99), weight_decay=0.0)
    if a.resume:
        opt.load_state_dict(st["opt"])
    def save(step, seconds):
        w = compose(base, {k: v.detach() for k, v in delta.items()})
        checkpoint.save(ckpt, vae=vae, delta={k: v.detach() for k, v in delta.items()}, opt=opt.state_dict(),
                        gen=gen.get_state(), step=step, seconds=seconds, weights=w, config=cfg)

    fit(a, list(delta.values()), opt,
        lambda: losses(compose(base, delta), cfg, batch(pool, gen, a.batch, a.frames, a.crop), gen, a.kl_weight,
                       vref.encode, vref.decode),
        save, step, spent, 5)

if __name__ == "__main__":
    main()
