#!/usr/bin/python3
"""Checks lavin's ST-VAE reference (stvae_reference.py) against the official
AutoencoderKLSTVAE on a tiny random model.

    /usr/bin/python3 tools/reference/check_official_vae.py PATH/TO/LaVin-DiT

The official module imports diffusers (for get_activation), which Debian does
not package; a stand-in goes into sys.modules first. No official code is
contained here.
"""
import os
import sys
import types

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stvae_reference as ref  # noqa: E402

CFG = {"block_out_channels": [32, 64], "layers_per_block": 1, "latent_channels": 4, "norm_num_groups": 32,
       "temporal_compression_ratio": 2}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for name in ("diffusers", "diffusers.models"):
        sys.modules[name] = types.ModuleType(name)
    act = types.ModuleType("diffusers.models.activations")
    act.get_activation = lambda name: nn.SiLU()
    sys.modules["diffusers.models.activations"] = act
    sys.path.insert(0, sys.argv[1])
    from lib.model.vae3d import AutoencoderKLSTVAE

    torch.set_grad_enabled(False)
    n = len(CFG["block_out_channels"])
    model = AutoencoderKLSTVAE(block_out_channels=tuple(CFG["block_out_channels"]),
                               down_block_types=("STVAEDownBlock3D",) * n, up_block_types=("STVAEUpBlock3D",) * n,
                               layers_per_block=CFG["layers_per_block"], latent_channels=CFG["latent_channels"],
                               norm_num_groups=CFG["norm_num_groups"],
                               temporal_compression_ratio=CFG["temporal_compression_ratio"]).eval()
    gen = torch.Generator().manual_seed(3)
    w = {k: 0.1 * torch.randn(v.shape, generator=gen) + (1.0 if k.endswith("norm_layer.weight") else 0.0)
         for k, v in model.state_dict().items()}
    model.load_state_dict(w)
    worst = 0.0
    for T in (1, 3, 5):
        x = torch.randn(1, 3, T, 16, 24, generator=gen)
        a, b = model.encoder(x), ref.encode(w, CFG, x)
        err = ((a - b).norm() / a.norm()).item()
        worst = err if not err <= worst else worst
        print(f"  {tuple(a.shape)}: {err:.3g} (|out| {a.norm().item():.3g})")
    for T in (1, 2, 3):
        z = torch.randn(1, 4, T, 4, 6, generator=gen)
        a, b = model.decoder(z), ref.decode(w, CFG, z)
        err = ((a - b).norm() / a.norm()).item()
        worst = err if not err <= worst else worst
        print(f"  {tuple(a.shape)}: {err:.3g} (|out| {a.norm().item():.3g})")
    print(f"encoder and decoder, T in 1..5: worst normalised error {worst:.3g}")
    sys.exit(0 if worst < 1e-5 else 1)


if __name__ == "__main__":
    main()
