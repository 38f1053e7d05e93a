"""The ST-VAE's third stage: a trained J-DiT run's decoder trained on, its
encoder frozen, so that every latent the J-DiT learnt from (and answers
with) means what it meant, and only what the latents turn back into gets
sharper.

Why: lavin-tiny's ST-VAE had 46 minutes of training, and its reconstruction
bounds every answer: on the held-out flythroughs, at the release of step
21000, a perfect prediction of the next four frames decoded 1.8 dB above
repeating the last frame, the J-DiT's own 0.9 dB below it, and on the
bundled checkerboard flythrough the reconstruction itself is a smear.
Training the decoder alone needs no J-DiT retraining. Batches alternate
between flythrough windows (RGB and depth-clip frames, through the causal
temporal compression) and pictures of every task (T = 1); loss as the first
stage (L1 + MSE + 0.5 L1 on image gradients), decoding the posterior sample.

    /usr/bin/python3 -m tools.train.train_vae_decoder --pool runs/pool.npz --clips runs/clips.npz \
        --from runs/jdit/state.pt --run runs/vae-decoder --minutes 60 [--resume]
"""
import argparse
import itertools
import os
import sys

import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.train import checkpoint, data, train_vae, train_vae_clips  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import stvae_reference as vref  # noqa: E402


def trained(name):
    """True for the weights this stage trains: the decoder's."""
    return name.startswith("decoder.")


def frozen_encode(w, cfg, x):
    """The encoder outside the graph: its weights stay the run's."""
    with torch.no_grad():
        return vref.encode(w, cfg, x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pool", required=True, help="the picture pool of tools.train.data")
    train_vae_clips.add_stage_args(ap, crop=64, lr=1e-4, seed=20261201)
    a, ckpt, pool = train_vae_clips.start_stage(ap)
    pics, _, _ = data.load_pool(a.pool)
    gen = torch.Generator()
    if a.resume:
        st = checkpoint.load(ckpt)
        vae, step, spent = st["vae"], st["step"], st["seconds"]
        gen.set_state(st["gen"])
    else:
        vae = torch.load(a.source)["vae"]
        gen.manual_seed(a.seed)
        # A run whose decoder was trained before counts on from there.
        step, spent = vae.get("decoder_steps", 0), vae.get("decoder_seconds", 0.0)
    w = {k: v.requires_grad_(trained(k)) for k, v in vae["weights"].items()}
    params = [v for k, v in w.items() if trained(k)]
    opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.99), weight_decay=0.0)
    if a.resume:
        opt.load_state_dict(st["opt"])
    turn = itertools.count(step + 1)  # the step each call makes: odd ones take flythroughs

    def terms():
        x = (train_vae_clips.batch(pool, gen, a.batch, a.frames, a.crop) if next(turn) % 2
             else train_vae.batch(pics, gen, 2 * a.batch, a.crop)[:, :, None])
        return train_vae.losses(w, vae["config"], x, gen, 0.0, frozen_encode, vref.decode)

    def save(step, seconds):
        new = {**vae, "weights": {k: v.detach() for k, v in w.items()}, "decoder_steps": step,
               "decoder_seconds": seconds}
        checkpoint.save(ckpt, vae=new, opt=opt.state_dict(), gen=gen.get_state(), step=step, seconds=seconds)

    train_vae.fit(a, params, opt, terms, save, step, spent, 10)


if __name__ == "__main__":
    main()
