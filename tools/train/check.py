"""Checks of the training code (developer tool; needs torch, not run by CI):

1. the 2-D ST-VAE equals the 3-D reference on single frames;
2. its manifest and the J-DiT's are the released state dicts' (as listed in
   tests/data/models/);
3. folding the latent rescaling into the VAE leaves decoding unchanged;
4. the ST-VAE's clip stage (train_vae_clips.py) leaves pictures exactly as
   they were, and changes clips;
5. a J-DiT run stopped and resumed ends bit-identical to an uninterrupted
   one, with the video tasks and low t in the draw;
6. clip_head's head 1 scores a key as head 0 scores it SHIFT frames nearer;
7. the decoder stage (train_vae_decoder.py) trains the decoder alone, and
   a J-DiT run takes its decoder only with the run's own encoder.

    /usr/bin/python3 -m tools.train.check
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tools.render import flythrough  # noqa: E402
from tools.train import clip_head, clips, data, latents, train_jdit, train_vae, train_vae_clips  # noqa: E402
from tools.train.train_vae_decoder import trained as decoder_weight  # noqa: E402
from tools.train import stvae_image as vae  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
import jdit_reference as jref  # noqa: E402
import stvae_reference as vref  # noqa: E402
from make_stvae_fixtures import manifest_from_official_list  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "tests", "data", "models")
TINY4 = {"block_out_channels": [32, 32, 64, 64], "layers_per_block": 1, "latent_channels": 16,
         "norm_num_groups": 8, "temporal_compression_ratio": 4}


def report(what, ok):
    print(f"{'ok  ' if ok else 'FAIL'} {what}")
    return ok


def random_vae(cfg, gen):
    w = {}
    for k, shape in vae.manifest(cfg).items():
        fan = float(np.prod(shape[1:])) if len(shape) > 1 else 1.0
        w[k] = torch.randn(shape, generator=gen) / fan ** 0.5 + (1.0 if len(shape) == 1 and "weight" in k else 0.0)
    return w


def check_vae(gen):
    ok = True
    for cfg in (TINY4, train_vae.CONFIG):
        w = random_vae(cfg, gen)
        x = torch.rand(2, 3, 40, 24, generator=gen) * 2 - 1
        m2, m3 = vae.encode(w, cfg, x), vref.encode(w, cfg, x[:, :, None])[:, :, 0]
        z = torch.randn(2, cfg["latent_channels"], 5, 3, generator=gen)
        d2, d3 = vae.decode(w, cfg, z), vref.decode(w, cfg, z[:, :, None])[:, :, 0]
        err = max(((m2 - m3).norm() / m3.norm()).item(), ((d2 - d3).norm() / d3.norm()).item())
        ok &= report(f"2-D ST-VAE equals the 3-D reference ({cfg['block_out_channels']}): {err:.1e}", err < 1e-5)
        folded = latents.fold(w, 0.37)
        m = vae.encode(folded, cfg, x)
        c = cfg["latent_channels"]
        err = (vae.decode(folded, cfg, 0.37 * z) - d2).abs().max().item()
        err_m = (m[:, :c] - 0.37 * m2[:, :c]).abs().max().item()
        ok &= report(f"folded rescaling: decode {err:.1e}, encode {err_m:.1e}", err < 1e-4 and err_m < 1e-4)
    return ok


def check_clip_stage(gen):
    w = random_vae(train_vae.CONFIG, gen)
    delta = {k: torch.randn(v.shape, generator=gen) * 0.1 for k, v in w.items() if train_vae_clips.temporal(k, v.shape)}
    w2 = train_vae_clips.compose(w, delta)
    cfg = train_vae.CONFIG
    x = torch.rand(1, 3, 1, 24, 40, generator=gen) * 2 - 1
    z = torch.randn(1, cfg["latent_channels"], 1, 3, 5, generator=gen)
    def rel(fn, v):
        ref = fn(w, cfg, v)
        return ((fn(w2, cfg, v) - ref).norm() / ref.norm()).item()
    err = max(rel(vref.encode, x), rel(vref.decode, z))
    ok = report(f"clip stage: pictures encode and decode as before ({err:.1e})", err < 1e-5)
    moved = rel(vref.encode, torch.rand(1, 3, 5, 24, 40, generator=gen) * 2 - 1)
    return ok & report(f"clip stage: clips change ({moved:.1e})", moved > 1e-3)


def check_manifests():
    ok = report("ST-VAE manifest is the released layout",
                {k: list(v) for k, v in vae.manifest(TINY4).items()} ==
                manifest_from_official_list(os.path.join(MODELS, "stvae_tiny4.manifest")))
    path = os.path.join(MODELS, "jdit_tiny.manifest")
    with open(path) as f:
        cfg = json.loads(f.readline().split(" ", 2)[2])  # "# jdit {config}"
    cfg["patch_size"] = cfg["patch_size"][0]
    official = manifest_from_official_list(path)
    mine = {k: list(v) for k, v in jref.manifest(cfg).items()}
    return ok & report("J-DiT manifest is the released layout", mine == official)


def check_resume():
    with tempfile.TemporaryDirectory() as tmp:
        pool = os.path.join(tmp, "pool.npz")
        pics = np.stack([data.pictures(data.TRAIN_SEED_BASE + i, 32) for i in range(6)])
        np.savez(pool, pictures=pics, first_seed=data.TRAIN_SEED_BASE, size=32)
        clip_pool = os.path.join(tmp, "clips.npz")
        fly = [flythrough(clips.CLIP_SEED_BASE + i, clips.FRAMES, 32) for i in range(3)]
        np.savez(clip_pool, clips=np.stack([np.stack([f[k] for k in clips.KINDS]) for f in fly]),
                 z=np.stack([f["z"] for f in fly]), first_seed=clips.CLIP_SEED_BASE, frames=clips.FRAMES, size=32)
        vst = os.path.join(tmp, "vae")
        common = [sys.executable, "-m"]
        subprocess.run(common + ["tools.train.train_vae", "--pool", pool, "--run", vst, "--minutes", "0.05",
                                 "--crop", "32", "--batch", "2"], check=True, cwd=ROOT, capture_output=True)
        runs = []
        for name, plan in (("straight", [4]), ("resumed", [2, 4])):
            run = os.path.join(tmp, name)
            for k, steps in enumerate(plan):
                args = ["tools.train.train_jdit", "--pool", pool, "--vae", os.path.join(vst, "state.pt"), "--run",
                        run, "--steps", str(steps), "--batch", "3", "--clips", clip_pool,
                        "--task-weights", '{"depth-clip": 20, "predict": 20}', "--low-t", "0.5"]
                args += ["--resume"] if k else []
                subprocess.run(common + args, check=True, cwd=ROOT, capture_output=True)
            runs.append(torch.load(os.path.join(run, "state.pt")))
        same = all(torch.equal(runs[0]["ema"][k], runs[1]["ema"][k]) for k in runs[0]["ema"])
        ok = report("J-DiT run resumed at step 2 ends identical to one run of 4 steps", same)
        return ok & check_decoder_stage(common, pool, clip_pool, os.path.join(tmp, "straight"), runs[0]["vae"])


def check_decoder_stage(common, pool, clip_pool, run, vae_before):
    dec = os.path.join(os.path.dirname(run), "decoder")
    subprocess.run(common + ["tools.train.train_vae_decoder", "--pool", pool, "--clips", clip_pool, "--from",
                             os.path.join(run, "state.pt"), "--run", dec, "--minutes", "0.05", "--crop", "32",
                             "--batch", "2"], check=True, cwd=ROOT, capture_output=True)
    path = os.path.join(dec, "state.pt")
    after = torch.load(path)["vae"]["weights"]
    enc = all(torch.equal(v, after[k]) for k, v in vae_before["weights"].items() if not decoder_weight(k))
    moved = any(not torch.equal(v, after[k]) for k, v in vae_before["weights"].items() if decoder_weight(k))
    ok = report("decoder stage: encoder unchanged, decoder trained", enc and moved)
    swapped = train_jdit.swap_decoder(vae_before, path)
    ok &= report("decoder stage: a run takes the decoder", all(torch.equal(v, swapped["weights"][k])
                                                               for k, v in after.items()))
    other = {**vae_before, "weights": dict(vae_before["weights"])}
    k = next(k for k in other["weights"] if not decoder_weight(k))
    other["weights"][k] = other["weights"][k] + 1e-3
    try:
        train_jdit.swap_decoder(other, path)
        refused = False
    except SystemExit:
        refused = True
    return ok & report("decoder stage: a run with another encoder refuses it", refused)


def check_clip_head(gen):
    """Scores of one target query against keys at every position of a
    12-frame, 2x3 layout: head 1's at query frame m equal head 0's at m -
    shift (pair gains made equal first, so the graft is exact)."""
    cfg = {"hidden_size": 72, "depth": 1, "num_heads": 4, "kv_group": 2, "in_channels": 4, "patch_size": 2}
    w = jref.random_weights(cfg, gen)
    hd = cfg["hidden_size"] // cfg["num_heads"]
    d = hd // 3
    w["blocks.0.joint_attn.x_qnorm.weight"][d // 2:d] = w["blocks.0.joint_attn.x_qnorm.weight"][:d // 2]
    state = {"config": cfg, "weights": w, "ema": {k: v.clone() for k, v in w.items()},
             "opt": {"state": {i: {"exp_avg": torch.zeros_like(v), "exp_avg_sq": torch.ones_like(v)}
                               for i, v in enumerate(w.values())}}}
    w = clip_head.graft(state, 0, 3)["weights"]
    a = torch.randn(1, 1, 72, generator=gen).expand(1, 72, 72)  # one token's content at every position
    k = jref.rope3d(torch.randn(1, 12 * 6, 1, hd, generator=gen).expand(1, 72, 2, hd), 12, 2, 3)
    q = jref.rms(jref.linear(w, a, "blocks.0.joint_attn.x_q", False),
                 w["blocks.0.joint_attn.x_qnorm.weight"])
    q = jref.rope3d(q.reshape(1, 72, 4, hd), 12, 2, 3)
    s = torch.einsum("blhd,bmhd->bhlm", q[:, :, :2], k)[0]  # [head, query position, key position]
    err = (s[1, 3 * 6:, :] - s[0, :9 * 6, :]).abs().max().item()
    return report(f"clip head: head 1 is head 0 moved 3 frames back ({err:.1e})", err < 1e-4 * s.abs().max().item())


def main():
    torch.set_grad_enabled(False)
    gen = torch.Generator().manual_seed(5)
    ok = check_manifests() & check_vae(gen) & check_clip_stage(gen) & check_clip_head(gen)
    torch.set_grad_enabled(True)
    ok &= check_resume()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
