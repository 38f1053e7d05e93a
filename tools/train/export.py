"""Writes a trained lavin-tiny as the C engine loads it: lavin_dit.safetensors
(the J-DiT's EMA weights) and stvae.safetensors (the ST-VAE with the latent
rescaling folded in), f16, with the config, the kind, the native size and
the clip length in the metadata, and a model card.

    /usr/bin/python3 -m tools.train.export --run runs/jdit --out models/lavin-tiny
"""
import argparse
import datetime
import json
import os
import sys

import torch

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "reference"))
from make_jdit_fixtures import write_safetensors  # noqa: E402


def engine_config(cfg):
    """The reference's int patch size as the engine's [p, p]."""
    out = dict(cfg)
    out["patch_size"] = [cfg["patch_size"]] * 2
    return out


def budget(st):
    b = {"jdit_steps": st["step"], "jdit_minutes": round(st["seconds"] / 60, 1),
         "vae_steps": st["vae"]["step"], "vae_minutes": round(st["vae"]["seconds"] / 60, 1)}
    if "clip_steps" in st["vae"]:
        b["vae_clip_steps"] = st["vae"]["clip_steps"]
        b["vae_clip_minutes"] = round(st["vae"]["clip_seconds"] / 60, 1)
    if "decoder_steps" in st["vae"]:
        b["vae_decoder_steps"] = st["vae"]["decoder_steps"]
        b["vae_decoder_minutes"] = round(st["vae"]["decoder_seconds"] / 60, 1)
    return b


def card(cfg, vcfg, st, size, clip_frames):
    b = budget(st)
    return f"""# lavin-tiny

A small LaVin-DiT of the released architecture, trained by lavin's own
tools/train on procedural scenes from tools/render (training seeds below
10^9; contexts, examples and evaluation scenes are held out). Written by
tools/train/export.py on {datetime.date.today().isoformat()}.

- `lavin_dit.safetensors`: J-DiT {json.dumps(engine_config(cfg))}, f16, native size {size}x{size},
  clips of {clip_frames} frames (`lavin.clip_frames`: what `lavin video --clip` takes by default).
- `stvae.safetensors`: ST-VAE {json.dumps(vcfg)}, f16, latent rescaled by
  {st["vae"]["scale"]:.6g} (folded into the weights) so that lavin's fixed
  latent normalisation gives unit variance.

Training on a 2-core CPU (Debian's python3-torch): ST-VAE {b["vae_steps"]} steps,
{b["vae_minutes"]} min{clip_stage(b)}{decoder_stage(b)};
J-DiT {b["jdit_steps"]} steps, {b["jdit_minutes"]} min.
Tasks come only from the context pairs: depth, normal, segmentation, edges,
colorize{video_tasks(b)}. Scores are in the top-level README.
"""


def clip_stage(b):
    if "vae_clip_steps" not in b:
        return ""
    return (f", then {b['vae_clip_steps']} steps,\n{b['vae_clip_minutes']} min on flythrough clips "
            "(tools/train/train_vae_clips.py: pictures unchanged)")


def decoder_stage(b):
    if "vae_decoder_steps" not in b:
        return ""
    return (f", then {b['vae_decoder_steps']} steps,\n{b['vae_decoder_minutes']} min of the decoder alone "
            "(tools/train/train_vae_decoder.py: latents unchanged)")


def video_tasks(b):
    if "vae_clip_steps" not in b:
        return ""
    return ("; and, from flythroughs, clip depth (`lavin video --clip`\nwith the depth-clip context) "
            "and future frames (`lavin predict`)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, help="the J-DiT run folder")
    ap.add_argument("--out", required=True)
    ap.add_argument("--raw", action="store_true", help="the last weights instead of their EMA")
    ap.add_argument("--clip-frames", type=int, default=5,
                    help="the clip length lavin runs the clip tasks at (1 + 4k): lavin-tiny's clip depth scores "
                         "as well in the median at 5 frames as at 9, the length it trains on, and fails far less "
                         "(README, tools/evaluate_video.py --clip-frames 9,5)")
    ap.add_argument("--size", type=int, help="the native size, for a run folder without latents.pt "
                                             "(tools/train/state/jdit.pt copied alone)")
    a = ap.parse_args()
    if a.clip_frames < 1 or (a.clip_frames - 1) % 4:
        ap.error(f"--clip-frames {a.clip_frames}: a clip has 1 + 4k frames")
    st = torch.load(os.path.join(a.run, "state.pt"))
    lat_path = os.path.join(a.run, "latents.pt")
    if os.path.exists(lat_path):
        size = int(torch.load(lat_path)["size"])
    elif a.size:
        size = a.size
    else:
        ap.error(f"{lat_path}: missing; give --size")
    cfg, vae = st["config"], st["vae"]
    os.makedirs(a.out, exist_ok=True)
    weights = st["weights"] if a.raw else st["ema"]
    meta = {"lavin.config": json.dumps(engine_config(cfg), separators=(",", ":")), "lavin.model": "jdit",
            "lavin.size": f"{size}x{size}", "lavin.clip_frames": str(a.clip_frames),
            "lavin.training": json.dumps(budget(st), separators=(",", ":"))}
    write_safetensors(os.path.join(a.out, "lavin_dit.safetensors"), weights, meta, torch.float16)
    vmeta = {"lavin.config": json.dumps(vae["config"], separators=(",", ":")), "lavin.model": "stvae"}
    write_safetensors(os.path.join(a.out, "stvae.safetensors"), vae["weights"], vmeta, torch.float16)
    with open(os.path.join(a.out, "README.md"), "w") as f:
        f.write(card(cfg, vae["config"], st, size, a.clip_frames))
    print(f"{a.out}: J-DiT step {st['step']}, ST-VAE step {vae['step']}")


if __name__ == "__main__":
    main()
