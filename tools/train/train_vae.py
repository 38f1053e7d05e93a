"""Trains lavin-tiny's ST-VAE on single frames of the scene pool (every
task's pictures, so that targets reconstruct as well as photos): L1 + MSE,
an L1 term on image gradients for sharp edges, a small KL.

    /usr/bin/python3 -m tools.train.train_vae --pool runs/pool.npz --run runs/vae \
        --minutes 25 [--resume]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools import train  # noqa: E402
from tools.train import checkpoint, data  # noqa: E402
from tools.train import stvae_image as vae  # noqa: E402

CONFIG = {"block_out_channels": [32, 32, 64, 64], "layers_per_block": 1, "latent_channels": 16,
          "norm_num_groups": 32, "temporal_compression_ratio": 4}


def grad_l1(a, b):
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]  # noqa: E731
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]  # noqa: E731
    return (dx(a) - dx(b)).abs().mean() + (dy(a) - dy(b)).abs().mean()


def losses(w, cfg, x, gen, kl_weight, encode=vae.encode, decode=vae.decode):
    """The loss terms of a batch x of pictures (or, with the 3-D encode and
    decode, of clips)."""
    moments = encode(w, cfg, x)
    mean, logvar = moments.chunk(2, 1)
    logvar = logvar.clamp(-30.0, 20.0)
    z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=gen)
    rec = decode(w, cfg, z)
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
    terms = {"l1": (rec - x).abs().mean(), "mse": F.mse_loss(rec, x), "grad": grad_l1(rec, x), "kl": kl}
    terms["total"] = terms["l1"] + terms["mse"] + 0.5 * terms["grad"] + kl_weight * kl
    return terms


def batch(pics, gen, size, crop):
    n, k = pics.shape[:2]
    scene = torch.randint(0, n, (size,), generator=gen)
    kind = torch.randint(0, k, (size,), generator=gen)
    x = data.to_unit(pics[scene.numpy(), kind.numpy()])
    if crop < x.shape[-1]:
        oy, ox = torch.randint(0, x.shape[-1] - crop + 1, (2,), generator=gen).tolist()
        x = x[..., oy:oy + crop, ox:ox + crop]
    return x


def add_run_args(ap, batch, crop, lr, seed):
    """The options both ST-VAE stages share, with each stage's defaults."""
    ap.add_argument("--run", required=True, help="folder for checkpoints and the log")
    ap.add_argument("--minutes", type=float, required=True, help="training time of this invocation")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--batch", type=int, default=batch)
    ap.add_argument("--crop", type=int, default=crop)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--kl-weight", type=float, default=1e-6)
    ap.add_argument("--checkpoint-minutes", type=float, default=3.0)
    ap.add_argument("--seed", type=int, default=seed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pool", required=True)
    add_run_args(ap, batch=8, crop=64, lr=4e-4, seed=20261127)
    a = ap.parse_args()
    train.use_cpus()
    os.makedirs(a.run, exist_ok=True)
    ckpt = os.path.join(a.run, "state.pt")
    pics, _, _ = data.load_pool(a.pool)
    gen = torch.Generator()
    if a.resume:
        st = checkpoint.load(ckpt)
        w = {k: v.requires_grad_() for k, v in st["weights"].items()}
        gen.set_state(st["gen"])
        step, spent, cfg = st["step"], st["seconds"], st["config"]
    else:
        gen.manual_seed(a.seed)
        cfg = CONFIG
        w = {k: v.requires_grad_() for k, v in vae.init_weights(cfg, gen).items()}
        step, spent = 0, 0.0
    opt = torch.optim.AdamW(list(w.values()), lr=a.lr, betas=(0.9, 0.99), weight_decay=0.0)
    if a.resume:
        opt.load_state_dict(st["opt"])

    def save(step, seconds):
        checkpoint.save(ckpt, weights={k: v.detach() for k, v in w.items()}, opt=opt.state_dict(),
                        gen=gen.get_state(), step=step, seconds=seconds, config=cfg)

    fit(a, list(w.values()), opt, lambda: losses(w, cfg, batch(pics, gen, a.batch, a.crop), gen, a.kl_weight),
        save, step, spent, 20)


def fit(a, params, opt, terms_fn, save, step, spent, log_every):
    """The ST-VAE stages' loop: steps on terms_fn()'s "total" (gradient norm
    clipped at 1) for a.minutes, a line of every log_every-th step's terms
    in RUN/log.jsonl, save(step, seconds in all) every a.checkpoint_minutes
    and at the end."""
    log = open(os.path.join(a.run, "log.jsonl"), "a")
    start = last_save = time.time()
    while time.time() - start < a.minutes * 60:
        terms = terms_fn()
        opt.zero_grad(set_to_none=True)
        terms["total"].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        if step % log_every == 0:
            rec = {k: round(v.item(), 5) for k, v in terms.items()}
            log.write(json.dumps({"step": step, "seconds": round(spent + time.time() - start), **rec}) + "\n")
            log.flush()
        if time.time() - last_save > a.checkpoint_minutes * 60:
            save(step, spent + time.time() - start)
            last_save = time.time()
    save(step, spent + time.time() - start)
    print(f"{a.run}: step {step}, {(spent + time.time() - start) / 60:.1f} min in all")

if __name__ == "__main__":
    main()
